// Raw memory dumps against the core of the same process: the heap fixture (several threads,
// several arenas) is dumped with gcore; while it still runs, its map is recorded as
// /proc/PID/maps, pmap -x, pmap and gdb's "info proc mappings"; then raw dumps are cut from
// the core with gdb's `dump binary memory` — the whole [heap], a thread arena's heap, libc's
// data and .bss, a slice starting mid-heap. Each raw dump's word census must equal the core's
// census restricted to its range, whichever way the map is given; the heap walked in a raw
// dump must give the blocks the core's walk gives in that range (tcache and fastbin chunks,
// which a raw dump cannot tell from used ones, counted as used), and the program's own record
// of its live blocks. 64- and 32-bit.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { HeaplensError } from '../../src/engine/errors';
import { allBlocks, analyzeFile, type AnalyzeFileOptions } from '../helpers/engine';
import { WORK, buildFixture, dumpFixture, parseMaps, type Dumped } from '../helpers/fixtures';

const run = promisify(execFile);
const ANY = 0xff;

interface HeapTruth {
  wordSize: number;
  live: [string, number][];
  freed: string[];
  maps: string;
}

type Block = { address: bigint; usable: number; state: number };

const h = (v: bigint) => v.toString(16);

/** What must agree between two censuses of the same bytes: totals, and every listed value with its count. */
function censusOf(j: AnalysisJSON, withLabels: boolean) {
  const w = j.words!;
  const e = (x: (typeof w.top)[number]) => [x.value, x.count, x.kind, x.approx ?? false, ...(withLabels ? [x.target?.label ?? ''] : [])];
  return {
    words: w.words, zeroWords: w.zeroWords, smallWords: w.smallWords, pointerWords: w.pointerWords, distinctPointers: w.distinctPointers,
    otherWords: w.otherWords, overflowWords: w.overflowWords, maxError: w.maxError, bytesScanned: w.bytesScanned, regionsScanned: w.regionsScanned,
    top: w.top.map(e), topPointers: w.topPointers.map(e), vtableCandidates: w.vtableCandidates.map(e),
    ...(withLabels ? { pointersByLabel: w.pointersByLabel } : {}),
  };
}

for (const bits of [64, 32] as const) {
  describe(`raw dumps, ${bits}-bit`, () => {
    let fx: Dumped<HeapTruth>;
    let dir: string;
    const text: Record<'proc' | 'live' | 'pmapx' | 'pmap' | 'gdb', string> = { proc: '', live: '', pmapx: '', pmap: '', gdb: '' };
    const file: Record<string, string> = {};
    let heap: { start: bigint; end: bigint };
    let arena: { start: bigint; end: bigint };
    let libcData: { start: bigint; end: bigint };
    let libcBss = false;
    let core: AnalysisJSON;
    let coreBlocks: Block[] = [];
    const ws = bits / 8;
    const opts = (o: AnalyzeFileOptions): AnalyzeFileOptions => ({ ...o, raw: { wordSize: ws as 4 | 8, ...o.raw } });

    beforeAll(async () => {
      const exe = await buildFixture('heapfix.c', { bits });
      fx = await dumpFixture<HeapTruth>(exe, [], {
        alive: async (pid) => {
          text.live = readFileSync(`/proc/${pid}/maps`, 'utf8');
          text.pmapx = (await run('pmap', ['-x', String(pid)])).stdout;
          text.pmap = (await run('pmap', [String(pid)])).stdout;
          text.gdb = (await run('gdb', ['-batch', '-p', String(pid), '-ex', 'info proc mappings'], { maxBuffer: 16 << 20 })).stdout;
        },
      });
      text.proc = fx.truth.maps;
      dir = join(WORK, 'raw', `${bits}-${fx.pid}`);
      mkdirSync(dir, { recursive: true });
      for (const [k, v] of Object.entries(text)) writeFileSync((file[k] = join(dir, `maps-${k}.txt`)), v);

      core = await analyzeFile(fx.core, [fx.exe], { inspect: async (pool) => void (coreBlocks = await allBlocks(pool, ANY)) });
      const maps = parseMaps(fx.truth.maps);
      const hm = maps.find((m) => m.path === '[heap]')!;
      heap = { start: hm.start, end: hm.end };
      const a = core.heap!.arenas.find((x) => !x.main)!;
      arena = { start: BigInt(a.heaps[0].start), end: BigInt(a.heaps[0].end) };
      const libcRw = maps.find((m) => /\/libc\.so/.test(m.path) && m.perms.startsWith('rw'))!;
      const bss = maps.find((m) => m.start === libcRw.end && !m.path && m.perms.startsWith('rw'));
      libcData = { start: libcRw.start, end: bss?.end ?? libcRw.end };
      libcBss = !!bss;

      // Raw dumps cut from the core by gdb; names carry the range in two of the accepted forms.
      file.heap = join(dir, `heap-${h(heap.start)}-${h(heap.end)}.bin`);
      file.arena = join(dir, `arena.0x${h(arena.start)}.bin`);
      file.libc = join(dir, 'libc-data.bin');
      file.mid = join(dir, 'mid.bin');
      const cut = (out: string, r: { start: bigint; end: bigint }) => ['-ex', `dump binary memory ${out} 0x${h(r.start)} 0x${h(r.end)}`];
      await run('gdb', ['-batch', ...cut(file.heap, heap), ...cut(file.arena, arena), ...cut(file.libc, libcData), ...cut(file.mid, { start: heap.start + 0x10000n, end: heap.end }), fx.exe, fx.core]);
      for (const k of ['heap', 'arena', 'libc', 'mid']) expect(readFileSync(file[k]).length, k).toBeGreaterThan(0);
    });

    const coreCensus = (r: { start: bigint; end: bigint }) => analyzeFile(fx.core, [], { census: { ranges: [r] } });

    it('(a) census of a raw dump, the core as its map, equals the core census restricted to its range', async () => {
      for (const [name, r, base] of [['heap', heap, undefined], ['arena', arena, undefined], ['libc', libcData, libcData.start]] as const) {
        const raw = await analyzeFile(file[name], [], opts({ raw: { base, maps: fx.core } }));
        const ref = await coreCensus(r);
        expect(ref.words!.ranges).toEqual([{ start: '0x' + h(r.start), end: '0x' + h(r.end) }]);
        expect(ref.words!.bytesScanned).toBe(Number(r.end - r.start));
        expect(raw.format).toBe('raw');
        expect(raw.wordSize).toBe(bits / 8);
        expect(censusOf(raw, true), name).toEqual(censusOf(ref, true));
        expect(raw.words!.pointerWords, name).toBeGreaterThan(0);
        expect(raw.diagnostics.filter((d) => d.level === 'warning'), name).toEqual([]);
      }
    });

    it('(b) the same with the map as text: /proc/PID/maps (recorded and live), pmap -x, pmap, gdb info proc mappings', async () => {
      const refs = { heap: await coreCensus(heap), libc: await coreCensus(libcData) };
      for (const m of ['proc', 'live', 'pmapx', 'pmap', 'gdb'] as const) {
        for (const name of ['heap', 'libc'] as const) {
          // No --word-size: a text map below 4 GiB says 32-bit.
          const raw = await analyzeFile(file[name], [], { raw: { base: name === 'libc' ? libcData.start : undefined, maps: file[m] } });
          expect(raw.wordSize, `${m} ${name}`).toBe(bits / 8);
          expect(raw.input.maps).toMatchObject({ kind: 'text', errors: 0 });
          expect(censusOf(raw, false), `${m} ${name}`).toEqual(censusOf(refs[name], false));
          expect(raw.diagnostics.filter((d) => d.level === 'warning'), `${m} ${name}`).toEqual([]);
        }
      }
      // Labels come from the text: [heap], the libc mappings, and .bss right after libc's data.
      const j = await analyzeFile(file.libc, [], { raw: { base: libcData.start, maps: file.proc } });
      const labels = j.regions.filter((r) => r.inCore > 0).map((r) => [r.label, r.module ?? '']);
      expect(labels[0]).toEqual(['data', expect.stringMatching(/^libc\.so/)]);
      if (libcBss) expect(labels[1]).toEqual(['bss', expect.stringMatching(/^libc\.so/)]);
      expect(j.regions.find((r) => r.detail === '[heap]')?.start).toBe('0x' + h(heap.start));
      // pmap names no [heap]: it is taken to be the first anonymous mapping after the executable.
      const p = await analyzeFile(file.heap, [], { raw: { maps: file.pmapx } });
      expect(p.regions.find((r) => r.label === 'heap')?.start).toBe('0x' + h(heap.start));
    });

    it('(c) reads the base from the file name: heap-START-END.bin, arena.0xSTART.bin', async () => {
      const a = await analyzeFile(file.heap, [], opts({ noHeap: true }));
      expect(a.input).toMatchObject({ base: '0x' + h(heap.start), end: '0x' + h(heap.end), baseFrom: 'file name' });
      expect(a.words!.words).toBe(Number(heap.end - heap.start) / ws);
      const b = await analyzeFile(file.arena, [], opts({ noHeap: true }));
      expect(b.input).toMatchObject({ base: '0x' + h(arena.start), baseFrom: 'file name' });
      // Without a map only the dump's own range validates pointers, and the result says so.
      expect(b.diagnostics.map((d) => d.code)).toContain('raw.no-maps');
      expect(b.regions).toHaveLength(1);
    });

    /** The core's blocks in [lo, hi), states as a raw dump sees them: tcache (3), fastbin (4) and tcache structs (5) are used (1). */
    const expected = (lo: bigint, hi: bigint) =>
      coreBlocks
        .filter((b) => b.address >= lo && b.address < hi)
        .map((b) => ({ address: b.address, usable: b.usable, state: b.state === 3 || b.state === 4 || b.state === 5 ? 1 : b.state }))
        .sort((x, y) => (x.address < y.address ? -1 : 1));

    const walk = async (f: string, o: AnalyzeFileOptions) => {
      let blocks: Block[] = [];
      const j = await analyzeFile(f, [], opts({ ...o, inspect: async (pool) => void (blocks = await allBlocks(pool, ANY)) }));
      return { j, blocks: blocks.sort((x, y) => (x.address < y.address ? -1 : 1)) };
    };

    it('(d) walks the whole [heap]: the blocks of the core walk in that range, top chunk included', async () => {
      const want = expected(heap.start, heap.end);
      expect(want.some((b) => b.state === 2)).toBe(true);
      const main = core.heap!.arenas.find((a) => a.main)!;
      for (const [how, o] of [
        ['maps text', { raw: { maps: file.proc } }],
        ['core as maps', { raw: { maps: fx.core } }],
        ['no maps (tcache struct first)', {}],
      ] as const) {
        const { j, blocks } = await walk(file.heap, o);
        expect(j.heap, how).toBeDefined();
        expect(blocks, how).toEqual(want);
        expect(j.heap!.raw, how).toMatchObject({ top: main.top, topSize: main.topSize, freeListsKnown: false });
        expect(j.heap!.used.count).toBe(want.filter((b) => b.state === 1).length);
        expect(j.leaks).toBeUndefined();
        expect(j.diagnostics.map((d) => d.code), how).toEqual(expect.arrayContaining(['raw.heap-walked', 'raw.no-leaks']));
      }
      // The program's own record: every live block in [heap] is a used block of its usable size.
      const { blocks } = await walk(file.heap, { raw: { maps: file.proc } });
      const used = new Map(blocks.filter((b) => b.state === 1).map((b) => [b.address, b.usable]));
      const live = fx.truth.live.map(([a, u]) => [BigInt(a), u] as const).filter(([a]) => a >= heap.start && a < heap.end);
      expect(live.length).toBeGreaterThan(100);
      for (const [a, u] of live) expect(used.get(a), h(a)).toBe(u);
    });

    it('(d) walks a prefix of [heap] without a map to the end of the dump; the chunk cut by it counts as used', async () => {
      const W = BigInt(ws);
      // A page boundary that cuts a chunk whose header is in front of it.
      const cut = expected(heap.start + 0x8000n, heap.end)
        .map((b) => ((b.address + 4095n) / 4096n) * 4096n)
        .find((p) => coreBlocks.some((b) => b.address <= p && p < b.address + BigInt(b.usable) - W))!;
      const f = join(dir, `prefix.0x${h(heap.start)}.bin`);
      await run('gdb', ['-batch', '-ex', `dump binary memory ${f} 0x${h(heap.start)} 0x${h(cut)}`, fx.exe, fx.core]);
      const { j, blocks } = await walk(f, {});
      const want = expected(heap.start, cut + 1n);
      want[want.length - 1].state = 1;
      expect(blocks).toEqual(want);
      expect(j.heap!.raw!.ended).toMatch(/end of the dump \(the last chunk, 0x[0-9a-f]+, runs past it/);
      expect(j.heap!.raw!.top).toBeUndefined();
    });

    it('(d) says where a walk broke: the second half of [heap] overwritten (0xff: no header there is sane)', async () => {
      const W = BigInt(ws);
      const g = heap.start + (((heap.end - heap.start) / 2n) & ~4095n);
      const bytes = readFileSync(file.heap);
      bytes.fill(0xff, Number(g - heap.start));
      const f = join(dir, `broken-${h(heap.start)}-${h(heap.end)}.bin`);
      writeFileSync(f, bytes);
      const j = await analyzeFile(f, [], opts({ raw: { maps: file.proc } }));
      expect(j.heap).toBeUndefined();
      // The first chunk whose size word lies in the overwritten part.
      const x = coreBlocks.map((b) => b.address - 2n * W).filter((c) => c + W >= g).sort((a, b) => (a < b ? -1 : 1))[0];
      const d = j.diagnostics.find((e) => e.code === 'raw.heap-walk-broke')!;
      expect(d.message).toContain(`broke at 0x${h(x)} (file offset ${x - heap.start})`);
      expect(d.offset).toBe(Number(x - heap.start));
      expect(j.words!.words).toBe(bytes.length / ws);
    });

    it("(d) walks a thread arena's heap from its heap_info, no map needed; top from the arena's malloc_state", async () => {
      const a = core.heap!.arenas.find((x) => !x.main && BigInt(x.heaps[0].start) === arena.start)!;
      const { j, blocks } = await walk(file.arena, {});
      expect(blocks).toEqual(expected(arena.start, arena.end));
      expect(j.heap!.raw!.foundBy).toMatch(/heap_info at the start \(the first heap of arena/);
      expect(j.regions[0].label).toBe('arena');
      if (BigInt(a.top) >= arena.start && BigInt(a.top) < arena.end) {
        expect(j.heap!.raw).toMatchObject({ top: a.top, topSize: a.topSize, ended: expect.stringMatching(/malloc_state/) });
      } else {
        // The arena grew into later heaps (1 MiB each on 32-bit): this one ends with glibc's fencepost.
        expect(j.heap!.raw).toMatchObject({ ended: expect.stringMatching(/fencepost/) });
        expect(j.heap!.raw!.top).toBeUndefined();
      }
      // A later heap of an arena: chunks right after its heap_info; the one holding top ends with it.
      const later = core.heap!.arenas.flatMap((x) => x.heaps.slice(1).map((hp) => ({ arena: x, start: BigInt(hp.start), end: BigInt(hp.end) })));
      expect(later.length > 0).toBe(bits === 32);
      for (const l of later.slice(-2)) {
        const f = join(dir, `later-${h(l.start)}-${h(l.end)}.bin`);
        await run('gdb', ['-batch', '-ex', `dump binary memory ${f} 0x${h(l.start)} 0x${h(l.end)}`, fx.exe, fx.core]);
        const r = await walk(f, {});
        expect(r.blocks).toEqual(expected(l.start, l.end));
        expect(r.j.heap!.raw!.foundBy).toMatch(/a later heap of arena/);
        if (BigInt(l.arena.top) >= l.start && BigInt(l.arena.top) < l.end) expect(r.j.heap!.raw).toMatchObject({ top: l.arena.top, topSize: l.arena.topSize });
      }
    });

    it('(d) a dump that starts mid-heap says it cannot walk, and why; a wrong first chunk breaks the walk', async () => {
      const j = await analyzeFile(file.mid, [], opts({ raw: { base: heap.start + 0x10000n, maps: file.proc } }));
      expect(j.heap).toBeUndefined();
      const d = j.diagnostics.find((x) => x.code === 'raw.no-heap-walk')!;
      expect(d.message).toContain(`0x10000 bytes into [heap]`);
      expect(d.message).toContain(`Dump from 0x${h(heap.start)}`);
      expect(j.words!.words).toBe(Number(heap.end - heap.start - 0x10000n) / ws);
      // A first chunk in the middle of a block (one of at least 256 bytes, so the header read is
      // the block's own bytes, not a real chunk header past a small block): its header is garbage.
      const inside = fx.truth.live.map(([x, n]) => [BigInt(x), n] as const).find(([x, n]) => n >= 256 && x > heap.start + 0x20000n && x < heap.end)![0] + 0x40n;
      const k = await analyzeFile(file.heap, [], opts({ raw: { firstChunk: inside - 2n * BigInt(ws) } }));
      expect(k.heap).toBeUndefined();
      expect(k.diagnostics.find((x) => x.code === 'raw.no-heap-walk')?.message).toMatch(/the first chunk given, 0x[0-9a-f]+ \(file offset \d+\), does not start a chain of chunk headers/);
    });

    it('(e) bad input: no base, a name whose range disagrees with the size, an empty file, garbage in the map', async () => {
      const err = async (f: string, o: AnalyzeFileOptions = {}) => {
        try {
          await analyzeFile(f, [], o);
        } catch (e) {
          expect(e).toBeInstanceOf(HeaplensError);
          return e as HeaplensError;
        }
        throw new Error(`${f} opened`);
      };
      const plain = join(dir, 'plain.bin');
      copyFileSync(file.heap, plain);
      expect((await err(plain)).message).toMatch(/not an ELF file.*raw memory dump.*--base 0x/);
      const wrong = join(dir, `heap-${h(heap.start)}-${h(heap.end + 0x1000n)}.bin`);
      copyFileSync(file.heap, wrong);
      const e = await err(wrong);
      expect(e.code).toBe('raw.size-mismatch');
      expect(e.message).toContain(`${Number(heap.end - heap.start)} bytes`);
      const empty = join(dir, `empty.0x${h(heap.start)}.bin`);
      writeFileSync(empty, '');
      expect((await err(empty)).code).toBe('raw.empty');
      expect((await err(file.heap, { raw: { wordSize: bits === 64 ? 4 : 8, maps: fx.core } })).code).toBe('raw.word-size');
      const notMaps = join(dir, 'not-maps.txt');
      writeFileSync(notMaps, 'hello\nworld\n');
      expect((await err(file.heap, { raw: { maps: notMaps } })).code).toBe('maps.no-mappings');

      // Garbage lines in the map: each reported by line number; the good lines still make the map.
      const lines = text.proc.trimEnd().split('\n');
      const garbled = [lines[0], 'deadbeefdeadbeef this is no mapping', ...lines.slice(1, 3), '0x1000 0x2000 0x5 0x0 r--p', 'just words', ...lines.slice(3)].join('\n');
      const gf = join(dir, 'maps-garbled.txt');
      writeFileSync(gf, garbled);
      const g = await analyzeFile(file.heap, [], { raw: { maps: gf }, noHeap: true });
      expect(g.input.maps).toMatchObject({ errors: 2, mappings: lines.length });
      expect(g.diagnostics.filter((d) => d.code === 'maps.bad-line').map((d) => d.message.match(/line (\d+)/)![1])).toEqual(['2', '5']);
      expect(g.diagnostics.find((d) => d.code === 'maps.ignored-lines')?.message).toMatch(/line 6\)/);
      expect(censusOf(g, false)).toEqual(censusOf(await coreCensus(heap), false));

      // A map that misses the dump's range: the dump is still counted, and the result says so.
      const noHeap = join(dir, 'maps-no-heap.txt');
      writeFileSync(noHeap, lines.filter((l) => !l.includes('[heap]')).join('\n'));
      const n = await analyzeFile(file.heap, [], { raw: { maps: noHeap }, noHeap: true });
      expect(n.diagnostics.find((d) => d.code === 'raw.outside-maps')?.offset).toBe(0);
      expect(n.words!.words).toBe(Number(heap.end - heap.start) / ws);
    });
  });
}

describe('seed 000: vtables counted in a raw dump, named through a text map and the binary', () => {
  it('finds vtable for A × N in a dump of [heap] given pmap -x and the executable', async () => {
    const exe = await buildFixture('seed002.cpp');
    let pmapx = '';
    const fx = await dumpFixture<{ N: number; vtableA: string; maps: string }>(exe, [], { alive: async (pid) => void (pmapx = (await run('pmap', ['-x', String(pid)])).stdout) });
    const dir = join(WORK, 'raw', `seed002-${fx.pid}`);
    mkdirSync(dir, { recursive: true });
    const hm = parseMaps(fx.truth.maps).find((m) => m.path === '[heap]')!;
    const dump = join(dir, `result.0x${h(hm.start)}.bin`);
    await run('gdb', ['-batch', '-ex', `dump binary memory ${dump} 0x${h(hm.start)} 0x${h(hm.end)}`, fx.exe, fx.core]);
    const maps = join(dir, 'pmap-x.txt');
    writeFileSync(maps, pmapx);
    const j = await analyzeFile(dump, [fx.exe], { raw: { maps } });
    const v = j.words!.vtableCandidates[0];
    expect(BigInt(v.value)).toBe(BigInt(fx.truth.vtableA));
    expect(v.count).toBeGreaterThanOrEqual(fx.truth.N);
    expect(v.target).toMatchObject({ label: 'rodata', symbol: 'vtable for A+0x10' });
    expect(j.heap!.byType.find((t) => t.type === 'A')?.count).toBe(fx.truth.N);
    expect(j.diagnostics.find((d) => d.code === 'binary.attached')?.message).toMatch(/by name, load bias 0x/);
  });
});
