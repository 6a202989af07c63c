// The host side of the AssemblyScript kernels: owns one wasm instance, copies file spans
// into its memory and calls the kernels. Runs wherever it is put: a Web Worker, a Node
// worker thread, or inline on the calling thread (tests, tiny inputs).
import type { ByteSource } from '../engine/bytesource';
import type { CensusConfig, CensusPart, KernelWorker, Span } from '../engine/kernel-api';

export interface KernelExports {
  memory: WebAssembly.Memory;
  memReset(): void;
  memAlloc(bytes: number): number;
  memTop(): number;
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
  censusSortedRanges(out: number, n: number): void;
  censusExportMg(k: number, c: number): number;
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

  async censusFinish(): Promise<CensusPart> {
    const k = this.k;
    const np = k.censusSortPtr() >>> 0;
    const pr = this.alloc(np * 4 + 16, 'export');
    k.censusSortedRanges(pr, np);
    const nMg = k.censusMgUsed();
    const mk = this.alloc(nMg * 8 + 16, 'export');
    const mc = this.alloc(nMg * 4 + 16, 'export');
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
      ptrKeys: new BigUint64Array(buf, k.censusSortedKeys() >>> 0, np).slice(),
      ptrCounts: new Uint32Array(buf, k.censusSortedCounts() >>> 0, np).slice(),
      ptrRange: new Int32Array(buf, pr, np).slice(),
      mgKeys: new BigUint64Array(buf, mk, nm).slice(),
      mgCounts: new Uint32Array(buf, mc, nm).slice(),
      memoryBytes: k.memBytes() >>> 0,
    };
  }
}
