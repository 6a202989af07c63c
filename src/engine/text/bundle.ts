// The collector's bundle (public/collect-heaplens.sh → heaplens-PID-DATE.tar.gz), or any tar.gz
// of evidence: every member recognized from its content — the manifest, text evidence (maps,
// smaps, pmap, status, top, meminfo…), ELF cores — the manifest's snapshot times given to the
// documents made from each snapshot, then everything compared together (analyzeTextSet).
import type { ByteSource } from '../bytesource';
import { readAt } from '../bytesource';
import type { Diagnostic } from '../errors';
import { type ArchiveOptions, isGzip, isTarHeader, openArchive } from './archive';
import { TEXT_JSON_VERSION } from './common';
import { type ReadTextOptions, type TextComparison, type TextDocument, analyzeTextSet, readText } from './index';
import type { ThreadStacksDoc } from './stacks';

export interface CollectManifest {
  /** The manifest's format version (`# heaplens collection 1`). */
  format: number;
  pid?: number;
  command?: string;
  uname?: string;
  user?: string;
  interval?: number;
  count?: number;
  started?: number;
  finished?: number;
  snapshots: { index: number; time: number; files: string[] }[];
  gcore?: { time: number; file: string };
  notes: string[];
}

export interface BundleMemberInfo {
  name: string;
  size: number;
  /** What its content is: a text kind (maps, threads, proc-status, meminfo…), 'core', 'elf', 'manifest', or 'unknown-text'. */
  kind: string;
  title: string;
  /** Snapshot time from the manifest, epoch seconds. */
  time?: number;
  /** Index into `documents` (text members). */
  document?: number;
}

export interface BundleDoc {
  kind: 'bundle';
  version: number;
  input: { name: string; size: number };
  format: 'tar.gz' | 'tar' | 'gz';
  manifest?: CollectManifest;
  members: BundleMemberInfo[];
  /** The text members' documents, in archive order. */
  documents: TextDocument[];
  comparisons: TextComparison[];
  threadStacks?: ThreadStacksDoc;
  /** ELF cores in the bundle (open them with the core engine: readBundle returns their ByteSources). */
  cores: { name: string; size: number; time?: number }[];
  diagnostics: Diagnostic[];
}

const MANIFEST = /^# heaplens collection (\d+)\s*$/;

export function parseManifest(text: string): CollectManifest | undefined {
  const lines = text.split(/\r?\n/);
  const m = MANIFEST.exec(lines[0] ?? '');
  if (!m) return undefined;
  const out: CollectManifest = { format: Number(m[1]), snapshots: [], notes: [] };
  const num = (s: string) => (s !== '' && Number.isFinite(Number(s)) ? Number(s) : undefined);
  for (const l of lines.slice(1)) {
    const snap = /^snapshot (\d+) time=(\S+) files=(.*)$/.exec(l);
    if (snap) {
      const t = num(snap[2]);
      if (t !== undefined) out.snapshots.push({ index: Number(snap[1]), time: t, files: snap[3].trim().split(/\s+/).filter(Boolean) });
      continue;
    }
    const g = /^gcore time=(\S+) file=(\S+)$/.exec(l);
    if (g && num(g[1]) !== undefined) {
      out.gcore = { time: num(g[1])!, file: g[2] };
      continue;
    }
    const kv = /^(\w+)=(.*)$/.exec(l);
    if (!kv) continue;
    const [, k, v] = kv;
    if (k === 'pid') out.pid = num(v);
    else if (k === 'command') out.command = v.trim();
    else if (k === 'uname') out.uname = v;
    else if (k === 'user') out.user = v;
    else if (k === 'interval') out.interval = num(v);
    else if (k === 'count') out.count = num(v);
    else if (k === 'started') out.started = num(v);
    else if (k === 'finished') out.finished = num(v);
    else if (k === 'note') out.notes.push(v);
  }
  return out;
}

/** Whether a source is an archive heaplens opens as a bundle (gzip or tar, from its first bytes). */
export async function isBundle(src: ByteSource): Promise<boolean> {
  const b = await readAt(src, 0, 512);
  return isGzip(b) || isTarHeader(b);
}

export interface ReadBundleOptions extends ArchiveOptions, Pick<ReadTextOptions, 'binaries'> {}

/**
 * Opens a bundle: the plain-data document (members, documents, comparisons, thread stacks) and
 * the cores' ByteSources for the core engine (openInputs). Bad members are said and skipped.
 */
export async function readBundle(src: ByteSource, opts: ReadBundleOptions = {}): Promise<{ doc: BundleDoc; cores: { name: string; source: ByteSource }[] }> {
  const archive = await openArchive(src, opts);
  const diagnostics = [...archive.diagnostics];
  // The manifest first (wherever it is), for the times.
  let manifest: CollectManifest | undefined;
  for (const m of archive.members) {
    const head = new TextDecoder().decode(await readAt(m.source, 0, 64));
    if (MANIFEST.test(head.split('\n')[0])) {
      manifest = parseManifest(new TextDecoder().decode(await readAt(m.source, 0, Math.min(m.size, 1 << 20))));
      break;
    }
  }
  const timeOf = new Map<string, number>();
  for (const s of manifest?.snapshots ?? []) for (const f of s.files) timeOf.set(f, s.time);
  if (manifest?.gcore) timeOf.set(manifest.gcore.file, manifest.gcore.time);
  const members: BundleMemberInfo[] = [];
  const documents: TextDocument[] = [];
  const cores: { name: string; source: ByteSource }[] = [];
  const coreInfo: BundleDoc['cores'] = [];
  for (const m of archive.members) {
    const base = m.name.split('/').pop()!;
    const time = timeOf.get(base) ?? timeOf.get(m.name);
    const info: BundleMemberInfo = { name: m.name, size: m.size, kind: 'unknown-text', title: '', ...(time !== undefined ? { time } : {}) };
    const b = await readAt(m.source, 0, 64);
    if (b.length >= 18 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) {
      const etype = b[5] === 2 ? (b[16] << 8) | b[17] : b[16] | (b[17] << 8);
      if (etype === 4) {
        info.kind = 'core';
        info.title = 'ELF core dump';
        cores.push({ name: m.name, source: m.source });
        coreInfo.push({ name: m.name, size: m.size, ...(time !== undefined ? { time } : {}) });
      } else {
        info.kind = 'elf';
        info.title = 'ELF file (a binary: give it with the core for symbols)';
      }
    } else if (MANIFEST.test(new TextDecoder().decode(b).split('\n')[0])) {
      info.kind = 'manifest';
      info.title = 'heaplens collector manifest';
    } else {
      try {
        const d = await readText(m.source, { binaries: opts.binaries, signal: opts.signal, time });
        info.kind = d.kind;
        info.title = d.kind === 'unknown-text' ? d.reason : d.kind;
        info.document = documents.length;
        documents.push(d);
      } catch (e) {
        if ((e as Error)?.name === 'AbortError') throw e;
        diagnostics.push({ level: 'error', code: 'bundle.member', message: `${m.name}: ${(e as Error).message}` });
        info.title = (e as Error).message;
      }
    }
    members.push(info);
  }
  if (!archive.members.length) diagnostics.push({ level: 'error', code: 'bundle.empty', message: `${src.name}: the archive holds no file` });
  if (manifest?.pid !== undefined) for (const d of documents) if (d.kind === 'maps' && d.pid === undefined) d.pid = manifest.pid;
  const set = analyzeTextSet(documents);
  const doc: BundleDoc = {
    kind: 'bundle', version: TEXT_JSON_VERSION, input: { name: src.name, size: src.size }, format: archive.format, manifest, members, documents,
    comparisons: set.comparisons, threadStacks: set.threadStacks, cores: coreInfo, diagnostics,
  };
  return { doc, cores };
}
