// Heap profiles out as pprof's profile.proto (gzipped), through the pprof-format library, so
// `go tool pprof` and speedscope open them. With a base profile, the export holds what grew:
// per stack, in-use objects and bytes now minus then, stacks that did not grow left out
// (speedscope reads weights as non-negative).
import { Function as PFunction, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { basename } from '../format';
import type { HeapProfileDoc } from './heapprofile';

export interface PprofOptions {
  base?: HeapProfileDoc;
}

export interface PprofResult {
  profile: Profile;
  samples: number;
  /** With a base: stacks whose in-use bytes did not grow, left out. */
  dropped: number;
}

export function heapProfileToPprof(doc: HeapProfileDoc, opts: PprofOptions = {}): PprofResult {
  const st = new StringTable();
  const s = (x: string) => st.dedup(x);
  const diff = opts.base !== undefined;
  const withAlloc = doc.hasAlloc && !diff;
  const sampleType = [
    ...(withAlloc ? [new ValueType({ type: s('alloc_objects'), unit: s('count') }), new ValueType({ type: s('alloc_space'), unit: s('bytes') })] : []),
    new ValueType({ type: s('inuse_objects'), unit: s('count') }),
    new ValueType({ type: s('inuse_space'), unit: s('bytes') }),
  ];
  // Executable mappings: the program first (pprof takes mapping 1 as the main binary).
  const mappings: Mapping[] = [];
  const mapRanges: { start: bigint; end: bigint; id: number }[] = [];
  const named = new Set(doc.symbols.binaries.map((b) => basename(b.path)));
  for (const m of doc.mappings) {
    if (!m.perms.includes('x')) continue;
    const id = mappings.length + 1;
    mappings.push(new Mapping({ id, memoryStart: BigInt(m.start), memoryLimit: BigInt(m.end), fileOffset: BigInt(m.offset), filename: s(m.path), hasFunctions: named.has(basename(m.path)) }));
    mapRanges.push({ start: BigInt(m.start), end: BigInt(m.end), id });
  }
  const functions = new Map<string, PFunction>();
  const locations = new Map<string, Location>();
  const fnId = (name: string) => {
    let f = functions.get(name);
    if (!f) functions.set(name, (f = new PFunction({ id: functions.size + 1, name: s(name), systemName: s(name) })));
    return f.id;
  };
  const locId = (addr: string, name: string) => {
    const key = `${addr} ${name}`;
    let l = locations.get(key);
    if (!l) {
      const a = BigInt(addr);
      const m = mapRanges.find((r) => a >= r.start && a < r.end);
      locations.set(key, (l = new Location({ id: locations.size + 1, mappingId: m?.id ?? 0, address: a, line: [new Line({ functionId: fnId(name) })] })));
    }
    return l.id;
  };
  const samples: Sample[] = [];
  let dropped = 0;
  const base = new Map<string, { o: number; b: number }>();
  if (opts.base) {
    for (const x of opts.base.stacks) {
      const k = x.frames.join('\n');
      const e = base.get(k) ?? { o: 0, b: 0 };
      e.o += x.inuseObjects;
      e.b += x.inuseBytes;
      base.set(k, e);
    }
  }
  // Stacks with the same frames are one sample (in a diff, their base is subtracted once).
  const merged = new Map<string, { stack: HeapProfileDoc['stacks'][number]; o: number; b: number; ao: number; ab: number }>();
  for (const x of doc.stacks) {
    const k = x.frames.join('\n');
    const e = merged.get(k);
    if (e) {
      e.o += x.inuseObjects;
      e.b += x.inuseBytes;
      e.ao += x.allocObjects;
      e.ab += x.allocBytes;
    } else merged.set(k, { stack: x, o: x.inuseObjects, b: x.inuseBytes, ao: x.allocObjects, ab: x.allocBytes });
  }
  for (const [k, e] of merged) {
    let o = e.o;
    let b = e.b;
    if (diff) {
      const was = base.get(k);
      o -= was?.o ?? 0;
      b -= was?.b ?? 0;
      if (b <= 0) {
        dropped++;
        continue;
      }
      o = Math.max(0, o);
    }
    const value = [...(withAlloc ? [Math.round(e.ao), Math.round(e.ab)] : []), Math.round(o), Math.round(b)];
    samples.push(new Sample({ locationId: e.stack.addresses.map((a, i) => locId(a, e.stack.frames[i])), value }));
  }
  const comment = [s(`heaplens: ${doc.format} heap profile ${doc.input.name}${diff ? ` minus ${opts.base!.input.name} (stacks that did not grow left out: ${dropped})` : ''}`)];
  const profile = new Profile({
    sampleType, sample: samples, mapping: mappings, location: [...locations.values()], function: [...functions.values()], stringTable: st,
    periodType: new ValueType({ type: s('space'), unit: s('bytes') }), period: doc.sampling.period, comment, defaultSampleType: s('inuse_space'),
  });
  return { profile, samples: samples.length, dropped };
}

/** profile.proto bytes, gzipped (as pprof writes them) unless `gzip` is false. */
export async function encodePprof(profile: Profile, gzip = true): Promise<Uint8Array> {
  const raw = profile.encode();
  if (!gzip) return raw;
  const stream = new Blob([raw as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
