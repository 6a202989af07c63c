// Bytes → a JavaScript string with one code unit per byte, exactly 0x00–0xFF (latin1), for
// running a RegExp over a dump's bytes. TextDecoder('latin1') is not latin1 everywhere: the
// WHATWG Encoding standard maps the label to windows-1252, which turns 0x80–0x9F into other
// characters (0x80 → U+20AC); Node decodes it as latin1. So every candidate is checked on all
// 256 byte values, the exact ones are timed once per thread, and the fastest is used.

export interface Latin1Decoder {
  name: string;
  decode(bytes: Uint8Array): string;
  /** Measured on a 1 MiB sample when chosen, MB/s. */
  mbps: number;
}

export interface DecoderTrial {
  name: string;
  exact: boolean;
  mbps?: number;
}

const CHUNK = 8192;

function fromCharCodes(b: Uint8Array): string {
  const f = String.fromCharCode as (...codes: number[]) => string;
  if (b.length <= CHUNK) return f.apply(null, b as unknown as number[]);
  const parts: string[] = [];
  for (let o = 0; o < b.length; o += CHUNK) parts.push(f.apply(null, b.subarray(o, o + CHUNK) as unknown as number[]));
  return parts.join('');
}

type NodeBuffer = { from(b: ArrayBufferLike, off: number, len: number): { toString(enc: string): string } };

function candidates(): { name: string; decode: (b: Uint8Array) => string }[] {
  const out: { name: string; decode: (b: Uint8Array) => string }[] = [];
  const B = (globalThis as { Buffer?: NodeBuffer }).Buffer;
  if (B && typeof B.from === 'function') out.push({ name: "Buffer#toString('latin1')", decode: (b) => B.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1') });
  try {
    const td = new TextDecoder('latin1');
    out.push({ name: "TextDecoder('latin1')", decode: (b) => td.decode(b) });
  } catch {
    // label unknown here
  }
  const u16 = new TextDecoder('utf-16le');
  out.push({
    name: "TextDecoder('utf-16le') of the bytes widened to 16 bits",
    decode: (b) => {
      const w = new Uint16Array(b.length);
      w.set(b);
      return u16.decode(w);
    },
  });
  out.push({ name: 'String.fromCharCode over 8 KiB chunks', decode: fromCharCodes });
  return out;
}

/** Whether `decode` maps every byte value to the code unit of the same value. */
export function isExactLatin1(decode: (b: Uint8Array) => string): boolean {
  const all = new Uint8Array(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  let s: string;
  try {
    s = decode(all);
  } catch {
    return false;
  }
  if (s.length !== 256) return false;
  for (let i = 0; i < 256; i++) if (s.charCodeAt(i) !== i) return false;
  return true;
}

function sample(n: number): Uint8Array {
  // Dump-like: runs of zeros, text, and pointer-like bytes of every value.
  const b = new Uint8Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    const k = (i >> 6) & 3;
    b[i] = k === 0 ? 0 : k === 1 ? 0x20 + (x % 95) : x & 0xff;
  }
  return b;
}

/** Checks every candidate and times the exact ones on a 1 MiB sample. */
export function measureDecoders(bytes = 1 << 20): DecoderTrial[] {
  const b = sample(bytes);
  return candidates().map((c) => {
    const exact = isExactLatin1(c.decode);
    if (!exact) return { name: c.name, exact };
    c.decode(b);
    const t0 = performance.now();
    let n = 0;
    for (let r = 0; r < 3; r++) n += c.decode(b).length;
    const ms = Math.max(1e-3, performance.now() - t0);
    return { name: c.name, exact, mbps: Math.round(n / 1e6 / (ms / 1000)) };
  });
}

let chosen: Latin1Decoder | undefined;

/** The fastest exact decoder on this thread (chosen once). */
export function latin1Decoder(): Latin1Decoder {
  if (chosen) return chosen;
  const trials = measureDecoders();
  let best: DecoderTrial | undefined;
  for (const t of trials) if (t.exact && (!best || (t.mbps ?? 0) > (best.mbps ?? 0))) best = t;
  const c = candidates().find((x) => x.name === best?.name) ?? { name: 'String.fromCharCode over 8 KiB chunks', decode: fromCharCodes };
  chosen = { name: c.name, decode: c.decode, mbps: best?.mbps ?? 0 };
  return chosen;
}
