// What a content scan covers: the whole dump, an address range, or a set of heap blocks
// (sorted address and size arrays, usually picked from a LeakContext by verdict or size).
// A set becomes spans for runSpans: only the set's bytes are scanned; a mapping is cut into
// span-sized parts that see a few bytes across each cut (look-behind and look-ahead, so a
// string or match crossing it is counted once), a heap block is one part with its own bytes
// only (a block larger than a span is cut like a mapping, within itself).
import type { OpenedCore } from '../analyze';
import { type Diagnostic, HeaplensError } from '../errors';
import { hex, parseAddress } from '../format';
import type { ContentParts, ContentSpan } from '../kernel-api';
import type { LeakContext } from '../leaks';
import { DEFAULT_SPAN_BYTES } from '../pipeline';

export type BlockSet =
  | { kind: 'all'; label: string }
  | { kind: 'region'; label: string; start: bigint; end: bigint }
  | {
      kind: 'blocks';
      label: string;
      /** Sorted user addresses and usable sizes. */
      addrs: BigUint64Array;
      sizes: Uint32Array;
      /** Positions of the blocks in the LeakContext they were picked from. */
      index?: Uint32Array;
    };

export function wholeDump(): BlockSet {
  return { kind: 'all', label: 'the whole dump' };
}

export function regionSet(start: bigint, end: bigint): BlockSet {
  if (end <= start) throw new HeaplensError('set.bad-region', `the region ${hex(start)}-${hex(end)} is empty (its end must be above its start)`);
  return { kind: 'region', label: `region ${hex(start)}-${hex(end)}`, start, end };
}

/** A set of blocks given by address and size (sorted here). */
export function blockSet(addrs: BigUint64Array, sizes: Uint32Array, label = 'blocks'): BlockSet {
  const order = Array.from(addrs.keys()).sort((a, b) => (addrs[a] < addrs[b] ? -1 : addrs[a] > addrs[b] ? 1 : 0));
  return { kind: 'blocks', label, addrs: BigUint64Array.from(order, (i) => addrs[i]), sizes: Uint32Array.from(order, (i) => sizes[i]) };
}

/** Blocks of a LeakContext kept by `keep(position)`. */
export function pickBlocks(ctx: LeakContext, label: string, keep: (i: number) => boolean): BlockSet {
  const idx: number[] = [];
  for (let i = 0; i < ctx.addrs.length; i++) if (keep(i)) idx.push(i);
  const index = Uint32Array.from(idx);
  return { kind: 'blocks', label, addrs: BigUint64Array.from(idx, (i) => ctx.addrs[i]), sizes: Uint32Array.from(idx, (i) => ctx.sizes[i]), index };
}

/** Leaked blocks: leak tops and indirectly leaked (verdict 2 or 3). */
export const leakedBlocks = (ctx: LeakContext) => pickBlocks(ctx, 'leaked blocks', (i) => ctx.verdicts[i] === 2 || ctx.verdicts[i] === 3);
export const leakTops = (ctx: LeakContext) => pickBlocks(ctx, 'leak tops', (i) => ctx.verdicts[i] === 2);
export const indirectBlocks = (ctx: LeakContext) => pickBlocks(ctx, 'indirectly leaked blocks', (i) => ctx.verdicts[i] === 3);
export const anchoredBlocks = (ctx: LeakContext) => pickBlocks(ctx, 'anchored blocks', (i) => ctx.verdicts[i] === 1);
export const blocksOfSize = (ctx: LeakContext, size: number) => pickBlocks(ctx, `used blocks of ${size} usable bytes`, (i) => ctx.sizes[i] === size);
/** Leaked blocks (tops and indirect) of one usable size: a row of the leaks' size table. */
export const leakedOfSize = (ctx: LeakContext, size: number) => pickBlocks(ctx, `leaked blocks of ${size} usable bytes`, (i) => ctx.sizes[i] === size && (ctx.verdicts[i] === 2 || ctx.verdicts[i] === 3));

/**
 * A type group: the used blocks whose first word is `value` (the vtable, or function or
 * rodata pointer, the heap census names their type after), optionally only those `keep`
 * allows (the leaked ones). Reads the blocks' first words from the dump in windows of at most
 * 4 MiB within one segment: one pass over the heap's bytes at most.
 */
export async function blocksWithFirstWord(ctx: LeakContext, value: bigint, label: string, keep?: (i: number) => boolean, signal?: AbortSignal): Promise<BlockSet> {
  const ws = ctx.wordSize;
  const W = BigInt(ws);
  const n = ctx.addrs.length;
  const hits: number[] = [];
  const WINDOW = 4n << 20n;
  let i = 0;
  while (i < n) {
    if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
    if (keep && !keep(i)) {
      i++;
      continue;
    }
    const start = ctx.addrs[i];
    const seg = ctx.memory.segmentAt(start);
    if (!seg) {
      i++;
      continue;
    }
    const segEnd = seg.vaddr + BigInt(seg.available);
    let j = i;
    while (j + 1 < n && ctx.addrs[j + 1] + W <= segEnd && ctx.addrs[j + 1] + W - start <= WINDOW) j++;
    const last = ctx.addrs[j] + W <= segEnd ? j : j - 1;
    if (last < i) {
      i++;
      continue;
    }
    const bytes = await ctx.memory.read(start, Number(ctx.addrs[last] - start) + ws);
    if (bytes) {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let k = i; k <= last; k++) {
        if ((keep && !keep(k)) || ctx.sizes[k] < ws) continue;
        const o = Number(ctx.addrs[k] - start);
        const v = ws === 8 ? dv.getBigUint64(o, true) : BigInt(dv.getUint32(o, true));
        if (v === value) hits.push(k);
      }
    }
    i = last + 1;
  }
  return { kind: 'blocks', label, addrs: BigUint64Array.from(hits, (k) => ctx.addrs[k]), sizes: Uint32Array.from(hits, (k) => ctx.sizes[k]), index: Uint32Array.from(hits) };
}

/** A set named on the command line: all, leaked, tops, indirect, anchored, size:N, region:START-END. */
export interface SetSpec {
  text: string;
  /** The set is made of heap blocks: the analysis (heap and leaks) must run first. */
  needsLeaks: boolean;
  resolve(ctx?: LeakContext): BlockSet;
}

export const SET_SPECS = 'all | leaked | tops | indirect | anchored | size:N | region:START-END';

export function parseSetSpec(text: string): SetSpec {
  const t = text.trim().toLowerCase();
  const needCtx = (make: (ctx: LeakContext) => BlockSet): SetSpec => ({
    text,
    needsLeaks: true,
    resolve: (ctx) => {
      if (!ctx) throw new HeaplensError('set.no-blocks', `the set "${text}" is made of heap blocks, and no heap (so no block index) was found in this core`);
      return make(ctx);
    },
  });
  if (t === 'all') return { text, needsLeaks: false, resolve: () => wholeDump() };
  if (t === 'leaked') return needCtx(leakedBlocks);
  if (t === 'tops') return needCtx(leakTops);
  if (t === 'indirect') return needCtx(indirectBlocks);
  if (t === 'anchored') return needCtx(anchoredBlocks);
  let m = /^size:(\d+)$/.exec(t);
  if (m) {
    const size = Number(m[1]);
    return needCtx((ctx) => blocksOfSize(ctx, size));
  }
  m = /^region:([0-9a-fx_]+)-([0-9a-fx_]+)$/.exec(t);
  if (m) {
    let start: bigint;
    let end: bigint;
    try {
      start = parseAddress(m[1]);
      end = parseAddress(m[2]);
    } catch (e) {
      throw new HeaplensError('set.invalid', `bad region "${text}": ${(e as Error).message}`);
    }
    const set = regionSet(start, end);
    return { text, needsLeaks: false, resolve: () => set };
  }
  throw new HeaplensError('set.invalid', `unknown set "${text}": use ${SET_SPECS}`);
}

// ---- planning ---------------------------------------------------------------------------

/** Bytes before a part continuing the previous one that it may look at. */
export const LEAD_BYTES = 64;
/** Reads of nearby parts merge across gaps up to this many bytes. */
const MERGE_GAP = 64 << 10;

interface Unit {
  file: number;
  len: number;
  addr: bigint;
  /** Region index (all, region) or position in the set's arrays (blocks). */
  ref: number;
}

export interface ContentPlan {
  spans: ContentSpan[];
  /** Per span, per part: the region index (all, region) or the block's position in the set (blocks). */
  refs: Int32Array[];
  /** Bytes of the set present in the core (what the scan covers). */
  bytes: number;
  /** Units: regions or blocks the set has (with bytes in the core, and in all). */
  units: number;
  unitsInCore: number;
  /** Bytes of the set not in the core file (not dumped, or truncated). */
  missingBytes: number;
  diagnostics: Diagnostic[];
  maxReadBytes: number;
}

/**
 * Cuts a set into spans. `tail` is the look-ahead past a cut (at least what the longest
 * string or match may need); `spanBytes` the largest span.
 */
export function planContent(o: OpenedCore, set: BlockSet, opts: { spanBytes?: number; tail: number }): ContentPlan {
  const maxSpan = opts.spanBytes ?? DEFAULT_SPAN_BYTES;
  const tail = opts.tail;
  const { core, map, memory } = o;
  const units: Unit[] = [];
  let missing = 0;
  let total = 0;
  const diagnostics: Diagnostic[] = [];
  if (set.kind === 'blocks') {
    total = set.addrs.length;
    let outside = 0;
    for (let i = 0; i < set.addrs.length; i++) {
      const a = set.addrs[i];
      const size = set.sizes[i];
      const seg = memory.segmentAt(a);
      if (!seg) {
        outside++;
        missing += size;
        continue;
      }
      const off = Number(a - seg.vaddr);
      const len = Math.max(0, Math.min(size, seg.available - off));
      missing += size - len;
      if (len > 0) units.push({ file: seg.fileOffset + off, len, addr: a, ref: i });
    }
    if (outside) diagnostics.push({ level: 'warning', code: 'set.outside', message: `${outside} block(s) of the set lie in no mapping of the core; they were not scanned` });
  } else {
    for (const r of map.regions) {
      if (r.segment < 0) continue;
      total++;
      const seg = core.segments[r.segment];
      let lo = r.start;
      let hi = r.start + BigInt(seg.available);
      if (set.kind === 'region') {
        if (r.end <= set.start || r.start >= set.end) {
          total--;
          continue;
        }
        lo = lo > set.start ? lo : set.start;
        hi = hi < set.end ? hi : set.end;
        const want = (r.end < set.end ? r.end : set.end) - (r.start > set.start ? r.start : set.start);
        missing += Number(want) - Math.max(0, Number(hi - lo));
      }
      if (hi <= lo) continue;
      units.push({ file: seg.fileOffset + Number(lo - seg.vaddr), len: Number(hi - lo), addr: lo, ref: r.index });
    }
    if (set.kind === 'region' && total === 0) diagnostics.push({ level: 'warning', code: 'set.empty-region', message: `no mapping of the core overlaps ${set.label}` });
  }
  units.sort((a, b) => a.file - b.file);
  if (missing > 0) diagnostics.push({ level: 'info', code: 'set.missing-bytes', message: `${missing} bytes of ${set.label} are not in the core file (not dumped or truncated) and were not scanned` });

  interface Building {
    span: ContentSpan;
    offset: number[];
    length: number[];
    addr: bigint[];
    pre: number[];
    post: number[];
    more: number[];
    refs: number[];
  }
  const built: Building[] = [];
  let cur: Building | undefined;
  const open = (file: number, lead: number): Building => {
    const b: Building = { span: { fileStart: file, length: 0, pieces: [], lead, tail: 0, parts: undefined as unknown as ContentParts }, offset: [], length: [], addr: [], pre: [], post: [], more: [], refs: [] };
    built.push(b);
    return b;
  };
  const add = (b: Building, u: Unit, off: number, n: number) => {
    const pre = off > 0 ? Math.min(LEAD_BYTES, off) : 0;
    const rest = u.len - (off + n);
    const post = Math.min(tail, rest);
    b.offset.push(u.file + off - b.span.fileStart);
    b.length.push(n);
    b.addr.push(u.addr + BigInt(off));
    b.pre.push(pre);
    b.post.push(post);
    b.more.push(rest > post ? 1 : 0);
    b.refs.push(u.ref);
    b.span.length = u.file + off + n - b.span.fileStart;
    if (post > 0) b.span.tail = post;
  };
  let bytes = 0;
  for (const u of units) {
    bytes += u.len;
    const end = cur ? cur.span.fileStart + cur.span.length : 0;
    if (cur && u.file >= end && u.file - end <= MERGE_GAP && u.file + u.len - cur.span.fileStart <= maxSpan) {
      add(cur, u, 0, u.len);
      continue;
    }
    let off = 0;
    while (off < u.len) {
      const n = Math.min(maxSpan, u.len - off);
      cur = open(u.file + off, off > 0 ? Math.min(LEAD_BYTES, off) : 0);
      add(cur, u, off, n);
      off += n;
      // A part with look-ahead ends its span: the next span starts with its continuation.
      if (off < u.len) cur = undefined;
    }
  }
  const spans: ContentSpan[] = [];
  const refs: Int32Array[] = [];
  for (const b of built) {
    b.span.parts = {
      offset: Uint32Array.from(b.offset), length: Uint32Array.from(b.length), addr: BigUint64Array.from(b.addr),
      pre: Uint8Array.from(b.pre), post: Uint32Array.from(b.post), more: Uint8Array.from(b.more),
    };
    spans.push(b.span);
    refs.push(Int32Array.from(b.refs));
  }
  return { spans, refs, bytes, units: total, unitsInCore: units.length, missingBytes: missing, diagnostics, maxReadBytes: LEAD_BYTES + maxSpan + tail };
}

/** Bytes a span's parts cover (what the scan counts as done). */
export function partBytes(s: ContentSpan): number {
  let n = 0;
  for (let i = 0; i < s.parts.length.length; i++) n += s.parts.length[i];
  return n;
}
