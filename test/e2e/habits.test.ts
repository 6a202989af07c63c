// Habits and accessibility in Debian's Chromium, on the leak fixture: arrow keys move between the
// rows of a table, Enter opens the row's block in the block explorer, `c` copies the row's address
// (read back from the clipboard), `c` in the memory view copies the cursor's address; light and
// dark themes follow the system (emulated) and every text on the start page and the results has
// WCAG contrast in both; the URL names the section, tab, block and memory address, and a reload
// brings them back from the cache.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveStatic, type StaticSite } from '../helpers/browser';
import { contrastFailures } from '../helpers/contrast';
import { buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';

interface LeakTruth {
  tops: string[];
  indirect: string[];
  anchored: string[];
}

const pad = (a: string | bigint) => '0x' + BigInt(a).toString(16).padStart(16, '0');

describe('keyboard, clipboard, themes and URLs in Chromium', () => {
  let site: StaticSite;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let fx: Dumped<LeakTruth>;

  beforeAll(async () => {
    fx = await dumpFixture<LeakTruth>(await buildFixture('leakfix.cpp'));
    site = await serveStatic();
    browser = await launchChromium();
    ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(site.url).origin });
    page = await ctx.newPage();
    await page.goto(site.url);
    await page.getByTestId('file-input').setInputFiles([fx.core, fx.exe]);
    await page.getByTestId('results').waitFor({ timeout: 120_000 });
    await page.getByTestId('saved').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  const focusedIndex = (testid: string) =>
    page.evaluate((id) => {
      const rows = Array.from(document.querySelectorAll(`[data-testid="${id}"] > tbody > tr`));
      return rows.indexOf(document.activeElement as Element);
    }, testid);

  it('moves between table rows with the arrow keys, copies a row’s address with c, opens its block with Enter', async () => {
    await page.getByTestId('leaks-tab-sizes').click();
    const rows = page.getByTestId('leaks-sizes').locator(':scope > tbody > tr');
    expect(await rows.count()).toBeGreaterThan(2);
    // one tab stop per table: the first row
    expect(await rows.first().getAttribute('tabindex')).toBe('0');
    expect(await rows.nth(1).getAttribute('tabindex')).toBe('-1');
    await rows.first().focus();
    await page.keyboard.press('ArrowDown');
    expect(await focusedIndex('leaks-sizes')).toBe(1);
    await page.keyboard.press('ArrowDown');
    expect(await focusedIndex('leaks-sizes')).toBe(2);
    await page.keyboard.press('ArrowUp');
    expect(await focusedIndex('leaks-sizes')).toBe(1);
    const addr = (await rows.nth(1).locator('[data-block]').first().getAttribute('data-block'))!;
    expect([...fx.truth.tops, ...fx.truth.indirect].map((a) => BigInt(a))).toContain(BigInt(addr));
    await page.keyboard.press('c');
    await expect.poll(clipboard).toBe(addr);
    expect(await page.getByTestId('copied').innerText()).toBe(`Copied ${addr}`);
    // Ctrl+C on a focused row (nothing selected) copies it too
    await page.keyboard.press('ArrowUp');
    const first = (await rows.first().locator('[data-block]').first().getAttribute('data-block'))!;
    await page.keyboard.press('Control+c');
    await expect.poll(clipboard).toBe(first);
    await page.keyboard.press('End');
    expect(await focusedIndex('leaks-sizes')).toBe((await rows.count()) - 1);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('block-current').innerText()).toBe(pad(addr));
    expect(await page.getByTestId('block-verdict').getAttribute('data-verdict')).toMatch(/leaked|indirect/);
  });

  it('copies the memory view’s cursor address with c', async () => {
    const at = fx.truth.anchored[0];
    await page.getByTestId('memory-goto').fill(at);
    await page.getByTestId('memory-goto').press('Enter');
    await expect.poll(() => page.getByTestId('memory-address').innerText()).toBe(pad(at));
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('memory-address').innerText()).toBe(pad(BigInt(at) + 8n));
    await page.keyboard.press('c');
    await expect.poll(clipboard).toBe('0x' + (BigInt(at) + 8n).toString(16));
  });

  it('follows the system’s light and dark themes, with readable contrast everywhere in both', async () => {
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const report: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const lum = await page.evaluate(() => {
        const m = /(\d+)\D+(\d+)\D+(\d+)/.exec(getComputedStyle(document.body).backgroundColor)!;
        return (Number(m[1]) + Number(m[2]) + Number(m[3])) / 3;
      });
      if (scheme === 'light') expect(lum).toBeGreaterThan(200);
      else expect(lum).toBeLessThan(60);
      for (const open of ['results', 'start'] as const) {
        if (open === 'start') await page.getByTestId('new-analysis').click();
        const { checked, failures } = await contrastFailures(page);
        expect(checked).toBeGreaterThan(open === 'results' ? 300 : 20);
        for (const f of failures) report.push(`${scheme} ${open}: ${f.where} “${f.text}” ${f.ratio} < ${f.need} (${f.fg} on ${f.bg})`);
        if (open === 'start') {
          await page.getByRole('button', { name: /Back to the results/ }).click();
          await page.getByTestId('results').waitFor();
        }
      }
    }
    await page.emulateMedia({ colorScheme: null });
    expect(await bg()).toBeTruthy();
    expect(report).toEqual([]);
  });

  it('puts the section, tab, block and memory address in the URL; a reload brings them back from the cache', async () => {
    await page.getByRole('button', { name: /^Heap/ }).first().click();
    await page.getByTestId('heap-tab-sizes').click();
    const block = (await page.getByTestId('heap-sizes').locator('[data-block]').first().getAttribute('data-block'))!;
    // (the explorer's workers went when the start page was shown above: the explorer names the block it was asked for)
    await page.getByTestId('heap-sizes').locator('button.block-link').first().click();
    await expect.poll(() => page.getByTestId('block-address').inputValue()).toBe(pad(block));
    const mem = fx.truth.tops[0];
    await page.getByTestId('memory-goto').fill(mem);
    await page.getByTestId('memory-goto').press('Enter');
    await expect.poll(() => page.getByTestId('memory-address').innerText()).toBe(pad(mem));
    await page.getByRole('button', { name: /^Heap/ }).first().click();
    await page.waitForTimeout(200);
    const hash = await page.evaluate(() => location.hash);
    const q = new URLSearchParams(hash.slice(1));
    expect(q.get('a')).toMatch(/^[0-9a-f]{64}/);
    expect(q.get('s')).toBe('sec-heap');
    expect(q.get('heap')).toBe('sizes');
    expect(q.get('leaks')).toBe('sizes');
    expect(BigInt(q.get('block')!)).toBe(BigInt(block));
    expect(BigInt(q.get('mem')!)).toBe(BigInt(mem));

    await page.reload();
    await page.getByTestId('results').waitFor();
    await page.getByTestId('from-cache').waitFor();
    expect(await page.getByTestId('heap-tab-sizes').getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('leaks-tab-sizes').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.locator('#sec-heap').evaluate((el) => Math.round(el.getBoundingClientRect().top))).toBeLessThan(120);
    expect(await page.locator('#sec-heap').evaluate((el) => el.getBoundingClientRect().top)).toBeGreaterThan(-20);
    // the block: no explorer in a cached result, but the explorer names it
    expect(await page.getByTestId('block-address').inputValue()).toBe(pad(block));
    // the memory view asks for the files, then opens at the address
    await page.getByTestId('memory-view').getByTestId('file-input').setInputFiles([fx.core, fx.exe]);
    await expect.poll(() => page.getByTestId('memory-address').innerText()).toBe(pad(mem));
    expect(new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('s')).toBe('sec-heap');
  });

  it('says so when the URL names an analysis this browser does not have', async () => {
    const p = await ctx.newPage();
    try {
      await p.goto(`${site.url}#a=${'0'.repeat(64)}&s=sec-heap`);
      await expect.poll(() => p.getByTestId('notice').innerText()).toMatch(/not stored in this browser/);
      await p.getByTestId('dropzone').waitFor();
    } finally {
      await p.close();
    }
  });
});
