// Benchmark of the memory (hex) view on a ~1 GiB core (test/fixtures/bigheap.cpp, 9.6 million
// blocks; HEAPLENS_BENCH_CORE=path reuses one, HEAPLENS_BENCH_BIN its executable):
//  (a) Node: screens of rows (40 rows, annotated) at random addresses of the dump — cold pages,
//      then the same screens again (warm); rows read in order (scrolling); next-block steps;
//  (b) Chromium: drop → results (the analysis that builds the block index), then go-to jumps
//      to random used blocks until the row is drawn, and scrolling 6,000 rows at 300 a frame.
// Prints the figures; BENCHMARKS.md records them.
import { statSync } from 'node:fs';
import { expect, it } from 'vitest';
import { HexProvider } from '../../src/engine/hexview';
import { launchChromium, serveStatic } from '../helpers/browser';
import { openAnalyzed } from '../helpers/engine';
import { buildFixture, dumpFixture } from '../helpers/fixtures';

const SIZE_MIB = Number(process.env.HEAPLENS_BENCH_MIB ?? 1024);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];

it(`memory view on a ~${SIZE_MIB} MiB core`, async () => {
  const given = process.env.HEAPLENS_BENCH_CORE;
  const exe = process.env.HEAPLENS_BENCH_BIN ?? (await buildFixture('bigheap.cpp'));
  const fx = given ? { core: given } : await dumpFixture(exe, [String(SIZE_MIB)], { timeoutMs: 600_000 });
  const out: Record<string, string | number> = { core: `${fx.core} (${(statSync(fx.core).size / 2 ** 20).toFixed(0)} MiB)` };

  // (a) Node
  let t = performance.now();
  const a = await openAnalyzed(fx.core, [exe], { mode: 'threads', workers: 2 });
  out['node: open + analysis (block index)'] = `${Math.round(performance.now() - t)} ms`;
  const blocks: bigint[] = [];
  try {
    const p = new HexProvider(a.opened, a.leaks);
    const n = a.leaks!.addrs.length;
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 200; i++) blocks.push(a.leaks!.addrs[Math.floor(rnd() * n)]);
    const screen = async (addr: bigint) => {
      const t0 = performance.now();
      await p.rows(p.rowOf(addr), 40);
      return performance.now() - t0;
    };
    const cold: number[] = [];
    for (const b of blocks) cold.push(await screen(b));
    const warm: number[] = [];
    for (const b of blocks.slice(-50)) warm.push(await screen(b));
    out['node: 40-row screen at a random block, cold (median / p95)'] = `${median(cold).toFixed(2)} / ${p95(cold).toFixed(2)} ms`;
    out['node: the same screen again, pages cached (median)'] = `${median(warm).toFixed(2)} ms`;
    const heap = a.opened.map.regions.find((r) => r.label === 'heap')!;
    t = performance.now();
    const first = p.rowOf(heap.start);
    const R = 100_000;
    for (let i = 0; i < R; i += 40) await p.rows(first + BigInt(i), 40);
    const ms = performance.now() - t;
    out['node: rows in order (scrolling), annotated'] = `${Math.round(R / (ms / 1000)).toLocaleString('en-US')} rows/s (${((R * 16) / 1e6 / (ms / 1000)).toFixed(1)} MB/s)`;
    t = performance.now();
    let cur = heap.start;
    for (let i = 0; i < 100_000; i++) cur = BigInt(p.nextBlock(cur)!.address);
    out['node: next-block steps'] = `${Math.round(100_000 / ((performance.now() - t) / 1000)).toLocaleString('en-US')} /s`;
    out['node: pages read'] = p.pagesRead;
  } finally {
    await a.close();
  }

  // (b) Chromium
  const site = await serveStatic();
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    await page.goto(site.url);
    t = performance.now();
    await page.getByTestId('file-input').setInputFiles([fx.core, exe]);
    await page.getByTestId('results').waitFor({ timeout: 600_000 });
    out['app: drop → results (analysis with block index)'] = `${Math.round(performance.now() - t)} ms`;
    await page.getByTestId('memory-grid').waitFor();
    const jumps: number[] = [];
    for (const b of blocks.slice(0, 30)) {
      const a = '0x' + b.toString(16);
      const rowSel = `[data-row="0x${(b & ~15n).toString(16)}"] .hx-notes`;
      await page.getByTestId('memory-goto').fill(a);
      const ms = await page.evaluate(async (sel) => {
        const t0 = performance.now();
        const form = document.querySelector<HTMLInputElement>('[data-testid="memory-goto"]')!.form!;
        form.requestSubmit();
        for (;;) {
          const el = document.querySelector(sel);
          if (el && el.textContent && el.textContent.includes('┌')) return performance.now() - t0;
          await new Promise((r) => requestAnimationFrame(r));
        }
      }, rowSel);
      jumps.push(ms);
    }
    out['app: go-to a random block → its row drawn, annotated (median / p95)'] = `${median(jumps).toFixed(0)} / ${p95(jumps).toFixed(0)} ms`;
    const grid = page.getByTestId('memory-grid');
    const frames = await grid.evaluate(async (g) => {
      const t0 = performance.now();
      const times: number[] = [];
      let last = t0;
      for (let i = 0; i < 20; i++) {
        g.scrollTop += 6000;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      // wait until the last screen is drawn
      for (;;) {
        if (!g.querySelector('.hx-loading')) break;
        await new Promise((r) => requestAnimationFrame(r));
      }
      return { total: performance.now() - t0, times };
    });
    out['app: scroll 6,000 rows at 300 a frame (total; frame median / max)'] = `${frames.total.toFixed(0)} ms; ${median(frames.times).toFixed(1)} / ${Math.max(...frames.times).toFixed(1)} ms`;
  } finally {
    await browser.close();
    await site.close();
  }
  console.log('\n[bench] memory view\n' + Object.entries(out).map(([k, v]) => `  ${k}: ${v}`).join('\n'));
  expect(blocks.length).toBe(200);
});
