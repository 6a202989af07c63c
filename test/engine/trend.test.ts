// Three cores of one leaking process (test/fixtures/growfix.cpp, dumped at three stages): the
// trend names the leaking type as growing at every step with the program's own counts, the
// sessions as grown-then-flat (a cache filling up), the scratch as shrinking; the CLI prints it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { type TrendJSON, type TrendRow, trendAnalyses, trendRows } from '../../src/engine/trend';
import { analyzeFile } from '../helpers/engine';
import { ROOT, buildFixture, dumpFixtureSeries } from '../helpers/fixtures';

const run = promisify(execFile);

interface Amount {
  count: number;
  bytes: number;
}
interface GrowTruth {
  pid: number;
  Session: Amount;
  Leaky: Amount;
  LeakyBuf: Amount & { usable: number };
  scratch: Amount;
}

const row = (rows: TrendRow[] | undefined, label: string) => {
  const r = rows?.find((x) => x.label === label);
  if (!r) throw new Error(`no row ${label} among ${rows?.map((x) => x.label).join(', ')}`);
  return r;
};

describe('trend across three cores of one process', () => {
  let truths: GrowTruth[];
  let cores: string[];
  let exe: string;
  let docs: AnalysisJSON[];
  let t: TrendJSON;
  beforeAll(async () => {
    exe = await buildFixture('growfix.cpp');
    const s = await dumpFixtureSeries<GrowTruth>(exe, 3);
    truths = s.truths;
    cores = s.cores;
    docs = [];
    for (const c of cores) docs.push(await analyzeFile(c, [exe], { mode: 'threads', workers: 2 }));
    t = trendAnalyses(docs);
  });

  it('matches the dumps and follows the leaking type at every step, with the exact counts', () => {
    expect(t.matches).toEqual(['build-id', 'build-id']);
    expect(t.warnings).toEqual([]);
    const leaky = row(t.tables['heap.byType'], 'Leaky');
    expect(leaky.points).toEqual(truths.map((x) => x.Leaky));
    expect(leaky.pattern).toBe('steady');
    expect(t.tables['heap.byType']![0].label).toBe('Leaky');
    expect(leaky.delta).toEqual({ count: truths[2].Leaky.count - truths[0].Leaky.count, bytes: truths[2].Leaky.bytes - truths[0].Leaky.bytes });
    expect(t.findings[0]).toMatch(/^Leaky: .* grew at every one of the 2 steps/);
    expect(t.findings[0]).toContain(truths.map((x) => x.Leaky.count.toLocaleString('en-US')).join(' → '));
  });

  it('tells the cache that filled up and the freed scratch from the leak', () => {
    const s = row(t.tables['heap.byType'], 'Session');
    expect(s.points).toEqual(truths.map((x) => x.Session));
    expect(s.pattern).toBe('plateau');
    expect(t.findings.some((f) => f.startsWith('Session:') && /stayed flat/.test(f))).toBe(true);
    const buf = row(t.tables['heap.bySize'], `size ${truths[0].LeakyBuf.usable}`);
    expect(buf.pattern).toBe('steady');
    expect((buf.points as Amount[]).map((p) => p.count)).toEqual(truths.map((x) => x.LeakyBuf.count));
    const leaked = row(t.tables['leaks.byType'], 'Leaky');
    expect(leaked.pattern).toBe('steady');
    const used = row(t.tables['heap.states'], 'used blocks');
    const total = (x: GrowTruth) => x.Session.count + x.Leaky.count + x.LeakyBuf.count + x.scratch.count;
    expect(used.steps.length).toBe(2);
    const counts = (used.points as Amount[]).map((p) => p.count);
    expect(counts.map((c) => c - counts[0])).toEqual(truths.map((x) => total(x) - total(truths[0])));
  });

  it('names the patterns from the numbers alone, and bounds what a cut list hides', () => {
    const L = (k: string, c: number) => ({ key: k, label: k, count: c, bytes: c * 10 });
    const rows = trendRows([
      { list: [L('a', 1), L('b', 5), L('c', 9), L('g', 3)], cut: false },
      { list: [L('a', 2), L('b', 6), L('c', 9), L('n', 1), L('g', 1)], cut: false },
      { list: [L('a', 3), L('b', 6), L('c', 9), L('n', 4)], cut: true },
    ]);
    const p = Object.fromEntries(rows.map((r) => [r.key, r.pattern]));
    expect(p).toEqual({ a: 'steady', b: 'plateau', c: 'same', n: 'new', g: 'unknown' });
    expect(row(rows, 'g').points[2]).toEqual({ atMost: 30 });
    expect(rows[0].key).toBe('a');
  });

  it('prints the trend from the CLI, from cores, in the order given', async () => {
    const CLI = join(ROOT, 'bin', 'heaplens.mjs');
    const j = JSON.parse((await run('node', [CLI, 'diff', ...cores, '--bin', exe, '--json'], { maxBuffer: 64 << 20 })).stdout) as TrendJSON;
    expect(j.kind).toBe('trend');
    expect(j.dumps.map((d) => d.pid)).toEqual(truths.map((x) => x.pid));
    expect(row(j.tables['heap.byType'], 'Leaky').points).toEqual(truths.map((x) => x.Leaky));
    const text = (await run('node', [CLI, 'diff', ...cores, '--bin', exe], { maxBuffer: 64 << 20 })).stdout;
    expect(text).toMatch(/What grew across 3 dumps/);
    const line = text.split('\n').find((l) => l.startsWith('Leaky '))!;
    expect(line).toMatch(/steady$/);
    // The report of three dumps: the first and last diffed, with the trend across all three.
    const html = (await run('node', [CLI, 'diff', ...cores, '--bin', exe, '--report'], { maxBuffer: 64 << 20 })).stdout;
    expect(html).toContain('Across all 3 dumps');
    const trendRow = html.split('\n').find((l) => l.startsWith('<tr class="p-steady"><td>Leaky</td>'));
    expect(trendRow).toBeDefined();
    for (const t of truths) expect(trendRow).toContain(`>${t.Leaky.count.toLocaleString('en-US')}<`);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
