// Merging the workers' bounded tables on the calling thread: each worker's table comes sorted
// by hash, so the merge is one linear pass over typed arrays. Counts add; an entry's error
// bound adds the workers' own bounds and, for each worker that does not hold it, that
// worker's threshold (it may have seen the entry that many times and evicted it).
import type { ContentTable } from '../kernel-api';

export const EXAMPLES = 3;

export interface MergedTable {
  hash: BigUint64Array;
  group: BigUint64Array;
  count: Float64Array;
  /** True count ∈ [count, count + err]. */
  err: Float64Array;
  len: Uint32Array;
  aux: Uint32Array;
  /** EXAMPLES per entry (0: none): the first worker's first, then the next worker's. */
  examples: BigUint64Array;
  /** An entry absent here occurred at most this many times in all. */
  maxError: number;
  evictions: number;
}

export function mergeTables(parts: ContentTable[]): MergedTable {
  const sumT = parts.reduce((a, p) => a + p.maxError, 0);
  const evictions = parts.reduce((a, p) => a + p.evictions, 0);
  const cap = parts.reduce((a, p) => a + p.hash.length, 0);
  const hash = new BigUint64Array(cap);
  const group = new BigUint64Array(cap);
  const count = new Float64Array(cap);
  const err = new Float64Array(cap);
  const len = new Uint32Array(cap);
  const aux = new Uint32Array(cap);
  const examples = new BigUint64Array(cap * EXAMPLES);
  // Hashes compared as (high, low) 32-bit halves: numbers, not bigints.
  const halves = parts.map((p) => new Uint32Array(p.hash.buffer, p.hash.byteOffset, p.hash.length * 2));
  const pos = parts.map(() => 0);
  const W = parts.length;
  let n = 0;
  for (;;) {
    let best = -1;
    let bh = 0;
    let bl = 0;
    for (let w = 0; w < W; w++) {
      const i = pos[w];
      if (i >= parts[w].hash.length) continue;
      const hh = halves[w][2 * i + 1];
      const hl = halves[w][2 * i];
      if (best < 0 || hh < bh || (hh === bh && hl < bl)) {
        best = w;
        bh = hh;
        bl = hl;
      }
    }
    if (best < 0) break;
    let c = 0;
    let e = 0;
    let held = 0;
    const f = parts[best];
    const fi = pos[best];
    for (let w = 0; w < W; w++) {
      const p = parts[w];
      const i = pos[w];
      if (i < p.hash.length && halves[w][2 * i + 1] === bh && halves[w][2 * i] === bl) {
        c += p.count[i];
        e += p.err[i];
        for (let x = 0; x < EXAMPLES && held < EXAMPLES; x++) {
          const a = p.examples[i * EXAMPLES + x];
          if (a !== 0n) examples[n * EXAMPLES + held++] = a;
        }
        pos[w]++;
      } else e += p.maxError;
    }
    hash[n] = f.hash[fi];
    group[n] = f.group[fi];
    count[n] = c;
    err[n] = e;
    len[n] = f.len[fi];
    aux[n] = f.aux[fi];
    n++;
  }
  return {
    hash: hash.slice(0, n), group: group.slice(0, n), count: count.slice(0, n), err: err.slice(0, n),
    len: len.slice(0, n), aux: aux.slice(0, n), examples: examples.slice(0, n * EXAMPLES), maxError: sumT, evictions,
  };
}

/** Positions of the k entries with the largest `score`, best first (ties: lower position first). */
export function topPositions(score: ArrayLike<number>, k: number, keep?: (i: number) => boolean): number[] {
  const idx: number[] = [];
  for (let i = 0; i < score.length; i++) if (!keep || keep(i)) idx.push(i);
  if (idx.length > 4 * k && k > 0) {
    // Cut to a threshold first: the k-th largest value.
    const vals = idx.map((i) => score[i]).sort((a, b) => b - a);
    const t = vals[k - 1];
    const cut = idx.filter((i) => score[i] >= t);
    return cut.sort((a, b) => score[b] - score[a] || a - b).slice(0, k);
  }
  return idx.sort((a, b) => score[b] - score[a] || a - b).slice(0, k);
}

/** Entries of a merged table grouped by `group` (positions). */
export function byGroup(t: MergedTable): Map<bigint, number[]> {
  const m = new Map<bigint, number[]>();
  for (let i = 0; i < t.hash.length; i++) {
    const g = t.group[i];
    const list = m.get(g);
    if (list) list.push(i);
    else m.set(g, [i]);
  }
  return m;
}
