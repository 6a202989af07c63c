// Three tcmalloc heap profiles of one process (test/fixtures/heapprof.cpp with 3 phases: a leak
// growing at every step, a session cache that fills once, a cache that never changes) dropped in
// any order with the binary: the app opens them as one comparison, orders them by the numbers in
// their names, and names each function's pattern with the program's own counts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenApp, openApp } from '../helpers/browser';
import { buildFixture } from '../helpers/fixtures';
import { missingHeader, run, workDir } from '../helpers/text-tools';

const why = missingHeader('gperftools/heap-profiler.h', 'libgoogle-perftools-dev');
const digits = (s: string) => Number(s.replace(/[^\d-]/g, ''));

interface Truth {
  dumps: string[];
  trend: Record<string, { objects: number[]; bytes: number[]; pattern: string }>;
}

describe.skipIf(why)(`three heap profiles in the app${why ? ` (skipped: ${why})` : ''}`, () => {
  let app: OpenApp;
  let page: Page;
  let exe: string;
  let truth: Truth;

  beforeAll(async () => {
    const dir = workDir('e2e-heaptrend');
    exe = await buildFixture('heapprof.cpp', { libs: ['-ltcmalloc'] });
    await run(exe, [join(dir, 'truth.json'), dir, '3']);
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    app = await openApp();
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('each function profile by profile: the leak steady, the session cache a plateau, with the counts the program recorded; then the first against the last', async () => {
    await page.getByTestId('file-input').setInputFiles([truth.dumps[2], exe, truth.dumps[0], truth.dumps[1]]);
    const view = page.getByTestId('ev-heap-trend');
    await view.waitFor({ timeout: 60_000 });
    const leak = 'svc::leak_requests(int, unsigned long)';
    expect(await view.getByTestId('evidence-answer').first().innerText()).toMatch(/^svc::leak_requests\(int, unsigned long\): .* grew at every one of the 2 steps/);
    const rows = await view.getByTestId('ev-heap-trend-row').evaluateAll((trs) =>
      trs.map((tr) => ({ pattern: (tr as HTMLElement).dataset.pattern!, cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '') })),
    );
    expect(rows[0].cells[0]).toBe(leak);
    // Changed rows only by default: the cache that never moved is left out.
    expect(rows.some((r) => r.cells[0] === 'keep_cache(int)')).toBe(false);
    for (const [fn, want] of Object.entries(truth.trend).filter(([, w]) => w.pattern !== 'same')) {
      const r = rows.find((x) => x.cells[0] === fn);
      expect(r, fn).toBeDefined();
      expect(r!.pattern, fn).toBe(want.pattern);
      expect(r!.cells.slice(1, 4).map(digits), fn).toEqual(want.objects);
    }
    // "all" shows it, as the same.
    await view.getByTestId('ev-heap-trend-filter').selectOption('all');
    expect(await view.locator('[data-testid=ev-heap-trend-row][data-pattern=same]', { hasText: 'keep_cache(int)' }).count()).toBe(1);
    // The first against the last: the leak grew by what the program leaked after the first dump.
    const top = await view.getByTestId('ev-heap-diff-functions').locator('tbody tr').first().locator('td').allInnerTexts();
    expect(top[0]).toBe(leak);
    expect(digits(top[1])).toBe(truth.trend[leak].bytes[2] - truth.trend[leak].bytes[0]);
    // Every profile is in the comparison, in the order taken.
    expect(await page.getByTestId('ev-compare').locator('h3').innerText()).toContain('tc.0001.heap → tc.0002.heap → tc.0003.heap');
  });
});
