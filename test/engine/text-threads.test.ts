// top -b -H and ps -L/-T on a program whose threads carry known names (test/fixtures/threadnames.c):
// the groups by name and their counts equal what the program made.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadsDoc } from '../../src/engine/text';
import { buildFixture } from '../helpers/fixtures';
import { type Running, claimedBy, missingTool, readTextFile, run, start, workDir } from '../helpers/text-tools';

interface Truth {
  pid: number;
  threads: { tid: number; name: string }[];
  counts: Record<string, number>;
  families: Record<string, number>;
}

const why = missingTool('top', 'procps') ?? missingTool('ps', 'procps');

describe.skipIf(why)(`threads from top -H and ps -L${why ? ` (skipped: ${why})` : ''}`, () => {
  let prog: Running;
  let truth: Truth;
  let dir: string;
  const outputs: Record<string, string> = {};
  beforeAll(async () => {
    dir = workDir('threads');
    const exe = await buildFixture('threadnames.c');
    const truthPath = join(dir, 'truth.json');
    prog = start(exe, [truthPath]);
    const pid = Number((await prog.waitFor(/READY (\d+)/))[1]);
    truth = JSON.parse((await import('node:fs')).readFileSync(truthPath, 'utf8'));
    expect(truth.pid).toBe(pid);
    const cmds: Record<string, [string, string[]]> = {
      top: ['top', ['-b', '-H', '-n', '1', '-p', String(pid)]],
      top2: ['top', ['-b', '-H', '-n', '2', '-d', '0.2', '-p', String(pid)]],
      psL: ['ps', ['-L', '-p', String(pid)]],
      psT: ['ps', ['-T', '-p', String(pid)]],
      psComm: ['ps', ['-L', '-o', 'pid,tid,stat,comm', '-p', String(pid)]],
    };
    for (const [k, [cmd, args]] of Object.entries(cmds)) {
      const { stdout } = await run(cmd, args, { env: { ...process.env, COLUMNS: '200' } });
      // Neutral names: the format is recognized from the content.
      outputs[k] = join(dir, `evidence-${k}.txt`);
      writeFileSync(outputs[k], stdout);
    }
  });
  afterAll(() => prog?.child.kill('SIGKILL'));

  for (const k of ['top', 'top2', 'psL', 'psT', 'psComm']) {
    it(`${k}: groups threads by name with the program's counts`, async () => {
      expect(await claimedBy(outputs[k])).toEqual(['threads']);
      const doc = (await readTextFile(outputs[k])) as ThreadsDoc;
      expect(doc.kind).toBe('threads');
      expect(doc.source).toBe(k.startsWith('top') ? 'top' : 'ps');
      expect(doc.threads).toBe(true);
      expect(doc.snapshots.length).toBe(k === 'top2' ? 2 : 1);
      const last = doc.snapshots[doc.snapshots.length - 1];
      const got = Object.fromEntries(last.groups.map((g) => [g.name, g.count]));
      expect(got).toEqual(truth.counts);
      expect(last.rows).toBe(truth.threads.length);
      if (last.total !== undefined) expect(last.total).toBe(truth.threads.length);
      // Every thread id is the one the program recorded for that name.
      for (const g of last.groups) for (const id of g.ids) expect(truth.threads.find((t) => t.tid === id)?.name).toBe(g.name);
      expect(Object.fromEntries(last.families.map((f) => [f.family, f.count]))).toEqual(truth.families);
      if (k.startsWith('ps')) expect(last.processes).toEqual([{ pid: truth.pid, threads: truth.threads.length }]);
      expect(doc.changes).toEqual([]);
    });
  }
});
