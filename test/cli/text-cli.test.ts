// heaplens text and heaplens pprof as a user runs them: formats recognized from content, the
// JSON contract (docs/json.md), two files of a kind compared, pprof export, bad input.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, buildFixture } from '../helpers/fixtures';
import { missingHeader, start, workDir } from '../helpers/text-tools';

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

describe('heaplens text', () => {
  let dir: string;
  beforeAll(async () => {
    dir = workDir('cli');
    // Two /proc/meminfo samples around a 128 MiB anonymous growth, and one that is not text evidence.
    const exe = await buildFixture('anongrow.c');
    const prog = start(exe, [join(dir, 'truth.json'), '128']);
    try {
      const pid = Number((await prog.waitFor(/READY (\d+)/))[1]);
      writeFileSync(join(dir, '1'), readFileSync('/proc/meminfo'));
      process.kill(pid, 'SIGUSR1');
      await prog.waitFor(/GREW/);
      writeFileSync(join(dir, '2'), readFileSync('/proc/meminfo'));
    } finally {
      prog.child.kill('SIGKILL');
    }
    writeFileSync(join(dir, 'notes.txt'), 'Dear team,\nthe service grew again last night.\nRegards\n');
  });

  it('recognizes a file from its content and prints tables', async () => {
    const r = await cli(['text', join(dir, '1')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\/proc\/meminfo, 1 sample/);
    expect(r.stdout).toMatch(/slab, unreclaimable/);
    expect(r.stdout).toMatch(/unaccounted/);
  });

  it('two of a kind → one document each and their comparison (--json)', async () => {
    const r = await cli(['text', join(dir, '1'), join(dir, '2'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.kind).toBe('text-set');
    expect(j.documents.map((d: { kind: string }) => d.kind)).toEqual(['meminfo', 'meminfo']);
    expect(j.comparisons).toHaveLength(1);
    expect(j.comparisons[0].kind).toBe('meminfo-diff');
    expect(j.comparisons[0].growth.verdict).toBe('user-space growth');
    const t = await cli(['text', join(dir, '1'), join(dir, '2')]);
    expect(t.stdout).toMatch(/What grew: user-space growth: AnonPages \+/);
  });

  it('unknown text says so, with the first lines it saw, and keeps the other files', async () => {
    const r = await cli(['text', join(dir, 'notes.txt'), join(dir, '1'), '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/notes\.txt: unknown text/);
    const j = JSON.parse(r.stdout);
    expect(j.documents[0]).toMatchObject({ kind: 'unknown-text', firstLines: ['Dear team,', 'the service grew again last night.', 'Regards'] });
    expect(j.documents[1].kind).toBe('meminfo');
    const bin = await cli(['text', CLI.replace(/heaplens\.mjs$/, '../build/kernels.wasm')]);
    expect(bin.code).toBe(1);
    expect(bin.stderr).toMatch(/binary data/);
    const none = await cli(['text', join(dir, 'nope')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no such file/);
    const usage = await cli(['text']);
    expect(usage.code).toBe(2);
  });
});

const whyTc = missingHeader('gperftools/heap-profiler.h', 'libgoogle-perftools-dev');

describe.skipIf(whyTc)(`heaplens pprof${whyTc ? ` (skipped: ${whyTc})` : ''}`, () => {
  it('writes what grew as gzipped profile.proto, and text shows the diff', async () => {
    const dir = workDir('cli-pprof');
    const exe = await buildFixture('heapprof.cpp', { libs: ['-ltcmalloc'] });
    await run(exe, [join(dir, 'truth.json'), dir]);
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    const out = join(dir, 'out.pb.gz');
    const r = await cli(['pprof', truth.dumps[1], '--base', truth.dumps[0], '--bin', exe, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/wrote .*out\.pb\.gz/);
    const p = Profile.decode(gunzipSync(readFileSync(out)));
    const names = p.function.map((f) => p.stringTable.strings[Number(f.name)]);
    expect(names).toContain(truth.leakFunction);
    const t = await cli(['text', truth.dumps[0], truth.dumps[1], '--bin', exe]);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(`${truth.leakFunction} grew most: +${truth.growthBytes.toLocaleString('en-US')} bytes in use (+${truth.growthObjects} objects)`);
    const bad = await cli(['pprof', join(dir, 'truth.json'), '-o', join(dir, 'x.pb.gz')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is not a gperftools or jemalloc heap profile/);
    expect((await cli(['pprof', truth.dumps[1]])).code).toBe(2);
  });
});
