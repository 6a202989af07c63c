// Three cores of one leaking process (growfix.cpp at three stages) dropped with the executable in
// Debian's Chromium: the comparison shows "Across all 3 dumps" with the leaking type growing at
// every step by the program's own counts, the sessions (a cache that filled up) as a plateau, and a
// CSV of the trend table that carries the same numbers.
import { readFileSync } from 'node:fs';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/engine/csv';
import { launchChromium, serveStatic, type StaticSite } from '../helpers/browser';
import { buildFixture, dumpFixtureSeries } from '../helpers/fixtures';

interface Amount {
  count: number;
  bytes: number;
}
interface GrowTruth {
  Session: Amount;
  Leaky: Amount;
}

const fmt = (n: number) => n.toLocaleString('en-US');

describe('trend across three dumps in Chromium', () => {
  let site: StaticSite;
  let browser: Browser;
  let page: Page;
  let truths: GrowTruth[];
  let cores: string[];
  let exe: string;

  beforeAll(async () => {
    exe = await buildFixture('growfix.cpp');
    const s = await dumpFixtureSeries<GrowTruth>(exe, 3);
    cores = s.cores;
    truths = s.truths;
    site = await serveStatic();
    browser = await launchChromium();
    const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
    page = await ctx.newPage();
    await page.goto(site.url);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('names the leak as steady and the cache as a plateau, with the counts the program recorded', async () => {
    await page.getByTestId('file-input').setInputFiles([cores[2], exe, cores[0], cores[1]]);
    await page.getByTestId('trend').waitFor({ timeout: 240_000 });
    const findings = await page.getByTestId('trend-findings').innerText();
    expect(findings).toContain(`Leaky: ${truths.map((t) => fmt(t.Leaky.count)).join(' → ')} blocks`);
    expect(findings).toMatch(/Leaky: .*grew at every one of the 2 steps/);
    expect(findings).toMatch(/Session: .*stayed flat/);
    const first = page.getByTestId('trend-table').getByTestId('trend-row').first();
    expect(await first.getAttribute('data-pattern')).toBe('steady');
    expect((await first.locator('td').first().innerText()).trim()).toBe('Leaky');
    const session = page.getByTestId('trend-table').getByTestId('trend-row').filter({ hasText: 'Session' }).first();
    expect(await session.getAttribute('data-pattern')).toBe('plateau');
  });

  it('exports the trend table as CSV with each dump\'s count', async () => {
    const [dl] = (await Promise.all([page.waitForEvent('download'), page.getByTestId('trend-csv').click()])) as [Download, unknown];
    const csv = parseCsv(readFileSync((await dl.path())!, 'utf8'));
    const head = csv[0];
    const leaky = csv.find((r) => r[0] === 'Leaky')!;
    expect(leaky[head.indexOf('Pattern')]).toBe('steady');
    expect([1, 2, 3].map((i) => Number(leaky[head.indexOf(`Dump ${i} count`)]))).toEqual(truths.map((t) => t.Leaky.count));
  });
});
