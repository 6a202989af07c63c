// The front door for text evidence: recognize the format from the content (never the file
// name), parse it line by line through the ByteSource, and compare two documents of a kind.
import type { ByteSource } from '../bytesource';
import type { Binary } from '../elf/symbols';
import { type TextDocBase, type TextImporter, TEXT_JSON_VERSION, firstLines } from './common';
import { fitGrowth } from './growth';
import { type HeapDiffDoc, type HeapProfileDoc, diffHeapProfiles, heapProfileImporter } from './heapprofile';
import { type HeapTrendDoc, orderProfiles, trendHeapProfiles } from './heaptrend';
import { forEachLine, readHead } from './lines';
import { type MapsDoc, mapsImporter } from './maps';
import { type MapsDiffDoc, compareMaps } from './maps-diff';
import { type MemGrowth, type MeminfoDoc, memGrowth, meminfoImporter } from './meminfo';
import { type SeriesDoc, growthSentence, pidstatImporter, statusImporter } from './series';
import { type ThreadStacksDoc, threadStacksFromMaps } from './stacks';
import { type StraceDoc, straceImporter } from './strace';
import { type ThreadsDoc, psImporter, topImporter } from './threads';
import { type ValgrindDoc, valgrindImporter } from './valgrind';

export type { HeapDiffDoc, HeapProfileDoc, MapsDoc, MapsDiffDoc, MeminfoDoc, SeriesDoc, StraceDoc, ThreadsDoc, ValgrindDoc };

export interface UnknownTextDoc extends TextDocBase {
  kind: 'unknown-text';
  /** Why nothing matched, in a sentence. */
  reason: string;
  /** The first lines seen (cut at 160 characters). */
  firstLines: string[];
  /** Formats that matched a little, with their confidence. */
  candidates: { kind: string; title: string; confidence: number }[];
}

export type TextDocument = MapsDoc | ThreadsDoc | SeriesDoc | MeminfoDoc | StraceDoc | ValgrindDoc | HeapProfileDoc | UnknownTextDoc;
export type TextKind = TextDocument['kind'];

export interface MeminfoDiffDoc {
  kind: 'meminfo-diff';
  version: number;
  base: string;
  current: string;
  growth: MemGrowth;
}

export interface ThreadsDiffDoc {
  kind: 'threads-diff';
  version: number;
  base: string;
  current: string;
  /** Thread names whose count changed, largest change first. */
  changes: { name: string; first: number; last: number }[];
  rows: { first: number; last: number };
}

export type TextComparison = MapsDiffDoc | MeminfoDiffDoc | ThreadsDiffDoc | HeapDiffDoc | HeapTrendDoc | SeriesDoc;

/** Every importer, in the order ties are broken. */
export const TEXT_IMPORTERS: TextImporter[] = [heapProfileImporter, mapsImporter, valgrindImporter, meminfoImporter, statusImporter, pidstatImporter, topImporter, psImporter, straceImporter] as TextImporter[];

export interface Detection {
  importer?: TextImporter;
  kind: TextKind;
  title: string;
  confidence: number;
  candidates: { kind: string; title: string; confidence: number }[];
}

/** Which format the text is, from its first lines (≥ 0.5 confidence wins). */
export function detectText(head: string): Detection {
  const candidates = TEXT_IMPORTERS.map((i) => ({ importer: i, kind: i.kind as string, title: i.title, confidence: safeDetect(i, head) }))
    .filter((c) => c.confidence > 0)
    .sort((a, b) => b.confidence - a.confidence);
  const best = candidates[0];
  const list = candidates.map(({ kind, title, confidence }) => ({ kind, title, confidence }));
  if (best && best.confidence >= 0.5) return { importer: best.importer, kind: best.importer.kind as TextKind, title: best.title, confidence: best.confidence, candidates: list };
  return { kind: 'unknown-text', title: 'unknown text', confidence: 0, candidates: list };
}

function safeDetect(i: TextImporter, head: string): number {
  try {
    return i.detect(head);
  } catch {
    return 0;
  }
}

export interface ReadTextOptions {
  binaries?: Binary[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Bytes read at a time (default 1 MiB). */
  chunkSize?: number;
  /** When the text was taken (epoch seconds), if known from outside its content (a collector's manifest). */
  time?: number;
}

/** Recognizes and parses one text file. Unknown or binary input gives an `unknown-text` document saying so. */
export async function readText(src: ByteSource, opts: ReadTextOptions = {}): Promise<TextDocument> {
  const input = { name: src.name, size: src.size };
  const head = await readHead(src);
  const unknown = (reason: string, candidates: UnknownTextDoc['candidates'] = []): UnknownTextDoc => ({
    kind: 'unknown-text', version: TEXT_JSON_VERSION, input, lines: 0, reason, firstLines: head.binary ? [] : firstLines(head.text), candidates,
    diagnostics: [{ level: 'error', code: 'text.unknown', message: `${src.name}: ${reason}` }],
  });
  if (!src.size) return unknown('the file is empty');
  if (head.binary) {
    const b = await src.read(0, 4);
    const elf = b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
    const gz = b[0] === 0x1f && b[1] === 0x8b;
    return unknown(elf ? 'binary data: an ELF file (cores go to heaplens analyze)' : gz ? 'binary data: gzip (a tar.gz bundle or gzipped text opens as an archive: readBundle; a pprof profile.proto is not text evidence)' : 'binary data, not text');
  }
  const d = detectText(head.text);
  if (!d.importer) return unknown(`unknown text: not a memory map (/proc/PID/maps, smaps, pmap -x/-X, gdb info proc mappings), top, ps, pidstat, /proc/PID/status, /proc/meminfo, strace, valgrind or a heap profile`, d.candidates);
  const parser = d.importer.parser(input, { binaries: opts.binaries, time: opts.time });
  const r = await forEachLine(src, (l, no) => parser.line(l, no), { signal: opts.signal, onProgress: opts.onProgress, chunkSize: opts.chunkSize });
  const doc = parser.finish(r.lines) as TextDocument;
  if (r.cut) doc.diagnostics.push({ level: 'warning', code: 'text.long-lines', message: `${r.cut} line(s) longer than 1 MiB were cut` });
  return doc;
}

/** Merges two series documents of the same kind (samples of one process in two files). */
function mergeSeries(a: SeriesDoc, b: SeriesDoc): SeriesDoc {
  const byPid = new Map(a.series.map((s) => [s.pid, s]));
  const series = b.series.map((s) => {
    const o = byPid.get(s.pid);
    if (!o) return s;
    byPid.delete(s.pid);
    const order = [...(o.times ?? o.values[Object.keys(o.values)[0]].map(() => undefined)).map((t, i) => ({ t, src: o, i })), ...(s.times ?? s.values[Object.keys(s.values)[0]].map(() => undefined)).map((t, i) => ({ t, src: s, i }))];
    if (order.every((x) => x.t !== undefined)) order.sort((x, y) => x.t! - y.t!);
    const values: Record<string, number[]> = {};
    for (const m of Object.keys(s.values)) if (o.values[m]) values[m] = order.map((x) => x.src.values[m][x.i]);
    const times = order.every((x) => x.t !== undefined) ? order.map((x) => x.t!) : undefined;
    const fits: SeriesDoc['series'][number]['fits'] = {};
    const findings: string[] = [];
    for (const m of Object.keys(values)) {
      fits[m] = fitGrowth(times ?? order.map(() => undefined), values[m]);
      if (fits[m].steady) findings.push(growthSentence(m, fits[m]));
    }
    return { pid: s.pid, command: s.command ?? o.command, times, values, fits, findings };
  });
  return { ...b, input: { name: `${a.input.name} + ${b.input.name}`, size: a.input.size + b.input.size }, lines: a.lines + b.lines, diagnostics: [...a.diagnostics, ...b.diagnostics], series: [...byPid.values(), ...series] };
}

/**
 * Two documents of the same kind → what changed from `a` (earlier, the base) to `b`: meminfo
 * growth, thread count changes, heap profile growth (pprof --base), one merged series, or the
 * regions of a memory map that grew (for more than two maps, and with thread lists, compareMaps).
 * Undefined for kinds that have no comparison (strace, valgrind, unknown text).
 */
export function compareTexts(a: TextDocument, b: TextDocument): TextComparison | undefined {
  if (a.kind !== b.kind) return undefined;
  if (a.kind === 'maps' && b.kind === 'maps') return compareMaps([a, b]);
  if (a.kind === 'meminfo' && b.kind === 'meminfo' && a.samples.length && b.samples.length) {
    return { kind: 'meminfo-diff', version: TEXT_JSON_VERSION, base: a.input.name, current: b.input.name, growth: memGrowth(a.samples[a.samples.length - 1], b.samples[b.samples.length - 1]) };
  }
  if (a.kind === 'threads' && b.kind === 'threads' && a.snapshots.length && b.snapshots.length) {
    const x = a.snapshots[a.snapshots.length - 1];
    const y = b.snapshots[b.snapshots.length - 1];
    const fa = new Map(x.groups.map((g) => [g.name, g.count]));
    const fb = new Map(y.groups.map((g) => [g.name, g.count]));
    const changes = [...new Set([...fa.keys(), ...fb.keys()])].map((name) => ({ name, first: fa.get(name) ?? 0, last: fb.get(name) ?? 0 })).filter((c) => c.first !== c.last);
    changes.sort((p, q) => Math.abs(q.last - q.first) - Math.abs(p.last - p.first));
    return { kind: 'threads-diff', version: TEXT_JSON_VERSION, base: a.input.name, current: b.input.name, changes, rows: { first: x.rows, last: y.rows } };
  }
  if (a.kind === 'heap-profile' && b.kind === 'heap-profile') return diffHeapProfiles(a, b);
  if ((a.kind === 'pidstat' || a.kind === 'proc-status') && a.kind === b.kind) return mergeSeries(a, b as SeriesDoc);
  return undefined;
}

/** Everything a set of documents says together: comparisons and thread stacks. */
export interface TextSetAnalysis {
  comparisons: TextComparison[];
  /** Thread stacks against the address space, from the last memory map (with its process's thread list, when given). */
  threadStacks?: ThreadStacksDoc;
}

/**
 * Documents read together (several files, or a collector's bundle): two or more of a kind are
 * compared (the first as the base; memory maps all at once, in time order, with the thread lists
 * for the threads ↔ regions correlation — of one format when several are given for the same
 * snapshots), and the last map gives the thread stacks.
 */
export function analyzeTextSet(docs: TextDocument[]): TextSetAnalysis {
  const comparisons: TextComparison[] = [];
  const byKind = new Map<string, TextDocument[]>();
  for (const d of docs) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d]);
  const lists = (byKind.get('threads') ?? []) as ThreadsDoc[];
  for (const list of byKind.values()) {
    if (list.length < 2) continue;
    if (list[0].kind === 'maps') {
      // One format's snapshots (a bundle holds smaps and pmap -x of each snapshot): the most snapshots, then the richest format.
      const rank = ['smaps', 'pmap-X', 'pmap-x', 'proc-maps', 'gdb', 'pmap'];
      const byFormat = new Map<string, MapsDoc[]>();
      for (const m of list as MapsDoc[]) byFormat.set(m.format, [...(byFormat.get(m.format) ?? []), m]);
      const best = [...byFormat.values()].sort((a, b) => b.length - a.length || rank.indexOf(a[0].format) - rank.indexOf(b[0].format))[0];
      if (best.length >= 2) comparisons.push(compareMaps(best, { threads: lists }));
      continue;
    }
    if (list[0].kind === 'heap-profile') {
      // In the order taken (sequence numbers in the names): the first against the last, as pprof --base; three or more, each function's trend.
      const ordered = orderProfiles(list as HeapProfileDoc[]).docs;
      comparisons.push(diffHeapProfiles(ordered[0], ordered[ordered.length - 1]));
      if (ordered.length >= 3) comparisons.push(trendHeapProfiles(ordered));
      continue;
    }
    const c = compareTexts(list[0], list[list.length - 1]);
    if (c) comparisons.push(c);
  }
  const maps = (byKind.get('maps') ?? []) as MapsDoc[];
  let threadStacks: ThreadStacksDoc | undefined;
  if (maps.length) {
    const timed = maps.every((m) => m.time !== undefined);
    const lastMap = timed ? [...maps].sort((a, b) => a.time! - b.time!)[maps.length - 1] : maps[maps.length - 1];
    const pid = lastMap.pid;
    const mine = lists.filter((t) => t.threads && (pid === undefined || t.snapshots.some((s) => s.processes.some((p) => p.pid === pid) || s.groups.some((g) => g.ids.includes(pid)))));
    threadStacks = threadStacksFromMaps(lastMap, mine[mine.length - 1]);
  }
  return { comparisons, threadStacks };
}

export { heapProfileToPprof, encodePprof } from './pprof';
export { diffHeapProfiles } from './heapprofile';
export { orderProfiles, trendHeapProfiles } from './heaptrend';
export type { HeapTrendDoc } from './heaptrend';
export { sortLossGroups } from './valgrind';
export { compareMaps } from './maps-diff';
export type { CompareMapsOptions, RegionTrack, MapsCorrelation } from './maps-diff';
export type { MapRegion, MapKind, MapTotal } from './maps';
export { threadStacksFromMaps };
export { threadStacksFromCore } from './stacks';
export type { ThreadStacksDoc, ThreadStacksOptions, StackRegion } from './stacks';
export { readBundle, isBundle } from './bundle';
export type { BundleDoc, BundleMemberInfo, CollectManifest } from './bundle';
export { openArchive } from './archive';
export type { Archive, ArchiveMember } from './archive';
