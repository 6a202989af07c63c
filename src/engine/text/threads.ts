// `top -b -H` and `ps -L` / `ps -T` / `ps -eLf` output: threads grouped by name, with counts
// (a pool that keeps growing shows as one name whose count goes up between snapshots).
import { type TextDocBase, type TextImporter, num } from './common';

export interface NameGroup {
  name: string;
  count: number;
  /** Thread (or process) ids, the first 50. */
  ids: number[];
  /** Rows by state letter (R, S, D, Z…), when the output has a state column. */
  states?: Record<string, number>;
}

export interface ThreadSnapshot {
  /** `top - 12:00:00`: seconds since midnight, when the tool printed a time. */
  time?: string;
  /** Rows (threads, or processes without -H / -L). */
  rows: number;
  /** `Threads: N total` / `Tasks: N total` from top's summary. */
  total?: number;
  /** Distinct processes (ps: the PID column; top -H lists threads of the processes asked for). */
  processes: { pid: number; threads: number }[];
  /** Rows grouped by exact name, most first. */
  groups: NameGroup[];
  /** Names that differ only in their digits (worker-1, worker-2 → worker-#), when that merges names. */
  families: { family: string; count: number; names: number }[];
}

export interface ThreadsDoc extends TextDocBase {
  kind: 'threads';
  source: 'top' | 'ps';
  /** Rows are threads (top -H, ps -L/-T); else processes. */
  threads: boolean;
  /** The columns of the header, as printed. */
  columns: string[];
  /** Each screen of top (-n N) or each ps listing; the last is the answer. */
  snapshots: ThreadSnapshot[];
  /** Names whose count changed from the first snapshot to the last. */
  changes: { name: string; first: number; last: number }[];
  note?: string;
}

const TOP_HEAD = /^top - \d{1,2}:\d{2}:\d{2}\b/;
const TOP_COLS = /^\s*PID\s+.*\bCOMMAND\s*$/;
const PS_COLS = /^\s*(?:\S+\s+)*?PID\s+(?:\S+\s+)*?(LWP|SPID|TID)\b.*\b(CMD|COMMAND|COMM)\s*$/;

class Collector {
  rows = 0;
  names = new Map<string, NameGroup>();
  pids = new Map<number, number>();
  add(name: string, id: number, pid: number | undefined, state?: string) {
    this.rows++;
    let g = this.names.get(name);
    if (!g) this.names.set(name, (g = { name, count: 0, ids: [] }));
    g.count++;
    if (g.ids.length < 50 && Number.isFinite(id)) g.ids.push(id);
    if (state) (g.states ??= {})[state] = (g.states[state] ?? 0) + 1;
    if (pid !== undefined) this.pids.set(pid, (this.pids.get(pid) ?? 0) + 1);
  }
  snapshot(time?: string, total?: number): ThreadSnapshot {
    const groups = [...this.names.values()].sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
    const fam = new Map<string, { count: number; names: number }>();
    for (const g of groups) {
      const f = g.name.replace(/\d+/g, '#');
      const e = fam.get(f) ?? { count: 0, names: 0 };
      e.count += g.count;
      e.names++;
      fam.set(f, e);
    }
    const families = [...fam].filter(([f, e]) => e.names > 1 && f.includes('#')).map(([family, e]) => ({ family, ...e })).sort((a, b) => b.count - a.count);
    return { time, rows: this.rows, total, processes: [...this.pids].map(([pid, threads]) => ({ pid, threads })).sort((a, b) => b.threads - a.threads), groups, families };
  }
}

function finishDoc(base: Omit<ThreadsDoc, 'changes' | 'lines'>, lines: number): ThreadsDoc {
  const s = base.snapshots;
  const changes: ThreadsDoc['changes'] = [];
  if (s.length > 1) {
    const a = new Map(s[0].groups.map((g) => [g.name, g.count]));
    const b = new Map(s[s.length - 1].groups.map((g) => [g.name, g.count]));
    for (const name of new Set([...a.keys(), ...b.keys()])) {
      const first = a.get(name) ?? 0;
      const last = b.get(name) ?? 0;
      if (first !== last) changes.push({ name, first, last });
    }
    changes.sort((x, y) => Math.abs(y.last - y.first) - Math.abs(x.last - x.first));
  }
  if (!s.length) base.diagnostics.push({ level: 'error', code: 'threads.no-rows', message: 'no table of threads or processes was found' });
  return { ...base, lines, changes };
}

export const topImporter: TextImporter<ThreadsDoc> = {
  kind: 'threads',
  title: 'top -b output',
  detect(head) {
    const lines = head.split('\n').slice(0, 40);
    const h = lines.findIndex((l) => TOP_HEAD.test(l));
    if (h < 0) return 0;
    return lines.some((l) => TOP_COLS.test(l)) ? 0.95 : 0.5;
  },
  parser(input) {
    const diagnostics: ThreadsDoc['diagnostics'] = [];
    const snapshots: ThreadSnapshot[] = [];
    let threads = false;
    let columns: string[] = [];
    let cur: Collector | undefined;
    let time: string | undefined;
    let total: number | undefined;
    let inTable = false;
    let idCol = -1, stateCol = -1, cmdCol = -1;
    const close = () => {
      if (cur) snapshots.push(cur.snapshot(time, total));
      cur = undefined;
    };
    return {
      line(l) {
        if (TOP_HEAD.test(l)) {
          close();
          inTable = false;
          time = /^top - (\S+)/.exec(l)![1];
          total = undefined;
          return;
        }
        const sum = /^(Threads|Tasks):\s*(\d+)\s+total/.exec(l);
        if (sum) {
          threads = sum[1] === 'Threads';
          total = Number(sum[2]);
          return;
        }
        if (TOP_COLS.test(l)) {
          columns = l.trim().split(/\s+/);
          idCol = columns.indexOf('PID');
          stateCol = columns.indexOf('S');
          cmdCol = columns.length - 1;
          inTable = true;
          cur = new Collector();
          return;
        }
        if (!inTable || !cur) return;
        if (!l.trim()) return;
        const f = l.trim().split(/\s+/);
        if (f.length < columns.length) {
          diagnostics.push({ level: 'warning', code: 'top.short-row', message: `a row with fewer columns than the header: ${l.slice(0, 120)}` });
          return;
        }
        const name = f.slice(cmdCol).join(' ');
        cur.add(name, num(f[idCol]), undefined, stateCol >= 0 ? f[stateCol] : undefined);
      },
      finish(lines) {
        close();
        return finishDoc({ kind: 'threads', version: 1, input, diagnostics, source: 'top', threads, columns, snapshots, note: threads ? undefined : 'top was run without -H: rows are processes, not threads' }, lines);
      },
    };
  },
};

export const psImporter: TextImporter<ThreadsDoc> = {
  kind: 'threads',
  title: 'ps -L / ps -T output',
  detect(head) {
    const first = head.split('\n').find((l) => l.trim());
    return first && PS_COLS.test(first) ? 0.9 : 0;
  },
  parser(input) {
    const diagnostics: ThreadsDoc['diagnostics'] = [];
    const snapshots: ThreadSnapshot[] = [];
    let columns: string[] = [];
    let cur: Collector | undefined;
    let pidCol = -1, tidCol = -1, stateCol = -1, cmdCol = -1;
    let full = false;
    const perPidNames = new Map<number, Set<string>>();
    return {
      line(l) {
        if (PS_COLS.test(l)) {
          if (cur) snapshots.push(cur.snapshot());
          columns = l.trim().split(/\s+/);
          pidCol = columns.indexOf('PID');
          tidCol = columns.findIndex((c) => c === 'LWP' || c === 'SPID' || c === 'TID');
          stateCol = columns.findIndex((c) => c === 'S' || c === 'STAT');
          cmdCol = columns.length - 1;
          full = columns.includes('STIME') || columns.includes('PPID');
          cur = new Collector();
          return;
        }
        if (!cur || !l.trim()) return;
        const f = l.trim().split(/\s+/);
        if (f.length < columns.length) {
          diagnostics.push({ level: 'warning', code: 'ps.short-row', message: `a row with fewer columns than the header: ${l.slice(0, 120)}` });
          return;
        }
        // ps -f prints STIME as "Nov20" or "12:00" (one field); the command may hold spaces.
        const name = f.slice(cmdCol).join(' ');
        const pid = num(f[pidCol]);
        cur.add(name, num(f[tidCol]), pid, stateCol >= 0 ? f[stateCol][0] : undefined);
        if (full) {
          let s = perPidNames.get(pid);
          if (!s) perPidNames.set(pid, (s = new Set()));
          if (s.size < 2) s.add(name);
        }
      },
      finish(lines) {
        if (cur) snapshots.push(cur.snapshot());
        const oneName = full && [...perPidNames.values()].every((s) => s.size === 1);
        return finishDoc(
          {
            kind: 'threads', version: 1, input, diagnostics, source: 'ps', threads: true, columns, snapshots,
            note: oneName ? 'ps -f shows each process\'s command line on all its threads, not the thread names: use ps -L -o pid,tid,comm -p PID' : undefined,
          },
          lines,
        );
      },
    };
  },
};

