// Small pieces shared by the views: label chips, a pager, sortable column headers.
import { type JSX, Show } from 'solid-js';
import { LABEL_DESCRIPTIONS, type RegionLabel } from '../engine/memmap';
import { num } from './fmt';

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
