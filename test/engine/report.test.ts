// The HTML report and the CSV exports (src/engine/report-html.ts, tables.ts, csv.ts) on
// growfix.cpp dumped twice while it leaks: every leaked buffer starts with a form body holding a
// password (the fixture records it). The report is one file that asks for nothing outside
// itself, carries the numbers of the JSON, and leaves the form body out unless asked; the CSV
// is RFC 4180 and parses back to the document's numbers; the CLI writes the same report.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { csvField, csvText, parseCsv } from '../../src/engine/csv';
import { diffAnalyses } from '../../src/engine/diff';
import { reportHtml } from '../../src/engine/report-html';
import { REDACTED, analysisTables, diffTables, heapTypesTable, wordsTable } from '../../src/engine/tables';
import { analyzeFile } from '../helpers/engine';
import { ROOT, WORK, buildFixture, dumpFixtureSeries } from '../helpers/fixtures';

const run = promisify(execFile);
const CLI = join(ROOT, 'bin', 'heaplens.mjs');

interface Amount {
  count: number;
  bytes: number;
}
interface GrowTruth {
  pid: number;
  Leaky: Amount;
  LeakyBuf: Amount & { usable: number };
  formBody: string;
}

/** The ways a string of the dump could show in a report: as text, as little-endian word values, as head hex. */
function traces(s: string, wordSize: number): { text: string[]; hex: string[] } {
  const bytes = Buffer.from(s, 'latin1');
  const hex: string[] = [];
  for (let i = 0; i + wordSize <= bytes.length; i += wordSize) {
    const w = bytes.subarray(i, i + wordSize);
    hex.push('0x' + Buffer.from(w).reverse().toString('hex').replace(/^0+/, ''));
  }
  hex.push(bytes.subarray(0, 16).toString('hex'));
  // Text pieces long enough to be the secret and not a word of the report's own prose.
  const text = ['Tr0ub4dor', 'password=', 'user=alice'].filter((t) => s.includes(t));
  return { text, hex };
}

/** Every URL-ish reference in an HTML text: attributes that load things, CSS url(), any scheme. */
function externalRefs(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/https?:\/\/[^\s"'<>)]*/gi)) out.push(m[0]);
  for (const m of html.matchAll(/\b(src|href|srcset|action|poster|data)\s*=\s*["']?([^"'\s>]+)/gi)) out.push(`${m[1]}=${m[2]}`);
  for (const m of html.matchAll(/url\(\s*([^)]*)\)/gi)) out.push(`url(${m[1]})`);
  for (const m of html.matchAll(/<(script|link|img|iframe|object|embed|base)\b/gi)) out.push(`<${m[1]}>`);
  for (const m of html.matchAll(/@import/gi)) out.push(m[0]);
  return out;
}

const unescape = (h: string) => h.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
const fmt = (n: number) => n.toLocaleString('en-US');

describe('HTML report and CSV of an analysis and a diff', () => {
  let exe: string;
  let cores: string[];
  let t0: GrowTruth;
  let t1: GrowTruth;
  let a: AnalysisJSON;
  let b: AnalysisJSON;

  beforeAll(async () => {
    exe = await buildFixture('growfix.cpp');
    const s = await dumpFixtureSeries<GrowTruth>(exe, 2);
    cores = s.cores;
    [t0, t1] = s.truths;
    a = await analyzeFile(cores[0], [exe], { mode: 'threads', workers: 2 });
    b = await analyzeFile(cores[1], [exe], { mode: 'threads', workers: 2 });
  });

  it('the form body is in the analysis (as census words and block heads), so redaction has something to hide', () => {
    const { hex } = traces(t1.formBody, 8);
    const words = new Set(b.words!.top.map((w) => w.value));
    expect(hex.slice(0, 3).every((h) => words.has(h))).toBe(true);
    const heads = b.heap!.bySignature.flatMap((g) => g.examples.map((e) => e.head));
    expect(heads.some((h) => h.startsWith(Buffer.from(t1.formBody.slice(0, 32), 'latin1').toString('hex')))).toBe(true);
  });

  it('is one self-contained file: no script, no external URL, its own CSP forbids loading anything', () => {
    for (const doc of [b, diffAnalyses(a, b)]) {
      for (const includeStrings of [false, true]) {
        const html = reportHtml(doc, { includeStrings });
        expect(html.startsWith('<!doctype html>')).toBe(true);
        expect(externalRefs(html)).toEqual([]);
        expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
        expect(html).not.toMatch(/<script/i);
      }
    }
  });

  it('carries the numbers of the JSON document', () => {
    const html = unescape(reportHtml(b));
    const l = b.leaks!;
    expect(html).toContain(`<span class="big">${fmt(l.leaked.count)}</span>`);
    expect(html).toContain(`<span class="big">${fmt(l.unreferenced.count)}</span>`);
    expect(html).toContain(`<span class="big">${fmt(b.heap!.used.count)}</span>`);
    // The Leaky row of the used-blocks-by-type table: its count and bytes as the fixture recorded them.
    const leaky = b.heap!.byType.find((r) => r.type === 'Leaky')!;
    expect(leaky.count).toBe(t1.Leaky.count);
    expect(html).toMatch(new RegExp(`<tr><td>Leaky</td><td>vtable</td><td class="r">${fmt(t1.Leaky.count)}</td><td class="r">${fmt(t1.Leaky.bytes)}</td>`));
    for (const t of b.totals) expect(html).toMatch(new RegExp(`<tr><td>${t.label}</td><td class="r">${fmt(t.count)}</td><td class="r">${fmt(t.size)}</td><td class="r">${fmt(t.inCore)}</td></tr>`));
    expect(html).toContain(`<dd>${b.process.pid}</dd>`);
    // an inline SVG chart of leaked bytes by type, Leaky first
    expect(html).toMatch(/<figcaption>Leaked bytes by type<\/figcaption><svg role="img"[^>]*><g><title>Leaky: /);
  });

  it('redacts string contents by default and includes them only when asked', () => {
    const { text, hex } = traces(t1.formBody, 8);
    expect(text.length).toBeGreaterThan(0);
    const redacted = reportHtml(b);
    const plain = unescape(redacted);
    for (const t of text) expect(plain).not.toContain(t);
    for (const h of hex) expect(redacted.toLowerCase()).not.toContain(h);
    expect(plain).toContain(REDACTED);
    // the process' arguments are strings of the dump too
    expect(plain).toContain(`<dt>Arguments</dt><dd>${REDACTED}</dd>`);

    const full = unescape(reportHtml(b, { includeStrings: true }));
    expect(full).toContain('user=alice&password=Tr0ub4dor-3-');
    expect(full).toContain(`<dt>Arguments</dt><dd>${b.process.args}</dd>`);
    expect(full).toContain('This report includes string contents');
  });

  it('diff report: the leaking type grew by the exact delta the fixture recorded', () => {
    const d = diffAnalyses(a, b);
    const html = unescape(reportHtml(d, { analyses: [a, b] }));
    const dc = t1.Leaky.count - t0.Leaky.count;
    const row = new RegExp(`<tr class="s-grew"><td>Leaky</td><td class="r">${fmt(t0.Leaky.count)}<span class="u"> · [^<]+</span></td><td class="r">${fmt(t1.Leaky.count)}<span class="u"> · [^<]+</span></td><td class="r">\\+${fmt(dc)}</td>`);
    expect(html).toMatch(row);
    expect(html).toMatch(/Largest growth[^<]*<\/figcaption><svg role="img"[^>]*><g><title>Leaky: /);
    for (const t of traces(t1.formBody, 8).text) expect(html).not.toContain(t);
  });

  it('CSV: RFC 4180 quoting, CRLF lines, spreadsheet formulas defused; parses back to the same cells', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-12)).toBe('-12');
    expect(csvField(undefined)).toBe('');
    const t = { columns: [{ label: 'name, full' }, { label: 'n', numeric: true }], rows: [['a "b", c', 1], ['x\r\ny', -2], [undefined, 3]] };
    const text = csvText(t);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parseCsv(text)).toEqual([['name, full', 'n'], ['a "b", c', '1'], ['x\r\ny', '-2'], ['', '3']]);
  });

  it('CSV of every table parses back to the document’s numbers', () => {
    const tables = [...analysisTables(b), ...diffTables(diffAnalyses(a, b))];
    expect(tables.map((t) => t.id)).toEqual(expect.arrayContaining(['heap-types', 'heap-sizes', 'heap-signatures', 'leak-types', 'memory-map', 'census-top', 'threads', 'modules', 'diff-heap-types']));
    for (const t of tables) {
      const rows = parseCsv(csvText(t));
      expect(rows.length).toBe(t.rows.length + 1);
      expect(rows[0]).toEqual(t.columns.map((c) => c.label));
    }
    const types = parseCsv(csvText(heapTypesTable(b.heap!.byType)));
    const leaky = types.find((r) => r[0] === 'Leaky')!;
    expect([Number(leaky[2]), Number(leaky[3])]).toEqual([t1.Leaky.count, t1.Leaky.bytes]);
    // census words: the form body's words are redacted unless asked
    const { hex } = traces(t1.formBody, 8);
    const redacted = csvText(wordsTable('census-top', 'top', b.words!.top, 8));
    for (const h of hex) expect(redacted).not.toContain(h);
    const full = parseCsv(csvText(wordsTable('census-top', 'top', b.words!.top, 8, { includeStrings: true })));
    expect(full.some((r) => r[0] === hex[0] && r[10] === 'user=ali')).toBe(true);
  });

  it('heaplens report: from a core, from saved JSON, and diff --report', async () => {
    const out = join(WORK, 'report-core.html');
    await run('node', [CLI, 'report', cores[1], '--bin', exe, '-o', out], { maxBuffer: 64 << 20 });
    const html = readFileSync(out, 'utf8');
    expect(externalRefs(html)).toEqual([]);
    expect(unescape(html)).not.toContain('Tr0ub4dor');
    expect(unescape(html)).toMatch(new RegExp(`<tr><td>Leaky</td><td>vtable</td><td class="r">${fmt(t1.Leaky.count)}</td>`));
    const saved = join(WORK, 'report-b.json');
    writeFileSync(saved, JSON.stringify(b));
    const withStrings = (await run('node', [CLI, 'report', saved, '--include-strings'], { maxBuffer: 64 << 20 })).stdout;
    expect(unescape(withStrings)).toContain('Tr0ub4dor');
    const diff = (await run('node', [CLI, 'diff', cores[0], cores[1], '--bin', exe, '--report'], { maxBuffer: 64 << 20 })).stdout;
    expect(externalRefs(diff)).toEqual([]);
    expect(unescape(diff)).toMatch(new RegExp(`<td>Leaky</td><td class="r">${fmt(t0.Leaky.count)}<span`));
    const bad = await run('node', [CLI, 'report', join(ROOT, 'package.json')]).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toMatch(/neither a heaplens analysis nor a diff/);
  });
});
