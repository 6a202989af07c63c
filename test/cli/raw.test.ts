// The CLI on raw memory dumps (gdb's `dump binary memory`) and on a core restricted to an
// address range: the JSON contract, the tables, and the messages for what cannot be done.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { ROOT, WORK, buildFixture, dumpFixture, parseMaps, type Dumped } from '../helpers/fixtures';

const run = promisify(execFile);
const CLI = join(ROOT, 'bin', 'heaplens.mjs');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { maxBuffer: 256 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const h = (v: bigint) => v.toString(16);

describe('heaplens CLI on raw dumps', () => {
  let fx: Dumped<{ maps: string; live: [string, number][] }>;
  let dir: string;
  let heap: { start: bigint; end: bigint };
  let dump: string;
  let mid: string;
  let maps: string;
  let pmapx: string;
  beforeAll(async () => {
    dir = join(WORK, 'cli-raw');
    mkdirSync(dir, { recursive: true });
    pmapx = join(dir, 'pmap-x.txt');
    fx = await dumpFixture(await buildFixture('heapfix.c'), [], { alive: async (pid) => writeFileSync(pmapx, (await run('pmap', ['-x', String(pid)])).stdout) });
    maps = join(dir, 'maps.txt');
    writeFileSync(maps, fx.truth.maps);
    const m = parseMaps(fx.truth.maps).find((x) => x.path === '[heap]')!;
    heap = { start: m.start, end: m.end };
    dump = join(dir, `heap-${h(heap.start)}-${h(heap.end)}.bin`);
    mid = join(dir, 'mid.bin');
    await run('gdb', ['-batch', '-ex', `dump binary memory ${dump} 0x${h(heap.start)} 0x${h(heap.end)}`, '-ex', `dump binary memory ${mid} 0x${h(heap.start + 0x8000n)} 0x${h(heap.end)}`, fx.exe, fx.core]);
  });

  it('analyze --json: format raw, the base from the name, the map given, a census and a heap walked', async () => {
    const r = await cli(['analyze', dump, '--maps', maps, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as AnalysisJSON;
    expect(j.format).toBe('raw');
    expect(j.input).toMatchObject({ base: '0x' + h(heap.start), end: '0x' + h(heap.end), baseFrom: 'file name', maps: { name: 'maps.txt', kind: 'text', format: 'proc-maps', errors: 0 } });
    expect(j.wordSize).toBe(8);
    expect(j.threads).toEqual([]);
    expect(j.words!.bytesScanned).toBe(readFileSync(dump).length);
    expect(j.heap!.raw).toMatchObject({ firstChunk: '0x' + h(heap.start), freeListsKnown: false });
    const live = fx.truth.live.filter(([a]) => BigInt(a) >= heap.start && BigInt(a) < heap.end).length;
    expect(j.heap!.used.count).toBeGreaterThanOrEqual(live);
    expect(j.leaks).toBeUndefined();
  });

  it('prints tables for a raw dump; map works with --base and a pmap -x map', async () => {
    const t = await cli(['analyze', dump, '--maps', pmapx, '--top', '5']);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(`raw memory dump of 0x${h(heap.start)}–0x${h(heap.end)}`);
    expect(t.stdout).toMatch(/map: pmap-x\.txt \(pmap-x, \d+ mappings\)/);
    expect(t.stdout).toMatch(/Heap \(glibc malloc, walked in the dump\)/);
    expect(t.stdout).not.toMatch(/Threads \(/);
    const m = await cli(['map', mid, '--base', '0x' + h(heap.start + 0x8000n), '--maps', pmapx, '--json']);
    expect(m.code).toBe(0);
    const j = JSON.parse(m.stdout) as AnalysisJSON;
    expect(j.words).toBeUndefined();
    const hr = j.regions.find((r) => r.label === 'heap')!;
    expect(hr.start).toBe('0x' + h(heap.start));
    expect(hr.inCore).toBe(Number(heap.end - heap.start) - 0x8000);
    // Starting mid-heap, the walk is not attempted, and the result says why.
    const a = JSON.parse((await cli(['analyze', mid, '--base', '0x' + h(heap.start + 0x8000n), '--maps', maps, '--json'])).stdout) as AnalysisJSON;
    expect(a.heap).toBeUndefined();
    expect(a.diagnostics.find((d) => d.code === 'raw.no-heap-walk')!.message).toContain('0x8000 bytes into [heap]');
  });

  it('says how to give a base, that leaks need a core, and refuses bad options', async () => {
    const plain = join(dir, 'result.bin');
    copyFileSync(dump, plain);
    const r = await cli(['analyze', plain]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/raw memory dump.*--base 0x.*result\.0x1f3a000\.bin/);
    const wrong = join(dir, `heap-${h(heap.start)}-${h(heap.end + 0x2000n)}.bin`);
    copyFileSync(dump, wrong);
    const w = await cli(['analyze', wrong]);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/its name says .* but the file holds \d+ bytes/);
    expect((await cli(['analyze', wrong, '--base', '0x' + h(heap.start), '--json'])).code).toBe(0);
    const l = await cli(['leaks', dump, '--maps', maps]);
    expect(l.code).toBe(1);
    expect(l.stderr).toMatch(/leaks needs a core: .* is a raw memory dump/);
    expect((await cli(['analyze', dump, '--word-size', '5'])).code).toBe(2);
    expect((await cli(['analyze', dump, '--base', 'zz'])).stderr).toMatch(/--base takes an address/);
    const empty = join(dir, 'empty.0x10000000.bin');
    rmSync(empty, { force: true });
    expect((await cli(['analyze', empty])).stderr).toMatch(/no such file/);
    writeFileSync(empty, '');
    expect((await cli(['analyze', empty])).stderr).toMatch(/is empty/);
  });

  it('analyze CORE --range counts only that range, as START-END or START:END; the heap is skipped', async () => {
    const a = JSON.parse((await cli(['analyze', fx.core, '--range', `0x${h(heap.start)}-0x${h(heap.end)}`, '--json'])).stdout) as AnalysisJSON;
    expect(a.format).toBe('elf64-core');
    expect(a.words!.ranges).toEqual([{ start: '0x' + h(heap.start), end: '0x' + h(heap.end) }]);
    expect(a.words!.bytesScanned).toBe(Number(heap.end - heap.start));
    expect(a.heap).toBeUndefined();
    expect(a.diagnostics.map((d) => d.code)).toContain('scan.ranged');
    const b = JSON.parse((await cli(['analyze', fx.core, '--range', `${h(heap.start)}:${h(heap.end)}`, '--json'])).stdout) as AnalysisJSON;
    expect(b.words!.top).toEqual(a.words!.top);
    // The raw dump of that range, the core as its map: the same census.
    const raw = JSON.parse((await cli(['analyze', dump, '--maps', fx.core, '--json'])).stdout) as AnalysisJSON;
    expect(raw.words!.top).toEqual(a.words!.top);
    expect(raw.words!.pointerWords).toBe(a.words!.pointerWords);
    const bad = await cli(['analyze', fx.core, '--range', `0x${h(heap.end)}-0x${h(heap.start)}`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the end must be above the start/);
    const t = await cli(['analyze', fx.core, '--range', `0x${h(heap.start)}-0x${h(heap.end)}`, '--top', '3']);
    expect(t.stdout).toContain(`restricted to 0x${h(heap.start)}–0x${h(heap.end)}`);
  });
});
