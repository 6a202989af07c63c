// Three or more heap profiles of one process (tcmalloc's HEAPPROFILE writes prof.0001.heap,
// prof.0002.heap… as it runs; jemalloc's prof.dump likewise): each function's in-use bytes
// followed from profile to profile and its pattern named, as `heaplens diff A B C…` does for cores —
// a leak grows at every step, a cache fills and then stays flat. pprof's --base compares two.
import { type TrendRow, trendRows } from '../trend';
import type { HeapProfileDoc } from './heapprofile';
import { TEXT_JSON_VERSION } from './common';

export interface HeapTrendDoc {
  kind: 'heap-profile-trend';
  version: number;
  /** The profiles in the order taken. */
  profiles: { name: string; inuseBytes: number; inuseObjects: number }[];
  /** How that order was found: the sequence numbers in the names, or as given. */
  orderedBy: 'sequence number in the name' | 'as given';
  /** Every function with in-use memory in some profile (flat: as the first frame below the allocator): points per profile, pattern; steady growers first. */
  functions: TrendRow[];
  /** The steady growers first, then the plateaus, in sentences. */
  findings: string[];
  diagnostics: { level: 'info' | 'warning' | 'error'; code: string; message: string }[];
}

/** The last run of digits in a file name (prof.0012.heap → 12), when there is one. */
function sequenceOf(name: string): number | undefined {
  const m = /(\d+)(?!.*\d)/.exec(name.replace(/^.*[\\/]/, ''));
  return m ? Number(m[1]) : undefined;
}

/** Profiles in the order taken: by the sequence numbers in their names when all have distinct ones (a browser hands dropped files in any order), else as given. */
export function orderProfiles<T extends { input: { name: string } }>(docs: T[]): { docs: T[]; orderedBy: HeapTrendDoc['orderedBy'] } {
  const seq = docs.map((d) => sequenceOf(d.input.name));
  if (seq.every((s) => s !== undefined) && new Set(seq).size === docs.length) {
    return { docs: docs.map((d, i) => [d, seq[i]!] as const).sort((a, b) => a[1] - b[1]).map(([d]) => d), orderedBy: 'sequence number in the name' };
  }
  return { docs, orderedBy: 'as given' };
}

export function trendHeapProfiles(given: HeapProfileDoc[]): HeapTrendDoc {
  if (given.length < 2) throw new Error(`a trend needs at least two heap profiles (got ${given.length})`);
  const { docs, orderedBy } = orderProfiles(given);
  const diagnostics: HeapTrendDoc['diagnostics'] = [];
  const programs = new Set(docs.map((d) => d.program?.replace(/^.*\//, '')).filter(Boolean));
  if (programs.size > 1) diagnostics.push({ level: 'warning', code: 'heap-trend.other-program', message: `the profiles are of different programs (${[...programs].join(', ')})` });
  if (new Set(docs.map((d) => d.sampling.kind)).size > 1) diagnostics.push({ level: 'warning', code: 'heap-trend.sampling', message: 'some profiles are sampled and some exact: the changes are estimates' });
  const functions = trendRows(docs.map((d) => ({
    cut: false,
    list: d.functions.filter((f) => f.flatBytes > 0 || f.flatObjects > 0).map((f) => ({ key: f.name, label: f.name, count: Math.round(f.flatObjects), bytes: Math.round(f.flatBytes) })),
  })));
  const n = docs.length;
  const fmt = (x: number) => x.toLocaleString('en-US');
  const line = (r: TrendRow, tail: string) => {
    const pts = r.points as { count: number; bytes: number }[];
    return `${r.label}: ${pts.map((p) => fmt(p.bytes)).join(' → ')} bytes in use (${pts.map((p) => fmt(p.count)).join(' → ')} objects) — ${tail}`;
  };
  const findings: string[] = [];
  for (const r of functions.filter((x) => x.pattern === 'steady').slice(0, 5)) findings.push(line(r, `grew at every one of the ${n - 1} steps: how a leak looks`));
  for (const r of functions.filter((x) => x.pattern === 'plateau').slice(0, 3)) findings.push(line(r, 'grew, then stayed flat: a cache or a pool filling up rather than a leak'));
  if (!findings.length) findings.push(`no function's in-use memory grew at every one of the ${n - 1} steps`);
  return {
    kind: 'heap-profile-trend', version: TEXT_JSON_VERSION, orderedBy, diagnostics, functions, findings,
    profiles: docs.map((d) => ({ name: d.input.name, inuseBytes: d.totals.inuseBytes, inuseObjects: d.totals.inuseObjects })),
  };
}
