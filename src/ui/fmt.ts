// Formatting for the views: thousands separators, padded hex, KiB, rates, durations, signals.
// Addresses stay hex strings; anything that compares them goes through BigInt.
export { bytes, wordAsText } from '../engine/format';

const NF = new Intl.NumberFormat('en-US');
const NF1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 1234567 → "1,234,567". */
export function num(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '—' : NF.format(n);
}

/** Bytes as KiB with separators: 4096 → "4", 6144.5 → "6.0". */
export function kib(n: number): string {
  const k = n / 1024;
  return Number.isInteger(k) ? NF.format(k) : NF1.format(k);
}

/** "0x1f" with wordSize 8 → "0x000000000000001f". */
export function padHex(h: string | undefined, wordSize: number): string {
  if (h === undefined) return '—';
  const d = h.replace(/^0x/i, '');
  return '0x' + d.padStart(wordSize * 2, '0');
}

/** Compares two hex address strings exactly (BigInt, never Number). */
export function cmpHex(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Parses "0x7f12…" (the 0x prefix is required so plain words are not taken for addresses). */
export function parseHexQuery(q: string): bigint | undefined {
  const t = q.trim().toLowerCase().replace(/_/g, '');
  if (!/^0x[0-9a-f]{1,16}$/.test(t)) return undefined;
  return BigInt(t);
}

/** Decimal megabytes with one decimal, to go with MB/s. */
export function mb(n: number): string {
  return NF1.format(n / 1e6);
}

/** 65 s → "1 min 05 s", 4.2 s → "4 s", 3700 s → "1 h 01 min". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function dateTime(ts: number): string {
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
  16: 'SIGSTKFLT', 17: 'SIGCHLD', 18: 'SIGCONT', 19: 'SIGSTOP', 20: 'SIGTSTP', 21: 'SIGTTIN', 22: 'SIGTTOU',
  23: 'SIGURG', 24: 'SIGXCPU', 25: 'SIGXFSZ', 26: 'SIGVTALRM', 27: 'SIGPROF', 28: 'SIGWINCH', 29: 'SIGIO',
  30: 'SIGPWR', 31: 'SIGSYS',
};

/** 11 → "11 (SIGSEGV)" (Linux numbering, which x86 and most little-endian machines share). */
export function signalText(n: number | undefined): string {
  if (n === undefined) return '—';
  if (n === 0) return '0 (none)';
  return SIGNALS[n] ? `${n} (${SIGNALS[n]})` : String(n);
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return typeof e === 'string' ? e : JSON.stringify(e);
}

