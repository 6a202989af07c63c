// Runs the engine in-process for tests: kernels inline or on Node worker threads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AnalysisJSON, analyze, openInputs } from '../../src/engine/analyze';
import type { ByteSource } from '../../src/engine/bytesource';
import type { CensusOptions } from '../../src/engine/census';
import type { KernelPool } from '../../src/engine/kernel-api';
import { nodePool } from '../../src/workers/node-pool';
import { initNodeDemangler } from '../../src/workers/node-runtime';
import { NodeFileSource } from '../../src/workers/node-source';
import { inlinePool } from '../../src/workers/pool';
import { ROOT } from './fixtures';

let mod: WebAssembly.Module | undefined;
export function kernels(): WebAssembly.Module {
  mod ??= new WebAssembly.Module(readFileSync(join(ROOT, 'build', 'kernels.wasm')));
  return mod;
}

export async function analyzeFile(
  core: string,
  bins: string[] = [],
  opts: { workers?: number; mode?: 'inline' | 'threads'; census?: Omit<CensusOptions, 'signal' | 'onProgress'> } = {},
): Promise<AnalysisJSON> {
  await initNodeDemangler();
  const src = await NodeFileSource.open(core);
  const binSrcs: ByteSource[] = [];
  for (const b of bins) binSrcs.push(await NodeFileSource.open(b));
  let pool: KernelPool | undefined;
  try {
    const opened = await openInputs(src, binSrcs);
    pool = opts.mode === 'threads' ? await nodePool(core, opts.workers ?? 2) : await inlinePool(kernels(), src, opts.workers ?? 1);
    return await analyze(opened, pool, { census: opts.census });
  } finally {
    pool?.dispose();
    await src.close();
    for (const b of binSrcs) await (b as NodeFileSource).close();
  }
}
