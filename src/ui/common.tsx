// Small pieces shared by the views: label chips, a pager, sortable column headers, and the
// census-table kit of the Heap and Leaks sections (filter + sort + "show more" state, toolbar,
// bar chart, stat tiles), block links that open the block explorer, verdict chips.
import { type Accessor, For, type JSX, Show, createContext, createEffect, createMemo, createSignal, on, useContext } from 'solid-js';
import { LABEL_DESCRIPTIONS, type RegionLabel } from '../engine/memmap';
import { csvText } from '../engine/csv';
import type { Table } from '../engine/tables';
import { downloadText } from './download';
import { bytes, num, padHex } from './fmt';

export function LabelChip(props: { label: RegionLabel; title?: string }): JSX.Element {
  return (
    <span class={`chip l-${props.label}`} title={props.title ?? LABEL_DESCRIPTIONS[props.label]}>
      {props.label}
    </span>
  );
}

/** "Rows 1–250 of 3,120 ‹ Prev | Next ›" — for tables too long to render at once. */
export function Pager(props: { page: number; pageSize: number; total: number; onPage: (p: number) => void; what?: string }): JSX.Element {
  const pages = () => Math.max(1, Math.ceil(props.total / props.pageSize));
  const first = () => (props.total === 0 ? 0 : props.page * props.pageSize + 1);
  const last = () => Math.min(props.total, (props.page + 1) * props.pageSize);
  return (
    <div class="pager">
      <span class="muted">
        {props.what ?? 'Rows'} {num(first())}–{num(last())} of {num(props.total)}
      </span>
      <Show when={pages() > 1}>
        <button type="button" class="btn small" disabled={props.page === 0} onClick={() => props.onPage(0)} aria-label="First page">
          «
        </button>
        <button type="button" class="btn small" disabled={props.page === 0} onClick={() => props.onPage(props.page - 1)}>
          ‹ Prev
        </button>
        <span class="muted">
          page {props.page + 1} / {pages()}
        </span>
        <button type="button" class="btn small" disabled={props.page >= pages() - 1} onClick={() => props.onPage(props.page + 1)}>
          Next ›
        </button>
        <button type="button" class="btn small" disabled={props.page >= pages() - 1} onClick={() => props.onPage(pages() - 1)} aria-label="Last page">
          »
        </button>
      </Show>
    </div>
  );
}

export type SortDir = 'ascending' | 'descending';

/**
 * A column header that sorts: a real <button> inside the <th>, so Enter and Space work and
 * focus is visible; the <th> carries aria-sort.
 */
export function SortHeader<K extends string>(props: {
  key: K;
  label: string;
  sortKey: K;
  dir: SortDir;
  onSort: (k: K) => void;
  class?: string;
  title?: string;
}): JSX.Element {
  const active = () => props.sortKey === props.key;
  return (
    <th class={props.class} aria-sort={active() ? props.dir : 'none'} scope="col">
      <button type="button" class="sort" title={props.title ?? `Sort by ${props.label}`} onClick={() => props.onSort(props.key)}>
        {props.label}
        <span class="sort-ind" aria-hidden="true">
          {active() ? (props.dir === 'ascending' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

/**
 * "Choose files…": a real, visible <input type=file multiple> laid over a button-looking label,
 * so the click, the keyboard focus and automation all land on the input itself.
 */
export function FilePicker(props: { label: string; onFiles: (files: File[]) => void; primary?: boolean }): JSX.Element {
  let input!: HTMLInputElement;
  const onChange = () => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    props.onFiles(files);
  };
  return (
    <label class="file-label">
      <span class={`btn ${props.primary ? 'primary' : ''}`} aria-hidden="true">
        {props.label}
      </span>
      <input ref={input} type="file" multiple data-testid="file-input" aria-label={props.label} onChange={onChange} />
    </label>
  );
}

// ---- table state every view shares -----------------------------------------------------

export interface SortState<K extends string> {
  sortKey: Accessor<K>;
  dir: Accessor<SortDir>;
  /** A click on a header: the same key flips the direction, another starts at `firstDir(k)`. */
  onSort: (k: K) => void;
}

/** Which column sorts and which way. */
export function sortState<K extends string>(key: K, dir: SortDir, firstDir: (k: K) => SortDir): SortState<K> {
  const [sortKey, setSortKey] = createSignal<K>(key);
  const [d, setDir] = createSignal<SortDir>(dir);
  return {
    sortKey,
    dir: d,
    onSort: (k) => {
      if (sortKey() === k) setDir(d() === 'ascending' ? 'descending' : 'ascending');
      else {
        setSortKey(() => k);
        setDir(firstDir(k));
      }
    },
  };
}

export interface Paged<R> {
  filtered: Accessor<R[]>;
  shown: Accessor<R[]>;
  more: () => void;
  all: () => void;
}

/** Which rows are expanded (a set, replaced on each change so views react). */
export function openSet<T>(): { open: Accessor<ReadonlySet<T>>; toggle: (x: T) => void; set: (s: ReadonlySet<T>) => void } {
  const [open, setOpen] = createSignal<ReadonlySet<T>>(new Set());
  return {
    open,
    set: setOpen,
    toggle: (x) => {
      const s = new Set(open());
      if (s.has(x)) s.delete(x);
      else s.add(x);
      setOpen(s);
    },
  };
}

/** The first `step` rows of a list, `step` more at a time; back to the first `step` when any of `resetOn` changes. */
export function paged<R>(filtered: Accessor<R[]>, step: number, resetOn: Accessor<unknown>[]): Paged<R> {
  const [limit, setLimit] = createSignal(step);
  createEffect(on(resetOn, () => setLimit(step), { defer: true }));
  const shown = createMemo(() => filtered().slice(0, limit()));
  return { filtered, shown, more: () => setLimit(limit() + step), all: () => setLimit(filtered().length) };
}

// ---- census tables (Heap, Leaks) ----------------------------------------------------

/** Rows shown at first and added by "Show more". */
export const STEP = 50;

/** The sort keys every census table has; tables may add their own (numeric) keys. */
export type BaseSortKey = 'key' | 'count' | 'bytes';

export interface TableState<R, K extends string = BaseSortKey> {
  query: Accessor<string>;
  setQuery: (q: string) => void;
  sortKey: Accessor<K | BaseSortKey>;
  dir: Accessor<SortDir>;
  onSort: (k: K | BaseSortKey) => void;
  total: Accessor<number>;
  filtered: Accessor<R[]>;
  shown: Accessor<R[]>;
  more: () => void;
  all: () => void;
  open: Accessor<ReadonlySet<R>>;
  toggle: (r: R) => void;
}

/**
 * Filter (text; a plain number matches sizes exactly when `exact` is given), sort (by the key,
 * count, bytes, or any numeric `metric`), and "show more".
 */
export function tableState<R extends { count: number; bytes: number }, K extends string = BaseSortKey>(o: {
  rows: () => R[];
  hay: (r: R) => string;
  exact?: (r: R, n: number) => boolean;
  byKey: (a: R, b: R) => number;
  metric?: (r: R, k: K) => number;
}): TableState<R, K> {
  const [query, setQuery] = createSignal('');
  const { sortKey, dir, onSort } = sortState<K | BaseSortKey>('bytes', 'descending', (k) => (k === 'key' ? 'ascending' : 'descending'));
  const rowsOpen = openSet<R>();
  const indexed = createMemo(() => o.rows().map((r) => ({ r, hay: o.hay(r).toLowerCase() })));
  const value = (r: R, k: K | BaseSortKey): number => (k === 'count' ? r.count : k === 'bytes' ? r.bytes : (o.metric?.(r, k as K) ?? 0));
  const filtered = createMemo(() => {
    const q = query().trim().toLowerCase();
    const n = o.exact && /^\d+$/.test(q) ? Number(q) : undefined;
    const list = indexed()
      .filter((x) => !q || (n !== undefined ? o.exact!(x.r, n) : x.hay.includes(q)))
      .map((x) => x.r);
    const k = sortKey();
    const s = dir() === 'ascending' ? 1 : -1;
    list.sort((a, b) => {
      const c = k === 'key' ? o.byKey(a, b) : value(a, k) - value(b, k);
      return c !== 0 ? c * s : b.bytes - a.bytes || b.count - a.count || o.byKey(a, b);
    });
    return list;
  });
  const page = paged(filtered, STEP, [query, sortKey, dir]);
  return {
    query,
    setQuery,
    sortKey,
    dir,
    onSort,
    total: () => o.rows().length,
    ...page,
    open: rowsOpen.open,
    toggle: rowsOpen.toggle,
  };
}

/** What exports are named after and whether they carry the dump's strings (the results page provides it). */
export interface ExportSettings {
  /** File name base: `heaplens-core.1234`. */
  base: string;
  includeStrings: Accessor<boolean>;
}

export const ExportContext = createContext<ExportSettings>();

/** The export settings of the page (string contents redacted when there are none). */
export function useExport(): ExportSettings {
  return useContext(ExportContext) ?? { base: 'heaplens', includeStrings: () => false };
}

/** "CSV": downloads a table (every row the filter keeps, in the order shown) as RFC 4180 CSV. */
export function CsvButton(props: { table: () => Table; testid?: string; title?: string; label?: string }): JSX.Element {
  const ex = useExport();
  return (
    <button
      type="button"
      class="btn small ghost csv-btn"
      data-testid={props.testid}
      title={props.title ?? 'Download this table as CSV (every row the filter keeps, in this order)'}
      onClick={() => {
        const t = props.table();
        downloadText(csvText(t), `${ex.base}-${t.id}.csv`, 'text/csv');
      }}
    >
      {props.label ?? 'CSV'}
    </button>
  );
}

/** A table's filter box (`/` on a row of the table goes to it: habits.ts). */
export function FilterInput(props: { value: string; onInput: (q: string) => void; placeholder: string; label: string; testid?: string }): JSX.Element {
  return <input type="search" class="filter" placeholder={props.placeholder} aria-label={props.label} value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} data-testid={props.testid} />;
}

/** "12 types · 3,400 blocks · 1,234 B", the filter box, and the table's CSV button. */
export function Toolbar<R extends { count: number; bytes: number }>(props: {
  st: { filtered: Accessor<R[]>; total: Accessor<number>; query: Accessor<string>; setQuery: (q: string) => void };
  placeholder: string;
  label: string;
  testid: string;
  what: string;
  csv?: () => Table;
}): JSX.Element {
  const sums = createMemo(() => props.st.filtered().reduce((a, r) => ({ count: a.count + r.count, bytes: a.bytes + r.bytes }), { count: 0, bytes: 0 }));
  return (
    <div class="toolbar">
      <span class="muted small">
        {props.st.query().trim() ? `${num(props.st.filtered().length)} of ${plural(props.st.total(), props.what)}` : plural(props.st.filtered().length, props.what)} ·{' '}
        {plural(sums().count, 'block')} · <ByteLine n={sums().bytes} />
      </span>
      <FilterInput value={props.st.query()} onInput={props.st.setQuery} placeholder={props.placeholder} label={props.label} testid={`${props.testid}-filter`} />
      <Show when={props.csv}>{(t) => <CsvButton table={t()} testid={`${props.testid}-csv`} />}</Show>
    </div>
  );
}

/** "Showing 50 of 120 sizes [Show more] [Show all]". */
export function More<R>(props: { st: Paged<R>; testid: string; what?: string; moreTestid?: string }): JSX.Element {
  return (
    <div class="pager">
      <span class="muted">
        Showing {num(props.st.shown().length)} of {props.what ? plural(props.st.filtered().length, props.what) : num(props.st.filtered().length)}
      </span>
      <Show when={props.st.shown().length < props.st.filtered().length}>
        <button type="button" class="btn small" data-testid={props.moreTestid ?? `${props.testid}-more`} onClick={() => props.st.more()}>
          Show more
        </button>
        <button type="button" class="btn small ghost" onClick={() => props.st.all()}>
          Show all
        </button>
      </Show>
    </div>
  );
}

/** The ▸/▾ toggle of an expandable row. */
export function Disclosure(props: { open: boolean; controls: string; label: string; onToggle: () => void; children: JSX.Element }): JSX.Element {
  return (
    <button type="button" class="disclosure" aria-expanded={props.open} aria-controls={props.controls} aria-label={props.label} onClick={() => props.onToggle()}>
      <span aria-hidden="true">{props.open ? '▾' : '▸'}</span> {props.children}
    </button>
  );
}

export interface ChartBar {
  label: string;
  title: string;
  count: number;
  bytes: number;
}

let chartSeq = 0;

/** Horizontal bars of bytes per group (the largest groups of a census table). */
export function BarChart(props: { bars: ChartBar[]; what: string; of: number; filtered: boolean; testid?: string; title?: string }): JSX.Element {
  const max = () => props.bars.reduce((m, b) => Math.max(m, b.bytes), 0) || 1;
  const total = () => props.bars.reduce((a, b) => a + b.bytes, 0);
  const capId = `chart-cap-${chartSeq++}`;
  return (
    <figure class="heap-chart" data-testid={props.testid ?? 'heap-chart'} aria-labelledby={capId}>
      <figcaption id={capId}>
        {props.title ?? 'Bytes'} by {props.what}
        <span class="muted small">
          {' '}
          — top {num(props.bars.length)} of {num(props.of)}
          {props.filtered ? ' (filtered)' : ''}
        </span>
      </figcaption>
      <Show when={props.bars.length} fallback={<p class="muted small">Nothing to chart.</p>}>
        <ol class="bars">
          <For each={props.bars}>
            {(b) => (
              <li class="bar-row">
                <span class="bar-label" title={b.title}>
                  {b.label}
                </span>
                <span class="bar-track" aria-hidden="true" title={`${b.title}: ${num(b.bytes)} bytes in ${plural(b.count, 'block')}`}>
                  <span class="bar" style={{ width: `${Math.max(0.5, (b.bytes / max()) * 100)}%` }} />
                </span>
                <span class="bar-value num" title={`${num(b.bytes)} bytes in ${plural(b.count, 'block')}`}>
                  {bytes(b.bytes)}
                  <span class="muted"> · {num(b.count)}</span>
                </span>
              </li>
            )}
          </For>
        </ol>
        <p class="muted small chart-foot">
          Value: bytes · blocks. {props.bars.length === 1 ? 'It holds' : `These ${num(props.bars.length)} hold`} {bytes(total())}.
        </p>
      </Show>
    </figure>
  );
}

/** The largest `n` rows by bytes (then count), for a chart. */
export function topByBytes<R extends { bytes: number; count: number }>(rows: R[], n = 15): R[] {
  return [...rows].sort((a, b) => b.bytes - a.bytes || b.count - a.count).slice(0, n);
}

/** A tile of a summary grid: label, big value, a line under it. */
export function Stat(props: { k: string; v: JSX.Element; title?: string; testid?: string; class?: string; children?: JSX.Element }): JSX.Element {
  return (
    <div class={`stat ${props.class ?? ''}`} title={props.title} data-testid={props.testid}>
      <dt>{props.k}</dt>
      <dd>
        <span class="stat-v num">{props.v}</span>
        <Show when={props.children}>
          <span class="stat-sub muted">{props.children}</span>
        </Show>
      </dd>
    </div>
  );
}

/** "1,976 B", or "3,916,816 B (3.74 MiB)" when the short form says more. */
export function ByteLine(props: { n: number }): JSX.Element {
  return (
    <span class="num" title={`${num(props.n)} bytes`}>
      {num(props.n)} B{props.n >= 1024 ? ` (${bytes(props.n)})` : ''}
    </span>
  );
}

/** 1 → "1 heap", 3 → "3 heaps". */
export function plural(n: number, what: string): string {
  return `${num(n)} ${what}${n === 1 ? '' : 's'}`;
}

export function offsetsText(offsets: number[]): string {
  return offsets.map((o) => `+${o}`).join(' ');
}

/** A size for a chart label: exact below 100,000, else short (the bar's title has it exact). */
export function sizeLabel(n: number): string {
  return n < 100_000 ? `${num(n)} B` : bytes(n);
}

/**
 * A tab list (arrow keys, Home, End move between tabs): ids `${prefix}-tab-${key}`, panels
 * `${prefix}-panel-${key}`, test ids `${prefix}-tab-${key}`.
 */
export function Tabs<T extends string>(props: { prefix: string; label: string; tabs: { key: T; label: string; count: number }[]; value: T; onChange: (k: T) => void }): JSX.Element {
  const onKey = (e: KeyboardEvent, i: number) => {
    const n = props.tabs.length;
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : e.key === 'Home' ? -i : e.key === 'End' ? n - 1 - i : 0;
    if (!d) return;
    e.preventDefault();
    const next = props.tabs[(i + d + n) % n];
    props.onChange(next.key);
    document.getElementById(`${props.prefix}-tab-${next.key}`)?.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label={props.label}>
      <For each={props.tabs}>
        {(t, i) => (
          <button
            type="button"
            role="tab"
            id={`${props.prefix}-tab-${t.key}`}
            class="tab"
            aria-selected={props.value === t.key}
            aria-controls={`${props.prefix}-panel-${t.key}`}
            tabindex={props.value === t.key ? 0 : -1}
            data-testid={`${props.prefix}-tab-${t.key}`}
            onClick={() => props.onChange(t.key)}
            onKeyDown={(e) => onKey(e, i())}
          >
            {t.label} <span class="count">{num(t.count)}</span>
          </button>
        )}
      </For>
    </div>
  );
}

// ---- blocks ------------------------------------------------------------------------

/** A heap block's address; clicking it opens the block explorer on it (and "hex" the memory view). */
export function BlockLink(props: { addr: string; ws: number; onOpen: (addr: string) => void; title?: string }): JSX.Element {
  return (
    <span class="addr-link">
      <button
        type="button"
        class="link mono block-link"
        data-block={props.addr}
        title={props.title ?? 'Open this block in the block explorer: who points to it, what it points to, its chain from a root'}
        onClick={() => props.onOpen(props.addr)}
      >
        {padHex(props.addr, props.ws)}
      </button>
      <MemButton addr={props.addr} />
    </span>
  );
}

/** Opens an address in the memory (hex) view; provided by the results page. */
export const MemoryNav = createContext<(addr: string) => void>();

/** A small "hex" button that opens the address in the memory view (nothing where there is no memory view). */
export function MemButton(props: { addr: string | undefined; what?: string }): JSX.Element {
  const open = useContext(MemoryNav);
  return (
    <Show when={open && props.addr}>
      <button
        type="button"
        class="mem-link"
        data-memory={props.addr}
        title={`Open ${props.what ?? props.addr} in the memory view (hex dump, annotated)`}
        aria-label={`Open ${props.what ?? props.addr} in the memory view`}
        onClick={() => open!(props.addr!)}
      >
        hex
      </button>
    </Show>
  );
}

export type Verdict = 'anchored' | 'leaked' | 'indirect';

export const VERDICT_TEXT: Record<Verdict, { label: string; title: string }> = {
  anchored: { label: 'anchored', title: 'Reachable from a root (registers, stacks, module data, other writable memory)' },
  leaked: { label: 'leak top', title: 'Leaked, and no used block points to it: the top of a leak' },
  indirect: { label: 'indirect', title: 'Leaked, but pointed to by leaked blocks (their contents, or a leaked cycle)' },
};

export function VerdictChip(props: { verdict: string; testid?: string }): JSX.Element {
  const v = () => VERDICT_TEXT[props.verdict as Verdict];
  return (
    <span class={`chip v-${props.verdict}`} data-verdict={props.verdict} data-testid={props.testid} title={v()?.title ?? props.verdict}>
      {v()?.label ?? props.verdict}
    </span>
  );
}
