// The diff view and the exports in Debian's Chromium: growfix.cpp dumped twice while it leaks
// (dumpFixtureSeries), both cores and the executable dropped at once. The Diff view's top growing
// type is Leaky with the exact count delta the program recorded; dropping them again takes both
// analyses from the cache; the diff JSON, the CSV of a table and the HTML report carry the same
// numbers; the report opens offline in Chromium and asks for nothing, and shows the form body
// the fixture's leaked buffers hold only when "include string contents" is on; "Compare with…"
// on the start page diffs two stored analyses without their files; a reload restores the diff.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffJSON } from '../../src/engine/diff';
import { parseCsv } from '../../src/engine/csv';
import { launchChromium, serveStatic, type StaticSite } from '../helpers/browser';
import { contrastFailures } from '../helpers/contrast';
import { WORK, buildFixture, dumpFixtureSeries } from '../helpers/fixtures';

interface Amount {
  count: number;
  bytes: number;
}
interface GrowTruth {
  pid: number;
  Session: Amount;
  Leaky: Amount;
  LeakyBuf: Amount & { usable: number };
  formBody: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const signed = (n: number) => (n > 0 ? `+${fmt(n)}` : n < 0 ? `−${fmt(-n)}` : '0');

async function download(p: Page, click: () => Promise<unknown>): Promise<{ text: string; name: string; path: string }> {
  const [dl] = (await Promise.all([p.waitForEvent('download'), click()])) as [Download, unknown];
  const path = (await dl.path())!;
  return { text: readFileSync(path, 'utf8'), name: dl.suggestedFilename(), path };
}

describe('diff view in Chromium', () => {
  let site: StaticSite;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let exe: string;
  let cores: string[];
  let t0: GrowTruth;
  let t1: GrowTruth;
  const offOrigin: string[] = [];

  beforeAll(async () => {
    exe = await buildFixture('growfix.cpp');
    const s = await dumpFixtureSeries<GrowTruth>(exe, 2);
    cores = s.cores;
    [t0, t1] = s.truths;
    site = await serveStatic();
    browser = await launchChromium();
    ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
    const origin = new URL(site.url).origin;
    ctx.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')) offOrigin.push(u);
    });
    page = await ctx.newPage();
    await page.goto(site.url);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  const rows = (p: Page) => p.getByTestId('diff-table').getByTestId('diff-row');

  it('drops two cores and the executable: the top growing type is Leaky, by the exact count the fixture recorded', async () => {
    // the newer dump first: the view orders them by file date (then name)
    await page.getByTestId('file-input').setInputFiles([cores[1], exe, cores[0]]);
    await page.getByTestId('diff').waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('diff-match').innerText()).toBe('matched by build-id');
    expect(await page.getByTestId('diff-a-name').innerText()).toBe(cores[0].split('/').pop());
    expect(await page.getByTestId('diff-b-name').innerText()).toBe(cores[1].split('/').pop());
    expect(await page.getByTestId('diff-tab-heap-types').getAttribute('aria-selected')).toBe('true');
    const top = rows(page).first();
    expect(await top.locator('.diff-label').innerText()).toBe('Leaky');
    expect(await top.getByTestId('diff-dcount').innerText()).toBe(signed(t1.Leaky.count - t0.Leaky.count));
    expect(await top.getByTestId('diff-dbytes').innerText()).toBe(signed(t1.Leaky.bytes - t0.Leaky.bytes));
    expect(await top.getByTestId('diff-status').innerText()).toBe('grew');
    expect(await top.getByTestId('diff-bounded').count()).toBe(0);
    const session = rows(page).filter({ has: page.locator('.diff-label', { hasText: /^Session$/ }) });
    expect(await session.getByTestId('diff-dcount').innerText()).toBe(signed(t1.Session.count - t0.Session.count));
    // the chart of the largest growth starts with Leaky
    expect(await page.getByTestId('diff-chart').locator('.bar-label').first().innerText()).toBe('Leaky');
    // the leaked buffers by size
    await page.getByTestId('diff-tab-heap-sizes').click();
    const buf = rows(page).filter({ has: page.locator('.diff-label', { hasText: new RegExp(`^size ${t1.LeakyBuf.usable}$`) }) });
    expect(await buf.getByTestId('diff-dcount').innerText()).toBe(signed(t1.LeakyBuf.count - t0.LeakyBuf.count));
    // leaked groups
    await page.getByTestId('diff-tab-leak-types').click();
    expect(await rows(page).first().locator('.diff-label').innerText()).toBe('Leaky');
    await page.getByTestId('diff-tab-heap-types').click();
  });

  it('reads well in the light and the dark theme', async () => {
    const bad: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const { checked, failures } = await contrastFailures(page);
      expect(checked).toBeGreaterThan(50);
      bad.push(...failures.map((f) => `${scheme}: ${f.where} “${f.text}” ${f.ratio} < ${f.need}`));
    }
    await page.emulateMedia({ colorScheme: null });
    expect(bad).toEqual([]);
  });

  it('exports the diff JSON, a CSV per table, and an HTML report that opens offline and redacts the dump’s strings', async () => {
    const j = JSON.parse((await download(page, () => page.getByTestId('diff-export-json').click())).text) as DiffJSON;
    expect(j.kind).toBe('diff');
    expect(j.heap!.byType[0].label).toBe('Leaky');
    expect(j.heap!.byType[0].delta).toEqual({ count: t1.Leaky.count - t0.Leaky.count, bytes: t1.Leaky.bytes - t0.Leaky.bytes });

    const csv = await download(page, () => page.getByTestId('diff-csv').click());
    expect(csv.name).toMatch(/diff-heap-types\.csv$/);
    const table = parseCsv(csv.text);
    const head = table[0];
    const leaky = table.find((r) => r[0] === 'Leaky')!;
    expect(Number(leaky[head.indexOf('Δ count')])).toBe(t1.Leaky.count - t0.Leaky.count);
    expect(Number(leaky[head.indexOf('After count')])).toBe(t1.Leaky.count);

    const report = await download(page, () => page.getByTestId('diff-export-report').click());
    expect(report.text).not.toMatch(/https?:\/\//);
    expect(report.text).not.toMatch(/<script|\bsrc=|<link|url\(/i);
    // Opened from the file system in a context with the network off: it shows, and asks for nothing.
    const file = join(WORK, 'e2e', 'diff-report.html');
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(report.path, file);
    const off = await browser.newContext({ offline: true });
    const asked: string[] = [];
    off.on('request', (r) => asked.push(r.url()));
    const rp = await off.newPage();
    await rp.goto('file://' + file);
    expect(await rp.locator('h1').innerText()).toBe('What grew');
    expect(await rp.locator('[data-table="diff-heap-types"] tbody tr').first().innerText()).toMatch(new RegExp(`^Leaky\\s.*\\+${fmt(t1.Leaky.count - t0.Leaky.count)}\\s`));
    expect(asked.filter((u) => !u.startsWith('file://'))).toEqual([]);
    await off.close();
  });

  it('opens one dump’s results from the diff; its report redacts the form body unless asked', async () => {
    await page.getByTestId('diff-b-open').click();
    await page.getByTestId('results').waitFor();
    expect(await page.getByTestId('heap-types').innerText()).toMatch(new RegExp(`\\bLeaky\\s+vtable\\s+${fmt(t1.Leaky.count)}\\b`));
    const secret = 'Tr0ub4dor';
    const redacted = await download(page, () => page.getByTestId('export-report').click());
    expect(redacted.text).not.toContain(secret);
    expect(redacted.text).toContain('[redacted]');
    await page.getByTestId('include-strings').check();
    const full = await download(page, () => page.getByTestId('export-report').click());
    expect(full.text).toContain(secret);
    // CSV of the heap types: the numbers of the fixture
    const csv = parseCsv((await download(page, () => page.getByTestId('heap-types-csv').click())).text);
    const leaky = csv.find((r) => r[0] === 'Leaky')!;
    expect([Number(leaky[2]), Number(leaky[3])]).toEqual([t1.Leaky.count, t1.Leaky.bytes]);
    // the census CSV carries the form body's words only with "include string contents"
    await page.getByTestId('census-filter').fill('');
    const words = (await download(page, () => page.getByTestId('census-csv').click())).text;
    expect(words).toContain('user=ali');
    await page.getByTestId('include-strings').uncheck();
    const wordsRedacted = (await download(page, () => page.getByTestId('census-csv').click())).text;
    expect(wordsRedacted).not.toContain('user=ali');
    await page.getByTestId('back-to-diff').click();
    await page.getByTestId('diff').waitFor();
  });

  it('takes both analyses from the cache when the same files are dropped again', async () => {
    await page.getByTestId('new-analysis').click();
    await expect.poll(() => page.getByTestId('recent-row').count()).toBeGreaterThanOrEqual(2);
    await page.getByTestId('file-input').setInputFiles([cores[0], cores[1], exe]);
    await page.getByTestId('diff').waitFor({ timeout: 60_000 });
    await page.getByTestId('diff-a-from-cache').waitFor();
    await page.getByTestId('diff-b-from-cache').waitFor();
    expect(await rows(page).first().getByTestId('diff-dcount').innerText()).toBe(signed(t1.Leaky.count - t0.Leaky.count));
  });

  it('swaps before and after; a reload of the page restores the diff from the cache', async () => {
    await page.getByTestId('diff-swap').click();
    await expect.poll(() => page.getByTestId('diff-a-name').innerText()).toBe(cores[1].split('/').pop());
    // From B to A, Leaky shrank: the opposite delta
    const leaky = rows(page).filter({ has: page.locator('.diff-label', { hasText: /^Leaky$/ }) });
    expect(await leaky.getByTestId('diff-dcount').innerText()).toBe(signed(t0.Leaky.count - t1.Leaky.count));
    expect(await leaky.getByTestId('diff-status').innerText()).toBe('shrank');
    await page.getByTestId('diff-swap').click();
    await page.getByTestId('diff-tab-leak-verdicts').click();
    expect(await page.evaluate(() => location.hash)).toMatch(/^#d=[0-9a-f]+.*%2C[0-9a-f]+.*&t=leak-verdicts$/);
    await page.reload();
    await page.getByTestId('diff').waitFor();
    expect(await page.getByTestId('diff-tab-leak-verdicts').getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('diff-tab-heap-types').click();
    expect(await rows(page).first().locator('.diff-label').innerText()).toBe('Leaky');
    expect(await rows(page).first().getByTestId('diff-dcount').innerText()).toBe(signed(t1.Leaky.count - t0.Leaky.count));
  });

  it('compares two stored analyses from the start page, without their files', async () => {
    const p = await ctx.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    try {
      await p.goto(site.url);
      const nameA = cores[0].split('/').pop()!;
      const nameB = cores[1].split('/').pop()!;
      await p.getByTestId('recent-row').filter({ hasText: nameA }).getByTestId('compare').click();
      await p.getByTestId('compare-hint').waitFor();
      await p.getByTestId('recent-row').filter({ hasText: nameB }).getByTestId('compare-with').click();
      await p.getByTestId('diff').waitFor();
      expect(await p.getByTestId('diff-a-name').innerText()).toBe(nameA);
      const top = p.getByTestId('diff-table').getByTestId('diff-row').first();
      expect(await top.locator('.diff-label').innerText()).toBe('Leaky');
      expect(await top.getByTestId('diff-dcount').innerText()).toBe(signed(t1.Leaky.count - t0.Leaky.count));
      expect(errors).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('made no request outside its origin', () => {
    expect(offOrigin).toEqual([]);
  });
});
