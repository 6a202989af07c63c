// Bases of the raw-dump and text parts of the fuzz suite, made at test time from real things:
// the [heap] of the fixture's core cut out as a raw dump (what gdb's `dump binary memory` writes),
// with the process map as /proc/PID/maps text; and the outputs of the real tools heaplens reads
// (/proc files, pmap, top, ps, strace, pidstat, valgrind, tcmalloc's heap profiles) run on this machine.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { ROOT, WORK, buildFixture } from '../helpers/fixtures';
import { missingHeader, missingTool } from '../helpers/text-tools';
import type { BundleLayout, CoreLayout, RawLayout, TextLayout } from './mutate';
import { openInputs } from '../../src/engine/analyze';
import { NodeFileSource } from '../../src/workers/node-source';

const run = promisify(execFile);

/** The core's [heap] as a raw dump: its bytes, base address, the map as maps text, chunk headers. */
export async function rawBase(corePath: string, json: AnalysisJSON, layout: CoreLayout): Promise<{ path: string; layoutPath: string; layout: RawLayout }> {
  const heap = json.regions.find((r) => r.label === 'heap' && r.inCore > 0);
  if (!heap) throw new Error('the base core has no [heap] with bytes');
  const start = BigInt(heap.start);
  const end = BigInt(heap.end);
  const core = readFileSync(corePath);
  const src = await NodeFileSource.open(corePath);
  const segs = await openInputs(src).then((o) => o.core.segments, (e) => (void src.close(), Promise.reject(e)));
  await src.close();
  const bytes = new Uint8Array(Number(end - start));
  let fileStart = -1;
  for (const s of segs) {
    const lo = s.vaddr > start ? s.vaddr : start;
    const top = s.vaddr + BigInt(s.available);
    const hi = top < end ? top : end;
    if (lo >= hi) continue;
    const from = s.fileOffset + Number(lo - s.vaddr);
    bytes.set(core.subarray(from, from + Number(hi - lo)), Number(lo - start));
    if (lo === start) fileStart = from;
  }
  if (fileStart < 0) throw new Error('the [heap] start is not in the core');
  // Chunk size fields of the core that fall in the heap, as offsets in the raw file.
  const chunkSizes = layout.chunkSizes.map((o) => o - fileStart).filter((o) => o >= 0 && o + layout.wordSize <= bytes.length);
  const mapsText = json.regions
    .map((r) => {
      const h = (v: string) => BigInt(v).toString(16).padStart(8, '0');
      const perms = (r.perms.replace(/[^rwx-]/g, '') + '---').slice(0, 3) + 'p';
      const name = r.label === 'heap' ? '[heap]' : r.label === 'stack' ? '[stack]' : (r.file ?? '');
      return `${h(r.start)}-${h(r.end)} ${perms} ${h(r.fileOffset ?? '0')} 00:00 0 ${name}`.trimEnd();
    })
    .join('\n');
  const path = join(WORK, 'fuzz', `heap.${heap.start}.bin`);
  writeFileSync(path, bytes);
  const raw: RawLayout = { base: heap.start, wordSize: layout.wordSize, mapsText, chunkSizes, size: bytes.length };
  const layoutPath = join(WORK, 'fuzz', 'layout-raw.json');
  writeFileSync(layoutPath, JSON.stringify(raw));
  return { path, layoutPath, layout: raw };
}

/** Real outputs of the tools heaplens reads, from this machine; a missing tool is noted and skipped. */
export async function textSamples(notes: string[]): Promise<TextLayout> {
  const samples: TextLayout['samples'] = [];
  const tool = async (name: string, cmd: string, args: string[], pkg: string, opts: { stderr?: boolean; timeout?: number } = {}) => {
    const missing = missingTool(cmd, pkg);
    if (missing) return void notes.push(`text base without ${name}: ${missing}`);
    try {
      const r = await run(cmd, args, { timeout: opts.timeout ?? 30000, maxBuffer: 64 << 20 });
      samples.push({ name, text: opts.stderr ? r.stderr : r.stdout });
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; message: string };
      // Some tools exit non-zero with their output all there (strace of a failing ls, etc.).
      const text = opts.stderr ? x.stderr : x.stdout;
      if (text) samples.push({ name, text });
      else notes.push(`text base without ${name}: ${x.message.split('\n')[0]}`);
    }
  };
  // A process with a few threads whose /proc files and tool views are the samples.
  const child = spawn('sh', ['-c', 'sleep 60 & sleep 60 & wait'], { stdio: 'ignore' });
  const pid = child.pid!;
  try {
    await new Promise((r) => setTimeout(r, 200));
    for (const f of ['maps', 'smaps', 'status']) samples.push({ name: `/proc/PID/${f}`, text: readFileSync(`/proc/${pid}/${f}`, 'utf8') });
    samples.push({ name: '/proc/meminfo', text: readFileSync('/proc/meminfo', 'utf8') });
    await tool('pmap -x', 'pmap', ['-x', String(pid)], 'procps');
    await tool('pmap -X', 'pmap', ['-X', String(pid)], 'procps');
    await tool('top -b -H', 'top', ['-b', '-H', '-n', '1'], 'procps');
    await tool('ps -L', 'ps', ['-L', '-e', '-o', 'pid,tid,comm,rss,vsz'], 'procps');
    await tool('pidstat -r', 'pidstat', ['-r', '-p', String(pid), '1', '2'], 'sysstat');
  } finally {
    child.kill();
  }
  await tool('strace -f -t', 'strace', ['-f', '-t', '-e', 'trace=memory', 'ls', '/'], 'strace', { stderr: true });
  await tool('valgrind', 'valgrind', ['--leak-check=full', 'ls', '/'], 'valgrind', { stderr: true, timeout: 120000 });
  // A HEAPPROFILE dump written by tcmalloc (test/fixtures/heapprof.cpp).
  const noTc = missingHeader('gperftools/heap-profiler.h', 'libgoogle-perftools-dev');
  if (noTc) notes.push(`text base without a heap profile: ${noTc}`);
  else {
    const dir = join(WORK, 'fuzz', 'heapprof');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      const exe = await buildFixture('heapprof.cpp', { libs: ['-ltcmalloc'] });
      await run(exe, [join(dir, 'truth.json'), dir], { timeout: 60000 });
      const t = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as { dumps: string[] };
      samples.push({ name: 'tcmalloc HEAPPROFILE', text: readFileSync(t.dumps[1], 'utf8') });
    } catch (e) {
      notes.push(`text base without a heap profile: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { samples };
}

/** A real bundle of public/collect-heaplens.sh (two snapshots, no core) of a small process, and its tar's headers. */
export async function bundleBase(notes: string[]): Promise<{ path: string; layoutPath: string; layout: BundleLayout } | undefined> {
  const dir = join(WORK, 'fuzz', 'bundle');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const child = spawn('sh', ['-c', 'sleep 60 & sleep 60 & wait'], { stdio: 'ignore' });
  try {
    await run('sh', [join(ROOT, 'public', 'collect-heaplens.sh'), '-i', '1', '-n', '2', '-o', dir, String(child.pid)], { timeout: 60000 });
  } catch (e) {
    notes.push(`no bundle base: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  } finally {
    child.kill();
  }
  const gz = readdirSync(dir).find((f) => f.endsWith('.tar.gz'));
  if (!gz) return void notes.push('no bundle base: the collector wrote no .tar.gz');
  const path = join(dir, gz);
  const tar = gunzipSync(readFileSync(path));
  const tarPath = join(dir, 'bundle.tar');
  writeFileSync(tarPath, tar);
  const headers: number[] = [];
  for (let o = 0; o + 512 <= tar.length; ) {
    if (tar.subarray(o, o + 512).every((b) => b === 0)) break;
    headers.push(o);
    const size = parseInt(tar.subarray(o + 124, o + 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    o += 512 + Math.ceil(size / 512) * 512;
  }
  const layout: BundleLayout = { tarPath, headers };
  const layoutPath = join(WORK, 'fuzz', 'layout-bundle.json');
  writeFileSync(layoutPath, JSON.stringify(layout));
  return { path, layoutPath, layout };
}
