// Leaks: reachability from the roots — how much is leaked (leak tops vs indirect) against what
// is anchored, the leaked blocks by type, size and signature (filterable, sortable, charted),
// and what the leak tops point to. And the block explorer: one block's verdict, its shortest
// chain from a root, who points to it and what it points to, asked of the workers that still
// hold the reference graph (a fresh analysis only), with back/forward history.
import { type Table, leakSignaturesTable, leakSizesTable, leakTypesTable } from '../engine/tables';
import { useViewTab } from './route';
import { For, type JSX, Show, createEffect, createMemo, createSignal, on, onCleanup, onMount, useContext } from 'solid-js';
import type { AnalysisJSON, LeaksJSON } from '../engine/analyze';
import type { BlockReport } from '../engine/leaks';
import type { BlockExplorer } from './session';
import {
  BarChart,
  BlockLink,
  ByteLine,
  type ChartBar,
  MemoryNav,
  SortHeader,
  Stat,
  type TableState,
  Tabs,
  VerdictChip,
  offsetsText,
  plural,
  sizeLabel,
  tableState,
  topByBytes,
} from './common';
import { bytes, errorMessage, num, padHex, parseHexQuery } from './fmt';
import { GroupScan } from './ContentView';
import { CensusTable, CountBytes, InlineExamples, OffsetsCell, Grid } from './table';

type TypeRow = LeaksJSON['byType'][number];
type SizeRow = LeaksJSON['bySize'][number];
type SigRow = LeaksJSON['bySignature'][number];
type Shape = LeaksJSON['shapes'][number];
type Tab = 'types' | 'sizes' | 'sigs';
type LeakKey = 'tops' | 'indirect';
type GroupRow = { count: number; bytes: number; unreferenced: number; indirect: number; examples: string[] };

const ROOT_KINDS: Record<string, string> = {
  register: 'registers of the threads',
  stack: 'thread stacks, from the stack pointer up',
  data: 'modules’ writable data',
  bss: 'modules’ .bss',
  anon: 'other writable memory (anonymous mappings, TLS)',
};

/** Normalized hex ("0x" + lower case, no padding), the form addresses are compared in. */
export function normHex(a: string | bigint): string {
  return '0x' + (typeof a === 'bigint' ? a : BigInt(a)).toString(16);
}

export function LeaksView(props: { json: AnalysisJSON; onOpenBlock: (addr: string) => void; onShowDiagnostics: () => void }): JSX.Element {
  const heapFound = () => !!props.json.heap?.found;
  const edgesFull = createMemo(() => props.json.diagnostics.find((d) => d.code === 'leaks.edges-full'));
  // Not computed, and why: too many blocks, or a raw memory dump (no roots).
  const skipped = createMemo(() => props.json.diagnostics.find((d) => d.code === 'leaks.skipped' || d.code === 'raw.no-leaks'));
  return (
    <Show
      when={props.json.leaks}
      fallback={
        <p class="heap-note" data-testid="leaks">
          <Show when={!skipped()} fallback={<><b>No leak analysis:</b> {skipped()!.message}.</>}>
          <Show
            when={heapFound() && props.json.heap!.used.count > 0}
            fallback={
              <Show
                when={heapFound()}
                fallback={
                  <>
                    <b>No leak analysis:</b> leaks are found by reachability between the used blocks of the glibc malloc heap, and this analysis has no heap
                    {props.json.heap ? ' (none was found: see the Heap section)' : ''}.{' '}
                    <button type="button" class="link" onClick={() => props.onShowDiagnostics()}>
                      See Diagnostics
                    </button>{' '}
                    for what was tried.
                  </>
                }
              >
                <b>No leak analysis:</b> the heap has no used block, so nothing can leak.
              </Show>
            }
          >
            <b>No leak analysis in this result:</b> it was made by an earlier heaplens, before leaks were computed (an analysis kept in this browser’s cache). To get one,
            remove it from the recent analyses on the start page and open the files again.
          </Show>
          </Show>
        </p>
      }
    >
      {(l) => (
        <div data-testid="leaks">
          <Show when={l().incomplete} fallback={<Show when={edgesFull()}>{(d) => <p class="hint"><span class="tag warn">warning</span> {d().message}.</p>}</Show>}>
            {(inc) => (
              <p class="hint" data-testid="leaks-incomplete">
                <span class="tag warn">bounded</span> {inc().message}.
              </p>
            )}
          </Show>
          <LeaksSummary leaks={l()} />
          <LeakGroups leaks={l()} ws={props.json.wordSize} onOpenBlock={props.onOpenBlock} typeValues={new Map((props.json.heap?.byType ?? []).map((t) => [t.type, t.value]))} />
          <Shapes leaks={l()} ws={props.json.wordSize} onOpenBlock={props.onOpenBlock} />
        </div>
      )}
    </Show>
  );
}

// ---- headline --------------------------------------------------------------------

function LeaksSummary(props: { leaks: LeaksJSON }): JSX.Element {
  const l = () => props.leaks;
  const usedBytes = () => l().anchored.bytes + l().leaked.bytes || 1;
  const pct = (n: number) => {
    const p = (n / usedBytes()) * 100;
    return p > 0 && p < 0.1 ? '<0.1%' : `${p.toFixed(p < 10 ? 1 : 0)}%`;
  };
  const roots = createMemo(() => Object.entries(l().rootsByKind).sort((a, b) => b[1] - a[1]));
  const seg = (n: number) => `${Math.max(n > 0 ? 0.4 : 0, (n / usedBytes()) * 100)}%`;
  return (
    <>
      <div class="leak-bar" role="img" aria-label={`Used bytes: ${pct(l().unreferenced.bytes)} in leak tops, ${pct(l().indirect.bytes)} indirectly leaked, ${pct(l().anchored.bytes)} anchored`}>
        <span class="seg seg-leaked" style={{ width: seg(l().unreferenced.bytes) }} title={`leak tops: ${num(l().unreferenced.bytes)} bytes (${pct(l().unreferenced.bytes)})`} />
        <span class="seg seg-indirect" style={{ width: seg(l().indirect.bytes) }} title={`indirect: ${num(l().indirect.bytes)} bytes (${pct(l().indirect.bytes)})`} />
        <span class="seg seg-anchored" style={{ width: seg(l().anchored.bytes) }} title={`anchored: ${num(l().anchored.bytes)} bytes (${pct(l().anchored.bytes)})`} />
      </div>
      <dl class="heap-stats leak-stats" data-testid="leaks-summary">
        <Stat k="Leaked" class="stat-leaked" testid="leaks-leaked" v={num(l().leaked.count)} title={`${num(l().leaked.count)} used blocks no root reaches: ${num(l().leaked.bytes)} usable bytes`}>
          blocks · <ByteLine n={l().leaked.bytes} />
          <br />
          {pct(l().leaked.bytes)} of used bytes
          <GroupScan scope={{ kind: 'leaked' }} what="the leaked blocks" />
        </Stat>
        <Stat k="Leak tops" class="stat-tops" testid="leaks-tops" v={num(l().unreferenced.count)} title="Leaked blocks no used block points to: the tops of the leaks (whoever allocated them lost the last pointer)">
          <ByteLine n={l().unreferenced.bytes} />
          <br />
          nothing points to them
          <GroupScan scope={{ kind: 'tops' }} what="the leak tops" />
        </Stat>
        <Stat k="Indirect" class="stat-indirect" testid="leaks-indirect" v={num(l().indirect.count)} title="Leaked blocks that only leaked blocks point to (what leak tops own, and leaked cycles)">
          <ByteLine n={l().indirect.bytes} />
          <br />
          only leaked blocks point to them
          <GroupScan scope={{ kind: 'indirect' }} what="the indirectly leaked blocks" />
        </Stat>
        <Stat k="Anchored" class="stat-anchored" testid="leaks-anchored" v={num(l().anchored.count)} title="Used blocks reachable from a root through a chain of pointers">
          <ByteLine n={l().anchored.bytes} />
          <br />
          reachable from a root
          <GroupScan scope={{ kind: 'anchored' }} what="the anchored blocks" />
        </Stat>
        <Stat k="Roots" testid="leaks-roots" v={num(l().rootRefs)} title="Root words pointing into a used block, by where they are">
          references:{' '}
          <For each={roots()}>
            {([k, v], i) => (
              <>
                {i() > 0 ? ' · ' : ''}
                <span class="nowrap" title={ROOT_KINDS[k] ?? k}>
                  {k} {num(v)}
                </span>
              </>
            )}
          </For>
        </Stat>
        <Stat k="Reference graph" testid="leaks-graph" v={num(l().blocks)} title="Used blocks (the graph's nodes) and the pointers between them (its edges)">
          used blocks · {plural(l().edges, 'reference')}
          <br />
          {num(l().elapsedMs)} ms
        </Stat>
      </dl>
      <p class="hint leak-explain">
        A block is <b>anchored</b> when a chain of pointers leads to it from a root (registers, stacks, module data, other writable memory); the others are <b>leaked</b>: a{' '}
        <b>leak top</b> has no used block pointing to it (the program lost it), an <b>indirect</b> block is pointed to only by leaked blocks (freeing its leak top would
        have freed it).
      </p>
    </>
  );
}

// ---- groups ----------------------------------------------------------------------

function LeakGroups(props: { leaks: LeaksJSON; ws: number; onOpenBlock: (addr: string) => void; typeValues?: Map<string, string> }): JSX.Element {
  const l = () => props.leaks;
  const [tab, setTab] = useViewTab<Tab>('leaks', props.leaks.byType.length || !props.leaks.bySize.length ? 'types' : 'sizes', ['types', 'sizes', 'sigs']);
  const metric = (r: GroupRow, k: LeakKey) => (k === 'tops' ? r.unreferenced : r.indirect);
  const hay = (r: GroupRow) => r.examples.flatMap((a) => [a, padHex(a, props.ws)]);

  const types = tableState<TypeRow, LeakKey>({
    rows: () => l().byType,
    hay: (r) => [r.type, ...hay(r)].join(' '),
    byKey: (a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0),
    metric,
  });
  const sizes = tableState<SizeRow, LeakKey>({
    rows: () => l().bySize,
    hay: (r) => [`${r.size}`, ...hay(r)].join(' '),
    exact: (r, n) => r.size === n,
    byKey: (a, b) => a.size - b.size,
    metric,
  });
  const sigs = tableState<SigRow, LeakKey>({
    rows: () => l().bySignature,
    hay: (r) => [`${r.size}`, offsetsText(r.offsets), r.offsets.length ? 'pointers' : 'no pointers', ...hay(r)].join(' '),
    exact: (r, n) => r.size === n,
    byKey: (a, b) => a.size - b.size || a.offsets.length - b.offsets.length,
    metric,
  });

  const split = (r: GroupRow) => `${num(r.unreferenced)} top${r.unreferenced === 1 ? '' : 's'}, ${num(r.indirect)} indirect`;
  const chart = createMemo((): ChartBar[] => {
    const t = tab();
    if (t === 'types') return topByBytes(types.filtered()).map((r) => ({ label: r.type, title: `${r.type} (${split(r)})`, count: r.count, bytes: r.bytes }));
    if (t === 'sizes') return topByBytes(sizes.filtered()).map((r) => ({ label: sizeLabel(r.size), title: `usable ${num(r.size)} B (${split(r)})`, count: r.count, bytes: r.bytes }));
    return topByBytes(sigs.filtered()).map((r) => ({
      label: `${sizeLabel(r.size)} · ${r.offsets.length ? plural(r.offsets.length, 'ptr') : 'no ptr'}`,
      title: `usable ${num(r.size)} B, ${r.offsets.length ? `pointers at ${offsetsText(r.offsets)}` : 'no pointers'} (${split(r)})`,
      count: r.count,
      bytes: r.bytes,
    }));
  });
  const chartOf = () => {
    const st: { filtered: () => unknown[]; query: () => string } = tab() === 'types' ? types : tab() === 'sizes' ? sizes : sigs;
    return { n: st.filtered().length, filtered: st.query().trim() !== '' };
  };
  const tabs = (): { key: Tab; label: string; count: number }[] => [
    { key: 'types', label: 'By type', count: l().byType.length },
    { key: 'sizes', label: 'By size', count: l().bySize.length },
    { key: 'sigs', label: 'By signature', count: l().bySignature.length },
  ];

  return (
    <>
      <h3 class="sub-h">Leaked blocks</h3>
      <Tabs prefix="leaks" label="Leaked blocks grouped by" tabs={tabs()} value={tab()} onChange={setTab} />
      <div class="heap-census">
        <div class="heap-tables">
          <div role="tabpanel" id="leaks-panel-types" aria-labelledby="leaks-tab-types" hidden={tab() !== 'types'}>
            <GroupTable
              st={types}
              ws={props.ws}
              onOpenBlock={props.onOpenBlock}
              testid="leaks-types"
              csv={() => leakTypesTable(types.filtered())}
              what="type"
              caption="Leaked blocks by type (their first word points to a vtable or other read-only data)"
              placeholder="Filter: type, 0x address"
              empty="No leaked block starts with a pointer into a module’s code or read-only data (no typed leak)."
              keyHead={(st) => <SortHeader key="key" label="Type" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} />}
              keyCells={(r) => (
                <td class="type-name" title={r.type}>
                  {r.type}
                </td>
              )}
              actions={(r) => (
                <Show when={props.typeValues?.get(r.type)}>
                  {(v) => <GroupScan scope={{ kind: 'type', value: BigInt(v()), name: r.type, leakedOnly: true }} what={`the leaked blocks of type ${r.type}`} />}
                </Show>
              )}
              keyCols={1}
            />
          </div>
          <div role="tabpanel" id="leaks-panel-sizes" aria-labelledby="leaks-tab-sizes" hidden={tab() !== 'sizes'}>
            <GroupTable
              st={sizes}
              ws={props.ws}
              onOpenBlock={props.onOpenBlock}
              testid="leaks-sizes"
              csv={() => leakSizesTable(sizes.filtered())}
              what="size"
              caption="Leaked blocks by usable size"
              placeholder="Filter: a size in bytes, or 0x address"
              empty="No leaked block."
              keyHead={(st) => <SortHeader key="key" label="Usable size" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" />}
              keyCells={(r) => <td class="r num">{num(r.size)}</td>}
              actions={(r) => <GroupScan scope={{ kind: 'leaked-size', size: r.size }} what={`the leaked blocks of ${r.size} bytes`} />}
              keyCols={1}
            />
          </div>
          <div role="tabpanel" id="leaks-panel-sigs" aria-labelledby="leaks-tab-sigs" hidden={tab() !== 'sigs'}>
            <GroupTable
              st={sigs}
              ws={props.ws}
              onOpenBlock={props.onOpenBlock}
              testid="leaks-signatures"
              csv={() => leakSignaturesTable(sigs.filtered())}
              what="signature"
              caption="Leaked blocks by usable size and by which of their first 64 words hold a pointer"
              placeholder="Filter: a size, +offset, 0x address"
              empty="No leaked block."
              keyHead={(st) => (
                <>
                  <SortHeader key="key" label="Usable size" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" />
                  <th scope="col" title="Byte offsets, within the first 64 words, that hold a pointer into a mapping">
                    Pointer offsets
                  </th>
                </>
              )}
              keyCells={(r) => (
                <>
                  <td class="r num">{num(r.size)}</td>
                  <OffsetsCell offsets={r.offsets} />
                </>
              )}
              keyCols={2}
            />
          </div>
        </div>
        <BarChart
          bars={chart()}
          what={tab() === 'types' ? 'type' : tab() === 'sizes' ? 'usable size' : 'signature'}
          of={chartOf().n}
          filtered={chartOf().filtered}
          title="Leaked bytes"
          testid="leaks-chart"
        />
      </div>
    </>
  );
}

function GroupTable<R extends GroupRow>(props: {
  st: TableState<R, LeakKey>;
  ws: number;
  onOpenBlock: (addr: string) => void;
  testid: string;
  what: string;
  caption: string;
  placeholder: string;
  empty: string;
  keyHead: (st: TableState<R, LeakKey>) => JSX.Element;
  keyCells: (r: R) => JSX.Element;
  keyCols: number;
  csv: () => Table;
  /** After the examples: "strings" / "count" over the group (ContentView's GroupScan). */
  actions?: (r: R) => JSX.Element;
}): JSX.Element {
  const st = props.st;
  return (
    <CensusTable
      st={st}
      what={props.what}
      testid={props.testid}
      class={`leak-table ${props.testid}`}
      csv={props.csv}
      placeholder={props.placeholder}
      label={`Filter the leaked ${props.what}s`}
      caption={props.caption}
      cols={props.keyCols + 6}
      empty={props.empty}
      head={
        <>
          {props.keyHead(st)}
          <SortHeader key="count" label="Leaked" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" title="Sort by leaked blocks" />
          <SortHeader key="bytes" label="Bytes" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" title="Sort by leaked usable bytes" />
          <SortHeader key="tops" label="Tops" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" title="Sort by leak tops (blocks nothing points to)" />
          <SortHeader key="indirect" label="Indirect" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" title="Sort by indirectly leaked blocks (only leaked blocks point to them)" />
          <th scope="col" class="ex-col" title="Example blocks: open one in the block explorer">
            Example blocks
          </th>
        </>
      }
      cells={(r) => (
        <>
          {props.keyCells(r)}
          <CountBytes r={r} />
          <td class={`r num ${r.unreferenced ? '' : 'muted'}`}>{num(r.unreferenced)}</td>
          <td class={`r num ${r.indirect ? '' : 'muted'}`}>{num(r.indirect)}</td>
          <td class="ex-col">
            <InlineExamples list={r.examples} ws={props.ws} onOpenBlock={props.onOpenBlock} />
            {props.actions ? <> {props.actions(r)}</> : null}
          </td>
        </>
      )}
    />
  );
}

// ---- shapes ----------------------------------------------------------------------

/** "size 56 [0,8,40]" → "56 B, pointers at +0 +8 +40"; a type name stays as it is. */
function groupLabel(g: string): string {
  const m = /^size (\d+) \[([\d,]*)\]$/.exec(g);
  if (!m) return g;
  const offs = m[2] ? m[2].split(',').map(Number) : [];
  return `${num(Number(m[1]))} B, ${offs.length ? `pointers at ${offsetsText(offs)}` : 'no pointers'}`;
}

function Shapes(props: { leaks: LeaksJSON; ws: number; onOpenBlock: (addr: string) => void }): JSX.Element {
  /** One line per example block: groups sharing it (its type and its signature) are named together. */
  const lines = createMemo(() => {
    const by = new Map<string, { groups: string[]; shape: Shape }>();
    for (const s of props.leaks.shapes) {
      const k = normHex(s.example);
      const e = by.get(k);
      if (e) e.groups.push(s.group);
      else by.set(k, { groups: [s.group], shape: s });
    }
    return [...by.values()];
  });
  return (
    <Show when={props.leaks.shapes.length}>
      <h3 class="sub-h">What leak tops point to</h3>
      <p class="muted small shapes-note">An example leak top of each large group, and the blocks its words point to (at which offset, their size and verdict).</p>
      <ul class="shapes" data-testid="leaks-shapes">
        <For each={lines()}>
          {(x) => (
            <li class="shape">
              <span class="shape-group">
                <For each={x.groups}>
                  {(g, i) => (
                    <>
                      {i() > 0 ? <span class="muted"> · </span> : ''}
                      <b class={/^size /.test(g) ? 'shape-sig' : 'shape-type'}>{groupLabel(g)}</b>
                    </>
                  )}
                </For>
              </span>{' '}
              <BlockLink addr={x.shape.example} ws={props.ws} onOpen={props.onOpenBlock} /> <span aria-label="points to">→</span>{' '}
              <Show when={x.shape.refs.length} fallback={<span class="muted">points to no used block</span>}>
                <span class="shape-refs">
                  <For each={x.shape.refs}>
                    {(r) => (
                      <span class="shape-ref">
                        <span class="mono">+{r.offset}</span>: <BlockLink addr={r.target} ws={props.ws} onOpen={props.onOpenBlock} /> <span class="num">{num(r.size)} B</span>{' '}
                        <VerdictChip verdict={r.verdict} />
                      </span>
                    )}
                  </For>
                </span>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

// ---- block explorer --------------------------------------------------------------

export interface BlockNav {
  /** Visited addresses (normalized hex), oldest first. */
  history: () => string[];
  index: () => number;
  current: () => string | undefined;
  open(addr: string): void;
  back(): void;
  forward(): void;
}

/** Back/forward history of visited blocks, like a browser's. */
export function createBlockNav(): BlockNav {
  const [history, setHistory] = createSignal<string[]>([]);
  const [index, setIndex] = createSignal(-1);
  return {
    history,
    index,
    current: () => history()[index()],
    open(addr) {
      const a = normHex(addr);
      if (history()[index()] === a) return;
      const h = [...history().slice(0, index() + 1), a];
      setHistory(h);
      setIndex(h.length - 1);
    },
    back: () => setIndex(Math.max(0, index() - 1)),
    forward: () => setIndex(Math.min(history().length - 1, index() + 1)),
  };
}

type QueryState =
  | { kind: 'idle' }
  | { kind: 'loading'; addr: string }
  | { kind: 'done'; addr: string; report: BlockReport | undefined }
  | { kind: 'error'; addr: string; message: string };

const OUT_SHOWN = 100;
const CYCLE = 'No leak top: it is in a leaked cycle (every block of the cycle is pointed to by another). Follow “who points to it” to walk the cycle.';
const TOP_WALK = 256;

export function BlockExplorerView(props: {
  nav: BlockNav;
  explorer?: BlockExplorer;
  /** Why there is no explorer: the result came from the cache, or its workers were let go. */
  unavailable?: 'cache' | 'released';
  /** Re-reads the files this result came from (when the app still has them), to get an explorer. */
  onReanalyze?: () => void;
  hasLeaks: boolean;
  ws: number;
  onShowInMap: (addr: string) => void;
}): JSX.Element {
  const nav = props.nav;
  const [input, setInput] = createSignal('');
  const [inputError, setInputError] = createSignal<string>();
  const [state, setState] = createSignal<QueryState>({ kind: 'idle' });
  const [outAll, setOutAll] = createSignal(false);
  const [topWalk, setTopWalk] = createSignal<string>();
  const cache = new Map<string, BlockReport | undefined>();
  let seq = 0;

  const ask = async (addr: string): Promise<BlockReport | undefined> => {
    if (cache.has(addr)) return cache.get(addr);
    const r = await props.explorer!.query(BigInt(addr));
    cache.set(addr, r);
    return r;
  };

  createEffect(
    on(
      () => [nav.current(), props.explorer] as const,
      ([addr, ex]) => {
        setOutAll(false);
        setTopWalk(undefined);
        if (!addr) return setState({ kind: 'idle' });
        setInput(padHex(addr, props.ws));
        setInputError(undefined);
        if (!ex) return setState({ kind: 'idle' });
        const id = ++seq;
        if (!cache.has(addr)) setState({ kind: 'loading', addr });
        ask(addr).then(
          (report) => id === seq && setState({ kind: 'done', addr, report }),
          (e) => id === seq && setState({ kind: 'error', addr, message: errorMessage(e) }),
        );
      },
    ),
  );

  const submit = (e: Event) => {
    e.preventDefault();
    const t = input().trim();
    // 0x… as everywhere; bare hex only when it cannot be read as a decimal number.
    const a = parseHexQuery(t) ?? (/^(?=.*[a-f])[0-9a-f]{6,16}$/i.test(t) ? BigInt('0x' + t) : undefined);
    if (a === undefined) {
      setInputError(t ? `“${t}” is not an address: type it in hex, like 0x55d4d756e890.` : 'Type an address in hex, like 0x55d4d756e890.');
      return;
    }
    setInputError(undefined);
    nav.open(normHex(a));
  };

  let root!: HTMLDivElement;
  /** Alt+←/→ belong to the explorer while it is on screen (elsewhere the browser keeps them). */
  const inView = () => {
    const b = root.getBoundingClientRect();
    return b.bottom > 0 && b.top < window.innerHeight;
  };
  const canBack = () => nav.index() > 0;
  const canForward = () => nav.index() < nav.history().length - 1;
  const onKey = (e: KeyboardEvent) => {
    if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const t = e.target as HTMLElement | null;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (nav.history().length === 0 || !inView()) return;
    e.preventDefault();
    if (e.key === 'ArrowLeft') nav.back();
    else nav.forward();
  };
  onMount(() => window.addEventListener('keydown', onKey));
  onCleanup(() => window.removeEventListener('keydown', onKey));

  /** Walks "who points to it" up from an indirect block to the leak top that owns it. */
  const findTop = async (from: BlockReport) => {
    setTopWalk('Following the pointers up…');
    const seen = new Set<string>();
    let r: BlockReport | undefined = from;
    try {
      for (let i = 0; i < TOP_WALK && r; i++) {
        const a = normHex(r.address);
        if (seen.has(a)) return setTopWalk(CYCLE);
        seen.add(a);
        if (r.verdict === 'leaked') {
          setTopWalk(undefined);
          nav.open(a);
          return;
        }
        const up: BlockReport['incoming'][number] | undefined = r.incoming.find((x) => x.verdict === 'leaked') ?? r.incoming.find((x) => !seen.has(normHex(x.address)));
        if (!up) return setTopWalk(CYCLE);
        r = await ask(normHex(up.address));
      }
      setTopWalk(`No leak top within ${TOP_WALK} steps up.`);
    } catch (e) {
      setTopWalk(errorMessage(e));
    }
  };

  const link = (a: bigint) => <BlockLink addr={normHex(a)} ws={props.ws} onOpen={(x) => nav.open(x)} />;
  const loading = () => {
    const s = state();
    return s.kind === 'loading' ? s.addr : undefined;
  };
  const failure = () => {
    const s = state();
    return s.kind === 'error' ? s.message : undefined;
  };
  const notFound = () => {
    const s = state();
    return s.kind === 'done' && !s.report ? s.addr : undefined;
  };
  const found = () => {
    const s = state();
    return s.kind === 'done' && s.report ? { addr: s.addr, report: s.report } : undefined;
  };

  return (
    <div class="block-explorer" data-testid="block-explorer" ref={root}>
      <form class="toolbar block-bar" onSubmit={submit}>
        <button type="button" class="btn small" data-testid="block-back" disabled={!canBack()} onClick={() => nav.back()} title="Previous block (Alt+←)" aria-label="Previous block">
          ← Back
        </button>
        <button type="button" class="btn small" data-testid="block-forward" disabled={!canForward()} onClick={() => nav.forward()} title="Next block (Alt+→)" aria-label="Next block">
          Forward →
        </button>
        <label class="block-input-label">
          <span class="muted small">Address</span>
          <input
            type="text"
            class="filter block-input"
            data-testid="block-address"
            placeholder="0x… (inside a heap block)"
            spellcheck={false}
            autocomplete="off"
            value={input()}
            onInput={(e) => setInput(e.currentTarget.value)}
            aria-invalid={!!inputError()}
            aria-describedby="block-input-error"
          />
        </label>
        <button type="submit" class="btn small primary" data-testid="block-go">
          Explore
        </button>
        <Show when={nav.history().length > 1}>
          <span class="muted small">
            block {nav.index() + 1} of {nav.history().length} visited
          </span>
        </Show>
      </form>
      <Show when={inputError()}>
        <p class="hint bad-text" id="block-input-error" role="alert">
          {inputError()}
        </p>
      </Show>

      <Show when={!props.explorer}>
        <p class="hint block-unavailable" data-testid="block-unavailable">
          <span class="tag">unavailable</span>{' '}
          <Show
            when={props.unavailable === 'released'}
            fallback={
              <>
                Block queries are answered by the workers of a fresh analysis, which still hold the reference graph; this result was opened from this browser’s
                cache, so there are none.{' '}
              </>
            }
          >
            Block queries are answered by the workers of the analysis, and they were let go (their memory freed) when you left these results.{' '}
          </Show>
          <Show
            when={props.onReanalyze}
            fallback={<>Re-opening the files enables it: remove this analysis from the recent analyses on the start page, then open the core (and its binaries) again.</>}
          >
            <button type="button" class="link" data-testid="block-reanalyze" onClick={() => props.onReanalyze!()}>
              Analyze the files again
            </button>{' '}
            to enable it.
          </Show>
        </p>
      </Show>

      <Show when={props.explorer && !props.hasLeaks && !nav.current()}>
        <p class="muted small">This analysis has no reference graph (no used heap block), so there is no block to explore.</p>
      </Show>

      <Show when={!nav.current() && props.explorer && props.hasLeaks}>
        <p class="muted small block-help">
          Type an address (<code>0x…</code>, anywhere inside a used block) or click a block address in the Leaks or Heap sections: the explorer shows the block’s verdict, its
          shortest chain from a root, who points to it and what it points to. Alt+← and Alt+→ go back and forward.
        </p>
      </Show>

      <Show when={loading()}>
        <p class="muted" role="status">
          Asking the workers about <span class="mono">{padHex(loading(), props.ws)}</span>…
        </p>
      </Show>
      <Show when={failure()}>
        {(m) => (
          <p class="hint" role="alert" data-testid="block-error">
            <span class="tag warn">error</span> {m()}
            <Show when={props.onReanalyze}>
              {' '}
              <button type="button" class="link" onClick={() => props.onReanalyze!()}>
                Analyze the files again
              </button>
            </Show>
          </p>
        )}
      </Show>
      <Show when={notFound()}>
        {(a) => (
          <p class="block-none" data-testid="block-none">
            <span class="mono">{padHex(a(), props.ws)}</span> is not inside a used heap block.{' '}
            <button type="button" class="link" onClick={() => props.onShowInMap(a())}>
              Show in memory map
            </button>
          </p>
        )}
      </Show>
      <Show when={found()}>
        {(f) => (
          <BlockCard
            r={f().report}
            asked={f().addr}
            ws={props.ws}
            link={link}
            outAll={outAll()}
            onOutAll={() => setOutAll(true)}
            onShowInMap={props.onShowInMap}
            onFindTop={() => void findTop(f().report)}
            topWalk={topWalk()}
          />
        )}
      </Show>
    </div>
  );
}

function BlockCard(props: {
  r: BlockReport;
  asked: string;
  ws: number;
  link: (a: bigint) => JSX.Element;
  outAll: boolean;
  onOutAll: () => void;
  onShowInMap: (addr: string) => void;
  onFindTop: () => void;
  topWalk?: string;
}): JSX.Element {
  const memory = useContext(MemoryNav);
  const r = () => props.r;
  const into = () => BigInt(props.asked) - r().address;
  const out = () => (props.outAll ? r().outgoing : r().outgoing.slice(0, OUT_SHOWN));
  const steps = () => r().chain.slice(1);
  return (
    <>
      <div class="block-head" data-testid="block-info">
        <span class="mono block-addr" data-testid="block-current">
          {padHex(normHex(r().address), props.ws)}
        </span>
        <VerdictChip verdict={r().verdict} testid="block-verdict" />
        <span class="num">{num(r().size)} usable bytes</span>
        <Show when={into() !== 0n}>
          <span class="muted small">
            (<span class="mono">{padHex(props.asked, props.ws)}</span> is {num(Number(into()))} bytes into it)
          </span>
        </Show>
        <span class="spacer" />
        <Show when={r().verdict === 'indirect'}>
          <button type="button" class="btn small" data-testid="block-find-top" onClick={() => props.onFindTop()} title="Follow the leaked blocks that point to it up to the leak top that owns it">
            Find its leak top
          </button>
        </Show>
        <button type="button" class="btn small" onClick={() => props.onShowInMap(normHex(r().address))}>
          Show in memory map
        </button>
        <Show when={memory}>
          <button type="button" class="btn small" data-testid="block-memory" onClick={() => memory!(normHex(r().address))} title="Show this block’s bytes in the memory view">
            Show in memory
          </button>
        </Show>
      </div>
      <Show when={props.topWalk}>
        <p class="hint">{props.topWalk}</p>
      </Show>

      <div class="block-grid">
        <section class="block-part" data-testid="block-chain" aria-labelledby="block-chain-h">
          <h4 id="block-chain-h">Shortest chain from a root</h4>
          <Show
            when={r().chain.length}
            fallback={
              <p class="muted small">
                {r().verdict === 'anchored'
                  ? 'No chain was recorded.'
                  : r().verdict === 'leaked'
                    ? 'None: no root reaches it, and no used block points to it — it is the top of a leak.'
                    : 'None: no root reaches it; only leaked blocks point to it (see who points to it).'}
              </p>
            }
          >
            <ol class="chain">
              <li class="chain-root">
                <span class="chip chain-kind">root</span> <span class="mono root-name">{r().chain[0].root}</span>
              </li>
              <For each={steps()}>
                {(s, i) => {
                  const last = () => i() === steps().length - 1;
                  return (
                    <li class={last() ? 'chain-here' : ''}>
                      <Show when={last()} fallback={props.link(s.address!)}>
                        <span class="mono">{padHex(normHex(s.address!), props.ws)}</span>
                      </Show>{' '}
                      <span class="muted num">{num(s.size ?? 0)} B</span>
                      <Show when={!last()} fallback={<span class="muted small"> · this block</span>}>
                        <span class="muted small">
                          {' '}
                          · its word at <span class="mono">+{s.offset}</span> points to ↓
                        </span>
                      </Show>
                    </li>
                  );
                }}
              </For>
            </ol>
          </Show>
        </section>

        <section class="block-part" data-testid="block-incoming" aria-labelledby="block-in-h">
          <h4 id="block-in-h">
            Who points to it <span class="count">{num(r().incomingTotal)}</span>
          </h4>
          <Show
            when={r().incoming.length}
            fallback={<p class="muted small">{r().verdict === 'anchored' ? 'No used block: only a root points to it.' : 'No used block points to it.'}</p>}
          >
            <Grid
              wrap={false}
              class="refs"
              head={
                <>
                  <th scope="col">Block</th>
                  <th scope="col" class="r" title="Offset of the word, in that block, that points here">
                    At offset
                  </th>
                  <th scope="col" class="r">
                    Size
                  </th>
                  <th scope="col">Verdict</th>
                </>
              }
              rows={r().incoming}
              cols={4}
              row={(x) => (
                <tr>
                  <td class="mono">{props.link(x.address)}</td>
                  <td class="r mono">+{x.offset}</td>
                  <td class="r num">{num(x.size)}</td>
                  <td>
                    <VerdictChip verdict={x.verdict} />
                  </td>
                </tr>
              )}
            />
            <Show when={r().incomingTotal > r().incoming.length}>
              <p class="muted small">and {num(r().incomingTotal - r().incoming.length)} more</p>
            </Show>
          </Show>
        </section>

        <section class="block-part" data-testid="block-outgoing" aria-labelledby="block-out-h">
          <h4 id="block-out-h">
            What it points to <span class="count">{num(r().outgoing.length)}</span>
          </h4>
          <Show when={r().outgoing.length} fallback={<p class="muted small">It holds no pointer to a used block.</p>}>
            <Grid
              wrap={false}
              class="refs"
              head={
                <>
                  <th scope="col" class="r" title="Offset of the word, in this block, that holds the pointer">
                    From offset
                  </th>
                  <th scope="col">Block</th>
                  <th scope="col" class="r">
                    Size
                  </th>
                  <th scope="col">Verdict</th>
                </>
              }
              rows={out()}
              cols={4}
              row={(x) => (
                <tr>
                  <td class="r mono">+{x.offset}</td>
                  <td class="mono">{props.link(x.address)}</td>
                  <td class="r num">{num(x.size)}</td>
                  <td>
                    <VerdictChip verdict={x.verdict} />
                  </td>
                </tr>
              )}
            />
            <Show when={out().length < r().outgoing.length}>
              <p class="muted small">
                and {num(r().outgoing.length - out().length)} more{' '}
                <button type="button" class="btn small ghost" onClick={() => props.onOutAll()}>
                  Show all
                </button>
              </p>
            </Show>
          </Show>
        </section>
      </div>
    </>
  );
}
