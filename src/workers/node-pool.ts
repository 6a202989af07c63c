// Node worker_threads pool for the CLI (and tests of it): same kernels, same engine.
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { KernelPool } from '../engine/kernel-api';
import { remotePool } from './pool';

const here = dirname(fileURLToPath(import.meta.url));

/** Finds a built artifact next to this module (dist-cli) or in the source tree's build dirs. */
export function findArtifact(name: string): string {
  const candidates = [join(here, name), join(here, '..', '..', 'build', name), join(here, '..', 'build', name), join(here, '..', '..', 'dist-cli', name)];
  const hit = candidates.find((p) => existsSync(p));
  if (!hit) throw new Error(`cannot find ${name} (looked in ${candidates.join(', ')}); run npm run build`);
  return hit;
}

let modulePromise: Promise<WebAssembly.Module> | undefined;
export function nodeKernelsModule(): Promise<WebAssembly.Module> {
  modulePromise ??= readFile(findArtifact('kernels.wasm')).then((b) => WebAssembly.compile(b));
  return modulePromise;
}

export async function nodePool(path: string, size = Math.max(1, Math.min(availableParallelism(), 8))): Promise<KernelPool> {
  const module = await nodeKernelsModule();
  const script = findArtifact('node-kernel.worker.mjs');
  const endpoints = Array.from({ length: size }, () => {
    const w = new Worker(script);
    return { endpoint: nodeEndpoint(w), terminate: () => void w.terminate() };
  });
  return remotePool(module, path, endpoints);
}
