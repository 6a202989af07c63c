// Word census: the most frequent word values, each classified — the `hexdump | sort | uniq -c`
// of the seeds, with pointer targets, vtable candidates and symbols. Filter, sort, show more.
import { For, type JSX, Show, createMemo, createSignal } from 'solid-js';
import type { AnalysisJSON, WordJSON } from '../engine/analyze';
import { CsvButton, LabelChip, MemButton, More, SortHeader, paged, sortState, useExport, FilterInput } from './common';
import { Grid } from './table';
import { wordsTable } from '../engine/tables';
import { useViewTab } from './route';
import { num, padHex, wordAsText } from './fmt';

type Kind = 'all' | 'pointers' | 'vtables' | 'other';
type SortKey = 'value' | 'count' | 'target';
const STEP = 100;

const KINDS: { key: Kind; label: string }[] = [
  { key: 'all', label: 'All' },
  { key: 'pointers', label: 'Pointers' },
  { key: 'vtables', label: 'Vtable candidates' },
  { key: 'other', label: 'Not pointers' },
];

interface Row {
  w: WordJSON;
  big: bigint;
  /** "t rodata · vtable for A+0x10" — for sorting and filtering. */
  target: string;
  hay: string;
}

function targetText(w: WordJSON): string {
  const t = w.target;
  if (!t) return '';
  const where = [t.module, t.label, t.module ? undefined : t.detail].filter(Boolean).join(' ');
  return t.symbol ? `${where} · ${t.symbol}` : where;
}

export function CensusView(props: { json: AnalysisJSON; onShowInMap: (addr: string) => void }): JSX.Element {
  const ws = () => props.json.wordSize;
  const words = () => props.json.words;
  const [kind, setKind] = useViewTab<Kind>('census', 'all', ['all', 'pointers', 'vtables', 'other']);
  const ex = useExport();
  const [query, setQuery] = createSignal('');
  const { sortKey, dir, onSort } = sortState<SortKey>('count', 'descending', (k) => (k === 'count' ? 'descending' : 'ascending'));

  const toRows = (list: WordJSON[]): Row[] =>
    list.map((w) => {
      const target = targetText(w);
      const text = w.kind === 'other' ? (wordAsText(w.value, ws()) ?? '') : '';
      return { w, big: BigInt(w.value), target, hay: `${w.value} ${padHex(w.value, ws())} ${target} ${w.target?.mangled ?? ''} ${w.target?.file ?? ''} ${w.kind} ${text}`.toLowerCase() };
    });
  const all = createMemo(() => {
    const c = words();
    return c ? { top: toRows(c.top), pointers: toRows(c.topPointers), vtables: toRows(c.vtableCandidates) } : undefined;
  });
  const base = createMemo((): Row[] => {
    const a = all();
    if (!a) return [];
    switch (kind()) {
      case 'pointers':
        return a.pointers;
      case 'vtables':
        return a.vtables;
      case 'other':
        return a.top.filter((r) => r.w.kind !== 'pointer');
      default:
        return a.top;
    }
  });
  const filtered = createMemo(() => {
    const q = query().trim().toLowerCase();
    const list = q ? base().filter((r) => r.hay.includes(q)) : base().slice();
    const k = sortKey();
    const s = dir() === 'ascending' ? 1 : -1;
    list.sort((a, b) => {
      let c = 0;
      if (k === 'count') c = a.w.count - b.w.count;
      else if (k === 'value') c = a.big < b.big ? -1 : a.big > b.big ? 1 : 0;
      else c = a.target === b.target ? 0 : a.target === '' ? 1 : b.target === '' ? -1 : a.target < b.target ? -1 : 1;
      if (c === 0) c = b.w.count - a.w.count || (a.big < b.big ? -1 : a.big > b.big ? 1 : 0);
      else c *= s;
      return c;
    });
    return list;
  });
  const page = paged(filtered, STEP, [kind, query, sortKey, dir]);
  const shown = page.shown;
  const pct = (n: number) => {
    const w = words();
    return w && w.words > 0 ? ` (${((n / w.words) * 100).toFixed(1)}%)` : '';
  };

  return (
    <Show when={words()} fallback={<p class="muted" data-testid="word-census">No word census in this analysis (only the map was computed).</p>}>
      {(w) => (
        <div>
          <p class="census-summary" data-testid="census-summary">
            <span>
              <b class="num">{num(w().words)}</b> words
            </span>
            <span>
              zero <b class="num">{num(w().zeroWords)}</b>
              {pct(w().zeroWords)}
            </span>
            <span>
              small (&lt;65,536) <b class="num">{num(w().smallWords)}</b>
              {pct(w().smallWords)}
            </span>
            <span>
              pointer words <b class="num">{num(w().pointerWords)}</b>
              {pct(w().pointerWords)}
            </span>
            <span>
              distinct pointers <b class="num">{num(w().distinctPointers)}</b>
            </span>
            <span>
              other <b class="num">{num(w().otherWords)}</b>
              {pct(w().otherWords)}
            </span>
            <span>
              scanned <b class="num">{num(w().bytesScanned)}</b> bytes in {num(w().regionsScanned)} regions
            </span>
            <span>
              <b class="num">{num(w().elapsedMs)}</b> ms on {w().workers} worker{w().workers === 1 ? '' : 's'}
            </span>
          </p>
          <p class="method muted">{w().method}</p>
          <Show when={w().pointersByLabel.length > 0}>
            <p class="by-label">
              <span class="muted">Pointer words by target:</span>
              <For each={w().pointersByLabel}>
                {(l) => (
                  <span class="by-label-item" title={`${num(l.distinct)} distinct values`}>
                    <LabelChip label={l.label} /> <span class="num">{num(l.words)}</span>
                  </span>
                )}
              </For>
            </p>
          </Show>

          <div class="toolbar">
            <div class="segmented" role="radiogroup" aria-label="Kind of values">
              <For each={KINDS}>
                {(k) => (
                  <button
                    type="button"
                    role="radio"
                    aria-checked={kind() === k.key}
                    class="seg"
                    data-testid={`kind-${k.key}`}
                    onClick={() => setKind(k.key)}
                  >
                    {k.label}
                  </button>
                )}
              </For>
            </div>
            <FilterInput value={query()} onInput={setQuery} placeholder="Filter: value, label, module, symbol" label="Filter the census by value, label, module or symbol" testid="census-filter" />
            <CsvButton
              testid="census-csv"
              title="Download these words as CSV (every row the filter keeps); words that read as text are redacted unless “include string contents” is on"
              table={() => wordsTable(`census-${kind()}`, `Word census (${kind()})`, filtered().map((r) => r.w), ws(), { includeStrings: ex.includeStrings() })}
            />
          </div>

          <Grid
            testid="word-census"
            class="census"
            head={
              <>
                <th scope="col" class="r">
                  #
                </th>
                <SortHeader key="value" label="Value" sortKey={sortKey()} dir={dir()} onSort={onSort} />
                <SortHeader key="count" label="Count" sortKey={sortKey()} dir={dir()} onSort={onSort} class="r" />
                <th scope="col">Kind</th>
                <SortHeader key="target" label="Points to" sortKey={sortKey()} dir={dir()} onSort={onSort} />
              </>
            }
            rows={shown()}
            cols={5}
            empty="No value matches."
            row={(r, i) => (
              <tr>
                <td class="r num muted">{i() + 1}</td>
                <td class="mono">
                  <Show when={r.w.target} fallback={padHex(r.w.value, ws())}>
                    <button type="button" class="link mono" title="Show the mapping holding this address" onClick={() => props.onShowInMap(r.w.value)}>
                      {padHex(r.w.value, ws())}
                    </button>
                    <MemButton addr={r.w.value} />
                  </Show>
                </td>
                <td class="r num" title={r.w.approx ? `at most +${num(r.w.maxError ?? 0)}` : undefined}>
                  {r.w.approx ? '≥ ' : ''}
                  {num(r.w.count)}
                </td>
                <td>
                  {r.w.kind}
                  <Show when={r.w.vtableCandidate}>
                    {' '}
                    <span class="tag" title="Word-aligned pointer into a module's read-only data: a vtable (or typeinfo / string) candidate">
                      vtable?
                    </span>
                  </Show>
                </td>
                <td class="target">
                  <Show
                    when={r.w.target}
                    fallback={
                      <Show when={r.w.kind === 'other' && wordAsText(r.w.value, ws())}>
                        {(t) => <span class="muted" title="the word's bytes in memory order, as text">text “{t()}”</span>}
                      </Show>
                    }
                  >
                    {(t) => (
                      <>
                        <Show when={t().module}>
                          <span class="module">{t().module}</span>{' '}
                        </Show>
                        <LabelChip label={t().label} />
                        <Show when={!t().module && t().detail}>
                          {' '}
                          <span class="muted">{t().detail}</span>
                        </Show>
                        <Show when={t().symbol}>
                          {' · '}
                          <span class="sym" title={t().mangled}>
                            {t().symbol}
                          </span>
                        </Show>
                      </>
                    )}
                  </Show>
                </td>
              </tr>
            )}
          />
          <More st={page} testid="word-census" moreTestid="show-more" />
        </div>
      )}
    </Show>
  );
}
