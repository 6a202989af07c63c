// The Evidence area: the text evidence read so far (dropped or pasted tool output), one view per
// kind for the item open, and — two items of one kind open — their comparison (compareTexts).
import { For, type JSX, Match, Show, Switch, createMemo, createSignal, onCleanup, onMount } from 'solid-js';
import type { HeapProfileDoc, HeapTrendDoc, MapsDiffDoc, MapsDoc, TextDocument, ThreadsDoc } from '../../engine/text';
import { FilePicker } from '../common';
import { Grid } from '../table';
import { downloadText } from '../download';
import { installTableKeys } from '../habits';
import { bytes, dateTime, num } from '../fmt';
import './evidence.css';
import { HeapDiffEvidence, HeapProfileEvidence, HeapTrendEvidence } from './heap';
import { MapsDiffEvidence, MapsEvidence, ThreadStacksView } from './maps';
import { Answer } from './parts';
import { BundleEvidence } from './bundle';
import { type BundleSummary, type EvidenceItem, compareEvidence, threadStacks } from './session';
import { MemGrowthView, MeminfoEvidence, SeriesEvidence, StraceEvidence, ThreadChanges, ThreadsEvidence, UnknownEvidence, ValgrindEvidence } from './views';

export const KIND_TITLE: Record<string, string> = {
  threads: 'threads (top / ps)',
  pidstat: 'pidstat -r',
  'proc-status': '/proc/PID/status',
  meminfo: '/proc/meminfo',
  strace: 'strace',
  valgrind: 'valgrind memcheck',
  'heap-profile': 'heap profile',
  bundle: 'collector bundle (tar.gz)',
  maps: 'memory map (maps / smaps / pmap)',
  'unknown-text': 'unknown text',
};

export const COMPARABLE = ['maps', 'meminfo', 'threads', 'heap-profile', 'pidstat', 'proc-status'];

/** Whether two documents have a comparison (compareTexts answers for these kinds). */
export function comparable(a: TextDocument | BundleSummary, b: TextDocument | BundleSummary): boolean {
  return a.kind === b.kind && COMPARABLE.includes(a.kind);
}

export function DocView(props: { doc: TextDocument | BundleSummary; threads?: ThreadsDoc[]; item?: (id: string) => EvidenceItem | undefined; onOpen?: (ids: string[]) => void }): JSX.Element {
  return (
    <Switch>
      <Match when={props.doc.kind === 'bundle' && props.doc}>{(d) => <BundleEvidence doc={d() as BundleSummary} item={props.item ?? (() => undefined)} onOpen={props.onOpen} />}</Match>
      <Match when={props.doc.kind === 'maps' && props.doc}>{(d) => <MapsEvidence doc={d() as MapsDoc} threads={props.threads} />}</Match>
      <Match when={props.doc.kind === 'threads' && props.doc}>{(d) => <ThreadsEvidence doc={d() as Extract<TextDocument, { kind: 'threads' }>} />}</Match>
      <Match when={(props.doc.kind === 'pidstat' || props.doc.kind === 'proc-status') && props.doc}>{(d) => <SeriesEvidence doc={d() as Extract<TextDocument, { kind: 'pidstat' }>} />}</Match>
      <Match when={props.doc.kind === 'meminfo' && props.doc}>{(d) => <MeminfoEvidence doc={d() as Extract<TextDocument, { kind: 'meminfo' }>} />}</Match>
      <Match when={props.doc.kind === 'strace' && props.doc}>{(d) => <StraceEvidence doc={d() as Extract<TextDocument, { kind: 'strace' }>} />}</Match>
      <Match when={props.doc.kind === 'valgrind' && props.doc}>{(d) => <ValgrindEvidence doc={d() as Extract<TextDocument, { kind: 'valgrind' }>} />}</Match>
      <Match when={props.doc.kind === 'heap-profile' && props.doc}>{(d) => <HeapProfileEvidence doc={d() as HeapProfileDoc} />}</Match>
      <Match when={props.doc.kind === 'unknown-text' && props.doc}>{(d) => <UnknownEvidence doc={d() as Extract<TextDocument, { kind: 'unknown-text' }>} />}</Match>
    </Switch>
  );
}

function Comparison(props: { items: EvidenceItem[]; threads: ThreadsDoc[] }): JSX.Element {
  const cmp = createMemo(() => compareEvidence(props.items, props.threads));
  const a = () => props.items[0];
  const b = () => props.items[1];
  return (
    <section class="panel ev-compare" data-testid="ev-compare" aria-label="Comparison">
      <h3>
        Comparison: <For each={props.items}>{(i, k) => <>{k() ? ' → ' : ''}<span class="mono">{i.name}</span></>}</For>
      </h3>
      <Show when={cmp()} fallback={<Answer tone="muted">These have no comparison: {KIND_TITLE[a().doc.kind]} documents are read one at a time{a().doc.kind !== b()?.doc.kind ? ' (and they are of different kinds)' : ''}.</Answer>}>
        {(c) => (
          <Switch>
            <Match when={c().kind === 'meminfo-diff' && c()}>
              {(x) => {
                const g = (x() as Extract<typeof x extends () => infer T ? T : never, { kind: 'meminfo-diff' }>).growth;
                return (
                  <div class="ev-view">
                    <Answer tone={g.verdict === 'user-space growth' || g.verdict === 'kernel-side growth' ? 'bad' : undefined}>Verdict: {g.summary}.</Answer>
                    <p class="ev-verdict" data-testid="ev-verdict">
                      {g.verdict}
                    </p>
                    <MemGrowthView g={g} />
                  </div>
                );
              }}
            </Match>
            <Match when={c().kind === 'threads-diff' && c()}>
              {(x) => {
                const t = x() as Extract<NonNullable<ReturnType<typeof compareEvidence>>, { kind: 'threads-diff' }>;
                const top = t.changes[0];
                return (
                  <div class="ev-view">
                    <Answer>
                      {t.rows.first} → {t.rows.last} rows
                      {top ? `; “${top.name}” changed most: ${num(top.first)} → ${num(top.last)}` : '; no name changed its count'}.
                    </Answer>
                    <ThreadChanges changes={t.changes} title="Counts that changed" testid="ev-compare-threads" />
                  </div>
                );
              }}
            </Match>
            <Match when={c().kind === 'heap-profile-diff' && c()}>
              {(x) => <HeapDiffEvidence diff={x() as Extract<NonNullable<ReturnType<typeof compareEvidence>>, { kind: 'heap-profile-diff' }>} base={a().doc as HeapProfileDoc} cur={b().doc as HeapProfileDoc} />}
            </Match>
            <Match when={c().kind === 'heap-profile-trend' && c()}>
              {(x) => <HeapTrendEvidence trend={x() as HeapTrendDoc} docs={props.items.map((i) => i.doc as HeapProfileDoc)} />}
            </Match>
            <Match when={c().kind === 'maps-diff' && c()}>
              {(x) => {
                const m = x() as MapsDiffDoc;
                const named = props.threads.find((t) => m.correlation && t.snapshots.some((s) => s.groups.some((g) => g.name === m.correlation!.name) || s.families.some((f) => f.family === m.correlation!.name)));
                const lastMap = [...props.items].map((i) => i.doc as MapsDoc).sort((p, q) => (p.time !== undefined && q.time !== undefined ? p.time - q.time : 0)).pop()!;
                const stacks = threadStacks(lastMap, props.threads);
                return (
                  <>
                    <MapsDiffEvidence diff={m} threads={named ?? props.threads[0]} />
                    <Show when={stacks.stacks.length}>
                      <ThreadStacksView doc={stacks} />
                    </Show>
                  </>
                );
              }}
            </Match>
            <Match when={(c().kind === 'pidstat' || c().kind === 'proc-status') && c()}>{(x) => <DocView doc={x() as TextDocument} />}</Match>
          </Switch>
        )}
      </Show>
    </section>
  );
}

/** The paste box: tool output pasted as text becomes an evidence item. */
export function PasteBox(props: { onPaste: (text: string) => void }): JSX.Element {
  const [text, setText] = createSignal('');
  return (
    <div class="ev-paste">
      <label class="small" for="ev-paste-text">
        <strong>Paste tool output</strong> — <code>pmap -x PID</code>, <code>top -H -b -n1</code>, <code>ps -eLf</code>, <code>pidstat -r</code>, <code>/proc/PID/status</code>, <code>/proc/meminfo</code>, <code>strace -f -t</code>, valgrind, a heap
        profile; several samples in one paste are fine
      </label>
      <textarea id="ev-paste-text" data-testid="paste-text" rows={5} spellcheck={false} value={text()} onInput={(e) => setText(e.currentTarget.value)} />
      <div>
        <button
          type="button"
          class="btn small"
          data-testid="paste-read"
          disabled={!text().trim()}
          onClick={() => {
            const t = text();
            setText('');
            props.onPaste(t);
          }}
        >
          Read it
        </button>
      </div>
    </div>
  );
}

export function EvidenceView(props: {
  items: EvidenceItem[];
  /** Ids open: one item, or two of a kind to compare (before, after). */
  open: string[];
  onOpen: (ids: string[]) => void;
  onRemove: (id: string) => void;
  onNew: () => void;
  onFiles: (files: File[]) => void;
  onPaste: (text: string) => void;
}): JSX.Element {
  const byId = (id: string) => props.items.find((i) => i.id === id);
  let root!: HTMLDivElement;
  // The table keys of the core's results (habits.ts): every evidence table's rows, the list's too.
  onMount(() => onCleanup(installTableKeys(root)));
  const opened = createMemo(() => props.open.map(byId).filter((x): x is EvidenceItem => !!x));
  const [single, setSingle] = createSignal<string>();
  const pair = () => (opened().length >= 2 ? opened() : undefined);
  const threads = createMemo(() => props.items.filter((i) => i.doc.kind === 'threads').map((i) => i.doc as ThreadsDoc));
  const one = () => {
    const o = opened();
    if (o.length === 1) return o[0];
    const s = single();
    return s ? o.find((i) => i.id === s) : undefined;
  };
  return (
    <div class="evidence" data-testid="evidence" ref={root}>
      <div class="section-head">
        <button type="button" class="link" onClick={() => props.onNew()}>
          ← Start page
        </button>
        <h2>Evidence</h2>
        <span class="muted small">{num(props.items.length)} item(s), read in this tab and kept in this browser</span>
        <span class="spacer" />
        <FilePicker label="Add files…" onFiles={props.onFiles} />
      </div>
      <Grid
        wrap={false}
        testid="evidence-list"
        class="ev-list"
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">Format</th>
            <th scope="col" class="r">
              Size
            </th>
            <th scope="col" class="r">
              Lines
            </th>
            <th scope="col">Read</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </>
        }
        rows={props.items}
        cols={6}
        row={(it) => {
          const isOpen = () => props.open.includes(it.id);
          const first = () => opened()[0];
          return (
            <tr data-testid="evidence-row" data-kind={it.doc.kind} class={isOpen() ? 'ev-open' : ''}>
              <td>
                <button type="button" class="link mono" data-testid="evidence-open" onClick={() => props.onOpen([it.id])}>
                  {it.name}
                </button>
                {it.pasted ? <span class="muted small"> (pasted)</span> : ''}
              </td>
              <td class={it.doc.kind === 'unknown-text' ? 'bad-text' : ''}>{KIND_TITLE[it.doc.kind] ?? it.doc.kind}</td>
              <td class="r num">{bytes(it.size)}</td>
              <td class="r num">{num(it.doc.lines)}</td>
              <td class="num small">{dateTime(it.addedAt)}</td>
              <td class="r nowrap">
                <Show when={first() && !isOpen() && comparable(first()!.doc, it.doc)}>
                  <button type="button" class="btn small ghost" data-testid="evidence-compare" title={`Compare ${first()!.name} (before) with ${it.name} (after)`} onClick={() => props.onOpen([first()!.id, it.id])}>
                    Compare with open
                  </button>
                  <Show when={(it.doc.kind === 'maps' || it.doc.kind === 'heap-profile') && opened().length >= 2 && opened().length < 16}>
                    <button type="button" class="btn small ghost" data-testid="evidence-add-snapshot" title="Add this snapshot to the comparison" onClick={() => props.onOpen([...props.open, it.id])}>
                      Add to comparison
                    </button>
                  </Show>
                </Show>{' '}
                <button type="button" class="btn small ghost" data-testid="evidence-remove" aria-label={`Remove ${it.name}`} onClick={() => props.onRemove(it.id)}>
                  Remove
                </button>
              </td>
            </tr>
          );
        }}
      />
      <Show when={pair()}>
        {(p) => (
          <>
            <Comparison items={p()} threads={threads()} />
            <p class="small">
              Each on its own:{' '}
              <For each={p()}>
                {(i) => (
                  <button type="button" class="btn small ghost" onClick={() => setSingle(single() === i.id ? undefined : i.id)} aria-pressed={single() === i.id}>
                    {i.name}
                  </button>
                )}
              </For>
            </p>
          </>
        )}
      </Show>
      <Show when={one()} keyed>
        {(it) => (
          <section class="panel ev-item" data-testid="evidence-item" aria-label={it.name}>
            <div class="section-head">
              <h3>
                <span class="mono">{it.name}</span> <span class="muted small">{KIND_TITLE[it.doc.kind]}</span>
              </h3>
              <span class="spacer" />
              <button
                type="button"
                class="btn small ghost"
                data-testid="evidence-json"
                title="The document as heaplens text --json writes it (docs/json.md)"
                onClick={() => downloadText(JSON.stringify(it.doc, null, 2) + '\n', `heaplens-${it.name}.json`, 'application/json')}
              >
                Export JSON
              </button>
            </div>
            <DocView doc={it.doc} threads={threads()} item={byId} onOpen={props.onOpen} />
            <Show when={it.doc.diagnostics.length && it.doc.kind !== 'unknown-text'}>
              <ul class="small muted ev-diags">
                <For each={it.doc.diagnostics}>
                  {(d) => (
                    <li>
                      {d.level}: {d.message}
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </section>
        )}
      </Show>
      <section class="panel">
        <PasteBox onPaste={props.onPaste} />
      </section>
    </div>
  );
}
