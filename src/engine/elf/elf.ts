// ELF structures shared by cores and binaries: header, program headers, section headers,
// notes. Little-endian ELF32 and ELF64. Offsets into the file are numbers; addresses bigint.
import { HeaplensError } from '../errors';

export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_NOTE = 4;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const SHT_SYMTAB = 2;
export const SHT_DYNSYM = 11;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
const PN_XNUM = 0xffff;

export const EM_386 = 3;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;

export function machineName(m: number): string {
  switch (m) {
    case EM_386: return 'i386';
    case EM_ARM: return 'arm';
    case EM_X86_64: return 'x86-64';
    case EM_AARCH64: return 'aarch64';
    case EM_RISCV: return 'riscv';
    case 8: return 'mips';
    case 20: return 'ppc';
    case 21: return 'ppc64';
    case 22: return 's390';
    case 258: return 'loongarch';
    default: return `machine ${m}`;
  }
}

export interface ElfHeader {
  bits: 32 | 64;
  wordSize: 4 | 8;
  type: number;
  machine: number;
  entry: bigint;
  phoff: number;
  shoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ProgramHeader {
  index: number;
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: bigint;
  align: bigint;
}

export interface SectionHeader {
  index: number;
  nameOffset: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

export interface ElfNote {
  name: string;
  type: number;
  desc: Uint8Array;
  /** File offset of the note header. */
  offset: number;
}

export function isElf(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads a pointer-sized little-endian word. */
export function word(dv: DataView, off: number, ws: 4 | 8): bigint {
  return ws === 8 ? dv.getBigUint64(off, true) : BigInt(dv.getUint32(off, true));
}

function safeNumber(v: bigint, what: string, at: number): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new HeaplensError('elf.bad-value', `${what} ${v} is too large`, at);
  return Number(v);
}

/** Parses the ELF header from the first bytes of a file (64 bytes suffice). */
export function parseElfHeader(b: Uint8Array, what = 'file'): ElfHeader {
  if (b.length < 16 || !isElf(b)) {
    const got = Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
    throw new HeaplensError(
      'elf.bad-magic',
      `${what} is not an ELF file: expected the magic 7f 45 4c 46 ("\\x7fELF") at offset 0, found ${got || 'nothing (empty file)'}`,
      0,
    );
  }
  const cls = b[4];
  if (cls !== 1 && cls !== 2) throw new HeaplensError('elf.bad-class', `${what}: ELF class byte at offset 4 is ${cls}, expected 1 (ELF32) or 2 (ELF64)`, 4);
  if (b[5] !== 1) {
    throw new HeaplensError('elf.big-endian', `${what}: ELF data byte at offset 5 is ${b[5]}; only little-endian (1) dumps are supported`, 5);
  }
  const bits = cls === 2 ? 64 : 32;
  const need = bits === 64 ? 64 : 52;
  if (b.length < need) throw new HeaplensError('elf.truncated-header', `${what}: the ELF header needs ${need} bytes, the file has ${b.length}`, b.length);
  const dv = view(b);
  const h: ElfHeader =
    bits === 64
      ? {
          bits, wordSize: 8,
          type: dv.getUint16(16, true), machine: dv.getUint16(18, true),
          entry: dv.getBigUint64(24, true),
          phoff: safeNumber(dv.getBigUint64(32, true), 'e_phoff', 32),
          shoff: safeNumber(dv.getBigUint64(40, true), 'e_shoff', 40),
          flags: dv.getUint32(48, true), ehsize: dv.getUint16(52, true),
          phentsize: dv.getUint16(54, true), phnum: dv.getUint16(56, true),
          shentsize: dv.getUint16(58, true), shnum: dv.getUint16(60, true), shstrndx: dv.getUint16(62, true),
        }
      : {
          bits, wordSize: 4,
          type: dv.getUint16(16, true), machine: dv.getUint16(18, true),
          entry: BigInt(dv.getUint32(24, true)),
          phoff: dv.getUint32(28, true), shoff: dv.getUint32(32, true),
          flags: dv.getUint32(36, true), ehsize: dv.getUint16(40, true),
          phentsize: dv.getUint16(42, true), phnum: dv.getUint16(44, true),
          shentsize: dv.getUint16(46, true), shnum: dv.getUint16(48, true), shstrndx: dv.getUint16(50, true),
        };
  const phent = bits === 64 ? 56 : 32;
  if (h.phnum > 0 && h.phentsize < phent) {
    throw new HeaplensError('elf.bad-phentsize', `${what}: e_phentsize is ${h.phentsize}, expected ≥ ${phent}`, bits === 64 ? 54 : 42);
  }
  return h;
}

/** True when the real program-header count lives in section 0's sh_info (PN_XNUM). */
export function hasExtendedPhnum(h: ElfHeader): boolean {
  return h.phnum === PN_XNUM;
}

/** Parses `count` program headers from bytes that start at file offset h.phoff. */
export function parseProgramHeaders(b: Uint8Array, h: ElfHeader, count: number): ProgramHeader[] {
  const dv = view(b);
  const out: ProgramHeader[] = [];
  const es = h.phentsize;
  for (let i = 0; i < count; i++) {
    const o = i * es;
    if (o + (h.bits === 64 ? 56 : 32) > b.length) break;
    if (h.bits === 64) {
      out.push({
        index: i,
        type: dv.getUint32(o, true),
        flags: dv.getUint32(o + 4, true),
        offset: safeNumber(dv.getBigUint64(o + 8, true), 'p_offset', h.phoff + o + 8),
        vaddr: dv.getBigUint64(o + 16, true),
        filesz: safeNumber(dv.getBigUint64(o + 32, true), 'p_filesz', h.phoff + o + 32),
        memsz: dv.getBigUint64(o + 40, true),
        align: dv.getBigUint64(o + 48, true),
      });
    } else {
      out.push({
        index: i,
        type: dv.getUint32(o, true),
        offset: dv.getUint32(o + 4, true),
        vaddr: BigInt(dv.getUint32(o + 8, true)),
        filesz: dv.getUint32(o + 16, true),
        memsz: BigInt(dv.getUint32(o + 20, true)),
        flags: dv.getUint32(o + 24, true),
        align: BigInt(dv.getUint32(o + 28, true)),
      });
    }
  }
  return out;
}

export function parseSectionHeaders(b: Uint8Array, h: ElfHeader, count: number): SectionHeader[] {
  const dv = view(b);
  const out: SectionHeader[] = [];
  const es = h.shentsize;
  for (let i = 0; i < count; i++) {
    const o = i * es;
    if (o + (h.bits === 64 ? 64 : 40) > b.length) break;
    if (h.bits === 64) {
      out.push({
        index: i, nameOffset: dv.getUint32(o, true), name: '', type: dv.getUint32(o + 4, true),
        flags: dv.getBigUint64(o + 8, true), addr: dv.getBigUint64(o + 16, true),
        offset: Number(dv.getBigUint64(o + 24, true)), size: Number(dv.getBigUint64(o + 32, true)),
        link: dv.getUint32(o + 40, true), info: dv.getUint32(o + 44, true), entsize: Number(dv.getBigUint64(o + 56, true)),
      });
    } else {
      out.push({
        index: i, nameOffset: dv.getUint32(o, true), name: '', type: dv.getUint32(o + 4, true),
        flags: BigInt(dv.getUint32(o + 8, true)), addr: BigInt(dv.getUint32(o + 12, true)),
        offset: dv.getUint32(o + 16, true), size: dv.getUint32(o + 20, true),
        link: dv.getUint32(o + 24, true), info: dv.getUint32(o + 28, true), entsize: dv.getUint32(o + 36, true),
      });
    }
  }
  return out;
}

/** Reads a NUL-terminated string at `off` (latin1/UTF-8 bytes; paths are decoded as UTF-8). */
export function cstring(b: Uint8Array, off: number, max = 4096): string {
  let e = off;
  const lim = Math.min(b.length, off + max);
  while (e < lim && b[e] !== 0) e++;
  return new TextDecoder().decode(b.subarray(off, e));
}

/**
 * Parses a note segment. Linux uses 4-byte alignment for name and desc in both classes.
 * Stops (returning what it has) at the first note that runs past the data, and reports it.
 */
export function parseNotes(b: Uint8Array, fileOffset: number, onProblem?: (msg: string, at: number) => void): ElfNote[] {
  const dv = view(b);
  const out: ElfNote[] = [];
  let o = 0;
  while (o + 12 <= b.length) {
    const namesz = dv.getUint32(o, true);
    const descsz = dv.getUint32(o + 4, true);
    const type = dv.getUint32(o + 8, true);
    const nameOff = o + 12;
    const descOff = nameOff + ((namesz + 3) & ~3);
    const next = descOff + ((descsz + 3) & ~3);
    if (namesz > b.length || descsz > b.length || descOff + descsz > b.length) {
      onProblem?.(`note at offset ${fileOffset + o} claims name ${namesz} and data ${descsz} bytes, past the end of the note segment`, fileOffset + o);
      break;
    }
    const name = cstring(b, nameOff, namesz);
    out.push({ name, type, desc: b.subarray(descOff, descOff + descsz), offset: fileOffset + o });
    o = next;
  }
  return out;
}

export function permString(flags: number): string {
  return (flags & PF_R ? 'r' : '-') + (flags & PF_W ? 'w' : '-') + (flags & PF_X ? 'x' : '-');
}

/** GNU build-id from a list of notes, as lowercase hex. */
export function buildIdFromNotes(notes: ElfNote[]): string | undefined {
  const n = notes.find((x) => x.name === 'GNU' && x.type === 3);
  return n ? Array.from(n.desc, (x) => x.toString(16).padStart(2, '0')).join('') : undefined;
}
