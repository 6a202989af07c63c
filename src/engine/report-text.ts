// Plain-text tables from the analysis JSON, for the CLI (and anything that wants text).
import type { AnalysisJSON, WordJSON } from './analyze';
import { bytes, hex, wordAsText } from './format';
import type { BlockReport } from './leaks';

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
  out.push(`${j.input.name}: ${j.format}, ${j.machine}, ${bytes(j.input.size)}`);
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
  out.push(`Threads (${j.threads.length})`);
  out.push(table(['#', 'TID', 'SP', 'IP', 'Where'], j.threads.map((t) => [String(t.index), String(t.tid), t.sp ?? '', t.ip ?? '', t.ipSymbol ?? ''])));
  const w = j.words;
  if (w && opts.top > 0) {
    out.push(`Word census: ${w.words.toLocaleString('en-US')} words in ${bytes(w.bytesScanned)} (${w.regionsScanned} regions), ${w.elapsedMs} ms on ${w.workers} workers`);
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
  out.push(`Heap (glibc malloc): main_arena ${h.mainArena}, ${h.arenas.length} arena(s), safe-linking ${h.safeLinking === undefined ? 'unknown' : h.safeLinking ? 'on' : 'off'}, ${n(h.chunks)} chunks walked in ${h.elapsedMs} ms`);
  out.push(
    `  used ${n(h.used.count)} blocks, ${bytes(h.used.bytes)}; free ${n(h.free.count)} (bins ${n(h.free.bins)}, tcache ${n(h.free.tcache)}, fastbins ${n(h.free.fastbin)}), ${bytes(h.free.bytes)}; ` +
      `mmapped ${n(h.mmapped.count)} blocks, ${bytes(h.mmapped.bytes)}; allocator metadata ${n(h.meta.count)}`,
  );
  out.push('');
  out.push(
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
