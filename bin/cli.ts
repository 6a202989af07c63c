// heaplens CLI: the same engine and kernels as the app, under Node worker threads.
//   heaplens analyze CORE [--bin FILE ...] [--json] [--top N] [--workers N] [--out FILE]
//   heaplens map CORE [--json]
//   heaplens leaks CORE [--bin FILE ...] [--json]
//   heaplens refs CORE ADDR [--bin FILE ...] [--json]
//   heaplens chain CORE ADDR [--bin FILE ...] [--json]
//   heaplens strings CORE [--min N] [--utf16] [--set SET] [--top N] [--json]
//   heaplens kv CORE [--set SET] [--top N] [--json]
//   heaplens grep PATTERN CORE [--set SET] [--first N] [-i] [--json]
import { writeFile } from 'node:fs/promises';
import { analyzeSession, openInputs, toJSON, type AnalysisJSON } from '../src/engine/analyze';
import { queryBlock } from '../src/engine/leaks';
import { parseAddress } from '../src/engine/format';
import type { ByteSource } from '../src/engine/bytesource';
import { isAbort } from '../src/engine/errors';
import { bytes } from '../src/engine/format';
import type { Progress } from '../src/engine/pipeline';
import { renderAnalysis, renderBlock, renderKeys, renderLeaks, renderRegex, renderStrings } from '../src/engine/report-text';
import { SET_SPECS, type SetSpec, parseSetSpec } from '../src/engine/content/sets';
import { runContent } from '../src/engine/content/strings';
import { runRegex } from '../src/engine/content/regex';
import { compileRegex } from '../src/engine/content/regex-scan';
import { contentToJSON, regexToJSON } from '../src/engine/content/json';
import { HeaplensError } from '../src/engine/errors';
import type { LeakContext } from '../src/engine/leaks';
import { nodePool } from '../src/workers/node-pool';
import { initNodeDemangler } from '../src/workers/node-runtime';
import { NodeFileSource } from '../src/workers/node-source';

const USAGE = `heaplens — find memory leaks in C/C++ core dumps, offline

Usage:
  heaplens analyze CORE [--bin FILE]... [--json] [--top N] [--workers N] [--out FILE]
  heaplens map CORE [--bin FILE]... [--json]
  heaplens leaks CORE [--bin FILE]... [--json]       leaked blocks by type, size, signature
  heaplens refs CORE ADDR [--bin FILE]... [--json]   who points to the block at ADDR, what it points to
  heaplens chain CORE ADDR [--bin FILE]... [--json]  the shortest chain from a root to that block
  heaplens strings CORE [--min N] [--utf16] [--set SET] [--top N] [--json]
                                                     the most frequent printable strings
  heaplens kv CORE [--set SET] [--top N] [--json]    key=value / "key: value" pairs by key, HTTP lines
  heaplens grep PATTERN CORE [--set SET] [--first N] [-i] [--json]
                                                     count a regular expression's matches

  CORE        an ELF core (gcore or kernel), ELF64 or ELF32, little-endian
  --bin FILE  the executable or a shared library of the process (symbols; repeatable)
  --json      print the JSON document (docs/json.md) instead of tables
  --top N     rows of the word census to show (default 30 in tables, 1000 in JSON)
  --workers N worker threads (default: available cores, at most 8)
  --out FILE  write the output to FILE instead of stdout

  strings, kv, grep:
  --set SET   what to scan: all (default), leaked, tops, indirect, anchored (heap blocks by
              leak verdict), size:N (used blocks of N usable bytes), region:START-END
              (addresses); a set of blocks runs the analysis first
  --analyze   run the analysis first with --set all or region too (places matches in blocks)
  --min N     shortest string, in characters (default 6)
  --utf16     count UTF-16LE strings too
  --first N   grep: matches listed with address and text (default 20 in tables, 100 in JSON)
  -i          grep: ignore case (also -m multi-line ^ $, -s . matches newlines)
  PATTERN     a JavaScript regular expression over the dump's bytes as latin1 (\\xNN for a
              byte); -e PATTERN for one starting with -
`;

interface Args {
  cmd: string;
  file?: string;
  bins: string[];
  json: boolean;
  top?: number;
  workers?: number;
  out?: string;
  set?: string;
  min?: number;
  utf16?: boolean;
  first?: number;
  flags: string;
  pattern?: string;
  analyze?: boolean;
  spanBytes?: number;
}

function count(name: string, v: string, min = 0): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < min) throw new UsageError(`${name} needs a whole number${min ? ` ≥ ${min}` : ''}, not ${JSON.stringify(v)}`);
  return x;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cmd: argv[0] ?? '', bins: [], json: false, flags: '' };
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
    else if (x === '--set') a.set = val();
    else if (x === '--min') a.min = count(x, val(), 1);
    else if (x === '--utf16') a.utf16 = true;
    else if (x === '--first') a.first = count(x, val());
    else if (x === '--analyze') a.analyze = true;
    else if (x === '--span-bytes') a.spanBytes = count(x, val(), 64);
    else if (x === '-e' || x === '--regexp') a.pattern = val();
    else if (x === '-i' || x === '--ignore-case') a.flags += 'i';
    else if (x === '-m' || x === '--multiline') a.flags += 'm';
    else if (x === '-s' || x === '--dotall') a.flags += 's';
    else if (x.startsWith('-')) throw new UsageError(`unknown option ${x}`);
    else if (a.cmd === 'grep' && a.pattern === undefined) a.pattern = x;
    else if (!a.file) a.file = x;
    else a.bins.push(x);
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
  if (!['analyze', 'map', 'leaks', 'refs', 'chain', 'strings', 'kv', 'grep'].includes(args.cmd)) {
    process.stderr.write(`heaplens: unknown command ${args.cmd}\n\n${USAGE}`);
    return 2;
  }
  if (args.cmd === 'grep' && args.pattern === undefined) {
    process.stderr.write(`heaplens: grep needs a pattern and a core file\n\n${USAGE}`);
    return 2;
  }
  if (!args.file) {
    process.stderr.write(`heaplens: ${args.cmd} needs a core file\n\n${USAGE}`);
    return 2;
  }
  let spec: SetSpec | undefined;
  if (args.cmd === 'strings' || args.cmd === 'kv' || args.cmd === 'grep') {
    // Bad sets and patterns are refused before the core is read.
    try {
      spec = parseSetSpec(args.set ?? 'all');
      if (args.cmd === 'grep') compileRegex(args.pattern!, args.flags);
    } catch (e) {
      process.stderr.write(`heaplens: ${(e as Error).message}\n`);
      return 2;
    }
  } else if (args.set !== undefined) {
    process.stderr.write(`heaplens: --set is for strings, kv and grep (sets: ${SET_SPECS})\n`);
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
    if (spec) {
      try {
        text = await content(args, spec, opened, pool, ac.signal);
      } finally {
        process.off('SIGINT', onSig);
        pool.dispose();
      }
      await emit(args, text);
      return 0;
    }
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

/** strings, kv, grep: the analysis first when the set is made of heap blocks (or --analyze). */
async function content(args: Args, spec: SetSpec, opened: Awaited<ReturnType<typeof openInputs>>, pool: Awaited<ReturnType<typeof nodePool>>, signal: AbortSignal): Promise<string> {
  const onProgress = progressPrinter();
  let leaks: LeakContext | undefined;
  if (spec.needsLeaks || args.analyze) {
    const session = await analyzeSession(opened, pool, { signal, onProgress, census: { topN: 10 } });
    leaks = session.leaks;
    if (!leaks && spec.needsLeaks) throw new HeaplensError('set.no-blocks', `the set "${spec.text}" is made of heap blocks, and no glibc heap was reconstructed from this core (see the diagnostics of heaplens analyze)`);
  }
  const set = spec.resolve(leaks);
  if (args.cmd === 'grep') {
    const r = await runRegex(opened, pool, set, args.pattern!, { flags: args.flags, first: args.first ?? (args.json ? 100 : 20), leaks, signal, onProgress, spanBytes: args.spanBytes });
    const j = regexToJSON(opened, r);
    return args.json ? JSON.stringify(j, null, 2) + '\n' : renderRegex(j, args.first ?? 20);
  }
  const r = await runContent(opened, pool, set, { minLen: args.min, utf16: args.utf16, top: Math.max(args.top ?? 100, 100), leaks, signal, onProgress, spanBytes: args.spanBytes });
  const j = contentToJSON(opened, r);
  if (args.json) return JSON.stringify(j, null, 2) + '\n';
  return (args.cmd === 'kv' ? renderKeys(j, args.top ?? 30) : renderStrings(j, args.top ?? 30)) + '\n';
}
