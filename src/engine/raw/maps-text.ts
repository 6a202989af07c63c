// A process's memory map pasted as text, in the forms the field reports use (seeds 000, 001):
//
//   /proc/PID/maps           556155ac5000-556155af4000 r--p 00000000 fe:00 260104  /usr/bin/bash
//   pmap -x PID              0000560d9b0eb000       8       8       0 r---- sleep
//   pmap PID                 0000560d9b0eb000      8K r---- sleep
//   gdb `info proc mappings` 0x560d9b0eb000 0x560d9b0ed000 0x2000 0x0 r--p /usr/bin/sleep
//                            (gdb before 12 prints no Perms column: 0x400000 0x4a0000 0xa0000 0 a.out)
//
// Parsed line by line, leniently: headers, footers, pmap's "PID: command" line, gdb's
// preamble and prompts are skipped; a line that starts like a mapping but does not parse is an
// error naming its line number and what is wrong; other lines are listed as ignored. Notes
// people add after a mapping (`<----- 32MB`, `*****`) are dropped.

export type MapsFormat = 'proc-maps' | 'pmap-x' | 'pmap' | 'gdb';

export interface MapsEntry {
  start: bigint;
  end: bigint;
  /** 'rw-' style; '?' when the format does not say (gdb before 12). */
  perms: string;
  /** File offset, when the format gives it (/proc maps, gdb). */
  offset?: bigint;
  /** File path or pseudo-path ([heap], [stack], [vdso], [stack:TID], [anon:name]); absent for anonymous mappings. */
  path?: string;
  /** 1-based line number in the text. */
  line: number;
  format: MapsFormat;
}

export interface MapsLineError {
  line: number;
  text: string;
  message: string;
}

export interface MapsText {
  /** The format of most entries. */
  format?: MapsFormat;
  entries: MapsEntry[];
  errors: MapsLineError[];
  /** Line numbers of non-empty lines that are neither mappings nor known headers. */
  ignored: number[];
  /** From pmap's first line ("1234:   ./server --flag") or gdb's "process 1234". */
  pid?: number;
  command?: string;
}

const PERM3 = '[r-][w-][x-]';
const PROC = new RegExp(`^([0-9a-f]+)-([0-9a-f]+)\\s+(${PERM3})[ps-]\\s+([0-9a-f]+)\\s+[0-9a-f]+:[0-9a-f]+\\s+\\d+(?:\\s+(.*))?$`, 'i');
const PMAP_X = new RegExp(`^([0-9a-f]+)\\s+(\\d+)\\s+(?:\\d+|-)\\s+(?:\\d+|-)\\s+(${PERM3})[s-][R-]\\s+(.*)$`, 'i');
const PMAP = new RegExp(`^([0-9a-f]+)\\s+(\\d+)K\\s+(${PERM3})[s-][R-]\\s+(.*)$`, 'i');
const GDB = new RegExp(`^0x([0-9a-f]+)\\s+0x([0-9a-f]+)\\s+0x([0-9a-f]+)\\s+(?:0x)?([0-9a-f]+)(?:\\s+(${PERM3})[ps-])?(?:\\s+(.*))?$`, 'i');
/** Starts like a mapping line: an address (16 hex digits, 0x…, or start-end). */
const LOOKS_LIKE = /^(0x[0-9a-f]+|[0-9a-f]{8,16}(\s|-)|[0-9a-f]+-[0-9a-f]+\s)/i;
const SKIP = [
  /^-+(\s+-+)*\s*$/, // pmap footer rule
  /^total\b/i,
  /^Address\s+(Kbytes|Perm)/i,
  /^Start Addr\s+End Addr/i,
  /^Mapped address spaces:?$/i,
  /^(cmdline|cwd|exe)\s*=/,
  /^\[?(New )?(LWP|Thread)\b/,
  /^\[Thread debugging/,
  /^\[Inferior \d+/,
  /^Using host libthread_db/,
];

function pathOf(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let p = raw.trim().replace(/\s+<-+.*$/, '').replace(/\s+\*+$/, '').trim();
  // pmap's pseudo-paths: [ anon ], [ stack ], [ heap ].
  const pm = /^\[\s+(\w+)\s+\]$/.exec(p);
  if (pm) p = pm[1] === 'anon' ? '' : `[${pm[1]}]`;
  return p || undefined;
}

const big = (h: string) => BigInt('0x' + h);

export function parseMapsText(text: string): MapsText {
  const out: MapsText = { entries: [], errors: [], ignored: [] };
  const lines = text.split(/\r?\n/);
  // gdb prints its attach chatter (threads, the current frame) before "Mapped address spaces:"; none of it is a mapping.
  const gdbTable = lines.findIndex((l) => /^\s*Mapped address spaces:?\s*$/.test(l));
  lines.forEach((rawLine, i) => {
    const line = i + 1;
    const t = rawLine.replace(/^\s*(\(gdb\)\s*)?/, '').trimEnd();
    if (!t) return;
    const proc = /^process (\d+)$/.exec(t);
    if (proc) {
      out.pid = Number(proc[1]);
      return;
    }
    const cmdline = /^cmdline = '(.*)'$/.exec(t);
    if (cmdline) {
      out.command = cmdline[1];
      return;
    }
    if (i < gdbTable || SKIP.some((re) => re.test(t))) return;
    const head = /^(\d+):\s+(.*)$/.exec(t);
    if (head && !out.entries.length) {
      out.pid = Number(head[1]);
      out.command = head[2].trim();
      return;
    }
    const err = (message: string) => out.errors.push({ line, text: rawLine.trim().slice(0, 200), message });
    let m: RegExpExecArray | null;
    if ((m = PROC.exec(t))) {
      out.entries.push({ start: big(m[1]), end: big(m[2]), perms: m[3].toLowerCase(), offset: big(m[4]), path: pathOf(m[5]), line, format: 'proc-maps' });
    } else if ((m = PMAP_X.exec(t)) || (m = PMAP.exec(t))) {
      const start = big(m[1]);
      out.entries.push({ start, end: start + BigInt(m[2]) * 1024n, perms: m[3].toLowerCase(), path: pathOf(m[4]), line, format: m[0].match(/^\S+\s+\d+K\s/i) ? 'pmap' : 'pmap-x' });
    } else if ((m = GDB.exec(t))) {
      const start = big(m[1]);
      const end = big(m[2]);
      if (end - start !== big(m[3])) {
        err(`the Size column (0x${m[3]}) is not End − Start (0x${(end - start).toString(16)})`);
        return;
      }
      out.entries.push({ start, end, perms: m[5] ? m[5].toLowerCase() : '?', offset: big(m[4]), path: pathOf(m[6]), line, format: 'gdb' });
    } else if (LOOKS_LIKE.test(t)) {
      err('starts like a mapping but is none of /proc/PID/maps, pmap -x, pmap or gdb "info proc mappings" lines');
      return;
    } else {
      out.ignored.push(line);
      return;
    }
    const e = out.entries[out.entries.length - 1];
    if (e.end <= e.start) {
      out.entries.pop();
      err(`the mapping ends (0x${e.end.toString(16)}) at or before its start (0x${e.start.toString(16)})`);
    }
  });
  // Sorted by address; a mapping overlapping an earlier one is an error (pasted twice, or two processes).
  out.entries.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.line - b.line));
  const kept: MapsEntry[] = [];
  for (const e of out.entries) {
    const prev = kept[kept.length - 1];
    if (prev && e.start < prev.end) {
      if (e.start === prev.start && e.end === prev.end) continue; // the same mapping twice
      out.errors.push({ line: e.line, text: `0x${e.start.toString(16)}-0x${e.end.toString(16)}`, message: `overlaps the mapping of line ${prev.line} (0x${prev.start.toString(16)}-0x${prev.end.toString(16)}); dropped` });
      continue;
    }
    kept.push(e);
  }
  out.entries = kept;
  out.errors.sort((a, b) => a.line - b.line);
  const counts = new Map<MapsFormat, number>();
  for (const e of kept) counts.set(e.format, (counts.get(e.format) ?? 0) + 1);
  out.format = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return out;
}
