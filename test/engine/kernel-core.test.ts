// A core written by the kernel, not gdb: every mapping has a PT_LOAD (unreadable and
// unmodified file pages with p_filesz 0 or less than p_memsz), NT_FILE offsets in pages.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { analyzeFile } from '../helpers/engine';
import { buildFixture, kernelCoreSupport, kernelDumpFixture, parseMaps, type Dumped } from '../helpers/fixtures';
import { countWords, readelfLoads } from '../helpers/oracle';

const support = kernelCoreSupport();

describe.skipIf(!support.ok)(`kernel-written core (${support.why ?? 'core_pattern writes a file'})`, () => {
  let fx: Dumped<{ pid: number; N: number; vtableA: string; maps: string }>;
  let j: AnalysisJSON;
  beforeAll(async () => {
    fx = await kernelDumpFixture(await buildFixture('seed002.cpp'));
    j = await analyzeFile(fx.core, [fx.exe], { mode: 'threads', workers: 2 });
  });

  it('reads the signal, the process and its file mappings (NT_FILE offsets in pages)', () => {
    expect(j.process.pid).toBe(fx.truth.pid);
    expect(j.process.signal).toBe(11);
    const maps = parseMaps(fx.truth.maps).filter((m) => m.path.startsWith('/'));
    for (const m of maps) {
      const r = j.regions.find((x) => BigInt(x.start) === m.start);
      expect(r?.file, m.path).toBe(m.path);
      expect(BigInt(r!.fileOffset!)).toBe(m.offset);
      expect(r!.perms).toBe(m.perms.slice(0, 3));
    }
    expect(j.regions.find((r) => r.label === 'heap')).toBeDefined();
    for (const m of parseMaps(fx.truth.maps).filter((x) => /^\[vvar/.test(x.path))) {
      expect(j.regions.find((x) => BigInt(x.start) === m.start)?.label, m.path).toBe('vvar');
    }
  });

  it('reports mappings the kernel did not dump as such, not as zeros', () => {
    const loads = readelfLoads(fx.core);
    const partial = j.regions.filter((r) => r.inCore < r.size);
    expect(partial.length).toBeGreaterThan(0);
    const inCore = j.regions.reduce((n, r) => n + r.inCore, 0);
    expect(inCore).toBe(loads.reduce((n, l) => n + l.filesz, 0));
    const oracle = countWords(fx.core, 8);
    expect(j.words!.words).toBe(oracle.words);
    expect(j.words!.zeroWords).toBe(oracle.zeros);
  });

  it("finds A's vtable × N by name", () => {
    const a = j.words!.vtableCandidates.find((w) => BigInt(w.value) === BigInt(fx.truth.vtableA));
    expect(a?.count).toBeGreaterThanOrEqual(fx.truth.N);
    expect(a?.target?.symbol).toMatch(/^vtable for A/);
  });
});
