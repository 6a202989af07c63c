// Symbols from a binary the user dropped (executable or shared object): .symtab and
// .dynsym, the GNU build-id, and lookups by address in the binary's own address space.
import { type ByteSource, readAt } from '../bytesource';
import { HeaplensError } from '../errors';
import {
  PT_LOAD, PT_NOTE, SHT_DYNSYM, SHT_NOTE, SHT_SYMTAB, type ElfHeader, type ProgramHeader, type SectionHeader,
  buildIdFromNotes, cstring, parseElfHeader, parseNotes, parseProgramHeaders, parseSectionHeaders, view,
} from './elf';

const STT_OBJECT = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

export interface SymbolTable {
  /** Sorted by address. */
  addrs: BigUint64Array;
  sizes: Float64Array;
  names: string[];
}

export interface Binary {
  name: string;
  header: ElfHeader;
  buildId?: string;
  loads: ProgramHeader[];
  symbols: SymbolTable;
  /** Which tables were read: 'symtab', 'dynsym'. */
  tables: string[];
  stripped: boolean;
}

export interface SymbolHit {
  name: string;
  /** Offset of the address from the symbol's start. */
  offset: bigint;
  /** Symbol address in the binary (unrelocated). */
  address: bigint;
}

const MAX_TABLE = 512 << 20;

export async function openBinary(src: ByteSource): Promise<Binary> {
  const header = parseElfHeader(await readAt(src, 0, 64), src.name);
  if (header.type === 4) throw new HeaplensError('binary.is-core', `${src.name} is a core dump, not a binary`, 16);
  const phBytes = await readAt(src, header.phoff, header.phnum * header.phentsize);
  const phdrs = parseProgramHeaders(phBytes, header, header.phnum);
  const shBytes = header.shoff ? await readAt(src, header.shoff, header.shnum * header.shentsize) : new Uint8Array(0);
  const shdrs = parseSectionHeaders(shBytes, header, header.shnum);
  const strtabOf = async (s: SectionHeader) => (s.size > MAX_TABLE ? new Uint8Array(0) : readAt(src, s.offset, s.size));
  if (shdrs[header.shstrndx]) {
    const names = await strtabOf(shdrs[header.shstrndx]);
    for (const s of shdrs) s.name = cstring(names, s.nameOffset, 256);
  }
  let buildId: string | undefined;
  for (const s of shdrs) {
    if (s.type !== SHT_NOTE || s.size > 65536) continue;
    buildId = buildIdFromNotes(parseNotes(await readAt(src, s.offset, s.size), s.offset));
    if (buildId) break;
  }
  if (!buildId) {
    for (const p of phdrs) {
      if (p.type !== PT_NOTE || p.filesz > 65536) continue;
      buildId = buildIdFromNotes(parseNotes(await readAt(src, p.offset, p.filesz), p.offset));
      if (buildId) break;
    }
  }
  const entries: { addr: bigint; size: number; name: string }[] = [];
  const tables: string[] = [];
  for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
    const sec = shdrs.find((s) => s.type === type);
    if (!sec || sec.size > MAX_TABLE || !shdrs[sec.link]) continue;
    tables.push(type === SHT_SYMTAB ? 'symtab' : 'dynsym');
    const data = await readAt(src, sec.offset, sec.size);
    const strs = await strtabOf(shdrs[sec.link]);
    const dv = view(data);
    const es = header.bits === 64 ? 24 : 16;
    for (let o = 0; o + es <= data.length; o += es) {
      let name: number, info: number, shndx: number, value: bigint, size: number;
      if (header.bits === 64) {
        name = dv.getUint32(o, true);
        info = data[o + 4];
        shndx = dv.getUint16(o + 6, true);
        value = dv.getBigUint64(o + 8, true);
        size = Number(dv.getBigUint64(o + 16, true));
      } else {
        name = dv.getUint32(o, true);
        value = BigInt(dv.getUint32(o + 4, true));
        size = dv.getUint32(o + 8, true);
        info = data[o + 12];
        shndx = dv.getUint16(o + 14, true);
      }
      const t = info & 15;
      if ((t !== STT_OBJECT && t !== STT_FUNC && t !== STT_GNU_IFUNC) || shndx === 0 || value === 0n) continue;
      entries.push({ addr: value, size, name: cstring(strs, name, 4096) });
    }
  }
  entries.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : b.size - a.size));
  // Drop exact duplicates (symtab and dynsym list the same exported symbols).
  const uniq = entries.filter((e, i) => i === 0 || e.addr !== entries[i - 1].addr || e.name !== entries[i - 1].name);
  const symbols: SymbolTable = {
    addrs: BigUint64Array.from(uniq, (e) => e.addr),
    sizes: Float64Array.from(uniq, (e) => e.size),
    names: uniq.map((e) => e.name),
  };
  return { name: src.name, header, buildId, loads: phdrs.filter((p) => p.type === PT_LOAD), symbols, tables, stripped: !tables.includes('symtab') };
}

/** The symbol containing addr (binary address space), or the nearest below it when sizes are 0. */
export function lookupSymbol(t: SymbolTable, addr: bigint): SymbolHit | undefined {
  const a = t.addrs;
  let lo = 0;
  let hi = a.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= addr) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Among symbols starting at or below addr, prefer the closest one whose extent holds addr.
  for (let i = best; i >= 0 && i > best - 8; i--) {
    const off = addr - a[i];
    if (t.sizes[i] > 0 ? off < BigInt(t.sizes[i]) : off < 0x1000n && i === best) return { name: t.names[i], offset: off, address: a[i] };
  }
  return undefined;
}

/** Address of a symbol by exact (mangled) name. */
export function findSymbol(t: SymbolTable, name: string): bigint | undefined {
  const i = t.names.indexOf(name);
  return i >= 0 ? t.addrs[i] : undefined;
}
