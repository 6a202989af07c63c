// Two or more snapshots of one process's memory map (pmap -x, smaps, maps…) → the regions that
// grew, by resident (or dirty) memory, sorted — the seed's `diff pmap.01 pmap.02 | awk | sort` —
// the new and vanished regions, growth per second when the snapshots carry times, one series per
// region for a chart; with a thread list of the same process, "N threads named X ↔ N regions
// growing together" (seed 001 case 3).
import { type MapKind, type MapRegion, type MapsDoc, kib } from './maps';
import { TEXT_JSON_VERSION } from './common';
import type { ThreadsDoc } from './threads';

/** What the growth is measured in: resident kB when every snapshot has it, else the mapping size. */
export type MapsMeasure = 'rss' | 'size';

export interface RegionTrack {
  /** The region in the last snapshot where it exists (start/end hex). */
  start: string;
  end: string;
  kind: MapKind;
  perms: string;
  path?: string;
  /** How it was followed from one snapshot to the next: same start, same end (grew or shrank at its start), or overlap (merged/split). */
  matchedBy: 'start' | 'end' | 'overlap';
  /** Per snapshot: the region's value in the measure (KiB), null where it does not exist. */
  values: (number | null)[];
  /** Per snapshot: its size in KiB, null where it does not exist. */
  sizes: (number | null)[];
  /** Per snapshot: dirty KiB, when the format has it. */
  dirty?: (number | null)[];
  /** Last − first existing value of the measure (KiB). */
  growthKiB: number;
  sizeGrowthKiB: number;
  dirtyGrowthKiB?: number;
  /** KiB per second from the first snapshot holding it to the last, when times are known. */
  perSecond?: number;
  /** Present in the last snapshot but not the first / in the first but not the last. */
  isNew: boolean;
  vanished: boolean;
}

export interface MapsCorrelation {
  /** The regions that grew together (starts, hex). */
  regions: string[];
  /** Thread name (or family like handler-#) whose count equals the number of regions. */
  name: string;
  threads: number;
  /** The whole statement in a sentence. */
  summary: string;
}

export interface MapsDiffDoc {
  kind: 'maps-diff';
  version: number;
  pid?: number;
  measure: MapsMeasure;
  /** The snapshots in time order (time order when all have times, else the order given). */
  snapshots: { name: string; time?: number; format: string; regions: number; sizeKiB: number; rssKiB?: number; dirtyKiB?: number }[];
  /** Seconds from the first snapshot to the last, when known. */
  seconds?: number;
  /** Regions whose measure grew, most first (present in the first and last snapshots). */
  grown: RegionTrack[];
  /** Regions whose measure fell, most first. */
  shrunk: RegionTrack[];
  added: RegionTrack[];
  vanished: RegionTrack[];
  /** The regions that grew most together: those within a factor 8 of the largest growth (≥ 64 KiB). */
  growing: string[];
  /** Total growth of the measure over all regions, KiB; per second when times are known. */
  totalGrowthKiB: number;
  perSecond?: number;
  /** The N threads ↔ N regions statement, when a thread list was given and a name's count matches. */
  correlation?: MapsCorrelation;
  /** Why there is no correlation, when a thread list was given. */
  correlationNote?: string;
  /** Chart: x = seconds since the first snapshot (or snapshot index), one series per region among the largest growers. */
  chart: { x: number[]; xIsTime: boolean; series: { label: string; start: string; values: (number | null)[] }[] };
  findings: string[];
  diagnostics: { level: 'info' | 'warning' | 'error'; code: string; message: string }[];
}

const big = (h: string) => BigInt(h);

/** Follows each region of `b` back to a region of `a`: same start, else same end (same permissions), else the most overlap (same permissions). */
function matchRegions(a: MapRegion[], b: MapRegion[]): Map<number, { i: number; by: RegionTrack['matchedBy'] }> {
  const byStart = new Map(a.map((r, i) => [r.start, i]));
  const byEnd = new Map(a.map((r, i) => [r.end, i]));
  const used = new Set<number>();
  const out = new Map<number, { i: number; by: RegionTrack['matchedBy'] }>();
  b.forEach((r, j) => {
    const i = byStart.get(r.start);
    if (i !== undefined && !used.has(i)) {
      used.add(i);
      out.set(j, { i, by: 'start' });
    }
  });
  b.forEach((r, j) => {
    if (out.has(j)) return;
    const i = byEnd.get(r.end);
    if (i !== undefined && !used.has(i) && a[i].perms === r.perms) {
      used.add(i);
      out.set(j, { i, by: 'end' });
    }
  });
  // Overlap: the unmatched region of a, with the same permissions, that shares most bytes with the unmatched region of b.
  const rest = a.map((r, i) => ({ r, i, s: big(r.start), e: big(r.end) })).filter((x) => !used.has(x.i));
  b.forEach((r, j) => {
    if (out.has(j)) return;
    const s = big(r.start);
    const e = big(r.end);
    let best: { i: number; o: bigint } | undefined;
    for (const x of rest) {
      if (used.has(x.i) || x.e <= s || x.s >= e || x.r.perms !== r.perms) continue;
      const o = (x.e < e ? x.e : e) - (x.s > s ? x.s : s);
      if (!best || o > best.o) best = { i: x.i, o };
    }
    if (best) {
      used.add(best.i);
      out.set(j, { i: best.i, by: 'overlap' });
    }
  });
  return out;
}

export interface CompareMapsOptions {
  /** Thread lists (top -H, ps -L) of the process, for the N threads ↔ N regions correlation. */
  threads?: ThreadsDoc[];
  /** Series in the chart (default 12). */
  chartSeries?: number;
}

/**
 * Compares two or more map snapshots of one process (earliest first; sorted by time when every
 * snapshot has one). Regions are followed from each snapshot to the next.
 */
export function compareMaps(docs: MapsDoc[], opts: CompareMapsOptions = {}): MapsDiffDoc {
  const diagnostics: MapsDiffDoc['diagnostics'] = [];
  let snaps = [...docs];
  const timed = snaps.every((d) => d.time !== undefined);
  if (timed) snaps.sort((x, y) => x.time! - y.time!);
  const pids = new Set(snaps.map((d) => d.pid).filter((p) => p !== undefined));
  if (pids.size > 1) diagnostics.push({ level: 'warning', code: 'maps.pids', message: `the snapshots are of different processes (${[...pids].join(', ')}): regions are matched by address anyway` });
  const measure: MapsMeasure = snaps.every((d) => d.counters.includes('rss')) ? 'rss' : 'size';
  const withDirty = snaps.every((d) => d.counters.includes('dirty'));
  if (measure === 'size') diagnostics.push({ level: 'info', code: 'maps.no-rss', message: 'not every snapshot has resident sizes (maps, pmap without -x, gdb): growth is of mapping sizes (virtual memory)' });
  const val = (r: MapRegion) => (measure === 'rss' ? r.rssKiB! : r.sizeKiB);
  // Tracks: each region of each snapshot belongs to one track.
  const tracks: { cells: (MapRegion | null)[]; by: RegionTrack['matchedBy'] }[] = [];
  let prevTrackOf: number[] = [];
  snaps.forEach((d, k) => {
    const trackOf: number[] = [];
    const m = k ? matchRegions(snaps[k - 1].regions, d.regions) : new Map();
    d.regions.forEach((r, j) => {
      const hit = m.get(j);
      let t: number;
      if (hit) {
        t = prevTrackOf[hit.i];
        if (hit.by !== 'start' && tracks[t].by === 'start') tracks[t].by = hit.by;
      } else {
        t = tracks.length;
        tracks.push({ cells: snaps.map(() => null), by: 'start' });
      }
      tracks[t].cells[k] = r;
      trackOf[j] = t;
    });
    prevTrackOf = trackOf;
  });
  const t0 = snaps[0]?.time;
  const xs = snaps.map((d, i) => (timed ? d.time! - t0! : i));
  const seconds = timed && snaps.length > 1 ? xs[xs.length - 1] : undefined;
  const last = snaps.length - 1;
  const out: RegionTrack[] = tracks.map((t) => {
    const present = t.cells.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
    const f = present[0];
    const l = present[present.length - 1];
    const lr = t.cells[l]!;
    const values = t.cells.map((c) => (c ? val(c) : null));
    const sizes = t.cells.map((c) => (c ? c.sizeKiB : null));
    const isNew = f > 0;
    const vanished = l < last;
    // New regions grew from nothing; vanished ones fell to nothing.
    const growthKiB = (vanished ? 0 : values[l]!) - (isNew ? 0 : values[f]!);
    const tr: RegionTrack = {
      start: lr.start, end: lr.end, kind: lr.kind, perms: lr.perms, matchedBy: t.by, values, sizes,
      growthKiB, sizeGrowthKiB: (vanished ? 0 : sizes[l]!) - (isNew ? 0 : sizes[f]!), isNew, vanished,
    };
    if (lr.path) tr.path = lr.path;
    if (withDirty) {
      tr.dirty = t.cells.map((c) => (c ? c.dirtyKiB! : null));
      tr.dirtyGrowthKiB = (vanished ? 0 : tr.dirty[l]!) - (isNew ? 0 : tr.dirty[f]!);
    }
    if (seconds) tr.perSecond = growthKiB / seconds;
    return tr;
  });
  const both = out.filter((t) => !t.isNew && !t.vanished);
  const grown = both.filter((t) => t.growthKiB > 0).sort((a, b) => b.growthKiB - a.growthKiB || (a.start < b.start ? -1 : 1));
  const shrunk = both.filter((t) => t.growthKiB < 0).sort((a, b) => a.growthKiB - b.growthKiB);
  const added = out.filter((t) => t.isNew && !t.vanished).sort((a, b) => b.growthKiB - a.growthKiB);
  const vanished = out.filter((t) => t.vanished && !t.isNew).sort((a, b) => a.growthKiB - b.growthKiB);
  const totalGrowthKiB = out.reduce((a, t) => a + t.growthKiB, 0);
  // Growing together: the growers (old or new) within a factor 8 of the largest, at least 64 KiB each.
  const growers = [...grown, ...added].sort((a, b) => b.growthKiB - a.growthKiB);
  const top = growers[0]?.growthKiB ?? 0;
  const growing = growers.filter((t) => t.growthKiB >= Math.max(64, top / 8));
  const findings: string[] = [];
  const rate = (k: number) => (seconds ? `, ${kib(Math.round((k / seconds) * 10) / 10)}/s` : '');
  const what = measure === 'rss' ? 'resident memory' : 'mapped size';
  if (snaps.length > 1) {
    findings.push(`${what} ${totalGrowthKiB >= 0 ? 'grew' : 'fell'} by ${kib(Math.abs(totalGrowthKiB))} over ${snaps.length} snapshots${seconds ? ` in ${seconds.toFixed(seconds < 10 ? 1 : 0)} s` : ''}${totalGrowthKiB > 0 ? rate(totalGrowthKiB) : ''}`);
    if (growing.length) {
      const sum = growing.reduce((a, t) => a + t.growthKiB, 0);
      findings.push(`${growing.length} region(s) grew most (${kib(sum)} together${rate(sum)}): ${growing.slice(0, 8).map((t) => `${t.start} ${t.kind} +${kib(t.growthKiB)}`).join(', ')}${growing.length > 8 ? ', …' : ''}`);
    } else findings.push(`no region grew by 64 KiB or more`);
    if (added.length) findings.push(`${added.length} new region(s), ${kib(added.reduce((a, t) => a + (t.values[last] ?? 0), 0))}`);
    if (vanished.length) findings.push(`${vanished.length} region(s) vanished`);
  } else diagnostics.push({ level: 'warning', code: 'maps.one-snapshot', message: 'one snapshot only: nothing to compare' });
  let correlation: MapsCorrelation | undefined;
  let correlationNote: string | undefined;
  if (opts.threads?.length && growing.length) {
    const r = correlate(growing, opts.threads, [...pids][0] as number | undefined);
    correlation = r.correlation;
    correlationNote = r.note;
    if (correlation) findings.push(correlation.summary);
  }
  const n = opts.chartSeries ?? 12;
  const chartTracks = [...growing, ...growers.filter((t) => !growing.includes(t))].slice(0, n);
  const snapSum = (d: MapsDoc) => ({
    name: d.input.name, time: d.time, format: d.format, regions: d.regions.length, sizeKiB: d.total.sizeKiB,
    ...(d.total.rssKiB !== undefined ? { rssKiB: d.total.rssKiB } : {}), ...(d.total.dirtyKiB !== undefined ? { dirtyKiB: d.total.dirtyKiB } : {}),
  });
  return {
    kind: 'maps-diff', version: TEXT_JSON_VERSION, pid: [...pids][0] as number | undefined, measure, snapshots: snaps.map(snapSum), seconds,
    grown, shrunk, added, vanished, growing: growing.map((t) => t.start), totalGrowthKiB, perSecond: seconds ? totalGrowthKiB / seconds : undefined,
    correlation, correlationNote,
    chart: { x: xs, xIsTime: timed, series: chartTracks.map((t) => ({ label: `${t.start} ${t.path ?? t.kind}`, start: t.start, values: t.values })) },
    findings, diagnostics,
  };
}

/** N regions growing together ↔ a thread name (or digit family) with exactly N threads. */
function correlate(growing: RegionTrack[], threads: ThreadsDoc[], pid: number | undefined): { correlation?: MapsCorrelation; note?: string } {
  // The thread list of this process: top -H lists tids (the main thread's tid is the pid); ps -L has a PID column.
  const lists = threads.filter((t) => t.threads && t.snapshots.length);
  const mine = pid === undefined ? lists : lists.filter((t) => t.snapshots.some((s) => s.processes.some((p) => p.pid === pid) || s.groups.some((g) => g.ids.includes(pid))));
  const doc = mine[mine.length - 1];
  if (!doc) return { note: lists.length ? `no thread list of process ${pid} was given (the lists given are of other processes)` : 'no thread list (top -H or ps -L) was given' };
  const snap = doc.snapshots[doc.snapshots.length - 1];
  const n = growing.length;
  const names = snap.groups.filter((g) => g.count === n).map((g) => ({ name: g.name, count: g.count }));
  const fams = snap.families.filter((f) => f.count === n).map((f) => ({ name: f.family, count: f.count }));
  const cands = [...names, ...fams];
  const each = Math.round(growing.reduce((a, t) => a + t.growthKiB, 0) / n);
  if (!cands.length) {
    // 32-bit: an arena grows by 1 MiB heaps, each its own mapping, interleaved with other arenas'.
    const heaps = growing.filter((t) => t.kind === 'arena').length;
    const why = heaps > 1 && growing.every((t) => BigInt(t.start) < 0x1_0000_0000n) ? `; ${heaps === n ? 'they are' : `${heaps} of them are`} 32-bit arena heaps (1 MiB each: an arena has as many as it needs, and threads share arenas past 2 per core), so regions do not count arenas or threads here` : '';
    return { note: `${n} region(s) grew together, and no thread name has ${n} thread(s) in ${doc.input.name} (${snap.groups.slice(0, 5).map((g) => `${g.count} ${g.name}`).join(', ')})${why}` };
  }
  const c = cands[0];
  const others = cands.slice(1).map((x) => x.name);
  const summary =
    `${n} region(s) grew together (about ${kib(each)} each) and ${c.count} thread(s) are named ${JSON.stringify(c.name)} in ${doc.input.name}: ` +
    `likely one growing region per ${c.name} thread — look at what those threads allocate` +
    (others.length ? ` (also ${others.length} other name(s) with ${n}: ${others.slice(0, 4).join(', ')})` : '');
  return { correlation: { regions: growing.map((t) => t.start), name: c.name, threads: c.count, summary } };
}
