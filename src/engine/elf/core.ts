// Opening an ELF core: header, PT_LOAD segments (with what the file really holds), notes
// decoded into threads, process info, auxv and the NT_FILE map. Reads only headers and
// notes; memory is read later, on demand, through readMemory().
import { type ByteSource, CachedReader, readAt } from '../bytesource';
import { type Diagnostic, HeaplensError } from '../errors';
import { hex } from '../format';
import {
  ET_CORE, PT_LOAD, PT_NOTE, type ElfHeader, type ElfNote, hasExtendedPhnum, machineName, parseElfHeader,
  parseNotes, parseProgramHeaders, parseSectionHeaders, permString,
} from './elf';
import {
  type AuxEntry, type FileMapping, type ProcessInfo, type ThreadStatus, NT_AUXV, NT_FILE, NT_PRPSINFO, NT_PRSTATUS,
  NT_SIGINFO, noteTypeName, parseAuxv, parseNtFile, parsePrpsinfo, parsePrstatus,
} from './notes';

export interface Segment {
  index: number;
  vaddr: bigint;
  memsz: bigint;
  fileOffset: number;
  /** Bytes the program header says are in the file. */
  filesz: number;
  /** Bytes really present (less than filesz when the core is truncated). */
  available: number;
  flags: number;
  perms: string;
}

export interface NoteSummary {
  name: string;
  type: number;
  typeName: string;
  size: number;
  offset: number;
}

export interface CoreDump {
  /** 'core': an ELF core; 'raw': a raw memory dump (src/engine/raw/), one synthetic segment per mapping it covers. */
  kind: 'core' | 'raw';
  source: ByteSource;
  /** The ELF header (cores only). */
  header?: ElfHeader;
  wordSize: 4 | 8;
  machine: number;
  machineName: string;
  /** PT_LOAD segments sorted by address. */
  segments: Segment[];
  notes: NoteSummary[];
  threads: ThreadStatus[];
  process: ProcessInfo;
  auxv: AuxEntry[];
  files: FileMapping[];
  signal?: number;
  diagnostics: Diagnostic[];
  /** Bytes of the file covered by loaded segments that are present. */
  bytesInSegments: number;
}

const MAX_NOTE_BYTES = 256 << 20;

export async function openCore(source: ByteSource): Promise<CoreDump> {
  const diagnostics: Diagnostic[] = [];
  const head = await readAt(source, 0, 64);
  const header = parseElfHeader(head, source.name);
  if (header.type !== ET_CORE) {
    const kind = header.type === 2 ? 'an executable' : header.type === 3 ? 'a shared object or PIE executable' : `ELF type ${header.type}`;
    throw new HeaplensError('core.not-a-core', `${source.name} is ${kind}, not a core dump (e_type at offset 16 is ${header.type}, expected 4 = ET_CORE). Drop it together with its core.`, 16);
  }
  const ws = header.wordSize;
  let phnum = header.phnum;
  if (hasExtendedPhnum(header)) {
    const sh = parseSectionHeaders(await readAt(source, header.shoff, header.shentsize), header, 1);
    if (!sh.length) throw new HeaplensError('core.truncated', `${source.name}: e_phnum is PN_XNUM but section header 0 at offset ${header.shoff} is missing`, header.shoff);
    phnum = sh[0].info;
  }
  if (phnum === 0) throw new HeaplensError('core.no-segments', `${source.name}: the core has no program headers (e_phnum is 0 at offset ${ws === 8 ? 56 : 44})`, ws === 8 ? 56 : 44);
  const phBytes = phnum * header.phentsize;
  if (header.phoff + phBytes > source.size) {
    throw new HeaplensError(
      'core.truncated',
      `${source.name} is truncated: its ${phnum} program headers need bytes ${header.phoff}–${header.phoff + phBytes}, the file has ${source.size}`,
      source.size,
    );
  }
  const phdrs = parseProgramHeaders(await readAt(source, header.phoff, phBytes), header, phnum);

  const segments: Segment[] = [];
  let bytesInSegments = 0;
  let truncatedCount = 0;
  for (const p of phdrs) {
    if (p.type !== PT_LOAD) continue;
    const available = p.offset >= source.size ? 0 : Math.min(p.filesz, source.size - p.offset);
    if (available < p.filesz) {
      truncatedCount++;
      if (truncatedCount <= 3) {
        diagnostics.push({
          level: 'warning',
          code: 'core.truncated-segment',
          message: `segment ${p.index} (${hex(p.vaddr)}–${hex(p.vaddr + p.memsz)}) needs file bytes ${p.offset}–${p.offset + p.filesz}, the file ends at ${source.size}: ${p.filesz - available} bytes missing`,
          offset: p.offset + available,
        });
      }
    }
    bytesInSegments += available;
    segments.push({ index: p.index, vaddr: p.vaddr, memsz: p.memsz, fileOffset: p.offset, filesz: p.filesz, available, flags: p.flags, perms: permString(p.flags) });
  }
  if (truncatedCount > 3) {
    diagnostics.push({ level: 'warning', code: 'core.truncated-segment', message: `${truncatedCount} segments in all are cut short by the end of the file (the core is truncated)` });
  }
  segments.sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));

  const notes: ElfNote[] = [];
  for (const p of phdrs) {
    if (p.type !== PT_NOTE) continue;
    const want = Math.min(p.filesz, MAX_NOTE_BYTES);
    const b = await readAt(source, p.offset, want);
    if (b.length < p.filesz) {
      diagnostics.push({ level: 'warning', code: 'core.truncated-notes', message: `note segment at offset ${p.offset} needs ${p.filesz} bytes, ${b.length} are present; later notes are lost`, offset: p.offset + b.length });
    }
    notes.push(...parseNotes(b, p.offset, (msg, at) => diagnostics.push({ level: 'warning', code: 'core.bad-note', message: msg, offset: at })));
  }

  const threads: ThreadStatus[] = [];
  let process: ProcessInfo = {};
  let auxv: AuxEntry[] = [];
  let files: FileMapping[] = [];
  let signal: number | undefined;
  for (const n of notes) {
    if (n.name !== 'CORE' && n.name !== 'LINUX') continue;
    if (n.type === NT_PRSTATUS && n.name === 'CORE') threads.push(parsePrstatus(n.desc, ws, header.machine, threads.length));
    else if (n.type === NT_PRPSINFO && n.name === 'CORE') process = parsePrpsinfo(n.desc, ws);
    else if (n.type === NT_AUXV) auxv = parseAuxv(n.desc, ws);
    else if (n.type === NT_FILE) files = parseNtFile(n.desc, ws, (m) => diagnostics.push({ level: 'warning', code: 'core.bad-nt-file', message: m, offset: n.offset }));
    else if (n.type === NT_SIGINFO && n.desc.length >= 4) signal = new DataView(n.desc.buffer, n.desc.byteOffset, 4).getInt32(0, true);
  }
  if (!notes.length) diagnostics.push({ level: 'warning', code: 'core.no-notes', message: 'the core has no notes: no threads, no file map' });
  else if (!threads.length) diagnostics.push({ level: 'warning', code: 'core.no-threads', message: 'the core has no NT_PRSTATUS note: no threads or registers' });
  if (notes.length && !files.length) diagnostics.push({ level: 'info', code: 'core.no-nt-file', message: 'the core has no NT_FILE note: mapped files are unnamed' });

  return {
    kind: 'core', source, header, wordSize: ws, machine: header.machine, machineName: machineName(header.machine), segments,
    notes: notes.map((n) => ({ name: n.name, type: n.type, typeName: noteTypeName(n.type, n.name), size: n.desc.length, offset: n.offset })),
    threads, process, auxv, files, signal, diagnostics, bytesInSegments,
  };
}

/** Random access to the dumped process memory, through the segments. */
export class CoreMemory {
  private reader: CachedReader;
  private starts: bigint[];
  constructor(readonly core: CoreDump) {
    this.reader = new CachedReader(core.source);
    this.starts = core.segments.map((s) => s.vaddr);
  }
  segmentAt(addr: bigint): Segment | undefined {
    const s = this.core.segments;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (addr < this.starts[mid]) hi = mid - 1;
      else if (addr >= s[mid].vaddr + s[mid].memsz) lo = mid + 1;
      else return s[mid];
    }
    return undefined;
  }
  /** Bytes at [addr, addr+len) when all of them are in the file; undefined otherwise. */
  async read(addr: bigint, len: number): Promise<Uint8Array | undefined> {
    const seg = this.segmentAt(addr);
    if (!seg) return undefined;
    const off = Number(addr - seg.vaddr);
    if (off + len > seg.available) return undefined;
    const b = await this.reader.bytes(seg.fileOffset + off, len);
    return b.length === len ? b : undefined;
  }
  async word(addr: bigint): Promise<bigint | undefined> {
    const ws = this.core.wordSize;
    const b = await this.read(addr, ws);
    if (!b) return undefined;
    const dv = new DataView(b.buffer, b.byteOffset, ws);
    return ws === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true));
  }
}
