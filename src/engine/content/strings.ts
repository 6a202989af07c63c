// Strings and key=value census over a set (the whole dump, a region, a set of heap blocks):
// one streamed pass through the content kernel (assembly/strings.ts) on the workers, the
// workers' bounded tables merged here, the top entries' text read back from the dump at an
// example address. The seeds' `strings | sort | uniq -c` and `grep -o "channelid=\d*" |
// sort | uniq -c`, without a hint of what to look for.
import type { OpenedCore } from '../analyze';
import type { Diagnostic } from '../errors';
import type { ContentPart, KernelPool } from '../kernel-api';
import { type LeakContext, type Verdict, VERDICT, blockAt } from '../leaks';
import { type ProgressFn, runSpans } from '../pipeline';
import { type BlockSet, type ContentPlan, partBytes, planContent } from './sets';
import { EXAMPLES, type MergedTable, byGroup, mergeTables, topPositions } from './tables';

export const TABLE_NAMES = ['strings', 'pairs', 'keys', 'HTTP requests', 'HTTP header values', 'HTTP header names'] as const;
/** log2 slots per table (capacity is half): 262,144 strings, 131,072 pairs, 32,768 keys, … */
export const DEFAULT_TABLE_LOG2 = [19, 18, 16, 14, 16, 12];

export interface ContentOptions {
  /** Shortest string counted, in characters (default 6). */
  minLen?: number;
  /** UTF-16LE strings too (default off). */
  utf16?: boolean;
  /** Bytes of a string hashed and searched for pairs (default 4096); longer strings are counted by their first `cap` bytes. */
  cap?: number;
  /** Strings listed (default 100), keys (50), values per key (10), HTTP requests and header names (30). */
  top?: number;
  topKeys?: number;
  topValues?: number;
  topHttp?: number;
  /** The block index, when known: examples are placed in their blocks. */
  leaks?: LeakContext;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  spanBytes?: number;
  tableLog2?: number[];
}

export interface BlockRef {
  address: bigint;
  size: number;
  verdict: Verdict;
}

export interface SetSummary {
  kind: BlockSet['kind'];
  label: string;
  /** Blocks (block sets) or mappings (others) in the set, and how many have bytes in the core. */
  units: number;
  unitsInCore: number;
  /** Bytes scanned, and bytes of the set missing from the core file. */
  bytes: number;
  missingBytes: number;
}

export interface StringEntry {
  text: string;
  encoding: 'ascii' | 'utf-16le';
  /** Characters (at most the hashed length: see `long`). */
  length: number;
  /** Longer than the hashed length: counted by its first `length` characters. */
  long: boolean;
  count: number;
  /** The true count is in [count, count + maxError]. */
  maxError: number;
  bytes: number;
  examples: bigint[];
  blocks?: (BlockRef | null)[];
}

export interface ValueEntry {
  value: string;
  /** Longer than 128 bytes: counted by its first 128. */
  truncated: boolean;
  count: number;
  maxError: number;
  examples: bigint[];
}

export interface KeyEntry {
  key: string;
  total: number;
  maxError: number;
  /** Distinct values seen (a lower bound when `distinctAtLeast`: the pair table evicted some). */
  distinct: number;
  distinctAtLeast: boolean;
  /** Values seen at least 3 times: keys with 2 or more rank first (see rankKeys). */
  repeatedValues: number;
  values: (ValueEntry & { separator: '=' | ': ' })[];
}

export interface RequestEntry {
  method: string;
  path: string;
  count: number;
  maxError: number;
  examples: bigint[];
}

export interface HeaderEntry {
  name: string;
  count: number;
  maxError: number;
  values: ValueEntry[];
}

export interface ContentResult {
  set: SetSummary;
  options: { minLength: number; utf16: boolean; maxStringBytes: number };
  totals: {
    strings: number;
    asciiStrings: number;
    utf16Strings: number;
    stringBytes: number;
    longStrings: number;
    pairs: number;
    httpRequests: number;
    httpHeaders: number;
    distinctStrings: number;
    distinctPairs: number;
    distinctKeys: number;
  };
  /** Per table: capacity, entries after the merge, evictions, and the bound for absent entries. */
  tables: { name: string; capacity: number; entries: number; evictions: number; maxError: number }[];
  strings: StringEntry[];
  keys: KeyEntry[];
  http: { requests: RequestEntry[]; headers: HeaderEntry[] };
  elapsedMs: number;
  /** Where the time went: the scan on the workers, the workers sorting and handing over their tables, merging and reading texts back. */
  phasesMs: { scan: number; export: number; summarize: number };
  workers: number;
  workerMemoryBytes: number;
  diagnostics: Diagnostic[];
}

/** Look-ahead past a cut: the longest hashed string, and the CR LF after a header line. */
export const contentTail = (cap: number) => Math.max(cap, 4096) + 8;

export async function runContent(o: OpenedCore, pool: KernelPool, set: BlockSet, opts: ContentOptions = {}): Promise<ContentResult> {
  const t0 = performance.now();
  const minLen = Math.max(1, Math.floor(opts.minLen ?? 6));
  const cap = Math.max(16, Math.min(1 << 16, Math.floor(opts.cap ?? 4096))) & ~1;
  const utf16 = !!opts.utf16;
  const plan = planContent(o, set, { spanBytes: opts.spanBytes, tail: contentTail(cap) });
  const workers = pool.workers.slice(0, Math.max(1, Math.min(pool.size, plan.spans.length)));
  const tableLog2 = opts.tableLog2 ?? DEFAULT_TABLE_LOG2;
  await Promise.all(workers.map((w) => w.contentBegin({ minLen, utf16, cap, tableLog2, maxReadBytes: plan.maxReadBytes })));
  await runSpans(workers, plan.spans, (w, s) => w.contentScan(s), {
    phase: 'strings and key=value pairs', signal: opts.signal, onProgress: opts.onProgress, total: plan.spans.reduce((a, s) => a + partBytes(s), 0),
  });
  const t1 = performance.now();
  const parts = await Promise.all(workers.map((w) => w.contentFinish()));
  const t2 = performance.now();
  const result = await summarize(o, parts, plan, set, { ...opts, minLen, cap, utf16 });
  const t3 = performance.now();
  result.workers = workers.length;
  result.elapsedMs = t3 - t0;
  result.phasesMs = { scan: Math.round(t1 - t0), export: Math.round(t2 - t1), summarize: Math.round(t3 - t2) };
  return result;
}

function sum(parts: ContentPart[], i: number): number {
  return parts.reduce((a, p) => a + p.totals[i], 0);
}

async function summarize(
  o: OpenedCore,
  parts: ContentPart[],
  plan: ContentPlan,
  set: BlockSet,
  opts: ContentOptions & { minLen: number; cap: number; utf16: boolean },
): Promise<ContentResult> {
  const tables = parts[0].tables.map((_, t) => mergeTables(parts.map((p) => p.tables[t])));
  const [S, P, K, R, H, N] = tables;
  const mem = o.memory;
  const ctx = opts.leaks;
  const ex = (t: MergedTable, i: number): bigint[] => {
    const out: bigint[] = [];
    for (let x = 0; x < EXAMPLES; x++) {
      const a = t.examples[i * EXAMPLES + x];
      if (a !== 0n) out.push(a);
    }
    return out;
  };
  const text = async (addr: bigint, n: number): Promise<string> => {
    const b = n > 0 ? await mem.read(addr, n) : new Uint8Array(0);
    if (!b) return '';
    let s = '';
    for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
    return s;
  };
  const utf16Text = async (addr: bigint, chars: number): Promise<string> => {
    const b = await mem.read(addr, chars * 2);
    if (!b) return '';
    let s = '';
    for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i]);
    return s;
  };
  const blockOf = (a: bigint): BlockRef | null => {
    if (!ctx) return null;
    const b = blockAt(ctx.addrs, ctx.sizes, a);
    return b < 0 ? null : { address: ctx.addrs[b], size: ctx.sizes[b], verdict: VERDICT[ctx.verdicts[b]] };
  };

  // Strings.
  const strings = await Promise.all(
    topPositions(S.count, opts.top ?? 100).map(async (i): Promise<StringEntry> => {
      const utf = (S.aux[i] & 1) !== 0;
      const examples = ex(S, i);
      const length = S.len[i];
      const e: StringEntry = {
        text: utf ? await utf16Text(examples[0], length) : await text(examples[0], length),
        encoding: utf ? 'utf-16le' : 'ascii', length, long: (S.aux[i] & 2) !== 0,
        count: S.count[i], maxError: S.err[i], bytes: S.count[i] * length * (utf ? 2 : 1), examples,
      };
      if (ctx) e.blocks = examples.map(blockOf);
      return e;
    }),
  );

  // Keys and their values.
  const pairsOf = byGroup(P);
  const ranked = rankKeys(K, pairsOf, P);
  const keys = await Promise.all(
    ranked.slice(0, opts.topKeys ?? 50).map(async ({ i, values, repeated }): Promise<KeyEntry> => {
      const klen = K.len[i];
      const kex = ex(K, i);
      const top = values.slice(0, opts.topValues ?? 10);
      return {
        key: await text(kex[0], klen), total: K.count[i], maxError: K.err[i], distinct: values.length, distinctAtLeast: P.evictions > 0, repeatedValues: repeated,
        values: await Promise.all(
          top.map(async (j) => {
            const kl = P.len[j] & 0xff;
            const vl = (P.len[j] >> 8) & 0xff;
            const sep = (P.len[j] >> 16) & 3;
            const pex = ex(P, j);
            return {
              value: await text(pex[0] + BigInt(kl + (sep === 1 ? 1 : 2)), vl), separator: sep === 1 ? ('=' as const) : (': ' as const),
              truncated: (P.aux[j] & 4) !== 0, count: P.count[j], maxError: P.err[j], examples: pex,
            };
          }),
        ),
      };
    }),
  );

  // HTTP.
  const requests = await Promise.all(
    topPositions(R.count, opts.topHttp ?? 30).map(async (i): Promise<RequestEntry> => {
      const m = R.aux[i];
      const rex = ex(R, i);
      return { method: await text(rex[0], m), path: await text(rex[0] + BigInt(m + 1), R.len[i]), count: R.count[i], maxError: R.err[i], examples: rex };
    }),
  );
  const headerValues = byGroup(H);
  const headers = await Promise.all(
    topPositions(N.count, opts.topHttp ?? 30).map(async (i): Promise<HeaderEntry> => {
      const vals = (headerValues.get(N.hash[i]) ?? []).sort((a, b) => H.count[b] - H.count[a]).slice(0, opts.topValues ?? 10);
      const nex = ex(N, i);
      return {
        name: await text(nex[0], N.len[i]), count: N.count[i], maxError: N.err[i],
        values: await Promise.all(
          vals.map(async (j) => {
            const hex_ = ex(H, j);
            return { value: await text(hex_[0] + BigInt(H.aux[j] >>> 8), H.len[j] >>> 8), truncated: (H.aux[j] & 4) !== 0, count: H.count[j], maxError: H.err[j], examples: hex_ };
          }),
        ),
      };
    }),
  );

  const tableLog2 = opts.tableLog2 ?? DEFAULT_TABLE_LOG2;
  return {
    set: { kind: set.kind, label: set.label, units: plan.units, unitsInCore: plan.unitsInCore, bytes: sum(parts, 8), missingBytes: plan.missingBytes },
    options: { minLength: opts.minLen, utf16: opts.utf16, maxStringBytes: opts.cap },
    totals: {
      strings: sum(parts, 0) + sum(parts, 1), asciiStrings: sum(parts, 0), utf16Strings: sum(parts, 1), stringBytes: sum(parts, 2) + sum(parts, 3),
      longStrings: sum(parts, 4), pairs: sum(parts, 5), httpRequests: sum(parts, 6), httpHeaders: sum(parts, 7),
      distinctStrings: S.hash.length, distinctPairs: P.hash.length, distinctKeys: K.hash.length,
    },
    tables: tables.map((t, i) => ({ name: TABLE_NAMES[i], capacity: 2 ** (tableLog2[i] - 1), entries: t.hash.length, evictions: t.evictions, maxError: t.maxError })),
    strings, keys, http: { requests, headers },
    elapsedMs: 0, phasesMs: { scan: 0, export: 0, summarize: 0 }, workers: parts.length, workerMemoryBytes: Math.max(...parts.map((p) => p.memoryBytes)), diagnostics: plan.diagnostics,
  };
}

/**
 * Orders keys so that one with a dominant repeated value stands out without a hint. HTTP
 * header lines are not in the pair census (the HTTP census has them), so a Host or
 * Content-Type header repeated in every request does not bury a form field. Keys whose
 * values vary — at least two distinct values each seen 3 times or more — come first, by the
 * count of their most frequent value; the others (one value everywhere, or a different value
 * every time: ids, timestamps) after them, by the same count. In seed 001, `channelid` had
 * 4099 ×339,796 and (empty) ×59.
 */
export function rankKeys(K: MergedTable, pairsOf: Map<bigint, number[]>, P: MergedTable): { i: number; values: number[]; repeated: number; topCount: number }[] {
  const out: { i: number; values: number[]; repeated: number; topCount: number }[] = [];
  for (let i = 0; i < K.hash.length; i++) {
    const values = (pairsOf.get(K.hash[i]) ?? []).sort((a, b) => P.count[b] - P.count[a] || a - b);
    let repeated = 0;
    for (const j of values) if (P.count[j] >= 3) repeated++;
    out.push({ i, values, repeated, topCount: values.length ? P.count[values[0]] : 0 });
  }
  const tier = (e: { repeated: number }) => (e.repeated >= 2 ? 0 : 1);
  return out.sort((a, b) => tier(a) - tier(b) || b.topCount - a.topCount || K.count[b.i] - K.count[a.i] || a.i - b.i);
}
