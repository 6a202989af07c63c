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
 * Counts the matches of `re` in each part of `bytes` (one read: `lead` bytes, then the
 * span). A match counts in the part it starts in; it may run into the part's look-ahead
 * (`post`), never past it; look-behind assertions see the part's `pre` bytes.
 */
export function scanRegex(bytes: Uint8Array, lead: number, parts: ContentParts, req: RegexRequest, re: RegExp, decoder: Latin1Decoder): RegexSpanResult {
  const t0 = performance.now();
  const text = decoder.decode(bytes);
  const t1 = performance.now();
  const n = parts.offset.length;
  const counts = new Uint32Array(n);
  const head: number[] = [];
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
    re.lastIndex = pre;
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
      if (i === 0 && pre > 0 && off < req.headWindow) head.push(off);
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
    bytes: scanned, counts, lastStart, lastEnd, head: Uint32Array.from(head),
    firstParts: Uint32Array.from(fp), firstOffsets: Uint32Array.from(fo), firstLengths: Uint32Array.from(fl), firstText: ft,
    ...(req.positions ? { positions: { parts: Uint32Array.from(pp), offsets: Uint32Array.from(po) } } : {}),
    decoder: `${decoder.name} (${decoder.mbps} MB/s)`, decodeMs: t1 - t0, matchMs: t2 - t1,
  };
}
