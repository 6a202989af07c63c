// Pieces every text importer shares: the document's common fields, numbers as tools print
// them, clock times that wrap past midnight, and the interface each importer implements.
import type { Diagnostic } from '../errors';

export const TEXT_JSON_VERSION = 1;

/** What every text document carries besides its own fields. */
export interface TextDocBase {
  /** The format: see `TextKind`. */
  kind: string;
  version: number;
  input: { name: string; size: number };
  /** Lines read. */
  lines: number;
  diagnostics: Diagnostic[];
}

/**
 * One importer per format (the shape of speedscope's src/import/*): `detect` looks at the first
 * lines and says how sure it is (0 none … 1 certain); `parser` consumes every line in order
 * and builds the document without keeping the lines.
 */
export interface TextImporter<D extends TextDocBase = TextDocBase> {
  kind: D['kind'];
  /** Human name of the format, e.g. "strace -f -t log". */
  title: string;
  detect(head: string): number;
  parser(input: { name: string; size: number }, ctx: ParseContext): LineParser<D>;
}

export interface LineParser<D> {
  line(s: string, no: number): void;
  finish(lines: number): D;
}

export interface ParseContext {
  /** Binaries the user gave (heap profiles name addresses with them). */
  binaries?: import('../elf/symbols').Binary[];
  /** When the text was taken, epoch seconds, if the caller knows (a collector's manifest; never a file's mtime). */
  time?: number;
}

/** "524,288,000" → 524288000; "1.5" → 1.5. NaN when not a number or absent (a column a damaged header lost). */
export function num(s: string | undefined): number {
  return s === undefined ? NaN : Number(s.replace(/,/g, ''));
}

/** First n lines of a text, for "unknown text" messages. */
export function firstLines(text: string, n = 5, width = 160): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  for (const l of lines) {
    if (out.length >= n) break;
    if (l.trim() === '' && out.length === 0) continue;
    out.push(l.length > width ? l.slice(0, width) + '…' : l.replace(/\r$/, ''));
  }
  return out;
}

/** Fraction of the first non-empty lines (up to `max`) that match re. */
export function lineShare(head: string, re: RegExp, max = 50): number {
  let seen = 0;
  let hit = 0;
  for (const l of head.split('\n')) {
    if (!l.trim()) continue;
    if (seen++ >= max) break;
    if (re.test(l)) hit++;
  }
  return seen ? hit / seen : 0;
}

/** "19:01:44" / "19:01:44.123456" → seconds since midnight; undefined if not a clock time. */
export function clockSeconds(s: string, ampm?: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(s);
  if (!m) return undefined;
  let h = Number(m[1]);
  if (ampm) {
    const pm = /^pm$/i.test(ampm);
    if (h === 12) h = pm ? 12 : 0;
    else if (pm) h += 12;
  }
  return h * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** Clock times in log order to a monotonic second count: a time earlier than the last is the next day. */
export class DayClock {
  private day = 0;
  private last = -1;
  at(secondsOfDay: number): number {
    if (this.last >= 0 && secondsOfDay + 1 < this.last) this.day++;
    this.last = secondsOfDay;
    return this.day * 86400 + secondsOfDay;
  }
}

/**
 * A line that only holds a time stamp, as loops around `cat /proc/…` print them with `date`:
 * epoch seconds (`date +%s`, `date +%s.%N`), ISO 8601 (`date -Iseconds`, `date -Ins`), the
 * default `date` output (`Thu Nov 20 12:00:00 UTC 2026`) or a bare clock time. Seconds
 * (epoch, or since midnight for a bare clock), or undefined.
 */
export function timestampLine(line: string): { seconds: number; clock: boolean } | undefined {
  const s = line.trim();
  if (!s || s.length > 64) return undefined;
  if (/^\d{9,11}(\.\d+)?$/.test(s)) return { seconds: Number(s), clock: false };
  let m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5})?$/.exec(s);
  if (m) {
    const zone = m[4] && /^[+-]/.test(m[4]) ? (m[4].includes(':') ? m[4] : m[4].slice(0, 3) + ':' + m[4].slice(3)) : 'Z';
    const t = Date.parse(`${m[1]}T${m[2]}${zone}`);
    if (!Number.isNaN(t)) return { seconds: t / 1000 + (m[3] ? Number('0.' + m[3]) : 0), clock: false };
  }
  m = /^(?:[A-Z][a-z]{2},? +)?([A-Z][a-z]{2}) +(\d{1,2}) +(\d{2}:\d{2}:\d{2})(?: +[A-Z]{2,5})? +(\d{4})$/.exec(s);
  if (m) {
    const t = Date.parse(`${m[1]} ${m[2]} ${m[4]} ${m[3]} UTC`);
    if (!Number.isNaN(t)) return { seconds: t / 1000, clock: false };
  }
  const c = clockSeconds(s);
  if (c !== undefined) return { seconds: c, clock: true };
  return undefined;
}

/** Page-rounded length, as the kernel maps it. */
export function pageRound(n: bigint, page = 4096n): bigint {
  return (n + page - 1n) & ~(page - 1n);
}
