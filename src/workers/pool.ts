// Worker pools. Each implementation hands the engine `size` KernelWorkers; the engine
// never knows whether they are Web Workers, Node threads or inline instances.
import * as Comlink from 'comlink';
import type { ByteSource } from '../engine/bytesource';
import type { KernelPool } from '../engine/kernel-api';
import { KernelHost, instantiateKernels } from './kernel-host';
import type { RemoteKernel } from './worker-api';

/** Kernels on the calling thread: for tests and small inputs. */
export async function inlinePool(module: WebAssembly.Module, source: ByteSource, size = 1): Promise<KernelPool> {
  const workers = await Promise.all(Array.from({ length: size }, async () => new KernelHost(await instantiateKernels(module), source)));
  return { size, workers, dispose() {} };
}

/** A pool over comlink-wrapped endpoints (Web Workers or Node worker threads). */
export async function remotePool(
  module: WebAssembly.Module,
  source: unknown,
  endpoints: { endpoint: Comlink.Endpoint; terminate(): void }[],
): Promise<KernelPool> {
  const remotes = endpoints.map((e) => Comlink.wrap<RemoteKernel>(e.endpoint));
  try {
    await Promise.all(remotes.map((r) => r.init(module, source)));
  } catch (e) {
    endpoints.forEach((x) => x.terminate());
    throw e;
  }
  return {
    size: remotes.length,
    workers: remotes as unknown as RemoteKernel[],
    dispose() {
      for (const r of remotes) r[Comlink.releaseProxy]();
      endpoints.forEach((x) => x.terminate());
    },
  };
}
