// The one way the engine reads bytes. A browser File (via Blob.slice), a Node file handle
// (bin/node-source.ts) and an in-memory buffer all implement it. Nothing reads a whole file.

export interface ByteSource {
  /** A display name (file name). */
  readonly name: string;
  /** Total size in bytes. Offsets are numbers: files up to 2^53 bytes. */
  readonly size: number;
  /** Reads up to `length` bytes at `offset`; fewer only at end of file. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Optional zero-copy variant: fills `target` from `offset`, returns bytes read. */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
}

/** A Blob or File (browser, or Node ≥ 20 which has Blob too). */
export class BlobSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  constructor(readonly blob: Blob, name?: string) {
    this.size = blob.size;
    this.name = name ?? ((blob as File).name || 'blob');
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    return new Uint8Array(await this.blob.slice(offset, end).arrayBuffer());
  }
}

/** Bytes already in memory (tests, small text inputs, decompressed samples). */
export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(readonly bytes: Uint8Array, readonly name = 'memory') {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.bytes.subarray(Math.min(offset, this.size), Math.min(this.size, offset + length));
  }
}

/** Reads exactly `length` bytes or returns what exists (callers check `.length`). */
export async function readAt(src: ByteSource, offset: number, length: number): Promise<Uint8Array> {
  if (offset < 0 || length <= 0 || offset >= src.size) return new Uint8Array(0);
  return src.read(offset, Math.min(length, src.size - offset));
}

/**
 * A small read-through cache of aligned blocks, for the many tiny scattered reads that
 * parsing headers and notes does. Never holds more than `maxBlocks` blocks.
 */
export class CachedReader {
  private blocks = new Map<number, Uint8Array>();
  constructor(
    readonly src: ByteSource,
    private blockSize = 1 << 16,
    private maxBlocks = 64,
  ) {}
  async bytes(offset: number, length: number): Promise<Uint8Array> {
    if (length <= 0 || offset >= this.src.size) return new Uint8Array(0);
    const end = Math.min(this.src.size, offset + length);
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((end - 1) / this.blockSize);
    if (first === last) {
      const b = await this.block(first);
      const o = offset - first * this.blockSize;
      return b.subarray(o, o + (end - offset));
    }
    if (end - offset > this.blockSize * 4) return readAt(this.src, offset, end - offset);
    const out = new Uint8Array(end - offset);
    for (let i = first; i <= last; i++) {
      const b = await this.block(i);
      const bs = i * this.blockSize;
      const s = Math.max(offset, bs);
      const e = Math.min(end, bs + b.length);
      if (e > s) out.set(b.subarray(s - bs, e - bs), s - offset);
    }
    return out;
  }
  private async block(i: number): Promise<Uint8Array> {
    let b = this.blocks.get(i);
    if (b) return b;
    b = await readAt(this.src, i * this.blockSize, this.blockSize);
    if (this.blocks.size >= this.maxBlocks) {
      const k = this.blocks.keys().next().value as number;
      this.blocks.delete(k);
    }
    this.blocks.set(i, b);
    return b;
  }
}
