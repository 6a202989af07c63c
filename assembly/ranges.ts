// The address ranges of the dump's mappings: (start, end) u64 pairs, sorted and disjoint, in
// this module's memory. One table per kernel instance, shared by the census and the heap walk.

export let nRanges: i32 = 0;
export let rangesPtr: usize = 0;
/** Lowest start and highest end: a value outside [rangesMin, rangesMax) is in no range. */
export let rangesMin: u64 = 1;
export let rangesMax: u64 = 0;
// The range the last hit landed in: pointers cluster, so most lookups end here.
let lastIdx: i32 = -1;
let lastLo: u64 = 1;
let lastHi: u64 = 0;

export function rangesSet(rp: usize, nr: i32): void {
  rangesPtr = rp;
  nRanges = nr;
  rangesMin = nr > 0 ? load<u64>(rp) : 1;
  rangesMax = nr > 0 ? load<u64>(rp + (<usize>(nr - 1) << 4) + 8) : 0;
  lastIdx = -1;
  lastLo = 1;
  lastHi = 0;
}

/** Index of the range holding v, or -1. */
export function findRange(v: u64): i32 {
  if (v >= lastLo && v < lastHi) return lastIdx;
  if (v < rangesMin || v >= rangesMax) return -1;
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
