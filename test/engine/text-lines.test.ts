// The chunked line reader under the text importers: chunk edges inside lines, inside UTF-8
// sequences and between CR and LF; a last line without newline; lines longer than the cap.
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../src/engine/bytesource';
import { forEachLine } from '../../src/engine/text/lines';
import { readText } from '../../src/engine/text';

async function lines(text: string, chunkSize: number, maxLine?: number) {
  const out: string[] = [];
  const r = await forEachLine(new MemorySource(new TextEncoder().encode(text)), (l) => out.push(l), { chunkSize, maxLine });
  return { out, ...r };
}

describe('forEachLine', () => {
  const text = '\ufeffalpha\r\nbéta — ünïcode ✓\n\nlast without newline';
  const want = ['alpha', 'béta — ünïcode ✓', '', 'last without newline'];
  for (const chunk of [1, 2, 3, 5, 7, 64, 1 << 20]) {
    it(`gives the same lines with ${chunk}-byte chunks`, async () => {
      const r = await lines(text, chunk);
      expect(r.out).toEqual(want);
      expect(r.lines).toBe(4);
    });
  }

  it('cuts a line longer than the cap and goes on at the next line', async () => {
    const long = 'x'.repeat(100);
    for (const chunk of [7, 16, 1000]) {
      const r = await lines(`a\n${long}\nb\n`, chunk, 10);
      expect(r.out).toEqual(['a', 'x'.repeat(10), 'b']);
      expect(r.cut).toBe(1);
    }
  });

  it('an empty source has no lines; unknown text is said to be so', async () => {
    expect((await lines('', 16)).out).toEqual([]);
    const doc = await readText(new MemorySource(new Uint8Array(0), 'empty'));
    expect(doc).toMatchObject({ kind: 'unknown-text', reason: 'the file is empty' });
  });
});
