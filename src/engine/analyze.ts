// The engine's front door: open a core (and optional binaries), build the memory map, run
// the word census on a kernel pool, and produce the JSON document that the CLI prints, the
// app renders and caches, and the user exports. Documented in docs/json.md.
import type { ByteSource } from './bytesource';
import type { CensusOptions, WordCensus, WordEntry } from './census';
import { type CoreDump, CoreMemory, openCore } from './elf/core';
import { type Binary, openBinary } from './elf/symbols';
import { type Diagnostic, HeaplensError } from './errors';
import { hex } from './format';
import type { KernelPool } from './kernel-api';
import { type MemoryMap, type RegionLabel, buildMemoryMap, regionAt } from './memmap';
import type { ProgressFn } from './pipeline';
import { type AttachedBinary, Symbolizer, attachBinaries, symbolText } from './symbolize';
import { type HeapJSON, type HeapResult, heapToJSON } from './heap/heap';
import { DEFAULT_LIMITS, type Limits, runScan } from './scan';
import { type LeakContext, type LeakResult, runLeaks } from './leaks';
import type { RawInfo } from './raw/open';

export const JSON_VERSION = 1;

/** Why a raw dump gets no leak analysis. */
export const RAW_NO_LEAKS =
  "leaks by reachability need the process's roots — threads' registers and stacks, modules' data — and a raw dump holds none: no leak analysis (give the core for that)";

export interface OpenedCore {
  core: CoreDump;
  memory: CoreMemory;
  map: MemoryMap;
  binaries: AttachedBinary[];
  symbolizer: Symbolizer;
  diagnostics: Diagnostic[];
  /** Raw dumps (core.kind 'raw'): the dump's range, where its base came from, the maps given. */
  raw?: RawInfo;
}

/** Reads headers and notes, the map and the binaries. Fast: touches kilobytes, not the dump. */
export async function openInputs(coreSource: ByteSource, binarySources: ByteSource[] = []): Promise<OpenedCore> {
  const core = await openCore(coreSource);
  const memory = new CoreMemory(core);
  const map = await buildMemoryMap(core, memory);
  const diagnostics = [...core.diagnostics];
  const bins: Binary[] = [];
  for (const b of binarySources) {
    try {
      bins.push(await openBinary(b));
    } catch (e) {
      diagnostics.push(e instanceof HeaplensError ? { ...e.toDiagnostic(), level: 'warning' } : { level: 'warning', code: 'binary.unreadable', message: `${b.name}: ${(e as Error).message}` });
    }
  }
  const binaries = attachBinaries(map, bins, diagnostics);
  return { core, memory, map, binaries, symbolizer: new Symbolizer(map, binaries), diagnostics };
}

export interface AnalyzeOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  census?: Omit<CensusOptions, 'signal' | 'onProgress'>;
  /** Skip the heap reconstruction (word census only). */
  noHeap?: boolean;
  /** Skip the reachability analysis. */
  noLeaks?: boolean;
  /** Bounds of the per-block tables (defaults: DEFAULT_LIMITS in scan.ts). */
  limits?: Limits;
}

export async function analyze(opened: OpenedCore, pool: KernelPool, opts: AnalyzeOptions = {}): Promise<AnalysisJSON> {
  return (await analyzeSession(opened, pool, opts)).json;
}

/** The analysis, and (when there is a heap) what answers questions about single blocks while the pool lives. */
export async function analyzeSession(opened: OpenedCore, pool: KernelPool, opts: AnalyzeOptions = {}): Promise<{ json: AnalysisJSON; leaks?: LeakContext }> {
  const { census, heap, diagnostics, used, spanBytes } = await runScan(opened, pool, opts);
  const leakBlocks = opts.limits?.leakBlocks ?? DEFAULT_LIMITS.leakBlocks;
  const isRaw = opened.core.kind === 'raw';
  const want = !!heap?.found && heap.used.count > 0 && !opts.noLeaks && !isRaw;
  if (want && heap!.used.count > leakBlocks) {
    diagnostics.push({
      level: 'warning', code: 'leaks.skipped',
      message: `leaks were not computed: the heap has ${heap!.used.count.toLocaleString('en-US')} used blocks, more than the ${leakBlocks.toLocaleString('en-US')} the reachability analysis takes on in this memory (its index, graph and verdicts); the heap census above is complete`,
    });
  }
  const leaks = want && heap!.used.count <= leakBlocks ? await runLeaks(opened, used, { signal: opts.signal, onProgress: opts.onProgress, spanBytes }) : undefined;
  const json = toJSON(opened, census, heap, leaks?.result);
  if (json.leaks) {
    const why: LeaksIncomplete['why'] = [];
    if (json.heap?.unwalked) why.push('heap-unwalked');
    if (json.diagnostics.some((d) => d.code === 'leaks.edges-full')) why.push('edges-full');
    if (why.length) {
      json.leaks.incomplete = {
        why,
        message: `verdicts are given for the blocks that were walked${json.heap?.unwalked ? ` (${json.heap.unwalked.bytes.toLocaleString('en-US')} bytes of heap were not)` : ''}${why.includes('edges-full') ? ', and some references between them are missing' : ''}: a block reached only through what is missing is counted leaked, so leaked is an upper bound and anchored a lower bound`,
      };
    }
  }
  json.diagnostics.push(...diagnostics);
  if (isRaw && heap && !opts.noLeaks) json.diagnostics.push({ level: 'info', code: 'raw.no-leaks', message: RAW_NO_LEAKS });
  return { json, leaks: leaks?.context };
}

// ---- JSON ------------------------------------------------------------------------

export interface RegionJSON {
  start: string;
  end: string;
  size: number;
  perms: string;
  file?: string;
  fileOffset?: string;
  label: RegionLabel;
  detail?: string;
  tid?: number;
  module?: string;
  inCore: number;
}

export interface WordJSON {
  value: string;
  count: number;
  approx?: boolean;
  maxError?: number;
  kind: WordEntry['kind'];
  vtableCandidate?: boolean;
  target?: { label: RegionLabel; region: string; file?: string; module?: string; detail?: string; symbol?: string; mangled?: string };
}

export interface AnalysisJSON {
  format: 'elf64-core' | 'elf32-core' | 'raw';
  version: number;
  generator: string;
  input: {
    name: string;
    size: number;
    fingerprint?: string;
    /** Raw dumps: the address of the first byte and past the last, where the base came from, the map given. */
    base?: string;
    end?: string;
    baseFrom?: 'option' | 'file name';
    maps?: { name: string; kind: 'core' | 'text'; format?: string; mappings: number; errors: number };
  };
  wordSize: 4 | 8;
  machine: string;
  process: { pid?: number; ppid?: number; uid?: number; command?: string; args?: string; signal?: number };
  regions: RegionJSON[];
  totals: { label: RegionLabel; count: number; size: number; inCore: number }[];
  modules: { path: string; name: string; start: string; end: string; bias?: string; buildId?: string; executable: boolean; binary?: { name: string; matchedBy: string; symbols: number; stripped: boolean } }[];
  threads: { index: number; tid: number; signal: number; sp?: string; ip?: string; tp?: string; ipSymbol?: string; stack?: string; registers: Record<string, string> }[];
  auxv: { name: string; value: string }[];
  notes: { name: string; type: string; size: number }[];
  /** Absent when only the map was asked for (heaplens map). */
  words?: {
    method: string;
    bytesScanned: number;
    regionsScanned: number;
    words: number;
    zeroWords: number;
    smallWords: number;
    pointerWords: number;
    distinctPointers: number;
    otherWords: number;
    overflowWords: number;
    maxError: number;
    elapsedMs: number;
    phasesMs: { scan: number; merge: number; summarize: number };
    workers: number;
    /** Wasm memory of the (largest) worker at the end, bytes. */
    workerMemoryBytes: number;
    /** Present when the census was restricted to address ranges (`--range`): those ranges. */
    ranges?: { start: string; end: string }[];
    top: WordJSON[];
    topPointers: WordJSON[];
    vtableCandidates: WordJSON[];
    pointersByLabel: { label: RegionLabel; words: number; distinct: number }[];
  };
  /** glibc heap reconstruction; absent from `heaplens map` (docs/json.md). */
  heap?: HeapJSON;
  /** Leaks by reachability from the roots; present with a heap. */
  leaks?: LeaksJSON;
  diagnostics: Diagnostic[];
  /** Wall-clock milliseconds of the stages of the run that made this document (identify, open, workers, census, total). */
  timings?: Record<string, number>;
}

export const GENERATOR = 'heaplens 0.1.0';

export function toJSON(o: OpenedCore, census?: WordCensus, heap?: HeapResult, leaks?: LeakResult): AnalysisJSON {
  const { core, map, symbolizer } = o;
  const regionName = (i: number) => hex(map.regions[i].start);
  const word = (e: WordEntry): WordJSON => {
    const w: WordJSON = { value: hex(e.value), count: e.count, kind: e.kind };
    if (e.approx) {
      w.approx = true;
      w.maxError = e.maxError;
    }
    if (e.vtableCandidate) w.vtableCandidate = true;
    if (e.region !== undefined) {
      const r = map.regions[e.region];
      const sym = symbolizer.lookup(e.value, r);
      w.target = { label: r.label, region: regionName(r.index) };
      if (r.file) w.target.file = r.file;
      if (r.module !== undefined) w.target.module = map.modules[r.module].name;
      if (r.detail) w.target.detail = r.detail;
      if (sym) {
        w.target.symbol = symbolText(sym);
        w.target.mangled = sym.name;
      }
    }
    return w;
  };
  const attached = new Map(o.binaries.map((b) => [b.module, b]));
  return {
    format: core.kind === 'raw' ? 'raw' : core.wordSize === 8 ? 'elf64-core' : 'elf32-core',
    version: JSON_VERSION,
    generator: GENERATOR,
    input: {
      name: core.source.name, size: core.source.size,
      ...(o.raw ? { base: hex(o.raw.base), end: hex(o.raw.end), baseFrom: o.raw.baseFrom, ...(o.raw.maps ? { maps: o.raw.maps } : {}) } : {}),
    },
    wordSize: core.wordSize,
    machine: core.machineName,
    process: { pid: core.process.pid, ppid: core.process.ppid, uid: core.process.uid, command: core.process.command, args: core.process.args, signal: core.signal },
    regions: map.regions.map((r) => ({
      start: hex(r.start), end: hex(r.end), size: Number(r.end - r.start), perms: r.perms,
      ...(r.file !== undefined ? { file: r.file, fileOffset: hex(r.fileOffset ?? 0n) } : {}),
      label: r.label, ...(r.detail ? { detail: r.detail } : {}), ...(r.tid !== undefined ? { tid: r.tid } : {}),
      ...(r.module !== undefined ? { module: map.modules[r.module].name } : {}),
      inCore: r.inCore,
    })),
    totals: map.totals.map((t) => ({ label: t.label, count: t.count, size: Number(t.size), inCore: t.inCore })),
    modules: map.modules.map((m) => {
      const a = attached.get(m.index);
      return {
        path: m.path, name: m.name, start: hex(m.start), end: hex(m.end), ...(m.bias !== undefined ? { bias: hex(m.bias) } : {}),
        ...(m.buildId ? { buildId: m.buildId } : {}), executable: m.isExecutable,
        ...(a ? { binary: { name: a.binary.name, matchedBy: a.matchedBy, symbols: a.binary.symbols.names.length, stripped: a.binary.stripped } } : {}),
      };
    }),
    threads: core.threads.map((t) => {
      const stack = t.sp !== undefined ? regionAt(map.regions, t.sp) : undefined;
      const ipSym = t.ip !== undefined ? symbolizer.lookup(t.ip) : undefined;
      return {
        index: t.index, tid: t.tid, signal: t.signal,
        ...(t.sp !== undefined ? { sp: hex(t.sp) } : {}), ...(t.ip !== undefined ? { ip: hex(t.ip) } : {}), ...(t.tp !== undefined ? { tp: hex(t.tp) } : {}),
        ...(ipSym ? { ipSymbol: symbolText(ipSym) } : {}),
        ...(stack ? { stack: hex(stack.start) } : {}),
        registers: Object.fromEntries(t.registers.map((r) => [r.name, hex(r.value)])),
      };
    }),
    auxv: core.auxv.map((a) => ({ name: a.name, value: hex(a.value) })),
    notes: core.notes.map((n) => ({ name: n.name, type: n.typeName, size: n.size })),
    words: census && {
      method: census.method, bytesScanned: census.bytesScanned, regionsScanned: census.regionsScanned,
      words: census.words, zeroWords: census.zeroWords, smallWords: census.smallWords, pointerWords: census.pointerWords,
      distinctPointers: census.distinctPointers, otherWords: census.otherWords, overflowWords: census.overflowWords,
      maxError: census.maxError, elapsedMs: Math.round(census.elapsedMs), workers: census.workers,
      phasesMs: Object.fromEntries(Object.entries(census.phasesMs).map(([k, v]) => [k, Math.round(v)])) as typeof census.phasesMs,
      workerMemoryBytes: Math.max(...census.workerMemoryBytes),
      top: census.top.map(word), topPointers: census.topPointers.map(word), vtableCandidates: census.vtableCandidates.map(word),
      pointersByLabel: census.pointersByLabel,
      ...(census.ranges ? { ranges: census.ranges.map((r) => ({ start: hex(r.start), end: hex(r.end) })) } : {}),
    },
    ...(heap ? { heap: heapToJSON(heap) } : {}),
    ...(leaks ? { leaks: leaksToJSON(leaks) } : {}),
    diagnostics: [...o.diagnostics, ...(heap?.diagnostics ?? []), ...(leaks?.diagnostics ?? [])],
  };
}

export interface LeaksJSON {
  blocks: number;
  edges: number;
  rootRefs: number;
  rootsByKind: Record<string, number>;
  anchored: { count: number; bytes: number };
  leaked: { count: number; bytes: number };
  unreferenced: { count: number; bytes: number };
  indirect: { count: number; bytes: number };
  byType: { type: string; count: number; bytes: number; unreferenced: number; indirect: number; examples: string[] }[];
  bySize: { size: number; count: number; bytes: number; unreferenced: number; indirect: number; examples: string[] }[];
  bySignature: { size: number; offsets: number[]; count: number; bytes: number; unreferenced: number; indirect: number; examples: string[] }[];
  shapes: { group: string; example: string; refs: { offset: number; target: string; size: number; verdict: string }[] }[];
  /** Present when the graph lacks blocks (heap not all walked) or references (edge table full): leaked is an upper bound. */
  incomplete?: LeaksIncomplete;
  elapsedMs: number;
}

export interface LeaksIncomplete {
  why: ('heap-unwalked' | 'edges-full')[];
  message: string;
}

function leaksToJSON(l: LeakResult): LeaksJSON {
  const g = <T extends { key: string; examples: bigint[] }>(e: T) => {
    const { key: _k, examples, ...rest } = e;
    return { ...rest, examples: examples.map((x) => hex(x)) };
  };
  return {
    blocks: l.blocks, edges: l.edges, rootRefs: l.rootRefs, rootsByKind: l.rootsByKind,
    anchored: l.anchored, leaked: l.leaked, unreferenced: l.unreferenced, indirect: l.indirect,
    byType: l.byType.map(g), bySize: l.bySize.map(g), bySignature: l.bySignature.map(g),
    shapes: l.shapes.map((s) => ({ group: s.group, example: hex(s.example), refs: s.refs.map((r) => ({ offset: r.offset, target: hex(r.target), size: r.size, verdict: r.verdict })) })),
    elapsedMs: Math.round(l.elapsedMs),
  };
}
