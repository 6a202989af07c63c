// What grew between two analyses of one process (heaplens diff): heap groups by type, size
// and signature, leaked groups, heap states, leak verdicts, mappings and labels, vtable counts.
// Works on the JSON documents alone (docs/json.md), so a saved analysis diffs as well as a
// fresh one. Lists in those documents hold the largest groups; a group missing from a list
// that was cut is "at most the smallest listed", and its delta is marked inexact.
import type { AnalysisJSON } from './analyze';

export interface Amount {
  count: number;
  bytes: number;
}

export interface DiffRow {
  key: string;
  /** What the row is, for people: a type name, "size 72", a label, a mapping. */
  label: string;
  /** Absent when the group is not in that document's list (see `aAtMost`/`bAtMost`). */
  a?: Amount;
  b?: Amount;
  /** The group was not in a list that was cut: it had at most this many bytes there. */
  aAtMost?: number;
  bAtMost?: number;
  /** b − a, taking an absent side as 0. */
  delta: Amount;
  /** False when an absent side was only bounded (its list was cut), not known to be 0. */
  exact: boolean;
  status: 'new' | 'gone' | 'grew' | 'shrank' | 'same';
}

export interface DiffSide {
  name: string;
  size: number;
  fingerprint?: string;
  pid?: number;
  command?: string;
  buildId?: string;
}

export interface DiffJSON {
  kind: 'diff';
  version: number;
  generator: string;
  a: DiffSide;
  b: DiffSide;
  /** How the two were matched to one process; 'none' comes with a warning. */
  match: 'build-id' | 'pid' | 'command' | 'none';
  warnings: string[];
  heap?: {
    states: DiffRow[];
    byType: DiffRow[];
    bySize: DiffRow[];
    bySignature: DiffRow[];
  };
  leaks?: {
    verdicts: DiffRow[];
    byType: DiffRow[];
    bySize: DiffRow[];
    bySignature: DiffRow[];
  };
  labels: DiffRow[];
  regions: DiffRow[];
  vtables: DiffRow[];
}

const GENERATOR = 'heaplens 0.1.0';

export interface Listed {
  key: string;
  label: string;
  count: number;
  bytes: number;
}

/**
 * Rows for every key in either list, sorted by growth in bytes (largest first), then by
 * shrinkage. `cutA`/`cutB`: the list held only the largest groups (a missing key is bounded by
 * the smallest listed one), else a missing key is known to be 0.
 */
export function diffLists(a: Listed[], b: Listed[], cutA: boolean, cutB: boolean): DiffRow[] {
  const ma = new Map(a.map((x) => [x.key, x]));
  const mb = new Map(b.map((x) => [x.key, x]));
  const minBytes = (l: Listed[]) => (l.length ? Math.min(...l.map((x) => x.bytes)) : 0);
  const boundA = minBytes(a);
  const boundB = minBytes(b);
  const keys = [...new Set([...ma.keys(), ...mb.keys()])];
  const rows = keys.map((key): DiffRow => {
    const x = ma.get(key);
    const y = mb.get(key);
    const row: DiffRow = {
      key,
      label: (y ?? x)!.label,
      delta: { count: (y?.count ?? 0) - (x?.count ?? 0), bytes: (y?.bytes ?? 0) - (x?.bytes ?? 0) },
      exact: !((!x && cutA) || (!y && cutB)),
      status: 'same',
    };
    if (x) row.a = { count: x.count, bytes: x.bytes };
    else if (cutA) row.aAtMost = boundA;
    else row.a = { count: 0, bytes: 0 };
    if (y) row.b = { count: y.count, bytes: y.bytes };
    else if (cutB) row.bAtMost = boundB;
    else row.b = { count: 0, bytes: 0 };
    const before = x?.count ?? 0;
    const after = y?.count ?? 0;
    row.status = !x && !cutA && after > 0 ? 'new' : !y && !cutB && before > 0 ? 'gone' : row.delta.bytes > 0 || (row.delta.bytes === 0 && row.delta.count > 0) ? 'grew' : row.delta.bytes < 0 || row.delta.count < 0 ? 'shrank' : 'same';
    return row;
  });
  return rows.sort((p, q) => q.delta.bytes - p.delta.bytes || q.delta.count - p.delta.count || p.key.localeCompare(q.key));
}

function side(j: AnalysisJSON): DiffSide {
  const exe = j.modules.find((m) => m.executable);
  return {
    name: j.input.name, size: j.input.size,
    ...(j.input.fingerprint ? { fingerprint: j.input.fingerprint } : {}),
    ...(j.process.pid !== undefined ? { pid: j.process.pid } : {}),
    ...(j.process.command ? { command: j.process.command } : {}),
    ...(exe?.buildId ? { buildId: exe.buildId } : {}),
  };
}

export function diffAnalyses(a: AnalysisJSON, b: AnalysisJSON): DiffJSON {
  const sa = side(a);
  const sb = side(b);
  const warnings: string[] = [];
  let match: DiffJSON['match'] = 'none';
  if (sa.buildId && sb.buildId) {
    if (sa.buildId === sb.buildId) match = 'build-id';
    else warnings.push(`the executables differ (build-id ${sa.buildId} vs ${sb.buildId}): these are not dumps of one program, so types and sizes may not correspond`);
  }
  if (match === 'none' && !warnings.length) {
    if (sa.pid !== undefined && sa.pid === sb.pid && sa.command === sb.command) match = 'pid';
    else if (sa.command && sa.command === sb.command) match = 'command';
    else warnings.push(`no build-id, pid or command in common (${sa.command ?? '?'} pid ${sa.pid ?? '?'} vs ${sb.command ?? '?'} pid ${sb.pid ?? '?'}): the two dumps may not be of one process`);
  }
  if (sa.fingerprint && sa.fingerprint === sb.fingerprint) warnings.push('both inputs are the same file: nothing can have grown');
  if (a.wordSize !== b.wordSize) warnings.push(`word sizes differ (${a.wordSize} vs ${b.wordSize})`);

  const out: DiffJSON = {
    kind: 'diff', version: 1, generator: GENERATOR, a: sa, b: sb, match, warnings,
    labels: diffLists(
      a.totals.map((t) => ({ key: t.label, label: t.label, count: t.count, bytes: t.inCore })),
      b.totals.map((t) => ({ key: t.label, label: t.label, count: t.count, bytes: t.inCore })),
      false, false,
    ),
    regions: diffLists(regionsOf(a), regionsOf(b), false, false).filter((r) => r.status !== 'same'),
    vtables: vtablesDiff(a, b),
  };
  const ga = groupLists(a);
  const gb = groupLists(b);
  const pair = (k: GroupTable) => diffLists(ga[k]!.list, gb[k]!.list, ga[k]!.cut, gb[k]!.cut);
  if (ga['heap.states'] && gb['heap.states']) {
    out.heap = { states: pair('heap.states'), byType: pair('heap.byType'), bySize: pair('heap.bySize'), bySignature: pair('heap.bySignature') };
  } else if (ga['heap.states'] || gb['heap.states']) warnings.push(`only ${ga['heap.states'] ? 'the first' : 'the second'} dump has a reconstructed heap: heap groups are not compared`);
  if (ga['leaks.verdicts'] && gb['leaks.verdicts']) {
    out.leaks = { verdicts: pair('leaks.verdicts'), byType: pair('leaks.byType'), bySize: pair('leaks.bySize'), bySignature: pair('leaks.bySignature') };
  }
  return out;
}

/** The grouped tables of an analysis that diffs compare (heap and leaks; absent when it has none). */
export type GroupTable = 'heap.states' | 'heap.byType' | 'heap.bySize' | 'heap.bySignature' | 'leaks.verdicts' | 'leaks.byType' | 'leaks.bySize' | 'leaks.bySignature';

/**
 * Each grouped table of an analysis as the listed groups and whether the list was cut (then a
 * group missing from it is bounded by the smallest listed, not known to be 0).
 */
export function groupLists(j: AnalysisJSON): Partial<Record<GroupTable, { list: Listed[]; cut: boolean }>> {
  const out: Partial<Record<GroupTable, { list: Listed[]; cut: boolean }>> = {};
  const h = j.heap?.found ? j.heap : undefined;
  if (h) {
    out['heap.states'] = {
      list: [
        { key: 'used', label: 'used blocks', count: h.used.count, bytes: h.used.bytes },
        { key: 'free', label: 'free chunks (all)', count: h.free.count, bytes: h.free.bytes },
        { key: 'mmapped', label: 'mmapped chunks', count: h.mmapped.count, bytes: h.mmapped.bytes },
      ],
      cut: false,
    };
    out['heap.byType'] = { list: h.byType.map((t) => ({ key: t.type, label: t.type, count: t.count, bytes: t.bytes })), cut: h.byType.length < h.groupTotals.byType };
    out['heap.bySize'] = { list: h.bySize.map((x) => ({ key: String(x.size), label: `size ${x.size}`, count: x.count, bytes: x.bytes })), cut: h.bySize.length < h.groupTotals.bySize };
    out['heap.bySignature'] = { list: h.bySignature.map((x) => sigListed(x)), cut: h.bySignature.length < h.groupTotals.bySignature };
  }
  const l = j.leaks;
  if (l) {
    out['leaks.verdicts'] = {
      list: [
        { key: 'anchored', label: 'anchored', ...l.anchored },
        { key: 'leaked', label: 'leaked', ...l.leaked },
        { key: 'unreferenced', label: 'leak tops', ...l.unreferenced },
        { key: 'indirect', label: 'indirectly leaked', ...l.indirect },
      ],
      cut: false,
    };
    // Leaked groups are cut at a fixed number (100); a list that long may have been cut.
    out['leaks.byType'] = { list: l.byType.map((t) => ({ key: t.type, label: t.type, count: t.count, bytes: t.bytes })), cut: l.byType.length >= 100 };
    out['leaks.bySize'] = { list: l.bySize.map((x) => ({ key: String(x.size), label: `size ${x.size}`, count: x.count, bytes: x.bytes })), cut: l.bySize.length >= 100 };
    out['leaks.bySignature'] = { list: l.bySignature.map((x) => sigListed(x)), cut: l.bySignature.length >= 100 };
  }
  return out;
}

function sigListed(s: { size: number; offsets: number[]; count: number; bytes: number }): Listed {
  const label = s.offsets.length ? `size ${s.size}, pointers at [${s.offsets.join(',')}]` : `size ${s.size}, no pointers`;
  return { key: `${s.size}:${s.offsets.join(',')}`, label, count: s.count, bytes: s.bytes };
}

/** Mappings matched by start address (one process: the addresses stay); bytes are the bytes in the dump, count 1 each. */
function regionsOf(j: AnalysisJSON): Listed[] {
  return j.regions.map((r) => ({
    key: r.start,
    label: `${r.start} ${r.label}${r.detail ? ` (${r.detail})` : ''}${r.file ? ` ${r.file}` : ''}`,
    count: 1,
    bytes: r.inCore,
  }));
}

/** Vtable candidates by what they name (symbol, else value); counts are words, bytes = count × word size. */
function vtablesDiff(a: AnalysisJSON, b: AnalysisJSON): DiffRow[] {
  const list = (j: AnalysisJSON): Listed[] =>
    (j.words?.vtableCandidates ?? []).map((w) => ({ key: w.target?.symbol ?? w.value, label: w.target?.symbol ?? `${w.value}${w.target?.module ? ` (${w.target.module})` : ''}`, count: w.count, bytes: w.count * j.wordSize }));
  const la = list(a);
  const lb = list(b);
  // The census keeps the top N (200 for tables, 1000 for JSON): a list of 200 or more may be cut.
  return diffLists(la, lb, la.length >= 200, lb.length >= 200);
}
