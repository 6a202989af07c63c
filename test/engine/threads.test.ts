// A multi-threaded program: each thread's stack is labelled with its tid, the blocks threads
// malloc'ed sit in glibc arena heaps, the main thread's in [heap].
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { analyzeFile } from '../helpers/engine';
import { buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';

interface ThreadsTruth {
  pid: number;
  threads: { tid: number; main: boolean; stackLocal: string; block: string; nonMainArena: boolean }[];
}

const regionOf = (j: AnalysisJSON, a: string) => j.regions.find((r) => BigInt(a) >= BigInt(r.start) && BigInt(a) < BigInt(r.end));

for (const bits of [64, 32] as const) {
  describe(`threads program, ${bits}-bit`, () => {
    let fx: Dumped<ThreadsTruth>;
    let j: AnalysisJSON;
    beforeAll(async () => {
      fx = await dumpFixture<ThreadsTruth>(await buildFixture('threads.c', { bits }));
      j = await analyzeFile(fx.core, [fx.exe], { mode: 'threads', workers: 2 });
    });

    it('has one thread per NT_PRSTATUS with its tid, SP and IP', () => {
      expect(j.threads.map((t) => t.tid).sort()).toEqual(fx.truth.threads.map((t) => t.tid).sort());
      for (const t of j.threads) {
        expect(t.sp).toMatch(/^0x[0-9a-f]+$/);
        expect(t.ip).toMatch(/^0x[0-9a-f]+$/);
      }
    });

    it("labels each thread's stack with its tid", () => {
      for (const t of fx.truth.threads) {
        const r = regionOf(j, t.stackLocal);
        expect(r?.label, `stack of ${t.tid}`).toBe('stack');
        expect(r?.tid).toBe(t.tid);
        expect(r?.detail).toContain(String(t.tid));
        const jt = j.threads.find((x) => x.tid === t.tid)!;
        expect(jt.stack).toBe(r!.start);
      }
      expect(j.regions.filter((r) => r.label === 'stack').length).toBe(fx.truth.threads.length);
    });

    it('puts blocks of non-main arenas in arena heaps, main-arena blocks in [heap]', () => {
      for (const t of fx.truth.threads) {
        const r = regionOf(j, t.block);
        expect(r?.label, `block of ${t.tid} at ${t.block}`).toBe(t.nonMainArena ? 'arena' : 'heap');
      }
      expect(fx.truth.threads.find((t) => t.main)?.nonMainArena).toBe(false);
      expect(fx.truth.threads.filter((t) => t.nonMainArena).length).toBeGreaterThanOrEqual(1);
      const arenas = j.regions.filter((r) => r.label === 'arena' && r.perms.includes('w'));
      expect(arenas.length).toBeGreaterThanOrEqual(1);
      expect(j.totals.find((t) => t.label === 'stack')?.count).toBe(fx.truth.threads.length);
    });
  });
}
