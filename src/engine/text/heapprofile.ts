// Heap profiles as text: gperftools (HEAPPROFILE dumps, `heap profile: … @ heapprofile`; the
// sampled `@ heap_v2/N` of MallocExtension::GetHeapSample) and jemalloc (`heap_v2/N`, prof.dump).
// Top functions by in-use bytes and objects; addresses named through the MAPPED_LIBRARIES
// section and the binaries the user gives; two profiles → what grew (pprof --base).
import { demangle } from '../demangle';
import { type Binary, lookupSymbol } from '../elf/symbols';
import { basename, hex } from '../format';
import { type LineParser, type ParseContext, type TextDocBase, type TextImporter, num } from './common';

export interface HeapMapping {
  start: string;
  end: string;
  perms: string;
  offset: string;
  path: string;
}

export interface HeapStack {
  /** Addresses as in the profile (return addresses), innermost first. */
  addresses: string[];
  /** Names of the frames: `svc::leak(int)`, `libc.so.6+0x2724a` without a binary, or the address. */
  frames: string[];
  inuseObjects: number;
  inuseBytes: number;
  allocObjects: number;
  allocBytes: number;
}

export interface FunctionRow {
  name: string;
  /** Module (file name) the function is in, when known. */
  module?: string;
  /** Attributed to the function when it is the first frame below the allocator. */
  flatBytes: number;
  flatObjects: number;
  /** Attributed to the function when it is anywhere on the stack (once per stack). */
  cumBytes: number;
  cumObjects: number;
}

export interface HeapProfileDoc extends TextDocBase {
  kind: 'heap-profile';
  format: 'gperftools' | 'jemalloc';
  /** The header's profile type: `heapprofile`, `heap_v2/524288`, `heap/…`. */
  header: string;
  /** Exact counts (HEAPPROFILE, jemalloc with lg_prof_sample:0) or sampled every `period` bytes and scaled back as pprof does. */
  sampling: { kind: 'exact' | 'sampled'; period: number };
  totals: { inuseObjects: number; inuseBytes: number; allocObjects: number; allocBytes: number };
  hasAlloc: boolean;
  /** MAPPED_LIBRARIES: the process's mappings with a file. */
  mappings: HeapMapping[];
  /** The executable: the first file mapping. */
  program?: string;
  /** Binaries that named addresses, and how many frames stayed unnamed. */
  symbols: { binaries: { name: string; path: string }[]; named: number; unnamed: number };
  /** Functions by flat in-use bytes. */
  functions: FunctionRow[];
  /** Every stack, most in-use bytes first. */
  stacks: HeapStack[];
}

export interface HeapDiffDoc {
  kind: 'heap-profile-diff';
  version: number;
  base: { name: string; inuseBytes: number; inuseObjects: number };
  profile: { name: string; inuseBytes: number; inuseObjects: number };
  /** Functions by growth of flat in-use bytes (shrinking ones last). */
  functions: { name: string; module?: string; flatBytes: number; flatObjects: number; cumBytes: number; cumObjects: number; baseFlatBytes: number; flatBytesNow: number }[];
  /** Stacks whose in-use bytes changed, largest growth first. */
  stacks: { frames: string[]; inuseBytes: number; inuseObjects: number }[];
  /** The function whose in-use bytes grew most, in a sentence. */
  summary: string;
  diagnostics: TextDocBase['diagnostics'];
}

const GPERF_HEAD = /heap profile:\s*(\d+):\s*(\d+)\s*\[\s*(\d+):\s*(\d+)\s*\]\s*@\s*(heap[_a-z0-9]*)\/?(\d*)/;
const GPERF_SAMPLE = /^\s*(-?\d+):\s*(-?\d+)\s*\[\s*(\d+):\s*(\d+)\s*\]\s*@((?:\s+0x[0-9a-fA-F]+)*)\s*$/;
const JE_HEAD = /^heap_v2\/(\d+)\s*$/;
const JE_COUNTS = /^\s*t\*:\s*(\d+):\s*(\d+)\s*\[\s*(\d+):\s*(\d+)\s*\]/;
const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+\S+\s+\d+\s*(.*)$/;
/** Frames of the allocator itself (skipped to find the function that allocated). */
const ALLOC_NAME = /^(malloc|calloc|realloc|free|memalign|posix_memalign|aligned_alloc|valloc|pvalloc|operator new|operator new\[\]|__libc_\w+|tc_\w+|je_\w+|imalloc\w*|prof_\w+|(?:\w+::)*(?:MallocHook|HeapProfileTable|MallocExtension)\b.*)(\(.*\))?$/;
const ALLOC_MODULE = /^lib(tcmalloc\w*|jemalloc|profiler)\.so/;

/** pprof's scaling of a sampled heap entry back to an estimate of what was allocated. */
export function unsample(count: number, size: number, period: number): [number, number] {
  if (count === 0 || size === 0 || period <= 1) return [count, size];
  const avg = size / count;
  const scale = 1 / (1 - Math.exp(-avg / period));
  return [count * scale, size * scale];
}

interface RawProfile {
  format: 'gperftools' | 'jemalloc';
  header: string;
  sampling: 'v2' | 'exact';
  period: number;
  hasAlloc: boolean;
  stacks: { addrs: bigint[]; c: number; b: number; ac: number; ab: number }[];
  maps: HeapMapping[];
}

/** Names addresses through the profile's mappings and the given binaries. */
class FrameNamer {
  private maps: { start: bigint; end: bigint; offset: bigint; path: string; module: string; bin?: Binary }[];
  private cache = new Map<bigint, { name: string; module?: string; named: boolean }>();
  used = new Set<Binary>();
  constructor(maps: HeapMapping[], binaries: Binary[]) {
    const byName = new Map(binaries.map((b) => [basename(b.name), b]));
    this.maps = maps.map((m) => {
      const module = basename(m.path);
      return { start: BigInt(m.start), end: BigInt(m.end), offset: BigInt(m.offset), path: m.path, module, bin: byName.get(module) };
    }).sort((a, b) => (a.start < b.start ? -1 : 1));
  }
  name(addr: bigint): { name: string; module?: string; named: boolean } {
    let r = this.cache.get(addr);
    if (r) return r;
    const m = this.maps.find((x) => addr >= x.start && addr < x.end);
    if (!m) r = { name: hex(addr), named: false };
    else {
      // Return addresses: the call is the byte before.
      const fileOff = addr - 1n - m.start + m.offset;
      let hit: string | undefined;
      if (m.bin) {
        const p = m.bin.loads.find((l) => fileOff >= BigInt(l.offset) && fileOff < BigInt(l.offset) + BigInt(l.filesz));
        if (p) {
          const s = lookupSymbol(m.bin.symbols, fileOff - BigInt(p.offset) + p.vaddr);
          if (s) {
            hit = demangle(s.name);
            this.used.add(m.bin);
          }
        }
      }
      r = hit ? { name: hit, module: m.module, named: true } : { name: `${m.module}+${hex(fileOff + 1n)}`, module: m.module, named: false };
    }
    this.cache.set(addr, r);
    return r;
  }
}

function isAllocFrame(f: { name: string; module?: string }): boolean {
  return (f.module !== undefined && ALLOC_MODULE.test(f.module)) || ALLOC_NAME.test(f.name);
}

function buildDoc(raw: RawProfile, input: { name: string; size: number }, lines: number, diagnostics: TextDocBase['diagnostics'], binaries: Binary[]): HeapProfileDoc {
  const namer = new FrameNamer(raw.maps, binaries);
  const stacks: HeapStack[] = [];
  const fn = new Map<string, FunctionRow>();
  const totals = { inuseObjects: 0, inuseBytes: 0, allocObjects: 0, allocBytes: 0 };
  let named = 0;
  let unnamed = 0;
  const seenAddr = new Set<bigint>();
  for (const s of raw.stacks) {
    const [c, b] = raw.sampling === 'v2' ? unsample(s.c, s.b, raw.period) : [s.c, s.b];
    const [ac, ab] = raw.sampling === 'v2' ? unsample(s.ac, s.ab, raw.period) : [s.ac, s.ab];
    const frames = s.addrs.map((a) => {
      const f = namer.name(a);
      if (!seenAddr.has(a)) {
        seenAddr.add(a);
        if (f.named) named++;
        else unnamed++;
      }
      return f;
    });
    totals.inuseObjects += c;
    totals.inuseBytes += b;
    totals.allocObjects += ac;
    totals.allocBytes += ab;
    stacks.push({ addresses: s.addrs.map((a) => hex(a)), frames: frames.map((f) => f.name), inuseObjects: c, inuseBytes: b, allocObjects: ac, allocBytes: ab });
    let top = 0;
    while (top < frames.length - 1 && isAllocFrame(frames[top])) top++;
    const seen = new Set<string>();
    frames.forEach((f, i) => {
      if (i < top) return;
      let row = fn.get(f.name);
      if (!row) fn.set(f.name, (row = { name: f.name, module: f.module, flatBytes: 0, flatObjects: 0, cumBytes: 0, cumObjects: 0 }));
      if (i === top) {
        row.flatBytes += b;
        row.flatObjects += c;
      }
      if (!seen.has(f.name)) {
        seen.add(f.name);
        row.cumBytes += b;
        row.cumObjects += c;
      }
    });
  }
  stacks.sort((x, y) => y.inuseBytes - x.inuseBytes);
  const functions = [...fn.values()].sort((x, y) => y.flatBytes - x.flatBytes || y.cumBytes - x.cumBytes);
  const files = raw.maps.filter((m) => m.path && !m.path.startsWith('['));
  if (!raw.maps.length) diagnostics.push({ level: 'warning', code: 'heap-profile.no-maps', message: 'the profile has no MAPPED_LIBRARIES section: addresses cannot be tied to binaries' });
  if (binaries.length && !namer.used.size) diagnostics.push({ level: 'warning', code: 'heap-profile.binaries-unused', message: `none of the given binaries (${binaries.map((b) => b.name).join(', ')}) matches a mapping of the profile by file name` });
  return {
    kind: 'heap-profile', version: 1, input, lines, diagnostics, format: raw.format, header: raw.header,
    sampling: { kind: raw.sampling === 'v2' && raw.period > 1 ? 'sampled' : 'exact', period: raw.period }, totals, hasAlloc: raw.hasAlloc,
    mappings: files, program: files[0]?.path,
    symbols: { binaries: [...namer.used].map((b) => ({ name: b.name, path: raw.maps.find((m) => basename(m.path) === basename(b.name))?.path ?? b.name })), named, unnamed },
    functions, stacks,
  };
}

const addrsOf = (s: string) => s.trim().split(/\s+/).filter(Boolean).map((a) => BigInt(a));

export const heapProfileImporter: TextImporter<HeapProfileDoc> = {
  kind: 'heap-profile',
  title: 'gperftools / jemalloc heap profile',
  detect(head) {
    const first = head.split('\n').find((l) => l.trim()) ?? '';
    if (GPERF_HEAD.test(first)) return 0.98;
    if (JE_HEAD.test(first) && /^\s*t\*:/m.test(head)) return 0.98;
    return 0;
  },
  parser(input, ctx: ParseContext): LineParser<HeapProfileDoc> {
    const diagnostics: HeapProfileDoc['diagnostics'] = [];
    const raw: RawProfile = { format: 'gperftools', header: '', sampling: 'exact', period: 1, hasAlloc: false, stacks: [], maps: [] };
    let inMaps = false;
    let pendingAddrs: bigint[] | undefined;
    let started = false;
    let bad = 0;
    return {
      line(l) {
        if (!started) {
          if (!l.trim()) return;
          started = true;
          let m = GPERF_HEAD.exec(l);
          if (m) {
            raw.header = m[5] + (m[6] ? '/' + m[6] : '');
            const period = m[6] ? Number(m[6]) : 0;
            if (m[5] === 'heapprofile') raw.sampling = 'exact';
            else if (m[5] === 'heap') {
              raw.sampling = 'v2';
              raw.period = period / 2;
            } else {
              raw.sampling = 'v2';
              raw.period = period;
            }
            raw.hasAlloc = (m[3] !== m[1] && m[3] !== '0') || (m[4] !== m[2] && m[4] !== '0');
            return;
          }
          m = JE_HEAD.exec(l);
          if (m) {
            raw.format = 'jemalloc';
            raw.header = `heap_v2/${m[1]}`;
            raw.sampling = 'v2';
            raw.period = Number(m[1]);
            return;
          }
          diagnostics.push({ level: 'error', code: 'heap-profile.header', message: `not a heap profile header: ${l.slice(0, 120)}` });
          return;
        }
        if (/^\s*(MAPPED_LIBRARIES:|--- Memory map: ---)\s*$/.test(l)) {
          inMaps = true;
          return;
        }
        if (inMaps) {
          const m = MAPS_LINE.exec(l);
          if (m) raw.maps.push({ start: '0x' + m[1], end: '0x' + m[2], perms: m[3], offset: '0x' + m[4], path: m[5].replace(/ \(deleted\)$/, '').trim() });
          return;
        }
        if (raw.format === 'jemalloc') {
          if (l.startsWith('@')) {
            pendingAddrs = addrsOf(l.slice(1));
            return;
          }
          const c = JE_COUNTS.exec(l);
          if (c && pendingAddrs) {
            const ac = num(c[3]);
            const ab = num(c[4]);
            if (ac || ab) raw.hasAlloc = true;
            raw.stacks.push({ addrs: pendingAddrs, c: num(c[1]), b: num(c[2]), ac, ab });
            pendingAddrs = undefined;
          }
          return;
        }
        const m = GPERF_SAMPLE.exec(l);
        if (m) raw.stacks.push({ addrs: addrsOf(m[5]), c: num(m[1]), b: num(m[2]), ac: num(m[3]), ab: num(m[4]) });
        else if (l.trim()) bad++;
      },
      finish(lines) {
        if (bad) diagnostics.push({ level: 'warning', code: 'heap-profile.bad-lines', message: `${bad} line(s) were neither samples nor mappings` });
        if (!raw.stacks.length) diagnostics.push({ level: 'warning', code: 'heap-profile.empty', message: 'the profile has no samples' });
        return buildDoc(raw, input, lines, diagnostics, ctx.binaries ?? []);
      },
    };
  },
};

/** Key of a stack for matching across profiles (names, not addresses: ASLR moves addresses). */
const stackKey = (s: HeapStack) => s.frames.join('\n');

/** What grew from `base` to `cur` (pprof --base): by function and by stack. */
export function diffHeapProfiles(base: HeapProfileDoc, cur: HeapProfileDoc): HeapDiffDoc {
  const diagnostics: TextDocBase['diagnostics'] = [];
  if (base.program && cur.program && basename(base.program) !== basename(cur.program)) {
    diagnostics.push({ level: 'warning', code: 'heap-diff.other-program', message: `the profiles are of different programs (${base.program}, ${cur.program})` });
  }
  if (base.sampling.kind !== cur.sampling.kind) diagnostics.push({ level: 'warning', code: 'heap-diff.sampling', message: 'one profile is sampled and the other exact: differences are estimates' });
  const b = new Map(base.functions.map((f) => [f.name, f]));
  const c = new Map(cur.functions.map((f) => [f.name, f]));
  const functions: HeapDiffDoc['functions'] = [];
  for (const name of new Set([...b.keys(), ...c.keys()])) {
    const x = b.get(name);
    const y = c.get(name);
    const d = {
      name, module: y?.module ?? x?.module,
      flatBytes: (y?.flatBytes ?? 0) - (x?.flatBytes ?? 0), flatObjects: (y?.flatObjects ?? 0) - (x?.flatObjects ?? 0),
      cumBytes: (y?.cumBytes ?? 0) - (x?.cumBytes ?? 0), cumObjects: (y?.cumObjects ?? 0) - (x?.cumObjects ?? 0),
      baseFlatBytes: x?.flatBytes ?? 0, flatBytesNow: y?.flatBytes ?? 0,
    };
    if (d.flatBytes || d.cumBytes || d.flatObjects || d.cumObjects) functions.push(d);
  }
  functions.sort((p, q) => q.flatBytes - p.flatBytes || q.cumBytes - p.cumBytes);
  const sb = new Map<string, HeapStack>();
  for (const s of base.stacks) {
    const k = stackKey(s);
    const e = sb.get(k);
    sb.set(k, e ? { ...e, inuseBytes: e.inuseBytes + s.inuseBytes, inuseObjects: e.inuseObjects + s.inuseObjects } : s);
  }
  const sc = new Map<string, { frames: string[]; inuseBytes: number; inuseObjects: number }>();
  for (const s of cur.stacks) {
    const k = stackKey(s);
    const e = sc.get(k) ?? { frames: s.frames, inuseBytes: 0, inuseObjects: 0 };
    e.inuseBytes += s.inuseBytes;
    e.inuseObjects += s.inuseObjects;
    sc.set(k, e);
  }
  const stacks: HeapDiffDoc['stacks'] = [];
  for (const k of new Set([...sb.keys(), ...sc.keys()])) {
    const x = sb.get(k);
    const y = sc.get(k);
    const d = { frames: (y ?? x)!.frames, inuseBytes: (y?.inuseBytes ?? 0) - (x?.inuseBytes ?? 0), inuseObjects: (y?.inuseObjects ?? 0) - (x?.inuseObjects ?? 0) };
    if (d.inuseBytes || d.inuseObjects) stacks.push(d);
  }
  stacks.sort((p, q) => q.inuseBytes - p.inuseBytes);
  const top = functions[0];
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const summary = top && top.flatBytes > 0
    ? `${top.name} grew most: +${fmt(top.flatBytes)} bytes in use (+${fmt(top.flatObjects)} objects), ${fmt(top.baseFlatBytes)} → ${fmt(top.flatBytesNow)}`
    : 'no function holds more memory than in the base profile';
  return {
    kind: 'heap-profile-diff', version: 1, diagnostics, summary, functions, stacks,
    base: { name: base.input.name, inuseBytes: base.totals.inuseBytes, inuseObjects: base.totals.inuseObjects },
    profile: { name: cur.input.name, inuseBytes: cur.totals.inuseBytes, inuseObjects: cur.totals.inuseObjects },
  };
}
