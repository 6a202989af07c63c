// The worker's side of a regex count: a JavaScript RegExp run over one read of the dump, the
// bytes decoded as latin1 (one code unit per byte), part by part. Pure: src/workers/ calls it
// with the bytes it read.
import { HeaplensError } from '../errors';
import type { ContentParts, RegexRequest, RegexSpanResult } from '../kernel-api';
import type { Latin1Decoder } from './latin1';

/** Flags a user may give (g is always on). */
export const REGEX_FLAGS = /^[ims]*$/;

/**
 * Compiles a pattern for counting, or throws a HeaplensError saying what is wrong: a syntax
 * error, a flag that is not one of i, m, s, or a pattern that matches the empty string (it
 * would count nearly every byte position).
 */
export function compileRegex(pattern: string, flags = ''): RegExp {
  if (!pattern) throw new HeaplensError('regex.empty', 'the pattern is empty');
  if (!REGEX_FLAGS.test(flags)) throw new HeaplensError('regex.flags', `unsupported flags "${flags}": use any of i (ignore case), m (multi-line ^ $), s (. matches newlines)`);
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'g' + [...new Set(flags)].join(''));
  } catch (e) {
    throw new HeaplensError('regex.invalid', `invalid regular expression /${pattern}/: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
  re.lastIndex = 0;
  if (re.exec('') !== null) throw new HeaplensError('regex.empty-match', `the pattern /${pattern}/ matches the empty string, so it would count nearly every byte position; make it match at least one byte`);
  re.lastIndex = 0;
  return re;
}

/**
 * The bytes a pattern matches when it is a plain literal (no metacharacter; escapes only of
 * punctuation, \t \n \r \f \v \0 and \xHH) and no flag changes what it matches; else
 * undefined. `null` when the literal holds a character above 0xFF (it matches no byte string).
 * Such a pattern is counted by a byte search, exactly as RegExp counts it (leftmost, not
 * overlapping), without decoding the bytes to a string.
 */
export function literalBytes(pattern: string, flags: string): Uint8Array | null | undefined {
  if (flags.includes('i')) return undefined;
  const out: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if ('^$.|?*+()[]{}'.includes(c)) return undefined;
    if (c !== '\\') {
      out.push(c.charCodeAt(0));
      continue;
    }
    const d = pattern[++i];
    if (d === undefined) return undefined;
    const simple: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11 };
    if (d in simple) out.push(simple[d]);
    else if (d === '0' && !/[0-9]/.test(pattern[i + 1] ?? '')) out.push(0);
    else if (d === 'x' && /^[0-9a-fA-F]{2}$/.test(pattern.slice(i + 1, i + 3))) {
      out.push(parseInt(pattern.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[A-Za-z0-9]/.test(d)) return undefined;
    else out.push(d.charCodeAt(0));
  }
  if (!out.length) return undefined;
  return out.some((x) => x > 0xff) ? null : Uint8Array.from(out);
}

/** Leftmost, non-overlapping occurrences of `lit` in b[from, to) starting before `startEnd` (Boyer–Moore–Horspool). */
function searchLiteral(b: Uint8Array, lit: Uint8Array, skip: Int32Array, from: number, startEnd: number, to: number, found: (at: number) => void): void {
  const m = lit.length;
  const last = lit[m - 1];
  let i = from;
  while (i + m <= to && i < startEnd) {
    const c = b[i + m - 1];
    if (c === last) {
      let k = m - 2;
      while (k >= 0 && b[i + k] === lit[k]) k--;
      if (k < 0) {
        found(i);
        i += m;
        continue;
      }
    }
    i += skip[c];
  }
}

/**
 * Counts the matches of `re` in each part of `bytes` (one read: `lead` bytes, then the
 * span). A match counts in the part it starts in; it may run into the part's look-ahead
 * (`post`), never past it; look-behind assertions see the part's `pre` bytes.
 */
export function scanRegex(bytes: Uint8Array, lead: number, parts: ContentParts, req: RegexRequest, re: RegExp, decoder: Latin1Decoder): RegexSpanResult {
  const t0 = performance.now();
  const lit = literalBytes(req.pattern, req.flags);
  if (lit !== undefined) return scanLiteral(bytes, lead, parts, req, lit, t0);
  const text = decoder.decode(bytes);
  const t1 = performance.now();
  const n = parts.offset.length;
  const counts = new Uint32Array(n);
  const head: number[] = [];
  const headEnds: number[] = [];
  const fp: number[] = [];
  const fo: number[] = [];
  const fl: number[] = [];
  const ft: string[] = [];
  const pp: number[] = [];
  const po: number[] = [];
  let lastStart = -1;
  let lastEnd = -1;
  let scanned = 0;
  for (let i = 0; i < n; i++) {
    const o = lead + parts.offset[i];
    if (o >= text.length) continue;
    const pre = parts.pre[i];
    const len = Math.min(parts.length[i], text.length - o);
    const post = Math.max(0, Math.min(parts.post[i], text.length - o - len));
    scanned += len;
    const sub = text.substring(o - pre, o + len + post);
    const end = pre + len;
    re.lastIndex = pre + (i === 0 ? (req.startAt ?? 0) : 0);
    let c = 0;
    let ms = -1;
    let me = -1;
    for (;;) {
      const m = re.exec(sub);
      if (m === null || m.index >= end) break;
      c++;
      const off = m.index - pre;
      const l = m[0].length;
      ms = off;
      me = off + l;
      if (l === 0) re.lastIndex = m.index + 1;
      if (i === 0 && pre > 0 && off < req.headWindow) {
        head.push(off);
        headEnds.push(off + l);
      }
      if (fp.length < req.firstN) {
        fp.push(i);
        fo.push(off);
        fl.push(l);
        ft.push(l > req.textMax ? m[0].slice(0, req.textMax) : m[0]);
      }
      if (req.positions) {
        pp.push(i);
        po.push(off);
      }
    }
    counts[i] = c;
    if (i === n - 1) {
      lastStart = ms;
      lastEnd = me;
    }
  }
  const t2 = performance.now();
  return {
    bytes: scanned, counts, lastStart, lastEnd, head: Uint32Array.from(head), headEnds: Uint32Array.from(headEnds),
    firstParts: Uint32Array.from(fp), firstOffsets: Uint32Array.from(fo), firstLengths: Uint32Array.from(fl), firstText: ft,
    ...(req.positions ? { positions: { parts: Uint32Array.from(pp), offsets: Uint32Array.from(po) } } : {}),
    decoder: `${decoder.name} (${decoder.mbps} MB/s)`, decodeMs: t1 - t0, matchMs: t2 - t1,
  };
}

function scanLiteral(bytes: Uint8Array, lead: number, parts: ContentParts, req: RegexRequest, lit: Uint8Array | null, t0: number): RegexSpanResult {
  const n = parts.offset.length;
  const counts = new Uint32Array(n);
  const head: number[] = [];
  const headEnds: number[] = [];
  const fp: number[] = [];
  const fo: number[] = [];
  const pp: number[] = [];
  const po: number[] = [];
  let lastStart = -1;
  let lastEnd = -1;
  let scanned = 0;
  const m = lit?.length ?? 0;
  const skip = new Int32Array(256).fill(Math.max(1, m));
  for (let k = 0; k + 1 < m; k++) skip[lit![k]] = m - 1 - k;
  let text = '';
  if (lit) for (const x of lit) text += String.fromCharCode(x);
  for (let i = 0; i < n; i++) {
    const o = lead + parts.offset[i];
    if (o >= bytes.length) continue;
    const len = Math.min(parts.length[i], bytes.length - o);
    const post = Math.max(0, Math.min(parts.post[i], bytes.length - o - len));
    scanned += len;
    if (!lit) continue;
    let c = 0;
    let ms = -1;
    searchLiteral(bytes, lit, skip, o + (i === 0 ? (req.startAt ?? 0) : 0), o + len, o + len + post, (at) => {
      c++;
      const off = at - o;
      ms = off;
      if (i === 0 && parts.pre[i] > 0 && off < req.headWindow) {
        head.push(off);
        headEnds.push(off + m);
      }
      if (fp.length < req.firstN) {
        fp.push(i);
        fo.push(off);
      }
      if (req.positions) {
        pp.push(i);
        po.push(off);
      }
    });
    counts[i] = c;
    if (i === n - 1 && ms >= 0) {
      lastStart = ms;
      lastEnd = ms + m;
    }
  }
  const shown = text.length > req.textMax ? text.slice(0, req.textMax) : text;
  return {
    bytes: scanned, counts, lastStart, lastEnd, head: Uint32Array.from(head), headEnds: Uint32Array.from(headEnds),
    firstParts: Uint32Array.from(fp), firstOffsets: Uint32Array.from(fo), firstLengths: new Uint32Array(fp.length).fill(m), firstText: fp.map(() => shown),
    ...(req.positions ? { positions: { parts: Uint32Array.from(pp), offsets: Uint32Array.from(po) } } : {}),
    decoder: 'none: a literal pattern is a byte search', decodeMs: 0, matchMs: performance.now() - t0,
  };
}
