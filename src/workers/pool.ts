// Worker pools. Each implementation hands the engine `size` KernelWorkers; the engine
// never knows whether they are Web Workers, Node threads or inline instances.
import * as Comlink from 'comlink';
import type { ByteSource } from '../engine/bytesource';
import type { KernelPool } from '../engine/kernel-api';
import { KernelHost, instantiateKernels } from './kernel-host';
import { type AnyWorker, HANDED_OVER, WORKER_METHODS, buffersOf } from './methods';
import type { RemoteKernel } from './worker-api';

/** Kernels on the calling thread: for tests and small inputs. */
export async function inlinePool(module: WebAssembly.Module, source: ByteSource, size = 1): Promise<KernelPool> {
  const make = () => instantiateKernels(module);
  const workers = await Promise.all(Array.from({ length: size }, async () => new KernelHost(await make(), source, make)));
  return { size, workers, dispose() {} };
}

export interface Endpoint {
  endpoint: Comlink.Endpoint;
  terminate(): void;
}

/** Workers behind comlink, not yet given a file. `inFlight` counts calls not settled yet. */
export interface ConnectedWorkers {
  size: number;
  remotes: Comlink.Remote<RemoteKernel>[];
  workers: AnyWorker[];
  inFlight(): number;
  terminate(): void;
}

export function connectWorkers(endpoints: Endpoint[]): ConnectedWorkers {
  const remotes = endpoints.map((e) => Comlink.wrap<RemoteKernel>(e.endpoint));
  let pending = 0;
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending++;
    return p.finally(() => pending--);
  };
  const workers = remotes.map((r) => {
    const w: Record<string, unknown> = {};
    for (const name of WORKER_METHODS) {
      w[name] = (...args: unknown[]) => {
        // Runs and edge lists travel worker → here → worker: hand their buffers on.
        const a = HANDED_OVER.has(name) ? args.map((x) => Comlink.transfer(x, buffersOf(x))) : args;
        return track((r[name] as unknown as (...x: unknown[]) => Promise<unknown>)(...a));
      };
    }
    return w as unknown as AnyWorker;
  });
  return {
    size: remotes.length,
    remotes,
    workers,
    inFlight: () => pending,
    terminate() {
      for (const r of remotes) r[Comlink.releaseProxy]();
      endpoints.forEach((x) => x.terminate());
    },
  };
}

/** Gives connected workers their kernels and the file to read. */
export async function initWorkers(c: ConnectedWorkers, module: WebAssembly.Module, source: unknown): Promise<void> {
  try {
    await Promise.all(c.remotes.map((r) => r.init(module, source)));
  } catch (e) {
    c.terminate();
    throw e;
  }
}

/** A pool over comlink-wrapped endpoints (Web Workers or Node worker threads), ended by dispose(). */
export async function remotePool(module: WebAssembly.Module, source: unknown, endpoints: Endpoint[]): Promise<KernelPool> {
  const c = connectWorkers(endpoints);
  await initWorkers(c, module, source);
  return { size: c.size, workers: c.workers, dispose: () => c.terminate() };
}
