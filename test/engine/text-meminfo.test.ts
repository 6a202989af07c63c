// /proc/meminfo sampled before and after a program maps and writes a known amount of anonymous
// memory (test/fixtures/anongrow.c): the growth is user space, AnonPages grew by that amount.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../src/engine/bytesource';
import { type MeminfoDiffDoc, type MeminfoDoc, compareTexts, readText } from '../../src/engine/text';
import { breakdown } from '../../src/engine/text/meminfo';
import { buildFixture } from '../helpers/fixtures';
import { claimedBy, readTextFile, start, workDir } from '../helpers/text-tools';

const MIB = 256;

interface Truth {
  pid: number;
  bytes: number;
  rssAnonBeforeKiB: number;
  rssAnonAfterKiB: number;
}

/** One run: meminfo before, the growth, meminfo after; the two samples in one file too. */
async function sampleAround(dir: string, exe: string, k: number) {
  const truthPath = join(dir, `truth-${k}.json`);
  const prog = start(exe, [truthPath, String(MIB)]);
  try {
    const pid = Number((await prog.waitFor(/READY (\d+)/))[1]);
    const before = readFileSync('/proc/meminfo', 'utf8');
    process.kill(pid, 'SIGUSR1');
    await prog.waitFor(/GREW \d+/);
    const after = readFileSync('/proc/meminfo', 'utf8');
    const a = join(dir, `m${k}-1.txt`);
    const b = join(dir, `m${k}-2.txt`);
    const both = join(dir, `m${k}-both.txt`);
    writeFileSync(a, before);
    writeFileSync(b, after);
    writeFileSync(both, `${Math.floor(Date.now() / 1000) - 1}\n${before}${Math.floor(Date.now() / 1000)}\n${after}`);
    return { a, b, both, truth: JSON.parse(readFileSync(truthPath, 'utf8')) as Truth };
  } finally {
    prog.child.kill('SIGKILL');
  }
}

describe('/proc/meminfo around a known anonymous growth', () => {
  it('reads a sample: every category, and what no counter holds', async () => {
    const doc = (await readText(new MemorySource(new TextEncoder().encode(readFileSync('/proc/meminfo', 'utf8')), 'x'))) as MeminfoDoc;
    expect(doc.kind).toBe('meminfo');
    expect(doc.samples).toHaveLength(1);
    const f = doc.samples[0].fields;
    const b = doc.breakdown;
    expect(b.totalKiB).toBe(f.MemTotal);
    // The categories and the unaccounted rest add up to MemTotal exactly.
    expect(b.categories.reduce((a, c) => a + c.kib, 0)).toBe(f.MemTotal);
    expect(b.categories.find((c) => c.key === 'anon')!.kib).toBe(f.AnonPages);
    expect(b.categories.find((c) => c.key === 'sunreclaim')!.kib).toBe(f.SUnreclaim);
    expect(b.categories.find((c) => c.key === 'filecache')!.kib).toBe(f.Buffers + f.Cached - f.Shmem);
    expect(breakdown(f)).toEqual(b);
  });

  it('two samples → user-space growth; AnonPages grew by what the program wrote', async () => {
    const dir = workDir('meminfo');
    const exe = await buildFixture('anongrow.c');
    // Other processes on the machine move AnonPages too: up to three tries for a quiet window.
    let last = '';
    for (let k = 0; k < 3; k++) {
      const { a, b, both, truth } = await sampleAround(dir, exe, k);
      for (const f of [a, b, both]) expect(await claimedBy(f)).toEqual(['meminfo']);
      const da = (await readTextFile(a)) as MeminfoDoc;
      const db = (await readTextFile(b)) as MeminfoDoc;
      const diff = compareTexts(da, db) as MeminfoDiffDoc;
      expect(diff.kind).toBe('meminfo-diff');
      const g = diff.growth;
      expect(g.verdict).toBe('user-space growth');
      expect(g.summary).toMatch(/AnonPages/);
      // The same from one file holding both samples, with time stamps.
      const one = (await readTextFile(both)) as MeminfoDoc;
      expect(one.samples).toHaveLength(2);
      expect(one.growth!.sides).toEqual(g.sides);
      expect(one.growth!.seconds).toBeGreaterThanOrEqual(0);
      // The program's own RssAnon rose by what it wrote.
      expect((truth.rssAnonAfterKiB - truth.rssAnonBeforeKiB) * 1024).toBeGreaterThanOrEqual(truth.bytes);
      const anon = g.categories.find((c) => c.key === 'anon')!.delta * 1024;
      if (Math.abs(anon - truth.bytes) <= truth.bytes * 0.1) {
        // Of the categories, user anon grew most.
        expect([...g.categories].sort((x, y) => y.delta - x.delta)[0].key).toBe('anon');
        return;
      }
      last = `AnonPages grew by ${anon} bytes, the program wrote ${truth.bytes}`;
    }
    throw new Error(`three windows were not quiet enough: ${last}`);
  });
});
