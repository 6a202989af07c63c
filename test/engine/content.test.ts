// Content forensics against the program's own record (test/fixtures/reqfix.cpp, seed 001 case
// 1): the key=value census finds channelid=4099 with no hint, the regex count of the request
// content type and the string census match what the program made and saw in its own memory,
// over the whole dump and over the leaked blocks; span boundaries, UTF-16LE, bad patterns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenedCore, analyzeSession, openInputs } from '../../src/engine/analyze';
import { runContent, type ContentResult } from '../../src/engine/content/strings';
import { runRegex } from '../../src/engine/content/regex';
import { contentToJSON, regexToJSON } from '../../src/engine/content/json';
import { type BlockSet, leakedBlocks, planContent, regionSet, wholeDump, anchoredBlocks, leakTops } from '../../src/engine/content/sets';
import type { KernelPool } from '../../src/engine/kernel-api';
import type { LeakContext } from '../../src/engine/leaks';
import { nodePool } from '../../src/workers/node-pool';
import { initNodeDemangler } from '../../src/workers/node-runtime';
import { NodeFileSource } from '../../src/workers/node-source';
import { inlinePool } from '../../src/workers/pool';
import { kernels } from '../helpers/engine';
import { buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';
import { type ReqTruth, escapeRe, fromHex } from '../helpers/reqfix';

/** The count the program's own record gives for each channel. */
function channelCounts(t: ReqTruth): Map<number, number> {
  const m = new Map<number, number>();
  for (const b of t.buffers) m.set(b.channel, (m.get(b.channel) ?? 0) + 1);
  return m;
}

function keyValue(r: ContentResult, key: string) {
  return r.keys.find((k) => k.key === key);
}

for (const bits of [64, 32] as const) {
  describe(`content forensics, ${bits}-bit`, () => {
    let fx: Dumped<ReqTruth>;
    let src: NodeFileSource;
    let opened: OpenedCore;
    let analyzed: KernelPool;
    let fresh: KernelPool;
    let leaks: LeakContext;
    let ct: string;
    let hostLine: string;
    const leakedN = bits === 64 ? 2000 : 600;
    beforeAll(async () => {
      fx = await dumpFixture<ReqTruth>(await buildFixture('reqfix.cpp', { bits }), [String(leakedN)]);
      ct = fromHex(fx.truth.contentTypeHex);
      hostLine = fromHex(fx.truth.hostLineHex);
      await initNodeDemangler();
      src = await NodeFileSource.open(fx.core);
      opened = await openInputs(src, []);
      // One pool that ran the analysis (its census instance replaced, its heap/graph instance
      // kept for block queries), one fresh pool that never did.
      analyzed = await nodePool(fx.core, 2);
      const s = await analyzeSession(opened, analyzed, {});
      leaks = s.leaks!;
      fresh = await nodePool(fx.core, 2);
    });
    afterAll(async () => {
      analyzed?.dispose();
      fresh?.dispose();
      await src?.close();
    });

    it('the program made what it meant to, and saw exactly that in its own memory', () => {
      const t = fx.truth;
      expect(t.requests).toBe(t.leaked + t.kept);
      expect(t.leaked).toBe(leakedN);
      expect(t.seen.contentType).toBe(t.requests);
      expect(t.seen.hostLine).toBe(t.requests);
      expect(t.seen.wide).toBe(t.wideCount);
      const counts = channelCounts(t);
      expect(counts.get(t.leakedChannel)).toBe(t.leaked);
      for (const [ch, n] of counts) if (ch !== t.leakedChannel) expect(n).toBeLessThan(t.leaked / 10);
    });

    it('with no hint, channelid is the top key and 4099 its top value ×leaked — whole dump, on a pool that ran no analysis', async () => {
      const r = await runContent(opened, fresh, wholeDump());
      const top = r.keys[0];
      expect(top.key).toBe('channelid');
      expect(top.values[0].value).toBe(String(fx.truth.leakedChannel));
      expect(top.values[0].count).toBe(fx.truth.leaked);
      expect(top.values[0].maxError).toBe(0);
      expect(top.values[0].separator).toBe('=');
      // Every channel of the record, with its count.
      for (const [ch, n] of channelCounts(fx.truth)) {
        const v = top.values.find((x) => x.value === String(ch));
        if (v) expect(v.count).toBe(n);
      }
      expect(top.distinct).toBe(channelCounts(fx.truth).size);
      // Examples are inside the leaked buffers the program recorded.
      const leakedBufs = fx.truth.buffers.filter((b) => b.leaked);
      for (const ex of top.values[0].examples) expect(leakedBufs.some((b) => ex >= BigInt(b.addr) && ex < BigInt(b.addr) + BigInt(b.len))).toBe(true);
      // The JSON form: addresses as hex.
      const j = contentToJSON(opened, r);
      expect(j.kind).toBe('strings');
      expect(j.keys[0].values[0].examples[0]).toMatch(/^0x[0-9a-f]+$/);
      expect(JSON.parse(JSON.stringify(j)).keys[0].key).toBe('channelid');
    });

    it('… and over the leaked blocks after the analysis (the same pool: the explorer still answers)', async () => {
      const set = leakedBlocks(leaks);
      const r = await runContent(opened, analyzed, set, { leaks });
      expect(r.keys[0].key).toBe('channelid');
      expect(r.keys[0].values[0].value).toBe('4099');
      expect(r.keys[0].values[0].count).toBe(fx.truth.leaked);
      expect(r.keys[0].total).toBe(fx.truth.leaked);
      // Only leaked requests are in the set: no other channel.
      expect(r.keys[0].distinct).toBe(1);
      expect(r.set.units).toBe(set.kind === 'blocks' ? set.addrs.length : 0);
      // The heap/graph instance is intact: block queries still work on this pool.
      const { queryBlock } = await import('../../src/engine/leaks');
      const q = await queryBlock(leaks, BigInt(fx.truth.buffers.find((b) => b.leaked)!.addr));
      expect(q?.verdict).toBe('indirect');
    });

    it('regex count of the content type equals the truth over the whole dump and over the leaked set', async () => {
      const pattern = escapeRe(ct);
      const all = await runRegex(opened, fresh, wholeDump(), pattern);
      expect(all.total).toBe(fx.truth.requests);
      expect(all.byLabel.find((l) => l.label === 'heap')?.count).toBe(fx.truth.requests);
      expect(all.matches.length).toBe(100);
      expect(all.matches[0].text).toBe(ct);
      const leaked = await runRegex(opened, analyzed, leakedBlocks(leaks), pattern, { leaks, first: 5 });
      expect(leaked.total).toBe(fx.truth.leaked);
      expect(leaked.matches.length).toBe(5);
      // Grouped by block: all in buffers the leaked requests owned (indirectly leaked).
      expect(leaked.blocks?.byVerdict).toEqual([{ verdict: 'indirect', matches: fx.truth.leaked, blocks: fx.truth.leaked }]);
      // Whole dump with the block index: kept requests' buffers are anchored.
      const grouped = await runRegex(opened, analyzed, wholeDump(), pattern, { leaks });
      expect(grouped.total).toBe(fx.truth.requests);
      const v = Object.fromEntries(grouped.blocks!.byVerdict.map((g) => [g.verdict, g.matches]));
      expect(v).toEqual({ indirect: fx.truth.leaked, anchored: fx.truth.kept });
      expect(grouped.blocks!.outsideBlocks).toBe(0);
      // Each match is at the offset the program recorded in its buffer.
      const starts = new Set(fx.truth.buffers.map((b) => (BigInt(b.addr) + BigInt(b.ct)).toString()));
      for (const m of grouped.matches) expect(starts.has(m.address.toString())).toBe(true);
      expect(regexToJSON(opened, grouped).total).toBe(fx.truth.requests);
      // Leak tops (the request objects) hold no text; anchored blocks hold the kept requests'.
      expect((await runRegex(opened, analyzed, leakTops(leaks), pattern)).total).toBe(0);
      expect((await runRegex(opened, analyzed, anchoredBlocks(leaks), pattern)).total).toBe(fx.truth.kept);
    });

    it('string census finds the Host line with the right count, in the program\'s buffers', async () => {
      const r = await runContent(opened, fresh, wholeDump(), { leaks });
      const host = r.strings.find((s) => s.text === hostLine)!;
      expect(host.count).toBe(fx.truth.requests);
      expect(host.encoding).toBe('ascii');
      expect(host.length).toBe(hostLine.length);
      const starts = new Set(fx.truth.buffers.map((b) => (BigInt(b.addr) + BigInt(b.host)).toString()));
      for (const e of host.examples) expect(starts.has(e.toString())).toBe(true);
      for (const b of host.blocks!) expect(b && fx.truth.buffers.some((x) => BigInt(x.addr) === b.address)).toBe(true);
      const ctLine = r.strings.find((s) => s.text === `Content-Type: ${ct}`)!;
      expect(ctLine.count).toBe(fx.truth.requests);
      // HTTP: the request line, counted by method and path; header names and values.
      expect(r.http.requests[0]).toMatchObject({ method: 'POST', path: '/cgi-bin/report', count: fx.truth.requests });
      const hdr = r.http.headers.find((h) => h.name === 'Content-Type')!;
      expect(hdr.count).toBe(fx.truth.requests);
      expect(hdr.values[0]).toMatchObject({ value: ct, count: fx.truth.requests });
      expect(r.http.headers.find((h) => h.name === 'Host')?.values[0].value).toBe(hostLine.slice('Host: '.length));
      expect(r.totals.httpRequests).toBe(fx.truth.requests);
      // Nothing evicted on a dump this size: exact.
      expect(r.tables.every((t) => t.evictions === 0 && t.maxError === 0)).toBe(true);
    });

    it('UTF-16LE strings are counted when asked for', async () => {
      const wide = fromHex(fx.truth.wideHex);
      const off = await runContent(opened, fresh, wholeDump());
      expect(off.strings.some((s) => s.text === wide)).toBe(false);
      const on = await runContent(opened, fresh, wholeDump(), { utf16: true });
      const w = on.strings.find((s) => s.text === wide && s.encoding === 'utf-16le')!;
      expect(w.count).toBe(fx.truth.wideCount);
      expect(w.length).toBe(wide.length);
      // ASCII counts are the same with and without UTF-16.
      expect(on.totals.asciiStrings).toBe(off.totals.asciiStrings);
    });

    it('a string or match straddling a span boundary is counted once (small spans)', async () => {
      // Find a span size that cuts through at least one content type and one Host line.
      const heap = opened.map.regions.find((r) => r.label === 'heap')!;
      const cutsThrough = (spanBytes: number, field: 'ct' | 'host', len: number) => {
        const plan = planContent(opened, regionSet(heap.start, heap.end), { spanBytes, tail: 4104 });
        const cuts = plan.spans.filter((s) => s.parts.pre[0] > 0).map((s) => s.parts.addr[0]);
        return fx.truth.buffers.filter((b) => {
          const a = BigInt(b.addr) + BigInt(b[field]);
          return cuts.some((c) => c > a && c < a + BigInt(len));
        }).length;
      };
      let spanBytes = 4096 + 8;
      while (!(cutsThrough(spanBytes, 'ct', ct.length) > 0 && cutsThrough(spanBytes, 'host', hostLine.length) > 0)) spanBytes += 8;
      const set: BlockSet = regionSet(heap.start, heap.end);
      const rx = await runRegex(opened, fresh, set, escapeRe(ct), { spanBytes });
      expect(rx.total).toBe(fx.truth.requests);
      // A pattern whose matches run on past the cut: counted once, then the next span drops what it re-found.
      const long = await runRegex(opened, fresh, set, `${escapeRe(ct)}\\r\\nContent-Length: \\d+`, { spanBytes });
      expect(long.total).toBe(fx.truth.requests);
      const strings = await runContent(opened, fresh, set, { spanBytes });
      expect(strings.strings.find((s) => s.text === hostLine)?.count).toBe(fx.truth.requests);
      expect(keyValue(strings, 'channelid')?.values[0].count).toBe(fx.truth.leaked);
      // A digit run cut in two: the span after the cut finds its tail again and drops it, so
      // the count equals that of one scan of the heap (one span: no cut).
      const digits = await runRegex(opened, fresh, set, '\\d+', { spanBytes });
      const digitsWhole = await runRegex(opened, fresh, set, '\\d+');
      expect(digitsWhole.boundaryDrops).toBe(0);
      expect(digits.boundaryDrops).toBeGreaterThan(0);
      expect(digits.total).toBe(digitsWhole.total);
      // Overlapping candidates (three zero bytes in runs of zeros): a span whose dropped match
      // ran past the previous match's end is scanned again from there; same count as one scan.
      const zerosWhole = await runRegex(opened, fresh, set, '\\x00\\x00\\x00');
      let zeros = await runRegex(opened, fresh, set, '\\x00\\x00\\x00', { spanBytes });
      for (let more = 8; zeros.boundaryRescans === 0 && more < 400; more += 8) zeros = await runRegex(opened, fresh, set, '\\x00\\x00\\x00', { spanBytes: spanBytes + more });
      expect(zeros.boundaryRescans).toBeGreaterThan(0);
      expect(zeros.total).toBe(zerosWhole.total);
    });

    it('a bad pattern is refused before anything is read', async () => {
      const reads: number[] = [];
      const spy: KernelPool = { ...fresh, workers: fresh.workers.map((w) => ({ ...w, regexScan: (...a: Parameters<typeof w.regexScan>) => (reads.push(1), w.regexScan(...a)) })) };
      await expect(runRegex(opened, spy, wholeDump(), 'channelid=(\\d+')).rejects.toThrow(/invalid regular expression \/channelid=\(\\d\+\/: .*(unterminated|Unterminated)/i);
      await expect(runRegex(opened, spy, wholeDump(), 'a*')).rejects.toThrow(/matches the empty string/);
      await expect(runRegex(opened, spy, wholeDump(), 'abc', { flags: 'gy' })).rejects.toThrow(/unsupported flags/);
      expect(reads).toEqual([]);
    });

    it('reports progress and stops when cancelled', async () => {
      const seen: number[] = [];
      const r = await runRegex(opened, fresh, wholeDump(), 'channelid=4099&', { spanBytes: 64 << 10, onProgress: (p) => seen.push(p.done) });
      expect(r.total).toBe(fx.truth.leaked);
      expect(seen.length).toBeGreaterThan(3);
      expect(seen[seen.length - 1]).toBe(r.set.bytes);
      for (const run of [
        (signal: AbortSignal) => runRegex(opened, fresh, wholeDump(), '(a|aa)+$', { spanBytes: 64 << 10, signal }),
        (signal: AbortSignal) => runContent(opened, fresh, wholeDump(), { spanBytes: 64 << 10, signal }),
      ]) {
        const ac = new AbortController();
        const t0 = performance.now();
        const p = run(ac.signal);
        setTimeout(() => ac.abort(), 5);
        await expect(p).rejects.toThrow(/cancelled/);
        expect(performance.now() - t0).toBeLessThan(5000);
      }
      // The pool still answers afterwards.
      expect((await runRegex(opened, fresh, wholeDump(), 'channelid=4099&')).total).toBe(fx.truth.leaked);
    });

    it('inline kernels give the same counts as worker threads', async () => {
      const pool = await inlinePool(kernels(), src, 1);
      const r = await runRegex(opened, pool, wholeDump(), escapeRe(ct));
      expect(r.total).toBe(fx.truth.requests);
      const c = await runContent(opened, pool, wholeDump());
      expect(c.keys[0].values[0]).toMatchObject({ value: '4099', count: fx.truth.leaked });
    });
  });
}
