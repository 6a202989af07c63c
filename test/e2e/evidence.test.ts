// Text evidence in the app (Chromium): real tool output made at test time — an strace log of
// a program leaking mmaps (test/fixtures/mmapleak.c), /proc/meminfo around a known anonymous
// growth (anongrow.c), two tcmalloc heap profiles of a leak (heapprof.cpp) with the binary —
// dropped or pasted; each view's answer must say what the fixture's own truth says.
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { Profile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveStatic, type StaticSite } from '../helpers/browser';
import { contrastFailures } from '../helpers/contrast';
import { ROOT, buildFixture, dumpFixture, missing32Bit } from '../helpers/fixtures';
import { missingHeader, missingTool, run, start, workDir } from '../helpers/text-tools';
import { bytes } from '../../src/ui/fmt';

const no32 = missing32Bit();

interface MmapTruth {
  pid: number;
  leakerTid: number;
  size: number;
  count: number;
}

interface HeapTruth {
  dumps: string[];
  leakFunction: string;
  growthObjects: number;
  growthBytes: number;
}

const why = missingTool('strace', 'strace') ?? missingTool('valgrind', 'valgrind') ?? missingTool('pmap', 'procps') ?? missingTool('top', 'procps') ?? missingHeader('gperftools/heap-profiler.h', 'libgoogle-perftools-dev');

/** Sum of inuse_space of a decoded pprof profile, and the part whose first frame outside the allocator is fn. */
function pprofTotals(p: Profile, fn: string): { total: number; fn: number } {
  const str = p.stringTable.strings;
  const idx = p.sampleType.findIndex((t) => str[Number(t.type)] === 'inuse_space');
  const fns = new Map(p.function.map((f) => [Number(f.id), str[Number(f.name)]]));
  const locs = new Map(p.location.map((l) => [Number(l.id), fns.get(Number(l.line[0].functionId))!]));
  let total = 0;
  let mine = 0;
  for (const s of p.sample) {
    const v = Number(s.value[idx]);
    total += v;
    if (s.locationId.map((id) => locs.get(Number(id))).find((n) => !/^(malloc|operator new|tc_|lib(tcmalloc|jemalloc))/.test(n!)) === fn) mine += v;
  }
  return { total, fn: mine };
}

const digits = (s: string) => Number(s.replace(/[^\d-]/g, ''));

describe.skipIf(why)(`text evidence in the app${why ? ` (skipped: ${why})` : ''}`, () => {
  let site: StaticSite;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let straceLog: string;
  let mm: MmapTruth;
  let meminfoPair: string;
  let anonBytes: number;
  let heap: HeapTruth;
  let heapExe: string;

  beforeAll(async () => {
    dir = workDir('e2e-evidence');
    // strace -f -t of the mmap leaker: 20 leaks, one every 100 ms, and a thread that unmaps its own.
    const mmExe = await buildFixture('mmapleak.c');
    straceLog = join(dir, 'leaker.strace');
    await run('strace', ['-f', '-t', '-o', straceLog, mmExe, join(dir, 'mm-truth.json'), '100', '20']);
    mm = JSON.parse(readFileSync(join(dir, 'mm-truth.json'), 'utf8'));
    // /proc/meminfo before and after a program writes 256 MiB of anonymous memory, with time stamps.
    const agExe = await buildFixture('anongrow.c');
    // Other processes (the browser, other test workers) move AnonPages too: up to three tries for
    // a window where it rose by at least what the program wrote, read from the files themselves.
    const anonKiB = (m: string) => Number(/^AnonPages:\s+(\d+)/m.exec(m)?.[1] ?? 0);
    for (let k = 0; k < 3; k++) {
      const prog = start(agExe, [join(dir, `ag-truth-${k}.json`), '256']);
      try {
        const pid = Number((await prog.waitFor(/READY (\d+)/))[1]);
        const before = readFileSync('/proc/meminfo', 'utf8');
        const t0 = Math.floor(Date.now() / 1000);
        process.kill(pid, 'SIGUSR1');
        anonBytes = Number((await prog.waitFor(/GREW (\d+)/))[1]);
        const after = readFileSync('/proc/meminfo', 'utf8');
        meminfoPair = `${t0}\n${before}${Math.floor(Date.now() / 1000)}\n${after}`;
        if ((anonKiB(after) - anonKiB(before)) * 1024 >= anonBytes * 0.95) break;
      } finally {
        prog.child.kill('SIGKILL');
      }
    }
    // Two tcmalloc HEAPPROFILE dumps of a program leaking in svc::leak_requests.
    heapExe = await buildFixture('heapprof.cpp', { libs: ['-ltcmalloc'] });
    await run(heapExe, [join(dir, 'heap-truth.json'), dir]);
    heap = JSON.parse(readFileSync(join(dir, 'heap-truth.json'), 'utf8'));
    site = await serveStatic();
    browser = await launchChromium();
    const ctx = await browser.newContext({ acceptDownloads: true });
    page = await ctx.newPage();
    await page.goto(site.url);
    await page.getByTestId('dropzone').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  const answer = () => page.getByTestId('evidence-item').getByTestId('evidence-answer').first();

  it('a dropped strace log: the answer names the leaking thread, its tid, the size and the count', async () => {
    await page.getByTestId('file-input').setInputFiles([straceLog]);
    await page.getByTestId('ev-strace').waitFor({ timeout: 60_000 });
    const text = await answer().innerText();
    expect(text).toContain('“mmap-leaker”');
    expect(text).toContain(`tid ${mm.leakerTid}`);
    expect(text).toContain(`mapped ${mm.count} × ${mm.size} bytes`);
    expect(text).toContain('never unmapped them');
    // The table of what is still mapped has the leaker's group with all its mappings (thread
    // stacks, larger, come first by bytes).
    const rows = await page.getByTestId('ev-strace-unmatched').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const mine = rows.filter((c) => digits(c[0]) === mm.leakerTid && digits(c[2]) === mm.size && c[3] === 'anon');
    expect(mine).toHaveLength(1);
    expect(mine[0][1]).toBe('mmap-leaker');
    expect(digits(mine[0][5])).toBe(mm.count);
    expect(digits(mine[0][7])).toBe(mm.count);
    expect(await page.getByTestId('ev-strace-chart').locator('path.ev-line').count()).toBe(2);
    // The suspect on its own scale: it tops out at what the program leaked.
    const suspectChart = page.getByTestId('ev-strace-suspect-chart');
    expect(await suspectChart.locator('figcaption').innerText()).toContain(`mmap-leaker's mmap(${mm.size}) still mapped`);
    expect(await suspectChart.locator('text.ev-tick').first().textContent()).toBe(bytes(mm.count * mm.size));
    // Export JSON: the document the CLI's heaplens text --json writes, with the same suspect.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('evidence-json').click()]);
    const doc = JSON.parse(readFileSync((await dl.path())!, 'utf8'));
    expect(doc.kind).toBe('strace');
    expect(doc.suspects[0]).toMatchObject({ pid: mm.leakerTid, size: mm.size, unmatched: mm.count, thread: 'mmap-leaker' });
    expect(page.url()).toMatch(/#e=[0-9a-f]{16}$/);
  });

  it('a pasted /proc/meminfo pair: the verdict is user-space growth, AnonPages grew by what the program wrote', async () => {
    await page.getByTestId('paste-text').fill(meminfoPair);
    await page.getByTestId('paste-read').click();
    await page.getByTestId('ev-meminfo').waitFor();
    expect(await page.getByTestId('ev-verdict').textContent()).toBe('user-space growth');
    expect(await answer().innerText()).toMatch(/^Verdict over 2 samples: .*AnonPages/);
    const rows = await page.getByTestId('ev-meminfo-growth').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const cells = rows.find((c) => c[0].startsWith('user anon'))!;
    expect((digits(cells[3]) - digits(cells[2])) * 1024).toBeGreaterThanOrEqual(anonBytes * 0.9);
  });

  it('two tcmalloc profiles and the binary: the diff names the leaking function and its growth; the flame graph zooms; pprof exports the same totals', async () => {
    await page.getByTestId('file-input').setInputFiles([heap.dumps[1], heap.dumps[0], heapExe]);
    await page.getByTestId('ev-heap-diff').waitFor({ timeout: 60_000 });
    // HEAPLENS_SCREENSHOT=1 keeps a picture of this view for the README (docs/screenshot-evidence.png).
    if (process.env.HEAPLENS_SCREENSHOT) {
      await page.setViewportSize({ width: 1280, height: 1000 });
      await page.getByTestId('ev-compare').scrollIntoViewIfNeeded();
      await page.getByTestId('ev-compare').screenshot({ path: join(ROOT, 'docs', 'screenshot-evidence.png') });
    }
    const top = await page.getByTestId('ev-heap-diff-functions').locator('tbody tr').first().locator('td').allInnerTexts();
    expect(top[0]).toBe(heap.leakFunction);
    expect(digits(top[1])).toBe(heap.growthBytes);
    expect(digits(top[2])).toBe(heap.growthObjects);
    expect(await page.getByTestId('ev-compare').getByTestId('evidence-answer').first().innerText()).toContain(`${heap.leakFunction} grew most`);
    // Flame graph: frames drawn; clicking the leaking function zooms it to the full width.
    const flame = page.getByTestId('ev-compare').getByTestId('flame');
    expect(await flame.getByTestId('flame-frame').count()).toBeGreaterThan(2);
    const widthOf = (name: string) => flame.evaluate((el, n) => {
      const g = [...el.querySelectorAll('[data-testid=flame-frame]')].find((x) => (x as HTMLElement).dataset.name === n);
      return g ? Number(g.querySelector('rect')!.getAttribute('width')) : -1;
    }, name);
    const full = await flame.evaluate((el) => Number(el.querySelector('svg')!.getAttribute('width')));
    const before = await widthOf(heap.leakFunction);
    expect(before).toBeGreaterThan(0);
    await flame.evaluate((el, n) => {
      const g = [...el.querySelectorAll('[data-testid=flame-frame]')].find((x) => (x as HTMLElement).dataset.name === n) as SVGGElement;
      g.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    }, heap.leakFunction);
    expect(await flame.getByTestId('flame-zoom').innerText()).toContain(`Zoomed to ${heap.leakFunction}`);
    expect(await widthOf(heap.leakFunction)).toBeGreaterThanOrEqual(full - 1);
    // Search marks the function and says its share.
    await flame.getByTestId('flame-search').fill('leak_requests');
    expect(await flame.locator('.ev-match').count()).toBeGreaterThan(0);
    await flame.getByTestId('flame-reset').click();
    const flameTotal = digits((await flame.getByTestId('flame-total').innerText()).split(' B')[0]);
    // Export: a gzipped profile.proto whose growth is the leak's, with the flame graph's total.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ev-compare').getByTestId('export-pprof').click()]);
    expect(dl.suggestedFilename()).toMatch(/\.pb\.gz$/);
    const p = Profile.decode(gunzipSync(readFileSync((await dl.path())!)));
    const t = pprofTotals(p, heap.leakFunction);
    expect(t.fn).toBe(heap.growthBytes);
    expect(t.total).toBe(flameTotal);
  });

  it('unknown text says so with its first lines, and the other items stay', async () => {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'Shopping list\neggs\nflour\n');
    const rowsBefore = await page.getByTestId('evidence-row').count();
    expect(rowsBefore).toBe(4);
    await page.getByTestId('file-input').setInputFiles([f]);
    await page.getByTestId('ev-unknown').waitFor();
    expect(await answer().innerText()).toMatch(/notes\.txt: unknown text/);
    expect(await page.getByTestId('ev-unknown-lines').innerText()).toBe('Shopping list\neggs\nflour');
    expect(await page.getByTestId('evidence-row').count()).toBe(rowsBefore + 1);
    expect(await page.locator('[data-testid=evidence-row][data-kind=strace]').count()).toBe(1);
    expect(await page.locator('[data-testid=evidence-row][data-kind=heap-profile]').count()).toBe(2);
  });

  it('two pmap -x snapshots and top -H of a program growing six handler arenas: the regions that grew ↔ the six handler threads', async () => {
    const exe = await buildFixture('arenagrow.c');
    const base = join(dir, 'arena-truth');
    const prog = start(exe, [base]);
    const snaps: string[] = [];
    let topFile = '';
    let truth: { threads: { name: string; arena?: string }[] };
    try {
      const pid = Number((await prog.waitFor(/STAGE 0 (\d+)/))[1]);
      snaps.push(join(dir, 'pmap.01'));
      writeFileSync(snaps[0], (await run('pmap', ['-x', String(pid)])).stdout);
      process.kill(pid, 'SIGUSR1');
      await prog.waitFor(/STAGE 1 /);
      truth = JSON.parse(readFileSync(`${base}.1`, 'utf8'));
      snaps.push(join(dir, 'pmap.02'));
      writeFileSync(snaps[1], (await run('pmap', ['-x', String(pid)])).stdout);
      topFile = join(dir, 'top-H.txt');
      writeFileSync(topFile, (await run('top', ['-b', '-H', '-n', '1', '-p', String(pid)], { env: { ...process.env, COLUMNS: '200' } })).stdout);
    } finally {
      prog.child.kill('SIGKILL');
    }
    await page.getByTestId('file-input').setInputFiles([topFile, snaps[1], snaps[0]]);
    await page.getByTestId('ev-maps-diff').waitFor({ timeout: 60_000 });
    const handlers = truth.threads.filter((t) => t.name === 'handler');
    expect(handlers).toHaveLength(6);
    const said = await page.getByTestId('ev-compare').getByTestId('evidence-answer').first().innerText();
    expect(said).toMatch(/6 region\(s\) grew together .* 6 thread\(s\) are named "handler"/);
    // The six largest growers are the handlers' arenas; the thread list stands beside them.
    const grown = await page.getByTestId('ev-maps-grown').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')!.textContent));
    expect(new Set(grown.slice(0, 6))).toEqual(new Set(handlers.map((h) => h.arena)));
    const threads = await page.getByTestId('ev-maps-threads').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(threads.find((r) => r[0] === 'handler')?.[1]).toBe('6');
    expect(await page.getByTestId('ev-maps-chart').locator('path.ev-line').count()).toBeGreaterThanOrEqual(6);
  });

  it('a valgrind memcheck log: definitely lost bytes and blocks as the program counted them; loss records by function, sortable', async () => {
    const exe = await buildFixture('vgleak.c');
    const log = join(dir, 'memcheck.log');
    await run('valgrind', ['--leak-check=full', '--show-leak-kinds=all', `--log-file=${log}`, exe, join(dir, 'vg-truth.json')]);
    const t = JSON.parse(readFileSync(join(dir, 'vg-truth.json'), 'utf8')) as { definitely: { bytes: number; blocks: number }; functions: Record<string, { kind: string; bytes: number }> };
    await page.getByTestId('file-input').setInputFiles([log]);
    await page.getByTestId('ev-valgrind').waitFor({ timeout: 60_000 });
    expect(await answer().innerText()).toContain(`definitely lost ${t.definitely.bytes.toLocaleString('en-US')} bytes in ${t.definitely.blocks} block`);
    const table = page.getByTestId('ev-valgrind-functions');
    const read = () => table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const heads = await table.locator('thead th').allInnerTexts();
    const rows = await read();
    for (const [fn, x] of Object.entries(t.functions)) {
      const r = rows.find((c) => c[0] === fn);
      expect(r, fn).toBeDefined();
      expect(digits(r![heads.findIndex((h) => h.startsWith(x.kind))])).toBe(x.bytes);
    }
    // Sorted by bytes, most first; a click on Bytes turns it around.
    const bytesCol = rows.map((c) => digits(c[1]));
    expect(bytesCol).toEqual([...bytesCol].sort((a, b) => b - a));
    await table.locator('thead th', { hasText: /^Bytes/ }).getByRole('button').click();
    const up = (await read()).map((c) => digits(c[1]));
    expect(up).toEqual([...bytesCol].sort((a, b) => a - b));
  });

  it('/proc/PID/status sampled faster than the program leaks: VmSize rises steadily in steps of one 40 KiB mapping', async () => {
    const exe = await buildFixture('mmapleak.c');
    const prog = start(exe, [join(dir, 'st-truth.json'), '250', '24']);
    const pid = (await prog.waitFor(/READY (\d+)/))[1];
    const st = await run('sh', ['-c', `for i in $(seq 20); do date +%s.%N; cat /proc/${pid}/status; sleep 0.2; done`]);
    await prog.exited;
    const t = JSON.parse(readFileSync(join(dir, 'st-truth.json'), 'utf8')) as MmapTruth;
    const f = join(dir, 'status-samples.txt');
    writeFileSync(f, st.stdout);
    await page.getByTestId('file-input').setInputFiles([f]);
    await page.getByTestId('ev-series').waitFor();
    expect(await answer().innerText()).toMatch(new RegExp(`^PID ${t.pid} .*VmSize grows steadily`));
    const rows = await page.getByTestId('ev-series-fits').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const vm = rows.find((c) => digits(c[0]) === t.pid && c[2] === 'VmSize')!;
    expect(Number(/^([\d.]+) KiB ×/.exec(vm[7])![1])).toBe(t.size / 1024);
    expect(vm[8]).toBe('yes');
    expect(await page.getByTestId('ev-series-chart').locator('path.ev-line').count()).toBeGreaterThanOrEqual(2);
  });

  it('top -H of a program with named threads: the groups by name with the program\'s counts', async () => {
    const exe = await buildFixture('threadnames.c');
    const prog = start(exe, [join(dir, 'tn-truth.json')]);
    let f = '';
    try {
      const pid = (await prog.waitFor(/READY (\d+)/))[1];
      f = join(dir, 'top-threads.txt');
      writeFileSync(f, (await run('top', ['-b', '-H', '-n', '1', '-p', pid], { env: { ...process.env, COLUMNS: '200' } })).stdout);
    } finally {
      prog.child.kill('SIGKILL');
    }
    const t = JSON.parse(readFileSync(join(dir, 'tn-truth.json'), 'utf8')) as { threads: unknown[]; counts: Record<string, number> };
    await page.getByTestId('file-input').setInputFiles([f]);
    await page.getByTestId('ev-threads').waitFor();
    expect(await answer().innerText()).toMatch(new RegExp(`^${t.threads.length} threads under ${Object.keys(t.counts).length} names`));
    const rows = await page.getByTestId('ev-threads-groups').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(Object.fromEntries(rows.map((c) => [c[0], digits(c[1])]))).toEqual(t.counts);
  });

  it('a large log streams: progress while it is read, Cancel leaves the evidence as it was; read again it completes', async () => {
    // The real strace log, repeated to about 48 MiB.
    const one = readFileSync(straceLog);
    const big = join(dir, 'big.strace');
    writeFileSync(big, Buffer.concat(Array.from({ length: Math.ceil((48 << 20) / one.length) }, () => one)));
    const before = await page.getByTestId('evidence-row').count();
    await page.getByTestId('file-input').setInputFiles([big]);
    await page.getByTestId('progress-bytes').waitFor({ timeout: 30_000 });
    await page.getByTestId('cancel').click();
    await expect.poll(() => page.getByTestId('notice').innerText()).toMatch(/Cancelled/);
    expect(await page.getByTestId('evidence-row').count()).toBe(before);
    const t0 = Date.now();
    await page.getByTestId('file-input').setInputFiles([big]);
    await page.locator('[data-testid=evidence-item] [data-testid=ev-strace]').waitFor({ timeout: 120_000 });
    const ms = Date.now() - t0;
    console.log(`[e2e] ${(statSync(big).size / 1048576).toFixed(1)} MiB strace log read in the browser in ${ms} ms (${(statSync(big).size / 1048576 / (ms / 1000)).toFixed(1)} MiB/s)`);
    expect(await page.getByTestId('evidence-row').count()).toBe(before + 1);
  });

  it('cores and text dropped together: the core is analyzed, the text is read as evidence', async () => {
    const fx = await dumpFixture(await buildFixture('seed002.cpp'));
    const f = join(dir, 'with-core.strace');
    writeFileSync(f, readFileSync(straceLog, 'utf8') + '\n');
    await page.getByTestId('file-input').setInputFiles([fx.core, fx.exe, f]);
    await page.getByTestId('results').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('notice').innerText()).toContain('Also read as evidence: with-core.strace');
    await page.locator('.brand').click();
    await page.getByTestId('open-evidence').click();
    expect(await page.locator('[data-testid=evidence-row]', { hasText: 'with-core.strace' }).count()).toBe(1);
  });

  it.skipIf(no32)(`a 32-bit process's /proc/PID/maps with ps -L: the thread stacks verdict, with the count of stacks that still fit that the program measured${no32 ? ` (skipped: ${no32})` : ''}`, async () => {
    const exe = await buildFixture('threadstacks.c', { bits: 32 });
    const prog = start(exe, [join(dir, 'ts-truth.json'), '110', '32']);
    const maps = join(dir, 'proc-maps.txt');
    const ps = join(dir, 'ps-L.txt');
    let t: { threads: unknown[]; more: number };
    try {
      const pid = (await prog.waitFor(/READY (\d+)/))[1];
      t = JSON.parse(readFileSync(join(dir, 'ts-truth.json'), 'utf8'));
      writeFileSync(maps, readFileSync(`/proc/${pid}/maps`));
      writeFileSync(ps, (await run('ps', ['-L', '-o', 'pid,tid,comm', '-p', pid])).stdout);
    } finally {
      prog.child.kill('SIGKILL');
    }
    await page.getByTestId('file-input').setInputFiles([ps, maps]);
    await page.locator('[data-testid=evidence-item] [data-testid=ev-maps]').waitFor();
    const v = page.getByTestId('ev-thread-stacks');
    expect(await v.getByTestId('ev-stacks-verdict').textContent()).toBe('address space nearly exhausted');
    expect(await v.getByTestId('ev-stacks-answer').innerText()).toContain(`${t.threads.length} threads × 32 MiB`);
    const stats = await v.locator('.stat').evaluateAll((xs) => Object.fromEntries(xs.map((x) => [x.querySelector('dt')!.textContent, x.querySelector('.stat-v')!.textContent])));
    expect(digits(stats['Thread stacks']!)).toBe(t.threads.length);
    expect(digits(stats['More threads that fit']!)).toBe(t.more);
  });

  it.skipIf(missingTool('gcore', 'gdb'))('the collector\'s tar.gz with a core: the core is analyzed from the archive; the bundle item compares its smaps snapshots ↔ the handler threads', async () => {
    const exe = await buildFixture('arenagrow.c');
    const base = join(dir, 'bundle-truth');
    const prog = start(exe, [base]);
    let bundle = '';
    let truth: { pid: number; threads: { name: string; arena?: string }[] };
    try {
      const pid = Number((await prog.waitFor(/STAGE 0 (\d+)/))[1]);
      // The handlers grow right after the first snapshot (the script says so on stderr).
      const c = spawn('sh', [join(ROOT, 'public', 'collect-heaplens.sh'), '-i', '2', '-n', '2', '--gcore', '-o', dir, String(pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      let out = '';
      c.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (/snapshot 1 of 2 taken/.test(err) && !err.includes('\u0000grew')) {
          err += '\u0000grew';
          process.kill(pid, 'SIGUSR1');
        }
      });
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      expect(await new Promise<number | null>((r) => c.on('exit', r)), err).toBe(0);
      await prog.waitFor(/STAGE 1 /);
      truth = JSON.parse(readFileSync(`${base}.1`, 'utf8'));
      bundle = out.trim();
    } finally {
      prog.child.kill('SIGKILL');
    }
    await page.getByTestId('file-input').setInputFiles([bundle]);
    await page.getByTestId('results').waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('notice').innerText()).toContain('Also read as evidence');
    await page.locator('.brand').click();
    await page.getByTestId('open-evidence').click();
    await page.getByTestId('ev-bundle').waitFor();
    const said = await page.getByTestId('ev-bundle').getByTestId('evidence-answer').innerText();
    expect(said).toMatch(new RegExp(`^tar\\.gz bundle of PID ${truth.pid} .*2 snapshots over .*, 12 members, 1 core\\(s\\)`));
    expect(said).toMatch(/6 region\(s\) grew together .* 6 thread\(s\) are named "handler"/);
    await page.getByTestId('ev-bundle-compare-maps').click();
    await page.getByTestId('ev-maps-diff').waitFor();
    const grown = await page.getByTestId('ev-maps-grown').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')!.textContent));
    const handlers = truth.threads.filter((t) => t.name === 'handler');
    expect(new Set(grown.slice(0, handlers.length))).toEqual(new Set(handlers.map((h) => h.arena)));
    expect(await page.getByTestId('ev-compare').locator('h3').innerText()).toMatch(/smaps\.1 → .*smaps\.2/);
  });

  it('evidence is kept in the browser: a reload of the address reopens the comparison', async () => {
    // The first dump open, then "Compare with open" on the second: before → after.
    const row = (f: string) => page.locator('[data-testid=evidence-row][data-kind=heap-profile]', { hasText: f.split('/').pop()! });
    await row(heap.dumps[0]).getByTestId('evidence-open').click();
    await row(heap.dumps[1]).getByTestId('evidence-compare').click();
    await page.getByTestId('ev-heap-diff').waitFor();
    const url = page.url();
    expect(url).toMatch(/#e=[0-9a-f]{16}b(,|%2C)[0-9a-f]{16}b$/);
    await page.reload();
    await page.getByTestId('ev-heap-diff').waitFor();
    // 13 items, the 32-bit map and its ps -L, and the bundle with its 10 text members.
    expect(await page.getByTestId('evidence-row').count()).toBe(13 + (no32 ? 0 : 2) + (missingTool('gcore', 'gdb') ? 0 : 11));
    expect(await page.getByTestId('ev-heap-diff-functions').locator('tbody tr').first().locator('td').first().innerText()).toBe(heap.leakFunction);
  });

  it('reads well in the light and the dark theme (the heap diff with its flame graph, the strace view)', async () => {
    const bad: string[] = [];
    for (const view of ['heap', 'strace'] as const) {
      if (view === 'strace') {
        await page.locator('[data-testid=evidence-row][data-kind=strace]').first().getByTestId('evidence-open').click();
        await page.getByTestId('ev-strace').waitFor();
      }
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        const { checked, failures } = await contrastFailures(page);
        expect(checked).toBeGreaterThan(50);
        bad.push(...failures.map((f) => `${view} ${scheme}: ${f.where} “${f.text}” ${f.ratio} < ${f.need}`));
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    expect(bad).toEqual([]);
  });
  it('evidence tables have the table keys: j / k move, / goes to the filter, y copies the row\'s address, Enter on the list opens an item', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(site.url).origin });
    const arenas = (JSON.parse(readFileSync(join(dir, 'arena-truth.1'), 'utf8')) as { threads: { name: string; arena?: string }[] }).threads.filter((t) => t.name === 'handler').map((t) => t.arena!);
    // Enter on the list's row opens the second pmap -x snapshot.
    const row = page.locator('[data-testid=evidence-row][data-kind=maps]', { hasText: 'pmap.02' });
    await row.focus();
    await page.keyboard.press('Enter');
    const regions = page.getByTestId('evidence-item').getByTestId('ev-maps-regions');
    await regions.waitFor();
    expect(await page.getByTestId('evidence-item').locator('h3 .mono').innerText()).toBe('pmap.02');
    const rows = regions.locator('table.grid > tbody > tr');
    const focused = () => page.evaluate(() => Array.from(document.querySelectorAll('[data-testid=ev-maps-regions] table.grid > tbody > tr')).indexOf(document.activeElement as Element));
    expect(await rows.first().getAttribute('tabindex')).toBe('0');
    await rows.first().focus();
    await page.keyboard.press('j');
    expect(await focused()).toBe(1);
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await focused()).toBe(1);
    // / goes to the table's filter.
    await page.keyboard.press('/');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.testid)).toBe('ev-maps-regions-filter');
    const total = await rows.count();
    await page.keyboard.type(arenas[0]);
    // the filter keeps the rows naming it (its region; the one ending there) and no other
    await expect.poll(() => rows.count()).toBeLessThan(total);
    const kept = await rows.allInnerTexts();
    expect(kept.length).toBeGreaterThan(0);
    for (const t of kept) expect(t).toContain(arenas[0]);
    const starts = await rows.locator('td:first-child').allInnerTexts();
    const at = starts.indexOf(arenas[0]);
    expect(at).toBeGreaterThanOrEqual(0);
    await rows.nth(at).focus();
    expect(await focused()).toBe(at);
    await page.keyboard.press('y');
    await expect.poll(() => page.getByTestId('copied').innerText()).toBe(`Copied ${arenas[0]}`);
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(arenas[0]);
  });

  it.skipIf(missingTool('gcore', 'gdb'))('removing a bundle removes its member items, from the list and from the browser\'s store', async () => {
    const list = page.getByTestId('evidence-row');
    const before = await list.count();
    const bundleRow = page.locator('[data-testid=evidence-row][data-kind=bundle]');
    expect(await bundleRow.count()).toBe(1);
    await bundleRow.getByTestId('evidence-open').click();
    // the members the bundle made items of: a link each in its members table
    const members = await page.getByTestId('ev-bundle-members').locator('tbody tr td:first-child button').allInnerTexts();
    expect(members.length).toBeGreaterThan(0);
    const bundleName = await bundleRow.getByTestId('evidence-open').innerText();
    const names = () => page.getByTestId('evidence-list').locator('tbody tr td:first-child button').allInnerTexts();
    const own = members.map((m) => `${bundleName}: ${m}`);
    expect((await names()).filter((n) => own.includes(n)).sort()).toEqual([...own].sort());
    await bundleRow.getByTestId('evidence-remove').click();
    await expect.poll(() => list.count()).toBe(before - 1 - members.length);
    expect((await names()).filter((n) => n === bundleName || own.includes(n))).toEqual([]);
    // gone from IndexedDB too: a reload lists the same
    await page.reload();
    await page.getByTestId('evidence-list').waitFor();
    await expect.poll(() => list.count()).toBe(before - 1 - members.length);
  });
});
