// What grew between two cores of one process (test/fixtures/growfix.cpp, dumped twice while it
// leaks): the diff's top growing type is the leaking one, with the exact delta the program
// recorded; the CLI prints the same, from cores or from saved JSON documents.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { type DiffJSON, type DiffRow, diffAnalyses } from '../../src/engine/diff';
import { analyzeFile } from '../helpers/engine';
import { ROOT, WORK, buildFixture, dumpFixtureSeries } from '../helpers/fixtures';

const run = promisify(execFile);

interface Amount {
  count: number;
  bytes: number;
}
interface GrowTruth {
  pid: number;
  stage: number;
  wordSize: number;
  Session: Amount;
  Leaky: Amount;
  LeakyBuf: Amount & { usable: number };
  scratch: Amount;
}

const row = (rows: DiffRow[], label: string) => {
  const r = rows.find((x) => x.label === label);
  if (!r) throw new Error(`no row ${label} among ${rows.map((x) => x.label).join(', ')}`);
  return r;
};

for (const bits of [64, 32] as const) {
  describe(`diff of two cores, ${bits}-bit`, () => {
    let t0: GrowTruth;
    let t1: GrowTruth;
    let cores: string[];
    let exe: string;
    let a: AnalysisJSON;
    let b: AnalysisJSON;
    let d: DiffJSON;
    beforeAll(async () => {
      exe = await buildFixture('growfix.cpp', { bits });
      const s = await dumpFixtureSeries<GrowTruth>(exe, 2);
      [t0, t1] = s.truths;
      cores = s.cores;
      a = await analyzeFile(cores[0], [exe], { mode: 'threads', workers: 2 });
      b = await analyzeFile(cores[1], [exe], { mode: 'threads', workers: 2 });
      d = diffAnalyses(a, b);
    });

    it('matches the two dumps to one process', () => {
      expect(d.match).toBe('build-id');
      expect(d.warnings).toEqual([]);
      expect(d.a.pid).toBe(t0.pid);
      expect(d.b.pid).toBe(t1.pid);
    });

    it('puts the leaking type first among used blocks, with the exact delta', () => {
      const top = d.heap!.byType[0];
      expect(top.label).toBe('Leaky');
      expect(top.exact).toBe(true);
      expect(top.delta).toEqual({ count: t1.Leaky.count - t0.Leaky.count, bytes: t1.Leaky.bytes - t0.Leaky.bytes });
      expect(top.a).toEqual(t0.Leaky);
      expect(top.b).toEqual(t1.Leaky);
      const s = row(d.heap!.byType, 'Session');
      expect(s.delta).toEqual({ count: t1.Session.count - t0.Session.count, bytes: t1.Session.bytes - t0.Session.bytes });
      expect(s.status).toBe('grew');
    });

    it('counts the leaked buffers by size and the leak verdicts exactly', () => {
      const buf = row(d.heap!.bySize, `size ${t1.LeakyBuf.usable}`);
      expect(buf.delta).toEqual({ count: t1.LeakyBuf.count - t0.LeakyBuf.count, bytes: t1.LeakyBuf.bytes - t0.LeakyBuf.bytes });
      const v = d.leaks!.verdicts;
      const dLeaky = t1.Leaky.count - t0.Leaky.count;
      const dBufs = t1.LeakyBuf.count - t0.LeakyBuf.count;
      // The diff is the difference of the two analyses' verdicts…
      expect(row(v, 'leaked').delta.count).toBe(b.leaks!.leaked.count - a.leaks!.leaked.count);
      // …which match the program's record. Roots are conservative: in a 32-bit process a word
      // of random data on the stack (AT_RANDOM, canaries: seen once in ~6 runs, in the
      // environment area above main) can land in a leaked block and anchor it, as it would
      // for valgrind; there a block or two of slack. In 64 bits, exact.
      const slack = bits === 32 ? 2 : 0;
      expect(Math.abs(row(v, 'leak tops').delta.count - dLeaky)).toBeLessThanOrEqual(slack);
      expect(Math.abs(row(v, 'indirectly leaked').delta.count - dBufs)).toBeLessThanOrEqual(slack);
      if (bits === 64) expect(row(v, 'leaked').delta).toEqual({ count: dLeaky + dBufs, bytes: t1.Leaky.bytes - t0.Leaky.bytes + t1.LeakyBuf.bytes - t0.LeakyBuf.bytes });
      expect(d.leaks!.byType[0].label).toBe('Leaky');
      expect(Math.abs(d.leaks!.byType[0].delta.count - dLeaky)).toBeLessThanOrEqual(slack);
    });

    it('sees the used total grow by what the program kept and leaked, net of what it freed', () => {
      const used = row(d.heap!.states, 'used blocks');
      const grow = (k: keyof Pick<GrowTruth, 'Session' | 'Leaky' | 'LeakyBuf' | 'scratch'>) => t1[k].count - t0[k].count;
      expect(used.delta.count).toBe(grow('Session') + grow('Leaky') + grow('LeakyBuf') + grow('scratch'));
    });

    it('diffs from the CLI, from cores and from saved JSON', async () => {
      const CLI = join(ROOT, 'bin', 'heaplens.mjs');
      const fromCores = await run('node', [CLI, 'diff', cores[0], cores[1], '--bin', exe, '--json'], { maxBuffer: 64 << 20 });
      const j = JSON.parse(fromCores.stdout) as DiffJSON;
      expect(j.heap!.byType[0].label).toBe('Leaky');
      expect(j.heap!.byType[0].delta.count).toBe(t1.Leaky.count - t0.Leaky.count);
      const pa = join(WORK, `diff-a-${bits}.json`);
      const pb = join(WORK, `diff-b-${bits}.json`);
      writeFileSync(pa, JSON.stringify(a));
      writeFileSync(pb, JSON.stringify(b));
      const text = (await run('node', [CLI, 'diff', pa, pb])).stdout;
      expect(text).toMatch(/matched by build-id/);
      const line = text.split('\n').find((l) => l.startsWith('Leaky '))!;
      expect(line).toContain(`+${(t1.Leaky.count - t0.Leaky.count).toLocaleString('en-US')}`);
      expect(line).toMatch(/grew$/);
    });
  });
}

describe('diff of unrelated inputs', () => {
  it('says when two documents are not of one process', () => {
    const base = { regions: [], totals: [], modules: [], threads: [], words: undefined, wordSize: 8, process: {}, input: { name: 'x', size: 1 } } as unknown as AnalysisJSON;
    const x = { ...base, modules: [{ executable: true, buildId: 'aa' }], input: { name: 'a', size: 1 } } as unknown as AnalysisJSON;
    const y = { ...base, modules: [{ executable: true, buildId: 'bb' }], input: { name: 'b', size: 1 } } as unknown as AnalysisJSON;
    const d = diffAnalyses(x, y);
    expect(d.match).toBe('none');
    expect(d.warnings.join(' ')).toMatch(/executables differ/);
  });
});
