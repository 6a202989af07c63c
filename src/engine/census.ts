// Word census (seed 000): the most frequent pointer-sized values over the dumped memory,
// each classified against the memory map. The kernels count; this module plans the scan,
// merges the workers' partial tables, and picks and classifies the top values.
import type { CoreDump } from './elf/core';
import type { CensusPart, KernelPool } from './kernel-api';
import { type Region, type RegionLabel, type MemoryMap } from './memmap';
import { DEFAULT_SPAN_BYTES, type ProgressFn, planSpans, runSpans, spanBytes } from './pipeline';

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
  workers: number;
  /** Wasm memory per worker at the end, bytes. */
  workerMemoryBytes: number[];
}

export interface CensusOptions {
  /** Which regions to scan (default: every region with bytes in the core). */
  select?: (r: Region) => boolean;
  topN?: number;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  spanBytes?: number;
  ptrMaxLog2?: number;
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

export function isVtableCandidate(value: bigint, region: Region | undefined, wordSize: number): boolean {
  return !!region && region.label === 'rodata' && region.module !== undefined && value % BigInt(wordSize) === 0n;
}

export async function runCensus(core: CoreDump, map: MemoryMap, pool: KernelPool, opts: CensusOptions = {}): Promise<WordCensus> {
  const t0 = performance.now();
  const ws = core.wordSize;
  const topN = opts.topN ?? 1000;
  const select = opts.select ?? (() => true);
  const selected = map.regions.filter((r) => r.segment >= 0 && r.inCore > 0 && select(r));
  const segments = selected.map((r) => core.segments[r.segment]);
  const maxSpan = opts.spanBytes ?? DEFAULT_SPAN_BYTES;
  const spans = planSpans(segments, ws, maxSpan);
  const { ranges, regionOf } = rangeTable(map);
  const cfg = { wordSize: ws, ranges, ptrInitLog2: 16, ptrMaxLog2: opts.ptrMaxLog2 ?? 24, mgLog2: opts.mgLog2 ?? 17, maxSpanBytes: maxSpan };
  const workers = pool.workers.slice(0, Math.max(1, Math.min(pool.size, spans.length)));
  await Promise.all(workers.map((w) => w.censusBegin(cfg)));
  await runSpans(workers, spans, (w, s) => w.censusSpan(s), { phase: 'word census', signal: opts.signal, onProgress: opts.onProgress });
  // Merge: the other workers hand their tables to worker 0.
  for (let i = 1; i < workers.length; i++) await workers[0].censusAbsorb(await workers[i].censusFinish());
  const part = await workers[0].censusFinish();
  const census = summarize(part, map, regionOf, ws, topN, 1 << (cfg.mgLog2 - 1));
  census.regionsScanned = selected.length;
  census.bytesScanned = spanBytes(spans);
  census.elapsedMs = performance.now() - t0;
  census.workers = workers.length;
  return census;
}

function summarize(part: CensusPart, map: MemoryMap, regionOf: Int32Array, ws: 4 | 8, topN: number, mgEntries: number): WordCensus {
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

  const pointerEntry = (i: number): WordEntry => {
    const value = part.ptrKeys[i];
    const region = regionFor(part.ptrRange[i]);
    return {
      value, count: part.ptrCounts[i], approx: false, maxError: 0, kind: 'pointer', region: region?.index,
      vtableCandidate: isVtableCandidate(value, region, ws),
    };
  };
  const mgEntry = (i: number): WordEntry => ({
    value: part.mgKeys[i], count: part.mgCounts[i], approx: part.mgDecrement > 0, maxError: part.mgDecrement, kind: 'other', vtableCandidate: false,
  });
  const smallEntry = (i: number): WordEntry => ({ value: BigInt(i), count: smallCounts[i], approx: false, maxError: 0, kind: i === 0 ? 'zero' : 'small', vtableCandidate: false });

  const topPtr = topIndices(part.ptrCounts, topN, undefined, part.ptrKeys).map(pointerEntry);
  const vt = topIndices(part.ptrCounts, topN, (i) => isVtableCandidate(part.ptrKeys[i], regionFor(part.ptrRange[i]), ws), part.ptrKeys).map(pointerEntry);
  const topMg = topIndices(part.mgCounts, topN, undefined, part.mgKeys).map(mgEntry);
  const topSmall = topIndices(smallCounts, topN, (i) => smallCounts[i] > 0).map(smallEntry);
  const top = [...topPtr, ...topMg, ...topSmall].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)).slice(0, topN);

  const byLabel = new Map<RegionLabel, LabelPointerTotal>();
  for (let i = 0; i < part.ptrKeys.length; i++) {
    const r = regionFor(part.ptrRange[i]);
    if (!r) continue;
    const t = byLabel.get(r.label) ?? { label: r.label, words: 0, distinct: 0 };
    t.words += part.ptrCounts[i];
    t.distinct++;
    byLabel.set(r.label, t);
  }
  return {
    wordSize: ws, regionsScanned: 0, bytesScanned: 0,
    words: part.totalWords, zeroWords, smallWords, pointerWords: part.pointerWords, distinctPointers: part.ptrKeys.length,
    otherWords: part.otherWords, overflowWords: part.overflowWords, maxError: part.mgDecrement,
    method:
      'Exact counts for zero, values below 65536 and every value inside a mapping (hash table' +
      (part.saturated ? `, which filled up: ${part.overflowWords} in-mapping words were counted approximately` : '') +
      `); other values by a bounded frequent-items summary (Misra–Gries, ${mgEntries} entries): a listed count may be low by at most ${part.mgDecrement}.`,
    top, topPointers: topPtr, vtableCandidates: vt,
    pointersByLabel: [...byLabel.values()].sort((a, b) => b.words - a.words),
    elapsedMs: 0, workers: 0, workerMemoryBytes: [part.memoryBytes],
  };
}
