// heaplens CLI: the same engine and kernels as the app, under Node worker threads.
//   heaplens analyze CORE [--bin FILE ...] [--json] [--top N] [--workers N] [--out FILE]
//   heaplens map CORE [--json]
//   heaplens leaks CORE [--bin FILE ...] [--json]
//   heaplens refs CORE ADDR [--bin FILE ...] [--json]
//   heaplens chain CORE ADDR [--bin FILE ...] [--json]
//   heaplens diff A B [--bin FILE ...] [--json]
//   heaplens hex CORE LOCATION [--bin FILE ...] [--rows N] [--blocks] [--json]
//   heaplens report CORE|JSON [--bin FILE ...] [--include-strings] [--top N] [-o FILE]
import { writeFile } from 'node:fs/promises';
import { analyzeSession, openInputs, toJSON, type AnalysisJSON } from '../src/engine/analyze';
import { queryBlock } from '../src/engine/leaks';
import { HexProvider, hexRowsText } from '../src/engine/hexview';
import { parseAddress } from '../src/engine/format';
import type { ByteSource } from '../src/engine/bytesource';
import { isAbort } from '../src/engine/errors';
import { bytes } from '../src/engine/format';
import type { Progress } from '../src/engine/pipeline';
import { renderAnalysis, renderBlock, renderDiff, renderLeaks } from '../src/engine/report-text';
import { type DiffJSON, diffAnalyses } from '../src/engine/diff';
import { reportHtml } from '../src/engine/report-html';
import { readFile } from 'node:fs/promises';
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
  heaplens diff A B [--bin FILE]... [--json|--report] what grew from dump A to dump B of one process
                                                     (A, B: cores, or JSON from analyze --json)
  heaplens hex CORE LOCATION [--bin FILE]... [--rows N] [--blocks] [--json]
                                                    the memory at LOCATION, xxd-like, pointers annotated
  heaplens report CORE|JSON [--bin FILE]... [--include-strings] [--top N] [-o report.html]
                                                    a self-contained HTML report (one file, no external
                                                    request) of a core, an analyze --json or a diff --json

  CORE        an ELF core (gcore or kernel), ELF64 or ELF32, little-endian
  --bin FILE  the executable or a shared library of the process (symbols; repeatable)
  --json      print the JSON document (docs/json.md) instead of tables
  --top N     rows of the word census to show (default 30 in tables, 1000 in JSON)
  --workers N worker threads (default: available cores, at most 8)
  --out FILE  write the output to FILE instead of stdout
  LOCATION    an address (0x55d0c0a012a0), a file offset in hex (@1f40), or a symbol of --bin
  --rows N    rows of 16 bytes to print (default 16)
  --blocks    analyze the heap first, to mark used blocks and name pointers into them
  --report    (diff) print the HTML report of the diff instead of tables
  --include-strings  (report) include string contents read from the dump (default: redacted;
                     dumps hold secrets: form bodies, tokens, passwords)
`;

interface Args {
  cmd: string;
  file?: string;
  bins: string[];
  json: boolean;
  top?: number;
  workers?: number;
  out?: string;
  rows?: number;
  blocks?: boolean;
  report?: boolean;
  includeStrings?: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cmd: argv[0] ?? '', bins: [], json: false };
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
    else if (x === '--rows') a.rows = Number(val());
    else if (x === '--blocks') a.blocks = true;
    else if (x === '--report') a.report = true;
    else if (x === '--include-strings') a.includeStrings = true;
    else if (x.startsWith('-')) throw new UsageError(`unknown option ${x}`);
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
  if (!['analyze', 'map', 'leaks', 'refs', 'chain', 'diff', 'hex', 'report'].includes(args.cmd)) {
    process.stderr.write(`heaplens: unknown command ${args.cmd}\n\n${USAGE}`);
    return 2;
  }
  if (!args.file) {
    process.stderr.write(`heaplens: ${args.cmd} needs a core file\n\n${USAGE}`);
    return 2;
  }
  if (args.cmd === 'diff') return diffCommand(args);
  if (args.cmd === 'report') return reportCommand(args);
  let addr: bigint | undefined;
  if (args.cmd === 'refs' || args.cmd === 'chain') {
    try {
      addr = parseAddress(args.bins.shift() ?? '');
    } catch {
      process.stderr.write(`heaplens: ${args.cmd} needs an address (e.g. 0x55d0c0a012a0) after the core\n\n${USAGE}`);
      return 2;
    }
  }
  let location: string | undefined;
  if (args.cmd === 'hex') {
    location = args.bins.shift();
    if (!location) {
      process.stderr.write(`heaplens: hex needs a location (an address like 0x55d0c0a012a0, @fileoffset, or a symbol) after the core\n\n${USAGE}`);
      return 2;
    }
    if (args.rows !== undefined && !(Number.isInteger(args.rows) && args.rows > 0 && args.rows <= 1 << 20)) {
      process.stderr.write(`heaplens: --rows needs a whole number from 1 to 1048576\n`);
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
    if (args.cmd === 'hex' && !args.blocks) {
      await emit(args, await hexText(opened, location!, args));
      return 0;
    }
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
      if (args.cmd === 'hex') {
        if (!session.leaks) process.stderr.write('heaplens: no heap block index (no glibc heap was reconstructed): pointers are named by mapping and symbol only\n');
        text = await hexText(opened, location!, args, session.leaks);
      } else if (addr !== undefined) {
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

/** An analysis document from a file: a JSON export as is, or a core analyzed now. */
async function analysisOf(path: string, bins: string[], args: Args): Promise<AnalysisJSON> {
  const src = (await openSource(path)) as NodeFileSource;
  const sources: NodeFileSource[] = [src];
  try {
    const head = await src.read(0, 1);
    if (head[0] === 0x7b /* { */) {
      const j = JSON.parse(await readFile(path, 'utf8')) as AnalysisJSON;
      if (!Array.isArray(j.regions) || !j.input) throw new Error(`${path} is JSON but not a heaplens analysis (no input/regions; see docs/json.md)`);
      return j;
    }
    const binSrcs: ByteSource[] = [];
    for (const b of bins) {
      const s = (await openSource(b)) as NodeFileSource;
      sources.push(s);
      binSrcs.push(s);
    }
    const opened = await openInputs(src, binSrcs);
    const pool = await nodePool(src.path, args.workers);
    try {
      return (await analyzeSession(opened, pool, { onProgress: progressPrinter(), census: { topN: 1000 } })).json;
    } finally {
      pool.dispose();
    }
  } finally {
    for (const s of sources) await s.close().catch(() => {});
  }
}

async function diffCommand(args: Args): Promise<number> {
  const b = args.bins.shift();
  if (!args.file || !b) {
    process.stderr.write(`heaplens: diff needs two dumps (cores or analyze --json documents) of one process: heaplens diff A B\n\n${USAGE}`);
    return 2;
  }
  try {
    await initNodeDemangler();
    const ja = await analysisOf(args.file, args.bins, args);
    const jb = await analysisOf(b, args.bins, args);
    const d = diffAnalyses(ja, jb);
    await emit(args, args.report ? reportHtml(d, { includeStrings: args.includeStrings, top: args.top, analyses: [ja, jb], generatedAt: new Date().toISOString() }) : args.json ? JSON.stringify(d, null, 2) + '\n' : renderDiff(d, args.top ?? 20));
    return 0;
  } catch (e) {
    process.stderr.write(`heaplens: ${(e as Error).message}\n`);
    return 1;
  }
}

/** `heaplens report`: the HTML report of a core (analyzed now), an analysis JSON or a diff JSON. */
async function reportCommand(args: Args): Promise<number> {
  try {
    await initNodeDemangler();
    let doc: AnalysisJSON | DiffJSON;
    const src = (await openSource(args.file!)) as NodeFileSource;
    const head = await src.read(0, 1).finally(() => src.close().catch(() => {}));
    if (head[0] === 0x7b /* { */) {
      const j = JSON.parse(await readFile(args.file!, 'utf8')) as AnalysisJSON | DiffJSON;
      if ((j as DiffJSON).kind !== 'diff' && (!Array.isArray((j as AnalysisJSON).regions) || !(j as AnalysisJSON).input)) throw new Error(`${args.file} is JSON but neither a heaplens analysis nor a diff (see docs/json.md)`);
      doc = j;
    } else doc = await analysisOf(args.file!, args.bins, args);
    await emit(args, reportHtml(doc, { includeStrings: args.includeStrings, top: args.top, generatedAt: new Date().toISOString() }));
    return 0;
  } catch (e) {
    process.stderr.write(`heaplens: ${(e as Error).message}\n`);
    return 1;
  }
}

/** `heaplens hex`: rows at a location, as text or JSON. */
async function hexText(opened: Awaited<ReturnType<typeof openInputs>>, location: string, args: Args, blocks?: ConstructorParameters<typeof HexProvider>[1]): Promise<string> {
  const p = new HexProvider(opened, blocks);
  const loc = p.locate(location);
  if (!loc.ok) throw new Error(loc.message);
  const rows = await p.rows(p.rowOf(loc.address), args.rows ?? 16);
  if (args.json) {
    const doc = { core: opened.core.source.name, wordSize: p.wordSize, location: { text: location, address: '0x' + loc.address.toString(16), how: loc.how }, hasBlocks: p.hasBlocks, rows };
    return JSON.stringify(doc, null, 2) + '\n';
  }
  return hexRowsText(rows, p.wordSize);
}
