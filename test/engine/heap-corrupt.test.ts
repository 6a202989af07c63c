// A corrupted heap: a chunk size that runs past the heap, a loop in a fastbin and in a tcache
// list, a stretch of random bytes. The analysis reports where, keeps going, and never hangs.
import { copyFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { allBlocks, analyzeFile } from '../helpers/engine';
import { WORK, buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';
import { readelfLoads } from '../helpers/oracle';

interface HeapTruth {
  live: [string, number][];
  wordSize: number;
}

type Block = { address: bigint; usable: number; state: number };

function patch(core: string, name: string, edits: { addr: bigint; bytes: Buffer }[]): string {
  const out = join(WORK, 'corrupt', `${name}.core`);
  copyFileSync(core, out);
  const loads = readelfLoads(core);
  const fd = openSync(out, 'r+');
  try {
    for (const e of edits) {
      const seg = loads.find((l) => e.addr >= l.vaddr && e.addr + BigInt(e.bytes.length) <= l.vaddr + BigInt(l.filesz));
      if (!seg) throw new Error(`address ${e.addr.toString(16)} is not in the core`);
      writeSync(fd, e.bytes, 0, e.bytes.length, seg.offset + Number(e.addr - seg.vaddr));
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};

describe('corrupt heaps', () => {
  let fx: Dumped<HeapTruth>;
  let blocks: Block[] = [];
  beforeAll(async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(WORK, 'corrupt'), { recursive: true });
    fx = await dumpFixture<HeapTruth>(await buildFixture('heapfix.c'));
    await analyzeFile(fx.core, [], { inspect: async (pool) => void (blocks = await allBlocks(pool, 0xff)) });
  });

  const run = async (core: string) => {
    let used: Block[] = [];
    const j: AnalysisJSON = await analyzeFile(core, [], { mode: 'threads', workers: 2, inspect: async (pool) => void (used = await allBlocks(pool, 1 << 1)) });
    return { j, used };
  };

  it('reports a chunk whose size runs past the heap, and finds the chunks after it', async () => {
    // A used block in the middle of the main heap (its address is below the thread arenas').
    const mainUsed = blocks.filter((b) => b.state === 1 && b.address < 0x7f0000000000n).sort((a, b) => (a.address < b.address ? -1 : 1));
    const victim = mainUsed[Math.floor(mainUsed.length / 2)];
    const core = patch(fx.core, 'size', [{ addr: victim.address - 8n, bytes: u64(0x7ffffff000n | 1n) }]);
    const { j, used } = await run(core);
    const d = j.diagnostics.find((x) => x.code === 'heap.corrupt-chunk');
    expect(d?.message).toContain((victim.address - 16n).toString(16));
    const after = mainUsed.filter((b) => b.address > victim.address);
    const found = new Set(used.map((b) => b.address));
    expect(after.filter((b) => found.has(b.address)).length).toBeGreaterThan(after.length * 0.9);
  });

  it('stops following a fastbin that loops, and says which', async () => {
    const fast = blocks.find((b) => b.state === 4)!;
    const chunk = fast.address - 16n;
    const fdAt = fast.address;
    const core = patch(fx.core, 'fastloop', [{ addr: fdAt, bytes: u64((fdAt >> 12n) ^ chunk) }]);
    const { j } = await run(core);
    expect(j.diagnostics.some((x) => x.code === 'heap.bad-fastbin' && /fastbin \d+ of arena/.test(x.message))).toBe(true);
    expect(j.heap!.found).toBe(true);
  });

  it('rejects a tcache whose list loops, and says where', async () => {
    const t = blocks.find((b) => b.state === 3)!;
    const core = patch(fx.core, 'tcacheloop', [{ addr: t.address, bytes: u64((t.address >> 12n) ^ t.address) }]);
    const { j } = await run(core);
    expect(j.diagnostics.some((x) => x.code === 'heap.bad-tcache')).toBe(true);
    expect(j.heap!.used.count).toBeGreaterThan(0);
  });

  it('walks past 64 KiB of random bytes in the middle of the main heap', async () => {
    const mainBlocks = blocks.filter((b) => b.address < 0x7f0000000000n).sort((a, b) => (a.address < b.address ? -1 : 1));
    const mid = mainBlocks[Math.floor(mainBlocks.length / 3)].address & ~0xfffn;
    let seed = 12345;
    const noise = Buffer.alloc(65536);
    for (let i = 0; i < noise.length; i++) noise[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const core = patch(fx.core, 'noise', [{ addr: mid, bytes: noise }]);
    const { j, used } = await run(core);
    expect(j.diagnostics.some((x) => x.code === 'heap.corrupt-chunk' || x.code === 'heap.walk-stopped')).toBe(true);
    const beyond = mainBlocks.filter((b) => b.state === 1 && b.address > mid + 0x20000n);
    const found = new Set(used.map((b) => b.address));
    expect(beyond.filter((b) => found.has(b.address)).length).toBeGreaterThan(beyond.length * 0.9);
  });
});
