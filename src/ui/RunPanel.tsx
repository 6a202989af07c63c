// The running view: stage, progress bar, bytes done / total, throughput, time left, Cancel.
import { type JSX, Show, createSignal, onCleanup } from 'solid-js';
import type { Progress } from '../engine/pipeline';
import { duration, mb } from './fmt';

export interface RunState {
  id: number;
  /** What is being analyzed, e.g. "core.1234 + app". */
  label: string;
  stage: string;
  progress?: Progress;
  startedAt: number;
  /** silent: replaced by a new run, no "Cancelled" notice. */
  cancel(silent?: boolean): void;
}

export function RunPanel(props: { run: RunState }): JSX.Element {
  // Ticks once a second so the elapsed time moves even when no progress arrives (gunzip, hashing).
  const [now, setNow] = createSignal(performance.now());
  const timer = setInterval(() => setNow(performance.now()), 500);
  onCleanup(() => clearInterval(timer));

  const p = () => props.run.progress;
  const pct = () => {
    const x = p();
    return x && x.total > 0 ? Math.min(100, Math.max(0, Math.round((x.done / x.total) * 100))) : 0;
  };
  /** Bytes per second over the current phase. */
  const rate = () => {
    const x = p();
    return x && x.elapsedMs > 250 && x.done > 0 ? (x.done / x.elapsedMs) * 1000 : undefined;
  };
  const left = () => {
    const x = p();
    const r = rate();
    return x && r ? (x.total - x.done) / r : undefined;
  };

  return (
    <section class="panel running" aria-labelledby="run-title" data-testid="running">
      <h2 id="run-title">Analyzing {props.run.label}</h2>
      <p class="stage" aria-live="polite" data-testid="stage">
        {props.run.stage}
        <Show when={p()}>{(x) => <span class="muted"> — {x().phase}</span>}</Show>
      </p>
      <div
        class={`progress ${p() ? '' : 'indeterminate'}`}
        role="progressbar"
        data-testid="progress"
        aria-label="Analysis progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct()}
        aria-valuetext={p() ? `${pct()}%` : 'preparing'}
      >
        <div class="progress-fill" style={{ width: p() ? `${pct()}%` : undefined }} />
      </div>
      <div class="run-stats">
        <Show when={p()} fallback={<span class="muted">Preparing… (elapsed {duration((now() - props.run.startedAt) / 1000)})</span>}>
          {(x) => (
            <>
              <span class="num" data-testid="progress-bytes">
                {mb(x().done)} / {mb(x().total)} MB
              </span>
              <span class="num">{pct()}%</span>
              <span class="num" data-testid="progress-rate">
                {rate() !== undefined ? `${mb(rate()!)} MB/s` : '— MB/s'}
              </span>
              <span class="num" data-testid="progress-eta">
                {left() !== undefined ? `${duration(left()!)} left` : 'estimating…'}
              </span>
              <span class="muted">elapsed {duration((now() - props.run.startedAt) / 1000)}</span>
            </>
          )}
        </Show>
      </div>
      <div class="actions">
        <button type="button" class="btn" data-testid="cancel" onClick={() => props.run.cancel()}>
          Cancel
        </button>
        <span class="muted small">Your files are read in this tab only; nothing is uploaded.</span>
      </div>
    </section>
  );
}
