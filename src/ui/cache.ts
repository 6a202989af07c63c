// The user's own cache of analyses, in IndexedDB (idb-keyval), keyed by input fingerprints.
// Never leaves the machine. Quota errors and unreadable entries are reported, not fatal.
import { clear, createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { AnalysisJSON } from '../engine/analyze';

/** Bumped whenever the stored document changes shape (2: the heap reconstruction; 3: leaks). */
export const CACHE_SCHEMA = 3;

export interface RecentEntry {
  key: string;
  name: string;
  size: number;
  binaries: string[];
  savedAt: number;
  bytes: number;
}

interface Stored {
  schema: number;
  json: AnalysisJSON;
}

let store: UseStore | undefined;
const db = () => (store ??= createStore('heaplens', 'analyses'));
const RECENT = 'recent';

export async function loadCached(key: string): Promise<AnalysisJSON | undefined> {
  try {
    const v = (await get(`a:${key}`, db())) as Stored | undefined;
    if (!v) return undefined;
    if (v.schema !== CACHE_SCHEMA || !v.json || typeof v.json !== 'object') {
      await del(`a:${key}`, db());
      return undefined;
    }
    return v.json;
  } catch {
    return undefined;
  }
}

export async function listRecent(): Promise<RecentEntry[]> {
  try {
    const r = (await get(RECENT, db())) as RecentEntry[] | undefined;
    return Array.isArray(r) ? r : [];
  } catch {
    return [];
  }
}

/** Saves an analysis; returns a message when the browser refused (quota), undefined on success. */
export async function saveCached(key: string, json: AnalysisJSON, binaries: string[]): Promise<string | undefined> {
  const text = JSON.stringify(json);
  try {
    await set(`a:${key}`, { schema: CACHE_SCHEMA, json } satisfies Stored, db());
    const recent = (await listRecent()).filter((e) => e.key !== key);
    recent.unshift({ key, name: json.input.name, size: json.input.size, binaries, savedAt: Date.now(), bytes: text.length });
    for (const old of recent.splice(20)) await del(`a:${old.key}`, db());
    await set(RECENT, recent, db());
    return undefined;
  } catch (e) {
    const name = (e as DOMException)?.name;
    return name === 'QuotaExceededError'
      ? 'The browser refused to store this analysis (storage quota reached). The result is shown but will not open instantly next time; clear old analyses to make room.'
      : `The analysis could not be cached: ${(e as Error)?.message ?? e}`;
  }
}

export async function forget(key: string): Promise<void> {
  await del(`a:${key}`, db());
  await set(RECENT, (await listRecent()).filter((e) => e.key !== key), db());
}

export async function clearCache(): Promise<void> {
  await clear(db());
}
