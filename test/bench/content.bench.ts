// Benchmark of the content scans on the ~1.2 GiB core of census.bench.ts (bigheap.cpp: 1.5
// million request objects owning form bodies "POST /api … Content-Type:
// application/x-www-form-urlencoded … channelid=N&uid=…", one in 16 with channel 4099):
//  (a) the seeds' `grep -a -c -P "application/x-www-form-urlencoded"` on the core (median of 3),
//  (b) the seeds' `grep -o -P -a "channelid=\d*" | sort | uniq -c | sort -nr` (once),
//  (c) the CLI: heaplens grep (regex count) and heaplens kv (strings + key=value census),
//  (d) the browser: the app's engine and Web Worker pool in headless Chromium, on the dropped
//      file (a small page built here from test/bench/content-page), median of 3,
//  and the latin1 decoders timed inside a Web Worker. Prints the figures and ratios;
//  BENCHMARKS.md records them. HEAPLENS_BENCH_CORE=path reuses a core.
import { execFileSync, execSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { expect, it } from 'vitest';
import { launchChromium, serveStatic } from '../helpers/browser';
import { ROOT, WORK, buildFixture, dumpFixture } from '../helpers/fixtures';

const SIZE_MIB = Number(process.env.HEAPLENS_BENCH_MIB ?? 1024);
/** The seed's literal (a byte search), and a regular expression (decoded to latin1, RegExp). */
const PATTERNS = ['application/x-www-form-urlencoded', 'channelid=\\d+&'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed<T>(f: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = f();
  return { ms: Math.round(performance.now() - t0), value };
}

it(`strings census and regex count on a ~${SIZE_MIB} MiB core`, async () => {
  const given = process.env.HEAPLENS_BENCH_CORE;
  const core = given ?? (await dumpFixture(await buildFixture('bigheap.cpp'), [String(SIZE_MIB)], { timeoutMs: 600_000 })).core;
  const size = statSync(core).size;
  const out: Record<string, string | number> = {};
  out.core = `${core} (${(size / 2 ** 20).toFixed(0)} MiB)`;
  out.machine = `${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`;
  out.chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
  out.node = process.version;

  // (a) grep -a -c -P, three times each (the first run also brings the file into the page cache).
  const grepMs: number[] = [];
  for (const p of PATTERNS) {
    const greps = [0, 1, 2].map(() => timed(() => execFileSync('grep', ['-a', '-c', '-P', p, core], { encoding: 'utf8' }).trim()));
    grepMs.push(median(greps.map((g) => g.ms)));
    out[`(a) grep -a -c -P '${p}' ms (runs); lines`] = `${greps.map((g) => g.ms).join(', ')}; ${greps[0].value}`;
  }

  // (b) the seeds' key=value census by hand.
  const kvHand = timed(() => execSync(`grep -o -P -a "channelid=\\d*" '${core}' | sort | uniq -c | sort -nr | head -3`, { shell: '/bin/bash', encoding: 'utf8' }));
  out['(b) grep -o | sort | uniq -c ms'] = kvHand.ms;
  out['(b) top'] = kvHand.value.split('\n')[0].trim();

  // (c) the CLI, whole process.
  const cli = (args: string[]) => {
    const file = join(WORK, `bench-content-${args[0]}.json`);
    const t = timed(() => execFileSync('node', [join(ROOT, 'bin', 'heaplens.mjs'), ...args, '--json', '--out', file]));
    return { ms: t.ms, json: JSON.parse(readFileSync(file, 'utf8')) };
  };
  const cgs = PATTERNS.map((p) => cli(['grep', p, core]));
  cgs.forEach((cg, i) => {
    out[`(c) CLI grep '${PATTERNS[i]}' ms (process; scan); matches`] = `${cg.ms}; ${cg.json.elapsedMs}; ${cg.json.total}`;
    out[`(c) CLI grep '${PATTERNS[i]}' decoder; decode / match ms (summed over workers)`] = `${cg.json.decoder}; ${cg.json.phasesMs.decode} / ${cg.json.phasesMs.match}`;
  });
  const ck = cli(['kv', core]);
  out['(c) CLI kv (strings + pairs) ms (process; census)'] = `${ck.ms}; ${ck.json.elapsedMs}`;
  out['(c) CLI kv phases ms'] = JSON.stringify(ck.json.phasesMs);
  out['(c) CLI kv top key'] = `${ck.json.keys[0].key}=${ck.json.keys[0].values[0].value} ×${ck.json.keys[0].values[0].count}`;
  out['(c) CLI kv strings, pairs'] = `${ck.json.totals.strings}, ${ck.json.totals.pairs}`;
  out['(c) CLI kv tables (evictions, maxError)'] = ck.json.tables.map((t: { name: string; evictions: number; maxError: number }) => `${t.name} ${t.evictions}/${t.maxError}`).join('; ');
  out['(c) CLI kv worker memory MiB'] = Math.round(ck.json.workerMemoryBytes / 2 ** 20);

  // (d) the browser.
  const pageDir = join(WORK, 'bench-content-page');
  await build({ configFile: false, logLevel: 'warn', root: join(ROOT, 'test', 'bench', 'content-page'), base: './', build: { outDir: pageDir, emptyOutDir: true, target: 'es2022' }, worker: { format: 'es' } });
  const site = await serveStatic(pageDir, '/bench/');
  const browser = await launchChromium();
  try {
    type Run = { openMs: number; stringsMs: number; workers: number; strings: number; topKey: string; regex: { pattern: string; ms: number; matches: number; decoder: string; phases: { decode: number; match: number } }[] };
    const runs: Run[] = [];
    let decoders: unknown;
    for (let rep = 0; rep < 3; rep++) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(site.url);
      await page.locator('#core').setInputFiles(core);
      runs.push(await page.evaluate((p) => (window as unknown as { heaplensBench(p: string[]): Promise<Run> }).heaplensBench(p), PATTERNS));
      if (rep === 0) decoders = await page.evaluate(() => (window as unknown as { heaplensDecoders(): Promise<unknown> }).heaplensDecoders());
      await page.context().close();
    }
    const s = median(runs.map((r) => r.stringsMs));
    out['(d) browser strings + pairs ms (runs)'] = runs.map((r) => Math.round(r.stringsMs)).join(', ');
    out['(d) browser workers; strings; top key'] = `${runs[0].workers}; ${runs[0].strings}; ${runs[0].topKey}`;
    const mbps = (ms: number) => Math.round(size / 1e6 / (ms / 1000));
    PATTERNS.forEach((p, i) => {
      const g = median(runs.map((r) => r.regex[i].ms));
      const r0 = runs[0].regex[i];
      out[`(d) browser grep '${p}' ms (runs); matches`] = `${runs.map((r) => Math.round(r.regex[i].ms)).join(', ')}; ${r0.matches}`;
      out[`(d) browser grep '${p}' decoder; decode / match ms (summed over workers)`] = `${r0.decoder}; ${Math.round(r0.phases.decode)} / ${Math.round(r0.phases.match)}`;
      out[`ratio CLI grep / grep -c, '${p}'`] = +(cgs[i].ms / grepMs[i]).toFixed(2);
      out[`ratio browser grep / grep -c, '${p}'`] = +(g / grepMs[i]).toFixed(2);
      out[`MB/s grep -c, CLI, browser, '${p}'`] = [grepMs[i], cgs[i].ms, g].map(mbps).join(', ');
      expect(r0.matches).toBe(cgs[i].json.total);
    });
    out['(d) latin1 decoders in a Web Worker (16 MiB)'] = JSON.stringify(decoders);
    out['MB/s CLI kv, browser strings + pairs'] = [ck.ms, s].map(mbps).join(', ');
    out['ratio CLI kv census / grep -c (literal)'] = +(ck.ms / grepMs[0]).toFixed(2);
    out['ratio CLI kv census / grep -o | sort | uniq -c'] = +(ck.ms / kvHand.ms).toFixed(2);
    out['ratio browser strings + pairs / grep -c (literal)'] = +(s / grepMs[0]).toFixed(2);
    console.log('\n[bench] content\n' + Object.entries(out).map(([k, v]) => `  ${k}: ${v}`).join('\n'));
    expect(ck.json.keys[0].key).toBe('channelid');
  } finally {
    await browser.close();
    await site.close();
  }
});
