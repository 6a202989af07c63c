// The hex view's engine: random access to the dumped memory at any address or file offset.
// Rows of 16 bytes (words of the dump's word size), read only when asked for (pages of the
// address space read through the core's segments, a few kept in an LRU); bytes the core does
// not hold are reported missing with the reason — never as zeros. Every word that points into
// a mapping is annotated (mapping, symbol, heap block when the block index is known), used
// blocks' boundaries and chunk header words are marked, and there are helpers to move around:
// next/previous used block, the block holding an address, address ↔ file offset, typed
// locations (addresses, file offsets, symbols).
//
// The address space is laid out as rows: the mappings (adjacent ones merged, aligned to 16
// bytes), one row each 16 bytes, and one "gap" row for each hole between them, so a view can
// scroll from one mapping into the next without walking through terabytes of nothing.
import type { CoreDump, Segment } from './elf/core';
import { findSymbol } from './elf/symbols';
import { demangle } from './demangle';
import { hex } from './format';
import type { Verdict } from './leaks';
import { type MemoryMap, type Region, type RegionLabel, regionAt, regionName } from './memmap';
import { type AttachedBinary, type Symbolizer, symbolText } from './symbolize';

export const ROW_BYTES = 16;
const ROW = BigInt(ROW_BYTES);

/** The sorted index of used heap blocks (a LeakContext has it): user addresses, usable sizes, verdicts. */
export interface BlockIndex {
  addrs: BigUint64Array;
  sizes: Uint32Array;
  /** 1 anchored, 2 leak top, 3 indirect (leaks.ts). */
  verdicts?: Uint8Array;
}

/** Why bytes are not shown: no mapping there; mapped but not written to the core (p_filesz < p_memsz, or a file mapping gdb skipped); cut off by the end of a truncated core. */
export type MissingWhy = 'unmapped' | 'not-dumped' | 'truncated';
const WHY: MissingWhy[] = ['unmapped', 'not-dumped', 'truncated'];
const R_PRESENT = 0;
const R_UNMAPPED = 1;
const R_NOT_DUMPED = 2;
const R_TRUNCATED = 3;

export interface HexBlockRef {
  /** The block's user address. */
  address: string;
  /** Usable bytes. */
  size: number;
  verdict?: Verdict;
  /** Its position among the used blocks in address order (0-based). */
  ordinal: number;
}

export interface HexPointer {
  /** The word's value: an address inside a mapping. */
  target: string;
  label: RegionLabel;
  /** Start of the mapping it points into. */
  region: string;
  /** 'libc.so.6 rodata', '[heap]', 'stack of thread 12'. */
  where: string;
  /** 'vtable for A+0x10', 'g_kept+0x8' (demangled) when a binary names it. */
  symbol?: string;
  /** The used heap block it points into, when the block index is known. */
  block?: HexBlockRef & { offset: number };
}

export interface HexWord {
  /** Byte offset of the word in its row. */
  offset: number;
  /** The word's value (little-endian), when all of its bytes are in the core. */
  value?: string;
  pointer?: HexPointer;
  /** The used block this word lies in: its start, and whether this is its first or last word. */
  block?: HexBlockRef & { offset: number; first: boolean; last: boolean };
  /** A glibc chunk header word of the block starting right after it: its size field, or its prev_size field when that is not part of the previous used block. */
  header?: { kind: 'size' | 'prev_size'; block: string; chunkSize?: number; flags?: string[] };
}

export interface HexRegionRef {
  start: string;
  end: string;
  label: RegionLabel;
  where: string;
  perms: string;
}

export interface HexBytesRow {
  kind: 'bytes';
  /** Address of the row's first byte (16-aligned). */
  address: string;
  /** File offset of the row's first byte, when it is in the core. */
  fileOffset?: number;
  /** ROW_BYTES values; -1 for a byte the core does not hold. */
  bytes: number[];
  /** Runs of missing bytes in the row, with the reason. */
  missing?: { from: number; to: number; why: MissingWhy }[];
  /** The mapping holding the row's first mapped byte. */
  region?: HexRegionRef;
  /** Byte offset in the row where a mapping starts (the row is its first). */
  regionStart?: number;
  words: HexWord[];
}

export interface HexGapRow {
  kind: 'gap';
  /** Unmapped addresses [from, to). */
  from: string;
  to: string;
}

export type HexRow = HexBytesRow | HexGapRow;

export type HexLocation =
  | { ok: true; address: bigint; how: 'address' | 'file-offset' | 'symbol' | 'relative'; note?: string }
  | { ok: false; message: string };

/** What is at one address: the cursor line of a view. */
export interface HexAddressInfo {
  address: string;
  region?: HexRegionRef;
  symbol?: string;
  block?: HexBlockRef & { offset: number };
  fileOffset?: number;
  missing?: MissingWhy;
}

interface Span {
  start: bigint;
  end: bigint;
  /** Row index of its first row. */
  row: bigint;
}

const VERDICTS: Record<number, Verdict> = { 1: 'anchored', 2: 'leaked', 3: 'indirect' };
const PAGE = 16384;
const PAGE_N = BigInt(PAGE);

export interface HexProviderInput {
  core: CoreDump;
  map: MemoryMap;
  symbolizer: Symbolizer;
  binaries: AttachedBinary[];
}

export class HexProvider {
  readonly wordSize: 4 | 8;
  readonly rowBytes = ROW_BYTES;
  /** Rows of the layout: mapped rows plus one per gap. */
  readonly rowCount: bigint;
  private spans: Span[] = [];
  private segs: { start: bigint; end: bigint }[];
  private blocks?: BlockIndex;
  private pages = new Map<bigint, Promise<{ data: Uint8Array; why: Uint8Array }>>();
  /** Pages read from the file so far (for tests and measurements). */
  pagesRead = 0;

  constructor(
    private input: HexProviderInput,
    blocks?: BlockIndex,
    private opts: { maxPages?: number } = {},
  ) {
    this.wordSize = input.core.wordSize;
    this.blocks = blocks;
    this.segs = input.core.segments.map((s) => ({ start: s.vaddr, end: s.vaddr + s.memsz }));
    const regions = [...input.map.regions].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    let row = 0n;
    for (const r of regions) {
      if (r.end <= r.start) continue;
      const s = r.start & ~(ROW - 1n);
      const e = (r.end + ROW - 1n) & ~(ROW - 1n);
      const last = this.spans[this.spans.length - 1];
      if (last && s <= last.end) {
        if (e > last.end) last.end = e;
        continue;
      }
      if (last) row = last.row + (last.end - last.start) / ROW + 1n; // +1: the gap row
      this.spans.push({ start: s, end: e, row });
    }
    const last = this.spans[this.spans.length - 1];
    this.rowCount = last ? last.row + (last.end - last.start) / ROW : 0n;
  }

  /** Used blocks in the index (0 without one). */
  get blockCount(): number {
    return this.blocks?.addrs.length ?? 0;
  }

  /** Whether pointers can be annotated with heap blocks. */
  get hasBlocks(): boolean {
    return !!this.blocks && this.blocks.addrs.length > 0;
  }

  /** Sets or drops the block index (a fresh analysis has one; it goes when its workers are let go). */
  setBlocks(b: BlockIndex | undefined): void {
    this.blocks = b;
  }

  // ---- layout ---------------------------------------------------------------------

  /** The row showing `addr`: its mapped row, the gap row of an unmapped address, or the first/last row outside the mapped range. */
  rowOf(addr: bigint): bigint {
    const s = this.spans;
    if (!s.length) return 0n;
    let lo = 0;
    let hi = s.length - 1;
    if (addr < s[0].start) return 0n;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid].start <= addr) lo = mid;
      else hi = mid - 1;
    }
    const sp = s[lo];
    if (addr < sp.end) return sp.row + (addr - sp.start) / ROW;
    return lo + 1 < s.length ? s[lo + 1].row - 1n : this.rowCount - 1n;
  }

  /** Address of a mapped row's first byte, or the gap's [from, to) for a gap row. */
  rowAddress(row: bigint): { address: bigint } | { from: bigint; to: bigint } {
    const s = this.spans;
    if (!s.length) return { address: 0n };
    if (row < 0n) row = 0n;
    if (row >= this.rowCount) row = this.rowCount - 1n;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid].row <= row) lo = mid;
      else hi = mid - 1;
    }
    const sp = s[lo];
    const k = row - sp.row;
    if (sp.start + k * ROW < sp.end) return { address: sp.start + k * ROW };
    return { from: sp.end, to: s[lo + 1].start };
  }

  // ---- bytes ----------------------------------------------------------------------

  /** Bytes at [addr, addr+len) and, per byte, 0 when present or the reason it is missing (1 unmapped, 2 not dumped, 3 truncated). */
  async read(addr: bigint, len: number): Promise<{ data: Uint8Array; why: Uint8Array }> {
    const data = new Uint8Array(len);
    const why = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + BigInt(done);
      const key = a / PAGE_N;
      const off = Number(a - key * PAGE_N);
      const n = Math.min(len - done, PAGE - off);
      const p = await this.page(key);
      data.set(p.data.subarray(off, off + n), done);
      why.set(p.why.subarray(off, off + n), done);
      done += n;
    }
    return { data, why };
  }

  private page(key: bigint): Promise<{ data: Uint8Array; why: Uint8Array }> {
    let p = this.pages.get(key);
    if (p) {
      // most recently used last
      this.pages.delete(key);
      this.pages.set(key, p);
      return p;
    }
    p = this.readPage(key * PAGE_N);
    p.catch(() => this.pages.delete(key));
    this.pages.set(key, p);
    const max = this.opts.maxPages ?? 64;
    while (this.pages.size > max) this.pages.delete(this.pages.keys().next().value as bigint);
    return p;
  }

  private async readPage(base: bigint): Promise<{ data: Uint8Array; why: Uint8Array }> {
    const end = base + PAGE_N;
    const data = new Uint8Array(PAGE);
    const why = new Uint8Array(PAGE).fill(R_UNMAPPED);
    const mark = (from: bigint, to: bigint, v: number) => {
      const a = from < base ? base : from;
      const b = to > end ? end : to;
      if (b > a) why.fill(v, Number(a - base), Number(b - base));
    };
    const regions = this.input.map.regions;
    for (let i = firstEndingAfter(regions, base); i < regions.length && regions[i].start < end; i++) mark(regions[i].start, regions[i].end, R_NOT_DUMPED);
    const segs = this.input.core.segments;
    const src = this.input.core.source;
    for (let i = firstEndingAfter(this.segs, base); i < segs.length && segs[i].vaddr < end; i++) {
      const s = segs[i];
      mark(s.vaddr, s.vaddr + s.memsz, R_NOT_DUMPED);
      mark(s.vaddr, s.vaddr + BigInt(s.filesz), R_TRUNCATED);
      const from = s.vaddr > base ? s.vaddr : base;
      const to = minBig(end, s.vaddr + BigInt(s.available), s.vaddr + s.memsz);
      if (to <= from) continue;
      const len = Number(to - from);
      const b = await src.read(s.fileOffset + Number(from - s.vaddr), len);
      this.pagesRead++;
      data.set(b, Number(from - base));
      // A short read (the file shrank since it was opened) leaves the rest marked truncated.
      why.fill(R_PRESENT, Number(from - base), Number(from - base) + b.length);
    }
    return { data, why };
  }

  /** Rows [first, first+count) of the layout. */
  async rows(first: bigint, count: number): Promise<HexRow[]> {
    const out: HexRow[] = [];
    if (first < 0n) first = 0n;
    for (let i = 0; i < count; i++) {
      const r = first + BigInt(i);
      if (r >= this.rowCount) break;
      const at = this.rowAddress(r);
      if ('from' in at) out.push({ kind: 'gap', from: hex(at.from), to: hex(at.to) });
      else out.push(await this.bytesRow(at.address));
    }
    return out;
  }

  /** One row of bytes at a 16-aligned address (any address: unmapped ones read as missing). */
  async bytesRow(address: bigint): Promise<HexBytesRow> {
    address &= ~(ROW - 1n);
    const ws = this.wordSize;
    const W = BigInt(ws);
    const { data, why } = await this.read(address, ROW_BYTES);
    const bytes = Array.from(data, (b, i) => (why[i] === R_PRESENT ? b : -1));
    const row: HexBytesRow = { kind: 'bytes', address: hex(address), bytes, words: [] };
    const missing: NonNullable<HexBytesRow['missing']> = [];
    for (let i = 0; i < ROW_BYTES; i++) {
      if (why[i] === R_PRESENT) continue;
      const last = missing[missing.length - 1];
      if (last && last.to === i && last.why === WHY[why[i] - 1]) last.to = i + 1;
      else missing.push({ from: i, to: i + 1, why: WHY[why[i] - 1] });
    }
    if (missing.length) row.missing = missing;
    const fo = why[0] === R_PRESENT ? this.fileOffset(address) : undefined;
    if (fo !== undefined) row.fileOffset = fo;
    const regions = this.input.map.regions;
    for (let i = firstEndingAfter(regions, address); i < regions.length && regions[i].start < address + ROW; i++) {
      const r = regions[i];
      row.region ??= this.regionRef(r);
      if (r.start >= address) {
        row.regionStart = Number(r.start - address);
        row.region = this.regionRef(r);
        break;
      }
    }
    const dv = new DataView(data.buffer);
    const blocks = this.blocksNear(address, address + ROW);
    for (let o = 0; o < ROW_BYTES; o += ws) {
      const w: HexWord = { offset: o };
      const a = address + BigInt(o);
      let full = true;
      for (let k = 0; k < ws; k++) if (why[o + k] !== R_PRESENT) full = false;
      if (full) {
        const v = ws === 8 ? dv.getBigUint64(o, true) : BigInt(dv.getUint32(o, true));
        w.value = hex(v);
        const p = this.pointer(v);
        if (p) w.pointer = p;
        // chunk header words of a block starting just after
        for (const b of blocks) {
          const start = this.blocks!.addrs[b];
          if (a === start - W) {
            const mm = (v & 2n) !== 0n;
            const flags = [...(v & 1n ? ['PREV_INUSE'] : []), ...(mm ? ['IS_MMAPPED'] : []), ...(v & 4n ? ['NON_MAIN_ARENA'] : [])];
            w.header = { kind: 'size', block: hex(start), chunkSize: Number(v & ~7n), flags };
          } else if (a === start - 2n * W && !blocks.some((x) => this.inBlock(x, a))) {
            w.header = { kind: 'prev_size', block: hex(start), chunkSize: Number(v) };
          }
        }
      }
      for (const b of blocks) {
        if (!this.inBlock(b, a)) continue;
        const start = this.blocks!.addrs[b];
        const size = this.blocks!.sizes[b];
        const off = Number(a - start);
        w.block = { ...this.blockRef(b), offset: off, first: off === 0, last: off + ws >= size };
        break;
      }
      row.words.push(w);
    }
    return row;
  }

  private regionRef(r: Region): HexRegionRef {
    return { start: hex(r.start), end: hex(r.end), label: r.label, where: regionName(r, this.input.map.modules), perms: r.perms };
  }

  // ---- pointers and blocks ---------------------------------------------------------

  /** The annotation of a word: undefined unless it points into a mapping. */
  pointer(v: bigint): HexPointer | undefined {
    const r = regionAt(this.input.map.regions, v);
    if (!r) return undefined;
    const p: HexPointer = { target: hex(v), label: r.label, region: hex(r.start), where: regionName(r, this.input.map.modules) };
    const sym = this.input.symbolizer.lookup(v, r);
    if (sym) p.symbol = symbolText(sym);
    const b = this.blockIndexAt(v);
    if (b >= 0) p.block = { ...this.blockRef(b), offset: Number(v - this.blocks!.addrs[b]) };
    return p;
  }

  private blockRef(i: number): HexBlockRef {
    const b = this.blocks!;
    const r: HexBlockRef = { address: hex(b.addrs[i]), size: b.sizes[i], ordinal: i };
    const v = b.verdicts ? VERDICTS[b.verdicts[i]] : undefined;
    if (v) r.verdict = v;
    return r;
  }

  private inBlock(i: number, a: bigint): boolean {
    const b = this.blocks!;
    return a >= b.addrs[i] && a < b.addrs[i] + BigInt(b.sizes[i]);
  }

  /** Index of the last block starting at or below v (-1 when none). */
  private lastAtOrBelow(v: bigint): number {
    const a = this.blocks?.addrs;
    if (!a || !a.length || v < a[0]) return -1;
    let lo = 0;
    let hi = a.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid] <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private blockIndexAt(v: bigint): number {
    const i = this.lastAtOrBelow(v);
    return i >= 0 && this.inBlock(i, v) ? i : -1;
  }

  /** Blocks overlapping [from, to) or whose header words (two words before the start) do. */
  private blocksNear(from: bigint, to: bigint): number[] {
    const b = this.blocks;
    if (!b || !b.addrs.length) return [];
    const W2 = 2n * BigInt(this.wordSize);
    const out: number[] = [];
    let i = this.lastAtOrBelow(from);
    if (i < 0) i = 0;
    for (; i < b.addrs.length && b.addrs[i] - W2 < to; i++) {
      if (b.addrs[i] + BigInt(b.sizes[i]) > from || b.addrs[i] - W2 >= from) out.push(i);
    }
    return out;
  }

  /** The used block holding addr. */
  blockAt(addr: bigint): (HexBlockRef & { offset: number }) | undefined {
    const i = this.blockIndexAt(addr);
    return i >= 0 ? { ...this.blockRef(i), offset: Number(addr - this.blocks!.addrs[i]) } : undefined;
  }

  /** The first used block starting after addr. */
  nextBlock(addr: bigint): HexBlockRef | undefined {
    const b = this.blocks;
    if (!b) return undefined;
    const i = this.lastAtOrBelow(addr) + 1;
    return i < b.addrs.length ? this.blockRef(i) : undefined;
  }

  /** The last used block starting before addr. */
  prevBlock(addr: bigint): HexBlockRef | undefined {
    if (!this.blocks) return undefined;
    const i = this.lastAtOrBelow(addr - 1n);
    return i >= 0 ? this.blockRef(i) : undefined;
  }

  // ---- addresses, offsets, locations -------------------------------------------------

  /** File offset of the byte at addr, when the core holds it. */
  fileOffset(addr: bigint): number | undefined {
    const segs = this.input.core.segments;
    const i = firstEndingAfter(this.segs, addr);
    const s: Segment | undefined = segs[i];
    if (!s || addr < s.vaddr || addr >= s.vaddr + s.memsz) return undefined;
    const k = Number(addr - s.vaddr);
    return k < s.available ? s.fileOffset + k : undefined;
  }

  /** The address whose byte the core holds at file offset off. */
  addressOfOffset(off: number): bigint | undefined {
    for (const s of this.input.core.segments) {
      const avail = Math.min(s.available, Number(s.memsz < 1n << 52n ? s.memsz : 1n << 52n));
      if (off >= s.fileOffset && off < s.fileOffset + avail) return s.vaddr + BigInt(off - s.fileOffset);
    }
    return undefined;
  }

  /** What is at one address. */
  describe(addr: bigint): HexAddressInfo {
    const info: HexAddressInfo = { address: hex(addr) };
    const r = regionAt(this.input.map.regions, addr);
    if (r) {
      info.region = this.regionRef(r);
      const sym = this.input.symbolizer.lookup(addr, r);
      if (sym) info.symbol = symbolText(sym);
    }
    const b = this.blockAt(addr);
    if (b) info.block = b;
    const fo = this.fileOffset(addr);
    if (fo !== undefined) info.fileOffset = fo;
    else info.missing = this.missingWhy(addr, r);
    return info;
  }

  private missingWhy(addr: bigint, r = regionAt(this.input.map.regions, addr)): MissingWhy {
    if (!r) return 'unmapped';
    const s = this.input.core.segments.find((x) => addr >= x.vaddr && addr < x.vaddr + x.memsz);
    return s && addr - s.vaddr < BigInt(s.filesz) ? 'truncated' : 'not-dumped';
  }

  /**
   * Reads a typed location: `0x55d0…` or `55d0…` (an address, hex), `@1f40` or `file:0x1f40`
   * (a file offset, hex as xxd prints it), `+0x40` / `-40` (relative to `from`, hex), or a
   * symbol of the dropped binaries (`g_pending`, `vtable for A`, `main+0x10`).
   */
  locate(text: string, from?: bigint): HexLocation {
    let t = text.trim();
    // 0x7fff_ffff: digit-group underscores in a 0x number
    if (/^([@+-]|file:)?\s*0x[0-9a-f_]+$/i.test(t)) t = t.replace(/_/g, '');
    if (!t) return { ok: false, message: 'Type an address (0x55d0c0a012a0), a file offset (@1f40), +/-offset, or a symbol name.' };
    const hexNum = (s: string) => (/^(0x)?[0-9a-f]{1,16}$/i.test(s) ? BigInt(s.toLowerCase().startsWith('0x') ? s : '0x' + s) : undefined);
    let m = /^(?:@|file:)\s*(.+)$/i.exec(t);
    if (m) {
      const off = hexNum(m[1].trim());
      if (off === undefined) return { ok: false, message: `“${m[1].trim()}” is not a file offset: type it in hex, as xxd prints it (@1f40 or file:0x1f40).` };
      const size = this.input.core.source.size;
      if (off >= BigInt(size)) return { ok: false, message: `File offset ${hex(off)} is past the end of ${this.input.core.source.name} (${hex(size)} bytes).` };
      const a = this.addressOfOffset(Number(off));
      if (a === undefined) return { ok: false, message: `File offset ${hex(off)} holds no process memory: it is in the core's headers or notes, not in a loaded segment.` };
      return { ok: true, address: a, how: 'file-offset' };
    }
    m = /^([+-])\s*(\S+)$/.exec(t);
    if (m) {
      const d = hexNum(m[2]);
      if (d === undefined) return { ok: false, message: `“${m[2]}” is not an offset: type it in hex (+0x40, -10).` };
      if (from === undefined) return { ok: false, message: 'A relative offset needs a current address.' };
      const a = m[1] === '+' ? from + d : from - d;
      if (a < 0n || a >= 1n << 64n) return { ok: false, message: `${hex(from)} ${m[1]} ${hex(d)} is outside the address space.` };
      return { ok: true, address: a, how: 'relative' };
    }
    const sym = /^(.*?)(?:\s*\+\s*(0x[0-9a-f]+|\d+))?$/i.exec(t)!;
    const bare = hexNum(t);
    if (bare !== undefined && /^0x/i.test(t)) return this.inRange(bare, 'address');
    const s = this.symbolAddress(sym[1].trim());
    if (s !== undefined) {
      const off = sym[2] ? BigInt(sym[2]) : 0n;
      return { ok: true, address: s.address + off, how: 'symbol', note: `${s.name}${off ? `+${hex(off)}` : ''} in ${s.module}${bare !== undefined ? ` (type 0x${t} for the address)` : ''}` };
    }
    if (bare !== undefined) return this.inRange(bare, 'address');
    return {
      ok: false,
      message: this.input.binaries.length
        ? `“${t}” is neither an address (0x…), a file offset (@…), nor a symbol of the dropped binaries.`
        : `“${t}” is not an address (0x…) or a file offset (@…); symbol names need the executable or library dropped with the core.`,
    };
  }

  private inRange(a: bigint, how: 'address'): HexLocation {
    if (a >= 1n << BigInt(this.wordSize * 8)) return { ok: false, message: `${hex(a)} does not fit a ${this.wordSize * 8}-bit address.` };
    return { ok: true, address: a, how };
  }

  /** A symbol of the attached binaries by exact name (mangled, or demangled as c++filt prints it). */
  symbolAddress(name: string): { address: bigint; name: string; module: string } | undefined {
    if (!name) return undefined;
    const modules = this.input.map.modules;
    for (const a of this.input.binaries) {
      const bias = modules[a.module].bias;
      if (bias === undefined) continue;
      const v = findSymbol(a.binary.symbols, name);
      if (v !== undefined) return { address: bias + v, name, module: modules[a.module].name };
    }
    // Demangled names: only mangled names holding the last identifier of the query are demangled.
    const ident = /([A-Za-z_][A-Za-z0-9_]*)[^A-Za-z0-9_]*$/.exec(name)?.[1];
    if (!ident) return undefined;
    const want = name.replace(/\s+/g, ' ');
    for (const a of this.input.binaries) {
      const bias = modules[a.module].bias;
      if (bias === undefined) continue;
      const names = a.binary.symbols.names;
      let tried = 0;
      for (let i = 0; i < names.length && tried < 20000; i++) {
        const n = names[i];
        if (!n.startsWith('_Z') || !n.includes(ident)) continue;
        tried++;
        const d = demangle(n);
        if (d === want || d.replace(/\(.*\)$/, '') === want) return { address: bias + a.binary.symbols.addrs[i], name: d, module: modules[a.module].name };
      }
    }
    return undefined;
  }
}

/** Index of the first item (sorted by start, non-overlapping) whose end is after v. */
function firstEndingAfter(items: { start: bigint; end: bigint }[], v: bigint): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].end <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function minBig(...v: bigint[]): bigint {
  return v.reduce((a, b) => (b < a ? b : a));
}

/** xxd-like text of rows: address, words (or `··`/`--` for missing bytes), ASCII, what the words point to. */
export function hexRowsText(rows: HexRow[], wordSize: 4 | 8): string {
  const ws = wordSize;
  const pad = (h: string) => h.slice(2).padStart(ws * 2, '0');
  const lines: string[] = [];
  for (const r of rows) {
    if (r.kind === 'gap') {
      lines.push(`${' '.repeat(ws * 2)}  ⋯ ${pad(r.from)}–${pad(r.to)}: no mapping ⋯`);
      continue;
    }
    const whyAt = (i: number) => r.missing?.find((m) => i >= m.from && i < m.to)?.why;
    const words = r.words.map((w) => {
      let s = '';
      for (let k = ws - 1; k >= 0; k--) {
        const b = r.bytes[w.offset + k];
        s += b < 0 ? (whyAt(w.offset + k) === 'unmapped' ? '··' : '--') : b.toString(16).padStart(2, '0');
      }
      return s;
    });
    const ascii = r.bytes.map((b, i) => (b < 0 ? (whyAt(i) === 'unmapped' ? '·' : '-') : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    const notes: string[] = [];
    if (r.regionStart !== undefined && r.region) notes.push(`▸ ${r.region.where} ${r.region.perms}`);
    for (const w of r.words) {
      if (w.block?.first) notes.push(`┌ block ${w.block.size} B${w.block.verdict ? ` ${w.block.verdict === 'leaked' ? 'leak top' : w.block.verdict}` : ''}`);
      if (w.header?.kind === 'size') notes.push(`+${w.offset}: chunk size ${w.header.chunkSize}${w.header.flags?.length ? ` ${w.header.flags.join('|')}` : ''}`);
      if (w.pointer) {
        const p = w.pointer;
        const t = p.block
          ? `block ${pad(p.block.address)}${p.block.offset ? `+${p.block.offset}` : ''} (${p.block.size} B${p.block.verdict ? `, ${p.block.verdict === 'leaked' ? 'leak top' : p.block.verdict}` : ''})`
          : (p.symbol ?? p.where);
        notes.push(`+${w.offset} → ${t}`);
      }
    }
    if (r.missing) notes.push(`missing: ${[...new Set(r.missing.map((m) => m.why))].join(', ')}`);
    lines.push(`${pad(r.address)}  ${words.join(' ')}  ${ascii}${notes.length ? '  ' + notes.join(' · ') : ''}`.trimEnd());
  }
  return lines.join('\n') + '\n';
}
