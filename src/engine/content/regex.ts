// Regex counts over the whole dump or a set: the seeds' `grep -a -c -P PATTERN dump.bin`,
// inside the dump, on the workers. The pattern is a JavaScript RegExp; the bytes are decoded
// as latin1 (each byte one code unit 0x00–0xFF, exactly — see latin1.ts), part by part.
//
// Matches across a span boundary are counted once, as one scan of the whole mapping would
// count them: a match counts in the part it starts in and may run up to `tail` bytes into
// the next part (the look-ahead read with the span); the next part drops its matches that
// start before the end of the previous part's last match, and is scanned again from there
// when one of those it dropped ran past that end (its later matches could be out of step).
// A match never spans two mappings or two heap blocks. Zero-length matches (lookarounds
// only) count once per position; a pattern matching the empty string is refused.
import type { OpenedCore } from '../analyze';
import { type Diagnostic, throwIfAborted } from '../errors';
import type { KernelPool, RegexSpanResult } from '../kernel-api';
import { type LeakContext, type Verdict, VERDICT, blockAt } from '../leaks';
import { type RegionLabel, regionAt, regionName } from '../memmap';
import { type ProgressFn, runSpans } from '../pipeline';
import { compileRegex } from './regex-scan';
import { type BlockSet, partBytes, planContent } from './sets';
import type { BlockRef, SetSummary } from './strings';

/** How far a match may run past the end of the part it starts in. */
export const REGEX_TAIL = 4096;

export interface RegexOptions {
  /** Any of i, m, s (g is implied). */
  flags?: string;
  /** Matches listed with address and text (default 100), and characters of text kept per match (200). */
  first?: number;
  textMax?: number;
  /** The block index, when known: matches are grouped by heap block (size, verdict). */
  leaks?: LeakContext;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  spanBytes?: number;
}

export interface RegexMatch {
  address: bigint;
  /** latin1 text of the match (at most textMax characters; `length` is the whole match's). */
  text: string;
  length: number;
  block?: BlockRef | null;
}

export interface BlockGroupCount {
  /** Matches starting in blocks of the group, and how many of those blocks hold at least one. */
  matches: number;
  blocks: number;
}

export interface RegexResult {
  pattern: string;
  flags: string;
  set: SetSummary;
  total: number;
  byRegion: { start: bigint; end: bigint; label: RegionLabel; name: string; count: number }[];
  byLabel: { label: RegionLabel; count: number }[];
  /** With a block index: matches by the heap block they start in. */
  blocks?: {
    inBlocks: number;
    outsideBlocks: number;
    bySize: (BlockGroupCount & { size: number })[];
    byVerdict: (BlockGroupCount & { verdict: Verdict })[];
  };
  matches: RegexMatch[];
  /** The latin1 decoder the workers chose (name and measured MB/s). */
  decoder: string;
  /** Matches dropped at span boundaries (counted by the part before), and spans scanned again from the end of a match running into them. */
  boundaryDrops: number;
  boundaryRescans: number;
  elapsedMs: number;
  phasesMs: { decode: number; match: number };
  workers: number;
  diagnostics: Diagnostic[];
}

export async function runRegex(o: OpenedCore, pool: KernelPool, set: BlockSet, pattern: string, opts: RegexOptions = {}): Promise<RegexResult> {
  const t0 = performance.now();
  const flags = [...new Set(opts.flags ?? '')].join('');
  compileRegex(pattern, flags); // a bad pattern fails here, before any reading
  const ctx = opts.leaks;
  const plan = planContent(o, set, { spanBytes: opts.spanBytes, tail: REGEX_TAIL });
  const spans = plan.spans;
  const workers = pool.workers.slice(0, Math.max(1, Math.min(pool.size, spans.length)));
  const first = Math.max(0, Math.floor(opts.first ?? 100));
  const positions = !!ctx && set.kind !== 'blocks';
  const req = { pattern, flags, firstN: first, textMax: Math.max(1, Math.floor(opts.textMax ?? 200)), positions, headWindow: REGEX_TAIL };
  const results: RegexSpanResult[] = new Array(spans.length);
  const order = new Map(spans.map((s, i) => [s, i] as const));
  await runSpans(
    workers,
    spans,
    async (w, s) => {
      const r = await w.regexScan(s, req);
      results[order.get(s)!] = r;
      return r.bytes;
    },
    { phase: `counting /${pattern}/`, signal: opts.signal, onProgress: opts.onProgress, total: spans.reduce((a, s) => a + partBytes(s), 0), raceAbort: true },
  );

  // Boundary fix-up, along each chain of spans cutting one mapping, in order: `resume` is
  // where the last counted match ends. A span drops its matches starting before it; when one
  // of those ran past it, the matches after it may be out of step with one scan of the
  // mapping (overlapping candidates, e.g. /\x00\x00\x00/ in a run of zeros), so the span is
  // scanned again from `resume` instead.
  const dropped = spans.map(() => new Set<number>());
  let boundaryDrops = 0;
  let rescans = 0;
  let resume = -1n;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    let r = results[i];
    const a0 = s.parts.addr[0];
    if (s.parts.pre.length === 0 || s.parts.pre[0] === 0) resume = -1n;
    else if (resume > a0) {
      const rel = Number(resume - a0);
      let ranPast = false;
      for (let k = 0; k < r.head.length; k++) if (r.head[k] < rel && r.headEnds[k] > rel) ranPast = true;
      if (ranPast) {
        throwIfAborted(opts.signal);
        r = results[i] = await workers[0].regexScan(s, { ...req, startAt: rel });
        rescans++;
      } else {
        for (const off of r.head) {
          if (off < rel) {
            dropped[i].add(off);
            r.counts[0]--;
            boundaryDrops++;
          }
        }
      }
    }
    const last = s.parts.addr.length - 1;
    if (last >= 0 && r.lastStart >= 0) {
      const end = s.parts.addr[last] + BigInt(r.lastEnd);
      if (end > resume) resume = end;
    }
  }

  // Counts per part → per region, per block.
  let total = 0;
  const perRegion = new Map<number, number>();
  const regionOfPart = (si: number, pi: number): number => {
    if (set.kind !== 'blocks') return plan.refs[si][pi];
    return regionAt(o.map.regions, spans[si].parts.addr[pi])?.index ?? -1;
  };
  const perBlock = new Map<number, number>();
  for (let si = 0; si < spans.length; si++) {
    const r = results[si];
    for (let pi = 0; pi < r.counts.length; pi++) {
      const c = r.counts[pi];
      if (!c) continue;
      total += c;
      const reg = regionOfPart(si, pi);
      perRegion.set(reg, (perRegion.get(reg) ?? 0) + c);
      if (set.kind === 'blocks') {
        const b = set.index ? set.index[plan.refs[si][pi]] : ctx ? blockAt(ctx.addrs, ctx.sizes, spans[si].parts.addr[pi]) : -1;
        if (b >= 0) perBlock.set(b, (perBlock.get(b) ?? 0) + c);
      }
    }
    if (positions && r.positions && ctx) {
      const { parts, offsets } = r.positions;
      for (let k = 0; k < parts.length; k++) {
        if (parts[k] === 0 && dropped[si].has(offsets[k])) continue;
        const b = blockAt(ctx.addrs, ctx.sizes, spans[si].parts.addr[parts[k]] + BigInt(offsets[k]));
        perBlock.set(b, (perBlock.get(b) ?? 0) + 1);
      }
    }
  }
  const regions = o.map.regions;
  const byRegion = [...perRegion.entries()]
    .filter(([ri]) => ri >= 0)
    .map(([ri, count]) => ({ start: regions[ri].start, end: regions[ri].end, label: regions[ri].label, name: regionName(regions[ri], o.map.modules), count }))
    .sort((a, b) => b.count - a.count || (a.start < b.start ? -1 : 1));
  const labels = new Map<RegionLabel, number>();
  for (const r of byRegion) labels.set(r.label, (labels.get(r.label) ?? 0) + r.count);
  const byLabel = [...labels.entries()].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count);

  let blocks: RegexResult['blocks'];
  const blockIndexed = set.kind === 'blocks' ? !!(set.index || ctx) : positions;
  if (ctx && blockIndexed) {
    const bySize = new Map<number, BlockGroupCount>();
    const byVerdict = new Map<Verdict, BlockGroupCount>();
    let inBlocks = 0;
    for (const [b, c] of perBlock) {
      if (b < 0) continue;
      inBlocks += c;
      const s = bySize.get(ctx.sizes[b]) ?? bySize.set(ctx.sizes[b], { matches: 0, blocks: 0 }).get(ctx.sizes[b])!;
      s.matches += c;
      s.blocks++;
      const v = VERDICT[ctx.verdicts[b]];
      const g = byVerdict.get(v) ?? byVerdict.set(v, { matches: 0, blocks: 0 }).get(v)!;
      g.matches += c;
      g.blocks++;
    }
    blocks = {
      inBlocks, outsideBlocks: total - inBlocks,
      bySize: [...bySize.entries()].map(([size, g]) => ({ size, ...g })).sort((a, b) => b.matches - a.matches || a.size - b.size),
      byVerdict: (['leaked', 'indirect', 'anchored'] as Verdict[]).filter((v) => byVerdict.has(v)).map((verdict) => ({ verdict, ...byVerdict.get(verdict)! })),
    };
  }

  // The first matches in address order.
  const all: RegexMatch[] = [];
  for (let si = 0; si < spans.length; si++) {
    const r = results[si];
    for (let k = 0; k < r.firstParts.length; k++) {
      if (r.firstParts[k] === 0 && dropped[si].has(r.firstOffsets[k])) continue;
      all.push({ address: spans[si].parts.addr[r.firstParts[k]] + BigInt(r.firstOffsets[k]), text: r.firstText[k], length: r.firstLengths[k] });
    }
  }
  all.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const matches = all.slice(0, first);
  if (ctx) for (const m of matches) {
    const b = blockAt(ctx.addrs, ctx.sizes, m.address);
    m.block = b < 0 ? null : { address: ctx.addrs[b], size: ctx.sizes[b], verdict: VERDICT[ctx.verdicts[b]] };
  }

  return {
    pattern, flags,
    set: { kind: set.kind, label: set.label, units: plan.units, unitsInCore: plan.unitsInCore, bytes: results.reduce((a, r) => a + r.bytes, 0), missingBytes: plan.missingBytes },
    total, byRegion, byLabel, ...(blocks ? { blocks } : {}), matches,
    decoder: results.find((r) => r)?.decoder ?? '', boundaryDrops, boundaryRescans: rescans,
    elapsedMs: performance.now() - t0,
    phasesMs: { decode: results.reduce((a, r) => a + r.decodeMs, 0), match: results.reduce((a, r) => a + r.matchMs, 0) },
    workers: workers.length, diagnostics: plan.diagnostics,
  };
}
