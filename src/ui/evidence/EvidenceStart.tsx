// The start page's part for text evidence: what can be dropped besides cores, the paste box,
// and the evidence read so far.
import { type JSX, Show } from 'solid-js';
import { PasteBox } from './EvidenceView';

export function EvidenceStart(props: { count: number; onOpen: () => void; onPaste: (text: string) => void }): JSX.Element {
  return (
    <section class="panel ev-start" data-testid="evidence-start" aria-labelledby="ev-start-title">
      <div class="section-head">
        <h2 id="ev-start-title">No core yet? Tool output</h2>
        <span class="spacer" />
        <Show when={props.count > 0}>
          <button type="button" class="btn small" data-testid="open-evidence" onClick={() => props.onOpen()}>
            Evidence read so far ({props.count})
          </button>
        </Show>
      </div>
      <p class="small muted">
        Drop text files too (several at once, with cores or without): memory maps (<code>pmap -x</code>, <code>/proc/PID/smaps</code>, <code>/proc/PID/maps</code>; two or more snapshots are compared), <code>top -H -b</code> and <code>ps -L</code> thread lists, <code>pidstat -r</code> logs and <code>/proc/PID/status</code> samples (VSZ/RSS growth),{' '}
        <code>/proc/meminfo</code> samples (user or kernel?), <code>strace -f -t</code> logs (mappings never unmapped), valgrind memcheck logs and tcmalloc / jemalloc heap profiles (with the
        executable to name them). The format is recognized from the content.
      </p>
      <PasteBox onPaste={props.onPaste} />
    </section>
  );
}
