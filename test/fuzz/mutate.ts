// Deterministic mutations of a real core: input `seed` always gives the same bytes, so a
// failure is reproduced by its seed alone. Mutations aim where parsers decide things: the ELF
// header, program headers, notes, heap chunk headers, allocator state (bins, tcaches); plus
// truncation, random and zeroed ranges, and files that are not cores at all.

/** Where the interesting bytes of the base core are (file offsets), found once by the test. */
export interface CoreLayout {
  size: number;
  phoff: number;
  phBytes: number;
  notes: { offset: number; size: number }[];
  /** File offsets of chunk size fields of heap chunks. */
  chunkSizes: number[];
  /** File offsets of allocator state: main_arena, tcache structs. */
  state: { offset: number; size: number }[];
  wordSize: 4 | 8;
}

export const STRATEGIES = [
  'elf-header', 'program-headers', 'notes', 'chunk-size', 'allocator-state', 'truncate', 'random-range', 'zero-range', 'combined', 'not-a-core',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Mutations that leave the headers and notes whole: the analysis must finish (with diagnostics), not fail. */
export const MUST_FINISH: ReadonlySet<Strategy> = new Set(['chunk-size', 'allocator-state', 'random-range', 'zero-range']);

/** mulberry32: a small seeded generator. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mutate(base: Uint8Array, layout: CoreLayout, seed: number): { bytes: Uint8Array; strategy: Strategy; what: string } {
  const r = rng(seed * 2654435761 + 12345);
  const int = (n: number) => Math.floor(r() * n);
  const strategy = STRATEGIES[seed % STRATEGIES.length];
  const flip = (b: Uint8Array, from: number, len: number, bits: number) => {
    const at: number[] = [];
    for (let i = 0; i < bits && len > 0; i++) {
      const o = from + int(len);
      b[o] ^= 1 << int(8);
      at.push(o);
    }
    return at;
  };
  const copy = () => base.slice();
  const apply = (s: Strategy, b: Uint8Array): { bytes: Uint8Array; what: string } => {
    switch (s) {
      case 'elf-header':
        return { bytes: b, what: `bits flipped at ${flip(b, 0, 64, 1 + int(4)).join(',')}` };
      case 'program-headers': {
        if (r() < 0.5) return { bytes: b, what: `bits flipped at ${flip(b, layout.phoff, layout.phBytes, 1 + int(6)).join(',')}` };
        // A whole field set to an extreme value (offsets, sizes, addresses).
        const o = layout.phoff + int(layout.phBytes / layout.wordSize) * layout.wordSize;
        const v = [0, 0xff, 0x7f, 0x80][int(4)];
        b.fill(v, o, o + layout.wordSize);
        return { bytes: b, what: `word at ${o} filled with 0x${v.toString(16)}` };
      }
      case 'notes': {
        const n = layout.notes[int(layout.notes.length)];
        if (r() < 0.6) return { bytes: b, what: `bits flipped at ${flip(b, n.offset, Math.min(n.size, 4096), 1 + int(8)).join(',')}` };
        const o = n.offset + int(Math.max(1, n.size / 4)) * 4;
        const v = [0, 0xffffffff, 0x7fffffff, 1 + int(1 << 20)][int(4)];
        new DataView(b.buffer).setUint32(o, v >>> 0, true);
        return { bytes: b, what: `note word at ${o} = ${v >>> 0}` };
      }
      case 'chunk-size': {
        const k = 1 + int(8);
        const at: number[] = [];
        const dv = new DataView(b.buffer);
        for (let i = 0; i < k && layout.chunkSizes.length; i++) {
          const o = layout.chunkSizes[int(layout.chunkSizes.length)];
          const mode = int(4);
          if (mode === 0) b[o + int(layout.wordSize)] ^= 1 << int(8);
          else if (mode === 1) dv.setUint32(o, 0, true);
          else if (mode === 2) dv.setUint32(o, 0xfffffff0 | int(16), true);
          else dv.setUint32(o, (int(1 << 16) << 4) | int(8), true);
          at.push(o);
        }
        return { bytes: b, what: `chunk sizes changed at ${at.join(',')}` };
      }
      case 'allocator-state': {
        const s2 = layout.state[int(layout.state.length)];
        if (!s2) return { bytes: b, what: 'no allocator state' };
        const at: number[] = [];
        const dv = new DataView(b.buffer);
        for (let i = 0; i < 1 + int(6); i++) {
          const o = s2.offset + int(s2.size / layout.wordSize) * layout.wordSize;
          if (r() < 0.5) b[o + int(layout.wordSize)] ^= 1 << int(8);
          else dv.setUint32(o, int(2) ? 0 : Math.floor(r() * 0xffffffff), true);
          at.push(o);
        }
        return { bytes: b, what: `allocator words changed at ${at.join(',')}` };
      }
      case 'truncate': {
        // Half near the front (headers, notes), half anywhere.
        const front = layout.notes.length ? layout.notes[layout.notes.length - 1].offset + layout.notes[layout.notes.length - 1].size : 4096;
        const cut = r() < 0.5 ? int(front + 1) : int(layout.size);
        return { bytes: b.subarray(0, cut), what: `cut at ${cut}` };
      }
      case 'random-range': {
        const o = front0(layout) + int(layout.size - front0(layout));
        const len = Math.min(1 + int(1 << (4 + int(13))), b.length - o);
        for (let i = 0; i < len; i++) b[o + i] = int(256);
        return { bytes: b, what: `${len} random bytes at ${o}` };
      }
      case 'zero-range': {
        const o = front0(layout) + int(layout.size - front0(layout));
        const len = Math.min(1 + int(1 << (4 + int(15))), b.length - o);
        b.fill(0, o, o + len);
        return { bytes: b, what: `${len} zero bytes at ${o}` };
      }
      case 'combined': {
        const parts: string[] = [];
        let cur = b;
        for (let i = 0; i < 2 + int(2); i++) {
          const s2 = STRATEGIES[int(STRATEGIES.length - 2)];
          const x = apply(s2, cur);
          cur = x.bytes;
          parts.push(`${s2}: ${x.what}`);
        }
        return { bytes: cur, what: parts.join('; ') };
      }
      case 'not-a-core': {
        const len = int(1 << (4 + int(14)));
        const x = new Uint8Array(len);
        for (let i = 0; i < len; i++) x[i] = int(256);
        // Sometimes with an ELF magic and class, so the header parser gets further.
        if (len >= 6 && r() < 0.6) x.set([0x7f, 0x45, 0x4c, 0x46, 1 + int(2), 1]);
        if (len >= 18 && r() < 0.5) x[16] = 4;
        return { bytes: x, what: `${len} random bytes` };
      }
    }
  };
  const { bytes, what } = apply(strategy, copy());
  return { bytes, strategy, what };
}

/** Where segment data starts: mutations of "data" stay past headers and notes. */
function front0(l: CoreLayout): number {
  const ends = l.notes.map((n) => n.offset + n.size);
  return Math.min(l.size - 1, Math.max(l.phoff + l.phBytes, ...ends));
}

// ---- raw dumps ----------------------------------------------------------------------------

/** A raw dump of a heap cut from the base core: its bytes' base address, the process map as text, chunk headers. */
export interface RawLayout {
  base: string;
  wordSize: 4 | 8;
  mapsText: string;
  /** Offsets in the raw file of chunk size fields. */
  chunkSizes: number[];
  size: number;
}

export const RAW_STRATEGIES = ['chunk-size', 'random-range', 'zero-range', 'truncate', 'base-off', 'maps-garbage', 'combined'] as const;
/** Raw mutations that keep the base and maps right: the analysis must finish. */
export const RAW_MUST_FINISH: ReadonlySet<string> = new Set(['chunk-size', 'random-range', 'zero-range', 'truncate']);

export function mutateRaw(base: Uint8Array, l: RawLayout, seed: number): { bytes: Uint8Array; strategy: string; what: string; baseAddr: bigint; mapsText: string } {
  const r = rng(seed * 2246822519 + 7);
  const int = (n: number) => Math.floor(r() * n);
  const strategy = RAW_STRATEGIES[seed % RAW_STRATEGIES.length];
  let bytes = base.slice();
  let baseAddr = BigInt(l.base);
  let mapsText = l.mapsText;
  const dv = () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const one = (s: string): string => {
    switch (s) {
      case 'chunk-size': {
        const at: number[] = [];
        for (let i = 0; i < 1 + int(8) && l.chunkSizes.length; i++) {
          const o = l.chunkSizes[int(l.chunkSizes.length)];
          if (o + 4 > bytes.length) continue;
          dv().setUint32(o, [0, 0xfffffff0, (int(1 << 16) << 4) | int(8), dv().getUint32(o, true) ^ (1 << int(32))][int(4)] >>> 0, true);
          at.push(o);
        }
        return `chunk sizes at ${at.join(',')}`;
      }
      case 'random-range': {
        const o = int(bytes.length);
        const len = Math.min(1 + int(1 << (4 + int(12))), bytes.length - o);
        for (let i = 0; i < len; i++) bytes[o + i] = int(256);
        return `${len} random bytes at ${o}`;
      }
      case 'zero-range': {
        const o = int(bytes.length);
        const len = Math.min(1 + int(1 << (4 + int(14))), bytes.length - o);
        bytes.fill(0, o, o + len);
        return `${len} zeros at ${o}`;
      }
      case 'truncate': {
        const cut = int(bytes.length);
        bytes = bytes.slice(0, cut);
        return `cut at ${cut}`;
      }
      case 'base-off': {
        const d = BigInt([1, 8, 16, 4096, -16, 0x10000][int(6)]);
        baseAddr += d;
        if (baseAddr < 0n) baseAddr = 0n;
        return `base moved by ${d}`;
      }
      case 'maps-garbage': {
        const lines = mapsText.split('\n');
        for (let i = 0; i < 1 + int(6); i++) {
          const k = int(lines.length);
          const mode = int(4);
          if (mode === 0) lines.splice(k, 1);
          else if (mode === 1) lines[k] = (lines[k] ?? '').replace(/[0-9a-f]/, 'z');
          else if (mode === 2) lines.splice(k, 0, Array.from({ length: 1 + int(80) }, () => String.fromCharCode(32 + int(95))).join(''));
          else lines[k] = (lines[k] ?? '').slice(0, int((lines[k] ?? '').length + 1));
        }
        mapsText = lines.join('\n');
        return 'maps text damaged';
      }
      default: {
        const parts: string[] = [];
        for (let i = 0; i < 2 + int(2); i++) {
          const s2 = RAW_STRATEGIES[int(RAW_STRATEGIES.length - 1)];
          parts.push(`${s2}: ${one(s2)}`);
        }
        return parts.join('; ');
      }
    }
  };
  const what = one(strategy);
  return { bytes, strategy, what, baseAddr, mapsText };
}

// ---- text artifacts -----------------------------------------------------------------------

/** Real tool outputs made at test time (maps, pmap, status, meminfo, top, ps, strace, valgrind, pidstat…). */
export interface TextLayout {
  samples: { name: string; text: string }[];
}

export const TEXT_STRATEGIES = ['truncate', 'flip-bytes', 'shuffle-lines', 'drop-lines', 'binary-junk', 'long-line', 'numbers', 'splice-two', 'combined'] as const;

export function mutateText(l: TextLayout, seed: number): { bytes: Uint8Array; strategy: string; what: string; sample: string } {
  const r = rng(seed * 3266489917 + 11);
  const int = (n: number) => Math.floor(r() * n);
  const strategy = TEXT_STRATEGIES[seed % TEXT_STRATEGIES.length];
  const sample = l.samples[int(l.samples.length)];
  let text = sample.text;
  const enc = new TextEncoder();
  let bytes: Uint8Array | undefined;
  const one = (s: string): string => {
    const lines = () => text.split('\n');
    switch (s) {
      case 'truncate': {
        const cut = int(text.length + 1);
        text = text.slice(0, cut);
        return `cut at ${cut}`;
      }
      case 'flip-bytes': {
        const b = enc.encode(text);
        for (let i = 0; i < 1 + int(20); i++) b[int(b.length)] ^= 1 << int(8);
        bytes = b;
        return 'bytes flipped';
      }
      case 'shuffle-lines': {
        const ls = lines();
        for (let i = ls.length - 1; i > 0; i--) {
          const j = int(i + 1);
          [ls[i], ls[j]] = [ls[j], ls[i]];
        }
        text = ls.join('\n');
        return 'lines shuffled';
      }
      case 'drop-lines': {
        const ls = lines().filter(() => r() > 0.3);
        text = ls.join('\n');
        return 'lines dropped';
      }
      case 'binary-junk': {
        const b = enc.encode(text);
        const o = int(b.length + 1);
        const junk = Uint8Array.from({ length: 1 + int(4096) }, () => int(256));
        bytes = new Uint8Array(b.length + junk.length);
        bytes.set(b.subarray(0, o));
        bytes.set(junk, o);
        bytes.set(b.subarray(o), o + junk.length);
        return `${junk.length} binary bytes at ${o}`;
      }
      case 'long-line': {
        const ls = lines();
        const k = int(ls.length);
        ls[k] = (ls[k] ?? '') + 'x'.repeat(1 << (10 + int(11)));
        text = ls.join('\n');
        return `line ${k} made long`;
      }
      case 'numbers': {
        text = text.replace(/\d+/g, (m) => (r() < 0.1 ? ['0', '-1', '99999999999999999999', 'NaN', '1e309', '4294967296'][int(6)] : m));
        return 'numbers replaced';
      }
      case 'splice-two': {
        const other = l.samples[int(l.samples.length)].text.split('\n');
        const ls = lines();
        const k = int(ls.length + 1);
        ls.splice(k, 0, ...other.slice(0, 1 + int(other.length)));
        text = ls.join('\n');
        return 'another output spliced in';
      }
      default: {
        const parts: string[] = [];
        for (let i = 0; i < 2 + int(2); i++) {
          const s2 = TEXT_STRATEGIES[int(TEXT_STRATEGIES.length - 1)];
          if (bytes) break;
          parts.push(`${s2}: ${one(s2)}`);
        }
        return parts.join('; ');
      }
    }
  };
  const what = `${sample.name}: ${one(strategy)}`;
  return { bytes: bytes ?? enc.encode(text), strategy, what, sample: sample.name };
}

// ---- collector bundles ------------------------------------------------------------------

/** A real collector bundle (collect-heaplens.sh run at test time): where its tar headers are. */
export interface BundleLayout {
  /** The uncompressed tar, next to the base .tar.gz. */
  tarPath: string;
  /** Offsets of the member headers in the uncompressed tar. */
  headers: number[];
}

export const BUNDLE_STRATEGIES = ['gz-flip', 'gz-truncate', 'tar-header', 'tar-size', 'tar-truncate', 'tar-range', 'tar-flip'] as const;

/** Mutates either the .tar.gz (gz-*) or the plain tar inside it (tar-*: a bundle may be a plain tar too). */
export function mutateBundle(gz: Uint8Array, tar: Uint8Array, l: BundleLayout, seed: number): { bytes: Uint8Array; strategy: string; what: string } {
  const r = rng(seed * 2654435761 + 13);
  const int = (n: number) => Math.floor(r() * n);
  const strategy = BUNDLE_STRATEGIES[seed % BUNDLE_STRATEGIES.length];
  const header = () => l.headers[int(l.headers.length)] ?? 0;
  let bytes: Uint8Array;
  let what: string;
  switch (strategy) {
    case 'gz-flip': {
      bytes = gz.slice();
      const at: number[] = [];
      for (let i = 0; i < 1 + int(6); i++) {
        const o = int(bytes.length);
        bytes[o] ^= 1 << int(8);
        at.push(o);
      }
      what = `gzip bits flipped at ${at.join(',')}`;
      break;
    }
    case 'gz-truncate': {
      const cut = int(gz.length);
      bytes = gz.slice(0, cut);
      what = `gzip cut at ${cut}`;
      break;
    }
    case 'tar-header': {
      bytes = tar.slice();
      const h = header();
      for (let i = 0; i < 1 + int(12); i++) bytes[h + int(512)] = int(256);
      what = `tar header at ${h} damaged`;
      break;
    }
    case 'tar-size': {
      bytes = tar.slice();
      const h = header();
      const v = [' ', '77777777777', '\x80\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff', 'zz', '00000000000'][int(5)];
      for (let i = 0; i < 12; i++) bytes[h + 124 + i] = i < v.length ? v.charCodeAt(i) & 0xff : 0;
      what = `size field of the member at ${h} = ${JSON.stringify(v)}`;
      break;
    }
    case 'tar-truncate': {
      const cut = int(tar.length);
      bytes = tar.slice(0, cut);
      what = `tar cut at ${cut}`;
      break;
    }
    case 'tar-range': {
      bytes = tar.slice();
      const o = int(bytes.length);
      const len = Math.min(1 + int(1 << (4 + int(12))), bytes.length - o);
      for (let i = 0; i < len; i++) bytes[o + i] = int(256);
      what = `${len} random bytes at ${o} of the tar`;
      break;
    }
    default: {
      bytes = tar.slice();
      const at: number[] = [];
      for (let i = 0; i < 1 + int(16); i++) {
        const o = int(bytes.length);
        bytes[o] ^= 1 << int(8);
        at.push(o);
      }
      what = `tar bits flipped at ${at.join(',')}`;
    }
  }
  return { bytes, strategy, what };
}
