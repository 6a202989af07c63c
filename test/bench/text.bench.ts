// Benchmark of reading a large strace log: a real `strace -f -t` log of the mmap-leak fixture,
// repeated to ~200 MB, read by the CLI (`heaplens text --json`). Prints time, throughput and
// the process's peak resident memory (the log is read in 1 MiB chunks, never whole).
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, buildFixture } from '../helpers/fixtures';
import { workDir } from '../helpers/text-tools';

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
});
