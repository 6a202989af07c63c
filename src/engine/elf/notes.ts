// Decoders for the notes of a Linux core: NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO, NT_AUXV,
// NT_FILE. Layouts differ by word size and machine; see shared notes (glibc-and-cores.md).
import { EM_386, EM_AARCH64, EM_ARM, EM_X86_64, cstring, view, word } from './elf';

export const NT_PRSTATUS = 1;
export const NT_FPREGSET = 2;
export const NT_PRPSINFO = 3;
export const NT_AUXV = 6;
export const NT_SIGINFO = 0x53494749;
export const NT_FILE = 0x46494c45;
export const NT_X86_XSTATE = 0x202;
export const NT_ARM_TLS = 0x401;
export const NT_GDB_TDESC = 0xff0;

export function noteTypeName(type: number, name: string): string {
  if (name === 'CORE' || name === 'LINUX') {
    switch (type) {
      case NT_PRSTATUS: return 'NT_PRSTATUS';
      case NT_FPREGSET: return 'NT_FPREGSET';
      case NT_PRPSINFO: return 'NT_PRPSINFO';
      case NT_AUXV: return 'NT_AUXV';
      case NT_SIGINFO: return 'NT_SIGINFO';
      case NT_FILE: return 'NT_FILE';
      case NT_X86_XSTATE: return 'NT_X86_XSTATE';
      case NT_ARM_TLS: return 'NT_ARM_TLS';
    }
  }
  if (name === 'GDB' && type === NT_GDB_TDESC) return 'NT_GDB_TDESC';
  if (name === 'GNU' && type === 3) return 'NT_GNU_BUILD_ID';
  return `0x${type.toString(16)}`;
}

const X86_64_REGS = ['r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi', 'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs'];
const I386_REGS = ['ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'eax', 'ds', 'es', 'fs', 'gs', 'orig_eax', 'eip', 'cs', 'eflags', 'esp', 'ss'];
const AARCH64_REGS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'pstate'];
const ARM_REGS = [...Array.from({ length: 13 }, (_, i) => `r${i}`), 'sp', 'lr', 'pc', 'cpsr', 'orig_r0'];

interface RegLayout {
  names: string[];
  sp?: string;
  ip?: string;
  tp?: string;
}

function layoutFor(machine: number, count: number): RegLayout {
  switch (machine) {
    case EM_X86_64: return { names: X86_64_REGS, sp: 'rsp', ip: 'rip', tp: 'fs_base' };
    case EM_386: return { names: I386_REGS, sp: 'esp', ip: 'eip' };
    case EM_AARCH64: return { names: AARCH64_REGS, sp: 'sp', ip: 'pc' };
    case EM_ARM: return { names: ARM_REGS, sp: 'sp', ip: 'pc' };
    default: return { names: Array.from({ length: count }, (_, i) => `r${i}`) };
  }
}

export interface Register {
  name: string;
  value: bigint;
}

export interface ThreadStatus {
  /** Position among the NT_PRSTATUS notes; 0 is the thread that was current. */
  index: number;
  tid: number;
  /** Current signal (pr_cursig). */
  signal: number;
  registers: Register[];
  sp?: bigint;
  ip?: bigint;
  /** Thread pointer (TLS base) when the machine keeps it in the status note (x86-64 fs_base). */
  tp?: bigint;
}

export function parsePrstatus(desc: Uint8Array, ws: 4 | 8, machine: number, index: number): ThreadStatus {
  const dv = view(desc);
  const pidOff = ws === 8 ? 32 : 24;
  const regOff = ws === 8 ? 112 : 72;
  const signal = desc.length >= 14 ? dv.getInt16(12, true) : 0;
  const tid = desc.length >= pidOff + 4 ? dv.getInt32(pidOff, true) : 0;
  // pr_reg is followed by pr_fpvalid (int) and padding to the word size.
  const avail = Math.max(0, desc.length - regOff - 4);
  const count = Math.floor(avail / ws);
  const layout = layoutFor(machine, count);
  const n = Math.min(count, layout.names.length);
  const registers: Register[] = [];
  for (let i = 0; i < n; i++) registers.push({ name: layout.names[i], value: word(dv, regOff + i * ws, ws) });
  const get = (name?: string) => (name ? registers.find((r) => r.name === name)?.value : undefined);
  return { index, tid, signal, registers, sp: get(layout.sp), ip: get(layout.ip), tp: get(layout.tp) };
}

export interface ProcessInfo {
  pid?: number;
  ppid?: number;
  uid?: number;
  gid?: number;
  state?: string;
  /** pr_fname: the executable's name, at most 15 characters. */
  command?: string;
  /** pr_psargs: the command line, at most 80 bytes, arguments joined by spaces. */
  args?: string;
}

export function parsePrpsinfo(desc: Uint8Array, ws: 4 | 8): ProcessInfo {
  // Both layouts end with fname[16] and psargs[80]; pid sits 112 bytes before the end.
  const n = desc.length;
  if (n < 112) return {};
  const dv = view(desc);
  const info: ProcessInfo = {
    pid: dv.getInt32(n - 112, true),
    ppid: dv.getInt32(n - 108, true),
    command: cstring(desc, n - 96, 16),
    args: cstring(desc, n - 80, 80).trim(),
  };
  const sname = desc[1];
  if (sname >= 0x20 && sname < 0x7f) info.state = String.fromCharCode(sname);
  if (ws === 8) {
    info.uid = dv.getUint32(16, true);
    info.gid = dv.getUint32(20, true);
  } else {
    info.uid = dv.getUint16(8, true);
    info.gid = dv.getUint16(10, true);
  }
  return info;
}

export interface FileMapping {
  start: bigint;
  end: bigint;
  /** Offset into the file, in bytes (page_size already applied). */
  fileOffset: bigint;
  path: string;
}

/** NT_FILE: count, page_size, count × (start, end, offset), then count NUL-terminated paths. */
export function parseNtFile(desc: Uint8Array, ws: 4 | 8, onProblem?: (msg: string) => void): FileMapping[] {
  const dv = view(desc);
  if (desc.length < 2 * ws) return [];
  const count = Number(word(dv, 0, ws));
  const pageSize = word(dv, ws, ws);
  const tableEnd = 2 * ws + count * 3 * ws;
  if (count < 0 || tableEnd > desc.length) {
    onProblem?.(`NT_FILE claims ${count} entries, more than its ${desc.length} bytes can hold`);
    return [];
  }
  const out: FileMapping[] = [];
  let s = tableEnd;
  for (let i = 0; i < count; i++) {
    const o = 2 * ws + i * 3 * ws;
    let e = s;
    while (e < desc.length && desc[e] !== 0) e++;
    const path = new TextDecoder().decode(desc.subarray(s, e));
    s = e + 1;
    out.push({ start: word(dv, o, ws), end: word(dv, o + ws, ws), fileOffset: word(dv, o + 2 * ws, ws) * pageSize, path });
  }
  return out;
}

const AUXV_NAMES: Record<number, string> = {
  3: 'AT_PHDR', 4: 'AT_PHENT', 5: 'AT_PHNUM', 6: 'AT_PAGESZ', 7: 'AT_BASE', 8: 'AT_FLAGS', 9: 'AT_ENTRY',
  11: 'AT_UID', 12: 'AT_EUID', 13: 'AT_GID', 14: 'AT_EGID', 15: 'AT_PLATFORM', 16: 'AT_HWCAP', 17: 'AT_CLKTCK',
  23: 'AT_SECURE', 24: 'AT_BASE_PLATFORM', 25: 'AT_RANDOM', 26: 'AT_HWCAP2', 31: 'AT_EXECFN', 32: 'AT_SYSINFO',
  33: 'AT_SYSINFO_EHDR', 51: 'AT_MINSIGSTKSZ',
};

export interface AuxEntry {
  type: number;
  name: string;
  value: bigint;
}

export function parseAuxv(desc: Uint8Array, ws: 4 | 8): AuxEntry[] {
  const dv = view(desc);
  const out: AuxEntry[] = [];
  for (let o = 0; o + 2 * ws <= desc.length; o += 2 * ws) {
    const type = Number(word(dv, o, ws));
    if (type === 0) break;
    out.push({ type, name: AUXV_NAMES[type] ?? `AT_${type}`, value: word(dv, o + ws, ws) });
  }
  return out;
}

export const AT_PHDR = 3;
export const AT_ENTRY = 9;
export const AT_EXECFN = 31;
export const AT_SYSINFO_EHDR = 33;
export const AT_PAGESZ = 6;
