// Benchmark of the word census on a ~1 GiB core made here from a generated program:
//  (a) raw File.slice().arrayBuffer() of the whole file in headless Chromium (32 MiB slices),
//  (b) the app's full analysis of it (drop → results, the census on the worker pool),
//  (c) the seeds' `hexdump | awk | sort | uniq -c | sort -nr` on a 256 MiB slice of it,
//  (d) the CLI's analysis.
// Prints the figures and ratios; BENCHMARKS.md records them.
import { execFileSync, execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { expect, it } from 'vitest';
import { launchChromium, serveStatic } from '../helpers/browser';
import { ROOT, buildFixture, dumpFixture } from '../helpers/fixtures';
import { readelfLoads } from '../helpers/oracle';

const MIB = 1 << 20;
const SIZE_MIB = Number(process.env.HEAPLENS_BENCH_MIB ?? 1024);

it(`word census on a ~${SIZE_MIB} MiB core`, async () => {
  // HEAPLENS_BENCH_CORE reuses a core made earlier (for quick iterations); normally one is made here.
  const given = process.env.HEAPLENS_BENCH_CORE;
  const fx = given
    ? { core: given, truth: { blocks: 0 } }
    : await dumpFixture<{ blocks: number; requests: number; vtableRequest: string }>(await buildFixture('bigheap.cpp'), [String(SIZE_MIB)], { timeoutMs: 600_000 });
  const size = statSync(fx.core).size;
  const site = await serveStatic();
  const browser = await launchChromium();
  const out: Record<string, number | string> = {};
  try {
    // (a) raw slice reads, in a fresh page, best of 2.
    const raw: number[] = [];
    for (let rep = 0; rep < 2; rep++) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(site.url);
      await page.evaluate(() => {
        const i = document.createElement('input');
        i.type = 'file';
        i.id = 'bench-raw';
        document.body.appendChild(i);
      });
      await page.locator('#bench-raw').setInputFiles(fx.core);
      raw.push(
        await page.evaluate(async (slice) => {
          const f = (document.getElementById('bench-raw') as HTMLInputElement).files![0];
          const t0 = performance.now();
          let sum = 0;
          for (let o = 0; o < f.size; o += slice) sum += (await f.slice(o, Math.min(f.size, o + slice)).arrayBuffer()).byteLength;
          if (sum !== f.size) throw new Error('short read');
          return performance.now() - t0;
        }, 32 * 1024 * 1024),
      );
      await ctx.close();
    }
    const rawMs = Math.min(...raw);

    // (b) the app: drop the core, wait for the results, take the census time from the export.
    const app: { wall: number; census: number; words: number; timings: Record<string, number>; phases: Record<string, number> }[] = [];
    for (let rep = 0; rep < 2; rep++) {
      const ctx = await browser.newContext({ acceptDownloads: true });
      const page = await ctx.newPage();
      await page.goto(site.url);
      const t0 = Date.now();
      await page.getByTestId('file-input').setInputFiles(fx.core);
      await page.getByTestId('results').waitFor({ timeout: 600_000 });
      const wall = Date.now() - t0;
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
      const j = JSON.parse(execFileSync('cat', [(await dl.path())!], { encoding: 'utf8', maxBuffer: 1 << 30 }));
      app.push({ wall, census: j.words.elapsedMs, words: j.words.words, timings: j.timings, phases: j.words.phasesMs });
      await ctx.close();
    }
    const best = app.reduce((a, b) => (b.wall < a.wall ? b : a));

    // (c) the seeds' pipeline on 256 MiB of the heap.
    const heap = readelfLoads(fx.core).reduce((a, b) => (b.filesz > a.filesz ? b : a));
    const sliceBytes = Math.min(256 * MIB, heap.filesz);
    const t1 = Date.now();
    execSync(
      `tail -c +${heap.offset + 1} '${fx.core}' | head -c ${sliceBytes} | hexdump | awk '{printf "%s%s%s%s\\n%s%s%s%s\\n", $5,$4,$3,$2,$9,$8,$7,$6}' | sort | uniq -c | sort -nr > /dev/null`,
      { shell: '/bin/bash', maxBuffer: 1 << 20 },
    );
    const hexMs = Date.now() - t1;

    // (d) the CLI.
    const t2 = Date.now();
    execFileSync('node', [join(ROOT, 'bin', 'heaplens.mjs'), 'analyze', fx.core, '--json', '--out', '/dev/null']);
    const cliMs = Date.now() - t2;

    const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
    out.machine = `${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`;
    out.chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
    out.node = process.version;
    out.coreBytes = size;
    out.blocks = fx.truth.blocks;
    out['(a) raw File.slice read ms'] = Math.round(rawMs);
    out['(a) MB/s'] = Math.round(mbps(size, rawMs));
    out['(b) app drop→results ms'] = best.wall;
    out['(b) app census ms'] = best.census;
    out['(b) app stages ms'] = JSON.stringify(best.timings);
    out['(b) census phases ms'] = JSON.stringify(best.phases);
    out['(b) MB/s (drop→results)'] = Math.round(mbps(size, best.wall));
    out['(c) hexdump|sort|uniq ms (256 MiB)'] = hexMs;
    out['(c) MB/s'] = +mbps(sliceBytes, hexMs).toFixed(1);
    out['(d) CLI analyze ms'] = cliMs;
    out['(d) MB/s'] = Math.round(mbps(size, cliMs));
    out['ratio (b)/(a), target ≤ 1.5'] = +(best.wall / rawMs).toFixed(2);
    out['speed-up per byte (b) vs (c), target ≥ 60'] = +((hexMs / sliceBytes) / (best.wall / size)).toFixed(1);
    console.log('\n[bench] census\n' + Object.entries(out).map(([k, v]) => `  ${k}: ${v}`).join('\n'));
    expect(best.words).toBeGreaterThan(0);
  } finally {
    await browser.close();
    await site.close();
  }
});
