// Runs the engine in-process for tests: kernels inline or on Node worker threads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AnalysisJSON, type OpenedCore, analyzeSession, openInputs, toJSON } from '../../src/engine/analyze';
import { type RawOptions, openDump } from '../../src/engine/raw/open';
import type { LeakContext } from '../../src/engine/leaks';
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

export interface AnalyzeFileOptions {
  workers?: number;
  mode?: 'inline' | 'threads';
  census?: Omit<CensusOptions, 'signal' | 'onProgress'>;
  noHeap?: boolean;
  noLeaks?: boolean;
  /** Raw dumps: base, word size, first chunk, and the maps file (a core or text) by path. */
  raw?: Omit<RawOptions, 'maps'> & { maps?: string };
  limits?: import('../../src/engine/scan').Limits;
  /** Called with the pool before it is disposed (the workers still hold their tables). */
  inspect?: (pool: KernelPool, json: AnalysisJSON, leaks?: LeakContext) => Promise<void>;
}

/** All blocks in the workers' heap tables whose state is in `states` (bit mask). */
export async function allBlocks(pool: KernelPool, states: number) {
  const out: { address: bigint; usable: number; state: number }[] = [];
  for (const w of pool.workers) {
    const b = await w.heapBlocks(states, 0, 1 << 30);
    for (let i = 0; i < b.addresses.length; i++) out.push({ address: b.addresses[i], usable: b.usable[i], state: b.states[i] });
  }
  return out;
}

export async function analyzeFile(core: string, bins: string[] = [], opts: AnalyzeFileOptions = {}): Promise<AnalysisJSON> {
  await initNodeDemangler();
  const src = await NodeFileSource.open(core);
  const binSrcs: ByteSource[] = [];
  for (const b of bins) binSrcs.push(await NodeFileSource.open(b));
  let pool: KernelPool | undefined;
  const maps = opts.raw?.maps ? await NodeFileSource.open(opts.raw.maps) : undefined;
  try {
    const opened = await openDump(src, binSrcs, { ...opts.raw, maps });
    pool = opts.mode === 'threads' ? await nodePool(core, opts.workers ?? 2) : await inlinePool(kernels(), src, opts.workers ?? 1);
    const { json, leaks } = await analyzeSession(opened, pool, { census: opts.census, noHeap: opts.noHeap, noLeaks: opts.noLeaks, limits: opts.limits });
    await opts.inspect?.(pool, json, leaks);
    return json;
  } finally {
    pool?.dispose();
    await src.close();
    await maps?.close();
    for (const b of binSrcs) await (b as NodeFileSource).close();
  }
}

export interface Analyzed {
  opened: OpenedCore;
  json: AnalysisJSON;
  leaks?: LeakContext;
  /** Lets the workers go and closes the files. */
  close(): Promise<void>;
}

/** Opens and analyzes a core and keeps everything open (the files, the pool, the leak context) until close(). */
export async function openAnalyzed(core: string, bins: string[] = [], opts: Omit<AnalyzeFileOptions, 'inspect'> & { analyze?: boolean } = {}): Promise<Analyzed> {
  await initNodeDemangler();
  const src = await NodeFileSource.open(core);
  const binSrcs: NodeFileSource[] = [];
  let pool: KernelPool | undefined;
  const close = async () => {
    pool?.dispose();
    await src.close();
    for (const b of binSrcs) await b.close();
  };
  try {
    for (const b of bins) binSrcs.push(await NodeFileSource.open(b));
    const opened = await openInputs(src, binSrcs);
    if (opts.analyze === false) return { opened, json: toJSON(opened), close };
    pool = opts.mode === 'threads' ? await nodePool(core, opts.workers ?? 2) : await inlinePool(kernels(), src, opts.workers ?? 1);
    const { json, leaks } = await analyzeSession(opened, pool, { census: opts.census, noHeap: opts.noHeap, noLeaks: opts.noLeaks, limits: opts.limits });
    return { opened, json, leaks, close };
  } catch (e) {
    await close();
    throw e;
  }
}
