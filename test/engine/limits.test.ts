// Bounded tables (scan.ts Limits): a heap with more chunks than the chunk table may hold is walked
// up to the limit and the result states the bytes it did not walk — a bound the unbounded
// analysis of the same core must satisfy; reachability on such a heap says its verdicts are
// bounds (every block leaked in the full analysis and walked here is leaked here too); above the
// block limit of the reachability analysis, leaks are skipped with the reason and the heap stays
// complete. On growfix.cpp's second dump (~10,000 used blocks), with limits set low.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import type { LeakContext } from '../../src/engine/leaks';
import { analyzeFile } from '../helpers/engine';
import { buildFixture, dumpFixtureSeries } from '../helpers/fixtures';

describe('bounded heap and leak tables', () => {
  let core: string;
  let exe: string;
  let full: AnalysisJSON;
  let fullCtx: LeakContext;
  beforeAll(async () => {
    exe = await buildFixture('growfix.cpp');
    core = (await dumpFixtureSeries(exe, 2)).cores[1];
    full = await analyzeFile(core, [exe], { inspect: async (_p, _j, l) => void (fullCtx = l!) });
  });

  it('the default limits leave an ordinary heap whole', () => {
    expect(full.heap!.unwalked).toBeUndefined();
    expect(full.leaks!.incomplete).toBeUndefined();
    expect(full.heap!.used.count).toBeGreaterThan(9000);
  });

  it('a chunk table at its limit: the walk stops, the unwalked bytes are stated and bound what was missed', async () => {
    let ctx!: LeakContext;
    const b = await analyzeFile(core, [exe], { limits: { heapRecords: 4000 }, inspect: async (_p, _j, l) => void (ctx = l!) });
    const h = b.heap!;
    expect(h.unwalked).toBeDefined();
    expect(h.unwalked!.maxRecords).toBe(4000);
    expect(h.unwalked!.bytes).toBeGreaterThan(0);
    expect(h.chunks).toBeLessThanOrEqual(4000);
    expect(h.used.count).toBeLessThan(full.heap!.used.count);
    // the stated bound holds against the whole walk
    expect(full.heap!.used.bytes).toBeLessThanOrEqual(h.used.bytes + h.unwalked!.bytes);
    expect(full.heap!.used.bytes).toBeGreaterThan(h.used.bytes);
    expect(b.diagnostics.find((d) => d.code === 'heap.unwalked')?.message).toMatch(/4,000 chunks a worker.*not walked.*lower bounds/);
    // leaks: said to be bounds, and they are
    expect(b.leaks!.incomplete!.why).toContain('heap-unwalked');
    const verdictOf = new Map<bigint, number>();
    for (let i = 0; i < ctx.addrs.length; i++) verdictOf.set(ctx.addrs[i], ctx.verdicts[i]);
    let checked = 0;
    for (let i = 0; i < fullCtx.addrs.length; i++) {
      const v = verdictOf.get(fullCtx.addrs[i]);
      if (v === undefined || fullCtx.verdicts[i] === 1) continue;
      expect(v).not.toBe(1);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    expect(b.leaks!.anchored.count).toBeLessThanOrEqual(full.leaks!.anchored.count);
  });

  it('more used blocks than the reachability analysis takes on: leaks skipped with the reason, the heap whole', async () => {
    const b = await analyzeFile(core, [exe], { limits: { leakBlocks: 1000 } });
    expect(b.leaks).toBeUndefined();
    expect(b.diagnostics.find((d) => d.code === 'leaks.skipped')?.message).toMatch(new RegExp(`${full.heap!.used.count.toLocaleString('en-US')} used blocks, more than the 1,000`));
    expect(b.heap!.used).toEqual(full.heap!.used);
    expect(b.heap!.unwalked).toBeUndefined();
  });
});
