// The host side of the AssemblyScript kernels: owns one wasm instance, copies file spans
// into its memory and calls the kernels. Runs wherever it is put: a Web Worker, a Node
// worker thread, or inline on the calling thread (tests, tiny inputs).
import type { ByteSource } from '../engine/bytesource';
import type { CensusConfig, CensusPart, FinishRequest, KernelWorker, PickedValues, SortedRun, Span } from '../engine/kernel-api';

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
  censusExportMg(k: number, c: number): number;
  censusMergeRun(k: number, c: number, m: number): void;
  censusLowerBound(pivot: bigint): number;
  censusKeep(lo: number, hi: number): void;
  censusRangeTotals(out: number): void;
  censusTopPtr(k: number, out: number, flags: number, align: number): number;
}

export async function instantiateKernels(module: WebAssembly.Module): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`kernel abort at ${line}:${col}`);
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}

export class KernelHost implements KernelWorker {
  private input = 0;
  private inputCap = 0;

  constructor(
    private k: KernelExports,
    private source: ByteSource,
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
  private async withSpan<T>(fileStart: number, length: number, use: () => T): Promise<T> {
    if (length > this.inputCap) throw new Error(`span of ${length} bytes exceeds the ${this.inputCap}-byte input buffer`);
    const short = (got: number) => new Error(`short read at offset ${fileStart + got}: expected ${length} bytes`);
    if (this.source.readInto) {
      const turn = this.inputBusy.then(async () => {
        const got = await this.source.readInto!(fileStart, this.u8(this.input, length));
        if (got < length) throw short(got);
        return use();
      });
      this.inputBusy = turn.catch(() => undefined);
      return turn;
    }
    const b = await this.source.read(fileStart, length);
    if (b.length < length) throw short(b.length);
    this.u8(this.input, length).set(b);
    return use();
  }

  censusSpan(span: Span): Promise<number> {
    return this.withSpan(span.fileStart, span.length, () => {
      let n = 0;
      for (const p of span.pieces) {
        this.k.censusRun(this.input + p.offset, p.length);
        n += p.length;
      }
      return n;
    });
  }

  private nRanges = 0;

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
}
