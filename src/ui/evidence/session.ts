// Text evidence for the views: dropped or pasted tool output (top, ps, pidstat, /proc/PID/status,
// /proc/meminfo, strace, valgrind, heap profiles) read by the engine's readText, kept in the
// browser's IndexedDB beside the analyses, and compared. Views see the documents only.
import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import { BlobSource, type ByteSource, MemorySource, readAt } from '../../engine/bytesource';
import { detectKind } from '../../engine/detect';
import { type Binary, openBinary } from '../../engine/elf/symbols';
import { isAbort, throwIfAborted } from '../../engine/errors';
import { fingerprint } from '../../engine/fingerprint';
import type { Progress } from '../../engine/pipeline';
import { type HeapProfileDoc, type MapsDoc, type TextComparison, type TextDocument, type ThreadStacksDoc, type ThreadsDoc, compareMaps, compareTexts, detectText, encodePprof, heapProfileToPprof, readBundle, readText, threadStacksFromMaps, trendHeapProfiles } from '../../engine/text';
import { BlobListSource, isTarHeader } from '../../engine/text/archive';
import type { BundleDoc } from '../../engine/text/bundle';
import { readHead } from '../../engine/text/lines';
import { ensureDemangler } from '../session';

/** Bumped when the stored document changes shape. */
export const EVIDENCE_SCHEMA = 1;
/** Items kept; the oldest go first. */
const KEEP = 40;

/**
 * A collector bundle (public/collect-heaplens.sh's tar.gz, or any tar/tar.gz/gz of evidence) as an
 * item: the engine's BundleDoc without its documents (each is an item of its own), `items` naming
 * the item made of each member (undefined for the manifest, cores and ELF files).
 */
export interface BundleSummary extends Omit<BundleDoc, 'documents'> {
  items: (string | undefined)[];
  lines: number;
}

export interface EvidenceItem {
  /** Content fingerprint (16 hex digits): the same file dropped twice is one item. */
  id: string;
  name: string;
  size: number;
  /** When it was read (ms since the epoch). */
  addedAt: number;
  /** Pasted into the box rather than dropped. */
  pasted?: boolean;
  /** Binaries that named the addresses of a heap profile. */
  binaries: string[];
  doc: TextDocument | BundleSummary;
}

interface Stored {
  schema: number;
  item: EvidenceItem;
}

let store: UseStore | undefined;
function db(): UseStore {
  store ??= createStore('heaplens-evidence', 'items');
  return store;
}

/** Every stored item, newest first; items of another schema are dropped. */
export async function listEvidence(): Promise<EvidenceItem[]> {
  try {
    const out: EvidenceItem[] = [];
    for (const k of await keys(db())) {
      const s = await get<Stored>(k, db());
      if (!s || s.schema !== EVIDENCE_SCHEMA || !s.item?.doc) {
        await del(k, db());
        continue;
      }
      out.push(s.item);
    }
    return out.sort((a, b) => b.addedAt - a.addedAt);
  } catch {
    return [];
  }
}

/** Stores items; answers a sentence when some could not be stored (quota, no IndexedDB). */
export async function saveEvidence(items: EvidenceItem[]): Promise<string | undefined> {
  const failed: string[] = [];
  let why = '';
  for (const item of items) {
    try {
      await set(item.id, { schema: EVIDENCE_SCHEMA, item } satisfies Stored, db());
    } catch (e) {
      failed.push(item.name);
      why = (e as Error)?.name === 'QuotaExceededError' ? 'the browser refused the space' : String((e as Error)?.message ?? e);
    }
  }
  try {
    const all = await listEvidence();
    for (const old of all.slice(KEEP)) await del(old.id, db());
  } catch {
    /* listing failed: nothing to trim */
  }
  return failed.length ? `Shown but not stored in this browser (${why}): ${failed.join(', ')}.` : undefined;
}

/**
 * The ids that go when an item is removed: the item, and for a bundle its member items too —
 * but not a member another remaining bundle also holds (the same file, one item).
 */
export function removalSet(items: EvidenceItem[], id: string): Set<string> {
  const gone = new Set([id]);
  const it = items.find((i) => i.id === id);
  if (it?.doc.kind !== 'bundle') return gone;
  const kept = new Set(items.filter((i) => i.id !== id && i.doc.kind === 'bundle').flatMap((i) => (i.doc as BundleSummary).items));
  for (const m of (it.doc as BundleSummary).items) if (m && !kept.has(m)) gone.add(m);
  return gone;
}

export async function forgetEvidence(id: string): Promise<void> {
  try {
    await del(id, db());
  } catch {
    /* already gone */
  }
}

/** Dropped files split by content: text to read as evidence; ELF files, gzip and other binary data to the core analysis. */
export interface SplitInputs {
  texts: File[];
  /** tar, tar.gz and gzip of anything but an ELF file: read as bundles. */
  bundles: File[];
  /** Cores, binaries, .gz and anything ELF: what runInputs takes. */
  rest: File[];
  cores: number;
  binaries: File[];
}

export async function splitInputs(files: File[], signal?: AbortSignal): Promise<SplitInputs> {
  const out: SplitInputs = { texts: [], bundles: [], rest: [], cores: 0, binaries: [] };
  for (const f of files) {
    throwIfAborted(signal);
    const src = new BlobSource(f);
    const k = await detectKind(src);
    // Text is evidence; binary data that is not ELF or gzip goes on and is refused with the cores' message.
    if (k === 'unknown' && (f.size === 0 || !(await readHead(src, 4096)).binary)) out.texts.push(f);
    else if ((k === 'unknown' && isTarHeader(await readAt(src, 0, 512))) || (k === 'gzip' && !isElfHead(await peekGunzip(f)))) out.bundles.push(f);
    else {
      out.rest.push(f);
      if (k === 'core' || k === 'gzip') out.cores++;
      if (k === 'binary') out.binaries.push(f);
    }
  }
  return out;
}

function isElfHead(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

/** The first bytes of a gzip file, decompressed from its first 256 KiB only (a .gz core stays unread). */
async function peekGunzip(f: File, n = 1024): Promise<Uint8Array> {
  const r = f.slice(0, 1 << 18).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const parts: Uint8Array[] = [];
  let got = 0;
  try {
    while (got < n) {
      const { done, value } = await r.read();
      if (done) break;
      parts.push(value);
      got += value.length;
    }
  } catch {
    /* the slice ends mid-stream, or the gzip is bad: what came is enough to tell */
  } finally {
    r.cancel().catch(() => undefined);
  }
  const out = new Uint8Array(got);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface ReadCallbacks {
  onStage?: (s: string) => void;
  onProgress?: (p: Progress) => void;
}

export interface EvidenceRead {
  items: EvidenceItem[];
  /** Cores found inside bundles, as files for the core analysis. */
  cores: File[];
}

export interface EvidenceHandle {
  promise: Promise<EvidenceRead>;
  cancel(): void;
}

/** Reads text sources (files, or pasted text) with the binaries given for heap profiles. */
export function readEvidence(sources: (File | { name: string; text: string })[], binaries: File[], cb: ReadCallbacks = {}, bundles: File[] = []): EvidenceHandle {
  const ac = new AbortController();
  const promise = (async (): Promise<EvidenceRead> => {
    const items: EvidenceItem[] = [];
    const cores: File[] = [];
    let bins: Binary[] | undefined;
    const openBins = async () => {
      if (!bins) {
        cb.onStage?.('Reading the binaries\' symbols');
        await ensureDemangler();
        bins = [];
        for (const b of binaries) {
          try {
            bins.push(await openBinary(new BlobSource(b, b.name)));
          } catch {
            /* not a binary with symbols: addresses stay module+offset */
          }
        }
      }
      return bins;
    };
    for (let i = 0; i < bundles.length; i++) {
      const f = bundles[i];
      cb.onStage?.(`Reading the bundle ${f.name}${bundles.length > 1 ? ` (${i + 1} of ${bundles.length})` : ''}`);
      const t0 = performance.now();
      const { doc, cores: inside } = await readBundle(new BlobSource(f, f.name), {
        binaries: binaries.length ? await openBins() : undefined,
        signal: ac.signal,
        onProgress: (done, total) => cb.onProgress?.({ phase: 'gunzip', done, total, elapsedMs: performance.now() - t0 }),
      });
      const fp = (await fingerprint(new BlobSource(f), f.lastModified)).slice(0, 12);
      const now = Date.now();
      const ids: (string | undefined)[] = doc.members.map(() => undefined);
      doc.members.forEach((m, k) => {
        if (m.document === undefined) return;
        const d = doc.documents[m.document];
        const id = fp + (k + 1).toString(16).padStart(4, '0');
        ids[k] = id;
        items.push({ id, name: `${f.name}: ${m.name}`, size: m.size, addedAt: now + k + 1, binaries: [], doc: d });
      });
      const { documents: _docs, ...rest } = doc;
      items.push({ id: fp + '0000', name: f.name, size: f.size, addedAt: now + doc.members.length + 1, binaries: [], doc: { ...rest, items: ids, lines: 0 } });
      for (const c of inside) cores.push(new File([(c.source as BlobListSource).blob()], c.name.split('/').pop()!, { lastModified: f.lastModified }));
    }
    for (let i = 0; i < sources.length; i++) {
      throwIfAborted(ac.signal);
      const s = sources[i];
      const pasted = !(s instanceof Blob);
      const src: ByteSource = pasted ? new MemorySource(new TextEncoder().encode(s.text), s.name) : new BlobSource(s, s.name);
      const tag = sources.length > 1 ? `${s.name} (${i + 1} of ${sources.length})` : s.name;
      // Binaries are opened only when a heap profile needs them to name its addresses.
      let names: string[] = [];
      if (binaries.length && src.size) {
        const head = await readHead(src);
        if (!head.binary && detectText(head.text).kind === 'heap-profile') {
          await openBins();
          names = binaries.map((b) => b.name);
        }
      }
      cb.onStage?.(`Reading ${tag}`);
      const t0 = performance.now();
      const doc = await readText(src, {
        binaries: names.length ? bins : undefined,
        signal: ac.signal,
        onProgress: (done, total) => cb.onProgress?.({ phase: 'text', done, total, elapsedMs: performance.now() - t0 }),
      });
      const fp = await fingerprint(src, pasted ? 0 : (s as File).lastModified);
      items.push({ id: fp.slice(0, 16) + (names.length ? 'b' : ''), name: s.name, size: src.size, addedAt: Date.now() + i, pasted: pasted || undefined, binaries: names, doc });
    }
    return { items, cores };
  })();
  return { promise, cancel: () => ac.abort() };
}

export { isAbort };

/**
 * Documents of a kind → the engine's comparison (undefined when the kind has none): two of
 * them (earlier first), or any number of memory maps, which are compared with the thread lists
 * among `threads` for the "N threads ↔ N regions" correlation.
 */
export function compareEvidence(items: EvidenceItem[], threads: ThreadsDoc[] = []): TextComparison | undefined {
  if (items.some((i) => i.doc.kind === 'bundle')) return undefined;
  if (items.length >= 2 && items.every((i) => i.doc.kind === 'maps')) return compareMaps(items.map((i) => i.doc as MapsDoc), { threads });
  if (items.length >= 3 && items.every((i) => i.doc.kind === 'heap-profile')) return trendHeapProfiles(items.map((i) => i.doc as HeapProfileDoc));
  if (items.length !== 2) return undefined;
  return compareTexts(items[0].doc as TextDocument, items[1].doc as TextDocument);
}

/** A heap profile (or what grew since a base) as pprof's profile.proto, gzipped: the bytes of a .pb.gz. */
export async function pprofBytes(doc: HeapProfileDoc, base?: HeapProfileDoc): Promise<{ bytes: Uint8Array; samples: number; dropped: number }> {
  const r = heapProfileToPprof(doc, { base });
  return { bytes: await encodePprof(r.profile), samples: r.samples, dropped: r.dropped };
}

/**
 * Thread stacks against the address space of a memory map, with the thread list of the same
 * process among `threads` (by pid, or a thread id equal to it), the newest of them, when there is one.
 */
export function threadStacks(maps: MapsDoc, threads: ThreadsDoc[]): ThreadStacksDoc {
  const pid = maps.pid;
  const mine = threads.filter((t) => t.threads && (pid === undefined || t.snapshots.some((s) => s.processes.some((p) => p.pid === pid) || s.groups.some((g) => g.ids.includes(pid)))));
  return threadStacksFromMaps(maps, mine[0]);
}

