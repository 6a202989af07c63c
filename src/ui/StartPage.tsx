// Start page: what heaplens does, where to drop files, the sample, and recent analyses.
import { For, type JSX, Show } from 'solid-js';
import type { RecentEntry } from './cache';
import { FilePicker } from './common';
import { bytes, dateTime } from './fmt';

export function StartPage(props: {
  onFiles: (files: File[]) => void;
  onSample: () => void;
  recent: RecentEntry[];
  onOpenRecent: (e: RecentEntry) => void;
  onRemoveRecent: (e: RecentEntry) => void;
  onClearAll: () => void;
  /** Name of the analysis still in memory, if any. */
  previous?: string;
  onBackToResults: () => void;
}): JSX.Element {
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
        </ul>
      </section>

      <section class="recent-section" aria-labelledby="recent-title">
        <div class="section-head">
          <h2 id="recent-title">Recent analyses</h2>
          <span class="spacer" />
          <button type="button" class="btn small" data-testid="clear-cache" onClick={() => props.onClearAll()} disabled={props.recent.length === 0}>
            Clear all
          </button>
        </div>
        <div data-testid="recent">
          <Show when={props.recent.length > 0} fallback={<p class="muted">None yet. Analyses are kept in this browser only (IndexedDB), keyed by the files' fingerprints.</p>}>
            <table class="grid recent">
              <thead>
                <tr>
                  <th scope="col">Core</th>
                  <th scope="col" class="r">
                    Size
                  </th>
                  <th scope="col">Binaries</th>
                  <th scope="col">Analyzed</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={props.recent}>
                  {(e) => (
                    <tr data-testid="recent-row">
                      <td>
                        <button type="button" class="link" title="Open this analysis from the cache" onClick={() => props.onOpenRecent(e)}>
                          {e.name}
                        </button>
                      </td>
                      <td class="r num">{bytes(e.size)}</td>
                      <td class="muted">{e.binaries.length ? e.binaries.join(', ') : '—'}</td>
                      <td class="num">{dateTime(e.savedAt)}</td>
                      <td class="r">
                        <button type="button" class="btn small ghost" aria-label={`Remove ${e.name} from the cache`} title="Remove from the cache" onClick={() => props.onRemoveRecent(e)}>
                          Remove
                        </button>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </Show>
        </div>
      </section>
    </div>
  );
}
