// Modules: the executable and shared objects found in the core, with the binary matched to each.
import { type JSX, Show } from 'solid-js';
import type { AnalysisJSON } from '../engine/analyze';
import { bytes, num, padHex } from './fmt';
import { CsvButton } from './common';
import { Grid } from './table';
import { modulesTable } from '../engine/tables';

export function ModulesView(props: { json: AnalysisJSON; onShowInMap: (addr: string) => void }): JSX.Element {
  const ws = () => props.json.wordSize;
  const matched = () => props.json.modules.filter((m) => m.binary).length;
  return (
    <div>
      <p class="muted">
        {num(props.json.modules.length)} module{props.json.modules.length === 1 ? '' : 's'}, {num(matched())} with a binary attached.
        <Show when={matched() < props.json.modules.length}> Drop the missing files (same build-id) together with the core to name their symbols.</Show>{' '}
        <CsvButton testid="modules-csv" table={() => modulesTable(props.json.modules)} />
      </p>
      <Grid
        testid="modules"
        class="modules"
        head={
          <>
            <th scope="col">Path</th>
            <th scope="col">Start</th>
            <th scope="col" class="r">
              Span
            </th>
            <th scope="col">Load bias</th>
            <th scope="col">Build-id</th>
            <th scope="col">Exec</th>
            <th scope="col">Binary</th>
          </>
        }
        rows={props.json.modules}
        cols={7}
        empty="No file mappings (NT_FILE) in this core."
        row={(m) => (
          <tr>
            <td class="path" title={m.path}>
              <b>{m.name}</b> <span class="muted">{m.path.slice(0, m.path.length - m.name.length)}</span>
            </td>
            <td class="mono">
              <button type="button" class="link mono" title="Show in the memory map" onClick={() => props.onShowInMap(m.start)}>
                {padHex(m.start, ws())}
              </button>
            </td>
            <td class="r num">{bytes(Number(BigInt(m.end) - BigInt(m.start)))}</td>
            <td class="mono">{m.bias !== undefined ? padHex(m.bias, ws()) : <span class="muted">—</span>}</td>
            <td class="mono buildid" title={m.buildId}>
              {m.buildId ?? <span class="muted">—</span>}
            </td>
            <td>{m.executable ? <span class="tag">executable</span> : ''}</td>
            <td>
              <Show when={m.binary} fallback={<span class="muted">not given</span>}>
                {(b) => (
                  <span>
                    <b>{b().name}</b> <span class="muted">by {b().matchedBy} ·</span> <span class="num">{num(b().symbols)}</span> symbols
                    <Show when={b().stripped}>
                      {' '}
                      <span class="tag warn" title="No .symtab: only dynamic symbols">
                        stripped
                      </span>
                    </Show>
                  </span>
                )}
              </Show>
            </td>
          </tr>
        )}
      />
    </div>
  );
}
