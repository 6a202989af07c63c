// An independent word count for checking the kernels: segments from binutils' readelf (not
// our parser), words counted with a plain Map over the core's bytes.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';

export interface OracleSegment {
  offset: number;
  vaddr: bigint;
  filesz: number;
}

export function readelfLoads(core: string): OracleSegment[] {
  const out = execFileSync('readelf', ['-lW', core], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const segs: OracleSegment[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)/.exec(line);
    if (m) segs.push({ offset: parseInt(m[1], 16), vaddr: BigInt('0x' + m[2]), filesz: parseInt(m[3], 16) });
  }
  return segs;
}

/** Counts every word of every loaded segment. Returns counts of all nonzero values and the zero count. */
export function countWords(core: string, wordSize: 4 | 8): { counts: Map<bigint, number>; zeros: number; words: number } {
  const fd = openSync(core, 'r');
  const counts = new Map<bigint, number>();
  let zeros = 0;
  let words = 0;
  try {
    for (const s of readelfLoads(core)) {
      const len = s.filesz - (s.filesz % wordSize);
      const buf = Buffer.alloc(len);
      const got = readSync(fd, buf, 0, len, s.offset);
      const n = got - (got % wordSize);
      const dv = new DataView(buf.buffer, buf.byteOffset, n);
      for (let o = 0; o < n; o += wordSize) {
        words++;
        const lo = dv.getUint32(o, true);
        const hi = wordSize === 8 ? dv.getUint32(o + 4, true) : 0;
        if (lo === 0 && hi === 0) {
          zeros++;
          continue;
        }
        const v = wordSize === 8 ? dv.getBigUint64(o, true) : BigInt(lo);
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
    }
  } finally {
    closeSync(fd);
  }
  return { counts, zeros, words };
}
