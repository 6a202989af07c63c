// Memory maps as text — pmap -x, pmap -X, /proc/PID/smaps, /proc/PID/maps, gdb info proc mappings —
// taken twice from a program whose six "handler" threads each grow their own glibc arena by a
// known amount (test/fixtures/arenagrow.c): the map's regions and kinds, the diff naming exactly
// the growing arenas with their growth, and top -H's 6 handler threads ↔ 6 growing regions.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MapsDoc, type ThreadsDoc, compareMaps, compareTexts, readText } from '../../src/engine/text';
import { renderText } from '../../src/engine/text/report';
import { NodeFileSource } from '../../src/workers/node-source';
import { ROOT, buildFixture, missing32Bit } from '../helpers/fixtures';
import { type Running, claimedBy, missingTool, readTextFile, run, start, workDir } from '../helpers/text-tools';

interface Thread {
  tid: number;
  name: string;
  stack: string;
  stackSize: number;
  guard: number;
  arena?: string;
  allocated?: number;
}
interface Truth {
  pid: number;
  stage: number;
  threads: Thread[];
}

const why = missingTool('pmap', 'procps') ?? missingTool('top', 'procps') ?? missingTool('gdb', 'gdb');
const FORMATS = ['pmap-x', 'pmap-X', 'smaps', 'proc-maps', 'gdb'] as const;
type Format = (typeof FORMATS)[number];

describe.skipIf(why)(`memory maps from real tools${why ? ` (skipped: ${why})` : ''}`, () => {
  let prog: Running;
  let dir: string;
  const truths: Truth[] = [];
  /** files[format][stage] */
  const files = {} as Record<Format, string[]>;
  let topFile: string;
  let psFile: string;
  const times: number[] = [];

  async function snapshot(pid: number, stage: number) {
    times[stage] = Date.now() / 1000;
    const take: Record<Format, () => Promise<string>> = {
      'pmap-x': async () => (await run('pmap', ['-x', String(pid)])).stdout,
      'pmap-X': async () => (await run('pmap', ['-X', String(pid)])).stdout,
      smaps: async () => readFileSync(`/proc/${pid}/smaps`, 'utf8'),
      'proc-maps': async () => readFileSync(`/proc/${pid}/maps`, 'utf8'),
      gdb: async () => (await run('gdb', ['-nx', '-batch', '-p', String(pid), '-ex', 'info proc mappings'], { maxBuffer: 16 << 20 })).stdout,
    };
    for (const f of FORMATS) {
      (files[f] ??= [])[stage] = join(dir, `snap-${f}-${stage}.txt`);
      writeFileSync(files[f][stage], await take[f]());
    }
  }

  beforeAll(async () => {
    dir = workDir('maps');
    const exe = await buildFixture('arenagrow.c');
    const truthBase = join(dir, 'truth');
    prog = start(exe, [truthBase]);
    const pid = Number((await prog.waitFor(/STAGE 0 (\d+)/))[1]);
    truths[0] = JSON.parse(readFileSync(`${truthBase}.0`, 'utf8'));
    await snapshot(pid, 0);
    process.kill(pid, 'SIGUSR1');
    await prog.waitFor(/STAGE 1 /);
    truths[1] = JSON.parse(readFileSync(`${truthBase}.1`, 'utf8'));
    await snapshot(pid, 1);
    topFile = join(dir, 'threads-top.txt');
    writeFileSync(topFile, (await run('top', ['-b', '-H', '-n', '1', '-p', String(pid)], { env: { ...process.env, COLUMNS: '200' } })).stdout);
    psFile = join(dir, 'threads-ps.txt');
    writeFileSync(psFile, (await run('ps', ['-L', '-o', 'pid,tid,comm', '-p', String(pid)])).stdout);
  }, 120000);
  afterAll(() => prog?.child.kill('SIGKILL'));

  const handlers = (t: Truth) => t.threads.filter((x) => x.name === 'handler');

  for (const f of FORMATS) {
    it(`${f}: recognized from its content; arenas, thread stacks and guards where the program has them`, async () => {
      expect(await claimedBy(files[f][1])).toEqual(['maps']);
      const doc = (await readTextFile(files[f][1])) as MapsDoc;
      expect(doc.kind).toBe('maps');
      expect(doc.format).toBe(f);
      expect(doc.diagnostics.filter((d) => d.level === 'error')).toEqual([]);
      expect(doc.wordSize).toBe(8);
      const truth = truths[1];
      if (f !== 'smaps' && f !== 'proc-maps') expect(doc.pid).toBe(truth.pid);
      for (const h of handlers(truth)) {
        const r = doc.regions.find((x) => x.start === h.arena);
        expect(r, `arena of handler ${h.tid}`).toBeDefined();
        expect(r!.kind).toBe('arena');
        if (doc.counters.includes('rss')) expect(r!.rssKiB! * 1024).toBeGreaterThanOrEqual(h.allocated!);
      }
      // Every thread but the main one: a stack right above its guard, of the size pthread reports.
      for (const t of truth.threads.slice(1)) {
        const r = doc.regions.find((x) => BigInt(x.start) <= BigInt(t.stack) && BigInt(t.stack) < BigInt(x.end));
        expect(r?.kind, `stack of ${t.name} ${t.tid}`).toBe('thread-stack');
        expect(r!.sizeKiB * 1024).toBeGreaterThanOrEqual(t.stackSize);
        expect(r!.guardKiB! * 1024).toBeGreaterThanOrEqual(t.guard);
      }
      expect(doc.totals.find((t) => t.kind === 'thread-stack')?.count).toBe(truth.threads.length - 1);
      expect(doc.totals.reduce((a, t) => a + t.sizeKiB, 0)).toBe(doc.total.sizeKiB);
      expect(renderText(doc)).toMatch(/Totals by kind/);
    });

    it(`${f}: two snapshots → exactly the six handler arenas grew, by what each handler allocated`, async () => {
      const a = (await readTextFile(files[f][0])) as MapsDoc;
      const b = (await readTextFile(files[f][1])) as MapsDoc;
      const threads = (await readTextFile(topFile)) as ThreadsDoc;
      const d = compareMaps([a, b], { threads: [threads] });
      expect(compareTexts(a, b)?.kind).toBe('maps-diff');
      expect(d.measure).toBe(f === 'proc-maps' || f === 'gdb' ? 'size' : 'rss');
      const hs = handlers(truths[1]);
      expect(new Set(d.growing)).toEqual(new Set(hs.map((h) => h.arena)));
      for (const h of hs) {
        const grew = (h.allocated! - handlers(truths[0]).find((x) => x.tid === h.tid)!.allocated!) / 1024;
        const t = d.grown.find((x) => x.start === h.arena)!;
        // The blocks' headers (16 bytes each), malloc's top padding and page rounding: a little more.
        const growth = d.measure === 'rss' ? t.growthKiB : t.sizeGrowthKiB;
        expect(growth).toBeGreaterThanOrEqual(grew * 0.999);
        expect(growth).toBeLessThanOrEqual(grew * 1.01 + (d.measure === 'rss' ? 64 : 260));
      }
      // Sorted by growth, the largest (handler 5: 7 MiB) first.
      expect(d.grown[0].start).toBe(hs[hs.length - 1].arena);
      expect(d.added).toEqual([]);
      expect(d.vanished).toEqual([]);
      expect(d.correlation).toMatchObject({ name: 'handler', threads: 6 });
      expect(d.correlation!.summary).toMatch(/6 region\(s\) grew together .* 6 thread\(s\) are named "handler"/);
      expect(d.chart.series.length).toBeGreaterThanOrEqual(6);
    });
  }

  it('ps -L works for the correlation too; a thread list of another process does not correlate', async () => {
    const a = (await readTextFile(files['pmap-x'][0])) as MapsDoc;
    const b = (await readTextFile(files['pmap-x'][1])) as MapsDoc;
    const ps = (await readTextFile(psFile)) as ThreadsDoc;
    expect(compareMaps([a, b], { threads: [ps] }).correlation).toMatchObject({ name: 'handler', threads: 6 });
    const other = { ...ps, snapshots: ps.snapshots.map((s) => ({ ...s, processes: [{ pid: 1, threads: 9 }], groups: s.groups.map((g) => ({ ...g, ids: [1] })) })) };
    const d = compareMaps([a, b], { threads: [other] });
    expect(d.correlation).toBeUndefined();
    expect(d.correlationNote).toMatch(/other processes/);
  });

  it('growth per second from the snapshot times (a time-stamp line, or the caller\'s time)', async () => {
    const stamped = files.smaps.map((p, i) => {
      const q = p.replace(/\.txt$/, '-stamped.txt');
      writeFileSync(q, `${times[i].toFixed(3)}\n${readFileSync(p, 'utf8')}`);
      return q;
    });
    const a = (await readTextFile(stamped[0])) as MapsDoc;
    const b = (await readTextFile(stamped[1])) as MapsDoc;
    expect(a.time).toBeCloseTo(times[0], 2);
    // Given in the wrong order: sorted by time.
    const d = compareMaps([b, a]);
    expect(d.snapshots.map((s) => s.name)).toEqual([a.input.name, b.input.name]);
    expect(d.seconds).toBeCloseTo(times[1] - times[0], 2);
    const top = d.grown[0];
    expect(top.perSecond).toBeCloseTo(top.growthKiB / d.seconds!, 6);
    expect(d.findings.join('\n')).toMatch(/\/s/);
    const src = await NodeFileSource.open(files['pmap-x'][0]);
    try {
      const c = (await readText(src, { time: 1234.5 })) as MapsDoc;
      expect(c.time).toBe(1234.5);
    } finally {
      await src.close();
    }
  });

  it('a vanished and a new region: a map with one handler arena taken out and one added', async () => {
    // The second snapshot's text without the largest arena's line, and the first's without the smallest's.
    const hs = handlers(truths[1]);
    const drop = (p: string, start: string) => {
      const q = p.replace(/\.txt$/, `-without-${start}.txt`);
      const hexStart = BigInt(start).toString(16);
      writeFileSync(q, readFileSync(p, 'utf8').split('\n').filter((l) => !l.trim().toLowerCase().replace(/^0+/, '').startsWith(hexStart)).join('\n'));
      return q;
    };
    const a = (await readTextFile(drop(files['pmap-x'][0], hs[0].arena!))) as MapsDoc;
    const b = (await readTextFile(drop(files['pmap-x'][1], hs[5].arena!))) as MapsDoc;
    const d = compareMaps([a, b]);
    expect(d.added.map((t) => t.start)).toEqual([hs[0].arena]);
    expect(d.vanished.map((t) => t.start)).toEqual([hs[5].arena]);
    expect(d.added[0].growthKiB * 1024).toBeGreaterThanOrEqual(hs[0].allocated!);
  });

  it('the CLI: two pmap -x snapshots and top -H → tables with the grown regions and the correlation; JSON text-set', async () => {
    const cli = join(ROOT, 'bin', 'heaplens.mjs');
    const t = await run('node', [cli, 'text', files['pmap-x'][0], files['pmap-x'][1], topFile], { maxBuffer: 64 << 20 });
    expect(t.stdout).toMatch(/Regions that grew, most first/);
    expect(t.stdout).toMatch(/6 region\(s\) grew together .* 6 thread\(s\) are named "handler"/);
    expect(t.stdout).toMatch(/Thread stacks \(from the map/);
    const j = JSON.parse((await run('node', [cli, 'text', files.smaps[0], files.smaps[1], topFile, '--json'], { maxBuffer: 64 << 20 })).stdout);
    expect(j.kind).toBe('text-set');
    const d = j.comparisons.find((c: { kind: string }) => c.kind === 'maps-diff');
    expect(new Set(d.growing)).toEqual(new Set(handlers(truths[1]).map((h) => h.arena)));
    expect(j.threadStacks.stacks.length).toBe(truths[1].threads.length - 1);
    // One map alone: a set of it and its thread stacks.
    const one = JSON.parse((await run('node', [cli, 'text', files.gdb[1], '--json'], { maxBuffer: 64 << 20 })).stdout);
    expect(one.kind).toBe('text-set');
    expect(one.documents[0]).toMatchObject({ kind: 'maps', format: 'gdb', pid: truths[1].pid });
    expect(one.threadStacks.stacks.length).toBe(truths[1].threads.length - 1);
  });

  it('unknown text still says so', async () => {
    const p = join(dir, 'notes.txt');
    writeFileSync(p, 'the map looked odd: 0x7f00 was bigger\nsee attached\n');
    const doc = await readTextFile(p);
    expect(doc.kind).toBe('unknown-text');
    if (doc.kind === 'unknown-text') expect(doc.reason).toMatch(/not a memory map/);
  });
});

// 32-bit: an arena grows by 1 MiB heaps, each its own mapping, interleaved with other arenas' —
// full heaps above another heap's no-access rest are heaps, not thread stacks, and the diff says
// why its regions do not count the handler threads.
describe.skipIf(why ?? missing32Bit())(`32-bit arena heaps in pmap -x${why ?? missing32Bit() ? ` (skipped: ${why ?? missing32Bit()})` : ''}`, () => {
  it('the thread stacks are exactly the program\'s; the growing regions are said to be arena heaps', async () => {
    const dir = workDir('maps32');
    const exe = await buildFixture('arenagrow.c', { bits: 32 });
    const base = join(dir, 'truth');
    const prog = start(exe, [base]);
    try {
      const pid = Number((await prog.waitFor(/STAGE 0 (\d+)/))[1]);
      const a = join(dir, 'pmap.01');
      writeFileSync(a, (await run('pmap', ['-x', String(pid)])).stdout);
      process.kill(pid, 'SIGUSR1');
      await prog.waitFor(/STAGE 1 /);
      const truth = JSON.parse(readFileSync(`${base}.1`, 'utf8')) as Truth;
      const b = join(dir, 'pmap.02');
      writeFileSync(b, (await run('pmap', ['-x', String(pid)])).stdout);
      const top = join(dir, 'top.txt');
      writeFileSync(top, (await run('top', ['-b', '-H', '-n', '1', '-p', String(pid)], { env: { ...process.env, COLUMNS: '200' } })).stdout);
      const last = (await readTextFile(b)) as MapsDoc;
      expect(last.wordSize).toBe(4);
      // Every thread stack the map shows is one the program has, and every one it has is shown.
      const shown = last.regions.filter((r) => r.kind === 'thread-stack').map((r) => BigInt(r.start)).sort();
      const have = truth.threads.filter((t) => t.name !== 'ag-main').map((t) => BigInt(t.stack)).sort();
      expect(shown).toEqual(have);
      const diff = compareMaps([(await readTextFile(a)) as MapsDoc, last], { threads: [(await readTextFile(top)) as ThreadsDoc] });
      // The growing regions, grown or new: their arena heaps are counted in the note.
      const heaps = [...diff.grown, ...diff.added].filter((t) => diff.growing.includes(t.start) && t.kind === 'arena').length;
      if (!diff.correlation && heaps > 1) expect(diff.correlationNote).toContain(`${heaps === diff.growing.length ? 'they are' : `${heaps} of them are`} 32-bit arena heaps`);
    } finally {
      prog.child.kill('SIGKILL');
    }
  }, 120000);
});
