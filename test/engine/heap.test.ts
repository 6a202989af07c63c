// Heap reconstruction against the program's own record: a multi-threaded program whose every
// malloc and free went through a recorder (test/fixtures/malloc-recorder.h), with frees in
// tcache, fastbins and bins and mmapped blocks; 64- and 32-bit. And the seed 002 program's
// census by type, size and signature.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { allBlocks, analyzeFile } from '../helpers/engine';
import { gdbHeapTruth } from '../helpers/gdb-heap';
import { buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';

interface HeapTruth {
  pid: number;
  wordSize: number;
  threads: number;
  mallinfo2: { arena: number; ordblks: number; smblks: number; hblks: number; hblkhd: number; fsmblks: number; uordblks: number; fordblks: number; keepcost: number };
  live: [string, number][];
  freed: string[];
}

const USED = 1 << 1;
const ANY = 0xff;

for (const bits of [64, 32] as const) {
  describe(`heap reconstruction, ${bits}-bit`, () => {
    let fx: Dumped<HeapTruth>;
    let j: AnalysisJSON;
    let used: { address: bigint; usable: number; state: number }[] = [];
    let all: { address: bigint; usable: number; state: number }[] = [];
    let small: AnalysisJSON;
    let smallAll: { address: bigint; usable: number; state: number }[] = [];
    beforeAll(async () => {
      fx = await dumpFixture<HeapTruth>(await buildFixture('heapfix.c', { bits }));
      j = await analyzeFile(fx.core, [fx.exe], {
        mode: 'threads',
        workers: 2,
        inspect: async (pool) => {
          used = await allBlocks(pool, USED);
          all = await allBlocks(pool, ANY);
        },
      });
      // The same core cut into 64 KiB spans: most heap pieces start mid-heap, at a guessed chunk.
      small = await analyzeFile(fx.core, [fx.exe], {
        mode: 'threads',
        workers: 2,
        census: { spanBytes: 1 << 16 },
        inspect: async (pool) => {
          smallAll = await allBlocks(pool, ANY);
        },
      });
    });

    it('finds main_arena, the arena ring and every thread arena', () => {
      const h = j.heap!;
      expect(h.found).toBe(true);
      expect(h.arenas[0].main).toBe(true);
      expect(h.arenas.length).toBeGreaterThanOrEqual(bits === 64 ? fx.truth.threads : 4);
      expect(h.arenas.reduce((n, a) => n + a.systemMem, 0)).toBe(fx.truth.mallinfo2.arena);
      expect(h.safeLinking).toBe(true);
      expect(j.diagnostics.filter((d) => d.code.startsWith('heap.') && d.level !== 'info')).toEqual([]);
    });

    it('reports exactly the live blocks the program holds, with their usable sizes', () => {
      const truth = new Map(fx.truth.live.map(([a, u]) => [BigInt(a), u]));
      const got = new Map(used.map((b) => [b.address, b.usable]));
      const missing = [...truth.keys()].filter((a) => !got.has(a));
      const extra = [...got.keys()].filter((a) => !truth.has(a));
      expect(missing.map((a) => a.toString(16))).toEqual([]);
      expect(extra.map((a) => a.toString(16))).toEqual([]);
      for (const [a, u] of truth) expect(got.get(a), a.toString(16)).toBe(u);
      expect(j.heap!.used.count).toBe(truth.size);
    });

    it('reports no freed block as used (tcache and fastbin chunks included)', () => {
      const usedSet = new Set(used.map((b) => b.address));
      const live = new Set(fx.truth.live.map(([a]) => BigInt(a)));
      for (const f of fx.truth.freed) if (!live.has(BigInt(f))) expect(usedSet.has(BigInt(f)), f).toBe(false);
      const h = j.heap!;
      expect(h.free.tcache).toBeGreaterThan(0);
      expect(h.free.fastbin).toBeGreaterThan(0);
      // Every freed address that is still a chunk start is reported free in some list or bin.
      const byAddr = new Map(all.map((b) => [b.address, b.state]));
      const states = fx.truth.freed.map((f) => byAddr.get(BigInt(f))).filter((s) => s !== undefined);
      expect(states.every((s) => s === 2 || s === 3 || s === 4)).toBe(true);
    });

    it("reconciles with the program's own mallinfo2()", () => {
      const h = j.heap!;
      const m = fx.truth.mallinfo2;
      expect(h.free.fastbin).toBe(m.smblks);
      expect(h.mmapped.count).toBe(m.hblks);
      expect(h.mmapped.chunkBytes).toBe(m.hblkhd);
      // ordblks counts every chunk in a bin plus each arena's top.
      expect(h.free.bins + h.arenas.length).toBe(m.ordblks);
      const fastBytes = all.filter((b) => b.state === 4).reduce((n, b) => n + b.usable + fx.truth.wordSize, 0);
      expect(fastBytes).toBe(m.fsmblks);
      const tops = h.arenas.reduce((n, a) => n + a.topSize, 0);
      const binBytes = all.filter((b) => b.state === 2).reduce((n, b) => n + b.usable + fx.truth.wordSize, 0);
      expect(binBytes + fastBytes + tops).toBe(m.fordblks);
      expect(m.arena - (binBytes + fastBytes + tops)).toBe(m.uordblks);
    });

    it('gives the same blocks and states when the heaps are cut into many small spans', () => {
      const key = (b: { address: bigint; usable: number; state: number }) => `${b.address}:${b.usable}:${b.state}`;
      expect(smallAll.map(key).sort()).toEqual(all.map(key).sort());
      expect(small.heap!.used).toEqual(j.heap!.used);
      expect(small.heap!.free).toEqual(j.heap!.free);
      expect(small.heap!.bySignature.slice(0, 20).map((g) => [g.size, g.offsets, g.count])).toEqual(j.heap!.bySignature.slice(0, 20).map((g) => [g.size, g.offsets, g.count]));
    });

    it("agrees with glibc's own view (gdb with libc debug symbols) on arenas, tcache and fastbin chunks", async ({ skip }) => {
      const g = await gdbHeapTruth(fx.exe, fx.core);
      if ('unavailable' in g) return skip(`gdb oracle unavailable: ${g.unavailable}`);
      const h = j.heap!;
      expect(BigInt(h.mainArena!)).toBe(BigInt(g.mainArena));
      expect(h.arenas.map((a) => BigInt(a.address))).toEqual(g.arenas.map((a) => BigInt(a.address)));
      expect(h.arenas.map((a) => a.topSize)).toEqual(g.arenas.map((a) => a.topSize));
      const ws = BigInt(fx.truth.wordSize);
      const ours = (state: number) => all.filter((b) => b.state === state).map((b) => b.address - 2n * ws).sort((a, b) => (a < b ? -1 : 1));
      const theirs = (lists: string[][][]) => lists.flat(2).map((x) => BigInt(x)).sort((a, b) => (a < b ? -1 : 1));
      expect(ours(3)).toEqual(theirs(g.threads.map((t) => t.tcacheEntries)));
      expect(ours(4)).toEqual(theirs(g.arenas.map((a) => a.fastbins)));
      expect(ours(2)).toEqual(theirs(g.arenas.map((a) => [a.bins.chunks])));
      expect(h.tcaches.map((t) => BigInt(t.address)).sort()).toEqual(g.threads.filter((t) => t.tcache).map((t) => BigInt(t.tcache!)).sort());
    });

    it('finds every thread tcache', () => {
      const h = j.heap!;
      expect(h.tcaches.length).toBe(fx.truth.threads);
      expect(h.meta.count).toBe(fx.truth.threads);
    });
  });
}

describe('seed 002 program: census by type, size and signature', () => {
  let j: AnalysisJSON;
  let fx: Dumped<{ N: number; vtableA: string; wordSize: number }>;
  beforeAll(async () => {
    fx = await dumpFixture(await buildFixture('seed002.cpp'));
    j = await analyzeFile(fx.core, [fx.exe]);
  });

  it('names A by its vtable, × N', () => {
    const a = j.heap!.byType.find((t) => t.type === 'A');
    expect(a?.count).toBe(fx.truth.N);
    expect(a?.kind).toBe('vtable');
    expect(BigInt(a!.value)).toBe(BigInt(fx.truth.vtableA));
    expect(j.heap!.byType[0].type).toBe('A');
  });

  it('counts malloc(48), malloc(80) and the B blocks × N each', () => {
    const ws = fx.truth.wordSize;
    // usable size of malloc(req): the chunk is req + one word rounded to 16, at least MINSIZE
    const size = (req: number) => Math.max(ws === 8 ? 32 : 16, (req + ws + 15) & ~15) - ws;
    const bySize = (u: number) => j.heap!.bySize.find((s) => s.size === u)?.count ?? 0;
    expect(bySize(size(48))).toBeGreaterThanOrEqual(fx.truth.N);
    expect(bySize(size(80))).toBeGreaterThanOrEqual(fx.truth.N);
    // A (vtable + B*) and B (empty) share a size but not a signature.
    const sig = (u: number, offs: number[]) => j.heap!.bySignature.find((s) => s.size === u && JSON.stringify(s.offsets) === JSON.stringify(offs));
    expect(sig(size(1), [0, ws])?.count).toBe(fx.truth.N);
    expect(sig(size(1), [])?.count).toBeGreaterThanOrEqual(fx.truth.N);
    const aSig = sig(size(1), [0, ws])!;
    expect(aSig.targets[0]).toMatchObject({ offset: 0, label: 'rodata' });
    expect(aSig.targets[0].symbol).toMatch(/^vtable for A/);
    expect(aSig.targets[1]).toMatchObject({ offset: ws, label: 'heap' });
  });
});
