// Leaks by reachability against the program's own record (test/fixtures/leakfix.cpp), 64- and
// 32-bit, and against valgrind memcheck's count on the same program.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { type BlockReport, type LeakContext, queryBlock } from '../../src/engine/leaks';
import { analyzeFile } from '../helpers/engine';
import { WORK, buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';

const run = promisify(execFile);

interface LeakTruth {
  pid: number;
  wordSize: number;
  anchored: string[];
  tops: string[];
  indirect: string[];
  registerBlock: string;
  mainStackBlock: string;
}

for (const bits of [64, 32] as const) {
  describe(`leaks, ${bits}-bit`, () => {
    let fx: Dumped<LeakTruth>;
    let j: AnalysisJSON;
    const verdicts = new Map<string, BlockReport | undefined>();
    beforeAll(async () => {
      fx = await dumpFixture<LeakTruth>(await buildFixture('leakfix.cpp', { bits }));
      j = await analyzeFile(fx.core, [fx.exe], {
        mode: 'threads',
        workers: 2,
        inspect: async (_pool, _json, leaks?: LeakContext) => {
          for (const a of [...fx.truth.anchored, ...fx.truth.tops, ...fx.truth.indirect]) verdicts.set(a, await queryBlock(leaks!, BigInt(a)));
        },
      });
    });

    it('counts leak tops and indirect leaks exactly as the program made them', () => {
      const l = j.leaks!;
      expect(l.unreferenced.count).toBe(fx.truth.tops.length);
      expect(l.indirect.count).toBe(fx.truth.indirect.length);
      expect(l.leaked.count).toBe(fx.truth.tops.length + fx.truth.indirect.length);
    });

    it('gives every block of the record its verdict', () => {
      const wrong = (list: string[], want: string) => list.filter((a) => verdicts.get(a)?.verdict !== want);
      expect(wrong(fx.truth.anchored, 'anchored')).toEqual([]);
      expect(wrong(fx.truth.tops, 'leaked')).toEqual([]);
      expect(wrong(fx.truth.indirect, 'indirect')).toEqual([]);
      // Leaked rings: every node is pointed to (indirect), none is a top.
      for (const a of fx.truth.indirect) expect(verdicts.get(a)!.incomingTotal).toBeGreaterThan(0);
    });

    it('chains anchored blocks to their roots: a global, a thread stack, a register', () => {
      const g = verdicts.get(fx.truth.anchored[0])!;
      expect(g.chain[0].root).toMatch(/g_kept/);
      const stack = verdicts.get(fx.truth.mainStackBlock)!;
      expect(stack.chain[0].root).toMatch(/stack of main thread/);
      const reg = verdicts.get(fx.truth.registerBlock)!;
      expect(reg.chain[0].root).toMatch(bits === 64 ? /^r12 of thread \d+$/ : /^esi of thread \d+$/);
      expect(verdicts.get(fx.truth.tops[0])!.chain).toEqual([]);
    });

    it('names the leaked requests and shows what they own', () => {
      const l = j.leaks!;
      const req = l.byType.find((t) => t.type === 'CommReq');
      expect(req?.count).toBe(300);
      expect(req?.unreferenced).toBe(300);
      const buf = l.bySize.find((g) => g.size === (bits === 64 ? 520 : 524))!;
      expect([buf.count, buf.unreferenced, buf.indirect]).toEqual([300, 0, 300]);
      const shape = l.shapes.find((s) => s.group === 'CommReq')!;
      expect(shape.refs.map((r) => r.verdict).sort()).toEqual(['indirect', 'indirect']);
      expect(shape.refs.map((r) => r.size).sort((a, b) => a - b)).toEqual([bits === 64 ? 216 : 204, bits === 64 ? 520 : 524].sort((a, b) => a - b));
    });

    it("agrees with valgrind memcheck's definitely + indirectly lost count within 0.5%", async ({ skip }) => {
      if (!existsSync('/usr/bin/valgrind')) return skip('valgrind is not installed');
      const log = join(WORK, `valgrind-leakfix-${bits}-${process.pid}.log`);
      const truth = join(WORK, `valgrind-leakfix-${bits}-${process.pid}.json`);
      await run('valgrind', ['--tool=memcheck', '--leak-check=full', '--show-leak-kinds=none', `--log-file=${log}`, fx.exe, truth, 'valgrind'], { timeout: 300000 }).catch((e) => {
        if (!existsSync(log)) throw e;
      });
      const text = readFileSync(log, 'utf8');
      if (/cannot|not supported|failed to start/i.test(text) && !/definitely lost/.test(text)) return skip(`valgrind could not run the ${bits}-bit program`);
      const blocks = (kind: string) => Number(new RegExp(`${kind} lost: [\\d,]+ bytes in ([\\d,]+) blocks`).exec(text)?.[1].replace(/,/g, '') ?? NaN);
      const vg = blocks('definitely') + blocks('indirectly');
      expect(Number.isFinite(vg)).toBe(true);
      const ours = j.leaks!.leaked.count;
      console.log(`[leaks ${bits}-bit] valgrind definitely+indirectly lost ${vg} blocks; heaplens leaked ${ours}`);
      expect(Math.abs(ours - vg)).toBeLessThanOrEqual(Math.max(1, vg * 0.005));
    });
  });
}
