// heaplens CLI: the same engine and kernels as the app, under Node worker threads.
//   heaplens analyze CORE [--bin FILE ...] [--json] [--top N] [--workers N] [--out FILE]
//   heaplens map CORE [--json]
//   heaplens leaks CORE [--bin FILE ...] [--json]
//   heaplens refs CORE ADDR [--bin FILE ...] [--json]
//   heaplens chain CORE ADDR [--bin FILE ...] [--json]
//   heaplens text FILE... [--bin FILE ...] [--json]
//   heaplens pprof PROFILE [--base OLD] [--bin FILE ...] -o OUT.pb.gz
import { writeFile } from 'node:fs/promises';
import { analyzeSession, openInputs, toJSON, type AnalysisJSON } from '../src/engine/analyze';
import { queryBlock } from '../src/engine/leaks';
import { parseAddress } from '../src/engine/format';
import type { ByteSource } from '../src/engine/bytesource';
import { isAbort } from '../src/engine/errors';
import { bytes } from '../src/engine/format';
import type { Progress } from '../src/engine/pipeline';
import { renderAnalysis, renderBlock, renderLeaks } from '../src/engine/report-text';
import { nodePool } from '../src/workers/node-pool';
import { initNodeDemangler } from '../src/workers/node-runtime';
import { NodeFileSource } from '../src/workers/node-source';
import { openBinary, type Binary } from '../src/engine/elf/symbols';
import { type TextComparison, type TextDocument, compareTexts, encodePprof, heapProfileToPprof, readText } from '../src/engine/text';
import { renderComparison, renderText } from '../src/engine/text/report';

const USAGE = `heaplens — find memory leaks in C/C++ core dumps, offline

Usage:
  heaplens analyze CORE [--bin FILE]... [--json] [--top N] [--workers N] [--out FILE]
  heaplens map CORE [--bin FILE]... [--json]
  heaplens leaks CORE [--bin FILE]... [--json]       leaked blocks by type, size, signature
  heaplens refs CORE ADDR [--bin FILE]... [--json]   who points to the block at ADDR, what it points to
  heaplens chain CORE ADDR [--bin FILE]... [--json]  the shortest chain from a root to that block
  heaplens text FILE... [--bin FILE]... [--json]     text evidence, recognized from its content: top -H,
                                                     ps -L, pidstat -r, /proc/PID/status, /proc/meminfo,
                                                     strace -f, valgrind, gperftools/jemalloc heap profiles;
                                                     two of a kind → what grew (the first is the base)
  heaplens pprof PROFILE [--base OLD] [--bin FILE]... -o OUT.pb.gz
                                                     a heap profile as pprof's profile.proto (gzipped), for
                                                     go tool pprof and speedscope; with --base, what grew

  CORE        an ELF core (gcore or kernel), ELF64 or ELF32, little-endian
  --bin FILE  the executable or a shared library of the process (symbols; repeatable)
  --json      print the JSON document (docs/json.md) instead of tables
  --top N     rows of the word census to show (default 30 in tables, 1000 in JSON)
  --workers N worker threads (default: available cores, at most 8)
  --out FILE  write the output to FILE instead of stdout (-o)
  --base OLD  pprof: the earlier heap profile to subtract
`;

interface Args {
  cmd: string;
  file?: string;
  bins: string[];
  json: boolean;
  top?: number;
  workers?: number;
  out?: string;
  base?: string;
  /** Every positional argument after the command. */
  files: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cmd: argv[0] ?? '', bins: [], json: false, files: [] };
  for (let i = 1; i < argv.length; i++) {
    const x = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${x} needs a value`);
      return v;
    };
    if (x === '--bin' || x === '-b') a.bins.push(val());
    else if (x === '--json') a.json = true;
    else if (x === '--top') a.top = Number(val());
    else if (x === '--workers' || x === '-j') a.workers = Number(val());
    else if (x === '--out' || x === '-o') a.out = val();
    else if (x === '--base') a.base = val();
    else if (x.startsWith('-')) throw new UsageError(`unknown option ${x}`);
    else {
      a.files.push(x);
      if (!a.file) a.file = x;
      else if (a.cmd !== 'text') a.bins.push(x);
    }
  }
  return a;
}

class UsageError extends Error {}

async function openSource(path: string): Promise<ByteSource> {
  try {
    return await NodeFileSource.open(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(err.code === 'ENOENT' ? `${path}: no such file` : `${path}: ${err.message}`);
  }
}

function progressPrinter(): (p: Progress) => void {
  if (!process.stderr.isTTY) return () => {};
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 200 && p.done < p.total) return;
    last = now;
    const mbps = p.elapsedMs > 0 ? p.done / 1e6 / (p.elapsedMs / 1000) : 0;
    const left = mbps > 0 ? (p.total - p.done) / 1e6 / mbps : 0;
    process.stderr.write(`\r${p.phase}: ${bytes(p.done)} / ${bytes(p.total)}  ${mbps.toFixed(0)} MB/s  ${left.toFixed(1)} s left   `);
    if (p.done >= p.total) process.stderr.write('\n');
  };
}

async function emit(a: Args, text: string): Promise<void> {
  if (a.out) await writeFile(a.out, text);
  else process.stdout.write(text);
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`heaplens: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!args.cmd || args.cmd === '--help' || args.cmd === '-h' || args.cmd === 'help') {
    process.stdout.write(USAGE);
    return args.cmd ? 0 : 2;
  }
  if (args.cmd === '--version') {
    process.stdout.write('heaplens 0.1.0\n');
    return 0;
  }
  if (args.cmd === 'text') return textCommand(args);
  if (args.cmd === 'pprof') return pprofCommand(args);
  if (!['analyze', 'map', 'leaks', 'refs', 'chain'].includes(args.cmd)) {
    process.stderr.write(`heaplens: unknown command ${args.cmd}\n\n${USAGE}`);
    return 2;
  }
  if (!args.file) {
    process.stderr.write(`heaplens: ${args.cmd} needs a core file\n\n${USAGE}`);
    return 2;
  }
  let addr: bigint | undefined;
  if (args.cmd === 'refs' || args.cmd === 'chain') {
    try {
      addr = parseAddress(args.bins.shift() ?? '');
    } catch {
      process.stderr.write(`heaplens: ${args.cmd} needs an address (e.g. 0x55d0c0a012a0) after the core\n\n${USAGE}`);
      return 2;
    }
  }
  const sources: NodeFileSource[] = [];
  try {
    await initNodeDemangler();
    const core = (await openSource(args.file)) as NodeFileSource;
    sources.push(core);
    const bins: ByteSource[] = [];
    for (const b of args.bins) bins.push(await openSource(b));
    const opened = await openInputs(core, bins);
    if (args.cmd === 'map') {
      const j = toJSON(opened);
      await emit(args, args.json ? JSON.stringify(j, null, 2) + '\n' : renderAnalysis(j, { top: 0 }));
      return 0;
    }
    const pool = await nodePool(core.path, args.workers);
    const ac = new AbortController();
    const onSig = () => ac.abort();
    process.once('SIGINT', onSig);
    let result: AnalysisJSON;
    let text: string;
    try {
      const session = await analyzeSession(opened, pool, { signal: ac.signal, onProgress: progressPrinter(), census: { topN: args.json ? (args.top ?? 1000) : Math.max(args.top ?? 30, 200) } });
      result = session.json;
      if (addr !== undefined) {
        if (!session.leaks) throw new Error('no heap was reconstructed from this core, so there are no blocks to ask about');
        const report = await queryBlock(session.leaks, addr);
        if (!report) throw new Error(`${'0x' + addr.toString(16)} is not inside a used heap block`);
        const chainOnly = { address: report.address, size: report.size, verdict: report.verdict, chain: report.chain };
        text = args.json ? JSON.stringify(args.cmd === 'chain' ? chainOnly : report, (_k, v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v), 2) + '\n' : renderBlock(report, { chainOnly: args.cmd === 'chain' });
      } else if (args.cmd === 'leaks') {
        if (!result.leaks) throw new Error('no heap was reconstructed from this core, so there are no leaks to report (see the diagnostics of heaplens analyze)');
        text = args.json ? JSON.stringify(result.leaks, null, 2) + '\n' : renderLeaks(result, args.top ?? 30);
      } else text = args.json ? JSON.stringify(result, null, 2) + '\n' : renderAnalysis(result, { top: args.top ?? 30 });
    } finally {
      process.off('SIGINT', onSig);
      pool.dispose();
    }
    await emit(args, text);
    return 0;
  } catch (e) {
    if (isAbort(e)) {
      process.stderr.write('\nheaplens: cancelled\n');
      return 130;
    }
    process.stderr.write(`heaplens: ${(e as Error).message}\n`);
    return 1;
  } finally {
    for (const s of sources) await s.close().catch(() => {});
  }
}

async function openBinaries(paths: string[]): Promise<Binary[]> {
  const out: Binary[] = [];
  for (const p of paths) {
    const s = (await openSource(p)) as NodeFileSource;
    try {
      out.push(await openBinary(s));
    } finally {
      await s.close();
    }
  }
  return out;
}

async function readTextPath(path: string, binaries: Binary[]): Promise<TextDocument> {
  const src = (await openSource(path)) as NodeFileSource;
  const show = progressPrinter();
  const t0 = Date.now();
  try {
    return await readText(src, { binaries, onProgress: src.size > 32 << 20 ? (done, total) => show({ phase: `reading ${src.name}`, done, total, elapsedMs: Date.now() - t0 } as Progress) : undefined });
  } finally {
    await src.close();
  }
}

/** The JSON of `heaplens text` with several files (docs/json.md). */
export interface TextSetJSON {
  kind: 'text-set';
  version: number;
  documents: TextDocument[];
  comparisons: TextComparison[];
}

/** heaplens text FILE...: each file recognized and answered; two of a kind compared (first = base). */
async function textCommand(args: Args): Promise<number> {
  if (!args.files.length) {
    process.stderr.write(`heaplens: text needs at least one file\n\n${USAGE}`);
    return 2;
  }
  try {
    await initNodeDemangler();
    const binaries = await openBinaries(args.bins);
    const docs: TextDocument[] = [];
    let failed = 0;
    for (const f of args.files) {
      try {
        const d = await readTextPath(f, binaries);
        if (d.kind === 'unknown-text') {
          failed++;
          process.stderr.write(`heaplens: ${f}: ${d.reason}\n`);
        }
        docs.push(d);
      } catch (e) {
        failed++;
        process.stderr.write(`heaplens: ${(e as Error).message}\n`);
      }
    }
    const comparisons: TextComparison[] = [];
    const byKind = new Map<string, TextDocument[]>();
    for (const d of docs) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d]);
    for (const list of byKind.values()) {
      if (list.length < 2) continue;
      const c = compareTexts(list[0], list[list.length - 1]);
      if (c) comparisons.push(c);
    }
    let text: string;
    if (args.json) {
      const body = docs.length === 1 && !comparisons.length ? docs[0] : ({ kind: 'text-set', version: 1, documents: docs, comparisons } satisfies TextSetJSON);
      text = JSON.stringify(body, null, 2) + '\n';
    } else {
      text = docs.map((d) => renderText(d, { top: args.top })).join('\n') + comparisons.map((c) => '\n' + renderComparison(c, { top: args.top })).join('');
    }
    await emit(args, text);
    return failed ? 1 : 0;
  } catch (e) {
    process.stderr.write(`heaplens: ${(e as Error).message}\n`);
    return 1;
  }
}

/** heaplens pprof PROFILE [--base OLD] -o OUT.pb.gz */
async function pprofCommand(args: Args): Promise<number> {
  if (args.files.length !== 1 || !args.out) {
    process.stderr.write(`heaplens: pprof needs one heap profile and -o OUT.pb.gz\n\n${USAGE}`);
    return 2;
  }
  try {
    await initNodeDemangler();
    const binaries = await openBinaries(args.bins);
    const read = async (p: string) => {
      const d = await readTextPath(p, binaries);
      if (d.kind !== 'heap-profile') throw new Error(`${p} is not a gperftools or jemalloc heap profile (${d.kind === 'unknown-text' ? d.reason : `it reads as ${d.kind}`})`);
      return d;
    };
    const doc = await read(args.files[0]);
    const base = args.base ? await read(args.base) : undefined;
    const r = heapProfileToPprof(doc, { base });
    await writeFile(args.out, await encodePprof(r.profile));
    process.stderr.write(`heaplens: wrote ${args.out}: ${r.samples} stacks${base ? `, what grew since ${args.base} (${r.dropped} stacks that did not grow left out)` : ''}; open it with go tool pprof -top ${args.out}, or in speedscope\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`heaplens: ${(e as Error).message}\n`);
    return 1;
  }
}
