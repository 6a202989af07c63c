// The process memory map, like `pmap -x`: every mapping the core knows of (its PT_LOAD
// segments and its NT_FILE entries), with permissions, file, bytes present in the core,
// and a label — heap, arena, stack of thread N, guard, module text/rodata/data/bss, vdso, anon.
// Modules (executable and shared objects) are recognized from their ELF headers, which
// gdb and the kernel keep in the core's first page of each file mapping.
import { type CoreDump, CoreMemory } from './elf/core';
import {
  ET_DYN, PF_W, PF_X, PT_LOAD, PT_NOTE, type ProgramHeader, buildIdFromNotes, isElf, parseElfHeader,
  parseNotes, parseProgramHeaders,
} from './elf/elf';
import { AT_ENTRY, AT_PHDR, AT_SYSINFO_EHDR } from './elf/notes';
import { basename, hex } from './format';

export type RegionLabel =
  | 'heap' | 'arena' | 'stack' | 'guard' | 'text' | 'rodata' | 'data' | 'bss' | 'file' | 'anon' | 'vdso' | 'vvar' | 'vsyscall';

export const LABEL_DESCRIPTIONS: Record<RegionLabel, string> = {
  heap: 'main heap ([heap], the sbrk area of glibc main_arena)',
  arena: 'glibc non-main arena heap (heap_info at an aligned start)',
  stack: 'thread stack (holds that thread\'s stack pointer)',
  guard: 'guard page or reserved, inaccessible range',
  text: 'module code (executable)',
  rodata: 'module read-only data (incl. relro: vtables, typeinfo, strings)',
  data: 'module writable data (.data, .got)',
  bss: 'module zero-initialized data (.bss)',
  file: 'other mapped file',
  anon: 'anonymous mapping',
  vdso: 'vDSO',
  vvar: 'vvar',
  vsyscall: 'vsyscall page',
};

export interface Region {
  index: number;
  start: bigint;
  end: bigint;
  /** 'rwx' style; '?' marks a permission the core does not say (mapping not dumped). */
  perms: string;
  file?: string;
  fileOffset?: bigint;
  /** Bytes of this region present in the core file. */
  inCore: number;
  /** Index into core.segments, or -1 when the core has no segment for it. */
  segment: number;
  label: RegionLabel;
  /** e.g. 'thread 1234', 'main thread', 'arena 0x7f..'. */
  detail?: string;
  tid?: number;
  /** Index into MemoryMap.modules. */
  module?: number;
}

export interface Module {
  index: number;
  path: string;
  name: string;
  start: bigint;
  end: bigint;
  /** Load bias: runtime address minus the address in the ELF file. */
  bias?: bigint;
  buildId?: string;
  isExecutable: boolean;
  elfType?: number;
  /** PT_LOAD headers read from the module's ELF header in the core, when present. */
  loads: ProgramHeader[];
  /** Start of the module's writable segment(s), for finding .bss. */
  imageEnd?: bigint;
}

export interface LabelTotal {
  label: RegionLabel;
  count: number;
  size: bigint;
  inCore: number;
}

export interface MemoryMap {
  regions: Region[];
  modules: Module[];
  totals: LabelTotal[];
  heapMaxSize: bigint;
}

const GNU_RELRO = 0x6474e552;
const BRK_RANDOM_MAX = (1n << 30n) + 0x1000n;

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function readModuleHeader(mem: CoreMemory, start: bigint) {
  const head = await mem.read(start, 64);
  if (!head || !isElf(head)) return undefined;
  try {
    const h = parseElfHeader(head);
    const phBytes = h.phnum * h.phentsize;
    if (h.phoff + phBytes > 65536) return { h, phdrs: [] as ProgramHeader[] };
    const ph = await mem.read(start + BigInt(h.phoff), phBytes);
    return { h, phdrs: ph ? parseProgramHeaders(ph, h, h.phnum) : [] };
  } catch {
    return undefined;
  }
}

export async function buildMemoryMap(core: CoreDump, mem = new CoreMemory(core)): Promise<MemoryMap> {
  const ws = core.wordSize;
  const regions: Region[] = [];
  const segs = core.segments;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    regions.push({ index: 0, start: s.vaddr, end: s.vaddr + s.memsz, perms: s.perms, inCore: s.available, segment: i, label: 'anon' });
  }
  // Attach NT_FILE names; add file mappings the core has no segment for (gdb skips unmodified file pages).
  const byStart = new Map<bigint, Region>();
  for (const r of regions) byStart.set(r.start, r);
  const extra: Region[] = [];
  for (const f of core.files) {
    const r = byStart.get(f.start);
    if (r && r.end <= f.end) {
      r.file = f.path;
      r.fileOffset = f.fileOffset;
      // A segment covering part of the mapping: the rest is a mapping without bytes.
      if (r.end < f.end) extra.push({ index: 0, start: r.end, end: f.end, perms: '?', file: f.path, fileOffset: f.fileOffset + (r.end - r.start), inCore: 0, segment: -1, label: 'file' });
      continue;
    }
    const covering = regions.find((x) => x.start <= f.start && f.end <= x.end);
    if (covering) {
      covering.file ??= f.path;
      covering.fileOffset ??= f.fileOffset + (f.start - covering.start);
      continue;
    }
    extra.push({ index: 0, start: f.start, end: f.end, perms: '?', file: f.path, fileOffset: f.fileOffset, inCore: 0, segment: -1, label: 'file' });
  }
  regions.push(...extra);
  regions.sort((a, b) => cmp(a.start, b.start));
  regions.forEach((r, i) => (r.index = i));

  // Modules: group file mappings by path; read their ELF headers from the core.
  const modules: Module[] = [];
  const byPath = new Map<string, Region[]>();
  for (const r of regions) if (r.file) (byPath.get(r.file) ?? byPath.set(r.file, []).get(r.file)!).push(r);
  const auxv = new Map(core.auxv.map((a) => [a.type, a.value]));
  const phdrAddr = auxv.get(AT_PHDR);
  const entry = auxv.get(AT_ENTRY);
  for (const [path, rs] of byPath) {
    const first = rs.find((r) => r.fileOffset === 0n) ?? rs[0];
    const m: Module = { index: modules.length, path, name: basename(path), start: rs[0].start, end: rs[rs.length - 1].end, isExecutable: false, loads: [] };
    if (first.fileOffset === 0n) {
      const mh = await readModuleHeader(mem, first.start);
      if (mh) {
        m.elfType = mh.h.type;
        m.loads = mh.phdrs.filter((p) => p.type === PT_LOAD);
        const firstLoad = m.loads.find((p) => p.offset === 0) ?? m.loads[0];
        if (firstLoad) {
          const pageMask = ~(BigInt(firstLoad.align > 0n ? Number(firstLoad.align) : 4096) - 1n);
          m.bias = first.start - (firstLoad.vaddr & pageMask);
          let hi = 0n;
          for (const p of m.loads) if (p.vaddr + p.memsz > hi) hi = p.vaddr + p.memsz;
          m.imageEnd = m.bias + hi;
        }
        const relro = mh.phdrs.find((p) => p.type === GNU_RELRO);
        for (const r of rs) {
          if (r.perms !== '?' || m.bias === undefined) continue;
          const va = r.start - m.bias;
          if (relro && va >= relro.vaddr && va < relro.vaddr + relro.memsz) r.perms = 'r--';
          else {
            const p = m.loads.find((p) => va >= (p.vaddr & ~4095n) && va < p.vaddr + p.memsz);
            if (p) r.perms = (p.flags & 4 ? 'r' : '-') + (p.flags & PF_W ? 'w' : '-') + (p.flags & PF_X ? 'x' : '-');
          }
        }
        // Build-id: the PT_NOTE of the module, read from the core when those bytes were dumped.
        if (m.bias !== undefined) {
          for (const p of mh.phdrs) {
            if (p.type !== PT_NOTE || p.filesz > 4096) continue;
            const b = await mem.read(m.bias + p.vaddr, p.filesz);
            if (!b) continue;
            const id = buildIdFromNotes(parseNotes(b, 0));
            if (id) {
              m.buildId = id;
              break;
            }
          }
        }
      }
    }
    const inModule = (a?: bigint) => a !== undefined && rs.some((r) => a >= r.start && a < r.end);
    m.isExecutable = inModule(phdrAddr) || inModule(entry) || (modules.length === 0 && m.elfType !== undefined && m.elfType !== ET_DYN);
    modules.push(m);
    for (const r of rs) r.module = m.index;
  }
  if (!modules.some((m) => m.isExecutable)) {
    const guess = modules.find((m) => m.elfType !== undefined);
    if (guess && !phdrAddr) guess.isExecutable = true;
  }

  // Labels.
  for (const r of regions) {
    if (r.module !== undefined) {
      const p = r.perms;
      r.label = !isElfModule(modules[r.module]) ? 'file' : p.includes('x') ? 'text' : p.includes('w') ? 'data' : p === '?' ? 'text' : 'rodata';
      if (r.label === 'text' && p === '?') r.detail = 'not in core; permissions unknown';
    }
  }
  // .bss: anonymous mappings inside a module's image (right after its file-backed data).
  for (const m of modules) {
    if (m.imageEnd === undefined) continue;
    for (const r of regions) {
      if (r.file === undefined && r.start >= m.start && r.start < m.imageEnd && r.perms.includes('w')) {
        r.label = 'bss';
        r.module = m.index;
      }
    }
  }
  const vdso = auxv.get(AT_SYSINFO_EHDR);
  for (const r of regions) {
    if (vdso !== undefined && r.start === vdso) {
      r.label = 'vdso';
      // [vvar] pages sit right below the vDSO (kernel cores keep them; gdb skips them).
      for (let p = regions[r.index - 1], end = r.start; p && p.end === end && p.file === undefined && p.perms === 'r--'; end = p.start, p = regions[p.index - 1]) p.label = 'vvar';
    } else if (r.start === 0xffffffffff600000n) r.label = 'vsyscall';
  }
  // Thread stacks: the region holding each thread's stack pointer.
  const mainPid = core.process.pid ?? core.threads[0]?.tid;
  for (const t of core.threads) {
    if (t.sp === undefined) continue;
    const r = regionAt(regions, t.sp);
    if (!r) continue;
    r.label = 'stack';
    r.tid = t.tid;
    r.detail = t.tid === mainPid ? `main thread ${t.tid}` : `thread ${t.tid}`;
    // The page(s) just below a thread stack are its guard.
    const below = regions[r.index - 1];
    if (below && below.end === r.start && below.file === undefined && !below.perms.includes('w') && below.end - below.start <= 0x100000n) {
      below.label = 'guard';
      below.detail = `guard of ${r.detail}`;
    }
  }
  for (const r of regions) if (r.perms === '---' && r.label === 'anon') r.label = 'guard';

  const heapMaxSize = heapMaxSizeOf(ws);
  await labelArenaHeaps(regions, mem, ws);

  labelBrkHeap(regions, modules);

  return { regions, modules, totals: labelTotals(regions), heapMaxSize };
}

/**
 * [heap]: the first anonymous writable mapping after the executable's image (the kernel
 * randomizes the brk start up to 32 MiB past it, up to 1 GiB on x86-64 since Linux 6.x),
 * plus the writable anonymous mappings contiguous with it. Returns the first one.
 */
export function labelBrkHeap(regions: Region[], modules: Module[], detail = '[heap]'): Region | undefined {
  const exe = modules.find((m) => m.isExecutable);
  if (!exe) return undefined;
  const exeEnd = regions.filter((r) => r.module === exe.index).reduce((a, r) => (r.end > a ? r.end : a), exe.end);
  const first = regions.find((r) => r.start >= exeEnd && r.label === 'anon' && r.perms.includes('w') && r.file === undefined);
  if (!first || first.start - exeEnd > BRK_RANDOM_MAX) return undefined;
  let r: Region | undefined = first;
  while (r && r.label === 'anon' && r.perms.includes('w')) {
    r.label = 'heap';
    r.detail = detail;
    const next: Region | undefined = regions[r.index + 1];
    r = next && next.start === r.end ? next : undefined;
  }
  return first;
}

/** HEAP_MAX_SIZE of glibc's thread-arena heaps (their alignment): 64 MiB on 64-bit, 1 MiB on 32-bit. */
export function heapMaxSizeOf(ws: 4 | 8): bigint {
  return ws === 8 ? 64n << 20n : 1n << 20n;
}

/**
 * Labels glibc non-main arena heaps among anonymous mappings: aligned, starting with a heap_info
 * (ar_ptr right after it for an arena's first heap, or prev naming another such heap); and the
 * no-access reserve that follows one. `anyPerms` also tries mappings whose permissions are unknown.
 */
export async function labelArenaHeaps(regions: Region[], mem: CoreMemory, ws: 4 | 8, opts: { anyPerms?: boolean } = {}): Promise<void> {
  const heapMaxSize = heapMaxSizeOf(ws);
  const arenaStarts = new Set<bigint>();
  const candidates = regions.filter((r) => r.label === 'anon' && (opts.anyPerms || r.perms.includes('w')) && r.start % (1n << 20n) === 0n && r.inCore >= 4 * ws);
  // Full heaps next to each other merge into one mapping (a 32-bit arena of 12 MB is 12 heaps of
  // 1 MiB): every heap-aligned address inside a candidate may start a heap.
  const infos = new Map<bigint, { ar: bigint; prev: bigint; size: bigint }>();
  const starts = (r: Region) => {
    const out: bigint[] = [r.start];
    for (let a = r.start - (r.start % heapMaxSize) + heapMaxSize; a < r.end && out.length < 4096; a += heapMaxSize) out.push(a);
    return out;
  };
  for (const r of candidates) {
    for (const at of starts(r)) {
      const b = await mem.read(at, 3 * ws);
      if (!b || b.length < 3 * ws) continue;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const w = (i: number) => (ws === 8 ? dv.getBigUint64(8 * i, true) : BigInt(dv.getUint32(4 * i, true)));
      infos.set(at, { ar: w(0), prev: w(1), size: w(2) });
    }
  }
  for (const r of candidates) {
    for (const at of starts(r)) {
      const hi = infos.get(at);
      if (!hi) continue;
      const sizeOk = hi.size >= 4096n && hi.size <= heapMaxSize && hi.size <= r.end - at + 4096n && hi.size % 4096n === 0n;
      const firstHeap = hi.ar > at && hi.ar <= at + BigInt(8 * ws) && hi.prev === 0n;
      const laterHeap = hi.prev !== 0n && infos.has(hi.prev) && hi.prev % (1n << 20n) === 0n && infos.get(hi.prev)!.ar === hi.ar;
      if (sizeOk && (firstHeap || laterHeap)) {
        r.label = 'arena';
        r.detail = `arena ${hex(hi.ar)}${firstHeap ? '' : ' (continued heap)'}${at === r.start ? '' : ` (heaps from ${hex(at)})`}`;
        arenaStarts.add(r.start);
        break;
      }
    }
  }
  // The PROT_NONE reserve right after an arena heap belongs to it (gdb dumps it as r--).
  for (const r of regions) {
    const prev = regions[r.index - 1];
    if ((r.label === 'guard' || r.label === 'anon') && !r.perms.includes('w') && r.file === undefined && prev && prev.label === 'arena' && prev.end === r.start) {
      r.label = 'arena';
      r.detail = `${prev.detail} reserve (no access)`;
    }
  }

}

/** Mappings, virtual bytes and bytes present per label, largest first. */
export function labelTotals(regions: Region[]): LabelTotal[] {
  const totals = new Map<RegionLabel, LabelTotal>();
  for (const r of regions) {
    const t = totals.get(r.label) ?? { label: r.label, count: 0, size: 0n, inCore: 0 };
    t.count++;
    t.size += r.end - r.start;
    t.inCore += r.inCore;
    totals.set(r.label, t);
  }
  return [...totals.values()].sort((a, b) => cmp(b.size, a.size));
}

function isElfModule(m: Module): boolean {
  return m.elfType !== undefined || m.loads.length > 0 || /\.so(\.|$)/.test(m.name);
}

/** Binary search for the region holding addr. */
export function regionAt(regions: Region[], addr: bigint): Region | undefined {
  let lo = 0;
  let hi = regions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = regions[mid];
    if (addr < r.start) hi = mid - 1;
    else if (addr >= r.end) lo = mid + 1;
    else return r;
  }
  return undefined;
}

/** A short, readable name for a region: 'libc.so.6 rodata', 'stack of thread 12', '[heap]'. */
export function regionName(r: Region, modules: Module[]): string {
  if (r.module !== undefined) return `${modules[r.module].name} ${r.label}`;
  if (r.detail) return r.label === 'heap' ? '[heap]' : r.label === 'stack' ? `stack of ${r.detail}` : `${r.label} (${r.detail})`;
  return r.label;
}
