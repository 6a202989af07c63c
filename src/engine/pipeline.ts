// Streaming: cut the core's segments into spans of the file and feed them to the workers,
// each pulling the next span as soon as it is free. Progress and cancellation live here.
import { AbortedError, throwIfAborted } from './errors';
import type { Segment } from './elf/core';
import type { Span } from './kernel-api';

export const DEFAULT_SPAN_BYTES = 16 << 20;

export interface Progress {
  phase: string;
  done: number;
  total: number;
  /** Milliseconds since the phase started. */
  elapsedMs: number;
}

export type ProgressFn = (p: Progress) => void;

/**
 * Plans spans over the present bytes of the given segments. Pieces keep word alignment
 * relative to each segment's address; adjacent segments that are adjacent in the file share
 * a span, so many small mappings cost one read.
 */
export function planSpans(segments: Segment[], wordSize: number, maxSpan = DEFAULT_SPAN_BYTES): Span[] {
  const pieces: { file: number; len: number; addr: bigint; availEnd: bigint }[] = [];
  for (const s of segments) {
    let len = s.available - (s.available % wordSize);
    let file = s.fileOffset;
    let addr = s.vaddr;
    const availEnd = s.vaddr + BigInt(s.available);
    while (len > 0) {
      const n = Math.min(len, maxSpan - (maxSpan % wordSize));
      pieces.push({ file, len: n, addr, availEnd });
      file += n;
      addr += BigInt(n);
      len -= n;
    }
  }
  pieces.sort((a, b) => a.file - b.file);
  const spans: Span[] = [];
  let cur: Span | undefined;
  for (const p of pieces) {
    if (cur && p.file >= cur.fileStart + cur.length && p.file + p.len - cur.fileStart <= maxSpan && p.file - (cur.fileStart + cur.length) < 4096) {
      cur.pieces.push({ offset: p.file - cur.fileStart, length: p.len, addr: p.addr, availEnd: p.availEnd });
      cur.length = p.file + p.len - cur.fileStart;
    } else {
      cur = { fileStart: p.file, length: p.len, pieces: [{ offset: 0, length: p.len, addr: p.addr, availEnd: p.availEnd }] };
      spans.push(cur);
    }
  }
  return spans;
}

export function spanBytes(spans: Span[]): number {
  let n = 0;
  for (const s of spans) for (const p of s.pieces) n += p.length;
  return n;
}

/**
 * Runs `work` for every span on the workers (dynamic assignment), reporting progress. Each
 * worker gets `depth` spans in flight, so it reads the next slice while it scans this one.
 */
export async function runSpans<W, S extends Span = Span>(
  workers: W[],
  spans: S[],
  work: (w: W, s: S) => Promise<number>,
  opts: {
    phase: string;
    signal?: AbortSignal;
    onProgress?: ProgressFn;
    depth?: number;
    /** Bytes in all (default: the spans' pieces). */
    total?: number;
    /** Give up on calls in flight when the signal fires (a worker may be stuck in a long call; the pool must then be disposed, not reused). */
    raceAbort?: boolean;
  },
): Promise<void> {
  const depth = opts.depth ?? 2;
  const total = opts.total ?? spanBytes(spans);
  const signal = opts.signal;
  const aborted =
    opts.raceAbort && signal
      ? new Promise<never>((_, reject) => {
          if (signal.aborted) reject(new AbortedError());
          else signal.addEventListener('abort', () => reject(new AbortedError()), { once: true });
        })
      : undefined;
  aborted?.catch(() => undefined);
  const call = (w: W, s: S) => (aborted ? Promise.race([work(w, s), aborted]) : work(w, s));
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  opts.onProgress?.({ phase: opts.phase, done: 0, total, elapsedMs: 0 });
  let failed: unknown;
  const loop = async (w: W) => {
    while (failed === undefined) {
      if (opts.signal?.aborted) throw new AbortedError();
      const i = next++;
      if (i >= spans.length) return;
      try {
        // Not `done += await …`: that reads `done` before the await and loses the other loops' bytes.
        // Not `done += await …`: that reads `done` before the await and loses the other loops' bytes.
        const n = await call(w, spans[i]);
        done += n;
      } catch (e) {
        failed ??= e;
        throw e;
      }
      opts.onProgress?.({ phase: opts.phase, done, total, elapsedMs: performance.now() - t0 });
    }
  };
  await Promise.all(workers.flatMap((w) => Array.from({ length: depth }, () => loop(w))));
  throwIfAborted(opts.signal);
}
