// Heap profiles (gperftools HEAPPROFILE / GetHeapSample, jemalloc prof.dump): the top functions
// by flat and cumulative bytes and objects, the stacks, a flame graph of the bytes in use, and
// the export to pprof's profile.proto. Two profiles: what grew (the diff), its flame graph and
// its export as a pprof of the growth. Three or more: each function's trend (a leak grows at every
// step, a cache fills and stays), then what grew from the first to the last.
import { For, type JSX, Show, createMemo, createSignal } from 'solid-js';
import { trendRowsTable } from '../../engine/tables';
import { type HeapDiffDoc, type HeapProfileDoc, type HeapTrendDoc, diffHeapProfiles, orderProfiles } from '../../engine/text';
import { TrendTable } from '../TrendPanel';
import { Stat } from '../common';
import { bytes, errorMessage, num } from '../fmt';
import { FlameGraph } from './FlameGraph';
import { Answer, EvTable, signedBytes, signedNum } from './parts';
import { pprofBytes } from './session';

function downloadBytes(data: Uint8Array, name: string, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  a.download = name.replace(/[\\/:*?"<>|]+/g, '_');
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function PprofButton(props: { doc: HeapProfileDoc; base?: HeapProfileDoc }): JSX.Element {
  const [msg, setMsg] = createSignal<string>();
  const go = async () => {
    try {
      const r = await pprofBytes(props.doc, props.base);
      const stem = props.doc.input.name.replace(/\.(heap|prof|txt)$/i, '');
      downloadBytes(r.bytes, props.base ? `${stem}-since-${props.base.input.name.replace(/\.(heap|prof|txt)$/i, '')}.pb.gz` : `${stem}.pb.gz`, 'application/gzip');
      setMsg(`${num(r.samples)} samples${r.dropped ? `, ${num(r.dropped)} stacks that did not grow left out` : ''}`);
    } catch (e) {
      setMsg(`Could not export: ${errorMessage(e)}`);
    }
  };
  return (
    <span class="ev-export">
      <button type="button" class="btn small" data-testid="export-pprof" title="pprof's profile.proto, gzipped: go tool pprof, speedscope and pprof.me open it" onClick={() => void go()}>
        Export pprof{props.base ? ' (growth)' : ''}
      </button>
      <Show when={msg()}>
        <span class="muted small">{msg()}</span>
      </Show>
    </span>
  );
}

export function HeapProfileEvidence(props: { doc: HeapProfileDoc }): JSX.Element {
  const d = () => props.doc;
  const answer = () => {
    const top = d().functions[0];
    const t = d().totals;
    const share = top && t.inuseBytes ? ` (${((100 * top.flatBytes) / t.inuseBytes).toFixed(1)} %)` : '';
    return `${num(t.inuseBytes)} bytes (${bytes(t.inuseBytes)}) in use in ${num(t.inuseObjects)} objects${d().sampling.kind === 'sampled' ? ' (estimated from samples)' : ''}${top ? `; ${top.name} holds the most: ${num(top.flatBytes)} bytes${share} in ${num(top.flatObjects)} objects` : ''}.`;
  };
  return (
    <div class="ev-view" data-testid="ev-heap">
      <Answer>{answer()}</Answer>
      <dl class="heap-stats ev-stats">
        <Stat k="In use" v={bytes(d().totals.inuseBytes)}>{`${num(d().totals.inuseObjects)} objects`}</Stat>
        <Show when={d().hasAlloc}>
          <Stat k="Allocated" v={bytes(d().totals.allocBytes)}>{`${num(d().totals.allocObjects)} objects`}</Stat>
        </Show>
        <Stat k="Format" v={d().format}>{d().sampling.kind === 'sampled' ? `sampled every ${num(d().sampling.period)} B` : 'exact'}</Stat>
        <Stat k="Symbols" v={`${num(d().symbols.named)} named`}>
          {d().symbols.binaries.length ? `from ${d().symbols.binaries.map((b) => b.name).join(', ')}` : `${num(d().symbols.unnamed)} as module+offset: drop the binary with the profile`}
        </Stat>
      </dl>
      <div class="toolbar">
        <PprofButton doc={d()} />
      </div>
      <FlameGraph title="Bytes in use by call stack" stacks={d().stacks.map((s) => ({ frames: s.frames, value: s.inuseBytes }))} />
      <EvTable
        id="heap-functions"
        title="Functions"
        testid="ev-heap-functions"
        sort="flatBytes"
        rows={d().functions}
        columns={[
          { key: 'name', label: 'Function', value: (f) => f.name, render: (f) => <span class="mono ev-name">{f.name}</span> },
          { key: 'flatBytes', label: 'Flat bytes', numeric: true, value: (f) => f.flatBytes },
          { key: 'flatPct', label: 'Flat %', numeric: true, value: (f) => Math.round((1000 * f.flatBytes) / Math.max(1, d().totals.inuseBytes)) / 10 },
          { key: 'flatObjects', label: 'Flat objects', numeric: true, value: (f) => f.flatObjects },
          { key: 'cumBytes', label: 'Cum bytes', numeric: true, value: (f) => f.cumBytes },
          { key: 'cumObjects', label: 'Cum objects', numeric: true, value: (f) => f.cumObjects },
          { key: 'module', label: 'Module', value: (f) => f.module },
        ]}
      />
      <EvTable
        id="heap-stacks"
        title="Stacks"
        sort="inuseBytes"
        limit={50}
        rows={d().stacks}
        columns={[
          { key: 'inuseBytes', label: 'In use bytes', numeric: true, value: (s) => s.inuseBytes },
          { key: 'inuseObjects', label: 'Objects', numeric: true, value: (s) => s.inuseObjects },
          ...(d().hasAlloc ? [{ key: 'allocBytes', label: 'Allocated bytes', numeric: true, value: (s: HeapProfileDoc['stacks'][number]) => s.allocBytes }] : []),
          { key: 'frames', label: 'Stack (innermost first)', value: (s) => s.frames.join(' ← '), render: (s) => <span class="mono small ev-name">{s.frames.slice(0, 6).join(' ← ')}</span> },
        ]}
      />
    </div>
  );
}

export function HeapDiffEvidence(props: { diff: HeapDiffDoc; base: HeapProfileDoc; cur: HeapProfileDoc }): JSX.Element {
  const d = () => props.diff;
  return (
    <div class="ev-view" data-testid="ev-heap-diff">
      <Answer tone={d().functions[0]?.flatBytes > 0 ? 'bad' : undefined}>
        From {d().base.name} to {d().profile.name}: {d().summary}.
      </Answer>
      <dl class="heap-stats ev-stats">
        <Stat k="Before" v={bytes(d().base.inuseBytes)}>{`${num(d().base.inuseObjects)} objects`}</Stat>
        <Stat k="After" v={bytes(d().profile.inuseBytes)}>{`${num(d().profile.inuseObjects)} objects`}</Stat>
        <Stat k="Growth" v={signedBytes(d().profile.inuseBytes - d().base.inuseBytes)}>{`${signedNum(d().profile.inuseObjects - d().base.inuseObjects)} objects`}</Stat>
      </dl>
      <div class="toolbar">
        <PprofButton doc={props.cur} base={props.base} />
      </div>
      <FlameGraph title="Growth in bytes in use by call stack (stacks that shrank left out)" testid="flame" stacks={d().stacks.map((s) => ({ frames: s.frames, value: s.inuseBytes }))} />
      <EvTable
        id="heap-diff-functions"
        title="What grew, by function"
        testid="ev-heap-diff-functions"
        sort="flatBytes"
        rows={d().functions}
        columns={[
          { key: 'name', label: 'Function', value: (f) => f.name, render: (f) => <span class="mono ev-name">{f.name}</span> },
          { key: 'flatBytes', label: 'Flat growth (B)', numeric: true, value: (f) => f.flatBytes, render: (f) => signedNum(f.flatBytes) },
          { key: 'flatObjects', label: 'Objects', numeric: true, value: (f) => f.flatObjects, render: (f) => signedNum(f.flatObjects) },
          { key: 'baseFlatBytes', label: 'Before (B)', numeric: true, value: (f) => f.baseFlatBytes },
          { key: 'flatBytesNow', label: 'After (B)', numeric: true, value: (f) => f.flatBytesNow },
          { key: 'cumBytes', label: 'Cum growth (B)', numeric: true, value: (f) => f.cumBytes, render: (f) => signedNum(f.cumBytes) },
          { key: 'module', label: 'Module', value: (f) => f.module },
        ]}
      />
      <EvTable
        id="heap-diff-stacks"
        title="What grew, by stack"
        sort="inuseBytes"
        limit={50}
        rows={d().stacks}
        columns={[
          { key: 'inuseBytes', label: 'Growth (B)', numeric: true, value: (s) => s.inuseBytes, render: (s) => signedNum(s.inuseBytes) },
          { key: 'inuseObjects', label: 'Objects', numeric: true, value: (s) => s.inuseObjects, render: (s) => signedNum(s.inuseObjects) },
          { key: 'frames', label: 'Stack (innermost first)', value: (s) => s.frames.join(' ← '), render: (s) => <span class="mono small ev-name">{s.frames.slice(0, 6).join(' ← ')}</span> },
        ]}
      />
    </div>
  );
}

/** Three or more profiles: each function's in-use bytes from profile to profile, then the first against the last. */
export function HeapTrendEvidence(props: { trend: HeapTrendDoc; docs: HeapProfileDoc[] }): JSX.Element {
  const t = () => props.trend;
  const ordered = createMemo(() => orderProfiles(props.docs).docs);
  const diff = createMemo(() => diffHeapProfiles(ordered()[0], ordered()[ordered().length - 1]));
  const steady = () => t().functions.find((r) => r.pattern === 'steady');
  return (
    <div class="ev-view" data-testid="ev-heap-trend">
      <Answer tone={steady() ? 'bad' : undefined}>{t().findings[0]}.</Answer>
      <p class="muted small">
        In the order taken ({t().orderedBy === 'as given' ? 'as given: the names carry no sequence numbers' : 'by the sequence numbers in their names'}): {t().profiles.map((p, i) => `${i + 1}. ${p.name}`).join(' · ')}. A leak grows at every step; a cache grows and then stays flat.
      </p>
      <Show when={t().findings.length > 1}>
        <ul class="trend-findings" data-testid="ev-heap-trend-findings">
          <For each={t().findings.slice(1)}>{(f) => <li>{f}</li>}</For>
        </ul>
      </Show>
      <Show when={t().diagnostics.length}>
        <ul class="diff-warnings" role="alert">
          <For each={t().diagnostics}>{(d) => <li>{d.message}</li>}</For>
        </ul>
      </Show>
      <h4>In use by function (flat), profile by profile</h4>
      <TrendTable rows={t().functions} points={t().profiles.length} what="Profile" unit="objects" label="Function" testid="ev-heap-trend" csv={(rows) => trendRowsTable('heap-profile-trend', 'Heap profiles: in use by function, profile by profile', rows, t().profiles.length)} />
      <h4>From the first to the last</h4>
      <HeapDiffEvidence diff={diff()} base={ordered()[0]} cur={ordered()[ordered().length - 1]} />
    </div>
  );
}
