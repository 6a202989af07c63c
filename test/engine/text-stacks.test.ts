// Thread stacks against the address space (seed 001 case 4): a 32-bit program with many threads
// and 32 MiB stacks (test/fixtures/threadstacks.c, pthread_attr_setstacksize), read from its
// /proc/PID/maps with ps -L, and from its kernel core's analysis: the stack count, sizes, totals,
// how many more fit (the program measured it) and the verdict with the fix. A 64-bit program with
// eight 8 MiB stacks is fine.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInputs, toJSON } from '../../src/engine/analyze';
import { reportHtml } from '../../src/engine/report-html';
import type { MapsDoc, ThreadsDoc } from '../../src/engine/text';
import { threadStacksFromCore, threadStacksFromMaps } from '../../src/engine/text/stacks';
import { NodeFileSource } from '../../src/workers/node-source';
import { ROOT, type ThreadStacksTruth as Truth, buildFixture, kernelCoreSupport, missing32Bit } from '../helpers/fixtures';
import { type Running, missingTool, readTextFile, run, start, workDir } from '../helpers/text-tools';

const m32 = existsSync('/usr/lib/gcc') ? missing32Bit() : 'no gcc';

const why = missingTool('ps', 'procps') ?? m32;
const kcore = kernelCoreSupport();

describe.skipIf(why)(`thread stacks of a 32-bit process${why ? ` (skipped: ${why})` : ''}`, () => {
  const N = 110;
  const MIB = 32;
  let dir: string;
  let prog: Running;
  let truth: Truth;
  let mapsFile: string;
  let psFile: string;
  let core: string | undefined;

  beforeAll(async () => {
    dir = workDir('stacks');
    const exe = await buildFixture('threadstacks.c', { bits: 32 });
    // The kernel dumps it (sparse: the untouched stacks are holes), so the core is small on disk.
    prog = start('/bin/sh', ['-c', 'ulimit -c unlimited && exec "$0" "$@"', exe, join(dir, 'truth.json'), String(N), String(MIB)], { cwd: dir });
    const pid = Number((await prog.waitFor(/READY (\d+)/))[1]);
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    mapsFile = join(dir, 'maps.txt');
    writeFileSync(mapsFile, readFileSync(`/proc/${pid}/maps`));
    psFile = join(dir, 'threads.txt');
    writeFileSync(psFile, (await run('ps', ['-L', '-o', 'pid,tid,comm', '-p', String(pid)])).stdout);
    if (kcore.ok) {
      process.kill(pid, 'SIGSEGV');
      await prog.exited;
      const name = readdirSync(dir).find((f) => f === 'core' || f.startsWith('core.'));
      if (name) core = join(dir, name);
    }
  }, 120000);
  afterAll(() => {
    prog?.child.kill('SIGKILL');
    // 3.5 GB apparent (sparse): not kept between runs.
    if (core) rmSync(core, { force: true });
  });

  function expectVerdict(d: ReturnType<typeof threadStacksFromMaps>) {
    expect(d.wordSize).toBe(4);
    expect(d.stacks.length).toBe(truth.threads.length);
    expect(d.sizes[0]).toEqual({ sizeKiB: (truth.threads[0].size) / 1024, count: truth.threads.length });
    for (const t of truth.threads) expect(d.stacks.some((s) => s.start === t.stack && s.sizeKiB * 1024 === t.size && s.guardKiB! * 1024 >= t.guard), `stack of ${t.tid}`).toBe(true);
    expect(d.stackKiB).toBe(truth.threads.reduce((a, t) => a + (t.size + t.guard) / 1024, 0));
    // The program counted the stack-sized mappings that still fit.
    expect(d.moreThreads).toBe(truth.more);
    expect(d.verdict).toBe('address space nearly exhausted');
    expect(d.summary).toMatch(new RegExp(`${truth.threads.length} threads × 32 MiB leave too little of the 4(\\.0)? GiB user space`));
    expect(d.fix).toMatch(/pthread_attr_setstacksize\(&attr, 2 MiB\).*ulimit -s 2048/);
    expect(d.shareOfUserSpace).toBeCloseTo(d.stackKiB / d.userSpaceKiB, 9);
  }

  it('from /proc/PID/maps and ps -L: the stacks, the threads, the verdict and the fix', async () => {
    const maps = (await readTextFile(mapsFile)) as MapsDoc;
    const ps = (await readTextFile(psFile)) as ThreadsDoc;
    const d = threadStacksFromMaps(maps, ps);
    expectVerdict(d);
    expect(d.threads).toBe(truth.threads.length + 1);
    expect(d.missing).toEqual([]);
    expect(threadStacksFromMaps(maps).missing.join()).toMatch(/thread list/);
  });

  it.skipIf(!kcore.ok)(`from the kernel core's analysis${kcore.ok ? '' : ` (skipped: ${kcore.why})`}`, async () => {
    expect(core, 'the kernel wrote a core').toBeDefined();
    const src = await NodeFileSource.open(core!);
    try {
      const json = toJSON(await openInputs(src));
      const d = threadStacksFromCore(json);
      expect(d.source).toBe('core');
      expect(d.threads).toBe(truth.threads.length + 1);
      expectVerdict(d);
      // Each stack holds its thread's stack pointer.
      expect(new Set(d.stacks.map((s) => s.tid))).toEqual(new Set(truth.threads.map((t) => t.tid)));
      // The CLI's map and analysis tables end with the same verdict and fix.
      const { stdout } = await run('node', [join(ROOT, 'bin', 'heaplens.mjs'), 'map', core!]);
      expect(stdout).toContain('Thread stacks (from the core');
      expect(stdout).toContain(`): address space nearly exhausted`);
      expect(stdout).toContain(`about ${truth.more} more`);
      expect(stdout).toMatch(/Fix to try: .*pthread_attr_setstacksize/);
      // So does the HTML report's Threads section.
      const html = reportHtml(json);
      expect(html).toMatch(/<p class="note warn" id="thread-stacks"><b>Thread stacks: address space nearly exhausted\.<\/b>/);
      expect(html).toContain(`about ${truth.more} more`);
    } finally {
      await src.close();
    }
  }, 120000);
});

describe.skipIf(why)(`seed 001 case 4: 91 threads × 32 MiB under a 3 GiB user space${why ? ` (skipped: ${why})` : ''}`, () => {
  it('the verdict with the count that still fits under the cap, measured by the program (RLIMIT_AS)', async () => {
    const dir = workDir('stacks91');
    const exe = await buildFixture('threadstacks.c', { bits: 32 });
    const prog = start(exe, [join(dir, 'truth.json'), '91', '32', '3072']);
    try {
      const pid = Number((await prog.waitFor(/READY (\d+)/))[1]);
      const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
      writeFileSync(join(dir, 'maps'), readFileSync(`/proc/${pid}/maps`));
      writeFileSync(join(dir, 'ps'), (await run('ps', ['-L', '-o', 'pid,tid,comm', '-p', String(pid)])).stdout);
      const d = threadStacksFromMaps((await readTextFile(join(dir, 'maps'))) as MapsDoc, (await readTextFile(join(dir, 'ps'))) as ThreadsDoc, { userSpaceKiB: truth.capMiB * 1024 });
      expect(d.stacks.length).toBe(91);
      expect(d.threads).toBe(92);
      expect(d.moreThreads).toBe(truth.moreUnderCap);
      expect(d.verdict).toBe('address space nearly exhausted');
      expect(d.summary).toMatch(/91 threads × 32 MiB leave too little of the 3 GiB user space: pthread_create fails with EAGAIN .* after about \d+ more/);
      expect(d.fix).toMatch(/ulimit -s 2048/);
    } finally {
      prog.child.kill('SIGKILL');
    }
  });
});

describe.skipIf(missingTool('top', 'procps'))('thread stacks of a 64-bit process', () => {
  it('eight 8 MiB stacks: counted, and no verdict against the address space', async () => {
    const dir = workDir('stacks64');
    const exe = await buildFixture('arenagrow.c');
    const prog = start(exe, [join(dir, 'truth')]);
    try {
      const pid = Number((await prog.waitFor(/STAGE 0 (\d+)/))[1]);
      const truth = JSON.parse(readFileSync(join(dir, 'truth.0'), 'utf8')) as { threads: { stackSize: number; guard: number }[] };
      writeFileSync(join(dir, 'smaps'), readFileSync(`/proc/${pid}/smaps`));
      writeFileSync(join(dir, 'top'), (await run('top', ['-b', '-H', '-n', '1', '-p', String(pid)])).stdout);
      const d = threadStacksFromMaps((await readTextFile(join(dir, 'smaps'))) as MapsDoc, (await readTextFile(join(dir, 'top'))) as ThreadsDoc);
      expect(d.wordSize).toBe(8);
      expect(d.threads).toBe(truth.threads.length);
      expect(d.stacks.length).toBe(truth.threads.length - 1);
      expect(d.sizes).toEqual([{ sizeKiB: truth.threads[1].stackSize / 1024, count: truth.threads.length - 1 }]);
      expect(d.verdict).toBe('ok');
      expect(d.fix).toBeUndefined();
      // With a 1 GiB cap on the address space (ulimit -v): what is left over the stack size.
      const capped = threadStacksFromMaps((await readTextFile(join(dir, 'smaps'))) as MapsDoc, undefined, { userSpaceKiB: 1 << 20 });
      expect(capped.userSpaceFrom).toMatch(/given/);
      expect(capped.moreThreads).toBe(Math.floor(((1 << 20) - capped.mappedKiB) / ((truth.threads[1].stackSize + truth.threads[1].guard) / 1024)));
    } finally {
      prog.child.kill('SIGKILL');
    }
  });
});
