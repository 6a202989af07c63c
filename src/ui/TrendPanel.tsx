// Across all the dumps of a comparison (three or more, oldest first): src/engine/trend.ts follows
// every group from dump to dump and names its pattern — steady growth (a leak), grew then flat
// (a cache filling up), new, shrank. Findings in sentences first, then a table per grouping with
// each dump's count and bytes, a sparkline of the bytes, the pattern, and a CSV export.
import { For, type JSX, Show, createMemo, createSignal } from 'solid-js';
import type { AnalysisJSON } from '../engine/analyze';
import { TREND_TABLES, type Table, trendRowsTable } from '../engine/tables';
import { type TrendJSON, type TrendPattern, type TrendRow, sparkPoints, trendAnalyses } from '../engine/trend';
import { CsvButton, Tabs } from './common';
import { Grid } from './table';
import { bytes, num } from './fmt';

const PATTERN_TITLE: Record<TrendPattern, string> = {
  steady: 'Grew at every step: how a leak looks',
  plateau: 'Grew, then stayed flat: a cache or a pool filling up rather than a leak',
  grew: 'More at the end than at the start, but not at every step',
  new: 'Not in the first dump (its list was complete there)',
  gone: 'Not in the last dump (its list was complete there)',
  shrank: 'Fewer bytes at the end than at the start',
  same: 'No change',
  unknown: 'A dump lists only the largest groups and this one was not among them: no pattern',
};

const FILTERS: { key: 'moving' | 'steady' | 'all'; label: string }[] = [
  { key: 'moving', label: 'changed' },
  { key: 'steady', label: 'steady growth only' },
  { key: 'all', label: 'all' },
];

/** Bytes of each dump as a small line; bounded points are drawn hollow at their bound. */
function Sparkline(props: { row: TrendRow }): JSX.Element {
  const W = 96;
  const H = 22;
  const pts = () => sparkPoints(props.row, W, H);
  return (
    <svg class={`spark spark-${props.row.pattern}`} width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`bytes per dump: ${pts().map((p) => bytes(p.bytes)).join(', ')}`}>
      <polyline fill="none" stroke="currentColor" stroke-width="1.5" points={pts().map((p) => `${p.x},${p.y}`).join(' ')} />
      <For each={pts()}>{(p) => <circle cx={p.x} cy={p.y} r="2.2" fill={p.bounded ? 'none' : 'currentColor'} stroke="currentColor" />}</For>
    </svg>
  );
}

/**
 * One trend table: a filter (changed / steady growth only / all), CSV, each point's count with its
 * bytes in the tooltip, a sparkline of the bytes, Δ bytes and the pattern. `what` names a point
 * ("Dump", "Profile"), `unit` what is counted ("blocks", "objects"), `label` the row column.
 */
export function TrendTable(props: { rows: TrendRow[]; points: number; what: string; unit: string; label: string; testid: string; csv: (rows: TrendRow[]) => Table }): JSX.Element {
  const [filter, setFilter] = createSignal<'moving' | 'steady' | 'all'>('moving');
  const rows = createMemo(() => {
    const f = filter();
    return f === 'all' ? props.rows : f === 'steady' ? props.rows.filter((r) => r.pattern === 'steady') : props.rows.filter((r) => r.pattern !== 'same');
  });
  const [limit, setLimit] = createSignal(50);
  return (
    <>
      <div class="toolbar">
        <label>
          Show{' '}
          <select data-testid={`${props.testid}-filter`} value={filter()} onChange={(e) => setFilter(e.currentTarget.value as 'moving' | 'steady' | 'all')}>
            <For each={FILTERS}>{(f) => <option value={f.key}>{f.label}</option>}</For>
          </select>
        </label>
        <span class="spacer" />
        <CsvButton testid={`${props.testid}-csv`} table={() => props.csv(rows())} />
      </div>
      <Grid
        testid={`${props.testid}-table`}
        class="diff-table"
        head={
          <>
            <th scope="col">{props.label}</th>
            <For each={Array.from({ length: props.points })}>{(_, i) => <th scope="col" class="r">{props.what} {i() + 1}</th>}</For>
            <th scope="col" title={`Bytes in each ${props.what.toLowerCase()}`}>Bytes</th>
            <th scope="col" class="r">Δ bytes</th>
            <th scope="col">Pattern</th>
          </>
        }
        rows={rows().slice(0, limit())}
        cols={props.points + 4}
        row={(r) => (
          <tr data-testid={`${props.testid}-row`} data-pattern={r.pattern}>
            <td class="diff-label">{r.label}</td>
            <For each={r.points}>
              {(p) => (
                <td class="r num" title={'atMost' in p ? `not listed in this ${props.what.toLowerCase()}: at most this many bytes` : `${num(p.count)} ${props.unit}, ${bytes(p.bytes)}`}>
                  {'atMost' in p ? `≤ ${bytes(p.atMost)}` : num(p.count)}
                </td>
              )}
            </For>
            <td>
              <Sparkline row={r} />
            </td>
            <td class="r num">{r.delta ? `${r.delta.bytes > 0 ? '+' : r.delta.bytes < 0 ? '−' : ''}${bytes(Math.abs(r.delta.bytes))}` : '?'}</td>
            <td>
              <span class={`badge ${r.pattern === 'steady' ? 'bad' : r.pattern === 'plateau' ? 'warn' : ''}`} title={PATTERN_TITLE[r.pattern]}>
                {r.pattern}
              </span>
            </td>
          </tr>
        )}
      />
      <Show when={rows().length > limit()}>
        <button type="button" class="btn small" onClick={() => setLimit(limit() + 200)}>
          Show more ({num(rows().length - limit())} left)
        </button>
      </Show>
    </>
  );
}

export function TrendPanel(props: { docs: AnalysisJSON[]; names: string[] }): JSX.Element {
  const trend = createMemo((): TrendJSON | { error: string } => {
    try {
      return trendAnalyses(props.docs);
    } catch (e) {
      return { error: (e as Error).message };
    }
  });
  const ok = () => {
    const t = trend();
    return 'error' in t ? undefined : t;
  };
  const tabs = createMemo(() => {
    const t = ok();
    return t ? TREND_TABLES.filter((x) => t.tables[x.table]) : [];
  });
  const [tab, setTab] = createSignal('heap-types');
  const current = () => tabs().find((x) => x.key === tab()) ?? tabs()[0];
  return (
    <section class="panel section" aria-labelledby="trend-h" data-testid="trend">
      <h2 id="trend-h">Across all {props.docs.length} dumps</h2>
      <Show when={ok()} fallback={<p role="alert">{(trend() as { error: string }).error}</p>}>
        {(t) => (
          <>
            <p class="muted small">
              In the order taken: {props.names.map((n, i) => `${i + 1}. ${n}`).join(' · ')}. A leak grows at every step; a cache grows and then stays flat — two dumps cannot tell them apart, three can.
            </p>
            <Show when={t().warnings.length}>
              <ul class="diff-warnings" role="alert">
                <For each={t().warnings}>{(w) => <li>{w}</li>}</For>
              </ul>
            </Show>
            <ul class="trend-findings" data-testid="trend-findings">
              <For each={t().findings}>{(f) => <li>{f}</li>}</For>
            </ul>
            <Tabs prefix="trend" label="Trend tables" tabs={tabs().map((x) => ({ key: x.key, label: x.title, count: (t().tables[x.table] ?? []).filter((r) => r.pattern !== 'same').length }))} value={current()?.key ?? ''} onChange={setTab} />
            <Show when={current()}>
              {(c) => <TrendTable rows={t().tables[c().table] ?? []} points={props.docs.length} what="Dump" unit="blocks" label="Group" testid="trend" csv={(rows) => trendRowsTable(`trend-${c().key}`, c().title, rows, props.docs.length)} />}
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}
