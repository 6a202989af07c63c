// Every table of the analysis and diff documents as plain rows and columns, for the CSV
// exports (the app's "CSV" buttons, csv.ts) and the HTML report (report-html.ts). One place
// says what a table holds, so the app, the report and the CSV agree.
//
// String contents of the dump (census words that read as text, block heads, the process'
// arguments) are left out unless `includeStrings` is set: dumps hold secrets, and a report
// or a CSV is made to be attached to a ticket.
import type { AnalysisJSON, RegionJSON, WordJSON } from './analyze';
import type { DiffJSON, DiffRow, GroupTable } from './diff';
import type { TrendRow } from './trend';
import { wordAsText } from './format';

export type Cell = string | number | undefined;

export interface Column {
  label: string;
  /** Numbers (right-aligned in HTML). */
  numeric?: boolean;
}

export interface Table {
  /** Stable id, also the CSV file's name: `heap-types`, `diff-heap-types`… */
  id: string;
  title: string;
  columns: Column[];
  rows: Cell[][];
  /** What the table leaves out or how it is bounded, for people. */
  note?: string;
}

export interface TableOptions {
  /** Include string contents read from the dump (default: redacted). */
  includeStrings?: boolean;
}

/** What a redacted cell says instead of the string. */
export const REDACTED = '[redacted]';

const col = (label: string, numeric = false): Column => (numeric ? { label, numeric } : { label });

// ---- analysis ----------------------------------------------------------------------

export function regionsTable(regions: RegionJSON[]): Table {
  return {
    id: 'memory-map',
    title: 'Memory map',
    columns: [col('Start'), col('End'), col('Size', true), col('In core', true), col('Perms'), col('Label'), col('Detail'), col('File'), col('File offset')],
    rows: regions.map((r) => [r.start, r.end, r.size, r.inCore, r.perms, r.label, r.detail, r.file, r.fileOffset]),
  };
}

export function totalsTable(totals: AnalysisJSON['totals']): Table {
  return {
    id: 'map-totals',
    title: 'Memory by label',
    columns: [col('Label'), col('Mappings', true), col('Size', true), col('In core', true)],
    rows: totals.map((t) => [t.label, t.count, t.size, t.inCore]),
  };
}

export function modulesTable(modules: AnalysisJSON['modules']): Table {
  return {
    id: 'modules',
    title: 'Modules',
    columns: [col('Name'), col('Path'), col('Start'), col('End'), col('Load bias'), col('Build-id'), col('Executable'), col('Binary'), col('Matched by'), col('Symbols', true)],
    rows: modules.map((m) => [m.name, m.path, m.start, m.end, m.bias, m.buildId, m.executable ? 'yes' : 'no', m.binary?.name, m.binary?.matchedBy, m.binary?.symbols]),
  };
}

export function threadsTable(threads: AnalysisJSON['threads']): Table {
  return {
    id: 'threads',
    title: 'Threads',
    columns: [col('#', true), col('TID', true), col('Signal', true), col('SP'), col('IP'), col('Where'), col('Stack'), col('Thread pointer')],
    rows: threads.map((t) => [t.index, t.tid, t.signal, t.sp, t.ip, t.ipSymbol, t.stack, t.tp]),
  };
}

/** A census word's value, or REDACTED when its bytes read as text and strings are not included. */
export function wordValue(w: WordJSON, wordSize: number, opts: TableOptions): string {
  return !opts.includeStrings && w.kind === 'other' && wordAsText(w.value, wordSize) !== undefined ? REDACTED : w.value;
}

export function wordsTable(id: string, title: string, words: WordJSON[], wordSize: number, opts: TableOptions = {}): Table {
  const strings = !!opts.includeStrings;
  return {
    id,
    title,
    columns: [col('Value'), col('Count', true), col('Approximate'), col('Max error', true), col('Kind'), col('Vtable candidate'), col('Points into'), col('Region'), col('Module'), col('Symbol'), col('As text')],
    rows: words.map((w) => {
      const text = w.kind === 'other' ? wordAsText(w.value, wordSize) : undefined;
      return [
        wordValue(w, wordSize, opts), w.count, w.approx ? 'yes' : '', w.maxError, w.kind, w.vtableCandidate ? 'yes' : '',
        w.target?.label, w.target?.region, w.target?.module, w.target?.symbol, text === undefined ? '' : strings ? text : REDACTED,
      ];
    }),
    ...(strings ? {} : { note: 'Words that read as text are redacted (value and text).' }),
  };
}

export function pointersByLabelTable(rows: NonNullable<AnalysisJSON['words']>['pointersByLabel']): Table {
  return {
    id: 'census-labels',
    title: 'Words pointing into mappings, by label',
    columns: [col('Label'), col('Words', true), col('Distinct values', true)],
    rows: rows.map((r) => [r.label, r.words, r.distinct]),
  };
}

type Heap = NonNullable<AnalysisJSON['heap']>;
type Leaks = NonNullable<AnalysisJSON['leaks']>;

const examples = (list: (string | { address: string })[], n = 3) => list.slice(0, n).map((e) => (typeof e === 'string' ? e : e.address)).join(' ');

export function heapTypesTable(rows: Heap['byType']): Table {
  return {
    id: 'heap-types',
    title: 'Used blocks by type',
    columns: [col('Type'), col('Kind'), col('Count', true), col('Bytes', true), col('First word'), col('Module'), col('Symbol'), col('Examples')],
    rows: rows.map((r) => [r.type, r.kind, r.count, r.bytes, r.value, r.module, r.symbol, examples(r.examples)]),
  };
}

export function heapSizesTable(rows: Heap['bySize']): Table {
  return {
    id: 'heap-sizes',
    title: 'Used blocks by usable size',
    columns: [col('Usable size', true), col('Chunk size', true), col('Count', true), col('Bytes', true), col('Examples')],
    rows: rows.map((r) => [r.size, r.chunkSize, r.count, r.bytes, examples(r.examples)]),
  };
}

export function heapSignaturesTable(rows: Heap['bySignature']): Table {
  return {
    id: 'heap-signatures',
    title: 'Used blocks by (size, pointer signature)',
    columns: [col('Usable size', true), col('Pointer offsets'), col('Count', true), col('Bytes', true), col('Targets (first example)'), col('Examples')],
    rows: rows.map((r) => [r.size, r.offsets.join(' '), r.count, r.bytes, r.targets.map((t) => `+${t.offset} ${t.symbol ?? (t.module ? `${t.module} ${t.label}` : t.label)}`).join('; '), examples(r.examples)]),
  };
}

export function arenasTable(heap: Heap): Table {
  return {
    id: 'heap-arenas',
    title: 'Arenas',
    columns: [
      col('Arena', true), col('Address'), col('Main'), col('Heaps', true), col('System memory', true), col('Top chunk', true),
      col('Used', true), col('Used bytes', true), col('Free in bins', true), col('Bins bytes', true), col('tcache', true), col('tcache bytes', true), col('Fastbins', true), col('Fastbin bytes', true),
    ],
    rows: heap.arenas.map((a) => [
      a.index, a.address, a.main ? 'yes' : '', a.heaps.length, a.systemMem, a.topSize,
      a.used.count, a.used.chunkBytes, a.free.count, a.free.chunkBytes, a.tcache.count, a.tcache.chunkBytes, a.fastbin.count, a.fastbin.chunkBytes,
    ]),
  };
}

/** Example blocks of the largest signature groups with their first bytes (hex and ASCII only with strings). */
export function heapExamplesTable(heap: Heap, groups: number, opts: TableOptions = {}): Table {
  const rows: Cell[][] = [];
  for (const g of heap.bySignature.slice(0, groups)) {
    for (const e of g.examples.slice(0, 2)) {
      rows.push([e.address, e.size, `size ${g.size}, ${g.offsets.length ? `pointers at ${g.offsets.map((o) => `+${o}`).join(' ')}` : 'no pointers'}`, opts.includeStrings ? e.head : e.head ? REDACTED : '', opts.includeStrings ? asciiOf(e.head) : '']);
    }
  }
  return {
    id: 'heap-examples',
    title: 'Example blocks of the largest signature groups',
    columns: [col('Block'), col('Usable size', true), col('Group'), col('First bytes (hex)'), col('As ASCII')],
    rows,
    ...(opts.includeStrings ? {} : { note: 'The blocks’ bytes are redacted (they may hold strings: form bodies, tokens).' }),
  };
}

/** Printable ASCII of a hex string, '.' for the rest. */
export function asciiOf(head: string): string {
  return (head.match(/[0-9a-f]{2}/gi) ?? []).map((x) => {
    const c = parseInt(x, 16);
    return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }).join('');
}

export function leakVerdictsTable(l: Leaks): Table {
  return {
    id: 'leak-verdicts',
    title: 'Used blocks by verdict',
    columns: [col('Verdict'), col('Count', true), col('Bytes', true)],
    rows: [
      ['anchored', l.anchored.count, l.anchored.bytes],
      ['leaked', l.leaked.count, l.leaked.bytes],
      ['leak tops', l.unreferenced.count, l.unreferenced.bytes],
      ['indirectly leaked', l.indirect.count, l.indirect.bytes],
    ],
  };
}

export function leakTypesTable(rows: Leaks['byType']): Table {
  return {
    id: 'leak-types',
    title: 'Leaked blocks by type',
    columns: [col('Type'), col('Count', true), col('Bytes', true), col('Leak tops', true), col('Indirect', true), col('Examples')],
    rows: rows.map((r) => [r.type, r.count, r.bytes, r.unreferenced, r.indirect, examples(r.examples)]),
  };
}

export function leakSizesTable(rows: Leaks['bySize']): Table {
  return {
    id: 'leak-sizes',
    title: 'Leaked blocks by usable size',
    columns: [col('Usable size', true), col('Count', true), col('Bytes', true), col('Leak tops', true), col('Indirect', true), col('Examples')],
    rows: rows.map((r) => [r.size, r.count, r.bytes, r.unreferenced, r.indirect, examples(r.examples)]),
  };
}

export function leakSignaturesTable(rows: Leaks['bySignature']): Table {
  return {
    id: 'leak-signatures',
    title: 'Leaked blocks by (size, pointer signature)',
    columns: [col('Usable size', true), col('Pointer offsets'), col('Count', true), col('Bytes', true), col('Leak tops', true), col('Indirect', true), col('Examples')],
    rows: rows.map((r) => [r.size, r.offsets.join(' '), r.count, r.bytes, r.unreferenced, r.indirect, examples(r.examples)]),
  };
}

export function diagnosticsTable(d: AnalysisJSON['diagnostics']): Table {
  return {
    id: 'diagnostics',
    title: 'Diagnostics',
    columns: [col('Level'), col('Code'), col('Message'), col('File offset', true)],
    rows: d.map((x) => [x.level, x.code, x.message, x.offset]),
  };
}

/** Every table of an analysis document, in the order of the app's sections. */
export function analysisTables(j: AnalysisJSON, opts: TableOptions = {}): Table[] {
  const out: Table[] = [];
  if (j.leaks) {
    out.push(leakVerdictsTable(j.leaks), leakTypesTable(j.leaks.byType), leakSizesTable(j.leaks.bySize), leakSignaturesTable(j.leaks.bySignature));
  }
  out.push(regionsTable(j.regions), totalsTable(j.totals));
  if (j.heap?.found) out.push(heapTypesTable(j.heap.byType), heapSizesTable(j.heap.bySize), heapSignaturesTable(j.heap.bySignature), arenasTable(j.heap), heapExamplesTable(j.heap, 10, opts));
  out.push(threadsTable(j.threads));
  if (j.words) {
    out.push(
      wordsTable('census-top', 'Most frequent words', j.words.top, j.wordSize, opts),
      wordsTable('census-pointers', 'Most frequent pointers', j.words.topPointers, j.wordSize, opts),
      wordsTable('census-vtables', 'Vtable candidates', j.words.vtableCandidates, j.wordSize, opts),
      pointersByLabelTable(j.words.pointersByLabel),
    );
  }
  out.push(modulesTable(j.modules), diagnosticsTable(j.diagnostics));
  return out;
}

// ---- diff --------------------------------------------------------------------------

export function diffRowsTable(id: string, title: string, rows: DiffRow[]): Table {
  return {
    id,
    title,
    columns: [
      col('Group'), col('Key'), col('Change'), col('Exact'), col('Before count', true), col('Before bytes', true), col('Before at most (bytes)', true),
      col('After count', true), col('After bytes', true), col('After at most (bytes)', true), col('Δ count', true), col('Δ bytes', true),
    ],
    rows: rows.map((r) => [r.label, r.key, r.status, r.exact ? 'yes' : 'no', r.a?.count, r.a?.bytes, r.aAtMost, r.b?.count, r.b?.bytes, r.bAtMost, r.delta.count, r.delta.bytes]),
  };
}

/** The diff document's tables: `[section key, table]`. */
export const DIFF_TABLES: { key: string; title: string; rows: (d: DiffJSON) => DiffRow[] | undefined }[] = [
  { key: 'heap-states', title: 'Heap: blocks by state', rows: (d) => d.heap?.states },
  { key: 'heap-types', title: 'Used blocks by type', rows: (d) => d.heap?.byType },
  { key: 'heap-sizes', title: 'Used blocks by usable size', rows: (d) => d.heap?.bySize },
  { key: 'heap-signatures', title: 'Used blocks by (size, pointer signature)', rows: (d) => d.heap?.bySignature },
  { key: 'leak-verdicts', title: 'Leak verdicts', rows: (d) => d.leaks?.verdicts },
  { key: 'leak-types', title: 'Leaked blocks by type', rows: (d) => d.leaks?.byType },
  { key: 'leak-sizes', title: 'Leaked blocks by usable size', rows: (d) => d.leaks?.bySize },
  { key: 'leak-signatures', title: 'Leaked blocks by (size, pointer signature)', rows: (d) => d.leaks?.bySignature },
  { key: 'labels', title: 'Bytes in the dump by label', rows: (d) => d.labels },
  { key: 'regions', title: 'Mappings that changed (bytes in the dump)', rows: (d) => d.regions },
  { key: 'vtables', title: 'Vtable candidates (words; bytes = words × word size)', rows: (d) => d.vtables },
];

export function diffTables(d: DiffJSON): Table[] {
  return DIFF_TABLES.flatMap((t) => {
    const rows = t.rows(d);
    return rows ? [diffRowsTable(`diff-${t.key}`, t.title, rows)] : [];
  });
}

// ---- trend (three or more dumps) -----------------------------------------------------

/** A trend table: per dump count and bytes (or the bound when a cut list hid the group), Δ, pattern. */
export function trendRowsTable(id: string, title: string, rows: TrendRow[], dumps: number): Table {
  const per: Column[] = [];
  for (let i = 1; i <= dumps; i++) per.push(col(`Dump ${i} count`, true), col(`Dump ${i} bytes`, true), col(`Dump ${i} at most (bytes)`, true));
  return {
    id,
    title,
    columns: [col('Group'), col('Key'), col('Pattern'), ...per, col('Δ count (first → last)', true), col('Δ bytes (first → last)', true)],
    rows: rows.map((r) => [r.label, r.key, r.pattern, ...r.points.flatMap((p): Cell[] => ('atMost' in p ? [undefined, undefined, p.atMost] : [p.count, p.bytes, undefined])), r.delta?.count, r.delta?.bytes]),
  };
}

/** The trend document's tables: `[key, title, table key in TrendJSON]`. */
export const TREND_TABLES: { key: string; title: string; table: GroupTable }[] = [
  { key: 'heap-types', title: 'Used blocks by type', table: 'heap.byType' },
  { key: 'heap-sizes', title: 'Used blocks by usable size', table: 'heap.bySize' },
  { key: 'heap-signatures', title: 'Used blocks by (size, pointer signature)', table: 'heap.bySignature' },
  { key: 'heap-states', title: 'Heap: blocks by state', table: 'heap.states' },
  { key: 'leak-verdicts', title: 'Leak verdicts', table: 'leaks.verdicts' },
  { key: 'leak-types', title: 'Leaked blocks by type', table: 'leaks.byType' },
  { key: 'leak-sizes', title: 'Leaked blocks by usable size', table: 'leaks.bySize' },
];
// ---- content scans (src/engine/content/export.ts) -------------------------------------

export { contentKeysTable, contentStringsTable, contentTables, httpHeadersTable, httpRequestsTable, regexGroupsTable, regexMatchesTable } from './content/export';
