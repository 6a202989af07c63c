// Binaries dropped with a core: match each to a module of the core (GNU build-id first,
// then file name), and name addresses with their symbols, demangled.
import type { Diagnostic } from './errors';
import { type Binary, lookupSymbol, type SymbolHit } from './elf/symbols';
import { demangle } from './demangle';
import { basename, hex } from './format';
import { type MemoryMap, type Module, type Region, regionAt } from './memmap';

export interface AttachedBinary {
  binary: Binary;
  module: number;
  matchedBy: 'build-id' | 'name';
}

export function attachBinaries(map: MemoryMap, binaries: Binary[], diagnostics: Diagnostic[]): AttachedBinary[] {
  const out: AttachedBinary[] = [];
  const taken = new Set<number>();
  for (const b of binaries) {
    let m: Module | undefined;
    let by: AttachedBinary['matchedBy'] = 'build-id';
    if (b.buildId) m = map.modules.find((x) => x.buildId === b.buildId && !taken.has(x.index));
    if (!m) {
      by = 'name';
      const cands = map.modules.filter((x) => !taken.has(x.index) && x.name === basename(b.name));
      const mismatched = cands.find((x) => x.buildId && b.buildId && x.buildId !== b.buildId);
      m = cands.find((x) => !(x.buildId && b.buildId && x.buildId !== b.buildId));
      if (!m && mismatched) {
        diagnostics.push({
          level: 'warning', code: 'binary.build-id-mismatch',
          message: `${b.name} has build-id ${b.buildId}, but the core's ${mismatched.path} was built as ${mismatched.buildId}: it is another build, its symbols are not used`,
        });
        continue;
      }
    }
    if (!m) {
      diagnostics.push({ level: 'warning', code: 'binary.unmatched', message: `${b.name} matches no mapping of the core (by build-id${b.buildId ? ' ' + b.buildId : ''} or by name)` });
      continue;
    }
    if (m.bias === undefined) {
      diagnostics.push({ level: 'warning', code: 'binary.no-bias', message: `${b.name} matches ${m.path}, but the core lacks that module's ELF header, so its load address is unknown` });
      continue;
    }
    taken.add(m.index);
    out.push({ binary: b, module: m.index, matchedBy: by });
    diagnostics.push({
      level: 'info', code: 'binary.attached',
      message: `${b.name} → ${m.path} (by ${by}, load bias ${hex(m.bias)}, ${b.symbols.names.length} symbols from ${b.tables.join('+') || 'no symbol table'})`,
    });
  }
  return out;
}

export interface SymbolInfo {
  /** Mangled name as in the binary. */
  name: string;
  /** Demangled (equal to name for C symbols). */
  demangled: string;
  offset: bigint;
  module: string;
}

export class Symbolizer {
  private byModule = new Map<number, AttachedBinary>();
  constructor(
    private map: MemoryMap,
    attached: AttachedBinary[],
  ) {
    for (const a of attached) this.byModule.set(a.module, a);
  }
  get hasSymbols(): boolean {
    return this.byModule.size > 0;
  }
  lookup(addr: bigint, region: Region | undefined = regionAt(this.map.regions, addr)): SymbolInfo | undefined {
    if (!region || region.module === undefined) return undefined;
    const a = this.byModule.get(region.module);
    const m = this.map.modules[region.module];
    if (!a || m.bias === undefined) return undefined;
    const hit: SymbolHit | undefined = lookupSymbol(a.binary.symbols, addr - m.bias);
    if (!hit) return undefined;
    return { name: hit.name, demangled: demangle(hit.name), offset: hit.offset, module: m.name };
  }
}

/** 'vtable for A+0x10' style text. */
export function symbolText(s: SymbolInfo): string {
  return s.offset ? `${s.demangled}+${hex(s.offset)}` : s.demangled;
}
