// Heap walk kernel: glibc chunks, read from the dump's bytes as they stream by, region by
// region in address order. Each chunk becomes a 32-byte record in a table kept in this
// module's memory (for later analyses), then records are classified (used / free / metadata)
// and aggregated by size, by (size, pointer signature) and by first word (type).
//
// Record layout (32 bytes): addr u64 | word0 u64 | mask u64 | size u32 | flags u32
//   mask: bit i set when user word i (i < 64) is a valid pointer (aligned, inside a mapping)
//   flags: STATE (bits 0-2) | INUSE 8 | MMAPPED 16 | NONMAIN 32 | W0IMAGE 64 | arena << 16
import { memAlloc, memEnsure, memSetTop } from "./mem";
import { findRange, rangesSet } from "./ranges";

const REC: usize = 32;
export const ST_USED: u32 = 1;
export const ST_FREE: u32 = 2; // in a bin (next chunk's PREV_INUSE clear)
export const ST_TCACHE: u32 = 3;
export const ST_FASTBIN: u32 = 4;
export const ST_META: u32 = 5; // allocator metadata (tcache_perthread_struct)
const F_INUSE: u32 = 8;
const F_MMAPPED: u32 = 16;
const F_NONMAIN: u32 = 32;
const F_W0IMAGE: u32 = 64;

let ws: u32 = 8;
let align: u64 = 16;
let minChunk: u64 = 32;
let rangeFlags: usize = 0;

// An mmapped chunk starts this far into its mapping so that its user pointer is aligned
// (8 bytes on i386: two 4-byte words before a 16-aligned pointer); prev_size holds it.
let mmapShift: u64 = 0;

let recs: usize = 0;
let recCap: u32 = 0;
let recLen: u32 = 0;
let recFull: bool = false;
/** At most this many records (a budget the host sets; the table's growth stops there too). */
let recMax: u32 = 0xffffffff;

export function heapInit(rp: usize, nr: i32, flagsPtr: usize, wordSize: u32, alignment: u32, minChunkSize: u32): bool {
  ws = wordSize;
  align = <u64>alignment;
  minChunk = <u64>minChunkSize;
  mmapShift = (align - ((<u64>wordSize << 1) % align)) % align;
  rangesSet(rp, nr);
  rangeFlags = flagsPtr;
  recLen = 0;
  recFull = false;
  recMax = 0xffffffff;
  recCap = 1 << 16;
  recs = memAlloc(<usize>recCap * REC);
  return recs != 0;
}


@inline function word(p: usize): u64 {
  return ws == 8 ? load<u64>(p) : <u64>load<u32>(p);
}


// ---- walking a piece ---------------------------------------------------------------
// A piece is the part of one heap region inside one span of the file. Chunks that start
// before pieceEnd belong to it; the bytes given may run past pieceEnd (a tail) to finish the
// last chunk. When the piece's first chunk is not known (the span starts mid-region), the
// walk starts at the first position from which a chain of sane chunk headers follows; the
// engine checks that guess against the previous piece's exit and walks again if it was wrong.

const F_UNKNOWN: u32 = 128; // the next header was not in the bytes given: in-use bit unknown
const F_PARTIAL: u32 = 256; // the signature covers only the words given
const F_INVALID: u32 = 512; // dropped by the engine (a wrong guess of chunk boundaries)

let pEntry: u64 = 0;
let pExit: u64 = 0;
let pRec0: u32 = 0;
let pFirstPrevInUse: u32 = 2;
let pStop: u32 = 0; // 1 top, 2 end marker, 3 region end, 4 corrupt, 5 no sync, 6 table full, 7 piece end, 8 bytes end
let corruptCount: u32 = 0;
let firstCorrupt: u64 = 0;

let rEnd: u64 = 0;
let rTop: u64 = 0;
let rMm: bool = false;
let rMax: u64 = 0; // not 0: the region may go on past regionEnd (where the bytes end): chunks may run past it, up to rMax

/** A chunk [at, at + size) that ends past the region (past rMax when the region's end is open); no overflow. */
function runsPast(at: u64, size: u64): bool {
  return size > rEnd - at && (rMax == 0 || size > rMax - at);
}

/** Size of a sane header at `at` (0 if not sane). */
function saneSize(buf: usize, bAddr: u64, bEnd: u64, at: u64): u64 {
  const W = <u64>ws;
  if (at < bAddr || at + (W << 1) > bEnd) return 0;
  const sw = word(buf + <usize>(at + W - bAddr));
  const size = sw & ~(<u64>7);
  if (rMm) {
    const prev = word(buf + <usize>(at - bAddr));
    if ((sw & 2) == 0 || prev != mmapShift || size < minChunk || ((size + prev) & 4095) != 0 || at + size > rEnd) return 0;
    return size;
  }
  // A chunk ending exactly at the region's end is its last (the top: on 32-bit its size is 8 mod 16).
  if ((sw & 2) != 0 || size < minChunk || ((size & (align - 1)) != 0 && at + size != rEnd) || runsPast(at, size)) return 0;
  return size;
}

/** True when `steps` sane headers follow one another from `at` (or the chain reaches top, the region end or the bytes' end). */
function chainFrom(buf: usize, bAddr: u64, bEnd: u64, at: u64, steps: i32): bool {
  let p = at;
  for (let k = 0; k < steps; k++) {
    if (p == rTop || p + (<u64>ws << 1) > rEnd || p + (<u64>ws << 1) > bEnd) return k > 0;
    const s = saneSize(buf, bAddr, bEnd, p);
    if (s == 0) return false;
    p += rMm ? s + mmapShift : s;
  }
  return true;
}

/** First position in [from, limit) that starts a chain of sane headers, or 0. */
function resync(buf: usize, bAddr: u64, bEnd: u64, from: u64, limit: u64): u64 {
  if (rMm) {
    let p = ((from - mmapShift + 4095) & ~(<u64>4095)) + mmapShift;
    for (; p < limit; p += 4096) if (chainFrom(buf, bAddr, bEnd, p, 2)) return p;
    return 0;
  }
  let p = (from + align - 1) & ~(align - 1);
  for (; p < limit; p += align) if (chainFrom(buf, bAddr, bEnd, p, 8)) return p;
  return 0;
}

/** Caps the chunk table at `n` records (after heapInit): a walk that would need more stops as when memory is full. */
export function heapSetMaxRecords(n: u32): void {
  recMax = n;
}

function pushRecord(at: u64, size: u64, w0: u64, mask: u64, flags: u32, arena: u32): void {
  if (recLen >= recMax) {
    recFull = true;
    return;
  }
  if (recLen >= recCap) {
    // The table is the last allocation: grow it in place.
    const cap = recCap << 1;
    if (!memEnsure(recs + <usize>cap * REC)) {
      recFull = true;
      return;
    }
    memSetTop(recs + <usize>cap * REC);
    recCap = cap;
  }
  const r = recs + <usize>recLen * REC;
  store<u64>(r, at);
  store<u64>(r, w0, 8);
  store<u64>(r, mask, 16);
  store<u32>(r, size > 0xffffffff ? 0xffffffff : <u32>size, 24);
  store<u32>(r, flags | (arena << 16), 28);
  recLen++;
}

/**
 * Walks the chunks of one piece. `buf` holds the bytes [bAddr, bAddr + len). With `exact`
 * the first chunk is at `start` (a mapping start for mmapped regions); otherwise it is
 * guessed from `start` on. Results: heapPieceEntry/Exit/Stop/FirstPrevInUse and the records
 * appended since heapPieceRecord0(). Returns the number of chunks recorded.
 */
export function heapWalkPiece(buf: usize, len: usize, bAddr: u64, start: u64, exact: bool, pieceEnd: u64, regionEnd: u64, top: u64, mmapped: bool, arena: u32, maxEnd: u64): u32 {
  const W = <u64>ws;
  const bEnd = bAddr + <u64>len;
  rEnd = regionEnd;
  rTop = top;
  rMm = mmapped;
  rMax = mmapped ? 0 : maxEnd;
  pRec0 = recLen;
  pStop = 0;
  pFirstPrevInUse = 2;
  corruptCount = 0;
  firstCorrupt = 0;
  let cur: u64 = exact ? (mmapped ? start + mmapShift : start) : resync(buf, bAddr, bEnd, start, pieceEnd);
  pEntry = cur;
  if (cur == 0) {
    pExit = 0;
    pStop = 5;
    return 0;
  }
  if (cur >= bAddr && cur + (W << 1) <= bEnd) pFirstPrevInUse = <u32>(word(buf + <usize>(cur + W - bAddr)) & 1);
  while (true) {
    if (recFull) {
      pStop = 6;
      break;
    }
    if (cur >= pieceEnd) {
      pStop = 7;
      break;
    }
    if (cur == top) {
      pStop = 1;
      break;
    }
    if (cur + (W << 1) > regionEnd) {
      pStop = 3;
      break;
    }
    if (cur < bAddr || cur + (W << 1) > bEnd) {
      pStop = 8;
      break;
    }
    const sw = word(buf + <usize>(cur + W - bAddr));
    const size = sw & ~(<u64>7);
    const isMm = (sw & 2) != 0;
    if (mmapped) {
      if (saneSize(buf, bAddr, bEnd, cur) == 0) {
        pStop = 3;
        break;
      }
    } else {
      if (size == 0 && (sw & 1) != 0) {
        // glibc's final fencepost: the end of this heap.
        pStop = 2;
        break;
      }
      if (size == (W << 1)) {
        // A fencepost chunk (2 words) before the end of an old heap.
        cur += size;
        continue;
      }
      // A chunk ending exactly at the region's end is its last: the top chunk when the walk does
      // not know it (raw dumps), whose size on 32-bit is 8 mod 16.
      if (size < minChunk || ((size & (align - 1)) != 0 && cur + size != regionEnd) || runsPast(cur, size) || isMm) {
        corruptCount++;
        if (firstCorrupt == 0) firstCorrupt = cur;
        const p = resync(buf, bAddr, bEnd, cur + align, pieceEnd);
        if (p == 0) {
          pStop = 4;
          break;
        }
        cur = p;
        continue;
      }
    }
    let flags: u32 = (isMm ? F_MMAPPED : 0) | ((sw & 4) != 0 ? F_NONMAIN : 0);
    const usable = isMm ? size - (W << 1) : size - W;
    const nw = usable / W;
    const words: u32 = nw > 64 ? 64 : <u32>nw;
    const base = cur + (W << 1);
    let w0: u64 = 0;
    let mask: u64 = 0;
    for (let i: u32 = 0; i < words; i++) {
      const a = base + <u64>i * W;
      if (a + W > bEnd) {
        flags |= F_PARTIAL;
        break;
      }
      const v = word(buf + <usize>(a - bAddr));
      if (i == 0) {
        w0 = v;
        const r = findRange(v);
        if (r >= 0 && load<u8>(rangeFlags + <usize>r) != 0) flags |= F_W0IMAGE;
      }
      if ((v & (W - 1)) == 0 && findRange(v) >= 0) mask |= (<u64>1) << i;
    }
    if (isMm) flags |= F_INUSE;
    else {
      const nh = cur + size + W;
      if (nh + W <= bEnd) {
        if ((word(buf + <usize>(nh - bAddr)) & 1) != 0) flags |= F_INUSE;
      } else if (nh + W > regionEnd && rMax == 0) flags |= F_INUSE;
      else flags |= F_UNKNOWN;
    }
    pushRecord(cur, size, w0, mask, flags, arena);
    // The next mmapped chunk (adjacent mappings merge into one region) sits past its own shift.
    cur += isMm ? size + mmapShift : size;
  }
  pExit = cur;
  return recLen - pRec0;
}

export function heapPieceEntry(): u64 {
  return pEntry;
}
export function heapPieceExit(): u64 {
  return pExit;
}
export function heapPieceStop(): u32 {
  return pStop;
}
export function heapPieceFirstPrevInUse(): u32 {
  return pFirstPrevInUse;
}
export function heapPieceRecord0(): u32 {
  return pRec0;
}
export function heapCorruptCount(): u32 {
  return corruptCount;
}
export function heapFirstCorrupt(): u64 {
  return firstCorrupt;
}
export function heapRecords(): usize {
  return recs;
}
export function heapRecordCount(): u32 {
  return recLen;
}
export function heapTableFull(): bool {
  return recFull;
}

/** Drops records [r0, r1) (a piece walked from a wrong guess). */
export function heapInvalidate(r0: u32, r1: u32): void {
  for (let i = r0; i < r1 && i < recLen; i++) {
    const r = recs + <usize>i * REC;
    store<u32>(r, (load<u32>(r, 28) & ~(<u32>7)) | F_INVALID, 28);
  }
}

/** Settles a record's unknown in-use bit (from the next chunk's PREV_INUSE). */
export function heapSetInUse(i: u32, inUse: bool): void {
  const r = recs + <usize>i * REC;
  const f = load<u32>(r, 28) & ~F_UNKNOWN;
  store<u32>(r, inUse ? f | F_INUSE : f & ~F_INUSE, 28);
}

// ---- classification ------------------------------------------------------------------

function contains(sorted: usize, n: u32, v: u64): i32 {
  let lo: i32 = 0;
  let hi: i32 = <i32>n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = load<u64>(sorted + (<usize>mid << 3));
    if (x == v) return mid;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Sets each record's state. `lists` (sorted chunk addresses, with kinds ST_TCACHE or
 * ST_FASTBIN at `kinds`) are free chunks that look in use; `meta` (sorted) are allocator
 * metadata chunks.
 */
export function heapClassify(lists: usize, kinds: usize, nLists: u32, meta: usize, nMeta: u32): void {
  for (let i: u32 = 0; i < recLen; i++) {
    const r = recs + <usize>i * REC;
    const a = load<u64>(r);
    let f = load<u32>(r, 28) & ~(<u32>7);
    if ((f & F_INVALID) != 0) continue;
    let st: u32;
    if ((f & F_INUSE) == 0) st = ST_FREE;
    else if ((f & F_MMAPPED) != 0) st = ST_USED;
    else {
      const k = contains(lists, nLists, a);
      if (k >= 0) st = <u32>load<u8>(kinds + <usize>k);
      else st = contains(meta, nMeta, a) >= 0 ? ST_META : ST_USED;
    }
    store<u32>(r, f | st, 28);
  }
}

// ---- aggregation ---------------------------------------------------------------------
// Totals per state (count, usable bytes) and per arena; groups of used blocks by size, by
// (size, signature) and by first word. Groups are open-addressing tables of 64-byte entries:
// key1 u64 | key2 u64 | count u64 | bytes u64 | 4 example addresses.

const G: usize = 64;
let stats: usize = 0; // 8 states × (count u64, bytes u64) + 256 arenas × 4 states × ... (see heapAggregate)
let gSize: usize = 0;
let gSizeCap: u32 = 0;
let gSizeLen: u32 = 0;
let gSig: usize = 0;
let gSigCap: u32 = 0;
let gSigLen: u32 = 0;
let gType: usize = 0;
let gTypeCap: u32 = 0;
let gTypeLen: u32 = 0;
let sigOverflow: u64 = 0;

@inline function usableOf(size: u64, flags: u32): u64 {
  return (flags & F_MMAPPED) != 0 ? size - (<u64>ws << 1) : size - <u64>ws;
}

function mix(a: u64, b: u64): u64 {
  let h = a * 0x9e3779b97f4a7c15 ^ (b + 0x632be59bd9b4e019 + (a << 6) + (a >> 2));
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  return h;
}

/** Adds a block to a group table; returns false when the table is full and the key new. */
function groupAdd(t: usize, cap: u32, len: usize, k1: u64, k2: u64, bytes: u64, addr: u64): i32 {
  const mask = cap - 1;
  let i = <u32>(mix(k1, k2) >> 32) & mask;
  while (true) {
    const e = t + <usize>i * G;
    const c = load<u64>(e, 16);
    if (c == 0) {
      if (load<u32>(len) * 10 >= cap * 7) return -1;
      store<u64>(e, k1);
      store<u64>(e, k2, 8);
      store<u64>(e, 1, 16);
      store<u64>(e, bytes, 24);
      store<u64>(e, addr, 32);
      store<u32>(len, load<u32>(len) + 1);
      return 1;
    }
    if (load<u64>(e) == k1 && load<u64>(e, 8) == k2) {
      store<u64>(e, c + 1, 16);
      store<u64>(e, load<u64>(e, 24) + bytes, 24);
      if (c < 4) store<u64>(e + 32 + <usize>c * 8, addr);
      return 0;
    }
    i = (i + 1) & mask;
  }
}

let lenCell: usize = 0;

/**
 * Aggregates the classified records. Group tables hold up to 0.7 × 2^log2 entries each;
 * blocks of signature groups past that are counted in heapSigOverflow().
 * Stats layout at heapStats(): for state s in 0..7: count u64, bytes u64 (chunk bytes u64 after) —
 * 24 bytes per state; then per arena a (0..255) and state s in 0..7: count u64, bytes u64.
 */
/**
 * Marks leaked used blocks: `addrs` (sorted user addresses) with kinds (2 a leak's top, 3
 * indirect) at `kinds`. Used by heapAggregate(…, leaked = true).
 */
export function heapMarkLeaks(addrs: usize, kinds: usize, n: u32): void {
  for (let i: u32 = 0; i < recLen; i++) {
    const r = recs + <usize>i * REC;
    let f = load<u32>(r, 28) & ~(<u32>(3 << 10));
    if ((f & 7) == ST_USED && (f & F_INVALID) == 0) {
      const user = load<u64>(r) + (<u64>ws << 1);
      const k = contains(addrs, n, user);
      if (k >= 0) f |= <u32>load<u8>(kinds + <usize>k) << 10;
    }
    store<u32>(r, f, 28);
  }
}

/** mode 0: used blocks; 1: leaked blocks (after heapMarkLeaks); 2: leak tops only; 3: indirectly leaked only. */
export function heapAggregate(sizeLog2: u32, sigLog2: u32, typeLog2: u32, mode: u32): bool {
  const leaked = mode != 0;
  gSizeCap = 1 << sizeLog2;
  gSigCap = 1 << sigLog2;
  gTypeCap = 1 << typeLog2;
  gSizeLen = 0;
  gSigLen = 0;
  gTypeLen = 0;
  sigOverflow = 0;
  const statsBytes: usize = 8 * 24 + 256 * 8 * 16;
  stats = memAlloc(statsBytes);
  gSize = memAlloc(<usize>gSizeCap * G);
  gSig = memAlloc(<usize>gSigCap * G);
  gType = memAlloc(<usize>gTypeCap * G);
  lenCell = memAlloc(16);
  if (stats == 0 || gSize == 0 || gSig == 0 || gType == 0 || lenCell == 0) return false;
  memory.fill(stats, 0, statsBytes);
  memory.fill(gSize, 0, <usize>gSizeCap * G);
  memory.fill(gSig, 0, <usize>gSigCap * G);
  memory.fill(gType, 0, <usize>gTypeCap * G);
  for (let i: u32 = 0; i < recLen; i++) {
    const r = recs + <usize>i * REC;
    const a = load<u64>(r);
    const size = <u64>load<u32>(r, 24);
    const f = load<u32>(r, 28);
    if ((f & F_INVALID) != 0) continue;
    // In leak mode the 'state' is the leak kind (2 top, 3 indirect) and only leaked blocks count.
    const st = leaked ? (f >> 10) & 3 : f & 7;
    if (leaked && (st == 0 || (mode >= 2 && st != mode))) continue;
    const usable = usableOf(size, f);
    const s = stats + <usize>st * 24;
    store<u64>(s, load<u64>(s) + 1);
    store<u64>(s, load<u64>(s, 8) + usable, 8);
    store<u64>(s, load<u64>(s, 16) + size, 16);
    const arena = (f >> 16) & 255;
    const pa = stats + 8 * 24 + (<usize>arena * 8 + <usize>st) * 16;
    store<u64>(pa, load<u64>(pa) + 1);
    store<u64>(pa, load<u64>(pa, 8) + size, 8);
    if (!leaked && st != ST_USED) continue;
    store<u32>(lenCell, gSizeLen);
    groupAdd(gSize, gSizeCap, lenCell, usable, size, usable, a);
    gSizeLen = load<u32>(lenCell);
    store<u32>(lenCell, gSigLen);
    if (groupAdd(gSig, gSigCap, lenCell, usable, load<u64>(r, 16), usable, a) < 0) sigOverflow++;
    gSigLen = load<u32>(lenCell);
    if ((f & F_W0IMAGE) != 0) {
      store<u32>(lenCell, gTypeLen);
      groupAdd(gType, gTypeCap, lenCell, load<u64>(r, 8), 0, usable, a);
      gTypeLen = load<u32>(lenCell);
    }
  }
  return true;
}

export function heapStats(): usize {
  return stats;
}
export function heapGroups(which: u32): usize {
  return which == 0 ? gSize : which == 1 ? gSig : gType;
}
export function heapGroupCap(which: u32): u32 {
  return which == 0 ? gSizeCap : which == 1 ? gSigCap : gTypeCap;
}
export function heapSigOverflow(): u64 {
  return sigOverflow;
}
