// heaplens CLI: the same engine and kernels as the app, under Node worker threads.
//   heaplens analyze CORE|DUMP [--bin FILE ...] [--json] [--top N] [--workers N] [--out FILE] [--range S-E]...
//                   [--base ADDR] [--word-size 4|8] [--maps FILE] [--first-chunk ADDR]   (raw dumps)
//   heaplens map CORE|DUMP [--json]
//   heaplens leaks CORE [--bin FILE ...] [--json]
//   heaplens refs CORE ADDR [--bin FILE ...] [--json]
//   heaplens chain CORE ADDR [--bin FILE ...] [--json]
//   heaplens diff A B [C ...] [--bin FILE ...] [--json]
//   heaplens hex CORE LOCATION [--bin FILE ...] [--rows N] [--blocks] [--json]
//   heaplens strings CORE [--min N] [--utf16] [--set SET] [--top N] [--json]
//   heaplens kv CORE [--set SET] [--top N] [--json]
//   heaplens grep PATTERN CORE [--set SET] [--first N] [-i] [--json]
//   heaplens text FILE... [--bin FILE ...] [--json]
//   heaplens pprof PROFILE [--base OLD] [--bin FILE ...] -o OUT.pb.gz
//   heaplens report CORE|JSON [--bin FILE ...] [--include-strings] [--top N] [-o FILE]
import { writeFile } from 'node:fs/promises';
import { RAW_NO_LEAKS, analyzeSession, openInputs, toJSON, type AnalysisJSON, type OpenedCore } from '../src/engine/analyze';
import type { AddressRange } from '../src/engine/census';
import { openDump } from '../src/engine/raw/open';
import { queryBlock } from '../src/engine/leaks';
import { HexProvider, hexRowsText } from '../src/engine/hexview';
import { parseAddress } from '../src/engine/format';
import type { ByteSource } from '../src/engine/bytesource';
import { isAbort } from '../src/engine/errors';
import { bytes } from '../src/engine/format';
import type { Progress } from '../src/engine/pipeline';
import { renderAnalysis, renderBlock, renderDiff, renderLeaks, renderTrend } from '../src/engine/report-text';
import { trendAnalyses } from '../src/engine/trend';
import { type DiffJSON, diffAnalyses } from '../src/engine/diff';
import { reportHtml } from '../src/engine/report-html';
import { readFile } from 'node:fs/promises';
import { renderKeys, renderRegex, renderStrings } from '../src/engine/report-text';
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
import { openBinary, type Binary } from '../src/engine/elf/symbols';
import { type BundleDoc, type TextComparison, type TextDocument, type ThreadStacksDoc, analyzeTextSet, isBundle, readBundle, threadStacksFromCore, encodePprof, heapProfileToPprof, readText } from '../src/engine/text';
import { renderBundle, renderComparison, renderText, renderThreadStacks } from '../src/engine/text/report';
import { coreThreadStacks } from '../src/engine/text/stacks';

const USAGE = `heaplens — find memory leaks in C/C++ core dumps, offline

Usage:
  heaplens analyze CORE [--bin FILE]... [--json] [--top N] [--workers N] [--out FILE] [--range START-END]...
  heaplens analyze DUMP --base ADDR [--word-size 4|8] [--maps FILE] [--first-chunk ADDR] [options as above]
  heaplens map CORE|DUMP [--bin FILE]... [--json]      (a DUMP takes --base, --maps, --word-size too)
  heaplens leaks CORE [--bin FILE]... [--json]       leaked blocks by type, size, signature
  heaplens refs CORE ADDR [--bin FILE]... [--json]   who points to the block at ADDR, what it points to
  heaplens chain CORE ADDR [--bin FILE]... [--json]  the shortest chain from a root to that block
  heaplens diff A B [--bin FILE]... [--json|--report] what grew from dump A to dump B of one process
                                                     (A, B: cores, or JSON from analyze --json)
  heaplens diff A B C... [--json]                    three or more dumps in the order taken: each group
                                                     followed across them, steady growth (a leak) vs a
                                                     plateau (a cache); --report: the first and last
                                                     diffed, with the trend across all
  heaplens hex CORE LOCATION [--bin FILE]... [--rows N] [--blocks] [--json]
                                                    the memory at LOCATION, xxd-like, pointers annotated
  heaplens strings CORE [--min N] [--utf16] [--set SET] [--top N] [--json]
                                                     the most frequent printable strings
  heaplens kv CORE [--set SET] [--top N] [--json]    key=value / "key: value" pairs by key, HTTP lines
  heaplens grep PATTERN CORE [--set SET] [--first N] [-i] [--json]
                                                     count a regular expression's matches
  heaplens text FILE... [--bin FILE]... [--json]     text evidence, recognized from its content: top -H,
                                                     ps -L, pidstat -r, /proc/PID/status, /proc/meminfo,
                                                     /proc/PID/maps and smaps, pmap -x/-X, gdb info proc
                                                     mappings, strace -f, valgrind, gperftools/jemalloc
                                                     heap profiles; two of a kind → what grew (the first
                                                     is the base; maps: every snapshot, with top -H)
  heaplens pprof PROFILE [--base OLD] [--bin FILE]... -o OUT.pb.gz
                                                     a heap profile as pprof's profile.proto (gzipped), for
                                                     go tool pprof and speedscope; with --base, what grew
  heaplens report CORE|JSON [--bin FILE]... [--include-strings] [--top N] [-o report.html]
                                                    a self-contained HTML report (one file, no external
                                                    request) of a core, an analyze --json or a diff --json

  CORE        an ELF core (gcore or kernel), ELF64 or ELF32, little-endian
  DUMP        a raw memory dump: the bytes of [base, base + size), e.g. from
              gdb's 'dump binary memory result.bin 0x1f3a000 0x21f3a000'
  --bin FILE  the executable or a shared library of the process (symbols; repeatable)
  --json      print the JSON document (docs/json.md) instead of tables
  --top N     rows of the word census to show (default 30 in tables, 1000 in JSON)
  --workers N worker threads (default: available cores, at most 8)
  --out FILE  write the output to FILE instead of stdout (-o)
  LOCATION    an address (0x55d0c0a012a0), a file offset in hex (@1f40), or a symbol of --bin
  --rows N    rows of 16 bytes to print (default 16)
  --blocks    analyze the heap first, to mark used blocks and name pointers into them
  --range START-END   count words only in [START, END) (also START:END; repeatable); the heap
              and leak analyses need the whole dump and are skipped
  --base ADDR         address of the dump's first byte; else read from the file name:
              result.0x1f3a000.bin, heap-1f3a000-21f3a000.bin (the end is checked against the size)
  --word-size 4|8     pointer size of the dumped process (default 8; from --maps when it is a core,
              4 when a text map lies below 4 GiB)
  --maps FILE the process's map: a core of the same process, or its /proc/PID/maps, pmap -x, pmap
              or gdb "info proc mappings" output (which values are pointers, and into what); without
              it only values inside the dump count as pointers
  --first-chunk ADDR  a glibc chunk header to walk the dump's heap from (found by itself when the
              dump starts at [heap]'s start per --maps, at a heap_info, or at a tcache struct)

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

  pprof:
  --base OLD  the earlier heap profile to subtract (with any other command, --base is the raw dump's address)
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
  ranges: AddressRange[];
  base?: bigint;
  wordSize?: 4 | 8;
  maps?: string;
  firstChunk?: bigint;
  set?: string;
  min?: number;
  utf16?: boolean;
  first?: number;
  flags: string;
  pattern?: string;
  analyze?: boolean;
  spanBytes?: number;
  /** pprof --base: the earlier profile. */
  baseProfile?: string;
  /** Every positional argument after the command. */
  files: string[];
  report?: boolean;
  includeStrings?: boolean;
}

function addressArg(opt: string, v: string): bigint {
  try {
    return parseAddress(v);
  } catch {
    throw new UsageError(`${opt} takes an address (hex, e.g. 0x1f3a000), not ${JSON.stringify(v)}`);
  }
}

function rangeArg(v: string): AddressRange {
  const m = /^\s*([0-9a-fA-Fx_]+)\s*[-:]\s*([0-9a-fA-Fx_]+)\s*$/.exec(v);
  if (!m) throw new UsageError(`--range takes START-END or START:END (hex addresses), not ${JSON.stringify(v)}`);
  const r = { start: addressArg('--range', m[1]), end: addressArg('--range', m[2]) };
  if (r.end <= r.start) throw new UsageError(`--range ${v}: the end must be above the start`);
  return r;
}

function count(name: string, v: string, min = 0): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < min) throw new UsageError(`${name} needs a whole number${min ? ` ≥ ${min}` : ''}, not ${JSON.stringify(v)}`);
  return x;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cmd: argv[0] ?? '', bins: [], json: false, ranges: [], flags: '', files: [] };
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
    else if (x === '--range') a.ranges.push(rangeArg(val()));
    else if (x === '--base') {
      const v = val();
      if (a.cmd === 'pprof') a.baseProfile = v;
      else a.base = addressArg(x, v);
    }
    else if (x === '--first-chunk') a.firstChunk = addressArg(x, val());
    else if (x === '--maps') a.maps = val();
    else if (x === '--word-size') {
      const v = val();
      if (v !== '4' && v !== '8') throw new UsageError(`--word-size takes 4 or 8, not ${JSON.stringify(v)}`);
      a.wordSize = Number(v) as 4 | 8;
    }
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
    else if (x === '--report') a.report = true;
    else if (x === '--include-strings') a.includeStrings = true;
    else if (x.startsWith('-')) throw new UsageError(`unknown option ${x}`);
    else if (a.cmd === 'grep' && a.pattern === undefined) a.pattern = x;
    else {
      a.files.push(x);
      if (!a.file) a.file = x;
      else if (a.cmd !== 'text' && a.cmd !== 'diff') a.bins.push(x);
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
  if (!['analyze', 'map', 'leaks', 'refs', 'chain', 'diff', 'hex', 'strings', 'kv', 'grep', 'report'].includes(args.cmd)) {
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
  if (args.cmd === 'diff') return diffCommand(args);
  if (args.cmd === 'report') return reportCommand(args);
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
    const maps = args.maps ? await openSource(args.maps) : undefined;
    if (maps) sources.push(maps as NodeFileSource);
    const opened = await openDump(core, bins, { base: args.base, wordSize: args.wordSize, maps, firstChunk: args.firstChunk });
    if (opened.core.kind === 'raw' && ['leaks', 'refs', 'chain'].includes(args.cmd)) {
      process.stderr.write(`heaplens: ${args.cmd} needs a core: ${core.name} is a raw memory dump. ${RAW_NO_LEAKS.replace(/^l/, 'L')}.\nheaplens analyze ${core.name} gives its word census and heap blocks.\n`);
      return 1;
    }
    if (args.cmd === 'hex' && !args.blocks) {
      await emit(args, await hexText(opened, location!, args));
      return 0;
    }
    if (args.cmd === 'map') {
      const j = toJSON(opened);
      await emit(args, args.json ? JSON.stringify(j, null, 2) + '\n' : renderAnalysis(j, { top: 0 }) + stacksText(j));
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
      const session = await analyzeSession(opened, pool, { signal: ac.signal, onProgress: progressPrinter(), census: { topN: args.json ? (args.top ?? 1000) : Math.max(args.top ?? 30, 200), ...(args.ranges.length ? { ranges: args.ranges } : {}) } });
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
      } else text = args.json ? JSON.stringify(result, null, 2) + '\n' : renderAnalysis(result, { top: args.top ?? 30 }) + stacksText(result);
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
    const opened = await openDump(src, binSrcs, {});
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
  if (args.files.length < 2) {
    process.stderr.write(`heaplens: diff needs two dumps (cores or analyze --json documents) of one process: heaplens diff A B [C...]\n\n${USAGE}`);
    return 2;
  }
  try {
    await initNodeDemangler();
    const docs: AnalysisJSON[] = [];
    for (const f of args.files) docs.push(await analysisOf(f, args.bins, args));
    // Three or more: each group followed from dump to dump (a leak grows at every step).
    const trend = docs.length > 2 ? trendAnalyses(docs) : undefined;
    if (trend && !args.report) {
      await emit(args, args.json ? JSON.stringify(trend, null, 2) + '\n' : renderTrend(trend, args.top ?? 20));
      return 0;
    }
    // The report of several dumps: the diff of the first and the last, with the trend across all.
    const [ja, jb] = [docs[0], docs[docs.length - 1]];
    const d = diffAnalyses(ja, jb);
    await emit(args, args.report ? reportHtml(d, { includeStrings: args.includeStrings, top: args.top, analyses: [ja, jb], trend, generatedAt: new Date().toISOString() }) : args.json ? JSON.stringify(d, null, 2) + '\n' : renderDiff(d, args.top ?? 20));
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
async function hexText(opened: OpenedCore, location: string, args: Args, blocks?: ConstructorParameters<typeof HexProvider>[1]): Promise<string> {
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

/** strings, kv, grep: the analysis first when the set is made of heap blocks (or --analyze). */
async function content(args: Args, spec: SetSpec, opened: OpenedCore, pool: Awaited<ReturnType<typeof nodePool>>, signal: AbortSignal): Promise<string> {
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
  /** Thread stacks against the address space, from the last memory map (with the thread list of its process, if given). */
  threadStacks?: ThreadStacksDoc;
  /** Archives given (collector bundles): manifest, members and what each is; their documents are in `documents`. */
  bundles?: Omit<BundleDoc, 'documents' | 'comparisons' | 'threadStacks'>[];
  /** Thread stacks from each core found in the bundles. */
  coreStacks?: ThreadStacksDoc[];
}

/** A core's thread stacks against its address space (seed 001 case 4), after the analysis tables; nothing for a raw dump or a core without thread stacks. */
function stacksText(j: AnalysisJSON): string {
  const d = coreThreadStacks(j);
  return d ? '\n' + renderThreadStacks(d, 10) : '';
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
    const bundles: BundleDoc[] = [];
    const coreStacks: ThreadStacksDoc[] = [];
    const coreLines: string[] = [];
    let failed = 0;
    for (const f of args.files) {
      try {
        const src = (await openSource(f)) as NodeFileSource;
        let bundle: Awaited<ReturnType<typeof readBundle>> | undefined;
        try {
          if (await isBundle(src)) bundle = await readBundle(src, { binaries });
        } finally {
          if (bundle) await src.close();
        }
        if (!bundle) {
          await src.close();
          const d = await readTextPath(f, binaries);
          if (d.kind === 'unknown-text') {
            failed++;
            process.stderr.write(`heaplens: ${f}: ${d.reason}\n`);
          }
          docs.push(d);
          continue;
        }
        bundles.push(bundle.doc);
        for (const d of bundle.doc.diagnostics) process.stderr.write(`heaplens: ${d.level}: ${d.message}\n`);
        for (const m of bundle.doc.members) {
          if (m.kind !== 'unknown-text') continue;
          failed++;
          process.stderr.write(`heaplens: ${f}: ${m.name}: ${m.title}\n`);
        }
        if (bundle.doc.diagnostics.some((d) => d.level === 'error')) failed++;
        docs.push(...bundle.doc.documents);
        // A core in the bundle: its map and thread stacks here; heaplens analyze on it once extracted.
        for (const c of bundle.cores) {
          try {
            const json = toJSON(await openInputs(c.source));
            const st = threadStacksFromCore(json);
            coreStacks.push(st);
            coreLines.push(`${c.name}: ELF core of process ${json.process.pid ?? '?'}${json.process.command ? ` (${json.process.command})` : ''}, ${json.threads.length} thread(s), ${json.regions.length} mappings; for leaks: tar xzf ${f} ${c.name} && heaplens analyze ${c.name}`);
          } catch (e) {
            failed++;
            process.stderr.write(`heaplens: ${f}: ${c.name}: ${(e as Error).message}\n`);
          }
        }
      } catch (e) {
        failed++;
        process.stderr.write(`heaplens: ${(e as Error).message}\n`);
      }
    }
    const { comparisons, threadStacks } = analyzeTextSet(docs);
    let text: string;
    if (args.json) {
      const body =
        docs.length === 1 && !comparisons.length && !threadStacks && !bundles.length
          ? docs[0]
          : ({ kind: 'text-set', version: 1, documents: docs, comparisons, threadStacks, ...(bundles.length ? { bundles: bundles.map(({ documents: _d, comparisons: _c, threadStacks: _t, ...b }) => b), coreStacks } : {}) } satisfies TextSetJSON);
      text = JSON.stringify(body, null, 2) + '\n';
    } else {
      text = bundles.map((b) => renderBundle(b) + '\n').join('') + docs.map((d) => renderText(d, { top: args.top })).join('\n') + comparisons.map((c) => '\n' + renderComparison(c, { top: args.top })).join('') + (threadStacks ? '\n' + renderThreadStacks(threadStacks, args.top ?? 30) : '') + coreLines.map((l, i) => `\n${l}\n` + renderThreadStacks(coreStacks[i], args.top ?? 30)).join('');
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
    const base = args.baseProfile ? await read(args.baseProfile) : undefined;
    const r = heapProfileToPprof(doc, { base });
    await writeFile(args.out, await encodePprof(r.profile));
    process.stderr.write(`heaplens: wrote ${args.out}: ${r.samples} stacks${base ? `, what grew since ${args.baseProfile} (${r.dropped} stacks that did not grow left out)` : ''}; open it with go tool pprof -top ${args.out}, or in speedscope\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`heaplens: ${(e as Error).message}\n`);
    return 1;
  }
}
