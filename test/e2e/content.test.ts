// The Content section and raw memory dumps in Debian's Chromium, against the program's own
// record (test/fixtures/reqfix.cpp, seed 001's requests): the Keys tab over the leaked blocks
// puts channelid first with its leaked channel × the leaked count; the regex count of the
// content type over the leaked set equals the truth; a bad pattern is refused before anything
// is read; a string's "hex" button opens the memory view there. Then the process' [heap] cut
// from the core with gdb (`dump binary memory`), dropped with the range in its name and the
// /proc/PID/maps text read while the program ran pasted in: its word census equals the core's
// census restricted to that range, the heap walk is shown, the memory view opens in it; a name
// with no address asks for the base, and a bad base is refused with a message.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJSON } from '../../src/engine/analyze';
import { launchChromium, serveStatic, type StaticSite } from '../helpers/browser';
import { analyzeFile } from '../helpers/engine';
import { ROOT, WORK, buildFixture, dumpFixture, parseMaps, type Dumped } from '../helpers/fixtures';
import { type ReqTruth, escapeRe, fromHex } from '../helpers/reqfix';

const run = promisify(execFile);
const pad = (a: string | bigint) => '0x' + BigInt(a).toString(16).padStart(16, '0');
const h = (v: bigint) => v.toString(16);

describe('content scans and raw dumps in Chromium', () => {
  let site: StaticSite;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let fx: Dumped<ReqTruth>;
  let mapsText = '';
  let rawFile = '';
  let noNameFile = '';
  let midFile = '';
  let heap: { start: bigint; end: bigint };
  const LEAKED = 600;

  beforeAll(async () => {
    fx = await dumpFixture<ReqTruth>(await buildFixture('reqfix.cpp'), [String(LEAKED)], {
      alive: async (pid) => void (mapsText = readFileSync(`/proc/${pid}/maps`, 'utf8')),
    });
    const hm = parseMaps(mapsText).find((m) => m.path === '[heap]')!;
    heap = { start: hm.start, end: hm.end };
    const dir = join(WORK, 'e2e-raw', String(fx.pid));
    mkdirSync(dir, { recursive: true });
    rawFile = join(dir, `heap-${h(heap.start)}-${h(heap.end)}.bin`);
    await run('gdb', ['-batch', '-ex', `dump binary memory ${rawFile} 0x${h(heap.start)} 0x${h(heap.end)}`, fx.exe, fx.core]);
    midFile = join(dir, `mid.0x${h(heap.start + 0x10000n)}.bin`);
    await run('gdb', ['-batch', '-ex', `dump binary memory ${midFile} 0x${h(heap.start + 0x10000n)} 0x${h(heap.end)}`, fx.exe, fx.core]);
    noNameFile = join(dir, 'memory.bin');
    copyFileSync(rawFile, noNameFile);
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

  const content = () => page.getByTestId('content');
  /** A screenshot under test/.work/e2e (copied to docs/ with HEAPLENS_SCREENSHOTS=1). */
  const shot = async (sel: string, name: string) => {
    const dir = join(WORK, 'e2e');
    mkdirSync(dir, { recursive: true });
    await page.locator(sel).screenshot({ path: join(dir, name) });
    if (process.env.HEAPLENS_SCREENSHOTS) copyFileSync(join(dir, name), join(ROOT, 'docs', name));
  };

  it('the program leaked what it says', () => {
    expect(fx.truth.leaked).toBe(LEAKED);
    expect(fx.truth.buffers.filter((b) => b.leaked && b.channel === fx.truth.leakedChannel).length).toBe(LEAKED);
  });

  it('Keys over the leaked blocks: channelid first, its leaked channel × the leaked count, exact', async () => {
    await page.getByTestId('content-scope').selectOption('leaked');
    await page.getByTestId('content-tab-keys').click();
    await page.getByTestId('content-run').click();
    const first = page.getByTestId('content-keys').locator('tbody tr[data-key]').first();
    await first.waitFor({ timeout: 60_000 });
    expect(await first.getAttribute('data-key')).toBe('channelid');
    const top = first.getByTestId('content-key-top');
    expect(await top.getAttribute('data-value')).toBe(String(fx.truth.leakedChannel));
    expect(Number(await top.getAttribute('data-count'))).toBe(fx.truth.leaked);
    expect(await top.innerText()).toContain(`channelid=${fx.truth.leakedChannel} × ${fx.truth.leaked.toLocaleString('en-US')}`);
    expect(await page.getByTestId('content-precision').first().getAttribute('data-exact')).toBe('yes');
    expect(await page.getByTestId('content-scope-line').first().innerText()).toContain('leaked blocks');
    // Expanded: the values with example addresses, inside leaked buffers the program recorded.
    await first.getByTestId('content-key-expand').click();
    const ex = await page.getByTestId('content-key-values').first().locator('[data-memory]').first().getAttribute('data-memory');
    const a = BigInt(ex!);
    expect(fx.truth.buffers.some((b) => b.leaked && a >= BigInt(b.addr) && a < BigInt(b.addr) + BigInt(b.len))).toBe(true);
    console.log(`[e2e] keys census: ${await page.getByTestId('content-scope-line').first().innerText()}`);
    await shot('#sec-content', 'screenshot-content.png');
  });

  it('regex count of the content type over the leaked set equals the truth, grouped by verdict', async () => {
    await page.getByTestId('content-tab-regex').click();
    await page.getByTestId('content-pattern').fill(escapeRe(fromHex(fx.truth.contentTypeHex)));
    await page.getByTestId('content-run-regex').click();
    const total = page.getByTestId('content-regex-total');
    await total.waitFor({ timeout: 60_000 });
    expect(Number(await total.getAttribute('data-total'))).toBe(fx.truth.leaked);
    const v = page.getByTestId('content-regex-verdicts').locator('tr[data-verdict="indirect"] td');
    expect(await v.nth(1).innerText()).toBe(fx.truth.leaked.toLocaleString('en-US'));
    // The first matches are where the program put the content type in its leaked buffers.
    const starts = new Set(fx.truth.buffers.filter((b) => b.leaked).map((b) => BigInt(b.addr) + BigInt(b.ct)));
    const addrs = await page.getByTestId('content-regex-matches').locator('[data-memory]').evaluateAll((els) => els.map((e) => e.getAttribute('data-memory')!));
    expect(addrs.length).toBeGreaterThan(0);
    for (const x of addrs) expect(starts.has(BigInt(x))).toBe(true);
  });

  it('a bad pattern shows an error and reads nothing; the last result stays', async () => {
    const runs = await content().getAttribute('data-runs');
    await page.getByTestId('content-pattern').fill('channelid=(\\d+');
    expect(await page.getByTestId('content-pattern-problem').innerText()).toMatch(/invalid regular expression/);
    await page.getByTestId('content-run-regex').click();
    expect(await page.getByTestId('content-error').innerText()).toMatch(/invalid regular expression \/channelid=\(\\d\+\/: .*/);
    expect(await content().getAttribute('data-runs')).toBe(runs);
    expect(Number(await page.getByTestId('content-regex-total').getAttribute('data-total'))).toBe(fx.truth.leaked);
    // An empty-matching pattern is refused too.
    await page.getByTestId('content-pattern').fill('x*');
    await page.getByTestId('content-run-regex').click();
    expect(await page.getByTestId('content-error').innerText()).toMatch(/matches the empty string/);
    expect(await content().getAttribute('data-runs')).toBe(runs);
  });

  it('a runaway pattern is streamed with progress and cancelled: the last result stays, the next count works', async () => {
    // Quadratic in each mapping: from every position to the mapping's end and back.
    await page.getByTestId('content-scope').selectOption('all');
    await page.getByTestId('content-pattern').fill('[\\s\\S]*zq{9}');
    await page.getByTestId('content-run-regex').click();
    await page.getByTestId('content-progress').waitFor({ timeout: 10_000 });
    await page.getByTestId('content-cancel').click();
    await expect.poll(() => page.getByTestId('content-error').innerText(), { timeout: 10_000 }).toMatch(/^Cancelled/);
    expect(await page.getByTestId('content-progress').count()).toBe(0);
    expect(Number(await page.getByTestId('content-regex-total').getAttribute('data-total'))).toBe(fx.truth.leaked);
    // The whole dump now: every request's content type (leaked and kept).
    await page.getByTestId('content-pattern').fill(escapeRe(fromHex(fx.truth.contentTypeHex)));
    await page.getByTestId('content-run-regex').click();
    await expect.poll(() => page.getByTestId('content-regex-total').getAttribute('data-total'), { timeout: 60_000 }).toBe(String(fx.truth.requests));
    console.log(`[e2e] regex over the whole dump: ${await page.getByTestId('content-scope-line').first().innerText()}`);
    await page.getByTestId('content-scope').selectOption('leaked');
  });

  it("a string's block link opens the memory view at it", async () => {
    await page.getByTestId('content-tab-strings').click();
    const btn = page.getByTestId('content-strings').locator('tbody tr').first().locator('[data-memory]').first();
    const at = (await btn.getAttribute('data-memory'))!;
    // Held in a leaked buffer the program recorded (the scope is the leaked blocks).
    expect(fx.truth.buffers.some((b) => b.leaked && BigInt(at) >= BigInt(b.addr) && BigInt(at) < BigInt(b.addr) + BigInt(b.len))).toBe(true);
    await btn.click();
    // The memory view's cursor is on the word holding the string's first byte, in its (indirectly leaked) buffer.
    await expect.poll(() => page.getByTestId('memory-address').innerText()).toBe(pad(BigInt(at) & ~7n));
    await expect.poll(() => page.getByTestId('memory-block').innerText()).toMatch(/indirect/);
  });

  it('"count" and "strings" on the Leaks section\'s groups scan those groups', async () => {
    await page.getByTestId('content-tab-regex').click();
    await page.getByTestId('content-pattern').fill(escapeRe(fromHex(fx.truth.contentTypeHex)));
    const total = () => page.getByTestId('content-regex-total').getAttribute('data-total');
    // The requests' buffers are what leak tops own: indirectly leaked, one content type each.
    await page.getByTestId('leaks-indirect').getByTestId('group-count').click();
    await expect.poll(() => page.getByTestId('content-scope').inputValue()).toBe('indirect');
    await expect.poll(total, { timeout: 60_000 }).toBe(String(fx.truth.leaked));
    // The leak tops are the request objects: no text in them.
    await page.getByTestId('leaks-tops').getByTestId('group-count').click();
    await expect.poll(total, { timeout: 60_000 }).toBe('0');
    // Anchored: the requests the program kept.
    await page.getByTestId('leaks-anchored').getByTestId('group-count').click();
    await expect.poll(total, { timeout: 60_000 }).toBe(String(fx.truth.kept));
    // A type group: the leaked blocks that start with Request's vtable are the leaked request objects.
    await page.getByTestId('leaks-tab-types').click();
    const row = page.getByTestId('leaks-types').locator('tr', { hasText: 'Request' }).first();
    await row.getByTestId('group-count').click();
    await expect.poll(() => page.getByTestId('content-scope').inputValue()).toBe('type');
    await expect.poll(() => page.getByTestId('content-scope-line').first().innerText(), { timeout: 60_000 }).toContain('leaked blocks of type Request');
    expect(await page.getByTestId('content-scope-line').first().innerText()).toContain(`in ${fx.truth.leaked.toLocaleString('en-US')} of ${fx.truth.leaked.toLocaleString('en-US')} blocks`);
    expect(await total()).toBe('0');
    // "strings" opens the Keys tab over the group.
    await page.getByTestId('leaks-anchored').getByTestId('group-strings').click();
    const first = page.getByTestId('content-keys').locator('tbody tr[data-key]').first();
    await expect.poll(() => page.getByTestId('content-scope-line').first().innerText(), { timeout: 60_000 }).toContain('anchored blocks');
    expect(await first.getAttribute('data-key')).toBe('channelid');
    // Kept requests carry the other channels: 4099 is not their top value.
    const kept = fx.truth.buffers.filter((b) => !b.leaked);
    const counts = new Map<number, number>();
    for (const b of kept) counts.set(b.channel, (counts.get(b.channel) ?? 0) + 1);
    expect(Number(await first.getByTestId('content-key-top').getAttribute('data-count'))).toBe(Math.max(...counts.values()));
    expect(await first.getByTestId('content-key-top').getAttribute('data-value')).not.toBe(String(fx.truth.leakedChannel));
  });

  it('a result from the cache, its files dropped again: whole-dump scans on a fresh pool, block sets said to need the analysis', async () => {
    await page.getByTestId('saved').waitFor({ timeout: 30_000 });
    await page.locator('.summary').getByTestId('file-input').setInputFiles([fx.core, fx.exe]);
    await page.getByTestId('from-cache').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('content-blocks-why').innerText()).toMatch(/came from the browser's cache/);
    expect(await page.getByTestId('content-scope').locator('option[value="leaked"]').isDisabled()).toBe(true);
    await page.getByTestId('content-tab-regex').click();
    await page.getByTestId('content-pattern').fill(escapeRe(fromHex(fx.truth.contentTypeHex)));
    await page.getByTestId('content-run-regex').click();
    await expect.poll(() => page.getByTestId('content-regex-total').getAttribute('data-total'), { timeout: 60_000 }).toBe(String(fx.truth.requests));
    // No block index: matches are not grouped by block.
    expect(await page.getByTestId('content-regex-verdicts').count()).toBe(0);
  });

  describe('a raw dump of the [heap]', () => {
    let ref: AnalysisJSON;
    let rawRef: AnalysisJSON;
    beforeAll(async () => {
      ref = await analyzeFile(fx.core, [], { census: { ranges: [heap] } });
      const mapsPath = join(WORK, 'e2e-raw', String(fx.pid), 'maps.txt');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(mapsPath, mapsText);
      rawRef = await analyzeFile(rawFile, [], { raw: { maps: mapsPath } });
    });

    it('a name without an address asks for the base; a bad base is refused with a message', async () => {
      await page.getByTestId('new-analysis').click();
      await page.getByTestId('file-input').setInputFiles([noNameFile]);
      await page.getByTestId('raw-form').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('raw-base').inputValue()).toBe('');
      expect(await page.getByTestId('raw-base-note').innerText()).toMatch(/carries no address: type the base/);
      expect(await page.getByTestId('raw-analyze').isDisabled()).toBe(true);
      await page.getByTestId('raw-base').fill('0xfoo');
      expect(await page.getByTestId('raw-base-error').innerText()).toBe('"0xfoo" is not a hexadecimal address (e.g. 0x55d0c0a01000)');
      expect(await page.getByTestId('raw-analyze').isDisabled()).toBe(true);
      await page.getByTestId('raw-cancel').click();
      expect(await page.getByTestId('raw-form').count()).toBe(0);
    });

    it('dropped with the range in its name and the maps pasted: census as the core restricted to it, heap walked, memory view in it', async () => {
      await page.getByTestId('file-input').setInputFiles([rawFile]);
      await page.getByTestId('raw-form').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('raw-base').inputValue()).toBe('0x' + h(heap.start));
      expect(await page.getByTestId('raw-base-note').innerText()).toMatch(/read from the file name/);
      await page.getByTestId('raw-maps').fill(mapsText);
      const fb = page.getByTestId('raw-maps-feedback');
      expect(Number(await fb.getAttribute('data-mappings'))).toBe(parseMaps(mapsText).length);
      expect(await fb.getAttribute('data-errors')).toBe('0');
      expect(await fb.innerText()).toContain(`[heap] 0x${h(heap.start)}`);
      await shot('[data-testid="raw-form"]', 'screenshot-raw.png');
      await page.getByTestId('raw-analyze').click();
      await page.getByTestId('results').waitFor({ timeout: 120_000 });
      // Word census: the top value and its count, as the core's census over the same range.
      const row = page.getByTestId('word-census').locator('tbody tr').first();
      const cells = row.locator('td');
      expect(await cells.nth(1).innerText()).toBe(pad(ref.words!.top[0].value));
      expect(await cells.nth(2).innerText()).toBe(ref.words!.top[0].count.toLocaleString('en-US'));
      // The heap was walked from the dump's first chunk: the used blocks the engine finds in it.
      expect(rawRef.heap?.found).toBe(true);
      expect(await page.getByTestId('heap-summary').innerText()).toContain(rawRef.heap!.used.count.toLocaleString('en-US'));
      // No leaks, and why (a raw dump holds no roots).
      expect(await page.getByTestId('leaks').innerText()).toMatch(/No leak analysis: leaks by reachability need the process's roots/);
      // Memory view at an address in the dump.
      const at = heap.start + 0x40n;
      await page.getByTestId('memory-goto').fill('0x' + h(at));
      await page.getByTestId('memory-goto').press('Enter');
      await expect.poll(() => page.getByTestId('memory-address').innerText()).toBe(pad(at));
      // Content over the whole raw dump: block sets are not offered (no leak analysis), the whole dump is.
      expect(await page.getByTestId('content-blocks-why').innerText()).toMatch(/raw dump gets no leak analysis/);
      await page.getByTestId('content-tab-regex').click();
      await page.getByTestId('content-pattern').fill(escapeRe(fromHex(fx.truth.contentTypeHex)));
      await page.getByTestId('content-run-regex').click();
      await page.getByTestId('content-regex-total').waitFor({ timeout: 60_000 });
      // Every request's buffer on the main heap (the program's own record says where) holds one.
      const inHeap = fx.truth.buffers.filter((b) => BigInt(b.addr) >= heap.start && BigInt(b.addr) < heap.end).length;
      expect(inHeap).toBeGreaterThan(0);
      expect(Number(await page.getByTestId('content-regex-total').getAttribute('data-total'))).toBe(inHeap);
      // "count" on the [heap] row of the memory map: the same region of the same bytes.
      await page.locator('#sec-map').getByTestId('group-count').first().click();
      await expect.poll(() => page.getByTestId('content-scope').inputValue()).toBe('region');
      await expect.poll(() => page.getByTestId('content-scope-line').first().innerText(), { timeout: 60_000 }).toContain(`region 0x${h(heap.start)}`);
      expect(Number(await page.getByTestId('content-regex-total').getAttribute('data-total'))).toBe(inHeap);
      // The URL names the stored raw analysis: a reload reopens it from the cache.
      await page.getByTestId('saved').waitFor({ timeout: 30_000 });
      expect(page.url()).toContain('%40raw.0x' + h(heap.start));
      await page.reload();
      await page.getByTestId('from-cache').waitFor({ timeout: 30_000 });
      expect(await page.locator('#res-title').innerText()).toBe(rawFile.split('/').pop());
      expect(await page.getByTestId('word-census').locator('tbody tr').first().locator('td').nth(1).innerText()).toBe(pad(ref.words!.top[0].value));
      // Without its file in the tab, the Content section says what it needs.
      expect(await page.getByTestId('content-nofiles').innerText()).toMatch(/its files are not in this tab/);
    });

    it('a dump that starts mid-heap: no chunk walk, and the Heap section says why', async () => {
      await page.locator('.summary').getByTestId('file-input').setInputFiles([midFile]);
      await page.getByTestId('raw-form').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('raw-base').inputValue()).toBe('0x' + h(heap.start + 0x10000n));
      await page.getByTestId('raw-maps').fill(mapsText);
      await page.getByTestId('raw-analyze').click();
      await expect.poll(() => page.locator('#res-title').innerText(), { timeout: 120_000 }).toBe(midFile.split('/').pop());
      const note = await page.getByTestId('heap').innerText();
      expect(note).toContain('No glibc malloc heap found: no heap walk');
      expect(note).toContain('0x10000 bytes into [heap]');
      // The census still covers every word of it: as the core's over the same range.
      const midRef = await analyzeFile(fx.core, [], { census: { ranges: [{ start: heap.start + 0x10000n, end: heap.end }] } });
      const cells = page.getByTestId('word-census').locator('tbody tr').first().locator('td');
      expect((await cells.nth(1).innerText()).replace(/\s*hex$/, '')).toBe(pad(midRef.words!.top[0].value));
      expect(await cells.nth(2).innerText()).toBe(midRef.words!.top[0].count.toLocaleString('en-US'));
    });

    it('with a core of the same process picked as its map: the census as the core restricted to the range, labels too', async () => {
      await page.locator('.summary').getByTestId('file-input').setInputFiles([rawFile]);
      await page.getByTestId('raw-form').waitFor({ timeout: 30_000 });
      await page.getByTestId('raw-maps-pick').locator('input[type=file]').setInputFiles([fx.core]);
      expect(await page.getByTestId('raw-maps-core').innerText()).toContain(fx.core.split('/').pop()!);
      expect(await page.getByTestId('raw-maps').isDisabled()).toBe(true);
      await page.getByTestId('raw-analyze').click();
      await expect.poll(() => page.locator('#res-title').innerText(), { timeout: 120_000 }).toBe(rawFile.split('/').pop());
      expect(await page.getByTestId('from-cache').count()).toBe(0);
      await page.getByTestId('word-census').waitFor();
      const rows = page.getByTestId('word-census').locator('tbody tr');
      let targets = 0;
      for (let k = 0; k < 5; k++) {
        const cells = rows.nth(k).locator('td');
        const w = ref.words!.top[k];
        expect((await cells.nth(1).innerText()).replace(/\s*hex$/, '')).toBe(pad(w.value));
        expect(await cells.nth(2).innerText()).toBe(w.count.toLocaleString('en-US'));
        expect(await cells.nth(3).innerText()).toContain(w.kind);
        if (w.target) {
          targets++;
          expect(await cells.nth(4).innerText()).toContain(w.target.label);
        }
      }
      expect(targets).toBeGreaterThan(0);
      // Another map, another stored analysis.
      expect(page.url()).toContain('-core.');
    });
  });
});
