// The collector (public/collect-heaplens.sh) run for real, with dash, against arenagrow (six
// handler threads each growing their own arena between the two snapshots), and its tar.gz read
// back by the engine: every member recognized from its content, the manifest's times on the
// snapshots, the diff naming the six growing arenas ↔ six handler threads, the thread stacks,
// the core analyzable by the core engine. Then damaged archives: what was read is kept and said.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSession, openInputs } from '../../src/engine/analyze';
import { MemorySource } from '../../src/engine/bytesource';
import { type MapsDiffDoc, openArchive, readBundle } from '../../src/engine/text';
import { inlinePool } from '../../src/workers/pool';
import { NodeFileSource } from '../../src/workers/node-source';
import { kernels } from '../helpers/engine';
import { ROOT, buildFixture } from '../helpers/fixtures';
import { type Running, missingTool, start, workDir } from '../helpers/text-tools';

const run = promisify(execFile);
const SCRIPT = join(ROOT, 'public', 'collect-heaplens.sh');
const SH = missingTool('dash', 'dash') ? '/bin/sh' : 'dash';

interface Truth {
  pid: number;
  threads: { tid: number; name: string; arena?: string; allocated?: number; stackSize: number }[];
}

describe('collect-heaplens.sh is POSIX sh', () => {
  it('parses with sh -n and dash -n, and uses no bash-only syntax', async () => {
    await run('sh', ['-n', SCRIPT]);
    if (SH === 'dash') await run('dash', ['-n', SCRIPT]);
    const text = readFileSync(SCRIPT, 'utf8');
    expect(text.split('\n')[0]).toBe('#!/bin/sh');
    // [[ ]], arrays, function keyword, $'…', <<<, ${x//…}, local are not POSIX.
    for (const re of [/\[\[/, /^\s*function\s/m, /(^|\s)\$'/, /<<</, /\$\{[^}]*\/\//, /^\s*local\s/m, /\w+=\(/]) expect(text, String(re)).not.toMatch(re);
  });

  it('refuses a PID that is no process, and bad options, with a message', async () => {
    const r = await run(SH, [SCRIPT, '999999999']).catch((e) => e);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no process 999999999/);
    const u = await run(SH, [SCRIPT, '-n', 'x', '1']).catch((e) => e);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/usage/);
  });
});

const why = missingTool('pmap', 'procps') ?? missingTool('top', 'procps') ?? missingTool('gcore', 'gdb');

describe.skipIf(why)(`the collector's bundle${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string;
  let prog: Running;
  let truth0: Truth;
  let truth1: Truth;
  let bundle: string;

  beforeAll(async () => {
    dir = workDir('collect');
    const exe = await buildFixture('arenagrow.c');
    prog = start(exe, [join(dir, 'truth')]);
    const pid = Number((await prog.waitFor(/STAGE 0 (\d+)/))[1]);
    truth0 = JSON.parse(readFileSync(join(dir, 'truth.0'), 'utf8'));
    // The handlers grow right after the first snapshot (the script says so on stderr).
    const c = spawn(SH, [SCRIPT, '-i', '2', '-n', '2', '--gcore', '-o', dir, String(pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    let grew = false;
    c.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (!grew && /snapshot 1 of 2 taken/.test(err)) {
        grew = true;
        process.kill(pid, 'SIGUSR1');
      }
    });
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => c.on('exit', r));
    expect(code, err).toBe(0);
    await prog.waitFor(/STAGE 1 /);
    truth1 = JSON.parse(readFileSync(join(dir, 'truth.1'), 'utf8'));
    bundle = out.trim();
    expect(bundle).toMatch(new RegExp(`heaplens-${pid}-\\d{8}-\\d{6}\\.tar\\.gz$`));
    expect(readdirSync(dir)).toContain(bundle.split('/').pop());
  }, 240000);
  afterAll(() => prog?.child.kill('SIGKILL'));

  it('every member recognized from its content; the diff, the correlation, the stacks; the core analyzable', async () => {
    const src = await NodeFileSource.open(bundle);
    try {
      const { doc, cores } = await readBundle(src);
      expect(doc.format).toBe('tar.gz');
      expect(doc.diagnostics).toEqual([]);
      expect(doc.manifest).toMatchObject({ pid: truth0.pid, count: 2, interval: 2 });
      expect(doc.manifest!.snapshots.length).toBe(2);
      const [s1, s2] = doc.manifest!.snapshots;
      expect(s2.time - s1.time).toBeGreaterThanOrEqual(2);
      const kinds: Record<string, string> = {};
      for (const m of doc.members) kinds[m.name] = m.kind;
      expect(kinds).toEqual({
        'manifest.txt': 'manifest', [`core.${truth0.pid}`]: 'core',
        'smaps.1': 'maps', 'smaps.2': 'maps', 'pmap-x.1': 'maps', 'pmap-x.2': 'maps', 'status.1': 'proc-status', 'status.2': 'proc-status',
        'top.1': 'threads', 'top.2': 'threads', 'meminfo.1': 'meminfo', 'meminfo.2': 'meminfo',
      });
      // The manifest's times are on the documents of each snapshot.
      for (const m of doc.members.filter((x) => x.document !== undefined && x.kind === 'maps')) {
        const d = doc.documents[m.document!];
        expect(d.kind === 'maps' && d.time).toBe(m.name.endsWith('.1') ? s1.time : s2.time);
      }
      const diff = doc.comparisons.find((c) => c.kind === 'maps-diff') as MapsDiffDoc;
      const hs = truth1.threads.filter((t) => t.name === 'handler');
      expect(diff.snapshots.map((s) => s.name)).toEqual(['smaps.1', 'smaps.2']);
      expect(new Set(diff.growing)).toEqual(new Set(hs.map((h) => h.arena)));
      expect(diff.seconds).toBeCloseTo(s2.time - s1.time, 6);
      for (const h of hs) {
        const grew = (h.allocated! - truth0.threads.find((t) => t.tid === h.tid)!.allocated!) / 1024;
        const t = diff.grown.find((x) => x.start === h.arena)!;
        expect(t.growthKiB).toBeGreaterThanOrEqual(grew * 0.999);
        expect(t.growthKiB).toBeLessThanOrEqual(grew * 1.01 + 64);
        expect(t.perSecond).toBeCloseTo(t.growthKiB / diff.seconds!, 6);
      }
      expect(diff.correlation).toMatchObject({ name: 'handler', threads: hs.length });
      expect(doc.comparisons.map((c) => c.kind).sort()).toEqual(['maps-diff', 'meminfo-diff', 'proc-status', 'threads-diff']);
      // status and meminfo samples dated by the manifest too: growth per second.
      const status = doc.comparisons.find((c) => c.kind === 'proc-status');
      expect(status?.kind === 'proc-status' && status.series[0].times).toEqual([s1.time, s2.time]);
      const mem = doc.comparisons.find((c) => c.kind === 'meminfo-diff');
      expect(mem?.kind === 'meminfo-diff' && mem.growth.seconds).toBeCloseTo(s2.time - s1.time, 6);
      expect(doc.threadStacks?.stacks.length).toBe(truth1.threads.length - 1);
      expect(doc.threadStacks?.threads).toBe(truth1.threads.length);
      // The core: opened and analyzed by the core engine straight from the archive.
      expect(cores.length).toBe(1);
      const opened = await openInputs(cores[0].source);
      const pool = await inlinePool(kernels(), cores[0].source, 1);
      try {
        const { json } = await analyzeSession(opened, pool, { noLeaks: true });
        expect(json.process.pid).toBe(truth1.pid);
        expect(json.threads.map((t) => t.tid).sort()).toEqual(truth1.threads.map((t) => t.tid).sort());
        // Each handler's arena is a region of the core.
        for (const h of hs) expect(json.regions.some((r) => r.start === h.arena)).toBe(true);
      } finally {
        pool.dispose();
      }
    } finally {
      await src.close();
    }
  }, 240000);

  it('the CLI opens the bundle: tables, and JSON with the bundle, the diff and the core\'s stacks', async () => {
    const cli = join(ROOT, 'bin', 'heaplens.mjs');
    const t = await run('node', [cli, 'text', bundle], { maxBuffer: 64 << 20 });
    expect(t.stdout).toMatch(/collected from process \d+/);
    expect(t.stdout).toMatch(/6 region\(s\) grew together .* named "handler"/);
    expect(t.stdout).toMatch(/ELF core of process \d+/);
    const j = JSON.parse((await run('node', [cli, 'text', bundle, '--json'], { maxBuffer: 64 << 20 })).stdout);
    expect(j.kind).toBe('text-set');
    expect(j.bundles[0].manifest.pid).toBe(truth1.pid);
    expect(j.comparisons.find((c: { kind: string }) => c.kind === 'maps-diff').correlation.name).toBe('handler');
    expect(j.coreStacks[0].threads).toBe(truth1.threads.length);
    expect(j.coreStacks[0].stacks.length).toBe(truth1.threads.length - 1);
  }, 240000);

  it('a cut or corrupt archive keeps the members read before the damage and says so; a gzip of one file and a plain tar open too', async () => {
    const small = join(dir, 'small');
    // A small bundle without the core: the text members only.
    const files = ['manifest.txt', 'smaps.1', 'smaps.2', 'top.2'];
    const ex = join(dir, 'ex');
    await run('mkdir', ['-p', ex]);
    await run('tar', ['-xzf', bundle, '-C', ex, ...files]);
    const tar = (await run('tar', ['-cf', '-', '-C', ex, ...files], { encoding: 'buffer', maxBuffer: 64 << 20 })).stdout as unknown as Buffer;
    const gz = gzipSync(tar);
    writeFileSync(small, gz);
    const whole = await readBundle(new MemorySource(new Uint8Array(gz), 'small.tar.gz'));
    expect(whole.doc.members.map((m) => m.name)).toEqual(files);
    expect(whole.doc.diagnostics).toEqual([]);
    // Cut in the middle of smaps.2.
    const cut = await readBundle(new MemorySource(new Uint8Array(gz.subarray(0, Math.floor(gz.length * 0.6))), 'cut.tar.gz'));
    expect(cut.doc.members.map((m) => m.name).slice(0, 2)).toEqual(['manifest.txt', 'smaps.1']);
    expect(cut.doc.diagnostics.map((d) => d.code).join()).toMatch(/archive\.(corrupt|truncated-member|no-end)/);
    expect(cut.doc.documents[0].kind).toBe('maps');
    // Bytes flipped in the middle.
    const bad = new Uint8Array(gz);
    for (let i = Math.floor(bad.length / 2); i < Math.floor(bad.length / 2) + 64; i++) bad[i] ^= 0x5a;
    const corrupt = await readBundle(new MemorySource(bad, 'bad.tar.gz'));
    expect(corrupt.doc.diagnostics.length).toBeGreaterThan(0);
    expect(corrupt.doc.members[0].name).toBe('manifest.txt');
    // A plain tar, and a gzip of one text file (named by nothing: the content says what it is).
    const plain = await readBundle(new MemorySource(new Uint8Array(tar), 'evidence.tar'));
    expect(plain.doc.format).toBe('tar');
    expect(plain.doc.members.map((m) => m.kind)).toEqual(['manifest', 'maps', 'maps', 'threads']);
    const one = await openArchive(new MemorySource(new Uint8Array(gzipSync(readFileSync(join(ex, 'smaps.2')))), 'x.gz'));
    expect(one.format).toBe('gz');
    expect(one.members.length).toBe(1);
    expect(one.members[0].size).toBe(readFileSync(join(ex, 'smaps.2')).length);
    // Not an archive at all.
    await expect(openArchive(new MemorySource(new TextEncoder().encode('hello\n'), 'hello.txt'))).rejects.toThrow(/neither gzip nor tar/);
  });
});
