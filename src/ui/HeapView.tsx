// Heap: the glibc malloc reconstruction — what the allocator holds at a glance, its arenas,
// and the used blocks by type (vtable), by size and by (size, pointer signature), each
// filterable, sortable and expandable to example blocks, with a bar chart of bytes per group.
import { For, type JSX, Show, createMemo } from 'solid-js';
import type { AnalysisJSON } from '../engine/analyze';
import type { HeapJSON } from '../engine/heap/heap';
import { type HeapKept, heapKept } from '../engine/heap/kept';
import type { RegionLabel } from '../engine/memmap';
import {
  BarChart,
  BlockLink,
  ByteLine,
  CsvButton,
  type ChartBar,
  LabelChip,
  MemButton,
  SortHeader,
  Stat,
  type TableState,
  Tabs,
  offsetsText,
  openSet,
  plural,
  sizeLabel,
  tableState,
  topByBytes,
} from './common';
import { bytes, num, padHex } from './fmt';
import { arenasTable, heapSignaturesTable, heapSizesTable, heapTypesTable } from '../engine/tables';
import { useViewTab } from './route';
import { GroupScan } from './ContentView';
import { CensusTable, CountBytes, InlineExamples, OffsetsCell, Grid } from './table';

type TypeRow = HeapJSON['byType'][number];
type SizeRow = HeapJSON['bySize'][number];
type SigRow = HeapJSON['bySignature'][number];
type Example = TypeRow['examples'][number];
type Target = SigRow['targets'][number];
type Arena = HeapJSON['arenas'][number];
type Tab = 'types' | 'sizes' | 'sigs';
const TARGETS_SHOWN = 3;

const KIND_TITLES: Record<TypeRow['kind'], string> = {
  vtable: 'The first word points into a module’s read-only data, word-aligned: a vtable (a C++ object of this class)',
  function: 'The first word points into a module’s code: a function pointer (a C struct with a callback, or a vtable-less object)',
  rodata: 'The first word points into a module’s read-only data but is not a known vtable (a string, a table)',
};

export function HeapView(props: { json: AnalysisJSON; onShowInMap: (addr: string) => void; onShowDiagnostics: () => void; onOpenBlock: (addr: string) => void }): JSX.Element {
  const heap = () => (props.json.heap?.found ? props.json.heap : undefined);
  /** Why there is no heap: the engine's heap diagnostics (they say what was looked for). */
  const why = createMemo(() => [
    // A raw dump says first why its chunks could not be walked (it does not start at a chunk boundary, …).
    ...props.json.diagnostics.filter((d) => d.code === 'raw.no-heap-walk' || d.code === 'raw.heap-walk-broke'),
    ...props.json.diagnostics.filter((d) => d.code.startsWith('heap.')),
  ]);
  return (
    <Show
      when={heap()}
      fallback={
        <p class="heap-note" data-testid="heap">
          <Show
            when={props.json.heap || why().length}
            fallback={
              <>
                No heap reconstruction in this analysis: it was made {props.json.words ? 'by an earlier heaplens or with the heap step skipped' : 'with the memory map only'}. To get
                one, remove it from the recent analyses on the start page and open the files again.{' '}
              </>
            }
          >
            <b>No glibc malloc heap found</b>
            {why().length ? <>: {why()[0].message.replace(/\.$/, '')}. </> : <>: the process may use another allocator, or the core may lack the C library’s data. </>}
            <button type="button" class="link" onClick={() => props.onShowDiagnostics()}>
              See Diagnostics
            </button>{' '}
            for what was tried.
          </Show>
        </p>
      }
    >
      {(h) => <HeapBody heap={h()} json={props.json} onShowInMap={props.onShowInMap} onOpenBlock={props.onOpenBlock} />}
    </Show>
  );
}

function HeapBody(props: { heap: HeapJSON; json: AnalysisJSON; onShowInMap: (addr: string) => void; onOpenBlock: (addr: string) => void }): JSX.Element {
  const ws = () => props.json.wordSize;
  const h = () => props.heap;
  // Types first; a C program's heap has none, so it opens on sizes.
  const [tab, setTab] = useViewTab<Tab>('heap', props.heap.byType.length || !props.heap.bySize.length ? 'types' : 'sizes', ['types', 'sizes', 'sigs']);

  const types = tableState<TypeRow>({
    rows: () => h().byType,
    hay: (r) => [r.type, r.kind, r.module ?? '', r.symbol ?? '', r.value, padHex(r.value, ws()), ...exampleHay(r.examples.map((e) => e.address), ws())].join(' '),
    byKey: (a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0),
  });
  const sizes = tableState<SizeRow>({
    rows: () => h().bySize,
    hay: (r) => [`${r.size}`, `${r.chunkSize}`, ...exampleHay(r.examples, ws())].join(' '),
    exact: (r, n) => r.size === n || r.chunkSize === n,
    byKey: (a, b) => a.size - b.size,
  });
  const sigs = tableState<SigRow>({
    rows: () => h().bySignature,
    hay: (r) => [`${r.size}`, r.offsets.map((o) => `+${o}`).join(' '), r.offsets.length ? 'pointers' : 'no pointers', ...r.targets.map(targetText), ...exampleHay(r.examples.map((e) => e.address), ws())].join(' '),
    exact: (r, n) => r.size === n,
    byKey: (a, b) => a.size - b.size || a.offsets.length - b.offsets.length,
  });

  const chart = createMemo((): ChartBar[] => {
    const t = tab();
    if (t === 'types') return topByBytes(types.filtered()).map((r) => ({ label: r.type, title: `${r.type} (${r.kind}${r.symbol ? `, ${r.symbol}` : ''})`, count: r.count, bytes: r.bytes }));
    if (t === 'sizes') return topByBytes(sizes.filtered()).map((r) => ({ label: sizeLabel(r.size), title: `usable ${num(r.size)} B, chunk ${num(r.chunkSize)} B`, count: r.count, bytes: r.bytes }));
    return topByBytes(sigs.filtered()).map((r) => ({ label: `${sizeLabel(r.size)} · ${r.offsets.length ? plural(r.offsets.length, 'ptr') : 'no ptr'}`, title: `usable ${num(r.size)} B, ${r.offsets.length ? `pointers at ${offsetsText(r.offsets)}` : 'no pointers'}`, count: r.count, bytes: r.bytes }));
  });
  const chartOf = (): { n: number; filtered: boolean } => {
    const st: { filtered: () => unknown[]; query: () => string } = tab() === 'types' ? types : tab() === 'sizes' ? sizes : sigs;
    return { n: st.filtered().length, filtered: st.query().trim() !== '' };
  };

  const tabs = (): { key: Tab; label: string; count: number }[] => [
    { key: 'types', label: 'By type', count: h().byType.length },
    { key: 'sizes', label: 'By size', count: h().bySize.length },
    { key: 'sigs', label: 'By signature', count: h().bySignature.length },
  ];

  return (
    <div data-testid="heap">
      <HeapSummary heap={h()} ws={ws()} onShowInMap={props.onShowInMap} />
      <Show when={heapKept(props.json)}>{(k) => <KeptNote k={k()} />}</Show>

      <h3 class="sub-h">
        Arenas <CsvButton table={() => arenasTable(h())} testid="heap-arenas-csv" />
      </h3>
      <ArenasTable heap={h()} ws={ws()} onShowInMap={props.onShowInMap} />
      <AllocatorDetails heap={h()} ws={ws()} />

      <h3 class="sub-h">Used blocks</h3>
      <Tabs prefix="heap" label="Used blocks grouped by" tabs={tabs()} value={tab()} onChange={setTab} />
      <div class="heap-census">
        <div class="heap-tables">
          <div role="tabpanel" id="heap-panel-types" aria-labelledby="heap-tab-types" hidden={tab() !== 'types'}>
            <TypesTable st={types} ws={ws()} onShowInMap={props.onShowInMap} onOpenBlock={props.onOpenBlock} />
          </div>
          <div role="tabpanel" id="heap-panel-sizes" aria-labelledby="heap-tab-sizes" hidden={tab() !== 'sizes'}>
            <SizesTable st={sizes} ws={ws()} onOpenBlock={props.onOpenBlock} />
          </div>
          <div role="tabpanel" id="heap-panel-sigs" aria-labelledby="heap-tab-sigs" hidden={tab() !== 'sigs'}>
            <SigsTable st={sigs} ws={ws()} onOpenBlock={props.onOpenBlock} />
          </div>
        </div>
        <BarChart
          bars={chart()}
          what={tab() === 'types' ? 'type' : tab() === 'sizes' ? 'usable size' : 'signature'}
          of={chartOf().n}
          filtered={chartOf().filtered}
        />
      </div>
    </div>
  );
}

// ---- summary ---------------------------------------------------------------------

function HeapSummary(props: { heap: HeapJSON; ws: number; onShowInMap: (addr: string) => void }): JSX.Element {
  const h = () => props.heap;
  /** Chunk bytes of each kind of free list, from the arenas (the totals carry counts only). */
  const freeBytes = createMemo(() => {
    const s = { bins: 0, tcache: 0, fastbin: 0 };
    for (const a of h().arenas) {
      s.bins += a.free.chunkBytes;
      s.tcache += a.tcache.chunkBytes;
      s.fastbin += a.fastbin.chunkBytes;
    }
    return s;
  });
  const sysMem = createMemo(() => h().arenas.reduce((a, x) => a + x.systemMem, 0));
  return (
    <>
      <dl class="heap-stats" data-testid="heap-summary">
        <Stat k="Used blocks" v={num(h().used.count)} title={`${num(h().used.count)} blocks in use (mmapped included): ${num(h().used.bytes)} usable bytes, ${num(h().used.chunkBytes)} bytes of chunks`}>
          <ByteLine n={h().used.bytes} />
        </Stat>
        <Stat
          k="Free"
          v={num(h().free.count)}
          title={`${num(h().free.count)} free blocks: ${num(h().free.bytes)} usable bytes, ${num(h().free.chunkBytes)} bytes of chunks (the top chunks not included)`}
        >
          <ByteLine n={h().free.bytes} />
          <br />
          <span class="nowrap" title={`${num(freeBytes().bins)} chunk bytes in bins`}>
            bins {num(h().free.bins)}
          </span>{' '}
          ·{' '}
          <span class="nowrap" title={`${num(freeBytes().tcache)} chunk bytes in tcaches`}>
            tcache {num(h().free.tcache)}
          </span>{' '}
          ·{' '}
          <span class="nowrap" title={`${num(freeBytes().fastbin)} chunk bytes in fastbins`}>
            fastbins {num(h().free.fastbin)}
          </span>
        </Stat>
        <Stat k="Mmapped blocks" v={num(h().mmapped.count)} title={`${num(h().mmapped.count)} blocks of their own mapping: ${num(h().mmapped.bytes)} usable bytes, ${num(h().mmapped.chunkBytes)} bytes mapped`}>
          <ByteLine n={h().mmapped.bytes} />
        </Stat>
        <Stat k="Allocator metadata" v={num(h().meta.count)} title="Chunks malloc keeps for itself (the tcache_perthread_struct of each thread)">
          <ByteLine n={h().meta.chunkBytes} /> of chunks
        </Stat>
        <Stat k="main_arena" v={<AddrLink addr={h().mainArena} ws={props.ws} onShowInMap={props.onShowInMap} />} title="Address of glibc's main_arena (found by its shape, without symbols)">
          in libc’s data
        </Stat>
        <Stat k="Arenas" v={num(h().arenas.length)} title={`${num(sysMem())} bytes of system memory in the arenas' heaps`}>
          {plural(h().arenas.reduce((a, x) => a + x.heaps.length, 0), 'heap')} · {bytes(sysMem())}
        </Stat>
        <Stat
          k="Safe-linking"
          v={h().safeLinking === undefined ? '—' : h().safeLinking ? 'on' : 'off'}
          title="Whether the tcache and fastbin links are mangled (glibc ≥ 2.32); detected from the lists"
        >
          {h().safeLinking ? 'links mangled (glibc ≥ 2.32)' : h().safeLinking === false ? 'links in clear' : 'no list to tell'}
        </Stat>
        <Stat k="Chunks walked" v={num(h().chunks)} title="Every chunk of every heap and mmapped run, read by the kernels">
          in {plural(h().regionsWalked, 'region')}
        </Stat>
        <Stat k="Time" v={`${num(h().elapsedMs)} ms`} title="From finding the allocator to the census (the walk overlaps the word census)">
          discovery to census
        </Stat>
      </dl>
      <Show when={h().unwalked}>
        {(u) => (
          <p class="hint" data-testid="heap-unwalked">
            <span class="tag warn">bounded</span> The chunk table reached its limit{u().maxRecords !== undefined ? ` (${num(u().maxRecords!)} chunks a worker)` : ''}:{' '}
            <ByteLine n={u().bytes} /> of heap in {plural(u().regions, 'region')} were not walked. The counts here are lower bounds: used bytes are at most{' '}
            <ByteLine n={h().used.bytes + u().bytes} />.
          </p>
        )}
      </Show>
      <Show when={h().signatureOverflow > 0}>
        <p class="hint">
          <span class="tag warn">note</span> {num(h().signatureOverflow)} used block{h().signatureOverflow === 1 ? '' : 's'} did not fit the signature table and are in no signature
          group (they are still counted by size and type).
        </p>
      </Show>
    </>
  );
}

/** Where malloc's memory is (src/engine/heap/kept.ts): used, leaked, free but kept — with what to try when much is kept. */
function KeptNote(props: { k: HeapKept }): JSX.Element {
  return (
    <div class="hint" data-testid="heap-kept" data-verdict={props.k.verdict}>
      <span class={`tag ${props.k.verdict === 'in use' ? '' : 'warn'}`}>{props.k.verdict}</span> <strong>Where malloc’s memory is:</strong> {props.k.summary}.
      <Show when={props.k.hints.length}>
        <ul data-testid="heap-kept-hints">
          <For each={props.k.hints}>{(x) => <li>{x}</li>}</For>
        </ul>
      </Show>
    </div>
  );
}

function AddrLink(props: { addr: string | undefined; ws: number; onShowInMap: (addr: string) => void; title?: string }): JSX.Element {
  return (
    <Show when={props.addr} fallback={<span class="muted">—</span>}>
      <span class="addr-link">
        <button type="button" class="link mono" title={props.title ?? 'Show the mapping holding this address'} onClick={() => props.onShowInMap(props.addr!)}>
          {padHex(props.addr, props.ws)}
        </button>
        <MemButton addr={props.addr} />
      </span>
    </Show>
  );
}

// ---- arenas ----------------------------------------------------------------------

function ArenasTable(props: { heap: HeapJSON; ws: number; onShowInMap: (addr: string) => void }): JSX.Element {
  const { open, toggle } = openSet<number>();
  const total = createMemo(() => {
    const sum = (f: (a: Arena) => number) => props.heap.arenas.reduce((x, a) => x + f(a), 0);
    return {
      heaps: sum((a) => a.heaps.length),
      systemMem: sum((a) => a.systemMem),
      topSize: sum((a) => a.topSize),
      used: { count: sum((a) => a.used.count), chunkBytes: sum((a) => a.used.chunkBytes) },
      free: { count: sum((a) => a.free.count), chunkBytes: sum((a) => a.free.chunkBytes) },
      tcache: { count: sum((a) => a.tcache.count), chunkBytes: sum((a) => a.tcache.chunkBytes) },
      fastbin: { count: sum((a) => a.fastbin.count), chunkBytes: sum((a) => a.fastbin.chunkBytes) },
    };
  });
  const Pair = (p: { v: { count: number; chunkBytes: number } }) => (
    <>
      <td class={`r num grp ${p.v.count === 0 ? 'muted' : ''}`}>{num(p.v.count)}</td>
      <td class={`r num ${p.v.count === 0 ? 'muted' : ''}`} title={bytes(p.v.chunkBytes)}>
        {num(p.v.chunkBytes)}
      </td>
    </>
  );
  return (
    <Grid
      testid="heap-arenas"
      class="heap-arenas"
      caption="Arenas: their heaps, system memory and chunks by state (counts and chunk bytes)"
      cols={13}
      rows={props.heap.arenas}
      headRows={
        <>
          <tr>
            <th scope="col" rowSpan={2}>
              Arena
            </th>
            <th scope="col" rowSpan={2}>
              Address
            </th>
            <th scope="col" rowSpan={2} class="r">
              Heaps
            </th>
            <th scope="col" rowSpan={2} class="r" title="Bytes the arena got from the system (malloc_state.system_mem)">
              System memory
            </th>
            <th scope="col" rowSpan={2} class="r" title="Size of the top chunk (free space at the end of the arena, not in any list)">
              Top chunk
            </th>
            <th scope="colgroup" colSpan={2} class="c grp">
              Used
            </th>
            <th scope="colgroup" colSpan={2} class="c grp" title="Free chunks in the unsorted, small and large bins">
              Free in bins
            </th>
            <th scope="colgroup" colSpan={2} class="c grp" title="Free chunks in a thread's tcache">
              tcache
            </th>
            <th scope="colgroup" colSpan={2} class="c grp" title="Free chunks in the arena's fastbins">
              Fastbins
            </th>
          </tr>
          <tr>
            <For each={[0, 1, 2, 3]}>
              {() => (
                <>
                  <th scope="col" class="r grp">
                    count
                  </th>
                  <th scope="col" class="r">
                    bytes
                  </th>
                </>
              )}
            </For>
          </tr>
        </>
      }
      row={(a, _i, id) => {
        const isOpen = () => open().has(a.index);
        const heapsTitle = () => a.heaps.map((x) => `${padHex(x.start, props.ws)}–${padHex(x.end, props.ws)}`).join('\n');
        return (
          <tr class={isOpen() ? 'expanded' : ''}>
            <td>{a.main ? <span class="chip l-heap">main</span> : <span class="num">#{a.index}</span>}</td>
            <td class="mono">
              <AddrLink addr={a.address} ws={props.ws} onShowInMap={props.onShowInMap} />
            </td>
            <td class="r">
              <button
                type="button"
                class="disclosure"
                aria-expanded={isOpen()}
                aria-controls={id}
                aria-label={`${isOpen() ? 'Hide' : 'Show'} the ${a.heaps.length} heap${a.heaps.length === 1 ? '' : 's'} of ${a.main ? 'the main arena' : `arena ${a.index}`}`}
                title={heapsTitle()}
                onClick={() => toggle(a.index)}
              >
                <span aria-hidden="true">{isOpen() ? '▾' : '▸'}</span> {num(a.heaps.length)}
              </button>
            </td>
            <td class="r num" title={bytes(a.systemMem)}>
              {num(a.systemMem)}
            </td>
            <td class="r num" title={`top chunk at ${padHex(a.top, props.ws)}: ${bytes(a.topSize)}`}>
              {num(a.topSize)}
            </td>
            <Pair v={a.used} />
            <Pair v={a.free} />
            <Pair v={a.tcache} />
            <Pair v={a.fastbin} />
          </tr>
        );
      }}
      detail={{
        open: (a) => open().has(a.index),
        body: (a) => (
          <>
            <ul class="heap-list">
              <For each={a.heaps}>
                {(x) => (
                  <li>
                    <AddrLink addr={x.start} ws={props.ws} onShowInMap={props.onShowInMap} /> – <span class="mono">{padHex(x.end, props.ws)}</span>{' '}
                    <span class="muted num">({bytes(Number(BigInt(x.end) - BigInt(x.start)))})</span>
                  </li>
                )}
              </For>
            </ul>
            <p class="muted small detail-note">
              Top chunk at <span class="mono">{padHex(a.top, props.ws)}</span>, {num(a.topSize)} bytes.
            </p>
          </>
        ),
      }}
      foot={
        props.heap.arenas.length > 1 ? (
          <tr>
            <th scope="row" colSpan={2}>
              Total
            </th>
            <td class="r num">{num(total().heaps)}</td>
            <td class="r num" title={bytes(total().systemMem)}>
              {num(total().systemMem)}
            </td>
            <td class="r num" title={bytes(total().topSize)}>
              {num(total().topSize)}
            </td>
            <Pair v={total().used} />
            <Pair v={total().free} />
            <Pair v={total().tcache} />
            <Pair v={total().fastbin} />
          </tr>
        ) : undefined
      }
    />
  );
}

function AllocatorDetails(props: { heap: HeapJSON; ws: number }): JSX.Element {
  const h = () => props.heap;
  return (
    <details class="more">
      <summary>
        Allocator details: mp_, layout, tcaches ({num(h().tcaches.length)})
      </summary>
      <div class="two-col">
        <dl class="kv">
          <Show when={h().mp}>
            {(mp) => (
              <>
                <dt>mp_</dt>
                <dd class="mono">{padHex(mp().address, props.ws)}</dd>
                <dt>sbrk_base</dt>
                <dd class="mono">{padHex(mp().sbrkBase, props.ws)}</dd>
                <dt>n_mmaps</dt>
                <dd class="num">{num(mp().nMmaps)}</dd>
                <dt>mmapped_mem</dt>
                <dd class="num">{num(mp().mmappedMem)}</dd>
                <dt>tcache_bins</dt>
                <dd class="num">{num(mp().tcacheBins)}</dd>
                <dt>tcache_max_bytes</dt>
                <dd class="num">{num(mp().tcacheMaxBytes)}</dd>
                <dt>tcache_count</dt>
                <dd class="num">{num(mp().tcacheCount)}</dd>
              </>
            )}
          </Show>
          <Show when={h().layout}>
            {(l) => (
              <>
                <dt>sizeof malloc_state</dt>
                <dd class="num">{num(l().stateSize)}</dd>
                <dt>fastbins</dt>
                <dd class="num">{num(l().nFastbins)}</dd>
                <dt>heap_info size</dt>
                <dd class="num">{num(l().heapInfoSize)}</dd>
                <dt>alignment</dt>
                <dd class="num">{num(l().alignment)}</dd>
                <dt>tcache struct chunk</dt>
                <dd class="num">{num(l().tcacheStructChunkSize)}</dd>
              </>
            )}
          </Show>
        </dl>
        <Grid
          wrap={false}
          head={
            <>
              <th scope="col">tcache</th>
              <th scope="col" class="r">
                Entries
              </th>
              <th scope="col">Threads</th>
              <th scope="col">Found by</th>
            </>
          }
          rows={h().tcaches}
          cols={4}
          empty="No tcache found."
          row={(t) => (
            <tr>
              <td class="mono">{padHex(t.address, props.ws)}</td>
              <td class="r num">{num(t.entries)}</td>
              <td class="num">{t.tids.length ? t.tids.join(', ') : <span class="muted">—</span>}</td>
              <td class="muted small">{t.foundBy}</td>
            </tr>
          )}
        />
      </div>
    </details>
  );
}

// ---- census tables ---------------------------------------------------------------

function TypesTable(props: { st: TableState<TypeRow>; ws: number; onShowInMap: (addr: string) => void; onOpenBlock: (addr: string) => void }): JSX.Element {
  const st = props.st;
  return (
    <CensusTable
      st={st}
      what="type"
      testid="heap-types"
      class="heap-types"
      csv={() => heapTypesTable(st.filtered())}
      placeholder="Filter: type, module, symbol, 0x address"
      label="Filter the types by name, kind, module, symbol or address"
      caption="Used blocks by type: blocks whose first word points into a module’s code or read-only data"
      cols={8}
      empty="No used block starts with a pointer into a module’s code or read-only data (no vtables)."
      head={
        <>
          <SortHeader key="key" label="Type" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} />
          <th scope="col">Kind</th>
          <SortHeader key="count" label="Count" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" />
          <SortHeader key="bytes" label="Bytes" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" />
          <th scope="col" title="The pointer every block of this type starts with">
            First word
          </th>
          <th scope="col">Module</th>
          <th scope="col">Symbol</th>
        </>
      }
      detail={{
        label: (r, open) => `${open ? 'Hide' : 'Show'} example blocks of ${r.type}`,
        body: (r) => <Examples list={r.examples} ws={props.ws} onOpenBlock={props.onOpenBlock} sizeNote="the group’s mean usable size" />,
      }}
      cells={(r) => (
        <>
          <td class="type-name" title={r.type}>
            {r.type}
          </td>
          <td>
            <span class={`chip k-${r.kind}`} title={KIND_TITLES[r.kind]}>
              {r.kind}
            </span>
          </td>
          <CountBytes r={r} />
          <td class="mono">
            <AddrLink addr={r.value} ws={props.ws} onShowInMap={props.onShowInMap} title="The pointer every block of this type starts with; show its mapping" />
          </td>
          <td class="mono">{r.module ?? <span class="muted">—</span>}</td>
          <td class="sym">
            {r.symbol ?? <span class="muted">—</span>} <GroupScan scope={{ kind: 'type', value: BigInt(r.value), name: r.type }} what={`the used blocks of type ${r.type}`} />
          </td>
        </>
      )}
    />
  );
}

function SizesTable(props: { st: TableState<SizeRow>; ws: number; onOpenBlock: (addr: string) => void }): JSX.Element {
  const st = props.st;
  return (
    <CensusTable
      st={st}
      what="size"
      testid="heap-sizes"
      class="heap-sizes"
      csv={() => heapSizesTable(st.filtered())}
      placeholder="Filter: a size in bytes, or 0x address"
      label="Filter the sizes: a number matches a usable or chunk size exactly"
      caption="Used blocks by usable size"
      cols={6}
      empty="No used block."
      head={
        <>
          <SortHeader key="key" label="Usable size" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" title="Sort by usable size (what malloc_usable_size returns)" />
          <th scope="col" class="r" title="The chunk's size field: usable size plus the header">
            Chunk size
          </th>
          <SortHeader key="count" label="Count" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" />
          <SortHeader key="bytes" label="Bytes" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" />
          <th scope="col">Example blocks</th>
        </>
      }
      cells={(r) => (
        <>
          <td class="r num">{num(r.size)}</td>
          <td class="r num muted">{num(r.chunkSize)}</td>
          <CountBytes r={r} />
          <td>
            <InlineExamples list={r.examples} ws={props.ws} onOpenBlock={props.onOpenBlock} /> <GroupScan scope={{ kind: 'size', size: r.size }} what={`the used blocks of ${r.size} bytes`} />
          </td>
        </>
      )}
    />
  );
}

function SigsTable(props: { st: TableState<SigRow>; ws: number; onOpenBlock: (addr: string) => void }): JSX.Element {
  const st = props.st;
  return (
    <CensusTable
      st={st}
      what="signature"
      testid="heap-signatures"
      class="heap-signatures"
      csv={() => heapSignaturesTable(st.filtered())}
      placeholder="Filter: a size, +offset, target (heap, vtable for A)"
      label="Filter the signatures: a number matches the usable size exactly; text matches offsets and targets"
      caption="Used blocks by usable size and by which of their first 64 words hold a pointer"
      cols={6}
      empty="No used block."
      head={
        <>
          <SortHeader key="key" label="Usable size" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" title="Sort by usable size" />
          <th scope="col" title="Byte offsets, within the first 64 words, that hold a pointer into a mapping">
            Pointer offsets
          </th>
          <SortHeader key="count" label="Count" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" />
          <SortHeader key="bytes" label="Bytes" sortKey={st.sortKey()} dir={st.dir()} onSort={st.onSort} class="r" />
          <th scope="col" title="What the first example block's pointers point into">
            Targets (first example)
          </th>
        </>
      }
      detail={{
        label: (r, open) => `${open ? 'Hide' : 'Show'} example blocks of size ${r.size} with ${r.offsets.length} pointer${r.offsets.length === 1 ? '' : 's'}`,
        body: (r) => (
          <>
            <Show when={r.offsets.length}>
              <p class="detail-note">
                <span class="muted">Pointer offsets ({r.offsets.length}):</span> <code class="wrap">{offsetsText(r.offsets)}</code>
              </p>
            </Show>
            <Show when={r.targets.length}>
              <div class="target-list">
                <span class="muted">Targets of the first example:</span>
                <For each={r.targets}>{(t) => <TargetItem t={t} />}</For>
                <Show when={r.offsets.length > r.targets.length}>
                  <span class="muted small">(targets are read for the first {r.targets.length} offsets)</span>
                </Show>
              </div>
            </Show>
            <Examples list={r.examples} ws={props.ws} onOpenBlock={props.onOpenBlock} />
          </>
        ),
      }}
      cells={(r, x) => (
        <>
          <td class="r num">{num(r.size)}</td>
          <OffsetsCell offsets={r.offsets} />
          <CountBytes r={r} />
          <td>
            <span class="targets">
              <For each={r.targets.slice(0, TARGETS_SHOWN)}>{(t) => <TargetItem t={t} />}</For>
              <Show when={r.targets.length > TARGETS_SHOWN}>
                <button type="button" class="link small" onClick={() => st.toggle(r)} aria-expanded={x.open()} aria-controls={x.id}>
                  +{r.targets.length - TARGETS_SHOWN} more
                </button>
              </Show>
            </span>
          </td>
        </>
      )}
    />
  );
}

const LABELS = new Set<string>(['heap', 'arena', 'stack', 'guard', 'text', 'rodata', 'data', 'bss', 'file', 'anon', 'vdso', 'vvar', 'vsyscall']);

function TargetItem(props: { t: Target }): JSX.Element {
  const t = () => props.t;
  return (
    <span class="target-item">
      <span class="mono">+{t().offset}</span> →{' '}
      <Show
        when={t().symbol}
        fallback={
          <>
            <Show when={t().module}>
              <span class="mono">{t().module}</span>{' '}
            </Show>
            <Show when={LABELS.has(t().label)} fallback={<span class="muted">{t().label}</span>}>
              <LabelChip label={t().label as RegionLabel} />
            </Show>
          </>
        }
      >
        <span class="sym" title={`${t().module ? `${t().module} ` : ''}${t().label}`}>
          {t().symbol}
        </span>
      </Show>
    </span>
  );
}

function Examples(props: { list: Example[]; ws: number; onOpenBlock: (addr: string) => void; sizeNote?: string }): JSX.Element {
  return (
    <Show when={props.list.length} fallback={<p class="muted detail-note">No example block.</p>}>
      <Grid
        wrap={false}
        class="examples"
        head={
          <>
            <th scope="col">Block</th>
            <th scope="col" class="r" title={props.sizeNote ? `Usable size (${props.sizeNote})` : 'Usable size'}>
              Size
            </th>
            <th scope="col">First bytes (hex · ASCII)</th>
          </>
        }
        rows={props.list}
        cols={3}
        row={(e) => (
          <tr>
            <td class="mono">
              <BlockLink addr={e.address} ws={props.ws} onOpen={props.onOpenBlock} />
            </td>
            <td class="r num">{num(e.size)}</td>
            <td>
              <Show when={e.head} fallback={<span class="muted">bytes not in the core</span>}>
                <pre class="hexdump">{hexdump(e.head)}</pre>
              </Show>
            </td>
          </tr>
        )}
      />
    </Show>
  );
}

// ---- helpers ---------------------------------------------------------------------

function targetText(t: Target): string {
  return `+${t.offset} ${t.symbol ?? ''} ${t.module ?? ''} ${t.label}`;
}

function exampleHay(addrs: string[], ws: number): string[] {
  return addrs.flatMap((a) => [a, padHex(a, ws)]);
}

/** `hexdump -C` lines for a hex string: offset, 16 bytes (8 + 8), printable ASCII. */
function hexdump(head: string): string {
  const b = head.match(/[0-9a-f]{2}/gi) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const row = b.slice(i, i + 16);
    const hx = [row.slice(0, 8).join(' '), row.slice(8).join(' ')].join('  ');
    const ascii = row
      .map((x) => {
        const c = parseInt(x, 16);
        return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
      })
      .join('');
    lines.push(`${i.toString(16).padStart(4, '0')}  ${hx.padEnd(48, ' ')}  |${ascii}|`);
  }
  return lines.join('\n');
}
