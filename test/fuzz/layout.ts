// The base core's layout for the mutator: where its headers, notes, chunk headers and
// allocator state are in the file, read with the engine from a clean analysis.
import type { AnalysisJSON } from '../../src/engine/analyze';
import type { CoreDump } from '../../src/engine/elf/core';
import type { KernelPool } from '../../src/engine/kernel-api';
import type { CoreLayout } from './mutate';

export async function coreLayout(core: CoreDump, json: AnalysisJSON, pool: KernelPool, maxChunks = 20000): Promise<CoreLayout> {
  const ws = core.wordSize;
  const W = BigInt(ws);
  const fileOf = (addr: bigint): number | undefined => {
    for (const s of core.segments) if (addr >= s.vaddr && addr < s.vaddr + BigInt(s.available)) return s.fileOffset + Number(addr - s.vaddr);
    return undefined;
  };
  const chunkSizes: number[] = [];
  for (const w of pool.workers) {
    // A worker that got no span of a small core never began a heap walk.
    const b = await w.heapBlocks(0xff, 0, maxChunks).catch(() => undefined);
    if (!b) continue;
    for (const a of b.addresses) {
      const o = fileOf(a - W);
      if (o !== undefined) chunkSizes.push(o);
    }
  }
  const state: CoreLayout['state'] = [];
  const h = json.heap;
  if (h?.found && h.mainArena && h.layout) {
    const o = fileOf(BigInt(h.mainArena));
    if (o !== undefined) state.push({ offset: o, size: h.layout.stateSize });
    for (const t of h.tcaches) {
      const to = fileOf(BigInt(t.address));
      if (to !== undefined) state.push({ offset: to, size: 64 * 2 + 64 * ws });
    }
  }
  return {
    size: core.source.size,
    phoff: core.header!.phoff,
    phBytes: core.header!.phnum * core.header!.phentsize,
    notes: core.notes.map((n) => ({ offset: n.offset, size: n.size })),
    chunkSizes,
    state,
    wordSize: ws,
  };
}
