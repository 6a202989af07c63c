// A self-contained HTML report of an analysis or a diff document, to attach to a ticket: one
// file, inline CSS and SVG charts, no script, no external request (its own CSP forbids any),
// light and dark following the system. Built from the JSON documents alone (pure; runs in the
// browser and under Node: `heaplens report`). String contents of the dump are redacted unless
// `includeStrings` (see tables.ts).
import type { AnalysisJSON } from './analyze';
import type { DiffJSON, DiffRow } from './diff';
import { type TrendJSON, type TrendRow, sparkPoints } from './trend';
import { bytes } from './format';
import { coreThreadStacks } from './text/stacks';
import { heapKept } from './heap/kept';
import type { RegexJSON, StringsJSON } from './content/json';
import { contentTables } from './content/export';
import {
  DIFF_TABLES,
  type Table,
  type TableOptions,
  REDACTED,
  diagnosticsTable,
  diffRowsTable,
  heapExamplesTable,
  heapSignaturesTable,
  heapSizesTable,
  heapTypesTable,
  leakSignaturesTable,
  leakSizesTable,
  leakTypesTable,
  leakVerdictsTable,
  modulesTable,
  threadsTable,
  totalsTable,
  wordsTable,
} from './tables';

export interface ReportOptions extends TableOptions {
  /** Rows of each table (default 20); the CSV exports have them all. */
  top?: number;
  /** When the report was made (ISO text), shown in its header; absent: not shown. */
  generatedAt?: string;
  /** For a diff: the two analyses, to summarize each side. */
  analyses?: [AnalysisJSON, AnalysisJSON];
  /** For a diff of the first and last of three or more dumps: every group followed across them. */
  trend?: TrendJSON;
  /** Content scans run in the app (strings/keys census, regex count), reported after the word census. */
  content?: { strings?: StringsJSON; regex?: RegexJSON };
}

/** The report's own Content-Security-Policy: nothing may be loaded, inline styles only. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export function isDiff(doc: AnalysisJSON | DiffJSON): doc is DiffJSON {
  return (doc as DiffJSON).kind === 'diff';
}

export function reportHtml(doc: AnalysisJSON | DiffJSON, opts: ReportOptions = {}): string {
  const body = isDiff(doc) ? diffBody(doc, opts) : analysisBody(doc, opts);
  const title = isDiff(doc) ? `heaplens — what grew from ${doc.a.name} to ${doc.b.name}` : `heaplens report — ${doc.input.name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="${esc(doc.generator)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
<footer><p>Made by ${esc(doc.generator)} from the JSON document of docs/json.md${opts.generatedAt ? ` on ${esc(opts.generatedAt)}` : ''}. ${
    opts.includeStrings
      ? '<strong>This report includes string contents read from the dump.</strong>'
      : 'String contents of the dump (words that read as text, the bytes of blocks, the process’ arguments) are redacted.'
  } Tables show their largest rows; the app’s CSV exports hold every row.</p></footer>
</main>
</body>
</html>
`;
}

// ---- analysis ----------------------------------------------------------------------

function analysisBody(j: AnalysisJSON, opts: ReportOptions): string {
  const top = opts.top ?? 20;
  const out: string[] = [];
  out.push(`<header><h1>${esc(j.input.name)}</h1><p class="sub">heaplens report · ${esc(j.format)} · ${esc(j.machine)} · ${esc(bytes(j.input.size))}</p></header>`);
  out.push(`<section id="summary"><h2>Summary</h2>${summaryList(j, opts)}</section>`);
  const l = j.leaks;
  if (l) {
    out.push(`<section id="leaks"><h2>Leaks</h2>`);
    out.push(tiles([
      ['Leaked', l.leaked.count, l.leaked.bytes],
      ['Leak tops', l.unreferenced.count, l.unreferenced.bytes],
      ['Indirectly leaked', l.indirect.count, l.indirect.bytes],
      ['Anchored', l.anchored.count, l.anchored.bytes],
    ]));
    if (l.incomplete) out.push(`<p class="note warn">Bounded: ${esc(l.incomplete.message)}.</p>`);
    out.push(barChart('Leaked bytes by type', l.byType.slice(0, 12).map((r) => ({ label: r.type, value: r.bytes, note: `${n(r.count)} blocks` }))));
    out.push(tableHtml(leakVerdictsTable(l), top));
    out.push(tableHtml(leakTypesTable(l.byType), top));
    out.push(tableHtml(leakSizesTable(l.bySize), top));
    out.push(tableHtml(leakSignaturesTable(l.bySignature), top));
    out.push(`</section>`);
  }
  const skipped = j.diagnostics.find((d) => d.code === 'leaks.skipped');
  if (!l && skipped) out.push(`<section id="leaks"><h2>Leaks</h2><p class="note warn">Not computed: ${esc(skipped.message)}.</p></section>`);
  out.push(`<section id="map"><h2>Memory map</h2>`);
  out.push(barChart('Bytes in the core by label', [...j.totals].sort((a, b) => b.inCore - a.inCore).map((t) => ({ label: t.label, value: t.inCore, note: `${n(t.count)} mappings` }))));
  out.push(tableHtml(totalsTable(j.totals), top));
  out.push(`</section>`);
  const h = j.heap?.found ? j.heap : undefined;
  if (h) {
    out.push(`<section id="heap"><h2>Heap (glibc malloc)</h2>`);
    out.push(tiles([
      ['Used blocks', h.used.count, h.used.bytes],
      ['Free', h.free.count, h.free.bytes],
      ['Mmapped', h.mmapped.count, h.mmapped.bytes],
    ]));
    if (h.unwalked) out.push(`<p class="note warn">Bounded: the chunk table reached its limit; ${n(h.unwalked.bytes)} bytes of heap in ${n(h.unwalked.regions)} region(s) were not walked, so these counts are lower bounds (used bytes ≤ ${n(h.used.bytes + h.unwalked.bytes)}).</p>`);
    out.push(`<p>${n(h.arenas.length)} arena(s), ${n(h.chunks)} chunks walked; ${n(h.groupTotals.byType)} types, ${n(h.groupTotals.bySize)} sizes, ${n(h.groupTotals.bySignature)} signatures.</p>`);
    const k = heapKept(j);
    if (k) out.push(`<p class="note${k.verdict === 'in use' ? '' : ' warn'}" id="heap-kept"><b>Where malloc's memory is: ${esc(k.verdict)}.</b> ${esc(k.summary)}.${k.hints.length ? `</p><ul class="note">${k.hints.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '</p>'}`);
    out.push(barChart('Used bytes by type', h.byType.slice(0, 12).map((r) => ({ label: r.type, value: r.bytes, note: `${n(r.count)} blocks` }))));
    out.push(tableHtml(heapTypesTable(h.byType), top));
    out.push(tableHtml(heapSizesTable(h.bySize), top));
    out.push(tableHtml(heapSignaturesTable(h.bySignature), top));
    out.push(tableHtml(heapExamplesTable(h, 5, opts), top));
    out.push(`</section>`);
  } else if (j.heap) {
    out.push(`<section id="heap"><h2>Heap</h2><p>No glibc malloc heap was found (see the diagnostics).</p></section>`);
  }
  const w = j.words;
  if (w) {
    out.push(`<section id="census"><h2>Word census</h2>`);
    out.push(`<p>${n(w.words)} words in ${esc(bytes(w.bytesScanned))}: zero ${n(w.zeroWords)}, small integers ${n(w.smallWords)}, into mappings ${n(w.pointerWords)} (${n(w.distinctPointers)} distinct), other ${n(w.otherWords)}. ${esc(w.method)}${w.overflowWords ? ` ${n(w.overflowWords)} in-mapping words were counted approximately (the exact table filled).` : ''}</p>`);
    out.push(tableHtml(wordsTable('census-top', 'Most frequent words', w.top, j.wordSize, opts), top));
    out.push(tableHtml(wordsTable('census-vtables', 'Vtable candidates', w.vtableCandidates, j.wordSize, opts), top));
    out.push(`</section>`);
  }
  const ct = opts.content ? contentTables(opts.content, opts) : [];
  if (ct.length) out.push(`<section id="content"><h2>Content</h2>${ct.map((t) => tableHtml(t, top)).join('\n')}</section>`);
  out.push(`<section id="threads"><h2>Threads</h2>${stacksNote(j)}${tableHtml(threadsTable(j.threads), top)}</section>`);
  out.push(`<section id="modules"><h2>Modules</h2>${tableHtml(modulesTable(j.modules), top)}</section>`);
  if (j.diagnostics.length) out.push(`<section id="diagnostics"><h2>Diagnostics</h2>${tableHtml(diagnosticsTable(j.diagnostics), 100)}</section>`);
  return out.join('\n');
}

/** The thread stacks against the address space (seed 001 case 4), above the threads table; a warning when too little is left. */
function stacksNote(j: AnalysisJSON): string {
  const d = coreThreadStacks(j);
  if (!d) return '';
  const warn = d.verdict !== 'ok';
  return `<p class="note${warn ? ' warn' : ''}" id="thread-stacks"><b>Thread stacks: ${esc(d.verdict)}.</b> ${esc(d.summary)}${d.fix ? ` <b>Fix to try:</b> ${esc(d.fix)}` : ''}</p>`;
}

function summaryList(j: AnalysisJSON, opts: TableOptions): string {
  const p = j.process;
  const mapped = j.regions.reduce((a, r) => a + r.size, 0);
  const inCore = j.regions.reduce((a, r) => a + r.inCore, 0);
  const items: [string, string][] = [
    ['File', j.input.name],
    ['Size', `${n(j.input.size)} bytes (${bytes(j.input.size)})`],
    ['Format', `${j.format}, ${j.machine}, ${j.wordSize}-byte words`],
    ['PID', p.pid !== undefined ? String(p.pid) : '—'],
    ['Command', p.command ?? '—'],
    ['Arguments', p.args === undefined ? '—' : opts.includeStrings ? p.args : REDACTED],
    ['Signal', p.signal !== undefined ? String(p.signal) : '—'],
    ['Mappings', `${n(j.regions.length)}: ${bytes(mapped)} mapped, ${bytes(inCore)} in the core`],
    ['Threads', n(j.threads.length)],
  ];
  if (j.input.fingerprint) items.push(['Fingerprint', j.input.fingerprint]);
  return `<dl class="facts">${items.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>`;
}

// ---- diff --------------------------------------------------------------------------

function diffBody(d: DiffJSON, opts: ReportOptions): string {
  const top = opts.top ?? 20;
  const who = (s: DiffJSON['a']) => `${s.name}${s.pid !== undefined ? ` (pid ${s.pid}${s.command ? ` ${s.command}` : ''})` : ''}`;
  const out: string[] = [];
  out.push(`<header><h1>What grew</h1><p class="sub">from <b>${esc(who(d.a))}</b> to <b>${esc(who(d.b))}</b> · matched by ${esc(d.match)}</p></header>`);
  if (d.warnings.length) out.push(`<ul class="warnings">${d.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`);
  const growth = d.heap?.byType.length ? d.heap.byType : d.heap?.bySize ?? d.labels;
  out.push(barChart('Largest growth (Δ bytes of used blocks by type)', growth.filter((r) => r.delta.bytes > 0).slice(0, 12).map((r) => ({ label: r.label, value: r.delta.bytes, note: `${signed(r.delta.count)} blocks${r.exact ? '' : ' (bounded)'}${r.status === 'new' ? ' · new' : ''}` }))));
  if (opts.trend) out.push(trendSection(opts.trend, top));
  if (opts.analyses) {
    const [a, b] = opts.analyses;
    out.push(`<section id="sides"><h2>The two dumps</h2><div class="sides"><div><h3>Before</h3>${summaryList(a, opts)}</div><div><h3>After</h3>${summaryList(b, opts)}</div></div></section>`);
  }
  for (const t of DIFF_TABLES) {
    const rows = t.rows(d);
    if (!rows) continue;
    const always = t.key === 'heap-states' || t.key === 'leak-verdicts';
    const shown = always ? rows : rows.filter((r) => r.status !== 'same');
    out.push(`<section id="diff-${t.key}">${diffTableHtml(diffRowsTable(`diff-${t.key}`, t.title, shown), shown, top, rows.length)}</section>`);
  }
  return out.join('\n');
}

function diffTableHtml(t: Table, rows: DiffRow[], top: number, all: number): string {
  const shown = rows.slice(0, top);
  const amount = (a: DiffRow['a'], atMost?: number) => (a ? `${n(a.count)}<span class="u"> · ${esc(bytes(a.bytes))}</span>` : atMost !== undefined ? `≤ ${esc(bytes(atMost))}<span class="u"> (not listed)</span>` : '—');
  const body = shown.length
    ? shown.map((r) => `<tr class="s-${r.status}"><td>${esc(r.label)}${r.status === 'new' ? ' <span class="tag new">new</span>' : ''}${r.exact ? '' : ' <span class="tag bound" title="one side was not in a list that held only the largest groups">bounded</span>'}</td><td class="r">${amount(r.a, r.aAtMost)}</td><td class="r">${amount(r.b, r.bAtMost)}</td><td class="r">${signed(r.delta.count)}</td><td class="r">${esc(signedBytes(r.delta.bytes))}</td><td>${esc(r.status)}</td></tr>`).join('\n')
    : `<tr><td colspan="6" class="muted">No change.</td></tr>`;
  return `<table data-table="${esc(t.id)}"><caption>${esc(t.title)}${rows.length > shown.length || all > rows.length ? ` <span class="muted">— ${n(shown.length)} of ${n(rows.length)} changed${all > rows.length ? ` (${n(all)} groups)` : ''}</span>` : ''}</caption>
<thead><tr><th>Group</th><th class="r">Before (count · bytes)</th><th class="r">After</th><th class="r">Δ count</th><th class="r">Δ bytes</th><th>Change</th></tr></thead>
<tbody>
${body}
</tbody></table>`;
}

function trendSection(t: TrendJSON, top: number): string {
  const out: string[] = [`<section id="trend"><h2>Across all ${t.dumps.length} dumps</h2><p class="note">In the order taken: ${t.dumps.map((d, i) => `${i + 1}. ${esc(d.name)}`).join(' · ')}. <b>steady</b>: grew at every step (how a leak looks); <b>plateau</b>: grew, then flat (a cache filling up).</p>`];
  if (t.findings.length) out.push(`<ul class="findings">${t.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`);
  const tables: [keyof TrendJSON['tables'], string][] = [['heap.byType', 'Used blocks by type'], ['leaks.byType', 'Leaked blocks by type'], ['heap.bySize', 'Used blocks by usable size']];
  for (const [key, title] of tables) {
    const rows = (t.tables[key] ?? []).filter((r) => r.pattern !== 'same').slice(0, top);
    if (!rows.length) continue;
    const point = (p: TrendRow['points'][number]) => ('atMost' in p ? `≤ ${esc(bytes(p.atMost))}` : `${n(p.count)}<span class="u"> · ${esc(bytes(p.bytes))}</span>`);
    out.push(`<table data-table="trend-${esc(key)}"><caption>${esc(title)}</caption>
<thead><tr><th>Group</th>${t.dumps.map((_, i) => `<th class="r">Dump ${i + 1}</th>`).join('')}<th>Bytes</th><th class="r">Δ bytes</th><th>Pattern</th></tr></thead>
<tbody>
${rows.map((r) => `<tr class="p-${r.pattern}"><td>${esc(r.label)}</td>${r.points.map((p) => `<td class="r">${point(p)}</td>`).join('')}<td>${sparkline(r)}</td><td class="r">${r.delta ? esc(signedBytes(r.delta.bytes)) : '?'}</td><td>${esc(r.pattern)}</td></tr>`).join('\n')}
</tbody></table>`);
  }
  out.push('</section>');
  return out.join('\n');
}

/** Bytes of a group in each dump as a tiny inline SVG line. */
function sparkline(r: TrendRow): string {
  const W = 90;
  const H = 20;
  const pts = sparkPoints(r, W, H);
  return `<svg class="spark" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(pts.map((p) => bytes(p.bytes)).join(', '))}"><polyline fill="none" stroke="currentColor" stroke-width="1.5" points="${pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}"/></svg>`;
}

// ---- pieces ------------------------------------------------------------------------

function tableHtml(t: Table, top: number): string {
  const rows = t.rows.slice(0, top);
  const cell = (c: unknown, numeric?: boolean) => (c === undefined || c === '' ? '<td class="muted">—</td>' : `<td${numeric ? ' class="r"' : ''}>${esc(typeof c === 'number' ? n(c) : String(c))}</td>`);
  return `<table data-table="${esc(t.id)}"><caption>${esc(t.title)}${t.rows.length > rows.length ? ` <span class="muted">— top ${n(rows.length)} of ${n(t.rows.length)}</span>` : ''}</caption>
<thead><tr>${t.columns.map((c) => `<th${c.numeric ? ' class="r"' : ''}>${esc(c.label)}</th>`).join('')}</tr></thead>
<tbody>
${rows.length ? rows.map((r) => `<tr>${t.columns.map((c, i) => cell(r[i], c.numeric)).join('')}</tr>`).join('\n') : `<tr><td colspan="${t.columns.length}" class="muted">None.</td></tr>`}
</tbody></table>${t.note ? `<p class="note">${esc(t.note)}</p>` : ''}`;
}

function tiles(list: [string, number, number][]): string {
  return `<dl class="tiles">${list.map(([k, c, b]) => `<div><dt>${esc(k)}</dt><dd><span class="big">${n(c)}</span> <span class="u">${esc(bytes(b))}</span></dd></div>`).join('')}</dl>`;
}

/** Horizontal bars as inline SVG (no script, no external font or image). */
function barChart(title: string, bars: { label: string; value: number; note?: string }[]): string {
  if (!bars.length) return '';
  const W = 760;
  const LABEL = 250;
  const VALUE = 190;
  const ROW = 20;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const h = bars.length * ROW + 6;
  const clip = (s: string) => (s.length > 34 ? s.slice(0, 33) + '…' : s);
  const rows = bars
    .map((b, i) => {
      const y = i * ROW + 3;
      const w = Math.max(1, Math.round(((W - LABEL - VALUE) * b.value) / max));
      return `<g><title>${esc(`${b.label}: ${n(b.value)} bytes${b.note ? `, ${b.note}` : ''}`)}</title><text x="${LABEL - 8}" y="${y + 13}" text-anchor="end" class="lbl">${esc(clip(b.label))}</text><rect x="${LABEL}" y="${y + 2}" width="${w}" height="${ROW - 6}" rx="2" class="bar"/><text x="${LABEL + w + 6}" y="${y + 13}" class="val">${esc(bytes(b.value))}${b.note ? ` · ${esc(b.note)}` : ''}</text></g>`;
    })
    .join('');
  return `<figure class="chart"><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}">${rows}</svg></figure>`;
}

const NF = new Intl.NumberFormat('en-US');
const n = (x: number) => NF.format(x);
const signed = (x: number) => (x > 0 ? `+${n(x)}` : x < 0 ? `−${n(-x)}` : '0');
const signedBytes = (x: number) => (x > 0 ? `+${bytes(x)}` : x < 0 ? `−${bytes(-x)}` : '0 B');

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1d2330;--muted:#5d6678;--line:#dde1e8;--soft:#f3f5f8;--bar:#2f63d8;--new:#1d7a43;--warn:#8a5a00}
@media (prefers-color-scheme:dark){:root{--bg:#14171c;--fg:#dfe3ea;--muted:#a3abbb;--line:#2e343e;--soft:#1e232b;--bar:#6d9bff;--new:#6fd39a;--warn:#f3c66b}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
main{max-width:1100px;margin:0 auto;padding:20px}h1{font-size:22px;margin:0}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:8px 0}
.sub,.muted,.note,.u{color:var(--muted)}.note{font-size:12px;margin:2px 0 14px}
table{border-collapse:collapse;width:100%;margin:10px 0 4px;font-size:13px}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}th{background:var(--soft)}
.r{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:6px 16px;margin:0}.facts dt{color:var(--muted);font-size:12px}.facts dd{margin:0;overflow-wrap:anywhere}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}.tiles div{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:150px}.tiles dt{color:var(--muted);font-size:12px}.tiles dd{margin:0}.big{font-size:20px;font-weight:600}
.chart{margin:12px 0}.chart figcaption{font-weight:600;margin-bottom:4px}.chart svg{max-width:100%;height:auto}
.bar{fill:var(--bar)}.lbl,.val{fill:var(--fg);font:12px system-ui,sans-serif}.val{fill:var(--muted)}
.tag{font-size:11px;border:1px solid var(--line);border-radius:8px;padding:0 6px}.tag.new{color:var(--new);border-color:var(--new)}.tag.bound{color:var(--warn);border-color:var(--warn)}
.warnings,.note.warn{color:var(--warn)}.sides{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.spark{color:var(--muted);vertical-align:middle}.p-steady .spark{color:#c0362c}.p-plateau .spark{color:var(--warn)}.findings li{margin:2px 0}
footer{margin-top:32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line)}
`;
