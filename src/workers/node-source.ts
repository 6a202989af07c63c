// A ByteSource over a Node file handle. Reads go straight into the caller's buffer.
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ByteSource } from '../engine/bytesource';

export class NodeFileSource implements ByteSource {
  private constructor(
    private fh: FileHandle,
    readonly size: number,
    readonly name: string,
    readonly path: string,
  ) {}

  static async open(path: string): Promise<NodeFileSource> {
    const fh = await open(path, 'r');
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      throw new Error(`${path} is not a regular file`);
    }
    return new NodeFileSource(fh, st.size, basename(path), path);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const b = new Uint8Array(n);
    const got = await this.readInto(offset, b);
    return got < n ? b.subarray(0, got) : b;
  }

  async readInto(offset: number, target: Uint8Array): Promise<number> {
    let done = 0;
    while (done < target.length) {
      const { bytesRead } = await this.fh.read(target, done, target.length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}
