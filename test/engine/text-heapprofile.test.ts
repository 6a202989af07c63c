// Heap profiles of a program leaking in svc::leak_requests (test/fixtures/heapprof.cpp),
// written by the allocators themselves: tcmalloc's HEAPPROFILE dumps (exact) and sampled
// GetHeapSample output, jemalloc's prof.dump. Two dumps → the diff names the leaking function
// with the growth the program recorded; the pprof export opens in go tool pprof.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { beforeAll, describe, expect, it } from 'vitest';
import { type HeapDiffDoc, type HeapProfileDoc, type HeapTrendDoc, analyzeTextSet, compareTexts, encodePprof, heapProfileToPprof } from '../../src/engine/text';
import { buildFixture } from '../helpers/fixtures';
import { claimedBy, missingHeader, missingTool, readTextFile, run, workDir } from '../helpers/text-tools';

interface Truth {
  allocator: string;
  dumps: string[];
  samples: string[];
  leakFunction: string;
  growthObjects: number;
  growthBytes: number;
  growthUsable: number;
  leak1: { objects: number; bytes: number };
  keepFunction: string;
  keep: { objects: number; bytes: number };
}

/** What speedscope's pprof importer needs: sample types, every location named through a function, weights ≥ 0. */
function speedscopeReadable(p: Profile): string[] {
  const problems: string[] = [];
  const str = p.stringTable.strings;
  if (!p.sampleType.length) problems.push('no sample types');
  const fns = new Map(p.function.map((f) => [Number(f.id), f]));
  const locs = new Map(p.location.map((l) => [Number(l.id), l]));
  for (const l of p.location) {
    if (!l.line.length) problems.push(`location ${l.id} has no line`);
    for (const ln of l.line) if (!fns.get(Number(ln.functionId)) || !str[Number(fns.get(Number(ln.functionId))!.name)]) problems.push(`location ${l.id}: unnamed function`);
  }
  for (const s of p.sample) {
    if (s.value.length !== p.sampleType.length) problems.push('sample value count ≠ sample types');
    if (s.value.some((v) => Number(v) < 0)) problems.push('negative weight');
    for (const id of s.locationId) if (!locs.has(Number(id))) problems.push(`missing location ${id}`);
  }
  return problems;
}

/** Flat in-use bytes per function name of a decoded pprof profile (first frame not in the allocator). */
function flatOf(p: Profile, fn: string): number {
  const str = p.stringTable.strings;
  const idx = p.sampleType.findIndex((t) => str[Number(t.type)] === 'inuse_space');
  const fns = new Map(p.function.map((f) => [Number(f.id), str[Number(f.name)]]));
  const locs = new Map(p.location.map((l) => [Number(l.id), fns.get(Number(l.line[0].functionId))!]));
  let total = 0;
  for (const s of p.sample) if (s.locationId.map((id) => locs.get(Number(id))).find((n) => !/^(malloc|operator new|tc_|lib(tcmalloc|jemalloc))/.test(n!)) === fn) total += Number(s.value[idx]);
  return total;
}

const whyTc = missingHeader('gperftools/heap-profiler.h', 'libgoogle-perftools-dev');
const whyJe = missingHeader('jemalloc/jemalloc.h', 'libjemalloc-dev');

describe.skipIf(whyTc)(`three tcmalloc heap profiles: each function's trend${whyTc ? ` (skipped: ${whyTc})` : ''}`, () => {
  it('the leak grows at every step, the session cache fills then stays, the rest holds; given in any order', async () => {
    const dir = workDir('tcmalloc3');
    const exe = await buildFixture('heapprof.cpp', { libs: ['-ltcmalloc'] });
    await run(exe, [join(dir, 'truth.json'), dir, '3']);
    const t = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as { dumps: string[]; trend: Record<string, { objects: number[]; bytes: number[]; pattern: string }> };
    expect(t.dumps).toHaveLength(3);
    // Given last, first, middle: ordered by the sequence numbers tcmalloc puts in the names.
    const docs = [];
    for (const f of [t.dumps[2], t.dumps[0], t.dumps[1]]) docs.push((await readTextFile(f, [exe])) as HeapProfileDoc);
    const { comparisons } = analyzeTextSet(docs);
    const trend = comparisons.find((c) => c.kind === 'heap-profile-trend') as HeapTrendDoc;
    expect(trend.orderedBy).toBe('sequence number in the name');
    expect(trend.profiles.map((p) => p.name)).toEqual(t.dumps.map((d) => d.replace(/^.*\//, '')));
    for (const [fn, want] of Object.entries(t.trend)) {
      const row = trend.functions.find((r) => r.label === fn);
      expect(row, fn).toBeDefined();
      expect(row!.points, fn).toEqual(want.objects.map((count, i) => ({ count, bytes: want.bytes[i] })));
      expect(row!.pattern, fn).toBe(want.pattern);
    }
    // Steady first; the findings name the leak, then the cache.
    expect(trend.functions[0].label).toBe('svc::leak_requests(int, unsigned long)');
    expect(trend.findings[0]).toMatch(/^svc::leak_requests\(int, unsigned long\): .* grew at every one of the 2 steps/);
    expect(trend.findings[1]).toMatch(/^fill_sessions\(int\): .* stayed flat/);
    // The two-profile diff is first against last in that order too.
    const diff = comparisons.find((c) => c.kind === 'heap-profile-diff') as HeapDiffDoc;
    expect(diff.base.name).toBe(trend.profiles[0].name);
    expect(diff.profile.name).toBe(trend.profiles[2].name);
  });
});

describe.skipIf(whyTc)(`tcmalloc heap profiles${whyTc ? ` (skipped: ${whyTc})` : ''}`, () => {
  let truth: Truth;
  let exe: string;
  let dir: string;
  let base: HeapProfileDoc;
  let cur: HeapProfileDoc;
  beforeAll(async () => {
    dir = workDir('tcmalloc');
    exe = await buildFixture('heapprof.cpp', { libs: ['-ltcmalloc'] });
    await run(exe, [join(dir, 'truth.json'), dir], { env: { ...process.env, TCMALLOC_SAMPLE_PARAMETER: '4096' } });
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    for (const f of [...truth.dumps, ...truth.samples]) expect(await claimedBy(f)).toEqual(['heap-profile']);
    base = (await readTextFile(truth.dumps[0], [exe])) as HeapProfileDoc;
    cur = (await readTextFile(truth.dumps[1], [exe])) as HeapProfileDoc;
  });

  it('reads a HEAPPROFILE dump: exact counts, functions named from the binary through MAPPED_LIBRARIES', () => {
    expect(cur.kind).toBe('heap-profile');
    expect(cur.format).toBe('gperftools');
    expect(cur.sampling.kind).toBe('exact');
    expect(cur.program).toBe(exe);
    expect(cur.symbols.binaries.map((b) => b.path)).toContain(exe);
    const leak = cur.functions.find((f) => f.name === truth.leakFunction)!;
    expect(leak.flatObjects).toBe(truth.leak1.objects + truth.growthObjects);
    expect(leak.flatBytes).toBe(truth.leak1.bytes + truth.growthBytes);
    const keep = cur.functions.find((f) => f.name === truth.keepFunction)!;
    expect(keep).toMatchObject({ flatObjects: truth.keep.objects, flatBytes: truth.keep.bytes });
    expect(cur.functions[0].name).toBe(truth.leakFunction);
    const main = cur.functions.find((f) => f.name === 'main')!;
    expect(main.cumBytes).toBeGreaterThanOrEqual(leak.flatBytes + keep.flatBytes);
  });

  it('two dumps → the leaking function and its exact in-use growth', () => {
    const d = compareTexts(base, cur) as HeapDiffDoc;
    expect(d.kind).toBe('heap-profile-diff');
    expect(d.functions[0]).toMatchObject({ name: truth.leakFunction, flatBytes: truth.growthBytes, flatObjects: truth.growthObjects });
    expect(d.functions.find((f) => f.name === truth.keepFunction)).toBeUndefined();
    expect(d.summary).toContain(truth.leakFunction);
    expect(d.stacks[0].frames[0]).toBe(truth.leakFunction);
    expect(d.stacks[0].inuseBytes).toBe(truth.growthBytes);
  });

  it('without the binary: addresses named module+offset, the diff still finds the same call site', async () => {
    const b = (await readTextFile(truth.dumps[0])) as HeapProfileDoc;
    const c = (await readTextFile(truth.dumps[1])) as HeapProfileDoc;
    expect(c.symbols.named).toBe(0);
    const d = compareTexts(b, c) as HeapDiffDoc;
    expect(d.functions[0].name).toMatch(/^heapprof-64-\w+\+0x[0-9a-f]+$/);
    expect(d.functions[0].flatBytes).toBe(truth.growthBytes);
  });

  it('sampled profiles (heap_v2, TCMALLOC_SAMPLE_PARAMETER=4096) are scaled back: the leak is estimated within 30 %', async () => {
    const s1 = (await readTextFile(truth.samples[0], [exe])) as HeapProfileDoc;
    const s2 = (await readTextFile(truth.samples[1], [exe])) as HeapProfileDoc;
    expect(s2.header).toBe('heap_v2/4096');
    expect(s2.sampling).toEqual({ kind: 'sampled', period: 4096 });
    const d = compareTexts(s1, s2) as HeapDiffDoc;
    expect(d.functions[0].name).toBe(truth.leakFunction);
    expect(d.functions[0].flatBytes).toBeGreaterThan(truth.growthBytes * 0.7);
    expect(d.functions[0].flatBytes).toBeLessThan(truth.growthBytes * 1.3);
  });

  it('exports profile.proto (gzip) that decodes, follows speedscope\'s rules and holds the leak', async () => {
    const { profile } = heapProfileToPprof(cur);
    const gz = await encodePprof(profile);
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const p = Profile.decode(gunzipSync(gz));
    expect(speedscopeReadable(p)).toEqual([]);
    expect(p.stringTable.strings[Number(p.defaultSampleType)]).toBe('inuse_space');
    expect(flatOf(p, truth.leakFunction)).toBe(truth.leak1.bytes + truth.growthBytes);
    // With a base: only what grew.
    const diff = heapProfileToPprof(cur, { base });
    const q = Profile.decode(gunzipSync(await encodePprof(diff.profile)));
    expect(speedscopeReadable(q)).toEqual([]);
    expect(flatOf(q, truth.leakFunction)).toBe(truth.growthBytes);
    expect(flatOf(q, truth.keepFunction)).toBe(0);
    const out = join(dir, 'diff.pb.gz');
    writeFileSync(out, await encodePprof(diff.profile));
    expect(existsSync(out)).toBe(true);
  });

  it.skipIf(missingTool('go', 'golang-go'))(`go tool pprof opens the export and ranks the leak first${missingTool('go', 'golang-go') ? ` (skipped: ${missingTool('go', 'golang-go')})` : ''}`, async () => {
    const out = join(dir, 'cur.pb.gz');
    writeFileSync(out, await encodePprof(heapProfileToPprof(cur, { base }).profile));
    const { stdout } = await run('go', ['tool', 'pprof', '-top', '-sample_index=inuse_space', '-symbolize=none', out], { env: { ...process.env, HOME: dir, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' } });
    const rows = stdout.split('\n').filter((l) => /^\s*[\d.]+[kMG]?B?\s+[\d.]+%/.test(l));
    expect(rows[0]).toContain(truth.leakFunction.replace(/\(.*$/, ''));
  });
});

describe.skipIf(whyJe)(`jemalloc heap profiles${whyJe ? ` (skipped: ${whyJe})` : ''}`, () => {
  it('prof.dump twice (lg_prof_sample:0) → the leaking function grew by the usable bytes the program recorded', async ({ skip }) => {
    const dir = workDir('jemalloc');
    const exe = await buildFixture('heapprof.cpp', { libs: ['-ljemalloc'], flags: ['-DUSE_JEMALLOC'] });
    const r = await run(exe, [join(dir, 'truth.json'), dir], { env: { ...process.env, MALLOC_CONF: 'prof:true,lg_prof_sample:0' } }).catch((e) => e as { code: number; stderr: string });
    if ('code' in r && r.code) {
      if (/prof|Invalid conf/.test(r.stderr)) return skip(`this jemalloc was built without profiling: ${r.stderr.trim()}`);
      throw new Error(r.stderr);
    }
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
    for (const f of truth.dumps) expect(await claimedBy(f)).toEqual(['heap-profile']);
    const a = (await readTextFile(truth.dumps[0], [exe])) as HeapProfileDoc;
    const b = (await readTextFile(truth.dumps[1], [exe])) as HeapProfileDoc;
    expect(b.format).toBe('jemalloc');
    expect(b.sampling).toEqual({ kind: 'exact', period: 1 });
    // jemalloc's own frames (in libjemalloc, no binary given for it) are skipped.
    expect(b.functions[0].name).toBe(truth.leakFunction);
    const d = compareTexts(a, b) as HeapDiffDoc;
    expect(d.functions[0]).toMatchObject({ name: truth.leakFunction, flatObjects: truth.growthObjects, flatBytes: truth.growthUsable });
    const p = Profile.decode(gunzipSync(await encodePprof(heapProfileToPprof(b, { base: a }).profile)));
    expect(speedscopeReadable(p)).toEqual([]);
    expect(flatOf(p, truth.leakFunction)).toBe(truth.growthUsable);
  });
});
