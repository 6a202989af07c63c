// Diff: what grew between two dumps of one process (src/engine/diff.ts on the two analyses'
// JSON documents). The dumps (oldest first; the user picks A and B when there are more than
// two, or swaps them), how they were matched (build-id, pid, command) and any warning; then the
// groups — used blocks by type, size and signature, heap states, leak verdicts and leaked groups,
// bytes by label, changed mappings, vtable counts — as before / after / delta rows sorted by
// growth, new groups marked, bounded (inexact) rows marked; a chart of the largest growth;
// exports (diff JSON, HTML report, CSV per table).
import { For, type JSX, Show, createEffect, createMemo, createSignal, onCleanup, onMount } from 'solid-js';
import type { AnalysisJSON } from '../engine/analyze';
import { type DiffJSON, type DiffRow, diffAnalyses } from '../engine/diff';
import { reportHtml } from '../engine/report-html';
import { DIFF_TABLES, diffRowsTable } from '../engine/tables';
import { BarChart, type ChartBar, CsvButton, ExportContext, More, STEP, SortHeader, Tabs, paged, plural, sortState, FilterInput } from './common';
import { Grid } from './table';
import { downloadText } from './download';
import { bytes, dateTime, num } from './fmt';
import { installTableKeys } from './habits';
import { writeRoute } from './route';
import { TrendPanel } from './TrendPanel';
import { trendAnalyses } from '../engine/trend';

/** One dump of the comparison: its analysis, where it came from, and its files when dropped in this tab. */
export interface DiffEntry {
  json: AnalysisJSON;
  cacheKey: string;
  fromCache: boolean;
  name: string;
  /** The file's date (ms), 0 when unknown. */
  lastModified: number;
  binaries: string[];
  hasFiles: boolean;
}

export interface DiffShown {
  items: DiffEntry[];
  a: number;
  b: number;
}

const TAB_LABELS: Record<string, string> = {
  'heap-types': 'Used by type',
  'heap-sizes': 'Used by size',
  'heap-signatures': 'Used by signature',
  'heap-states': 'Heap states',
  'leak-verdicts': 'Leak verdicts',
  'leak-types': 'Leaked by type',
  'leak-sizes': 'Leaked by size',
  'leak-signatures': 'Leaked by signature',
  labels: 'By label',
  regions: 'Mappings',
  vtables: 'Vtables',
};

/** Tables where every row is shown (a few fixed rows); the others show changed groups by default. */
const ALL_ROWS = new Set(['heap-states', 'leak-verdicts', 'labels']);

const STATUS_TITLE: Record<DiffRow['status'], string> = {
  new: 'Not in the first dump (its list was complete there): a new group',
  gone: 'Not in the second dump (its list was complete there)',
  grew: 'More bytes (or blocks) in the second dump',
  shrank: 'Fewer bytes (or blocks) in the second dump',
  same: 'No change',
};

const signed = (x: number, f: (v: number) => string = num) => (x > 0 ? `+${f(x)}` : x < 0 ? `−${f(-x)}` : '0');

export function DiffView(props: { shown: DiffShown; initialTable?: string; onOpen: (i: number) => void; onNew: () => void }): JSX.Element {
  const items = () => props.shown.items;
  const [a, setA] = createSignal(props.shown.a);
  const [b, setB] = createSignal(props.shown.b);
  const diff = createMemo((): DiffJSON => diffAnalyses(items()[a()].json, items()[b()].json));
  const tables = createMemo(() => DIFF_TABLES.filter((t) => t.rows(diff())));
  const [table, setTable] = createSignal<string>(props.initialTable && DIFF_TABLES.some((t) => t.key === props.initialTable) ? props.initialTable : 'heap-types');
  const current = createMemo(() => tables().find((t) => t.key === table()) ?? tables()[0]);
  const [includeStrings, setIncludeStrings] = createSignal(false);
  const base = () => `heaplens-diff-${items()[a()].name}-${items()[b()].name}`;

  createEffect(() => writeRoute({ kind: 'diff', a: items()[a()].cacheKey, b: items()[b()].cacheKey, table: current()?.key }));

  const swap = () => {
    const x = a();
    setA(b());
    setB(x);
  };
  const exportJSON = () => downloadText(JSON.stringify(diff(), null, 2), `${base()}.json`, 'application/json');
  const exportReport = () =>
    downloadText(
      reportHtml(diff(), { includeStrings: includeStrings(), analyses: [items()[a()].json, items()[b()].json], trend: items().length > 2 ? trendAnalyses(items().map((x) => x.json)) : undefined, generatedAt: new Date().toISOString() }),
      `${base()}-report.html`,
      'text/html',
    );

  let root!: HTMLDivElement;
  onMount(() => onCleanup(installTableKeys(root)));

  const tabList = () =>
    tables().map((t) => {
      const rows = t.rows(diff()) ?? [];
      return { key: t.key, label: TAB_LABELS[t.key] ?? t.title, count: ALL_ROWS.has(t.key) ? rows.length : rows.filter((r) => r.status !== 'same').length };
    });

  return (
    <ExportContext.Provider value={{ base: base(), includeStrings }}>
      <div class="results diff" data-testid="diff" ref={root}>
        <section class="panel summary" aria-labelledby="diff-title">
          <div class="summary-head">
            <h1 id="diff-title" class="file-name" tabindex="-1">
              What grew
            </h1>
            <span class={`badge ${diff().match === 'none' ? 'warn' : ''}`} data-testid="diff-match" title="How the two dumps were matched to one process">
              {diff().match === 'none' ? 'not matched' : `matched by ${diff().match}`}
            </span>
            <span class="spacer" />
            <button type="button" class="btn" data-testid="diff-export-json" onClick={exportJSON} title="Download the diff document (docs/json.md, “The diff document”)">
              Export diff JSON
            </button>
            <button type="button" class="btn" data-testid="diff-export-report" onClick={exportReport} title="Download the diff as one self-contained HTML file (opens offline, loads nothing)">
              Export report
            </button>
            <label class="check" title="The report includes the dumps' string contents (the two summaries' process arguments); off: redacted">
              <input type="checkbox" data-testid="include-strings" checked={includeStrings()} onChange={(e) => setIncludeStrings(e.currentTarget.checked)} /> include string contents
            </label>
            <button type="button" class="btn" data-testid="new-analysis" onClick={() => props.onNew()} title="Back to the start page">
              New analysis
            </button>
          </div>
          <div class="diff-sides">
            <Side which="A (before)" testid="diff-a" items={items()} index={a()} other={b()} onPick={setA} onOpen={props.onOpen} />
            <div class="diff-arrow">
              <button type="button" class="btn small" data-testid="diff-swap" onClick={swap} title="Swap the two dumps (before ↔ after)">
                ⇄ swap
              </button>
            </div>
            <Side which="B (after)" testid="diff-b" items={items()} index={b()} other={a()} onPick={setB} onOpen={props.onOpen} />
          </div>
          <Show when={diff().warnings.length}>
            <ul class="diff-warnings" role="alert" data-testid="diff-warnings">
              <For each={diff().warnings}>{(w) => <li>{w}</li>}</For>
            </ul>
          </Show>
        </section>

        <Show when={items().length > 2}>
          <TrendPanel docs={items().map((x) => x.json)} names={items().map((x) => x.name)} />
        </Show>
        <section class="panel section" aria-labelledby="diff-groups-h">
          <h2 id="diff-groups-h">Groups, before and after</h2>
          <Tabs prefix="diff" label="Diff tables" tabs={tabList()} value={current()?.key ?? ''} onChange={setTable} />
          <Show when={current()} keyed>
            {(t) => <DiffTable key={t.key} title={t.title} rows={t.rows(diff()) ?? []} />}
          </Show>
        </section>
      </div>
    </ExportContext.Provider>
  );
}

function Side(props: { which: string; testid: string; items: DiffEntry[]; index: number; other: number; onPick: (i: number) => void; onOpen: (i: number) => void }): JSX.Element {
  const it = () => props.items[props.index];
  const p = () => it().json.process;
  return (
    <div class="diff-side" data-testid={props.testid}>
      <div class="muted small">{props.which}</div>
      <Show
        when={props.items.length > 2}
        fallback={
          <div class="mono diff-name" data-testid={`${props.testid}-name`} title={it().name}>
            {it().name}
          </div>
        }
      >
        <select class="diff-pick" data-testid={`${props.testid}-pick`} aria-label={`Dump ${props.which}`} value={props.index} onChange={(e) => props.onPick(Number(e.currentTarget.value))}>
          <For each={props.items}>
            {(x, i) => (
              <option value={i()} disabled={i() === props.other}>
                {x.name}
                {x.lastModified ? ` — ${dateTime(x.lastModified)}` : ''}
              </option>
            )}
          </For>
        </select>
      </Show>
      <div class="small">
        {bytes(it().json.input.size)}
        {p().pid !== undefined ? ` · pid ${p().pid}` : ''}
        {p().command ? ` · ${p().command}` : ''}
        {it().lastModified ? ` · ${dateTime(it().lastModified)}` : ''}{' '}
        <Show when={it().fromCache}>
          <span class="badge" data-testid={`${props.testid}-from-cache`} title="This dump's analysis came from this browser's cache">
            from cache
          </span>
        </Show>
      </div>
      <button type="button" class="link small" data-testid={`${props.testid}-open`} onClick={() => props.onOpen(props.index)} title="Show this dump's own results">
        Open its results →
      </button>
    </div>
  );
}

type DiffSort = 'delta' | 'dcount' | 'after' | 'key';

function DiffTable(props: { key: string; title: string; rows: DiffRow[] }): JSX.Element {
  const [changedOnly, setChangedOnly] = createSignal(!ALL_ROWS.has(props.key));
  const [query, setQuery] = createSignal('');
  const { sortKey, dir, onSort } = sortState<DiffSort>('delta', 'descending', (k) => (k === 'key' ? 'ascending' : 'descending'));
  const filtered = createMemo(() => {
    const q = query().trim().toLowerCase();
    const list = props.rows.filter((r) => (!changedOnly() || r.status !== 'same') && (!q || r.label.toLowerCase().includes(q) || r.key.toLowerCase().includes(q)));
    const k = sortKey();
    const s = dir() === 'ascending' ? 1 : -1;
    const v = (r: DiffRow) => (k === 'delta' ? r.delta.bytes : k === 'dcount' ? r.delta.count : (r.b?.bytes ?? r.bAtMost ?? 0));
    return list.sort((x, y) => (k === 'key' ? x.label.localeCompare(y.label, 'en', { numeric: true }) * s : (v(x) - v(y)) * s || y.delta.bytes - x.delta.bytes));
  });
  const page = paged(filtered, STEP, [query, changedOnly, sortKey, dir]);
  const shown = page.shown;
  const chart = createMemo((): ChartBar[] =>
    filtered()
      .filter((r) => r.delta.bytes > 0)
      .sort((x, y) => y.delta.bytes - x.delta.bytes)
      .slice(0, 12)
      .map((r) => ({ label: r.label, title: `${r.label}: ${signed(r.delta.bytes, bytes)}, ${signed(r.delta.count)} (${r.status}${r.exact ? '' : ', bounded'})`, count: r.delta.count, bytes: r.delta.bytes })),
  );
  const amount = (x: DiffRow['a'], atMost?: number) =>
    x ? (
      <>
        <td class="r num">{num(x.count)}</td>
        <td class="r num" title={bytes(x.bytes)}>
          {num(x.bytes)}
        </td>
      </>
    ) : (
      <>
        <td class="r muted" title="Not in that dump's list, which held only the largest groups">
          —
        </td>
        <td class="r num muted" title="Not in that dump's list: at most the smallest listed group's bytes">
          {atMost !== undefined ? `≤ ${num(atMost)}` : '—'}
        </td>
      </>
    );
  return (
    <div class="heap-census" role="tabpanel" id={`diff-panel-${props.key}`} aria-labelledby={`diff-tab-${props.key}`}>
      <div class="heap-tables">
        <div class="toolbar">
          <span class="muted small">
            {plural(filtered().length, 'group')}
            {changedOnly() ? ' that changed' : ''} of {num(props.rows.length)}
          </span>
          <label class="check small">
            <input type="checkbox" data-testid="diff-changed-only" checked={changedOnly()} onChange={(e) => setChangedOnly(e.currentTarget.checked)} /> changed only
          </label>
          <FilterInput value={query()} onInput={setQuery} placeholder="Filter: group" label="Filter the groups" testid="diff-filter" />
          <CsvButton testid="diff-csv" table={() => diffRowsTable(`diff-${props.key}`, props.title, filtered())} />
        </div>
        <Grid
          testid="diff-table"
          class="diff-table"
          caption={`${props.title}: before, after and change, sorted by growth`}
          head={
            <>
              <th scope="col" class="r">
                #
              </th>
              <SortHeader key="key" label="Group" sortKey={sortKey()} dir={dir()} onSort={onSort} />
              <th scope="col" class="r" title="Count in the first dump">
                Before
              </th>
              <th scope="col" class="r" title="Bytes in the first dump">
                bytes
              </th>
              <th scope="col" class="r" title="Count in the second dump">
                After
              </th>
              <SortHeader key="after" label="bytes" sortKey={sortKey()} dir={dir()} onSort={onSort} class="r" title="Sort by bytes in the second dump" />
              <SortHeader key="dcount" label="Δ count" sortKey={sortKey()} dir={dir()} onSort={onSort} class="r" />
              <SortHeader key="delta" label="Δ bytes" sortKey={sortKey()} dir={dir()} onSort={onSort} class="r" />
              <th scope="col">Change</th>
            </>
          }
          rows={shown()}
          cols={9}
          empty={<>{props.rows.length ? 'No group matches.' : 'Nothing to compare.'}</>}
          row={(r, i) => (
            <tr data-testid="diff-row" data-key={r.key} class={`s-${r.status}`}>
              <td class="r num muted">{i() + 1}</td>
              <td class="diff-label" title={r.key}>
                {r.label}
              </td>
              {amount(r.a, r.aAtMost)}
              {amount(r.b, r.bAtMost)}
              <td class="r num" data-testid="diff-dcount">
                {signed(r.delta.count)}
              </td>
              <td class="r num" data-testid="diff-dbytes" title={signed(r.delta.bytes, bytes)}>
                {signed(r.delta.bytes)}
              </td>
              <td>
                <span class={`chip st-${r.status}`} data-testid="diff-status" title={STATUS_TITLE[r.status]}>
                  {r.status}
                </span>
                <Show when={!r.exact}>
                  {' '}
                  <span class="chip st-bound" data-testid="diff-bounded" title="One side was not in a list that held only the largest groups: its value is bounded, not known, so the delta is not exact">
                    bounded
                  </span>
                </Show>
              </td>
            </tr>
          )}
        />
        <More st={page} testid="diff" what="group" />
      </div>
      <BarChart bars={chart()} what="group" of={filtered().filter((r) => r.delta.bytes > 0).length} filtered={query().trim() !== ''} title="Growth in bytes" testid="diff-chart" />
    </div>
  );
}
