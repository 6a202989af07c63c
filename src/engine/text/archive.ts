// A .tar.gz (the collector's bundle, or any tar.gz of evidence) read through a ByteSource:
// gunzip with DecompressionStream (browsers and Node ≥ 18), a streaming ustar/GNU/pax tar
// reader, and each member exposed as a ByteSource over Blobs made of the decompressed chunks —
// no buffer the size of the archive or of a member is ever made (a core of gigabytes is a list
// of Blobs, which browsers may keep on disk). A gzip that holds no tar is one member.
import { type ByteSource, readAt } from '../bytesource';
import { type Diagnostic, throwIfAborted } from '../errors';

export interface ArchiveMember {
  /** Path inside the archive. */
  name: string;
  size: number;
  /** Modification time, epoch seconds (from the tar header). */
  mtime?: number;
  source: ByteSource;
}

export interface ArchiveOptions {
  signal?: AbortSignal;
  /** Compressed bytes read at a time (default 1 MiB). */
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface Archive {
  /** 'tar.gz', 'tar', or 'gz' (a gzip holding one file). */
  format: 'tar.gz' | 'tar' | 'gz';
  members: ArchiveMember[];
  diagnostics: Diagnostic[];
}

/** gzip's magic. */
export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** A tar header block: its checksum is right. */
export function isTarHeader(h: Uint8Array): boolean {
  if (h.length < 512) return false;
  const want = octal(h, 148, 8);
  if (want === undefined) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === want;
}

function octal(h: Uint8Array, off: number, len: number): number | undefined {
  // GNU base-256 for sizes ≥ 8 GiB: the first byte has its top bit set.
  if (h[off] & 0x80) {
    let v = h[off] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + h[off + i];
    return v;
  }
  let s = '';
  for (let i = off; i < off + len; i++) {
    const c = h[i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  s = s.trim();
  if (!s) return 0;
  if (!/^[0-7]+$/.test(s)) return undefined;
  return parseInt(s, 8);
}

function str(h: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && h[end] !== 0) end++;
  return new TextDecoder().decode(h.subarray(off, end));
}

/** Bytes of one member gathered as Blobs of at most `group` bytes each. */
class BlobSink {
  private blobs: Blob[] = [];
  private parts: Uint8Array[] = [];
  private pending = 0;
  size = 0;
  constructor(private group = 16 << 20) {}
  push(b: Uint8Array) {
    if (!b.length) return;
    // Blob copies its parts: the decompressed chunk is not kept.
    this.parts.push(b);
    this.pending += b.length;
    this.size += b.length;
    if (this.pending >= this.group) this.flush();
  }
  private flush() {
    if (this.parts.length) this.blobs.push(new Blob(this.parts as BlobPart[]));
    this.parts = [];
    this.pending = 0;
  }
  /** A ByteSource over everything pushed. */
  source(name: string): ByteSource {
    this.flush();
    return new BlobListSource(this.blobs, name);
  }
  /** Small members (tar extension headers) as text. */
  async text(): Promise<string> {
    this.flush();
    return new Blob(this.blobs).text();
  }
}

/** A ByteSource over a list of Blobs laid end to end. */
export class BlobListSource implements ByteSource {
  readonly size: number;
  private starts: number[] = [];
  constructor(
    private blobs: Blob[],
    readonly name: string,
  ) {
    let s = 0;
    for (const b of blobs) {
      this.starts.push(s);
      s += b.size;
    }
    this.size = s;
  }
  /** The whole member as one Blob (no copy in browsers): for the app to open it like a dropped file. */
  blob(type = ''): Blob {
    return new Blob(this.blobs, { type });
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    // The first blob holding offset (binary search).
    let lo = 0, hi = this.blobs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    if (offset >= this.starts[lo] && end <= this.starts[lo] + this.blobs[lo].size) {
      return new Uint8Array(await this.blobs[lo].slice(offset - this.starts[lo], end - this.starts[lo]).arrayBuffer());
    }
    const out = new Uint8Array(end - offset);
    for (let i = lo; i < this.blobs.length && this.starts[i] < end; i++) {
      const s = Math.max(offset, this.starts[i]);
      const e = Math.min(end, this.starts[i] + this.blobs[i].size);
      if (e > s) out.set(new Uint8Array(await this.blobs[i].slice(s - this.starts[i], e - this.starts[i]).arrayBuffer()), s - offset);
    }
    return out;
  }
}

/** Decompressed chunks of a gzip ByteSource, in order. Throws on corrupt or truncated input (chunks already yielded stand). */
export async function* gunzip(src: ByteSource, opts: ArchiveOptions = {}): AsyncGenerator<Uint8Array> {
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  const chunk = opts.chunkSize ?? 1 << 20;
  let pumpError: unknown;
  const pump = (async () => {
    try {
      for (let off = 0; off < src.size; off += chunk) {
        throwIfAborted(opts.signal);
        const b = await readAt(src, off, chunk);
        await writer.ready;
        await writer.write(b as Uint8Array<ArrayBuffer>);
        opts.onProgress?.(Math.min(src.size, off + b.length), src.size);
      }
      await writer.close();
    } catch (e) {
      pumpError = e;
      try {
        await writer.abort(e);
      } catch {
        /* already errored */
      }
    }
  })();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
    finished = true;
  } catch (e) {
    finished = true;
    throw pumpError ?? e;
  } finally {
    // The consumer stopped early (the tar's end marker): cancelling unblocks the pump.
    if (!finished) await reader.cancel().catch(() => undefined);
    await pump;
    reader.releaseLock();
  }
  if (pumpError) throw pumpError;
}

/** Splits a stream of tar bytes into members. */
class TarSplitter {
  members: ArchiveMember[] = [];
  diagnostics: Diagnostic[] = [];
  ended = false;
  notTar = false;
  private head = new Uint8Array(512);
  private headFill = 0;
  private remaining = 0;
  private pad = 0;
  private sink?: BlobSink;
  private cur?: { name: string; size: number; mtime?: number; type: string };
  private longName?: string;
  private pax: Record<string, string> = {};
  private zeroBlocks = 0;
  private headers = 0;

  async push(b: Uint8Array): Promise<void> {
    let i = 0;
    while (i < b.length && !this.ended && !this.notTar) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, b.length - i);
        this.sink?.push(b.subarray(i, i + n));
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) await this.endMember();
        continue;
      }
      if (this.pad > 0) {
        const n = Math.min(this.pad, b.length - i);
        this.pad -= n;
        i += n;
        continue;
      }
      const n = Math.min(512 - this.headFill, b.length - i);
      this.head.set(b.subarray(i, i + n), this.headFill);
      this.headFill += n;
      i += n;
      if (this.headFill === 512) {
        this.headFill = 0;
        await this.header(this.head);
      }
    }
  }

  private async header(h: Uint8Array) {
    if (h.every((x) => x === 0)) {
      if (++this.zeroBlocks >= 2) this.ended = true;
      return;
    }
    this.zeroBlocks = 0;
    if (!isTarHeader(h)) {
      if (!this.headers) this.notTar = true;
      else {
        this.diagnostics.push({ level: 'error', code: 'archive.bad-header', message: `a tar header after ${this.members.length} member(s) has a wrong checksum: the rest of the archive is not read` });
        this.ended = true;
      }
      return;
    }
    this.headers++;
    const type = String.fromCharCode(h[156] || 0x30);
    const magic = str(h, 257, 6);
    let name = str(h, 0, 100);
    if (magic === 'ustar') {
      const prefix = str(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (this.longName !== undefined) name = this.longName;
    if (this.pax.path) name = this.pax.path;
    let size = octal(h, 124, 12) ?? 0;
    if (this.pax.size && /^\d+$/.test(this.pax.size)) size = Number(this.pax.size);
    const mtime = this.pax.mtime ? Number(this.pax.mtime) : octal(h, 136, 12);
    if (type !== 'L' && type !== 'x' && type !== 'g' && type !== 'K') {
      this.longName = undefined;
      this.pax = {};
    }
    this.cur = { name: name.replace(/^\.\//, ''), size, mtime, type };
    this.sink = type === '0' || type === '7' || type === 'L' || type === 'x' ? new BlobSink() : undefined;
    this.remaining = size;
    this.pad = (512 - (size % 512)) % 512;
    if (size === 0) await this.endMember();
  }

  private async endMember() {
    const c = this.cur!;
    const sink = this.sink;
    this.cur = undefined;
    this.sink = undefined;
    if (c.type === 'L') this.longName = (await sink!.text()).replace(/\0+$/, '');
    else if (c.type === 'x') {
      const t = await sink!.text();
      for (const line of t.split('\n')) {
        const m = /^\d+ ([^=]+)=(.*)$/.exec(line);
        if (m) this.pax[m[1]] = m[2];
      }
    } else if (sink && c.name) this.members.push({ name: c.name, size: c.size, mtime: c.mtime, source: sink.source(c.name) });
  }

  /** After the input ended: a member cut short is kept with what arrived, and said. */
  async finish(): Promise<void> {
    if (this.cur && this.remaining > 0) {
      const got = this.cur.size - this.remaining;
      this.diagnostics.push({ level: 'warning', code: 'archive.truncated-member', message: `${this.cur.name}: the archive ends inside it (${got} of ${this.cur.size} bytes); kept what arrived` });
      this.cur.size = got;
      this.remaining = 0;
      await this.endMember();
    }
  }
}

/**
 * Opens a tar.gz, a tar, or a gzip of one file. Members are listed in archive order; a corrupt or
 * truncated archive keeps the members read before the damage, with a diagnostic.
 */
export async function openArchive(src: ByteSource, opts: ArchiveOptions = {}): Promise<Archive> {
  const magic = await readAt(src, 0, 512);
  const gz = isGzip(magic);
  if (!gz && !isTarHeader(magic)) throw new Error(`${src.name}: neither gzip nor tar`);
  const tar = new TarSplitter();
  const diagnostics: Diagnostic[] = [];
  // Before knowing whether the gzip holds a tar, its first bytes are kept to fall back to one member.
  const whole = new BlobSink();
  let decided = !gz;
  let isTar = !gz;
  const baseName = src.name.replace(/\.(tgz|gz)$/i, (m) => (m.toLowerCase() === '.tgz' ? '.tar' : ''));
  const feed = async (b: Uint8Array) => {
    if (!decided) {
      whole.push(b);
      if (whole.size < 512) return;
      const first = new Uint8Array(await (await whole.source('head').read(0, 512)));
      decided = true;
      isTar = isTarHeader(first);
      if (isTar) {
        const all = whole.source('all');
        for (let off = 0; off < all.size; off += 1 << 20) await tar.push(await all.read(off, 1 << 20));
      }
      return;
    }
    if (isTar) await tar.push(b);
    else whole.push(b);
  };
  try {
    if (gz) {
      for await (const b of gunzip(src, opts)) {
        await feed(b);
        if (isTar && (tar.ended || tar.notTar)) break;
      }
    } else {
      for (let off = 0; off < src.size && !tar.ended; off += opts.chunkSize ?? 1 << 20) {
        throwIfAborted(opts.signal);
        await tar.push(await readAt(src, off, opts.chunkSize ?? 1 << 20));
      }
    }
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    diagnostics.push({ level: 'error', code: 'archive.corrupt', message: `${src.name}: the compressed data is corrupt or cut short (${(e as Error).message}); what was read before is kept` });
  }
  if (!decided) isTar = false;
  if (!isTar) {
    return { format: 'gz', members: whole.size || gz ? [{ name: baseName, size: whole.size, source: whole.source(baseName) }] : [], diagnostics };
  }
  await tar.finish();
  if (!tar.ended && !diagnostics.length) diagnostics.push({ level: 'warning', code: 'archive.no-end', message: `${src.name}: the tar archive has no end marker (cut short?)` });
  return { format: gz ? 'tar.gz' : 'tar', members: tar.members, diagnostics: [...diagnostics, ...tar.diagnostics] };
}
