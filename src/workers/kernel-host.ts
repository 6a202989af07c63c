// The host side of the AssemblyScript kernels: owns one wasm instance, copies file spans
// into its memory and calls the kernels. Runs wherever it is put: a Web Worker, a Node
// worker thread, or inline on the calling thread (tests, tiny inputs).
import type { ByteSource } from '../engine/bytesource';
import { compileRegex, scanRegex } from '../engine/content/regex-scan';
import { type Latin1Decoder, latin1Decoder } from '../engine/content/latin1';
import type {
  ContentConfig, ContentPart, ContentSpan, ContentTable, ContentWorker, RegexRequest, RegexSpanResult,
  CensusConfig, CensusPart, FinishRequest, HeapAggregate, HeapBlocks, HeapConfig, HeapGroups, HeapPiece, HeapPieceResult, HeapWorker, KernelWorker,
  PickedValues, ScanResult, SortedRun, Span, GraphPart, GraphScanResult, GraphQuery,
} from '../engine/kernel-api';

export interface KernelExports {
  memory: WebAssembly.Memory;
  memReset(): void;
  memAlloc(bytes: number): number;
  memTop(): number;
  memSetTop(t: number): void;
  memBytes(): number;
  censusInit(rp: number, nr: number, ws: number, bufLog2: number, accMax: number, mgLog2: number): number;
  censusRun(p: number, len: number): void;
  censusSmallPtr(): number;
  censusMgUsed(): number;
  censusMgDecrement(): bigint;
  censusTotalWords(): bigint;
  censusPointerWords(): bigint;
  censusOtherWords(): bigint;
  censusOverflowWords(): bigint;
  censusSaturated(): number;
  censusSortPtr(): number;
  censusSortedKeys(): number;
  censusSortedCounts(): number;
  findRange(v: bigint): number;
  heapInit(rp: number, nr: number, flags: number, ws: number, align: number, minChunk: number): number;
  heapSetMaxRecords(n: number): void;
  heapWalkPiece(buf: number, len: number, bAddr: bigint, start: bigint, exact: number, pieceEnd: bigint, regionEnd: bigint, top: bigint, mmapped: number, arena: number, maxEnd: bigint): number;
  heapPieceEntry(): bigint;
  heapPieceExit(): bigint;
  heapPieceStop(): number;
  heapPieceFirstPrevInUse(): number;
  heapPieceRecord0(): number;
  heapInvalidate(r0: number, r1: number): void;
  heapSetInUse(i: number, inUse: number): void;
  heapCorruptCount(): number;
  heapMarkLeaks(addrs: number, kinds: number, n: number): void;
  graphUsedCount(): number;
  graphExportUsed(outA: number, outS: number, tmp: number, ws: number): number;
  graphIndexAlloc(n: number, ws: number): number;
  graphIndexSizes(): number;
  graphIndexReady(): number;
  graphFind(v: bigint): number;
  graphScanBlocks(buf: number, len: number, addr: bigint): void;
  graphScanRoots(buf: number, len: number, addr: bigint, out: number, cap: number): number;
  graphEdgeCount(): number;
  graphEdges(): number;
  graphEdgesFull(): number;
  graphAppendEdges(p: number, n: number): void;
  graphBuild(): number;
  graphReach(roots: number, n: number): number;
  graphVerdicts(out: number): void;
  graphParent(b: number): number;
  graphOutStart(b: number): number;
  graphOutEnd(b: number): number;
  graphOutDst(e: number): number;
  graphEdgesReset(): void;
  graphIncoming(b: number, out: number, cap: number): number;
  heapFirstCorrupt(): bigint;
  heapRecords(): number;
  heapRecordCount(): number;
  heapClassify(lists: number, kinds: number, nLists: number, meta: number, nMeta: number): void;
  heapAggregate(sizeLog2: number, sigLog2: number, typeLog2: number, mode: number): number;
  heapStats(): number;
  heapGroups(which: number): number;
  heapGroupCap(which: number): number;
  heapSigOverflow(): bigint;
  censusExportMg(k: number, c: number): number;
  contentInit(minLen: number, flags: number, cap: number, logs: number): number;
  contentPiece(p: number, len: number, addr: bigint, pre: number, post: number, more: number): void;
  contentTotals(out: number): void;
  contentTableUsed(t: number): number;
  contentTableMaxError(t: number): number;
  contentTableEvictions(t: number): number;
  contentExport(t: number, oh: number, og: number, oc: number, oe: number, ol: number, oa: number, ox: number, tmp: number): number;
  censusMergeRun(k: number, c: number, m: number): void;
  censusLowerBound(pivot: bigint): number;
  censusKeep(lo: number, hi: number): void;
  censusRangeTotals(out: number): void;
  censusTopPtr(k: number, out: number, flags: number, align: number): number;
}

/**
 * A new instance of the kernels. Synchronous where the platform allows it (Node, Web Workers):
 * Node's asynchronous WebAssembly.instantiate can leave its promise pending for ever when nothing
 * else keeps the event loop alive (seen by the fuzz suite: the process sat in
 * NodePlatform::DrainTasks). The asynchronous form is the fallback (a browser's main thread).
 */
export async function instantiateKernels(module: WebAssembly.Module): Promise<KernelExports> {
  const imports = {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`kernel abort at ${line}:${col}`);
      },
    },
  };
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, imports);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    instance = await WebAssembly.instantiate(module, imports);
  }
  return instance.exports as unknown as KernelExports;
}

export class KernelHost implements KernelWorker, HeapWorker, ContentWorker {
  private input = 0;
  private inputCap = 0;
  /** The heap walk's own kernel instance (its chunk table grows at the end of its memory). */
  private h?: KernelExports;
  private hInput = 0;
  private hInputCap = 0;

  constructor(
    private k: KernelExports,
    private source: ByteSource,
    private makeInstance: () => Promise<KernelExports>,
  ) {}

  private u8(p: number, n: number) {
    return new Uint8Array(this.k.memory.buffer, p, n);
  }

  private alloc(bytes: number, what: string): number {
    const p = this.k.memAlloc(bytes) >>> 0;
    if (!p) throw new Error(`out of wasm memory allocating ${bytes} bytes for ${what} (have ${this.k.memBytes() >>> 0} bytes)`);
    return p;
  }

  async censusBegin(cfg: CensusConfig): Promise<void> {
    const k = this.k;
    k.memReset();
    this.inputCap = cfg.maxSpanBytes;
    this.input = this.alloc(this.inputCap, 'the input slice');
    const n = cfg.ranges.length / 2;
    this.nRanges = n;
    const rp = this.alloc(Math.max(16, n * 16), 'the range table');
    new BigUint64Array(k.memory.buffer, rp, n * 2).set(cfg.ranges);
    if (!k.censusInit(rp, n, cfg.wordSize, cfg.bufLog2, cfg.accMaxEntries, cfg.mgLog2)) {
      throw new Error('out of wasm memory setting up the census tables');
    }
  }

  private inputBusy: Promise<unknown> = Promise.resolve();

  /**
   * Brings a span into the input buffer and runs `use` on it. Several spans may be in flight
   * (the pipeline reads ahead): a Blob read lands in its own buffer and is copied in just
   * before use, synchronously; a direct read into kernel memory waits for the buffer.
   */
  private withSpan<T>(fileStart: number, length: number, use: (len: number) => T): Promise<T> {
    return this.withSpanAt(() => this.input, this.inputCap, fileStart, length, use);
  }

  /** As withSpan, into the buffer at `at()` (read when the bytes land: the buffer may be set up meanwhile). */
  private async withSpanAt<T>(at: () => number, cap: number, fileStart: number, length: number, use: (len: number) => T): Promise<T> {
    if (length > cap) throw new Error(`span of ${length} bytes exceeds the ${cap}-byte input buffer`);
    const short = (got: number) => new Error(`short read at offset ${fileStart + got}: expected ${length} bytes`);
    // A span's tail (bytes after it, for the heap walk) may run past the end of the file.
    const need = Math.min(length, Math.max(0, this.source.size - fileStart));
    if (this.source.readInto) {
      const turn = this.inputBusy.then(async () => {
        const got = await this.source.readInto!(fileStart, this.u8(at(), need));
        if (got < need) throw short(got);
        return use(need);
      });
      this.inputBusy = turn.catch(() => undefined);
      return turn;
    }
    const b = await this.source.read(fileStart, need);
    if (b.length < need) throw short(b.length);
    this.u8(at(), need).set(b);
    return use(need);
  }

  scanSpan(span: Span, pieces: HeapPiece[] = []): Promise<ScanResult> {
    return this.withSpan(span.fileStart, span.length + (span.tail ?? 0), (len) => {
      let bytes = 0;
      if (this.input) {
        for (const p of span.pieces) {
          this.k.censusRun(this.input + p.offset, p.length);
          bytes += p.length;
        }
      }
      if (!pieces.length) return { bytes, pieces: [] };
      // Copy what the pieces cover into the heap instance (same offsets).
      const h = this.heapKernel();
      const lo = Math.min(...pieces.map((p) => p.offset));
      const hi = Math.min(len, Math.max(...pieces.map((p) => p.offset + p.length)));
      if (hi > lo) new Uint8Array(h.memory.buffer, this.hInput + lo, hi - lo).set(this.u8(this.input + lo, hi - lo));
      return { bytes, pieces: pieces.map((p) => this.walkPiece(this.hInput + p.offset, Math.min(p.length, len - p.offset), p)) };
    });
  }

  private nRanges = 0;
  private wordSize = 8;

  /** Scratch memory in the heap instance, after its chunk table, given back afterwards. */
  private hScratch<T>(fn: (alloc: (bytes: number) => number) => T): T {
    const h = this.heapKernel();
    const top = h.memTop() >>> 0;
    try {
      return fn((bytes) => this.hAlloc(bytes, 'results'));
    } finally {
      h.memSetTop(top);
    }
  }

  /** Runs fn with scratch memory after everything else, given back afterwards. */
  private scratch<T>(fn: (alloc: (bytes: number) => number) => T): T {
    const top = this.k.memTop() >>> 0;
    try {
      return fn((bytes) => this.alloc(bytes, 'results'));
    } finally {
      this.k.memSetTop(top);
    }
  }

  async censusSample(count: number): Promise<BigUint64Array> {
    const k = this.k;
    const n = k.censusSortPtr() >>> 0;
    const keys = new BigUint64Array(k.memory.buffer, k.censusSortedKeys() >>> 0, n);
    const m = Math.min(count, n);
    const out = new BigUint64Array(m);
    for (let i = 0; i < m; i++) out[i] = keys[Math.floor(((i + 0.5) * n) / m)];
    return out;
  }

  async censusPartition(pivots: BigUint64Array, self: number): Promise<(SortedRun | undefined)[]> {
    const k = this.k;
    const n = k.censusSortPtr() >>> 0;
    const bounds = [0, ...Array.from(pivots, (p) => k.censusLowerBound(p) >>> 0), n];
    const buf = k.memory.buffer;
    const keys = new BigUint64Array(buf, k.censusSortedKeys() >>> 0, n);
    const counts = new Uint32Array(buf, k.censusSortedCounts() >>> 0, n);
    const out: (SortedRun | undefined)[] = [];
    for (let j = 0; j + 1 < bounds.length; j++) {
      out.push(j === self ? undefined : { keys: keys.slice(bounds[j], bounds[j + 1]), counts: counts.slice(bounds[j], bounds[j + 1]) });
    }
    k.censusKeep(bounds[self], bounds[self + 1]);
    return out;
  }

  async censusMergeRun(run: SortedRun): Promise<void> {
    const k = this.k;
    k.censusSortPtr();
    // Through the input buffer, a sorted chunk at a time (each chunk merges on its own).
    const batch = Math.floor(this.inputCap / 12);
    for (let i = 0; i < run.keys.length; i += batch) {
      const n = Math.min(batch, run.keys.length - i);
      const kp = this.input;
      const cp = this.input + n * 8;
      new BigUint64Array(k.memory.buffer, kp, n).set(run.keys.subarray(i, i + n));
      new Uint32Array(k.memory.buffer, cp, n).set(run.counts.subarray(i, i + n));
      k.censusMergeRun(kp, cp, n);
    }
  }

  async censusFinish(req: FinishRequest): Promise<CensusPart> {
    const part = this.finishPart(req);
    // The census is done: let its instance (and its memory, which wasm cannot shrink) go.
    this.k = await this.makeInstance();
    this.input = 0;
    return part;
  }

  private finishPart(req: FinishRequest): CensusPart {
    const k = this.k;
    const distinct = k.censusSortPtr() >>> 0;
    return this.scratch((alloc) => {
      const pick = (flags: number, align: number): PickedValues => {
        const out = alloc(req.topN * 4 + 16);
        const n = k.censusTopPtr(req.topN, out, flags, align) >>> 0;
        const idx = new Uint32Array(k.memory.buffer, out, n).slice();
        const keys = new BigUint64Array(n);
        const counts = new Uint32Array(n);
        const ranges = new Int32Array(n);
        const keysPtr = k.censusSortedKeys() >>> 0;
        const countsPtr = k.censusSortedCounts() >>> 0;
        const allKeys = new BigUint64Array(k.memory.buffer, keysPtr, distinct);
        const allCounts = new Uint32Array(k.memory.buffer, countsPtr, distinct);
        for (let i = 0; i < n; i++) {
          keys[i] = allKeys[idx[i]];
          counts[i] = allCounts[idx[i]];
          ranges[i] = k.findRange(keys[i]);
        }
        return { keys, counts, ranges };
      };
      const top = pick(0, 0);
      const flags = alloc(Math.max(16, req.vtableRanges.length));
      new Uint8Array(k.memory.buffer, flags, req.vtableRanges.length).set(req.vtableRanges);
      const topVtables = pick(flags, req.align);
      const rangeWords = new Float64Array(this.nRanges);
      const rangeDistinct = new Float64Array(this.nRanges);
      if (this.nRanges > 0) {
        const rt = alloc(this.nRanges * 16);
        k.censusRangeTotals(rt);
        const t = new BigUint64Array(k.memory.buffer, rt, this.nRanges * 2);
        for (let r = 0; r < this.nRanges; r++) {
          rangeWords[r] = Number(t[2 * r]);
          rangeDistinct[r] = Number(t[2 * r + 1]);
        }
      }
      const nMg = k.censusMgUsed();
      const mk = alloc(nMg * 8 + 16);
      const mc = alloc(nMg * 4 + 16);
      const nm = k.censusExportMg(mk, mc);
      const buf = k.memory.buffer;
      return {
        totalWords: Number(k.censusTotalWords()),
        pointerWords: Number(k.censusPointerWords()),
        otherWords: Number(k.censusOtherWords()),
        overflowWords: Number(k.censusOverflowWords()),
        mgDecrement: Number(k.censusMgDecrement()),
        saturated: !!k.censusSaturated(),
        small: new BigUint64Array(buf, k.censusSmallPtr() >>> 0, 65536).slice(),
        distinctPointers: distinct,
        top,
        topVtables,
        rangeWords,
        rangeDistinct,
        mgKeys: new BigUint64Array(buf, mk, nm).slice(),
        mgCounts: new Uint32Array(buf, mc, nm).slice(),
        memoryBytes: k.memBytes() >>> 0,
      };
    });
  }

  // ---- content: strings, key=value pairs, HTTP lines (this.k), regex counts (no wasm) ----

  private cInput = 0;
  private cInputCap = 0;

  async contentBegin(cfg: ContentConfig): Promise<void> {
    // The census instance is free once the census is finished (or was never used): reuse it.
    const k = this.k;
    k.memReset();
    this.input = 0;
    this.cInput = 0;
    this.cInputCap = cfg.maxReadBytes;
    // Slack after the read: the kernel loads whole words past a piece's end.
    this.cInput = this.alloc(cfg.maxReadBytes + 512, 'the content input slice');
    const logs = this.alloc(64, 'table sizes');
    new Uint32Array(k.memory.buffer, logs, 6).set(cfg.tableLog2);
    if (!k.contentInit(cfg.minLen, cfg.utf16 ? 1 : 0, cfg.cap, logs)) throw new Error('out of wasm memory setting up the string tables');
  }

  contentScan(span: ContentSpan): Promise<number> {
    if (!this.cInput) return Promise.reject(new Error('contentScan before contentBegin'));
    const start = span.fileStart - span.lead;
    return this.withSpanAt(() => this.cInput, this.cInputCap, start, span.lead + span.length + (span.tail ?? 0), (got) => {
      const k = this.k;
      const P = span.parts;
      const base = this.cInput + span.lead;
      let bytes = 0;
      for (let i = 0; i < P.offset.length; i++) {
        // The file may end before the read did: scan what is there.
        const avail = got - span.lead - P.offset[i];
        if (avail <= 0) continue;
        const len = Math.min(P.length[i], avail);
        const post = Math.min(P.post[i], avail - len);
        k.contentPiece(base + P.offset[i], len, P.addr[i], P.pre[i], post, P.more[i] || post < P.post[i] || len < P.length[i] ? 1 : 0);
        bytes += len;
      }
      return bytes;
    });
  }

  async contentFinish(): Promise<ContentPart> {
    if (!this.cInput) throw new Error('contentFinish before contentBegin');
    const k = this.k;
    const part = this.scratch((alloc): ContentPart => {
      const tp = alloc(9 * 8);
      k.contentTotals(tp);
      const totals = Float64Array.from(new BigUint64Array(k.memory.buffer, tp, 9), Number);
      const tables: ContentTable[] = [];
      for (let t = 0; t < 6; t++) {
        const n = k.contentTableUsed(t) >>> 0;
        const oh = alloc(n * 8 + 16);
        const og = alloc(n * 8 + 16);
        const oc = alloc(n * 4 + 16);
        const oe = alloc(n * 4 + 16);
        const ol = alloc(n * 4 + 16);
        const oa = alloc(n * 4 + 16);
        const ox = alloc(n * 24 + 16);
        const tmp = alloc(n * 24 + 16);
        const m = k.contentExport(t, oh, og, oc, oe, ol, oa, ox, tmp) >>> 0;
        const buf = k.memory.buffer;
        tables.push({
          hash: new BigUint64Array(buf, oh, m).slice(), group: new BigUint64Array(buf, og, m).slice(),
          count: new Uint32Array(buf, oc, m).slice(), err: new Uint32Array(buf, oe, m).slice(),
          len: new Uint32Array(buf, ol, m).slice(), aux: new Uint32Array(buf, oa, m).slice(),
          examples: new BigUint64Array(buf, ox, m * 3).slice(),
          maxError: k.contentTableMaxError(t) >>> 0, evictions: k.contentTableEvictions(t) >>> 0,
        });
      }
      return { tables, totals, memoryBytes: k.memBytes() >>> 0 };
    });
    // Let the instance and its tables go (wasm memory cannot shrink).
    this.k = await this.makeInstance();
    this.cInput = 0;
    this.input = 0;
    return part;
  }

  private regex?: { pattern: string; flags: string; re: RegExp };
  private latin1?: Latin1Decoder;

  async regexScan(span: ContentSpan, req: RegexRequest): Promise<RegexSpanResult> {
    if (!this.regex || this.regex.pattern !== req.pattern || this.regex.flags !== req.flags) this.regex = { pattern: req.pattern, flags: req.flags, re: compileRegex(req.pattern, req.flags) };
    this.latin1 ??= latin1Decoder();
    const start = span.fileStart - span.lead;
    const need = Math.max(0, Math.min(span.lead + span.length + (span.tail ?? 0), this.source.size - start));
    // Where the source reads into a buffer of ours, buffers are reused (two reads are in flight).
    let buf: Uint8Array | undefined;
    let bytes: Uint8Array;
    if (this.source.readInto) {
      buf = this.regexBufs.pop();
      if (!buf || buf.length < need) buf = new Uint8Array(Math.max(need, 1 << 20));
      const got = await this.source.readInto(start, buf.subarray(0, need));
      bytes = buf.subarray(0, got);
    } else bytes = await this.source.read(start, need);
    try {
      if (bytes.length < Math.min(need, span.lead + span.length)) throw new Error(`short read at offset ${start + bytes.length}: expected ${need} bytes`);
      return scanRegex(bytes, span.lead, span.parts, req, this.regex.re, this.latin1);
    } finally {
      if (buf && this.regexBufs.length < 2) this.regexBufs.push(buf);
    }
  }

  private regexBufs: Uint8Array[] = [];

  // ---- heap walk -------------------------------------------------------------------

  private heapKernel(): KernelExports {
    if (!this.h) throw new Error('heap walk used before heapBegin');
    return this.h;
  }

  private hAlloc(bytes: number, what: string): number {
    const h = this.heapKernel();
    const p = h.memAlloc(bytes) >>> 0;
    if (!p) throw new Error(`out of wasm memory allocating ${bytes} bytes for ${what} (have ${h.memBytes() >>> 0} bytes)`);
    return p;
  }

  async heapBegin(cfg: HeapConfig): Promise<void> {
    this.h ??= await this.makeInstance();
    const h = this.h;
    h.memReset();
    this.hInputCap = cfg.maxSpanBytes;
    this.hInput = this.hAlloc(this.hInputCap, 'the heap input slice');
    // The census input must take a span and its tail too.
    if (this.inputCap < cfg.maxSpanBytes && !this.input) this.inputCap = cfg.maxSpanBytes;
    const n = cfg.ranges.length / 2;
    this.wordSize = cfg.wordSize;
    const rp = this.hAlloc(Math.max(16, n * 16), 'the range table');
    new BigUint64Array(h.memory.buffer, rp, n * 2).set(cfg.ranges);
    const fp = this.hAlloc(Math.max(16, n), 'range flags');
    new Uint8Array(h.memory.buffer, fp, n).set(cfg.imageRanges);
    if (!h.heapInit(rp, n, fp, cfg.wordSize, cfg.alignment, cfg.minChunk)) throw new Error('out of wasm memory setting up the heap walk');
    if (cfg.maxRecords !== undefined) h.heapSetMaxRecords(Math.max(0, Math.min(cfg.maxRecords, 0xffffffff)) >>> 0);
  }

  private walkPiece(buf: number, len: number, p: HeapPiece): HeapPieceResult {
    const h = this.heapKernel();
    const n = h.heapWalkPiece(buf, Math.max(0, len), p.addr, p.start, p.exact ? 1 : 0, p.pieceEnd, p.regionEnd, p.top, p.mmapped ? 1 : 0, p.arena, p.maxEnd ?? 0n) >>> 0;
    const rec0 = h.heapPieceRecord0() >>> 0;
    let lastUnknown = false;
    let last = 0n;
    if (n > 0) {
      const recs = new Uint32Array(h.memory.buffer, h.heapRecords() >>> 0, (rec0 + n) * 8);
      lastUnknown = (recs[(rec0 + n - 1) * 8 + 7] & 128) !== 0;
      last = new BigUint64Array(h.memory.buffer, h.heapRecords() >>> 0, (rec0 + n) * 4)[(rec0 + n - 1) * 4];
    }
    return {
      id: p.id, entry: h.heapPieceEntry(), exit: h.heapPieceExit(), stop: h.heapPieceStop() >>> 0, firstPrevInUse: h.heapPieceFirstPrevInUse() >>> 0,
      rec0, rec1: rec0 + n, last, lastUnknown, corrupt: h.heapCorruptCount() >>> 0, firstCorrupt: h.heapFirstCorrupt(),
    };
  }

  async heapWalk(piece: HeapPiece & { fileStart: number }): Promise<HeapPieceResult> {
    this.heapKernel();
    if (piece.length > this.hInputCap) throw new Error(`piece of ${piece.length} bytes exceeds the ${this.hInputCap}-byte heap input buffer`);
    const need = Math.min(piece.length, Math.max(0, this.source.size - piece.fileStart), this.hInputCap);
    const b = await this.source.read(piece.fileStart, need);
    const h = this.heapKernel();
    new Uint8Array(h.memory.buffer, this.hInput, b.length).set(b);
    return this.walkPiece(this.hInput, b.length, piece);
  }

  async heapInvalidate(r0: number, r1: number): Promise<void> {
    this.heapKernel().heapInvalidate(r0, r1);
  }

  async heapSetInUse(record: number, inUse: boolean): Promise<void> {
    this.heapKernel().heapSetInUse(record, inUse ? 1 : 0);
  }

  private records(): { n: number; u32: Uint32Array; u64: BigUint64Array } {
    const k = this.heapKernel();
    const n = k.heapRecordCount() >>> 0;
    const p = k.heapRecords() >>> 0;
    return { n, u32: new Uint32Array(k.memory.buffer, p, n * 8), u64: new BigUint64Array(k.memory.buffer, p, n * 4) };
  }

  async heapChunksOfSize(chunkSize: bigint): Promise<BigUint64Array> {
    const { n, u32, u64 } = this.records();
    const want = Number(chunkSize);
    const out: bigint[] = [];
    for (let i = 0; i < n; i++) if (u32[8 * i + 6] === want && (u32[8 * i + 7] & (8 | 512)) === 8) out.push(u64[4 * i]);
    return BigUint64Array.from(out);
  }

  async heapBlocks(states: number, from: number, limit: number): Promise<HeapBlocks> {
    const { n, u32, u64 } = this.records();
    const ws = BigInt(this.wordSize);
    const addresses: bigint[] = [];
    const usable: number[] = [];
    const st: number[] = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const f = u32[8 * i + 7];
      const s = f & 7;
      if (f & 512 || !((states >> s) & 1)) continue;
      if (total >= from && addresses.length < limit) {
        addresses.push(u64[4 * i] + 2n * ws);
        const size = u32[8 * i + 6];
        usable.push((f & 16) !== 0 ? size - 2 * this.wordSize : size - this.wordSize);
        st.push(s);
      }
      total++;
    }
    return { addresses: BigUint64Array.from(addresses), usable: Uint32Array.from(usable), states: Uint8Array.from(st), total };
  }

  async heapClassify(lists: BigUint64Array, kinds: Uint8Array, meta: BigUint64Array): Promise<void> {
    const k = this.heapKernel();
    this.hScratch((alloc) => {
      const lp = alloc(lists.length * 8 + 16);
      const kp = alloc(kinds.length + 16);
      const mp = alloc(meta.length * 8 + 16);
      new BigUint64Array(k.memory.buffer, lp, lists.length).set(lists);
      new Uint8Array(k.memory.buffer, kp, kinds.length).set(kinds);
      new BigUint64Array(k.memory.buffer, mp, meta.length).set(meta);
      k.heapClassify(lp, kp, lists.length, mp, meta.length);
    });
  }

  async heapAggregate(mode = 0): Promise<HeapAggregate> {
    const k = this.heapKernel();
    return this.hScratch(() => {
      // Tables sized to the chunks there are (never more groups than chunks; a table at most
      // half full), up to the fixed maxima: a small heap does not clear megabytes of tables.
      const fit = (max: number) => Math.min(max, Math.max(8, Math.ceil(Math.log2((k.heapRecordCount() >>> 0) + 1)) + 1));
      if (!k.heapAggregate(fit(16), fit(18), fit(14), mode)) throw new Error('out of wasm memory aggregating the heap');
      const buf = k.memory.buffer;
      const st = k.heapStats() >>> 0;
      const states = Float64Array.from(new BigUint64Array(buf, st, 8 * 3), Number);
      const arenas = Float64Array.from(new BigUint64Array(buf, st + 8 * 24, 256 * 8 * 2), Number);
      const groups = (which: number): HeapGroups => {
        const p = k.heapGroups(which) >>> 0;
        const cap = k.heapGroupCap(which) >>> 0;
        const t = new BigUint64Array(buf, p, cap * 8);
        const t32 = new Uint32Array(buf, p, cap * 16);
        const idx: number[] = [];
        for (let i = 0; i < cap; i++) if (t32[16 * i + 4] !== 0 || t32[16 * i + 5] !== 0) idx.push(i);
        const examples = new BigUint64Array(idx.length * 4);
        idx.forEach((g, j) => {
          for (let e = 0; e < 4; e++) examples[4 * j + e] = t[8 * g + 4 + e];
        });
        return {
          key1: BigUint64Array.from(idx, (g) => t[8 * g]),
          key2: BigUint64Array.from(idx, (g) => t[8 * g + 1]),
          counts: Float64Array.from(idx, (g) => Number(t[8 * g + 2])),
          bytes: Float64Array.from(idx, (g) => Number(t[8 * g + 3])),
          examples,
        };
      };
      return {
        states, arenas, bySize: groups(0), bySignature: groups(1), byType: groups(2),
        signatureOverflow: Number(k.heapSigOverflow()), records: k.heapRecordCount() >>> 0,
      };
    });
  }

  // ---- reference graph -------------------------------------------------------------

  private rootOut = 0;
  private static readonly ROOT_CAP = 1 << 16;

  async heapLeakAggregate(addrs: BigUint64Array, kinds: Uint8Array, mode: number): Promise<HeapAggregate> {
    const h = this.heapKernel();
    this.hScratch((alloc) => {
      const ap = alloc(addrs.length * 8 + 16);
      const kp = alloc(kinds.length + 16);
      new BigUint64Array(h.memory.buffer, ap, addrs.length).set(addrs);
      new Uint8Array(h.memory.buffer, kp, kinds.length).set(kinds);
      h.heapMarkLeaks(ap, kp, addrs.length);
    });
    return this.heapAggregate(mode);
  }

  async graphUsed(): Promise<{ addrs: BigUint64Array; sizes: Uint32Array }> {
    const h = this.heapKernel();
    return this.hScratch((alloc) => {
      const n = h.graphUsedCount() >>> 0;
      const a = alloc(n * 8 + 16);
      const sz = alloc(n * 4 + 16);
      const tmp = alloc(n * 12 + 16);
      const m = h.graphExportUsed(a, sz, tmp, this.wordSize) >>> 0;
      return { addrs: new BigUint64Array(h.memory.buffer, a, m).slice(), sizes: new Uint32Array(h.memory.buffer, sz, m).slice() };
    });
  }

  async graphIndex(addrs: BigUint64Array, sizes: Uint32Array): Promise<void> {
    const h = this.heapKernel();
    const n = addrs.length;
    // Root output first: the edge table allocated with the index must stay the last allocation.
    this.rootOut = this.hAlloc(KernelHost.ROOT_CAP * 16, 'root references');
    const sp = h.graphIndexAlloc(n, this.wordSize) >>> 0;
    if (!sp) throw new Error('out of wasm memory for the block index');
    new BigUint64Array(h.memory.buffer, sp, n).set(addrs);
    new Uint32Array(h.memory.buffer, h.graphIndexSizes() >>> 0, n).set(sizes);
    if (!h.graphIndexReady()) throw new Error('out of wasm memory for the block index');
    this.indexSize = n;
  }

  async graphScan(span: Span, parts: GraphPart[], exportEdges = false): Promise<GraphScanResult> {
    const h = this.heapKernel();
    if (span.length > this.hInputCap) throw new Error(`span of ${span.length} bytes exceeds the ${this.hInputCap}-byte heap input buffer`);
    const need = Math.min(span.length, Math.max(0, this.source.size - span.fileStart));
    const b = await this.source.read(span.fileStart, need);
    new Uint8Array(h.memory.buffer, this.hInput, b.length).set(b);
    const rootAddrs: bigint[] = [];
    const rootBlocks: number[] = [];
    let bytes = 0;
    for (const p of parts) {
      const len = Math.min(p.length, b.length - p.offset);
      if (len <= 0) continue;
      bytes += len;
      if (p.kind === 'blocks') {
        h.graphScanBlocks(this.hInput + p.offset, len, p.addr);
        continue;
      }
      let off = 0;
      while (off < len) {
        const n = h.graphScanRoots(this.hInput + p.offset + off, len - off, p.addr + BigInt(off), this.rootOut, KernelHost.ROOT_CAP) >>> 0;
        const out = new DataView(h.memory.buffer, this.rootOut, n * 16);
        for (let i = 0; i < n; i++) {
          rootAddrs.push(out.getBigUint64(16 * i, true));
          rootBlocks.push(out.getUint32(16 * i + 8, true));
        }
        if (n < KernelHost.ROOT_CAP) break;
        off = Number(rootAddrs[rootAddrs.length - 1] - p.addr) + this.wordSize;
      }
    }
    let edges: Uint32Array | undefined;
    if (exportEdges) {
      edges = new Uint32Array(h.memory.buffer, h.graphEdges() >>> 0, (h.graphEdgeCount() >>> 0) * 2).slice();
      h.graphEdgesReset();
    }
    return { bytes, rootAddrs: BigUint64Array.from(rootAddrs), rootBlocks: Uint32Array.from(rootBlocks), edgesFull: !!h.graphEdgesFull(), edges };
  }

  async graphAddEdges(edges: Uint32Array): Promise<void> {
    const h = this.heapKernel();
    const n = edges.length / 2;
    const batch = Math.floor(this.hInputCap / 8);
    for (let i = 0; i < n; i += batch) {
      const m = Math.min(batch, n - i);
      new Uint32Array(h.memory.buffer, this.hInput, m * 2).set(edges.subarray(i * 2, (i + m) * 2));
      h.graphAppendEdges(this.hInput, m);
    }
  }

  async graphSolve(roots: Uint32Array): Promise<{ edges: number; reached: number; verdicts: Uint8Array }> {
    const h = this.heapKernel();
    if (!h.graphBuild()) throw new Error('out of wasm memory building the reference graph');
    const edges = h.graphEdgeCount() >>> 0;
    return this.hScratch((alloc) => {
      const rp = alloc(roots.length * 4 + 16);
      new Uint32Array(h.memory.buffer, rp, roots.length).set(roots);
      const reached = h.graphReach(rp, roots.length) >>> 0;
      const blocks = this.indexSize;
      const vp = alloc(blocks + 16);
      h.graphVerdicts(vp);
      return { edges, reached, verdicts: new Uint8Array(h.memory.buffer, vp, blocks).slice() };
    });
  }

  private indexSize = 0;

  async graphQuery(block: number, maxIn = 200): Promise<GraphQuery> {
    const h = this.heapKernel();
    const out: number[] = [];
    for (let e = h.graphOutStart(block) >>> 0, end = h.graphOutEnd(block) >>> 0; e < end; e++) out.push(h.graphOutDst(e) >>> 0);
    const incoming = maxIn <= 0 ? { total: 0, list: [] as number[] } : this.hScratch((alloc) => {
      const p = alloc(maxIn * 4 + 16);
      const total = h.graphIncoming(block, p, maxIn) >>> 0;
      return { total, list: Array.from(new Uint32Array(h.memory.buffer, p, Math.min(total, maxIn))) };
    });
    const chain: number[] = [];
    let b = block;
    let root = -1;
    for (let i = 0; i < 1 << 22; i++) {
      const p = h.graphParent(b) | 0;
      if (p === -1) break;
      chain.push(b);
      if (p <= -2) {
        root = -2 - p;
        break;
      }
      b = p;
    }
    return { out, incoming: incoming.list, incomingTotal: incoming.total, chain: root >= 0 ? chain : [], root };
  }
}
