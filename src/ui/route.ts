// The URL's hash names what is on screen, so a reload (or a bookmark in this browser) comes back
// to it from the cache: `#a=<cache key>&s=<section>&heap=sizes&leaks=types&census=pointer&block=0x…&mem=0x…`
// for an analysis, `#d=<key A>,<key B>&t=<table>` for a diff, `#e=<id>[,<id>]` for text evidence. Only cache keys (fingerprints)
// and addresses go in it — never file contents.
import { createContext, createSignal, useContext, type Accessor } from 'solid-js';

export interface ViewState {
  /** Section id (`sec-heap`). */
  section?: string;
  /** Tabs of the views by name (`heap`, `leaks`, `census`). */
  tabs: Record<string, string>;
  /** Block open in the block explorer. */
  block?: string;
  /** Address at the memory view's cursor. */
  mem?: string;
}

export type Route =
  | { kind: 'start' }
  | { kind: 'analysis'; key: string; view: ViewState }
  | { kind: 'diff'; a: string; b: string; table?: string }
  /** Text evidence open: one item, or two of a kind compared, or several memory maps (ids are content fingerprints). */
  | { kind: 'evidence'; ids: string[] };

const TAB_NAMES = ['heap', 'leaks', 'census', 'content'];
const HEX = /^0x[0-9a-f]{1,16}$/i;

export function parseHash(hash: string): Route {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const a = p.get('a');
  if (a) {
    const tabs: Record<string, string> = {};
    for (const t of TAB_NAMES) {
      const v = p.get(t);
      if (v && /^[a-z-]{1,20}$/.test(v)) tabs[t] = v;
    }
    const s = p.get('s');
    const block = p.get('block');
    const mem = p.get('mem');
    return {
      kind: 'analysis', key: a,
      view: { tabs, ...(s && /^sec-[a-z]+$/.test(s) ? { section: s } : {}), ...(block && HEX.test(block) ? { block } : {}), ...(mem && HEX.test(mem) ? { mem } : {}) },
    };
  }
  const d = p.get('d');
  if (d) {
    const [x, y] = d.split(',');
    const t = p.get('t');
    if (x && y) return { kind: 'diff', a: x, b: y, ...(t && /^[a-z-]{1,30}$/.test(t) ? { table: t } : {}) };
  }
  const e = p.get('e');
  if (e !== null) return { kind: 'evidence', ids: e.split(',').filter((x) => /^[0-9a-f]{16}b?$/.test(x)).slice(0, 16) };
  return { kind: 'start' };
}

export function hashOf(r: Route): string {
  const p = new URLSearchParams();
  if (r.kind === 'analysis') {
    p.set('a', r.key);
    if (r.view.section) p.set('s', r.view.section);
    for (const t of TAB_NAMES) if (r.view.tabs[t]) p.set(t, r.view.tabs[t]);
    if (r.view.block) p.set('block', r.view.block);
    if (r.view.mem) p.set('mem', r.view.mem);
  } else if (r.kind === 'diff') {
    p.set('d', `${r.a},${r.b}`);
    if (r.table) p.set('t', r.table);
  } else if (r.kind === 'evidence') p.set('e', r.ids.join(','));
  const s = p.toString();
  return s ? '#' + s : '';
}

let lastWritten = typeof location !== 'undefined' ? location.hash : '';

/** Puts the route in the URL without a new history entry. */
export function writeRoute(r: Route): void {
  const h = hashOf(r);
  if (h === lastWritten || (h === '' && location.hash === '')) return;
  lastWritten = h;
  history.replaceState(history.state, '', location.pathname + location.search + h);
}

/** Whether the hash was changed by someone else (typed, pasted, a link) since we last wrote it. */
export function hashChangedOutside(): boolean {
  return location.hash !== lastWritten && !(location.hash === '' && lastWritten === '#');
}

export function noteHash(): void {
  lastWritten = location.hash;
}

/** Tabs of the views, shared with the results page so they go in the URL. */
export interface ViewTabs {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
}

export const ViewTabsContext = createContext<ViewTabs>();

/** A view's tab: kept in the results page's state (and the URL) when there is one, else local. */
export function useViewTab<T extends string>(name: string, fallback: T, allowed?: readonly T[]): [Accessor<T>, (v: T) => void] {
  const ctx = useContext(ViewTabsContext);
  if (!ctx) return createSignal<T>(fallback);
  const get = () => {
    const v = ctx.get(name) as T | undefined;
    return v !== undefined && (!allowed || allowed.includes(v)) ? v : fallback;
  };
  return [get, (v: T) => ctx.set(name, v)];
}
