// Test set-up: make sure the tools the fixtures need are here (gcc/g++ with 32-bit support,
// gdb for gcore, binutils, Debian's chromium for the browser tests; strace, sysstat, valgrind,
// procps, gperftools and jemalloc for the text evidence tests), installing them with
// apt-get when running as root on a machine that lacks them; and that the app, CLI and
// kernels are built.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, WORK } from '../helpers/fixtures';

const has = (tool: string) => (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d && existsSync(join(d, tool)));

function multilibWorks(): boolean {
  mkdirSync(WORK, { recursive: true });
  const src = join(WORK, 'm32check.c');
  writeFileSync(src, '#include <stdio.h>\nint main(void){puts("ok");return 0;}\n');
  try {
    execFileSync('gcc', ['-m32', '-o', join(WORK, 'm32check'), src], { stdio: 'ignore' });
    execFileSync('g++', ['-m32', '-x', 'c++', '-o', join(WORK, 'm32checkxx'), src], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ensureTools(): void {
  const missing: string[] = [];
  if (!has('gcc')) missing.push('gcc');
  if (!has('g++')) missing.push('g++');
  if (!has('gdb')) missing.push('gdb');
  if (!has('readelf')) missing.push('binutils');
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!missing.includes('gcc') && !missing.includes('g++') && !multilibWorks()) missing.push('gcc-multilib', 'g++-multilib');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  // glibc's debug symbols: the gdb oracle of the heap tests (skipped, with the reason, without them).
  if (!existsSync('/usr/lib/debug/.build-id') && root && has('apt-get')) missing.push('libc6-dbg');
  // The tools whose text output heaplens reads (their tests skip, saying why, without them).
  const textTools: [boolean, string][] = [
    [has('strace'), 'strace'],
    [has('pidstat'), 'sysstat'],
    [has('valgrind'), 'valgrind'],
    [has('top') && has('ps'), 'procps'],
    [existsSync('/usr/include/gperftools/heap-profiler.h'), 'libgoogle-perftools-dev'],
    [existsSync('/usr/include/jemalloc/jemalloc.h'), 'libjemalloc-dev'],
  ];
  const optional = textTools.filter(([ok]) => !ok).map(([, pkg]) => pkg);
  if (optional.length && root && has('apt-get')) missing.push(...optional);
  else if (optional.length) console.log(`[setup] not installed (their tests will be skipped): ${optional.join(' ')}`);
  if (!missing.length) return;
  if (!root || !has('apt-get')) {
    throw new Error(`the tests need: ${missing.join(', ')}. Install them (Debian: apt-get install ${missing.join(' ')}), or run as root so the set-up installs them.`);
  }
  console.log(`[setup] installing ${missing.join(' ')} with apt-get`);
  execSync('apt-get update -qq', { stdio: 'inherit' });
  execSync(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`, { stdio: 'inherit' });
}

function ensureBuilt(): void {
  const need = ['build/kernels.wasm', 'dist/index.html', 'dist-cli/cli.mjs', 'dist-cli/node-kernel.worker.mjs'];
  if (need.every((p) => existsSync(join(ROOT, p)))) return;
  console.log('[setup] building (npm run build)');
  execSync('npm run build', { cwd: ROOT, stdio: 'inherit' });
}

/** Cores of earlier runs are large (a 6-thread program's gcore is ~500 MB): start clean. */
function clearOldCores(): void {
  for (const d of ['cores', 'kcores', 'corrupt', 'bad']) rmSync(join(WORK, d), { recursive: true, force: true });
}

export default function setup(): void {
  ensureTools();
  ensureBuilt();
  clearOldCores();
}
