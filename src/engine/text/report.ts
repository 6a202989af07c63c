// Plain-text tables for text evidence, in the style of ../report-text.ts (the CLI prints them).
import { bytes } from '../format';
import { table } from '../report-text';
import type { TextComparison, TextDocument } from './index';
import type { HeapDiffDoc, HeapProfileDoc } from './heapprofile';
import type { HeapTrendDoc } from './heaptrend';
import { type MapsDoc, kib as kibs } from './maps';
import type { MapsDiffDoc, RegionTrack } from './maps-diff';
import type { ThreadStacksDoc } from './stacks';
import type { BundleDoc } from './bundle';
import type { MemGrowth, MeminfoDoc } from './meminfo';
import type { SeriesDoc } from './series';
import type { StraceDoc } from './strace';
import type { ThreadsDoc } from './threads';
import type { ValgrindDoc } from './valgrind';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const kib = (k: number) => bytes(k * 1024);
const signed = (s: string, x: number) => (x > 0 ? '+' : x < 0 ? '−' : '') + s;

export interface TextReportOptions {
  /** Rows per table (default 30). */
  top?: number;
}

/** A time of a strace log as printed: clock time of day, or ISO for epoch times. */
export function logTime(t: number | undefined, base: StraceDoc['timeBase']): string {
  if (t === undefined) return '';
  if (base === 'epoch') return new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const s = ((t % 86400) + 86400) % 86400;
  const p = (x: number) => String(Math.floor(x)).padStart(2, '0');
  return `${p(s / 3600)}:${p((s % 3600) / 60)}:${p(s % 60)}`;
}

function diagnostics(doc: { diagnostics: { level: string; message: string }[] }): string {
  if (!doc.diagnostics.length) return '';
  return ['Diagnostics', ...doc.diagnostics.map((d) => `  ${d.level}: ${d.message}`), ''].join('\n') + '\n';
}

export function renderThreads(d: ThreadsDoc, top: number): string {
  const out: string[] = [];
  const last = d.snapshots[d.snapshots.length - 1];
  out.push(`${d.input.name}: ${d.source === 'top' ? 'top -b' : 'ps'} output, ${d.snapshots.length} snapshot(s)${d.note ? ` — ${d.note}` : ''}`);
  if (last) {
    out.push(`${d.threads ? 'Threads' : 'Processes'} by name${last.time ? ` at ${last.time}` : ''}: ${n(last.rows)} rows${last.total !== undefined ? ` (${d.threads ? 'Threads' : 'Tasks'}: ${n(last.total)} total)` : ''}, ${n(last.groups.length)} names`);
    out.push('');
    out.push(table(['Name', 'Count', 'States', 'IDs'], last.groups.slice(0, top).map((g) => [g.name, n(g.count), g.states ? Object.entries(g.states).map(([s, c]) => `${s} ${c}`).join(', ') : '', g.ids.slice(0, 6).join(' ') + (g.count > 6 ? ' …' : '')]), [false, true]));
    if (last.families.length) {
      out.push('Names that differ only in their digits');
      out.push(table(['Family', 'Count', 'Names'], last.families.slice(0, top).map((f) => [f.family, n(f.count), n(f.names)]), [false, true, true]));
    }
    if (last.processes.length > 1) {
      out.push('Threads per process');
      out.push(table(['PID', 'Threads'], last.processes.slice(0, top).map((p) => [String(p.pid), n(p.threads)]), [true, true]));
    }
  }
  if (d.changes.length) {
    out.push('Counts that changed from the first snapshot to the last');
    out.push(table(['Name', 'First', 'Last', 'Change'], d.changes.slice(0, top).map((c) => [c.name, n(c.first), n(c.last), signed(n(Math.abs(c.last - c.first)), c.last - c.first)]), [false, true, true, true]));
  }
  return out.join('\n') + '\n' + diagnostics(d);
}

export function renderSeries(d: SeriesDoc, top: number): string {
  const out: string[] = [];
  out.push(`${d.input.name}: ${d.kind === 'pidstat' ? 'pidstat -r log' : '/proc/PID/status samples'}, ${n(d.series.length)} process(es)${d.interval ? `, a sample every ${d.interval.toFixed(d.interval < 10 ? 2 : 0)} s` : ''}`);
  for (const s of d.series.slice(0, top)) {
    const samples = Object.values(s.values)[0]?.length ?? 0;
    out.push('');
    out.push(`Process ${s.pid}${s.command ? ` (${s.command})` : ''}: ${n(samples)} samples${s.times ? ` over ${(s.times[s.times.length - 1] - s.times[0]).toFixed(0)} s` : ' (no times: per sample)'}`);
    for (const f of s.findings) out.push(`  ⚠ ${f}`);
    out.push(
      table(
        ['Measure', 'First', 'Last', 'Min', 'Max', 'Growth', s.times ? 'Slope/min' : 'Slope/sample', 'r²', 'Step', 'Steady'],
        d.measures.filter((m) => s.fits[m]).map((m) => {
          const f = s.fits[m];
          return [m, kib(f.first), kib(f.last), kib(f.min), kib(f.max), signed(kib(Math.abs(f.growth)), f.growth), signed(kib(Math.abs(f.slopePerMin)), f.slopePerMin), f.r2.toFixed(3), f.step ? `${kib(f.step.size)} × ${f.step.count}` : '', f.steady ? 'yes' : ''];
        }),
        [false, true, true, true, true, true, true, true, true],
      ),
    );
  }
  return out.join('\n') + '\n' + diagnostics(d);
}

function renderGrowth(g: MemGrowth, top: number): string {
  const out: string[] = [];
  out.push(`What grew${g.seconds !== undefined ? ` in ${g.seconds.toFixed(0)} s` : ''}: ${g.summary}`);
  out.push(`  user ${signed(kib(Math.abs(g.sides.user)), g.sides.user)}, kernel ${signed(kib(Math.abs(g.sides.kernel)), g.sides.kernel)}, cache ${signed(kib(Math.abs(g.sides.cache)), g.sides.cache)}, free ${signed(kib(Math.abs(g.sides.free)), g.sides.free)}`);
  out.push('');
  out.push(table(['Category', 'Side', 'Before', 'After', 'Change'], g.categories.map((c) => [c.label, c.side, kib(c.from), kib(c.to), signed(kib(Math.abs(c.delta)), c.delta)]), [false, false, true, true, true]));
  out.push('Fields that changed, largest rise first');
  out.push(table(['Field', 'Before', 'After', 'Change (kB)'], g.fields.slice(0, top).map((f) => [f.name, n(f.from), n(f.to), signed(n(Math.abs(f.delta)), f.delta)]), [false, true, true, true]));
  return out.join('\n');
}

export function renderMeminfo(d: MeminfoDoc, top: number): string {
  const out: string[] = [];
  const b = d.breakdown;
  const pct = (k: number) => (b.totalKiB ? ((100 * k) / b.totalKiB).toFixed(1) : '');
  out.push(`${d.input.name}: /proc/meminfo, ${d.samples.length} sample(s); MemTotal ${kib(b.totalKiB)}`);
  out.push(`Where the memory is (last sample): user ${kib(b.sides.user)}, kernel ${kib(b.sides.kernel)}, cache ${kib(b.sides.cache)}, free ${kib(b.sides.free)}`);
  for (const f of b.findings) out.push(`  ${f}`);
  out.push('');
  out.push(table(['Category', 'Side', 'Size', '%', 'From'], b.categories.map((c) => [c.label, c.side, kib(c.kib), pct(c.kib), c.from]), [false, false, true, true]));
  if (d.growth) out.push(renderGrowth(d.growth, top));
  return out.join('\n') + '\n' + diagnostics(d);
}

export function renderStrace(d: StraceDoc, top: number): string {
  const out: string[] = [];
  const c = d.calls;
  const t = (x?: number) => logTime(x, d.timeBase);
  out.push(`${d.input.name}: strace log, ${n(d.lines)} lines${d.start !== undefined ? `, ${t(d.start)} – ${t(d.end)}` : ''}; mmap ${n(c.mmap)}, munmap ${n(c.munmap)}, mremap ${n(c.mremap)}, brk ${n(c.brk)}, failed ${n(c.failed)}`);
  if (d.brk) out.push(`  brk: ${d.brk.start} → ${d.brk.end} (${signed(bytes(Math.abs(d.brk.grew)), d.brk.grew)}, max ${d.brk.max}, ${n(d.brk.calls)} calls)`);
  out.push('');
  if (d.suspects.length) {
    out.push('Suspects: same-size anonymous mappings still mapped at the end');
    for (const s of d.suspects.slice(0, top)) out.push(`  ⚠ ${s.summary}${s.perMinute ? ` (${bytes(s.perMinute)}/min)` : ''}; first ${t(s.first)}, last ${t(s.last)}, log line ${s.line}`);
    out.push('');
  } else out.push('No suspects: no thread left 3 or more same-size anonymous mappings mapped.\n');
  out.push('Still mapped at the end, by thread, size, kind and protection');
  out.push(
    table(
      ['Thread', 'Name', 'Size', 'Kind', 'Prot', 'Still mapped', 'Bytes', 'Mapped', 'Unmapped', 'First', 'Last', 'Every', 'Example'],
      d.unmatched.slice(0, top).map((g) => [String(g.pid), g.thread ?? '', n(g.size), g.kind === 'file' ? `file ${g.file ?? ''}` : 'anon', g.prot, n(g.unmatched), bytes(g.unmatchedBytes), n(g.mapped), n(g.unmapped), t(g.first), t(g.last), g.every !== undefined ? `${g.every.toFixed(2)} s` : '', g.examples[0]]),
      [true, false, true, false, false, true, true, true, true, false, false, true],
    ),
  );
  if (d.bySize.length) {
    out.push('Still-mapped anonymous mappings by size');
    out.push(table(['Size', 'Count', 'Bytes', 'Threads'], d.bySize.slice(0, top).map((s) => [n(s.size), n(s.count), bytes(s.bytes), s.pids.join(' ')]), [true, true, true]));
  }
  out.push('Threads');
  out.push(table(['Thread', 'Name', 'mmap', 'munmap', 'Still mapped', 'Bytes'], d.threads.slice(0, top).map((x) => [String(x.pid), x.name ?? '', n(x.mmaps), n(x.munmaps), n(x.unmatched), bytes(x.unmatchedBytes)]), [true, false, true, true, true, true]));
  if (d.timeline.length > 1) {
    out.push('Over time: anonymous bytes mapped (net), and mappings made then that were never unmapped');
    out.push(table(['From', 'Mapped (net)', 'Never unmapped', 'Bytes'], d.timeline.map((b) => [t(b.t), bytes(b.mappedBytes), n(b.newUnmatched), bytes(b.newUnmatchedBytes)]), [false, true, true, true]));
  }
  return out.join('\n') + '\n' + diagnostics(d);
}

export function renderValgrind(d: ValgrindDoc, top: number): string {
  const out: string[] = [];
  out.push(`${d.input.name}: valgrind log, ${d.processes.length} process(es)`);
  for (const p of d.processes) {
    out.push('');
    out.push(`Process ${p.pid}${p.command ? `: ${p.command}` : ''}${p.tool ? ` (${p.tool})` : ''}`);
    if (p.heap) out.push(`  in use at exit ${bytes(p.heap.inUseBytes)} in ${n(p.heap.inUseBlocks)} blocks; ${n(p.heap.allocs)} allocs, ${n(p.heap.frees)} frees, ${bytes(p.heap.allocatedBytes)} allocated`);
    if (p.errorSummary) out.push(`  ${n(p.errorSummary.errors)} errors from ${n(p.errorSummary.contexts)} contexts`);
    const kinds = ['definitely', 'indirectly', 'possibly', 'reachable'] as const;
    out.push(table(['Kind', 'Bytes (summary)', 'Blocks (summary)', 'Records', 'Bytes (records)'], kinds.map((k) => [k === 'reachable' ? 'still reachable' : `${k} lost`, p.summary[k] ? n(p.summary[k]!.bytes) : '', p.summary[k] ? n(p.summary[k]!.blocks) : '', n(p.byKind[k]?.records ?? 0), n(p.byKind[k]?.bytes ?? 0)]), [false, true, true, true, true]));
    if (p.byFunction.length) {
      out.push('Loss records by the function below the allocator (own bytes: a record\'s indirect part is counted in its indirect records)');
      out.push(table(['Function', 'Where', 'Bytes', 'Blocks', 'Records', 'Kinds'], p.byFunction.slice(0, top).map((g) => [g.key, g.where ?? '', n(g.bytes), n(g.blocks), n(g.records), Object.entries(g.kinds).map(([k, b]) => `${k} ${n(b!)}`).join(', ')]), [false, false, true, true, true]));
    }
    if (p.errors.length) {
      out.push('Other errors by kind');
      out.push(table(['Kind', 'Contexts', 'Example'], p.errors.slice(0, top).map((e) => [e.kind, n(e.contexts), e.example ?? '']), [false, true]));
    }
  }
  return out.join('\n') + '\n' + diagnostics(d);
}

export function renderHeapProfile(d: HeapProfileDoc, top: number): string {
  const out: string[] = [];
  const t = d.totals;
  out.push(`${d.input.name}: ${d.format} heap profile (${d.header}; ${d.sampling.kind === 'exact' ? 'exact counts' : `sampled every ${n(d.sampling.period)} bytes, scaled back`})${d.program ? `, ${d.program}` : ''}`);
  out.push(`  in use ${bytes(t.inuseBytes)} in ${n(t.inuseObjects)} objects${d.hasAlloc ? `; allocated ${bytes(t.allocBytes)} in ${n(t.allocObjects)}` : ''}; ${n(d.stacks.length)} stacks`);
  out.push(`  frames named from ${d.symbols.binaries.length ? d.symbols.binaries.map((b) => b.name).join(', ') : 'no binary (give them with --bin)'}: ${n(d.symbols.named)} named, ${n(d.symbols.unnamed)} not`);
  out.push('');
  const pct = (b: number) => (t.inuseBytes ? ((100 * b) / t.inuseBytes).toFixed(1) + '%' : '');
  out.push('Top functions by in-use bytes (flat: the first frame below the allocator; cum: anywhere on the stack)');
  out.push(table(['Flat bytes', 'Flat%', 'Flat objects', 'Cum bytes', 'Cum%', 'Cum objects', 'Function'], d.functions.slice(0, top).map((f) => [n(f.flatBytes), pct(f.flatBytes), n(f.flatObjects), n(f.cumBytes), pct(f.cumBytes), n(f.cumObjects), f.name]), [true, true, true, true, true, true]));
  return out.join('\n') + '\n' + diagnostics(d);
}

export function renderHeapDiff(d: HeapDiffDoc, top: number): string {
  const out: string[] = [];
  out.push(`Heap profile ${d.profile.name} against the base ${d.base.name}: in use ${bytes(d.base.inuseBytes)} → ${bytes(d.profile.inuseBytes)} (${signed(n(Math.abs(d.profile.inuseBytes - d.base.inuseBytes)), d.profile.inuseBytes - d.base.inuseBytes)} bytes)`);
  out.push(`  ${d.summary}`);
  out.push('');
  out.push(table(['Δ flat bytes', 'Δ flat objects', 'Δ cum bytes', 'Base', 'Now', 'Function'], d.functions.slice(0, top).map((f) => [signed(n(Math.abs(f.flatBytes)), f.flatBytes), signed(n(Math.abs(f.flatObjects)), f.flatObjects), signed(n(Math.abs(f.cumBytes)), f.cumBytes), n(f.baseFlatBytes), n(f.flatBytesNow), f.name]), [true, true, true, true, true]));
  if (d.stacks.length) {
    out.push('Stacks that grew most');
    for (const s of d.stacks.slice(0, Math.min(top, 5))) out.push(`  ${signed(n(Math.abs(s.inuseBytes)), s.inuseBytes)} bytes, ${signed(n(Math.abs(s.inuseObjects)), s.inuseObjects)} objects: ${s.frames.slice(0, 6).join(' ← ')}`);
    out.push('');
  }
  return out.join('\n') + '\n' + diagnostics(d);
}

export function renderHeapTrend(d: HeapTrendDoc, top: number): string {
  const out: string[] = [];
  out.push(`Heap profiles across ${d.profiles.length} (${d.orderedBy === 'as given' ? 'in the order given' : 'ordered by the sequence numbers in their names'}): ${d.profiles.map((p) => p.name).join(' → ')}`);
  out.push(`  in use ${d.profiles.map((p) => bytes(p.inuseBytes)).join(' → ')}`);
  for (const f of d.findings) out.push(`  ${f}`);
  out.push('');
  const shown = d.functions.filter((r) => r.pattern !== 'same').slice(0, top);
  out.push(table(['Pattern', 'Δ flat bytes', ...d.profiles.map((_, i) => `#${i + 1} bytes`), 'Function'], shown.map((r) => [
    r.pattern, r.delta ? signed(n(Math.abs(r.delta.bytes)), r.delta.bytes) : '', ...r.points.map((p) => ('atMost' in p ? `≤ ${n(p.atMost)}` : n(p.bytes))), r.label,
  ]), [false, true, ...d.profiles.map(() => true)]));
  const same = d.functions.length - d.functions.filter((r) => r.pattern !== 'same').length;
  if (same) out.push(`  (${n(same)} function(s) held the same memory in every profile)`);
  return out.join('\n') + '\n' + diagnostics(d);
}

const FORMAT_TITLE: Record<string, string> = { 'proc-maps': '/proc/PID/maps', smaps: '/proc/PID/smaps', 'pmap-x': 'pmap -x', 'pmap-X': 'pmap -X', pmap: 'pmap', gdb: 'gdb info proc mappings' };

export function renderMaps(d: MapsDoc, top: number): string {
  const out: string[] = [];
  const when = d.time !== undefined ? `, taken ${new Date(d.time * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}` : '';
  out.push(`${d.input.name}: ${FORMAT_TITLE[d.format] ?? d.format}${d.pid !== undefined ? ` of process ${d.pid}` : ''}${d.command ? ` (${d.command})` : ''}${when}, ${n(d.regions.length)} mappings, ${kibs(d.total.sizeKiB)} mapped${d.total.rssKiB !== undefined ? `, ${kibs(d.total.rssKiB)} resident` : ''}`);
  out.push('');
  const rss = d.counters.includes('rss');
  const dirty = d.counters.includes('dirty');
  out.push('Totals by kind');
  out.push(table(['Kind', 'Mappings', 'Size', ...(rss ? ['RSS'] : []), ...(dirty ? ['Dirty'] : [])], d.totals.map((t) => [t.kind, n(t.count), kibs(t.sizeKiB), ...(rss ? [kibs(t.rssKiB ?? 0)] : []), ...(dirty ? [kibs(t.dirtyKiB ?? 0)] : [])]), [false, true, true, true, true]));
  const big = [...d.regions].sort((a, b) => (rss ? b.rssKiB! - a.rssKiB! : b.sizeKiB - a.sizeKiB)).slice(0, Math.min(top, 15));
  out.push(`Largest mappings by ${rss ? 'resident memory' : 'size'}`);
  out.push(table(['Start', 'End', 'Perms', 'Kind', 'Size', ...(rss ? ['RSS'] : []), ...(dirty ? ['Dirty'] : []), 'Mapping'], big.map((r) => [r.start, r.end, r.perms, r.kind, kibs(r.sizeKiB), ...(rss ? [kibs(r.rssKiB!)] : []), ...(dirty ? [kibs(r.dirtyKiB!)] : []), r.path ?? '']), [false, false, false, false, true, true, true]));
  if (d.findings.length) out.push(...d.findings.map((f) => `  ${f}`), '');
  return out.join('\n') + '\n' + diagnostics(d);
}

function trackRows(ts: RegionTrack[], d: MapsDiffDoc, top: number): string {
  const rate = d.seconds !== undefined;
  return table(
    ['Start', 'End', 'Kind', 'Mapping', 'Before', 'After', 'Change', ...(rate ? ['Per s'] : []), 'Size change', 'Matched'],
    ts.slice(0, top).map((t) => {
      const first = t.values.find((v) => v !== null) ?? 0;
      const last = [...t.values].reverse().find((v) => v !== null) ?? 0;
      return [t.start, t.end, t.kind, t.path ?? '', t.isNew ? '—' : kibs(first), t.vanished ? '—' : kibs(last), signed(kibs(Math.abs(t.growthKiB)), t.growthKiB), ...(rate ? [t.perSecond !== undefined ? `${kibs(Math.round(Math.abs(t.perSecond)))}` : ''] : []), t.sizeGrowthKiB ? signed(kibs(Math.abs(t.sizeGrowthKiB)), t.sizeGrowthKiB) : '', t.matchedBy];
    }),
    [false, false, false, false, true, true, true, true, true],
  );
}

export function renderMapsDiff(d: MapsDiffDoc, top: number): string {
  const out: string[] = [];
  out.push(`Memory map snapshots${d.pid !== undefined ? ` of process ${d.pid}` : ''}: ${d.snapshots.map((s) => s.name).join(' → ')}${d.seconds !== undefined ? ` (${d.seconds.toFixed(1)} s)` : ''}; by ${d.measure === 'rss' ? 'resident memory (RSS)' : 'mapping size'}`);
  out.push(...d.findings.map((f) => `  ${f}`), '');
  if (d.grown.length) out.push('Regions that grew, most first', trackRows(d.grown, d, top));
  if (d.added.length) out.push('New regions', trackRows(d.added, d, top));
  if (d.vanished.length) out.push('Vanished regions', trackRows(d.vanished, d, top));
  if (d.shrunk.length) out.push('Regions that shrank', trackRows(d.shrunk, d, top));
  if (d.correlationNote) out.push(`  ${d.correlationNote}`, '');
  return out.join('\n') + '\n' + diagnostics(d);
}

export function renderThreadStacks(d: ThreadStacksDoc, top: number): string {
  const out: string[] = [];
  out.push(`Thread stacks (${d.source === 'core' ? 'from the core' : 'from the map'}: ${d.inputs.join(', ')}): ${d.verdict}`);
  out.push(`  ${d.summary}`);
  if (d.fix) out.push(`  Fix to try: ${d.fix}`);
  for (const m of d.missing) out.push(`  Not known: ${m}`);
  out.push('');
  if (d.sizes.length) out.push(table(['Stack size', 'Mappings'], d.sizes.slice(0, top).map((s) => [kibs(s.sizeKiB), n(s.count)]), [true, true]));
  return out.join('\n') + '\n';
}

export function renderBundle(b: BundleDoc): string {
  const out: string[] = [];
  const m = b.manifest;
  const iso = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  out.push(`${b.input.name}: ${b.format}, ${b.members.length} file(s)${m ? `; collected from process ${m.pid ?? '?'}${m.command ? ` (${m.command})` : ''}, ${m.snapshots.length} snapshot(s)${m.snapshots.length ? ` from ${iso(m.snapshots[0].time)}` : ''}${m.interval !== undefined ? `, every ${m.interval} s` : ''}` : ', no collector manifest'}`);
  if (m?.uname) out.push(`  ${m.uname}`);
  for (const note of m?.notes ?? []) out.push(`  note: ${note}`);
  out.push(table(['File', 'Size', 'Content', 'Snapshot time'], b.members.map((x) => [x.name, n(x.size), x.kind === 'unknown-text' ? `unknown: ${x.title}` : x.kind === x.title ? x.kind : `${x.kind}: ${x.title}`, x.time !== undefined ? iso(x.time) : '']), [false, true]));
  return out.join('\n') + diagnostics(b);
}

/** The tables for one document. */
export function renderText(doc: TextDocument, opts: TextReportOptions = {}): string {
  const top = opts.top ?? 30;
  switch (doc.kind) {
    case 'maps': return renderMaps(doc, top);
    case 'threads': return renderThreads(doc, top);
    case 'pidstat':
    case 'proc-status': return renderSeries(doc, top);
    case 'meminfo': return renderMeminfo(doc, top);
    case 'strace': return renderStrace(doc, top);
    case 'valgrind': return renderValgrind(doc, top);
    case 'heap-profile': return renderHeapProfile(doc, top);
    case 'unknown-text':
      return [`${doc.input.name}: ${doc.reason}`, ...(doc.firstLines.length ? ['  first lines:', ...doc.firstLines.map((l) => `  | ${l}`)] : []), ...(doc.candidates.length ? [`  closest formats: ${doc.candidates.map((c) => `${c.title} (${c.confidence})`).join(', ')}`] : []), ''].join('\n');
  }
}

/** The tables for a comparison of two documents of one kind. */
export function renderComparison(c: TextComparison, opts: TextReportOptions = {}): string {
  const top = opts.top ?? 30;
  switch (c.kind) {
    case 'maps-diff': return renderMapsDiff(c, top);
    case 'meminfo-diff': return `/proc/meminfo ${c.base} → ${c.current}\n${renderGrowth(c.growth, top)}\n`;
    case 'threads-diff':
      return [`Threads ${c.base} → ${c.current}: ${n(c.rows.first)} → ${n(c.rows.last)}`, c.changes.length ? table(['Name', 'Before', 'After', 'Change'], c.changes.slice(0, top).map((x) => [x.name, n(x.first), n(x.last), signed(n(Math.abs(x.last - x.first)), x.last - x.first)]), [false, true, true, true]) : '  no name changed its count\n'].join('\n');
    case 'heap-profile-diff': return renderHeapDiff(c, top);
    case 'heap-profile-trend': return renderHeapTrend(c, top);
    case 'pidstat':
    case 'proc-status': return `Both files as one series\n${renderSeries(c, top)}`;
  }
}
