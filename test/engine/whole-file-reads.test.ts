// No code reads a whole file into one buffer: a 4 GiB+ core would not fit in one ArrayBuffer (and
// the tab would die well before). Every ArrayBuffer made from a Blob or File must come from a
// slice of it (File.slice: spans, pages, headers); decompressing a .gz goes into a list of
// blobs; the only whole-body reads are of the app's own small assets fetched from its origin and
// of what heaplens itself compresses for export.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(n) ? [p] : [];
  });
}

const WHOLE = /\.arrayBuffer\(\)|\.bytes\(\)|readAsArrayBuffer|readAsBinaryString|readAsText|readAsDataURL|new Response\(|\.blob\(\)/;

it('reads files only through slices (no whole-file ArrayBuffer anywhere in the app, engine or CLI)', () => {
  const found: string[] = [];
  let checked = 0;
  for (const f of [...files(join(ROOT, 'src')), ...files(join(ROOT, 'bin'))]) {
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!WHOLE.test(line) || /^\s*(\/\/|\*)/.test(line)) return;
      checked++;
      const before = lines.slice(Math.max(0, i - 3), i + 1).join('\n');
      const sliced = /\.slice\([^)]*\)\s*\.arrayBuffer\(\)/.test(line);
      const asset = /\bfetch\(/.test(before);
      // Compressing what heaplens itself wrote (a pprof export) reads no input file.
      const output = /new CompressionStream\(/.test(before);
      // An archive member's Blob (BlobListSource.blob(): Blobs laid end to end, nothing read) handed on as a File.
      const member = /as BlobListSource\)\.blob\(\)/.test(line);
      if (!sliced && !asset && !output && !member) found.push(`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`);
    });
  }
  expect(checked).toBeGreaterThan(0);
  expect(found).toEqual([]);
});

it('the check sees a whole-file read', () => {
  expect(WHOLE.test('const b = await file.arrayBuffer();')).toBe(true);
  expect(WHOLE.test('await new Response(file.stream().pipeThrough(d)).blob()')).toBe(true);
});
