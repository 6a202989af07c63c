// The glibc heap oracle (test/helpers/gdb-heap.*): gdb with libc's debug symbols reads the
// allocator's own state from a fresh heapfix core, and it must agree with what the program
// recorded — mallinfo2() taken when nothing allocates any more, and every block it malloc'ed
// and freed. heaplens' symbol-less heap reconstruction is then checked against this oracle.
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';
import { type GdbHeapTruth, gdbHeapTruth, userPointer } from '../helpers/gdb-heap';

interface HeapfixTruth {
  wordSize: 4 | 8;
  threads: number;
  mallinfo2: { arena: number; ordblks: number; smblks: number; hblks: number; hblkhd: number; fsmblks: number; uordblks: number; fordblks: number; keepcost: number };
  live: [string, number][];
  freed: string[];
  maps: string;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

for (const bits of [64, 32] as const) {
  describe(`glibc heap oracle (gdb + libc debug symbols), heapfix ${bits}-bit`, () => {
    let fx: Dumped<HeapfixTruth>;
    let g: GdbHeapTruth | { unavailable: string };
    beforeAll(async () => {
      fx = await dumpFixture<HeapfixTruth>(await buildFixture('heapfix.c', { bits }));
      g = await gdbHeapTruth(fx.exe, fx.core);
      if ('unavailable' in g) console.warn(`[gdb-heap ${bits}-bit] oracle unavailable: ${g.unavailable}`);
    });
    // the 64-bit core is ~500 MB: do not leave it behind
    afterAll(() => {
      if (fx) rmSync(fx.core, { force: true });
    });
    const truth = (skip: (note?: string) => never): GdbHeapTruth => ('unavailable' in g ? skip(g.unavailable) : g);

    it('reads main_arena, mp_ and glibc 2.32+ safe-linking from the core', ({ skip }) => {
      const h = truth(skip);
      expect(h.errors).toEqual([]);
      expect(h.wordSize).toBe(bits / 8);
      expect(h.wordSize).toBe(fx.truth.wordSize);
      expect(h.glibcVersion).toMatch(/^2\.\d+/);
      expect(h.safeLinking).toBe(Number(h.glibcVersion!.split('.')[1]) >= 32);
      expect(h.mainArena).toMatch(/^0x[0-9a-f]+$/);
      expect(h.arenas[0].address).toBe(h.mainArena);
      expect(h.mp.tcache_bins).toBe(64);
      expect(h.mp.tcache_count).toBe(7);
      // [heap] (sbrk_base) is one of the process's mappings
      const sbrk = BigInt(h.mp.sbrk_base);
      const heap = fx.truth.maps.split('\n').find((l) => l.endsWith('[heap]'));
      expect(heap, 'the fixture has a [heap]').toBeDefined();
      expect(BigInt('0x' + heap!.split('-')[0])).toBe(sbrk);
    });

    it('has one arena per thread up to glibc’s arena limit (≥ 4 here)', ({ skip }) => {
      const h = truth(skip);
      // arena_get2: at most NARENAS_FROM_NCORES(nprocs) = nprocs × (4-byte long ? 2 : 8) arenas
      const limit = cpus().length * (bits === 32 ? 2 : 8);
      expect(h.arenas.length).toBeGreaterThanOrEqual(Math.min(4, limit));
      expect(h.arenas.length).toBeLessThanOrEqual(Math.min(fx.truth.threads, limit));
      expect(new Set(h.arenas.map((a) => a.address)).size).toBe(h.arenas.length);
      // a thread arena's newest heap holds its top chunk
      expect(h.arenas[0].heaps).toEqual([]);
      for (const a of h.arenas.slice(1)) {
        const top = BigInt(a.top);
        expect(a.heaps.length, `heaps of arena ${a.address}`).toBeGreaterThan(0);
        expect(top > BigInt(a.heaps[0].start) && top < BigInt(a.heaps[0].start) + BigInt(a.heaps[0].size)).toBe(true);
      }
    });

    it('agrees with mallinfo2() totals', ({ skip }) => {
      const h = truth(skip);
      const mi = fx.truth.mallinfo2;
      const fastCount = sum(h.arenas.map((a) => sum(a.fastbins.map((f) => f.length))));
      expect(h.fastbinChunkCount).toBe(fastCount);
      expect(fastCount).toBe(mi.smblks);
      expect(sum(h.arenas.map((a) => a.fastbinBytes))).toBe(mi.fsmblks);
      expect(sum(h.arenas.map((a) => a.systemMem))).toBe(mi.arena);
      // int_mallinfo counts the top chunk plus every binned chunk as an "ordinary" free block
      expect(sum(h.arenas.map((a) => 1 + a.bins.unsorted + a.bins.small + a.bins.large))).toBe(mi.ordblks);
      for (const a of h.arenas) expect(a.bins.chunks.length).toBe(a.bins.unsorted + a.bins.small + a.bins.large);
      expect(sum(h.arenas.map((a) => a.topSize! + a.binBytes + a.fastbinBytes))).toBe(mi.fordblks);
      expect(mi.uordblks).toBe(mi.arena - mi.fordblks);
      expect(h.arenas[0].topSize).toBe(mi.keepcost);
      expect(h.mp.n_mmaps).toBe(mi.hblks);
      expect(h.mp.mmapped_mem).toBe(mi.hblkhd);
      // the fixture's 2 mmapped blocks per thread
      expect(h.mp.n_mmaps).toBe(2 * fx.truth.threads);
    });

    it("reads every thread's tcache (counts match the lists)", ({ skip }) => {
      const h = truth(skip);
      expect(h.threads.length).toBe(fx.truth.threads);
      expect(new Set(h.threads.map((t) => t.tid)).size).toBe(h.threads.length);
      for (const t of h.threads) {
        expect(t.error, `thread ${t.tid}`).toBeUndefined();
        expect(t.tcache, `thread ${t.tid} has a tcache`).toMatch(/^0x[0-9a-f]+$/);
        expect(t.tcacheEntries.length).toBe(h.mp.tcache_bins);
        expect(t.tcacheEntries.map((l) => l.length)).toEqual(t.counts);
        for (const c of t.counts) expect(c).toBeLessThanOrEqual(h.mp.tcache_count);
      }
      expect(h.tcacheChunkCount).toBe(sum(h.threads.map((t) => sum(t.counts))));
      expect(h.tcacheChunkCount).toBeGreaterThan(0);
      expect(h.fastbinChunkCount).toBeGreaterThan(0);
      // glibc allocates each tcache_perthread_struct with _int_malloc, past the malloc entry
      // point the recorder interposes: the program never saw it, yet it lies in a writable
      // mapping of the process
      // (a freed block's address may be reused by a later thread's tcache: only live ones count)
      const seen = new Set(fx.truth.live.map(([p]) => BigInt(p)));
      const rw = fx.truth.maps
        .split('\n')
        .filter((l) => / rw.p /.test(l))
        .map((l) => l.split(' ')[0].split('-').map((x) => BigInt('0x' + x)));
      for (const t of h.threads) {
        const p = BigInt(t.tcache!);
        expect(seen.has(p), `tcache of ${t.tid} among the recorder's live blocks`).toBe(false);
        expect(rw.some(([s, e]) => p >= s && p < e), `tcache of ${t.tid} mapped rw`).toBe(true);
      }
    });

    it('finds tcache and fastbin chunks among the blocks the program freed, none overlapping a live one', ({ skip }) => {
      const h = truth(skip);
      const live = new Set(fx.truth.live.map(([p]) => BigInt(p)));
      const freed = new Set(fx.truth.freed.map((p) => BigInt(p)));
      const free = [...h.threads.flatMap((t) => t.tcacheEntries.flat()), ...h.arenas.flatMap((a) => a.fastbins.flat())];
      expect(free.length).toBe(h.tcacheChunkCount + h.fastbinChunkCount);
      const inLive = free.filter((c) => live.has(userPointer(c, h.wordSize)));
      // glibc frees chunks itself, past the recorder: when a thread arena moves to a new heap,
      // sysmalloc puts fenceposts at the old heap's end (heap_info start + size, which need not
      // be HEAP_MAX_SIZE: the old heap stops growing when the request does not fit) and
      // _int_frees the old top's remainder, which ends MINSIZE to MINSIZE + 15 bytes below it.
      // Sizes follow from the list: tcache bin i holds i·16 + MINSIZE, fastbin i (i + 2)·2·word bytes.
      const ws = BigInt(h.wordSize);
      const minSize = 4n * ws;
      const oldHeaps = h.arenas.flatMap((a) => a.heaps.slice(1));
      const oldEnds = new Set(oldHeaps.map((x) => BigInt(x.start) + BigInt(x.size)));
      const sized = [
        ...h.threads.flatMap((t) => t.tcacheEntries.flatMap((l, i) => l.map((c) => [c, BigInt(i) * 16n + minSize] as const))),
        ...h.arenas.flatMap((a) => a.fastbins.flatMap((l, i) => l.map((c) => [c, BigInt(i + 2) * 2n * ws] as const))),
      ];
      const oldTop = new Set(
        sized
          .filter(([c, size]) => {
            const end = BigInt(c) + size;
            for (let gap = minSize; gap < minSize + 16n; gap += ws) if (oldEnds.has(end + gap)) return true;
            return false;
          })
          .map(([c]) => c),
      );
      const notFreed = free.filter((c) => !freed.has(userPointer(c, h.wordSize)) && !oldTop.has(c));
      expect(oldTop.size).toBeLessThanOrEqual(oldHeaps.length);
      expect(inLive, 'tcache/fastbin chunks the program holds').toEqual([]);
      // A chunk the program never freed at that address is a piece of a bigger free chunk: malloc
      // split it off (or realloc/memalign gave it back) and moved it to the tcache when it was an
      // exact fit (_int_malloc stashes same-size chunks from the unsorted and small bins). It
      // depends on the threads' timing; what must hold is that none overlaps a block the program holds.
      const liveRanges = fx.truth.live.map(([p, n]) => [BigInt(p), BigInt(p) + BigInt(n)] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      const sizeOf = new Map(sized);
      const overlapsLive = (c: string) => {
        const lo = BigInt(c) + 2n * ws;
        const hi = BigInt(c) + sizeOf.get(c)!;
        let a = 0;
        let b = liveRanges.length;
        while (a < b) {
          const m = (a + b) >> 1;
          if (liveRanges[m][1] <= lo) a = m + 1;
          else b = m;
        }
        return a < liveRanges.length && liveRanges[a][0] < hi;
      };
      expect(notFreed.filter(overlapsLive), 'tcache/fastbin chunks the program never freed that overlap its live blocks').toEqual([]);
      expect(notFreed.length, 'tcache/fastbin chunks the program never freed (split remainders)').toBeLessThanOrEqual(free.length / 10);
      // no chunk is on two free lists
      const all = [...free, ...h.arenas.flatMap((a) => a.bins.chunks)];
      expect(new Set(all).size).toBe(all.length);
      // binned chunks are free too: none is a block the program holds (some are split
      // remainders or merged chunks, whose addresses were never returned by malloc)
      const binnedLive = h.arenas.flatMap((a) => a.bins.chunks).filter((c) => live.has(userPointer(c, h.wordSize)));
      expect(binnedLive).toEqual([]);
    });

    if (bits === 64) {
      it('says unavailable (does not throw) when libc has no debug symbols', async () => {
        const r = await gdbHeapTruth(fx.exe, fx.core, { initCommands: ['set debug-file-directory /nonexistent'] });
        expect(r).toHaveProperty('unavailable');
        expect((r as { unavailable: string }).unavailable).toMatch(/main_arena|malloc/);
      });
    }
  });
}
