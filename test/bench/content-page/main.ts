// A page for test/bench/content.bench.ts: the app's engine (the same modules and Web Worker
// pool the app uses) run on a dropped core — strings census and a regex count — timed here.
import { openInputs } from '../../../src/engine/analyze';
import { BlobSource } from '../../../src/engine/bytesource';
import { runRegex } from '../../../src/engine/content/regex';
import { wholeDump } from '../../../src/engine/content/sets';
import { runContent } from '../../../src/engine/content/strings';
import { browserPool } from '../../../src/workers/browser-pool';

async function bench(patterns: string[]) {
  const file = (document.getElementById('core') as HTMLInputElement).files![0];
  const t0 = performance.now();
  const opened = await openInputs(new BlobSource(file));
  const pool = await browserPool(file);
  try {
    const t1 = performance.now();
    const c = await runContent(opened, pool, wholeDump());
    const t2 = performance.now();
    const regex = [];
    for (const p of patterns) {
      const t = performance.now();
      const r = await runRegex(opened, pool, wholeDump(), p);
      regex.push({ pattern: p, ms: performance.now() - t, matches: r.total, decoder: r.decoder, phases: r.phasesMs });
    }
    return {
      openMs: t1 - t0, stringsMs: t2 - t1, workers: pool.size,
      strings: c.totals.strings, topKey: c.keys[0] && `${c.keys[0].key}=${c.keys[0].values[0]?.value} ×${c.keys[0].values[0]?.count}`,
      regex,
    };
  } finally {
    pool.dispose();
  }
}

/** Every latin1 decoder candidate, checked and timed on 16 MiB in a Web Worker. */
function decoders(): Promise<unknown> {
  const w = new Worker(new URL('./decoders.worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    w.onmessage = (e) => {
      resolve(e.data);
      w.terminate();
    };
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage(0);
  });
}

Object.assign(window, { heaplensBench: bench, heaplensDecoders: decoders });
