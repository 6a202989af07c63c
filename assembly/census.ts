// Word census kernel: a histogram of pointer-sized words over the bytes it is given.
//
// Three tables, each with a stated precision:
//  - small values (< 65536, zero included): a direct array of u64 counters, exact;
//  - values inside a mapping (the range table given at init): exact. They are appended to a
//    buffer; a full buffer is radix-sorted, run-length counted and merged into a sorted
//    accumulator of (value, count). Sequential passes instead of a hash table's random
//    probes: the accumulator is also the sorted run the host merges across workers. Past
//    accMax entries the accumulator is "saturated": further new values go to the bounded
//    table below (the host reports how many words that was);
//  - every other value: a bounded frequent-items summary (Misra–Gries with batched
//    decrements). A value's true count lies in [count, count + mgDecrement]; mgDecrement
//    is at most 2N / capacity for N words offered to it.
import { memAlloc, memEnsure, memSetTop } from "./mem";
import { findRange, nRanges, rangesMax, rangesMin, rangesSet } from "./ranges";

const SMALL: u32 = 65536;
const GOLDEN: u64 = 0x9e3779b97f4a7c15;
const DIGIT_BITS: u32 = 13;
const DIGITS: u32 = 1 << DIGIT_BITS;

let wordSize: u32 = 8;

let smallPtr: usize = 0;

// Pointer buffer, radix scratch, run counts.
let pbuf: usize = 0;
let pbufCap: u32 = 0;
let pbufLen: u32 = 0;
let pscratch: usize = 0;
let pcounts: usize = 0;
let phist: usize = 0;
// Accumulator: keys at acc, counts at acc + accCap * 8; the last allocation, so it grows in place.
let acc: usize = 0;
let accCap: u32 = 0;
let accLen: u32 = 0;
let accMax: u32 = 0;
let accSaturated: bool = false;

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
 * Prepares the census. `rp` holds `nr` (start, end) u64 pairs, sorted and disjoint. The
 * accumulator is allocated last so that it can grow in place at the end of the heap: the
 * host must allocate every other buffer (input slice, ranges) before calling this.
 * Returns false when memory for the tables cannot be had.
 */
export function censusInit(rp: usize, nr: i32, ws: u32, bufLog2: u32, accMax_: u32, mgLog2_: u32): bool {
  wordSize = ws;
  rangesSet(rp, nr);
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

  pbufCap = 1 << bufLog2;
  pbufLen = 0;
  pbuf = memAlloc(<usize>pbufCap << 3);
  pscratch = memAlloc(<usize>pbufCap << 3);
  pcounts = memAlloc(<usize>pbufCap << 2);
  phist = memAlloc(<usize>DIGITS * 8 * 4);
  if (pbuf == 0 || pscratch == 0 || pcounts == 0 || phist == 0) return false;

  accMax = accMax_;
  accSaturated = false;
  accLen = 0;
  accCap = 1 << 16;
  acc = memAlloc(<usize>accCap * 12);
  return acc != 0;
}

@inline function hashOf(k: u64, log2: u32): u32 {
  return <u32>((k * GOLDEN) >> (64 - log2));
}


// ---- pointer values: buffer → sorted runs → accumulator ----------------------------

/** LSD radix sort of n u64 keys at src (scratch at dst), on the bits that vary. Returns where they end up. */
function radixSort(src: usize, dst: usize, n: u32): usize {
  if (n < 2) return src;
  let andAll: u64 = 0xffffffffffffffff;
  let orAll: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const k = load<u64>(src + (<usize>i << 3));
    andAll &= k;
    orAll |= k;
  }
  const diff = andAll ^ orAll;
  if (diff == 0) return src;
  const lo = <u32>ctz(diff);
  const hi: u32 = 64 - <u32>clz(diff);
  const passes: u32 = (hi - lo + DIGIT_BITS - 1) / DIGIT_BITS;
  memory.fill(phist, 0, <usize>DIGITS * passes * 4);
  for (let i: u32 = 0; i < n; i++) {
    const k = load<u64>(src + (<usize>i << 3));
    for (let p: u32 = 0; p < passes; p++) {
      const a = phist + (<usize>(p * DIGITS + (<u32>(k >> (lo + p * DIGIT_BITS)) & (DIGITS - 1))) << 2);
      store<u32>(a, load<u32>(a) + 1);
    }
  }
  let s = src;
  let d = dst;
  for (let p: u32 = 0; p < passes; p++) {
    const h = phist + (<usize>(p * DIGITS) << 2);
    let sum: u32 = 0;
    for (let b: u32 = 0; b < DIGITS; b++) {
      const a = h + (<usize>b << 2);
      const c = load<u32>(a);
      store<u32>(a, sum);
      sum += c;
    }
    const shift = lo + p * DIGIT_BITS;
    for (let i: u32 = 0; i < n; i++) {
      const k = load<u64>(s + (<usize>i << 3));
      const a = h + (<usize>(<u32>(k >> shift) & (DIGITS - 1)) << 2);
      const pos = load<u32>(a);
      store<u32>(a, pos + 1);
      store<u64>(d + (<usize>pos << 3), k);
    }
    const t = s;
    s = d;
    d = t;
  }
  return s;
}

@inline function accKey(i: u32): u64 {
  return load<u64>(acc + (<usize>i << 3));
}
@inline function accCountAddr(i: u32): usize {
  return acc + (<usize>accCap << 3) + (<usize>i << 2);
}

/** Grows the accumulator in place to hold `need` entries. */
function accReserve(need: u32): bool {
  if (need <= accCap) return true;
  if (need > accMax) return false;
  let cap = accCap;
  while (cap < need) cap = cap > 0x40000000 ? 0xffffffff : cap << 1;
  if (cap > accMax) cap = accMax;
  if (!memEnsure(acc + <usize>cap * 12)) return false;
  memSetTop((acc + <usize>cap * 12 + 15) & ~(<usize>15));
  // Move the counts up to their new place (keys stay).
  memory.copy(acc + (<usize>cap << 3), acc + (<usize>accCap << 3), <usize>accLen << 2);
  accCap = cap;
  return true;
}

/** Sorts the buffer, counts its runs and merges them into the accumulator. */
function flushPointers(): void {
  const n = pbufLen;
  pbufLen = 0;
  if (n == 0) return;
  const sorted = radixSort(pbuf, pscratch, n);
  // Run-length: unique keys in place at `sorted`, their counts at pcounts.
  let m: u32 = 0;
  let prev = load<u64>(sorted);
  let run: u32 = 1;
  for (let i: u32 = 1; i < n; i++) {
    const k = load<u64>(sorted + (<usize>i << 3));
    if (k == prev) {
      run++;
      continue;
    }
    store<u64>(sorted + (<usize>m << 3), prev);
    store<u32>(pcounts + (<usize>m << 2), run);
    m++;
    prev = k;
    run = 1;
  }
  store<u64>(sorted + (<usize>m << 3), prev);
  store<u32>(pcounts + (<usize>m << 2), run);
  m++;
  mergeIntoAcc(sorted, pcounts, m);
}

/** Merges m (key, count) entries sorted by key, keys unique, into the accumulator. */
function mergeIntoAcc(keys: usize, counts: usize, m: u32): void {
  // How many keys are new to the accumulator.
  let fresh: u32 = 0;
  let i: u32 = 0;
  for (let j: u32 = 0; j < m; j++) {
    const k = load<u64>(keys + (<usize>j << 3));
    while (i < accLen && accKey(i) < k) i++;
    if (i >= accLen || accKey(i) != k) fresh++;
  }
  if (accSaturated || !accReserve(accLen + fresh)) {
    // Saturated: known values keep exact counts; new ones go to the bounded summary.
    accSaturated = true;
    i = 0;
    for (let j: u32 = 0; j < m; j++) {
      const k = load<u64>(keys + (<usize>j << 3));
      const c = load<u32>(counts + (<usize>j << 2));
      while (i < accLen && accKey(i) < k) i++;
      if (i < accLen && accKey(i) == k) {
        const a = accCountAddr(i);
        store<u32>(a, load<u32>(a) + c);
      } else {
        overflowWords += c;
        mgAdd(k, c);
      }
    }
    return;
  }
  // Merge from the back into the accumulator's free tail.
  let ai: i64 = <i64>accLen - 1;
  let bj: i64 = <i64>m - 1;
  let o: i64 = <i64>(accLen + fresh) - 1;
  while (bj >= 0) {
    const bk = load<u64>(keys + (<usize>bj << 3));
    const bc = load<u32>(counts + (<usize>bj << 2));
    if (ai >= 0) {
      const ak = accKey(<u32>ai);
      if (ak > bk) {
        store<u64>(acc + (<usize>o << 3), ak);
        store<u32>(accCountAddr(<u32>o), load<u32>(accCountAddr(<u32>ai)));
        ai--;
        o--;
        continue;
      }
      if (ak == bk) {
        store<u64>(acc + (<usize>o << 3), ak);
        store<u32>(accCountAddr(<u32>o), load<u32>(accCountAddr(<u32>ai)) + bc);
        ai--;
        bj--;
        o--;
        continue;
      }
    }
    store<u64>(acc + (<usize>o << 3), bk);
    store<u32>(accCountAddr(<u32>o), bc);
    bj--;
    o--;
  }
  accLen += fresh;
}

@inline function addPointer(v: u64, c: u32): void {
  // Runs were already collapsed by the caller; repeat the value c times in the buffer
  // only when short, else flush-merge it directly as its own run.
  if (c == 1) {
    store<u64>(pbuf + (<usize>pbufLen << 3), v);
    if (++pbufLen == pbufCap) flushPointers();
    return;
  }
  for (let i: u32 = 0; i < c; i++) {
    store<u64>(pbuf + (<usize>pbufLen << 3), v);
    if (++pbufLen == pbufCap) flushPointers();
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

@inline function offer(v: u64, c: u32): void {
  if (v < <u64>SMALL) {
    const a = smallPtr + (<usize>v << 3);
    store<u64>(a, load<u64>(a) + c);
    return;
  }
  if (v >= rangesMin && v < rangesMax && findRange(v) >= 0) {
    pointerWords += c;
    addPointer(v, c);
    return;
  }
  otherWords += c;
  mgAdd(v, c);
}

/**
 * Counts the words in [p, p + len). len is a multiple of the word size; p is word aligned in
 * the dump. Runs of one value (fill patterns, zeroed pages) are counted once per run.
 */
export function censusRun(p: usize, len: usize): void {
  if (len == 0) return;
  const zeros = wordSize == 8 ? countWords<u64>(p, p + len) : countWords<u32>(p, p + len);
  totalWords += <u64>(len / wordSize);
  store<u64>(smallPtr, load<u64>(smallPtr) + zeros);
}

/** The words of type T in [p, end): runs of equal values offered once; returns the zeros. */
function countWords<T>(p: usize, end: usize): u64 {
  let zeros: u64 = 0;
  let prev: u64 = 0;
  let run: u32 = 0;
  for (let a = p; a < end; a += sizeof<T>()) {
    const v = <u64>load<T>(a);
    if (v == 0) {
      zeros++;
      continue;
    }
    if (v == prev) {
      run++;
      continue;
    }
    if (run != 0) offer(prev, run);
    prev = v;
    run = 1;
  }
  if (run != 0) offer(prev, run);
  return zeros;
}

// ---- results -------------------------------------------------------------------

export function censusSmallPtr(): usize {
  return smallPtr;
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
  return accSaturated;
}

/** Flushes pending pointer words; the accumulator then holds every in-mapping value, sorted. Returns their number. */
export function censusSortPtr(): u32 {
  flushPointers();
  return accLen;
}
export function censusSortedKeys(): usize {
  return acc;
}
export function censusSortedCounts(): usize {
  return acc + (<usize>accCap << 3);
}

/** Range index of each of the n sorted keys (monotone, so the last-range cache hits). */
export function censusSortedRanges(out: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<i32>(out + (<usize>i << 2), findRange(accKey(i)));
}

/** Index of the first accumulator entry whose key is ≥ pivot. */
export function censusLowerBound(pivot: u64): u32 {
  let lo: u32 = 0;
  let hi: u32 = accLen;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (accKey(mid) < pivot) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Keeps only accumulator entries [lo, hi): this worker's partition of the key space. */
export function censusKeep(lo: u32, hi: u32): void {
  const n = hi - lo;
  if (lo > 0 && n > 0) {
    memory.copy(acc, acc + (<usize>lo << 3), <usize>n << 3);
    memory.copy(accCountAddr(0), accCountAddr(lo), <usize>n << 2);
  }
  accLen = n;
}

/** Merges another worker's sorted run (unique keys ascending, counts) into this accumulator. */
export function censusMergeRun(keys: usize, counts: usize, m: u32): void {
  if (m > 0) mergeIntoAcc(keys, counts, m);
}

/**
 * Per range: words pointing into it and distinct values, as u64 pairs at out (nRanges × 16 bytes).
 */
export function censusRangeTotals(out: usize): void {
  memory.fill(out, 0, <usize>nRanges << 4);
  for (let i: u32 = 0; i < accLen; i++) {
    const r = findRange(accKey(i));
    if (r < 0) continue;
    const a = out + (<usize>r << 4);
    store<u64>(a, load<u64>(a) + <u64>load<u32>(accCountAddr(i)));
    store<u64>(a, load<u64>(a, 8) + 1, 8);
  }
}

// Top-k selection over the accumulator: a min-heap of entry indices ordered by count, ties
// to the smaller value (so results do not depend on the merge order).
let heapPtr: usize = 0;
let heapLen: u32 = 0;

@inline function before(a: u32, b: u32): bool {
  // true when entry a ranks below entry b
  const ca = load<u32>(accCountAddr(a));
  const cb = load<u32>(accCountAddr(b));
  return ca < cb || (ca == cb && accKey(a) > accKey(b));
}

function heapDown(i: u32): void {
  for (;;) {
    const l: u32 = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heapLen && before(load<u32>(heapPtr + (<usize>l << 2)), load<u32>(heapPtr + (<usize>m << 2)))) m = l;
    if (r < heapLen && before(load<u32>(heapPtr + (<usize>r << 2)), load<u32>(heapPtr + (<usize>m << 2)))) m = r;
    if (m == i) return;
    const t = load<u32>(heapPtr + (<usize>i << 2));
    store<u32>(heapPtr + (<usize>i << 2), load<u32>(heapPtr + (<usize>m << 2)));
    store<u32>(heapPtr + (<usize>m << 2), t);
    i = m;
  }
}

function heapUp(i: u32): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    const a = load<u32>(heapPtr + (<usize>i << 2));
    const b = load<u32>(heapPtr + (<usize>p << 2));
    if (!before(a, b)) return;
    store<u32>(heapPtr + (<usize>i << 2), b);
    store<u32>(heapPtr + (<usize>p << 2), a);
    i = p;
  }
}

/**
 * Writes the indices of the k most frequent values, most frequent first, at out (u32 each)
 * and returns how many. With `flags` non-zero, only values whose range has a non-zero byte
 * in flags[range] and which are multiples of `align` are considered.
 */
export function censusTopPtr(k: u32, out: usize, flags: usize, align: u32): u32 {
  heapPtr = out;
  heapLen = 0;
  if (k == 0) return 0;
  const mask = <u64>(align > 0 ? align - 1 : 0);
  for (let i: u32 = 0; i < accLen; i++) {
    if (heapLen == k && !before(load<u32>(heapPtr), i)) continue;
    if (flags != 0) {
      const key = accKey(i);
      if ((key & mask) != 0) continue;
      const r = findRange(key);
      if (r < 0 || load<u8>(flags + <usize>r) == 0) continue;
    }
    if (heapLen < k) {
      store<u32>(heapPtr + (<usize>heapLen << 2), i);
      heapLen++;
      heapUp(heapLen - 1);
    } else {
      store<u32>(heapPtr, i);
      heapDown(0);
    }
  }
  // Pop ascending into the tail: the array ends up most frequent first.
  const n = heapLen;
  while (heapLen > 1) {
    const last = heapLen - 1;
    const t = load<u32>(heapPtr);
    store<u32>(heapPtr, load<u32>(heapPtr + (<usize>last << 2)));
    store<u32>(heapPtr + (<usize>last << 2), t);
    heapLen = last;
    heapDown(0);
  }
  return n;
}

export function censusAccLen(): u32 {
  return accLen;
}
export function censusAccKey(i: u32): u64 {
  return accKey(i);
}
export function censusAccCount(i: u32): u32 {
  return load<u32>(accCountAddr(i));
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
