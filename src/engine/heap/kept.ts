// Where malloc's memory is: of what the allocator holds from the system (every arena's system_mem
// plus the mmapped chunks), how much is in used blocks — and of that, leaked — and how much is
// free but kept (in bins, fastbins, the top chunks, the tcaches). When much is kept free, memory
// grows without a leak: freed memory glibc does not give back (fragmentation, a top chunk pinned
// by one live block, one arena per thread), and the fixes differ from a leak's.
import type { AnalysisJSON } from '../analyze';
import { bytes } from '../format';

export interface HeapKept {
  /** Σ arenas' system_mem + the mmapped chunks' mappings: what malloc took from the system. */
  heapBytes: number;
  /** In used blocks: chunk bytes with their headers, the tcache_perthread_structs and the heaps' own headers (mallinfo2's uordblks − tcache + hblkhd). */
  usedBytes: number;
  /** Of those, usable bytes of leaked blocks (when the leaks were computed). */
  leakedBytes?: number;
  /** Free but kept: chunks in the bins, the fastbins and the top chunks (mallinfo2's fordblks), and in the tcaches. */
  free: { bins: number; fastbins: number; top: number; tcache: number; total: number };
  /** free.total / heapBytes. */
  freeShare: number;
  arenas: number;
  threads: number;
  /** Per arena: its system memory and what of it is free (bins + fastbins + top + tcache). */
  perArena: { address: string; main: boolean; systemMem: number; free: number; top: number }[];
  verdict: 'kept free' | 'leaked' | 'in use';
  summary: string;
  /** What to try when the verdict is 'kept free'. */
  hints: string[];
}

const MiB = 1 << 20;

/** Undefined when the heap was not reconstructed (no glibc heap, or a raw dump whose free lists are unknown). */
export function heapKept(j: AnalysisJSON): HeapKept | undefined {
  const h = j.heap;
  if (!h?.found || h.raw || !h.arenas.length) return undefined;
  const arenas = h.arenas;
  const sum = (f: (a: (typeof arenas)[number]) => number) => arenas.reduce((n, a) => n + f(a), 0);
  const system = sum((a) => a.systemMem);
  const free = { bins: sum((a) => a.free.chunkBytes), fastbins: sum((a) => a.fastbin.chunkBytes), top: sum((a) => a.topSize), tcache: sum((a) => a.tcache.chunkBytes), total: 0 };
  free.total = free.bins + free.fastbins + free.top + free.tcache;
  const heapBytes = system + h.mmapped.chunkBytes;
  const usedBytes = heapBytes - free.total;
  const leakedBytes = j.leaks?.leaked.bytes;
  const freeShare = heapBytes ? free.total / heapBytes : 0;
  const perArena = h.arenas.map((a) => ({ address: a.address, main: a.main, systemMem: a.systemMem, free: a.free.chunkBytes + a.fastbin.chunkBytes + a.topSize + a.tcache.chunkBytes, top: a.topSize }));
  const threads = j.threads.length;
  const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 || x > 0.99 ? 1 : 0)}%`;
  const hints: string[] = [];
  let verdict: HeapKept['verdict'] = 'in use';
  let summary: string;
  const leakShare = leakedBytes !== undefined && heapBytes ? leakedBytes / heapBytes : 0;
  if (freeShare >= 0.25 && free.total >= 8 * MiB) {
    verdict = 'kept free';
    const worst = [...perArena].sort((a, b) => b.free - a.free)[0];
    summary = `${bytes(free.total)} of the ${bytes(heapBytes)} malloc holds (${pct(freeShare)}) is free but kept — in bins ${bytes(free.bins)}, fastbins ${bytes(free.fastbins)}, top chunks ${bytes(free.top)}, tcaches ${bytes(free.tcache)} — across ${h.arenas.length} arena(s); the most in ${worst.main ? 'main_arena' : `the arena at ${worst.address}`} (${bytes(worst.free)} of ${bytes(worst.systemMem)}). Memory that grows this way is freed memory glibc did not give back, not a leak`;
    if (free.bins + free.fastbins > free.top) hints.push('malloc_trim(0) gives back the whole free pages inside binned chunks (glibc ≥ 2.8) — call it after a burst, or see whether RSS drops when a debugger calls it');
    if (free.top > 4 * MiB) hints.push('a top chunk is only trimmed above M_TRIM_THRESHOLD (128 KiB by default, raised by the dynamic mmap threshold): set MALLOC_TRIM_THRESHOLD_ (and MALLOC_MMAP_THRESHOLD_ to fix the threshold)');
    if (h.arenas.length > 2) hints.push(`${h.arenas.length} arenas for ${threads} thread(s): each thread arena keeps its own free memory; MALLOC_ARENA_MAX=2 (glibc tunable glibc.malloc.arena_max) caps them`);
  } else if (leakShare >= 0.1) {
    verdict = 'leaked';
    summary = `${bytes(leakedBytes!)} of the ${bytes(heapBytes)} malloc holds (${pct(leakShare)}) is in leaked blocks; free but kept: ${bytes(free.total)} (${pct(freeShare)})`;
  } else {
    summary = `Used blocks hold ${bytes(usedBytes)} of the ${bytes(heapBytes)} malloc holds (${pct(heapBytes ? usedBytes / heapBytes : 0)}); free but kept: ${bytes(free.total)} (${pct(freeShare)})${leakedBytes !== undefined ? `; leaked: ${bytes(leakedBytes)}` : ''}`;
  }
  return { heapBytes, usedBytes, ...(leakedBytes !== undefined ? { leakedBytes } : {}), free, freeShare, arenas: h.arenas.length, threads, perArena, verdict, summary, hints };
}
