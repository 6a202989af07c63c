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
  censusInit(rp: number, nr: number, ws: number, ptInitLog2: number, ptMaxLog2: number, mgLog2: number): number;
  censusRun(p: number, len: number): void;
  censusSmallPtr(): number;
  censusPtrUsed(): number;
  censusMgUsed(): number;
  censusMgDecrement(): bigint;
  censusTotalWords(): bigint;
  censusPointerWords(): bigint;
  censusOtherWords(): bigint;
  censusOverflowWords(): bigint;
  censusSaturated(): number;
  censusExportPtr(k: number, c: number, r: number): number;
  censusExportMg(k: number, c: number): number;
  censusAbsorbSmall(p: number): void;
  censusAbsorbPtr(k: number, c: number, n: number): void;
  censusAbsorbMg(k: number, c: number, n: number): void;
  censusAbsorbTotals(total: bigint, pointers: bigint, other: bigint, overflow: bigint, decrement: bigint): void;
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
    if (!k.censusInit(rp, n, cfg.wordSize, cfg.ptrInitLog2, cfg.ptrMaxLog2, cfg.mgLog2)) {
      throw new Error('out of wasm memory setting up the census tables');
    }
  }

  private async load(fileStart: number, length: number): Promise<void> {
    if (length > this.inputCap) throw new Error(`span of ${length} bytes exceeds the ${this.inputCap}-byte input buffer`);
    if (this.source.readInto) {
      const got = await this.source.readInto(fileStart, this.u8(this.input, length));
      if (got < length) throw new Error(`short read at offset ${fileStart + got}: expected ${length} bytes`);
    } else {
      const b = await this.source.read(fileStart, length);
      if (b.length < length) throw new Error(`short read at offset ${fileStart + b.length}: expected ${length} bytes`);
      this.u8(this.input, length).set(b);
    }
  }

  async censusSpan(span: Span): Promise<number> {
    await this.load(span.fileStart, span.length);
    let n = 0;
    for (const p of span.pieces) {
      this.k.censusRun(this.input + p.offset, p.length);
      n += p.length;
    }
    return n;
  }

  async censusFinish(): Promise<CensusPart> {
    const k = this.k;
    const nPtr = k.censusPtrUsed();
    const nMg = k.censusMgUsed();
    // Export areas sit after everything else; the tables do not grow any more.
    const pk = this.alloc(nPtr * 8 + 16, 'export');
    const pc = this.alloc(nPtr * 4 + 16, 'export');
    const pr = this.alloc(nPtr * 4 + 16, 'export');
    const mk = this.alloc(nMg * 8 + 16, 'export');
    const mc = this.alloc(nMg * 4 + 16, 'export');
    const np = k.censusExportPtr(pk, pc, pr);
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
      ptrKeys: new BigUint64Array(buf, pk, np).slice(),
      ptrCounts: new Uint32Array(buf, pc, np).slice(),
      ptrRange: new Int32Array(buf, pr, np).slice(),
      mgKeys: new BigUint64Array(buf, mk, nm).slice(),
      mgCounts: new Uint32Array(buf, mc, nm).slice(),
      memoryBytes: k.memBytes() >>> 0,
    };
  }

  async censusAbsorb(part: CensusPart): Promise<void> {
    const k = this.k;
    // Feed the other table through the input buffer (allocated before the growing table).
    const batch = Math.floor(this.inputCap / 12);
    const feed = (keys: BigUint64Array, counts: Uint32Array, fn: (kp: number, cp: number, n: number) => void) => {
      for (let i = 0; i < keys.length; i += batch) {
        const n = Math.min(batch, keys.length - i);
        const kp = this.input;
        const cp = this.input + n * 8;
        new BigUint64Array(k.memory.buffer, kp, n).set(keys.subarray(i, i + n));
        new Uint32Array(k.memory.buffer, cp, n).set(counts.subarray(i, i + n));
        fn(kp, cp, n);
      }
    };
    new BigUint64Array(k.memory.buffer, this.input, 65536).set(part.small);
    k.censusAbsorbSmall(this.input);
    feed(part.ptrKeys, part.ptrCounts, (a, b, n) => k.censusAbsorbPtr(a, b, n));
    feed(part.mgKeys, part.mgCounts, (a, b, n) => k.censusAbsorbMg(a, b, n));
    k.censusAbsorbTotals(BigInt(part.totalWords), BigInt(part.pointerWords), BigInt(part.otherWords), BigInt(part.overflowWords), BigInt(part.mgDecrement));
  }
}
