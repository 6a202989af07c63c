// Thread stacks and the address space (seed 001 case 4: a 32-bit server, 91 threads × 32 MiB of
// stack, pthread_create failing with EAGAIN): how many stack-sized mappings (with their guards)
// against how many threads, the size of each, the virtual memory in stacks, its share of the user
// address space, how much is left and about how many more threads of that size fit — and when
// that is too few, the fix to try. From a memory map (with a thread list) or a core's analysis.
import type { AnalysisJSON } from '../analyze';
import { hex } from '../format';
import type { MapsEntry } from '../raw/maps-text';
import { TEXT_JSON_VERSION } from './common';
import { type MapsDoc, classify, kib } from './maps';
import type { ThreadsDoc } from './threads';

export interface StackRegion {
  start: string;
  end: string;
  sizeKiB: number;
  /** The no-access mapping right below (glibc's guard), when there is one. */
  guardKiB?: number;
  /** The thread whose stack pointer lies in it (cores only). */
  tid?: number;
}

export interface ThreadStacksDoc {
  kind: 'thread-stacks';
  version: number;
  source: 'core' | 'maps';
  /** The inputs it was made of. */
  inputs: string[];
  wordSize: 4 | 8;
  /** Threads of the process: the core's thread notes, or the thread list's rows; undefined when unknown. */
  threads?: number;
  threadsFrom?: string;
  /** Thread stacks (not the main thread's): mappings of rw memory right above a guard, or holding a thread's stack pointer. */
  stacks: StackRegion[];
  mainStack?: StackRegion;
  /** Stack sizes, most common first. */
  sizes: { sizeKiB: number; count: number }[];
  /** Virtual memory in thread stacks and their guards, KiB. */
  stackKiB: number;
  /** Everything mapped, KiB. */
  mappedKiB: number;
  /** The user address space the process can map, KiB, and where that figure comes from. */
  userSpaceKiB: number;
  userSpaceFrom: string;
  /** stackKiB / userSpaceKiB and stackKiB / mappedKiB. */
  shareOfUserSpace: number;
  shareOfMapped: number;
  /** Address space not mapped, KiB (userSpaceKiB − mappedKiB). */
  freeKiB: number;
  /** How many more stacks of the common size (with its guard) fit in the gaps between mappings. */
  moreThreads?: number;
  verdict: 'address space nearly exhausted' | 'stacks take most of the address space' | 'ok';
  /** The answer in sentences, and the fix to try when the verdict is not ok. */
  summary: string;
  fix?: string;
  /** What the input lacks to answer fully. */
  missing: string[];
}

export interface ThreadStacksOptions {
  /** The user address space in KiB, when it is capped (ulimit -v) or not the default for the word size. */
  userSpaceKiB?: number;
}

const KiB = 1024n;
const MIN_ADDR = 0x10000n; // mmap_min_addr
/** The kernel's default stack_guard_gap: 256 pages of 4 KiB. No mapping is placed there under a stack. */
const STACK_GUARD_GAP = 256n * 4096n;

/** The top of user space: 3 GiB for a 32-bit kernel, 4 GiB for a 32-bit process on a 64-bit kernel (its stack lies above 3 GiB), 128 TiB for 64-bit. */
function userTop(entries: { end: bigint }[], wordSize: 4 | 8): { top: bigint; from: string } {
  if (wordSize === 8) return { top: 0x7ffffffff000n, from: '64-bit: 128 TiB of user space (47-bit addresses)' };
  const max = entries.reduce((m, e) => (e.end > m ? e.end : m), 0n);
  if (max > 0xc0000000n) return { top: 0xffffe000n, from: '32-bit process on a 64-bit kernel (mappings above 3 GiB): 4 GiB of user space' };
  return { top: 0xc0000000n, from: '32-bit: 3 GiB of user space (the kernel keeps the top 1 GiB)' };
}

function analyzeStacks(
  entries: MapsEntry[],
  wordSize: 4 | 8,
  opts: ThreadStacksOptions & { source: 'core' | 'maps'; inputs: string[]; threads?: number; threadsFrom?: string; tidAt?: (start: bigint) => number | undefined; missing: string[] },
): ThreadStacksDoc {
  const kinds = classify(entries, wordSize);
  // A core labels the mapping holding each thread's stack pointer: a thread stack, guard or not.
  entries.forEach((e, i) => {
    if (opts.tidAt?.(e.start) !== undefined && kinds[i].kind !== 'stack') kinds[i].kind = 'thread-stack';
  });
  const stacks: StackRegion[] = [];
  let mainStack: StackRegion | undefined;
  entries.forEach((e, i) => {
    const r: StackRegion = { start: hex(e.start), end: hex(e.end), sizeKiB: Number((e.end - e.start) / KiB) };
    const tid = opts.tidAt?.(e.start);
    if (tid !== undefined) r.tid = tid;
    if (kinds[i].kind === 'stack') mainStack = r;
    else if (kinds[i].kind === 'thread-stack') {
      if (kinds[i].guardKiB !== undefined) r.guardKiB = kinds[i].guardKiB;
      stacks.push(r);
    }
  });
  const bySize = new Map<number, number>();
  for (const s of stacks) bySize.set(s.sizeKiB, (bySize.get(s.sizeKiB) ?? 0) + 1);
  const sizes = [...bySize].map(([sizeKiB, count]) => ({ sizeKiB, count })).sort((a, b) => b.count - a.count || b.sizeKiB - a.sizeKiB);
  // A guard mapping may hold a neighbour's reserve too: count a guard of at most the common guard size.
  const guards = stacks.map((s) => s.guardKiB ?? 0).filter((g) => g > 0).sort((a, b) => a - b);
  const guardKiB = guards.length ? guards[0] : 0;
  const stackKiB = stacks.reduce((a, s) => a + s.sizeKiB + Math.min(s.guardKiB ?? 0, guardKiB), 0);
  const mappedKiB = entries.reduce((a, e) => a + Number((e.end - e.start) / KiB), 0);
  const ut = userTop(entries, wordSize);
  const userSpaceKiB = opts.userSpaceKiB ?? Number(ut.top / KiB);
  const userSpaceFrom = opts.userSpaceKiB !== undefined ? 'given (a cap such as ulimit -v)' : ut.from;
  const top = ut.top;
  const freeKiB = Math.max(0, userSpaceKiB - mappedKiB);
  let moreThreads: number | undefined;
  const common = sizes[0];
  if (common && opts.userSpaceKiB !== undefined) moreThreads = Math.floor(freeKiB / (common.sizeKiB + guardKiB));
  else if (common) {
    const need = BigInt(common.sizeKiB + guardKiB) * KiB;
    let prev = MIN_ADDR;
    let k = 0n;
    for (const e of entries) {
      // Below the main stack the kernel keeps stack_guard_gap (256 pages by default) free for it to grow into.
      const end = e.path === '[stack]' ? e.start - STACK_GUARD_GAP : e.start;
      if (end > prev) k += (end - prev) / need;
      if (e.end > prev) prev = e.end;
    }
    if (top > prev) k += (top - prev) / need;
    // Gaps between mappings, from mmap_min_addr to the top of user space: what mmap can still place.
    moreThreads = Number(k);
  }
  const shareOfUserSpace = userSpaceKiB ? stackKiB / userSpaceKiB : 0;
  const shareOfMapped = mappedKiB ? stackKiB / mappedKiB : 0;
  const n = stacks.length;
  const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 0)}%`;
  const space = kib(userSpaceKiB);
  let verdict: ThreadStacksDoc['verdict'] = 'ok';
  if (common && moreThreads !== undefined && (moreThreads < Math.max(8, n / 4) || freeKiB < 4 * (common.sizeKiB + guardKiB)) && shareOfUserSpace >= 0.25) verdict = 'address space nearly exhausted';
  else if (shareOfUserSpace >= 0.5) verdict = 'stacks take most of the address space';
  const threadsSaid = opts.threads !== undefined ? `${opts.threads} thread(s) (${opts.threadsFrom})` : 'an unknown number of threads (no thread list given)';
  const parts: string[] = [];
  if (!n) parts.push(`no thread stack found (no rw mapping right above a guard page); ${threadsSaid}`);
  else {
    const c = common!;
    parts.push(
      `${n} thread stack mapping(s) for ${threadsSaid}` +
        (opts.threads !== undefined && opts.threads - 1 !== n ? ` (expected ${opts.threads - 1} besides the main thread's)` : '') +
        `; ${c.count} × ${kib(c.sizeKiB)}${sizes.length > 1 ? ` and ${n - c.count} of other sizes` : ''}${guardKiB ? ` + ${kib(guardKiB)} guard each` : ''}`,
    );
    parts.push(`${kib(stackKiB)} of virtual memory in thread stacks: ${pct(shareOfUserSpace)} of the ${space} user space (${userSpaceFrom}), ${pct(shareOfMapped)} of the ${kib(mappedKiB)} mapped`);
    parts.push(`${kib(freeKiB)} of the user space is not mapped; about ${moreThreads} more thread(s) with a ${kib(c.sizeKiB)} stack fit in the gaps`);
  }
  let fix: string | undefined;
  if (verdict !== 'ok' && common) {
    const c = common;
    parts.push(
      verdict === 'address space nearly exhausted'
        ? `${n} threads × ${kib(c.sizeKiB)} leave too little of the ${space} user space: pthread_create fails with EAGAIN (and mmap/malloc with ENOMEM) after about ${moreThreads} more`
        : `the stacks take ${pct(shareOfUserSpace)} of the ${space} user space`,
    );
    const small = c.sizeKiB > 2048 ? 2048 : Math.max(256, c.sizeKiB / 4);
    fix =
      `give threads a smaller stack: pthread_attr_setstacksize(&attr, ${kib(small)}) before pthread_create, or start the process with \`ulimit -s ${small}\` (glibc takes the default thread stack size from the stack limit; ${kib(c.sizeKiB)} now${c.sizeKiB === 8192 ? ', the usual 8 MiB default' : ''}) — ${kib(small)} stacks would take ${kib(n * (small + guardKiB))} instead of ${kib(stackKiB)}` +
      (wordSize === 4 ? '; or build the program for 64-bit' : '');
  }
  return {
    kind: 'thread-stacks', version: TEXT_JSON_VERSION, source: opts.source, inputs: opts.inputs, wordSize, threads: opts.threads, threadsFrom: opts.threadsFrom,
    stacks, mainStack, sizes, stackKiB, mappedKiB, userSpaceKiB, userSpaceFrom, shareOfUserSpace, shareOfMapped, freeKiB, moreThreads, verdict,
    summary: parts.map((p) => p[0].toUpperCase() + p.slice(1)).join('. ') + '.', fix, missing: opts.missing,
  };
}

/** Whether the stacks are worth a word next to a core's threads: a 32-bit address space, or a verdict other than ok (a 64-bit one has room for millions more). */
export function stacksMatter(d: ThreadStacksDoc): boolean {
  return d.stacks.length > 0 && (d.wordSize === 4 || d.verdict !== 'ok');
}

/** A core's thread stacks when they are worth showing beside its threads (CLI, report, app); undefined for a raw dump, one thread, or stacks that do not matter. */
export function coreThreadStacks(json: AnalysisJSON): ThreadStacksDoc | undefined {
  if (json.format === 'raw' || json.threads.length < 2) return undefined;
  try {
    const d = threadStacksFromCore(json);
    return stacksMatter(d) ? d : undefined;
  } catch {
    return undefined;
  }
}

/** From a memory map document (and the thread list of the same process, when there is one). */
export function threadStacksFromMaps(maps: MapsDoc, threads?: ThreadsDoc, opts: ThreadStacksOptions = {}): ThreadStacksDoc {
  const entries: MapsEntry[] = maps.regions.map((r) => ({
    start: BigInt(r.start), end: BigInt(r.end), perms: r.perms, share: r.share, path: r.path, line: r.line, format: maps.format,
  }));
  const snap = threads?.snapshots[threads.snapshots.length - 1];
  const missing: string[] = [];
  if (!snap) missing.push('a thread list (top -H -b -n 1 -p PID or ps -L -p PID) to count the threads');
  if (maps.format === 'pmap-x' || maps.format === 'pmap') missing.push('pmap prints no file offsets or inodes: anonymous memory is told from file mappings by the missing name only');
  return analyzeStacks(entries, maps.wordSize, {
    ...opts, source: 'maps', inputs: [maps.input.name, ...(threads ? [threads.input.name] : [])],
    threads: snap ? snap.total ?? snap.rows : undefined, threadsFrom: snap && threads ? `${threads.source === 'top' ? 'top -H' : 'ps -L'}, ${threads.input.name}` : undefined, missing,
  });
}

/** From a core's analysis (heaplens analyze/map JSON): regions labelled stack/guard and the thread notes. */
export function threadStacksFromCore(json: AnalysisJSON, opts: ThreadStacksOptions = {}): ThreadStacksDoc {
  const missing: string[] = [];
  const entries: MapsEntry[] = json.regions.map((r, i) => ({
    start: BigInt(r.start), end: BigInt(r.end), perms: r.perms === '?' ? 'r--' : r.perms.slice(0, 3),
    path: r.file ?? (r.label === 'stack' && /^main thread/.test(r.detail ?? '') ? '[stack]' : r.label === 'vdso' ? '[vdso]' : r.label === 'vvar' ? '[vvar]' : undefined),
    line: i + 1, format: 'proc-maps' as const,
  }));
  const byStart = new Map(json.regions.filter((r) => r.tid !== undefined && r.label === 'stack' && !/^main thread/.test(r.detail ?? '')).map((r) => [BigInt(r.start), r.tid!]));
  const doc = analyzeStacks(entries, json.wordSize, { ...opts, source: 'core', inputs: [json.input.name], threads: json.threads.length || undefined, threadsFrom: json.threads.length ? 'the core\'s thread notes' : undefined, tidAt: (s) => byStart.get(s), missing });
  const unguarded = doc.stacks.filter((s) => s.guardKiB === undefined).length;
  if (unguarded) missing.push(`${unguarded} thread stack(s) have no guard mapping below them in the core (gcore leaves no-access mappings out): guard sizes unknown, and stack-sized mappings of exited threads cannot be told`);
  if (!json.threads.length) missing.push('the core has no thread notes (NT_PRSTATUS): the thread count is unknown');
  if (json.regions.some((r) => r.perms === '?')) missing.push('some mappings have no segment in the core and unknown permissions');
  const withoutSp = doc.stacks.filter((s) => s.tid === undefined).length;
  if (withoutSp && json.threads.length) doc.summary += ` ${withoutSp} stack-sized mapping(s) hold no thread's stack pointer (cached stacks of exited threads, or not stacks).`;
  return doc;
}
