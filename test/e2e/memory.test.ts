// The memory (hex) view in Debian's Chromium: drop the leak fixture's core and binary, open the
// view at a leaked request from the fixture's truth, read what its words point to (its vtable,
// the leaked string body and buffer it owns, with their verdicts), follow a pointer with a click,
// step to the next block with `n`, go back with Alt+← (without moving the block explorer), and
// open addresses from the other sections' "hex" buttons.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveStatic, type StaticSite } from '../helpers/browser';
import { ROOT, WORK, buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';

interface LeakTruth {
  tops: string[];
  indirect: string[];
  anchored: string[];
  vtableCommReq: string;
}

const pad = (a: string | bigint) => '0x' + BigInt(a).toString(16).padStart(16, '0');

describe('memory view in Chromium', () => {
  let site: StaticSite;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let fx: Dumped<LeakTruth>;
  // A leaked request whose buffer's chunk follows its body's chunk with nothing between them
  // (body usable 216 = chunk 224 on 64-bit): the next block after the body is the buffer.
  let req = '';
  let body = '';
  let buf = '';

  beforeAll(async () => {
    fx = await dumpFixture<LeakTruth>(await buildFixture('leakfix.cpp'));
    const t = fx.truth;
    const reqs = t.tops.slice(t.tops.length - 300);
    const i = reqs.findIndex((_, k) => BigInt(t.indirect[2 * k + 1]) - BigInt(t.indirect[2 * k]) === 224n);
    expect(i).toBeGreaterThanOrEqual(0);
    [req, body, buf] = [reqs[i], t.indirect[2 * i], t.indirect[2 * i + 1]];
    site = await serveStatic();
    browser = await launchChromium();
    ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    page = await ctx.newPage();
    await page.goto(site.url);
    await page.getByTestId('file-input').setInputFiles([fx.core, fx.exe]);
    await page.getByTestId('results').waitFor({ timeout: 120_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  const cursor = () => page.getByTestId('memory-address').innerText();
  const row = (a: string | bigint) => page.getByTestId('memory-grid').locator(`[data-row="${'0x' + (BigInt(a) & ~15n).toString(16)}"]`);

  it('opens at a typed address and names what the request’s words point to', async () => {
    await page.getByTestId('memory-grid').waitFor();
    await page.getByTestId('memory-goto').fill(req);
    await page.getByTestId('memory-goto').press('Enter');
    await expect.poll(cursor).toBe(pad(req));
    await expect.poll(() => page.getByTestId('memory-block').innerText()).toMatch(/leak top/);
    const notes = row(req).locator('.hx-notes');
    await expect.poll(() => notes.innerText()).toContain('vtable for CommReq+0x10');
    expect(await notes.innerText()).toContain(`block ${pad(body)} (216 B, indirect)`);
    await expect.poll(() => row(BigInt(req) + 32n).locator('.hx-notes').innerText()).toContain(`block ${pad(buf)} (520 B, indirect)`);
    // the vtable word holds the value the program recorded
    const vt = row(req).locator(`.hx-w[data-addr="${'0x' + BigInt(req).toString(16)}"]`);
    expect(await vt.getAttribute('data-target')).toBe('0x' + BigInt(fx.truth.vtableCommReq).toString(16));
  });

  it('follows a pointer with a click, steps to the next block with n, goes back with Alt+←', async () => {
    // The block explorer gets a history of its own first: Alt+← must not move it from the memory view.
    await page.getByTestId('leaks-types').locator('button.block-link').first().click();
    await expect.poll(() => page.getByTestId('block-verdict').getAttribute('data-verdict')).toBe('leaked');
    await page.getByTestId('block-address').fill(fx.truth.anchored[0]);
    await page.getByTestId('block-address').press('Enter');
    await expect.poll(() => page.getByTestId('block-verdict').getAttribute('data-verdict')).toBe('anchored');
    const explorerAt = await page.getByTestId('block-current').innerText();

    await page.getByTestId('memory-grid').scrollIntoViewIfNeeded();
    await page.getByTestId('memory-grid').locator(`.hx-w[data-target="${'0x' + BigInt(body).toString(16)}"]`).first().click();
    await expect.poll(cursor).toBe(pad(body));
    await expect.poll(() => page.getByTestId('memory-block').innerText()).toMatch(/indirect/);
    await page.keyboard.press('n');
    await expect.poll(cursor).toBe(pad(buf));
    await page.keyboard.press('p');
    await expect.poll(cursor).toBe(pad(body));
    await page.keyboard.press('Alt+ArrowLeft');
    await expect.poll(cursor).toBe(pad(buf));
    await page.keyboard.press('Alt+ArrowLeft');
    await expect.poll(cursor).toBe(pad(body));
    await page.keyboard.press('Alt+ArrowLeft');
    await expect.poll(cursor).toBe(pad(req));
    await page.keyboard.press('Alt+ArrowRight');
    await expect.poll(cursor).toBe(pad(body));
    expect(await page.getByTestId('block-current').innerText()).toBe(explorerAt);
    // arrows move the cursor a word at a time
    await page.keyboard.press('ArrowRight');
    await expect.poll(cursor).toBe(pad(BigInt(body) + 8n));
  });

  it('opens addresses from the other sections', async () => {
    // A thread's stack pointer, from the Threads table.
    const sp = page.getByTestId('threads').locator('[data-memory]').first();
    const spAddr = (await sp.getAttribute('data-memory'))!;
    await sp.click();
    await expect.poll(cursor).toBe(pad(BigInt(spAddr) & ~7n));
    await expect.poll(() => page.getByTestId('memory-cursor').innerText()).toMatch(/stack/);
    // A leaked block from the Leaks section.
    const ex = page.getByTestId('leaks-types').locator('[data-memory]').first();
    const exAddr = (await ex.getAttribute('data-memory'))!;
    await ex.click();
    await expect.poll(cursor).toBe(pad(exAddr));
    await expect.poll(() => page.getByTestId('memory-block').innerText()).toMatch(/leak top/);
    await expect.poll(() => page.locator(`#sec-memory`).evaluate((el) => el.getBoundingClientRect().top < window.innerHeight)).toBe(true);
  });

  it('scrolls smoothly past the edge of its scroll window, row after row', async () => {
    const heap = page.getByTestId('memory-map').locator('tr', { hasText: '[heap]' }).first().locator('[data-memory]');
    const start = BigInt((await heap.getAttribute('data-memory'))!);
    await heap.click();
    await expect.poll(cursor).toBe(pad(start));
    const grid = page.getByTestId('memory-grid');
    const topRow = () =>
      grid.evaluate((g) => {
        const top = Math.floor(g.scrollTop / 20) * 20;
        return [...g.querySelectorAll<HTMLElement>('.hx-row')].find((e) => parseInt(e.style.top) === top)?.getAttribute('data-row') ?? null;
      });
    // the heap's first row at the top (the rows above it belong to the mapping before the hole)
    await row(start).waitFor();
    await row(start).evaluate((el) => (el.parentElement!.parentElement!.scrollTop = parseInt((el as HTMLElement).style.top)));
    await expect.poll(topRow).toBe('0x' + start.toString(16));
    const first = start;
    // 6,000 rows down, 300 a frame (more than the 4,096-row scroll window), and back up
    const scroll = (px: number) =>
      grid.evaluate(async (g, d) => {
        for (let i = 0; i < 20; i++) {
          g.scrollTop += d;
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        }
      }, px);
    await scroll(6000);
    await expect.poll(topRow).toBe('0x' + (first + 6000n * 16n).toString(16));
    await scroll(-6000);
    await expect.poll(topRow).toBe('0x' + first.toString(16));
  });

  it('says where a typed location cannot be read', async () => {
    await page.getByTestId('memory-goto').fill('@0');
    await page.getByTestId('memory-goto').press('Enter');
    await expect.poll(() => page.getByTestId('memory-goto-error').innerText()).toMatch(/headers or notes/);
    await page.getByTestId('memory-goto').fill(req);
    await page.getByTestId('memory-goto').press('Enter');
    await expect.poll(cursor).toBe(pad(req));
    expect(await page.getByTestId('memory-goto-error').count()).toBe(0);
    const dir = join(WORK, 'e2e');
    mkdirSync(dir, { recursive: true });
    const shot = join(dir, 'screenshot-memory.png');
    await page.locator('#sec-memory').screenshot({ path: shot });
    if (process.env.HEAPLENS_SCREENSHOTS) copyFileSync(shot, join(ROOT, 'docs', 'screenshot-memory.png'));
  });

  it('asks for the files of a result reopened from the cache, refuses others, then shows memory without blocks', async () => {
    await page.getByTestId('saved').waitFor();
    const p = await ctx.newPage();
    try {
      await p.goto(site.url);
      const name = fx.core.split('/').pop()!;
      await p.getByTestId('recent-row').filter({ hasText: name }).getByRole('button', { name, exact: true }).click();
      await p.getByTestId('from-cache').waitFor();
      await p.getByTestId('memory-unavailable').waitFor();
      const pick = p.getByTestId('memory-view').getByTestId('file-input');
      await pick.setInputFiles([fx.exe]);
      await expect.poll(() => p.getByTestId('memory-pick-error').innerText()).toMatch(/No core dump among the chosen files/);
      await pick.setInputFiles([fx.core, fx.exe]);
      await p.getByTestId('memory-grid').waitFor();
      await expect.poll(() => p.getByTestId('memory-blocks-note').innerText()).toMatch(/came from the cache/);
      await p.getByTestId('memory-goto').fill(req);
      await p.getByTestId('memory-goto').press('Enter');
      await expect.poll(() => p.getByTestId('memory-address').innerText()).toBe(pad(req));
      const notes = p.getByTestId('memory-grid').locator(`[data-row="0x${BigInt(req).toString(16)}"] .hx-notes`);
      await expect.poll(() => notes.innerText()).toContain('vtable for CommReq+0x10');
      expect(await notes.innerText()).not.toContain('block 0x');
      expect(await notes.innerText()).toContain('[heap]');
    } finally {
      await p.close();
    }
  });
});
