// Bad input gets a clear message naming what is wrong and where, and keeps what it could read.
import { copyFileSync, mkdirSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../src/engine/elf/core';
import { HeaplensError } from '../../src/engine/errors';
import { NodeFileSource } from '../../src/workers/node-source';
import { analyzeFile } from '../helpers/engine';
import { WORK, buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';
import { readelfLoads } from '../helpers/oracle';

async function openError(path: string): Promise<HeaplensError> {
  const src = await NodeFileSource.open(path);
  try {
    await openCore(src);
  } catch (e) {
    return e as HeaplensError;
  } finally {
    await src.close();
  }
  throw new Error(`${path} opened without error`);
}

describe('bad input', () => {
  let fx: Dumped<{ vtableA: string; N: number }>;
  const dir = join(WORK, 'bad');
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    fx = await dumpFixture(await buildFixture('seed002.cpp'));
  });

  it('rejects a non-ELF file, naming the magic it expected at offset 0', async () => {
    const p = join(dir, 'notes.txt');
    writeFileSync(p, 'pmap output, not a core\n');
    const e = await openError(p);
    expect(e).toBeInstanceOf(HeaplensError);
    expect(e.code).toBe('elf.bad-magic');
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/not an ELF file.*offset 0/);
  });

  it('rejects an empty file', async () => {
    const p = join(dir, 'empty');
    writeFileSync(p, '');
    expect((await openError(p)).message).toMatch(/empty file/);
  });

  it('rejects an executable given as the core, saying what it is', async () => {
    const e = await openError(fx.exe);
    expect(e.code).toBe('core.not-a-core');
    expect(e.message).toMatch(/not a core dump/);
  });

  it('reports a core cut inside its program headers, with the offsets', async () => {
    const p = join(dir, 'cut-headers.core');
    copyFileSync(fx.core, p);
    const fd = openSync(p, 'r+');
    ftruncateSync(fd, 200);
    closeSync(fd);
    const e = await openError(p);
    expect(e.code).toBe('core.truncated');
    expect(e.message).toMatch(/truncated.*the file has 200/);
  });

  it('analyzes a core cut in the middle of its memory: warns, scans what is there', async () => {
    const loads = readelfLoads(fx.core);
    // Cut inside the largest segment (the heap).
    const heap = loads.reduce((a, b) => (b.filesz > a.filesz ? b : a));
    const cutAt = heap.offset + Math.floor(heap.filesz / 2);
    const p = join(dir, 'cut-memory.core');
    copyFileSync(fx.core, p);
    const fd = openSync(p, 'r+');
    ftruncateSync(fd, cutAt);
    closeSync(fd);
    const j = await analyzeFile(p);
    const warn = j.diagnostics.find((d) => d.code === 'core.truncated-segment');
    expect(warn?.message).toMatch(/bytes missing/);
    expect(warn?.offset).toBe(cutAt);
    const full = await analyzeFile(fx.core);
    expect(j.words!.bytesScanned).toBeLessThan(full.words!.bytesScanned);
    expect(j.words!.bytesScanned).toBeGreaterThan(0);
    // Segments past the cut have no bytes in the core: reported, not zero-filled.
    const inCore = j.regions.reduce((n, r) => n + r.inCore, 0);
    expect(inCore).toBeLessThanOrEqual(cutAt);
    // Notes live at the end of a gdb core, so the cut also loses them: said, not crashed.
    expect(j.diagnostics.some((d) => d.code === 'core.truncated-notes' || d.code === 'core.no-notes')).toBe(true);
  });
});
