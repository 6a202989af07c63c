// valgrind memcheck's log of a program leaking every kind from its own function
// (test/fixtures/vgleak.c): loss records by kind and by top frame equal what it made.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ValgrindDoc, sortLossGroups } from '../../src/engine/text';
import { buildFixture } from '../helpers/fixtures';
import { claimedBy, missingTool, readTextFile, run, workDir } from '../helpers/text-tools';

interface Truth {
  definitely: { bytes: number; blocks: number };
  indirectly: { bytes: number; blocks: number };
  possibly: { bytes: number; blocks: number };
  reachable: { bytes: number; blocks: number };
  functions: Record<string, { kind: 'definitely' | 'possibly' | 'reachable'; bytes: number; blocks: number; indirect?: number }>;
}

const why = missingTool('valgrind', 'valgrind');

describe.skipIf(why)(`valgrind memcheck log${why ? ` (skipped: ${why})` : ''}`, () => {
  let doc: ValgrindDoc;
  let truth: Truth;
  beforeAll(async () => {
    const dir = workDir('valgrind');
    const exe = await buildFixture('vgleak.c');
    const log = join(dir, 'log.txt');
    await run('valgrind', ['--leak-check=full', '--show-leak-kinds=all', `--log-file=${log}`, exe, join(dir, 'truth.json')]);
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    expect(await claimedBy(log)).toEqual(['valgrind']);
    doc = (await readTextFile(log)) as ValgrindDoc;
  });

  it('reads the process, its heap summary and the leak summary', () => {
    expect(doc.kind).toBe('valgrind');
    expect(doc.processes).toHaveLength(1);
    const p = doc.processes[0];
    expect(p.tool).toBe('Memcheck');
    expect(p.command).toMatch(/vgleak/);
    for (const k of ['definitely', 'indirectly', 'possibly', 'reachable'] as const) expect(p.summary[k]).toEqual(truth[k]);
    const inUse = Object.values(truth).filter((x) => 'blocks' in x).reduce((a, x) => a + (x as { blocks: number }).blocks, 0);
    expect(p.heap!.inUseBlocks).toBe(inUse);
  });

  it('loss records add up per kind to the program\'s truth', () => {
    const p = doc.processes[0];
    for (const k of ['definitely', 'indirectly', 'possibly', 'reachable'] as const) {
      expect({ bytes: p.byKind[k]!.bytes, blocks: p.byKind[k]!.blocks }).toEqual(truth[k]);
    }
  });

  it('groups by the function below malloc: each leaking function with its kind and bytes', () => {
    const p = doc.processes[0];
    for (const [fn, t] of Object.entries(truth.functions)) {
      const g = p.byFunction.find((x) => x.key === fn)!;
      expect(g, fn).toBeDefined();
      expect(g.kinds[t.kind]).toBe(t.bytes);
      expect(g.where).toMatch(/^vgleak\.c:\d+$/);
      if (t.indirect) expect(g.kinds.indirectly).toBe(t.indirect);
    }
    // Most bytes first; leak_widgets is the largest.
    expect(p.byFunction[0].key).toBe('leak_widgets');
    expect(sortLossGroups(p.byFunction, 'blocks')[0].key).toBe('leak_widgets');
    expect(sortLossGroups(p.byFunction, 'key').map((g) => g.key)).toEqual([...p.byFunction.map((g) => g.key)].sort());
    expect(p.byStack.find((s) => s.key === 'leak_widgets ← main')).toMatchObject({ bytes: truth.functions.leak_widgets.bytes });
  });
});
