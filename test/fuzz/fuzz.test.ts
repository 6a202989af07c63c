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
import { type CoreLayout, MUST_FINISH, RAW_MUST_FINISH, type RawLayout, type Strategy, type TextLayout, type BundleLayout, mutate, mutateBundle, mutateRaw, mutateText } from './mutate';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { bundleBase, rawBase, textSamples } from './bases';
import type { FuzzResult } from './runner';

const run = promisify(execFile);
const TOTAL = Number(process.env.HEAPLENS_FUZZ_INPUTS ?? 10000);
/** An input that burns this much CPU is a hang (inputs take ≤ 2 s alone). */
const HANG_CPU_S = 30;
/** Or that gives no sign of life for this long, however little CPU the machine gave it. */
const HANG_WALL_MS = Number(process.env.HEAPLENS_FUZZ_WALL_MS ?? 10 * 60_000);
const DIR = join(WORK, 'fuzz');

interface Base {
  mode: 'core' | 'raw' | 'text' | 'bundle';
  name: string;
  core: string;
  layoutPath: string;
  layout: CoreLayout | RawLayout | TextLayout | BundleLayout;
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
    const child: ChildProcess = spawn('node', [join(WORK, 'fuzz-runner', 'runner.mjs'), base.mode, base.core, base.layoutPath, join(ROOT, 'build', 'kernels.wasm'), String(next), String(to)], { stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('fuzzing the engine and the CLI with mutated cores, raw dumps and tool outputs', () => {
  const bases: Base[] = [];
  const notes: string[] = [];
  beforeAll(async () => {
    mkdirSync(DIR, { recursive: true });
    execFileSync('npx', ['vite', 'build', '-c', 'vite.fuzz.config.ts'], { cwd: ROOT, stdio: 'ignore' });
    // Shares of the inputs: cores 64/32-bit, a raw heap dump, text outputs of real tools, collector bundles.
    const shares = { core64: 0.4, core32: 0.26, raw: 0.14, text: 0.14, bundle: 0.06 };
    let first = 0;
    const add = (b: Omit<Base, 'count' | 'first'>, share: number) => {
      const count = Math.round(TOTAL * share);
      bases.push({ ...b, count, first });
      first += count;
    };
    for (const bits of [64, 32] as const) {
      const exe = await buildFixture('growfix.cpp', { bits });
      const { cores } = await dumpFixtureSeries(exe, 1);
      let layout: CoreLayout | undefined;
      let json: AnalysisJSON | undefined;
      await analyzeFile(cores[0], [], {
        mode: 'threads',
        inspect: async (pool, j) => {
          json = j;
          const src = await NodeFileSource.open(cores[0]);
          try {
            layout = await coreLayout((await openInputs(src)).core, j, pool);
          } finally {
            await src.close();
          }
        },
      });
      const layoutPath = join(DIR, `layout-${bits}.json`);
      writeFileSync(layoutPath, JSON.stringify(layout));
      add({ mode: 'core', name: `growfix ${bits}-bit`, core: cores[0], layoutPath, layout: layout! }, bits === 64 ? shares.core64 : shares.core32);
      if (bits === 64) {
        const raw = await rawBase(cores[0], json!, layout!);
        add({ mode: 'raw', name: 'growfix [heap] raw', core: raw.path, layoutPath: raw.layoutPath, layout: raw.layout }, shares.raw);
      }
    }
    const text = await textSamples(notes);
    const textPath = join(DIR, 'text-samples.json');
    writeFileSync(textPath, JSON.stringify(text));
    const bundle = await bundleBase(notes);
    add({ mode: 'text', name: 'tool outputs', core: '-', layoutPath: textPath, layout: text }, bundle ? shares.text : shares.text + shares.bundle);
    if (bundle) add({ mode: 'bundle', name: 'collector bundle', core: bundle.path, layoutPath: bundle.layoutPath, layout: bundle.layout }, shares.bundle);
    // Rounding: the last base takes what is left.
    bases[bases.length - 1].count += TOTAL - first;
  }, 300000);

  it(`survives ${TOTAL} mutated inputs: no crash, no hang, and damage past the headers still gives a result`, async () => {
    const results: (FuzzResult & { base?: Base })[] = [];
    const hangs: { seed: number; base: string; state?: string }[] = [];
    const t0 = Date.now();
    // Two runners per base share the machine's cores.
    await Promise.all(
      bases.flatMap((b) => {
        const mid = b.first + Math.floor(b.count / 2);
        return [fuzzRange(b, b.first, mid, results, hangs), fuzzRange(b, mid, b.first + b.count, results, hangs)];
      }),
    );
    const baseOf = (seed: number) => bases.find((x) => seed >= x.first && seed < x.first + x.count)!;
    for (const r of results) r.base = baseOf(r.seed);
    const byStatus = (st: string) => results.filter((r) => r.status === st);
    const summary: Record<string, Record<string, number>> = {};
    for (const r of results) {
      const k = `${r.base!.mode}:${r.strategy}`;
      summary[k] ??= { ok: 0, error: 0, crash: 0 };
      summary[k][r.status]++;
    }
    const kinds: Record<string, number> = {};
    for (const r of results) if (r.kind && r.base!.mode === 'text') kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
    const slowest = [...results].sort((a, b) => b.ms - a.ms)[0];
    console.log(`[fuzz] ${results.length} inputs + ${hangs.length} hangs in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${bases.map((b) => `${b.name} ${b.count}`).join(', ')}; by strategy: ${JSON.stringify(summary)}; text read as: ${JSON.stringify(kinds)}; slowest ${slowest?.ms} ms (seed ${slowest?.seed}, ${slowest?.strategy})${notes.length ? `; ${notes.join('; ')}` : ''}`);
    // Keep every failing input (the base core changes from run to run; the seed alone is not enough).
    const keep = (seed: number, why: string) => {
      const b = baseOf(seed);
      const dir = join(DIR, 'failures');
      mkdirSync(dir, { recursive: true });
      const p = join(dir, `${b.name.replace(/\W+/g, '-')}-seed-${seed}.${b.mode === 'text' ? 'txt' : b.mode === 'raw' ? 'bin' : b.mode === 'bundle' ? 'tar.gz' : 'core'}`);
      const m =
        b.mode === 'core'
          ? mutate(new Uint8Array(readFileSync(b.core)), b.layout as CoreLayout, seed)
          : b.mode === 'raw'
            ? mutateRaw(new Uint8Array(readFileSync(b.core)), b.layout as RawLayout, seed)
            : b.mode === 'bundle'
              ? mutateBundle(new Uint8Array(readFileSync(b.core)), new Uint8Array(readFileSync((b.layout as BundleLayout).tarPath)), b.layout as BundleLayout, seed)
              : mutateText(b.layout as TextLayout, seed);
      writeFileSync(p, m.bytes);
      writeFileSync(`${p}.why`, `${m.what}\n${why}\n`);
      return p;
    };
    const crashes = byStatus('crash');
    for (const c of crashes.slice(0, 20)) c.what += ` → kept as ${keep(c.seed, c.message ?? '')}`;
    for (const h of hangs.slice(0, 20)) keep(h.seed, `hang: ${h.state}`);
    expect(hangs, `inputs that hung (kept in .work/fuzz/failures)`).toEqual([]);
    expect(crashes.slice(0, 5).map((c) => `seed ${c.seed} (${c.base!.mode} ${c.strategy}: ${c.what.slice(0, 200)}): ${c.message?.slice(0, 600)}`)).toEqual([]);
    expect(results.length + hangs.length).toBe(TOTAL);
    // Errors name the problem.
    for (const e of byStatus('error')) expect(e.message!.length, `seed ${e.seed}`).toBeGreaterThan(10);
    // Damage past the headers loses nothing already computed: the analysis finishes; text always reads.
    const lost = results.filter((r) => {
      const mode = r.base!.mode;
      if (r.status === 'ok') return false;
      return mode === 'text' || (mode === 'core' && MUST_FINISH.has(r.strategy as Strategy)) || (mode === 'raw' && RAW_MUST_FINISH.has(r.strategy));
    });
    for (const r of lost.slice(0, 20)) r.what += ` → kept as ${keep(r.seed, r.message ?? '')}`;
    expect(lost.slice(0, 5).map((r) => `seed ${r.seed} (${r.base!.mode} ${r.strategy}: ${r.what.slice(0, 200)}): ${r.message}`)).toEqual([]);
    // The raw and text parts test something: most raw heaps are still walked, and the tools'
    // outputs are read as their kinds (not all as unknown text).
    const raw = results.filter((r) => r.base!.mode === 'raw' && RAW_MUST_FINISH.has(r.strategy));
    expect(raw.filter((r) => r.heapFound).length, 'raw dumps whose heap was walked').toBeGreaterThan(raw.length / 2);
    const bundles = results.filter((r) => r.base!.mode === 'bundle');
    if (bundles.length) expect(bundles.filter((r) => r.status === 'ok' && r.kind !== '0 members').length, 'bundles read with members').toBeGreaterThan(bundles.length / 4);
    expect(Object.keys(kinds).filter((k) => k !== 'unknown-text').length, `kinds read: ${JSON.stringify(kinds)}`).toBeGreaterThanOrEqual(Math.min(5, bases.find((b) => b.mode === 'text')!.count));
  }, 3600_000);

  it('the CLI answers a sample of them with a message and an exit code, never a stack trace', async () => {
    const dir = join(DIR, 'cli');
    mkdirSync(dir, { recursive: true });
    const CLI = join(ROOT, 'bin', 'heaplens.mjs');
    const bad: string[] = [];
    const n = Number(process.env.HEAPLENS_FUZZ_CLI ?? 60);
    // Cores, raw dumps (with the maps text and base) and tool outputs in turn.
    const order = [...bases.filter((x) => x.mode === 'core'), ...bases.filter((x) => x.mode !== 'core')];
    for (let i = 0; i < n; i++) {
      const b = order[i % order.length];
      const seed = b.first + ((i * 37) % b.count);
      let args: string[];
      let strategy: string;
      if (b.mode === 'core') {
        const m = mutate(new Uint8Array(readFileSync(b.core)), b.layout as CoreLayout, seed);
        strategy = m.strategy;
        const p = join(dir, `in-${seed}.core`);
        writeFileSync(p, m.bytes);
        args = ['analyze', p];
      } else if (b.mode === 'raw') {
        const m = mutateRaw(new Uint8Array(readFileSync(b.core)), b.layout as RawLayout, seed);
        strategy = m.strategy;
        const p = join(dir, `in-${seed}.bin`);
        writeFileSync(p, m.bytes);
        writeFileSync(`${p}.maps`, m.mapsText);
        args = ['analyze', p, '--base', '0x' + m.baseAddr.toString(16), '--maps', `${p}.maps`];
      } else if (b.mode === 'bundle') {
        const m = mutateBundle(new Uint8Array(readFileSync(b.core)), new Uint8Array(readFileSync((b.layout as BundleLayout).tarPath)), b.layout as BundleLayout, seed);
        strategy = m.strategy;
        const p = join(dir, `in-${seed}.tar.gz`);
        writeFileSync(p, m.bytes);
        args = ['text', p];
      } else {
        const m = mutateText(b.layout as TextLayout, seed);
        strategy = m.strategy;
        const p = join(dir, `in-${seed}.txt`);
        writeFileSync(p, m.bytes);
        args = ['text', p];
      }
      let code = 0;
      let stderr = '';
      try {
        await run('node', [CLI, ...args], { timeout: 120000, maxBuffer: 64 << 20 });
      } catch (e) {
        const x = e as { code: number; stderr: string; killed?: boolean; signal?: string };
        code = x.killed ? -1 : x.code;
        stderr = x.stderr ?? '';
      }
      const ok = code === 0 || (code === 1 && /^heaplens: \S/.test(stderr) && !/\n\s+at /.test(stderr));
      if (!ok) bad.push(`seed ${seed} (${b.mode} ${strategy}): exit ${code}: ${stderr.slice(0, 400)}`);
    }
    expect(bad).toEqual([]);
  }, 1800_000);
});
