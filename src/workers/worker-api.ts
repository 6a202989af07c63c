// What a kernel worker exposes over comlink: open the file once, then the KernelWorker calls.
import * as Comlink from 'comlink';
import type { ByteSource } from '../engine/bytesource';
import type { CensusConfig, CensusPart, FinishRequest, HeapAggregate, HeapConfig, HeapPiece, HeapWorker, KernelWorker, SortedRun, Span } from '../engine/kernel-api';
import { KernelHost, instantiateKernels } from './kernel-host';

export interface RemoteKernel extends KernelWorker, HeapWorker {
  /** `source` is a File/Blob in the browser, a path under Node. */
  init(module: WebAssembly.Module, source: unknown): Promise<void>;
  /** Drops the kernel instance and the file (its memory goes back) until the next init. */
  reset(): Promise<void>;
}

function transferPart(p: CensusPart): CensusPart {
  const arrays = [p.small, p.mgKeys, p.mgCounts, p.rangeWords, p.rangeDistinct, p.top.keys, p.top.counts, p.top.ranges, p.topVtables.keys, p.topVtables.counts, p.topVtables.ranges];
  return Comlink.transfer(p, arrays.map((a) => a.buffer as ArrayBuffer));
}

/** Builds the object a worker exposes, given how it opens its file in its environment. */
export function makeWorkerApi(open: (source: unknown) => Promise<ByteSource>): RemoteKernel {
  let host: KernelHost | undefined;
  const need = () => {
    if (!host) throw new Error('kernel worker used before init');
    return host;
  };
  return {
    async init(module, source) {
      host = undefined;
      const make = () => instantiateKernels(module);
      host = new KernelHost(await make(), await open(source), make);
    },
    async reset() {
      host = undefined;
    },
    censusBegin: (cfg: CensusConfig) => need().censusBegin(cfg),
    scanSpan: (s: Span, pieces?: HeapPiece[]) => need().scanSpan(s, pieces),
    censusSample: (count: number) => need().censusSample(count),
    censusPartition: async (pivots: BigUint64Array, self: number) => {
      const runs = await need().censusPartition(pivots, self);
      return Comlink.transfer(runs, runs.flatMap((r) => (r ? [r.keys.buffer as ArrayBuffer, r.counts.buffer as ArrayBuffer] : [])));
    },
    censusMergeRun: (run: SortedRun) => need().censusMergeRun(run),
    censusFinish: async (req: FinishRequest) => transferPart(await need().censusFinish(req)),
    heapBegin: (cfg: HeapConfig) => need().heapBegin(cfg),
    heapWalk: (piece: HeapPiece & { fileStart: number }) => need().heapWalk(piece),
    heapInvalidate: (r0: number, r1: number) => need().heapInvalidate(r0, r1),
    heapSetInUse: (i: number, v: boolean) => need().heapSetInUse(i, v),
    heapChunksOfSize: (size: bigint) => need().heapChunksOfSize(size),
    heapClassify: (lists: BigUint64Array, kinds: Uint8Array, meta: BigUint64Array) => need().heapClassify(lists, kinds, meta),
    heapBlocks: async (states: number, from: number, limit: number) => {
      const b = await need().heapBlocks(states, from, limit);
      return Comlink.transfer(b, [b.addresses.buffer as ArrayBuffer, b.usable.buffer as ArrayBuffer, b.states.buffer as ArrayBuffer]);
    },
    heapAggregate: async () => {
      const a: HeapAggregate = await need().heapAggregate();
      const g = [a.bySize, a.bySignature, a.byType].flatMap((x) => [x.key1, x.key2, x.counts, x.bytes, x.examples]);
      return Comlink.transfer(a, [a.states, a.arenas, ...g].map((x) => x.buffer as ArrayBuffer));
    },
  };
}
