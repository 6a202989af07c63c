// The calls a kernel worker answers (src/engine/kernel-api.ts), listed once for the comlink
// plumbing on both sides (worker-api.ts exposes them, pool.ts forwards them).
import type { ContentWorker, GraphWorker, HeapWorker, KernelWorker } from '../engine/kernel-api';

export type AnyWorker = KernelWorker & HeapWorker & GraphWorker & ContentWorker;

export const WORKER_METHODS = [
  'censusBegin', 'scanSpan', 'censusSample', 'censusPartition', 'censusMergeRun', 'censusFinish',
  'heapBegin', 'heapWalk', 'heapInvalidate', 'heapSetInUse', 'heapChunksOfSize', 'heapClassify', 'heapAggregate', 'heapLeakAggregate', 'heapBlocks',
  'graphUsed', 'graphIndex', 'graphScan', 'graphAddEdges', 'graphSolve', 'graphQuery',
  'contentBegin', 'contentScan', 'contentFinish', 'regexScan',
] as const satisfies readonly (keyof AnyWorker)[];

/** Calls whose typed-array arguments are handed over (not copied) to the worker: the caller is done with them. */
export const HANDED_OVER = new Set<string>(['censusMergeRun', 'graphAddEdges']);

/** Every ArrayBuffer behind the typed arrays in a value (results travel back by transfer). */
export function buffersOf(x: unknown, out: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (ArrayBuffer.isView(x)) {
    if (x.buffer instanceof ArrayBuffer && x.byteOffset === 0 && x.byteLength === x.buffer.byteLength) out.add(x.buffer);
  } else if (Array.isArray(x)) for (const v of x) buffersOf(v, out);
  else if (x && typeof x === 'object') for (const v of Object.values(x)) buffersOf(v, out);
  return [...out];
}
