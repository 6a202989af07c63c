import { describe, expect, it } from 'vitest';
import { topIndices } from '../../src/engine/census';
import { toCxxfiltStyle } from '../../src/engine/demangle';
import type { Segment } from '../../src/engine/elf/core';
import { bytes, hex, parseAddress, wordAsText } from '../../src/engine/format';
import { planSpans, runSpans, spanBytes } from '../../src/engine/pipeline';
import type { KernelWorker } from '../../src/engine/kernel-api';

const seg = (fileOffset: number, available: number, vaddr = 0x1000n): Segment => ({
  index: 0, vaddr, memsz: BigInt(available), fileOffset, filesz: available, available, flags: 6, perms: 'rw-',
});

describe('runSpans', () => {
  it('reports every byte done when spans finish out of order on several loops', async () => {
    const spans = planSpans([seg(0, 64 << 20)], 8, 1 << 20);
    const seen: number[] = [];
    const workers = [{}, {}] as unknown as KernelWorker[];
    let k = 0;
    await runSpans(workers, spans, async (_w, s) => {
      // Uneven delays: later spans often finish before earlier ones.
      await new Promise((r) => setTimeout(r, (k++ * 7) % 5));
      return spanBytes([s]);
    }, { phase: 'test', onProgress: (p) => seen.push(p.done) });
    expect(seen[seen.length - 1]).toBe(64 << 20);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
  });
});

describe('planSpans', () => {
  it('splits big segments at the span size, word aligned, and covers every byte once', () => {
    const spans = planSpans([seg(0x7b0, 10_000_000 + 5)], 8, 1 << 20);
    expect(spanBytes(spans)).toBe(10_000_000);
    for (const s of spans) {
      expect(s.length).toBeLessThanOrEqual(1 << 20);
      for (const p of s.pieces) expect(p.length % 8).toBe(0);
    }
    expect(spans[0].fileStart).toBe(0x7b0);
  });
  it('groups small segments adjacent in the file into one span', () => {
    const spans = planSpans([seg(100, 4096), seg(4196, 4096), seg(8292, 4096)], 8, 1 << 20);
    expect(spans.length).toBe(1);
    expect(spans[0].pieces.map((p) => p.offset)).toEqual([0, 4096, 8192]);
  });
  it('skips segments with no bytes present', () => {
    expect(planSpans([seg(0, 0)], 4)).toEqual([]);
  });
});

describe('topIndices', () => {
  it('returns the k largest, largest first, honouring the filter', () => {
    const c = [5, 1, 9, 9, 3, 7];
    expect(topIndices(c, 3)).toEqual([2, 3, 5]);
    expect(topIndices(c, 2, (i) => i % 2 === 0)).toEqual([2, 0]);
    expect(topIndices([], 3)).toEqual([]);
  });
});

describe('formatting', () => {
  it('round-trips 64-bit addresses without precision loss', () => {
    const a = 0xffffffffff600000n;
    expect(hex(a)).toBe('0xffffffffff600000');
    expect(parseAddress('0xFFFFFFFFFF600000')).toBe(a);
    expect(parseAddress('7f46909f6000')).toBe(0x7f46909f6000n);
    expect(() => parseAddress('zz')).toThrow(/not an address/);
    expect(bytes(1536)).toBe('1.50 KiB');
  });
  it('reads words as text in memory order', () => {
    expect(wordAsText('0x6172745f72616863', 8)).toBe('char_tra');
    expect(wordAsText('0x00000000636261', 8)).toBe('abc');
    expect(wordAsText('0x5a5a', 8)).toBeUndefined();
    expect(wordAsText('0x7f5e787d64b0', 8)).toBeUndefined();
    expect(wordAsText('0x64636261', 4)).toBe('abcd');
  });
  it('writes special C++ names as c++filt does', () => {
    expect(toCxxfiltStyle('{vtable(N::A)}')).toBe('vtable for N::A');
    expect(toCxxfiltStyle('{vtt(A)}')).toBe('VTT for A');
    expect(toCxxfiltStyle('{virtual override thunk({offset(-8)}, B::f())}')).toBe('non-virtual thunk to B::f()');
    expect(toCxxfiltStyle('A::f()')).toBe('A::f()');
  });
});
