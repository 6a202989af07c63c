// Web Worker pool for the app, sized from navigator.hardwareConcurrency.
import kernelsUrl from '../../build/kernels.wasm?url';
import type { KernelPool } from '../engine/kernel-api';
import { remotePool } from './pool';

let modulePromise: Promise<WebAssembly.Module> | undefined;

export function kernelsModule(): Promise<WebAssembly.Module> {
  modulePromise ??= WebAssembly.compileStreaming(fetch(kernelsUrl));
  return modulePromise;
}

export function defaultWorkerCount(): number {
  const n = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 2 : 2;
  return Math.max(1, Math.min(n, 8));
}

export async function browserPool(file: Blob, size = defaultWorkerCount()): Promise<KernelPool> {
  const module = await kernelsModule();
  const endpoints = Array.from({ length: size }, () => {
    const w = new Worker(new URL('./browser-kernel.worker.ts', import.meta.url), { type: 'module', name: 'heaplens-kernel' });
    return { endpoint: w, terminate: () => w.terminate() };
  });
  return remotePool(module, file, endpoints);
}
