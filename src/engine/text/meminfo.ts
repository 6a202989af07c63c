// /proc/meminfo: where the memory is (user-space anon and shmem, page cache, slab, vmalloc,
// page tables, kernel stacks…), what no counter accounts for, and a verdict: user-space or
// kernel-side. Several samples (or two files) → what grew between the first and the last.
import { bytes } from '../format';
import { type LineParser, type TextDocBase, type TextImporter, DayClock, num, timestampLine } from './common';

export type Side = 'user' | 'kernel' | 'cache' | 'free' | 'other';

export interface MemCategory {
  key: string;
  label: string;
  side: Side;
  kib: number;
  /** The meminfo fields it is made of ("Buffers + Cached − Shmem"). */
  from: string;
}

export interface MeminfoSample {
  /** Seconds (epoch, or of the day for bare clock stamps) when a time stamp preceded the sample. */
  time?: number;
  /** Field → kB (HugePages_Total/Free/Rsvd/Surp are page counts). */
  fields: Record<string, number>;
}

export interface MemBreakdown {
  totalKiB: number;
  categories: MemCategory[];
  /** Per side: user (anon + shmem), kernel (slab, stacks, page tables, vmalloc, percpu, unaccounted), cache, free. */
  sides: Record<Side, number>;
  unaccountedKiB: number;
  findings: string[];
}

export interface MemGrowth {
  /** Seconds between the samples, when both had times. */
  seconds?: number;
  categories: { key: string; label: string; side: Side; from: number; to: number; delta: number }[];
  sides: Record<Side, number>;
  /** Fields whose value changed, the largest rise first. */
  fields: { name: string; from: number; to: number; delta: number }[];
  verdict: 'user-space growth' | 'kernel-side growth' | 'page cache growth' | 'no significant growth';
  /** The verdict in a sentence, with what to look at next. */
  summary: string;
}

export interface MeminfoDoc extends TextDocBase {
  kind: 'meminfo';
  /** Samples in order (a file holding several `cat /proc/meminfo`). */
  samples: MeminfoSample[];
  /** The last sample's breakdown. */
  breakdown: MemBreakdown;
  /** First sample → last, when there are several. */
  growth?: MemGrowth;
}

const f = (s: MeminfoSample['fields'], k: string) => s[k] ?? 0;

/** Where the memory of one sample is. */
export function breakdown(s: MeminfoSample['fields']): MemBreakdown {
  const total = f(s, 'MemTotal');
  const huge = s.Hugetlb ?? f(s, 'HugePages_Total') * f(s, 'Hugepagesize');
  const cats: MemCategory[] = [
    { key: 'free', label: 'free', side: 'free', kib: f(s, 'MemFree'), from: 'MemFree' },
    { key: 'anon', label: 'user anon (heaps, stacks, anon mmap)', side: 'user', kib: f(s, 'AnonPages'), from: 'AnonPages' },
    { key: 'shmem', label: 'shmem (tmpfs, shared anon, SysV shm)', side: 'user', kib: f(s, 'Shmem'), from: 'Shmem' },
    { key: 'filecache', label: 'file cache', side: 'cache', kib: f(s, 'Buffers') + f(s, 'Cached') - f(s, 'Shmem'), from: 'Buffers + Cached − Shmem' },
    { key: 'swapcache', label: 'swap cache', side: 'cache', kib: f(s, 'SwapCached'), from: 'SwapCached' },
    { key: 'sreclaimable', label: 'slab, reclaimable', side: 'kernel', kib: f(s, 'SReclaimable'), from: 'SReclaimable' },
    { key: 'sunreclaim', label: 'slab, unreclaimable', side: 'kernel', kib: f(s, 'SUnreclaim'), from: 'SUnreclaim' },
    { key: 'kernelstack', label: 'kernel stacks', side: 'kernel', kib: f(s, 'KernelStack'), from: 'KernelStack' },
    { key: 'pagetables', label: 'page tables', side: 'kernel', kib: f(s, 'PageTables') + f(s, 'SecPageTables'), from: 'PageTables + SecPageTables' },
    { key: 'vmalloc', label: 'vmalloc', side: 'kernel', kib: f(s, 'VmallocUsed'), from: 'VmallocUsed' },
    { key: 'percpu', label: 'per-cpu', side: 'kernel', kib: f(s, 'Percpu'), from: 'Percpu' },
    { key: 'hugetlb', label: 'huge pages (hugetlbfs pool)', side: 'other', kib: huge, from: 'Hugetlb or HugePages_Total × Hugepagesize' },
  ];
  const counted = cats.reduce((a, c) => a + c.kib, 0);
  const unaccounted = total - counted;
  cats.push({ key: 'unaccounted', label: 'unaccounted (no counter: pages drivers took directly…)', side: 'kernel', kib: unaccounted, from: 'MemTotal − all of the above' });
  const sides: Record<Side, number> = { user: 0, kernel: 0, cache: 0, free: 0, other: 0 };
  for (const c of cats) sides[c.side] += c.kib;
  const findings: string[] = [];
  const pct = (k: number) => (total ? ((100 * k) / total).toFixed(1) + ' %' : '');
  const top = [...cats].filter((c) => c.side !== 'free' && c.side !== 'cache').sort((a, b) => b.kib - a.kib)[0];
  if (top) findings.push(`the largest non-cache use is ${top.label}: ${bytes(top.kib * 1024)} (${pct(top.kib)} of MemTotal)`);
  if (f(s, 'SUnreclaim') > total * 0.1) findings.push(`unreclaimable slab is ${pct(f(s, 'SUnreclaim'))} of RAM: a kernel-side consumer; look at /proc/slabinfo (slabtop -s c)`);
  if (unaccounted > total * 0.1) findings.push(`${bytes(unaccounted * 1024)} (${pct(unaccounted)}) is in no counter: pages taken by drivers directly (a kernel-side leak candidate)`);
  if (sides.user > total * 0.5) findings.push(`user space holds ${pct(sides.user)} of RAM: look for the process (pidstat -r, top -o RES)`);
  return { totalKiB: total, categories: cats, sides, unaccountedKiB: unaccounted, findings };
}

/** What grew from sample a to sample b, and whose growth it is. */
export function memGrowth(a: MeminfoSample, b: MeminfoSample): MemGrowth {
  const ba = breakdown(a.fields);
  const bb = breakdown(b.fields);
  const categories = bb.categories.map((c, i) => ({ key: c.key, label: c.label, side: c.side, from: ba.categories[i].kib, to: c.kib, delta: c.kib - ba.categories[i].kib }));
  const sides: Record<Side, number> = { user: 0, kernel: 0, cache: 0, free: 0, other: 0 };
  for (const c of categories) sides[c.side] += c.delta;
  const fields: MemGrowth['fields'] = [];
  for (const name of new Set([...Object.keys(a.fields), ...Object.keys(b.fields)])) {
    const from = a.fields[name] ?? 0;
    const to = b.fields[name] ?? 0;
    if (from !== to) fields.push({ name, from, to, delta: to - from });
  }
  fields.sort((x, y) => y.delta - x.delta);
  const total = bb.totalKiB || ba.totalKiB;
  const floor = Math.max(4096, total * 0.001);
  const grewBy = (k: string) => categories.find((c) => c.key === k)!.delta;
  let verdict: MemGrowth['verdict'];
  let summary: string;
  const kernelTop = categories.filter((c) => c.side === 'kernel').sort((x, y) => y.delta - x.delta)[0];
  if (sides.user >= floor && sides.user >= sides.kernel) {
    verdict = 'user-space growth';
    const shm = grewBy('shmem');
    summary = shm > grewBy('anon')
      ? `user-space growth: Shmem +${bytes(shm * 1024)} (tmpfs files, shared anonymous or SysV segments): check /dev/shm, tmpfs mounts, ipcs -m`
      : `user-space growth: AnonPages +${bytes(grewBy('anon') * 1024)} (process heaps, anonymous mmaps): find the process with pidstat -r or top, then its maps`;
  } else if (sides.kernel >= floor) {
    verdict = 'kernel-side growth';
    summary = `kernel-side growth: ${kernelTop.label} +${bytes(kernelTop.delta * 1024)}` + (kernelTop.key === 'sunreclaim' || kernelTop.key === 'sreclaimable' ? ': look at /proc/slabinfo (slabtop -s c)' : kernelTop.key === 'unaccounted' ? ': memory in no counter, taken by a driver directly' : '');
  } else if (sides.cache >= floor) {
    verdict = 'page cache growth';
    summary = `page cache grew by ${bytes(sides.cache * 1024)}: reclaimable, not a leak`;
  } else {
    verdict = 'no significant growth';
    summary = `no significant growth (user ${sign(sides.user)}, kernel ${sign(sides.kernel)}, cache ${sign(sides.cache)})`;
  }
  const seconds = a.time !== undefined && b.time !== undefined ? b.time - a.time : undefined;
  return { seconds, categories, sides, fields, verdict, summary };
}

const sign = (kib: number) => `${kib >= 0 ? '+' : '−'}${bytes(Math.abs(kib) * 1024)}`;

const MEMLINE = /^([A-Za-z_][\w()]*):\s+(\d+)(?:\s+kB)?\s*$/;

export const meminfoImporter: TextImporter<MeminfoDoc> = {
  kind: 'meminfo',
  title: '/proc/meminfo',
  detect(head) {
    const has = (k: string) => new RegExp(`^${k}:\\s+\\d+`, 'm').test(head);
    return has('MemTotal') && has('MemFree') ? 0.95 : has('MemTotal') ? 0.6 : 0;
  },
  parser(input, ctx): LineParser<MeminfoDoc> {
    const diagnostics: MeminfoDoc['diagnostics'] = [];
    const samples: MeminfoSample[] = [];
    let cur: MeminfoSample | undefined;
    // The caller's time (a collector's manifest) dates the first sample unless a time-stamp line does.
    let stamp: number | undefined = ctx?.time;
    const clock = new DayClock();
    return {
      line(l) {
        const m = MEMLINE.exec(l);
        if (!m) {
          const ts = timestampLine(l);
          if (ts) {
            cur = undefined;
            stamp = ts.clock ? clock.at(ts.seconds) : ts.seconds;
          }
          return;
        }
        if (!cur || m[1] === 'MemTotal' || cur.fields[m[1]] !== undefined) {
          cur = { time: stamp, fields: {} };
          stamp = undefined;
          samples.push(cur);
        }
        cur.fields[m[1]] = num(m[2]);
      },
      finish(lines) {
        const valid = samples.filter((s) => s.fields.MemTotal !== undefined);
        if (valid.length < samples.length) diagnostics.push({ level: 'warning', code: 'meminfo.partial', message: `${samples.length - valid.length} sample(s) without MemTotal were left out` });
        if (!valid.length) {
          diagnostics.push({ level: 'error', code: 'meminfo.no-sample', message: 'no /proc/meminfo sample with MemTotal was found' });
          return { kind: 'meminfo', version: 1, input, lines, diagnostics, samples: [], breakdown: breakdown({}) };
        }
        const last = valid[valid.length - 1];
        return {
          kind: 'meminfo', version: 1, input, lines, diagnostics, samples: valid, breakdown: breakdown(last.fields),
          growth: valid.length > 1 ? memGrowth(valid[0], last) : undefined,
        };
      },
    };
  },
};
