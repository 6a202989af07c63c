// heaplens strings / kv / grep as a user runs them, on the seed-001 request fixture
// (test/fixtures/reqfix.cpp): JSON documents (docs/json.md, kind strings and regex), tables,
// sets that need the analysis, and bad patterns or sets refused before the core is read.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RegexJSON, StringsJSON } from '../../src/engine/content/json';
import { ROOT, buildFixture, dumpFixture, type Dumped } from '../helpers/fixtures';
import { type ReqTruth, escapeRe, fromHex } from '../helpers/reqfix';

const run = promisify(execFile);
const CLI = join(ROOT, 'bin', 'heaplens.mjs');
const HEX = /^0x[0-9a-f]+$/;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { maxBuffer: 256 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('heaplens strings, kv, grep', () => {
  let fx: Dumped<ReqTruth>;
  let ct: string;
  beforeAll(async () => {
    fx = await dumpFixture<ReqTruth>(await buildFixture('reqfix.cpp'), ['1200']);
    ct = fromHex(fx.truth.contentTypeHex);
  });

  it('kv --json: channelid=4099 first, with the leaked count, over the whole dump and the leaked set', async () => {
    for (const set of ['all', 'leaked']) {
      const r = await cli(['kv', fx.core, '--set', set, '--json']);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout) as StringsJSON;
      expect(j.kind).toBe('strings');
      expect(j.set.kind).toBe(set === 'all' ? 'all' : 'blocks');
      expect(j.keys[0].key).toBe('channelid');
      expect(j.keys[0].values[0]).toMatchObject({ value: '4099', count: fx.truth.leaked, separator: '=' });
      for (const e of j.keys[0].values[0].examples) expect(e).toMatch(HEX);
      if (set === 'leaked') expect(j.strings[0].blocks?.[0]?.verdict).toBe('indirect');
    }
  });

  it('kv prints keys, their top values and the HTTP census as tables', async () => {
    const r = await cli(['kv', fx.core, '--top', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^channelid\\s+[\\d,]+\\s+\\d+\\s+=4099\\s+${fx.truth.leaked.toLocaleString('en-US')}\\b`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`${fx.truth.requests.toLocaleString('en-US')}\\s+POST\\s+/cgi-bin/report`));
    expect(r.stdout).toMatch(/Content-Type\s+application\/x-www-form-urlencoded ×/);
  });

  it('strings: the Host line and the UTF-16LE marker with their counts', async () => {
    const r = await cli(['strings', fx.core, '--utf16', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as StringsJSON;
    expect(j.strings.find((s) => s.text === fromHex(fx.truth.hostLineHex))?.count).toBe(fx.truth.requests);
    expect(j.strings.find((s) => s.text === fromHex(fx.truth.wideHex) && s.encoding === 'utf-16le')?.count).toBe(fx.truth.wideCount);
    const t = await cli(['strings', fx.core, '--min', '8', '--top', '3', '--set', 'indirect']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/Strings in indirectly leaked blocks \(/);
    expect(t.stdout).toMatch(new RegExp(`${fx.truth.leaked.toLocaleString('en-US')}\\s+\\S+ KiB\\s+ascii\\s+Content-Type: application`));
  });

  it('grep counts like the truth over the whole dump, a size class and the leaked set', async () => {
    const pattern = escapeRe(ct);
    const all = JSON.parse((await cli(['grep', pattern, fx.core, '--json'])).stdout) as RegexJSON;
    expect(all.kind).toBe('regex');
    expect(all.total).toBe(fx.truth.requests);
    expect(all.matches[0].address).toMatch(HEX);
    expect(all.matches[0].text).toBe(ct);
    const leaked = JSON.parse((await cli(['grep', pattern, fx.core, '--set', 'leaked', '--json', '--first', '3'])).stdout) as RegexJSON;
    expect(leaked.total).toBe(fx.truth.leaked);
    expect(leaked.matches).toHaveLength(3);
    expect(leaked.blocks?.byVerdict).toEqual([{ verdict: 'indirect', matches: fx.truth.leaked, blocks: fx.truth.leaked }]);
    // A size class: the program recorded each buffer's length; blocks of the most common usable size hold that many.
    const size = leaked.blocks!.bySize[0];
    const bySize = JSON.parse((await cli(['grep', pattern, fx.core, '--set', `size:${size.size}`, '--json'])).stdout) as RegexJSON;
    expect(bySize.blocks?.bySize).toEqual([expect.objectContaining({ size: size.size })]);
    expect(bySize.total).toBeGreaterThanOrEqual(size.matches);
    // Case-insensitive, pattern after -e, in a table.
    const t = await cli(['grep', '-i', '-e', 'CHANNELID=4099&', fx.core, '--first', '2']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(new RegExp(`: ${fx.truth.leaked.toLocaleString('en-US')} matches`));
    expect(t.stdout).toMatch(/First 2 matches/);
  });

  it('refuses a bad pattern or set before reading the core, with exit code 2', async () => {
    const bad = await cli(['grep', 'channelid=(\\d+', fx.core]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/invalid regular expression \/channelid=\(\\d\+\//);
    const empty = await cli(['grep', '\\d*', fx.core]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/matches the empty string/);
    const set = await cli(['kv', fx.core, '--set', 'lost']);
    expect(set.code).toBe(2);
    expect(set.stderr).toMatch(/unknown set "lost": use all \| leaked/);
    const region = await cli(['strings', fx.core, '--set', 'region:0x2000-0x1000']);
    expect(region.code).toBe(2);
    expect(region.stderr).toMatch(/is empty/);
    // A pattern but no core.
    expect((await cli(['grep', 'x'])).code).toBe(2);
    // A region set without the analysis: the mappings it overlaps.
    const heap = (JSON.parse((await cli(['map', fx.core, '--json'])).stdout).regions as { start: string; end: string; label: string }[]).find((r) => r.label === 'heap')!;
    const inHeap = JSON.parse((await cli(['grep', 'channelid=4099&', fx.core, '--set', `region:${heap.start}-${heap.end}`, '--json'])).stdout) as RegexJSON;
    expect(inHeap.total).toBe(fx.truth.leaked);
    expect(inHeap.set.label).toBe(`region ${heap.start}-${heap.end}`);
  });
});
