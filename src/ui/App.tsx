// The app shell: start page, running panel, results; errors and notices above them.
// Owns the run lifecycle: one run at a time, a run that was cancelled or replaced is ignored
// whatever it later resolves to, and a failed run never replaces the results on screen.
// A fresh result keeps its workers for the block explorer until it is replaced or the user goes
// back to the start page (then they are let go: their memory is the analysis' graph).
// Several cores dropped at once are the dumps of one process to compare: each is analyzed (or
// taken from the cache) and the diff view shows what grew. The URL's hash names what is on
// screen (route.ts): a reload reopens it from the cache.
import { type JSX, Show, createEffect, createSignal, onCleanup, onMount } from 'solid-js';
import type { Progress } from '../engine/pipeline';
import { isAbort } from '../engine/errors';
import { type RecentEntry, type StorageUsage, checkCache, clearCache, forget, listRecent, loadCached, resetCache, saveCached, storageUsage } from './cache';
import { type DiffItem, type RawChoice, RawNeeded, type RunResult, memoryFromFiles, releaseExplorer, runInputs } from './session';
import { RawForm } from './RawForm';
import { errorMessage } from './fmt';
import { copied } from './habits';
import { type DiffEntry, type DiffShown, DiffView } from './DiffView';
import { type Route, type ViewState, hashChangedOutside, noteHash, parseHash, writeRoute } from './route';
import { Results } from './Results';
import { RunPanel, type RunState } from './RunPanel';
import { StartPage } from './StartPage';
import { EvidenceStart } from './evidence/EvidenceStart';
import { COMPARABLE, EvidenceView } from './evidence/EvidenceView';
import { type EvidenceItem, forgetEvidence, listEvidence, readEvidence, removalSet, saveEvidence, splitInputs } from './evidence/session';

export interface Shown {
  result: RunResult;
  /** Names of the files the user gave (core first), for the header. */
  files?: string[];
  /** The files themselves, when this result came from them in this tab (to analyze them again). */
  inputs?: File[];
  /** The result's explorer was let go (the user went to the start page). */
  released?: boolean;
  /** Opened from the comparison on screen (its results link back to it). */
  fromDiff?: boolean;
  /** A raw memory dump: the base and map the user gave (to analyze it again). */
  raw?: RawChoice;
}

interface Notice {
  kind: 'info' | 'warn';
  text: string;
}

/** A comparison on screen: the dumps, which two are compared, and their files when dropped in this tab. */
interface DiffState {
  shown: DiffShown;
  files: (DiffItem['files'] | undefined)[];
  saved: DiffItem['saved'][];
  table?: string;
}

export function App(): JSX.Element {
  const [screen, setScreen] = createSignal<'start' | 'results' | 'diff' | 'evidence'>('start');
  // Text evidence (dropped or pasted tool output): every item kept, and the one or two open.
  const [evidence, setEvidence] = createSignal<EvidenceItem[]>([]);
  const [evOpen, setEvOpen] = createSignal<string[]>([]);
  const showEvidence = (ids: string[]) => {
    setEvOpen(ids);
    setScreen('evidence');
    writeRoute({ kind: 'evidence', ids });
  };
  /** New items first (an item read again replaces its older copy); stored meanwhile. */
  const addEvidence = (items: EvidenceItem[]) => {
    const ids = new Set(items.map((i) => i.id));
    setEvidence([...items, ...evidence().filter((i) => !ids.has(i.id))]);
    void saveEvidence(items).then((m) => m && setNotice({ kind: 'warn', text: m }));
  };
  /**
   * What to open after a read: a collector bundle (its summary); two of a kind (or every memory map
   * of one format) compared, by name order; else a memory map (its view uses the thread lists), else
   * the first new item.
   */
  const pickNew = (items: EvidenceItem[]): string[] => {
    const bundle = items.find((i) => i.doc.kind === 'bundle');
    if (bundle) return [bundle.id];
    const known = items.filter((i) => i.doc.kind !== 'unknown-text');
    const byName = (l: EvidenceItem[]) => [...l].sort((x, y) => x.name.localeCompare(y.name, 'en', { numeric: true })).map((i) => i.id);
    // Memory maps of one format: the most snapshots, then the richest format.
    const rank = ['smaps', 'pmap-X', 'pmap-x', 'proc-maps', 'gdb', 'pmap'];
    const byFormat = new Map<string, EvidenceItem[]>();
    for (const i of known) if (i.doc.kind === 'maps') byFormat.set(i.doc.format, [...(byFormat.get(i.doc.format) ?? []), i]);
    const maps = [...byFormat.entries()].sort((x, y) => y[1].length - x[1].length || rank.indexOf(x[0]) - rank.indexOf(y[0]))[0]?.[1] ?? [];
    if (maps.length >= 2) return byName(maps).slice(0, 16);
    // Heap profiles: two → what grew; three or more → each function's trend (the engine orders them by the numbers in their names).
    const profiles = known.filter((i) => i.doc.kind === 'heap-profile');
    if (profiles.length >= 2) return byName(profiles).slice(0, 16);
    if (known.length === 2 && known[0].doc.kind === known[1].doc.kind && COMPARABLE.includes(known[0].doc.kind)) return byName(known);
    return items.length ? [(maps[0] ?? known[0] ?? items[0]).id] : [];
  };
  const openNew = (items: EvidenceItem[]) => showEvidence(pickNew(items));
  const [shown, setShown] = createSignal<Shown>();
  const [diffState, setDiffState] = createSignal<DiffState>();
  /** The view to restore when the results page opens (from the URL, or as it was left). */
  const [initialView, setInitialView] = createSignal<ViewState>();
  const [usage, setUsage] = createSignal<StorageUsage>({});
  /** The last copied address, shown for a few seconds. */
  const [copiedShown, setCopiedShown] = createSignal<ReturnType<typeof copied>>();
  let copiedTimer: ReturnType<typeof setTimeout> | undefined;
  createEffect(() => {
    const c = copied();
    if (!c) return;
    setCopiedShown(c);
    clearTimeout(copiedTimer);
    copiedTimer = setTimeout(() => setCopiedShown(undefined), 4000);
  });
  const [storeBroken, setStoreBroken] = createSignal(false);
  const [run, setRun] = createSignal<RunState>();
  /** A dropped file that is no ELF file: the raw-dump form asks for its base (RawForm). */
  const [rawAsk, setRawAsk] = createSignal<{ file: File; binaries: File[]; files: File[] }>();
  let lastFiles: File[] = [];
  const [error, setError] = createSignal<{ message: string; code?: string; title?: string }>();
  const [notice, setNotice] = createSignal<Notice>();
  const [recent, setRecent] = createSignal<RecentEntry[]>([]);
  const [dragging, setDragging] = createSignal(false);
  let runSeq = 0;

  const refreshRecent = async () => {
    setRecent(await listRecent());
    setUsage(await storageUsage());
  };

  /** Shows what a URL names: a cached analysis (with its view) or a comparison of two. */
  const applyRoute = async (r: Route) => {
    if (r.kind === 'start') return;
    if (r.kind === 'evidence') {
      const all = await listEvidence();
      setEvidence(all);
      const ids = r.ids.filter((id) => all.some((i) => i.id === id));
      if (ids.length < r.ids.length) setNotice({ kind: 'warn', text: 'The evidence this address names is not stored in this browser (it may have been removed). Drop or paste the tool output again.' });
      showEvidence(ids);
      return;
    }
    const list = await listRecent();
    const entry = (key: string) => list.find((e) => e.key === key);
    if (r.kind === 'analysis') {
      const json = await loadCached(r.key);
      if (!json) {
        setNotice({ kind: 'warn', text: 'The analysis this address names is not stored in this browser (it may have been removed, or the address comes from another browser). Drop its files to analyze them.' });
        writeRoute({ kind: 'start' });
        return;
      }
      const e = entry(r.key);
      setInitialView(r.view);
      setShown({ result: { json, fromCache: true, cacheKey: r.key, binaries: e?.binaries ?? [], saved: Promise.resolve({ stored: true }) }, files: [json.input.name, ...(e?.binaries ?? [])] });
      setScreen('results');
      return;
    }
    const [ja, jb] = await Promise.all([loadCached(r.a), loadCached(r.b)]);
    if (!ja || !jb) {
      setNotice({ kind: 'warn', text: 'The comparison this address names needs two analyses that are no longer stored in this browser. Drop the cores again to compare them.' });
      writeRoute({ kind: 'start' });
      return;
    }
    const item = (key: string, json: typeof ja): DiffEntry => ({ json, cacheKey: key, fromCache: true, name: json.input.name, lastModified: 0, binaries: entry(key)?.binaries ?? [], hasFiles: false });
    setDiffState({ shown: { items: [item(r.a, ja), item(r.b, jb)], a: 0, b: 1 }, files: [undefined, undefined], saved: [], table: r.table });
    setScreen('diff');
  };

  const onHash = () => {
    if (!hashChangedOutside()) return;
    noteHash();
    void applyRoute(parseHash(location.hash));
  };

  onMount(async () => {
    window.addEventListener('hashchange', onHash);
    // The store first: an older layout is upgraded, entries of an older schema dropped.
    const check = await checkCache();
    setStoreBroken(!!check.unavailable);
    if (check.message) setNotice({ kind: 'warn', text: check.message });
    await refreshRecent();
    setEvidence(await listEvidence());
    await applyRoute(parseHash(location.hash));
  });
  onCleanup(() => window.removeEventListener('hashchange', onHash));

  // The running panel appears only when a run lasts (cache hits and bad input answer in
  // milliseconds): until then, and again after a failure or a cancel, the page underneath
  // stays mounted with its filters and scroll position.
  const [runVisible, setRunVisible] = createSignal(false);
  let savedScroll = 0;
  const endRun = (restore: boolean) => {
    setRun(undefined);
    if (!runVisible()) return;
    setRunVisible(false);
    if (restore) requestAnimationFrame(() => window.scrollTo(0, savedScroll));
  };

  /** Starts a run; `getFiles` may itself take time (the sample is fetched) and fail. */
  async function start(label: string, getFiles: () => Promise<File[]>, firstStage = 'Opening the files', raw?: RawChoice, pasted?: { name: string; text: string }) {
    run()?.cancel(true);
    setRawAsk(undefined);
    const id = ++runSeq;
    const alive = () => run()?.id === id;
    setError(undefined);
    setNotice(undefined);
    let handle: { cancel(): void } | undefined;
    setRun({
      id,
      label,
      stage: firstStage,
      startedAt: performance.now(),
      cancel: (silent?: boolean) => {
        if (!alive()) return;
        handle?.cancel();
        if (silent) setRun(undefined);
        else {
          endRun(true);
          setNotice({ kind: 'info', text: `Cancelled: ${label} was not analyzed; nothing changed.` });
        }
      },
    });
    setTimeout(() => {
      if (!alive() || runVisible()) return;
      savedScroll = window.scrollY;
      setRunVisible(true);
      window.scrollTo(0, 0);
    }, 150);
    const patch = (p: Partial<RunState>) => {
      const r = run();
      if (r && r.id === id) setRun({ ...r, ...p });
    };
    try {
      let files = await getFiles();
      lastFiles = files;
      if (!alive()) return;
      label = pasted ? pasted.name : files.map((f) => f.name).join(' + ');
      patch({ label });
      // Text files (tool output) become evidence items; cores and binaries go on to the analysis.
      // (A raw dump read again with its base skips this: its files were split when it was dropped.)
      const split = pasted || raw ? { texts: [], bundles: [], rest: [], cores: 0, binaries: [] as File[] } : await splitInputs(files);
      if (!alive()) return;
      if (pasted || split.texts.length || split.bundles.length) {
        const eh = readEvidence(pasted ? [pasted] : split.texts, split.binaries, { onStage: (stage) => patch({ stage }), onProgress: (progress: Progress) => patch({ progress }) }, split.bundles);
        handle = eh;
        const { items, cores } = await eh.promise;
        if (!alive()) return;
        addEvidence(items);
        // Something besides text and binaries (a raw memory dump, bad input) still goes on, to be asked about or refused.
        const other = split.rest.some((f) => !split.binaries.includes(f));
        if (!split.cores && !cores.length && !other) {
          endRun(false);
          openNew(items);
          window.scrollTo(0, 0);
          return;
        }
        // Cores dropped beside the text, or found in a bundle, go on to the analysis; the evidence
        // opens from the start page on what was just read.
        setEvOpen(pickNew(items));
        files = [...split.rest, ...cores];
        lastFiles = files;
        setNotice({ kind: 'info', text: `Also read as evidence: ${items.map((i) => i.name).join(', ')} (Evidence, on the start page).` });
      }
      const h = runInputs(
        files,
        {
          onStage: (stage) => patch({ stage }),
          onProgress: (progress: Progress) => patch({ progress }),
        },
        raw,
      );
      handle = h;
      const out = await h.promise;
      if (!alive()) return;
      if (out.kind === 'diff') {
        const items = out.run.items;
        setDiffState({
          shown: { items: items.map((i) => ({ json: i.json, cacheKey: i.cacheKey, fromCache: i.fromCache, name: i.name, lastModified: i.lastModified, binaries: i.binaries, hasFiles: !!i.files })), a: 0, b: items.length - 1 },
          files: items.map((i) => i.files),
          saved: items.map((i) => i.saved),
        });
        setScreen('diff');
        endRun(false);
        window.scrollTo(0, 0);
        void Promise.all(items.map((i) => i.saved)).then((outcomes) => {
          const msgs = outcomes.map((o) => o.message).filter(Boolean);
          if (msgs.length) setNotice({ kind: 'warn', text: msgs.join(' ') });
          return refreshRecent();
        });
        return;
      }
      const result = out.result;
      // The previous result's workers go (a fresh run has let them go already; a cache hit has not).
      const prev = shown()?.result.explorer;
      if (prev && prev !== result.explorer) prev.release();
      setInitialView(undefined);
      setShown({ result, files: files.map((f) => f.name), inputs: files, ...(raw ? { raw } : {}) });
      setScreen('results');
      endRun(false);
      window.scrollTo(0, 0);
      void result.saved.then((o) => {
        if (o.message) setNotice({ kind: 'warn', text: o.message });
        return refreshRecent();
      });
    } catch (e) {
      if (!alive()) return;
      endRun(true);
      if (e instanceof RawNeeded) setRawAsk({ file: e.file, binaries: e.binaries, files: lastFiles });
      else if (isAbort(e)) setNotice({ kind: 'info', text: `Cancelled: ${label} was not analyzed; nothing changed.` });
      else setError({ message: errorMessage(e), code: (e as { code?: string })?.code });
    }
  }

  const openFiles = (files: File[]) => {
    if (files.length === 0) return;
    void start(files.map((f) => f.name).join(' + '), async () => files);
  };

  /** Tool output pasted in the box: read from memory as one evidence item. */
  const pastedText = (text: string) => {
    const n = evidence().filter((i) => i.pasted).length + 1;
    void start(`pasted text ${n}`, async () => [], 'Reading the pasted text', undefined, { name: `pasted-${n}.txt`, text });
  };

  const openSample = () =>
    void start('the sample', async () => {
      const base = new URL('./sample/', document.baseURI);
      let res: Response;
      try {
        res = await fetch(new URL('manifest.json', base));
      } catch (e) {
        throw new Error(`The sample could not be loaded: fetching ./sample/manifest.json failed (${errorMessage(e)}).`);
      }
      if (!res.ok) throw new Error(`The sample is not available: ./sample/manifest.json answered ${res.status} ${res.statusText || ''}`.trim() + '. This build ships without the sample files.');
      let manifest: { files?: { name?: unknown }[]; description?: string };
      try {
        manifest = await res.json();
      } catch {
        throw new Error('The sample manifest (./sample/manifest.json) is not valid JSON.');
      }
      const names = (manifest.files ?? []).map((f) => f.name).filter((n): n is string => typeof n === 'string' && n.length > 0 && !n.includes('/'));
      if (names.length === 0) throw new Error('The sample manifest (./sample/manifest.json) lists no files.');
      const files: File[] = [];
      for (const name of names) {
        const r = await fetch(new URL(encodeURIComponent(name), base));
        if (!r.ok) throw new Error(`The sample file ./sample/${name} answered ${r.status} ${r.statusText}`.trim() + '.');
        const blob = await r.blob();
        files.push(new File([blob], name, { lastModified: Date.parse(r.headers.get('last-modified') ?? '') || 0 }));
      }
      return files;
    }, 'Fetching the sample');

  /** Leaves the results for the start page: the explorer's workers are let go. */
  const toStart = () => {
    releaseExplorer();
    const s = shown();
    if (s?.result.explorer && !s.released) setShown({ ...s, released: true });
    setScreen('start');
    writeRoute({ kind: 'start' });
    void refreshRecent();
  };

  /** Opens one dump of the comparison as its own results (with its memory view when its files are here). */
  const openDiffItem = (i: number) => {
    const d = diffState();
    if (!d) return;
    const it = d.shown.items[i];
    const f = d.files[i];
    releaseExplorer();
    setInitialView(undefined);
    setShown({
      result: { json: it.json, fromCache: it.fromCache, cacheKey: it.cacheKey, binaries: it.binaries, saved: d.saved[i] ?? Promise.resolve({ stored: true }), memory: f ? memoryFromFiles(f.core, f.binaries) : undefined },
      files: [it.name, ...it.binaries],
      inputs: f ? [f.core, ...f.binaries] : undefined,
      fromDiff: true,
    });
    setScreen('results');
    window.scrollTo(0, 0);
  };

  /** "Compare with…" on the start page: two stored analyses, diffed without their files. */
  const compareRecent = async (x: RecentEntry, y: RecentEntry) => {
    setError(undefined);
    setNotice(undefined);
    const [ja, jb] = await Promise.all([loadCached(x.key), loadCached(y.key)]);
    if (!ja || !jb) {
      setError({ title: 'Could not compare', message: `${!ja ? x.name : y.name}: this analysis is no longer in the browser's cache. Drop the cores again to compare them.` });
      void refreshRecent();
      return;
    }
    const item = (e: RecentEntry, json: typeof ja): DiffEntry => ({ json, cacheKey: e.key, fromCache: true, name: e.name, lastModified: 0, binaries: e.binaries, hasFiles: false });
    setDiffState({ shown: { items: [item(x, ja), item(y, jb)], a: 0, b: 1 }, files: [undefined, undefined], saved: [] });
    setScreen('diff');
    window.scrollTo(0, 0);
  };

  /**
   * Analyzes the shown result's files again, bypassing the cache (a cached result has no block
   * explorer): the cached copy is set aside for the run and put back unless the run replaced it.
   */
  const reanalyze = async () => {
    const s = shown();
    if (!s?.inputs) return;
    const old = s.result;
    await forget(old.cacheKey);
    await start(s.inputs.map((f) => f.name).join(' + '), async () => s.inputs!, undefined, s.raw);
    const now = shown()?.result;
    if (!now || now === old || now.cacheKey !== old.cacheKey) await saveCached(old.cacheKey, old.json, old.binaries);
    await refreshRecent();
  };

  const resetStore = async () => {
    try {
      await resetCache();
      const check = await checkCache();
      setStoreBroken(!!check.unavailable);
      setNotice(check.unavailable ? { kind: 'warn', text: check.message! } : { kind: 'info', text: 'The store of analyses was deleted and made afresh.' });
    } catch (e) {
      setError({ title: 'Could not reset the stored analyses', message: errorMessage(e) });
    }
    await refreshRecent();
  };

  const openRecent = async (e: RecentEntry) => {
    setError(undefined);
    setNotice(undefined);
    const json = await loadCached(e.key);
    if (!json) {
      setError({ title: 'Could not open', message: `${e.name}: this analysis is no longer in the browser's cache (it may have been evicted). Drop the core again to re-analyze it.` });
      void refreshRecent();
      return;
    }
    setInitialView(undefined);
    setShown({ result: { json, fromCache: true, cacheKey: e.key, binaries: e.binaries, saved: Promise.resolve({ stored: true }) }, files: [e.name, ...e.binaries] });
    setScreen('results');
  };

  const removeRecent = async (e: RecentEntry) => {
    await forget(e.key);
    await refreshRecent();
  };

  const clearAll = async () => {
    try {
      await clearCache();
    } catch (e) {
      setError({ title: 'Could not clear the cache', message: `The cache could not be cleared: ${errorMessage(e)}` });
    }
    await refreshRecent();
  };

  // Drag & drop anywhere on the window.
  let depth = 0;
  const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
  const onDragEnter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    setDragging(true);
  };
  const onDragOver = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  };
  const onDragLeave = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) setDragging(false);
  };
  const onDrop = (e: DragEvent) => {
    if (!e.dataTransfer) return;
    e.preventDefault();
    depth = 0;
    setDragging(false);
    openFiles(Array.from(e.dataTransfer.files));
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && error()) setError(undefined);
  };
  onMount(() => {
    window.addEventListener('keydown', onKey);
    window.addEventListener('dragenter', onDragEnter);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('drop', onDrop);
  });
  onCleanup(() => {
    window.removeEventListener('keydown', onKey);
    window.removeEventListener('dragenter', onDragEnter);
    window.removeEventListener('dragover', onDragOver);
    window.removeEventListener('dragleave', onDragLeave);
    window.removeEventListener('drop', onDrop);
  });

  return (
    <div class="app">
      <header class="topbar">
        <button type="button" class="brand" onClick={() => !run() && toStart()} title="Start page">
          heaplens
        </button>
        <span class="tagline">memory leaks from C/C++ core dumps · offline</span>
        <span class="spacer" />
        <span class="offline-badge" title="Everything runs in this tab: no byte of your files leaves this machine.">
          local only
        </span>
      </header>

      <main class="main">
        <Show when={error() || notice()}>
          <div class="messages">
            <Show when={error()}>
              {(err) => (
                <div class="panel error-panel" role="alert">
                  <div class="error-body">
                    <strong class="error-title">{err().title ?? 'Could not analyze'}</strong>
                    <p data-testid="error" class="error-message">
                      {err().message}
                    </p>
                    <Show when={err().code}>
                      <span class="muted mono small">code: {err().code}</span>
                    </Show>
                    <Show when={shown() && screen() === 'results'}>
                      <span class="muted small">The results below are unchanged.</span>
                    </Show>
                  </div>
                  <button type="button" class="btn" data-testid="dismiss-error" title="Dismiss (Esc)" onClick={() => setError(undefined)}>
                    Dismiss
                  </button>
                </div>
              )}
            </Show>
            <Show when={notice()}>
              {(n) => (
                <div class={`panel notice notice-${n().kind}`} role="status" data-testid="notice">
                  <span>{n().text}</span>
                  <button type="button" class="btn small" onClick={() => setNotice(undefined)}>
                    Dismiss
                  </button>
                </div>
              )}
            </Show>
          </div>
        </Show>

        <Show when={runVisible() && run()}>{(r) => <RunPanel run={r()} />}</Show>
        <Show when={!runVisible() && rawAsk()} keyed>
          {(a) => (
            <RawForm
              file={a.file}
              binaries={a.binaries}
              onCancel={() => setRawAsk(undefined)}
              onAnalyze={(c) => void start(`${a.file.name} (raw dump at 0x${c.base.toString(16)})`, async () => a.files, 'Opening the files', c)}
            />
          )}
        </Show>
        <div class="content" hidden={runVisible()}>
          <Show when={screen() === 'evidence'}>
            <EvidenceView
              items={evidence()}
              open={evOpen()}
              onOpen={showEvidence}
              onRemove={(id) => {
                const gone = removalSet(evidence(), id);
                for (const g of gone) void forgetEvidence(g);
                setEvidence(evidence().filter((i) => !gone.has(i.id)));
                if (evOpen().some((x) => gone.has(x))) showEvidence(evOpen().filter((x) => !gone.has(x)));
              }}
              onNew={toStart}
              onFiles={openFiles}
              onPaste={pastedText}
            />
          </Show>
          <Show when={screen() === 'diff' && diffState()} keyed>
            {(d) => <DiffView shown={d.shown} initialTable={d.table} onOpen={openDiffItem} onNew={toStart} />}
          </Show>
          <Show
            when={screen() === 'results' && shown()}
            keyed
            fallback={
              <Show when={screen() === 'start'}>
                <StartPage
                  onFiles={openFiles}
                  onSample={openSample}
                  recent={recent()}
                  usage={usage()}
                  storeBroken={storeBroken()}
                  onOpenRecent={(e) => void openRecent(e)}
                  onRemoveRecent={(e) => void removeRecent(e)}
                  onClearAll={() => void clearAll()}
                  onReset={() => void resetStore()}
                  onCompare={(x, y) => void compareRecent(x, y)}
                  previous={shown()?.result.json.input.name}
                  onBackToResults={() => setScreen('results')}
                  comparison={diffState() ? diffState()!.shown.items.map((i) => i.name).join(' ↔ ') : undefined}
                  onBackToComparison={() => setScreen('diff')}
                  extra={<EvidenceStart count={evidence().length} onOpen={() => showEvidence(evOpen().length ? evOpen() : evidence().length ? [evidence()[0].id] : [])} onPaste={pastedText} />}
                />
              </Show>
            }
          >
            {(s) => (
              <Results
                shown={s}
                onNew={toStart}
                onFiles={openFiles}
                onReanalyze={s.inputs ? () => void reanalyze() : undefined}
                initialView={initialView()}
                onView={setInitialView}
                back={s.fromDiff && diffState() ? { label: '← Back to the comparison', onClick: () => setScreen('diff') } : undefined}
                onStored={() => void refreshRecent()}
              />
            )}
          </Show>
        </div>
      </main>

      <div class="copied" role="status" aria-live="polite" data-testid="copied">
        <Show when={copiedShown()} keyed>
          {(c) => <span class={`copied-msg ${c.failed ? 'bad-text' : ''}`}>{c.failed ? `Could not copy ${c.text} (the browser refused the clipboard)` : `Copied ${c.text}`}</span>}
        </Show>
      </div>

      <Show when={dragging()}>
        <div class="drop-overlay" aria-hidden="true">
          <div>Drop the core (and its executable and .so files) — or several cores of one process to compare them — or tool output (top, ps, pidstat, /proc, strace, valgrind, heap profiles)</div>
        </div>
      </Show>
    </div>
  );
}
