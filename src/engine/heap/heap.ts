// Heap reconstruction for glibc malloc: every chunk of every arena heap and every mmapped
// chunk, its state (used, free in a bin, free in a tcache or fastbin, allocator metadata),
// and the census of used blocks by size, by (size, pointer signature) and by type.
//
// Discovery (glibc.ts) reads the allocator's structures with small reads; the chunks are
// walked by the kernels, one region per task, in the workers, which keep the chunk table;
// the free lists' members are then marked and the table aggregated where it lives.
import type { OpenedCore } from '../analyze';
import { rangeTable } from '../census';
import type { Diagnostic } from '../errors';
import { hex } from '../format';
import { type HeapAggregate, type HeapConfig, type HeapGroups, type HeapPiece, type HeapPieceResult, type KernelPool, PIECE_STOP, type Span } from '../kernel-api';
import { type RegionLabel, regionAt } from '../memmap';
import { symbolText } from '../symbolize';
import { type GlibcHeap, addTcaches, discoverGlibc, minChunk, mmapCandidates } from './glibc';


export interface HeapBlockExample {
  /** The user pointer (what malloc returned). */
  address: bigint;
  usable: number;
  /** First bytes of the block, hex. */
  head: string;
}

export interface SizeGroup {
  usable: number;
  chunkSize: number;
  count: number;
  bytes: number;
  examples: bigint[];
}

export interface SignatureGroup {
  usable: number;
  /** Word offsets (within the first 64 words) that hold a valid pointer. */
  offsets: number[];
  count: number;
  bytes: number;
  examples: HeapBlockExample[];
  /** For each pointer offset, what the first example's pointer points into. */
  targets: { offset: number; label: RegionLabel | 'unmapped'; module?: string; symbol?: string }[];
}

export interface TypeGroup {
  /** 'A', 'CommReq' for vtables with symbols; else module+offset. */
  type: string;
  kind: 'vtable' | 'function' | 'rodata';
  value: bigint;
  module?: string;
  symbol?: string;
  count: number;
  bytes: number;
  examples: HeapBlockExample[];
}

export interface ArenaSummary {
  index: number;
  address: bigint;
  main: boolean;
  top: bigint;
  topSize: bigint;
  systemMem: bigint;
  heaps: { start: bigint; end: bigint }[];
  used: { count: number; bytes: number };
  free: { count: number; bytes: number };
  tcache: { count: number; bytes: number };
  fastbin: { count: number; bytes: number };
}

export interface HeapResult {
  allocator: 'glibc';
  found: boolean;
  mainArena?: bigint;
  safeLinking?: boolean;
  layout?: GlibcHeap['layout'];
  mp?: GlibcHeap['mp'];
  /** Counts and usable bytes (chunk bytes for `chunkBytes`) by state. */
  used: { count: number; bytes: number; chunkBytes: number };
  free: { count: number; bytes: number; chunkBytes: number };
  tcache: { count: number; bytes: number; chunkBytes: number };
  fastbin: { count: number; bytes: number; chunkBytes: number };
  bins: { count: number; bytes: number; chunkBytes: number };
  meta: { count: number; bytes: number; chunkBytes: number };
  mmapped: { count: number; bytes: number; chunkBytes: number };
  arenas: ArenaSummary[];
  tcaches: { address: bigint; foundBy: string; tids: number[]; entries: number }[];
  bySize: SizeGroup[];
  bySignature: SignatureGroup[];
  byType: TypeGroup[];
  signatureOverflow: number;
  /** Groups in all (the lists above hold the largest). */
  groupTotals: { bySize: number; bySignature: number; byType: number };
  chunks: number;
  regionsWalked: number;
  /** Heap bytes not walked because the chunk table reached its budget (used and free counts are then lower bounds). */
  unwalked?: { bytes: number; regions: number; maxRecords?: number };
  elapsedMs: number;
  diagnostics: Diagnostic[];
  /** How the walk of each region went (not in the JSON; raw dumps check it). */
  walks: RegionWalk[];
  /** Raw dumps: where the walk started and how it ended (src/engine/raw/heap.ts). */
  raw?: RawHeapInfo;
}

/** The walk of one heap region, settled. */
export interface RegionWalk {
  region: number;
  what: string;
  lo: bigint;
  hi: bigint;
  chunks: number;
  /** How the last piece walked stopped (PIECE_STOP), the chunk boundary it stopped at, the last chunk walked. */
  stop: string;
  exit: bigint;
  last?: bigint;
  /** Corrupt headers skipped, and the first one. */
  corrupt: number;
  firstCorrupt?: bigint;
  /** With `topUnknown`: the last chunk, which ends exactly at the region's end, taken as the top chunk. */
  top?: bigint;
  topSize?: bigint;
}

export interface RawHeapInfo {
  firstChunk: bigint;
  /** Why the walk started there: '[heap] start in the maps', 'heap_info at the start', '--first-chunk', … */
  foundBy: string;
  /** The walk's end: the heap's end when known, else the dump's. */
  end: bigint;
  /** How it ended: 'top chunk', 'end of the heap', 'end of the dump', … */
  ended: string;
  top?: bigint;
  topSize?: bigint;
  /** Always false: tcache and fastbin chunks (free, marked in use) are counted as used. */
  freeListsKnown: false;
}


const MMAPPED_ARENA = 255;

const emptyTotals = () => ({ count: 0, bytes: 0, chunkBytes: 0 });

/** A region of chunks: an arena heap or a run of mmapped chunks. */
export interface HeapRegionPlan {
  id: number;
  /** Chunks start in [lo, hi); `lo` is the first chunk (for mmapped: the mapping start). */
  lo: bigint;
  hi: bigint;
  top: bigint;
  mmapped: boolean;
  arena: number;
  what: string;
  /** The top chunk is not known: the last chunk, when it ends exactly at `hi`, is taken as the top (raw dumps). */
  topUnknown?: boolean;
  /** The heap's end is not known: `hi` is where the bytes end, and the last chunk may run past it, up to here (raw dumps without a map). */
  maxEnd?: bigint;
}

export interface HeapPlan {
  g: GlibcHeap;
  regions: HeapRegionPlan[];
  t0: number;
  /** False when the free lists (tcache, fastbins) cannot be known (raw dumps: no main_arena, no TLS): no tcache search by shape. */
  freeListsKnown?: boolean;
}

/** Finds the allocator and the regions to walk (small reads only). Undefined when there is no glibc heap. */
export async function planHeap(o: OpenedCore, diagnostics: Diagnostic[]): Promise<HeapPlan | undefined> {
  const t0 = performance.now();
  const { core, map, memory } = o;
  const g = await discoverGlibc(map, memory, core.wordSize, core.threads.map((t) => ({ tid: t.tid, tp: t.tp })));
  if (g) diagnostics.push(...g.diagnostics);
  if (!g) {
    diagnostics.push({ level: 'info', code: 'heap.no-libc', message: 'no C library module in the core: no glibc heap to reconstruct' });
    return undefined;
  }
  if (!g.arenas.length) return undefined;
  const regions: HeapRegionPlan[] = [];
  for (const a of g.arenas) {
    for (const h of a.heaps) {
      const top = a.top >= h.start && a.top < h.end ? a.top : 0n;
      regions.push({ id: regions.length, lo: h.firstChunk, hi: h.end, top, mmapped: false, arena: a.index, what: `${a.main ? 'main arena' : `arena ${hex(a.address)}`} heap ${hex(h.start)}` });
    }
  }
  for (const r of mmapCandidates(map)) regions.push({ id: regions.length, lo: r.start, hi: r.end, top: 0n, mmapped: true, arena: MMAPPED_ARENA, what: `mmapped chunks at ${hex(r.start)}` });
  return { g, regions, t0 };
}

export function heapConfig(o: OpenedCore, plan: HeapPlan, maxSpanBytes: number): HeapConfig {
  const { map } = o;
  const { ranges, regionOf } = rangeTable(map);
  const imageRanges = new Uint8Array(regionOf.length);
  for (let i = 0; i < regionOf.length; i++) {
    const r = map.regions[regionOf[i]];
    imageRanges[i] = r.module !== undefined && (r.label === 'text' || r.label === 'rodata') ? 1 : 0;
  }
  return { wordSize: o.core.wordSize, ranges, imageRanges, alignment: plan.g.layout.alignment, minChunk: minChunk(plan.g.layout), maxSpanBytes };
}

/** Where a piece's bytes are in the file, to walk it again. */
export interface PlacedPiece extends HeapPiece {
  fileStart: number;
  /** Present bytes of the piece's segment end here. */
  availEnd: bigint;
}

/** The heap pieces of a span: each heap region's part of each of the span's pieces. */
export function heapPiecesOf(plan: HeapPlan, span: Span, nextId: () => number, tail: number): PlacedPiece[] {
  const out: PlacedPiece[] = [];
  const bufLen = span.length + tail;
  for (const sp of span.pieces) {
    if (sp.addr === undefined || sp.availEnd === undefined) continue;
    const a0 = sp.addr;
    const a1 = sp.addr + BigInt(sp.length);
    for (const r of plan.regions) {
      if (r.hi <= a0 || r.lo >= a1) continue;
      const start = r.lo > a0 ? r.lo : a0;
      const end = r.hi < a1 ? r.hi : a1;
      const offset = sp.offset + Number(start - a0);
      const avail = Number((sp.availEnd < r.hi ? sp.availEnd : r.hi) - start);
      out.push({
        id: nextId(), region: r.id, addr: start, offset, length: Math.max(0, Math.min(avail, bufLen - offset)), pieceEnd: end, exact: start === r.lo,
        start, regionEnd: r.hi, top: r.top, mmapped: r.mmapped, arena: r.arena, ...(r.maxEnd ? { maxEnd: r.maxEnd } : {}), fileStart: span.fileStart + offset, availEnd: sp.availEnd,
      });
    }
  }
  return out;
}

export interface Walked {
  worker: number;
  piece: PlacedPiece;
  res: HeapPieceResult;
}

/**
 * Settles the walk: per region, in address order, each piece's first chunk must be the
 * previous piece's exit. A piece whose guessed start was wrong is walked again from the
 * right one; a chunk's unknown in-use bit is taken from the next piece's first header.
 * Then tcaches found by shape, states, aggregation, and the result.
 */
export async function finishHeap(o: OpenedCore, pool: KernelPool, plan: HeapPlan, walked: Walked[], opts: { topGroups?: number; tail: number; maxRecords?: number }): Promise<HeapResult> {
  const { g } = plan;
  const workers = pool.workers;
  const diagnostics: Diagnostic[] = [];
  const result: HeapResult = {
    allocator: 'glibc', found: true, mainArena: g.mainArena, layout: g.layout, mp: g.mp, used: emptyTotals(), free: emptyTotals(), tcache: emptyTotals(),
    fastbin: emptyTotals(), bins: emptyTotals(), meta: emptyTotals(), mmapped: emptyTotals(), arenas: [], tcaches: [], bySize: [], bySignature: [], byType: [],
    signatureOverflow: 0, groupTotals: { bySize: 0, bySignature: 0, byType: 0 }, chunks: 0, regionsWalked: 0, elapsedMs: 0, diagnostics, walks: [],
  };
  const byRegion = new Map<number, Walked[]>();
  for (const w of walked) (byRegion.get(w.piece.region) ?? byRegion.set(w.piece.region, []).get(w.piece.region)!).push(w);
  const shift = BigInt((g.layout.alignment - ((2 * o.core.wordSize) % g.layout.alignment)) % g.layout.alignment);
  let redone = 0;
  let rr = 0;
  for (const region of plan.regions) {
    const list = (byRegion.get(region.id) ?? []).sort((a, b) => (a.piece.addr < b.piece.addr ? -1 : 1));
    let expect: bigint | undefined = region.lo + (region.mmapped ? shift : 0n);
    let pending: { worker: number; record: number } | undefined;
    let finished = false;
    let chunks = 0;
    let stoppedAt: { stop: string; at: bigint } | undefined;
    let last: Walked | undefined;
    let corrupt = 0;
    let firstCorrupt: bigint | undefined;
    for (const w of list) {
      const drop = () => (w.res.rec1 > w.res.rec0 ? workers[w.worker].heapInvalidate(w.res.rec0, w.res.rec1) : Promise.resolve());
      if (finished || (expect !== undefined && expect >= w.piece.pieceEnd)) {
        await drop();
        continue;
      }
      let cur = w;
      if (!w.piece.exact && expect !== undefined && w.res.entry !== expect) {
        await drop();
        // Walk it again from the real first chunk (mmapped: the mapping start before the shift).
        const from = region.mmapped ? expect - shift : expect;
        const skip = from - w.piece.addr;
        const piece: PlacedPiece = { ...w.piece, exact: true, start: from, addr: from, offset: w.piece.offset + Number(skip), fileStart: w.piece.fileStart + Number(skip) };
        const availEnd = w.piece.availEnd < region.hi ? w.piece.availEnd : region.hi;
        piece.length = Math.max(0, Math.min(Number(availEnd - from), Number(w.piece.pieceEnd - from) + opts.tail));
        const worker = rr++ % workers.length;
        cur = { worker, piece, res: await workers[worker].heapWalk(piece) };
        redone++;
      }
      if (cur.res.entry === 0n) continue;
      if (pending) {
        if (cur.res.entry === expect && cur.res.firstPrevInUse !== 2) await workers[pending.worker].heapSetInUse(pending.record, cur.res.firstPrevInUse === 1);
        pending = undefined;
      }
      chunks += cur.res.rec1 - cur.res.rec0;
      last = cur;
      corrupt += cur.res.corrupt;
      if (cur.res.corrupt) firstCorrupt ??= cur.res.firstCorrupt;
      if (cur.res.corrupt) {
        diagnostics.push({
          level: 'warning', code: 'heap.corrupt-chunk',
          message: `${region.what}: ${cur.res.corrupt} corrupt chunk header(s), the first at ${hex(cur.res.firstCorrupt)} (a size that is misaligned, too small or runs past the heap); skipped to the next plausible chunk`,
        });
      }
      if (cur.res.lastUnknown) pending = { worker: cur.worker, record: cur.res.rec1 - 1 };
      const stop = PIECE_STOP[cur.res.stop];
      if (stop === 'piece-end') expect = cur.res.exit;
      else if (stop === 'corrupt' || stop === 'bytes-end' || stop === 'no-sync') {
        // Boundaries after this point are unknown: take the next piece's own guess.
        if (stop !== 'no-sync') stoppedAt ??= { stop, at: cur.res.exit };
        expect = undefined;
      } else {
        finished = true;
        if (stop === 'table-full') stoppedAt = { stop, at: cur.res.exit };
      }
    }
    const walk: RegionWalk = { region: region.id, what: region.what, lo: region.lo, hi: region.hi, chunks, stop: last ? PIECE_STOP[last.res.stop] : 'no-sync', exit: last?.res.exit ?? region.lo, ...(last?.res.last ? { last: last.res.last } : {}), corrupt, firstCorrupt };
    // Top unknown: a last chunk that ends exactly at the region's end is the top chunk, not a block.
    const endsAtHi = last && last.res.rec1 > last.res.rec0 && last.res.exit === region.hi && !['top', 'end-marker', 'corrupt', 'no-sync', 'table-full'].includes(walk.stop);
    if (region.topUnknown && last && endsAtHi) {
      const rec = last.res.rec1 - 1;
      await workers[last.worker].heapInvalidate(rec, rec + 1);
      if (pending && pending.worker === last.worker && pending.record === rec) pending = undefined;
      chunks--;
      walk.chunks = chunks;
      walk.top = last.res.last;
      walk.topSize = region.hi - last.res.last;
    }
    if (pending) await workers[pending.worker].heapSetInUse(pending.record, true);
    result.walks.push(walk);
    if (stoppedAt?.stop === 'table-full') {
      // From where the walk stopped to the region's end, nothing was recorded: the bound on what was missed.
      const u = (result.unwalked ??= { bytes: 0, regions: 0, ...(opts.maxRecords !== undefined ? { maxRecords: opts.maxRecords } : {}) });
      u.bytes += Number(region.hi - (stoppedAt.at > region.lo ? stoppedAt.at : region.lo));
      u.regions++;
    }
    if (region.mmapped && chunks === 0) continue;
    result.regionsWalked++;
    result.chunks += chunks;
    if (stoppedAt) {
      diagnostics.push({
        level: 'warning', code: 'heap.walk-stopped',
        message: `${region.what}: the walk stopped at ${hex(stoppedAt.at)} (${stoppedAt.stop === 'bytes-end' ? (o.core.kind === 'raw' ? 'the end of the dump' : 'bytes missing from the core') : stoppedAt.stop === 'corrupt' ? 'no plausible chunk after a corrupt header' : 'the chunk table is full'}); it went on from the next plausible chunk where there was one`,
      });
    }
  }
  if (result.unwalked) {
    const u = result.unwalked;
    diagnostics.push({
      level: 'warning', code: 'heap.unwalked',
      message: `the chunk table reached its limit${u.maxRecords !== undefined ? ` (${u.maxRecords.toLocaleString('en-US')} chunks a worker)` : ' (wasm memory)'}: ${u.bytes.toLocaleString('en-US')} bytes of heap in ${u.regions} region(s) were not walked, so the used and free counts are lower bounds (used bytes ≤ the used bytes shown + ${u.bytes.toLocaleString('en-US')})`,
    });
  }
  if (redone) diagnostics.push({ level: 'info', code: 'heap.rewalked', message: `${redone} piece(s) of the heaps were walked again: the chunk boundary guessed at a span start was not the real one` });

  // tcaches that neither TLS nor heap starts revealed: every in-use chunk of the struct's size is a candidate.
  const ws = o.core.wordSize;
  if (plan.freeListsKnown !== false) {
    const shaped = (await Promise.all(workers.map((w) => w.heapChunksOfSize(g.layout.tcacheStructChunkSize)))).flatMap((a) => Array.from(a));
    const cands = new Map<bigint, { foundBy: string; tids: number[]; byShape?: boolean }>();
    for (const c of shaped) {
      const user = c + 2n * BigInt(ws);
      if (!g.tcaches.some((t) => t.address === user)) cands.set(user, { foundBy: 'shape (a chunk of tcache_perthread_struct size whose lists match its counts)', tids: [], byShape: true });
    }
    const before = g.diagnostics.length;
    await addTcaches(g, o.map, o.memory, cands);
    diagnostics.push(...g.diagnostics.slice(before));
  }

  const entries = [...g.freeInLists.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const lists = BigUint64Array.from(entries, (e) => e[0]);
  const kinds = Uint8Array.from(entries, (e) => (e[1] === 'tcache' ? 3 : 4));
  const meta = BigUint64Array.from([...g.meta].sort((a, b) => (a < b ? -1 : 1)));
  await Promise.all(workers.map((w) => w.heapClassify(lists, kinds, meta)));
  const aggs = await Promise.all(workers.map((w) => w.heapAggregate()));

  await summarize(result, g, aggs, o, opts.topGroups ?? 300);
  result.safeLinking = g.safeLinking;
  result.tcaches = g.tcaches.map((t) => ({ address: t.address, foundBy: t.foundBy, tids: t.tids, entries: t.counts.reduce((a, b) => a + b, 0) }));
  result.elapsedMs = performance.now() - plan.t0;
  return result;
}

interface Merged {
  key1: bigint;
  key2: bigint;
  count: number;
  bytes: number;
  examples: bigint[];
}

function mergeGroups(list: HeapGroups[]): Merged[] {
  const m = new Map<string, Merged>();
  for (const g of list) {
    for (let i = 0; i < g.key1.length; i++) {
      const k = `${g.key1[i]}:${g.key2[i]}`;
      let e = m.get(k);
      if (!e) m.set(k, (e = { key1: g.key1[i], key2: g.key2[i], count: 0, bytes: 0, examples: [] }));
      e.count += g.counts[i];
      e.bytes += g.bytes[i];
      for (let x = 0; x < 4 && e.examples.length < 4; x++) {
        const a = g.examples[4 * i + x];
        if (x < g.counts[i]) e.examples.push(a);
      }
    }
  }
  return [...m.values()].sort((a, b) => b.bytes - a.bytes || b.count - a.count);
}

async function summarize(res: HeapResult, g: GlibcHeap, aggs: HeapAggregate[], o: OpenedCore, top: number): Promise<void> {
  const ws = BigInt(o.core.wordSize);
  const st = new Float64Array(24);
  const ar = new Float64Array(256 * 16);
  for (const a of aggs) {
    a.states.forEach((v, i) => (st[i] += v));
    a.arenas.forEach((v, i) => (ar[i] += v));
    res.signatureOverflow += a.signatureOverflow;
  }
  const tot = (s: number) => ({ count: st[3 * s], bytes: st[3 * s + 1], chunkBytes: st[3 * s + 2] });
  res.used = tot(1);
  res.bins = tot(2);
  res.tcache = tot(3);
  res.fastbin = tot(4);
  res.meta = tot(5);
  res.free = { count: res.bins.count + res.tcache.count + res.fastbin.count, bytes: res.bins.bytes + res.tcache.bytes + res.fastbin.bytes, chunkBytes: res.bins.chunkBytes + res.tcache.chunkBytes + res.fastbin.chunkBytes };
  const perArena = (a: number, s: number) => ({ count: ar[(a * 8 + s) * 2], bytes: ar[(a * 8 + s) * 2 + 1] });
  // mmapped chunks: usable bytes, and the bytes of their mappings (chunk plus the alignment shift
  // in front of it, as mp_.mmapped_mem and mallinfo2's hblkhd count them).
  const mm = perArena(MMAPPED_ARENA, 1);
  const shift = (g.layout.alignment - ((2 * o.core.wordSize) % g.layout.alignment)) % g.layout.alignment;
  res.mmapped = { count: mm.count, bytes: mm.bytes - mm.count * Number(2n * ws), chunkBytes: mm.bytes + mm.count * shift };
  res.arenas = g.arenas.map((a) => ({
    index: a.index, address: a.address, main: a.main, top: a.top, topSize: a.topSize, systemMem: a.systemMem,
    heaps: a.heaps.map((h) => ({ start: h.start, end: h.end })),
    used: perArena(a.index, 1), free: perArena(a.index, 2), tcache: perArena(a.index, 3), fastbin: perArena(a.index, 4),
  }));

  // An example's own usable size, from its chunk header (groups by type mix sizes).
  const example = async (addr: bigint): Promise<HeapBlockExample> => {
    const user = addr + 2n * ws;
    const sw = (await o.memory.word(addr + ws)) ?? 0n;
    const usable = Number((sw & ~7n) - ((sw & 2n) !== 0n ? 2n * ws : ws));
    const b = await o.memory.read(user, Math.max(0, Math.min(32, usable)));
    return { address: user, usable, head: b ? Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('') : '' };
  };

  const sizes = mergeGroups(aggs.map((a) => a.bySize));
  res.groupTotals.bySize = sizes.length;
  res.bySize = sizes.slice(0, 1000).map((e) => ({ usable: Number(e.key1), chunkSize: Number(e.key2), count: e.count, bytes: e.bytes, examples: e.examples.map((x) => x + 2n * ws) }));

  const allSigs = mergeGroups(aggs.map((a) => a.bySignature));
  res.groupTotals.bySignature = allSigs.length;
  const sigs = allSigs.slice(0, top);
  for (const e of sigs) {
    const usable = Number(e.key1);
    const offsets: number[] = [];
    for (let i = 0; i < 64; i++) if ((e.key2 >> BigInt(i)) & 1n) offsets.push(i);
    const targets: SignatureGroup['targets'] = [];
    const first = e.examples[0];
    if (first !== undefined) {
      for (const off of offsets.slice(0, 16)) {
        const v = await o.memory.word(first + 2n * ws + BigInt(off) * ws);
        const r = v !== undefined ? regionAt(o.map.regions, v) : undefined;
        const sym = v !== undefined && r ? o.symbolizer.lookup(v, r) : undefined;
        targets.push({ offset: off * Number(ws), label: r ? r.label : 'unmapped', ...(r?.module !== undefined ? { module: o.map.modules[r.module].name } : {}), ...(sym ? { symbol: symbolText(sym) } : {}) });
      }
    }
    res.bySignature.push({ usable, offsets: offsets.map((i) => i * Number(ws)), count: e.count, bytes: e.bytes, examples: await Promise.all(e.examples.map((x) => example(x))), targets });
  }

  const allTypes = mergeGroups(aggs.map((a) => a.byType));
  res.groupTotals.byType = allTypes.length;
  const types = allTypes.slice(0, top);
  for (const e of types) {
    const value = e.key1;
    const r = regionAt(o.map.regions, value);
    const sym = r ? o.symbolizer.lookup(value, r) : undefined;
    const module = r?.module !== undefined ? o.map.modules[r.module] : undefined;
    const vt = sym && /^vtable for /.test(sym.demangled) ? sym.demangled.slice('vtable for '.length) : undefined;
    const kind: TypeGroup['kind'] = vt || (r?.label === 'rodata' && value % ws === 0n && !sym) ? 'vtable' : r?.label === 'text' ? 'function' : 'rodata';
    const type = vt ?? (sym ? symbolText(sym) : module ? `${module.name}+${hex(value - (module.bias ?? module.start))}` : hex(value));
    res.byType.push({
      type, kind, value, ...(module ? { module: module.name } : {}), ...(sym ? { symbol: symbolText(sym) } : {}),
      count: e.count, bytes: e.bytes, examples: await Promise.all(e.examples.map((x) => example(x))),
    });
  }
}


// ---- JSON ------------------------------------------------------------------------

const h = (v: bigint) => hex(v);
const ex = (e: HeapBlockExample) => ({ address: h(e.address), size: e.usable, head: e.head });

export interface HeapJSON {
  allocator: 'glibc';
  found: boolean;
  mainArena?: string;
  safeLinking?: boolean;
  layout?: { stateHeader: number; nFastbins: number; stateSize: number; heapInfoSize: number; alignment: number; tcacheStructChunkSize: number };
  mp?: { address: string; sbrkBase: string; nMmaps?: number; mmappedMem?: number; tcacheBins?: number; tcacheMaxBytes?: number; tcacheCount?: number };
  used: { count: number; bytes: number; chunkBytes: number };
  free: { count: number; bytes: number; chunkBytes: number; bins: number; tcache: number; fastbin: number };
  meta: { count: number; bytes: number; chunkBytes: number };
  mmapped: { count: number; bytes: number; chunkBytes: number };
  arenas: {
    index: number; address: string; main: boolean; top: string; topSize: number; systemMem: number; heaps: { start: string; end: string }[];
    used: { count: number; chunkBytes: number }; free: { count: number; chunkBytes: number }; tcache: { count: number; chunkBytes: number }; fastbin: { count: number; chunkBytes: number };
  }[];
  tcaches: { address: string; foundBy: string; tids: number[]; entries: number }[];
  bySize: { size: number; chunkSize: number; count: number; bytes: number; examples: string[] }[];
  bySignature: { size: number; offsets: number[]; count: number; bytes: number; targets: SignatureGroup['targets']; examples: ReturnType<typeof ex>[] }[];
  byType: { type: string; kind: TypeGroup['kind']; value: string; module?: string; symbol?: string; count: number; bytes: number; examples: ReturnType<typeof ex>[] }[];
  /** Groups in all; the lists hold the largest by bytes. */
  groupTotals: { bySize: number; bySignature: number; byType: number };
  chunks: number;
  regionsWalked: number;
  signatureOverflow: number;
  /** Present when the chunk table reached its limit: heap bytes not walked (counts are lower bounds). */
  unwalked?: { bytes: number; regions: number; maxRecords?: number };
  elapsedMs: number;
  /** Raw dumps only: where the chunk walk started and how it ended (docs/json.md). */
  raw?: { firstChunk: string; foundBy: string; end: string; ended: string; top?: string; topSize?: number; freeListsKnown: false };
}

export function heapToJSON(r: HeapResult): HeapJSON {
  const pa = (x: { count: number; bytes: number }) => ({ count: x.count, chunkBytes: x.bytes });
  return {
    allocator: r.allocator, found: r.found,
    ...(r.mainArena !== undefined ? { mainArena: h(r.mainArena) } : {}),
    ...(r.safeLinking !== undefined ? { safeLinking: r.safeLinking } : {}),
    ...(r.layout ? { layout: { stateHeader: r.layout.stateHeader, nFastbins: r.layout.nFastbins, stateSize: r.layout.stateSize, heapInfoSize: r.layout.heapInfoSize, alignment: r.layout.alignment, tcacheStructChunkSize: Number(r.layout.tcacheStructChunkSize) } } : {}),
    ...(r.mp ? { mp: { address: h(r.mp.address), sbrkBase: h(r.mp.sbrkBase), nMmaps: r.mp.nMmaps, mmappedMem: r.mp.mmappedMem !== undefined ? Number(r.mp.mmappedMem) : undefined, tcacheBins: r.mp.tcacheBins, tcacheMaxBytes: r.mp.tcacheMaxBytes, tcacheCount: r.mp.tcacheCount } } : {}),
    used: r.used,
    free: { ...r.free, bins: r.bins.count, tcache: r.tcache.count, fastbin: r.fastbin.count },
    meta: r.meta, mmapped: r.mmapped,
    arenas: r.arenas.map((a) => ({
      index: a.index, address: h(a.address), main: a.main, top: h(a.top), topSize: Number(a.topSize), systemMem: Number(a.systemMem),
      heaps: a.heaps.map((x) => ({ start: h(x.start), end: h(x.end) })), used: pa(a.used), free: pa(a.free), tcache: pa(a.tcache), fastbin: pa(a.fastbin),
    })),
    tcaches: r.tcaches.map((t) => ({ address: h(t.address), foundBy: t.foundBy, tids: t.tids, entries: t.entries })),
    bySize: r.bySize.map((s) => ({ size: s.usable, chunkSize: s.chunkSize, count: s.count, bytes: s.bytes, examples: s.examples.map(h) })),
    bySignature: r.bySignature.map((s) => ({ size: s.usable, offsets: s.offsets, count: s.count, bytes: s.bytes, targets: s.targets, examples: s.examples.map(ex) })),
    byType: r.byType.map((t) => ({ type: t.type, kind: t.kind, value: h(t.value), ...(t.module ? { module: t.module } : {}), ...(t.symbol ? { symbol: t.symbol } : {}), count: t.count, bytes: t.bytes, examples: t.examples.map(ex) })),
    groupTotals: r.groupTotals, chunks: r.chunks, regionsWalked: r.regionsWalked, signatureOverflow: r.signatureOverflow, ...(r.unwalked ? { unwalked: r.unwalked } : {}),
    elapsedMs: Math.round(r.elapsedMs),
    ...(r.raw
      ? {
          raw: {
            firstChunk: h(r.raw.firstChunk), foundBy: r.raw.foundBy, end: h(r.raw.end), ended: r.raw.ended,
            ...(r.raw.top !== undefined ? { top: h(r.raw.top), topSize: Number(r.raw.topSize ?? 0n) } : {}), freeListsKnown: false as const,
          },
        }
      : {}),
  };
}
