// glibc's own view of a core's malloc heap, as an oracle for heaplens' symbol-less heap
// reconstruction: gdb reads main_arena, mp_ and each thread's `tcache` with libc's debug
// symbols (Debian: libc6-dbg, and libc6-dbg:i386 for 32-bit cores) through gdb-heap.py.
// Nothing here uses heaplens code.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'gdb-heap.py');

/** Hex strings ("0x…") for addresses; chunk addresses are chunk headers (user pointer − 2 words). */
export interface GdbArena {
  address: string;
  top: string;
  /** chunksize(top); null when the top chunk could not be read */
  topSize: number | null;
  systemMem: number;
  /** a thread arena's heaps (heap_info: start and size), newest (holding top) first; none for main_arena */
  heaps: { start: string; size: number }[];
  /** one list per fastbinsY index, fd links followed with safe-linking decoded */
  fastbins: string[][];
  /** Σ chunksize over the fastbin chunks */
  fastbinBytes: number;
  /** chunk counts of bin 1 (unsorted), bins 2..63 (small), 64..126 (large); every chunk of every bin */
  bins: { unsorted: number; small: number; large: number; chunks: string[] };
  /** Σ chunksize over the binned chunks */
  binBytes: number;
}

export interface GdbThread {
  /** LWP */
  tid: number;
  /** the thread's `tcache` (address of its tcache_perthread_struct = a user pointer), null if none */
  tcache: string | null;
  /** one list per tcache bin: chunk headers (entry − 2 words), next links with safe-linking decoded */
  tcacheEntries: string[][];
  /** tcache->counts[] */
  counts: number[];
  /** why the thread's tcache could not be read, if it could not */
  error?: string;
}

export interface GdbHeapTruth {
  glibcVersion: string | null;
  wordSize: 4 | 8;
  safeLinking: boolean;
  mainArena: string;
  mp: {
    sbrk_base: string;
    n_mmaps: number;
    mmapped_mem: number;
    mmap_threshold: number;
    tcache_bins: number;
    tcache_count: number;
    tcache_max_bytes: number;
  };
  /** the `next` ring from &main_arena */
  arenas: GdbArena[];
  threads: GdbThread[];
  tcacheChunkCount: number;
  fastbinChunkCount: number;
  /** broken links, unreadable chunks, step limits hit (empty for a sane heap) */
  errors: string[];
  /** the libc gdb loaded for the core */
  libcPath: string | null;
}

const HINT =
  'glibc debug symbols are needed (Debian: apt-get install libc6-dbg; for 32-bit programs ' +
  'dpkg --add-architecture i386 && apt-get update && apt-get install libc6-dbg:i386, which also brings libc6:i386 — ' +
  "32-bit programs then load /lib/i386-linux-gnu/libc.so.6; libc6-i386's /usr/lib32/libc.so.6 has no debug package)";

export interface GdbHeapOptions {
  /** gdb commands run before the files are loaded (-iex), e.g. 'set debug-file-directory /x' */
  initCommands?: string[];
  timeoutMs?: number;
}

/** Runs gdb-heap.py on exe + core. `{unavailable}` when gdb or libc's debug symbols for this
 * core are missing (so glibc's view cannot be had); throws on any other failure. */
export async function gdbHeapTruth(exe: string, core: string, opts: GdbHeapOptions = {}): Promise<GdbHeapTruth | { unavailable: string }> {
  for (const f of [exe, core]) if (!existsSync(f)) throw new Error(`gdbHeapTruth: ${f} does not exist`);
  const dir = mkdtempSync(join(tmpdir(), 'gdb-heap-'));
  const out = join(dir, 'heap.json');
  try {
    const args = [
      '-batch',
      '-nx',
      '-q',
      '-iex',
      'set debuginfod enabled off',
      ...(opts.initCommands ?? []).flatMap((c) => ['-iex', c]),
      '-x',
      SCRIPT,
      exe,
      core,
    ];
    const run = await new Promise<{ err: (Error & { code?: unknown; killed?: boolean }) | null; stdout: string; stderr: string }>((resolve) =>
      execFile('gdb', args, { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20, env: { ...process.env, HEAPLENS_GDB_HEAP_OUT: out } }, (err, stdout, stderr) =>
        resolve({ err, stdout: String(stdout), stderr: String(stderr) }),
      ),
    );
    if (run.err && run.err.code === 'ENOENT') return { unavailable: 'gdb is not installed' };
    if (!existsSync(out)) {
      const why = run.err?.killed ? 'timed out' : `wrote nothing (${run.err?.message ?? 'exit 0'})`;
      throw new Error(`gdb-heap.py ${why} for ${core}\n${run.stderr.slice(-4000)}`);
    }
    const j = JSON.parse(readFileSync(out, 'utf8')) as GdbHeapTruth | { unavailable: string } | { error: string };
    if ('error' in j) throw new Error(`gdb-heap.py failed on ${core}: ${j.error}\n${run.stderr.slice(-4000)}`);
    if ('unavailable' in j) return { unavailable: `${j.unavailable}: ${HINT}` };
    return j;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The user pointer of a chunk header address (chunk + 2 words), as a bigint. */
export function userPointer(chunk: string, wordSize: 4 | 8): bigint {
  return BigInt(chunk) + BigInt(2 * wordSize);
}
