// The hex view's provider (src/engine/hexview.ts) on real cores: rows against what gdb reads at
// the same addresses, pointer annotations against the fixture's own record (leakfix.cpp: which
// block is a leak top, which indirect, the vtable of its requests), bytes the core lacks (a
// segment gdb did not dump, the holes between mappings, a core cut short) reported missing and
// never as zeros, next/previous block against every live block heapfix.c recorded, and
// address ↔ file offset against binutils' readelf.
import { execFile } from 'node:child_process';
import { closeSync, copyFileSync, ftruncateSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HexProvider, type HexBytesRow, ROW_BYTES } from '../../src/engine/hexview';
import { type Analyzed, openAnalyzed } from '../helpers/engine';
import { WORK, buildFixture, dumpFixture, kernelCoreSupport, kernelDumpFixture, type Dumped } from '../helpers/fixtures';
import { readelfLoads } from '../helpers/oracle';

const run = promisify(execFile);

interface LeakTruth {
  pid: number;
  wordSize: number;
  anchored: string[];
  tops: string[];
  indirect: string[];
  vtableCommReq: string;
}

interface HeapTruth {
  wordSize: number;
  live: [string, number][];
}

/** Words gdb reads at addr (x/Nxg or x/Nxw), and the address of a symbol (p &sym). */
async function gdb(exe: string, core: string, cmds: string[]): Promise<string> {
  const { stdout } = await run('gdb', ['-batch', '-nx', '-q', ...cmds.flatMap((c) => ['-ex', c]), exe, core], { maxBuffer: 16 << 20, timeout: 120000 });
  return stdout;
}
function gdbWords(out: string): bigint[] {
  const words: bigint[] = [];
  for (const line of out.split('\n')) {
    const m = /^0x[0-9a-f]+(?: <[^>]*>)?:\s+(.*)$/.exec(line.trim());
    if (m) for (const w of m[1].trim().split(/\s+/)) words.push(BigInt(w));
  }
  return words;
}

const wordsOf = (rows: HexBytesRow[]) => rows.flatMap((r) => r.words);
async function bytesRows(p: HexProvider, addr: bigint, n: number): Promise<HexBytesRow[]> {
  const rows: HexBytesRow[] = [];
  for (let i = 0; i < n; i++) rows.push(await p.bytesRow(addr + BigInt(i * ROW_BYTES)));
  return rows;
}

for (const bits of [64, 32] as const) {
  describe(`hex view on the leak fixture, ${bits}-bit`, () => {
    let fx: Dumped<LeakTruth>;
    let a: Analyzed;
    let p: HexProvider;
    const W = bits / 8;
    beforeAll(async () => {
      fx = await dumpFixture<LeakTruth>(await buildFixture('leakfix.cpp', { bits }));
      a = await openAnalyzed(fx.core, [fx.exe], { mode: 'threads', workers: 2 });
      p = new HexProvider(a.opened, a.leaks);
    });
    afterAll(async () => {
      await a?.close();
    });

    it('shows the words gdb reads at the same addresses (heap, .bss, a thread stack)', async () => {
      const sym = await gdb(fx.exe, fx.core, ['p/x &g_kept']);
      const gKept = BigInt(/= (0x[0-9a-f]+)/.exec(sym)![1]);
      const sp = BigInt(a.json.threads[1].sp!) & ~15n;
      const places = [BigInt(fx.truth.tops[fx.truth.tops.length - 1]) & ~15n, gKept & ~15n, sp, BigInt(fx.truth.anchored[0]) & ~15n];
      const n = 8;
      const out = await gdb(
        fx.exe,
        fx.core,
        places.map((x) => `x/${(n * ROW_BYTES) / W}x${bits === 64 ? 'g' : 'w'} 0x${x.toString(16)}`),
      );
      const want = gdbWords(out);
      expect(want.length).toBe(places.length * ((n * ROW_BYTES) / W));
      const got: bigint[] = [];
      for (const x of places) for (const w of wordsOf(await bytesRows(p, x, n))) got.push(BigInt(w.value!));
      expect(got).toEqual(want);
      // the rows are found at those addresses in the layout too
      const r = p.rowOf(gKept);
      const row = (await p.rows(r, 1))[0] as HexBytesRow;
      expect(BigInt(row.address)).toBe(gKept & ~15n);
    });

    it('names a leaked request’s vtable and the leaked blocks it owns, with their verdicts', async () => {
      const k = fx.truth.tops.length - 1;
      const req = BigInt(fx.truth.tops[k]);
      const i = 300 - 1; // the requests are the last 300 tops; body and buffer are indirect[2i], indirect[2i+1]
      const body = fx.truth.indirect[2 * i];
      const buf = fx.truth.indirect[2 * i + 1];
      const words = wordsOf(await bytesRows(p, req, 4)).filter((w) => w.block?.address === '0x' + req.toString(16));
      expect(words[0].block).toMatchObject({ offset: 0, first: true, verdict: 'leaked' });
      expect(BigInt(words[0].value!)).toBe(BigInt(fx.truth.vtableCommReq));
      expect(words[0].pointer?.symbol).toBe(`vtable for CommReq+${bits === 64 ? '0x10' : '0x8'}`);
      expect(words[0].pointer?.label).toBe('rodata');
      const toBody = words.find((w) => w.value && BigInt(w.value) === BigInt(body));
      const toBuf = words.find((w) => w.value && BigInt(w.value) === BigInt(buf));
      expect(toBody?.pointer?.block).toMatchObject({ address: '0x' + BigInt(body).toString(16), offset: 0, verdict: 'indirect', size: bits === 64 ? 216 : 204 });
      expect(toBuf?.pointer?.block).toMatchObject({ address: '0x' + BigInt(buf).toString(16), offset: 0, verdict: 'indirect', size: bits === 64 ? 520 : 524 });
      expect(toBody?.pointer?.where).toBe('[heap]');
      // The block's last word, and its chunk header right before it (size = usable + one word).
      const size = p.blockAt(req)!.size;
      expect(words[words.length - 1].block).toMatchObject({ last: true, offset: size - W });
      const head = (await p.bytesRow((req - BigInt(W)) & ~15n)).words.find((w) => w.header?.kind === 'size');
      expect(head?.header).toMatchObject({ block: '0x' + req.toString(16), chunkSize: size + W });
      expect(head?.header?.flags).toContain('PREV_INUSE');
    });

    it('finds a global by name and its words point to anchored blocks', async () => {
      const sym = await gdb(fx.exe, fx.core, ['p/x &g_kept']);
      const gKept = BigInt(/= (0x[0-9a-f]+)/.exec(sym)![1]);
      const loc = p.locate('g_kept');
      expect(loc).toMatchObject({ ok: true, address: gKept, how: 'symbol' });
      expect(p.locate('g_kept+0x10')).toMatchObject({ ok: true, address: gKept + 16n });
      const w = (await p.bytesRow(gKept)).words.find((x) => BigInt((gKept & ~15n) + BigInt(x.offset)) === gKept)!;
      expect(BigInt(w.value!)).toBe(BigInt(fx.truth.anchored[0]));
      expect(w.pointer?.block).toMatchObject({ address: fx.truth.anchored[0], offset: 0, verdict: 'anchored' });
      expect(p.describe(gKept).symbol).toBe('g_kept');
      expect(p.describe(gKept).region?.label).toBe('bss');
    });

    it('reads typed locations: hex with or without 0x, file offsets, relative offsets; refuses the rest', () => {
      const top = BigInt(fx.truth.tops[0]);
      expect(p.locate('0x' + top.toString(16))).toMatchObject({ ok: true, address: top, how: 'address' });
      expect(p.locate(top.toString(16))).toMatchObject({ ok: true, address: top });
      const off = p.fileOffset(top)!;
      expect(p.locate('@' + off.toString(16))).toMatchObject({ ok: true, address: top, how: 'file-offset' });
      expect(p.locate('file:0x' + off.toString(16))).toMatchObject({ ok: true, address: top });
      expect(p.locate('+0x40', top)).toMatchObject({ ok: true, address: top + 0x40n });
      expect(p.locate('-10', top)).toMatchObject({ ok: true, address: top - 0x10n });
      expect(p.locate('@0')).toMatchObject({ ok: false });
      expect((p.locate('@0') as { message: string }).message).toMatch(/headers or notes/);
      expect(p.locate('no_such_symbol_here')).toMatchObject({ ok: false });
      expect(p.locate('@zz')).toMatchObject({ ok: false });
    });

    it('without a block index, still names mappings and symbols', async () => {
      const bare = new HexProvider(a.opened);
      expect(bare.hasBlocks).toBe(false);
      const req = BigInt(fx.truth.tops[fx.truth.tops.length - 1]);
      const w = (await bare.bytesRow(req)).words.find((x) => x.value && BigInt(x.value) === BigInt(fx.truth.vtableCommReq));
      expect(w?.pointer?.symbol).toMatch(/^vtable for CommReq/);
      expect(w?.pointer?.block).toBeUndefined();
      expect(w?.block).toBeUndefined();
      expect(bare.nextBlock(req)).toBeUndefined();
    });
  });
}

describe('hex view: bytes the core does not hold', () => {
  let fx: Dumped<LeakTruth>;
  let a: Analyzed;
  let cut: Analyzed;
  let p: HexProvider;
  let pc: HexProvider;
  let cutAt = 0;
  beforeAll(async () => {
    fx = await dumpFixture<LeakTruth>(await buildFixture('leakfix.cpp'));
    a = await openAnalyzed(fx.core, [fx.exe], { analyze: false });
    p = new HexProvider(a.opened);
    const loads = readelfLoads(fx.core);
    const heap = loads.reduce((x, y) => (y.filesz > x.filesz ? y : x));
    cutAt = heap.offset + Math.floor(heap.filesz / 2) + 5; // mid-row
    const dir = join(WORK, 'hexview');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `cut-${process.pid}.core`);
    copyFileSync(fx.core, path);
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, cutAt);
    closeSync(fd);
    cut = await openAnalyzed(path, [], { analyze: false });
    pc = new HexProvider(cut.opened);
  });
  afterAll(async () => {
    await a?.close();
    await cut?.close();
  });

  it('marks file pages gdb did not write (a mapping with no segment) as not dumped, never zeros', async () => {
    const r = a.opened.map.regions.find((x) => x.segment < 0 && x.file)!;
    expect(r).toBeDefined();
    const row = await p.bytesRow(r.start);
    expect(row.bytes.every((b) => b === -1)).toBe(true);
    expect(row.missing).toEqual([{ from: 0, to: ROW_BYTES, why: 'not-dumped' }]);
    expect(row.words.every((w) => w.value === undefined && !w.pointer)).toBe(true);
    expect(row.region?.start).toBe('0x' + r.start.toString(16));
    expect(p.describe(r.start).missing).toBe('not-dumped');
    expect(p.fileOffset(r.start)).toBeUndefined();
  });

  it.skipIf(!kernelCoreSupport().ok)('marks the tail of a kernel core’s segment (p_filesz < p_memsz) as not dumped', async () => {
    const k = await kernelDumpFixture(await buildFixture('threads.c'));
    const kc = await openAnalyzed(k.core, [], { analyze: false });
    try {
      const kp = new HexProvider(kc.opened);
      const s = kc.opened.core.segments.find((x) => BigInt(x.filesz) < x.memsz)!;
      expect(s).toBeDefined();
      const at = s.vaddr + BigInt(s.filesz);
      const row = await kp.bytesRow(at);
      expect(row.missing).toEqual([{ from: 0, to: ROW_BYTES, why: 'not-dumped' }]);
      expect(row.bytes.every((b) => b === -1)).toBe(true);
      if (s.filesz > 0) {
        const before = await kp.bytesRow(at - 16n);
        expect(before.missing).toBeUndefined();
        expect(before.fileOffset).toBe(s.fileOffset + s.filesz - 16);
      }
    } finally {
      await kc.close();
    }
  });

  it('shows the hole between two mappings as one gap row, and its bytes as unmapped', async () => {
    const regs = a.opened.map.regions;
    const k = regs.findIndex((r, i) => i > 0 && r.start - regs[i - 1].end >= 0x10000n);
    const from = regs[k - 1].end;
    const to = regs[k].start;
    const gapRow = p.rowOf(from + 0x100n);
    expect(await p.rows(gapRow, 1)).toEqual([{ kind: 'gap', from: '0x' + from.toString(16), to: '0x' + to.toString(16) }]);
    expect(p.rowOf(to)).toBe(gapRow + 1n);
    expect(p.rowOf(from - 16n)).toBe(gapRow - 1n);
    const row = await p.bytesRow(from + 0x100n);
    expect(row.missing).toEqual([{ from: 0, to: ROW_BYTES, why: 'unmapped' }]);
    // Rows across the whole layout: each mapped row's address is the previous one's + 16 within a run.
    const rows = await p.rows(gapRow - 2n, 4);
    expect(rows.map((r) => r.kind)).toEqual(['bytes', 'bytes', 'gap', 'bytes']);
  });

  it('on a core cut short: bytes before the cut as in the whole core, after it truncated', async () => {
    const seg = cut.opened.core.segments.find((s) => s.fileOffset < cutAt && s.fileOffset + s.filesz > cutAt)!;
    const at = seg.vaddr + BigInt(cutAt - seg.fileOffset);
    const rowAddr = at & ~15n;
    const k = Number(at - rowAddr);
    const whole = await p.bytesRow(rowAddr);
    const part = await pc.bytesRow(rowAddr);
    expect(part.bytes.slice(0, k)).toEqual(whole.bytes.slice(0, k));
    expect(whole.bytes.every((b) => b >= 0)).toBe(true);
    expect(part.bytes.slice(k).every((b) => b === -1)).toBe(true);
    expect(part.missing).toEqual([{ from: k, to: ROW_BYTES, why: 'truncated' }]);
    // A segment wholly after the cut
    const later = cut.opened.core.segments.find((s) => s.fileOffset > cutAt && s.filesz > 0)!;
    expect((await pc.bytesRow(later.vaddr)).missing).toEqual([{ from: 0, to: ROW_BYTES, why: 'truncated' }]);
    expect(pc.describe(later.vaddr).missing).toBe('truncated');
  });

  it('maps addresses to file offsets and back as readelf’s program headers say', () => {
    const loads = readelfLoads(fx.core).filter((s) => s.filesz > 64);
    for (const s of loads.slice(0, 40)) {
      for (const d of [0, 8, s.filesz - 1]) {
        expect(p.fileOffset(s.vaddr + BigInt(d))).toBe(s.offset + d);
        expect(p.addressOfOffset(s.offset + d)).toBe(s.vaddr + BigInt(d));
      }
    }
  });

  it('reads only the pages of the rows asked for', async () => {
    const fresh = new HexProvider(a.opened);
    const heap = a.opened.map.regions.find((r) => r.label === 'heap')!;
    await fresh.rows(fresh.rowOf(heap.start + 0x2000n), 40);
    expect(fresh.pagesRead).toBeLessThanOrEqual(2);
    await fresh.rows(fresh.rowOf(heap.start + 0x2000n), 40);
    expect(fresh.pagesRead).toBeLessThanOrEqual(2);
  });
});

describe('hex view: next and previous block against the heap fixture’s record', () => {
  let fx: Dumped<HeapTruth>;
  let a: Analyzed;
  let p: HexProvider;
  beforeAll(async () => {
    fx = await dumpFixture<HeapTruth>(await buildFixture('heapfix.c'));
    a = await openAnalyzed(fx.core, [fx.exe], { mode: 'threads', workers: 2 });
    p = new HexProvider(a.opened, a.leaks);
  });
  afterAll(async () => {
    await a?.close();
  });

  it('steps from block to block in address order, every live block in turn', () => {
    const live = fx.truth.live.map(([x, u]) => ({ a: BigInt(x), u })).sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
    expect(live.length).toBeGreaterThan(5000);
    let cur = live[0].a - 1n;
    const seen: bigint[] = [];
    for (let b = p.nextBlock(cur); b; b = p.nextBlock(cur)) {
      cur = BigInt(b.address);
      seen.push(cur);
    }
    expect(seen.length).toBe(live.length);
    expect(seen.every((x, i) => x === live[i].a)).toBe(true);
    // backwards from past the last block
    const back: bigint[] = [];
    cur = live[live.length - 1].a + 1n;
    for (let b = p.prevBlock(cur); b; b = p.prevBlock(cur)) {
      cur = BigInt(b.address);
      back.push(cur);
    }
    expect(back.reverse()).toEqual(seen);
  });

  it('finds the block holding an interior address, and none just past its end', () => {
    const W = BigInt(fx.truth.wordSize);
    const live = fx.truth.live.filter((_, i) => i % 97 === 0);
    for (const [x, u] of live) {
      const addr = BigInt(x);
      expect(p.blockAt(addr + BigInt(u) - 1n)).toMatchObject({ address: x, size: u, offset: u - 1 });
      // from inside a block, "previous" is its own start and "next" the block after it
      expect(p.prevBlock(addr + 8n)?.address).toBe(x);
      expect(BigInt(p.nextBlock(addr)!.address ?? 0) > addr).toBe(true);
      // the word right after a block is the next chunk's size field, in no block
      expect(p.blockAt(addr + BigInt(u))).toBeUndefined();
      expect(p.blockAt(addr - W)).toBeUndefined();
    }
  });

  it('marks each block’s chunk header: size = usable size + one word (two when mmapped)', async () => {
    const W = fx.truth.wordSize;
    for (const [x, u] of fx.truth.live.filter((_, i) => i % 211 === 0)) {
      const addr = BigInt(x);
      const row = await p.bytesRow(addr - BigInt(W));
      const h = row.words.find((w) => w.header?.kind === 'size' && w.header.block === x);
      expect(h, x).toBeDefined();
      const mm = h!.header!.flags!.includes('IS_MMAPPED');
      expect(h!.header!.chunkSize).toBe(u + (mm ? 2 * W : W));
      const first = (await p.bytesRow(addr)).words.find((w) => (addr & ~15n) + BigInt(w.offset) === addr);
      expect(first?.block).toMatchObject({ address: x, first: true });
    }
  });
});
