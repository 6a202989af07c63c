// The browser's store of analyses (IndexedDB) when it goes wrong, in Debian's Chromium: a quota
// error while storing (IndexedDB's put made to throw QuotaExceededError, as a full disk does)
// leaves the result on screen with a clear message, and "Store again" stores it once there is
// room; an entry written by an older heaplens (another document schema) and a database of an
// older layout (without the analyses store) are found at start-up, said, and dropped or
// upgraded, and the app stores again; the "Stored analyses" panel lists names, sizes and dates
// and removes one or all.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { CACHE_SCHEMA } from '../../src/ui/cache';
import { launchChromium, serveStatic, type StaticSite } from '../helpers/browser';
import { analyzeFile } from '../helpers/engine';
import { buildFixture, dumpFixture, dumpFixtureSeries, type Dumped } from '../helpers/fixtures';

/** Makes IndexedDB's put throw QuotaExceededError while window.__quotaFull is true. */
const QUOTA_STUB = () => {
  const w = window as unknown as { __quotaFull: boolean };
  w.__quotaFull = true;
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    if (w.__quotaFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    return put.apply(this, args);
  } as IDBObjectStore['put'];
};

describe('stored analyses in Chromium', () => {
  let site: StaticSite;
  let browser: Browser;
  let fx: Dumped<{ pid: number }>;
  let other: Dumped<{ pid: number }>;
  const name = (d: Dumped<unknown>) => d.core.split('/').pop()!;

  beforeAll(async () => {
    fx = await dumpFixture<{ pid: number }>(await buildFixture('threads.c'));
    other = await dumpFixture<{ pid: number }>(await buildFixture('threads.c'));
    site = await serveStatic();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  async function fresh(init?: () => void): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext();
    if (init) await ctx.addInitScript(init);
    const page = await ctx.newPage();
    await page.goto(site.url);
    await page.getByTestId('dropzone').waitFor();
    return { ctx, page };
  }

  it('a quota error keeps the result on screen, says it was not stored, and Store again stores it once there is room', async () => {
    const { ctx, page } = await fresh(QUOTA_STUB);
    try {
      await page.getByTestId('file-input').setInputFiles([fx.core]);
      await page.getByTestId('results').waitFor({ timeout: 120_000 });
      await expect.poll(() => page.getByTestId('notice').innerText()).toMatch(/storage quota for this page is reached/);
      await page.getByTestId('unsaved').waitFor();
      expect(await page.getByTestId('saved').count()).toBe(0);
      // the analysis is all there
      await expect.poll(() => page.getByTestId('threads').innerText()).toContain(String(fx.truth.pid));
      await page.evaluate(() => ((window as unknown as { __quotaFull: boolean }).__quotaFull = false));
      await page.getByTestId('store-again').click();
      await page.getByTestId('saved').waitFor();
      await page.getByTestId('new-analysis').click();
      await expect.poll(() => page.getByTestId('recent').innerText()).toContain(name(fx));
    } finally {
      await ctx.close();
    }
  });

  it('with the quota reached, the oldest stored analysis makes room for a new one, and the user is told', async () => {
    const { ctx, page } = await fresh(() => {
      const w = window as unknown as { __quotaOnce: boolean };
      w.__quotaOnce = false;
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        // refuses one analysis while another is stored (a full disk, until something goes)
        if (w.__quotaOnce && String(args[1]).startsWith('a:')) {
          w.__quotaOnce = false;
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        }
        return put.apply(this, args);
      } as IDBObjectStore['put'];
    });
    try {
      await page.getByTestId('file-input').setInputFiles([fx.core]);
      await page.getByTestId('saved').waitFor({ timeout: 120_000 });
      await page.evaluate(() => ((window as unknown as { __quotaOnce: boolean }).__quotaOnce = true));
      await page.getByTestId('file-input').setInputFiles([other.core]);
      await expect.poll(() => page.locator('#res-title').innerText(), { timeout: 120_000 }).toBe(name(other));
      await expect.poll(() => page.getByTestId('notice').innerText()).toMatch(new RegExp(`quota was reached: the oldest stored analysis \\(${name(fx).replace(/\./g, '\\.')}\\) was removed`));
      await page.getByTestId('saved').waitFor();
      await page.getByTestId('new-analysis').click();
      await expect.poll(() => page.getByTestId('recent-row').count()).toBe(1);
      expect(await page.getByTestId('recent').innerText()).toContain(name(other));
    } finally {
      await ctx.close();
    }
  });

  it('drops an analysis stored by an older heaplens (another schema) at start-up and says so', async () => {
    const { ctx, page } = await fresh();
    try {
      await page.getByTestId('file-input').setInputFiles([fx.core]);
      await page.getByTestId('saved').waitFor({ timeout: 120_000 });
      // An entry as schema 2 wrote it, listed without a schema.
      await page.evaluate(
        () =>
          new Promise<void>((resolve, reject) => {
            const r = indexedDB.open('heaplens');
            r.onerror = () => reject(r.error);
            r.onsuccess = () => {
              const db = r.result;
              const tx = db.transaction('analyses', 'readwrite');
              const s = tx.objectStore('analyses');
              s.put({ schema: 2, json: { input: { name: 'old-core.4242', size: 1000 }, regions: [] } }, 'a:oldkey');
              const g = s.get('recent');
              g.onsuccess = () => s.put([{ key: 'oldkey', name: 'old-core.4242', size: 1000, binaries: [], savedAt: Date.now(), bytes: 80 }, ...(g.result ?? [])], 'recent');
              tx.oncomplete = () => {
                db.close();
                resolve();
              };
              tx.onerror = () => reject(tx.error);
            };
          }),
      );
      // (a reload would reopen the analysis the URL names: start afresh at the start page)
      await page.goto(site.url);
      await expect.poll(() => page.getByTestId('notice').innerText()).toMatch(/One stored analysis was made by an older heaplens and was removed \(old-core\.4242\)/);
      const text = await page.getByTestId('recent').innerText();
      expect(text).not.toContain('old-core.4242');
      expect(text).toContain(name(fx));
      const keys = await page.evaluate(
        () =>
          new Promise<string[]>((resolve) => {
            const r = indexedDB.open('heaplens');
            r.onsuccess = () => {
              const k = r.result.transaction('analyses').objectStore('analyses').getAllKeys();
              k.onsuccess = () => {
                r.result.close();
                resolve(k.result.map(String));
              };
            };
          }),
      );
      expect(keys).not.toContain('a:oldkey');
      // the current one still opens
      await page.getByTestId('recent-row').filter({ hasText: name(fx) }).getByRole('button', { name: name(fx), exact: true }).click();
      await page.getByTestId('from-cache').waitFor();
    } finally {
      await ctx.close();
    }
  });

  it('upgrades a database of an older layout (no analyses store), says so, and stores again', async () => {
    const { ctx, page } = await fresh();
    try {
      // What an older heaplens might have left: the database at version 1 with another store.
      await page.evaluate(
        () =>
          new Promise<void>((resolve, reject) => {
            const del = indexedDB.deleteDatabase('heaplens');
            del.onerror = () => reject(del.error);
            del.onsuccess = () => {
              const r = indexedDB.open('heaplens', 1);
              r.onupgradeneeded = () => r.result.createObjectStore('results').put({ old: true }, 'x');
              r.onerror = () => reject(r.error);
              r.onsuccess = () => {
                r.result.close();
                resolve();
              };
            };
          }),
      );
      await page.reload();
      await expect.poll(() => page.getByTestId('notice').innerText()).toMatch(/older layout \(version 1\); it was upgraded/);
      await page.getByTestId('file-input').setInputFiles([fx.core]);
      await page.getByTestId('saved').waitFor({ timeout: 120_000 });
      await page.reload();
      await page.getByTestId('from-cache').waitFor();
      expect(await page.getByTestId('notice').count()).toBe(0);
    } finally {
      await ctx.close();
    }
  });

  it('shows the bounds of an analysis whose tables reached their limits (stored by the engine, opened by its URL)', async () => {
    const exe = await buildFixture('growfix.cpp');
    const core = (await dumpFixtureSeries(exe, 2)).cores[1];
    const bounded = await analyzeFile(core, [exe], { limits: { heapRecords: 4000 } });
    const skipped = await analyzeFile(core, [exe], { limits: { leakBlocks: 1000 } });
    const { ctx, page } = await fresh();
    try {
      await page.evaluate(
        ({ docs, schema }) =>
          new Promise<void>((resolve, reject) => {
            const r = indexedDB.open('heaplens');
            r.onerror = () => reject(r.error);
            r.onsuccess = () => {
              const tx = r.result.transaction('analyses', 'readwrite');
              const s = tx.objectStore('analyses');
              for (const [key, json] of docs) s.put({ schema, json }, `a:${key}`);
              s.put(docs.map(([key, json]) => ({ key, name: json.input.name, size: json.input.size, binaries: [], savedAt: Date.now(), bytes: 1, schema })), 'recent');
              tx.oncomplete = () => {
                r.result.close();
                resolve();
              };
            };
          }),
        { docs: [['bounded', bounded], ['skipped', skipped]] as [string, AnalysisJSON][], schema: CACHE_SCHEMA },
      );
      await page.goto(`${site.url}#a=bounded`);
      await page.getByTestId('from-cache').waitFor();
      const u = bounded.heap!.unwalked!;
      await expect.poll(() => page.getByTestId('heap-unwalked').innerText()).toContain(`${u.bytes.toLocaleString('en-US')} B`);
      expect(await page.getByTestId('heap-unwalked').innerText()).toMatch(/4,000 chunks a worker/);
      expect(await page.getByTestId('leaks-incomplete').innerText()).toMatch(/leaked is an upper bound/);
      await page.goto(`${site.url}#a=skipped`);
      await page.reload();
      await page.getByTestId('from-cache').waitFor();
      await expect.poll(() => page.getByTestId('leaks').innerText()).toMatch(/No leak analysis: leaks were not computed: the heap has [\d,]+ used blocks, more than the 1,000/);
    } finally {
      await ctx.close();
    }
  });

  it('lists what is stored (names, sizes, dates) and removes one or all', async () => {
    const { ctx, page } = await fresh();
    try {
      for (const d of [fx, other]) {
        await page.getByTestId('file-input').setInputFiles([d.core]);
        await expect.poll(() => page.locator('#res-title').innerText(), { timeout: 120_000 }).toBe(name(d));
        await page.getByTestId('saved').waitFor();
      }
      await page.getByTestId('new-analysis').click();
      await expect.poll(() => page.getByTestId('recent-row').count()).toBe(2);
      const row = page.getByTestId('recent-row').filter({ hasText: name(fx) });
      expect(await row.innerText()).toMatch(/\d+(\.\d+)? KiB/);
      expect(await row.getByTestId('recent-bytes').innerText()).toMatch(/^\d+(\.\d+)? (B|KiB|MiB)$/);
      expect(await row.innerText()).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d/);
      expect(await page.getByTestId('storage-usage').innerText()).toMatch(/^2 analyses · .* of results/);
      await row.getByTestId('remove-recent').click();
      await expect.poll(() => page.getByTestId('recent-row').count()).toBe(1);
      await page.goto(site.url);
      await expect.poll(() => page.getByTestId('recent-row').count()).toBe(1);
      expect(await page.getByTestId('recent').innerText()).toContain(name(other));
      await page.getByTestId('clear-cache').click();
      await expect.poll(() => page.getByTestId('recent-row').count()).toBe(0);
      await page.reload();
      await page.getByTestId('dropzone').waitFor();
      expect(await page.getByTestId('recent-row').count()).toBe(0);
    } finally {
      await ctx.close();
    }
  });
});
