// The content scans' tables (src/engine/content/export.ts) for the app's CSV buttons and the
// report, against reqfix's record: the rows carry the counts the program's record gives, and
// the texts the program made (its content type, the leaked channel's pair) appear only when
// string contents are asked for — in the tables, the CSV and the HTML report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalysisJSON, type OpenedCore, analyzeSession, openInputs } from '../../src/engine/analyze';
import { runContent } from '../../src/engine/content/strings';
import { runRegex } from '../../src/engine/content/regex';
import { type RegexJSON, type StringsJSON, contentToJSON, regexToJSON } from '../../src/engine/content/json';
import { blocksWithFirstWord, leakedBlocks, wholeDump } from '../../src/engine/content/sets';
import type { LeakContext } from '../../src/engine/leaks';
import { csvText } from '../../src/engine/csv';
import { reportHtml } from '../../src/engine/report-html';
import { contentKeysTable, contentStringsTable, contentTables, httpHeadersTable, regexGroupsTable, regexMatchesTable } from '../../src/engine/tables';
import type { KernelPool } from '../../src/engine/kernel-api';
import { nodePool } from '../../src/workers/node-pool';
import { initNodeDemangler } from '../../src/workers/node-runtime';
import { NodeFileSource } from '../../src/workers/node-source';
import { buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';
import { type ReqTruth, escapeRe, fromHex } from '../helpers/reqfix';

describe('content tables, CSV and report', () => {
  let fx: Dumped<ReqTruth>;
  let src: NodeFileSource;
  let exe: NodeFileSource;
  let opened: OpenedCore;
  let pool: KernelPool;
  let json: AnalysisJSON;
  let strings: StringsJSON;
  let regex: RegexJSON;
  let ct: string;
  let leaks: LeakContext;
  beforeAll(async () => {
    fx = await dumpFixture<ReqTruth>(await buildFixture('reqfix.cpp'), ['400']);
    ct = fromHex(fx.truth.contentTypeHex);
    await initNodeDemangler();
    src = await NodeFileSource.open(fx.core);
    exe = await NodeFileSource.open(fx.exe);
    opened = await openInputs(src, [exe]);
    pool = await nodePool(fx.core, 2);
    const s = await analyzeSession(opened, pool, {});
    json = s.json;
    leaks = s.leaks!;
    strings = contentToJSON(opened, await runContent(opened, pool, wholeDump(), { leaks: s.leaks }));
    regex = regexToJSON(opened, await runRegex(opened, pool, leakedBlocks(s.leaks!), escapeRe(ct), { leaks: s.leaks }));
  });
  afterAll(async () => {
    pool?.dispose();
    await src?.close();
    await exe?.close();
  });

  it('keys: channelid first, its leaked channel with the leaked count; texts redacted unless asked', () => {
    const open = contentKeysTable(strings, { includeStrings: true });
    expect(open.rows[0].slice(0, 3)).toEqual(['channelid', fx.truth.requests, expect.any(Number)]);
    expect(open.rows[0][4]).toBe(String(fx.truth.leakedChannel));
    expect(open.rows[0][5]).toBe(fx.truth.leaked);
    expect(open.rows[0][7]).toMatch(/^0x[0-9a-f]+$/);
    const red = contentKeysTable(strings);
    expect(red.rows.length).toBe(open.rows.length);
    expect(red.rows[0][0]).toBe('[redacted]');
    expect(red.rows[0][4]).toBe('[redacted]');
    expect(red.rows[0][5]).toBe(fx.truth.leaked);
    expect(red.note).toMatch(/redacted/);
  });

  it('strings and headers: the content type is counted once per request, and hidden unless asked', () => {
    const h = httpHeadersTable(strings, { includeStrings: true });
    const row = h.rows.find((r) => r[0] === 'Content-Type' && r[2] === ct);
    expect(row?.[3]).toBe(fx.truth.requests);
    for (const o of [{}, { includeStrings: false }]) {
      const all = contentTables({ strings, regex }, o);
      expect(all.map((t) => t.id)).toEqual(['content-keys', 'content-strings', 'content-http-requests', 'content-http-headers', 'content-regex-groups', 'content-regex-matches']);
      for (const t of all) {
        const csv = csvText(t);
        expect(csv, t.id).not.toContain(`channelid=${fx.truth.leakedChannel}`);
        if (t.id !== 'content-regex-groups' && t.id !== 'content-regex-matches') expect(csv, t.id).not.toContain(ct);
      }
    }
    const open = contentStringsTable(strings, { includeStrings: true });
    const withCt = open.rows.filter((r) => String(r[0]).includes(ct));
    expect(withCt.length).toBeGreaterThan(0);
    expect(withCt.reduce((a, r) => a + (r[3] as number), 0)).toBe(fx.truth.requests);
    expect(contentStringsTable(strings).rows.every((r) => r[0] === '[redacted]')).toBe(true);
  });

  it('regex: groups by verdict and the first matches at the buffers the program recorded', () => {
    const g = regexGroupsTable(regex);
    expect(g.rows.find((r) => r[0] === 'verdict')).toEqual(['verdict', 'indirect', undefined, fx.truth.leaked, fx.truth.leaked]);
    const m = regexMatchesTable(regex, { includeStrings: true });
    const starts = new Set(fx.truth.buffers.filter((b) => b.leaked).map((b) => BigInt(b.addr) + BigInt(b.ct)));
    expect(m.rows.length).toBe(100);
    for (const r of m.rows) {
      expect(starts.has(BigInt(r[0] as string))).toBe(true);
      expect(r[2]).toBe(ct);
      expect(r[5]).toBe('indirect');
    }
    expect(regexMatchesTable(regex).rows.every((r) => r[2] === '[redacted]')).toBe(true);
  });

  it('a type group: the blocks that start with the Request vtable, all of them or the leaked ones', async () => {
    const t = json.heap!.byType.find((x) => x.type === 'Request');
    expect(t?.kind).toBe('vtable');
    const all = await blocksWithFirstWord(leaks, BigInt(t!.value), 'Request');
    expect(all.kind === 'blocks' && all.addrs.length).toBe(fx.truth.requests);
    const leaked = await blocksWithFirstWord(leaks, BigInt(t!.value), 'leaked Request', (i) => leaks.verdicts[i] === 2 || leaks.verdicts[i] === 3);
    expect(leaked.kind === 'blocks' && leaked.addrs.length).toBe(fx.truth.leaked);
    // Each is a leak top: the objects whose pointer the program dropped.
    if (leaked.kind === 'blocks') for (const i of leaked.index!) expect(leaks.verdicts[i]).toBe(2);
    // Their buffers hold the content type; the objects themselves none.
    expect((await runRegex(opened, pool, leaked, escapeRe(ct), { leaks })).total).toBe(0);
  });

  it('the report has a Content section; the dump’s texts only with includeStrings', () => {
    const red = reportHtml(json, { content: { strings, regex } });
    expect(red).toContain('<section id="content">');
    expect(red).toContain('data-table="content-keys"');
    expect(red).not.toContain(`channelid=${fx.truth.leakedChannel}`);
    expect(red).not.toContain('x-www-form-urlencoded</td>');
    const open = reportHtml(json, { content: { strings, regex }, includeStrings: true });
    expect(open).toContain(`<td>${String(fx.truth.leakedChannel)}</td>`);
    expect(open).toContain('x-www-form-urlencoded</td>');
    expect(reportHtml(json)).not.toContain('<section id="content">');
  });
});
