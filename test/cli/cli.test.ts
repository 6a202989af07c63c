// The CLI under Node worker threads: the JSON contract (docs/json.md), human tables, errors.
import { execFile } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { ROOT, WORK, buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';

const run = promisify(execFile);
const CLI = join(ROOT, 'bin', 'heaplens.mjs');
const HEX = /^0x[0-9a-f]+$/;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { maxBuffer: 256 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('heaplens CLI', () => {
  let fx: Dumped<{ vtableA: string; N: number; pid: number }>;
  beforeAll(async () => {
    fx = await dumpFixture(await buildFixture('seed002.cpp'));
  });

  it('analyze --json follows the documented contract', async () => {
    const r = await cli(['analyze', fx.core, '--bin', fx.exe, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as AnalysisJSON;
    expect(j.format).toBe('elf64-core');
    expect(j.wordSize).toBe(8);
    expect(j.process.pid).toBe(fx.truth.pid);
    for (const reg of j.regions) {
      expect(reg.start).toMatch(HEX);
      expect(reg.end).toMatch(HEX);
      expect(reg.perms).toMatch(/^([r-][w-][x-]|\?)$/);
      expect(typeof reg.label).toBe('string');
    }
    expect(j.regions.some((x) => x.file === fx.exe)).toBe(true);
    expect(j.threads[0].tid).toBe(fx.truth.pid);
    expect(j.threads[0].sp).toMatch(HEX);
    expect(j.threads[0].ip).toMatch(HEX);
    const top = j.words!.top;
    expect(top.length).toBeGreaterThan(100);
    for (const w of top) {
      expect(w.value).toMatch(HEX);
      expect(Number.isInteger(w.count)).toBe(true);
    }
    const a = top.find((w) => BigInt(w.value) === BigInt(fx.truth.vtableA))!;
    expect(a.count).toBeGreaterThanOrEqual(fx.truth.N);
    expect(a.target).toMatchObject({ label: 'rodata', file: fx.exe });
    expect(a.target!.symbol).toMatch(/^vtable for A/);
  });

  it('prints readable tables by default', async () => {
    const r = await cli(['analyze', fx.core, '--bin', fx.exe, '--top', '10']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Memory map/);
    expect(r.stdout).toMatch(/\[heap\]/);
    expect(r.stdout).toMatch(/vtable for A/);
    expect(r.stdout).toMatch(/Word census: [\d,]+ words/);
  });

  it('map prints the map without scanning', async () => {
    const r = await cli(['map', fx.core, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as AnalysisJSON;
    expect(j.words).toBeUndefined();
    expect(j.regions.length).toBeGreaterThan(5);
  });

  it('leaks, refs and chain answer about leaks and single blocks', async () => {
    const lf = await dumpFixture<{ tops: string[]; indirect: string[]; anchored: string[] }>(await buildFixture('leakfix.cpp'));
    const leaks = await cli(['leaks', lf.core, '--bin', lf.exe, '--json']);
    expect(leaks.code).toBe(0);
    const l = JSON.parse(leaks.stdout);
    expect(l.unreferenced.count).toBe(lf.truth.tops.length);
    expect(l.indirect.count).toBe(lf.truth.indirect.length);
    const text = await cli(['leaks', lf.core, '--bin', lf.exe]);
    expect(text.stdout).toMatch(/CommReq\s+300/);
    const refs = await cli(['refs', lf.core, lf.truth.indirect[0], '--bin', lf.exe]);
    expect(refs.stdout).toMatch(/leaked \(indirectly/);
    expect(refs.stdout).toMatch(/Who points to it \(1\)/);
    const chain = await cli(['chain', lf.core, lf.truth.anchored[3], '--bin', lf.exe, '--json']);
    const c = JSON.parse(chain.stdout);
    expect(c.verdict).toBe('anchored');
    expect(c.chain[0].root).toMatch(/g_kept/);
    const bad = await cli(['chain', lf.core, '0x10', '--bin', lf.exe]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not inside a used heap block/);
  });

  it('fails clearly on a non-ELF file and on bad usage', async () => {
    const dir = join(WORK, 'cli');
    mkdirSync(dir, { recursive: true });
    const p = join(dir, 'not-a-core.txt');
    writeFileSync(p, 'hello\n');
    const r = await cli(['analyze', p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not an ELF file.*offset 0/);
    expect((await cli(['analyze', join(dir, 'missing')])).stderr).toMatch(/no such file/);
    const u = await cli(['frobnicate']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/unknown command/);
  });
});
