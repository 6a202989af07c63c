// What a kernel worker exposes over comlink: open the file once, then the KernelWorker calls.
import * as Comlink from 'comlink';
import type { ByteSource } from '../engine/bytesource';
import type { CensusConfig, CensusPart, KernelWorker, Span } from '../engine/kernel-api';
import { KernelHost, instantiateKernels } from './kernel-host';

export interface RemoteKernel extends KernelWorker {
  /** `source` is a File/Blob in the browser, a path under Node. */
  init(module: WebAssembly.Module, source: unknown): Promise<void>;
}

function transferPart(p: CensusPart): CensusPart {
  const bufs = [p.small, p.ptrKeys, p.ptrCounts, p.ptrRange, p.mgKeys, p.mgCounts].map((a) => a.buffer as ArrayBuffer);
  return Comlink.transfer(p, bufs);
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
      host = new KernelHost(await instantiateKernels(module), await open(source));
    },
    censusBegin: (cfg: CensusConfig) => need().censusBegin(cfg),
    censusSpan: (s: Span) => need().censusSpan(s),
    censusFinish: async () => transferPart(await need().censusFinish()),
  };
}
