// Memory map, like `pmap -x`: totals per label, label filter chips, a text / address filter,
// and the mappings in pages (cores can have thousands).
import { For, type JSX, Show, createEffect, createMemo, createSignal, on } from 'solid-js';
import type { AnalysisJSON, RegionJSON } from '../engine/analyze';
import { LABEL_DESCRIPTIONS, type RegionLabel } from '../engine/memmap';
import { CsvButton, LabelChip, MemButton, Pager, FilterInput } from './common';
import { Grid } from './table';
import { regionsTable, totalsTable } from '../engine/tables';
import { GroupScan } from './ContentView';
import { bytes, kib, num, padHex, parseHexQuery } from './fmt';

const PAGE = 200;

export function MemoryMapView(props: { json: AnalysisJSON; query: string; onQuery: (q: string) => void }): JSX.Element {
  const ws = () => props.json.wordSize;
  const [selected, setSelected] = createSignal<ReadonlySet<RegionLabel>>(new Set());
  const [page, setPage] = createSignal(0);

  const totalSize = createMemo(() => props.json.totals.reduce((a, t) => a + t.size, 0) || 1);
  const toggle = (l: RegionLabel) => {
    const s = new Set(selected());
    if (s.has(l)) s.delete(l);
    else s.add(l);
    setSelected(s);
  };

  /** Labels present in the map, biggest first (counted from the rows, so chips always match them). */
  const labels = createMemo(() => {
    const m = new Map<RegionLabel, { label: RegionLabel; count: number; size: number }>();
    for (const r of props.json.regions) {
      const t = m.get(r.label) ?? { label: r.label, count: 0, size: 0 };
      t.count++;
      t.size += r.size;
      m.set(r.label, t);
    }
    return [...m.values()].sort((a, b) => b.size - a.size);
  });
  const addr = createMemo(() => parseHexQuery(props.query));
  const filtered = createMemo((): RegionJSON[] => {
    const sel = selected();
    const a = addr();
    const q = props.query.trim().toLowerCase();
    return props.json.regions.filter((r) => {
      if (sel.size > 0 && !sel.has(r.label)) return false;
      if (a !== undefined) return BigInt(r.start) <= a && a < BigInt(r.end);
      if (!q) return true;
      return (
        r.label.includes(q) ||
        r.perms.includes(q) ||
        (r.file ?? '').toLowerCase().includes(q) ||
        (r.module ?? '').toLowerCase().includes(q) ||
        (r.detail ?? '').toLowerCase().includes(q) ||
        r.start.includes(q)
      );
    });
  });
  /** When an address is in no mapping: the nearest mapping below it, to say where it falls. */
  const nearest = createMemo(() => {
    const a = addr();
    if (a === undefined || filtered().length > 0) return undefined;
    let best: RegionJSON | undefined;
    for (const r of props.json.regions) if (BigInt(r.start) <= a) best = r;
    return best;
  });
  createEffect(on([filtered], () => setPage(0), { defer: true }));
  const rows = createMemo(() => filtered().slice(page() * PAGE, (page() + 1) * PAGE));

  return (
    <div>
      <Grid
        wrap={false}
        testid="label-totals"
        class="totals"
        caption="Totals per label"
        head={
          <>
            <th scope="col">Label</th>
            <th scope="col" class="r">
              Mappings
            </th>
            <th scope="col" class="r">
              Size
            </th>
            <th scope="col" class="r">
              In core
            </th>
            <th scope="col" class="share-col">
              Share of mapped
            </th>
            <th scope="col">What it is</th>
          </>
        }
        rows={props.json.totals}
        cols={6}
        row={(t) => (
          <tr>
            <td>
              <LabelChip label={t.label} />
            </td>
            <td class="r num">{num(t.count)}</td>
            <td class="r num" title={`${num(t.size)} bytes`}>
              {bytes(t.size)}
            </td>
            <td class="r num" title={`${num(t.inCore)} bytes`}>
              {bytes(t.inCore)}
            </td>
            <td class="share-col">
              <span class="share">
                <span class={`share-bar l-${t.label}`} style={{ width: `${Math.max(0.5, (t.size / totalSize()) * 100)}%` }} />
              </span>
              <span class="num muted small">{((t.size / totalSize()) * 100).toFixed(1)}%</span>
            </td>
            <td class="muted">{LABEL_DESCRIPTIONS[t.label]}</td>
          </tr>
        )}
      />

      <div class="toolbar">
        <div class="chips" role="group" aria-label="Filter by label">
          <button type="button" class="chip-toggle" aria-pressed={selected().size === 0} onClick={() => setSelected(new Set<RegionLabel>())}>
            all
          </button>
          <For each={labels()}>
            {(t) => (
              <button
                type="button"
                class={`chip-toggle l-${t.label}`}
                aria-pressed={selected().has(t.label)}
                title={LABEL_DESCRIPTIONS[t.label]}
                onClick={() => toggle(t.label)}
              >
                {t.label} <span class="count">{num(t.count)}</span>
              </button>
            )}
          </For>
        </div>
        <FilterInput value={props.query} onInput={props.onQuery} placeholder="Filter: path, label, detail — or 0x address" label="Filter mappings by text, or find the mapping holding a 0x address" testid="map-filter" />
        <CsvButton testid="memory-map-csv" table={() => regionsTable(filtered())} />
        <CsvButton testid="label-totals-csv" label="Totals CSV" title="Download the totals per label as CSV" table={() => totalsTable(props.json.totals)} />
      </div>
      <Show when={addr() !== undefined}>
        <p class="hint">
          <Show when={filtered().length > 0} fallback={<>No mapping holds {props.query.trim()}{nearest() ? <> (it lies above the mapping at <span class="mono">{nearest()!.start}</span>–<span class="mono">{nearest()!.end}</span>)</> : ''}.</>}>
            Mapping holding <span class="mono">{props.query.trim()}</span>:
          </Show>{' '}
          <button type="button" class="link" onClick={() => props.onQuery('')}>
            clear
          </button>
        </p>
      </Show>

      <Grid
        testid="memory-map"
        class="map"
        head={
          <>
            <th scope="col">Address</th>
            <th scope="col">End</th>
            <th scope="col" class="r">
              Size KiB
            </th>
            <th scope="col" class="r">
              In core KiB
            </th>
            <th scope="col">Perms</th>
            <th scope="col">Label</th>
            <th scope="col">Detail</th>
            <th scope="col">Mapping</th>
          </>
        }
        rows={rows()}
        cols={8}
        empty="No mapping matches."
        row={(r) => (
          <tr>
            <td class="mono">
              {padHex(r.start, ws())}
              <Show when={r.inCore > 0}>
                <MemButton addr={r.start} what={`the start of this ${r.label} mapping`} />
                <GroupScan scope={{ kind: 'region', start: BigInt(r.start), end: BigInt(r.end) }} what={`this ${r.label} mapping`} />
              </Show>
            </td>
            <td class="mono muted">{padHex(r.end, ws())}</td>
            <td class="r num">{kib(r.size)}</td>
            <td class={`r num ${r.inCore === 0 ? 'muted' : ''}`}>{kib(r.inCore)}</td>
            <td class="mono">{r.perms}</td>
            <td>
              <LabelChip label={r.label} />
            </td>
            <td>{r.detail ?? ''}</td>
            <td class="path" title={r.file ? `${r.file}${r.fileOffset ? ` @ offset ${r.fileOffset}` : ''}` : r.module}>
              {r.file ?? (r.module ? `${r.module} (${r.label})` : '')}
            </td>
          </tr>
        )}
      />
      <Pager page={page()} pageSize={PAGE} total={filtered().length} onPage={setPage} what="Mappings" />
    </div>
  );
}
