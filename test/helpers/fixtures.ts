// Builds fixture programs from test/fixtures at test time, runs them until they print READY,
// dumps them with gdb's gcore, and returns the core with the truth the program wrote.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const WORK = join(ROOT, 'test', '.work');

export interface BuildOptions {
  bits?: 32 | 64;
  flags?: string[];
  /** Link libraries, e.g. ['-lpthread']. */
  libs?: string[];
}

function requireTool(tool: string, pkg: string): void {
  const found = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, tool)));
  if (!found) throw new Error(`${tool} is not installed: the tests need it (apt-get install ${pkg}; .ci/run does this)`);
}

/** Compiles test/fixtures/<source> (C or C++), cached by source, options and compiler. */
export async function buildFixture(source: string, opts: BuildOptions = {}): Promise<string> {
  const bits = opts.bits ?? 64;
  const cxx = /\.(cc|cpp)$/.test(source);
  const compiler = cxx ? 'g++' : 'gcc';
  requireTool(compiler, cxx ? 'g++' : 'gcc');
  const src = join(FIXTURES, source);
  const flags = ['-O1', '-g', '-fno-omit-frame-pointer', '-pthread', ...(bits === 32 ? ['-m32'] : []), ...(opts.flags ?? [])];
  const h = createHash('sha256').update(readFileSync(src)).update(readFileSync(join(FIXTURES, 'truth.h'))).update(flags.join(' ')).update((opts.libs ?? []).join(' ')).digest('hex').slice(0, 12);
  const dir = join(WORK, 'bin');
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, `${source.replace(/\.\w+$/, '')}-${bits}-${h}`);
  if (existsSync(exe)) return exe;
  const tmp = `${exe}.tmp${process.pid}`;
  try {
    await run(compiler, [...flags, '-I', FIXTURES, '-o', tmp, src, ...(opts.libs ?? [])]);
  } catch (e) {
    const err = e as { stderr?: string };
    if (bits === 32 && /gnu\/stubs-32|cannot find -l|skipping incompatible/.test(err.stderr ?? '')) {
      throw new Error(`32-bit build failed: install gcc-multilib and g++-multilib (.ci/run does this)\n${err.stderr}`);
    }
    throw new Error(`compiling ${source} failed:\n${err.stderr ?? e}`);
  }
  renameSync(tmp, exe);
  return exe;
}

export interface Dumped<T> {
  exe: string;
  core: string;
  truth: T;
  pid: number;
}

let seq = 0;

/**
 * Runs exe until it prints READY, gcore's it, kills it. `alive` runs after the dump, while the
 * process still waits (e.g. to record its pmap or gdb's view of it).
 */
export async function dumpFixture<T = Record<string, unknown>>(
  exe: string,
  args: string[] = [],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; alive?: (pid: number, core: string) => Promise<void> } = {},
): Promise<Dumped<T>> {
  requireTool('gdb', 'gdb');
  const dir = join(WORK, 'cores');
  mkdirSync(dir, { recursive: true });
  const tag = `${process.pid}-${Date.now()}-${seq++}`;
  const truthPath = join(dir, `truth-${tag}.json`);
  const child = spawn(exe, [truthPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  try {
    const pid = await waitReady(child, opts.timeoutMs ?? 60000);
    const prefix = join(dir, `core-${tag}`);
    try {
      await run('gcore', ['-o', prefix, String(pid)], { timeout: 300000, maxBuffer: 64 << 20 });
    } catch (e) {
      throw new Error(`gcore failed on pid ${pid}: ${(e as { stderr?: string }).stderr ?? e}`);
    }
    const core = `${prefix}.${pid}`;
    if (!existsSync(core) || statSync(core).size === 0) throw new Error(`gcore wrote no core at ${core}`);
    const truth = JSON.parse(readFileSync(truthPath, 'utf8')) as T;
    await opts.alive?.(pid, core);
    return { exe, core, truth, pid };
  } finally {
    child.kill('SIGKILL');
  }
}

/** How this machine's kernel writes core dumps: to a file named by core_pattern, or not usable here. */
/** Why 32-bit fixtures cannot be built here (no gcc-multilib libraries), or undefined when they can. */
export function missing32Bit(): string | undefined {
  try {
    return readdirSync('/usr/lib32').length > 0 ? undefined : 'no 32-bit libraries (gcc-multilib)';
  } catch {
    return 'no 32-bit libraries (gcc-multilib)';
  }
}

/** What test/fixtures/threadstacks.c records. */
export interface ThreadStacksTruth {
  pid: number;
  wordSize: number;
  requested: number;
  stackMiB: number;
  /** Stack-sized mappings that still fit, as it is and under the cap (RLIMIT_AS of capMiB). */
  more: number;
  capMiB: number;
  moreUnderCap: number;
  threads: { tid: number; stack: string; size: number; guard: number }[];
}

export function kernelCoreSupport(): { ok: boolean; why?: string } {
  let pattern = '';
  try {
    pattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
  } catch {
    return { ok: false, why: 'cannot read /proc/sys/kernel/core_pattern' };
  }
  if (pattern.startsWith('|')) return { ok: false, why: `core dumps are piped to ${pattern.slice(1).split(' ')[0]} on this machine` };
  if (pattern.includes('/')) return { ok: false, why: `core dumps go to ${pattern}, outside the test's directory` };
  return { ok: true };
}

/** Runs exe until READY, then has the kernel dump it (SIGSEGV with RLIMIT_CORE unlimited). */
export async function kernelDumpFixture<T = Record<string, unknown>>(exe: string, args: string[] = []): Promise<Dumped<T>> {
  const tag = `${process.pid}-${Date.now()}-${seq++}`;
  const dir = join(WORK, 'kcores', tag);
  mkdirSync(dir, { recursive: true });
  const truthPath = join(dir, 'truth.json');
  const child = spawn('/bin/sh', ['-c', 'ulimit -c unlimited && exec "$0" "$@"', exe, truthPath, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let pid: number;
  try {
    pid = await waitReady(child, 60000);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  process.kill(pid, 'SIGSEGV');
  await exited;
  const { readdirSync } = await import('node:fs');
  const name = readdirSync(dir).find((f) => f === 'core' || f.startsWith('core.'));
  if (!name) throw new Error(`the kernel wrote no core in ${dir} (core_pattern ${readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim()})`);
  return { exe, core: join(dir, name), truth: JSON.parse(readFileSync(truthPath, 'utf8')) as T, pid };
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`fixture did not print READY within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited with ${code} before READY; stderr: ${err}`));
    });
  });
}

/** Parses the /proc/self/maps text a fixture recorded. */
export function parseMaps(text: string) {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+\S+\s+\d+\s*(.*)$/.exec(line);
      if (!m) throw new Error(`bad maps line: ${line}`);
      return { start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]), perms: m[3], offset: BigInt('0x' + m[4]), path: m[5].trim() };
    });
}

/**
 * Runs exe and dumps it `stages` times: after each READY it is gcore'd, then sent SIGUSR1 to go
 * on to the next stage. The program writes the truth of stage k to `<argv[1]>.<k>`.
 */
export async function dumpFixtureSeries<T = Record<string, unknown>>(exe: string, stages: number, opts: { timeoutMs?: number } = {}): Promise<{ exe: string; pid: number; cores: string[]; truths: T[] }> {
  requireTool('gdb', 'gdb');
  const dir = join(WORK, 'cores');
  mkdirSync(dir, { recursive: true });
  const tag = `${process.pid}-${Date.now()}-${seq++}`;
  const truthBase = join(dir, `truth-${tag}`);
  const child = spawn(exe, [truthBase], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
    waiters.splice(0).forEach((w) => w());
  });
  const readyCount = () => (out.match(/READY \d+/g) ?? []).length;
  const waitStage = (k: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fixture did not reach stage ${k} within ${opts.timeoutMs ?? 60000} ms; stderr: ${err}`)), opts.timeoutMs ?? 60000);
      const check = () => {
        if (readyCount() > k) {
          clearTimeout(timer);
          resolve();
        } else if (exited !== undefined) {
          clearTimeout(timer);
          reject(new Error(`fixture exited with ${exited} before stage ${k}; stderr: ${err}`));
        } else waiters.push(check);
      };
      check();
    });
  const cores: string[] = [];
  const truths: T[] = [];
  try {
    for (let k = 0; k < stages; k++) {
      await waitStage(k);
      const prefix = join(dir, `core-${tag}-${k}`);
      try {
        await run('gcore', ['-o', prefix, String(child.pid)], { timeout: 300000, maxBuffer: 64 << 20 });
      } catch (e) {
        throw new Error(`gcore failed on pid ${child.pid}: ${(e as { stderr?: string }).stderr ?? e}`);
      }
      cores.push(`${prefix}.${child.pid}`);
      truths.push(JSON.parse(readFileSync(`${truthBase}.${k}`, 'utf8')) as T);
      if (k + 1 < stages) child.kill('SIGUSR1');
    }
    return { exe, pid: child.pid!, cores, truths };
  } finally {
    child.kill('SIGKILL');
  }
}
