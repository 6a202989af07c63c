// Start page: what heaplens does, where to drop files, the sample, and recent analyses.
import { type JSX, Show, createMemo, createSignal } from 'solid-js';
import type { RecentEntry, StorageUsage } from './cache';
import { FilePicker } from './common';
import { Grid } from './table';
import { bytes, dateTime } from './fmt';

export function StartPage(props: {
  onFiles: (files: File[]) => void;
  onSample: () => void;
  recent: RecentEntry[];
  onOpenRecent: (e: RecentEntry) => void;
  onRemoveRecent: (e: RecentEntry) => void;
  onClearAll: () => void;
  /** Deletes and recreates the store (shown when it cannot be used). */
  onReset: () => void;
  /** Compares two stored analyses (before, after). */
  onCompare: (a: RecentEntry, b: RecentEntry) => void;
  usage: StorageUsage;
  storeBroken: boolean;
  /** Name of the analysis still in memory, if any. */
  previous?: string;
  onBackToResults: () => void;
  /** The comparison still in memory, if any. */
  comparison?: string;
  onBackToComparison: () => void;
  /** More on the page, after the drop zone (the text evidence: paste box, evidence read so far). */
  extra?: JSX.Element;
}): JSX.Element {
  const [comparing, setComparing] = createSignal<RecentEntry>();
  const storedBytes = createMemo(() => props.recent.reduce((a, e) => a + (e.bytes || 0), 0));
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    <div class="start">
      <section class="hero">
        <h1>heaplens</h1>
        <p class="purpose">Find memory leaks in C/C++ core dumps — offline; nothing leaves this machine.</p>
        <Show when={props.previous}>
          <p>
            <button type="button" class="link" onClick={() => props.onBackToResults()}>
              ← Back to the results for {props.previous}
            </button>
          </p>
        </Show>
        <Show when={props.comparison}>
          <p>
            <button type="button" class="link" data-testid="back-to-diff" onClick={() => props.onBackToComparison()}>
              ← Back to the comparison of {props.comparison}
            </button>
          </p>
        </Show>
      </section>

      <section class="dropzone" data-testid="dropzone" aria-label="Drop files here">
        <div class="drop-title">Drop a core dump here — or anywhere on this window</div>
        <div class="drop-actions">
          <FilePicker label="Choose files…" primary onFiles={props.onFiles} />
          <span class="muted">or</span>
          <button type="button" class="btn" data-testid="open-sample" onClick={() => props.onSample()}>
            Open the sample
          </button>
        </div>
        <ul class="drop-help">
          <li>
            <strong>The core</strong>: an ELF core from <code>gcore &lt;pid&gt;</code>, <code>gdb</code>'s <code>generate-core-file</code>, or the kernel
            (<code>core_pattern</code>, <code>coredumpctl dump</code>). ELF64 and ELF32; <code>.gz</code> is fine.
          </li>
          <li>
            <strong>Optional</strong>: the executable and its <code>.so</code> files (ideally unstripped or with debug info), matched by build-id, to name vtables
            and functions.
          </li>
          <li>Drop them all at once. Multi-GB cores stream from disk in slices; results are cached in this browser for instant reopening.</li>
          <li>
            <strong>What grew</strong>: drop two or more cores of the same process taken at different times (with its binaries) to compare them — or “Compare
            with…” two stored analyses below.
          </li>
        </ul>
      </section>

      {props.extra}

      <section class="recent-section" aria-labelledby="recent-title">
        <div class="section-head">
          <h2 id="recent-title">Stored analyses</h2>
          <span class="muted small" data-testid="storage-usage">
            {props.recent.length ? `${plural(props.recent.length, 'analysis', 'analyses')} · ${bytes(storedBytes())} of results` : ''}
            {props.usage.usage !== undefined && props.usage.quota ? ` · this page uses ${bytes(props.usage.usage)} of the ${bytes(props.usage.quota)} the browser allows it` : ''}
          </span>
          <span class="spacer" />
          <Show when={props.storeBroken}>
            <button type="button" class="btn small" data-testid="reset-cache" onClick={() => props.onReset()} title="Delete the browser's store of analyses and make it afresh">
              Reset stored analyses
            </button>
          </Show>
          <button type="button" class="btn small" data-testid="clear-cache" onClick={() => props.onClearAll()} disabled={props.recent.length === 0}>
            Clear all
          </button>
        </div>
        <Show when={comparing()}>
          {(c) => (
            <p class="hint" data-testid="compare-hint">
              Comparing <b>{c().name}</b> with…: choose the other dump below (“Compare with this”).{' '}
              <button type="button" class="link" onClick={() => setComparing(undefined)}>
                cancel
              </button>
            </p>
          )}
        </Show>
        <div data-testid="recent">
          <Show when={props.recent.length > 0} fallback={<p class="muted">None yet. Analyses are kept in this browser only (IndexedDB), keyed by the files' fingerprints.</p>}>
            <Grid
              wrap={false}
              class="recent"
              head={
                <>
                  <th scope="col">Core</th>
                  <th scope="col" class="r">
                    Size
                  </th>
                  <th scope="col" class="r" title="What the stored result takes (its JSON)">
                    Stored
                  </th>
                  <th scope="col">Binaries</th>
                  <th scope="col">Analyzed</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </>
              }
              rows={props.recent}
              cols={6}
              row={(e) => (
                <tr data-testid="recent-row">
                  <td>
                    <button type="button" class="link" title="Open this analysis from the cache" onClick={() => props.onOpenRecent(e)}>
                      {e.name}
                    </button>
                  </td>
                  <td class="r num">{bytes(e.size)}</td>
                  <td class="r num" data-testid="recent-bytes">
                    {e.bytes ? bytes(e.bytes) : '—'}
                  </td>
                  <td class="muted">{e.binaries.length ? e.binaries.join(', ') : '—'}</td>
                  <td class="num">{dateTime(e.savedAt)}</td>
                  <td class="r nowrap">
                    <Show
                      when={comparing()}
                      fallback={
                        <button
                          type="button"
                          class="btn small ghost"
                          data-testid="compare"
                          disabled={props.recent.length < 2}
                          title="Compare this dump with another stored dump of the same process: what grew"
                          onClick={() => setComparing(e)}
                        >
                          Compare with…
                        </button>
                      }
                    >
                      {(c) => (
                        <Show when={c().key !== e.key} fallback={<span class="muted small">(first dump)</span>}>
                          <button
                            type="button"
                            class="btn small primary"
                            data-testid="compare-with"
                            title={`Compare ${c().name} (before) with ${e.name} (after)`}
                            onClick={() => {
                              const first = c();
                              setComparing(undefined);
                              props.onCompare(first, e);
                            }}
                          >
                            Compare with this
                          </button>
                        </Show>
                      )}
                    </Show>{' '}
                    <button type="button" class="btn small ghost" data-testid="remove-recent" aria-label={`Remove ${e.name} from the cache`} title="Remove from the cache" onClick={() => props.onRemoveRecent(e)}>
                      Remove
                    </button>
                  </td>
                </tr>
              )}
            />
          </Show>
        </div>
      </section>
    </div>
  );
}
