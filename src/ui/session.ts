// Runs an analysis for the views: sorts the dropped files (core, binaries) by content, checks
// the cache, drives the worker pool, stores the result. Views only see AnalysisJSON.
import demangleUrl from 'gecko-profiler-demangle/index_bg.wasm?url';
import { type AnalysisJSON, type OpenedCore, analyzeSession, openInputs } from '../engine/analyze';
import { type BlockReport, queryBlock } from '../engine/leaks';
import { type BlockIndex, type HexAddressInfo, type HexBlockRef, type HexLocation, HexProvider, type HexRow } from '../engine/hexview';
import { BlobSource } from '../engine/bytesource';
import { initDemangler } from '../engine/demangle';
import { detectKind } from '../engine/detect';
import { HeaplensError, throwIfAborted } from '../engine/errors';
import { fingerprint } from '../engine/fingerprint';
import type { Progress } from '../engine/pipeline';
import { browserPool, warmUp } from '../workers/browser-pool';
import { loadCached, saveCached } from './cache';

export interface SortedInputs {
  core?: File;
  binaries: File[];
  rejected: { file: File; why: string }[];
}

export async function sortInputs(files: File[], signal?: AbortSignal): Promise<SortedInputs> {
  const out: SortedInputs = { binaries: [], rejected: [] };
  for (const f of files) {
    throwIfAborted(signal);
    let kind = await detectKind(new BlobSource(f));
    let file = f;
    if (kind === 'gzip') {
      file = await gunzip(f);
      kind = await detectKind(new BlobSource(file));
    }
    if (kind === 'core') {
      if (out.core) out.rejected.push({ file: f, why: `a second core (${out.core.name} is already the core); open one core at a time` });
      else out.core = file;
    } else if (kind === 'binary') out.binaries.push(file);
    else out.rejected.push({ file: f, why: 'not an ELF file (no \\x7fELF magic at offset 0) and not gzip' });
  }
  return out;
}

/** Decompresses a .gz in the browser (streams; the sample core ships gzipped). */
export async function gunzip(f: File): Promise<File> {
  const stream = f.stream().pipeThrough(new DecompressionStream('gzip'));
  const blob = await new Response(stream).blob();
  return new File([blob], f.name.replace(/\.gz$/, ''), { lastModified: f.lastModified });
}

/** Readies workers, kernels and the demangler while the user picks files. */
export function prepare(): void {
  warmUp();
  void ensureDemangler();
}

let demanglerReady: Promise<void> | undefined;
function ensureDemangler(): Promise<void> {
  demanglerReady ??= fetch(demangleUrl)
    .then((r) => r.arrayBuffer())
    .then((b) => initDemangler(b))
    .catch(() => {
      demanglerReady = undefined;
    });
  return demanglerReady;
}

export interface RunCallbacks {
  onStage?: (stage: string) => void;
  onProgress?: (p: Progress) => void;
}

export interface RunResult {
  json: AnalysisJSON;
  fromCache: boolean;
  cacheKey: string;
  /** Names of the binaries given with the core. */
  binaries: string[];
  /** Settles when the result is stored in the cache: a message when it could not be, else undefined. */
  saved: Promise<string | undefined>;
  /**
   * Questions about single blocks (who points to it, what it points to, its chain from a root),
   * answered by the workers that still hold the graph. Absent for results from the cache.
   */
  explorer?: BlockExplorer;
  /**
   * The memory (hex) view of the dump, while its files are in this tab: a fresh analysis' result
   * (with the block index while its workers are kept) or a cached result reopened from the files.
   * Absent for a result reopened from the recent list (openMemory asks for the files again).
   */
  memory?: MemoryViewer;
}

export interface BlockExplorer {
  query(address: bigint): Promise<BlockReport | undefined>;
  /** Lets the workers go (their memory back); later queries fail. */
  release(): void;
}

let current: BlockExplorer | undefined;

/** Frees the workers kept for the last result's block queries (and the block index its memory view marks blocks with). */
export function releaseExplorer(): void {
  current?.release();
  current = undefined;
}

/** What the memory view knows of the dump it shows. */
export interface MemoryLayout {
  wordSize: 4 | 8;
  /** Rows of the layout: every 16 bytes of every mapping, and one row per hole between mappings. */
  rowCount: bigint;
  /** Used heap blocks are marked and pointers into them named (a fresh analysis' block index). */
  hasBlocks: boolean;
  blockCount: number;
  /** Where to start: the [heap], else the first mapping. */
  home: bigint;
  coreName: string;
  binaries: number;
}

/**
 * The memory (hex) view's access to a dump: plain data only (rows, annotations, locations),
 * read on demand from the files with File.slice. The view never sees bytes or workers.
 */
export interface MemoryViewer {
  /** Opens the dump (once; headers, notes and binaries' symbols). */
  open(): Promise<MemoryLayout>;
  rows(first: bigint, count: number): Promise<HexRow[]>;
  rowOf(address: bigint): Promise<bigint>;
  /** First address of a row (of a gap row: the hole's start). */
  rowAddress(row: bigint): Promise<bigint>;
  describe(address: bigint): Promise<HexAddressInfo>;
  locate(text: string, from?: bigint): Promise<HexLocation>;
  nextBlock(address: bigint): Promise<HexBlockRef | undefined>;
  prevBlock(address: bigint): Promise<HexBlockRef | undefined>;
  /** Forgets the block index (the analysis' workers were let go); mappings and symbols stay. */
  dropBlocks(): void;
}

function memoryViewer(load: () => Promise<{ opened: OpenedCore; blocks?: BlockIndex }>): MemoryViewer {
  let p: Promise<{ h: HexProvider; opened: OpenedCore }> | undefined;
  let dropped = false;
  const open = () => {
    p ??= load().then(({ opened, blocks }) => ({ h: new HexProvider(opened, dropped ? undefined : blocks), opened }));
    p.catch(() => (p = undefined));
    return p;
  };
  const get = async () => (await open()).h;
  return {
    async open() {
      const { h, opened } = await open();
      const rs = opened.map.regions;
      const home = rs.find((r) => r.label === 'heap' && r.inCore > 0) ?? rs.find((r) => r.inCore > 0) ?? rs[0];
      return { wordSize: h.wordSize, rowCount: h.rowCount, hasBlocks: h.hasBlocks, blockCount: h.blockCount, home: home?.start ?? 0n, coreName: opened.core.source.name, binaries: opened.binaries.length };
    },
    rows: async (first, count) => (await get()).rows(first, count),
    rowOf: async (a) => (await get()).rowOf(a),
    rowAddress: async (r) => {
      const x = (await get()).rowAddress(r);
      return 'address' in x ? x.address : x.from;
    },
    describe: async (a) => (await get()).describe(a),
    locate: async (t, from) => (await get()).locate(t, from),
    nextBlock: async (a) => (await get()).nextBlock(a),
    prevBlock: async (a) => (await get()).prevBlock(a),
    dropBlocks() {
      dropped = true;
      void p?.then(({ h }) => h.setBlocks(undefined));
    },
  };
}

/** Opens the core and binaries once, for a memory view (no analysis). */
function lazyOpen(core: File, binaries: File[]): () => Promise<{ opened: OpenedCore }> {
  let p: Promise<{ opened: OpenedCore }> | undefined;
  return () => {
    p ??= (async () => {
      await ensureDemangler();
      return { opened: await openInputs(new BlobSource(core), binaries.map((b) => new BlobSource(b))) };
    })();
    p.catch(() => (p = undefined));
    return p;
  };
}

/**
 * A memory view for a result reopened without its files: the user picks them again. Refuses files
 * that are not the ones the result was made from (another fingerprint or size).
 */
export async function openMemory(json: AnalysisJSON, files: File[]): Promise<MemoryViewer> {
  const inputs = await sortInputs(files);
  if (!inputs.core) {
    const why = inputs.rejected.map((r) => `${r.file.name}: ${r.why}`).join('; ');
    throw new HeaplensError('memory.no-core', `No core dump among the chosen files${why ? ` (${why})` : ''}. Choose ${json.input.name}, and its binaries for symbols.`);
  }
  const core = inputs.core;
  if (core.size !== json.input.size) {
    throw new HeaplensError('memory.other-core', `${core.name} is not the core of this analysis: it has ${core.size.toLocaleString('en-US')} bytes, ${json.input.name} had ${json.input.size.toLocaleString('en-US')}.`);
  }
  if (json.input.fingerprint && (await fingerprint(new BlobSource(core), core.lastModified)) !== json.input.fingerprint) {
    throw new HeaplensError('memory.other-core', `${core.name} is not the core of this analysis: its fingerprint (size, name, date and sampled bytes) differs from ${json.input.name}'s.`);
  }
  const load = lazyOpen(core, inputs.binaries);
  return memoryViewer(load);
}

export interface RunHandle {
  promise: Promise<RunResult>;
  cancel(): void;
}

export function runAnalysis(files: File[], cb: RunCallbacks = {}): RunHandle {
  const ac = new AbortController();
  const promise = (async (): Promise<RunResult> => {
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    let last = t0;
    const lap = (name: string) => {
      const now = performance.now();
      timings[name] = Math.round(now - last);
      last = now;
    };
    cb.onStage?.('Reading the files');
    const inputs = await sortInputs(files, ac.signal);
    if (!inputs.core) {
      const why = inputs.rejected.map((r) => `${r.file.name}: ${r.why}`).join('; ');
      throw new HeaplensError('input.no-core', `No core dump among the dropped files${why ? ` (${why})` : ''}. Drop an ELF core (from gcore or the kernel), optionally with its executable and libraries.`);
    }
    const core = inputs.core;
    const binaries = inputs.binaries.map((b) => b.name);
    const fps = [await fingerprint(new BlobSource(core), core.lastModified)];
    for (const b of inputs.binaries) {
      throwIfAborted(ac.signal);
      fps.push(await fingerprint(new BlobSource(b), b.lastModified));
    }
    lap('identify');
    const cacheKey = fps[0] + (fps.length > 1 ? '+' + fps.slice(1).sort().join('+') : '');
    const cached = await loadCached(cacheKey);
    throwIfAborted(ac.signal);
    if (cached) return { json: cached, fromCache: true, cacheKey, binaries, saved: Promise.resolve(undefined), memory: memoryViewer(lazyOpen(core, inputs.binaries)) };
    cb.onStage?.('Reading headers and notes');
    await ensureDemangler();
    throwIfAborted(ac.signal);
    const opened = await openInputs(new BlobSource(core), inputs.binaries.map((b) => new BlobSource(b)));
    for (const r of inputs.rejected) opened.diagnostics.push({ level: 'warning', code: 'input.ignored', message: `${r.file.name} ignored: ${r.why}` });
    lap('open');
    cb.onStage?.('Scanning');
    releaseExplorer();
    const pool = await browserPool(core);
    lap('workers');
    let json: AnalysisJSON;
    let explorer: BlockExplorer | undefined;
    let memory: MemoryViewer;
    try {
      const session = await analyzeSession(opened, pool, { signal: ac.signal, onProgress: cb.onProgress });
      json = session.json;
      const ctx = session.leaks;
      const viewer = (memory = memoryViewer(async () => ({ opened, blocks: ctx })));
      if (ctx) {
        let alive = true;
        explorer = current = {
          query: async (a) => {
            if (!alive) throw new Error('the workers holding this analysis were released; open the files again to explore references');
            return queryBlock(ctx, a);
          },
          release: () => {
            if (!alive) return;
            alive = false;
            pool.dispose();
            viewer.dropBlocks();
          },
        };
      } else pool.dispose();
    } catch (e) {
      pool.dispose();
      throw e;
    }
    lap('analysis');
    json.input.fingerprint = fps[0];
    timings.total = Math.round(performance.now() - t0);
    json.timings = timings;
    // Show the result now; store it meanwhile (a large document takes a while to write).
    const saved = saveCached(cacheKey, json, binaries);
    return { json, fromCache: false, cacheKey, binaries, saved, explorer, memory };
  })();
  return { promise, cancel: () => ac.abort() };
}

export function downloadJSON(json: AnalysisJSON): void {
  const blob = new Blob([JSON.stringify(json, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `heaplens-${json.input.name}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
