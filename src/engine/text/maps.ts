// A process's memory map as text — /proc/PID/maps, /proc/PID/smaps, pmap -x, pmap -X/-XX, pmap,
// gdb `info proc mappings` — parsed by ../raw/maps-text.ts, each mapping given a kind (heap,
// thread stack and its guard, glibc arena, anon, text/rodata/data of a file, vdso…) and the
// totals by kind. Two or more snapshots of one process are compared by ./maps-diff.ts.
import { hex } from '../format';
import { heapMaxSizeOf } from '../memmap';
import { type MapsEntry, type MapsFormat, MapsTextParser } from '../raw/maps-text';
import { type LineParser, type ParseContext, type TextDocBase, type TextImporter, TEXT_JSON_VERSION, timestampLine } from './common';

export type MapKind =
  | 'heap' // [heap]: the brk area (glibc's main arena)
  | 'stack' // [stack]: the main thread's stack
  | 'thread-stack' // rw anonymous memory right above a no-access guard: a pthread stack
  | 'guard' // no-access anonymous memory right below a thread stack
  | 'arena' // a glibc non-main arena heap: 64 MiB-aligned rw anon (1 MiB on 32-bit)
  | 'arena-reserve' // the no-access rest of an arena's reservation
  | 'reserve' // other no-access anonymous memory
  | 'anon' // other anonymous memory (mmap'd blocks, pools…)
  | 'text' // file mapping, executable
  | 'rodata' // file mapping, read-only
  | 'data' // file mapping, writable
  | 'file' // file mapping, other
  | 'shared' // shared memory (MAP_SHARED anon, SysV shm, memfd)
  | 'vdso'
  | 'vvar'
  | 'vsyscall';

export interface MapRegion {
  /** Hex addresses: [start, end). */
  start: string;
  end: string;
  sizeKiB: number;
  perms: string;
  share?: 'p' | 's';
  offset?: string;
  /** File or pseudo-path ([heap], [stack], [vdso], [anon:name]); pmap prints base names only. */
  path?: string;
  kind: MapKind;
  /** Resident, proportional, dirty (shared + private), private dirty, anonymous and swapped kB, when the format has them. */
  rssKiB?: number;
  pssKiB?: number;
  dirtyKiB?: number;
  privateDirtyKiB?: number;
  anonKiB?: number;
  swapKiB?: number;
  /** For a thread stack: the size of the guard mapping below it. */
  guardKiB?: number;
  /** Line of the mapping in the text. */
  line: number;
}

export type MapCounter = 'rss' | 'pss' | 'dirty' | 'privateDirty' | 'anon' | 'swap';

export interface MapTotal {
  kind: MapKind;
  count: number;
  sizeKiB: number;
  rssKiB?: number;
  dirtyKiB?: number;
  anonKiB?: number;
  swapKiB?: number;
}

export interface MapsDoc extends TextDocBase {
  kind: 'maps';
  /** The format of most mappings. */
  format: MapsFormat;
  pid?: number;
  command?: string;
  /** When the snapshot was taken, epoch seconds (a time-stamp line before the map, or given by the caller: the collector's manifest). */
  time?: number;
  /** 8 when an address lies above 4 GiB; 4 when all lie below (probably a 32-bit process, or a small map). */
  wordSize: 4 | 8;
  /** Counters every mapping has (pmap -x: rss, dirty; smaps: all; maps, pmap, gdb: none). */
  counters: MapCounter[];
  regions: MapRegion[];
  totals: MapTotal[];
  total: Omit<MapTotal, 'kind'>;
  /** Findings in sentences (the largest anonymous regions, thread stacks…). */
  findings: string[];
}

const KB = 1024n;

function counters(e: MapsEntry): Partial<Pick<MapRegion, 'rssKiB' | 'pssKiB' | 'dirtyKiB' | 'privateDirtyKiB' | 'anonKiB' | 'swapKiB'>> {
  const k = e.kb;
  if (!k) return {};
  const r: ReturnType<typeof counters> = {};
  if (k.Rss !== undefined) r.rssKiB = k.Rss;
  if (k.Pss !== undefined) r.pssKiB = k.Pss;
  if (k.Dirty !== undefined) r.dirtyKiB = k.Dirty;
  else if (k.Private_Dirty !== undefined || k.Shared_Dirty !== undefined) r.dirtyKiB = (k.Private_Dirty ?? 0) + (k.Shared_Dirty ?? 0);
  if (k.Private_Dirty !== undefined) r.privateDirtyKiB = k.Private_Dirty;
  if (k.Anonymous !== undefined) r.anonKiB = k.Anonymous;
  if (k.Swap !== undefined) r.swapKiB = k.Swap;
  return r;
}

const isAnon = (e: MapsEntry) => !e.path || /^\[anon[:\]]/.test(e.path);
const noAccess = (e: MapsEntry) => e.perms === '---';
const rw = (e: MapsEntry) => e.perms.startsWith('rw');

/** Kinds from paths, permissions and neighbours. */
export function classify(entries: MapsEntry[], wordSize: 4 | 8): { kind: MapKind; guardKiB?: number }[] {
  const arenaSize = heapMaxSizeOf(wordSize);
  const out: { kind: MapKind; guardKiB?: number }[] = entries.map(() => ({ kind: 'anon' as MapKind }));
  entries.forEach((e, i) => {
    const p = e.path ?? '';
    let kind: MapKind;
    if (p === '[heap]') kind = 'heap';
    else if (p === '[stack]') kind = 'stack';
    else if (/^\[stack:\d+\]$/.test(p)) kind = 'thread-stack';
    else if (p === '[vdso]') kind = 'vdso';
    else if (p === '[vvar]' || p === '[vvar_vclock]') kind = 'vvar';
    else if (p === '[vsyscall]') kind = 'vsyscall';
    else if (e.share === 's' && (!p || /^\/(dev\/zero|SYSV|memfd:)/.test(p) || p.startsWith('/SYSV') || p.startsWith('/memfd:'))) kind = 'shared';
    else if (p && !p.startsWith('[')) kind = e.perms[2] === 'x' ? 'text' : e.perms[1] === 'w' ? 'data' : e.perms[0] === 'r' ? 'rodata' : 'file';
    else kind = noAccess(e) ? 'reserve' : 'anon';
    out[i].kind = kind;
  });
  // Arenas: rw anon starting on an arena boundary, with its no-access rest up to the next boundary.
  entries.forEach((e, i) => {
    if (out[i].kind !== 'anon' || !rw(e) || e.start % arenaSize !== 0n) return;
    const next = entries[i + 1];
    if (next && next.start === e.end && out[i + 1].kind === 'reserve' && (next.end - e.start === arenaSize || (next.end - e.start) % arenaSize === 0n)) {
      out[i].kind = 'arena';
      out[i + 1].kind = 'arena-reserve';
    } else if (wordSize === 8 && e.end - e.start === arenaSize) out[i].kind = 'arena';
  });
  // Full heaps (no rest): rw anon on a boundary, whole heaps long — on 32-bit an arena grows by
  // 1 MiB heaps, interleaved with other arenas' — unless a small guard lies right below (a thread
  // stack that happens to start on a boundary).
  entries.forEach((e, i) => {
    if (out[i].kind !== 'anon' || !rw(e) || e.start % arenaSize !== 0n || (e.end - e.start) % arenaSize !== 0n) return;
    const prev = i > 0 ? entries[i - 1] : undefined;
    const smallGuard = prev && prev.end === e.start && noAccess(prev) && prev.end - prev.start <= 64n * KB;
    if (!smallGuard) out[i].kind = 'arena';
  });
  // Thread stacks: rw anon right above a no-access mapping (glibc puts the guard at the low end).
  entries.forEach((e, i) => {
    if (out[i].kind !== 'anon' || !rw(e) || i === 0) return;
    const prev = entries[i - 1];
    if (prev.end !== e.start || !(out[i - 1].kind === 'reserve' || out[i - 1].kind === 'arena-reserve') || !isAnon(prev)) return;
    if (e.end - e.start < 16n * KB) return;
    out[i].kind = 'thread-stack';
    out[i].guardKiB = Number((prev.end - prev.start) / KB);
    if (out[i - 1].kind === 'reserve') out[i - 1].kind = 'guard';
  });
  for (let i = 0; i < entries.length; i++) {
    if (out[i].kind === 'thread-stack' && /^\[stack:/.test(entries[i].path ?? '') && i > 0 && out[i - 1].kind === 'reserve' && entries[i - 1].end === entries[i].start) {
      out[i].guardKiB = Number((entries[i - 1].end - entries[i - 1].start) / KB);
      out[i - 1].kind = 'guard';
    }
  }
  return out;
}

const COUNTER_KEYS: [MapCounter, keyof MapRegion][] = [
  ['rss', 'rssKiB'],
  ['pss', 'pssKiB'],
  ['dirty', 'dirtyKiB'],
  ['privateDirty', 'privateDirtyKiB'],
  ['anon', 'anonKiB'],
  ['swap', 'swapKiB'],
];

/** Builds the document from parsed entries (also used for the maps of a core or a tar member). */
export function mapsDocument(parsed: ReturnType<MapsTextParser['finish']>, input: { name: string; size: number }, lines: number, time?: number): MapsDoc {
  const entries = parsed.entries;
  const wordSize: 4 | 8 = entries.some((e) => e.end > 0x1_0000_0000n) ? 8 : 4;
  const kinds = classify(entries, wordSize);
  const regions: MapRegion[] = entries.map((e, i) => {
    const r: MapRegion = { start: hex(e.start), end: hex(e.end), sizeKiB: Number((e.end - e.start) / KB), perms: e.perms, kind: kinds[i].kind, line: e.line };
    if (e.share) r.share = e.share;
    if (e.offset !== undefined) r.offset = hex(e.offset);
    if (e.path) r.path = e.path;
    Object.assign(r, counters(e));
    if (kinds[i].guardKiB !== undefined) r.guardKiB = kinds[i].guardKiB;
    return r;
  });
  const have = COUNTER_KEYS.filter(([, k]) => regions.length > 0 && regions.every((r) => r[k] !== undefined)).map(([c]) => c);
  const byKind = new Map<MapKind, MapTotal>();
  const total: Omit<MapTotal, 'kind'> = { count: 0, sizeKiB: 0 };
  const add = (t: Omit<MapTotal, 'kind'>, r: MapRegion) => {
    t.count++;
    t.sizeKiB += r.sizeKiB;
    if (have.includes('rss')) t.rssKiB = (t.rssKiB ?? 0) + r.rssKiB!;
    if (have.includes('dirty')) t.dirtyKiB = (t.dirtyKiB ?? 0) + r.dirtyKiB!;
    if (have.includes('anon')) t.anonKiB = (t.anonKiB ?? 0) + r.anonKiB!;
    if (have.includes('swap')) t.swapKiB = (t.swapKiB ?? 0) + r.swapKiB!;
  };
  for (const r of regions) {
    let t = byKind.get(r.kind);
    if (!t) byKind.set(r.kind, (t = { kind: r.kind, count: 0, sizeKiB: 0 }));
    add(t, r);
    add(total, r);
  }
  const totals = [...byKind.values()].sort((a, b) => (b.rssKiB ?? b.sizeKiB) - (a.rssKiB ?? a.sizeKiB));
  const diagnostics: MapsDoc['diagnostics'] = parsed.errors.map((e) => ({ level: 'warning' as const, code: 'maps.line', message: `line ${e.line}: ${e.message}: ${e.text}` }));
  if (!regions.length) diagnostics.push({ level: 'error', code: 'maps.empty', message: 'no mapping was found' });
  const findings: string[] = [];
  const stacks = regions.filter((r) => r.kind === 'thread-stack');
  if (stacks.length) {
    const sizes = new Map<number, number>();
    for (const s of stacks) sizes.set(s.sizeKiB, (sizes.get(s.sizeKiB) ?? 0) + 1);
    const common = [...sizes].sort((a, b) => b[1] - a[1])[0];
    findings.push(`${stacks.length} thread stack(s) (rw memory above a guard page), ${common[1]} of ${kib(common[0])}; ${kib(stacks.reduce((a, s) => a + s.sizeKiB, 0))} of address space in thread stacks`);
  }
  const arenas = regions.filter((r) => r.kind === 'arena');
  if (arenas.length) findings.push(`${arenas.length} glibc arena heap(s) (${wordSize === 8 ? '64 MiB' : '1 MiB'}-aligned anonymous reservations)${have.includes('rss') ? `, ${kib(arenas.reduce((a, r) => a + r.rssKiB!, 0))} resident` : ''}`);
  const measure = have.includes('rss') ? 'rssKiB' : 'sizeKiB';
  const bigAnon = regions.filter((r) => r.kind === 'anon' || r.kind === 'arena' || r.kind === 'heap').sort((a, b) => (b[measure] as number) - (a[measure] as number))[0];
  if (bigAnon) findings.push(`the largest ${bigAnon.kind === 'heap' ? '[heap]' : bigAnon.kind} region is ${bigAnon.start}-${bigAnon.end}, ${kib(bigAnon[measure] as number)}${measure === 'rssKiB' ? ' resident' : ''}`);
  return {
    kind: 'maps', version: TEXT_JSON_VERSION, input, lines, diagnostics,
    format: parsed.format ?? 'proc-maps', pid: parsed.pid, command: parsed.command, time, wordSize, counters: have, regions, totals, total, findings,
  };
}

export function kib(k: number): string {
  if (k >= 1 << 20) return `${(k / (1 << 20)).toFixed(k % (1 << 20) ? 1 : 0)} GiB`;
  if (k >= 1024) return `${(k / 1024).toFixed(k % 1024 ? 1 : 0)} MiB`;
  return `${k} KiB`;
}

/** Confidence that a text head is a memory map: the share of its lines the maps parser takes. */
function detectMaps(head: string): number {
  // Heap profiles end with the process's maps (MAPPED_LIBRARIES / --- Memory map: ---): not a map.
  if (/^(heap profile:|heap_v2\/|MAPPED_LIBRARIES:|--- Memory map: ---)/m.test(head)) return 0;
  const p = new MapsTextParser();
  const lines = head.split('\n').slice(0, 400);
  let nonEmpty = 0;
  lines.forEach((l, i) => {
    if (l.trim()) nonEmpty++;
    p.line(l.replace(/\r$/, ''), i + 1);
  });
  const r = p.finish();
  if (r.entries.length < 2) return 0;
  const taken = r.entries.length + p.smapsFields;
  const share = taken / Math.max(1, nonEmpty);
  if (share >= 0.6) return 0.95;
  if (share >= 0.3) return 0.7;
  // gdb: a preamble, then the table.
  return r.format === 'gdb' && r.entries.length >= 3 ? 0.8 : 0.3;
}

export const mapsImporter: TextImporter<MapsDoc> = {
  kind: 'maps',
  title: '/proc/PID/maps, smaps, pmap -x/-X or gdb info proc mappings',
  detect: detectMaps,
  parser(input, ctx: ParseContext): LineParser<MapsDoc> {
    const p = new MapsTextParser();
    let time = ctx.time;
    let seenMapping = false;
    return {
      line(l, no) {
        if (!seenMapping && time === undefined) {
          const ts = timestampLine(l);
          if (ts && !ts.clock) {
            time = ts.seconds;
            return;
          }
        }
        if (!seenMapping && /^\s*([0-9a-f]{8,16}|0x[0-9a-f]+)[\s-]/i.test(l)) seenMapping = true;
        p.line(l, no);
      },
      finish(lines) {
        return mapsDocument(p.finish(), input, lines, time);
      },
    };
  },
};
