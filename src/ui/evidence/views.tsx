// One view per kind of text evidence, each answering its question in a sentence at the top,
// then its tables (sortable, CSV) and charts. Documents come from src/engine/text (readText).
import { For, type JSX, Show, createMemo, createSignal } from 'solid-js';
import type { MeminfoDoc, SeriesDoc, StraceDoc, ThreadsDoc, ValgrindDoc } from '../../engine/text';
import type { UnknownTextDoc } from '../../engine/text';
import type { MemGrowth, MemBreakdown } from '../../engine/text/meminfo';
import { logTime } from '../../engine/text/report';
import { sortLossGroups } from '../../engine/text';
import { Stat, Tabs } from '../common';
import { bytes, num } from '../fmt';
import { Answer, type Col, EvTable, LineChart, ProcessPicker, StackedBar, kibText, signedBytes, signedNum, span } from './parts';

const plural = (n: number, one: string, many = one + 's') => `${num(n)} ${n === 1 ? one : many}`;

// ---- threads ------------------------------------------------------------------------

export function ThreadsEvidence(props: { doc: ThreadsDoc }): JSX.Element {
  const last = () => props.doc.snapshots[props.doc.snapshots.length - 1];
  const what = () => (props.doc.threads ? 'thread' : 'process');
  const answer = () => {
    const s = last();
    if (!s) return `No ${what()} rows were found in this ${props.doc.source} output.`;
    const g = s.groups[0];
    const fam = s.families[0];
    const grew = props.doc.changes.filter((c) => c.last > c.first)[0];
    let t = `${plural(s.rows, what())} under ${plural(s.groups.length, 'name')}; the most common is “${g?.name}” (${num(g?.count ?? 0)})`;
    if (fam && fam.count > (g?.count ?? 0)) t += `, and the family “${fam.family}” holds ${num(fam.count)} across ${plural(fam.names, 'name')}`;
    if (grew) t += `; “${grew.name}” went from ${num(grew.first)} to ${num(grew.last)} over ${plural(props.doc.snapshots.length, 'snapshot')}`;
    return t + '.';
  };
  return (
    <div class="ev-view" data-testid="ev-threads">
      <Answer>{answer()}</Answer>
      <Show when={last()}>
        {(s) => (
          <>
            <dl class="heap-stats ev-stats">
              <Stat k={props.doc.threads ? 'Threads' : 'Processes'} v={num(s().rows)}>
                {s().total !== undefined ? `${num(s().total!)} total per the summary` : ''}
              </Stat>
              <Stat k="Names" v={num(s().groups.length)} />
              <Stat k="Snapshots" v={num(props.doc.snapshots.length)}>
                {s().time ? `last at ${s().time}` : ''}
              </Stat>
              <Stat k="Processes" v={num(s().processes.length)} />
            </dl>
            <EvTable
              id="threads-by-name"
              title={`${props.doc.threads ? 'Threads' : 'Processes'} by name`}
              testid="ev-threads-groups"
              sort="count"
              rows={s().groups}
              columns={[
                { key: 'name', label: 'Name', value: (g) => g.name, render: (g) => <span class="mono">{g.name}</span> },
                { key: 'count', label: 'Count', numeric: true, value: (g) => g.count },
                { key: 'states', label: 'States', value: (g) => (g.states ? Object.entries(g.states).map(([k, v]) => `${k} ${v}`).join(', ') : undefined) },
                { key: 'ids', label: 'IDs', value: (g) => g.ids.slice(0, 8).join(' ') + (g.count > 8 ? ' …' : '') },
              ]}
            />
            <Show when={s().families.length}>
              <EvTable
                id="threads-families"
                title="Names that differ only in their digits"
                sort="count"
                rows={s().families}
                columns={[
                  { key: 'family', label: 'Family', value: (f) => f.family, render: (f) => <span class="mono">{f.family}</span> },
                  { key: 'count', label: 'Count', numeric: true, value: (f) => f.count },
                  { key: 'names', label: 'Names', numeric: true, value: (f) => f.names },
                ]}
              />
            </Show>
          </>
        )}
      </Show>
      <Show when={props.doc.changes.length}>
        <ThreadChanges changes={props.doc.changes} title="Counts that changed from the first snapshot to the last" />
      </Show>
      <Show when={props.doc.snapshots.length > 1}>
        <LineChart
          title={`${props.doc.threads ? 'Threads' : 'Processes'} per snapshot`}
          testid="ev-threads-chart"
          yFormat={(y) => num(Math.round(y))}
          xFormat={(x) => `#${x + 1}`}
          series={[{ label: 'rows', cls: 'ev-c1', points: props.doc.snapshots.map((s, i) => ({ x: i, y: s.rows })) }]}
        />
      </Show>
    </div>
  );
}

export function ThreadChanges(props: { changes: { name: string; first: number; last: number }[]; title: string; testid?: string }): JSX.Element {
  return (
    <EvTable
      id="threads-changes"
      title={props.title}
      testid={props.testid ?? 'ev-threads-changes'}
      sort="change"
      rows={props.changes}
      columns={[
        { key: 'name', label: 'Name', value: (c) => c.name, render: (c) => <span class="mono">{c.name}</span> },
        { key: 'first', label: 'Before', numeric: true, value: (c) => c.first },
        { key: 'last', label: 'After', numeric: true, value: (c) => c.last },
        { key: 'change', label: 'Change', numeric: true, value: (c) => c.last - c.first, render: (c) => signedNum(c.last - c.first) },
      ]}
    />
  );
}

// ---- series (pidstat -r, /proc/PID/status) ------------------------------------------

const MEASURE_TEXT: Record<string, string> = { VSZ: 'VSZ', RSS: 'RSS', VmSize: 'VmSize', VmRSS: 'VmRSS' };

export function SeriesEvidence(props: { doc: SeriesDoc }): JSX.Element {
  const [pick, setPick] = createSignal(0);
  const series = () => props.doc.series[Math.min(pick(), props.doc.series.length - 1)];
  const answer = () => {
    const steady = props.doc.series.flatMap((s) => s.findings.map((f) => ({ s, f })));
    if (steady.length) {
      const x = steady[0];
      return `PID ${x.s.pid}${x.s.command ? ` (${x.s.command})` : ''}: ${x.f}.`;
    }
    const s = props.doc.series[0];
    if (!s) return 'No samples were found.';
    const m = props.doc.measures[0];
    const f = s.fits[m];
    return `No steady rise: PID ${s.pid}'s ${m} went ${kibText(f.first)} → ${kibText(f.last)} over ${f.perSample ? plural(f.samples, 'sample') : span(f.span)} (r² ${f.r2.toFixed(2)}).`;
  };
  const rows = createMemo(() =>
    props.doc.series.flatMap((s) =>
      props.doc.measures
        .filter((m) => s.fits[m])
        .map((m) => ({ pid: s.pid, command: s.command, measure: m, f: s.fits[m] })),
    ),
  );
  return (
    <div class="ev-view" data-testid="ev-series">
      <Answer tone={props.doc.series.some((s) => s.findings.length) ? 'bad' : undefined}>{answer()}</Answer>
      <ProcessPicker list={props.doc.series} pick={pick()} onPick={setPick} />
      <Show when={series()}>
        {(s) => (
          <div class="ev-charts" data-testid="ev-series-chart">
            {/* One chart per measure, each on its own scale, so a rise of 40 KiB on 80 MiB shows. */}
            <For each={chartMeasures(props.doc.measures, s().values)}>
              {(m, i) => (
                <LineChart
                  title={`${MEASURE_TEXT[m] ?? m} of PID ${s().pid}${s().command ? ` (${s().command})` : ''} over ${s().times ? 'time' : 'samples'}${s().fits[m] ? ` — ${s().fits[m].slopePerMin >= 0 ? '+' : ''}${bytes(Math.round(s().fits[m].slopePerMin * 1024))}${s().fits[m].perSample ? ' per sample' : '/min'}, r² ${s().fits[m].r2.toFixed(3)}` : ''}`}
                  yFormat={(y) => kibText(y)}
                  xFormat={(x) => (s().times ? `+${span(x)}` : `#${x + 1}`)}
                  height={150}
                  steps
                  series={[{ label: MEASURE_TEXT[m] ?? m, cls: `ev-c${(i() % 4) + 1}`, points: s().values[m].map((v, k) => ({ x: s().times ? s().times![k] - s().times![0] : k, y: v })) }]}
                />
              )}
            </For>
          </div>
        )}
      </Show>
      <EvTable
        id="series-fits"
        title="Growth per process and measure"
        testid="ev-series-fits"
        sort="slope"
        rows={rows()}
        columns={[
          { key: 'pid', label: 'PID', numeric: true, value: (r) => r.pid },
          { key: 'command', label: 'Command', value: (r) => r.command },
          { key: 'measure', label: 'Measure', value: (r) => r.measure },
          { key: 'first', label: 'First (KiB)', numeric: true, value: (r) => r.f.first },
          { key: 'last', label: 'Last (KiB)', numeric: true, value: (r) => r.f.last },
          { key: 'slope', label: 'Slope (KiB/min)', numeric: true, value: (r) => Math.round(r.f.slopePerMin * 10) / 10, render: (r) => `${r.f.slopePerMin >= 0 ? '+' : ''}${bytes(Math.round(r.f.slopePerMin * 1024))}${r.f.perSample ? ' /sample' : ' /min'}` },
          { key: 'r2', label: 'r²', numeric: true, value: (r) => Math.round(r.f.r2 * 1000) / 1000 },
          { key: 'step', label: 'Step', value: (r) => (r.f.step ? `${kibText(r.f.step.size)} × ${r.f.step.count}${r.f.perSample ? '' : `, every ${r.f.step.every.toFixed(1)} s`}` : undefined) },
          { key: 'steady', label: 'Steady rise', value: (r) => (r.f.steady ? 'yes' : 'no'), render: (r) => (r.f.steady ? <span class="bad-text">yes</span> : 'no') },
        ]}
      />
    </div>
  );
}

/** The measures worth a chart: VSZ and RSS (pidstat), VmSize and VmRSS (status) first, then any that changed; four at most. */
function chartMeasures(measures: string[], values: Record<string, number[]>): string[] {
  const has = (m: string) => values[m]?.length;
  const main = ['VSZ', 'RSS', 'VmSize', 'VmRSS'].filter(has);
  const moved = measures.filter((m) => has(m) && !main.includes(m) && Math.min(...values[m]) !== Math.max(...values[m]));
  return [...main, ...moved].slice(0, 4);
}

// ---- meminfo ------------------------------------------------------------------------

const SIDE_CLS: Record<string, string> = { user: 'ev-user', kernel: 'ev-kernel', cache: 'ev-cache', free: 'ev-free', other: 'ev-other' };

export function MemBreakdownView(props: { b: MemBreakdown; testid?: string }): JSX.Element {
  return (
    <>
      <StackedBar
        label="Where RAM is"
        testid={props.testid}
        total={props.b.totalKiB}
        format={kibText}
        segments={props.b.categories.map((c) => ({ label: c.label, value: c.kib, cls: SIDE_CLS[c.side] ?? 'ev-other', title: `${c.side}: ${c.from}` }))}
      />
      <EvTable
        id="meminfo-breakdown"
        title="Breakdown of MemTotal"
        sort="kib"
        rows={props.b.categories}
        columns={[
          { key: 'label', label: 'Category', value: (c) => c.label },
          { key: 'side', label: 'Side', value: (c) => c.side },
          { key: 'kib', label: 'KiB', numeric: true, value: (c) => c.kib, render: (c) => `${num(c.kib)} (${kibText(c.kib)})` },
          { key: 'pct', label: '% of RAM', numeric: true, value: (c) => Math.round((1000 * c.kib) / Math.max(1, props.b.totalKiB)) / 10 },
          { key: 'from', label: 'From', value: (c) => c.from },
        ]}
      />
    </>
  );
}

export function MemGrowthView(props: { g: MemGrowth }): JSX.Element {
  return (
    <>
      <dl class="heap-stats ev-stats">
        <For each={['user', 'kernel', 'cache', 'free'] as const}>{(s) => <Stat k={s} v={signedBytes(props.g.sides[s] * 1024)} />}</For>
        <Show when={props.g.seconds !== undefined}>
          <Stat k="Between samples" v={span(props.g.seconds!)} />
        </Show>
      </dl>
      <EvTable
        id="meminfo-growth"
        title="What grew, by category"
        testid="ev-meminfo-growth"
        sort="delta"
        rows={props.g.categories}
        columns={[
          { key: 'label', label: 'Category', value: (c) => c.label },
          { key: 'side', label: 'Side', value: (c) => c.side },
          { key: 'from', label: 'Before (KiB)', numeric: true, value: (c) => c.from },
          { key: 'to', label: 'After (KiB)', numeric: true, value: (c) => c.to },
          { key: 'delta', label: 'Change (KiB)', numeric: true, value: (c) => c.delta, render: (c) => signedBytes(c.delta * 1024) },
        ]}
      />
      <EvTable
        id="meminfo-fields"
        title="Fields that changed"
        sort="delta"
        limit={20}
        rows={props.g.fields}
        columns={[
          { key: 'name', label: 'Field', value: (c) => c.name, render: (c) => <span class="mono">{c.name}</span> },
          { key: 'from', label: 'Before', numeric: true, value: (c) => c.from },
          { key: 'to', label: 'After', numeric: true, value: (c) => c.to },
          { key: 'delta', label: 'Change', numeric: true, value: (c) => c.delta, render: (c) => signedNum(c.delta) },
        ]}
      />
    </>
  );
}

export function MeminfoEvidence(props: { doc: MeminfoDoc }): JSX.Element {
  const b = () => props.doc.breakdown;
  const answer = () => {
    const g = props.doc.growth;
    if (g) return `Verdict over ${plural(props.doc.samples.length, 'sample')}: ${g.summary}.`;
    const f = b().findings;
    return `One sample of ${kibText(b().totalKiB)}: user ${kibText(b().sides.user)}, kernel ${kibText(b().sides.kernel)}, cache ${kibText(b().sides.cache)}, free ${kibText(b().sides.free)}${f.length ? `; ${f[0]}` : ''}. Give a second sample (later) for a verdict on what grows.`;
  };
  return (
    <div class="ev-view" data-testid="ev-meminfo">
      <Answer tone={props.doc.growth && props.doc.growth.verdict !== 'no significant growth' && props.doc.growth.verdict !== 'page cache growth' ? 'bad' : undefined}>{answer()}</Answer>
      <Show when={props.doc.growth}>{(g) => <p class="ev-verdict" data-testid="ev-verdict">{g().verdict}</p>}</Show>
      <dl class="heap-stats ev-stats">
        <Stat k="MemTotal" v={kibText(b().totalKiB)} />
        <Stat k="User" v={kibText(b().sides.user)} />
        <Stat k="Kernel" v={kibText(b().sides.kernel)} />
        <Stat k="Cache" v={kibText(b().sides.cache)} />
        <Stat k="Free" v={kibText(b().sides.free)} />
        <Stat k="Unaccounted" v={kibText(b().unaccountedKiB)} title="In no counter: pages drivers took directly" />
      </dl>
      <Show when={b().findings.length}>
        <ul class="ev-findings">
          <For each={b().findings}>{(f) => <li>{f}</li>}</For>
        </ul>
      </Show>
      <MemBreakdownView b={b()} testid="ev-meminfo-bar" />
      <Show when={props.doc.growth}>{(g) => <MemGrowthView g={g()} />}</Show>
    </div>
  );
}

// ---- strace -------------------------------------------------------------------------

export function straceAnswer(doc: StraceDoc): string {
  const s = doc.suspects[0];
  if (!s) {
    const left = doc.unmatched.reduce((a, g) => a + g.unmatchedBytes, 0);
    return `No leak pattern: ${plural(doc.calls.mmap, 'mmap')} and ${plural(doc.calls.munmap, 'munmap')}; ${bytes(left)} still mapped at the end of the log, in no repeated same-size anonymous group.`;
  }
  const who = s.thread ? `thread “${s.thread}” (tid ${s.pid})` : `tid ${s.pid}`;
  const all = s.unmapped === 0 && s.unmatched === s.mapped;
  const rate = s.every ? `, one every ${s.every.toFixed(s.every < 10 ? 2 : 1)} s` : '';
  return all
    ? `${who} mapped ${num(s.unmatched)} × ${s.size} bytes (${s.prot}) and never unmapped them${rate}: ${bytes(s.unmatchedBytes)} still mapped.`
    : `${who} left ${num(s.unmatched)} of ${num(s.mapped)} mappings of ${s.size} bytes (${s.prot}) mapped${rate}: ${bytes(s.unmatchedBytes)}.`;
}

export function StraceEvidence(props: { doc: StraceDoc }): JSX.Element {
  const d = () => props.doc;
  const t0 = () => d().timeline[0]?.t ?? d().start ?? 0;
  const live = createMemo(() => {
    let acc = 0;
    let sus = 0;
    return d().timeline.map((b) => ({ x: b.t - t0(), mapped: b.mappedBytes, leaked: (acc += b.newUnmatchedBytes), suspect: (sus += b.suspectBytes ?? 0) }));
  });
  const when = (t?: number) => (t === undefined ? undefined : logTime(t, d().timeBase));
  const groupCols: Col<StraceDoc['unmatched'][number]>[] = [
    { key: 'pid', label: 'TID', numeric: true, value: (g) => g.pid },
    { key: 'thread', label: 'Thread', value: (g) => g.thread, render: (g) => <span class="mono">{g.thread ?? '—'}</span> },
    { key: 'size', label: 'Size', numeric: true, value: (g) => g.size },
    { key: 'kind', label: 'Kind', value: (g) => g.kind },
    { key: 'prot', label: 'Protection', value: (g) => g.prot },
    { key: 'mapped', label: 'Mapped', numeric: true, value: (g) => g.mapped },
    { key: 'unmapped', label: 'Unmapped', numeric: true, value: (g) => g.unmapped },
    { key: 'unmatched', label: 'Still mapped', numeric: true, value: (g) => g.unmatched },
    { key: 'bytes', label: 'Bytes still mapped', numeric: true, value: (g) => g.unmatchedBytes, render: (g) => bytes(g.unmatchedBytes) },
    { key: 'first', label: 'First', value: (g) => when(g.first) },
    { key: 'last', label: 'Last', value: (g) => when(g.last) },
    { key: 'file', label: 'File', value: (g) => g.file },
  ];
  return (
    <div class="ev-view" data-testid="ev-strace">
      <Answer tone={d().suspects.length ? 'bad' : undefined}>{straceAnswer(d())}</Answer>
      <dl class="heap-stats ev-stats">
        <Stat k="mmap" v={num(d().calls.mmap)} />
        <Stat k="munmap" v={num(d().calls.munmap)} />
        <Stat k="mremap" v={num(d().calls.mremap)} />
        <Stat k="brk" v={num(d().calls.brk)}>
          {d().brk ? `heap grew ${bytes(d().brk!.grew)}` : ''}
        </Stat>
        <Stat k="Failed" v={num(d().calls.failed)} />
        <Stat k="Threads" v={num(d().threads.length)} />
        <Show when={d().start !== undefined && d().end !== undefined}>
          <Stat k="Log span" v={span(d().end! - d().start!)} />
        </Show>
      </dl>
      <Show when={d().suspects.length}>
        <h3>Suspects</h3>
        <ul class="ev-findings" data-testid="ev-strace-suspects">
          <For each={d().suspects}>{(s) => <li>{s.summary}</li>}</For>
        </ul>
      </Show>
      <Show when={live().length > 1}>
        <LineChart
          title="Anonymous bytes mapped over the log, and the part never unmapped"
          testid="ev-strace-chart"
          steps
          zero
          yFormat={(y) => bytes(Math.round(y))}
          xFormat={(x) => `+${span(x)}`}
          series={[
            { label: 'mapped (net)', cls: 'ev-c1', points: live().map((p) => ({ x: p.x, y: p.mapped })) },
            { label: 'never unmapped', cls: 'ev-c2', points: live().map((p) => ({ x: p.x, y: p.leaked })) },
          ]}
        />
      </Show>
      <Show when={live().length > 1 && d().suspects.length && live()[live().length - 1].suspect > 0}>
        <LineChart
          title={`The first suspect on its own scale: ${d().suspects[0].thread ?? `thread ${d().suspects[0].pid}`}'s mmap(${d().suspects[0].size}) still mapped`}
          testid="ev-strace-suspect-chart"
          steps
          zero
          height={140}
          yFormat={(y) => bytes(Math.round(y))}
          xFormat={(x) => `+${span(x)}`}
          series={[{ label: 'still mapped (the suspect)', cls: 'ev-c2', points: live().map((p) => ({ x: p.x, y: p.suspect })) }]}
        />
      </Show>
      <EvTable id="strace-unmatched" title="Still mapped at the end of the log, by thread, size and protection" testid="ev-strace-unmatched" sort="bytes" rows={d().unmatched} columns={groupCols} />
      <EvTable
        id="strace-by-size"
        title="Anonymous mappings still mapped, by size"
        sort="bytes"
        rows={d().bySize}
        columns={[
          { key: 'size', label: 'Size', numeric: true, value: (b) => b.size },
          { key: 'count', label: 'Count', numeric: true, value: (b) => b.count },
          { key: 'bytes', label: 'Bytes', numeric: true, value: (b) => b.bytes, render: (b) => bytes(b.bytes) },
          { key: 'pids', label: 'TIDs', value: (b) => b.pids.join(' ') },
        ]}
      />
      <EvTable
        id="strace-threads"
        title="Threads"
        sort="bytes"
        rows={d().threads}
        columns={[
          { key: 'pid', label: 'TID', numeric: true, value: (t) => t.pid },
          { key: 'name', label: 'Name', value: (t) => t.name, render: (t) => <span class="mono">{t.name ?? '—'}</span> },
          { key: 'mmaps', label: 'mmap', numeric: true, value: (t) => t.mmaps },
          { key: 'munmaps', label: 'munmap', numeric: true, value: (t) => t.munmaps },
          { key: 'unmatched', label: 'Still mapped', numeric: true, value: (t) => t.unmatched },
          { key: 'bytes', label: 'Bytes', numeric: true, value: (t) => t.unmatchedBytes, render: (t) => bytes(t.unmatchedBytes) },
        ]}
      />
    </div>
  );
}

// ---- valgrind -----------------------------------------------------------------------

const KINDS = ['definitely', 'indirectly', 'possibly', 'reachable'] as const;

export function ValgrindEvidence(props: { doc: ValgrindDoc }): JSX.Element {
  const [pick, setPick] = createSignal(0);
  const [tab, setTab] = createSignal<'function' | 'stack' | 'records'>('function');
  const p = () => props.doc.processes[Math.min(pick(), props.doc.processes.length - 1)];
  const answer = () => {
    const x = p();
    if (!x) return 'No memcheck process output was found.';
    const def = x.summary.definitely ?? x.byKind.definitely;
    const top = sortLossGroups(x.byFunction.filter((g) => (g.kinds.definitely ?? 0) > 0), 'bytes')[0];
    if (!def || !def.bytes) return `PID ${x.pid}${x.command ? ` (${x.command})` : ''}: no definite leaks${x.summary.possibly?.bytes ? `; ${bytes(x.summary.possibly.bytes)} possibly lost` : ''}.`;
    return `PID ${x.pid}${x.command ? ` (${x.command})` : ''} definitely lost ${num(def.bytes)} bytes in ${plural(def.blocks, 'block')}${top ? `; most from ${top.key} (${num(top.kinds.definitely ?? 0)} bytes in ${plural(top.records, 'record')})` : ''}.`;
  };
  const groupCols: Col<ValgrindDoc['processes'][number]['byFunction'][number]>[] = [
    { key: 'key', label: 'Where', value: (g) => g.key, render: (g) => <span class="mono ev-name">{g.key}</span> },
    { key: 'bytes', label: 'Bytes', numeric: true, value: (g) => g.bytes },
    { key: 'blocks', label: 'Blocks', numeric: true, value: (g) => g.blocks },
    { key: 'records', label: 'Records', numeric: true, value: (g) => g.records },
    ...KINDS.map((k) => ({ key: k, label: k, numeric: true, value: (g: ValgrindDoc['processes'][number]['byFunction'][number]) => g.kinds[k] })),
    { key: 'where', label: 'Source', value: (g) => g.where },
  ];
  return (
    <div class="ev-view" data-testid="ev-valgrind">
      <Answer tone={(p()?.summary.definitely?.bytes ?? 0) > 0 ? 'bad' : undefined}>{answer()}</Answer>
      <ProcessPicker list={props.doc.processes} pick={pick()} onPick={setPick} />
      <Show when={p()}>
        {(x) => (
          <>
            <dl class="heap-stats ev-stats" data-testid="ev-valgrind-totals">
              <For each={KINDS}>
                {(k) => (
                  <Stat k={`${k} lost`} v={`${num(x().summary[k]?.bytes ?? x().byKind[k]?.bytes ?? 0)} B`}>
                    {plural(x().summary[k]?.blocks ?? x().byKind[k]?.blocks ?? 0, 'block')}
                  </Stat>
                )}
              </For>
              <Show when={x().heap}>{(h) => <Stat k="In use at exit" v={bytes(h().inUseBytes)}>{`${num(h().allocs)} allocs, ${num(h().frees)} frees`}</Stat>}</Show>
            </dl>
            <Tabs
              prefix="ev-vg"
              label="Loss records"
              value={tab()}
              onChange={setTab}
              tabs={[
                { key: 'function', label: 'By function', count: x().byFunction.length },
                { key: 'stack', label: 'By stack', count: x().byStack.length },
                { key: 'records', label: 'Records', count: x().records.length },
              ]}
            />
            <Show when={tab() === 'function'}>
              <EvTable id="valgrind-by-function" title="Loss records by top frame" testid="ev-valgrind-functions" sort="bytes" rows={x().byFunction} columns={groupCols} />
            </Show>
            <Show when={tab() === 'stack'}>
              <EvTable id="valgrind-by-stack" title="Loss records by their first three frames" sort="bytes" rows={x().byStack} columns={groupCols} />
            </Show>
            <Show when={tab() === 'records'}>
              <EvTable
                id="valgrind-records"
                title="Loss records"
                sort="bytes"
                rows={x().records}
                columns={[
                  { key: 'record', label: '#', numeric: true, value: (r) => r.record },
                  { key: 'kind', label: 'Kind', value: (r) => r.kind },
                  { key: 'bytes', label: 'Bytes', numeric: true, value: (r) => r.bytes },
                  { key: 'blocks', label: 'Blocks', numeric: true, value: (r) => r.blocks },
                  { key: 'top', label: 'Top frame', value: (r) => r.top, render: (r) => <span class="mono ev-name">{r.top}</span> },
                  { key: 'stack', label: 'Stack', value: (r) => r.stack.map((f) => f.function).join(' ← '), render: (r) => <span class="mono small ev-name">{r.stack.slice(0, 4).map((f) => f.function).join(' ← ')}</span> },
                ]}
              />
            </Show>
            <Show when={x().errors.length}>
              <EvTable
                id="valgrind-errors"
                title="Other errors"
                sort="contexts"
                rows={x().errors}
                columns={[
                  { key: 'kind', label: 'Error', value: (e) => e.kind },
                  { key: 'contexts', label: 'Contexts', numeric: true, value: (e) => e.contexts },
                  { key: 'example', label: 'Example', value: (e) => e.example },
                ]}
              />
            </Show>
          </>
        )}
      </Show>
    </div>
  );
}

// ---- unknown ------------------------------------------------------------------------

export function UnknownEvidence(props: { doc: UnknownTextDoc }): JSX.Element {
  return (
    <div class="ev-view" data-testid="ev-unknown">
      <Answer tone="muted">
        {props.doc.input.name}: {props.doc.reason}.
      </Answer>
      <Show when={props.doc.firstLines.length}>
        <p class="small muted">Its first lines:</p>
        <pre class="ev-lines" data-testid="ev-unknown-lines">
          {props.doc.firstLines.join('\n')}
        </pre>
      </Show>
      <Show when={props.doc.candidates.length}>
        <p class="small muted">
          Formats that matched a little: {props.doc.candidates.map((c) => `${c.title} (${Math.round(c.confidence * 100)} %)`).join(', ')}.
        </p>
      </Show>
      <p class="small muted">heaplens reads top -b (-H), ps -L/-T, pidstat -r, /proc/PID/status and /proc/meminfo samples, strace -f logs, valgrind memcheck logs and gperftools/jemalloc heap profiles; cores and binaries go to the core analysis.</p>
    </div>
  );
}
