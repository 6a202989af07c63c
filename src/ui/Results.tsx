// Results: the dump's header, export, and the sections (stacked, with a sticky keyboard nav):
// Leaks first (the answer people come for) with the block explorer under it, then the rest.
// Block addresses in the Leaks and Heap sections open the explorer; addresses anywhere ("hex")
// open the memory view, which reads the dump while its files are in this tab.
import { For, type JSX, Show, createEffect, createMemo, createSignal, onCleanup, onMount } from 'solid-js';
import type { AnalysisJSON } from '../engine/analyze';
import { reportHtml } from '../engine/report-html';
import { type MemoryViewer, downloadJSON, downloadText, openMemory } from './session';
import type { Shown } from './App';
import { ExportContext, FilePicker, MemoryNav } from './common';
import { saveCached } from './cache';
import { installTableKeys } from './habits';
import { type ViewState, ViewTabsContext, writeRoute } from './route';
import { type BlocksNote, HexView, type MemoryTarget } from './HexView';
import { bytes, errorMessage, num, signalText } from './fmt';
import { MemoryMapView } from './MemoryMapView';
import { HeapView } from './HeapView';
import { BlockExplorerView, LeaksView, createBlockNav, normHex } from './LeaksView';
import { ThreadsView } from './ThreadsView';
import { CensusView } from './CensusView';
import { ModulesView } from './ModulesView';
import { DiagnosticsView } from './DiagnosticsView';
import { type ContentDocs, ContentNav, type ContentRequest, ContentView } from './ContentView';
import type { ContentScope } from './session';

interface Section {
  id: string;
  title: string;
  count: () => string;
}

export function Results(props: {
  shown: Shown;
  onNew: () => void;
  onFiles: (files: File[]) => void;
  onReanalyze?: () => void;
  /** The view to restore (sections, tabs, block, memory address): from the URL, or as it was left. */
  initialView?: ViewState;
  /** Told what is on screen as it changes. */
  onView?: (v: ViewState) => void;
  /** A way back (to the comparison this result was opened from). */
  back?: { label: string; onClick: () => void };
  /** Told when the result was stored again (after a failure). */
  onStored?: () => void;
}): JSX.Element {
  const json = (): AnalysisJSON => props.shown.result.json;
  const init = props.initialView;
  /** What is on screen, for the URL: the section nearest the top, the views' tabs, the block, the memory cursor. */
  const [section, setSection] = createSignal<string | undefined>(init?.section);
  const [tabs, setTabs] = createSignal<Record<string, string>>({ ...(init?.tabs ?? {}) });
  const [memAt, setMemAt] = createSignal<string | undefined>(init?.mem);
  const viewTabs = { get: (n: string) => tabs()[n], set: (n: string, v: string) => setTabs({ ...tabs(), [n]: v }) };
  /** Exports: whether they carry the dump's string contents (off: redacted). */
  const [includeStrings, setIncludeStrings] = createSignal(false);
  const exportBase = () => `heaplens-${json().input.name}`;
  const exportReport = () => downloadText(reportHtml(json(), { includeStrings: includeStrings(), generatedAt: new Date().toISOString(), content: contentDocs() }), `${exportBase()}-report.html`, 'text/html');
  /** 'saving' until the cache has the result, then 'saved' (or 'unsaved' when the browser refused). */
  const [stored, setStored] = createSignal<'saving' | 'saved' | 'unsaved'>('saving');
  const [storeNote, setStoreNote] = createSignal<string>();
  createEffect(() => {
    const r = props.shown.result;
    setStored('saving');
    void r.saved.then((o) => {
      if (props.shown.result !== r) return;
      setStored(o.stored ? 'saved' : 'unsaved');
      setStoreNote(o.stored ? undefined : o.message);
    });
  });
  /** After a refusal (quota): tries again, making room as saveCached does. */
  const storeAgain = async () => {
    const r = props.shown.result;
    setStored('saving');
    const o = await saveCached(r.cacheKey, r.json, r.binaries);
    setStored(o.stored ? 'saved' : 'unsaved');
    setStoreNote(o.message);
    props.onStored?.();
  };
  /** Set by cross-links ("show in memory map"); the map filters to the region holding it. */
  const [mapQuery, setMapQuery] = createSignal('');

  const issues = createMemo(() => {
    const d = json().diagnostics;
    return { errors: d.filter((x) => x.level === 'error').length, warnings: d.filter((x) => x.level === 'warning').length };
  });
  const totalSize = createMemo(() => json().regions.reduce((a, r) => a + r.size, 0));
  const totalInCore = createMemo(() => json().regions.reduce((a, r) => a + r.inCore, 0));

  const sections: Section[] = [
    { id: 'sec-leaks', title: 'Leaks', count: () => (json().leaks ? num(json().leaks!.leaked.count) : '—') },
    { id: 'sec-blocks', title: 'Block explorer', count: () => (props.shown.result.explorer && !props.shown.released ? '' : 'off') },
    { id: 'sec-memory', title: 'Memory', count: () => (viewer() ? '' : 'files?') },
    { id: 'sec-content', title: 'Content', count: () => (props.shown.result.content ? '' : 'files?') },
    { id: 'sec-map', title: 'Memory map', count: () => num(json().regions.length) },
    { id: 'sec-heap', title: 'Heap', count: () => (json().heap?.found ? num(json().heap!.used.count) : '—') },
    { id: 'sec-threads', title: 'Threads', count: () => num(json().threads.length) },
    { id: 'sec-census', title: 'Word census', count: () => (json().words ? num(json().words!.top.length) : '—') },
    { id: 'sec-modules', title: 'Modules', count: () => num(json().modules.length) },
    { id: 'sec-diag', title: 'Diagnostics', count: () => num(json().diagnostics.length) },
  ];

  const go = (id: string) => {
    const el = document.getElementById(id);
    if (!el) return;
    el.scrollIntoView({ block: 'start' });
    el.focus({ preventScroll: true });
  };

  const showInMap = (addr: string) => {
    setMapQuery(addr);
    go('sec-map');
  };

  /** Visited blocks; a block address clicked outside the explorer opens it there. */
  const blocks = createBlockNav();
  const explorer = () => (props.shown.released ? undefined : props.shown.result.explorer);
  const openBlock = (addr: string) => {
    blocks.open(addr);
    go('sec-blocks');
  };

  /** The memory view: the result's own, or one opened from files picked again (results from the recent list). */
  const [picked, setPicked] = createSignal<MemoryViewer>();
  const [pickError, setPickError] = createSignal<string>();
  const [picking, setPicking] = createSignal(false);
  const viewer = () => props.shown.result.memory ?? picked();
  const pickFiles = async (files: File[]) => {
    if (!files.length) return;
    setPicking(true);
    setPickError(undefined);
    try {
      setPicked(await openMemory(json(), files));
    } catch (e) {
      setPickError(errorMessage(e));
    } finally {
      setPicking(false);
    }
  };
  const blocksNote = (): BlocksNote | undefined => {
    if (!json().leaks) return json().heap?.found ? 'not-analyzed' : 'no-heap';
    if (props.shown.released) return 'released';
    if (props.shown.result.fromCache || !props.shown.result.explorer) return 'cache';
    return undefined;
  };
  const [memTarget, setMemTarget] = createSignal<MemoryTarget>();
  let memSeq = 0;
  const openInMemory = (addr: string) => {
    setMemTarget({ address: normHex(addr), seq: ++memSeq });
    go('sec-memory');
  };

  const p = () => json().process;

  /** The Content section: scans asked for from other sections, and the documents on screen (for the report). */
  const [contentReq, setContentReq] = createSignal<ContentRequest>();
  let contentSeq = 0;
  const openContent = (scope: ContentScope, tab: 'keys' | 'strings' | 'regex') => {
    setContentReq({ scope, tab, seq: ++contentSeq });
    go('sec-content');
  };
  const [contentDocs, setContentDocs] = createSignal<ContentDocs>({});

  createEffect(() => {
    const v: ViewState = { tabs: tabs() };
    if (section()) v.section = section();
    const b = blocks.current();
    if (b) v.block = b;
    if (memAt()) v.mem = memAt();
    writeRoute({ kind: 'analysis', key: props.shown.result.cacheKey, view: v });
    props.onView?.(v);
  });

  let root!: HTMLDivElement;
  onMount(() => {
    const off = installTableKeys(root);
    onCleanup(off);
    // The section nearest the top of the window, as one scrolls (after the restore below).
    let queued = false;
    const onScroll = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        let cur: string | undefined;
        for (const s of sections) {
          const el = document.getElementById(s.id);
          if (el && el.getBoundingClientRect().top <= 140) cur = s.id;
        }
        setSection(cur);
      });
    };
    // Restore what the URL named (a reload of a cached analysis), then follow the scroll.
    if (init?.block) blocks.open(init.block);
    if (init?.mem) setMemTarget({ address: normHex(init.mem), seq: ++memSeq });
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        if (init?.section) go(init.section);
        window.addEventListener('scroll', onScroll, { passive: true });
      }),
    );
    onCleanup(() => window.removeEventListener('scroll', onScroll));
  });

  return (
    // (the export settings and the views' tabs are provided with the memory view's navigation)
    <ExportContext.Provider value={{ base: exportBase(), includeStrings }}><ViewTabsContext.Provider value={viewTabs}><MemoryNav.Provider value={openInMemory}><ContentNav.Provider value={openContent}>
      <div class="results" data-testid="results" ref={root}>
        <section class="panel summary" aria-labelledby="res-title">
          <Show when={props.back}>
            {(b) => (
              <button type="button" class="link small" data-testid="back-to-diff" onClick={() => b().onClick()}>
                {b().label}
              </button>
            )}
          </Show>
          <div class="summary-head">
            <h1 id="res-title" class="file-name" tabindex="-1">
              {json().input.name}
            </h1>
            <Show when={props.shown.result.fromCache}>
              <span class="badge" data-testid="from-cache" title="Opened from this browser's cache (IndexedDB): no bytes were re-read">
                from cache
              </span>
            </Show>
            <Show when={!props.shown.result.fromCache && stored() === 'saved'}>
              <span class="badge" data-testid="saved" title="Stored in this browser (IndexedDB): opening the same files again shows this at once">
                saved
              </span>
            </Show>
            <Show when={stored() === 'unsaved'}>
              <span class="badge warn" data-testid="unsaved" title={storeNote() ?? 'The browser did not store this analysis'}>
                not stored
              </span>
              <button type="button" class="btn small" data-testid="store-again" onClick={() => void storeAgain()} title="Try to store this analysis in the browser again (older analyses are removed to make room)">
                Store again
              </button>
            </Show>
            <Show when={issues().errors > 0}>
              <button type="button" class="badge bad" onClick={() => go('sec-diag')}>
                {issues().errors} error{issues().errors === 1 ? '' : 's'}
              </button>
            </Show>
            <Show when={issues().warnings > 0}>
              <button type="button" class="badge warn" onClick={() => go('sec-diag')}>
                {issues().warnings} warning{issues().warnings === 1 ? '' : 's'}
              </button>
            </Show>
            <span class="spacer" />
            <button type="button" class="btn" data-testid="export-json" onClick={() => downloadJSON(json())} title="Download the whole analysis as JSON">
              Export JSON
            </button>
            <button
              type="button"
              class="btn"
              data-testid="export-report"
              onClick={exportReport}
              title="Download a report as one HTML file (summary, tables, charts, example blocks) that opens offline and loads nothing: to attach to a ticket"
            >
              Export report
            </button>
            <label class="check" title="Exports (report, CSV) include what the dump's strings say: census words read as text, the bytes of example blocks, the process' arguments. Off: they are redacted (dumps hold secrets).">
              <input type="checkbox" data-testid="include-strings" checked={includeStrings()} onChange={(e) => setIncludeStrings(e.currentTarget.checked)} /> include string contents
            </label>
            <FilePicker label="Open other files…" onFiles={props.onFiles} />
            <button type="button" class="btn" data-testid="new-analysis" onClick={() => props.onNew()} title="Back to the start page (recent analyses, sample)">
              New analysis
            </button>
          </div>
          <dl class="facts">
            <Fact k="Format" v={json().format} />
            <Fact k="Machine" v={json().machine} />
            <Fact k="Word size" v={`${json().wordSize} bytes`} />
            <Fact k="PID" v={p().pid !== undefined ? String(p().pid) : '—'} mono />
            <Fact k="PPID" v={p().ppid !== undefined ? String(p().ppid) : '—'} mono />
            <Fact k="Command" v={p().command ?? '—'} mono />
            <Fact k="Args" v={p().args ?? '—'} mono wide />
            <Fact k="Signal" v={signalText(p().signal)} />
            <Fact k="File size" v={bytes(json().input.size)} title={`${num(json().input.size)} bytes`} />
            <Fact k="Mapped" v={`${bytes(totalSize())} · ${num(json().regions.length)} maps`} title={`${num(totalSize())} bytes in ${num(json().regions.length)} mappings`} />
            <Fact k="In core" v={bytes(totalInCore())} title={`${num(totalInCore())} bytes of mapped memory are present in the core`} />
            <Fact k="Threads" v={num(json().threads.length)} />
            <Show when={props.shown.files && props.shown.files.length > 1}>
              <Fact k="Binaries" v={props.shown.files!.slice(1).join(', ')} wide />
            </Show>
          </dl>
        </section>

        <nav class="section-nav" aria-label="Sections">
          <For each={sections}>
            {(s) => (
              <button type="button" class="nav-item" onClick={() => go(s.id)}>
                {s.title} <span class="count">{s.count()}</span>
              </button>
            )}
          </For>
        </nav>

        <section id="sec-leaks" class="panel section" tabindex="-1" aria-labelledby="sec-leaks-h">
          <h2 id="sec-leaks-h">Leaks</h2>
          <LeaksView json={json()} onOpenBlock={openBlock} onShowDiagnostics={() => go('sec-diag')} />
        </section>
        <section id="sec-blocks" class="panel section" tabindex="-1" aria-labelledby="sec-blocks-h">
          <h2 id="sec-blocks-h">Block explorer</h2>
          <BlockExplorerView
            nav={blocks}
            explorer={explorer()}
            unavailable={props.shown.released ? 'released' : 'cache'}
            onReanalyze={props.onReanalyze}
            hasLeaks={!!json().leaks}
            ws={json().wordSize}
            onShowInMap={showInMap}
          />
        </section>
        <section id="sec-memory" class="panel section" tabindex="-1" aria-labelledby="sec-memory-h">
          <h2 id="sec-memory-h">Memory</h2>
          <HexView
            viewer={viewer()}
            blocksNote={blocksNote()}
            target={memTarget()}
            coreName={json().input.name}
            binaries={props.shown.result.binaries}
            onReanalyze={props.onReanalyze}
            onPickFiles={(f) => void pickFiles(f)}
            pickError={pickError()}
            picking={picking()}
            onOpenBlock={explorer() ? openBlock : undefined}
            onShowInMap={showInMap}
            onCursor={setMemAt}
          />
        </section>
        <section id="sec-content" class="panel section" tabindex="-1" aria-labelledby="sec-content-h">
          <h2 id="sec-content-h">Content</h2>
          <ContentView json={json()} runner={props.shown.result.content} request={contentReq()} onDocs={setContentDocs} />
        </section>
        <section id="sec-map" class="panel section" tabindex="-1" aria-labelledby="sec-map-h">
          <h2 id="sec-map-h">Memory map</h2>
          <MemoryMapView json={json()} query={mapQuery()} onQuery={setMapQuery} />
        </section>
        <section id="sec-heap" class="panel section" tabindex="-1" aria-labelledby="sec-heap-h">
          <h2 id="sec-heap-h">Heap</h2>
          <HeapView json={json()} onShowInMap={showInMap} onShowDiagnostics={() => go('sec-diag')} onOpenBlock={openBlock} />
        </section>
        <section id="sec-threads" class="panel section" tabindex="-1" aria-labelledby="sec-threads-h">
          <h2 id="sec-threads-h">Threads</h2>
          <ThreadsView json={json()} onShowInMap={showInMap} />
        </section>
        <section id="sec-census" class="panel section" tabindex="-1" aria-labelledby="sec-census-h">
          <h2 id="sec-census-h">Word census</h2>
          <CensusView json={json()} onShowInMap={showInMap} />
        </section>
        <section id="sec-modules" class="panel section" tabindex="-1" aria-labelledby="sec-modules-h">
          <h2 id="sec-modules-h">Modules</h2>
          <ModulesView json={json()} onShowInMap={showInMap} />
        </section>
        <section id="sec-diag" class="panel section" tabindex="-1" aria-labelledby="sec-diag-h">
          <h2 id="sec-diag-h">Diagnostics</h2>
          <DiagnosticsView json={json()} />
        </section>
      </div>
    </ContentNav.Provider></MemoryNav.Provider></ViewTabsContext.Provider></ExportContext.Provider>
  );
}

function Fact(props: { k: string; v: string; mono?: boolean; wide?: boolean; title?: string }): JSX.Element {
  return (
    <div class={`fact ${props.wide ? 'wide' : ''}`}>
      <dt>{props.k}</dt>
      <dd class={props.mono ? 'mono' : ''} title={props.title ?? props.v}>
        {props.v}
      </dd>
    </div>
  );
}
