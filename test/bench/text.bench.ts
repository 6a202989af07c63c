// Benchmarks of text evidence through the CLI, each against the by-hand pipeline of the seeds on
// the same files in the same run:
// - a large strace log: a real `strace -f -t` log of the mmap-leak fixture, repeated to ~200 MB,
//   read by `heaplens text --json` (time, throughput, peak RSS: the log is read in 1 MiB chunks),
//   against seed 003's `grep 40960 trace.strace` and an awk that pairs mmap/munmap by address;
// - two memory-map snapshots of a process with 60,000 mappings, one region growing between them
//   (test/fixtures/manymaps.c): `heaplens text a b` on pmap -x and on smaps, against seed 001's
//   `diff pmap.01.log pmap.02.log | awk '{if($4 > 0){print $0}}' | sort -k2 -k1`.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, buildFixture } from '../helpers/fixtures';
import { start, workDir } from '../helpers/text-tools';

const TARGET_MIB = Number(process.env.HEAPLENS_BENCH_TEXT_MIB ?? 200);

it(`reads a ~${TARGET_MIB} MB strace log`, async () => {
  const dir = workDir('bench-strace');
  const exe = await buildFixture('mmapleak.c');
  const one = join(dir, 'one.log');
  execFileSync('strace', ['-f', '-t', '-o', one, exe, join(dir, 'truth.json'), '2', '2000'], { stdio: 'ignore' });
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
  const piece = readFileSync(one);
  const big = join(dir, 'big.log');
  writeFileSync(big, piece);
  while (statSync(big).size < TARGET_MIB * 1e6) appendFileSync(big, piece);
  const size = statSync(big).size;
  const json = join(dir, 'big.json');
  const t0 = Date.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss %M', 'node', join(ROOT, 'bin', 'heaplens.mjs'), 'text', big, '--json', '-o', json], { encoding: 'utf8' });
  const ms = Date.now() - t0;
  expect(r.status).toBe(0);
  const rss = /maxrss (\d+)/.exec(r.stderr);
  const doc = JSON.parse(readFileSync(json, 'utf8'));
  // Each repetition maps the same addresses again, so the last one's leak is what stays mapped.
  expect(doc.suspects[0].size).toBe(truth.size);
  expect(doc.suspects[0].unmatched).toBe(truth.count);
  console.log(`[bench] strace log ${(size / 1e6).toFixed(0)} MB, ${doc.lines.toLocaleString('en-US')} lines: heaplens text --json ${ms} ms (${(size / 1e6 / (ms / 1000)).toFixed(0)} MB/s)`);
  console.log(`[bench] ${doc.calls.mmap.toLocaleString('en-US')} mmap, ${doc.calls.munmap.toLocaleString('en-US')} munmap; peak RSS ${rss ? (Number(rss[1]) / 1024).toFixed(0) : '?'} MiB`);
  // Baselines on the same file: seed 003 greps for the size it already suspects; the awk pairs
  // every mmap with its munmap by address and counts what stays mapped (what heaplens answers).
  const grep = timed('sh', ['-c', `grep ${truth.size} "$0" | wc -l`, big]);
  const awk = timed('sh', ['-c', `awk '/ mmap\\(/ && / = 0x/ { live[$NF] = 1 } / munmap\\(0x/ { a = $0; sub(/.*munmap\\(/, "", a); sub(/,.*/, "", a); delete live[a] } END { n = 0; for (k in live) n++; print n }' "$0"`, big]);
  console.log(`[bench] baselines: grep ${truth.size} | wc -l ${grep.ms.toFixed(0)} ms (heaplens ${(ms / grep.ms).toFixed(2)}x); awk mmap/munmap pairing ${awk.ms.toFixed(0)} ms, ${awk.out.trim()} left mapped (heaplens ${(ms / awk.ms).toFixed(2)}x)`);
});

/** Runs a command, returns its wall time and stdout. */
function timed(cmd: string, args: string[]): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return { ms, out: r.stdout };
}

const REGIONS = Number(process.env.HEAPLENS_BENCH_MAPS ?? 60000);

it(`diffs two memory-map snapshots of a process with ${REGIONS} mappings`, async () => {
  const dir = workDir('bench-maps');
  const exe = await buildFixture('manymaps.c');
  const prog = start(exe, [join(dir, 'truth.json'), String(REGIONS), '64']);
  const f = (n: string) => join(dir, n);
  let truth: { reserve: string; grewBytes: number };
  try {
    const pid = (await prog.waitFor(/READY (\d+)/))[1];
    writeFileSync(f('pmap.01.log'), execFileSync('pmap', ['-x', pid], { maxBuffer: 1 << 30 }));
    writeFileSync(f('smaps.1'), readFileSync(`/proc/${pid}/smaps`));
    process.kill(Number(pid), 'SIGUSR1');
    await prog.waitFor(/GREW \d+/);
    writeFileSync(f('pmap.02.log'), execFileSync('pmap', ['-x', pid], { maxBuffer: 1 << 30 }));
    writeFileSync(f('smaps.2'), readFileSync(`/proc/${pid}/smaps`));
    truth = JSON.parse(readFileSync(f('truth.json'), 'utf8'));
  } finally {
    prog.child.kill('SIGKILL');
  }
  const seed = timed('sh', ['-c', `diff "$0" "$1" | awk '{if($4 > 0){print $0}}' | sort -k2 -k1`, f('pmap.01.log'), f('pmap.02.log')]);
  const awk = timed('sh', ['-c', `awk '/^Rss:/ { s += $2 } END { print s }' "$0" "$1"`, f('smaps.1'), f('smaps.2')]);
  const reserve = BigInt(truth.reserve);
  for (const [what, a, b, base, baseName] of [
    ['pmap -x', 'pmap.01.log', 'pmap.02.log', seed, "seed 001's diff | awk | sort on the same pmap -x files"],
    ['smaps', 'smaps.1', 'smaps.2', awk, "one awk pass summing Rss over both smaps"],
  ] as const) {
    const out = f(`${a}.json`);
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', 'maxrss %M', 'node', join(ROOT, 'bin', 'heaplens.mjs'), 'text', f(a), f(b), '--json', '-o', out], { encoding: 'utf8' });
    const ms = performance.now() - t0;
    expect(r.status, r.stderr).toBe(0);
    const set = JSON.parse(readFileSync(out, 'utf8'));
    const diff = set.comparisons.find((c: { kind: string }) => c.kind === 'maps-diff');
    // The region that grew most is the program's reserve, by what it wrote.
    expect(BigInt(diff.grown[0].start)).toBe(reserve);
    expect(diff.grown[0].growthKiB * 1024).toBeGreaterThanOrEqual(truth.grewBytes);
    const rss = /maxrss (\d+)/.exec(r.stderr);
    const size = statSync(f(a)).size + statSync(f(b)).size;
    console.log(`[bench] ${what}: two snapshots of ${set.documents[0].regions.length.toLocaleString('en-US')} regions (${(size / 1e6).toFixed(1)} MB): heaplens text a b --json ${ms.toFixed(0)} ms, peak RSS ${rss ? (Number(rss[1]) / 1024).toFixed(0) : '?'} MiB; ${baseName} ${base.ms.toFixed(0)} ms (heaplens ${(ms / base.ms).toFixed(2)}x)`);
  }
});
