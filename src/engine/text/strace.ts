// `strace -f -t` logs: mmap/munmap/mremap/brk paired by address and size. What is still mapped
// at the end of the log is grouped by thread, size, kind and protection; groups that keep
// growing with same-size anonymous mappings are the suspects (seed 003: one mmap of 40960
// bytes every 10 s that nothing unmaps).
import { hex } from '../format';
import { type LineParser, type TextDocBase, type TextImporter, DayClock, clockSeconds } from './common';

export interface MapGroup {
  pid: number;
  /** Thread name when the log shows it being set (prctl PR_SET_NAME, a write to …/task/TID/comm). */
  thread?: string;
  /** Length asked for (page-rounded, as the kernel maps it). */
  size: number;
  kind: 'anon' | 'file';
  prot: string;
  /** File of a file mapping, when strace printed it (-y) — else the fd. */
  file?: string;
  /** Calls that made such a mapping, and how many of them were undone completely (munmap, or replaced by MAP_FIXED). */
  mapped: number;
  unmapped: number;
  /** Still mapped (wholly or in part) at the end of the log. */
  unmatched: number;
  unmatchedBytes: number;
  /** Times (seconds, see `timeBase`) of the first and last unmatched mapping, and the mean gap between them. */
  first?: number;
  last?: number;
  every?: number;
  /** Unmatched addresses, the first 20. */
  examples: string[];
  /** Log line of the first unmatched call. */
  line: number;
}

export interface StraceDoc extends TextDocBase {
  kind: 'strace';
  /** Times in the log: `clock` (-t/-tt: seconds since the first day's midnight), `epoch` (-ttt), `none`. */
  timeBase: 'clock' | 'epoch' | 'none';
  start?: number;
  end?: number;
  calls: { mmap: number; munmap: number; mremap: number; brk: number; failed: number };
  /** Processes/threads seen (the PID column of -f), with names when set in the log. */
  threads: { pid: number; name?: string; mmaps: number; munmaps: number; unmatched: number; unmatchedBytes: number }[];
  /** Every group of mappings still present at the end, most bytes first. */
  unmatched: MapGroup[];
  /** By size across threads: still-mapped count and bytes, anonymous only. */
  bySize: { size: number; count: number; bytes: number; pids: number[] }[];
  /** Groups of ≥ 3 same-size anonymous mappings nothing unmapped, most first: the leak candidates. */
  suspects: (MapGroup & { perMinute?: number; summary: string })[];
  /** Anonymous bytes mapped (net of unmaps) over time, what of it was never unmapped, and what of that is the first suspect's, per bucket. */
  timeline: { t: number; mappedBytes: number; newUnmatched: number; newUnmatchedBytes: number; suspectBytes: number }[];
  brk?: { start: string; end: string; max: string; grew: number; calls: number };
}

/**
 * Addresses and lengths of mappings are page-aligned: every multiple of 4096 below 2^64 has at
 * most 52 significant bits, so a double holds it exactly (and compares faster than a bigint).
 */
interface Rec {
  start: number;
  end: number;
  seq: number;
  key: string;
  t?: number;
  line: number;
}

interface Group {
  pid: number;
  size: number;
  kind: 'anon' | 'file';
  prot: string;
  file?: string;
  mapped: number;
  unmapped: number;
}

const PREFIX = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:(\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)\s+|(\d{9,11}\.\d+)\s+)?(.*)$/;
const CALL = /^(\w+)\((.*)\)\s+=\s+(-?(?:0x[0-9a-f]+|\d+)|\?)(?:\s+([A-Z][A-Z0-9_]+)\b.*)?$/;
const INTEREST = /mmap|munmap|mremap|brk\(|clone|prctl|\/comm|write\(|resumed|execve/;

/**
 * Live mappings [start, end), sorted by start, in buckets of at most 64 (a sorted list of
 * sorted lists): inserting or removing moves at most a bucket, whatever the number of mappings
 * (a leak that maps ever lower addresses would otherwise shift the whole array each time).
 */
class LiveSet {
  private buckets: Rec[][] = [];
  get recs(): Rec[] {
    return this.buckets.flat();
  }
  /** The last bucket whose first record starts at or below addr (0 when none does). */
  private bucketFor(addr: number): number {
    let lo = 0;
    let hi = this.buckets.length - 1;
    let best = 0;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (this.buckets[m][0].start <= addr) {
        best = m;
        lo = m + 1;
      } else hi = m - 1;
    }
    return best;
  }
  private static lowerBound(arr: Rec[], addr: number): number {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (arr[m].start < addr) lo = m + 1;
      else hi = m;
    }
    return lo;
  }
  private splitIfLarge(b: number) {
    const arr = this.buckets[b];
    if (arr.length > 64) this.buckets.splice(b + 1, 0, arr.splice(32));
  }
  insert(r: Rec) {
    if (!this.buckets.length) {
      this.buckets.push([r]);
      return;
    }
    const b = this.bucketFor(r.start);
    const arr = this.buckets[b];
    arr.splice(LiveSet.lowerBound(arr, r.start), 0, r);
    this.splitIfLarge(b);
  }
  /** Removes [s, e) from every record it overlaps: onGone for records removed whole, onPiece when one is split in two. */
  remove(s: number, e: number, onGone: (r: Rec) => void, onPiece: (r: Rec, delta: number) => void): void {
    if (!this.buckets.length) return;
    let b = this.bucketFor(s);
    let i = LiveSet.lowerBound(this.buckets[b], s);
    // The record just before may reach into [s, e).
    if (i > 0) {
      if (this.buckets[b][i - 1].end > s) i--;
    } else if (b > 0) {
      const prev = this.buckets[b - 1];
      if (prev[prev.length - 1].end > s) {
        b--;
        i = prev.length - 1;
      }
    }
    while (b < this.buckets.length) {
      const arr = this.buckets[b];
      if (i >= arr.length) {
        b++;
        i = 0;
        continue;
      }
      const r = arr[i];
      if (r.start >= e) return;
      if (r.end <= s) {
        i++;
        continue;
      }
      const keepLeft = r.start < s;
      const keepRight = r.end > e;
      if (!keepLeft && !keepRight) {
        arr.splice(i, 1);
        if (!arr.length) {
          this.buckets.splice(b, 1);
          i = 0;
        }
        onGone(r);
        continue;
      }
      if (keepLeft && keepRight) {
        const right: Rec = { ...r, start: e };
        r.end = s;
        arr.splice(i + 1, 0, right);
        this.splitIfLarge(b);
        onPiece(r, 1);
        return;
      }
      // Trimmed at one end; a record whose start moves up stays before the next (which starts ≥ e).
      if (keepLeft) r.end = s;
      else r.start = e;
      i++;
    }
  }
  /** The record holding addr. */
  at(addr: number): Rec | undefined {
    if (!this.buckets.length) return undefined;
    const b = this.bucketFor(addr);
    const arr = this.buckets[b];
    const i = LiveSet.lowerBound(arr, addr);
    if (i < arr.length && arr[i].start === addr) return arr[i];
    if (i > 0) return arr[i - 1].end > addr && arr[i - 1].start <= addr ? arr[i - 1] : undefined;
    return undefined;
  }
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let q = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      cur += c;
      if (c === '\\') cur += s[++i] ?? '';
      else if (c === '"') q = false;
      continue;
    }
    if (c === '"') q = true;
    else if (c === '{' || c === '[' || c === '(' || c === '<') depth++;
    else if (c === '}' || c === ']' || c === ')' || c === '>') depth--;
    else if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** An address or length as a number (exact when page-aligned, see Rec). */
const addrNum = (s: string): number | undefined => {
  const t = s.trim();
  if (t === 'NULL') return 0;
  if (/^0x[0-9a-f]{1,13}$/i.test(t) || /^\d{1,15}$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t) || /^\d+$/.test(t)) return Number(BigInt(t));
  return undefined;
};

const pageUp = (n: number) => Math.ceil(n / 4096) * 4096;

const big = (s: string): bigint | undefined => {
  const t = s.trim();
  if (t === 'NULL') return 0n;
  if (/^0x[0-9a-f]+$/i.test(t) || /^\d+$/.test(t)) return BigInt(t);
  return undefined;
};

export const straceImporter: TextImporter<StraceDoc> = {
  kind: 'strace',
  title: 'strace log',
  detect(head) {
    let seen = 0;
    let hit = 0;
    for (const l of head.split('\n')) {
      if (!l.trim()) continue;
      if (seen++ >= 60) break;
      const m = PREFIX.exec(l)!;
      const body = m[5];
      if (/^\w+\(.*\)\s+=\s+(-?\w+|\?)/.test(body) || /<unfinished \.\.\.>$/.test(body) || /^<\.\.\. \w+ resumed>/.test(body) || /^(\+\+\+|---) /.test(body) || /^strace: /.test(l)) hit++;
    }
    if (!seen) return 0;
    const share = hit / seen;
    return share >= 0.6 ? 0.9 : share >= 0.3 ? 0.6 : 0;
  },
  parser(input): LineParser<StraceDoc> {
    const diagnostics: StraceDoc['diagnostics'] = [];
    const live = new LiveSet();
    const groups = new Map<string, Group>();
    const pieces = new Map<number, number>();
    const pending = new Map<number, { name: string; text: string; t?: number; applied?: boolean }>();
    const names = new Map<number, string>();
    const perPid = new Map<number, { mmaps: number; munmaps: number }>();
    const commFds = new Map<string, number>();
    const calls = { mmap: 0, munmap: 0, mremap: 0, brk: 0, failed: 0 };
    const clock = new DayClock();
    let timeBase: StraceDoc['timeBase'] = 'none';
    let start: number | undefined;
    let end: number | undefined;
    let seq = 0;
    // Net anonymous bytes mapped per whole second (relative to start).
    const netBySecond = new Map<number, number>();
    let brk: { start: bigint; end: bigint; max: bigint; calls: number } | undefined;
    let unparsed = 0;
    let lastOther: string | undefined;
    const stamp = (l: string) => {
      const m = PREFIX.exec(l);
      if (m && (m[3] || m[4])) {
        const t = m[3] ? clock.at(clockSeconds(m[3])!) : Number(m[4]);
        if (timeBase === 'none') timeBase = m[3] ? 'clock' : 'epoch';
        start ??= t;
        end = t;
      }
    };

    const pidStat = (pid: number) => {
      let p = perPid.get(pid);
      if (!p) perPid.set(pid, (p = { mmaps: 0, munmaps: 0 }));
      return p;
    };
    const net = (t: number | undefined, bytes: number) => {
      if (t === undefined || start === undefined) return;
      const k = Math.floor(t - start);
      netBySecond.set(k, (netBySecond.get(k) ?? 0) + bytes);
    };
    const gone = (r: Rec) => {
      const left = (pieces.get(r.seq) ?? 1) - 1;
      if (left > 0) pieces.set(r.seq, left);
      else {
        pieces.delete(r.seq);
        groups.get(r.key)!.unmapped++;
      }
    };
    const piece = (r: Rec, d: number) => pieces.set(r.seq, (pieces.get(r.seq) ?? 1) + d);
    const unmap = (s: number, e: number, t: number | undefined) => {
      let freed = 0;
      live.remove(s, e, (r) => {
        if (groups.get(r.key)!.kind === 'anon') freed += r.end - r.start;
        gone(r);
      }, piece);
      // Partial trims of anonymous records are counted too.
      net(t, -freed);
    };

    const handle = (pid: number, t: number | undefined, name: string, args: string[], ret: string, err: string | undefined, no: number) => {
      if (name === 'mmap' || name === 'mmap2') {
        calls.mmap++;
        pidStat(pid).mmaps++;
        const addr = addrNum(ret);
        const len = addrNum(args[1] ?? '');
        if (err || addr === undefined || len === undefined || ret.startsWith('-')) {
          calls.failed++;
          return;
        }
        const size = pageUp(len);
        const flags = args[3] ?? '';
        const fd = args[4] ?? '-1';
        const anon = /MAP_ANON/.test(flags) || fd.startsWith('-1');
        const file = anon ? undefined : (/<(.*)>$/.exec(fd)?.[1] ?? `fd ${fd}`);
        const prot = (args[2] ?? '').replace(/PROT_/g, '').toLowerCase().replace(/\|/g, ',');
        // MAP_FIXED replaces what was there; any other mapping the kernel returned was free, so a
        // record still covering it is stale (its munmap was not in the log).
        unmap(addr, addr + size, t);
        const key = `${pid}|${size}|${anon ? 'anon' : 'file'}|${prot}|${file ?? ''}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { pid, size, kind: anon ? 'anon' : 'file', prot, file, mapped: 0, unmapped: 0 }));
        g.mapped++;
        pieces.set(seq, 1);
        live.insert({ start: addr, end: addr + size, seq: seq++, key, t, line: no });
        if (anon) net(t, size);
      } else if (name === 'munmap') {
        calls.munmap++;
        pidStat(pid).munmaps++;
        const addr = addrNum(args[0] ?? '');
        const len = addrNum(args[1] ?? '');
        if (err || ret !== '0' || addr === undefined || len === undefined) {
          calls.failed++;
          return;
        }
        unmap(addr, addr + pageUp(len), t);
      } else if (name === 'mremap') {
        calls.mremap++;
        const old = addrNum(args[0] ?? '');
        const oldLen = addrNum(args[1] ?? '');
        const newLen = addrNum(args[2] ?? '');
        const addr = addrNum(ret);
        if (err || old === undefined || oldLen === undefined || newLen === undefined || addr === undefined || ret.startsWith('-')) {
          calls.failed++;
          return;
        }
        const r = live.at(old);
        const key = r?.key;
        const seqOf = r?.seq;
        const tOf = r?.t;
        const line = r?.line ?? no;
        unmap(old, old + pageUp(oldLen), t);
        if (key === undefined) return;
        // The mapping moved or changed size: it lives on as the same mapping.
        if (pieces.has(seqOf!)) pieces.set(seqOf!, pieces.get(seqOf!)! + 1);
        else {
          groups.get(key)!.unmapped--;
          pieces.set(seqOf!, 1);
        }
        live.insert({ start: addr, end: addr + pageUp(newLen), seq: seqOf!, key, t: tOf, line });
        if (groups.get(key)!.kind === 'anon') net(t, pageUp(newLen));
      } else if (name === 'brk') {
        calls.brk++;
        const v = big(ret);
        if (v === undefined) return;
        if (!brk) brk = { start: v, end: v, max: v, calls: 0 };
        brk.calls++;
        brk.end = v;
        if (v > brk.max) brk.max = v;
      } else if (name === 'execve') {
        const m = /^"(.*)"$/.exec(args[0] ?? '');
        if (m && ret === '0') names.set(pid, m[1].slice(m[1].lastIndexOf('/') + 1).slice(0, 15));
      } else if (name === 'prctl') {
        if (args[0] === 'PR_SET_NAME' && ret === '0') {
          const m = /^"(.*)"$/.exec(args[1] ?? '');
          if (m) names.set(pid, m[1]);
        }
      } else if (name === 'openat' || name === 'open') {
        const m = /task\/(\d+)\/comm"/.exec(args.join(','));
        if (m && /^\d+$/.test(ret)) commFds.set(`${ret}`, Number(m[1]));
      } else if (name === 'write') {
        const fd = args[0]?.replace(/<.*$/, '');
        const tid = fd !== undefined ? commFds.get(fd) : undefined;
        if (tid !== undefined) {
          const m = /^"(.*?)(?:\\n)?"/.exec(args[1] ?? '');
          if (m) names.set(tid, m[1]);
          commFds.delete(fd!);
        }
      }
    };

    let lastClock = '';
    let lastClockT = 0;
    return {
      line(l, no) {
        if (!INTEREST.test(l)) {
          // Only the log's first and last times are needed from other lines: the last one is
          // kept unread until the end.
          if (start === undefined) stamp(l);
          else lastOther = l;
          return;
        }
        const m = PREFIX.exec(l);
        if (!m) return;
        const pid = Number(m[1] ?? m[2] ?? 0);
        let t: number | undefined;
        if (m[3]) {
          // strace -t prints whole seconds: most lines repeat the one before's time.
          if (m[3] !== lastClock) {
            lastClock = m[3];
            lastClockT = clock.at(clockSeconds(m[3])!);
          }
          t = lastClockT;
          if (timeBase === 'none') timeBase = 'clock';
        } else if (m[4]) {
          t = Number(m[4]);
          if (timeBase === 'none') timeBase = 'epoch';
        }
        if (t !== undefined) {
          start ??= t;
          end = t;
        }
        lastOther = undefined;
        let body = m[5];
        if (body.endsWith('<unfinished ...>')) {
          const n = /^(\w+)\(/.exec(body);
          if (!n) return;
          const text = body.slice(0, body.lastIndexOf('<unfinished ...>')).replace(/ $/, '');
          // The kernel unmaps while the call runs: another thread's mmap that returns before this
          // call does may already get the freed addresses. So munmap takes effect here.
          let applied = false;
          if (n[1] === 'munmap') {
            const args = splitArgs(text.slice(7));
            if (args.length === 2 && addrNum(args[0]) !== undefined && addrNum(args[1]) !== undefined) {
              handle(pid, t, 'munmap', args, '0', undefined, no);
              applied = true;
            }
          }
          pending.set(pid, { name: n[1], text, t, applied });
          return;
        }
        const res = /^<\.\.\. (\w+) resumed>\s?(.*)$/.exec(body);
        if (res) {
          const p = pending.get(pid);
          pending.delete(pid);
          if (!p || p.name !== res[1]) return;
          if (p.applied) {
            if (!/=\s+0\s*$/.test(res[2])) calls.failed++;
            return;
          }
          body = p.text + res[2];
        }
        const c = CALL.exec(body);
        if (!c) {
          if (/^\w+\(/.test(body) && !/= \?$/.test(body)) unparsed++;
          return;
        }
        handle(pid, t, c[1], splitArgs(c[2]), c[3], c[4], no);
      },
      finish(lines) {
        if (lastOther !== undefined) stamp(lastOther);
        if (unparsed) diagnostics.push({ level: 'info', code: 'strace.unparsed', message: `${unparsed} call line(s) of interest could not be read` });
        if (!calls.mmap && !calls.munmap && !calls.brk) diagnostics.push({ level: 'warning', code: 'strace.no-memory-calls', message: 'the log has no mmap, munmap or brk calls (trace them: strace -f -t -e trace=memory)' });
        // Unmatched records by group (pieces of one mapping count once).
        const un = new Map<string, { recs: Rec[]; seqs: Set<number>; bytes: number }>();
        for (const r of live.recs) {
          let u = un.get(r.key);
          if (!u) un.set(r.key, (u = { recs: [], seqs: new Set(), bytes: 0 }));
          u.recs.push(r);
          u.seqs.add(r.seq);
          u.bytes += r.end - r.start;
        }
        const unmatched: MapGroup[] = [];
        const keyOf = new Map<MapGroup, string>();
        for (const [key, u] of un) {
          const g = groups.get(key)!;
          const bySeq = new Map<number, Rec>();
          for (const r of u.recs) if (!bySeq.has(r.seq) || r.start < bySeq.get(r.seq)!.start) bySeq.set(r.seq, r);
          const firsts = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
          const times = firsts.map((r) => r.t).filter((x): x is number => x !== undefined);
          const first = times.length ? times[0] : undefined;
          const last = times.length ? times[times.length - 1] : undefined;
          const group: MapGroup = {
            pid: g.pid, thread: names.get(g.pid), size: g.size, kind: g.kind, prot: g.prot, file: g.file, mapped: g.mapped, unmapped: g.unmapped,
            unmatched: u.seqs.size, unmatchedBytes: u.bytes, first, last, every: times.length > 1 ? (last! - first!) / (times.length - 1) : undefined,
            examples: firsts.slice(0, 20).map((r) => hex(BigInt(r.start))), line: firsts[0].line,
          };
          keyOf.set(group, key);
          unmatched.push(group);
        }
        unmatched.sort((a, b) => b.unmatchedBytes - a.unmatchedBytes || b.unmatched - a.unmatched);
        const sizes = new Map<number, { count: number; bytes: number; pids: Set<number> }>();
        for (const g of unmatched) {
          if (g.kind !== 'anon') continue;
          const s = sizes.get(g.size) ?? { count: 0, bytes: 0, pids: new Set<number>() };
          s.count += g.unmatched;
          s.bytes += g.unmatchedBytes;
          s.pids.add(g.pid);
          sizes.set(g.size, s);
        }
        const bySize = [...sizes].map(([size, s]) => ({ size, count: s.count, bytes: s.bytes, pids: [...s.pids] })).sort((a, b) => b.count - a.count || b.bytes - a.bytes);
        const candidates = unmatched.filter((g) => g.kind === 'anon' && g.unmatched >= 3).sort((a, b) => b.unmatched - a.unmatched || b.unmatchedBytes - a.unmatchedBytes);
        const suspectKey = candidates.length ? keyOf.get(candidates[0]) : undefined;
        const suspects = candidates
          .map((g) => {
            const perMinute = g.every ? (60 / g.every) * g.size : undefined;
            const who = `${g.pid ? `thread ${g.pid}` : 'the process'}${g.thread ? ` (${g.thread})` : ''}`;
            const when = g.every !== undefined && g.first !== undefined ? `, one every ${g.every.toFixed(g.every < 10 ? 2 : 1)} s` : '';
            const undone = g.unmapped ? `; ${g.unmapped} of ${g.mapped} such mappings were unmapped` : '; none of them was ever unmapped';
            return { ...g, perMinute, summary: `${who}: ${g.unmatched} × mmap(${g.size}) ${g.prot} still mapped${when}${undone}` };
          });
        const threads = [...perPid].map(([pid, p]) => {
          const mine = unmatched.filter((g) => g.pid === pid);
          return { pid, name: names.get(pid), mmaps: p.mmaps, munmaps: p.munmaps, unmatched: mine.reduce((a, g) => a + g.unmatched, 0), unmatchedBytes: mine.reduce((a, g) => a + g.unmatchedBytes, 0) };
        }).sort((a, b) => b.unmatchedBytes - a.unmatchedBytes);
        for (const [pid, name] of names) if (!perPid.has(pid)) threads.push({ pid, name, mmaps: 0, munmaps: 0, unmatched: 0, unmatchedBytes: 0 });
        // Timeline: ≤ 60 buckets over the log's span.
        const timeline: StraceDoc['timeline'] = [];
        if (start !== undefined && end !== undefined && end > start) {
          const width = Math.max(1, Math.ceil((end - start) / 60));
          const nb = Math.floor((end - start) / width) + 1;
          for (let i = 0; i < nb; i++) timeline.push({ t: start + i * width, mappedBytes: 0, newUnmatched: 0, newUnmatchedBytes: 0, suspectBytes: 0 });
          const perBucket = new Array(nb).fill(0);
          for (const [sec, d] of netBySecond) perBucket[Math.min(nb - 1, Math.floor(sec / width))] += d;
          let acc = 0;
          for (let i = 0; i < nb; i++) timeline[i].mappedBytes = acc += perBucket[i];
          for (const r of live.recs) {
            if (r.t === undefined || groups.get(r.key)!.kind !== 'anon') continue;
            const b = timeline[Math.min(nb - 1, Math.floor((r.t - start) / width))];
            b.newUnmatched++;
            b.newUnmatchedBytes += r.end - r.start;
            if (r.key === suspectKey) b.suspectBytes += r.end - r.start;
          }
        }
        return {
          kind: 'strace', version: 1, input, lines, diagnostics, timeBase, start, end, calls, threads, unmatched, bySize, suspects, timeline,
          brk: brk ? { start: hex(brk.start), end: hex(brk.end), max: hex(brk.max), grew: Number(brk.end - brk.start), calls: brk.calls } : undefined,
        };
      },
    };
  },
};
