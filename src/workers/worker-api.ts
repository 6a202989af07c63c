// What a kernel worker exposes over comlink: open the file once, then the kernel calls
// (methods.ts). Results go back by transfer: every array in them is the worker's own copy.
import * as Comlink from 'comlink';
import type { ByteSource } from '../engine/bytesource';
import { KernelHost, instantiateKernels } from './kernel-host';
import { type AnyWorker, WORKER_METHODS, buffersOf } from './methods';

export interface RemoteKernel extends AnyWorker {
  /** `source` is a File/Blob in the browser, a path under Node. */
  init(module: WebAssembly.Module, source: unknown): Promise<void>;
  /** Drops the kernel instances and the file (their memory goes back) until the next init. */
  reset(): Promise<void>;
}

/** Builds the object a worker exposes, given how it opens its file in its environment. */
export function makeWorkerApi(open: (source: unknown) => Promise<ByteSource>): RemoteKernel {
  let host: KernelHost | undefined;
  const need = () => {
    if (!host) throw new Error('kernel worker used before init');
    return host;
  };
  const api: Record<string, unknown> = {
    async init(module: WebAssembly.Module, source: unknown) {
      host = undefined;
      const make = () => instantiateKernels(module);
      host = new KernelHost(await make(), await open(source), make);
    },
    async reset() {
      host = undefined;
    },
  };
  for (const name of WORKER_METHODS) {
    api[name] = async (...args: unknown[]) => {
      const r = await (need()[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      return r === null || typeof r !== 'object' ? r : Comlink.transfer(r, buffersOf(r));
    };
  }
  return api as unknown as RemoteKernel;
}
