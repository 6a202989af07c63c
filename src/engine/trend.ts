// What grew across three or more dumps of one process (heaplens diff A B C…): every group of the
// heap and leak tables followed from dump to dump, and its pattern named — a leak grows at every
// step; a cache fills and then stays flat; a burst comes and goes. Two dumps cannot tell these
// apart; three can. Built on the same JSON documents as the two-dump diff (diff.ts).
import type { AnalysisJSON } from './analyze';
import { type DiffSide, type GroupTable, type Listed, diffAnalyses, groupLists } from './diff';

/** One group in one dump: known amounts, or only a bound (the group was not in a list that was cut). */
export type TrendPoint = { count: number; bytes: number } | { atMost: number };

export type TrendPattern =
  /** Grew at every step: how a leak looks. */
  | 'steady'
  /** Grew, then stopped growing (a cache filling up, a pool reaching its size). */
  | 'plateau'
  /** More at the end than at the start, not at every step and not flat at the end. */
  | 'grew'
  | 'shrank'
  | 'same'
  /** Absent at the start (known 0), present at the end. */
  | 'new'
  /** Present at the start, absent at the end (known 0). */
  | 'gone'
  /** Some point is only bounded: no pattern can be named. */
  | 'unknown';

export interface TrendRow {
  key: string;
  label: string;
  points: TrendPoint[];
  /** Last − first, when both are known (absent known as 0 counts as known). */
  delta?: { count: number; bytes: number };
  /** Byte changes between consecutive dumps, when both ends are known. */
  steps: (number | null)[];
  pattern: TrendPattern;
}

export interface TrendJSON {
  kind: 'trend';
  version: number;
  generator: string;
  dumps: DiffSide[];
  /** How consecutive dumps were matched to one process (as the two-dump diff does). */
  matches: ('build-id' | 'pid' | 'command' | 'none')[];
  warnings: string[];
  tables: Partial<Record<GroupTable, TrendRow[]>>;
  /** Plain sentences: the steady growers first (what a leak looks like), then the plateaus. */
  findings: string[];
}

const GENERATOR = 'heaplens 0.1.0';

/** Where a row's bytes per dump sit in a W × H sparkline (3 px margins; a bound drawn at its bound). */
export function sparkPoints(row: TrendRow, W: number, H: number): { x: number; y: number; bytes: number; bounded: boolean }[] {
  const v = row.points.map((p) => ('atMost' in p ? p.atMost : p.bytes));
  const max = Math.max(1, ...v);
  return v.map((b, i) => ({ x: 3 + (i * (W - 6)) / Math.max(1, v.length - 1), y: H - 3 - (b / max) * (H - 6), bytes: b, bounded: 'atMost' in row.points[i] }));
}

/** Rows of one table across the dumps, steady growers first, each kind by growth. */
export function trendRows(lists: ({ list: Listed[]; cut: boolean } | undefined)[]): TrendRow[] {
  const maps = lists.map((l) => new Map((l?.list ?? []).map((x) => [x.key, x])));
  const bound = lists.map((l) => (l?.list.length ? Math.min(...l.list.map((x) => x.bytes)) : 0));
  const keys = new Set<string>();
  for (const m of maps) for (const k of m.keys()) keys.add(k);
  const rows: TrendRow[] = [];
  for (const key of keys) {
    let label = key;
    const points: TrendPoint[] = maps.map((m, i) => {
      const x = m.get(key);
      if (x) {
        label = x.label;
        return { count: x.count, bytes: x.bytes };
      }
      return lists[i]?.cut ? { atMost: bound[i] } : { count: 0, bytes: 0 };
    });
    const known = (p: TrendPoint): p is { count: number; bytes: number } => !('atMost' in p);
    const steps = points.slice(1).map((p, i) => (known(p) && known(points[i]) ? p.bytes - points[i].bytes : null));
    const first = points[0];
    const last = points[points.length - 1];
    const row: TrendRow = { key, label, points, steps, pattern: 'unknown' };
    if (known(first) && known(last)) row.delta = { count: last.count - first.count, bytes: last.bytes - first.bytes };
    if (steps.every((s) => s !== null)) {
      const st = steps as number[];
      const d = row.delta!;
      const c0 = (first as { count: number }).count;
      const c1 = (last as { count: number }).count;
      if (st.every((s) => s > 0)) row.pattern = c0 === 0 ? 'new' : 'steady';
      else if (st.every((s) => s === 0)) row.pattern = 'same';
      // Grew, then flat (from nothing too: a cache created after the first dump that filled up).
      else if (d.bytes > 0 && st[st.length - 1] === 0 && st.some((s) => s > 0)) row.pattern = 'plateau';
      else if (c0 === 0 && d.bytes > 0) row.pattern = 'new';
      else if (c1 === 0 && d.bytes < 0) row.pattern = 'gone';
      else if (d.bytes > 0) row.pattern = 'grew';
      else if (d.bytes < 0) row.pattern = 'shrank';
      else row.pattern = 'same';
    }
    rows.push(row);
  }
  const rank: Record<TrendPattern, number> = { steady: 0, new: 1, grew: 2, plateau: 3, unknown: 4, same: 5, shrank: 6, gone: 7 };
  return rows.sort((p, q) => rank[p.pattern] - rank[q.pattern] || (q.delta?.bytes ?? 0) - (p.delta?.bytes ?? 0) || p.key.localeCompare(q.key));
}

/** Three or more analyses of one process, in the order they were taken. */
export function trendAnalyses(docs: AnalysisJSON[]): TrendJSON {
  if (docs.length < 2) throw new Error(`a trend needs at least two dumps (got ${docs.length})`);
  const warnings: string[] = [];
  const matches: TrendJSON['matches'] = [];
  let dumps: DiffSide[] = [];
  for (let i = 0; i + 1 < docs.length; i++) {
    const d = diffAnalyses(docs[i], docs[i + 1]);
    if (i === 0) dumps = [d.a];
    dumps.push(d.b);
    matches.push(d.match);
    for (const w of d.warnings) warnings.push(`dumps ${i + 1} → ${i + 2}: ${w}`);
  }
  const groups = docs.map(groupLists);
  const tables: TrendJSON['tables'] = {};
  const all: GroupTable[] = ['heap.states', 'heap.byType', 'heap.bySize', 'heap.bySignature', 'leaks.verdicts', 'leaks.byType', 'leaks.bySize', 'leaks.bySignature'];
  for (const t of all) {
    const lists = groups.map((g) => g[t]);
    const have = lists.filter(Boolean).length;
    if (have === docs.length) tables[t] = trendRows(lists);
    else if (have && (t === 'heap.states' || t === 'leaks.verdicts')) warnings.push(`only ${have} of ${docs.length} dumps have ${t === 'heap.states' ? 'a reconstructed heap' : 'a leak analysis'}: those tables are not followed`);
  }
  const findings: string[] = [];
  const n = docs.length;
  const fmt = (x: number) => x.toLocaleString('en-US');
  const describe = (r: TrendRow, tail: string) => {
    const pts = r.points as { count: number; bytes: number }[];
    return `${r.label}: ${pts.map((p) => fmt(p.count)).join(' → ')} blocks, ${r.delta!.bytes >= 0 ? '+' : ''}${fmt(r.delta!.bytes)} bytes — ${tail}`;
  };
  const types = tables['heap.byType'] ?? [];
  for (const r of types.filter((x) => x.pattern === 'steady').slice(0, 5)) findings.push(describe(r, `grew at every one of the ${n - 1} steps`));
  const leaked = tables['leaks.byType'] ?? [];
  for (const r of leaked.filter((x) => x.pattern === 'steady' || x.pattern === 'new').slice(0, 3)) findings.push(describe(r, `leaked (unreachable), growing at every step`));
  for (const r of types.filter((x) => x.pattern === 'plateau').slice(0, 3)) findings.push(describe(r, 'grew, then stayed flat: a cache or a pool filling up rather than a leak'));
  if (!findings.length && types.length) findings.push(`no type grew at every one of the ${n - 1} steps`);
  return { kind: 'trend', version: 1, generator: GENERATOR, dumps, matches, warnings, tables, findings };
}
