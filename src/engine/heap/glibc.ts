// glibc malloc without debug symbols: find main_arena by its shape in libc's writable data,
// follow the arena ring, locate each arena's heaps, mp_, every thread's tcache and the
// fastbins, and decide whether pointers are safe-linked. Small random reads only; the heap
// bytes themselves are walked by the kernels (heap-walk.ts).
//
// Layouts are derived, not assumed per version, and checked against each other: the bins
// array is found by its empty bins pointing at themselves; the struct header before it
// (8 or 16 bytes: have_fastchunks appeared in 2.27), the fastbin count (10 on 64-bit, 11 on
// i386) and sizeof(heap_info) (32 or 48 bytes on 64-bit: pagesize joined it in 2.35) are the
// ones under which the arena ring closes and the heaps line up.
import type { Diagnostic } from '../errors';
import { type CoreMemory } from '../elf/core';
import { hex } from '../format';
import { type MemoryMap, type Region, heapMaxSizeOf, regionAt } from '../memmap';

export interface ArenaHeap {
  /** Start of the heap's mapping (heap_info for thread arenas; the sbrk base for main). */
  start: bigint;
  /** End of the part holding chunks (heap_info.size, or the end of the [heap] mappings). */
  end: bigint;
  firstChunk: bigint;
  /** The region(s) covering it, by index. */
  regions: number[];
}

export interface ArenaInfo {
  index: number;
  address: bigint;
  main: boolean;
  top: bigint;
  topSize: bigint;
  systemMem: bigint;
  next: bigint;
  fastbins: bigint[];
  heaps: ArenaHeap[];
}

export interface TcacheInfo {
  /** User address of the tcache_perthread_struct. */
  address: bigint;
  /** Where it was found: a thread's TLS, or the first chunk of a heap, or by shape. */
  foundBy: string;
  /** Thread ids whose TLS points at it. */
  tids: number[];
  counts: number[];
  /** Chunk addresses per bin. */
  entries: bigint[][];
}

export interface MallocParams {
  address: bigint;
  sbrkBase: bigint;
  nMmaps?: number;
  mmappedMem?: bigint;
  tcacheBins?: number;
  tcacheMaxBytes?: number;
  tcacheCount?: number;
}

export interface GlibcLayout {
  wordSize: 4 | 8;
  /** Bytes before fastbinsY in malloc_state (mutex, flags[, have_fastchunks]). */
  stateHeader: number;
  nFastbins: number;
  stateSize: number;
  heapInfoSize: number;
  alignment: number;
  tcacheStructChunkSize: bigint;
  /** u16 counts (2.30+) or u8 (2.26–2.29). */
  tcacheCountBytes: 1 | 2;
}

export interface GlibcHeap {
  layout: GlibcLayout;
  mainArena: bigint;
  arenas: ArenaInfo[];
  mp?: MallocParams;
  safeLinking?: boolean;
  tcaches: TcacheInfo[];
  /** Chunk addresses of free chunks that look in use: tcache and fastbin members. */
  freeInLists: Map<bigint, 'tcache' | 'fastbin'>;
  /** Chunk addresses of allocator metadata chunks (tcache_perthread_struct). */
  meta: Set<bigint>;
  diagnostics: Diagnostic[];
}

const MAX_ARENAS = 4096;
const MAX_LIST = 1 << 22;

function words(b: Uint8Array, ws: 4 | 8): bigint[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: bigint[] = [];
  for (let o = 0; o + ws <= b.length; o += ws) out.push(ws === 8 ? dv.getBigUint64(o, true) : BigInt(dv.getUint32(o, true)));
  return out;
}

/** The first chunk address at or after `p` whose user pointer (chunk + 2 words) is aligned. */
export function alignUpChunk(p: bigint, ws: number, align: number): bigint {
  const mem = p + BigInt(2 * ws);
  const mis = mem % BigInt(align);
  return mis ? p + BigInt(align) - mis : p;
}

interface Shape {
  bins: bigint;
  base: bigint;
  stateHeader: number;
  nFastbins: number;
}

/** Reads a malloc_state at `base` under a layout. */
async function readArena(mem: CoreMemory, base: bigint, l: Omit<GlibcLayout, 'heapInfoSize' | 'tcacheStructChunkSize' | 'tcacheCountBytes'>) {
  const ws = l.wordSize;
  const b = await mem.read(base, l.stateSize);
  if (!b) return undefined;
  const w = words(b, ws);
  const fb0 = l.stateHeader / ws;
  const fastbins = w.slice(fb0, fb0 + l.nFastbins);
  const topIdx = fb0 + l.nFastbins;
  const binsIdx = topIdx + 2;
  const afterBinmap = binsIdx + 254 + 16 / ws;
  return {
    fastbins,
    top: w[topIdx],
    lastRemainder: w[topIdx + 1],
    next: w[afterBinmap],
    nextFree: w[afterBinmap + 1],
    attachedThreads: w[afterBinmap + 2],
    systemMem: w[afterBinmap + 3],
    maxSystemMem: w[afterBinmap + 4],
  };
}

export function stateSizeOf(ws: number, stateHeader: number, nFastbins: number): number {
  // header, fastbinsY, top, last_remainder, bins[254], binmap (16 bytes), next, next_free,
  // attached_threads, system_mem, max_system_mem
  return stateHeader + (nFastbins + 2 + 254) * ws + 16 + 5 * ws;
}

/** Candidate bins arrays: runs of empty bins whose fd and bk point at the bin itself. */
function findBinsCandidates(data: Uint8Array, start: bigint, ws: 4 | 8): bigint[] {
  const w = words(data, ws);
  const two = BigInt(2 * ws);
  const selfPairs: number[] = [];
  for (let i = 0; i + 1 < w.length; i++) {
    const x = start + BigInt(i * ws);
    if (w[i] === x - two && w[i + 1] === x - two) selfPairs.push(i);
  }
  const isPair = new Set(selfPairs);
  const scores = new Map<number, number>();
  for (const i of selfPairs) {
    for (let k = 0; k < 127; k++) {
      const b = i - 2 * k;
      if (b < 0) break;
      if (!scores.has(b)) {
        let s = 0;
        for (let j = 0; j < 127; j++) if (isPair.has(b + 2 * j)) s++;
        scores.set(b, s);
      }
    }
  }
  return [...scores.entries()]
    .filter(([, s]) => s >= 8)
    .sort((a, b) => b[1] - a[1])
    .map(([i]) => start + BigInt(i * ws));
}

export async function discoverGlibc(map: MemoryMap, mem: CoreMemory, ws: 4 | 8, tls: { tid: number; tp?: bigint }[]): Promise<GlibcHeap | undefined> {
  const diagnostics: Diagnostic[] = [];
  const libc = map.modules.find((m) => /^libc([.-]|\.so)/.test(m.name)) ?? map.modules.find((m) => m.isExecutable);
  if (!libc) return undefined;
  const dataRegions = map.regions.filter((r) => r.module === libc.index && (r.label === 'data' || r.label === 'bss') && r.inCore > 0);
  const heapRegions = map.regions.filter((r) => r.label === 'heap');
  const inHeapish = (a: bigint) => {
    const r = regionAt(map.regions, a);
    return !!r && (r.label === 'heap' || r.label === 'arena');
  };
  const alignment = 16;
  // A thread arena's heaps start HEAP_MAX_SIZE-aligned (2 × DEFAULT_MMAP_THRESHOLD_MAX: 64 MiB,
  // 1 MiB for 32-bit) with a heap_info whose first word is the arena. Full heaps next to each
  // other merge into one mapping (a 32-bit arena of 12 MB is 12 of them), so a mapping's start
  // is not a heap's: heap_for_ptr() is.
  const heapMax = heapMaxSizeOf(ws);
  const heapOf = (a: bigint) => a & ~(heapMax - 1n);
  const heapNames = async (a: bigint, arena: bigint) => a !== 0n && (await mem.word(heapOf(a))) === arena;
  let shape: Shape | undefined;
  let arenaBases: bigint[] = [];
  outer: for (const r of dataRegions) {
    const data = await mem.read(r.start, r.inCore);
    if (!data) continue;
    for (const bins of findBinsCandidates(data, r.start, ws)) {
      for (const stateHeader of ws === 8 ? [16, 8] : [12, 8]) {
        for (const nFastbins of ws === 8 ? [10] : [11, 10]) {
          const base = bins - BigInt(2 * ws + nFastbins * ws + stateHeader);
          const stateSize = stateSizeOf(ws, stateHeader, nFastbins);
          const l = { wordSize: ws, stateHeader, nFastbins, stateSize, alignment };
          const a = await readArena(mem, base, l);
          if (!a || !inHeapish(a.top)) continue;
          // The ring must close within the arena regions.
          const ring: bigint[] = [base];
          let cur = a.next;
          let ok = true;
          while (cur !== base) {
            if (ring.length > MAX_ARENAS || ring.includes(cur)) {
              ok = false;
              break;
            }
            // A thread arena lies in its first heap, and its top in its newest: both heaps' heap_info name it.
            const r2 = regionAt(map.regions, cur);
            if (!r2 || !r2.perms.includes('w') || !(await heapNames(cur, cur))) {
              ok = false;
              break;
            }
            const b = await readArena(mem, cur, l);
            if (!b || !(inHeapish(b.top) || (await heapNames(b.top, cur)))) {
              ok = false;
              break;
            }
            ring.push(cur);
            cur = b.next;
          }
          if (!ok) continue;
          shape = { bins, base, stateHeader, nFastbins };
          arenaBases = ring;
          break outer;
        }
      }
    }
  }
  if (!shape) {
    diagnostics.push({
      level: 'warning', code: 'heap.no-main-arena',
      message: `glibc's main_arena was not found in ${libc.name}'s writable data (no bins array whose empty bins point at themselves, with a top chunk in a heap and a closed arena ring)`,
    });
    return { layout: undefined as never, mainArena: 0n, arenas: [], tcaches: [], freeInLists: new Map(), meta: new Set(), diagnostics };
  }
  const stateSize = stateSizeOf(ws, shape.stateHeader, shape.nFastbins);
  const base = { wordSize: ws, stateHeader: shape.stateHeader, nFastbins: shape.nFastbins, stateSize, alignment };

  // sizeof(heap_info): the offset of a thread arena's malloc_state from its heap's start.
  let heapInfoSize = ws === 8 ? 48 : 32;
  const firstThread = arenaBases.find((b) => b !== shape!.base);
  if (firstThread !== undefined) heapInfoSize = Number(firstThread - heapOf(firstThread));
  // mp_: its sbrk_base is the [heap] start; tcache_bins, tcache_max_bytes, tcache_count follow.
  let mp: MallocParams | undefined;
  if (heapRegions.length) {
    // sbrk_base is the [heap] start, or a little past it in static programs (their TLS block
    // is sbrk'ed first).
    const lo = heapRegions[0].start;
    const hi = lo + 0x10000n;
    for (const r of dataRegions) {
      const data = await mem.read(r.start, r.inCore);
      if (!data) continue;
      const w = words(data, ws);
      for (let i = 0; i + 4 < w.length; i++) {
        if (w[i] < lo || w[i] >= hi) continue;
        const sbrk = w[i];
        const bins = Number(w[i + 1]);
        const maxBytes = Number(w[i + 2]);
        const count = Number(w[i + 3]);
        if (bins > 0 && bins <= 64 && maxBytes > 0 && maxBytes <= 65536 && count <= 65535) {
          // Before sbrk_base: mmapped_mem, max_mmapped_mem; before those, n_mmaps (int), n_mmaps_max, max_n_mmaps, no_dyn_threshold.
          const mmappedMem = i >= 2 ? w[i - 2] : undefined;
          // n_mmaps, n_mmaps_max, max_n_mmaps, no_dyn_threshold: right before mmapped_mem, or
          // 4 bytes earlier where a hole aligns mmapped_mem (64-bit, glibc ≥ 2.35).
          let nMmaps: number | undefined;
          const mmappedAt = r.start + BigInt((i - 2) * ws);
          for (const back of ws === 8 ? [20n, 16n] : [16n]) {
            const ints = await mem.read(mmappedAt - back, 16);
            if (!ints) continue;
            const dv = new DataView(ints.buffer, ints.byteOffset, 16);
            const [n, max, maxN, noDyn] = [0, 4, 8, 12].map((o) => dv.getInt32(o, true));
            if (n >= 0 && n <= maxN && maxN <= max && (noDyn === 0 || noDyn === 1)) {
              nMmaps = n;
              break;
            }
          }
          mp = { address: r.start + BigInt(i * ws), sbrkBase: sbrk, tcacheBins: bins, tcacheMaxBytes: maxBytes, tcacheCount: count, mmappedMem, nMmaps };
          break;
        }
      }
      if (mp) break;
    }
  }
  const tcacheCountBytes: 1 | 2 = 2;
  const tcacheStructBytes = 64 * tcacheCountBytes + 64 * ws;
  const tcacheStructChunkSize = BigInt((tcacheStructBytes + ws + alignment - 1) & ~(alignment - 1));
  const layout: GlibcLayout = { ...base, heapInfoSize, tcacheStructChunkSize, tcacheCountBytes };

  // Arenas and their heaps.
  const arenas: ArenaInfo[] = [];
  for (const [i, addr] of arenaBases.entries()) {
    const a = (await readArena(mem, addr, base))!;
    const main = i === 0;
    const topSize = ((await mem.word(a.top + BigInt(ws))) ?? 0n) & ~7n;
    const heaps: ArenaHeap[] = [];
    if (main) {
      if (heapRegions.length) {
        const start = mp?.sbrkBase ?? heapRegions[0].start;
        let end = heapRegions[0].end;
        const idx = [heapRegions[0].index];
        for (let r = heapRegions[0].index + 1; r < map.regions.length && map.regions[r].label === 'heap' && map.regions[r].start === end; r++) {
          end = map.regions[r].end;
          idx.push(r);
        }
        heaps.push({ start, end, firstChunk: alignUpChunk(start, ws, alignment), regions: idx });
      }
    } else {
      // From the heap holding top back through heap_info.prev.
      let h: bigint | undefined = heapOf(a.top);
      const seen = new Set<bigint>();
      while (h !== undefined && h !== 0n && !seen.has(h) && seen.size < 65536) {
        seen.add(h);
        const hi = await mem.read(h, 4 * ws);
        if (!hi) break;
        const [arPtr, prev, size] = words(hi, ws);
        if (arPtr !== addr) {
          diagnostics.push({ level: 'warning', code: 'heap.bad-heap-info', message: `heap_info at ${hex(h)} names arena ${hex(arPtr)}, expected ${hex(addr)}; stopped following this arena's heaps` });
          break;
        }
        const holdsArena = addr > h && addr < h + size;
        const first = holdsArena ? alignUpChunk(addr + BigInt(stateSize), ws, alignment) : h + BigInt(heapInfoSize);
        const regs = map.regions.filter((r) => r.end > h! && r.start < h! + size && (r.label === 'arena' || r.label === 'anon') && r.perms.includes('w')).map((r) => r.index);
        heaps.unshift({ start: h, end: h + size, firstChunk: first, regions: regs });
        h = prev === 0n ? undefined : prev;
      }
    }
    arenas.push({ index: i, address: addr, main, top: a.top, topSize, systemMem: a.systemMem, next: a.next, fastbins: a.fastbins, heaps });
  }

  const result: GlibcHeap = { layout, mainArena: shape.base, arenas, mp, tcaches: [], freeInLists: new Map(), meta: new Set(), diagnostics };
  await findTcaches(result, map, mem, tls);
  await readFastbins(result, map, mem);
  return result;
}

/** MINSIZE: the smallest chunk (4 words rounded up to the alignment). */
export function minChunk(l: GlibcLayout): number {
  return (4 * l.wordSize + l.alignment - 1) & ~(l.alignment - 1);
}

/** Decodes a safe-linked pointer stored at `at`. */
function reveal(at: bigint, stored: bigint): bigint {
  return (at >> 12n) ^ stored;
}

/** Chunk-sized and aligned inside a heap or arena mapping. */
function plausibleChunk(map: MemoryMap, chunk: bigint, align: number): boolean {
  if (chunk % BigInt(align) !== 0n && (chunk + 8n) % BigInt(align) !== 0n) return false;
  const r = regionAt(map.regions, chunk);
  return !!r && (r.label === 'heap' || r.label === 'arena');
}

/**
 * Follows a singly linked free list. `nextAt(p)` is the address of p's link field; links may
 * be safe-linked. Returns the chunk addresses, or undefined when the list does not hold up
 * (misaligned or outside the heaps, a loop, too long) under this decoding.
 */
async function followList(
  mem: CoreMemory,
  map: MemoryMap,
  head: bigint,
  toChunk: (p: bigint) => bigint,
  linkAt: (p: bigint) => bigint,
  mangled: boolean,
  align: number,
  limit: number,
): Promise<bigint[] | undefined> {
  const out: bigint[] = [];
  const seen = new Set<bigint>();
  let p = head;
  while (p !== 0n) {
    const chunk = toChunk(p);
    if (seen.has(chunk) || out.length >= limit || !plausibleChunk(map, chunk, align)) return undefined;
    seen.add(chunk);
    out.push(chunk);
    const at = linkAt(p);
    const stored = await mem.word(at);
    if (stored === undefined) return undefined;
    p = mangled ? reveal(at, stored) : stored;
  }
  return out;
}

async function findTcaches(h: GlibcHeap, map: MemoryMap, mem: CoreMemory, tls: { tid: number; tp?: bigint }[]): Promise<void> {
  const ws = h.layout.wordSize;
  const W = BigInt(ws);
  const size = h.layout.tcacheStructChunkSize;
  const isTcacheChunk = async (user: bigint) => {
    if (user % 16n !== 0n && (user + 8n) % 16n !== 0n) return false;
    const r = regionAt(map.regions, user);
    if (!r || (r.label !== 'heap' && r.label !== 'arena')) return false;
    const sz = await mem.word(user - W);
    return sz !== undefined && (sz & ~7n) === size;
  };
  const candidates = new Map<bigint, { foundBy: string; tids: number[] }>();
  // 1. Each thread's TLS holds its `tcache` pointer at one fixed offset below the thread pointer.
  const perOffset = new Map<number, Map<bigint, number[]>>();
  for (const t of tls) {
    if (t.tp === undefined) continue;
    const span = 0x1000;
    const b = await mem.read(t.tp - BigInt(span), span);
    if (!b) continue;
    const w = words(b, ws);
    for (let i = 0; i < w.length; i++) {
      if (!(await isTcacheChunk(w[i]))) continue;
      const off = span - i * ws;
      const m = perOffset.get(off) ?? perOffset.set(off, new Map()).get(off)!;
      (m.get(w[i]) ?? m.set(w[i], []).get(w[i])!).push(t.tid);
    }
  }
  const best = [...perOffset.entries()].sort((a, b) => [...b[1].values()].flat().length - [...a[1].values()].flat().length)[0];
  if (best) for (const [addr, tids] of best[1]) candidates.set(addr, { foundBy: `TLS (thread pointer − ${hex(best[0])})`, tids });
  // 2. The first chunk of each heap is the tcache of the first thread that used it.
  for (const a of h.arenas) {
    for (const hp of a.heaps.slice(0, 1)) {
      const user = hp.firstChunk + 2n * W;
      if (!candidates.has(user) && (await isTcacheChunk(user))) candidates.set(user, { foundBy: 'first chunk of a heap', tids: [] });
    }
  }
  await addTcaches(h, map, mem, candidates);
}

/** Validates tcache candidates (counts ≤ tcache_count, each list exactly counts[i] long) and records their entries. */
/**
 * Checks candidate tcache_perthread_structs (user addresses) and takes those whose lists match
 * their counts. A candidate found only by its size (`byShape`) must hold at least one entry: an
 * empty one is indistinguishable from a zeroed block of that size, and its mismatch is no news.
 */
export async function addTcaches(h: GlibcHeap, map: MemoryMap, mem: CoreMemory, candidates: Map<bigint, { foundBy: string; tids: number[]; byShape?: boolean }>): Promise<number> {
  const ws = h.layout.wordSize;
  const W = BigInt(ws);
  const cb = h.layout.tcacheCountBytes;
  const maxCount = h.mp?.tcacheCount ?? 7;
  let added = 0;
  for (const [user, info] of candidates) {
    if (h.tcaches.some((t) => t.address === user)) continue;
    const b = await mem.read(user, 64 * cb + 64 * ws);
    if (!b) continue;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const counts = Array.from({ length: 64 }, (_, i) => (cb === 2 ? dv.getUint16(2 * i, true) : b[i]));
    if (counts.some((c) => c > Math.max(maxCount, 7) * 16)) continue;
    if (info.byShape && counts.every((c) => c === 0)) continue;
    const heads = words(b.subarray(64 * cb), ws);
    const tryMode = async (mangled: boolean) => {
      const entries: bigint[][] = [];
      for (let i = 0; i < 64; i++) {
        if (counts[i] === 0) {
          if (heads[i] !== 0n) return undefined;
          entries.push([]);
          continue;
        }
        const list = await followList(mem, map, heads[i], (p) => p - 2n * W, (p) => p, mangled, h.layout.alignment, counts[i] + 1);
        if (!list || list.length !== counts[i]) return undefined;
        // Every chunk in bin i has the bin's size: i × MALLOC_ALIGNMENT + MINSIZE.
        const want = BigInt(i * h.layout.alignment + minChunk(h.layout));
        for (const c of list) if ((((await mem.word(c + W)) ?? 0n) & ~7n) !== want) return undefined;
        entries.push(list);
      }
      return entries;
    };
    let entries: bigint[][] | undefined;
    const modes = h.safeLinking === undefined ? [true, false] : [h.safeLinking];
    for (const m of modes) {
      entries = await tryMode(m);
      if (entries) {
        if (counts.some((c) => c > 0)) h.safeLinking = m;
        break;
      }
    }
    if (!entries) {
      if (info.byShape) continue;
      h.diagnostics.push({ level: 'warning', code: 'heap.bad-tcache', message: `chunk at ${hex(user - 2n * W)} looks like a tcache (${info.foundBy}) but its lists do not match its counts; not used` });
      continue;
    }
    h.tcaches.push({ address: user, foundBy: info.foundBy, tids: info.tids, counts, entries });
    h.meta.add(user - 2n * W);
    for (const list of entries) for (const c of list) h.freeInLists.set(c, 'tcache');
    added++;
  }
  return added;
}

async function readFastbins(h: GlibcHeap, map: MemoryMap, mem: CoreMemory): Promise<void> {
  const W = BigInt(h.layout.wordSize);
  for (const a of h.arenas) {
    for (const [i, head] of a.fastbins.entries()) {
      if (head === 0n) continue;
      const modes = h.safeLinking === undefined ? [true, false] : [h.safeLinking];
      let list: bigint[] | undefined;
      for (const m of modes) {
        // fastbin heads hold chunk addresses; the link is the chunk's fd (chunk + 2 words).
        list = await followList(mem, map, head, (p) => p, (p) => p + 2n * W, m, h.layout.alignment, MAX_LIST);
        if (list) {
          h.safeLinking ??= m;
          break;
        }
      }
      if (!list) {
        h.diagnostics.push({ level: 'warning', code: 'heap.bad-fastbin', message: `fastbin ${i} of arena ${hex(a.address)} (head ${hex(head)}) is broken (a loop, a chunk outside the heaps or misaligned); its chunks count as in use` });
        continue;
      }
      for (const c of list) h.freeInLists.set(c, 'fastbin');
    }
  }
}

/** Regions that may hold glibc mmapped chunks: anonymous, writable, not a heap or stack. */
export function mmapCandidates(map: MemoryMap): Region[] {
  return map.regions.filter((r) => r.label === 'anon' && r.perms.includes('w') && r.inCore >= 64);
}
