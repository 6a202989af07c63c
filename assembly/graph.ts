// Reference graph kernel: which used block points into which, and which roots (stacks,
// globals, other writable memory) point into blocks; then reachability from the roots.
//
// Lives in the heap walk's instance, after its chunk table. Every worker holds the index of
// used blocks (sorted by user address: start, usable size), scans its spans for words that
// land inside a used block (interior pointers count), and collects block → block edges;
// worker 0 gathers all edges, builds the graph (CSR) and walks it from the roots.
import { memAlloc, memEnsure, memSetTop } from "./mem";
import { heapRecords, heapRecordCount } from "./heap";
import { radixSortPairs } from "./sort";

let ws: u32 = 8;
let gN: u32 = 0;
let gStarts: usize = 0; // u64[n]
let gSizes: usize = 0; // u32[n]
let gMin: u64 = 0;
let gMax: u64 = 0;
let gLast: i32 = -1;

// Block edges (8 bytes: src u32, dst u32), growing at the end. Where in src the pointing word
// sits is not kept: the host finds it again in the dump when asked about a block.
let eBuf: usize = 0;
let eCap: u32 = 0;
let eLen: u32 = 0;
let eFull: bool = false;

// ---- the used blocks of this worker's chunk table --------------------------------------

function recordUsed(r: usize): bool {
  const f = load<u32>(r, 28);
  return (f & 7) == 1 && (f & 512) == 0;
}

export function graphUsedCount(): u32 {
  const recs = heapRecords();
  const n = heapRecordCount();
  let c: u32 = 0;
  for (let i: u32 = 0; i < n; i++) if (recordUsed(recs + <usize>i * 32)) c++;
  return c;
}

/**
 * Writes this worker's used blocks sorted by user address: addresses (u64) at outA, usable
 * sizes (u32) at outS; scratch (n × 12 bytes) at tmp. Returns the count.
 */
export function graphExportUsed(outA: usize, outS: usize, tmp: usize, wordSize: u32): u32 {
  ws = wordSize;
  const recs = heapRecords();
  const n = heapRecordCount();
  let m: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const r = recs + <usize>i * 32;
    if (!recordUsed(r)) continue;
    const size = <u64>load<u32>(r, 24);
    const mm = (load<u32>(r, 28) & 16) != 0;
    store<u64>(outA + (<usize>m << 3), load<u64>(r) + (<u64>wordSize << 1));
    store<u32>(outS + (<usize>m << 2), <u32>(mm ? size - (<u64>wordSize << 1) : size - <u64>wordSize));
    m++;
  }
  // Records are sorted within each piece; sort the whole by address (radix, 11-bit digits).
  sortPairs(outA, outS, tmp, tmp + (<usize>m << 3), m);
  return m;
}

function sortPairs(keys: usize, vals: usize, tk: usize, tv: usize, n: u32): void {
  if (n < 2) return;
  let andAll: u64 = 0xffffffffffffffff;
  let orAll: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const k = load<u64>(keys + (<usize>i << 3));
    andAll &= k;
    orAll |= k;
  }
  const diff = andAll ^ orAll;
  if (diff == 0) return;
  const lo = <u32>ctz(diff);
  const hi: u32 = 64 - <u32>clz(diff);
  // 11-bit digits over the bits that differ
  if (radixSortPairs(keys, vals, tk, tv, n, lo, hi, 11, memAlloc(2048 * 4))) {
    memory.copy(keys, tk, <usize>n << 3);
    memory.copy(vals, tv, <usize>n << 2);
  }
}

// ---- the index of all used blocks ------------------------------------------------------

/** Allocates room for the index of n blocks; the host fills starts and sizes. Returns starts' address. */
export function graphIndexAlloc(n: u32, wordSize: u32): usize {
  ws = wordSize;
  gN = n;
  gStarts = memAlloc((<usize>n << 3) + 16);
  gSizes = memAlloc((<usize>n << 2) + 16);
  return gStarts;
}
export function graphIndexSizes(): usize {
  return gSizes;
}

// Lookup acceleration: blocks fall in clusters (the heaps, the mmapped chunks); within a
// cluster a table gives, per 4 KiB page, the first block starting at or after the page.
const PAGE_SHIFT: u64 = 12;
const CLUSTER_GAP: u64 = 1 << 20;
let nClusters: u32 = 0;
let clusters: usize = 0; // per cluster: base u64 | end u64 | first block u32 | table offset u32 (24 bytes)
let pageTable: usize = 0; // u32 entries
let lastCluster: i32 = -1;

/** Call once the index is filled: builds the page tables, then the (growing) edge table. */
export function graphIndexReady(): bool {
  gLast = -1;
  lastCluster = -1;
  gMin = gN > 0 ? load<u64>(gStarts) : 1;
  gMax = gN > 0 ? load<u64>(gStarts + (<usize>(gN - 1) << 3)) + <u64>load<u32>(gSizes + (<usize>(gN - 1) << 2)) : 0;
  // Count clusters and pages.
  let nc: u32 = 0;
  let pages: u64 = 0;
  let base: u64 = 0;
  let end: u64 = 0;
  for (let b: u32 = 0; b < gN; b++) {
    const s = load<u64>(gStarts + (<usize>b << 3));
    const e = s + <u64>load<u32>(gSizes + (<usize>b << 2));
    if (b == 0 || s > end + CLUSTER_GAP) {
      if (b > 0) pages += ((end - base) >> PAGE_SHIFT) + 2;
      nc++;
      base = s & ~((<u64>1 << PAGE_SHIFT) - 1);
      end = e;
    } else if (e > end) end = e;
  }
  if (gN > 0) pages += ((end - base) >> PAGE_SHIFT) + 2;
  nClusters = nc;
  clusters = memAlloc(<usize>nc * 24 + 16);
  pageTable = memAlloc(<usize>pages * 4 + 16);
  if (clusters == 0 || pageTable == 0) return false;
  // Fill.
  let c: i32 = -1;
  let off: u32 = 0;
  end = 0;
  for (let b: u32 = 0; b < gN; b++) {
    const s = load<u64>(gStarts + (<usize>b << 3));
    const e = s + <u64>load<u32>(gSizes + (<usize>b << 2));
    if (b == 0 || s > end + CLUSTER_GAP) {
      if (c >= 0) off = closeCluster(c, end, b, off);
      c++;
      const cp = clusters + <usize>c * 24;
      store<u64>(cp, s & ~((<u64>1 << PAGE_SHIFT) - 1));
      store<u32>(cp, b, 16);
      store<u32>(cp, off, 20);
      end = e;
    } else if (e > end) end = e;
  }
  if (c >= 0) closeCluster(c, end, gN, off);
  eCap = 1 << 16;
  eLen = 0;
  eFull = false;
  eBuf = memAlloc(<usize>eCap * 8);
  return eBuf != 0;
}

/** Writes cluster c's end and page table (blocks [first, lastExcl)); returns the next table offset. */
function closeCluster(c: i32, end: u64, lastExcl: u32, off: u32): u32 {
  const cp = clusters + <usize>c * 24;
  const base = load<u64>(cp);
  store<u64>(cp, end, 8);
  const first = load<u32>(cp, 16);
  const np = <u32>((end - base) >> PAGE_SHIFT) + 2;
  let b = first;
  for (let p: u32 = 0; p < np; p++) {
    const pageStart = base + (<u64>p << PAGE_SHIFT);
    while (b < lastExcl && load<u64>(gStarts + (<usize>b << 3)) < pageStart) b++;
    store<u32>(pageTable + (<usize>(off + p) << 2), b);
  }
  return off + np;
}

/** The block holding address v (start ≤ v < start + usable), or -1. */
export function graphFind(v: u64): i32 {
  if (v < gMin || v >= gMax) return -1;
  if (gLast >= 0) {
    const s = load<u64>(gStarts + (<usize>gLast << 3));
    if (v >= s && v < s + <u64>load<u32>(gSizes + (<usize>gLast << 2))) return gLast;
  }
  // The cluster.
  let ci = lastCluster;
  if (ci < 0 || v < load<u64>(clusters + <usize>ci * 24) || v >= load<u64>(clusters + <usize>ci * 24, 8)) {
    let lo: i32 = 0;
    let hi: i32 = <i32>nClusters - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (load<u64>(clusters + <usize>mid * 24) <= v) lo = mid;
      else hi = mid - 1;
    }
    const cp = clusters + <usize>lo * 24;
    if (v < load<u64>(cp) || v >= load<u64>(cp, 8)) return -1;
    ci = lo;
    lastCluster = ci;
  }
  const cp = clusters + <usize>ci * 24;
  const p = <u32>((v - load<u64>(cp)) >> PAGE_SHIFT);
  const off = load<u32>(cp, 20);
  const first = load<u32>(cp, 16);
  // The holder is the last block starting at or before v: at most one before this page's first.
  const pf = load<u32>(pageTable + (<usize>(off + p) << 2));
  const pn = load<u32>(pageTable + (<usize>(off + p + 1) << 2));
  let lo: i32 = pf > first ? <i32>pf - 1 : <i32>first;
  let hi: i32 = <i32>pn - 1;
  if (hi < lo) hi = lo;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (load<u64>(gStarts + (<usize>mid << 3)) <= v) lo = mid;
    else hi = mid - 1;
  }
  if (lo < 0 || <u32>lo >= gN) return -1;
  const s = load<u64>(gStarts + (<usize>lo << 3));
  if (v >= s && v < s + <u64>load<u32>(gSizes + (<usize>lo << 2))) {
    gLast = lo;
    return lo;
  }
  return -1;
}

function pushEdge(src: u32, dst: u32): void {
  if (eLen >= eCap) {
    const cap = eCap << 1;
    if (!memEnsure(eBuf + <usize>cap * 8)) {
      eFull = true;
      return;
    }
    memSetTop(eBuf + <usize>cap * 8);
    eCap = cap;
  }
  const e = eBuf + (<usize>eLen << 3);
  store<u32>(e, src);
  store<u32>(e, dst, 4);
  eLen++;
}

@inline function wordAt(p: usize): u64 {
  return ws == 8 ? load<u64>(p) : <u64>load<u32>(p);
}

/** Edges from the used blocks whose bytes are in [bAddr, bAddr + len) (at buf). */
export function graphScanBlocks(buf: usize, len: usize, bAddr: u64): void {
  const bEnd = bAddr + <u64>len;
  const W = <u64>ws;
  if (gN == 0) return;
  // First block that ends after bAddr.
  let lo: i32 = 0;
  let hi: i32 = <i32>gN;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = load<u64>(gStarts + (<usize>mid << 3));
    if (s + <u64>load<u32>(gSizes + (<usize>mid << 2)) <= bAddr) lo = mid + 1;
    else hi = mid;
  }
  for (let b = <u32>lo; b < gN; b++) {
    const s = load<u64>(gStarts + (<usize>b << 3));
    if (s >= bEnd) break;
    const e = s + <u64>load<u32>(gSizes + (<usize>b << 2));
    let p = s > bAddr ? s : (bAddr + W - 1) & ~(W - 1);
    const stop = e < bEnd ? e : bEnd;
    for (; p + W <= stop; p += W) {
      const v = wordAt(buf + <usize>(p - bAddr));
      if (v < gMin || v >= gMax) continue;
      const t = graphFind(v);
      if (t >= 0 && <u32>t != b) pushEdge(b, <u32>t);
    }
  }
}

/**
 * Root references in [bAddr, bAddr + len): writes (address of the word u64, block u32, pad)
 * records of 16 bytes at out, at most cap; returns how many (the host calls again with the
 * rest of the range when the output filled).
 */
export function graphScanRoots(buf: usize, len: usize, bAddr: u64, out: usize, cap: u32): u32 {
  const W = <u64>ws;
  let n: u32 = 0;
  for (let p = bAddr; p + W <= bAddr + <u64>len; p += W) {
    const v = wordAt(buf + <usize>(p - bAddr));
    if (v < gMin || v >= gMax) continue;
    const t = graphFind(v);
    if (t < 0) continue;
    if (n >= cap) return n;
    const o = out + (<usize>n << 4);
    store<u64>(o, p);
    store<u32>(o, <u32>t, 8);
    n++;
  }
  return n;
}

export function graphEdgeCount(): u32 {
  return eLen;
}
export function graphEdges(): usize {
  return eBuf;
}
export function graphEdgesFull(): bool {
  return eFull;
}

/** Forgets the edges collected so far (the host took them). */
export function graphEdgesReset(): void {
  eLen = 0;
}

/** Appends edges from another worker (8-byte records at p). */
export function graphAppendEdges(p: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const e = p + (<usize>i << 3);
    pushEdge(load<u32>(e), load<u32>(e, 4));
  }
}

// ---- the graph and reachability (worker 0) --------------------------------------------

let csrOff: usize = 0; // u32[n + 1]
let csrDst: usize = 0; // u32[E]
let referenced: usize = 0; // u8[n]: some used block points to it
let parent: usize = 0; // i32[n]: source block, or -2 - root index for blocks reached from a root, -1 unreached
let queue: usize = 0; // u32[n]

/** Builds the out-edge lists (CSR) from all collected edges, and which blocks are referenced. */
export function graphBuild(): bool {
  csrOff = memAlloc((<usize>(gN + 1) << 2) + 16);
  csrDst = memAlloc((<usize>eLen << 2) + 16);
  referenced = memAlloc(<usize>gN + 16);
  parent = memAlloc((<usize>gN << 2) + 16);
  queue = memAlloc((<usize>gN << 2) + 16);
  if (csrOff == 0 || csrDst == 0 || referenced == 0 || parent == 0 || queue == 0) return false;
  memory.fill(csrOff, 0, (<usize>(gN + 1) << 2));
  memory.fill(referenced, 0, <usize>gN);
  for (let i: u32 = 0; i < eLen; i++) {
    const e = eBuf + (<usize>i << 3);
    const a = csrOff + (<usize>(load<u32>(e) + 1) << 2);
    store<u32>(a, load<u32>(a) + 1);
    store<u8>(referenced + <usize>load<u32>(e, 4), 1);
  }
  for (let i: u32 = 0; i < gN; i++) {
    const a = csrOff + (<usize>(i + 1) << 2);
    store<u32>(a, load<u32>(a) + load<u32>(csrOff + (<usize>i << 2)));
  }
  // Fill, using queue as a cursor per source.
  memory.copy(queue, csrOff, <usize>gN << 2);
  for (let i: u32 = 0; i < eLen; i++) {
    const e = eBuf + (<usize>i << 3);
    const c = queue + (<usize>load<u32>(e) << 2);
    const pos = load<u32>(c);
    store<u32>(c, pos + 1);
    store<u32>(csrDst + (<usize>pos << 2), load<u32>(e, 4));
  }
  return true;
}

/**
 * Breadth-first from the roots (block indices at roots, n of them; root i reaches block
 * roots[i]). Marks parents (shortest chains). Returns the number of blocks reached.
 */
export function graphReach(roots: usize, nRoots: u32): u32 {
  memory.fill(parent, 0xff, <usize>gN << 2);
  let head: u32 = 0;
  let tail: u32 = 0;
  for (let i: u32 = 0; i < nRoots; i++) {
    const b = load<u32>(roots + (<usize>i << 2));
    if (b >= gN) continue;
    const p = parent + (<usize>b << 2);
    if (load<i32>(p) != -1) continue;
    store<i32>(p, -2 - <i32>i);
    store<u32>(queue + (<usize>tail << 2), b);
    tail++;
  }
  while (head < tail) {
    const b = load<u32>(queue + (<usize>head << 2));
    head++;
    const e0 = load<u32>(csrOff + (<usize>b << 2));
    const e1 = load<u32>(csrOff + (<usize>(b + 1) << 2));
    for (let e = e0; e < e1; e++) {
      const t = load<u32>(csrDst + (<usize>e << 2));
      const p = parent + (<usize>t << 2);
      if (load<i32>(p) != -1) continue;
      store<i32>(p, <i32>b);
      store<u32>(queue + (<usize>tail << 2), t);
      tail++;
    }
  }
  return tail;
}

/** Verdicts at out (u8 per block): 1 anchored, 2 leaked with no used block pointing to it (a leak's top), 3 leaked but referenced (indirect). */
export function graphVerdicts(out: usize): void {
  for (let i: u32 = 0; i < gN; i++) {
    const reached = load<i32>(parent + (<usize>i << 2)) != -1;
    store<u8>(out + <usize>i, reached ? 1 : load<u8>(referenced + <usize>i) == 0 ? 2 : 3);
  }
}

export function graphParent(b: u32): i32 {
  return load<i32>(parent + (<usize>b << 2));
}
export function graphOutStart(b: u32): u32 {
  return load<u32>(csrOff + (<usize>b << 2));
}
export function graphOutEnd(b: u32): u32 {
  return load<u32>(csrOff + (<usize>(b + 1) << 2));
}
export function graphOutDst(e: u32): u32 {
  return load<u32>(csrDst + (<usize>e << 2));
}

/** Blocks pointing into block b (u32 each) at out, at most cap; returns how many there are in all. */
export function graphIncoming(b: u32, out: usize, cap: u32): u32 {
  let n: u32 = 0;
  for (let s: u32 = 0; s < gN; s++) {
    const e0 = load<u32>(csrOff + (<usize>s << 2));
    const e1 = load<u32>(csrOff + (<usize>(s + 1) << 2));
    for (let e = e0; e < e1; e++) {
      if (load<u32>(csrDst + (<usize>e << 2)) != b) continue;
      if (n < cap) store<u32>(out + (<usize>n << 2), s);
      n++;
    }
  }
  return n;
}
