// What a kernel worker exposes over comlink: open the file once, then the KernelWorker calls.
import * as Comlink from 'comlink';
import type { ByteSource } from '../engine/bytesource';
import type { CensusConfig, CensusPart, FinishRequest, KernelWorker, SortedRun, Span } from '../engine/kernel-api';
import { KernelHost, instantiateKernels } from './kernel-host';

export interface RemoteKernel extends KernelWorker {
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
      host = new KernelHost(await instantiateKernels(module), await open(source));
    },
    async reset() {
      host = undefined;
    },
    censusBegin: (cfg: CensusConfig) => need().censusBegin(cfg),
    censusSpan: (s: Span) => need().censusSpan(s),
    censusSample: (count: number) => need().censusSample(count),
    censusPartition: async (pivots: BigUint64Array, self: number) => {
      const runs = await need().censusPartition(pivots, self);
      return Comlink.transfer(runs, runs.flatMap((r) => (r ? [r.keys.buffer as ArrayBuffer, r.counts.buffer as ArrayBuffer] : [])));
    },
    censusMergeRun: (run: SortedRun) => need().censusMergeRun(run),
    censusFinish: async (req: FinishRequest) => transferPart(await need().censusFinish(req)),
  };
}
