// `heaplens hex` as a user runs it: the memory at a leaked request of the leak fixture, with and
// without the block index, as text and JSON; a symbol as the location; errors and exit codes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HexBytesRow } from '../../src/engine/hexview';
import { ROOT, buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';

const run = promisify(execFile);
const CLI = join(ROOT, 'bin', 'heaplens.mjs');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('heaplens hex', () => {
  let fx: Dumped<{ tops: string[]; indirect: string[]; anchored: string[]; vtableCommReq: string }>;
  let req: string;
  let body: string;
  const p16 = (a: string) => BigInt(a).toString(16).padStart(16, '0');
  beforeAll(async () => {
    fx = await dumpFixture(await buildFixture('leakfix.cpp'));
    req = fx.truth.tops[fx.truth.tops.length - 1];
    body = fx.truth.indirect[2 * 299];
  });

  it('prints the rows at an address, xxd-like, with blocks and verdicts when asked to analyze', async () => {
    const r = await cli(['hex', fx.core, req, '--bin', fx.exe, '--rows', '4', '--blocks']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0].startsWith(p16(req))).toBe(true);
    expect(lines[0]).toContain(p16(fx.truth.vtableCommReq));
    expect(lines[0]).toContain('vtable for CommReq+0x10');
    expect(lines[0]).toContain(`block ${p16(body)} (216 B, indirect)`);
    expect(lines[0]).toContain('┌ block 56 B leak top');
  });

  it('without --blocks names mappings and symbols only; --json gives the rows', async () => {
    const r = await cli(['hex', fx.core, 'g_kept', '--bin', fx.exe, '--rows', '2', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { wordSize: number; hasBlocks: boolean; location: { how: string }; rows: HexBytesRow[] };
    expect(j).toMatchObject({ wordSize: 8, hasBlocks: false, location: { how: 'symbol' } });
    expect(j.rows).toHaveLength(2);
    const w = j.rows[0].words.find((x) => x.value === fx.truth.anchored[0]);
    expect(w?.pointer).toMatchObject({ label: 'heap', where: '[heap]' });
    expect(w?.pointer?.block).toBeUndefined();
  });

  it('says why a location cannot be shown', async () => {
    const off = await cli(['hex', fx.core, '@0']);
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/headers or notes/);
    const sym = await cli(['hex', fx.core, 'g_kept']);
    expect(sym.code).toBe(1);
    expect(sym.stderr).toMatch(/symbol names need the executable/);
    const none = await cli(['hex', fx.core]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/hex needs a location/);
    const rows = await cli(['hex', fx.core, req, '--rows', 'x']);
    expect(rows.code).toBe(2);
  });
});
