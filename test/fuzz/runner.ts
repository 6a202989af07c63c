// The fuzz runner: a child process (bundled by vite.fuzz.config.ts) that analyzes mutated
// inputs one after another and reports each on stdout, so that its parent can kill it when one
// input hangs and go on. Kernels run inline: a hang anywhere stops the heartbeat.
//   node runner.mjs MODE BASE LAYOUT.json KERNELS.wasm FROM TO
// MODE: core (BASE a core), raw (BASE a raw heap dump; the layout has its base address and map
// text), text (BASE unused; the layout holds real tool outputs), bundle (BASE a collector .tar.gz;
// the layout names its tar and where the headers are). Prints `S seed` before and
// `R {json}` after each input. In core mode, `-` for LAYOUT.json analyzes the base itself
// (FROM..TO times): how a kept failing input (.work/fuzz/failures/) is replayed.
import { readFileSync } from 'node:fs';
import { analyzeSession, openInputs } from '../../src/engine/analyze';
import { MemorySource } from '../../src/engine/bytesource';
import { HeaplensError } from '../../src/engine/errors';
import { inlinePool } from '../../src/workers/pool';
import { openDump } from '../../src/engine/raw/open';
import { compareTexts, readText } from '../../src/engine/text';
import { type BundleLayout, type CoreLayout, type RawLayout, type TextLayout, mutate, mutateBundle, mutateRaw, mutateText } from './mutate';
import { readBundle } from '../../src/engine/text/bundle';

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
  /** Text mode: the kind the mutated text read as. */
  kind?: string;
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
  const [mode, basePath, layoutPath, wasmPath, fromS, toS] = process.argv.slice(2);
  const base = mode === 'text' ? new Uint8Array(0) : new Uint8Array(readFileSync(basePath));
  const layoutJSON = layoutPath === '-' ? undefined : JSON.parse(readFileSync(layoutPath, 'utf8'));
  const mod = new WebAssembly.Module(readFileSync(wasmPath));
  const out = (line: string) => process.stdout.write(line + '\n');
  const samples = new Map<string, Awaited<ReturnType<typeof readText>>>();
  let bundleTar: Uint8Array | undefined;
  for (let seed = Number(fromS); seed < Number(toS); seed++) {
    out(`S ${seed}`);
    const t0 = performance.now();
    const res: FuzzResult = { seed, strategy: '', what: '', size: 0, status: 'ok', ms: 0 };
    try {
      if (mode === 'bundle') {
        const l = layoutJSON as BundleLayout;
        bundleTar ??= new Uint8Array(readFileSync(l.tarPath));
        const m = mutateBundle(base, bundleTar, l, seed);
        Object.assign(res, { strategy: m.strategy, what: m.what, size: m.bytes.length });
        const { doc } = await readBundle(new MemorySource(m.bytes, 'heaplens-bundle.tar.gz'));
        res.kind = `${doc.members.length} members`;
        JSON.stringify(doc);
      } else if (mode === 'text') {
        const l = layoutJSON as TextLayout;
        const m = mutateText(l, seed);
        Object.assign(res, { strategy: m.strategy, what: m.what, size: m.bytes.length });
        const doc = await readText(new MemorySource(m.bytes, m.sample));
        res.kind = doc.kind;
        // Compared with the unmutated output of the same tool, when both read as one kind.
        let clean = samples.get(m.sample);
        if (!clean) {
          const t = l.samples.find((x) => x.name === m.sample)!.text;
          clean = await readText(new MemorySource(new TextEncoder().encode(t), m.sample));
          samples.set(m.sample, clean);
        }
        if (clean.kind === doc.kind) compareTexts(clean, doc);
        JSON.stringify(doc);
      } else {
        let bytes: Uint8Array;
        let opened;
        if (mode === 'raw') {
          const l = layoutJSON as RawLayout;
          const m = mutateRaw(base, l, seed);
          Object.assign(res, { strategy: m.strategy, what: m.what, size: m.bytes.length });
          bytes = m.bytes;
          const src = new MemorySource(bytes, 'heap.bin');
          opened = await openDump(src, [], { base: m.baseAddr, wordSize: l.wordSize, maps: new MemorySource(new TextEncoder().encode(m.mapsText), 'maps.txt') });
        } else {
          const m = layoutJSON ? mutate(base, layoutJSON as CoreLayout, seed) : { bytes: base, strategy: 'replay', what: basePath };
          Object.assign(res, { strategy: m.strategy, what: m.what, size: m.bytes.length });
          bytes = m.bytes;
          opened = await openInputs(new MemorySource(bytes, `fuzz-${seed}.core`));
        }
        const pool = await inlinePool(mod, opened.core.source, 1);
        try {
          const { json } = await analyzeSession(opened, pool, { census: { topN: 50 } });
          res.diagnostics = json.diagnostics.length;
          res.heapFound = json.heap?.found;
        } finally {
          pool.dispose();
        }
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
