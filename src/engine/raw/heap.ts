// glibc chunk walk on a raw dump. A dump has no main_arena to start from, so the walk is
// attempted only where the dump starts at a known chunk boundary:
//   - the start of the main heap: [heap]'s start per the maps (the sbrk base), first chunk aligned;
//   - a non-main arena heap: a heap_info at the start (aligned to HEAP_MAX_SIZE), the first
//     chunk after heap_info (and after the arena's malloc_state in an arena's first heap);
//   - a dump that starts with a tcache_perthread_struct chunk (the first chunk glibc ≥ 2.26
//     puts in a heap), when no maps say otherwise;
//   - the first chunk the user gives (--first-chunk).
// The walk itself is the core's (planHeap/finishHeap machinery: one region, exact start).
// Without main_arena and the threads' TLS, tcache and fastbin chunks — free, but marked in
// use — cannot be told from used blocks: they are counted as used (and said so). The top
// chunk is the arena's when its malloc_state is in the dump, else the last chunk when it ends
// exactly at the heap's end.
import type { OpenedCore } from '../analyze';
import type { Diagnostic } from '../errors';
import { hex } from '../format';
import type { CoreMemory } from '../elf/core';
import { type GlibcHeap, type GlibcLayout, alignUpChunk, stateSizeOf } from '../heap/glibc';
import type { HeapPlan, HeapResult, RawHeapInfo } from '../heap/heap';
import { type Region, heapMaxSizeOf, regionAt } from '../memmap';

const ALIGN = 16;

/** Details of the regions no map describes: the whole dump when no map is given, and parts of it the map misses. */
export const NO_MAP_DETAIL = 'raw dump';
export const GAP_DETAIL = 'in the dump, not in the maps given';

/** The region holding `at` is known from a map (its end is a mapping's end). */
const mapped = (r: Region | undefined) => !!r && r.detail !== NO_MAP_DETAIL && r.detail !== GAP_DETAIL;

interface Start {
  first: bigint;
  hi: bigint;
  /** The heap's end is not known (no map): hi is the dump's end, chunks may run past it. */
  openEnd?: boolean;
  foundBy: string;
  top?: bigint;
  layout?: { stateHeader: number; nFastbins: number; heapInfoSize: number };
}

export interface RawHeapPlan extends HeapPlan {
  rawStart: Start;
}

const minChunkOf = (ws: number) => (4 * ws + ALIGN - 1) & ~(ALIGN - 1);

/** Where user space ends (x86-64 4-level paging; i386): a chunk running past the dump cannot run past this. */
const userSpaceEnd = (ws: number) => (ws === 8 ? 1n << 47n : 1n << 32n);

/** True when `steps` sane chunk headers follow one another from `at` (or the chain reaches `hi` or the end of the bytes). */
async function chainAt(mem: CoreMemory, at: bigint, hi: bigint, ws: 4 | 8, steps = 8, openEnd = false): Promise<boolean> {
  const W = BigInt(ws);
  const min = BigInt(minChunkOf(ws));
  let p = at;
  for (let k = 0; k < steps; k++) {
    if (p + 2n * W > hi) return k > 0;
    const sw = await mem.word(p + W);
    if (sw === undefined) return k > 0;
    const size = sw & ~7n;
    if (size === 2n * W && k > 0) return true; // a fencepost: the heap ends here
    // A chunk that ends exactly at `hi` is the last (the top; 8 mod 16 bytes on 32-bit).
    if ((sw & 2n) !== 0n || size < min || (size % BigInt(ALIGN) !== 0n && p + size !== hi)) return false;
    // Past `hi`: only a later chunk of a heap whose end is open (it runs past the dump's end), within user space.
    if (p + size > hi) return openEnd && k > 0 && p + size <= userSpaceEnd(ws);
    p += size;
  }
  return true;
}

/** The end of the run of contiguous regions with r's label. */
function runEnd(regions: Region[], r: Region): bigint {
  let end = r.end;
  for (let i = r.index + 1; i < regions.length && regions[i].label === r.label && regions[i].start === end; i++) end = regions[i].end;
  return end;
}

function runStart(regions: Region[], r: Region): bigint {
  let start = r.start;
  for (let i = r.index - 1; i >= 0 && regions[i].label === r.label && regions[i].end === start; i--) start = regions[i].start;
  return start;
}

/** A heap_info at `at`: the arena's heap, its first chunk, and the arena's top when its malloc_state is there. */
async function fromHeapInfo(mem: CoreMemory, at: bigint, ws: 4 | 8, dumpEnd: bigint): Promise<Start | undefined> {
  const W = BigInt(ws);
  const max = heapMaxSizeOf(ws);
  if (at % max !== 0n) return undefined;
  const [ar, prev, size] = [await mem.word(at), await mem.word(at + W), await mem.word(at + 2n * W)];
  if (ar === undefined || prev === undefined || size === undefined) return undefined;
  if (size < 4096n || size > max || size % 4096n !== 0n) return undefined;
  const hi = at + size;
  if (prev === 0n && ar > at && ar <= at + 8n * W) {
    // The arena's first heap: heap_info, then malloc_state, then the chunks. The layout is the
    // one under which a chain of chunks follows the state — and, when the arena's top is in
    // this heap (its newest), reaches it.
    const layouts = (ws === 8 ? [16, 8] : [12, 8]).flatMap((stateHeader) => (ws === 8 ? [10] : [11, 10]).map((nFastbins) => ({ stateHeader, nFastbins })));
    let fallback: Start | undefined;
    for (const { stateHeader, nFastbins } of layouts) {
      const first = alignUpChunk(ar + BigInt(stateSizeOf(ws, stateHeader, nFastbins)), ws, ALIGN);
      const top = await mem.word(ar + BigInt(stateHeader + nFastbins * ws));
      const layout = { stateHeader, nFastbins, heapInfoSize: Number(ar - at) };
      const foundBy = `heap_info at the start (the first heap of arena ${hex(ar)}, its malloc_state in the dump)`;
      if (top !== undefined && top >= first && top < hi) {
        if (top === first || (await chainAt(mem, first, top, ws))) return { first, hi, top, foundBy, layout };
      } else if (!fallback && (await chainAt(mem, first, hi < dumpEnd ? hi : dumpEnd, ws))) fallback = { first, hi, foundBy, layout };
    }
    return fallback;
  }
  if (prev !== 0n && prev % max === 0n && ar !== 0n) {
    // A later heap of an arena: the chunks start right after heap_info (48 bytes since glibc 2.35 on 64-bit, 32 before).
    for (const k of [6, 5, 4]) {
      const first = alignUpChunk(at + BigInt(k) * W, ws, ALIGN);
      if (await chainAt(mem, first, hi < dumpEnd ? hi : dumpEnd, ws)) return { first, hi, foundBy: `heap_info at the start (a later heap of arena ${hex(ar)})` };
    }
  }
  return undefined;
}

/** Where to walk the dump's heap from; undefined (with a diagnostic saying why) when it cannot be walked. */
export async function planRawHeap(o: OpenedCore, diagnostics: Diagnostic[]): Promise<RawHeapPlan | undefined> {
  const t0 = performance.now();
  const raw = o.raw!;
  const ws = o.core.wordSize;
  const W = BigInt(ws);
  const mem = o.memory;
  const regions = o.map.regions;
  const { base, end } = raw;
  const no = (message: string) => {
    diagnostics.push({ level: 'info', code: 'raw.no-heap-walk', message: `no heap walk: ${message}` });
    return undefined;
  };
  let start: Start | undefined;
  const at = regionAt(regions, base);
  if (raw.firstChunk !== undefined) {
    const c = raw.firstChunk;
    if (c < base || c + 2n * W > end) return no(`the first chunk given, ${hex(c)}, is not inside the dump ${hex(base)}–${hex(end)}`);
    if ((c + 2n * W) % BigInt(ALIGN) !== 0n) return no(`the first chunk given, ${hex(c)}, is not a chunk address (chunk + ${2 * ws} must be a multiple of ${ALIGN}; malloc's pointer − ${2 * ws} is the chunk)`);
    const r = regionAt(regions, c);
    if (!mapped(r)) start = { first: c, hi: end, openEnd: true, foundBy: '--first-chunk' };
    else start = { first: c, hi: r!.label === 'heap' || r!.label === 'arena' ? runEnd(regions, r!) : r!.end, foundBy: '--first-chunk' };
    if (!(await chainAt(mem, c, start.hi, ws, 8, start.openEnd))) {
      return no(`the first chunk given, ${hex(c)} (file offset ${c - base}), does not start a chain of chunk headers (sizes aligned, in-use bits sane, inside the heap): it is not a chunk boundary`);
    }
  } else if (at?.label === 'heap') {
    const heapStart = runStart(regions, at);
    if (base !== heapStart) {
      return no(`the dump starts at ${hex(base)}, ${hex(base - heapStart)} bytes into [heap] (${hex(heapStart)}–${hex(runEnd(regions, at))}), not at a chunk boundary: chunks can be walked only from the heap's start. Dump from ${hex(heapStart)}, or give --first-chunk ADDR`);
    }
    const first = alignUpChunk(base, ws, ALIGN);
    const hi = runEnd(regions, at);
    if (!(await chainAt(mem, first, hi, ws))) {
      return no(`[heap] starts at ${hex(base)}, but no chain of chunk headers starts at ${hex(first)} (a static program keeps its TLS there before the first chunk): give --first-chunk ADDR`);
    }
    start = { first, hi, foundBy: '[heap] start in the maps (the sbrk base)' };
  } else {
    start = await fromHeapInfo(mem, base, ws, end);
    if (!start) {
      const first = alignUpChunk(base, ws, ALIGN);
      const sw = await mem.word(first + W);
      const size = sw === undefined ? 0n : sw & ~7n;
      // tcache_perthread_struct chunk sizes: u16 counts (glibc ≥ 2.30) or u8 counts (2.26–2.29).
      const tcacheSizes = [64 * 2 + 64 * ws + ws, 64 + 64 * ws + ws].map((n) => BigInt((n + ALIGN - 1) & ~(ALIGN - 1)));
      const open = !mapped(at);
      const hi = open || !at ? end : at.end;
      if ((!at || at.label === 'anon') && sw !== undefined && (sw & 7n) === 1n && tcacheSizes.includes(size) && (await chainAt(mem, first, hi, ws, 8, open))) {
        start = { first, hi, ...(open ? { openEnd: true } : {}), foundBy: 'a tcache_perthread_struct chunk at the start (the first chunk of a glibc heap)' };
      }
    }
    if (!start) {
      if (at?.label === 'arena') return no(`the dump starts at ${hex(base)}, inside the arena heap ${hex(runStart(regions, at))}–${hex(runEnd(regions, at))}, not at its heap_info: chunks can be walked only from a heap's start. Dump from ${hex(runStart(regions, at))}, or give --first-chunk ADDR`);
      return no(
        `the dump does not start at a known chunk boundary (${o.raw?.maps ? 'not the [heap] start per the maps, ' : ''}no heap_info, no tcache_perthread_struct at ${hex(base)}); ` +
          `give --maps with the [heap] line when the dump starts there, or --first-chunk ADDR`,
      );
    }
  }
  const layout: GlibcLayout = {
    wordSize: ws, stateHeader: start.layout?.stateHeader ?? 0, nFastbins: start.layout?.nFastbins ?? 0,
    stateSize: start.layout ? stateSizeOf(ws, start.layout.stateHeader, start.layout.nFastbins) : 0, heapInfoSize: start.layout?.heapInfoSize ?? 0,
    alignment: ALIGN, tcacheStructChunkSize: BigInt((64 * 2 + 64 * ws + ws + ALIGN - 1) & ~(ALIGN - 1)), tcacheCountBytes: 2,
  };
  const g: GlibcHeap = { layout, mainArena: 0n, arenas: [], tcaches: [], freeInLists: new Map(), meta: new Set(), diagnostics: [] };
  return {
    g, t0, freeListsKnown: false, rawStart: start,
    regions: [{ id: 0, lo: start.first, hi: start.hi, top: start.top ?? 0n, mmapped: false, arena: 0, what: `heap ${hex(start.first)}–${hex(start.hi)} (raw dump)`, topUnknown: start.top === undefined, ...(start.openEnd ? { maxEnd: userSpaceEnd(ws) } : {}) }],
  };
}

/** Checks the walk (it must reach the top, the heap's end or the dump's end) and says how it went; undefined when it broke. */
export async function settleRawHeap(o: OpenedCore, plan: RawHeapPlan, heap: HeapResult, diagnostics: Diagnostic[]): Promise<HeapResult | undefined> {
  const { base, end } = o.raw!;
  const w = heap.walks[0];
  const s = plan.rawStart;
  const off = (a: bigint) => Number(a - base);
  const broke = (message: string, at?: bigint) => {
    diagnostics.push({ level: 'warning', code: 'raw.heap-walk-broke', message: `no heap section: ${message}`, ...(at !== undefined && at >= base && at < end ? { offset: off(at) } : {}) });
    return undefined;
  };
  if (w?.firstCorrupt === s.first) return broke(`the first chunk, ${hex(s.first)} (file offset ${off(s.first)}; ${s.foundBy}), holds no valid chunk header: it is not a chunk boundary`, s.first);
  if (!w || (w.chunks === 0 && w.top === undefined && s.top !== s.first)) return broke(`no chunk could be walked from ${hex(s.first)} (${s.foundBy})`, s.first);
  if (w.stop === 'corrupt' || w.stop === 'no-sync') {
    return broke(`the chunk walk from ${hex(s.first)} (${s.foundBy}) broke at ${hex(w.exit)} (file offset ${off(w.exit)}): no plausible chunk header after a corrupt one`, w.exit);
  }
  let ended: string;
  let top = s.top;
  let topSize: bigint | undefined;
  if (w.top !== undefined) {
    top = w.top;
    topSize = w.topSize;
    ended = 'top chunk (the last chunk, ending exactly at the heap\'s end)';
  } else if (w.stop === 'top') {
    ended = "top chunk (from the arena's malloc_state)";
    const sw = top !== undefined ? await o.memory.word(top + BigInt(o.core.wordSize)) : undefined;
    if (sw !== undefined) topSize = sw & ~7n;
  } else if (w.stop === 'end-marker') ended = "end of the heap (glibc's fencepost)";
  else if (w.exit > end && w.last !== undefined) ended = `end of the dump (the last chunk, ${hex(w.last)}, runs past it: its state is unknown, counted as used)`;
  else if (w.exit + 2n * BigInt(o.core.wordSize) > end) ended = 'end of the dump';
  else ended = "end of the heap";
  const info: RawHeapInfo = { firstChunk: s.first, foundBy: s.foundBy, end: s.hi, ended, ...(top !== undefined ? { top, topSize } : {}), freeListsKnown: false };
  heap.raw = info;
  heap.mainArena = undefined;
  heap.mp = undefined;
  heap.layout = undefined;
  heap.safeLinking = undefined;
  diagnostics.push({
    level: 'info', code: 'raw.heap-walked',
    message:
      `heap walked from ${hex(s.first)} (${s.foundBy}) to ${hex(w.top ?? w.exit)}: ${w.chunks} chunks, ended at the ${ended}. ` +
      "Without main_arena and the threads' TLS (a raw dump has neither), tcache and fastbin chunks — free, but marked in use — are counted as used blocks, and so is the tcache_perthread_struct",
  });
  return heap;
}
