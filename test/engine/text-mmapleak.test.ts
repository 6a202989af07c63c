// Seed 003 reproduced: a thread maps 40960 anonymous bytes every PERIOD ms and never unmaps
// them (test/fixtures/mmapleak.c), another maps and unmaps as often. The program runs under
// `strace -f -t` while `pidstat -r` and a `date; cat /proc/PID/status` loop watch it. The
// strace log's unmatched mappings, and the growth of VSZ / VmSize, must match what it did.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SeriesDoc, type StraceDoc, compareTexts } from '../../src/engine/text';
import { buildFixture } from '../helpers/fixtures';
import { claimedBy, missingTool, readTextFile, run, start, workDir } from '../helpers/text-tools';

interface Truth {
  pid: number;
  leakerTid: number;
  churnerTid: number;
  size: number;
  count: number;
  periodMs: number;
  churnMaps: number;
  addresses: string[];
  times: number[];
}

const PERIOD = 250;
const COUNT = 36; // 9 s of leaking
const SAMPLES = 6; // pidstat samples, one a second, while it leaks
const STATUS_SAMPLES = 25; // /proc/PID/status samples, one every 0.2 s: faster than it leaks, as in the seed

const why = missingTool('strace', 'strace') ?? missingTool('pidstat', 'sysstat');

describe.skipIf(why)(`mmap leak seen by strace, pidstat and /proc/PID/status${why ? ` (skipped: ${why})` : ''}`, () => {
  let truth: Truth;
  let strace: StraceDoc;
  let pidstat: SeriesDoc;
  let status: SeriesDoc;
  // Bytes per minute the program leaked, from its own clock.
  let rate: number;
  let files: { log: string; pidstat: string; status: string };
  beforeAll(async () => {
    const dir = workDir('mmapleak');
    const exe = await buildFixture('mmapleak.c');
    const log = join(dir, 'a.txt');
    const truthPath = join(dir, 'truth.json');
    const prog = start('strace', ['-f', '-t', '-o', log, exe, truthPath, String(PERIOD), String(COUNT)]);
    const pid = (await prog.waitFor(/READY (\d+)/))[1];
    const [ps, st] = await Promise.all([
      run('pidstat', ['-r', '-p', pid, '1', String(SAMPLES)], { env: { ...process.env, LC_ALL: 'C' } }),
      run('sh', ['-c', `for i in $(seq ${STATUS_SAMPLES}); do date +%s.%N; cat /proc/${pid}/status; sleep 0.2; done`]),
    ]);
    writeFileSync(join(dir, 'b.txt'), ps.stdout);
    writeFileSync(join(dir, 'c.txt'), st.stdout);
    expect(await prog.exited).toBe(0);
    truth = JSON.parse(readFileSync(truthPath, 'utf8'));
    strace = (await readTextFile(log)) as StraceDoc;
    pidstat = (await readTextFile(join(dir, 'b.txt'))) as SeriesDoc;
    status = (await readTextFile(join(dir, 'c.txt'))) as SeriesDoc;
    files = { log, pidstat: join(dir, 'b.txt'), status: join(dir, 'c.txt') };
    rate = ((truth.count - 1) * truth.size * 60) / (truth.times[truth.count - 1] - truth.times[0]);
  });

  it('each output is recognized from its content alone, by one importer', async () => {
    expect(await claimedBy(files.log)).toEqual(['strace']);
    expect(await claimedBy(files.pidstat)).toEqual(['pidstat']);
    expect(await claimedBy(files.status)).toEqual(['proc-status']);
  });

  it('the strace log read in 4 KiB chunks gives the same document as in 1 MiB chunks', async () => {
    expect(await readTextFile(files.log, [], 4096)).toEqual(strace);
    expect(await readTextFile(files.log, [], 333)).toEqual(strace);
  });

  it('strace: the first suspect is the leaker thread, its 40960-byte mappings, all of them', () => {
    expect(strace.kind).toBe('strace');
    expect(strace.timeBase).toBe('clock');
    const s = strace.suspects[0];
    expect(s).toBeDefined();
    expect(s.pid).toBe(truth.leakerTid);
    expect(s.thread).toBe('mmap-leaker');
    expect(s.size).toBe(truth.size);
    expect(s.kind).toBe('anon');
    expect(s.prot).toBe('read,write');
    expect(s.unmatched).toBe(truth.count);
    expect(s.mapped).toBe(truth.count);
    expect(s.unmapped).toBe(0);
    expect(s.unmatchedBytes).toBe(truth.count * truth.size);
    expect(new Set(s.examples)).toEqual(new Set(truth.addresses.slice(0, 20).map((a) => '0x' + BigInt(a).toString(16))));
    // strace -t prints whole seconds: the mean gap is known to within 2 s over the run.
    const every = (truth.times[truth.count - 1] - truth.times[0]) / (truth.count - 1);
    expect(Math.abs(s.every! - every)).toBeLessThanOrEqual(2 / (truth.count - 1) + 1e-9);
    // No other thread's anonymous mappings look like a leak of that size.
    expect(strace.suspects.filter((x) => x.size === truth.size)).toHaveLength(1);
  });

  it('strace: the churner thread mapped and unmapped everything it made', () => {
    const churn = strace.threads.find((t) => t.pid === truth.churnerTid)!;
    expect(churn.name).toBe('churner');
    expect(churn.mmaps).toBeGreaterThanOrEqual(truth.churnMaps);
    const g = strace.unmatched.filter((u) => u.pid === truth.churnerTid && u.size === 65536);
    expect(g).toEqual([]);
    const by64 = strace.bySize.find((b) => b.size === 65536);
    expect(by64).toBeUndefined();
    // Over time: the leaked bytes of each bucket add up to the leak.
    expect(strace.timeline.reduce((a, b) => a + (b.newUnmatchedBytes), 0)).toBeGreaterThanOrEqual(truth.count * truth.size);
    // The first suspect's part of it is exactly the leak, placed in time.
    expect(strace.timeline.reduce((a, b) => a + b.suspectBytes, 0)).toBe(truth.count * truth.size);
    expect(strace.bySize[0]).toMatchObject({ size: truth.size, count: truth.count, pids: [truth.leakerTid] });
  });

  it('strace: fast leaks interleaved with another thread\'s munmaps (2000 leaks, one every 2 ms) are all found', async () => {
    const dir = workDir('mmapleak-fast');
    const exe = await buildFixture('mmapleak.c');
    const log = join(dir, 'a.txt');
    await run('strace', ['-f', '-t', '-o', log, exe, join(dir, 'truth.json'), '2', '2000']);
    const t = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
    const doc = (await readTextFile(log)) as StraceDoc;
    // A munmap still running when the leaker's mmap returns the freed addresses must not take
    // the new mapping with it: every leaked mapping is still mapped, none counted as undone.
    expect(doc.suspects[0]).toMatchObject({ pid: t.leakerTid, size: t.size, mapped: t.count, unmapped: 0, unmatched: t.count });
    expect(doc.bySize[0]).toMatchObject({ size: t.size, count: t.count });
  });

  it('strace -f -ttt -e trace=memory: epoch times to the microsecond, the leak\'s period exact', async () => {
    const dir = workDir('mmapleak-ttt');
    const exe = await buildFixture('mmapleak.c');
    const log = join(dir, 'a.txt');
    await run('strace', ['-f', '-ttt', '-e', 'trace=memory', '-o', log, exe, join(dir, 'truth.json'), '20', '30']);
    const t = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
    const doc = (await readTextFile(log)) as StraceDoc;
    expect(doc.timeBase).toBe('epoch');
    const s = doc.suspects[0];
    expect(s).toMatchObject({ pid: t.leakerTid, size: t.size, unmatched: t.count, unmapped: 0 });
    // The program's clock and strace's differ by the time of one system call.
    expect(Math.abs(s.first! - t.times[0])).toBeLessThan(0.05);
    expect(Math.abs(s.every! - (t.times[t.count - 1] - t.times[0]) / (t.count - 1))).toBeLessThan(0.005);
  });

  it('status samples in two files → one series, the same as in one file', () => {
    // Split the samples at a time stamp line into two documents and merge them back.
    const text = readFileSync(files.status, 'utf8').split('\n');
    const cuts = text.map((l, i) => (/^\d{9,11}\.\d+$/.test(l) ? i : -1)).filter((i) => i >= 0);
    const at = cuts[Math.floor(cuts.length / 2)];
    const dir = workDir('status-split');
    writeFileSync(join(dir, '1'), text.slice(0, at).join('\n') + '\n');
    writeFileSync(join(dir, '2'), text.slice(at).join('\n'));
    return (async () => {
      const a = (await readTextFile(join(dir, '1'))) as SeriesDoc;
      const b = (await readTextFile(join(dir, '2'))) as SeriesDoc;
      const merged = compareTexts(a, b) as SeriesDoc;
      const whole = status.series.find((x) => x.pid === truth.pid)!;
      const m = merged.series.find((x) => x.pid === truth.pid)!;
      expect(m.times).toEqual(whole.times);
      expect(m.values.VmSize).toEqual(whole.values.VmSize);
      expect(m.fits.VmSize).toEqual(whole.fits.VmSize);
    })();
  });

  for (const [name, measure] of [['pidstat', 'VSZ'], ['status', 'VmSize']] as const) {
    it(`${name}: ${measure} grows steadily at the program's leak rate`, () => {
      const doc = name === 'pidstat' ? pidstat : status;
      expect(doc.kind).toBe(name === 'pidstat' ? 'pidstat' : 'proc-status');
      const s = doc.series.find((x) => x.pid === truth.pid)!;
      expect(s.values[measure].length).toBe(name === 'pidstat' ? SAMPLES : STATUS_SAMPLES);
      const f = s.fits[measure];
      expect(f.steady).toBe(true);
      // KiB per minute within 15 % of what the program leaked (samples land ±1 leak period).
      expect(f.slopePerMin * 1024).toBeGreaterThan(rate * 0.85);
      expect(f.slopePerMin * 1024).toBeLessThan(rate * 1.15);
      // It grows by whole 40 KiB mappings: sampled faster than it leaks, each step is one
      // mapping; sampled once a second, each step is several.
      if (name === 'status') expect(f.step?.size).toBe(truth.size / 1024);
      else if (f.step) expect(f.step.size % (truth.size / 1024)).toBe(0);
      expect(s.findings.some((x) => x.startsWith(`${measure} grows steadily`))).toBe(true);
    });
  }
});
