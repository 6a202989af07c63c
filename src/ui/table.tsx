// The table kit the views share: `Grid` (the scrolling wrapper, a `table.grid` with its caption,
// head, a body row per item — with an expandable detail row below it when asked — and the "nothing
// here" line) and `CensusTable` (a Grid over `tableState`: the toolbar with filter and CSV, a "#"
// column that doubles as the row's disclosure, the "show more / show all" footer). The keyboard
// habits (habits.ts) work on any `table.grid` body row, so every table built here has them.
import { type Accessor, For, type JSX, Show } from 'solid-js';
import type { Table } from '../engine/tables';
import { BlockLink, CsvButton, Disclosure, More, type TableState, Toolbar, offsetsText } from './common';
import { bytes, num } from './fmt';

let uid = 0;

export interface Detail<R> {
  /** Whether the row is expanded. */
  open: (r: R) => boolean;
  /** What the detail row shows. */
  body: (r: R, i: Accessor<number>) => JSX.Element;
}

/**
 * A data table: `<div class="table-wrap"><table class="grid …">` with an optional sr-only caption,
 * the head row's cells (or whole head rows), one body row per item (`row` gives the `<tr>`), and when the list is empty
 * (and `empty` is given) one row with one cell across all `cols` saying so. With `detail`, an expanded row is followed by a
 * `tr.detail-row` whose single cell (id `detailId(i)`) holds the detail.
 */
export function Grid<R>(props: {
  testid?: string;
  class?: string;
  caption?: string;
  /** The head row's cells. */
  head?: JSX.Element;
  /** Several head rows instead (whole `<tr>`s: grouped column heads). */
  headRows?: JSX.Element;
  /** A `<tfoot>`'s rows (totals). */
  foot?: JSX.Element;
  rows: R[];
  cols: number;
  /** Said in one cell across the table when there is no row (no such row when undefined). */
  empty?: JSX.Element;
  row: (r: R, i: Accessor<number>, detailId: string) => JSX.Element;
  detail?: Detail<R>;
  /** The detail row's class (default `detail-row`, which the table keys pass over). */
  detailClass?: string;
  /** Wrap the table in `div.table-wrap` (default true). */
  wrap?: boolean;
}): JSX.Element {
  const base = `grid${uid++}`;
  const table = (
    <table class={`grid${props.class ? ` ${props.class}` : ''}`} data-testid={props.testid}>
      <Show when={props.caption}>
        <caption class="sr-only">{props.caption}</caption>
      </Show>
      <thead>{props.headRows ?? <tr>{props.head}</tr>}</thead>
      <tbody>
        <For
          each={props.rows}
          fallback={
            props.empty === undefined ? undefined : (
              <tr>
                <td colSpan={props.cols} class="muted">
                  {props.empty}
                </td>
              </tr>
            )
          }
        >
          {(r, i) => {
            const id = `${base}-${i()}`;
            const d = props.detail;
            if (!d) return props.row(r, i, id);
            return (
              <>
                {props.row(r, i, id)}
                <Show when={d.open(r)}>
                  <tr class={props.detailClass ?? 'detail-row'}>
                    <td colSpan={props.cols} id={id}>
                      {d.body(r, i)}
                    </td>
                  </tr>
                </Show>
              </>
            );
          }}
        </For>
      </tbody>
      <Show when={props.foot}>
        <tfoot>{props.foot}</tfoot>
      </Show>
    </table>
  );
  return props.wrap === false ? table : <div class="table-wrap">{table}</div>;
}

/**
 * A census table of the Heap and Leaks sections over `tableState`: the toolbar (counts, filter,
 * CSV), a Grid whose first column is the row's place — the disclosure of its detail row when
 * `detail` is given — and the "Showing N of M [Show more] [Show all]" footer.
 */
export function CensusTable<R extends { count: number; bytes: number }, K extends string>(props: {
  st: TableState<R, K>;
  testid: string;
  /** Classes after `grid heap-census-table`. */
  class: string;
  caption: string;
  /** What a row is ("type", "size"): the toolbar's and footer's counts. */
  what: string;
  placeholder: string;
  label: string;
  csv: () => Table;
  /** The head cells after "#". */
  head: JSX.Element;
  cols: number;
  /** Said when there is no row at all (a filter that keeps none says "No <what> matches."). */
  empty: string;
  /** The body cells after the first; `id` is the detail cell's id, `open` whether it is shown. */
  cells: (r: R, x: { id: string; open: () => boolean }) => JSX.Element;
  /** The disclosure's label, and the detail row's contents. */
  detail?: { label: (r: R, open: boolean) => string; body: (r: R) => JSX.Element };
}): JSX.Element {
  const st = props.st;
  return (
    <>
      <Toolbar st={st} what={props.what} testid={props.testid} csv={props.csv} placeholder={props.placeholder} label={props.label} />
      <Grid
        testid={props.testid}
        class={`heap-census-table ${props.class}`}
        caption={props.caption}
        head={
          <>
            <th scope="col" class="r">
              #
            </th>
            {props.head}
          </>
        }
        rows={st.shown()}
        cols={props.cols}
        empty={st.total() ? `No ${props.what} matches.` : props.empty}
        detail={props.detail ? { open: (r) => st.open().has(r), body: (r) => props.detail!.body(r) } : undefined}
        row={(r, i, id) => {
          const dt = props.detail;
          if (!dt)
            return (
              <tr>
                <td class="r num muted">{i() + 1}</td>
                {props.cells(r, { id, open: () => false })}
              </tr>
            );
          const isOpen = () => st.open().has(r);
          return (
            <tr class={isOpen() ? 'expanded' : ''}>
              <td class="r">
                <Disclosure open={isOpen()} controls={id} label={dt.label(r, isOpen())} onToggle={() => st.toggle(r)}>
                  <span class="num muted">{i() + 1}</span>
                </Disclosure>
              </td>
              {props.cells(r, { id, open: isOpen })}
            </tr>
          );
        }}
      />
      <More st={st} testid={props.testid} what={props.what} />
    </>
  );
}

// ---- cells the census tables share ----------------------------------------------------

/** Pointer offsets shown in a row before "+N more". */
export const OFFSETS_SHOWN = 6;

/** The count and bytes cells of a census row (bytes short in the title). */
export function CountBytes(props: { r: { count: number; bytes: number } }): JSX.Element {
  return (
    <>
      <td class="r num">{num(props.r.count)}</td>
      <td class="r num" title={bytes(props.r.bytes)}>
        {num(props.r.bytes)}
      </td>
    </>
  );
}

/** A signature's pointer offsets: the first few, "+N more", or "no pointers". */
export function OffsetsCell(props: { offsets: number[] }): JSX.Element {
  return (
    <td class="mono offsets" title={offsetsText(props.offsets)}>
      <Show when={props.offsets.length} fallback={<span class="muted">no pointers</span>}>
        {offsetsText(props.offsets.slice(0, OFFSETS_SHOWN))}
        <Show when={props.offsets.length > OFFSETS_SHOWN}>
          {' '}
          <span class="more-n">+{props.offsets.length - OFFSETS_SHOWN} more</span>
        </Show>
      </Show>
    </td>
  );
}

/** Example block addresses in a row, each opening the block explorer. */
export function InlineExamples(props: { list: string[]; ws: number; onOpenBlock: (addr: string) => void }): JSX.Element {
  return (
    <span class="examples-inline">
      <For each={props.list}>{(a) => <BlockLink addr={a} ws={props.ws} onOpen={props.onOpenBlock} />}</For>
    </span>
  );
}

/** A table's toolbar with a line of counts and its CSV button. */
export function TableBar(props: { children: JSX.Element; csv: () => Table; testid?: string; title?: string }): JSX.Element {
  return (
    <div class="toolbar">
      <span class="muted small">{props.children}</span>
      <CsvButton testid={props.testid} table={props.csv} title={props.title} />
    </div>
  );
}
