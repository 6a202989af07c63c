// Text read through a ByteSource in chunks, one line at a time: a 200 MB log never sits in
// memory whole (one chunk of bytes, its decoded text and the partial line at its end do).
import { type ByteSource, readAt } from '../bytesource';
import { throwIfAborted } from '../errors';

export interface LineReadOptions {
  signal?: AbortSignal;
  /** Bytes per read (default 1 MiB). */
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Lines longer than this are cut (default 1 MiB of text); the count is returned. */
  maxLine?: number;
}

export interface LineReadResult {
  lines: number;
  bytes: number;
  /** Lines cut at maxLine. */
  cut: number;
}

/**
 * Calls onLine for every line of src (without its end of line; CR LF and LF both end lines).
 * Line numbers start at 1. A final line without a newline is still a line.
 */
export async function forEachLine(src: ByteSource, onLine: (line: string, no: number) => void, opts: LineReadOptions = {}): Promise<LineReadResult> {
  const chunk = opts.chunkSize ?? 1 << 20;
  const maxLine = opts.maxLine ?? 1 << 20;
  const dec = new TextDecoder('utf-8', { fatal: false });
  let carry = '';
  let no = 0;
  let cut = 0;
  const emit = (s: string) => {
    if (s.endsWith('\r')) s = s.slice(0, -1);
    if (s.length > maxLine) {
      s = s.slice(0, maxLine);
      cut++;
    }
    if (no === 0 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    onLine(s, ++no);
  };
  // While a line longer than maxLine is being skipped, text up to its newline is dropped.
  let skipping = false;
  for (let off = 0; off < src.size; off += chunk) {
    throwIfAborted(opts.signal);
    const b = await readAt(src, off, chunk);
    if (!b.length) break;
    let text = dec.decode(b, { stream: off + b.length < src.size });
    if (skipping) {
      const nl = text.indexOf('\n');
      if (nl < 0) text = '';
      else {
        text = text.slice(nl + 1);
        skipping = false;
      }
    } else text = carry + text;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      emit(text.slice(start, nl));
      start = nl + 1;
    }
    carry = skipping ? '' : text.slice(start);
    if (carry.length > maxLine) {
      emit(carry);
      carry = '';
      skipping = true;
    }
    opts.onProgress?.(Math.min(src.size, off + b.length), src.size);
  }
  carry += dec.decode();
  if (carry.length) emit(carry);
  return { lines: no, bytes: src.size, cut };
}

/** The first `bytes` of src as text (for recognizing the format), cut at the last full line. */
export async function readHead(src: ByteSource, bytes = 64 << 10): Promise<{ text: string; binary: boolean }> {
  const b = await readAt(src, 0, bytes);
  let control = 0;
  for (let i = 0; i < Math.min(b.length, 4096); i++) {
    const c = b[i];
    if (c === 0 || (c < 8 && c !== 0)) control++;
  }
  let text = new TextDecoder('utf-8', { fatal: false }).decode(b);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (b.length === bytes) {
    const nl = text.lastIndexOf('\n');
    if (nl > 0) text = text.slice(0, nl + 1);
  }
  return { text, binary: control > 0 };
}
