// valgrind memcheck logs: loss records grouped by kind and by their top frames (the first
// frame that is not the allocator), totals from the heap and leak summaries, error kinds.
import { type LineParser, type TextDocBase, type TextImporter, num } from './common';

export type LossKind = 'definitely' | 'indirectly' | 'possibly' | 'reachable';

export interface Frame {
  address: string;
  function: string;
  /** "file.c:17", or the object "(in /lib/x.so)". */
  where?: string;
}

export interface LossRecord {
  kind: LossKind;
  bytes: number;
  /** For definitely/possibly lost records that own indirect blocks: direct and indirect bytes. */
  direct?: number;
  indirect?: number;
  blocks: number;
  record: number;
  of: number;
  stack: Frame[];
  /** The first frame below the allocator (malloc, operator new, …). */
  top: string;
}

export interface LossGroup {
  /** Top frame function, or the first three frames joined by " ← " for `byStack`. */
  key: string;
  bytes: number;
  blocks: number;
  records: number;
  /** Bytes per kind. */
  kinds: Partial<Record<LossKind, number>>;
  where?: string;
}

export interface ValgrindProcess {
  pid: number;
  command?: string;
  tool?: string;
  heap?: { inUseBytes: number; inUseBlocks: number; allocs: number; frees: number; allocatedBytes: number };
  /** LEAK SUMMARY as printed: kind → {bytes, blocks}; `suppressed` too. */
  summary: Partial<Record<LossKind | 'suppressed', { bytes: number; blocks: number }>>;
  /** Sums of the loss records per kind, direct bytes (equal to the summary when every record was printed). */
  byKind: Partial<Record<LossKind, { bytes: number; blocks: number; records: number }>>;
  /** Loss records grouped by the top frame, most bytes first. */
  byFunction: LossGroup[];
  /** Loss records grouped by their first three frames below the allocator. */
  byStack: LossGroup[];
  records: LossRecord[];
  /** Other errors (invalid reads, uninitialised values…) by kind: count of contexts and of occurrences when known. */
  errors: { kind: string; contexts: number; example?: string }[];
  errorSummary?: { errors: number; contexts: number };
}

export interface ValgrindDoc extends TextDocBase {
  kind: 'valgrind';
  processes: ValgrindProcess[];
}

const PFX = /^(==|--|\*\*)(\d+)\1 ?(.*)$/;
const LOSS = /^([\d,]+) (?:\(([\d,]+) direct, ([\d,]+) indirect\) )?bytes in ([\d,]+) blocks are (definitely lost|indirectly lost|possibly lost|still reachable) in loss record ([\d,]+) of ([\d,]+)$/;
const FRAME = /^\s*(?:at|by) (0x[0-9A-Fa-f]+): (.*?)(?: \((.*)\))?$/;
const ALLOC = /^(malloc|calloc|realloc|reallocarray|memalign|posix_memalign|aligned_alloc|valloc|pvalloc|strdup|strndup|operator new(\[\])?\(.*\)|operator new|operator new\[\]|__builtin_new|__builtin_vec_new|_Zn[wa]\w*|__libc_\w+)$/;

/** Sorts loss groups by a column. */
export function sortLossGroups(g: LossGroup[], by: 'bytes' | 'blocks' | 'records' | 'key' = 'bytes'): LossGroup[] {
  return [...g].sort((a, b) => (by === 'key' ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : b[by] - a[by] || b.bytes - a.bytes));
}

function topOf(stack: Frame[]): number {
  let i = 0;
  while (i < stack.length - 1 && (ALLOC.test(stack[i].function) || /vg_replace_malloc|vgpreload/.test(stack[i].where ?? ''))) i++;
  return i;
}

export const valgrindImporter: TextImporter<ValgrindDoc> = {
  kind: 'valgrind',
  title: 'valgrind memcheck log',
  detect(head) {
    let seen = 0;
    let hit = 0;
    for (const l of head.split('\n').slice(0, 80)) {
      if (!l.trim()) continue;
      seen++;
      if (PFX.test(l)) hit++;
    }
    if (!seen || hit / seen < 0.5) return 0;
    return /Memcheck|HEAP SUMMARY|LEAK SUMMARY|Julian Seward/.test(head) ? 0.97 : 0.7;
  },
  parser(input): LineParser<ValgrindDoc> {
    const diagnostics: ValgrindDoc['diagnostics'] = [];
    const procs = new Map<number, ValgrindProcess & { block: string[]; section?: string }>();
    const proc = (pid: number) => {
      let p = procs.get(pid);
      if (!p) procs.set(pid, (p = { pid, summary: {}, byKind: {}, byFunction: [], byStack: [], records: [], errors: [], block: [] }));
      return p;
    };
    const errorKinds = new Map<number, Map<string, { contexts: number; example?: string }>>();
    const endBlock = (p: ValgrindProcess & { block: string[]; section?: string }) => {
      const b = p.block;
      p.block = [];
      if (!b.length) return;
      const head = b[0].trim();
      const frames: Frame[] = [];
      for (const l of b.slice(1)) {
        const m = FRAME.exec(l);
        if (m) frames.push({ address: m[1].toLowerCase(), function: m[2], where: m[3] });
      }
      const loss = LOSS.exec(head);
      if (loss) {
        const kind = loss[5].split(' ')[0] === 'still' ? 'reachable' : (loss[5].split(' ')[0] as LossKind);
        const t = topOf(frames);
        p.records.push({
          kind, bytes: num(loss[1]), direct: loss[2] ? num(loss[2]) : undefined, indirect: loss[3] ? num(loss[3]) : undefined, blocks: num(loss[4]),
          record: num(loss[6]), of: num(loss[7]), stack: frames, top: frames[t]?.function ?? '?',
        });
        return;
      }
      if (!frames.length) return;
      // An error context: "Invalid read of size 4", "Conditional jump or move depends on uninitialised value(s)"…
      const kind = head.replace(/\b\d+\b/g, 'N').replace(/0x[0-9A-Fa-f]+/g, 'ADDR');
      let m = errorKinds.get(p.pid);
      if (!m) errorKinds.set(p.pid, (m = new Map()));
      const e = m.get(kind) ?? { contexts: 0 };
      e.contexts++;
      e.example ??= `${head} at ${frames[topOf(frames)]?.function ?? '?'}`;
      m.set(kind, e);
    };
    return {
      line(l) {
        const m = PFX.exec(l);
        if (!m || m[1] !== '==') return;
        const p = proc(Number(m[2]));
        const body = m[3];
        if (!body.trim()) {
          endBlock(p);
          return;
        }
        let x: RegExpExecArray | null;
        if ((x = /^Command: (.*)$/.exec(body))) p.command ??= x[1];
        else if ((x = /^(\w+), a .*(detector|profiler|checker)/.exec(body))) p.tool ??= x[1];
        else if (/^HEAP SUMMARY:/.test(body)) p.section = 'heap';
        else if (/^LEAK SUMMARY:/.test(body)) p.section = 'leak';
        else if ((x = /^\s+in use at exit: ([\d,]+) bytes in ([\d,]+) blocks/.exec(body))) {
          p.heap = { inUseBytes: num(x[1]), inUseBlocks: num(x[2]), allocs: 0, frees: 0, allocatedBytes: 0 };
        } else if ((x = /^\s+total heap usage: ([\d,]+) allocs, ([\d,]+) frees, ([\d,]+) bytes allocated/.exec(body))) {
          p.heap ??= { inUseBytes: 0, inUseBlocks: 0, allocs: 0, frees: 0, allocatedBytes: 0 };
          p.heap.allocs = num(x[1]);
          p.heap.frees = num(x[2]);
          p.heap.allocatedBytes = num(x[3]);
        } else if (p.section === 'leak' && (x = /^\s+(definitely lost|indirectly lost|possibly lost|still reachable|suppressed): ([\d,]+) bytes in ([\d,]+) blocks/.exec(body))) {
          const k = x[1] === 'still reachable' ? 'reachable' : (x[1].split(' ')[0] as LossKind | 'suppressed');
          p.summary[k] = { bytes: num(x[2]), blocks: num(x[3]) };
          return;
        } else if ((x = /^ERROR SUMMARY: ([\d,]+) errors from ([\d,]+) contexts/.exec(body))) {
          endBlock(p);
          p.errorSummary = { errors: num(x[1]), contexts: num(x[2]) };
          return;
        }
        p.block.push(body);
      },
      finish(lines) {
        const processes: ValgrindProcess[] = [];
        for (const p of procs.values()) {
          endBlock(p);
          const { block: _b, section: _s, ...q } = p;
          for (const r of q.records) {
            const k = (q.byKind[r.kind] ??= { bytes: 0, blocks: 0, records: 0 });
            // Direct bytes: the indirect part of a record is in the indirect records (as in LEAK SUMMARY).
            k.bytes += r.direct ?? r.bytes;
            k.blocks += r.blocks;
            k.records++;
          }
          const group = (keyOf: (r: LossRecord) => string, whereOf: (r: LossRecord) => string | undefined) => {
            const m = new Map<string, LossGroup>();
            for (const r of q.records) {
              const key = keyOf(r);
              const g = m.get(key) ?? { key, bytes: 0, blocks: 0, records: 0, kinds: {}, where: whereOf(r) };
              // Own bytes only: a definitely lost record's indirect part is counted in its indirect records.
              const own = r.direct ?? r.bytes;
              g.bytes += own;
              g.blocks += r.blocks;
              g.records++;
              g.kinds[r.kind] = (g.kinds[r.kind] ?? 0) + own;
              m.set(key, g);
            }
            return sortLossGroups([...m.values()]);
          };
          q.byFunction = group((r) => r.top, (r) => r.stack[topOf(r.stack)]?.where);
          q.byStack = group((r) => r.stack.slice(topOf(r.stack), topOf(r.stack) + 3).map((f) => f.function).join(' ← '), () => undefined);
          q.errors = [...(errorKinds.get(p.pid) ?? new Map()).entries()].map(([kind, e]) => ({ kind, ...e })).sort((a, b) => b.contexts - a.contexts);
          if (q.tool || q.records.length || q.heap || Object.keys(q.summary).length) processes.push(q);
        }
        if (!processes.length) diagnostics.push({ level: 'error', code: 'valgrind.empty', message: 'no valgrind process output was found' });
        for (const p of processes) {
          if (p.tool && p.tool !== 'Memcheck') diagnostics.push({ level: 'warning', code: 'valgrind.tool', message: `pid ${p.pid} ran ${p.tool}, not Memcheck: no loss records to expect` });
          if (p.heap && !p.records.length && p.heap.inUseBlocks > 0 && !Object.keys(p.summary).length) diagnostics.push({ level: 'info', code: 'valgrind.no-leak-check', message: `pid ${p.pid}: blocks in use at exit but no loss records — run with --leak-check=full` });
        }
        return { kind: 'valgrind', version: 1, input, lines, diagnostics, processes };
      },
    };
  },
};
