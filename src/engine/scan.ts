// One pass over the dump: every span of the file is read once, by one worker, which counts
// its words (the census) and walks the heap chunks in it (the heap reconstruction). Then the
// census is merged and the heap walk settled (heap/heap.ts).
import type { OpenedCore } from './analyze';
import { type CensusOptions, type WordCensus, finishCensus, planCensus } from './census';
import type { Diagnostic } from './errors';
import { type HeapResult, type PlacedPiece, type Walked, finishHeap, heapConfig, heapPiecesOf, planHeap } from './heap/heap';
import type { KernelPool } from './kernel-api';
import { type ProgressFn, planSpans, runSpans } from './pipeline';
import { type RawHeapPlan, planRawHeap, settleRawHeap } from './raw/heap';

/** Bytes read past each span so the heap walk can finish the span's last chunk. */
export const TAIL_BYTES = 4096;

/**
 * How much the per-block tables may take, so that a huge dump is analyzed within wasm32 memory
 * and the tab's (each table is bounded, and what it could not hold is stated in the result).
 */
export interface Limits {
  /** Chunk records of all workers together (32 bytes each in their wasm memory); a heap with more chunks is walked up to there (`heap.unwalked`). */
  heapRecords?: number;
  /** Used blocks the reachability analysis takes on (its index, graph and verdicts cost ~40 bytes a block in the tab and its workers); above, leaks are not computed (`leaks.skipped` diagnostic). */
  leakBlocks?: number;
}

export const DEFAULT_LIMITS: Required<Limits> = { heapRecords: 1 << 26, leakBlocks: 1 << 24 };

export interface ScanOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  census?: Omit<CensusOptions, 'signal' | 'onProgress'>;
  /** Skip the heap reconstruction. */
  noHeap?: boolean;
  limits?: Limits;
}

export async function runScan(
  o: OpenedCore,
  pool: KernelPool,
  opts: ScanOptions = {},
): Promise<{
  census: WordCensus;
  heap?: HeapResult;
  diagnostics: Diagnostic[];
  /** The workers that took part (they hold the chunk tables), and the span size their buffers take. */
  used: KernelPool;
  spanBytes: number;
}> {
  const t0 = performance.now();
  const diagnostics: Diagnostic[] = [];
  const plan = planCensus(o.core, o.map, opts.census, TAIL_BYTES);
  const ranged = !!opts.census?.ranges?.length;
  if (ranged && !opts.noHeap) {
    diagnostics.push({ level: 'info', code: 'scan.ranged', message: 'the word census covers only the ranges asked for; the heap reconstruction and the leaks need the whole dump and are not run (run without a range for them)' });
  }
  const heapPlan = opts.noHeap || ranged ? undefined : o.core.kind === 'raw' ? await planRawHeap(o, diagnostics) : await planHeap(o, diagnostics);
  const spans = planSpans(plan.segments, o.core.wordSize, plan.spanBytes);
  for (const s of spans) s.tail = Math.max(0, Math.min(TAIL_BYTES, o.core.source.size - (s.fileStart + s.length)));
  const workers = pool.workers.slice(0, Math.max(1, Math.min(pool.size, spans.length)));
  await Promise.all(workers.map((w) => w.censusBegin(plan.cfg)));
  const maxRecords = Math.max(1, Math.floor((opts.limits?.heapRecords ?? DEFAULT_LIMITS.heapRecords) / workers.length));
  if (heapPlan) await Promise.all(workers.map((w) => w.heapBegin({ ...heapConfig(o, heapPlan, plan.cfg.maxSpanBytes), maxRecords })));
  let ids = 0;
  const piecesOf = new Map(spans.map((s) => [s, heapPlan ? heapPiecesOf(heapPlan, s, () => ids++, s.tail ?? 0) : []] as const));
  const walked: Walked[] = [];
  await runSpans(
    workers,
    spans,
    async (w, s) => {
      const pieces = piecesOf.get(s)!;
      // Only what the worker needs travels (the file offsets stay here).
      const sent = pieces.map(({ fileStart: _f, availEnd: _a, ...p }) => p);
      const r = await w.scanSpan(s, sent);
      const worker = workers.indexOf(w);
      const byId = new Map<number, PlacedPiece>(pieces.map((p) => [p.id, p]));
      for (const res of r.pieces) walked.push({ worker, piece: byId.get(res.id)!, res });
      return r.bytes;
    },
    { phase: heapPlan ? 'word census and heap walk' : 'word census', signal: opts.signal, onProgress: opts.onProgress },
  );
  const tScan = performance.now();
  const census = await finishCensus(workers, plan, o.map, spans, t0, tScan);
  const used: KernelPool = { ...pool, size: workers.length, workers };
  let heap = heapPlan ? await finishHeap(o, used, heapPlan, walked, { tail: TAIL_BYTES, maxRecords }) : undefined;
  if (heap && o.core.kind === 'raw') heap = await settleRawHeap(o, heapPlan as RawHeapPlan, heap, diagnostics);
  if (heap) heap.diagnostics.unshift(...diagnostics);
  return { census, heap, diagnostics: heap ? [] : diagnostics, used, spanBytes: plan.spanBytes };
}
