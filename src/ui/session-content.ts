// The session's content scans (strings and key=value census, regex counts) and raw dumps:
// part of session.ts (which re-exports what the views use), kept apart so the views never see
// the opened dump, the workers or the block index, only the JSON documents of docs/json.md
// (`kind: "strings"`, `kind: "regex"`).
import type { OpenedCore } from '../engine/analyze';
import { BlobSource } from '../engine/bytesource';
import { type RegexJSON, type StringsJSON, contentToJSON, regexToJSON } from '../engine/content/json';
import { runRegex } from '../engine/content/regex';
import { compileRegex } from '../engine/content/regex-scan';
import { type BlockSet, anchoredBlocks, blocksOfSize, blocksWithFirstWord, indirectBlocks, leakTops, leakedBlocks, leakedOfSize, regionSet, wholeDump } from '../engine/content/sets';
import { runContent } from '../engine/content/strings';
import { HeaplensError } from '../engine/errors';
import { hex, parseAddress } from '../engine/format';
import type { KernelPool } from '../engine/kernel-api';
import type { LeakContext } from '../engine/leaks';
import type { Progress } from '../engine/pipeline';
import { type MapsText, parseMapsText } from '../engine/raw/maps-text';
import { rangeFromName } from '../engine/raw/name';
import { browserPool } from '../workers/browser-pool';

export type { RegexJSON, StringsJSON };

/** What a content scan covers. Block sets need the workers that hold the analysis (its block index). */
export type ContentScope =
  | { kind: 'all' }
  | { kind: 'region'; start: bigint; end: bigint }
  | { kind: 'leaked' | 'tops' | 'indirect' | 'anchored' }
  | { kind: 'size' | 'leaked-size'; size: number }
  /** A type group: blocks whose first word is `value` (the heap census' type), all used ones or only the leaked. */
  | { kind: 'type'; value: bigint; name: string; leakedOnly?: boolean };

export const isBlockScope = (s: ContentScope) => s.kind !== 'all' && s.kind !== 'region';

export function scopeLabel(s: ContentScope): string {
  switch (s.kind) {
    case 'all':
      return 'the whole dump';
    case 'region':
      return `region ${hex(s.start)}–${hex(s.end)}`;
    case 'leaked':
      return 'leaked blocks';
    case 'tops':
      return 'leak tops';
    case 'indirect':
      return 'indirectly leaked blocks';
    case 'anchored':
      return 'anchored blocks';
    case 'size':
      return `used blocks of ${s.size} usable bytes`;
    case 'leaked-size':
      return `leaked blocks of ${s.size} usable bytes`;
    case 'type':
      return `${s.leakedOnly ? 'leaked' : 'used'} blocks of type ${s.name}`;
  }
}

export interface ContentHandle<T> {
  promise: Promise<T>;
  cancel(): void;
}

export interface ContentRunner {
  /** Block sets can be scanned now (the analysis' workers and block index are kept). */
  blocks(): boolean;
  /** Why block sets cannot be scanned (when `blocks()` is false). */
  blocksWhy(): string;
  strings(scope: ContentScope, opts: { minLen: number; utf16: boolean }, onProgress?: (p: Progress) => void): ContentHandle<StringsJSON>;
  /** Validates the pattern first: a bad one fails before anything is read. */
  regex(scope: ContentScope, pattern: string, flags: string, onProgress?: (p: Progress) => void): ContentHandle<RegexJSON>;
  /** Scans started (each reads the dump), for the views and tests. */
  runs(): number;
}

/** The pattern's problem, or undefined when it compiles (the engine's own check). */
export function checkPattern(pattern: string, flags: string): string | undefined {
  try {
    compileRegex(pattern, flags);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The analysis' block index, while its workers are kept (`alive`). */
export interface HeldAnalysis {
  ctx: LeakContext;
  alive(): boolean;
}

/**
 * Content scans of one dump, each on a fresh pool for the file, let go after (terminated when
 * cancelled mid-call). Block sets, and grouping by block, need the analysis' block index, which
 * is offered while the analysis' workers are kept (until the user leaves the result).
 */
export function contentRunner(file: Blob, open: () => Promise<OpenedCore>, held?: HeldAnalysis, noBlocks = 'the block index is not at hand'): ContentRunner {
  let runs = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const live = () => !!held && held.alive();
  const resolve = async (scope: ContentScope, signal: AbortSignal): Promise<BlockSet> => {
    if (!isBlockScope(scope)) return scope.kind === 'region' ? regionSet(scope.start, scope.end) : wholeDump();
    if (!held || !held.alive()) throw new HeaplensError('content.no-blocks', `${scopeLabel(scope)} are heap blocks of the analysis, and ${runnerWhy()}: scan the whole dump or a region instead`);
    const ctx = held.ctx;
    switch (scope.kind) {
      case 'leaked':
        return leakedBlocks(ctx);
      case 'tops':
        return leakTops(ctx);
      case 'indirect':
        return indirectBlocks(ctx);
      case 'anchored':
        return anchoredBlocks(ctx);
      case 'size':
        return blocksOfSize(ctx, scope.size);
      case 'leaked-size':
        return leakedOfSize(ctx, scope.size);
      case 'type':
        return blocksWithFirstWord(ctx, scope.value, scopeLabel(scope), scope.leakedOnly ? (i) => ctx.verdicts[i] === 2 || ctx.verdicts[i] === 3 : undefined, signal);
    }
    throw new HeaplensError('content.scope', `unknown scope ${(scope as { kind: string }).kind}`);
  };
  const runnerWhy = () => (held ? 'the workers holding this analysis were let go (analyze the files again)' : noBlocks);
  function go<T>(scope: ContentScope, work: (o: OpenedCore, pool: KernelPool, set: BlockSet, ctx: LeakContext | undefined, signal: AbortSignal) => Promise<T>): ContentHandle<T> {
    const ac = new AbortController();
    const promise = (async () => {
      const set = await resolve(scope, ac.signal); // a block set without the index fails here, before any reading
      // One scan at a time on a dump's workers.
      const prev = queue;
      let done!: () => void;
      queue = new Promise<void>((r) => (done = r));
      try {
        await prev.catch(() => undefined);
        if (ac.signal.aborted) throw new DOMException('cancelled', 'AbortError');
        const o = await open();
        runs++;
        // A pool of its own: a cancelled scan (a runaway regex) takes its workers down with it, never
        // the analysis' (the block explorer's). The block index is plain data on this thread.
        const pool = await browserPool(file);
        try {
          return await work(o, pool, set, live() ? held!.ctx : undefined, ac.signal);
        } finally {
          pool.dispose();
        }
      } finally {
        done();
      }
    })();
    return { promise, cancel: () => ac.abort() };
  }
  return {
    blocks: live,
    blocksWhy: runnerWhy,
    runs: () => runs,
    strings(scope, opts, onProgress) {
      return go(scope, async (o, pool, set, ctx, signal) => contentToJSON(o, await runContent(o, pool, set, { minLen: opts.minLen, utf16: opts.utf16, leaks: ctx, signal, onProgress })));
    },
    regex(scope, pattern, flags, onProgress) {
      const bad = checkPattern(pattern, flags);
      if (bad !== undefined) return { promise: Promise.reject(new HeaplensError('regex.invalid', bad)), cancel: () => undefined };
      return go(scope, async (o, pool, set, ctx, signal) => regexToJSON(o, await runRegex(o, pool, set, pattern, { flags, first: 100, leaks: ctx, signal, onProgress })));
    },
  };
}

// ---- raw dumps ----------------------------------------------------------------------------

/** What the user gave for a raw dump (the form of RawForm.tsx). */
export interface RawChoice {
  /** Address of the dump's first byte. */
  base: bigint;
  wordSize?: 4 | 8;
  /** The process' map as text (/proc/PID/maps, pmap -x, pmap, gdb "info proc mappings"), or a core of the same process. */
  mapsText?: string;
  mapsCore?: File;
}

/** A dropped file that is no ELF file: it may be a raw memory dump (the app asks for its base). */
export class RawNeeded extends HeaplensError {
  constructor(
    readonly file: File,
    readonly binaries: File[],
  ) {
    super('input.raw', `${file.name} is not an ELF core: if it is a raw memory dump (gdb's dump binary memory), give its base address`);
  }
}

/**
 * Whether a dropped file that is no ELF file may be a raw memory dump: its name carries an
 * address, or its first 64 KiB are not text (a NUL byte, or more than 5% of bytes neither
 * printable nor whitespace). Text (a pasted map, a log) keeps the "not an ELF file" message.
 */
export async function mayBeRawDump(f: File): Promise<boolean> {
  if ('range' in rangeFromName(f.name)) return true;
  const b = new Uint8Array(await f.slice(0, 65536).arrayBuffer());
  if (b.length === 0) return false;
  let odd = 0;
  for (const x of b) {
    if (x === 0) return true;
    if (x < 9 || (x > 13 && x < 32) || x === 127) odd++;
  }
  return odd > b.length / 20;
}

/** What the form shows as the user types: the base read from the name, or why there is none. */
export function baseFromName(name: string, size: number): { base?: bigint; note: string } {
  const r = rangeFromName(name);
  if ('range' in r) {
    const { start, end, text } = r.range;
    if (end !== undefined && end - start !== BigInt(size)) {
      return { base: start, note: `the name says ${text} (${(end - start).toString()} bytes) but the file holds ${size} bytes: check the base` };
    }
    return { base: start, note: `read from the file name (${text})` };
  }
  if ('ambiguous' in r) return { note: `the name reads as several addresses (${r.ambiguous.join(', ')}): type the base` };
  return { note: 'the name carries no address: type the base (the START of gdb\'s dump binary memory FILE START END)' };
}

/** The base typed in the form: an address, or a message saying what is wrong. */
export function parseBase(text: string, wordSize: 4 | 8 | undefined): { base: bigint } | { error: string } {
  const t = text.trim();
  if (!t) return { error: 'give the address of the dump\'s first byte, e.g. 0x55d0c0a01000' };
  let base: bigint;
  try {
    base = parseAddress(t);
  } catch {
    return { error: `"${t}" is not a hexadecimal address (e.g. 0x55d0c0a01000)` };
  }
  if (base >= 1n << 64n) return { error: `${t} does not fit in 64 bits` };
  if (wordSize === 4 && base >= 1n << 32n) return { error: `${hex(base)} is above 4 GiB: not a 32-bit address` };
  if (base < 0x1000n) return { error: `${hex(base)} is in the first page, which is never mapped: the base is the START of the dumped range` };
  return { base };
}

/** Live feedback on a pasted map. */
export function previewMaps(text: string): { mappings: number; errors: MapsText['errors']; format?: string; heap?: string } {
  const m = parseMapsText(text);
  const heap = m.entries.find((e) => e.path === '[heap]');
  return { mappings: m.entries.length, errors: m.errors, format: m.format, ...(heap ? { heap: `${hex(heap.start)}–${hex(heap.end)}` } : {}) };
}

/** The maps as a ByteSource for openDump. */
export function rawMapsSource(c: RawChoice): BlobSource | undefined {
  if (c.mapsCore) return new BlobSource(c.mapsCore);
  if (c.mapsText !== undefined && c.mapsText.trim()) return new BlobSource(new File([c.mapsText], 'pasted maps'));
  return undefined;
}

/** 64-bit FNV-1a of a text, hex: the pasted map's part of the cache key. */
export function textHash(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i) & 0xffff);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}
