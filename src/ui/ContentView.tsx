// Content: what the dump's bytes say — the printable-string census (ASCII, UTF-16LE), the
// key=value / `key: value` census with HTTP request lines and headers, and regex counts — over
// the whole dump, a region, or a set of heap blocks (leaked, leak tops, indirect, anchored, a
// size class). Runs go through session.ts (the analysis' workers while they are kept, else a
// fresh pool for the file); the view sees the JSON documents of docs/json.md only.
import { For, type JSX, Show, createContext, createEffect, createMemo, createSignal, on, onCleanup, useContext } from 'solid-js';
import type { AnalysisJSON } from '../engine/analyze';
import { contentKeysTable, contentStringsTable, httpHeadersTable, httpRequestsTable, regexGroupsTable, regexMatchesTable } from '../engine/tables';
import type { Progress } from '../engine/pipeline';
import { CsvButton, LabelChip, MemButton, Tabs, VerdictChip, openSet, useExport } from './common';
import { Grid, TableBar } from './table';
import { errorMessage, num, padHex } from './fmt';
import { useViewTab } from './route';
import { type ContentHandle, type ContentRunner, type ContentScope, type RegexJSON, type StringsJSON, checkPattern, isBlockScope, scopeLabel } from './session';

type Tab = 'keys' | 'strings' | 'regex';
type ScopeKind = ContentScope['kind'];

/** A request from another section ("strings in this group", "count in this group"). */
export interface ContentRequest {
  scope: ContentScope;
  tab: Tab;
  seq: number;
}

/** Opens the Content section on a scope; provided by the results page. */
export const ContentNav = createContext<(scope: ContentScope, tab: Tab) => void>();

/** "strings" / "count" buttons on a group's row (a size class, a verdict): open the Content section on it. */
export function GroupScan(props: { scope: ContentScope; what: string }): JSX.Element {
  const open = useContext(ContentNav);
  return (
    <Show when={open}>
      <span class="group-scan">
        <button type="button" class="mem-link" data-testid="group-strings" data-scope={scopeKey(props.scope)} title={`Strings and key=value census in ${props.what}`} onClick={() => open!(props.scope, 'keys')}>
          strings
        </button>{' '}
        <button type="button" class="mem-link" data-testid="group-count" data-scope={scopeKey(props.scope)} title={`Count a regex in ${props.what}`} onClick={() => open!(props.scope, 'regex')}>
          count
        </button>
      </span>
    </Show>
  );
}

const scopeKey = (s: ContentScope) => ('size' in s ? `${s.kind}:${s.size}` : s.kind === 'type' ? `type:${s.name}` : s.kind);

const SCOPES: { kind: ScopeKind; label: string }[] = [
  { kind: 'all', label: 'Whole dump' },
  { kind: 'region', label: 'A region' },
  { kind: 'leaked', label: 'Leaked blocks' },
  { kind: 'tops', label: 'Leak tops' },
  { kind: 'indirect', label: 'Indirectly leaked' },
  { kind: 'anchored', label: 'Anchored blocks' },
  { kind: 'size', label: 'A size class' },
  { kind: 'leaked-size', label: 'Leaked blocks of a size' },
];

/** The content documents on screen (for the report). */
export interface ContentDocs {
  strings?: StringsJSON;
  regex?: RegexJSON;
}

const short = (s: string, n = 120) => (s.length > n ? s.slice(0, n) + '…' : s);
/** Control characters shown as escapes. */
const shown = (s: string) => s.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')));

export function ContentView(props: { json: AnalysisJSON; runner?: ContentRunner; request?: ContentRequest; onDocs?: (d: ContentDocs) => void }): JSX.Element {
  const ws = () => props.json.wordSize;
  const ex = useExport();
  const [tab, setTab] = useViewTab<Tab>('content', 'keys', ['keys', 'strings', 'regex']);
  const [kind, setKind] = createSignal<ScopeKind>('all');
  const [regionText, setRegionText] = createSignal('');
  const [sizeText, setSizeText] = createSignal('');
  /** The last type group asked for from the Heap or Leaks tables (no way to type one here). */
  const [typeScope, setTypeScope] = createSignal<Extract<ContentScope, { kind: 'type' }>>();
  const [minLen, setMinLen] = createSignal(6);
  const [utf16, setUtf16] = createSignal(false);
  const [pattern, setPattern] = createSignal('');
  const [flags, setFlags] = createSignal<Record<'i' | 'm' | 's', boolean>>({ i: false, m: false, s: false });
  const [strings, setStrings] = createSignal<StringsJSON>();
  const [regex, setRegex] = createSignal<RegexJSON>();
  const [progress, setProgress] = createSignal<Progress>();
  const [busy, setBusy] = createSignal<string>();
  const [error, setError] = createSignal<string>();
  const [runs, setRuns] = createSignal(0);
  let handle: ContentHandle<unknown> | undefined;
  onCleanup(() => handle?.cancel());

  createEffect(() => props.onDocs?.({ strings: strings(), regex: regex() }));

  const blocksOk = () => !!props.runner?.blocks();
  const regions = createMemo(() => props.json.regions.filter((r) => r.inCore > 0));

  /** The scope chosen, or a message saying what is wrong with it. */
  const scope = (): ContentScope | string => {
    const k = kind();
    if (k === 'all') return { kind: 'all' };
    if (k === 'region') {
      const m = /^\s*(0x[0-9a-f]+|[0-9a-f]+)\s*(?:-|–|\.\.|\s)\s*(0x[0-9a-f]+|[0-9a-f]+)\s*$/i.exec(regionText());
      if (!m) return 'type a region as START-END (hex), or pick a mapping';
      const start = BigInt(m[1].startsWith('0x') ? m[1] : '0x' + m[1]);
      const end = BigInt(m[2].startsWith('0x') ? m[2] : '0x' + m[2]);
      if (end <= start) return 'the region\'s end must be above its start';
      return { kind: 'region', start, end };
    }
    if (k === 'type') return typeScope() ?? 'pick a type from the Heap or Leaks tables ("strings" / "count" on its row)';
    if (k === 'size' || k === 'leaked-size') {
      const n = Number(sizeText());
      if (!sizeText().trim() || !Number.isInteger(n) || n <= 0) return 'type a usable block size in bytes (e.g. 216)';
      return { kind: k, size: n };
    }
    return { kind: k };
  };

  const start = <T,>(what: string, make: (s: ContentScope, onProgress: (p: Progress) => void) => ContentHandle<T>, done: (r: T) => void) => {
    const s = scope();
    if (typeof s === 'string') {
      setError(s);
      return;
    }
    if (!props.runner) return;
    if (isBlockScope(s) && !blocksOk()) {
      setError(`${scopeLabel(s)}: ${props.runner.blocksWhy()}`);
      return;
    }
    handle?.cancel();
    setError(undefined);
    setProgress(undefined);
    setBusy(what);
    const h = make(s, (p) => setProgress(p));
    handle = h;
    setRuns(props.runner.runs());
    h.promise
      .then((r) => {
        if (handle !== h) return;
        done(r);
      })
      .catch((e) => {
        if (handle !== h) return;
        const msg = errorMessage(e);
        setError(/abort|cancel/i.test(String((e as Error)?.name) + msg) ? 'Cancelled: the results shown before are kept.' : msg);
      })
      .finally(() => {
        if (handle !== h) return;
        handle = undefined;
        setBusy(undefined);
        setRuns(props.runner?.runs() ?? 0);
      });
  };

  const runCensus = () => start('census', (s, p) => props.runner!.strings(s, { minLen: minLen(), utf16: utf16() }, p), (r) => setStrings(r));
  const flagText = () => (['i', 'm', 's'] as const).filter((f) => flags()[f]).join('');
  const patternProblem = () => (pattern() ? checkPattern(pattern(), flagText()) : undefined);
  const runRegex = () => {
    const bad = checkPattern(pattern(), flagText());
    if (bad !== undefined) {
      // Nothing is read for a bad pattern.
      setError(bad);
      return;
    }
    start('regex', (s, p) => props.runner!.regex(s, pattern(), flagText(), p), (r) => setRegex(r));
  };
  const cancel = () => handle?.cancel();

  // "strings in this group" / "count in this group" from the other sections.
  createEffect(
    on(
      () => props.request,
      (r) => {
        if (!r) return;
        const s = r.scope;
        setKind(s.kind);
        if (s.kind === 'size' || s.kind === 'leaked-size') setSizeText(String(s.size));
        if (s.kind === 'type') setTypeScope(s);
        if (s.kind === 'region') setRegionText(`0x${s.start.toString(16)}-0x${s.end.toString(16)}`);
        setTab(r.tab);
        if (r.tab === 'regex') {
          if (pattern()) runRegex();
          else requestAnimationFrame(() => (document.querySelector('[data-testid="content-pattern"]') as HTMLInputElement | null)?.focus({ preventScroll: true }));
        } else runCensus();
      },
      { defer: false },
    ),
  );

  const pct = () => {
    const p = progress();
    return p && p.total > 0 ? Math.min(100, Math.round((100 * p.done) / p.total)) : 0;
  };

  return (
    <div class="content-view" data-testid="content" data-runs={runs()}>
      <Show
        when={props.runner}
        fallback={
          <p class="muted" data-testid="content-nofiles">
            The content scans read the dump, and its files are not in this tab (this result was reopened from the browser's storage). Drop {props.json.input.name} again (“Open other files…”) to scan its strings, keys and patterns.
          </p>
        }
      >
        <div class="toolbar content-scope">
          <label>
            Scope{' '}
            <select data-testid="content-scope" value={kind()} onChange={(e) => setKind(e.currentTarget.value as ScopeKind)}>
              <Show when={typeScope()}>{(t) => <option value="type">{scopeLabel(t())}</option>}</Show>
              <For each={SCOPES}>
                {(s) => (
                  <option value={s.kind} disabled={s.kind !== 'all' && s.kind !== 'region' && !blocksOk()} title={s.kind !== 'all' && s.kind !== 'region' && !blocksOk() ? props.runner!.blocksWhy() : undefined}>
                    {s.label}
                  </option>
                )}
              </For>
            </select>
          </label>
          <Show when={kind() === 'region'}>
            <input class="filter mono" data-testid="content-region" placeholder="0x…-0x…" aria-label="Region: START-END" value={regionText()} onInput={(e) => setRegionText(e.currentTarget.value)} />
            <select aria-label="Pick a mapping" data-testid="content-region-pick" onChange={(e) => setRegionText(e.currentTarget.value)}>
              <option value="">pick a mapping…</option>
              <For each={regions()}>
                {(r) => (
                  <option value={`${r.start}-${r.end}`}>
                    {r.start}–{r.end} {r.label} {r.module ?? r.detail ?? ''}
                  </option>
                )}
              </For>
            </select>
          </Show>
          <Show when={kind() === 'size' || kind() === 'leaked-size'}>
            <input class="filter mono" data-testid="content-size" type="number" min="1" placeholder="usable bytes" aria-label="Usable block size" value={sizeText()} onInput={(e) => setSizeText(e.currentTarget.value)} />
          </Show>
          <Show when={!blocksOk()}>
            <span class="muted small" data-testid="content-blocks-why">
              Block sets: {props.runner!.blocksWhy()}.
            </span>
          </Show>
        </div>

        <Tabs
          prefix="content"
          label="Content scans"
          value={tab()}
          onChange={setTab}
          tabs={[
            { key: 'keys', label: 'Keys', count: strings()?.keys.length ?? 0 },
            { key: 'strings', label: 'Strings', count: strings()?.strings.length ?? 0 },
            { key: 'regex', label: 'Regex', count: regex()?.total ?? 0 },
          ]}
        />

        <div class="toolbar">
          <Show
            when={tab() === 'regex'}
            fallback={
              <>
                <label>
                  Min length{' '}
                  <input type="number" min="2" max="256" class="num-input" data-testid="content-minlen" value={minLen()} onInput={(e) => setMinLen(Math.max(2, Math.min(256, Number(e.currentTarget.value) || 6)))} />
                </label>
                <label class="check">
                  <input type="checkbox" data-testid="content-utf16" checked={utf16()} onChange={(e) => setUtf16(e.currentTarget.checked)} /> UTF-16LE too
                </label>
                <button type="button" class="btn primary" data-testid="content-run" disabled={!!busy()} onClick={runCensus}>
                  Scan strings and keys
                </button>
              </>
            }
          >
            <input
              class="filter mono pattern"
              data-testid="content-pattern"
              placeholder="JavaScript regex over the bytes as latin1, e.g. channelid=\d+"
              aria-label="Regular expression"
              value={pattern()}
              onInput={(e) => setPattern(e.currentTarget.value)}
              onKeyDown={(e) => e.key === 'Enter' && runRegex()}
              aria-invalid={!!patternProblem()}
            />
            <For each={['i', 'm', 's'] as const}>
              {(f) => (
                <label class="check" title={{ i: 'ignore case', m: 'multi-line ^ and $', s: '. matches newlines' }[f]}>
                  <input type="checkbox" data-testid={`content-flag-${f}`} checked={flags()[f]} onChange={(e) => setFlags({ ...flags(), [f]: e.currentTarget.checked })} /> {f}
                </label>
              )}
            </For>
            <button type="button" class="btn primary" data-testid="content-run-regex" disabled={!!busy()} onClick={runRegex}>
              Count
            </button>
          </Show>
          <Show when={busy()}>
            <span class="muted small" data-testid="content-progress">
              {progress()?.phase ?? 'starting'} {pct()}%
            </span>
            <progress max="100" value={pct()} />
            <button type="button" class="btn small" data-testid="content-cancel" onClick={cancel}>
              Cancel
            </button>
          </Show>
        </div>
        <Show when={tab() === 'regex' && patternProblem() && !error()}>
          <p class="muted small bad-text" data-testid="content-pattern-problem">
            {patternProblem()}
          </p>
        </Show>
        <Show when={error()}>
          <p class="bad-text" role="alert" data-testid="content-error">
            {error()}
          </p>
        </Show>

        <div role="tabpanel" id={`content-panel-${tab()}`} aria-labelledby={`content-tab-${tab()}`}>
          <Show when={tab() === 'keys'}>
            <Show when={strings()} fallback={<p class="muted">Scan to see every key=value and “key: value” pair counted, the dominant value of each key first — no need to know the key in advance.</p>}>
              {(j) => <KeysPanel j={j()} ws={ws()} includeStrings={ex.includeStrings()} />}
            </Show>
          </Show>
          <Show when={tab() === 'strings'}>
            <Show when={strings()} fallback={<p class="muted">Scan to see the printable strings by count, with the blocks that hold them.</p>}>
              {(j) => <StringsPanel j={j()} ws={ws()} includeStrings={ex.includeStrings()} />}
            </Show>
          </Show>
          <Show when={tab() === 'regex'}>
            <Show when={regex()} fallback={<p class="muted">Type a pattern and Count: matches over the scope, by mapping, block size and verdict, the first ones with their addresses.</p>}>
              {(j) => <RegexPanel j={j()} ws={ws()} includeStrings={ex.includeStrings()} />}
            </Show>
          </Show>
        </div>
      </Show>
    </div>
  );
}

function ScopeLine(props: { set: StringsJSON['set']; ms: number; workers: number }): JSX.Element {
  return (
    <p class="muted small" data-testid="content-scope-line">
      Over {props.set.label}: {num(props.set.bytes)} bytes in {num(props.set.unitsInCore)} of {num(props.set.units)} {props.set.kind === 'blocks' ? 'blocks' : 'mappings'}
      {props.set.missingBytes ? ` (${num(props.set.missingBytes)} bytes not in the file)` : ''} · {num(Math.round(props.ms))} ms on {props.workers} worker{props.workers === 1 ? '' : 's'}
    </p>
  );
}

function Precision(props: { j: StringsJSON }): JSX.Element {
  const exact = () => props.j.tables.every((t) => t.evictions === 0);
  return (
    <p class="small" data-testid="content-precision" data-exact={exact() ? 'yes' : 'no'} title={props.j.precision}>
      <Show when={exact()} fallback={<>Bounded: the tables filled, so counts are lower bounds (true count within count + max error); a string not listed occurred at most {num(Math.max(...props.j.tables.map((t) => t.maxError)))} times.</>}>
        Exact: no table filled; every count is exact (up to a 64-bit hash collision).
      </Show>
    </p>
  );
}

function Addr(props: { a: string | undefined; ws: number }): JSX.Element {
  return (
    <Show when={props.a} fallback="—">
      <span class="mono">{padHex(props.a, props.ws)}</span> <MemButton addr={props.a} />
    </Show>
  );
}

function KeysPanel(props: { j: StringsJSON; ws: number; includeStrings: boolean }): JSX.Element {
  const { open, toggle } = openSet<string>();
  return (
    <>
      <ScopeLine set={props.j.set} ms={props.j.elapsedMs} workers={props.j.workers} />
      <Precision j={props.j} />
      <TableBar testid="content-keys-csv" csv={() => contentKeysTable(props.j, { includeStrings: props.includeStrings })} title="Download keys and their top values as CSV (contents redacted unless “include string contents” is on)">
        {num(props.j.totals.pairs)} pairs · {num(props.j.totals.distinctKeys)} keys
      </TableBar>
      <Grid
        testid="content-keys"
        head={
          <>
            <th scope="col">Key</th>
            <th scope="col">Top value</th>
            <th scope="col" class="r">Pairs</th>
            <th scope="col" class="r">Distinct values</th>
            <th scope="col" />
          </>
        }
        rows={props.j.keys}
        cols={5}
        empty="No key=value or “key: value” pair in this scope."
        detailClass="sub"
        detail={{
          open: (k) => open().has(k.key),
          body: (k) => (
            <table class="grid inner" data-testid="content-key-values">
              <tbody>
                <For each={k.values}>
                  {(v) => (
                    <tr>
                      <td class="mono">{short(shown(v.value))}</td>
                      <td class="r num">{num(v.count)}</td>
                      <td class="muted small">{v.maxError ? `+≤${num(v.maxError)}` : 'exact'}</td>
                      <td>
                        <For each={v.examples}>{(a) => <Addr a={a} ws={props.ws} />}</For>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          ),
        }}
        row={(k) => (
          <tr data-key={k.key}>
            <td class="mono key">{shown(k.key)}</td>
            <td class="mono" data-testid="content-key-top" data-value={k.values[0]?.value} data-count={k.values[0]?.count}>
              <Show when={k.values[0]}>
                {(v) => (
                  <>
                    {k.key}
                    {v().separator}
                    <strong>{short(shown(v().value), 60)}</strong> × {num(v().count)}
                    {v().maxError ? ` (+≤${num(v().maxError)})` : ''}
                  </>
                )}
              </Show>
            </td>
            <td class="r num">{num(k.total)}</td>
            <td class="r num">
              {k.distinctAtLeast ? '≥ ' : ''}
              {num(k.distinct)}
            </td>
            <td>
              <button type="button" class="btn small ghost" data-testid="content-key-expand" aria-expanded={open().has(k.key)} onClick={() => toggle(k.key)}>
                {open().has(k.key) ? 'hide values' : `${k.values.length} values`}
              </button>
            </td>
          </tr>
        )}
      />

      <h3>HTTP request lines</h3>
      <TableBar testid="content-http-csv" csv={() => httpRequestsTable(props.j, { includeStrings: props.includeStrings })}>
        {num(props.j.totals.httpRequests)} request lines
      </TableBar>
      <Grid
        wrap={false}
        testid="content-http-requests"
        head={
          <>
            <th scope="col">Method</th>
            <th scope="col">Path</th>
            <th scope="col" class="r">Count</th>
            <th scope="col">Example</th>
          </>
        }
        rows={props.j.http.requests}
        cols={4}
        empty="No HTTP request line."
        row={(r) => (
          <tr>
            <td class="mono">{r.method}</td>
            <td class="mono">{short(shown(r.path))}</td>
            <td class="r num">{num(r.count)}</td>
            <td>
              <Addr a={r.examples[0]} ws={props.ws} />
            </td>
          </tr>
        )}
      />
      <h3>HTTP headers</h3>
      <TableBar testid="content-headers-csv" csv={() => httpHeadersTable(props.j, { includeStrings: props.includeStrings })}>
        {num(props.j.totals.httpHeaders)} header lines
      </TableBar>
      <Grid
        wrap={false}
        testid="content-http-headers"
        head={
          <>
            <th scope="col">Header</th>
            <th scope="col" class="r">Count</th>
            <th scope="col">Top values</th>
          </>
        }
        rows={props.j.http.headers}
        cols={3}
        empty="No HTTP header line."
        row={(h) => (
          <tr>
            <td class="mono">{h.name}</td>
            <td class="r num">{num(h.count)}</td>
            <td class="mono small">
              {h.values
                .slice(0, 3)
                .map((v) => `${short(shown(v.value), 50)} ×${num(v.count)}`)
                .join(' · ')}
            </td>
          </tr>
        )}
      />
    </>
  );
}

function StringsPanel(props: { j: StringsJSON; ws: number; includeStrings: boolean }): JSX.Element {
  const STEP = 100;
  const [limit, setLimit] = createSignal(STEP);
  return (
    <>
      <ScopeLine set={props.j.set} ms={props.j.elapsedMs} workers={props.j.workers} />
      <Precision j={props.j} />
      <TableBar testid="content-strings-csv" csv={() => contentStringsTable(props.j, { includeStrings: props.includeStrings })} title="Download the strings as CSV (contents redacted unless “include string contents” is on)">
        {num(props.j.totals.strings)} strings ({num(props.j.totals.asciiStrings)} ASCII, {num(props.j.totals.utf16Strings)} UTF-16LE) · {num(props.j.totals.distinctStrings)} distinct · min length {props.j.options.minLength}
      </TableBar>
      <Grid
        testid="content-strings"
        head={
          <>
            <th scope="col" class="r">
              #
            </th>
            <th scope="col">String</th>
            <th scope="col">Enc.</th>
            <th scope="col" class="r">Count</th>
            <th scope="col" class="r">Bytes</th>
            <th scope="col">Held in</th>
          </>
        }
        rows={props.j.strings.slice(0, limit())}
        cols={6}
        empty="No string in this scope."
        row={(s, i) => (
          <tr>
            <td class="r num muted">{i() + 1}</td>
            <td class="mono str" title={s.long ? `longer than ${s.length} characters: counted by its first ${s.length}` : undefined}>
              {short(shown(s.text))}
              {s.long ? '…' : ''}
            </td>
            <td class="small">{s.encoding === 'ascii' ? 'ASCII' : 'UTF-16LE'}</td>
            <td class="r num">
              {num(s.count)}
              {s.maxError ? ` +≤${num(s.maxError)}` : ''}
            </td>
            <td class="r num">{num(s.bytes)}</td>
            <td class="held" data-testid="content-string-blocks">
              <For each={s.examples}>
                {(a, k) => {
                  const b = () => s.blocks?.[k()];
                  return (
                    <span class="held-at">
                      <Show when={b()} fallback={<Addr a={a} ws={props.ws} />}>
                        {(bb) => (
                          <>
                            <span class="mono">{padHex(bb().address, props.ws)}</span> <span class="muted small">{num(bb().size)} B</span> <VerdictChip verdict={bb().verdict} /> <MemButton addr={a} what={`the string at ${a}`} />
                          </>
                        )}
                      </Show>
                    </span>
                  );
                }}
              </For>
            </td>
          </tr>
        )}
      />
      <Show when={limit() < props.j.strings.length}>
        <div class="pager">
          <button type="button" class="btn small" onClick={() => setLimit(limit() + STEP)}>
            Show more
          </button>
        </div>
      </Show>
    </>
  );
}

function RegexPanel(props: { j: RegexJSON; ws: number; includeStrings: boolean }): JSX.Element {
  return (
    <>
      <ScopeLine set={props.j.set} ms={props.j.elapsedMs} workers={props.j.workers} />
      <p data-testid="content-regex-summary">
        <strong data-testid="content-regex-total" data-total={props.j.total}>
          {num(props.j.total)}
        </strong>{' '}
        match{props.j.total === 1 ? '' : 'es'} of <span class="mono">/{props.j.pattern}/{props.j.flags}</span>
        <Show when={props.j.blocks}>{(b) => <span class="muted"> · {num(b().inBlocks)} in heap blocks, {num(b().outsideBlocks)} outside</span>}</Show>
      </p>
      <div class="toolbar">
        <span class="muted small">By group</span>
        <CsvButton testid="content-regex-groups-csv" table={() => regexGroupsTable(props.j)} />
      </div>
      <div class="regex-groups">
        <Show when={props.j.blocks}>
          {(b) => (
            <>
              <Grid
                wrap={false}
                testid="content-regex-verdicts"
                head={
                  <>
                    <th scope="col">Verdict</th>
                    <th scope="col" class="r">Matches</th>
                    <th scope="col" class="r">Blocks</th>
                  </>
                }
                rows={b().byVerdict}
                cols={3}
                row={(g) => (
                  <tr data-verdict={g.verdict}>
                    <td>
                      <VerdictChip verdict={g.verdict} />
                    </td>
                    <td class="r num">{num(g.matches)}</td>
                    <td class="r num">{num(g.blocks)}</td>
                  </tr>
                )}
              />
              <Grid
                wrap={false}
                testid="content-regex-sizes"
                head={
                  <>
                    <th scope="col" class="r">Block size</th>
                    <th scope="col" class="r">Matches</th>
                    <th scope="col" class="r">Blocks</th>
                  </>
                }
                rows={b().bySize.slice(0, 20)}
                cols={3}
                row={(g) => (
                  <tr>
                    <td class="r num">{num(g.size)} B</td>
                    <td class="r num">{num(g.matches)}</td>
                    <td class="r num">{num(g.blocks)}</td>
                  </tr>
                )}
              />
            </>
          )}
        </Show>
        <Grid
          wrap={false}
          testid="content-regex-regions"
          head={
            <>
              <th scope="col">Mapping</th>
              <th scope="col">Label</th>
              <th scope="col" class="r">Matches</th>
            </>
          }
          rows={props.j.byRegion.slice(0, 20)}
          cols={3}
          empty="No match."
          row={(r) => (
            <tr>
              <td class="mono small">
                {r.start}–{r.end} {r.name}
              </td>
              <td>
                <LabelChip label={r.label} />
              </td>
              <td class="r num">{num(r.count)}</td>
            </tr>
          )}
        />
      </div>
      <div class="toolbar">
        <span class="muted small">First {num(props.j.matches.length)} matches, in address order</span>
        <CsvButton testid="content-regex-csv" table={() => regexMatchesTable(props.j, { includeStrings: props.includeStrings })} />
      </div>
      <Grid
        testid="content-regex-matches"
        head={
          <>
            <th scope="col">Address</th>
            <th scope="col">Text</th>
            <th scope="col">Block</th>
          </>
        }
        rows={props.j.matches}
        cols={3}
        row={(m) => (
          <tr>
            <td>
              <Addr a={m.address} ws={props.ws} />
            </td>
            <td class="mono str">
              {short(shown(m.text))}
              {m.length > m.text.length ? '…' : ''}
            </td>
            <td>
              <Show when={m.block} fallback={<span class="muted small">{m.block === null ? 'not in a block' : ''}</span>}>
                {(b) => (
                  <>
                    <span class="mono">{padHex(b().address, props.ws)}</span> <span class="muted small">{num(b().size)} B</span> <VerdictChip verdict={b().verdict} />
                  </>
                )}
              </Show>
            </td>
          </tr>
        )}
      />
    </>
  );
}
