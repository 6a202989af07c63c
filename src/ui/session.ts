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
import { openDump } from '../engine/raw/open';
import { browserPool, warmUp } from '../workers/browser-pool';
import { type SaveOutcome, loadCached, saveCached } from './cache';
import { downloadText } from './download';
import { type ContentRunner, type RawChoice, RawNeeded, contentRunner, mayBeRawDump, rawMapsSource, textHash } from './session-content';

export { downloadText };

/** The thread stacks against the address space of a core's analysis (seed 001 case 4), plain data for the Threads section. */
export { coreThreadStacks } from '../engine/text/stacks';
export * from './session-content';

export interface SortedInputs {
  /** The first core (the only one of a single analysis). */
  core?: File;
  /** Every core, in the order given (several: the dumps of one process to compare). */
  cores: File[];
  binaries: File[];
  rejected: { file: File; why: string }[];
}

export async function sortInputs(files: File[], signal?: AbortSignal): Promise<SortedInputs> {
  const out: SortedInputs = { cores: [], binaries: [], rejected: [] };
  for (const f of files) {
    throwIfAborted(signal);
    let kind = await detectKind(new BlobSource(f));
    let file = f;
    if (kind === 'gzip') {
      file = await gunzip(f);
      kind = await detectKind(new BlobSource(file));
    }
    if (kind === 'core') {
      out.cores.push(file);
      out.core ??= file;
    } else if (kind === 'binary') out.binaries.push(file);
    else out.rejected.push({ file: f, why: 'not an ELF file (no \\x7fELF magic at offset 0) and not gzip' });
  }
  return out;
}

/**
 * Decompresses a .gz in the browser (streams; the sample core ships gzipped). The output is
 * gathered as a list of chunks made into one Blob — never one ArrayBuffer — so a multi-GB core
 * decompresses into blob storage (which the browser may keep on disk), not a single allocation.
 */
export async function gunzip(f: File): Promise<File> {
  const reader = f.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const parts: Blob[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  // Chunks of the stream are small (tens of KiB): they are joined into 16 MiB blobs as they come.
  const flush = () => {
    if (!pendingBytes) return;
    parts.push(new Blob(pending as BlobPart[]));
    pending = [];
    pendingBytes = 0;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending.push(value);
    pendingBytes += value.length;
    if (pendingBytes >= 16 << 20) flush();
  }
  flush();
  return new File(parts, f.name.replace(/\.gz$/, ''), { lastModified: f.lastModified });
}

/** Readies workers, kernels and the demangler while the user picks files. */
export function prepare(): void {
  warmUp();
  void ensureDemangler();
}

let demanglerReady: Promise<void> | undefined;
export function ensureDemangler(): Promise<void> {
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
  /** Settles when the result is stored in the cache (or could not be, with why). */
  saved: Promise<SaveOutcome>;
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
  /** Strings, key=value and regex scans of the dump, while its files are in this tab (session-content.ts). */
  content?: ContentRunner;
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

/** Opens the core (or raw dump) and binaries once, for a memory view (no analysis). */
function lazyOpen(core: File, binaries: File[], raw?: RawChoice): () => Promise<{ opened: OpenedCore }> {
  let p: Promise<{ opened: OpenedCore }> | undefined;
  return () => {
    p ??= (async () => {
      await ensureDemangler();
      return { opened: await openCoreOrRaw(core, binaries, raw) };
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
  if (json.format === 'raw') {
    throw new HeaplensError('memory.raw', `${json.input.name} is a raw memory dump: open it again with "Open other files…" and give its base (${json.input.base ?? 'its START address'}) and map, then the memory view reads it.`);
  }
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

/** One dump of a diff run: its analysis (fresh or from the cache) and, when dropped in this tab, its files. */
export interface DiffItem {
  json: AnalysisJSON;
  cacheKey: string;
  fromCache: boolean;
  /** The core's name and lastModified (ms; 0 when unknown, e.g. reopened from the cache). */
  name: string;
  lastModified: number;
  binaries: string[];
  /** The files, when they were dropped in this tab (to open one dump's results with its memory view). */
  files?: { core: File; binaries: File[] };
  /** Settles when stored (or not, with why). */
  saved: Promise<SaveOutcome>;
}

export interface DiffRun {
  /** Oldest first (file dates, then names). */
  items: DiffItem[];
  /** Dumps whose file was dropped but gave no analysis (never: a failure fails the run). */
  rejected: { file: File; why: string }[];
}

export type InputsResult = { kind: 'single'; result: RunResult } | { kind: 'diff'; run: DiffRun };

export interface InputsHandle {
  promise: Promise<InputsResult>;
  cancel(): void;
}

/**
 * Runs what the dropped files ask for: one core (with binaries) → its analysis; several cores
 * (dumps of one process taken at different times, with the binaries) → each one's analysis (from
 * the cache when it is there), ordered by file date, for the diff view.
 */
export function runInputs(files: File[], cb: RunCallbacks = {}, raw?: RawChoice): InputsHandle {
  const ac = new AbortController();
  const promise = (async (): Promise<InputsResult> => {
    const t0 = performance.now();
    cb.onStage?.('Reading the files');
    const inputs = await sortInputs(files, ac.signal);
    if (!inputs.core) {
      // One file that is no ELF file (and not gzip): a raw memory dump, once its base is known.
      const notElf = inputs.rejected.filter((r) => !/\.gz$/i.test(r.file.name));
      if (notElf.length === 1 && inputs.rejected.length === 1 && (raw || (await mayBeRawDump(notElf[0].file)))) {
        if (!raw) throw new RawNeeded(notElf[0].file, inputs.binaries);
        return { kind: 'single', result: await analyzeOne(notElf[0].file, inputs.binaries, [], cb, ac.signal, t0, true, raw) };
      }
      const why = inputs.rejected.map((r) => `${r.file.name}: ${r.why}`).join('; ');
      throw new HeaplensError('input.no-core', `No core dump among the dropped files${why ? ` (${why})` : ''}. Drop an ELF core (from gcore or the kernel), optionally with its executable and libraries.`);
    }
    if (inputs.cores.length === 1) return { kind: 'single', result: await analyzeOne(inputs.core, inputs.binaries, inputs.rejected, cb, ac.signal, t0, true) };
    const cores = [...inputs.cores].sort((a, b) => a.lastModified - b.lastModified || a.name.localeCompare(b.name, 'en', { numeric: true }));
    const items: DiffItem[] = [];
    for (let i = 0; i < cores.length; i++) {
      const c = cores[i];
      const tag = `Dump ${i + 1} of ${cores.length} (${c.name})`;
      const r = await analyzeOne(c, inputs.binaries, inputs.rejected, { onStage: (s) => cb.onStage?.(`${tag}: ${s}`), onProgress: cb.onProgress }, ac.signal, performance.now(), false);
      items.push({ json: r.json, cacheKey: r.cacheKey, fromCache: r.fromCache, name: c.name, lastModified: c.lastModified, binaries: r.binaries, files: { core: c, binaries: inputs.binaries }, saved: r.saved });
    }
    return { kind: 'diff', run: { items, rejected: inputs.rejected } };
  })();
  return { promise, cancel: () => ac.abort() };
}

/** One analysis, for the views (a single run) or for a diff (`keep` false: no workers kept). */
async function analyzeOne(core: File, bins: File[], rejected: SortedInputs['rejected'], cb: RunCallbacks, signal: AbortSignal, t0: number, keep: boolean, raw?: RawChoice): Promise<RunResult> {
  const timings: Record<string, number> = {};
  let last = t0;
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - last);
    last = now;
  };
  const binaries = bins.map((b) => b.name);
  cb.onStage?.('Identifying');
  const fps = [await fingerprint(new BlobSource(core), core.lastModified)];
  for (const b of bins) {
    throwIfAborted(signal);
    fps.push(await fingerprint(new BlobSource(b), b.lastModified));
  }
  lap('identify');
  // A raw dump read with another base or map is another analysis: the key says how it was read.
  const cacheKey = fps[0] + (raw ? await rawKey(raw) : '') + (fps.length > 1 ? '+' + fps.slice(1).sort().join('+') : '');
  const cached = await loadCached(cacheKey);
  throwIfAborted(signal);
  if (cached) {
    const load = lazyOpen(core, bins, raw);
    return {
      json: cached, fromCache: true, cacheKey, binaries, saved: Promise.resolve({ stored: true }), memory: memoryViewer(load),
      content: contentRunner(core, async () => (await load()).opened, undefined, 'this result came from the browser\'s cache, without the block index ("Analyze the files again" rebuilds it)'),
    };
  }
  cb.onStage?.('Reading headers and notes');
  await ensureDemangler();
  throwIfAborted(signal);
  const opened = await openCoreOrRaw(core, bins, raw);
  for (const r of rejected) opened.diagnostics.push({ level: 'warning', code: 'input.ignored', message: `${r.file.name} ignored: ${r.why}` });
  lap('open');
  cb.onStage?.('Scanning');
  releaseExplorer();
  const pool = await browserPool(core);
  lap('workers');
  let json: AnalysisJSON;
  let explorer: BlockExplorer | undefined;
  let memory: MemoryViewer;
  let content: ContentRunner | undefined;
  try {
    const session = await analyzeSession(opened, pool, { signal, onProgress: cb.onProgress });
    json = session.json;
    const ctx = keep ? session.leaks : undefined;
    const viewer = (memory = keep ? memoryViewer(async () => ({ opened, blocks: ctx })) : memoryViewer(lazyOpen(core, bins)));
    if (ctx) {
      let alive = true;
      content = contentRunner(core, async () => opened, { ctx, alive: () => alive });
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
    } else {
      pool.dispose();
      if (keep) content = contentRunner(core, async () => opened, undefined, raw ? 'a raw dump gets no leak analysis, so no block sets' : 'no heap blocks were indexed in this analysis');
    }
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
  return { json, fromCache: false, cacheKey, binaries, saved, explorer, memory, content };
}

/** A single analysis of the dropped files (the first core when there are several). */
export function runAnalysis(files: File[], cb: RunCallbacks = {}): RunHandle {
  const h = runInputs(files, cb);
  return {
    promise: h.promise.then((r) => {
      if (r.kind === 'single') return r.result;
      throw new HeaplensError('input.several-cores', `${r.run.items.length} cores were dropped: compare them in the diff view.`);
    }),
    cancel: h.cancel,
  };
}

export function downloadJSON(json: AnalysisJSON): void {
  downloadText(JSON.stringify(json, null, 2), `heaplens-${json.input.name}.json`, 'application/json');
}

/** A memory view read from dropped files (no block index), e.g. for one dump of a diff. */
export function memoryFromFiles(core: File, binaries: File[]): MemoryViewer {
  return memoryViewer(lazyOpen(core, binaries));
}

/** A core, or a raw memory dump with the base (and map) the user gave. */
async function openCoreOrRaw(core: File, bins: File[], raw?: RawChoice): Promise<OpenedCore> {
  const binaries = bins.map((b) => new BlobSource(b));
  if (!raw) return openInputs(new BlobSource(core), binaries);
  return openDump(new BlobSource(core), binaries, { base: raw.base, wordSize: raw.wordSize, maps: rawMapsSource(raw) });
}

/** The raw dump's part of the cache key: its base, word size and map (the same bytes read with another base are another analysis). */
async function rawKey(raw: RawChoice): Promise<string> {
  let maps = '';
  if (raw.mapsCore) maps = '-core.' + (await fingerprint(new BlobSource(raw.mapsCore), raw.mapsCore.lastModified));
  else if (raw.mapsText?.trim()) maps = '-maps.' + textHash(raw.mapsText);
  return `@raw.0x${raw.base.toString(16)}.w${raw.wordSize ?? 0}${maps}`;
}
