// Hardening: ≥ 10 000 mutated and truncated cores (headers, program headers, notes, chunk
// sizes, allocator state, random and zeroed ranges, cuts, random files) through the engine in
// child processes that are killed when an input hangs; and a sample through the CLI. No input
// may crash the engine (an error must name the problem) or hang it; mutations that leave the
// headers and notes whole must still give an analysis (partial results kept, diagnostics).
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { openInputs } from '../../src/engine/analyze';
import { NodeFileSource } from '../../src/workers/node-source';
import { analyzeFile } from '../helpers/engine';
import { ROOT, WORK, buildFixture, dumpFixtureSeries } from '../helpers/fixtures';
import { coreLayout } from './layout';
import { type CoreLayout, MUST_FINISH, type Strategy, mutate } from './mutate';
import type { FuzzResult } from './runner';

const run = promisify(execFile);
const TOTAL = Number(process.env.HEAPLENS_FUZZ_INPUTS ?? 10000);
/** An input that burns this much CPU is a hang (inputs take ≤ 2 s alone). */
const HANG_CPU_S = 30;
/** Or that gives no sign of life for this long, however little CPU the machine gave it. */
const HANG_WALL_MS = Number(process.env.HEAPLENS_FUZZ_WALL_MS ?? 10 * 60_000);
const DIR = join(WORK, 'fuzz');

interface Base {
  name: string;
  core: string;
  layoutPath: string;
  layout: CoreLayout;
  count: number;
  first: number;
}

/** CPU seconds (user + system) a process has used, from /proc; undefined when it is gone. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return undefined;
  }
}

/** What a process and its threads are doing (state, kernel wait channel), from /proc. */
function procState(pid: number): string {
  try {
    return readdirSync(`/proc/${pid}/task`)
      .map((t) => {
        const st = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
        const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
        const state = st.slice(st.lastIndexOf(')') + 2).split(' ')[0];
        let wchan = '';
        try {
          wchan = readFileSync(`/proc/${pid}/task/${t}/wchan`, 'utf8');
        } catch {
          /* not readable */
        }
        return `${name}:${state}${wchan && wchan !== '0' ? `@${wchan}` : ''}`;
      })
      .join(' ');
  } catch (e) {
    return `no /proc state (${(e as Error).message})`;
  }
}

/**
 * Runs seeds [from, to) over one base in runner processes, restarting past an input that hangs.
 * A hang is an input that burns HANG_CPU_S of CPU (an endless loop), or gives no sign of life
 * for HANG_WALL_MS (a process starved by a busy machine is waited for, not blamed).
 */
async function fuzzRange(base: Base, from: number, to: number, results: FuzzResult[], hangs: { seed: number; base: string; state?: string }[]): Promise<void> {
  let next = from;
  while (next < to) {
    const child: ChildProcess = spawn('node', [join(WORK, 'fuzz-runner', 'runner.mjs'), base.core, base.layoutPath, join(ROOT, 'build', 'kernels.wasm'), String(next), String(to)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let current = -1;
    let hung = false;
    let lastLine = Date.now();
    let cpuAtStart = 0;
    let state = '';
    const watch = setInterval(() => {
      const cpu = cpuSeconds(child.pid!);
      if (cpu === undefined || hung) return;
      if (cpu - cpuAtStart > HANG_CPU_S || Date.now() - lastLine > HANG_WALL_MS) {
        hung = true;
        state = `${(cpu - cpuAtStart).toFixed(1)} CPU s on this input, ${((Date.now() - lastLine) / 1000).toFixed(0)} s since its last line; ${procState(child.pid!)}`;
        child.kill('SIGKILL');
      }
    }, 1000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      lastLine = Date.now();
      if (line.startsWith('S ')) {
        current = Number(line.slice(2));
        cpuAtStart = cpuSeconds(child.pid!) ?? 0;
      } else if (line.startsWith('R ')) {
        const r = JSON.parse(line.slice(2)) as FuzzResult;
        results.push(r);
        next = r.seed + 1;
        current = -1;
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearInterval(watch);
    await new Promise((r) => setImmediate(r));
    if (hung) {
      hangs.push({ seed: current, base: base.name, state });
      next = (current >= 0 ? current : next) + 1;
    } else if (next < to) {
      // The process ended on an input: it died (out of memory, a native crash), or its event
      // loop ran dry with the input unfinished (a promise that never settles). Either way a crash.
      const seed = current >= 0 ? current : next;
      results.push({ seed, strategy: 'unknown', what: `runner exited with ${code} during this input`, size: 0, status: 'crash', message: stderr.slice(-2000), ms: 0 });
      next = seed + 1;
    }
  }
}

describe('fuzzing the engine and the CLI with mutated cores', () => {
  const bases: Base[] = [];
  beforeAll(async () => {
    mkdirSync(DIR, { recursive: true });
    execFileSync('npx', ['vite', 'build', '-c', 'vite.fuzz.config.ts'], { cwd: ROOT, stdio: 'ignore' });
    const shares = [0.6, 0.4];
    let first = 0;
    for (const [i, bits] of ([64, 32] as const).entries()) {
      const exe = await buildFixture('growfix.cpp', { bits });
      const { cores } = await dumpFixtureSeries(exe, 1);
      let layout: CoreLayout | undefined;
      await analyzeFile(cores[0], [], {
        mode: 'threads',
        inspect: async (pool, json) => {
          const src = await NodeFileSource.open(cores[0]);
          try {
            layout = await coreLayout((await openInputs(src)).core, json, pool);
          } finally {
            await src.close();
          }
        },
      });
      const layoutPath = join(DIR, `layout-${bits}.json`);
      writeFileSync(layoutPath, JSON.stringify(layout));
      const count = Math.round(TOTAL * shares[i]);
      bases.push({ name: `growfix ${bits}-bit`, core: cores[0], layoutPath, layout: layout!, count, first });
      first += count;
    }
  }, 300000);

  it(`survives ${TOTAL} mutated inputs: no crash, no hang, and headers left whole still give an analysis`, async () => {
    const results: FuzzResult[] = [];
    const hangs: { seed: number; base: string; state?: string }[] = [];
    const t0 = Date.now();
    // Two runners per base share the machine's cores.
    await Promise.all(
      bases.flatMap((b) => {
        const mid = b.first + Math.floor(b.count / 2);
        return [fuzzRange(b, b.first, mid, results, hangs), fuzzRange(b, mid, b.first + b.count, results, hangs)];
      }),
    );
    const byStatus = (s: string) => results.filter((r) => r.status === s);
    const summary: Record<string, Record<string, number>> = {};
    for (const r of results) {
      summary[r.strategy] ??= { ok: 0, error: 0, crash: 0 };
      summary[r.strategy][r.status]++;
    }
    const slowest = [...results].sort((a, b) => b.ms - a.ms)[0];
    console.log(`[fuzz] ${results.length} inputs + ${hangs.length} hangs in ${((Date.now() - t0) / 1000).toFixed(0)} s; by strategy: ${JSON.stringify(summary)}; slowest ${slowest?.ms} ms (seed ${slowest?.seed}, ${slowest?.strategy})`);
    // Keep every failing input (the base core changes from run to run; the seed alone is not enough).
    const keep = (seed: number, why: string) => {
      const b = bases.find((x) => seed >= x.first && seed < x.first + x.count)!;
      const dir = join(DIR, 'failures');
      mkdirSync(dir, { recursive: true });
      const p = join(dir, `${b.name.replace(/\W+/g, '-')}-seed-${seed}.core`);
      const { bytes, what } = mutate(new Uint8Array(readFileSync(b.core)), b.layout, seed);
      writeFileSync(p, bytes);
      writeFileSync(`${p}.txt`, `${what}\n${why}\n`);
      return p;
    };
    const crashes = byStatus('crash');
    for (const c of crashes.slice(0, 20)) c.what += ` → kept as ${keep(c.seed, c.message ?? '')}`;
    for (const h of hangs.slice(0, 20)) keep(h.seed, `hang: ${h.state}`);
    expect(hangs, `inputs that hung (seed → reproduce with mutate(base, layout, seed))`).toEqual([]);
    expect(crashes.slice(0, 5).map((c) => `seed ${c.seed} (${c.strategy}: ${c.what.slice(0, 200)}): ${c.message?.slice(0, 600)}`)).toEqual([]);
    expect(results.length + hangs.length).toBe(TOTAL);
    // Errors name the problem.
    for (const e of byStatus('error')) expect(e.message!.length, `seed ${e.seed}`).toBeGreaterThan(10);
    // Damage past the headers and notes loses nothing already computed: the analysis finishes.
    const lost = results.filter((r) => MUST_FINISH.has(r.strategy as Strategy) && r.status !== 'ok');
    for (const r of lost.slice(0, 20)) r.what += ` → kept as ${keep(r.seed, r.message ?? '')}`;
    expect(lost.slice(0, 5).map((r) => `seed ${r.seed} (${r.strategy}: ${r.what.slice(0, 200)}): ${r.message}`)).toEqual([]);
  }, 3600_000);

  it('the CLI answers a sample of them with a message and an exit code, never a stack trace', async () => {
    const dir = join(DIR, 'cli');
    mkdirSync(dir, { recursive: true });
    const CLI = join(ROOT, 'bin', 'heaplens.mjs');
    const bad: string[] = [];
    const n = Number(process.env.HEAPLENS_FUZZ_CLI ?? 60);
    for (let i = 0; i < n; i++) {
      const b = bases[i % bases.length];
      const seed = b.first + i * 37;
      const { bytes, strategy } = mutate(new Uint8Array(readFileSync(b.core)), b.layout, seed);
      const p = join(dir, `in-${seed}.core`);
      writeFileSync(p, bytes);
      let code = 0;
      let stderr = '';
      try {
        await run('node', [CLI, 'analyze', p], { timeout: 120000, maxBuffer: 64 << 20 });
      } catch (e) {
        const x = e as { code: number; stderr: string; killed?: boolean; signal?: string };
        code = x.killed ? -1 : x.code;
        stderr = x.stderr ?? '';
      }
      const ok = code === 0 || (code === 1 && /^heaplens: \S/.test(stderr) && !/\n\s+at /.test(stderr));
      if (!ok) bad.push(`seed ${seed} (${strategy}): exit ${code}: ${stderr.slice(0, 400)}`);
    }
    expect(bad).toEqual([]);
  }, 1800_000);
});
