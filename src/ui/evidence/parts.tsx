// Shared pieces of the evidence views: the answer line, sortable tables with CSV, and small
// inline-SVG charts (a line chart over time, a stacked bar) coloured by the theme's variables.
import { For, type JSX, Show, createMemo, createSignal } from 'solid-js';
import type { Cell, Table } from '../../engine/tables';
import { CsvButton, SortHeader, type SortDir, sortState, FilterInput } from '../common';
import { Grid } from '../table';
import { bytes, num } from '../fmt';

/** The one sentence a view answers its question with, at its top. */
export function Answer(props: { children: JSX.Element; tone?: 'bad' | 'ok' | 'muted'; testid?: string }): JSX.Element {
  return (
    <p class={`ev-answer ${props.tone ? `ev-${props.tone}` : ''}`} data-testid={props.testid ?? 'evidence-answer'}>
      {props.children}
    </p>
  );
}

/** "Process [pid command ▾]" when a document holds several processes. */
export function ProcessPicker(props: { list: { pid: number; command?: string }[]; pick: number; onPick: (i: number) => void }): JSX.Element {
  return (
    <Show when={props.list.length > 1}>
      <label class="small">
        Process{' '}
        <select value={props.pick} onChange={(e) => props.onPick(Number(e.currentTarget.value))}>
          <For each={props.list}>{(x, i) => <option value={i()}>{`${x.pid}${x.command ? ` ${x.command}` : ''}`}</option>}</For>
        </select>
      </label>
    </Show>
  );
}

export interface Col<R> {
  key: string;
  label: string;
  numeric?: boolean;
  /** The cell's value: what sorts and goes in the CSV. */
  value: (r: R) => Cell;
  /** What the cell shows (default: the value, numbers with separators). */
  render?: (r: R) => JSX.Element;
  title?: string;
}

/** A sortable, filterable table (click a header; the filter matches any cell's text), the rows the filter keeps in a CSV, the first `limit` shown with "show all". */
export function EvTable<R>(props: { id: string; title: string; columns: Col<R>[]; rows: R[]; sort?: string; dir?: SortDir; limit?: number; testid?: string; caption?: JSX.Element }): JSX.Element {
  const { sortKey, dir, onSort } = sortState(props.sort ?? props.columns[0].key, props.dir ?? 'descending', (k) => (props.columns.find((c) => c.key === k)?.numeric ? 'descending' : 'ascending'));
  const [all, setAll] = createSignal(false);
  const [query, setQuery] = createSignal('');
  const sorted = createMemo(() => {
    const c = props.columns.find((x) => x.key === sortKey()) ?? props.columns[0];
    const s = dir() === 'ascending' ? 1 : -1;
    const q = query().trim().toLowerCase();
    const rows = q ? props.rows.filter((r) => props.columns.some((k) => String(k.value(r) ?? '').toLowerCase().includes(q))) : [...props.rows];
    return rows.sort((a, b) => {
      const x = c.value(a);
      const y = c.value(b);
      if (x === y) return 0;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'en', { numeric: true })) * s;
    });
  });
  const limit = () => props.limit ?? 100;
  const shown = createMemo(() => (all() ? sorted() : sorted().slice(0, limit())));
  const table = (): Table => ({ id: props.id, title: props.title, columns: props.columns.map((c) => ({ label: c.label, numeric: c.numeric })), rows: sorted().map((r) => props.columns.map((c) => c.value(r))) });
  return (
    <div class="ev-table" data-testid={props.testid}>
      <div class="toolbar">
        <strong class="small">{props.title}</strong>
        <span class="muted small">{query().trim() ? `${num(sorted().length)} of ${num(props.rows.length)}` : num(props.rows.length)} rows</span>
        <Show when={props.caption}>
          <span class="muted small">{props.caption}</span>
        </Show>
        <span class="spacer" />
        <FilterInput value={query()} onInput={setQuery} placeholder="Filter" label={`Filter ${props.title}`} testid={props.testid ? `${props.testid}-filter` : undefined} />
        <CsvButton table={table} testid={props.testid ? `${props.testid}-csv` : undefined} />
      </div>
      <Grid
        head={<For each={props.columns}>{(c) => <SortHeader key={c.key} label={c.label} sortKey={sortKey()} dir={dir()} onSort={onSort} class={c.numeric ? 'r' : undefined} title={c.title} />}</For>}
        rows={shown()}
        cols={props.columns.length}
        row={(r) => (
          <tr>
            <For each={props.columns}>
              {(c) => {
                const v = c.value(r);
                return <td class={c.numeric ? 'r num' : undefined}>{c.render ? c.render(r) : typeof v === 'number' ? num(v) : v}</td>;
              }}
            </For>
          </tr>
        )}
      />
      <Show when={!all() && sorted().length > limit()}>
        <button type="button" class="btn small" onClick={() => setAll(true)}>
          Show all {num(sorted().length)}
        </button>
      </Show>
    </div>
  );
}

export interface LineSeries {
  label: string;
  /** x in seconds (or sample index), y in the chart's unit. */
  points: { x: number; y: number }[];
  /** CSS class of the line (ev-c1 … ev-c4). */
  cls: string;
}

/** A line chart: the series over a common x axis, the axes' ends labelled; `zero` starts the y axis at 0. */
export function LineChart(props: { series: LineSeries[]; yFormat: (y: number) => string; xFormat: (x: number) => string; title: string; testid?: string; steps?: boolean; height?: number; zero?: boolean }): JSX.Element {
  const W = 720;
  const H = () => props.height ?? 200;
  const L = 86;
  const R = 12;
  const T = 10;
  const B = 26;
  const ext = createMemo(() => {
    const pts = props.series.flatMap((s) => s.points);
    const xs = pts.map((p) => p.x);
    const ys = pts.map((p) => p.y);
    const x0 = Math.min(...xs, 0);
    const x1 = Math.max(...xs, x0 + 1);
    let y0 = props.zero ? Math.min(0, ...ys) : Math.min(...ys);
    let y1 = Math.max(...ys);
    if (!Number.isFinite(y0)) (y0 = 0), (y1 = 1);
    if (y1 === y0) (y0 = y0 - 1), (y1 = y1 + 1);
    return { x0, x1, y0, y1 };
  });
  const px = (x: number) => L + ((x - ext().x0) / (ext().x1 - ext().x0)) * (W - L - R);
  const py = (y: number) => T + (1 - (y - ext().y0) / (ext().y1 - ext().y0)) * (H() - T - B);
  const path = (s: LineSeries) =>
    s.points
      .map((p, i) => {
        if (i === 0 || !props.steps) return `${i ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`;
        return `H${px(p.x).toFixed(1)}V${py(p.y).toFixed(1)}`;
      })
      .join('');
  return (
    <figure class="ev-chart" data-testid={props.testid}>
      <svg viewBox={`0 0 ${W} ${H()}`} role="img" aria-label={props.title} preserveAspectRatio="none" style={{ height: `${H()}px` }}>
        <line class="ev-axis" x1={L} y1={H() - B} x2={W - R} y2={H() - B} />
        <line class="ev-axis" x1={L} y1={T} x2={L} y2={H() - B} />
        <text class="ev-tick" x={L - 6} y={T + 10} text-anchor="end">
          {props.yFormat(ext().y1)}
        </text>
        <text class="ev-tick" x={L - 6} y={H() - B} text-anchor="end">
          {props.yFormat(ext().y0)}
        </text>
        <text class="ev-tick" x={L} y={H() - 8}>
          {props.xFormat(ext().x0)}
        </text>
        <text class="ev-tick" x={W - R} y={H() - 8} text-anchor="end">
          {props.xFormat(ext().x1)}
        </text>
        <For each={props.series}>
          {(s) => (
            <path class={`ev-line ${s.cls}`} d={path(s)}>
              <title>{s.label}</title>
            </path>
          )}
        </For>
      </svg>
      <figcaption class="muted small">
        {props.title}
        <For each={props.series}>
          {(s) => (
            <span class="ev-key">
              <span class={`ev-swatch ${s.cls}`} /> {s.label}
            </span>
          )}
        </For>
      </figcaption>
    </figure>
  );
}

export interface Segment {
  label: string;
  value: number;
  cls: string;
  title?: string;
}

/** One bar split into segments, with a key. */
export function StackedBar(props: { segments: Segment[]; total: number; format: (v: number) => string; testid?: string; label: string }): JSX.Element {
  const segs = () => props.segments.filter((s) => s.value > 0);
  return (
    <figure class="ev-stack" data-testid={props.testid}>
      <div class="ev-stack-bar" role="img" aria-label={props.label}>
        <For each={segs()}>{(s) => <span class={`ev-seg ${s.cls}`} style={{ width: `${(100 * s.value) / Math.max(1, props.total)}%` }} title={`${s.label}: ${props.format(s.value)}${s.title ? ` — ${s.title}` : ''}`} />}</For>
      </div>
      <figcaption class="ev-stack-key small">
        <For each={segs()}>
          {(s) => (
            <span class="ev-key">
              <span class={`ev-swatch ${s.cls}`} /> {s.label} <span class="num">{props.format(s.value)}</span>
            </span>
          )}
        </For>
      </figcaption>
    </figure>
  );
}

/** Seconds as "12 s", "3.5 min", "2.1 h". */
export function span(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export const kibText = (k: number) => bytes(k * 1024);
export const signedBytes = (n: number) => (n > 0 ? '+' : n < 0 ? '−' : '') + bytes(Math.abs(n));
export const signedNum = (n: number) => (n > 0 ? '+' : n < 0 ? '−' : '') + num(Math.abs(n));
