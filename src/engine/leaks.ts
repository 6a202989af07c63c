// Leaks by reachability. Every used block is a node; a word inside a used block that points
// into another used block (its start or inside it) is an edge; roots are the threads'
// registers, their stacks above the stack pointer, modules' writable data and other
// writable memory that is neither a heap nor a block. Blocks reached from a root are
// anchored; the rest leaked: a leak's top when no used block points to it, indirect otherwise.
//
// The kernels do the work where the blocks live: every worker gets the sorted index of used
// blocks, scans its spans for references, and worker 0 builds the graph and walks it.
import type { OpenedCore } from './analyze';
import type { Diagnostic } from './errors';
import { hex } from './format';
import type { GraphPart, GraphQuery, GraphWorker, HeapAggregate, HeapWorker, KernelPool, KernelWorker, Span } from './kernel-api';
import { type Region, type RegionLabel, regionAt, regionName } from './memmap';
import { type ProgressFn, planSpans, runSpans } from './pipeline';
import type { CoreMemory, Segment } from './elf/core';
import { symbolText } from './symbolize';
import { EM_X86_64 } from './elf/elf';

type Worker = KernelWorker & HeapWorker & GraphWorker;

export interface RootRef {
  kind: 'register' | 'stack' | 'data' | 'bss' | 'anon';
  /** Address of the word (registers: none). */
  address?: bigint;
  /** 'rax of thread 1234', 'stack of thread 1234 +0x40', 'g_pending (seed+0x4010)'. */
  name: string;
  block: number;
}

export interface LeakTotals {
  count: number;
  bytes: number;
}

export interface LeakGroup {
  key: string;
  count: number;
  bytes: number;
  unreferenced: number;
  indirect: number;
  examples: bigint[];
}

export interface LeakResult {
  blocks: number;
  edges: number;
  rootRefs: number;
  rootsByKind: Record<string, number>;
  anchored: LeakTotals;
  leaked: LeakTotals;
  unreferenced: LeakTotals;
  indirect: LeakTotals;
  byType: (LeakGroup & { type: string })[];
  bySize: (LeakGroup & { size: number })[];
  bySignature: (LeakGroup & { size: number; offsets: number[] })[];
  /** For the largest leaked groups: what an example leak top points to. */
  shapes: { group: string; example: bigint; refs: { offset: number; target: bigint; size: number; verdict: Verdict }[] }[];
  elapsedMs: number;
  diagnostics: Diagnostic[];
}

export type Verdict = 'anchored' | 'leaked' | 'indirect';
export const VERDICT: Record<number, Verdict> = { 1: 'anchored', 2: 'leaked', 3: 'indirect' };

/** What stays after the analysis for questions about single blocks (refs, chains). */
export interface LeakContext {
  addrs: BigUint64Array;
  sizes: Uint32Array;
  verdicts: Uint8Array;
  roots: RootRef[];
  solver: GraphWorker;
  /** The dump, to find again where in a block the pointing words are. */
  memory: CoreMemory;
  wordSize: 4 | 8;
}

/** Words of block `b` (read from the dump) that point into used blocks: their offsets and targets. Reads at most `limit` bytes. */
async function pointersIn(ctx: LeakContext, b: number, limit = 16 << 20): Promise<{ offset: number; block: number }[]> {
  const ws = ctx.wordSize;
  const len = Math.min(ctx.sizes[b], limit) - (Math.min(ctx.sizes[b], limit) % ws);
  const bytes = len > 0 ? await ctx.memory.read(ctx.addrs[b], len) : undefined;
  if (!bytes) return [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { offset: number; block: number }[] = [];
  for (let o = 0; o + ws <= len; o += ws) {
    const v = ws === 8 ? dv.getBigUint64(o, true) : BigInt(dv.getUint32(o, true));
    const t = blockAt(ctx.addrs, ctx.sizes, v);
    if (t >= 0 && t !== b) out.push({ offset: o, block: t });
  }
  return out;
}

/** Position of the block holding address v in a sorted (address, size) index, or -1. */
export function blockAt(addrs: BigUint64Array, sizes: Uint32Array, v: bigint): number {
  let lo = 0;
  let hi = addrs.length - 1;
  if (hi < 0 || v < addrs[0]) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (addrs[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return v < addrs[lo] + BigInt(sizes[lo]) ? lo : -1;
}

/** Merges sorted (address, size) runs. */
function mergeUsed(runs: { addrs: BigUint64Array; sizes: Uint32Array }[]): { addrs: BigUint64Array; sizes: Uint32Array } {
  const total = runs.reduce((n, r) => n + r.addrs.length, 0);
  const addrs = new BigUint64Array(total);
  const sizes = new Uint32Array(total);
  const a32 = new Uint32Array(addrs.buffer);
  const views = runs.map((r) => new Uint32Array(r.addrs.buffer, r.addrs.byteOffset, r.addrs.length * 2));
  const pos = runs.map(() => 0);
  for (let o = 0; o < total; o++) {
    let best = -1;
    for (let k = 0; k < runs.length; k++) {
      const i = pos[k];
      if (i >= runs[k].addrs.length) continue;
      if (best < 0) best = k;
      else {
        const v = views[k];
        const b = views[best];
        const j = pos[best];
        if (v[2 * i + 1] < b[2 * j + 1] || (v[2 * i + 1] === b[2 * j + 1] && v[2 * i] < b[2 * j])) best = k;
      }
    }
    const i = pos[best]++;
    a32[2 * o] = views[best][2 * i];
    a32[2 * o + 1] = views[best][2 * i + 1];
    sizes[o] = runs[best].sizes[i];
  }
  return { addrs, sizes };
}

const STACK_REDZONE = 128n;

export async function runLeaks(
  o: OpenedCore,
  pool: KernelPool,
  opts: { signal?: AbortSignal; onProgress?: ProgressFn; spanBytes?: number; topGroups?: number } = {},
): Promise<{ result: LeakResult; context: LeakContext }> {
  const t0 = performance.now();
  const { core, map, memory, symbolizer } = o;
  const ws = core.wordSize;
  const W = BigInt(ws);
  const diagnostics: Diagnostic[] = [];
  const workers = pool.workers as Worker[];

  // 1. The index of used blocks, sorted, to every worker.
  const index = mergeUsed(await Promise.all(workers.map((w) => w.graphUsed())));
  const n = index.addrs.length;
  await Promise.all(workers.map((w) => w.graphIndex(index.addrs, index.sizes)));

  // 2. What to scan: the bytes of mappings holding blocks, and root memory.
  const hasBlocks = (r: Region) => {
    const i = blockAt(index.addrs, index.sizes, r.start);
    if (i >= 0) return true;
    // first block starting at or after r.start
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (index.addrs[mid] < r.start) lo = mid + 1;
      else hi = mid;
    }
    return lo < n && index.addrs[lo] < r.end;
  };
  const stackFrom = new Map<number, bigint>();
  for (const t of core.threads) {
    if (t.sp === undefined) continue;
    const r = regionAt(map.regions, t.sp);
    if (r) {
      const from = t.sp - (core.machine === EM_X86_64 ? STACK_REDZONE : 0n);
      stackFrom.set(r.index, from > r.start ? from & ~(W - 1n) : r.start);
    }
  }
  const parts: { seg: Segment; kind: GraphPart['kind']; region: Region }[] = [];
  for (const r of map.regions) {
    if (r.segment < 0 || r.inCore <= 0) continue;
    const seg = core.segments[r.segment];
    const sub = (from: bigint): Segment => {
      const skip = Number(from - seg.vaddr);
      return { ...seg, vaddr: from, fileOffset: seg.fileOffset + skip, available: Math.max(0, seg.available - skip), memsz: seg.memsz - BigInt(skip) };
    };
    if (r.label === 'heap' || r.label === 'arena' || (r.label === 'anon' && hasBlocks(r))) {
      if (r.perms.includes('w')) parts.push({ seg, kind: 'blocks', region: r });
    } else if (r.label === 'stack') {
      parts.push({ seg: sub(stackFrom.get(r.index) ?? r.start), kind: 'roots', region: r });
    } else if ((r.label === 'data' || r.label === 'bss' || r.label === 'anon') && r.perms.includes('w')) {
      parts.push({ seg, kind: 'roots', region: r });
    }
  }
  const spans = planSpans(
    parts.map((p) => p.seg),
    ws,
    opts.spanBytes ?? 16 << 20,
  );
  const kindAt = (addr: bigint) => {
    const r = regionAt(map.regions, addr);
    return parts.find((p) => p.region === r)?.kind ?? 'roots';
  };
  // Registers first: a block a register holds is named by it in its chain (callee-saved
  // registers often have stale copies in deeper stack frames too).
  const roots: RootRef[] = [];
  for (const t of core.threads) {
    for (const reg of t.registers) {
      const b = blockAt(index.addrs, index.sizes, reg.value);
      if (b >= 0) roots.push({ kind: 'register', name: `${reg.name} of thread ${t.tid}`, block: b });
    }
  }
  const rootName = (addr: bigint): { kind: RootRef['kind']; name: string } => {
    const r = regionAt(map.regions, addr);
    // A segment the map left out (overlapping another in a damaged core) still has roots.
    if (!r) return { kind: 'anon', name: `memory at ${hex(addr)} (in no mapping of the map)` };
    const sym = r.module !== undefined ? symbolizer.lookup(addr, r) : undefined;
    const kind: RootRef['kind'] = r.label === 'stack' ? 'stack' : r.label === 'data' ? 'data' : r.label === 'bss' ? 'bss' : 'anon';
    if (sym) return { kind, name: `${symbolText(sym)} (${sym.module})` };
    const base = r.label === 'stack' ? `stack of ${r.detail ?? 'a thread'}` : regionName(r, map.modules);
    return { kind, name: `${base} ${hex(addr)}` };
  };
  let edgesFull = false;
  // References collect on worker 0, which builds the graph: the others hand theirs over span by span.
  const solver = workers[0];
  await runSpans(
    workers,
    spans,
    async (w, s: Span) => {
      const gp: GraphPart[] = s.pieces.map((p) => ({ kind: kindAt(p.addr!), offset: p.offset, length: p.length, addr: p.addr! }));
      const r = await w.graphScan(s, gp, w !== solver);
      if (r.edges?.length) await solver.graphAddEdges(r.edges);
      edgesFull ||= r.edgesFull;
      for (let i = 0; i < r.rootAddrs.length; i++) roots.push({ ...rootName(r.rootAddrs[i]), address: r.rootAddrs[i], block: r.rootBlocks[i] });
      return r.bytes;
    },
    { phase: 'references', signal: opts.signal, onProgress: opts.onProgress },
  );
  if (edgesFull) diagnostics.push({ level: 'warning', code: 'leaks.edges-full', message: 'the reference table filled wasm memory; some references are missing, so some blocks may be reported leaked that are not' });

  // 3. The graph, on worker 0.
  const solved = await solver.graphSolve(Uint32Array.from(roots, (r) => r.block));
  const verdicts = solved.verdicts;

  const tot = (v: number): LeakTotals => {
    let count = 0;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      if (verdicts[i] !== v) continue;
      count++;
      bytes += index.sizes[i];
    }
    return { count, bytes };
  };
  const anchored = tot(1);
  const unreferenced = tot(2);
  const indirect = tot(3);
  const rootsByKind: Record<string, number> = {};
  for (const r of roots) rootsByKind[r.kind] = (rootsByKind[r.kind] ?? 0) + 1;

  // 4. Leaked blocks by group, aggregated where the chunk tables are.
  const leakedIdx: number[] = [];
  for (let i = 0; i < n; i++) if (verdicts[i] >= 2) leakedIdx.push(i);
  const leakAddrs = BigUint64Array.from(leakedIdx, (i) => index.addrs[i]);
  const leakKinds = Uint8Array.from(leakedIdx, (i) => verdicts[i]);
  const all = await Promise.all(workers.map((w) => w.heapLeakAggregate(leakAddrs, leakKinds, 1)));
  const tops = await Promise.all(workers.map((w) => w.heapAggregate(2)));
  const top = opts.topGroups ?? 100;
  const groups = (pick: (a: HeapAggregate) => HeapAggregate['bySize']) => {
    const m = new Map<string, LeakGroup & { k1: bigint; k2: bigint }>();
    const add = (list: HeapAggregate[], unref: boolean) => {
      for (const a of list) {
        const g = pick(a);
        for (let i = 0; i < g.key1.length; i++) {
          const key = `${g.key1[i]}:${g.key2[i]}`;
          let e = m.get(key);
          if (!e) m.set(key, (e = { key, k1: g.key1[i], k2: g.key2[i], count: 0, bytes: 0, unreferenced: 0, indirect: 0, examples: [] }));
          if (unref) e.unreferenced += g.counts[i];
          else {
            e.count += g.counts[i];
            e.bytes += g.bytes[i];
            for (let x = 0; x < Math.min(4, g.counts[i]) && e.examples.length < 4; x++) e.examples.push(g.examples[4 * i + x] + 2n * W);
          }
        }
      }
    };
    add(all, false);
    add(tops, true);
    const out = [...m.values()].filter((e) => e.count > 0).sort((a, b) => b.bytes - a.bytes || b.count - a.count);
    for (const e of out) e.indirect = e.count - e.unreferenced;
    return out.slice(0, top);
  };
  const byType = groups((a) => a.byType).map((e) => {
    const r = regionAt(map.regions, e.k1);
    const sym = r ? symbolizer.lookup(e.k1, r) : undefined;
    const vt = sym && /^vtable for /.test(sym.demangled) ? sym.demangled.slice('vtable for '.length) : undefined;
    const mod = r?.module !== undefined ? map.modules[r.module] : undefined;
    const type = vt ?? (sym ? symbolText(sym) : mod ? `${mod.name}+${hex(e.k1 - (mod.bias ?? mod.start))}` : hex(e.k1));
    return { ...e, type };
  });
  const bySize = groups((a) => a.bySize).map((e) => ({ ...e, size: Number(e.k1) }));
  const bySignature = groups((a) => a.bySignature).map((e) => {
    const offsets: number[] = [];
    for (let i = 0; i < 64; i++) if ((e.k2 >> BigInt(i)) & 1n) offsets.push(i * ws);
    return { ...e, size: Number(e.k1), offsets };
  });

  const ctx: LeakContext = { addrs: index.addrs, sizes: index.sizes, verdicts, roots, solver, memory, wordSize: ws };
  // 5. Shapes: what an example leak top of each large group points to.
  const shapes: LeakResult['shapes'] = [];
  const tryShape = async (group: string, examples: bigint[]) => {
    for (const ex of examples) {
      const b = blockAt(index.addrs, index.sizes, ex);
      if (b < 0 || verdicts[b] !== 2) continue;
      const refs = await pointersIn(ctx, b, 1 << 20);
      shapes.push({ group, example: ex, refs: refs.slice(0, 16).map((e) => ({ offset: e.offset, target: index.addrs[e.block], size: index.sizes[e.block], verdict: VERDICT[verdicts[e.block]] })) });
      return;
    }
  };
  for (const g of byType.slice(0, 5)) await tryShape(g.type, g.examples);
  for (const g of bySignature.slice(0, 5)) await tryShape(`size ${g.size} [${g.offsets.join(',')}]`, g.examples);

  const strip = <T extends { k1: bigint; k2: bigint }>(e: T) => {
    const { k1: _a, k2: _b, ...rest } = e;
    return rest;
  };
  const result: LeakResult = {
    blocks: n, edges: solved.edges, rootRefs: roots.length, rootsByKind, anchored,
    leaked: { count: unreferenced.count + indirect.count, bytes: unreferenced.bytes + indirect.bytes }, unreferenced, indirect,
    byType: byType.map(strip), bySize: bySize.map(strip), bySignature: bySignature.map(strip), shapes,
    elapsedMs: performance.now() - t0, diagnostics,
  };
  return { result, context: ctx };
}

export interface BlockReport {
  address: bigint;
  size: number;
  verdict: Verdict;
  label?: RegionLabel;
  incoming: { address: bigint; offset: number; size: number; verdict: Verdict }[];
  incomingTotal: number;
  outgoing: { address: bigint; offset: number; size: number; verdict: Verdict }[];
  /** From a root down to this block: the root, then each block with the offset of the word in it that points to the next. */
  chain: { root?: string; address?: bigint; offset: number; size?: number }[];
}

/** Who points to the block holding `addr`, what it points to, and its shortest chain from a root. */
export async function queryBlock(ctx: LeakContext, addr: bigint): Promise<BlockReport | undefined> {
  const b = blockAt(ctx.addrs, ctx.sizes, addr);
  if (b < 0) return undefined;
  const q: GraphQuery = await ctx.solver.graphQuery(b, 200);
  const info = (i: number, offset: number) => ({ address: ctx.addrs[i], offset, size: ctx.sizes[i], verdict: VERDICT[ctx.verdicts[i]] });
  /** Offset in block `from` of its first word pointing into block `to`. */
  const where = async (from: number, to: number) => (await pointersIn(ctx, from)).find((p) => p.block === to)?.offset ?? -1;
  const incoming: BlockReport['incoming'] = [];
  for (const s of q.incoming) incoming.push(info(s, await where(s, b)));
  const outgoing = (await pointersIn(ctx, b)).map((p) => info(p.block, p.offset));
  const chain: BlockReport['chain'] = [];
  if (q.root >= 0) {
    chain.push({ root: ctx.roots[q.root].name, offset: 0 });
    // q.chain runs from this block up to the one the root reaches; list it downwards.
    const up = q.chain;
    for (let k = up.length - 1; k >= 0; k--) {
      const next = up[k - 1];
      chain.push({ address: ctx.addrs[up[k]], size: ctx.sizes[up[k]], offset: next !== undefined ? await where(up[k], next) : 0 });
    }
  }
  return { address: ctx.addrs[b], size: ctx.sizes[b], verdict: VERDICT[ctx.verdicts[b]], incoming, incomingTotal: q.incomingTotal, outgoing, chain };
}
