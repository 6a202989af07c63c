// A dropped file that is not an ELF core (nor a binary): perhaps a raw memory dump (gdb's
// `dump binary memory FILE START END`, seeds 000 and 001). The form asks for what the bytes do
// not say — the address of the first byte (prefilled from the file name when it carries one),
// the word size, and optionally the process' map (pasted /proc/PID/maps, pmap -x, pmap or gdb
// text, with live parse feedback, or a core of the same process) for pointer validation.
import { For, type JSX, Show, createMemo, createSignal } from 'solid-js';
import { FilePicker } from './common';
import { num } from './fmt';
import { type RawChoice, baseFromName, parseBase, previewMaps } from './session';

export function RawForm(props: { file: File; binaries: File[]; onAnalyze: (c: RawChoice) => void; onCancel: () => void }): JSX.Element {
  const fromName = baseFromName(props.file.name, props.file.size);
  const [baseText, setBaseText] = createSignal(fromName.base !== undefined ? '0x' + fromName.base.toString(16) : '');
  const [ws, setWs] = createSignal<'auto' | '8' | '4'>('auto');
  const [mapsText, setMapsText] = createSignal('');
  const [mapsCore, setMapsCore] = createSignal<File>();
  const [touched, setTouched] = createSignal(false);
  const wordSize = () => (ws() === 'auto' ? undefined : (Number(ws()) as 4 | 8));
  const base = createMemo(() => parseBase(baseText(), wordSize()));
  const maps = createMemo(() => (mapsText().trim() ? previewMaps(mapsText()) : undefined));
  const baseError = () => ('error' in base() ? (base() as { error: string }).error : undefined);
  const mapsError = () => {
    const m = maps();
    return m && m.mappings === 0 ? `no mapping line found${m.errors[0] ? ` (line ${m.errors[0].line}: ${m.errors[0].message})` : ''}: paste /proc/PID/maps, pmap -x, pmap or gdb "info proc mappings" output` : undefined;
  };
  const submit = (e: Event) => {
    e.preventDefault();
    setTouched(true);
    const b = base();
    if ('error' in b || mapsError()) return;
    props.onAnalyze({ base: b.base, ...(wordSize() ? { wordSize: wordSize() } : {}), ...(mapsCore() ? { mapsCore: mapsCore() } : mapsText().trim() ? { mapsText: mapsText() } : {}) });
  };
  return (
    <form class="panel raw-form" data-testid="raw-form" onSubmit={submit} aria-labelledby="raw-title">
      <h2 id="raw-title">Read {props.file.name} as a raw memory dump?</h2>
      <p class="muted">
        It is not an ELF core ({num(props.file.size)} bytes, no ELF header). If it holds a process' memory from gdb's <span class="mono">dump binary memory FILE START END</span>, say where it
        starts: its word census, heap blocks (when the range starts at a chunk boundary), strings, regex counts and memory view work on it. Leaks need a core (the threads' roots).
      </p>
      <div class="raw-fields">
        <label>
          Base address (START){' '}
          <input
            class="filter mono"
            data-testid="raw-base"
            value={baseText()}
            placeholder="0x55d0c0a01000"
            aria-invalid={!!baseError() && (touched() || !!baseText())}
            aria-describedby="raw-base-note"
            onInput={(e) => setBaseText(e.currentTarget.value)}
          />
        </label>
        <label>
          Word size{' '}
          <select data-testid="raw-wordsize" value={ws()} onChange={(e) => setWs(e.currentTarget.value as 'auto' | '8' | '4')}>
            <option value="auto">auto (from the map; else 8)</option>
            <option value="8">8 bytes (64-bit)</option>
            <option value="4">4 bytes (32-bit)</option>
          </select>
        </label>
      </div>
      <p id="raw-base-note" class="small">
        <Show when={baseError() && (touched() || baseText())} fallback={<span class="muted" data-testid="raw-base-note">{fromName.note}</span>}>
          <span class="bad-text" role="alert" data-testid="raw-base-error">
            {baseError()}
          </span>
        </Show>
      </p>
      <label class="raw-maps-label" for="raw-maps">
        The process' map (optional, for pointer validation): paste <span class="mono">/proc/PID/maps</span>, <span class="mono">pmap -x</span>, <span class="mono">pmap</span> or gdb{' '}
        <span class="mono">info proc mappings</span> output
      </label>
      <textarea id="raw-maps" class="mono raw-maps" data-testid="raw-maps" rows="6" disabled={!!mapsCore()} value={mapsText()} onInput={(e) => setMapsText(e.currentTarget.value)} />
      <div class="toolbar">
        <Show when={maps()}>
          {(m) => (
            <span class="small" data-testid="raw-maps-feedback" data-mappings={m().mappings} data-errors={m().errors.length}>
              {num(m().mappings)} mapping{m().mappings === 1 ? '' : 's'}
              {m().format ? ` (${m().format})` : ''}
              {m().heap ? ` · [heap] ${m().heap}` : ''}
              {m().errors.length ? ` · ${num(m().errors.length)} line error${m().errors.length === 1 ? '' : 's'}` : ' · no line errors'}
            </span>
          )}
        </Show>
        <span class="spacer" />
        <Show
          when={mapsCore()}
          fallback={
            <span data-testid="raw-maps-pick">
              <FilePicker label="…or pick a core of the same process" onFiles={(f) => f[0] && setMapsCore(f[0])} />
            </span>
          }
        >
          {(c) => (
            <span class="small" data-testid="raw-maps-core">
              map from the core {c().name}{' '}
              <button type="button" class="btn small ghost" onClick={() => setMapsCore(undefined)}>
                remove
              </button>
            </span>
          )}
        </Show>
      </div>
      <Show when={maps()?.errors.length}>
        <ul class="small bad-text" data-testid="raw-maps-errors">
          <For each={maps()!.errors.slice(0, 5)}>
            {(e) => (
              <li>
                line {e.line}: {e.message}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={mapsError()}>
        <p class="bad-text small" role="alert">
          {mapsError()}
        </p>
      </Show>
      <div class="toolbar">
        <button type="submit" class="btn primary" data-testid="raw-analyze" disabled={!!baseError() || !!mapsError()}>
          Analyze as a raw dump
        </button>
        <button type="button" class="btn" data-testid="raw-cancel" onClick={() => props.onCancel()}>
          Cancel
        </button>
        <Show when={props.binaries.length}>
          <span class="muted small">with {props.binaries.map((b) => b.name).join(', ')}</span>
        </Show>
      </div>
    </form>
  );
}
