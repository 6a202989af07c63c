// The user's own cache of analyses, in IndexedDB (idb-keyval over a store opened here), keyed by
// input fingerprints. Never leaves the machine. What goes wrong is reported, never fatal:
// - a database left by an older heaplens without this object store is upgraded (a new version
//   with the store); entries of an older document schema are dropped at start-up (checkCache);
// - a quota error when storing makes room by dropping the oldest analyses, then says so, or says
//   that the result is shown but not stored;
// - a database that cannot be opened at all leaves the app working without a cache, and the
//   user can reset it (resetCache).
import { clear, del, get, keys, set, type UseStore } from 'idb-keyval';
import type { AnalysisJSON } from '../engine/analyze';

/** Bumped whenever the stored document changes shape (2: the heap reconstruction; 3: leaks). */
export const CACHE_SCHEMA = 3;

export const DB_NAME = 'heaplens';
export const STORE_NAME = 'analyses';
/** Analyses kept; the oldest go first. */
const KEEP = 20;

export interface RecentEntry {
  key: string;
  name: string;
  size: number;
  binaries: string[];
  savedAt: number;
  /** Characters of the stored JSON (about its bytes). */
  bytes: number;
  /** The document schema it was stored with (absent: before schema 3 was recorded here). */
  schema?: number;
}

interface Stored {
  schema: number;
  json: AnalysisJSON;
}

let dbp: Promise<IDBDatabase> | undefined;
/** What opening the database found, for checkCache. */
let upgradedFrom: number | undefined;

/** Opens the database; one without our object store (an older layout) is upgraded to have it. */
function openDb(): Promise<IDBDatabase> {
  const p = new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE_NAME);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('the database is held open by another heaplens tab in an older version; close that tab'));
    req.onsuccess = () => {
      const d = req.result;
      if (d.objectStoreNames.contains(STORE_NAME)) return resolve(watch(d));
      const from = d.version;
      d.close();
      const up = indexedDB.open(DB_NAME, from + 1);
      up.onupgradeneeded = () => {
        up.result.createObjectStore(STORE_NAME);
        upgradedFrom = from;
      };
      up.onerror = () => reject(up.error);
      up.onblocked = () => reject(new Error('the database is held open by another heaplens tab; close it to upgrade the stored analyses'));
      up.onsuccess = () => resolve(watch(up.result));
    };
  });
  p.catch(() => (dbp = undefined));
  return p;
}

/** Lets another tab (or a reset) upgrade or delete the database: this connection closes. */
function watch(d: IDBDatabase): IDBDatabase {
  d.onversionchange = () => {
    d.close();
    dbp = undefined;
  };
  d.onclose = () => (dbp = undefined);
  return d;
}

/** idb-keyval's store over our own connection (its functions wait for their transactions). */
const store: UseStore = async (mode, callback) => {
  dbp ??= openDb();
  const d = await dbp;
  return callback(d.transaction(STORE_NAME, mode).objectStore(STORE_NAME));
};

const RECENT = 'recent';
const entryKey = (key: string) => `a:${key}`;

export async function loadCached(key: string): Promise<AnalysisJSON | undefined> {
  try {
    const v = (await get(entryKey(key), store)) as Stored | undefined;
    if (!v) return undefined;
    if (v.schema !== CACHE_SCHEMA || !v.json || typeof v.json !== 'object') {
      await forget(key);
      return undefined;
    }
    return v.json;
  } catch {
    return undefined;
  }
}

async function readRecent(): Promise<RecentEntry[]> {
  const r = (await get(RECENT, store)) as RecentEntry[] | undefined;
  return Array.isArray(r) ? r.filter((e) => e && typeof e.key === 'string') : [];
}

export async function listRecent(): Promise<RecentEntry[]> {
  try {
    return await readRecent();
  } catch {
    return [];
  }
}

function isQuota(e: unknown): boolean {
  const name = (e as DOMException)?.name;
  return name === 'QuotaExceededError' || (name === 'UnknownError' && /quota|space/i.test((e as Error)?.message ?? ''));
}

/** What storing an analysis came to: stored or not, and what the user should know. */
export interface SaveOutcome {
  stored: boolean;
  /** Older analyses dropped to make room, or why it was not stored. */
  message?: string;
}

/** Saves an analysis; on a quota error the oldest other analyses go, one at a time, to make room. */
export async function saveCached(key: string, json: AnalysisJSON, binaries: string[]): Promise<SaveOutcome> {
  const bytes = JSON.stringify(json).length;
  const entry: RecentEntry = { key, name: json.input.name, size: json.input.size, binaries, savedAt: Date.now(), bytes, schema: CACHE_SCHEMA };
  const dropped: string[] = [];
  for (;;) {
    try {
      await set(entryKey(key), { schema: CACHE_SCHEMA, json } satisfies Stored, store);
      const recent = (await readRecent()).filter((e) => e.key !== key);
      recent.unshift(entry);
      for (const old of recent.splice(KEEP)) await del(entryKey(old.key), store);
      await set(RECENT, recent, store);
      return dropped.length
        ? { stored: true, message: `The browser's storage quota was reached: ${dropped.length === 1 ? 'the oldest stored analysis' : `the ${dropped.length} oldest stored analyses`} (${dropped.join(', ')}) ${dropped.length === 1 ? 'was' : 'were'} removed to make room for this one.` }
        : { stored: true };
    } catch (e) {
      if (!isQuota(e)) return { stored: false, message: `The analysis could not be stored in this browser: ${(e as Error)?.message ?? e}. It is shown, but will be analyzed again next time.` };
      // Make room: the oldest other analysis goes, then try again.
      let recent: RecentEntry[] = [];
      try {
        recent = (await readRecent()).filter((x) => x.key !== key);
      } catch {
        /* nothing to drop */
      }
      const oldest = recent[recent.length - 1];
      if (!oldest) {
        return {
          stored: false,
          message: `The browser refused to store this analysis: its storage quota for this page is reached${dropped.length ? ` even after removing ${dropped.length} older analyses (${dropped.join(', ')})` : ''}, or the analysis alone is larger than it. The result is shown, but will be analyzed again next time; "Store again" retries, and "Stored analyses" on the start page shows what is kept.`,
        };
      }
      try {
        await forget(oldest.key);
      } catch {
        return { stored: false, message: 'The browser refused to store this analysis (storage quota reached), and older analyses could not be removed to make room. The result is shown, but will be analyzed again next time.' };
      }
      dropped.push(oldest.name);
    }
  }
}

export async function forget(key: string): Promise<void> {
  await del(entryKey(key), store);
  await set(RECENT, (await readRecent()).filter((e) => e.key !== key), store);
}

export async function clearCache(): Promise<void> {
  await clear(store);
}

export interface CacheCheck {
  /** For the user: what was found and done; absent when all was well. */
  message?: string;
  /** Old-schema or unlisted entries removed. */
  dropped: number;
  /** The cache cannot be used at all (the app works without it). */
  unavailable?: boolean;
}

/**
 * At start-up: opens (and if need be upgrades) the database, drops entries stored by an older
 * heaplens (another document schema) and entries the list does not name, and recent entries whose
 * analysis is gone.
 */
export async function checkCache(): Promise<CacheCheck> {
  try {
    const recent = await readRecent();
    const all = new Set((await keys(store)).map(String));
    const keep: RecentEntry[] = [];
    const droppedNames: string[] = [];
    for (const e of recent) {
      if (!all.has(entryKey(e.key))) continue;
      let ok = e.schema === CACHE_SCHEMA;
      if (!ok) {
        // Listed before the schema was recorded in the list: look at the entry itself.
        const v = (await get(entryKey(e.key), store)) as Stored | undefined;
        ok = !!v && v.schema === CACHE_SCHEMA && !!v.json && typeof v.json === 'object';
        if (ok) e.schema = CACHE_SCHEMA;
      }
      if (ok) keep.push(e);
      else {
        await del(entryKey(e.key), store);
        droppedNames.push(e.name);
      }
    }
    const listed = new Set(keep.map((e) => entryKey(e.key)));
    let unlisted = 0;
    for (const k of all) {
      if (k === RECENT || listed.has(k)) continue;
      await del(k, store);
      unlisted++;
    }
    if (droppedNames.length || unlisted || keep.length !== recent.length) await set(RECENT, keep, store);
    const parts: string[] = [];
    if (upgradedFrom !== undefined) parts.push(`The browser held a heaplens database of an older layout (version ${upgradedFrom}); it was upgraded, and what it held cannot be opened.`);
    if (droppedNames.length) parts.push(`${droppedNames.length === 1 ? 'One stored analysis was' : `${droppedNames.length} stored analyses were`} made by an older heaplens and ${droppedNames.length === 1 ? 'was' : 'were'} removed (${droppedNames.join(', ')}); open the files again to analyze them.`);
    upgradedFrom = undefined;
    return { dropped: droppedNames.length + unlisted, ...(parts.length ? { message: parts.join(' ') } : {}) };
  } catch (e) {
    return {
      dropped: 0,
      unavailable: true,
      message: `The browser's store of analyses (IndexedDB) cannot be used: ${(e as Error)?.message ?? e}. Analyses still work, but are not kept; "Reset stored analyses" on the start page deletes and recreates the store.`,
    };
  }
}

/** Deletes the whole database and starts afresh (after an unreadable or stuck store). */
export async function resetCache(): Promise<void> {
  const d = await dbp?.catch(() => undefined);
  d?.close();
  dbp = undefined;
  await new Promise<void>((resolve, reject) => {
    const r = indexedDB.deleteDatabase(DB_NAME);
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
    r.onblocked = () => reject(new Error('another heaplens tab holds the database open; close it and try again'));
  });
}

export interface StorageUsage {
  /** Bytes this origin uses and may use, as the browser estimates them. */
  usage?: number;
  quota?: number;
}

export async function storageUsage(): Promise<StorageUsage> {
  try {
    const e = await navigator.storage?.estimate?.();
    return e ? { usage: e.usage, quota: e.quota } : {};
  } catch {
    return {};
  }
}
