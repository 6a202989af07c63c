// Memory of processes sampled over time: `pidstat -r` logs and repeated /proc/PID/status
// samples. Each process becomes a series of samples; each measure (VSZ, RSS, VmData…) gets a
// growth fit, and a steady rise is called out.
import { bytes } from '../format';
import { type LineParser, type TextDocBase, type TextImporter, DayClock, clockSeconds, num, timestampLine } from './common';
import { type GrowthFit, fitGrowth } from './growth';

export interface ProcessSeries {
  pid: number;
  command?: string;
  /** Seconds of each sample (epoch, or from the log's first clock time); absent when the input has no times. */
  times?: number[];
  /** Measure → values in KiB, one per sample (e.g. VSZ, RSS; VmSize, VmRSS, RssAnon…). */
  values: Record<string, number[]>;
  fits: Record<string, GrowthFit>;
  /** Measures that rise steadily, each in a sentence. */
  findings: string[];
}

export interface SeriesDoc extends TextDocBase {
  kind: 'pidstat' | 'proc-status';
  /** Measures in the order they are shown. */
  measures: string[];
  series: ProcessSeries[];
  /** Interval between samples, seconds (median), when there are times. */
  interval?: number;
}

function median(a: number[]): number | undefined {
  if (!a.length) return undefined;
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1];
}

/** Sentence for a steady rise: "VSZ +240 KiB/min (40 KiB every 10.0 s), 4416 → 4616 KiB over 60 s". */
export function growthSentence(measure: string, f: GrowthFit): string {
  const per = f.perSample ? 'per sample' : '/min';
  const rate = `${f.slopePerMin >= 0 ? '+' : ''}${bytes(Math.round(f.slopePerMin * 1024))}${f.perSample ? ' ' : ''}${per}`;
  const step = f.step && f.step.count >= 2 ? `, in steps of ${bytes(f.step.size * 1024)}${f.perSample ? '' : ` (one every ${f.step.every.toFixed(f.step.every < 10 ? 2 : 1)} s)`}` : '';
  const span = f.perSample ? `${f.samples} samples` : `${f.span.toFixed(0)} s`;
  return `${measure} grows steadily: ${rate}${step}; ${bytes(f.first * 1024)} → ${bytes(f.last * 1024)} over ${span} (line fit r² ${f.r2.toFixed(3)})`;
}

function finishSeries(kind: SeriesDoc['kind'], input: SeriesDoc['input'], lines: number, diagnostics: SeriesDoc['diagnostics'], measures: string[], raw: Map<number, { command?: string; times: (number | undefined)[]; values: Record<string, number[]> }>): SeriesDoc {
  const series: ProcessSeries[] = [];
  const gaps: number[] = [];
  for (const [pid, r] of raw) {
    const hasTimes = r.times.length > 0 && r.times.every((t) => t !== undefined);
    const fits: Record<string, GrowthFit> = {};
    const findings: string[] = [];
    for (const m of measures) {
      const v = r.values[m];
      if (!v || v.length !== r.times.length) continue;
      fits[m] = fitGrowth(hasTimes ? r.times : r.times.map(() => undefined), v);
      if (fits[m].steady) findings.push(growthSentence(m, fits[m]));
    }
    if (hasTimes) for (let i = 1; i < r.times.length; i++) gaps.push(r.times[i]! - r.times[i - 1]!);
    series.push({ pid, command: r.command, times: hasTimes ? (r.times as number[]) : undefined, values: r.values, fits, findings });
  }
  series.sort((a, b) => b.findings.length - a.findings.length || (b.fits[measures[0]]?.growth ?? 0) - (a.fits[measures[0]]?.growth ?? 0));
  if (!series.length) diagnostics.push({ level: 'error', code: `${kind}.no-samples`, message: 'no memory samples were found' });
  return { kind, version: 1, input, lines, diagnostics, measures: measures.filter((m) => series.some((s) => s.values[m])), series, interval: median(gaps) };
}

// ---------------------------------------------------------------- pidstat

const PIDSTAT_FIRST = /^Linux \S+ \(.*\)\s+\S+\s+_\S+_\s+\(\d+ CPU\)/;

export const pidstatImporter: TextImporter<SeriesDoc> = {
  kind: 'pidstat',
  title: 'pidstat -r log',
  detect(head) {
    const lines = head.split('\n').filter((l) => l.trim()).slice(0, 20);
    const first = lines.length && PIDSTAT_FIRST.test(lines[0]);
    const cols = lines.some((l) => /\bPID\b.*\b(VSZ|minflt\/s|%usr|kB_rd\/s|cswch\/s)\b/.test(l));
    if (first && cols) return 0.95;
    if (cols && lines.some((l) => /^#\s*Time\s+UID\s+PID\b/.test(l))) return 0.9;
    return first ? 0.4 : 0;
  },
  parser(input): LineParser<SeriesDoc> {
    const diagnostics: SeriesDoc['diagnostics'] = [];
    const raw = new Map<number, { command?: string; times: (number | undefined)[]; values: Record<string, number[]> }>();
    let cols: string[] | undefined;
    const clock = new DayClock();
    let warnedNoMem = false;
    return {
      line(l) {
        if (!l.trim() || l.startsWith('Linux ') || /^Average:/.test(l)) return;
        const f = l.trim().split(/\s+/);
        // Header: "12:00:01 PM   UID  PID  minflt/s …" or "# Time UID PID …" (-h).
        if (f.includes('PID') && f.includes('Command')) {
          const skip = f[0] === '#' ? 2 : /^(AM|PM)$/i.test(f[1] ?? '') ? 2 : 1;
          cols = f.slice(skip);
          if (!cols.includes('VSZ') && !warnedNoMem) {
            warnedNoMem = true;
            diagnostics.push({ level: 'warning', code: 'pidstat.no-memory', message: 'this pidstat report has no VSZ/RSS columns: run pidstat -r' });
          }
          return;
        }
        if (!cols || f[0] === '#') return;
        let t: number | undefined;
        let rest: string[];
        if (/^\d{9,11}$/.test(f[0])) {
          t = Number(f[0]);
          rest = f.slice(1);
        } else {
          const ampm = /^(AM|PM)$/i.test(f[1] ?? '') ? f[1] : undefined;
          const c = clockSeconds(f[0], ampm);
          if (c === undefined) return;
          t = clock.at(c);
          rest = f.slice(ampm ? 2 : 1);
        }
        if (rest.length < cols.length) return;
        const row: Record<string, string> = {};
        for (let i = 0; i < cols.length; i++) row[cols[i]] = i === cols.length - 1 ? rest.slice(i).join(' ') : rest[i];
        if (row.TID !== undefined && row.TID !== '-' && row.TGID === '-') return; // -t: thread rows
        const pid = num(row.PID ?? row.TGID ?? '');
        if (!Number.isFinite(pid)) return;
        // A sample needs both numbers (a damaged or cut row, or a header that lost a column, has not).
        if (!Number.isFinite(num(row.VSZ)) || !Number.isFinite(num(row.RSS))) return;
        let r = raw.get(pid);
        if (!r) raw.set(pid, (r = { command: row.Command, times: [], values: { VSZ: [], RSS: [] } }));
        r.times.push(t);
        r.values.VSZ.push(num(row.VSZ));
        r.values.RSS.push(num(row.RSS));
      },
      finish(lines) {
        return finishSeries('pidstat', input, lines, diagnostics, ['VSZ', 'RSS'], raw);
      },
    };
  },
};

// ---------------------------------------------------------------- /proc/PID/status samples

const STATUS_KEYS = ['VmSize', 'VmRSS', 'RssAnon', 'RssFile', 'RssShmem', 'VmData', 'VmStk', 'VmSwap', 'Threads'];
const STATUS_LINE = /^([A-Za-z_][\w()]*):\s*(.*)$/;

export const statusImporter: TextImporter<SeriesDoc> = {
  kind: 'proc-status',
  title: '/proc/PID/status samples',
  detect(head) {
    const has = (k: string) => new RegExp(`^${k}:\\s`, 'm').test(head);
    if (has('VmRSS') && (has('Name') || has('Tgid') || has('Pid'))) return 0.95;
    if (has('VmRSS') && has('VmSize')) return 0.7;
    return 0;
  },
  parser(input, ctx): LineParser<SeriesDoc> {
    const diagnostics: SeriesDoc['diagnostics'] = [];
    const raw = new Map<number, { command?: string; times: (number | undefined)[]; values: Record<string, number[]> }>();
    let cur: Record<string, string> | undefined;
    // The caller's time (a collector's manifest) dates the first sample unless a time-stamp line does.
    let stamp: number | undefined = ctx?.time;
    let curStamp: number | undefined;
    let clockStamps = false;
    const clock = new DayClock();
    const flush = () => {
      if (!cur) return;
      const pid = num(cur.Tgid ?? cur.Pid ?? '0');
      let r = raw.get(pid);
      if (!r) raw.set(pid, (r = { command: cur.Name, times: [], values: {} }));
      r.times.push(curStamp);
      for (const k of STATUS_KEYS) {
        if (cur[k] === undefined) continue;
        const v = num(cur[k].split(/\s+/)[0]);
        (r.values[k] ??= []).push(v);
      }
      cur = undefined;
    };
    return {
      line(l) {
        const m = STATUS_LINE.exec(l);
        if (!m) {
          const ts = timestampLine(l);
          if (ts) {
            flush();
            clockStamps ||= ts.clock;
            stamp = ts.clock ? clock.at(ts.seconds) : ts.seconds;
          }
          return;
        }
        const [, k, v] = m;
        // A sample starts at Name: (the first line of status) or when a key comes again.
        if (cur && (k === 'Name' || cur[k] !== undefined)) flush();
        if (!cur) {
          cur = {};
          curStamp = stamp;
          stamp = undefined;
        }
        cur[k] = v.trim();
      },
      finish(lines) {
        flush();
        const doc = finishSeries('proc-status', input, lines, diagnostics, STATUS_KEYS.filter((k) => k !== 'Threads'), raw);
        for (const s of doc.series) {
          if (!s.times) diagnostics.push({ level: 'info', code: 'proc-status.no-times', message: `pid ${s.pid}: the samples carry no time stamps (print \`date +%s\` before each), so growth is per sample` });
          const th = raw.get(s.pid)?.values.Threads;
          if (th && th[0] !== th[th.length - 1]) s.findings.push(`Threads ${th[0]} → ${th[th.length - 1]}`);
        }
        return doc;
      },
    };
  },
};
