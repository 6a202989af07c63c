// Plain-text tables from the analysis JSON, for the CLI (and anything that wants text).
import type { AnalysisJSON, WordJSON } from './analyze';
import { bytes, hex, wordAsText } from './format';
import { heapKept } from './heap/kept';
import type { BlockReport } from './leaks';
import type { DiffJSON, DiffRow } from './diff';
import type { TrendJSON, TrendRow } from './trend';
import type { RegexJSON, StringsJSON } from './content/json';

export function table(headers: string[], rows: string[][], right: boolean[] = []): string {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [line(headers), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n') + '\n';
}

const kib = (n: number) => String(Math.ceil(n / 1024));

export function wordTarget(w: WordJSON, wordSize: number): string {
  if (!w.target) {
    if (w.kind === 'zero') return 'zero';
    if (w.kind === 'small') return 'small integer';
    const text = wordAsText(w.value, wordSize);
    return text ? `not a pointer; as text "${text}"` : 'not a pointer';
  }
  const t = w.target;
  const where = t.module ? `${t.module} ${t.label}` : t.detail ? `${t.label} (${t.detail})` : t.label;
  return t.symbol ? `${where}: ${t.symbol}` : where;
}

export function renderAnalysis(j: AnalysisJSON, opts: { top: number }): string {
  const out: string[] = [];
  const p = j.process;
  if (j.format === 'raw') {
    const i = j.input;
    out.push(`${i.name}: raw memory dump of ${i.base}–${i.end} (${bytes(i.size)}; base from ${i.baseFrom === 'option' ? '--base' : 'the file name'}), ${j.wordSize}-byte words`);
    out.push(i.maps ? `map: ${i.maps.name} (${i.maps.kind === 'core' ? 'a core' : i.maps.format ?? 'text'}, ${i.maps.mappings} mappings${i.maps.errors ? `, ${i.maps.errors} bad lines` : ''})` : 'map: none given (only the dump\'s own range counts as pointers)');
  } else out.push(`${j.input.name}: ${j.format}, ${j.machine}, ${bytes(j.input.size)}`);
  if (p.pid !== undefined) out.push(`process ${p.pid}${p.command ? ` (${p.command})` : ''}${p.args ? `: ${p.args}` : ''}${p.signal ? `, signal ${p.signal}` : ''}`);
  out.push('');
  out.push('Memory map');
  out.push(
    table(
      ['Address', 'Kbytes', 'InCore', 'Mode', 'Label', 'Mapping'],
      j.regions.map((r) => [r.start.slice(2).padStart(j.wordSize * 2, '0'), kib(r.size), kib(r.inCore), r.perms, r.label + (r.detail ? ` (${r.detail})` : ''), r.file ?? '']),
      [false, true, true],
    ),
  );
  out.push('Totals by label');
  out.push(table(['Label', 'Mappings', 'Kbytes', 'InCore'], j.totals.map((t) => [t.label, String(t.count), kib(t.size), kib(t.inCore)]), [false, true, true, true]));
  const bins = j.modules.filter((m) => m.binary);
  if (bins.length) {
    out.push('Binaries');
    out.push(table(['Module', 'Binary', 'Matched by', 'Symbols'], bins.map((m) => [m.path, m.binary!.name, m.binary!.matchedBy, String(m.binary!.symbols)])));
  }
  if (j.format !== 'raw') {
    out.push(`Threads (${j.threads.length})`);
    out.push(table(['#', 'TID', 'SP', 'IP', 'Where'], j.threads.map((t) => [String(t.index), String(t.tid), t.sp ?? '', t.ip ?? '', t.ipSymbol ?? ''])));
  }
  const w = j.words;
  if (w && opts.top > 0) {
    out.push(`Word census: ${w.words.toLocaleString('en-US')} words in ${bytes(w.bytesScanned)} (${w.regionsScanned} regions), ${w.elapsedMs} ms on ${w.workers} workers`);
    if (w.ranges) out.push(`  restricted to ${w.ranges.map((r) => `${r.start}–${r.end}`).join(', ')}`);
    out.push(`  zero ${w.zeroWords.toLocaleString('en-US')}, small ${w.smallWords.toLocaleString('en-US')}, into mappings ${w.pointerWords.toLocaleString('en-US')} (${w.distinctPointers.toLocaleString('en-US')} distinct), other ${w.otherWords.toLocaleString('en-US')}`);
    out.push(`  ${w.method}`);
    out.push('');
    const rows = (list: WordJSON[]) => list.slice(0, opts.top).map((x) => [x.value, (x.approx ? '≥' : '') + x.count.toLocaleString('en-US'), wordTarget(x, j.wordSize)]);
    out.push('Top words');
    out.push(table(['Value', 'Count', 'Points to'], rows(w.top), [false, true]));
    if (w.vtableCandidates.length) {
      out.push('Top vtable candidates (word-aligned pointers into module read-only data)');
      out.push(table(['Value', 'Count', 'Points to'], rows(w.vtableCandidates), [false, true]));
    }
  }
  if (j.heap && opts.top > 0) out.push(renderHeap(j, opts.top));
  if (j.leaks && opts.top > 0) out.push(renderLeaks(j, opts.top));
  if (j.diagnostics.length) {
    out.push('Diagnostics');
    for (const d of j.diagnostics) out.push(`  ${d.level}: ${d.message}${d.offset !== undefined ? ` (offset ${d.offset})` : ''}`);
    out.push('');
  }
  return out.join('\n');
}

const n = (x: number) => x.toLocaleString('en-US');

export function renderHeap(j: AnalysisJSON, top: number): string {
  const h = j.heap!;
  const out: string[] = [];
  if (!h.found) {
    out.push('Heap: no glibc malloc heap found (see diagnostics)\n');
    return out.join('\n');
  }
  if (h.raw) {
    out.push(`Heap (glibc malloc, walked in the dump): from ${h.raw.firstChunk} (${h.raw.foundBy}) to the ${h.raw.ended}${h.raw.top ? `, top ${h.raw.top} (${bytes(h.raw.topSize ?? 0)})` : ''}; ${n(h.chunks)} chunks in ${h.elapsedMs} ms`);
    out.push('  tcache and fastbin chunks cannot be told from used blocks without main_arena: they count as used');
  } else out.push(`Heap (glibc malloc): main_arena ${h.mainArena}, ${h.arenas.length} arena(s), safe-linking ${h.safeLinking === undefined ? 'unknown' : h.safeLinking ? 'on' : 'off'}, ${n(h.chunks)} chunks walked in ${h.elapsedMs} ms`);
  out.push(
    `  used ${n(h.used.count)} blocks, ${bytes(h.used.bytes)}; free ${n(h.free.count)} (bins ${n(h.free.bins)}, tcache ${n(h.free.tcache)}, fastbins ${n(h.free.fastbin)}), ${bytes(h.free.bytes)}; ` +
      `mmapped ${n(h.mmapped.count)} blocks, ${bytes(h.mmapped.bytes)}; allocator metadata ${n(h.meta.count)}`,
  );
  const k = heapKept(j);
  if (k) {
    out.push(`  Where malloc's memory is: ${k.verdict}. ${k.summary}.`);
    for (const x of k.hints) out.push(`    - ${x}`);
  }
  out.push('');
  if (h.arenas.length) out.push(
    table(
      ['Arena', 'Address', 'Heaps', 'System mem', 'Used', 'Free', 'Tcache', 'Fastbin'],
      h.arenas.map((a) => [a.main ? 'main' : String(a.index), a.address, String(a.heaps.length), bytes(a.systemMem), n(a.used.count), n(a.free.count), n(a.tcache.count), n(a.fastbin.count)]),
      [false, false, true, true, true, true, true, true],
    ),
  );
  if (h.byType.length) {
    out.push('Used blocks by type (first word → vtable, function or read-only data)');
    out.push(table(['Type', 'Kind', 'Count', 'Bytes', 'Example'], h.byType.slice(0, top).map((t) => [t.type, t.kind, n(t.count), bytes(t.bytes), t.examples[0]?.address ?? '']), [false, false, true, true]));
  }
  out.push('Used blocks by size (usable bytes)');
  out.push(table(['Size', 'Chunk', 'Count', 'Bytes', 'Example'], h.bySize.slice(0, top).map((s) => [n(s.size), n(s.chunkSize), n(s.count), bytes(s.bytes), s.examples[0] ?? '']), [true, true, true, true]));
  out.push('Used blocks by (size, pointer signature): byte offsets holding a pointer → what the first example points to');
  out.push(
    table(
      ['Size', 'Count', 'Bytes', 'Pointers at', 'Targets (first example)'],
      h.bySignature.slice(0, top).map((s) => [
        n(s.size), n(s.count), bytes(s.bytes),
        s.offsets.length ? s.offsets.slice(0, 8).join(',') + (s.offsets.length > 8 ? ',…' : '') : '—',
        s.targets.slice(0, 4).map((t) => `+${t.offset}:${t.symbol ?? (t.module ? `${t.module} ${t.label}` : t.label)}`).join(' '),
      ]),
      [true, true, true],
    ),
  );
  return out.join('\n');
}

export function renderLeaks(j: AnalysisJSON, top: number): string {
  const l = j.leaks!;
  const out: string[] = [];
  const t = (x: { count: number; bytes: number }) => `${n(x.count)} blocks, ${bytes(x.bytes)}`;
  out.push(`Leaks (reachability from ${n(l.rootRefs)} root references: ${Object.entries(l.rootsByKind).map(([k, v]) => `${k} ${n(v)}`).join(', ')}; ${n(l.edges)} references between ${n(l.blocks)} used blocks)`);
  out.push(`  leaked ${t(l.leaked)} — leak tops (nothing points to them) ${t(l.unreferenced)}, indirectly leaked ${t(l.indirect)}; anchored ${t(l.anchored)}`);
  out.push('');
  const row = (name: string, g: { count: number; bytes: number; unreferenced: number; indirect: number; examples: string[] }) => [name, n(g.count), bytes(g.bytes), n(g.unreferenced), n(g.indirect), g.examples[0] ?? ''];
  const head = ['Group', 'Leaked', 'Bytes', 'Tops', 'Indirect', 'Example'];
  const right = [false, true, true, true, true];
  if (l.byType.length) {
    out.push('Leaked blocks by type');
    out.push(table(head, l.byType.slice(0, top).map((g) => row(g.type, g)), right));
  }
  out.push('Leaked blocks by size');
  out.push(table(head, l.bySize.slice(0, top).map((g) => row(`size ${n(g.size)}`, g)), right));
  out.push('Leaked blocks by (size, pointer signature)');
  out.push(table(head, l.bySignature.slice(0, top).map((g) => row(`size ${n(g.size)} [${g.offsets.slice(0, 6).join(',')}${g.offsets.length > 6 ? ',…' : ''}]`, g)), right));
  if (l.shapes.length) {
    out.push('What leak tops point to (an example of each large group)');
    for (const s of l.shapes) out.push(`  ${s.group} ${s.example}: ${s.refs.length ? s.refs.map((r) => `+${r.offset} → ${r.target} (${n(r.size)} bytes, ${r.verdict})`).join('; ') : 'no references'}`);
    out.push('');
  }
  return out.join('\n');
}

export function renderBlock(b: BlockReport, opts: { chainOnly?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`Block ${hex(b.address)}: ${n(b.size)} usable bytes, ${b.verdict === 'leaked' ? 'leaked (a leak top: no used block points to it)' : b.verdict === 'indirect' ? 'leaked (indirectly: only leaked blocks point to it)' : 'anchored (reachable from a root)'}`);
  out.push('');
  if (!opts.chainOnly) {
    out.push(`Who points to it (${n(b.incomingTotal)})`);
    out.push(b.incoming.length ? table(['Block', 'At offset', 'Size', 'Verdict'], b.incoming.map((r) => [hex(r.address), `+${r.offset}`, n(r.size), r.verdict]), [false, true, true]) : '  no used block\n');
    out.push(`What it points to (${n(b.outgoing.length)})`);
    out.push(b.outgoing.length ? table(['From offset', 'Block', 'Size', 'Verdict'], b.outgoing.map((r) => [`+${r.offset}`, hex(r.address), n(r.size), r.verdict]), [true, false, true]) : '  no used block\n');
  }
  out.push('Shortest chain from a root');
  if (!b.chain.length) out.push('  none: the block is not reachable\n');
  else {
    for (const step of b.chain) out.push(step.root !== undefined ? `  ${step.root}` : `  → block ${hex(step.address!)} (${n(step.size!)} bytes)${step === b.chain[b.chain.length - 1] ? '' : ` +${step.offset}`}`);
    out.push('');
  }
  return out.join('\n');
}

export function renderDiff(d: DiffJSON, top: number): string {
  const out: string[] = [];
  const who = (s: DiffJSON['a']) => `${s.name}${s.pid !== undefined ? ` (pid ${s.pid}${s.command ? ` ${s.command}` : ''})` : ''}`;
  out.push(`What grew from ${who(d.a)} to ${who(d.b)}; matched by ${d.match}`);
  for (const w of d.warnings) out.push(`  warning: ${w}`);
  out.push('');
  const signed = (x: number, f: (v: number) => string) => (x > 0 ? '+' : x < 0 ? '−' : '') + f(Math.abs(x));
  const amt = (a: DiffRow['a'], atMost?: number) => (a ? `${n(a.count)} / ${bytes(a.bytes)}` : atMost !== undefined ? `≤ ${bytes(atMost)} (not listed)` : '—');
  const section = (title: string, rows: DiffRow[], opts: { onlyChanged?: boolean } = {}) => {
    const shown = (opts.onlyChanged ? rows.filter((r) => r.status !== 'same') : rows).slice(0, top);
    if (!shown.length) return;
    out.push(title);
    out.push(
      table(
        ['Group', 'Before (count / bytes)', 'After', 'Δ count', 'Δ bytes', 'Change'],
        shown.map((r) => [r.label, amt(r.a, r.aAtMost), amt(r.b, r.bAtMost), signed(r.delta.count, n), signed(r.delta.bytes, bytes), r.status + (r.exact ? '' : ' (bound)')]),
        [false, true, true, true, true],
      ),
    );
  };
  if (d.heap) {
    section('Heap', d.heap.states);
    section('Used blocks by type', d.heap.byType, { onlyChanged: true });
    section('Used blocks by size', d.heap.bySize, { onlyChanged: true });
    section('Used blocks by (size, pointer signature)', d.heap.bySignature, { onlyChanged: true });
  }
  if (d.leaks) {
    section('Leak verdicts', d.leaks.verdicts);
    section('Leaked blocks by type', d.leaks.byType, { onlyChanged: true });
    section('Leaked blocks by size', d.leaks.bySize, { onlyChanged: true });
  }
  section('Vtable candidates (words pointing at a vtable; bytes = words × word size)', d.vtables, { onlyChanged: true });
  section('Bytes in the dump by label', d.labels, { onlyChanged: true });
  section('Mappings that changed (bytes in the dump)', d.regions);
  return out.join('\n');
}

export function renderTrend(t: TrendJSON, top: number): string {
  const out: string[] = [];
  out.push(`What grew across ${t.dumps.length} dumps, in this order:`);
  t.dumps.forEach((d, i) => out.push(`  ${i + 1}. ${d.name}${d.pid !== undefined ? ` (pid ${d.pid}${d.command ? ` ${d.command}` : ''})` : ''}${i ? `; matched to ${i} by ${t.matches[i - 1]}` : ''}`));
  for (const w of t.warnings) out.push(`  warning: ${w}`);
  out.push('');
  if (t.findings.length) {
    out.push('Findings');
    for (const f of t.findings) out.push(`  ${f}`);
    out.push('');
  }
  const signed = (x: number) => (x > 0 ? '+' : x < 0 ? '−' : '') + bytes(Math.abs(x));
  const point = (p: TrendRow['points'][number]) => ('atMost' in p ? `≤ ${bytes(p.atMost)}` : `${n(p.count)} / ${bytes(p.bytes)}`);
  const section = (title: string, rows: TrendRow[] | undefined, all = false) => {
    const shown = (rows ?? []).filter((r) => all || r.pattern !== 'same').slice(0, top);
    if (!shown.length) return;
    out.push(title);
    out.push(
      table(
        ['Group', ...t.dumps.map((_, i) => `Dump ${i + 1} (count / bytes)`), 'Δ bytes', 'Pattern'],
        shown.map((r) => [r.label, ...r.points.map(point), r.delta ? signed(r.delta.bytes) : '?', r.pattern]),
        [false, ...t.dumps.map(() => true), true],
      ),
    );
  };
  section('Heap', t.tables['heap.states'], true);
  section('Used blocks by type', t.tables['heap.byType']);
  section('Used blocks by size', t.tables['heap.bySize']);
  section('Used blocks by (size, pointer signature)', t.tables['heap.bySignature']);
  section('Leak verdicts', t.tables['leaks.verdicts'], true);
  section('Leaked blocks by type', t.tables['leaks.byType']);
  section('Leaked blocks by size', t.tables['leaks.bySize']);
  out.push('Patterns: steady = grew at every step (how a leak looks); plateau = grew, then flat; grew = more at the end, not at every step.');
  return out.join('\n');
}

// ---- content: strings, keys, regex counts ------------------------------------------------

/** A string for a table cell: tabs and other controls escaped, cut at `max` characters. */
function cell(s: string, max = 60): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/[\x00-\x1f\x7f-\xff]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

const approx = (count: number, maxError?: number) => (maxError ? `${n(count)}–${n(count + maxError)}` : n(count));

function scope(set: StringsJSON['set']): string {
  const units = set.kind === 'blocks' ? `${n(set.unitsInCore)} blocks` : `${n(set.unitsInCore)} mappings`;
  return `${set.label} (${units}, ${bytes(set.bytes)}${set.missingBytes ? `; ${bytes(set.missingBytes)} not in the core` : ''})`;
}

function precisionLine(t: StringsJSON['tables']): string {
  const full = t.filter((x) => x.evictions > 0);
  if (!full.length) return '  exact: no table filled (every count below is the count in the dump, by 64-bit hash)';
  return `  approximate where a table filled: ${full.map((x) => `${x.name} (absent entries ≤ ${n(x.maxError)} times)`).join(', ')}; a range a–b is [count, count + maxError]`;
}

export function renderStrings(j: StringsJSON, top: number): string {
  const out: string[] = [];
  const t = j.totals;
  out.push(`Strings in ${scope(j.set)}: ${n(t.strings)} strings of ≥ ${j.options.minLength} characters (ASCII ${n(t.asciiStrings)}${j.options.utf16 ? `, UTF-16LE ${n(t.utf16Strings)}` : ''}), ${n(t.distinctStrings)} distinct; ${j.elapsedMs} ms on ${j.workers} worker${j.workers === 1 ? "" : "s"}`);
  out.push(precisionLine(j.tables));
  if (t.longStrings) out.push(`  ${n(t.longStrings)} strings are longer than ${n(j.options.maxStringBytes)} bytes: counted by their first ${n(j.options.maxStringBytes)} (marked …+)`);
  out.push('');
  const withBlocks = j.strings.some((s) => s.blocks);
  out.push(
    table(
      ['Count', 'Bytes', 'Enc', 'Text', 'Example', ...(withBlocks ? ['In block'] : [])],
      j.strings.slice(0, top).map((s) => [
        approx(s.count, s.maxError), bytes(s.bytes), s.encoding === 'ascii' ? 'ascii' : 'utf16', cell(s.text) + (s.long ? '…+' : ''), s.examples[0] ?? '',
        ...(withBlocks ? [s.blocks?.[0] ? `${s.blocks[0].address} (${n(s.blocks[0].size)}, ${s.blocks[0].verdict})` : '—'] : []),
      ]),
      [true, true],
    ),
  );
  return out.join('\n');
}

export function renderKeys(j: StringsJSON, top: number): string {
  const out: string[] = [];
  const t = j.totals;
  out.push(`key=value and "key: value" pairs in ${scope(j.set)}: ${n(t.pairs)} pairs, ${n(t.distinctKeys)} keys, ${n(t.distinctPairs)} distinct pairs; ${j.elapsedMs} ms on ${j.workers} worker${j.workers === 1 ? "" : "s"}`);
  out.push(precisionLine(j.tables));
  out.push('  ranked: keys whose values vary (2+ values seen 3+ times) first, by the count of their top value; HTTP header lines are under HTTP');
  out.push('');
  out.push(
    table(
      ['Key', 'Total', 'Values', 'Top value', 'Count', 'Next values'],
      j.keys.slice(0, top).map((k) => {
        const [v0, ...rest] = k.values;
        return [
          cell(k.key, 32), approx(k.total, k.maxError), (k.distinctAtLeast ? '≥' : '') + n(k.distinct),
          v0 ? cell(v0.separator === '=' ? `=${v0.value}` : `: ${v0.value}`, 40) : '', v0 ? approx(v0.count, v0.maxError) : '',
          rest.slice(0, 3).map((v) => `${cell(v.value, 16)} ×${n(v.count)}`).join(', ') + (rest.length > 3 ? ', …' : ''),
        ];
      }),
      [false, true, true, false, true],
    ),
  );
  out.push(renderHttp(j, top));
  return out.join('\n');
}

export function renderHttp(j: StringsJSON, top: number): string {
  const out: string[] = [];
  const h = j.http;
  out.push(`HTTP: ${n(j.totals.httpRequests)} request lines, ${n(j.totals.httpHeaders)} header lines`);
  if (h.requests.length) {
    out.push('Requests by method and path (query string left out)');
    out.push(table(['Count', 'Method', 'Path', 'Example'], h.requests.slice(0, top).map((r) => [approx(r.count, r.maxError), r.method, cell(r.path, 60), r.examples[0] ?? '']), [true]));
  }
  if (h.headers.length) {
    out.push('Headers by name: the most frequent values');
    out.push(
      table(
        ['Count', 'Header', 'Top values'],
        h.headers.slice(0, top).map((x) => [approx(x.count, x.maxError), cell(x.name, 30), x.values.slice(0, 3).map((v) => `${cell(v.value, 40)} ×${n(v.count)}`).join(', ')]),
        [true],
      ),
    );
  }
  return out.join('\n');
}

export function renderRegex(j: RegexJSON, first: number): string {
  const out: string[] = [];
  out.push(`/${j.pattern}/${j.flags} in ${scope(j.set)}: ${n(j.total)} matches; ${j.elapsedMs} ms on ${j.workers} worker${j.workers === 1 ? "" : "s"} (decode ${j.phasesMs.decode} ms, match ${j.phasesMs.match} ms summed over workers; ${j.decoder})`);
  out.push('');
  if (j.byRegion.length) {
    out.push('Matches by mapping');
    out.push(table(['Count', 'Label', 'Mapping', 'Start'], j.byRegion.slice(0, 30).map((r) => [n(r.count), r.label, r.name, r.start]), [true]));
  }
  if (j.blocks) {
    const b = j.blocks;
    out.push(`Matches by heap block: ${n(b.inBlocks)} in used blocks, ${n(b.outsideBlocks)} elsewhere`);
    out.push(table(['Verdict', 'Matches', 'Blocks'], b.byVerdict.map((v) => [v.verdict, n(v.matches), n(v.blocks)]), [false, true, true]));
    out.push(table(['Block size', 'Matches', 'Blocks'], b.bySize.slice(0, 20).map((s) => [n(s.size), n(s.matches), n(s.blocks)]), [true, true, true]));
  }
  if (j.matches.length && first > 0) {
    out.push(`First ${n(Math.min(first, j.matches.length))} matches`);
    out.push(
      table(
        ['Address', 'Block', 'Text'],
        j.matches.slice(0, first).map((m) => [m.address, m.block ? `${m.block.address} (${n(m.block.size)}, ${m.block.verdict})` : m.block === null ? '—' : '', cell(m.text, 80) + (m.length > m.text.length ? '…' : '')]),
      ),
    );
  }
  for (const d of j.diagnostics) out.push(`  ${d.level}: ${d.message}`);
  return out.join('\n') + '\n';
}
