// The app in Debian's Chromium, served from a sub-path like any static host: drop a core and
// its binary, read the results, export JSON and check it against the fixture's truth; reopen
// from the cache with the network off; no request leaves the origin; bad input keeps results.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { launchChromium, serveStatic, type StaticSite } from '../helpers/browser';
import { ROOT, WORK, buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';

interface LeakTruth {
  tops: string[];
  indirect: string[];
  anchored: string[];
}

interface SeedTruth {
  pid: number;
  N: number;
  vtableA: string;
}

describe('app in Chromium', () => {
  let site: StaticSite;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let fx: Dumped<SeedTruth>;
  const offOrigin: string[] = [];

  beforeAll(async () => {
    fx = await dumpFixture<SeedTruth>(await buildFixture('seed002.cpp'));
    site = await serveStatic();
    browser = await launchChromium();
    ctx = await browser.newContext({ acceptDownloads: true });
    page = await ctx.newPage();
    const origin = new URL(site.url).origin;
    ctx.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')) offOrigin.push(u);
    });
    await page.goto(site.url);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  async function exportJSON(p: Page): Promise<AnalysisJSON> {
    const [dl] = await Promise.all([p.waitForEvent('download'), p.getByTestId('export-json').click()]);
    return JSON.parse(readFileSync((await dl.path())!, 'utf8')) as AnalysisJSON;
  }

  it('serves the built page with a CSP that keeps connections on the origin', async () => {
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/connect-src 'self'/);
    await expect.poll(() => page.getByTestId('dropzone').isVisible()).toBe(true);
    await expect.poll(() => page.locator('input[type=file][multiple]').count()).toBeGreaterThan(0);
  });

  it('analyzes a dropped core with its binary and exports the JSON the truth predicts', async () => {
    await page.getByTestId('file-input').setInputFiles([fx.core, fx.exe]);
    await page.getByTestId('results').waitFor({ timeout: 120_000 });
    await expect.poll(() => page.getByTestId('word-census').innerText()).toMatch(/vtable for A/);
    await expect.poll(() => page.getByTestId('memory-map').innerText()).toMatch(/heap/);
    await page.getByTestId('saved').waitFor();
    const j = await exportJSON(page);
    expect(j.format).toBe('elf64-core');
    expect(j.process.pid).toBe(fx.truth.pid);
    expect(j.input.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const a = j.words!.vtableCandidates.find((w) => BigInt(w.value) === BigInt(fx.truth.vtableA));
    expect(a?.count).toBeGreaterThanOrEqual(fx.truth.N);
    expect(a?.target?.symbol).toMatch(/^vtable for A/);
    expect(j.words!.workers).toBeGreaterThanOrEqual(1);
    expect(j.regions.some((r) => r.label === 'heap')).toBe(true);
    expect(j.threads[0].tid).toBe(fx.truth.pid);
  });

  it('keeps the results and says what is wrong when a non-ELF file is dropped', async () => {
    // Binary data that is neither ELF nor gzip, two files of it (one alone may be a raw memory
    // dump: the raw form asks for its base; text files are evidence: test/e2e/evidence.test.ts).
    const bad = [join(ROOT, 'docs', 'screenshot-summary.png'), join(ROOT, 'docs', 'screenshot-heap.png')];
    await page.getByTestId('file-input').setInputFiles(bad);
    await page.getByTestId('error').waitFor();
    expect(await page.getByTestId('error').innerText()).toMatch(/not an ELF file/);
    expect(await page.getByTestId('results').isVisible()).toBe(true);
    expect(await page.getByTestId('word-census').innerText()).toMatch(/vtable for A/);
  });

  it('reopens the same core from the cache with the network off', async () => {
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await ctx.setOffline(true);
    try {
      // (not a reload: that reopens the analysis the URL's hash names — the start page is asked for)
      await page.goto(site.url);
      await page.getByTestId('dropzone').waitFor();
      // The recent list is read from IndexedDB after the start page shows.
      await expect.poll(() => page.getByTestId('recent').innerText(), { timeout: 10_000 }).toContain(fx.core.split('/').pop()!);
      const t0 = Date.now();
      await page.getByTestId('file-input').setInputFiles([fx.core, fx.exe]);
      await page.getByTestId('from-cache').waitFor({ timeout: 30_000 });
      const ms = Date.now() - t0;
      console.log(`[e2e] reopened from cache in ${ms} ms`);
      expect(await page.getByTestId('word-census').innerText()).toMatch(/vtable for A/);
    } finally {
      await ctx.setOffline(false);
    }
  });

  it('analyzes a new core with the network off (kernels and workers come from the service worker)', async () => {
    const other = await dumpFixture<{ pid: number }>(await buildFixture('threads.c'));
    await ctx.setOffline(true);
    try {
      const p = await ctx.newPage();
      await p.goto(site.url);
      await p.getByTestId('file-input').setInputFiles([other.core]);
      await p.getByTestId('results').waitFor({ timeout: 120_000 });
      expect(await p.getByTestId('from-cache').count()).toBe(0);
      await expect.poll(() => p.getByTestId('threads').innerText()).toContain(String(other.truth.pid));
      await p.close();
    } finally {
      await ctx.setOffline(false);
    }
  });

  it('shows the leaks of a dropped core and explores single blocks', async () => {
    const lf = await dumpFixture<LeakTruth>(await buildFixture('leakfix.cpp'));
    const t = lf.truth;
    const p = await ctx.newPage();
    try {
      await p.goto(site.url);
      await p.getByTestId('file-input').setInputFiles([lf.core, lf.exe]);
      await p.getByTestId('results').waitFor({ timeout: 120_000 });
      expect(await p.getByTestId('from-cache').count()).toBe(0);
      const big = async (id: string) => Number((await p.getByTestId(id).locator('.stat-v').innerText()).replace(/,/g, ''));
      expect(await big('leaks-tops')).toBe(t.tops.length);
      expect(await big('leaks-indirect')).toBe(t.indirect.length);
      expect(await big('leaks-leaked')).toBe(t.tops.length + t.indirect.length);
      expect(await big('leaks-anchored')).toBeGreaterThanOrEqual(t.anchored.length);
      // CommReq × 300: all leak tops.
      expect(await p.getByTestId('leaks-types').innerText()).toMatch(/\bCommReq\s+300\s+16,800\s+300\s+0\b/);

      // A CommReq example: a leak top pointing to its string body and its buffer.
      await p.getByTestId('leaks-types').locator('button.block-link').first().click();
      const verdict = () => p.getByTestId('block-verdict').getAttribute('data-verdict');
      await expect.poll(verdict).toBe('leaked');
      const req = BigInt((await p.getByTestId('block-current').innerText()).trim());
      expect(t.tops.map(BigInt)).toContain(req);
      await expect.poll(() => p.getByTestId('block-outgoing').locator('tbody tr').count()).toBe(2);

      // An indirect block (a request's string body): one leaked block points to it.
      const body = t.indirect[0];
      await p.getByTestId('block-address').fill(body);
      await p.getByTestId('block-address').press('Enter');
      await expect.poll(() => p.getByTestId('block-current').innerText()).toBe('0x' + BigInt(body).toString(16).padStart(16, '0'));
      await expect.poll(verdict).toBe('indirect');
      expect(await p.getByTestId('block-incoming').locator('tbody tr').count()).toBe(1);
      expect(await p.getByTestId('block-incoming').innerText()).toMatch(/leak top/);

      // Back to the request, forward again (buttons and Alt+arrows).
      await p.getByTestId('block-back').click();
      await expect.poll(verdict).toBe('leaked');
      await p.keyboard.press('Alt+ArrowRight');
      await expect.poll(verdict).toBe('indirect');

      // An anchored block of the global container: its chain starts at g_kept.
      await p.getByTestId('block-address').fill(t.anchored[0]);
      await p.getByTestId('block-address').press('Enter');
      await expect.poll(verdict).toBe('anchored');
      expect(await p.getByTestId('block-chain').locator('.root-name').innerText()).toMatch(/g_kept/);

      await p.getByTestId('block-address').fill('0x10');
      await p.getByTestId('block-address').press('Enter');
      await p.getByTestId('block-none').waitFor();
    } finally {
      await p.close();
    }
  });

  it('made no request outside its origin', () => {
    expect(offOrigin).toEqual([]);
  });

  it('opens the bundled sample from the start page', async () => {
    const p = await ctx.newPage();
    await p.goto(site.url);
    await p.getByTestId('open-sample').click();
    await p.getByTestId('results').waitFor({ timeout: 120_000 });
    await expect.poll(() => p.getByTestId('word-census').innerText()).toMatch(/vtable for A/);
    // The heap section's type census: a row for class A (its vtable) with the 20,000 objects of the sample.
    await expect.poll(() => p.getByTestId('heap-types').innerText()).toMatch(/(^|\n)[^\n]*\bA\b\s+vtable\s+20,000\b/);
    // Nothing leaks in the sample: the leak bar is all anchored (a zero segment takes no room).
    expect(await p.getByTestId('leaks-leaked').locator('.stat-v').innerText()).toBe('0');
    const widths = await p.locator('.leak-bar .seg').evaluateAll((xs) => xs.map((x) => x.getBoundingClientRect().width));
    expect(widths.slice(0, 2)).toEqual([0, 0]);
    await p.close();
  });

  it('clears the stored analyses', async () => {
    const p = await ctx.newPage();
    await p.goto(site.url);
    await p.getByTestId('recent').waitFor();
    await p.getByTestId('clear-cache').click();
    await expect.poll(() => p.getByTestId('recent').innerText()).not.toContain(fx.core.split('/').pop()!);
    await p.close();
  });
});
