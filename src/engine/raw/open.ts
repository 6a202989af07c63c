// Raw memory dumps (gdb's `dump binary memory FILE START END`, seeds 000 and 001): a file whose
// bytes were the process's memory [base, base + size). Opened into the same OpenedCore the
// rest of the engine uses: a synthetic CoreDump (kind 'raw', no threads or notes) whose
// segments are the parts of the dump each mapping covers (file offset = address − base), and
// a MemoryMap from the process's map when one is given — a core of the same process, or its
// map as text (maps-text.ts) — else the dump's own range as the only mapping.
import { type OpenedCore, openInputs } from '../analyze';
import { type ByteSource, readAt } from '../bytesource';
import { detectKind } from '../detect';
import { type CoreDump, CoreMemory, type Segment, openCore } from '../elf/core';
import { type Binary, openBinary } from '../elf/symbols';
import { type Diagnostic, HeaplensError } from '../errors';
import { basename, bytes, hex } from '../format';
import { type MemoryMap, type Module, type Region, type RegionLabel, buildMemoryMap, heapMaxSizeOf, labelArenaHeaps, labelBrkHeap, labelTotals } from '../memmap';
import { Symbolizer, attachBinaries } from '../symbolize';
import { GAP_DETAIL, NO_MAP_DETAIL } from './heap';
import { type MapsEntry, type MapsText, parseMapsText } from './maps-text';
import { rangeFromName } from './name';

export interface RawOptions {
  /** Address of the dump's first byte; else read from the file name (name.ts). */
  base?: bigint;
  /** Pointer size: from the maps core when one is given, else this, else 8 (4 when text maps lie below 4 GiB). */
  wordSize?: 4 | 8;
  /** The process's map: a core of the same process, or text (/proc/PID/maps, pmap -x, pmap, gdb "info proc mappings"). */
  maps?: ByteSource;
  /** Address of the first chunk's header, to walk the heap from (else found from the maps or the bytes). */
  firstChunk?: bigint;
}

export interface RawInfo {
  base: bigint;
  end: bigint;
  baseFrom: 'option' | 'file name';
  /** The part of the file name the base was read from. */
  nameText?: string;
  maps?: { name: string; kind: 'core' | 'text'; format?: string; mappings: number; errors: number };
  firstChunk?: bigint;
}

/** Largest maps text read (a process with a million mappings prints ~100 MB; beyond that it is not a map). */
const MAX_MAPS_TEXT = 128 << 20;
const FOUR_GIB = 1n << 32n;

const HOW_TO_BASE =
  'give the address of its first byte with --base 0x… (the START of gdb\'s `dump binary memory FILE START END`), ' +
  'or put it in the file name: result.0x1f3a000.bin, heap-1f3a000-21f3a000.bin, mem_0x7f2c90000000.dump';

/** The dump's address range: from the option, else from the file name; checks the name's end against the size. */
export function rawRange(name: string, size: number, base?: bigint): { base: bigint; baseFrom: RawInfo['baseFrom']; nameText?: string; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  if (size === 0) throw new HeaplensError('raw.empty', `${name} is empty: a raw memory dump holds the bytes of the range it was dumped from`);
  const reading = rangeFromName(name);
  if (base !== undefined) {
    if ('range' in reading && reading.range.start !== base) {
      diagnostics.push({ level: 'info', code: 'raw.name-ignored', message: `the file name says ${reading.range.text}; --base ${hex(base)} is used` });
    }
    return { base, baseFrom: 'option', diagnostics };
  }
  if ('ambiguous' in reading) {
    throw new HeaplensError('raw.ambiguous-name', `${name} is not an ELF file, and its name reads as several addresses (${reading.ambiguous.join(', ')}): ${HOW_TO_BASE}`);
  }
  if ('none' in reading) throw new HeaplensError('raw.no-base', `${name} is not an ELF file (no ELF magic at offset 0), so not a core. If it is a raw memory dump, ${HOW_TO_BASE}`, 0);
  const r = reading.range;
  if (r.end !== undefined && r.end - r.start !== BigInt(size)) {
    throw new HeaplensError(
      'raw.size-mismatch',
      `${name}: its name says ${hex(r.start)}–${hex(r.end)} (${(r.end - r.start).toString()} bytes), but the file holds ${size} bytes ` +
        `(cut short, or misnamed). To read it anyway as ${hex(r.start)}–${hex(r.start + BigInt(size))}, give --base ${hex(r.start)}`,
      Math.min(size, Number(r.end - r.start)),
    );
  }
  return { base: r.start, baseFrom: 'file name', nameText: r.text, diagnostics };
}

/** Opens an ELF core as a core, anything else as a raw dump (which needs a base: the option or the file name). */
export async function openDump(source: ByteSource, binaries: ByteSource[] = [], opts: RawOptions = {}): Promise<OpenedCore> {
  const kind = await detectKind(source);
  if (kind === 'core') {
    const o = await openInputs(source, binaries);
    const ignored = [opts.base !== undefined && '--base', opts.maps && '--maps', opts.firstChunk !== undefined && '--first-chunk', opts.wordSize && '--word-size'].filter(Boolean);
    if (ignored.length) o.diagnostics.push({ level: 'warning', code: 'raw.options-ignored', message: `${source.name} is an ELF core: ${ignored.join(', ')} (for raw dumps) ignored` });
    return o;
  }
  if (kind === 'gzip' && opts.base === undefined) throw new HeaplensError('input.gzip', `${source.name} is gzip-compressed: decompress it first (gunzip)`, 0);
  if (kind === 'binary' && opts.base === undefined) {
    // An executable or library without --base is a mistake; with one, it is a dump that begins with an ELF header.
    await openCore(source); // throws the "not a core" message
  }
  return openRaw(source, binaries, opts);
}

export async function openRaw(source: ByteSource, binarySources: ByteSource[] = [], opts: RawOptions = {}): Promise<OpenedCore> {
  const range = rawRange(source.name, source.size, opts.base);
  const diagnostics: Diagnostic[] = [...range.diagnostics];
  const base = range.base;
  const end = base + BigInt(source.size);
  if (end > 1n << 64n) throw new HeaplensError('raw.bad-base', `${hex(base)} + ${source.size} bytes runs past the 64-bit address space`);

  // The process's map.
  let mapsCore: { core: CoreDump; map: MemoryMap; memory: CoreMemory } | undefined;
  let text: MapsText | undefined;
  if (opts.maps) {
    const kind = await detectKind(opts.maps);
    if (kind === 'core') {
      const core = await openCore(opts.maps);
      const memory = new CoreMemory(core);
      mapsCore = { core, memory, map: await buildMemoryMap(core, memory) };
    } else if (kind === 'binary' || kind === 'gzip') {
      throw new HeaplensError('maps.not-maps', `${opts.maps.name} is ${kind === 'binary' ? 'an executable or library' : 'gzip-compressed'}: --maps takes a core of the process or its map as text (/proc/PID/maps, pmap -x, pmap, gdb "info proc mappings")`);
    } else {
      if (opts.maps.size > MAX_MAPS_TEXT) throw new HeaplensError('maps.too-big', `${opts.maps.name} has ${bytes(opts.maps.size)}: too big for a process map given as text`);
      const b = await readAt(opts.maps, 0, opts.maps.size);
      if (b.includes(0)) throw new HeaplensError('maps.not-text', `${opts.maps.name} holds NUL bytes: --maps takes a core or a text map (/proc/PID/maps, pmap -x, pmap, gdb "info proc mappings")`, b.indexOf(0));
      text = parseMapsText(new TextDecoder().decode(b));
      if (!text.entries.length) {
        const first = text.errors[0];
        throw new HeaplensError('maps.no-mappings', `${opts.maps.name}: no mapping line found (expected /proc/PID/maps, pmap -x, pmap or gdb "info proc mappings" output)${first ? `; line ${first.line}: ${first.message}` : ''}`);
      }
      for (const e of text.errors.slice(0, 20)) diagnostics.push({ level: 'warning', code: 'maps.bad-line', message: `${opts.maps.name} line ${e.line}: ${e.message}: ${JSON.stringify(e.text)}` });
      if (text.errors.length > 20) diagnostics.push({ level: 'warning', code: 'maps.bad-line', message: `${opts.maps.name}: ${text.errors.length - 20} more bad lines` });
      if (text.ignored.length) {
        const list = text.ignored.slice(0, 12).join(', ') + (text.ignored.length > 12 ? ', …' : '');
        diagnostics.push({ level: 'info', code: 'maps.ignored-lines', message: `${opts.maps.name}: ${text.ignored.length} line(s) that are not mappings were ignored (line ${list})` });
      }
    }
  }

  // Word size.
  let ws: 4 | 8;
  if (mapsCore) {
    ws = mapsCore.core.wordSize;
    if (opts.wordSize && opts.wordSize !== ws) throw new HeaplensError('raw.word-size', `--word-size ${opts.wordSize} contradicts the core ${opts.maps!.name}, whose process has ${ws}-byte pointers`);
  } else if (text) {
    const high = text.entries.some((e) => e.end > FOUR_GIB);
    if (opts.wordSize === 4 && high) throw new HeaplensError('raw.word-size', `--word-size 4, but ${opts.maps!.name} has mappings above 4 GiB: not a 32-bit process`);
    ws = opts.wordSize ?? (high ? 8 : 4);
    if (!opts.wordSize && ws === 4) diagnostics.push({ level: 'info', code: 'raw.word-size', message: `word size 4: every mapping in ${opts.maps!.name} lies below 4 GiB (a 32-bit process); give --word-size 8 if it is not` });
  } else ws = opts.wordSize ?? 8;
  if (ws === 4 && end > FOUR_GIB) throw new HeaplensError('raw.word-size', `the dump ${hex(base)}–${hex(end)} runs past 4 GiB: not memory of a 32-bit process (word size 4)`);
  if (base % BigInt(ws) !== 0n) diagnostics.push({ level: 'info', code: 'raw.unaligned', message: `the base ${hex(base)} is not a multiple of ${ws}: words are counted from the first aligned address, ${hex(((base + BigInt(ws) - 1n) / BigInt(ws)) * BigInt(ws))}` });

  // Regions and modules, then the dump's part of each.
  let regions: Region[];
  let modules: Module[];
  if (mapsCore) {
    regions = mapsCore.map.regions.map((r) => ({ ...r, inCore: 0, segment: -1 }));
    modules = mapsCore.map.modules;
  } else if (text) ({ regions, modules } = regionsFromText(text));
  else {
    regions = [];
    modules = [];
  }
  const segments = attachDump(regions, base, end, ws, !!opts.maps, diagnostics);

  const core: CoreDump = {
    kind: 'raw', source, wordSize: ws, machine: mapsCore?.core.machine ?? 0, machineName: mapsCore?.core.machineName ?? 'unknown',
    segments, notes: [], threads: [], process: mapsCore ? { ...mapsCore.core.process } : { pid: text?.pid, command: text?.command },
    auxv: [], files: [], diagnostics: [], bytesInSegments: segments.reduce((n, s) => n + s.available, 0),
  };
  const memory = new CoreMemory(core);
  if (!mapsCore) {
    await labelArenaHeaps(regions, memory, ws, { anyPerms: !text });
    if (text && !regions.some((r) => r.label === 'heap')) {
      const h = labelBrkHeap(regions, modules, '[heap] (taken to be the first anonymous mapping after the executable)');
      if (h) diagnostics.push({ level: 'info', code: 'maps.heap-inferred', message: `${opts.maps!.name} names no [heap]: ${hex(h.start)} (the first anonymous writable mapping after the executable) is taken as the main heap` });
    }
  } else await compareWithCore(source, mapsCore, base, end, diagnostics);
  const map: MemoryMap = { regions, modules, totals: labelTotals(regions), heapMaxSize: heapMaxSizeOf(ws) };

  if (!opts.maps) {
    diagnostics.push({
      level: 'warning', code: 'raw.no-maps',
      message: `no process map given (--maps): only values inside the dump's own range ${hex(base)}–${hex(end)} count as pointers; values pointing into libraries, stacks or other heaps are counted as other values`,
    });
  }

  // Binaries: matched to modules by build-id (maps core) or name; text maps need the load bias from the binary's own headers.
  const bins: Binary[] = [];
  for (const b of binarySources) {
    try {
      bins.push(await openBinary(b));
    } catch (e) {
      diagnostics.push(e instanceof HeaplensError ? { ...e.toDiagnostic(), level: 'warning' } : { level: 'warning', code: 'binary.unreadable', message: `${b.name}: ${(e as Error).message}` });
    }
  }
  if (text) biasFromBinaries(map, bins);
  const binaries = attachBinaries(map, bins, diagnostics);

  const raw: RawInfo = {
    base, end, baseFrom: range.baseFrom, ...(range.nameText ? { nameText: range.nameText } : {}),
    ...(opts.maps ? { maps: { name: opts.maps.name, kind: mapsCore ? 'core' : 'text', ...(text?.format ? { format: text.format } : {}), mappings: mapsCore ? mapsCore.map.regions.length : text!.entries.length, errors: text?.errors.length ?? 0 } } : {}),
    ...(opts.firstChunk !== undefined ? { firstChunk: opts.firstChunk } : {}),
  };
  return { core, memory, map, binaries, symbolizer: new Symbolizer(map, binaries), diagnostics, raw };
}

/**
 * Gives each region its part of the dump: a segment (file offset = address − base, from the
 * first word boundary) and inCore. Parts of the dump no mapping covers become regions of their own.
 */
function attachDump(regions: Region[], base: bigint, end: bigint, ws: number, haveMaps: boolean, diagnostics: Diagnostic[]): Segment[] {
  regions.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const gaps: [bigint, bigint][] = [];
  let cursor = base;
  for (const r of regions) {
    if (r.end <= cursor || r.start >= end) continue;
    if (r.start > cursor) gaps.push([cursor, r.start]);
    cursor = r.end;
  }
  if (cursor < end) gaps.push([cursor, end]);
  for (const [s, e] of gaps) {
    regions.push({ index: 0, start: s, end: e, perms: '?', inCore: 0, segment: -1, label: 'anon', detail: haveMaps ? GAP_DETAIL : NO_MAP_DETAIL });
  }
  if (haveMaps && gaps.length) {
    const bytesOut = gaps.reduce((n, [s, e]) => n + (e - s), 0n);
    diagnostics.push({
      level: 'warning', code: 'raw.outside-maps',
      message: `${bytesOut.toString()} bytes of the dump lie in no mapping of the maps given (${gaps.slice(0, 4).map(([s, e]) => `${hex(s)}–${hex(e)}`).join(', ')}${gaps.length > 4 ? ', …' : ''}): were the map and the dump taken from the same process at the same time?`,
      offset: Number(gaps[0][0] - base),
    });
  }
  regions.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const w = BigInt(ws);
  const segments: Segment[] = [];
  regions.forEach((r, i) => {
    r.index = i;
    const lo = r.start > base ? r.start : base;
    const hi = r.end < end ? r.end : end;
    if (hi <= lo) return;
    r.inCore = Number(hi - lo);
    const s = ((lo + w - 1n) / w) * w;
    if (hi <= s) return;
    const len = Number(hi - s);
    const flags = (r.perms[0] === 'r' ? 4 : 0) | (r.perms[1] === 'w' ? 2 : 0) | (r.perms[2] === 'x' ? 1 : 0);
    r.segment = segments.length;
    segments.push({ index: segments.length, vaddr: s, memsz: hi - s, fileOffset: Number(s - base), filesz: len, available: len, flags, perms: r.perms });
  });
  return segments;
}

/** Regions and modules from a text map; labels from paths and permissions (module headers are not at hand). */
function regionsFromText(text: MapsText): { regions: Region[]; modules: Module[] } {
  const regions: Region[] = [];
  const byPath = new Map<string, Region[]>();
  const isFile = (p?: string) => p !== undefined && !p.startsWith('[');
  for (const e of text.entries) {
    const r: Region = { index: regions.length, start: e.start, end: e.end, perms: e.perms, inCore: 0, segment: -1, label: 'anon' };
    if (isFile(e.path)) {
      r.file = e.path;
      if (e.offset !== undefined) r.fileOffset = e.offset;
      (byPath.get(e.path!) ?? byPath.set(e.path!, []).get(e.path!)!).push(r);
    } else pseudoLabel(r, e, text.pid);
    regions.push(r);
  }
  // Modules: mappings of one file. ELF-like when it has code or is named like a shared object.
  const exeName = text.command ? basename(text.command.trim().split(/\s+/)[0]) : undefined;
  const modules: Module[] = [];
  for (const [path, rs] of byPath) {
    const m: Module = { index: modules.length, path, name: basename(path), start: rs[0].start, end: rs[rs.length - 1].end, isExecutable: false, loads: [] };
    const elfLike = rs.some((r) => r.perms.includes('x')) || /\.so(\.|$)/.test(m.name);
    for (const r of rs) {
      r.module = m.index;
      const p = r.perms;
      r.label = !elfLike ? 'file' : p === '?' ? 'file' : p.includes('x') ? 'text' : p.includes('w') ? 'data' : p === '---' ? 'guard' : 'rodata';
      if (elfLike && p === '?') r.detail = 'permissions unknown';
    }
    if (elfLike) {
      // .bss: the anonymous writable mapping right after the module's last mapping.
      const after = regions.find((x) => x.start === m.end && x.file === undefined && x.label === 'anon' && x.perms.includes('w'));
      if (after) {
        after.label = 'bss';
        after.module = m.index;
      }
    }
    modules.push(m);
  }
  const exe = (exeName && modules.find((m) => m.name === exeName)) || modules.slice().sort((a, b) => (a.start < b.start ? -1 : 1))[0];
  if (exe) exe.isExecutable = true;
  for (const r of regions) if (r.label === 'anon' && r.perms === '---') r.label = 'guard';
  return { regions, modules };
}

function pseudoLabel(r: Region, e: MapsEntry, pid?: number): void {
  const p = e.path;
  const set = (label: RegionLabel, detail?: string) => {
    r.label = label;
    if (detail) r.detail = detail;
  };
  if (r.start === 0xffffffffff600000n) return set('vsyscall');
  if (p === undefined) return;
  let m: RegExpExecArray | null;
  if (p === '[heap]') set('heap', '[heap]');
  else if (p === '[stack]') {
    set('stack', pid !== undefined ? `main thread ${pid}` : 'main thread');
    if (pid !== undefined) r.tid = pid;
  } else if ((m = /^\[stack:(\d+)\]$/.exec(p))) {
    set('stack', `thread ${m[1]}`);
    r.tid = Number(m[1]);
  } else if (p === '[vdso]') set('vdso');
  else if (p.startsWith('[vvar')) set('vvar');
  else if (p === '[vsyscall]') set('vsyscall');
  else if ((m = /^\[anon:(.*)\]$/.exec(p))) set('anon', m[1]);
  else set('anon', p);
}

/** Text maps carry no ELF headers: a binary matched by name gives its module's load bias (and program headers). */
function biasFromBinaries(map: MemoryMap, bins: Binary[]): void {
  for (const b of bins) {
    const m = map.modules.find((x) => x.bias === undefined && x.name === basename(b.name));
    if (!m) continue;
    const first = map.regions.find((r) => r.module === m.index && r.fileOffset === 0n) ?? map.regions.find((r) => r.module === m.index);
    const load = b.loads.find((p) => p.offset === 0) ?? b.loads[0];
    if (!first || !load) continue;
    const align = load.align > 0n ? load.align : 4096n;
    m.bias = first.start - (load.vaddr & ~(align - 1n));
    m.loads = b.loads;
    m.elfType = b.header.type;
  }
}

/** The dump and the core should hold the same bytes where both have them; a sample says whether they do. */
async function compareWithCore(source: ByteSource, c: { memory: CoreMemory }, base: bigint, end: bigint, diagnostics: Diagnostic[]): Promise<void> {
  for (const at of [base, base + ((end - base) / 2n & ~4095n)]) {
    const n = Number(end - at < 4096n ? end - at : 4096n);
    const theirs = await c.memory.read(at, n);
    if (!theirs) continue;
    const ours = await readAt(source, Number(at - base), n);
    const i = ours.findIndex((x, k) => x !== theirs[k]);
    if (i >= 0) {
      diagnostics.push({
        level: 'warning', code: 'raw.differs-from-core',
        message: `the dump and the core given as --maps hold different bytes at ${hex(at + BigInt(i))}: taken at different times, or from different processes? The core's map is used as given`,
        offset: Number(at - base) + i,
      });
      return;
    }
  }
}
