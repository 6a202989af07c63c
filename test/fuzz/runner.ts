// The fuzz runner: a child process (bundled by vite.fuzz.config.ts) that analyzes mutated
// cores one after another and reports each on stdout, so that its parent can kill it when one
// input hangs and go on. Kernels run inline: a hang anywhere stops the heartbeat.
//   node runner.mjs BASE_CORE LAYOUT.json KERNELS.wasm FROM TO
// prints `S seed` before and `R {json}` after each input. With `-` for LAYOUT.json the base itself
// is analyzed (FROM..TO times): how a kept failing input (.work/fuzz/failures/) is replayed.
import { readFileSync } from 'node:fs';
import { analyzeSession, openInputs } from '../../src/engine/analyze';
import { MemorySource } from '../../src/engine/bytesource';
import { HeaplensError } from '../../src/engine/errors';
import { inlinePool } from '../../src/workers/pool';
import { type CoreLayout, mutate } from './mutate';

export interface FuzzResult {
  seed: number;
  strategy: string;
  what: string;
  size: number;
  status: 'ok' | 'error' | 'crash';
  code?: string;
  message?: string;
  ms: number;
  diagnostics?: number;
  heapFound?: boolean;
}

/** Errors that name a problem of the input; anything else (TypeError, wasm traps, kernel aborts) is a crash. */
export function classify(e: unknown): { status: 'error' | 'crash'; code?: string; message: string } {
  if (e instanceof HeaplensError) return { status: 'error', code: e.code, message: e.message };
  const err = e as Error;
  const message = String(err?.message ?? e);
  const internal = !(err instanceof Error) || err.name !== 'Error' || /kernel abort|out of bounds|unreachable|is not a function|Cannot read prop|undefined|NaN|Maximum call stack/.test(message);
  return internal ? { status: 'crash', message: `${err?.name ?? typeof e}: ${message}\n${err?.stack ?? ''}` } : { status: 'error', message };
}

async function main(): Promise<void> {
  const [basePath, layoutPath, wasmPath, fromS, toS] = process.argv.slice(2);
  const base = new Uint8Array(readFileSync(basePath));
  const layout = layoutPath === '-' ? undefined : (JSON.parse(readFileSync(layoutPath, 'utf8')) as CoreLayout);
  const mod = new WebAssembly.Module(readFileSync(wasmPath));
  const out = (line: string) => process.stdout.write(line + '\n');
  for (let seed = Number(fromS); seed < Number(toS); seed++) {
    out(`S ${seed}`);
    const { bytes, strategy, what } = layout ? mutate(base, layout, seed) : { bytes: base, strategy: 'replay', what: basePath };
    const t0 = performance.now();
    const res: FuzzResult = { seed, strategy, what, size: bytes.length, status: 'ok', ms: 0 };
    try {
      const src = new MemorySource(bytes, `fuzz-${seed}.core`);
      const opened = await openInputs(src);
      const pool = await inlinePool(mod, src, 1);
      try {
        const { json } = await analyzeSession(opened, pool, { census: { topN: 50 } });
        res.diagnostics = json.diagnostics.length;
        res.heapFound = json.heap?.found;
      } finally {
        pool.dispose();
      }
    } catch (e) {
      Object.assign(res, classify(e));
    }
    res.ms = Math.round(performance.now() - t0);
    out(`R ${JSON.stringify(res)}`);
  }
  process.exit(0);
}

// An input whose analysis never settles empties the event loop: say so (the parent counts it a crash).
process.on('beforeExit', () => {
  process.stderr.write('runner: the event loop ran dry with an input unfinished (a promise that never settles)\n');
  process.exit(4);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`runner: unhandled rejection: ${(e as Error)?.stack ?? e}\n`);
});

main().catch((e) => {
  process.stderr.write(`runner failed: ${(e as Error).stack ?? e}\n`);
  process.exit(3);
});
