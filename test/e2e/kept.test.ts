// Memory that grows without a leak, in the app: the core of test/fixtures/keptfree.c (threads that
// freed almost all they allocated, the top chunks pinned) dropped with its executable. The Heap
// section says where malloc's memory is — free but kept, with the fixes to try — and the leaks
// say nothing leaked.
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenApp, openApp } from '../helpers/browser';
import { buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';

describe('free but kept, in the app', () => {
  let app: OpenApp;
  let page: Page;
  let fx: Dumped<{ threads: number; freedBytes: number; mallinfo2: { arena: number } }>;

  beforeAll(async () => {
    fx = await dumpFixture(await buildFixture('keptfree.c'));
    app = await openApp();
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
    if (fx) rmSync(fx.core, { force: true });
  });

  it("the Heap section names it: kept free, not leaked, with malloc_trim and MALLOC_ARENA_MAX", async () => {
    await page.getByTestId('file-input').setInputFiles([fx.core, fx.exe]);
    await page.getByTestId('results').waitFor({ timeout: 120_000 });
    const note = page.getByTestId('heap-kept');
    await note.waitFor({ timeout: 60_000 });
    expect(await note.getAttribute('data-verdict')).toBe('kept free');
    expect(await note.innerText()).toMatch(/free but kept .* not a leak/);
    const hints = await page.getByTestId('heap-kept-hints').innerText();
    expect(hints).toContain('malloc_trim(0)');
    expect(hints).toContain(`${fx.truth.threads} arenas for ${fx.truth.threads} thread(s)`);
    await expect.poll(() => page.getByTestId('leaks-leaked').locator('.stat-v').innerText()).toBe('0');
  });

  it('the arenas table: one row per arena, the total system memory as mallinfo2() has it, a heap list that opens', async () => {
    const t = page.getByTestId('heap-arenas');
    expect(await t.locator('tbody > tr:not(.detail-row)').count()).toBe(fx.truth.threads);
    const total = await t.locator('tfoot tr td').allInnerTexts();
    expect(Number(total[1].replace(/\D/g, ''))).toBe(fx.truth.mallinfo2.arena);
    const button = t.locator('tbody > tr').nth(1).locator('button.disclosure');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    await button.click();
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    const detail = page.locator(`#${await button.getAttribute('aria-controls')}`);
    expect(await detail.locator('.heap-list li').count()).toBeGreaterThan(0);
    expect(await detail.innerText()).toContain('Top chunk at');
  });
});
