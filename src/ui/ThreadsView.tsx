// Threads: the thread stacks against the address space (a verdict, with the fix when they crowd
// it), then TID, SP, IP (symbolized when a binary was given), stack region; expand for registers.
import { For, type JSX, Show, createMemo } from 'solid-js';
import type { AnalysisJSON } from '../engine/analyze';
import { CsvButton, Disclosure, MemButton, openSet } from './common';
import { ThreadStacksView } from './evidence/maps';
import { coreThreadStacks } from './session';
import { Grid } from './table';
import { threadsTable } from '../engine/tables';
import { num, padHex } from './fmt';

export function ThreadsView(props: { json: AnalysisJSON; onShowInMap: (addr: string) => void }): JSX.Element {
  const ws = () => props.json.wordSize;
  const { open, toggle, set: setOpen } = openSet<number>();
  const allOpen = () => props.json.threads.length > 0 && open().size === props.json.threads.length;
  const regionByStart = createMemo(() => new Map(props.json.regions.map((r) => [r.start, r])));
  const stacks = createMemo(() => coreThreadStacks(props.json));

  return (
    <div>
      <Show when={stacks()}>{(d) => <ThreadStacksView doc={d()} />}</Show>
      <div class="toolbar">
        <span class="muted">
          {num(props.json.threads.length)} thread{props.json.threads.length === 1 ? '' : 's'} · registers from NT_PRSTATUS
        </span>
        <span class="spacer" />
        <CsvButton testid="threads-csv" table={() => threadsTable(props.json.threads)} />
        <button type="button" class="btn small" onClick={() => setOpen(allOpen() ? new Set<number>() : new Set(props.json.threads.map((t) => t.index)))}>
          {allOpen() ? 'Collapse all' : 'Expand all'}
        </button>
      </div>
      <Grid
        testid="threads"
        class="threads"
        head={
          <>
            <th scope="col" class="r">
              #
            </th>
            <th scope="col" class="r">
              TID
            </th>
            <th scope="col">SP</th>
            <th scope="col">IP</th>
            <th scope="col">IP symbol</th>
            <th scope="col">Stack region</th>
            <th scope="col" class="r">
              Signal
            </th>
          </>
        }
        rows={props.json.threads}
        cols={7}
        empty="The core has no thread status notes."
        detail={{
          open: (t) => open().has(t.index),
          body: (t) => (
            <dl class="regs">
              <For each={Object.entries(t.registers)}>
                {([name, value]) => (
                  <div class="reg">
                    <dt>{name}</dt>
                    <dd class="mono">{padHex(value, ws())}</dd>
                  </div>
                )}
              </For>
              <Show when={t.tp}>
                <div class="reg">
                  <dt title="thread pointer (TLS base)">tp</dt>
                  <dd class="mono">{padHex(t.tp, ws())}</dd>
                </div>
              </Show>
            </dl>
          ),
        }}
        row={(t, _i, id) => {
          const isOpen = () => open().has(t.index);
          const stack = () => (t.stack ? regionByStart().get(t.stack) : undefined);
          return (
            <tr class={isOpen() ? 'expanded' : ''}>
              <td class="r">
                <Disclosure open={isOpen()} controls={id} label={`${isOpen() ? 'Hide' : 'Show'} registers of thread ${t.tid}`} onToggle={() => toggle(t.index)}>
                  {t.index}
                </Disclosure>
              </td>
              <td class="r num">{t.tid}</td>
              <td class="mono">
                {padHex(t.sp, ws())}
                <MemButton addr={t.sp} what={`the stack pointer of thread ${t.tid}`} />
              </td>
              <td class="mono">{padHex(t.ip, ws())}</td>
              <td class="sym">{t.ipSymbol ?? <span class="muted">—</span>}</td>
              <td>
                <Show when={t.stack} fallback={<span class="muted">SP in no mapping</span>}>
                  <button type="button" class="link mono" title="Show in the memory map" onClick={() => props.onShowInMap(t.stack!)}>
                    {padHex(t.stack, ws())}
                  </button>
                  <Show when={stack()?.detail}>
                    <span class="muted"> {stack()!.detail}</span>
                  </Show>
                </Show>
              </td>
              <td class="r num">{t.signal || ''}</td>
            </tr>
          );
        }}
      />
    </div>
  );
}
