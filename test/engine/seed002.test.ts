// The seed 002 program, 64- and 32-bit: the memory map against the program's own
// /proc/self/maps, the word census against an independent count, A's vtable by name.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON, WordJSON } from '../../src/engine/analyze';
import { analyzeFile } from '../helpers/engine';
import { buildFixture, dumpFixture, parseMaps, type Dumped } from '../helpers/fixtures';
import { countWords } from '../helpers/oracle';

interface SeedTruth {
  pid: number;
  wordSize: number;
  N: number;
  vtableA: string;
  maps: string;
}

const big = (h: string) => BigInt(h);

for (const bits of [64, 32] as const) {
  describe(`seed 002 program, ${bits}-bit`, () => {
    let fx: Dumped<SeedTruth>;
    let withBin: AnalysisJSON;
    let noBin: AnalysisJSON;
    beforeAll(async () => {
      const exe = await buildFixture('seed002.cpp', { bits });
      fx = await dumpFixture<SeedTruth>(exe);
      withBin = await analyzeFile(fx.core, [fx.exe]);
      noBin = await analyzeFile(fx.core, [], { mode: 'threads', workers: 2, census: { spanBytes: 1 << 20 } });
    });

    it('reads the core format, process and threads', () => {
      expect(withBin.format).toBe(bits === 64 ? 'elf64-core' : 'elf32-core');
      expect(withBin.wordSize).toBe(fx.truth.wordSize);
      expect(withBin.machine).toBe(bits === 64 ? 'x86-64' : 'i386');
      expect(withBin.process.pid).toBe(fx.truth.pid);
      expect(withBin.threads.length).toBe(1);
      expect(withBin.threads[0].tid).toBe(fx.truth.pid);
      expect(withBin.process.command).toMatch(/^seed002/);
    });

    it('maps every readable mapping of /proc/self/maps, with file, perms and heap/stack labels', () => {
      const maps = parseMaps(fx.truth.maps).filter((m) => !/^\[(vvar|vvar_vclock)\]$/.test(m.path));
      for (const m of maps) {
        const r = withBin.regions.find((x) => big(x.start) === m.start);
        expect(r, `region at ${m.start.toString(16)} ${m.path}`).toBeDefined();
        expect(big(r!.end)).toBe(m.end);
        if (m.path.startsWith('/')) {
          expect(r!.file).toBe(m.path);
          expect(r!.perms).toBe(m.perms.slice(0, 3));
        }
        if (m.path === '[heap]') expect(r!.label).toBe('heap');
        if (m.path === '[stack]') {
          expect(r!.label).toBe('stack');
          expect(r!.tid).toBe(fx.truth.pid);
        }
        if (m.path === '[vdso]') expect(r!.label).toBe('vdso');
      }
      expect(withBin.regions.filter((r) => r.label === 'heap').length).toBeGreaterThan(0);
      const exe = withBin.modules.find((m) => m.executable);
      expect(exe?.path).toBe(fx.exe);
    });

    it('counts words exactly as an independent count does', () => {
      const oracle = countWords(fx.core, fx.truth.wordSize as 4 | 8);
      const w = withBin.words!;
      expect(w.words).toBe(oracle.words);
      expect(w.zeroWords).toBe(oracle.zeros);
      // Every listed value: exact ones equal the oracle, approximate ones bracket it.
      for (const e of [...w.top, ...w.topPointers.slice(0, 200)]) {
        const truth = e.value === '0x0' ? oracle.zeros : (oracle.counts.get(big(e.value)) ?? 0);
        if (e.approx) {
          expect(truth).toBeGreaterThanOrEqual(e.count);
          expect(truth).toBeLessThanOrEqual(e.count + (e.maxError ?? 0));
        } else expect(e.count, e.value).toBe(truth);
      }
      // And the top list really is the top: nothing outside it outnumbers its last exact entry.
      const exact = w.top.filter((e) => !e.approx);
      const listed = new Set(w.top.map((e) => big(e.value)));
      const floor = exact[exact.length - 1].count;
      const inMapping = (v: bigint) => withBin.regions.some((r) => v >= big(r.start) && v < big(r.end));
      for (const [v, c] of oracle.counts) if (!listed.has(v) && (v < 65536n || inMapping(v))) expect(c, v.toString(16)).toBeLessThanOrEqual(floor);
    });

    it("finds A's vtable × N, named 'vtable for A' when the binary is given", () => {
      const find = (list: WordJSON[]) => list.find((e) => big(e.value) === big(fx.truth.vtableA));
      const v = find(withBin.words!.vtableCandidates);
      expect(v).toBeDefined();
      expect(v!.count).toBeGreaterThanOrEqual(fx.truth.N);
      expect(v!.target?.symbol).toMatch(/^vtable for A\b/);
      expect(v!.target?.label).toBe('rodata');
      expect(find(withBin.words!.top)).toBeDefined();
      // Without the binary it is still the top vtable candidate, named by module.
      const nb = noBin.words!.vtableCandidates[0];
      expect(big(nb.value)).toBe(big(fx.truth.vtableA));
      expect(nb.target?.symbol).toBeUndefined();
      expect(nb.target?.module).toMatch(/^seed002/);
    });

    it('gives the same census on 2 worker threads with small spans as inline', () => {
      const a = withBin.words!;
      const b = noBin.words!;
      expect(b.workers).toBe(2);
      expect(b.words).toBe(a.words);
      expect(b.pointerWords).toBe(a.pointerWords);
      expect(b.distinctPointers).toBe(a.distinctPointers);
      expect(b.topPointers.map((e) => [e.value, e.count])).toEqual(a.topPointers.map((e) => [e.value, e.count]));
    });
  });
}
