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
