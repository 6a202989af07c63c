// The content scans' tables (docs/json.md `kind: "strings"` and `kind: "regex"`) as plain rows
// for the CSV buttons and the HTML report (tables.ts re-exports them). These tables ARE the
// dump's string contents: every text cell is redacted unless `includeStrings` is set.
import type { Table, TableOptions } from '../tables';
import type { RegexJSON, StringsJSON } from './json';

const REDACTED = '[redacted]';
const col = (label: string, numeric = false) => (numeric ? { label, numeric } : { label });
const txt = (s: string, o: TableOptions) => (o.includeStrings ? s : REDACTED);
const scopeNote = (set: { label: string; bytes: number }) => `over ${set.label} (${set.bytes.toLocaleString('en-US')} bytes scanned)`;
const redactNote = (o: TableOptions) => (o.includeStrings ? '' : '; string contents redacted (the export option "include string contents" keeps them)');

export function contentStringsTable(j: StringsJSON, o: TableOptions = {}): Table {
  return {
    id: 'content-strings',
    title: 'Strings',
    columns: [col('String'), col('Encoding'), col('Length', true), col('Count', true), col('Max error', true), col('Bytes', true), col('Example')],
    rows: j.strings.map((s) => [txt(s.text, o), s.encoding, s.length, s.count, s.maxError, s.bytes, s.examples[0]]),
    note: `${scopeNote(j.set)}, strings of ${j.options.minLength}+ characters${redactNote(o)}`,
  };
}

export function contentKeysTable(j: StringsJSON, o: TableOptions = {}): Table {
  const rows: Table['rows'] = [];
  for (const k of j.keys) for (const v of k.values) rows.push([txt(k.key, o), k.total, k.distinct, v.separator.trim(), txt(v.value, o), v.count, v.maxError, v.examples[0]]);
  return {
    id: 'content-keys',
    title: 'key=value census',
    columns: [col('Key'), col('Key total', true), col('Distinct values', true), col('Separator'), col('Value'), col('Count', true), col('Max error', true), col('Example')],
    rows,
    note: `${scopeNote(j.set)}; keys ranked as the engine ranks them, each with its top values${redactNote(o)}`,
  };
}

export function httpRequestsTable(j: StringsJSON, o: TableOptions = {}): Table {
  return {
    id: 'content-http-requests',
    title: 'HTTP request lines',
    columns: [col('Method'), col('Path'), col('Count', true), col('Max error', true), col('Example')],
    rows: j.http.requests.map((r) => [r.method, txt(r.path, o), r.count, r.maxError, r.examples[0]]),
    note: scopeNote(j.set) + redactNote(o),
  };
}

export function httpHeadersTable(j: StringsJSON, o: TableOptions = {}): Table {
  const rows: Table['rows'] = [];
  for (const h of j.http.headers) {
    if (!h.values.length) rows.push([h.name, h.count, undefined, undefined, undefined]);
    for (const v of h.values) rows.push([h.name, h.count, txt(v.value, o), v.count, v.examples[0]]);
  }
  return {
    id: 'content-http-headers',
    title: 'HTTP headers',
    columns: [col('Header'), col('Header count', true), col('Value'), col('Count', true), col('Example')],
    rows,
    note: scopeNote(j.set) + redactNote(o),
  };
}

export function regexMatchesTable(j: RegexJSON, o: TableOptions = {}): Table {
  return {
    id: 'content-regex-matches',
    title: `First matches of /${j.pattern}/${j.flags}`,
    columns: [col('Address'), col('Length', true), col('Text'), col('Block'), col('Block size', true), col('Verdict')],
    rows: j.matches.map((m) => [m.address, m.length, txt(m.text, o), m.block?.address, m.block?.size, m.block?.verdict]),
    note: `${j.total.toLocaleString('en-US')} matches ${scopeNote(j.set)}${redactNote(o)}`,
  };
}

export function regexGroupsTable(j: RegexJSON): Table {
  const rows: Table['rows'] = [];
  for (const r of j.byRegion) rows.push(['mapping', `${r.start}-${r.end} ${r.name}`, r.label, r.count, undefined]);
  for (const g of j.blocks?.byVerdict ?? []) rows.push(['verdict', g.verdict, undefined, g.matches, g.blocks]);
  for (const g of j.blocks?.bySize ?? []) rows.push(['block size', String(g.size), undefined, g.matches, g.blocks]);
  return {
    id: 'content-regex-groups',
    title: `Matches of /${j.pattern}/${j.flags} by group`,
    columns: [col('Group'), col('Name'), col('Label'), col('Matches', true), col('Blocks', true)],
    rows,
    note: `${j.total.toLocaleString('en-US')} matches ${scopeNote(j.set)}; the pattern is the user's, not the dump's`,
  };
}

/** The tables of the content scans run in the app, for the report. */
export function contentTables(docs: { strings?: StringsJSON; regex?: RegexJSON }, o: TableOptions = {}): Table[] {
  const out: Table[] = [];
  if (docs.strings) out.push(contentKeysTable(docs.strings, o), contentStringsTable(docs.strings, o), httpRequestsTable(docs.strings, o), httpHeadersTable(docs.strings, o));
  if (docs.regex) out.push(regexGroupsTable(docs.regex), regexMatchesTable(docs.regex, o));
  return out;
}
