// A collector bundle (public/collect-heaplens.sh's tar.gz): what was collected, from which
// process and when; what the snapshots say together (the engine's comparisons and thread
// stacks, in a sentence each); its members, each opened as its own item, and the maps compared.
import { For, type JSX, Show } from 'solid-js';
import type { MapsDoc, TextComparison } from '../../engine/text';
import { Stat } from '../common';
import { Grid } from '../table';
import { bytes, dateTime, num } from '../fmt';
import { ThreadStacksView } from './maps';
import { Answer, span } from './parts';
import type { BundleSummary, EvidenceItem } from './session';

/** One sentence for a comparison of the bundle's snapshots. */
function comparisonLine(c: TextComparison): string {
  switch (c.kind) {
    case 'maps-diff':
      return `Memory maps (${c.snapshots.length} snapshots): ${c.correlation?.summary ?? c.findings.slice(0, 2).join('; ')}`;
    case 'meminfo-diff':
      return `/proc/meminfo: ${c.growth.summary}`;
    case 'threads-diff':
      return c.changes.length ? `Threads: ${c.changes.slice(0, 3).map((x) => `“${x.name}” ${x.first} → ${x.last}`).join(', ')}` : `Threads: no name changed its count (${c.rows.first} → ${c.rows.last} rows)`;
    case 'heap-profile-diff':
      return `Heap profiles: ${c.summary}`;
    case 'heap-profile-trend':
      return `Heap profiles across ${c.profiles.length}: ${c.findings[0]}`;
    default:
      return `${c.kind === 'pidstat' ? 'pidstat' : '/proc/PID/status'}: ${c.series.flatMap((s) => s.findings).slice(0, 2).join('; ') || 'no steady rise'}`;
  }
}

export function BundleEvidence(props: { doc: BundleSummary; item: (id: string) => EvidenceItem | undefined; onOpen?: (ids: string[]) => void }): JSX.Element {
  const d = () => props.doc;
  const m = () => d().manifest;
  /** The maps items of the format with the most snapshots (smaps before pmap -x on ties). */
  const mapsIds = () => {
    const rank = ['smaps', 'pmap-X', 'pmap-x', 'proc-maps', 'gdb', 'pmap'];
    const by = new Map<string, { id: string; time?: number }[]>();
    for (const id of d().items) {
      const it = id ? props.item(id) : undefined;
      if (it?.doc.kind !== 'maps') continue;
      const doc = it.doc as MapsDoc;
      by.set(doc.format, [...(by.get(doc.format) ?? []), { id: it.id, time: doc.time }]);
    }
    const best = [...by.entries()].sort((x, y) => y[1].length - x[1].length || rank.indexOf(x[0]) - rank.indexOf(y[0]))[0];
    return best ? { format: best[0], ids: best[1].sort((x, y) => (x.time ?? 0) - (y.time ?? 0)).map((x) => x.id) } : undefined;
  };
  const answer = () => {
    const man = m();
    const snaps = man?.snapshots ?? [];
    const who = man?.pid !== undefined ? `PID ${man.pid}${man.command ? ` (${man.command.split(/\s+/)[0]})` : ''}` : 'an unknown process';
    const when = snaps.length > 1 ? `${snaps.length} snapshots over ${span(snaps[snaps.length - 1].time - snaps[0].time)}` : snaps.length ? '1 snapshot' : 'no manifest';
    const first = d().comparisons.find((c) => c.kind === 'maps-diff') ?? d().comparisons[0];
    return `${d().format} bundle of ${who}: ${when}, ${num(d().members.length)} members${d().cores.length ? `, ${d().cores.length} core(s) (analyzed as a dump)` : ''}${first ? `. ${comparisonLine(first)}` : ''}.`;
  };
  return (
    <div class="ev-view" data-testid="ev-bundle">
      <Answer>{answer()}</Answer>
      <Show when={m()}>
        {(man) => (
          <dl class="heap-stats ev-stats">
            <Stat k="Process" v={man().pid !== undefined ? String(man().pid) : '?'}>{man().command ?? ''}</Stat>
            <Stat k="Snapshots" v={num(man().snapshots.length)}>{man().interval !== undefined ? `every ${man().interval} s` : ''}</Stat>
            <Show when={man().started !== undefined}>
              <Stat k="Started" v={dateTime(man().started! * 1000)}>{man().finished !== undefined ? `finished ${dateTime(man().finished! * 1000)}` : ''}</Stat>
            </Show>
            <Show when={man().uname}>
              <Stat k="Machine" v={<span class="small">{man().uname!.split(' ').slice(0, 3).join(' ')}</span>} title={man().uname} />
            </Show>
          </dl>
        )}
      </Show>
      <Show when={d().comparisons.length}>
        <h4>What the snapshots say together</h4>
        <ul class="ev-findings" data-testid="ev-bundle-findings">
          <For each={d().comparisons}>{(c) => <li>{comparisonLine(c)}</li>}</For>
        </ul>
      </Show>
      <Show when={mapsIds() && mapsIds()!.ids.length >= 2 && props.onOpen}>
        <p>
          <button type="button" class="btn small primary" data-testid="ev-bundle-compare-maps" onClick={() => props.onOpen!(mapsIds()!.ids)}>
            Compare the {mapsIds()!.ids.length} memory maps ({mapsIds()!.format})
          </button>
        </p>
      </Show>
      <Show when={d().threadStacks}>{(t) => <ThreadStacksView doc={t()} />}</Show>
      <div class="ev-table">
        <div class="toolbar">
          <strong class="small">Members</strong>
          <span class="muted small">{num(d().members.length)} files</span>
        </div>
        <Grid
          wrap={false}
          testid="ev-bundle-members"
          head={
            <>
              <th scope="col">Member</th>
              <th scope="col">What</th>
              <th scope="col">Taken</th>
              <th scope="col" class="r">
                Size
              </th>
            </>
          }
          rows={d().members}
          cols={4}
          row={(mem, k) => {
            const id = () => d().items[k()];
            return (
              <tr>
                <td class="mono">
                  <Show when={id() && props.onOpen} fallback={mem.name}>
                    <button type="button" class="link mono" onClick={() => props.onOpen!([id()!])}>
                      {mem.name}
                    </button>
                  </Show>
                </td>
                <td class={mem.kind === 'unknown-text' ? 'bad-text' : ''}>{mem.kind === 'unknown-text' ? mem.title : mem.kind === mem.title ? mem.kind : `${mem.kind}${mem.title ? ` — ${mem.title}` : ''}`}</td>
                <td class="num small">{mem.time !== undefined ? dateTime(mem.time * 1000) : ''}</td>
                <td class="r num">{bytes(mem.size)}</td>
              </tr>
            );
          }}
        />
      </div>
      <Show when={d().diagnostics.length}>
        <ul class="small muted ev-diags">
          <For each={d().diagnostics}>
            {(x) => (
              <li>
                {x.level}: {x.message}
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}
