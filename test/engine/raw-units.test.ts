// Raw dumps, the pure parts: the address range a file name carries, process maps pasted as
// text in the forms the field reports use (the outputs of this machine's tools are checked
// against a live process in raw.test.ts), and the range arithmetic of the restricted census.
import { describe, expect, it } from 'vitest';
import { clipSegment, mergeRanges } from '../../src/engine/census';
import type { Segment } from '../../src/engine/elf/core';
import { HeaplensError } from '../../src/engine/errors';
import { parseMapsText } from '../../src/engine/raw/maps-text';
import { rangeFromName } from '../../src/engine/raw/name';
import { rawRange } from '../../src/engine/raw/open';

describe('dump file names', () => {
  const range = (n: string) => {
    const r = rangeFromName(n);
    return 'range' in r ? { start: r.range.start, end: r.range.end } : r;
  };

  it('reads a start address given with 0x', () => {
    expect(range('result.0x1f3a000.bin')).toEqual({ start: 0x1f3a000n, end: undefined });
    expect(range('/var/tmp/mem_0x7f2c90000000.dump')).toEqual({ start: 0x7f2c90000000n, end: undefined });
    expect(range('heap@0X55D0C0A01000.raw')).toEqual({ start: 0x55d0c0a01000n, end: undefined });
  });

  it('reads start and end: bare hex like /proc maps, 0x on either side, - _ or ..', () => {
    expect(range('heap-1f3a000-21f3a000.bin')).toEqual({ start: 0x1f3a000n, end: 0x21f3a000n });
    expect(range('dump_0x1f3a000_0x21f3a000')).toEqual({ start: 0x1f3a000n, end: 0x21f3a000n });
    expect(range('r.0x1f3a000..21f3a000.bin')).toEqual({ start: 0x1f3a000n, end: 0x21f3a000n });
    expect(range('dead_0x1f3a000-0x21f3a000.bin')).toEqual({ start: 0x1f3a000n, end: 0x21f3a000n });
  });

  it('takes no pids, dates, counters or short hex as addresses', () => {
    for (const n of ['result.bin', 'core.12345', 'dump-2024-06-13.bin', 'part-01-02.bin', 'x.0x1000.bin', 'abc-def.bin', 'core.0x10']) expect(range(n), n).toEqual({ none: true });
  });

  it('calls a name with two readings ambiguous', () => {
    const r = rangeFromName('0x1f3a000-and-0x7f2c90000000.bin');
    expect('ambiguous' in r && r.ambiguous).toEqual(['0x1f3a000', '0x7f2c90000000']);
  });

  it('checks the end a name carries against the size, says how to give a base, refuses empty files', () => {
    expect(rawRange('heap-1f3a000-1f3b000.bin', 4096).base).toBe(0x1f3a000n);
    const fail = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as HeaplensError;
      }
      throw new Error('no error');
    };
    const short = fail(() => rawRange('heap-1f3a000-1f3b000.bin', 4000));
    expect(short.code).toBe('raw.size-mismatch');
    expect(short.message).toMatch(/4096 bytes.*4000 bytes.*--base 0x1f3a000/);
    const none = fail(() => rawRange('result.bin', 4096));
    expect(none.code).toBe('raw.no-base');
    expect(none.message).toMatch(/--base 0x/);
    expect(fail(() => rawRange('result.0x1f3a000.bin', 0)).code).toBe('raw.empty');
    // --base wins over the name (which is then not checked), and says so.
    const r = rawRange('heap-1f3a000-1f3b000.bin', 100, 0x5000000n);
    expect(r.base).toBe(0x5000000n);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['raw.name-ignored']);
  });
});

describe('maps as text', () => {
  it('parses gdb before 12 (no Perms column), old-kernel [stack:TID] names and notes people add', () => {
    const t = parseMapsText(
      [
        '(gdb) info proc mappings',
        'process 4242',
        "cmdline = './worker'",
        'Mapped address spaces:',
        '',
        '    Start Addr   End Addr       Size     Offset objfile',
        '     0x8048000  0x8050000     0x8000          0     /srv/bin/worker',
        '     0x8050000  0x8051000     0x1000     0x8000     /srv/bin/worker',
        '     0x9000000  0x9100000   0x100000          0     [heap]',
        '    0x2a000000 0x2c000000  0x2000000          0     [stack:4250]   <----- 32MB',
        '    0x2c000000 0x2c001000     0x1000          0     ',
      ].join('\n'),
    );
    expect(t.errors).toEqual([]);
    expect(t.pid).toBe(4242);
    expect(t.format).toBe('gdb');
    expect(t.entries.map((e) => [e.start, e.end, e.perms, e.offset, e.path])).toEqual([
      [0x8048000n, 0x8050000n, '?', 0n, '/srv/bin/worker'],
      [0x8050000n, 0x8051000n, '?', 0x8000n, '/srv/bin/worker'],
      [0x9000000n, 0x9100000n, '?', 0n, '[heap]'],
      [0x2a000000n, 0x2c000000n, '?', 0n, '[stack:4250]'],
      [0x2c000000n, 0x2c001000n, '?', 0n, undefined],
    ]);
  });

  it("parses pmap -x with its header, footer, '[ anon ]' and a marked line", () => {
    const t = parseMapsText(
      [
        '8704:   ./worker ./../etc/worker1.xml',
        'Address           Kbytes     RSS   Dirty Mode   Mapping',
        '0000000000400000     640     640       0 r-x--  worker',
        '0000000001f3a000 1110656 1109196 1109196 rw---    [ anon ] *****',
        '00007ffc4d1e0000     132      20      20 rw---    [ stack ]',
        '...',
        '---------------- ------- ------- -------',
        'total kB         1111428 1109856 1109216',
      ].join('\n'),
    );
    expect(t.errors).toEqual([]);
    expect(t.ignored).toEqual([6]);
    expect(t).toMatchObject({ pid: 8704, command: './worker ./../etc/worker1.xml', format: 'pmap-x' });
    expect(t.entries.map((e) => [e.start, e.end, e.perms, e.path])).toEqual([
      [0x400000n, 0x400000n + 640n * 1024n, 'r-x', 'worker'],
      [0x1f3a000n, 0x1f3a000n + 1110656n * 1024n, 'rw-', undefined],
      [0x7ffc4d1e0000n, 0x7ffc4d1e0000n + 132n * 1024n, 'rw-', '[stack]'],
    ]);
  });

  it('reports garbage lines by number and keeps the good ones; drops overlaps; refuses a wrong Size column', () => {
    const t = parseMapsText(
      [
        '55d0c0a00000-55d0c0a01000 r--p 00000000 fe:00 42  /usr/bin/server',
        'hello there',
        '55d0c0a01000-55d0c0a02000 r-xp 00001000 fe:00 42  /usr/bin/server',
        'deadbeefdeadbeef zz',
        '55d0c0a01800-55d0c0a03000 rw-p 00000000 00:00 0',
        '0x1000000 0x2000000 0x2000 0x0 rw-p',
        '7f0000000000-7e0000000000 rw-p 00000000 00:00 0',
      ].join('\n'),
    );
    expect(t.entries.map((e) => e.line)).toEqual([1, 3]);
    expect(t.ignored).toEqual([2]);
    expect(t.errors.map((e) => e.line)).toEqual([4, 5, 6, 7]);
    expect(t.errors[0].message).toMatch(/starts like a mapping/);
    expect(t.errors[1].message).toMatch(/overlaps the mapping of line 3/);
    expect(t.errors[2].message).toMatch(/Size column/);
    expect(t.errors[3].message).toMatch(/ends .* before its start/);
  });
});

describe('census ranges', () => {
  it('merges overlapping and touching ranges, drops empty ones', () => {
    expect(mergeRanges([{ start: 30n, end: 40n }, { start: 10n, end: 20n }, { start: 20n, end: 25n }, { start: 35n, end: 50n }, { start: 60n, end: 60n }])).toEqual([
      { start: 10n, end: 25n },
      { start: 30n, end: 50n },
    ]);
  });

  it('cuts a segment to a range from a word boundary, file offsets following', () => {
    const seg: Segment = { index: 3, vaddr: 0x1000n, memsz: 0x3000n, fileOffset: 0x10000, filesz: 0x2000, available: 0x1800, flags: 6, perms: 'rw-' };
    expect(clipSegment(seg, { start: 0x1003n, end: 0x2000n }, 8)).toMatchObject({ vaddr: 0x1008n, fileOffset: 0x10008, available: 0xff8, memsz: 0xff8n });
    // The present bytes end at 0x2800: the range's end past them does not count.
    expect(clipSegment(seg, { start: 0x2000n, end: 0x9000n }, 4)).toMatchObject({ vaddr: 0x2000n, fileOffset: 0x11000, available: 0x800 });
    expect(clipSegment(seg, { start: 0x2800n, end: 0x9000n }, 8)).toBeUndefined();
    expect(clipSegment(seg, { start: 0x1001n, end: 0x1008n }, 8)).toBeUndefined();
  });
});
