// Word census (seed 000): the most frequent pointer-sized values over the dumped memory,
// each classified against the memory map. The kernels count; this module plans the scan,
// merges the workers' partial tables, and picks and classifies the top values.
import type { CoreDump, Segment } from './elf/core';
import type { CensusConfig, CensusPart, FinishRequest, KernelWorker, Span } from './kernel-api';
import { type Region, type RegionLabel, type MemoryMap } from './memmap';
import { DEFAULT_SPAN_BYTES, type ProgressFn, spanBytes } from './pipeline';

export type WordKind = 'zero' | 'small' | 'pointer' | 'other';

export interface WordEntry {
  value: bigint;
  count: number;
  /** The count is a lower bound; the true count is at most count + maxError. */
  approx: boolean;
  maxError: number;
  kind: WordKind;
  /** Region index the value points into (kind 'pointer'). */
  region?: number;
  /** Points, word aligned, into a module's read-only data: a vtable (or typeinfo, string table) candidate. */
  vtableCandidate: boolean;
}

export interface LabelPointerTotal {
  label: RegionLabel;
  words: number;
  distinct: number;
}

export interface WordCensus {
  wordSize: 4 | 8;
  regionsScanned: number;
  bytesScanned: number;
  words: number;
  zeroWords: number;
  smallWords: number;
  pointerWords: number;
  distinctPointers: number;
  otherWords: number;
  /** In-mapping words that had to be counted approximately (exact table full). */
  overflowWords: number;
  /** Undercount bound for values outside every mapping (and overflowed ones). */
  maxError: number;
  method: string;
  top: WordEntry[];
  topPointers: WordEntry[];
  vtableCandidates: WordEntry[];
  pointersByLabel: LabelPointerTotal[];
  elapsedMs: number;
  /** Where the time went: scanning spans, workers sorting and exporting, merging runs, picking the top. */
  phasesMs: { scan: number; merge: number; summarize: number };
  workers: number;
  /** Wasm memory per worker at the end, bytes. */
  workerMemoryBytes: number[];
  /** The address ranges the scan was restricted to (CensusOptions.ranges), merged. */
  ranges?: AddressRange[];
}

/** An address range [start, end). */
export interface AddressRange {
  start: bigint;
  end: bigint;
}

export interface CensusOptions {
  /** Which regions to scan (default: every region with bytes in the core). */
  select?: (r: Region) => boolean;
  /**
   * Scan only these address ranges (of the selected regions): the words whose address is in
   * one of them. Each range's start is rounded up to a word boundary; a word must fit whole.
   */
  ranges?: AddressRange[];
  topN?: number;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  spanBytes?: number;
  /** Most distinct in-mapping values counted exactly per worker. */
  accMaxEntries?: number;
  mgLog2?: number;
}

export const SMALL_LIMIT = 65536;

/** The range table the kernels validate pointers against: every mapping, sorted, disjoint. */
export function rangeTable(map: MemoryMap): { ranges: BigUint64Array; regionOf: Int32Array } {
  const rs = map.regions;
  const ranges = new BigUint64Array(rs.length * 2);
  const regionOf = new Int32Array(rs.length);
  let n = 0;
  let lastEnd = 0n;
  for (const r of rs) {
    const start = r.start < lastEnd ? lastEnd : r.start;
    if (start >= r.end) continue;
    ranges[2 * n] = start;
    ranges[2 * n + 1] = r.end;
    regionOf[n] = r.index;
    lastEnd = r.end;
    n++;
  }
  return { ranges: ranges.slice(0, 2 * n), regionOf: regionOf.slice(0, n) };
}

/** Indices of the k largest counts among those accepted by `keep`, largest first. */
export function topIndices(counts: ArrayLike<number>, k: number, keep?: (i: number) => boolean, keys?: ArrayLike<bigint>): number[] {
  const heap: number[] = []; // min-heap of indices by (count, then smaller key first)
  const c = counts;
  // Ties go to the smaller key (or index), so the result does not depend on table layout.
  const tieLess = keys ? (a: number, b: number) => keys[a] > keys[b] : (a: number, b: number) => a > b;
  const less = (a: number, b: number) => c[a] < c[b] || (c[a] === c[b] && tieLess(a, b));
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = 0; i < c.length; i++) {
    if (heap.length === k && !less(heap[0], i)) continue;
    if (keep && !keep(i)) continue;
    if (heap.length < k) {
      heap.push(i);
      up(heap.length - 1);
    } else {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort((a, b) => (less(a, b) ? 1 : less(b, a) ? -1 : 0));
}

function isVtableRegion(region: Region | undefined): boolean {
  return !!region && region.label === 'rodata' && region.module !== undefined;
}

export function isVtableCandidate(value: bigint, region: Region | undefined, wordSize: number): boolean {
  return isVtableRegion(region) && value % BigInt(wordSize) === 0n;
}

export interface CensusPlan {
  cfg: CensusConfig;
  regionOf: Int32Array;
  /** Regions whose bytes are scanned, and their segments (cut to the ranges when there are some). */
  selected: Region[];
  segments: Segment[];
  /** The ranges asked for, sorted and merged. */
  ranges?: AddressRange[];
  topN: number;
  spanBytes: number;
}

export function planCensus(core: CoreDump, map: MemoryMap, opts: CensusOptions = {}, tail = 0): CensusPlan {
  const ws = core.wordSize;
  const select = opts.select ?? (() => true);
  let selected = map.regions.filter((r) => r.segment >= 0 && r.inCore > 0 && select(r));
  let segments = selected.map((r) => core.segments[r.segment]);
  const only = opts.ranges && mergeRanges(opts.ranges);
  if (only) {
    const cut = selected.map((r, i) => only.map((a) => clipSegment(segments[i], a, ws)).filter((s): s is Segment => !!s));
    selected = selected.filter((_, i) => cut[i].length > 0);
    segments = cut.flat();
  }
  // A small dump needs neither full-size spans nor a full-size buffer of in-mapping values:
  // both are sized to what there is to read (the worker's memory is zeroed and grown for them).
  const present = segments.reduce((n, s) => n + s.available, 0);
  const spanBytes = Math.min(opts.spanBytes ?? DEFAULT_SPAN_BYTES, Math.max(1 << 16, Math.ceil(present / (1 << 16)) * (1 << 16)));
  const bufLog2 = Math.max(12, Math.min(21, Math.ceil(Math.log2(present / ws + 1))));
  const { ranges, regionOf } = rangeTable(map);
  const cfg: CensusConfig = { wordSize: ws, ranges, bufLog2, accMaxEntries: opts.accMaxEntries ?? 1 << 24, mgLog2: opts.mgLog2 ?? 17, maxSpanBytes: spanBytes + tail };
  return { cfg, regionOf, selected, segments, ...(only ? { ranges: only } : {}), topN: opts.topN ?? 1000, spanBytes };
}

/** Sorted, overlapping and touching ranges merged, empty ones dropped. */
export function mergeRanges(list: AddressRange[]): AddressRange[] {
  const sorted = list.filter((r) => r.end > r.start).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ ...r });
  }
  return out;
}

/** The part of a segment's present bytes inside [a.start, a.end), from a word boundary; undefined when no whole word is left. */
export function clipSegment(seg: Segment, a: AddressRange, ws: number): Segment | undefined {
  const w = BigInt(ws);
  const availEnd = seg.vaddr + BigInt(seg.available);
  let start = a.start > seg.vaddr ? a.start : seg.vaddr;
  start = ((start + w - 1n) / w) * w;
  const end = a.end < availEnd ? a.end : availEnd;
  if (end - start < w) return undefined;
  const len = Number(end - start);
  return { ...seg, vaddr: start, memsz: end - start, fileOffset: seg.fileOffset + Number(start - seg.vaddr), filesz: len, available: len };
}

/** Merges the workers' censuses after the scan and picks the top values. */
export async function finishCensus(workers: KernelWorker[], plan: CensusPlan, map: MemoryMap, spans: Span[], t0: number, tScan: number): Promise<WordCensus> {
  const ws = plan.cfg.wordSize;
  const { regionOf } = plan;
  const vtableRanges = new Uint8Array(regionOf.length);
  for (let r = 0; r < regionOf.length; r++) vtableRanges[r] = isVtableRegion(map.regions[regionOf[r]]) ? 1 : 0;
  const part = await mergeWorkers(workers, { topN: plan.topN, vtableRanges, align: ws });
  const tMerge = performance.now();
  const census = summarize(part, map, regionOf, ws, plan.topN, 1 << (plan.cfg.mgLog2 - 1));
  census.regionsScanned = plan.selected.length;
  if (plan.ranges) census.ranges = plan.ranges;
  census.bytesScanned = spanBytes(spans);
  census.elapsedMs = performance.now() - t0;
  census.phasesMs = { scan: tScan - t0, merge: tMerge - tScan, summarize: performance.now() - tMerge };
  census.workers = workers.length;
  return census;
}

/**
 * Merges the workers' censuses. Exact tables are merged in parallel by value range: pivots
 * cut the value space into one partition per worker; each worker sends the other partitions of
 * its sorted table to their owners and merges what it receives, then picks its top values and
 * totals per range. Partitions are disjoint, so the top lists combine exactly and no table
 * larger than the top lists reaches this thread. Small values, word totals and the bounded
 * summaries add up here (a value's undercount bound is then the sum of the workers' bounds).
 */
async function mergeWorkers(workers: KernelWorker[], req: FinishRequest): Promise<CensusPart> {
  const n = workers.length;
  if (n > 1) {
    const samples = (await Promise.all(workers.map((w) => w.censusSample(256)))).flatMap((a) => Array.from(a));
    samples.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const pivots = BigUint64Array.from({ length: n - 1 }, (_, j) => samples[Math.floor(((j + 1) * samples.length) / n)] ?? 0n);
    const outgoing = await Promise.all(workers.map((w, i) => w.censusPartition(pivots, i)));
    await Promise.all(
      workers.map(async (w, j) => {
        for (let i = 0; i < n; i++) {
          const run = outgoing[i][j];
          if (i !== j && run && run.keys.length) await w.censusMergeRun(run);
        }
      }),
    );
  }
  const parts = await Promise.all(workers.map((w) => w.censusFinish(req)));
  let small = parts[0].small;
  if (parts.length > 1) {
    small = new BigUint64Array(SMALL_LIMIT);
    for (const p of parts) {
      // Most small values never occur: skip them without touching a bigint.
      const halves = new Uint32Array(p.small.buffer, p.small.byteOffset, SMALL_LIMIT * 2);
      for (let i = 0; i < SMALL_LIMIT; i++) if (halves[2 * i] !== 0 || halves[2 * i + 1] !== 0) small[i] += p.small[i];
    }
  }
  let mgKeys = parts[0].mgKeys;
  let mgCounts = parts[0].mgCounts;
  if (parts.length > 1) {
    const mg = new Map<bigint, number>();
    for (const p of parts) for (let i = 0; i < p.mgKeys.length; i++) mg.set(p.mgKeys[i], (mg.get(p.mgKeys[i]) ?? 0) + p.mgCounts[i]);
    mgKeys = BigUint64Array.from(mg.keys());
    mgCounts = Uint32Array.from(mg.values());
  }
  const sum = (f: (p: CensusPart) => number) => parts.reduce((a, p) => a + f(p), 0);
  const pickTop = (lists: CensusPart['top'][]): CensusPart['top'] => {
    const all = lists.flatMap((l) => Array.from(l.keys, (key, i) => ({ key, count: l.counts[i], range: l.ranges[i] })));
    all.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const top = all.slice(0, req.topN);
    return { keys: BigUint64Array.from(top, (e) => e.key), counts: Uint32Array.from(top, (e) => e.count), ranges: Int32Array.from(top, (e) => e.range) };
  };
  const addUp = (f: (p: CensusPart) => Float64Array) => {
    const out = new Float64Array(f(parts[0]).length);
    for (const p of parts) f(p).forEach((v, i) => (out[i] += v));
    return out;
  };
  return {
    totalWords: sum((p) => p.totalWords),
    pointerWords: sum((p) => p.pointerWords),
    otherWords: sum((p) => p.otherWords),
    overflowWords: sum((p) => p.overflowWords),
    mgDecrement: sum((p) => p.mgDecrement),
    saturated: parts.some((p) => p.saturated),
    small,
    distinctPointers: sum((p) => p.distinctPointers),
    top: pickTop(parts.map((p) => p.top)),
    topVtables: pickTop(parts.map((p) => p.topVtables)),
    rangeWords: addUp((p) => p.rangeWords),
    rangeDistinct: addUp((p) => p.rangeDistinct),
    mgKeys,
    mgCounts,
    memoryBytes: Math.max(...parts.map((p) => p.memoryBytes)),
  };
}

function summarize(
  part: CensusPart,
  map: MemoryMap,
  regionOf: Int32Array,
  ws: 4 | 8,
  topN: number,
  mgEntries: number,
): WordCensus {
  const regions = map.regions;
  const regionFor = (rangeIdx: number) => (rangeIdx >= 0 ? regions[regionOf[rangeIdx]] : undefined);
  const small = part.small;
  const smallCounts = new Float64Array(SMALL_LIMIT);
  let smallWords = 0;
  for (let i = 1; i < SMALL_LIMIT; i++) {
    smallCounts[i] = Number(small[i]);
    smallWords += smallCounts[i];
  }
  const zeroWords = Number(small[0]);
  smallCounts[0] = zeroWords;

  const picked = (p: CensusPart['top']): WordEntry[] =>
    Array.from(p.keys, (value, i) => {
      const region = regionFor(p.ranges[i]);
      return {
        value, count: p.counts[i], approx: false, maxError: 0, kind: 'pointer' as const, region: region?.index,
        vtableCandidate: isVtableCandidate(value, region, ws),
      };
    });
  const mgEntry = (i: number): WordEntry => ({
    value: part.mgKeys[i], count: part.mgCounts[i], approx: part.mgDecrement > 0, maxError: part.mgDecrement, kind: 'other', vtableCandidate: false,
  });
  const smallEntry = (i: number): WordEntry => ({ value: BigInt(i), count: smallCounts[i], approx: false, maxError: 0, kind: i === 0 ? 'zero' : 'small', vtableCandidate: false });

  const topPtr = picked(part.top);
  const vt = picked(part.topVtables);
  const topMg = topIndices(part.mgCounts, topN, undefined, part.mgKeys).map(mgEntry);
  const topSmall = topIndices(smallCounts, topN, (i) => smallCounts[i] > 0).map(smallEntry);
  const top = [...topPtr, ...topMg, ...topSmall].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)).slice(0, topN);

  const byLabel = new Map<RegionLabel, LabelPointerTotal>();
  for (let r = 0; r < regionOf.length; r++) {
    if (!part.rangeDistinct[r]) continue;
    const label = regions[regionOf[r]].label;
    const t = byLabel.get(label) ?? { label, words: 0, distinct: 0 };
    t.words += part.rangeWords[r];
    t.distinct += part.rangeDistinct[r];
    byLabel.set(label, t);
  }
  return {
    wordSize: ws, regionsScanned: 0, bytesScanned: 0,
    words: part.totalWords, zeroWords, smallWords, pointerWords: part.pointerWords, distinctPointers: part.distinctPointers,
    otherWords: part.otherWords, overflowWords: part.overflowWords, maxError: part.mgDecrement,
    method:
      'Exact counts for zero, values below 65536 and every value inside a mapping (sorted runs' +
      (part.saturated ? `, which filled up: ${part.overflowWords} in-mapping words were counted approximately` : '') +
      `); other values by a bounded frequent-items summary (Misra–Gries, ${mgEntries} entries): a listed count may be low by at most ${part.mgDecrement}.`,
    top, topPointers: topPtr, vtableCandidates: vt,
    pointersByLabel: [...byLabel.values()].sort((a, b) => b.words - a.words),
    elapsedMs: 0, phasesMs: { scan: 0, merge: 0, summarize: 0 }, workers: 0, workerMemoryBytes: [part.memoryBytes],
  };
}
