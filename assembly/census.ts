// Word census kernel: a histogram of pointer-sized words over the bytes it is given.
//
// Three tables, each with a stated precision:
//  - small values (< 65536, zero included): a direct array of u64 counters, exact;
//  - values inside a mapping (the range table given at init): an open-addressing hash
//    table, exact, growing up to 2^ptMaxLog2 slots; past that the table is "saturated"
//    and further new values go to the bounded table below (the host reports how many);
//  - every other value: a bounded frequent-items summary (Misra–Gries with batched
//    decrements). A value's true count lies in [count, count + mgDecrement]; mgDecrement
//    is at most 2N / capacity for N words offered to it.
import { memAlloc, memEnsure, memTop, memSetTop } from "./mem";

const SMALL: u32 = 65536;
const GOLDEN: u64 = 0x9e3779b97f4a7c15;

let wordSize: u32 = 8;
let nRanges: i32 = 0;
let rangesPtr: usize = 0;
let minAddr: u64 = 0;
let maxAddr: u64 = 0;
let lastIdx: i32 = -1;
let lastLo: u64 = 1;
let lastHi: u64 = 0;

let smallPtr: usize = 0;

let ptLog2: u32 = 0;
let ptMaxLog2: u32 = 0;
let ptSlots: u32 = 0;
let ptMask: u32 = 0;
let ptUsed: u32 = 0;
let ptLimit: u32 = 0;
let ptKeys: usize = 0;
let ptCounts: usize = 0;
let ptSaturated: bool = false;

let mgLog2: u32 = 0;
let mgSlots: u32 = 0;
let mgMask: u32 = 0;
let mgUsed: u32 = 0;
let mgLimit: u32 = 0;
let mgKeys: usize = 0;
let mgCounts: usize = 0;
let mgScratchKeys: usize = 0;
let mgScratchCounts: usize = 0;
let mgSelect: usize = 0;
let mgDecrement: u64 = 0;

let totalWords: u64 = 0;
let pointerWords: u64 = 0;
let otherWords: u64 = 0;
let overflowWords: u64 = 0;

/**
 * Prepares the census. `rp` holds `nr` (start, end) u64 pairs, sorted and disjoint.
 * The exact table is allocated last so that it can grow in place at the end of the heap:
 * the host must allocate every other buffer (input slice, ranges) before calling this.
 * Returns false when memory for the tables cannot be had.
 */
export function censusInit(rp: usize, nr: i32, ws: u32, ptInitLog2: u32, ptMaxLog2_: u32, mgLog2_: u32): bool {
  wordSize = ws;
  rangesPtr = rp;
  nRanges = nr;
  minAddr = nr > 0 ? load<u64>(rp) : 1;
  maxAddr = nr > 0 ? load<u64>(rp + (<usize>(nr - 1) << 4) + 8) : 0;
  lastIdx = -1;
  lastLo = 1;
  lastHi = 0;
  totalWords = 0;
  pointerWords = 0;
  otherWords = 0;
  overflowWords = 0;

  smallPtr = memAlloc(<usize>SMALL << 3);
  if (smallPtr == 0) return false;
  memory.fill(smallPtr, 0, <usize>SMALL << 3);

  mgLog2 = mgLog2_;
  mgSlots = 1 << mgLog2;
  mgMask = mgSlots - 1;
  mgLimit = mgSlots >> 1;
  mgUsed = 0;
  mgDecrement = 0;
  mgKeys = memAlloc(<usize>mgSlots << 3);
  mgCounts = memAlloc(<usize>mgSlots << 2);
  mgScratchKeys = memAlloc(<usize>mgLimit << 3);
  mgScratchCounts = memAlloc(<usize>mgLimit << 2);
  mgSelect = memAlloc(<usize>mgLimit << 2);
  if (mgKeys == 0 || mgCounts == 0 || mgScratchKeys == 0 || mgScratchCounts == 0 || mgSelect == 0) return false;
  memory.fill(mgKeys, 0, <usize>mgSlots << 3);
  memory.fill(mgCounts, 0, <usize>mgSlots << 2);

  ptMaxLog2 = ptMaxLog2_;
  ptLog2 = ptInitLog2;
  ptSlots = 1 << ptLog2;
  ptMask = ptSlots - 1;
  ptLimit = <u32>((<u64>ptSlots * 7) / 10);
  ptUsed = 0;
  ptSaturated = false;
  const bytes = <usize>ptSlots * 12;
  ptKeys = memAlloc(bytes);
  if (ptKeys == 0) return false;
  ptCounts = ptKeys + (<usize>ptSlots << 3);
  memory.fill(ptKeys, 0, bytes);
  return true;
}

@inline function hashOf(k: u64, log2: u32): u32 {
  return <u32>((k * GOLDEN) >> (64 - log2));
}

/** Index of the range holding v, or -1. */
export function findRange(v: u64): i32 {
  if (v >= lastLo && v < lastHi) return lastIdx;
  let lo: i32 = 0;
  let hi: i32 = nRanges - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const a = rangesPtr + (<usize>mid << 4);
    const s = load<u64>(a);
    if (v < s) {
      hi = mid - 1;
    } else {
      const e = load<u64>(a, 8);
      if (v < e) {
        lastIdx = mid;
        lastLo = s;
        lastHi = e;
        return mid;
      }
      lo = mid + 1;
    }
  }
  return -1;
}

function ptGrow(): bool {
  if (ptLog2 >= ptMaxLog2) {
    ptSaturated = true;
    return false;
  }
  const oldKeys = ptKeys;
  const oldCounts = ptCounts;
  const oldSlots = ptSlots;
  const newLog2 = ptLog2 + 1;
  const newSlots: u32 = 1 << newLog2;
  const newBytes = <usize>newSlots * 12;
  // The table is the last allocation: build the new one right after it, then slide it down.
  const base = memTop();
  if (!memEnsure(base + newBytes)) {
    ptSaturated = true;
    return false;
  }
  const nk = base;
  const nc = base + (<usize>newSlots << 3);
  memory.fill(nk, 0, newBytes);
  const mask = newSlots - 1;
  for (let i: u32 = 0; i < oldSlots; i++) {
    const k = load<u64>(oldKeys + (<usize>i << 3));
    if (k == 0) continue;
    let j = hashOf(k, newLog2);
    while (load<u64>(nk + (<usize>j << 3)) != 0) j = (j + 1) & mask;
    store<u64>(nk + (<usize>j << 3), k);
    store<u32>(nc + (<usize>j << 2), load<u32>(oldCounts + (<usize>i << 2)));
  }
  memory.copy(oldKeys, nk, newBytes);
  ptKeys = oldKeys;
  ptCounts = oldKeys + (<usize>newSlots << 3);
  memSetTop((oldKeys + newBytes + 15) & ~(<usize>15));
  ptLog2 = newLog2;
  ptSlots = newSlots;
  ptMask = mask;
  ptLimit = <u32>((<u64>newSlots * 7) / 10);
  return true;
}

/** Adds c to k's exact count. False when the table is saturated and k is not in it. */
function ptAdd(k: u64, c: u32): bool {
  let i = hashOf(k, ptLog2);
  while (true) {
    const a = ptKeys + (<usize>i << 3);
    const kk = load<u64>(a);
    if (kk == k) {
      const ca = ptCounts + (<usize>i << 2);
      store<u32>(ca, load<u32>(ca) + c);
      return true;
    }
    if (kk == 0) {
      if (ptUsed >= ptLimit) {
        if (!ptGrow()) return false;
        return ptAdd(k, c);
      }
      store<u64>(a, k);
      store<u32>(ptCounts + (<usize>i << 2), c);
      ptUsed++;
      return true;
    }
    i = (i + 1) & ptMask;
  }
}

// Quickselect: the k-th smallest of n u32 at p (0-based), reorders p.
function selectKth(p: usize, n: u32, k: u32): u32 {
  let lo: u32 = 0;
  let hi: u32 = n - 1;
  while (lo < hi) {
    const pivot = load<u32>(p + (<usize>((lo + hi) >>> 1) << 2));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (load<u32>(p + (<usize>i << 2)) < pivot) i++;
      while (load<u32>(p + (<usize>j << 2)) > pivot) j--;
      if (i <= j) {
        const t = load<u32>(p + (<usize>i << 2));
        store<u32>(p + (<usize>i << 2), load<u32>(p + (<usize>j << 2)));
        store<u32>(p + (<usize>j << 2), t);
        i++;
        if (j == 0) break;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return load<u32>(p + (<usize>k << 2));
}

function mgInsertFresh(k: u64, c: u32): void {
  let i = hashOf(k, mgLog2);
  while (load<u64>(mgKeys + (<usize>i << 3)) != 0) i = (i + 1) & mgMask;
  store<u64>(mgKeys + (<usize>i << 3), k);
  store<u32>(mgCounts + (<usize>i << 2), c);
  mgUsed++;
}

/** One batched decrement: subtract the median count from every entry, drop those at zero. Returns it. */
function mgShrink(): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < mgSlots; i++) {
    const k = load<u64>(mgKeys + (<usize>i << 3));
    if (k == 0) continue;
    const c = load<u32>(mgCounts + (<usize>i << 2));
    store<u64>(mgScratchKeys + (<usize>n << 3), k);
    store<u32>(mgScratchCounts + (<usize>n << 2), c);
    store<u32>(mgSelect + (<usize>n << 2), c);
    n++;
  }
  const d = selectKth(mgSelect, n, n >> 1);
  memory.fill(mgKeys, 0, <usize>mgSlots << 3);
  mgUsed = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u32>(mgScratchCounts + (<usize>i << 2));
    if (c > d) mgInsertFresh(load<u64>(mgScratchKeys + (<usize>i << 3)), c - d);
  }
  mgDecrement += d;
  return d;
}

function mgAdd(k: u64, c: u32): void {
  let i = hashOf(k, mgLog2);
  while (true) {
    const a = mgKeys + (<usize>i << 3);
    const kk = load<u64>(a);
    if (kk == k) {
      const ca = mgCounts + (<usize>i << 2);
      store<u32>(ca, load<u32>(ca) + c);
      return;
    }
    if (kk == 0) break;
    i = (i + 1) & mgMask;
  }
  if (mgUsed >= mgLimit) {
    const d = mgShrink();
    if (c <= d) return;
    c -= d;
  }
  mgInsertFresh(k, c);
}

@inline function offer(v: u64): void {
  if (v < <u64>SMALL) {
    const a = smallPtr + (<usize>v << 3);
    store<u64>(a, load<u64>(a) + 1);
    return;
  }
  if (v >= minAddr && v < maxAddr && findRange(v) >= 0) {
    pointerWords++;
    if (ptAdd(v, 1)) return;
    overflowWords++;
    mgAdd(v, 1);
    return;
  }
  otherWords++;
  mgAdd(v, 1);
}

/** Counts the words in [p, p + len). len is a multiple of the word size; p is word aligned in the dump. */
export function censusRun(p: usize, len: usize): void {
  const end = p + len;
  // Zeros dominate real dumps: count them in a local and keep them off the memory path.
  let zeros: u64 = 0;
  if (wordSize == 8) {
    for (let a = p; a < end; a += 8) {
      const v = load<u64>(a);
      if (v == 0) zeros++;
      else offer(v);
    }
    totalWords += <u64>(len >> 3);
  } else {
    for (let a = p; a < end; a += 4) {
      const v = <u64>load<u32>(a);
      if (v == 0) zeros++;
      else offer(v);
    }
    totalWords += <u64>(len >> 2);
  }
  store<u64>(smallPtr, load<u64>(smallPtr) + zeros);
}

// ---- results -------------------------------------------------------------------

export function censusSmallPtr(): usize {
  return smallPtr;
}
export function censusPtrUsed(): u32 {
  return ptUsed;
}
export function censusMgUsed(): u32 {
  return mgUsed;
}
export function censusMgDecrement(): u64 {
  return mgDecrement;
}
export function censusTotalWords(): u64 {
  return totalWords;
}
export function censusPointerWords(): u64 {
  return pointerWords;
}
export function censusOtherWords(): u64 {
  return otherWords;
}
export function censusOverflowWords(): u64 {
  return overflowWords;
}
export function censusSaturated(): bool {
  return ptSaturated;
}
export function censusTableBytes(): usize {
  return <usize>ptSlots * 12;
}

/** Writes the exact table compactly: keys (u64), counts (u32), range index (i32). Returns the entry count. */
export function censusExportPtr(outKeys: usize, outCounts: usize, outRange: usize): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < ptSlots; i++) {
    const k = load<u64>(ptKeys + (<usize>i << 3));
    if (k == 0) continue;
    store<u64>(outKeys + (<usize>n << 3), k);
    store<u32>(outCounts + (<usize>n << 2), load<u32>(ptCounts + (<usize>i << 2)));
    store<i32>(outRange + (<usize>n << 2), findRange(k));
    n++;
  }
  return n;
}

export function censusExportMg(outKeys: usize, outCounts: usize): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < mgSlots; i++) {
    const k = load<u64>(mgKeys + (<usize>i << 3));
    if (k == 0) continue;
    store<u64>(outKeys + (<usize>n << 3), k);
    store<u32>(outCounts + (<usize>n << 2), load<u32>(mgCounts + (<usize>i << 2)));
    n++;
  }
  return n;
}

// ---- merging another worker's partial census into this one ---------------------

export function censusAbsorbSmall(p: usize): void {
  for (let i: u32 = 0; i < SMALL; i++) {
    const a = smallPtr + (<usize>i << 3);
    store<u64>(a, load<u64>(a) + load<u64>(p + (<usize>i << 3)));
  }
}

export function censusAbsorbPtr(keys: usize, counts: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const k = load<u64>(keys + (<usize>i << 3));
    const c = load<u32>(counts + (<usize>i << 2));
    if (!ptAdd(k, c)) {
      overflowWords += c;
      mgAdd(k, c);
    }
  }
}

export function censusAbsorbMg(keys: usize, counts: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) mgAdd(load<u64>(keys + (<usize>i << 3)), load<u32>(counts + (<usize>i << 2)));
}

/** Adds another part's word totals (their tables are absorbed separately). */
export function censusAbsorbTotals(total: u64, pointers: u64, other: u64, overflow: u64, decrement: u64): void {
  totalWords += total;
  pointerWords += pointers;
  otherWords += other;
  overflowWords += overflow;
  mgDecrement += decrement;
}
