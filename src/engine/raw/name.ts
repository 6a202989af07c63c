// The address range a raw memory dump's file name carries, as people name the output of gdb's
// `dump binary memory FILE START END`. Accepted forms (case-insensitive, anywhere in the base
// name, delimited by anything but letters and digits):
//
//   START-END, START_END, START..END   a range: both hex; `0x` on either or both; a range
//                                      without any `0x` needs 5+ digits on each side
//                                      (heap-1f3a000-21f3a000.bin, 0x1f3a000-0x21f3a000.dump)
//   0xSTART                            a start address alone (result.0x1f3a000.bin,
//                                      mem_0x7f2c90000000.dump, heap@0x55d0c0a01000.raw)
//
// Every address must be at least 0x10000 (vm.mmap_min_addr's default: nothing lower is ever
// mapped, so smaller numbers are pids, dates or counters: core.1234, dump-2024-06-13.bin), and
// a range's start must be below its end. Two different readings (two ranges, or several bare
// 0x addresses) make the name ambiguous: no base is taken from it.

export interface NameRange {
  start: bigint;
  /** The end of the range, when the name carries one. */
  end?: bigint;
  /** The text of the name it was read from, e.g. '1f3a000-21f3a000'. */
  text: string;
}

export type NameReading = { range: NameRange } | { ambiguous: string[] } | { none: true };

const MIN_ADDR = 0x10000n;
const HEX = '[0-9a-f]{1,16}';
// A range: start, separator, end; a side without 0x is bare hex.
const RANGE = new RegExp(`(?<![0-9a-z])(0x)?(${HEX})(?:-|_|\\.\\.)(0x)?(${HEX})(?![0-9a-z])`, 'gi');
const SINGLE = new RegExp(`(?<![0-9a-z])0x(${HEX})(?![0-9a-z])`, 'gi');

function baseName(name: string): string {
  const i = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  return i >= 0 ? name.slice(i + 1) : name;
}

/** Reads the dump's address range from its file name (see the forms above). */
export function rangeFromName(name: string): NameReading {
  const n = baseName(name);
  const ranges: NameRange[] = [];
  const covered: [number, number][] = [];
  RANGE.lastIndex = 0;
  for (let m = RANGE.exec(n); m; m = RANGE.exec(n)) {
    const [text, px1, a, px2, b] = m;
    const start = BigInt('0x' + a);
    const end = BigInt('0x' + b);
    if ((!px1 && !px2 && (a.length < 5 || b.length < 5)) || start < MIN_ADDR || end <= start) {
      // Not a range here; one may start further in (dead_0x1f3a000-0x21f3a000).
      RANGE.lastIndex = m.index + 1;
      continue;
    }
    ranges.push({ start, end, text });
    covered.push([m.index, m.index + text.length]);
  }
  const singles: NameRange[] = [];
  for (const m of n.matchAll(SINGLE)) {
    if (covered.some(([s, e]) => m.index! >= s && m.index! < e)) continue;
    const start = BigInt('0x' + m[1]);
    if (start < MIN_ADDR) continue;
    singles.push({ start, text: m[0] });
  }
  const all = [...ranges, ...singles];
  const distinct = all.filter((r, i) => all.findIndex((x) => x.start === r.start && x.end === r.end) === i);
  if (distinct.length === 0) return { none: true };
  if (distinct.length > 1) return { ambiguous: distinct.map((r) => r.text) };
  return { range: distinct[0] };
}
