// Memory that grows without a leak (test/fixtures/keptfree.c): five threads, each in its own
// arena up to glibc's limit, allocate 3000 blocks of 4000 bytes and free all but the last, which
// pins the top chunk. On 32-bit an arena's heaps are 1 MiB: each arena is a dozen heaps, merged
// into one mapping by the kernel — found and walked all the same.
// heaplens must say where malloc's memory is — free but kept, not leaked — with the figures glibc's
// own mallinfo2() gives, and the fixes to try (malloc_trim, MALLOC_ARENA_MAX).
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { heapKept } from '../../src/engine/heap/kept';
import { renderHeap } from '../../src/engine/report-text';
import { reportHtml } from '../../src/engine/report-html';
import { analyzeFile } from '../helpers/engine';
import { buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';

interface Truth {
  threads: number;
  freedBytes: number;
  mallinfo2: { arena: number; ordblks: number; hblkhd: number; uordblks: number; fordblks: number; keepcost: number };
}

for (const bits of [64, 32] as const) {
  describe(`free but kept: keptfree ${bits}-bit`, () => {
    let fx: Dumped<Truth>;
    let j: AnalysisJSON;
    beforeAll(async () => {
      fx = await dumpFixture<Truth>(await buildFixture('keptfree.c', { bits }));
      j = await analyzeFile(fx.core, [fx.exe]);
    });
    afterAll(() => {
      if (fx) rmSync(fx.core, { force: true });
    });

    it("accounts for malloc's memory as mallinfo2() does, and calls it kept free, not leaked", () => {
      const k = heapKept(j)!;
      const m = fx.truth.mallinfo2;
      // One arena per thread up to glibc's limit (cores × 8, × 2 for 32-bit), main_arena included.
      expect(k.arenas).toBe(Math.min(fx.truth.threads, cpus().length * (bits === 32 ? 2 : 8)));
      expect(j.diagnostics.filter((d) => d.code.startsWith('heap.'))).toEqual([]);
      expect(k.heapBytes).toBe(m.arena + m.hblkhd);
      // fordblks: the chunks in bins and fastbins, and the top chunks.
      expect(k.free.bins + k.free.fastbins + k.free.top).toBe(m.fordblks);
      // uordblks counts tcache chunks as in use.
      expect(k.usedBytes + k.free.tcache).toBe(m.uordblks + m.hblkhd);
      // Threads that share an arena reuse each other's freed memory: at least one thread's worth per arena.
      expect(k.free.total).toBeGreaterThanOrEqual((k.arenas * fx.truth.freedBytes) / fx.truth.threads);
      expect(k.leakedBytes).toBe(0);
      expect(k.verdict).toBe('kept free');
      expect(k.summary).toMatch(/free but kept .* not a leak/);
      expect(k.hints.join('\n')).toMatch(/malloc_trim\(0\)/);
      expect(k.hints.join('\n')).toMatch(new RegExp(`${k.arenas} arenas for ${fx.truth.threads} thread\\(s\\).*MALLOC_ARENA_MAX`));
      // Each arena keeps at least what one thread freed.
      for (const a of k.perArena) expect(a.free).toBeGreaterThanOrEqual(fx.truth.freedBytes / fx.truth.threads);
    });

    it('says so in the CLI tables and the HTML report', () => {
      expect(renderHeap(j, 5)).toContain("Where malloc's memory is: kept free.");
      expect(reportHtml(j)).toMatch(/<p class="note warn" id="heap-kept"><b>Where malloc's memory is: kept free\.<\/b>/);
    });
  });
}
