// Web Worker pool for the app, sized from navigator.hardwareConcurrency. The workers and the
// compiled kernels are made once (warmUp, at start-up) and reused by every analysis; a pool
// left with calls in flight (a cancelled run) is terminated instead of reused.
import kernelsUrl from '../../build/kernels.wasm?url';
import type { KernelPool } from '../engine/kernel-api';
import { type ConnectedWorkers, connectWorkers, initWorkers } from './pool';

let modulePromise: Promise<WebAssembly.Module> | undefined;

export function kernelsModule(): Promise<WebAssembly.Module> {
  modulePromise ??= WebAssembly.compileStreaming(fetch(kernelsUrl)).catch((e) => {
    modulePromise = undefined;
    throw e;
  });
  return modulePromise;
}

export function defaultWorkerCount(): number {
  const n = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 2 : 2;
  return Math.max(1, Math.min(n, 8));
}

function spawn(size: number): ConnectedWorkers {
  return connectWorkers(
    Array.from({ length: size }, () => {
      const w = new Worker(new URL('./browser-kernel.worker.ts', import.meta.url), { type: 'module', name: 'heaplens-kernel' });
      return { endpoint: w, terminate: () => w.terminate() };
    }),
  );
}

let idle: ConnectedWorkers | undefined;

/** Starts the workers and compiles the kernels ahead of the first analysis. */
export function warmUp(): void {
  void kernelsModule().catch(() => undefined);
  idle ??= spawn(defaultWorkerCount());
}

export async function browserPool(file: Blob, size = defaultWorkerCount()): Promise<KernelPool> {
  const module = await kernelsModule();
  let c = idle && idle.size === size ? idle : spawn(size);
  if (c === idle) idle = undefined;
  await initWorkers(c, module, file);
  let done = false;
  return {
    size: c.size,
    workers: c.workers,
    dispose() {
      if (done) return;
      done = true;
      if (c.inFlight() === 0 && !idle) {
        for (const r of c.remotes) void r.reset();
        idle = c;
      } else c.terminate();
    },
  };
}
