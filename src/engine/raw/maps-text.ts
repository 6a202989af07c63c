// A process's memory map pasted as text, in the forms the field reports use (seeds 000, 001):
//
//   /proc/PID/maps           556155ac5000-556155af4000 r--p 00000000 fe:00 260104  /usr/bin/bash
//   pmap -x PID              0000560d9b0eb000       8       8       0 r---- sleep
//   pmap PID                 0000560d9b0eb000      8K r---- sleep
//   gdb `info proc mappings` 0x560d9b0eb000 0x560d9b0ed000 0x2000 0x0 r--p /usr/bin/sleep
//                            (gdb before 12 prints no Perms column: 0x400000 0x4a0000 0xa0000 0 a.out)
//   /proc/PID/smaps          a maps line, then `Rss:  188 kB`, `Private_Dirty: …` lines for it
//   pmap -X / -XX PID        560f58566000 r--p 00000000 fe:00 260104 188 188 47 … bash (columns from its header)
//
// Parsed line by line (MapsTextParser, fed one line at a time; parseMapsText for a whole text), leniently: headers, footers, pmap's "PID: command" line, gdb's
// preamble and prompts are skipped; a line that starts like a mapping but does not parse is an
// error naming its line number and what is wrong; other lines are listed as ignored. Notes
// people add after a mapping (`<----- 32MB`, `*****`) are dropped.

export type MapsFormat = 'proc-maps' | 'smaps' | 'pmap-x' | 'pmap-X' | 'pmap' | 'gdb';

export interface MapsEntry {
  start: bigint;
  end: bigint;
  /** 'rw-' style; '?' when the format does not say (gdb before 12). */
  perms: string;
  /** 'p' private, 's' shared, when the format says. */
  share?: 'p' | 's';
  /** File offset, when the format gives it (/proc maps, smaps, pmap -X, gdb). */
  offset?: bigint;
  /** File path or pseudo-path ([heap], [stack], [vdso], [stack:TID], [anon:name]); absent for anonymous mappings. pmap prints base names only. */
  path?: string;
  /** Inode (/proc maps, smaps, pmap -X): 0 for anonymous memory. */
  inode?: number;
  /**
   * Counters in kB as the tool printed them: smaps fields (Rss, Pss, Private_Dirty, Anonymous,
   * Swap…), pmap -X columns, pmap -x's Rss and Dirty.
   */
  kb?: Record<string, number>;
  /** smaps' VmFlags (rd wr mr mw me ac gd…). */
  vmFlags?: string[];
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
const PROC = new RegExp(`^([0-9a-f]+)-([0-9a-f]+)\\s+(${PERM3})([ps-])\\s+([0-9a-f]+)\\s+[0-9a-f]+:[0-9a-f]+\\s+(\\d+)(?:\\s+(.*))?$`, 'i');
const PMAP_X = new RegExp(`^([0-9a-f]+)\\s+(\\d+)\\s+(\\d+|-)\\s+(\\d+|-)\\s+(${PERM3})([s-])[R-]\\s+(.*)$`, 'i');
const PMAP = new RegExp(`^([0-9a-f]+)\\s+(\\d+)K\\s+(${PERM3})([s-])[R-]\\s+(.*)$`, 'i');
const PMAP_XX = new RegExp(`^([0-9a-f]+)\\s+(${PERM3})([ps-])\\s+([0-9a-f]+)\\s+[0-9a-f]+:[0-9a-f]+\\s+(\\d+)\\s+(.*)$`, 'i');
const GDB = new RegExp(`^0x([0-9a-f]+)\\s+0x([0-9a-f]+)\\s+0x([0-9a-f]+)\\s+(?:0x)?([0-9a-f]+)(?:\\s+(${PERM3})[ps-])?(?:\\s+(.*))?$`, 'i');
/** smaps' per-mapping lines: `Rss:   188 kB`, `THPeligible:    0`, `VmFlags: rd mr mw me`. */
const SMAPS_FIELD = /^([A-Za-z_]+):\s+(\d+)(?:\s+kB)?$/;
const SMAPS_FLAGS = /^VmFlags:\s*(.*)$/;
/** pmap -X / -XX header: `Address Perm Offset Device Inode Size Rss Pss … Mapping`. */
const PMAP_XHEAD = /^Address\s+Perm\s+Offset\s+Device\s+Inode\s+Size\b/;
/** Starts like a mapping line: an address (16 hex digits, 0x…, or start-end). */
const LOOKS_LIKE = /^(0x[0-9a-f]+|[0-9a-f]{8,16}(\s|-)|[0-9a-f]+-[0-9a-f]+\s)/i;
const SKIP = [
  /^-+(\s+-+)*\s*$/, // pmap footer rule
  /^=+(\s+=+)*\s*$/, // pmap -X footer rule
  /^(\d+\s+)+KB\s*$/, // pmap -X totals
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

/**
 * The maps parser fed one line at a time (the text importers stream files through it; raw dumps
 * give it their whole map text via parseMapsText). `finish` sorts, drops overlaps and says the format.
 */
export class MapsTextParser {
  private out: MapsText = { entries: [], errors: [], ignored: [] };
  /** Lines before gdb's "Mapped address spaces:" are its attach chatter; they are dropped when that line comes. */
  private gdbTableSeen = false;
  /** pmap -X / -XX: the counter columns between Inode and Mapping (VmFlags excluded), from its header. */
  private xCols?: string[];
  private xFlags = false;
  /** Counter and flag lines seen for smaps entries. */
  smapsFields = 0;

  /** Feeds one line (without its end of line); `line` is its 1-based number. */
  line(rawLine: string, line: number): void {
    const out = this.out;
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
    if (!this.gdbTableSeen && /^Mapped address spaces:?$/.test(t)) {
      // Everything before was gdb's preamble (threads, the current frame): none of it is a mapping.
      this.gdbTableSeen = true;
      out.entries = [];
      out.errors = [];
      out.ignored = [];
      return;
    }
    const last = out.entries[out.entries.length - 1];
    if (last && (last.format === 'proc-maps' || last.format === 'smaps')) {
      const f = SMAPS_FIELD.exec(t);
      if (f) {
        (last.kb ??= {})[f[1]] = Number(f[2]);
        last.format = 'smaps';
        this.smapsFields++;
        return;
      }
      const fl = SMAPS_FLAGS.exec(t);
      if (fl) {
        last.vmFlags = fl[1].trim().split(/\s+/).filter(Boolean);
        last.format = 'smaps';
        this.smapsFields++;
        return;
      }
    }
    if (PMAP_XHEAD.test(t)) {
      const cols = t.split(/\s+/);
      const i = cols.indexOf('Size');
      const tail = cols.slice(i).filter((c) => c !== 'Mapping');
      this.xFlags = tail.includes('VmFlags');
      this.xCols = tail.filter((c) => c !== 'VmFlags');
      return;
    }
    if (SKIP.some((re) => re.test(t))) return;
    const head = /^(\d+):\s+(.*)$/.exec(t);
    if (head && !out.entries.length) {
      out.pid = Number(head[1]);
      out.command = head[2].trim();
      return;
    }
    const err = (message: string) => out.errors.push({ line, text: rawLine.trim().slice(0, 200), message });
    let m: RegExpExecArray | null;
    if ((m = PROC.exec(t))) {
      out.entries.push({ start: big(m[1]), end: big(m[2]), perms: m[3].toLowerCase(), share: m[4] === 's' ? 's' : 'p', offset: big(m[5]), inode: Number(m[6]), path: pathOf(m[7]), line, format: 'proc-maps' });
    } else if (this.xCols && (m = PMAP_XX.exec(t))) {
      const f = m[6].trim().split(/\s+/);
      const kb: Record<string, number> = {};
      let i = 0;
      for (; i < this.xCols.length; i++) {
        if (!/^\d+$/.test(f[i] ?? '')) break;
        kb[this.xCols[i]] = Number(f[i]);
      }
      if (i < this.xCols.length || kb.Size === undefined) {
        err(`a pmap -X row with fewer numbers than its header has columns (${this.xCols.length})`);
        return;
      }
      let rest = f.slice(i);
      if (this.xFlags) {
        let j = 0;
        while (j < rest.length && /^[a-z0-9]{2}$/.test(rest[j])) j++;
        rest = rest.slice(j);
      }
      const start = big(m[1]);
      out.entries.push({ start, end: start + BigInt(kb.Size) * 1024n, perms: m[2].toLowerCase(), share: m[3] === 's' ? 's' : 'p', offset: big(m[4]), inode: Number(m[5]), path: pathOf(rest.join(' ')), kb, line, format: 'pmap-X' });
    } else if ((m = PMAP_X.exec(t))) {
      const start = big(m[1]);
      const kb: Record<string, number> = { Size: Number(m[2]) };
      if (m[3] !== '-') kb.Rss = Number(m[3]);
      if (m[4] !== '-') kb.Dirty = Number(m[4]);
      out.entries.push({ start, end: start + BigInt(m[2]) * 1024n, perms: m[5].toLowerCase(), share: m[6] === 's' ? 's' : 'p', path: pathOf(m[7]), kb, line, format: 'pmap-x' });
    } else if ((m = PMAP.exec(t))) {
      const start = big(m[1]);
      out.entries.push({ start, end: start + BigInt(m[2]) * 1024n, perms: m[3].toLowerCase(), share: m[4] === 's' ? 's' : 'p', path: pathOf(m[5]), line, format: 'pmap' });
    } else if ((m = GDB.exec(t))) {
      const start = big(m[1]);
      const end = big(m[2]);
      if (end - start !== big(m[3])) {
        err(`the Size column (0x${m[3]}) is not End − Start (0x${(end - start).toString(16)})`);
        return;
      }
      out.entries.push({ start, end, perms: m[5] ? m[5].toLowerCase() : '?', offset: big(m[4]), path: pathOf(m[6]), line, format: 'gdb' });
    } else if (LOOKS_LIKE.test(t)) {
      err('starts like a mapping but is none of /proc/PID/maps, smaps, pmap -x, pmap -X, pmap or gdb "info proc mappings" lines');
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
  }

  finish(): MapsText {
    const out = this.out;
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
}

export function parseMapsText(text: string): MapsText {
  const p = new MapsTextParser();
  text.split(/\r?\n/).forEach((l, i) => p.line(l, i + 1));
  return p.finish();
}
