// The thread-stacks verdict of a core's results page (seed 001 case 4), in Chromium: a 32-bit
// program (test/fixtures/threadstacks.c) starts 110 threads with 32 MiB stacks, measures how many
// more stack-sized mappings still fit, records its threads and stacks, and the kernel dumps it
// (sparse: the untouched stacks are holes). The core dropped in the app: its Threads section says
// "address space nearly exhausted" with the fix, and the counts it shows are the program's own.
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveStatic, type StaticSite } from '../helpers/browser';
import { type Dumped, type ThreadStacksTruth as Truth, buildFixture, kernelCoreSupport, kernelDumpFixture, missing32Bit } from '../helpers/fixtures';

const m32 = missing32Bit();

const kcore = kernelCoreSupport();
const why = m32 ?? (kcore.ok ? undefined : kcore.why);

describe.skipIf(why)(`the thread-stacks verdict of a 32-bit core in the app${why ? ` (skipped: ${why})` : ''}`, () => {
  let site: StaticSite;
  let browser: Browser;
  let page: Page;
  let fx: Dumped<Truth>;

  beforeAll(async () => {
    fx = await kernelDumpFixture<Truth>(await buildFixture('threadstacks.c', { bits: 32 }), ['110', '32']);
    site = await serveStatic();
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    await page.goto(site.url);
    await page.getByTestId('file-input').setInputFiles([fx.core, fx.exe]);
    await page.getByTestId('results').waitFor({ timeout: 240_000 });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    // 3.5 GB apparent (sparse): not kept between runs.
    if (fx?.core) rmSync(fx.core, { force: true });
  });

  it('shows the verdict, the fix and the counts the program measured in the Threads section', async () => {
    const sec = page.locator('#sec-threads');
    const stacks = sec.getByTestId('ev-thread-stacks');
    await stacks.waitFor();
    expect(fx.truth.threads.length).toBe(110);
    expect(await stacks.getByTestId('ev-stacks-verdict').textContent()).toBe('address space nearly exhausted');
    expect(await stacks.getByTestId('ev-stacks-answer').innerText()).toMatch(new RegExp(`${fx.truth.threads.length} threads × ${fx.truth.stackMiB} MiB leave too little of the 4(\\.0)? GiB user space`));
    expect(await stacks.innerText()).toMatch(/Fix to try:.*pthread_attr_setstacksize\(&attr, 2 MiB\).*ulimit -s 2048/);
    const value = async (id: string) => Number((await stacks.getByTestId(id).locator('.stat-v').innerText()).replace(/,/g, ''));
    // every thread of the process (the main one too), one stack each but the main thread's
    expect(await value('ev-stacks-threads')).toBe(fx.truth.threads.length + 1);
    expect(await value('ev-stacks-count')).toBe(fx.truth.threads.length);
    // what the program counted that still fits
    expect(await value('ev-stacks-more')).toBe(fx.truth.more);
    // the thread table lists the same threads
    const tids = await sec.getByTestId('threads').locator(':scope > tbody > tr > td:nth-child(2)').allInnerTexts();
    for (const t of fx.truth.threads) expect(tids).toContain(String(t.tid));
  }, 60_000);
});
