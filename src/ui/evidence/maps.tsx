// Memory maps as text (/proc/PID/maps, smaps, pmap -x/-X, gdb info proc mappings): one snapshot
// → its regions by kind; two or more of one process → the regions that grew (maps-diff), with a
// chart of each growing region over the snapshots and, beside it, the thread list's names — the
// "N threads named X ↔ N regions growing together" of seed 001.
import { For, type JSX, Show, createMemo } from 'solid-js';
import type { MapsDiffDoc, MapsDoc, ThreadStacksDoc, ThreadsDoc } from '../../engine/text';
import { Stat } from '../common';
import { num } from '../fmt';
import { Answer, EvTable, LineChart, StackedBar, kibText, span } from './parts';
import { threadStacks } from './session';

const KIND_CLS: Record<string, string> = {
  heap: 'ev-user', arena: 'ev-user', anon: 'ev-user', 'thread-stack': 'ev-kernel', stack: 'ev-kernel', guard: 'ev-other', 'arena-reserve': 'ev-other', reserve: 'ev-other',
  text: 'ev-cache', rodata: 'ev-cache', data: 'ev-cache', file: 'ev-cache', shared: 'ev-free',
};

export function MapsEvidence(props: { doc: MapsDoc; threads?: ThreadsDoc[] }): JSX.Element {
  const d = () => props.doc;
  const stacks = createMemo(() => threadStacks(props.doc, props.threads ?? []));
  const rss = () => d().counters.includes('rss');
  const answer = () => {
    const st = stacks();
    if (st.verdict !== 'ok') {
      const common = st.sizes[0];
      return `${st.verdict}: ${num(st.stacks.length)} thread stacks${common ? ` (most ${kibText(common.sizeKiB)})` : ''} take ${kibText(st.stackKiB)}, ${(100 * st.shareOfUserSpace).toFixed(0)} % of the ${kibText(st.userSpaceKiB)} user space${st.moreThreads !== undefined ? `; about ${num(st.moreThreads)} more fit` : ''}.`;
    }
    return plainAnswer();
  };
  const plainAnswer = () =>
    `${d().pid !== undefined ? `PID ${d().pid}${d().command ? ` (${d().command})` : ''}: ` : ''}${num(d().regions.length)} regions, ${kibText(d().total.sizeKiB)} mapped${rss() && d().total.rssKiB !== undefined ? `, ${kibText(d().total.rssKiB!)} resident` : ''}${d().findings.length ? `; ${d().findings[d().findings.length - 1]}` : ''}. Drop a later snapshot of the same process to see what grows.`;
  return (
    <div class="ev-view" data-testid="ev-maps">
      <Answer>{answer()}</Answer>
      <dl class="heap-stats ev-stats">
        <Stat k="Regions" v={num(d().regions.length)}>{d().format}</Stat>
        <Stat k="Mapped" v={kibText(d().total.sizeKiB)} />
        <Show when={d().total.rssKiB !== undefined}>
          <Stat k="Resident" v={kibText(d().total.rssKiB!)} />
        </Show>
        <Show when={d().total.dirtyKiB !== undefined}>
          <Stat k="Dirty" v={kibText(d().total.dirtyKiB!)} />
        </Show>
      </dl>
      <Show when={d().findings.length}>
        <ul class="ev-findings">
          <For each={d().findings}>{(f) => <li>{f}</li>}</For>
        </ul>
      </Show>
      <StackedBar
        label={rss() ? 'Resident memory by kind of region' : 'Mapped memory by kind of region'}
        total={rss() ? d().total.rssKiB ?? 0 : d().total.sizeKiB}
        format={kibText}
        segments={d().totals.map((t) => ({ label: t.kind, value: (rss() ? t.rssKiB : t.sizeKiB) ?? 0, cls: KIND_CLS[t.kind] ?? 'ev-other' }))}
      />
      <Show when={stacks().stacks.length}>
        <ThreadStacksView doc={stacks()} />
      </Show>
      <EvTable
        id="maps-by-kind"
        title="By kind of region"
        sort={rss() ? 'rss' : 'size'}
        rows={d().totals}
        columns={[
          { key: 'kind', label: 'Kind', value: (t) => t.kind },
          { key: 'count', label: 'Regions', numeric: true, value: (t) => t.count },
          { key: 'size', label: 'Size (KiB)', numeric: true, value: (t) => t.sizeKiB },
          { key: 'rss', label: 'RSS (KiB)', numeric: true, value: (t) => t.rssKiB },
          { key: 'dirty', label: 'Dirty (KiB)', numeric: true, value: (t) => t.dirtyKiB },
        ]}
      />
      <EvTable
        id="maps-regions"
        title="Regions"
        testid="ev-maps-regions"
        sort={rss() ? 'rss' : 'size'}
        limit={60}
        rows={d().regions}
        columns={[
          { key: 'start', label: 'Start', value: (r) => r.start, render: (r) => <span class="mono">{r.start}</span> },
          { key: 'end', label: 'End', value: (r) => r.end, render: (r) => <span class="mono">{r.end}</span> },
          { key: 'kind', label: 'Kind', value: (r) => r.kind },
          { key: 'perms', label: 'Perms', value: (r) => r.perms },
          { key: 'size', label: 'Size (KiB)', numeric: true, value: (r) => r.sizeKiB },
          { key: 'rss', label: 'RSS (KiB)', numeric: true, value: (r) => r.rssKiB },
          { key: 'dirty', label: 'Dirty (KiB)', numeric: true, value: (r) => r.dirtyKiB },
          { key: 'path', label: 'Path', value: (r) => r.path },
        ]}
      />
    </div>
  );
}

export function MapsDiffEvidence(props: { diff: MapsDiffDoc; threads?: ThreadsDoc }): JSX.Element {
  const d = () => props.diff;
  const what = () => (d().measure === 'rss' ? 'resident' : 'mapped');
  const answer = () => {
    const c = d().correlation;
    if (c) return `${c.summary}.`;
    return `${d().findings.slice(0, 2).join('; ')}.`;
  };
  const chart = createMemo(() =>
    d().chart.series.map((s, i) => ({
      label: s.label,
      cls: `ev-c${(i % 4) + 1}`,
      points: s.values.flatMap((v, k) => (v === null ? [] : [{ x: d().chart.x[k], y: v }])),
    })),
  );
  const last = () => d().snapshots.length - 1;
  const trackCols = (measure: string) => [
    { key: 'start', label: 'Start', value: (t: MapsDiffDoc['grown'][number]) => t.start, render: (t: MapsDiffDoc['grown'][number]) => <span class="mono">{t.start}</span> },
    { key: 'kind', label: 'Kind', value: (t: MapsDiffDoc['grown'][number]) => t.kind },
    { key: 'perms', label: 'Perms', value: (t: MapsDiffDoc['grown'][number]) => t.perms },
    { key: 'first', label: `First ${measure} (KiB)`, numeric: true, value: (t: MapsDiffDoc['grown'][number]) => t.values.find((v) => v !== null) ?? undefined },
    { key: 'last', label: `Last ${measure} (KiB)`, numeric: true, value: (t: MapsDiffDoc['grown'][number]) => t.values[last()] ?? undefined },
    { key: 'growth', label: 'Growth (KiB)', numeric: true, value: (t: MapsDiffDoc['grown'][number]) => t.growthKiB },
    { key: 'perSecond', label: 'KiB/s', numeric: true, value: (t: MapsDiffDoc['grown'][number]) => (t.perSecond === undefined ? undefined : Math.round(t.perSecond * 10) / 10) },
    { key: 'matched', label: 'Followed by', value: (t: MapsDiffDoc['grown'][number]) => t.matchedBy },
    { key: 'path', label: 'Path', value: (t: MapsDiffDoc['grown'][number]) => t.path },
  ];
  const lastSnap = () => props.threads?.snapshots[props.threads.snapshots.length - 1];
  return (
    <div class="ev-view" data-testid="ev-maps-diff">
      <Answer tone={d().totalGrowthKiB > 0 ? 'bad' : undefined}>{answer()}</Answer>
      <dl class="heap-stats ev-stats">
        <Stat k="Snapshots" v={num(d().snapshots.length)}>{d().seconds !== undefined ? `over ${span(d().seconds!)}` : ''}</Stat>
        <Stat k={`Growth (${what()})`} v={kibText(d().totalGrowthKiB)}>{d().perSecond !== undefined ? `${kibText(Math.round(d().perSecond! * 10) / 10)}/s` : ''}</Stat>
        <Stat k="Grown" v={num(d().grown.length)} />
        <Stat k="New" v={num(d().added.length)} />
        <Stat k="Vanished" v={num(d().vanished.length)} />
      </dl>
      <ul class="ev-findings">
        <For each={d().findings}>{(f) => <li>{f}</li>}</For>
        <Show when={d().correlationNote}>
          <li class="muted">{d().correlationNote}</li>
        </Show>
      </ul>
      <Show when={chart().some((s) => s.points.length > 1)}>
        <LineChart
          title={`${what()} KiB of the regions that grew most, per snapshot`}
          testid="ev-maps-chart"
          yFormat={kibText}
          xFormat={(x) => (d().chart.xIsTime ? `+${span(x)}` : `#${x + 1}`)}
          series={chart()}
          height={240}
          zero
        />
      </Show>
      <div class="ev-side">
        <EvTable id="maps-grown" title="Regions that grew" testid="ev-maps-grown" sort="growth" rows={d().grown} columns={trackCols(what())} />
        <Show when={lastSnap()}>
          {(s) => (
            <EvTable
              id="maps-threads"
              title={`Threads of ${props.threads!.input.name}, by name`}
              testid="ev-maps-threads"
              sort="count"
              limit={20}
              rows={[...s().groups.map((g) => ({ name: g.name, count: g.count })), ...s().families.map((f) => ({ name: f.family, count: f.count }))]}
              columns={[
                { key: 'name', label: 'Name', value: (g) => g.name, render: (g) => <span class="mono">{g.name}</span> },
                { key: 'count', label: 'Count', numeric: true, value: (g) => g.count },
              ]}
            />
          )}
        </Show>
      </div>
      <Show when={d().added.length}>
        <EvTable id="maps-added" title="New regions" sort="growth" rows={d().added} columns={trackCols(what())} />
      </Show>
      <Show when={d().vanished.length}>
        <EvTable id="maps-vanished" title="Regions that vanished" sort="growth" rows={d().vanished} columns={trackCols(what())} />
      </Show>
      <Show when={d().shrunk.length}>
        <EvTable id="maps-shrunk" title="Regions that shrank" sort="growth" dir="ascending" rows={d().shrunk} columns={trackCols(what())} />
      </Show>
    </div>
  );
}

/** Seed 001 case 4: thread stacks against the address space — how many, how big, what is left, the fix. */
export function ThreadStacksView(props: { doc: ThreadStacksDoc }): JSX.Element {
  const d = () => props.doc;
  const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)} %`;
  return (
    <section class="ev-view ev-stacks" data-testid="ev-thread-stacks" aria-label="Thread stacks">
      <h4>Thread stacks and the address space</h4>
      <Answer tone={d().verdict === 'ok' ? undefined : 'bad'} testid="ev-stacks-answer">
        {d().summary}
      </Answer>
      <p class="ev-verdict" data-testid="ev-stacks-verdict">
        {d().verdict}
      </p>
      <Show when={d().fix}>
        <p class="small">
          <strong>Fix to try:</strong> {d().fix}
        </p>
      </Show>
      <dl class="heap-stats ev-stats">
        <Stat k="Threads" testid="ev-stacks-threads" v={d().threads !== undefined ? num(d().threads!) : '?'}>{d().threadsFrom ?? 'no thread list given'}</Stat>
        <Stat k="Thread stacks" testid="ev-stacks-count" v={num(d().stacks.length)}>{d().sizes[0] ? `most ${kibText(d().sizes[0].sizeKiB)}` : ''}</Stat>
        <Stat k="In stacks + guards" v={kibText(d().stackKiB)}>{`${pct(d().shareOfUserSpace)} of user space, ${pct(d().shareOfMapped)} of mapped`}</Stat>
        <Stat k="User space" v={kibText(d().userSpaceKiB)} title={d().userSpaceFrom}>{`${kibText(d().freeKiB)} not mapped`}</Stat>
        <Show when={d().moreThreads !== undefined}>
          <Stat k="More threads that fit" testid="ev-stacks-more" v={num(d().moreThreads!)} />
        </Show>
      </dl>
      <Show when={d().missing.length}>
        <ul class="small muted ev-findings">
          <For each={d().missing}>{(m) => <li>missing: {m}</li>}</For>
        </ul>
      </Show>
      <EvTable
        id="thread-stack-sizes"
        title="Stack sizes"
        sort="count"
        rows={d().sizes}
        columns={[
          { key: 'size', label: 'Size (KiB)', numeric: true, value: (x) => x.sizeKiB },
          { key: 'count', label: 'Stacks', numeric: true, value: (x) => x.count },
        ]}
      />
    </section>
  );
}

