// Sorting for the kernels: an LSD radix sort of (u64 key, u32 value) pairs, stable, over the
// key bits from `lo` to `hi` in digits of `bits` bits, ping-ponging between two buffers.

/** Sorts n pairs (keys at k1, values at v1) by key bits [lo, hi), using (k2, v2) as the other
 *  buffer and hist (2^bits u32 counters) for the digit counts. Returns true when the sorted pairs
 *  ended in (k2, v2), false when in (k1, v1). */
export function radixSortPairs(k1: usize, v1: usize, k2: usize, v2: usize, n: u32, lo: u32, hi: u32, bits: u32, hist: usize): bool {
  if (n < 2) return false;
  const buckets: u32 = 1 << bits;
  const mask: u32 = buckets - 1;
  let sk = k1;
  let sv = v1;
  let dk = k2;
  let dv = v2;
  let swapped = false;
  for (let shift = lo; shift < hi; shift += bits) {
    const s = <u64>shift;
    memory.fill(hist, 0, <usize>buckets << 2);
    for (let i: u32 = 0; i < n; i++) {
      const a = hist + (<usize>(<u32>(load<u64>(sk + (<usize>i << 3)) >> s) & mask) << 2);
      store<u32>(a, load<u32>(a) + 1);
    }
    let sum: u32 = 0;
    for (let b: u32 = 0; b < buckets; b++) {
      const a = hist + (<usize>b << 2);
      const c = load<u32>(a);
      store<u32>(a, sum);
      sum += c;
    }
    for (let i: u32 = 0; i < n; i++) {
      const k = load<u64>(sk + (<usize>i << 3));
      const a = hist + (<usize>(<u32>(k >> s) & mask) << 2);
      const pos = load<u32>(a);
      store<u32>(a, pos + 1);
      store<u64>(dk + (<usize>pos << 3), k);
      store<u32>(dv + (<usize>pos << 2), load<u32>(sv + (<usize>i << 2)));
    }
    let t = sk;
    sk = dk;
    dk = t;
    t = sv;
    sv = dv;
    dv = t;
    swapped = !swapped;
  }
  return swapped;
}
