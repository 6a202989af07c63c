// Node-side set-up shared by the CLI and tests: kernel module, demangler wasm.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { initDemangler } from '../engine/demangle';
import { findArtifact } from './node-pool';

export async function initNodeDemangler(): Promise<void> {
  let path: string | undefined;
  try {
    path = findArtifact('demangle.wasm');
  } catch {
    const req = createRequire(import.meta.url);
    const p = req.resolve('gecko-profiler-demangle/index_bg.wasm');
    if (existsSync(p)) path = p;
  }
  if (path) await initDemangler(await readFile(path));
}
