// Content kernel: printable strings (ASCII, optionally UTF-16LE), the key=value and
// `key: value` pairs inside them, HTTP request and header lines. One streamed pass over the
// pieces the host gives; everything is counted by a 64-bit hash in bounded tables.
//
// Strings are maximal runs of bytes 0x20–0x7e or \t (UTF-16LE: of such bytes each followed
// by a 0 byte), at least `minLen` characters long. A string is counted by the piece it starts
// in; the host may give `pre` bytes before a piece (look-behind: a run that began earlier is
// skipped) and `post` bytes after it (look-ahead: a run starting in the piece is followed to
// its end). No text is stored: an entry keeps the hash, the length and the first addresses
// where it was seen, and the host reads the text back from the dump.
//
// Tables use lossy counting: when a table is full, the entries whose count + err is at most
// a threshold T (raised until at least half of them go) are evicted, and entries inserted
// later start with err = T. For every entry the true count (in this worker) lies in
// [count, count + err]; a string that is in no entry occurred at most T times.
import { memAlloc } from "./mem";
import { radixSortPairs } from "./sort";

// ---- configuration and totals ------------------------------------------------------

let minLen: u32 = 6;
let cap: u32 = 4096;
let wantUtf16: bool = false;

let nAscii: u64 = 0;
let nUtf16: u64 = 0;
let bytesAscii: u64 = 0;
let bytesUtf16: u64 = 0;
let nLong: u64 = 0;
let nPairs: u64 = 0;
let nRequests: u64 = 0;
let nHeaders: u64 = 0;
let bytesScanned: u64 = 0;

// Byte classes.
const C_PRINT: u8 = 1;
const C_KSTART: u8 = 2; // [A-Za-z_]
const C_KCHAR: u8 = 4; // [A-Za-z0-9_.-]
const C_VDELIM: u8 = 8; // & ; , space \t " ' < > and every non-printable byte
const C_TOKEN: u8 = 16; // HTTP header name: [A-Za-z0-9_-]
const C_UPPER: u8 = 32; // [A-Z]
let cls: usize = 0;

@inline function clsOf(c: u32): u8 {
  return load<u8>(cls + <usize>c);
}

// ---- hashing ------------------------------------------------------------------------

const P1: u64 = 0x9e3779b185ebca87;
const P2: u64 = 0xc2b2ae3d27d4eb4f;
const P4: u64 = 0x85ebca77c2b2ae63;
const SEED_ASCII: u64 = 0x243f6a8885a308d3;
const SEED_UTF16: u64 = 0x13198a2e03707344;
const SEED_KEY: u64 = 0xa4093822299f31d0;
const SEED_VALUE: u64 = 0x082efa98ec4e6c89;
const SEED_METHOD: u64 = 0x452821e638d01377;
const SEED_PATH: u64 = 0xbe5466cf34e90c6c;
const SEED_HNAME: u64 = 0xc0ac29b7c97c50dd;
const SEED_HVALUE: u64 = 0x3f84d5b5b5470917;

@inline function fmix(h0: u64): u64 {
  let h = h0;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53;
  h ^= h >> 33;
  return h;
}

@inline function hround(h: u64, k0: u64): u64 {
  let k = k0 * P2;
  k = rotl<u64>(k, 31) * P1;
  return rotl<u64>(h ^ k, 27) * P1 + P4;
}

/** 64-bit hash of n bytes at p (never 0). May read up to 7 bytes past p + n (never used). */
export function hashBytes(p: usize, n: u32, seed: u64): u64 {
  let h: u64 = seed ^ (<u64>n * P1);
  let i: u32 = 0;
  while (i + 8 <= n) {
    h = hround(h, load<u64>(p + i));
    i += 8;
  }
  if (i < n) h = hround(h, load<u64>(p + i) & ((<u64>1 << (<u64>(n - i) << 3)) - 1));
  h = fmix(h);
  return h == 0 ? 1 : h;
}

@inline function mix2(a: u64, b: u64): u64 {
  const h = fmix(a * P1 ^ rotl<u64>(b, 23) ^ P4);
  return h == 0 ? 1 : h;
}

// ---- bounded tables (lossy counting) --------------------------------------------------
// Entry (64 bytes): 0 hash u64 (0: empty) · 8 group u64 · 16 count u32 · 20 err u32 ·
// 24 len u32 · 28 aux u32 · 32 three example addresses u64 · 56 examples held u32.

const NT: u32 = 6; // 0 strings, 1 pairs, 2 keys, 3 HTTP requests, 4 HTTP header pairs, 5 header names
const EX: u32 = 3;
let tdesc: usize = 0; // per table 32 bytes: base u32, log2 u32, used u32, cap u32, T u32, evictions u32
let scratch: usize = 0;
let scratchCap: u32 = 0;
const HB: u32 = 4096;
let hist: usize = 0;

@inline function td(t: u32): usize {
  return tdesc + (<usize>t << 5);
}

function tInit(t: u32, log2: u32): bool {
  const slots: u32 = 1 << log2;
  // Entries on cache-line boundaries: one probe, one line.
  const raw = memAlloc((<usize>slots << 6) + 64);
  if (raw == 0) return false;
  const base = (raw + 63) & ~(<usize>63);
  memory.fill(base, 0, <usize>slots << 6);
  const d = td(t);
  store<u32>(d, <u32>base);
  store<u32>(d, log2, 4);
  store<u32>(d, 0, 8);
  store<u32>(d, slots >> 1, 12);
  store<u32>(d, 0, 16);
  store<u32>(d, 0, 20);
  return true;
}

/** Slot of hash h in a table (the entry with it, or the empty slot where it goes). */
@inline function tSlot(base: usize, log2: u32, h: u64): usize {
  const mask: u32 = (1 << log2) - 1;
  let i = <u32>(h >> (64 - <u64>log2));
  while (true) {
    const e = base + (<usize>i << 6);
    const k = load<u64>(e);
    if (k == h || k == 0) return e;
    i = (i + 1) & mask;
  }
  return 0;
}

function tAdd(t: u32, h: u64, g: u64, len: u32, aux: u32, addr: u64): void {
  const d = td(t);
  const base = <usize>load<u32>(d);
  const log2 = load<u32>(d, 4);
  let e = tSlot(base, log2, h);
  if (load<u64>(e) == h) {
    store<u32>(e, load<u32>(e, 16) + 1, 16);
    const n = load<u32>(e, 56);
    if (n < EX) {
      store<u64>(e + 32 + (<usize>n << 3), addr);
      store<u32>(e, n + 1, 56);
    }
    return;
  }
  if (load<u32>(d, 8) >= load<u32>(d, 12)) {
    tEvict(t);
    e = tSlot(base, log2, h);
  }
  store<u64>(e, h);
  store<u64>(e, g, 8);
  store<u32>(e, 1, 16);
  store<u32>(e, load<u32>(d, 16), 20);
  store<u32>(e, len, 24);
  store<u32>(e, aux, 28);
  store<u64>(e, addr, 32);
  store<u32>(e, 1, 56);
  store<u32>(d, load<u32>(d, 8) + 1, 8);
}

/** Evicts at least half of a full table: entries with count + err ≤ T, T raised as needed. */
function tEvict(t: u32): void {
  const d = td(t);
  const base = <usize>load<u32>(d);
  const log2 = load<u32>(d, 4);
  const slots: u32 = 1 << log2;
  const used = load<u32>(d, 8);
  let T = load<u32>(d, 16);
  const need = used - (used >> 1); // entries to evict
  while (true) {
    memory.fill(hist, 0, <usize>HB << 2);
    let gone: u32 = 0;
    for (let i: u32 = 0; i < slots; i++) {
      const e = base + (<usize>i << 6);
      if (load<u64>(e) == 0) continue;
      const ce = <u64>load<u32>(e, 16) + <u64>load<u32>(e, 20);
      if (ce <= <u64>T) {
        gone++;
        continue;
      }
      let v = ce - <u64>T;
      if (v >= <u64>HB) v = HB - 1;
      const a = hist + (<usize>v << 2);
      store<u32>(a, load<u32>(a) + 1);
    }
    if (gone >= need) break;
    let cum = gone;
    let cut: u32 = HB - 1;
    for (let v: u32 = 1; v < HB; v++) {
      cum += load<u32>(hist + (<usize>v << 2));
      if (cum >= need) {
        cut = v;
        break;
      }
    }
    T += cut;
  }
  // Survivors to scratch, table cleared, survivors back.
  let n: u32 = 0;
  for (let i: u32 = 0; i < slots; i++) {
    const e = base + (<usize>i << 6);
    if (load<u64>(e) == 0) continue;
    if (<u64>load<u32>(e, 16) + <u64>load<u32>(e, 20) <= <u64>T) continue;
    memory.copy(scratch + (<usize>n << 6), e, 64);
    n++;
  }
  memory.fill(base, 0, <usize>slots << 6);
  for (let j: u32 = 0; j < n; j++) {
    const s = scratch + (<usize>j << 6);
    memory.copy(tSlot(base, log2, load<u64>(s)), s, 64);
  }
  store<u32>(d, n, 8);
  store<u32>(d, T, 16);
  store<u32>(d, load<u32>(d, 20) + 1, 20);
}

// ---- set-up --------------------------------------------------------------------------

/**
 * Prepares the content census. `logs` holds NT u32: log2 slots of each table (capacity is
 * half). flags: 1 UTF-16LE strings too. Returns false when memory cannot be had.
 */
export function contentInit(minLen_: u32, flags: u32, cap_: u32, logs: usize): bool {
  minLen = minLen_ < 1 ? 1 : minLen_;
  cap = cap_ & ~(<u32>1);
  if (cap < 16) cap = 16;
  wantUtf16 = (flags & 1) != 0;
  nAscii = 0;
  nUtf16 = 0;
  bytesAscii = 0;
  bytesUtf16 = 0;
  nLong = 0;
  nPairs = 0;
  nRequests = 0;
  nHeaders = 0;
  bytesScanned = 0;
  cls = memAlloc(256);
  tdesc = memAlloc(<usize>NT << 5);
  hist = memAlloc(65536 << 2); // eviction histogram (HB bins) and the export's radix counts
  if (cls == 0 || tdesc == 0 || hist == 0) return false;
  for (let c: u32 = 0; c < 256; c++) {
    let k: u8 = 0;
    const print = (c >= 0x20 && c <= 0x7e) || c == 9;
    const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    const digit = c >= 0x30 && c <= 0x39;
    if (print) k |= C_PRINT;
    if (alpha || c == 0x5f) k |= C_KSTART;
    if (alpha || digit || c == 0x5f || c == 0x2e || c == 0x2d) k |= C_KCHAR;
    if (!print || c == 0x26 || c == 0x3b || c == 0x2c || c == 0x20 || c == 9 || c == 0x22 || c == 0x27 || c == 0x3c || c == 0x3e) k |= C_VDELIM;
    if (alpha || digit || c == 0x5f || c == 0x2d) k |= C_TOKEN;
    if (c >= 0x41 && c <= 0x5a) k |= C_UPPER;
    store<u8>(cls + c, k);
  }
  let most: u32 = 0;
  for (let t: u32 = 0; t < NT; t++) {
    const log2 = load<u32>(logs + (<usize>t << 2));
    if (!tInit(t, log2)) return false;
    const c: u32 = 1 << (log2 - 1);
    if (c > most) most = c;
  }
  scratchCap = most;
  scratch = memAlloc(<usize>most << 6);
  return scratch != 0;
}

// ---- byte masks (SWAR, 8 bytes at a time) ---------------------------------------------

const L7: u64 = 0x7f7f7f7f7f7f7f7f;
const H8: u64 = 0x8080808080808080;
const O1: u64 = 0x0101010101010101;

/** Bit 7 of each byte set when the byte is printable (0x20–0x7e or \t). */
@inline function printBits(x: u64): u64 {
  const y = x & L7;
  let m = (y + 0x6060606060606060) & ~(y + O1);
  const t = y ^ 0x0909090909090909;
  m |= ~(((t & L7) + L7) | t | L7);
  return m & ~x & H8;
}

/** Bit 7 of each byte set when the byte is 0. */
@inline function zeroBits(x: u64): u64 {
  return ~(((x & L7) + L7) | x | L7);
}

/** The bit-7 flags of 8 bytes as 8 bits (bit i: byte i). */
@inline function pack8(m: u64): u64 {
  return ((m >> 7) * 0x0102040810204080) >> 56;
}

/** Printable flags of the 64 bytes at p (bit i: byte i). */
@inline function mask64(p: usize): u64 {
  let m: u64 = 0;
  for (let w: u32 = 0; w < 8; w++) {
    const x = load<u64>(p + (<usize>w << 3));
    if (x != 0) m |= pack8(printBits(x)) << (<u64>w << 3);
  }
  return m;
}

/** UTF-16LE unit flags of the 128 bytes at p (bit i: the unit at bytes 2i, 2i+1 is printable). */
@inline function mask64u(p: usize): u64 {
  let m: u64 = 0;
  for (let w: u32 = 0; w < 16; w++) {
    const x = load<u64>(p + (<usize>w << 3));
    if (x == 0) continue;
    let ok = (printBits(x) & (zeroBits(x) >> 8) & 0x0080008000800080) >> 7;
    ok = (ok | (ok >> 15) | (ok >> 30) | (ok >> 45)) & 0xf;
    m |= ok << (<u64>w << 2);
  }
  return m;
}

// ---- the scan --------------------------------------------------------------------------

/**
 * Scans one piece: `len` bytes at p, the first at address `addr`. Bytes [p - pre, p) and
 * [p + len, p + len + post) may be read (look-behind and look-ahead within the same mapping
 * or block); `more` says the mapping or block goes on past p + len + post. At least 64 (for
 * UTF-16: 129) readable bytes must follow p + len + post (their values are ignored).
 */
export function contentPiece(p: usize, len: u32, addr: u64, pre: u32, post: u32, more: u32): void {
  if (len == 0) return;
  bytesScanned += len;
  const lim = len + post;
  scanAscii(p, len, addr, pre, lim, more != 0);
  if (wantUtf16) {
    scanUtf16(p, len, addr, pre, lim, more != 0, 0);
    scanUtf16(p, len, addr, pre, lim, more != 0, 1);
  }
}

function scanAscii(p: usize, len: u32, addr: u64, pre: u32, lim: u32, more: bool): void {
  let inRun = false;
  let start: i64 = -1;
  let carry: u64 = 0;
  if (pre >= 1 && (clsOf(load<u8>(p - 1)) & C_PRINT) != 0) {
    // A run that began before this piece: its owner counts it.
    inRun = true;
    carry = 1;
  }
  let o: u32 = 0;
  while (o < lim) {
    if (!inRun && o >= len) return;
    let m = mask64(p + o);
    const rem = lim - o;
    if (rem < 64) m &= (<u64>1 << <u64>rem) - 1;
    let tr = m ^ ((m << 1) | carry);
    carry = m >> 63;
    while (tr != 0) {
      const pos = o + <u32>ctz(tr);
      tr &= tr - 1;
      if (inRun) {
        if (start >= 0) emitAscii(p, <u32>start, pos, addr, pre, lim, more);
        inRun = false;
        start = -1;
      } else {
        if (pos >= len) return;
        start = pos;
        inRun = true;
      }
    }
    o += 64;
  }
  if (inRun && start >= 0) emitAscii(p, <u32>start, lim, addr, pre, lim, more);
}

function emitAscii(p: usize, s: u32, e: u32, addr: u64, pre: u32, lim: u32, more: bool): void {
  const n = e - s;
  if (n < minLen) return;
  const cut = more && e == lim;
  const long = cut || n > cap;
  const h: u32 = n > cap ? cap : n;
  nAscii++;
  bytesAscii += n;
  if (long) nLong++;
  const sp = p + s;
  const a = addr + s;
  tAdd(0, hashBytes(sp, h, SEED_ASCII), 0, h, long ? 2 : 0, a);
  if (!long) {
    parseRequest(sp, n, a);
    // A header line sits between CR LF and CR LF. Its name is no key of the pair census (the
    // HTTP census counts it); pairs inside its value (a Cookie header's) are.
    if (<i64>s - 2 >= -<i64>pre && e + 2 <= lim && load<u16>(sp - 2) == 0x0a0d && load<u16>(p + e) == 0x0a0d) {
      const v = parseHeader(sp, n, a);
      if (v > 0) {
        parsePairs(sp + v, n - v, a + v);
        return;
      }
    }
  }
  parsePairs(sp, h, a);
}

function scanUtf16(p: usize, len: u32, addr: u64, pre: u32, lim: u32, more: bool, q: u32): void {
  // Units at byte offsets q + 2u; a unit must fit before lim; strings start before len.
  if (lim < q + 2) return;
  const units = (lim - q) >> 1;
  let inRun = false;
  let start: i64 = -1;
  let carry: u64 = 0;
  if (pre + q >= 2) {
    const c = load<u8>(p + q - 2);
    if ((clsOf(c) & C_PRINT) != 0 && load<u8>(p + q - 1) == 0) {
      inRun = true;
      carry = 1;
    }
  }
  const base = p + q;
  let o: u32 = 0;
  while (o < units) {
    if (!inRun && q + (o << 1) >= len) return;
    let m = mask64u(base + (<usize>o << 1));
    const rem = units - o;
    if (rem < 64) m &= (<u64>1 << <u64>rem) - 1;
    let tr = m ^ ((m << 1) | carry);
    carry = m >> 63;
    while (tr != 0) {
      const u = o + <u32>ctz(tr);
      tr &= tr - 1;
      if (inRun) {
        if (start >= 0) emitUtf16(base, <u32>start, u, addr + q, cutAt(more, u, units));
        inRun = false;
        start = -1;
      } else {
        if (q + (u << 1) >= len) return;
        start = u;
        inRun = true;
      }
    }
    o += 64;
  }
  if (inRun && start >= 0) emitUtf16(base, <u32>start, units, addr + q, more);
}

@inline function cutAt(more: bool, u: u32, units: u32): bool {
  return more && u == units;
}

function emitUtf16(base: usize, s: u32, e: u32, addr: u64, cut: bool): void {
  const n = e - s;
  if (n < minLen) return;
  const long = cut || (n << 1) > cap;
  const hb: u32 = (n << 1) > cap ? cap : n << 1;
  nUtf16++;
  bytesUtf16 += <u64>n << 1;
  if (long) nLong++;
  tAdd(0, hashBytes(base + (<usize>s << 1), hb, SEED_UTF16), 0, hb >> 1, long ? 3 : 1, addr + (<u64>s << 1));
}

// ---- key=value, `key: value` ------------------------------------------------------------

/** Bit 7 of each byte set when the byte is '=' or ':'. */
@inline function sepBits(x: u64): u64 {
  return zeroBits(x ^ 0x3d3d3d3d3d3d3d3d) | zeroBits(x ^ 0x3a3a3a3a3a3a3a3a);
}

/**
 * Pairs in the n bytes of a string at s: a key [A-Za-z_][A-Za-z0-9_.-]* (≤ 64 bytes) after a
 * non-key byte or the string's start, then `=` or `: ` (or `:` and a tab), then the value up
 * to a delimiter (& ; , space tab " ' < >) or the end. Scanning resumes after the value.
 * Found from the separators (8 bytes at a time), then the key backwards: most strings have none.
 */
function parsePairs(s: usize, n: u32, addr: u64): void {
  let from: u32 = 0;
  for (let o: u32 = 0; o < n; o += 8) {
    let m = sepBits(load<u64>(s + o));
    if (n - o < 8) m &= (<u64>1 << (<u64>(n - o) << 3)) - 1;
    while (m != 0) {
      const j = o + (<u32>ctz(m) >> 3);
      m &= m - 1;
      if (j < from || j == 0) continue;
      let v: u32 = j + 1;
      let sep: u32 = 1;
      if (load<u8>(s + j) == 0x3a) {
        if (j + 1 >= n) continue;
        const c = load<u8>(s + j + 1);
        if (c != 0x20 && c != 9) continue;
        v = j + 2;
        sep = 2;
      }
      let i = j;
      while (i > from && j - i <= 64 && (clsOf(load<u8>(s + i - 1)) & C_KCHAR) != 0) i--;
      const klen = j - i;
      if (klen == 0 || klen > 64 || (clsOf(load<u8>(s + i)) & C_KSTART) == 0) continue;
      let e = v;
      while (e < n && (clsOf(load<u8>(s + e)) & C_VDELIM) == 0) e++;
      let vlen = e - v;
      let trunc: u32 = 0;
      if (vlen > 128) {
        vlen = 128;
        trunc = 4;
      }
      const hk = hashBytes(s + i, klen, SEED_KEY);
      const hv = hashBytes(s + v, vlen, SEED_VALUE);
      tAdd(1, mix2(hk, hv), hk, klen | (vlen << 8) | (sep << 16), trunc, addr + i);
      tAdd(2, hk, 0, klen, 0, addr + i);
      nPairs++;
      from = e;
    }
  }
}

// ---- HTTP -----------------------------------------------------------------------------------

/** `METHOD target HTTP/1.x`: counted by method and path (the target without ?query or #fragment). */
function parseRequest(s: usize, n: u32, addr: u64): void {
  let m: u32 = 0;
  while (m < n && m < 12 && (clsOf(load<u8>(s + m)) & C_UPPER) != 0) m++;
  if (m < 3 || m >= n || load<u8>(s + m) != 0x20) return;
  if (n < m + 11) return;
  // " HTTP/1.x" at the end
  const t = s + n - 9;
  if (load<u8>(t) != 0x20 || load<u32>(t + 1) != 0x50545448 || load<u16>(t + 5) != 0x312f || load<u8>(t + 7) != 0x2e) return;
  const minor = load<u8>(t + 8);
  if (minor < 0x30 || minor > 0x39) return;
  const ts = m + 1;
  const te = n - 9;
  let pe = ts;
  while (pe < te) {
    const c = load<u8>(s + pe);
    if (c == 0x3f || c == 0x23) break;
    if (c == 0x20) return;
    pe++;
  }
  for (let k = pe; k < te; k++) if (load<u8>(s + k) == 0x20) return;
  const plen = pe - ts;
  const hm = hashBytes(s, m, SEED_METHOD);
  tAdd(3, mix2(hm, hashBytes(s + ts, plen, SEED_PATH)), hm, plen, m, addr);
  nRequests++;
}

/**
 * `Name: value` between CR LF and CR LF: counted per name and (name, value); value ≤ 128
 * bytes. Returns the value's offset in the line, 0 when the line is no header.
 */
function parseHeader(s: usize, n: u32, addr: u64): u32 {
  let k: u32 = 0;
  while (k < n && k <= 64 && (clsOf(load<u8>(s + k)) & C_TOKEN) != 0) k++;
  if (k == 0 || k > 64 || k >= n || load<u8>(s + k) != 0x3a) return 0;
  let v = k + 1;
  while (v < n && (load<u8>(s + v) == 0x20 || load<u8>(s + v) == 9)) v++;
  let vlen = n - v;
  let trunc: u32 = 0;
  if (vlen > 128) {
    vlen = 128;
    trunc = 4;
  }
  const hn = hashBytes(s, k, SEED_HNAME);
  tAdd(4, mix2(hn, hashBytes(s + v, vlen, SEED_HVALUE)), hn, k | (vlen << 8), trunc | (v << 8), addr);
  tAdd(5, hn, 0, k, 0, addr);
  nHeaders++;
  return v;
}

// ---- results ------------------------------------------------------------------------------

/** Totals as u64 at out: ascii strings, utf16 strings, ascii bytes, utf16 bytes, long strings, pairs, requests, headers, bytes scanned. */
export function contentTotals(out: usize): void {
  store<u64>(out, nAscii);
  store<u64>(out, nUtf16, 8);
  store<u64>(out, bytesAscii, 16);
  store<u64>(out, bytesUtf16, 24);
  store<u64>(out, nLong, 32);
  store<u64>(out, nPairs, 40);
  store<u64>(out, nRequests, 48);
  store<u64>(out, nHeaders, 56);
  store<u64>(out, bytesScanned, 64);
}

export function contentTableUsed(t: u32): u32 {
  return load<u32>(td(t), 8);
}

/** The table's threshold: an absent entry occurred at most this many times here. */
export function contentTableMaxError(t: u32): u32 {
  return load<u32>(td(t), 16);
}

export function contentTableEvictions(t: u32): u32 {
  return load<u32>(td(t), 20);
}

/**
 * Writes the table's entries sorted by hash: hashes and groups (u64), counts, errs, lens,
 * auxes (u32), examples (EX u64 each, 0 where none). `tmp` takes n × 24 bytes. Returns n.
 */
export function contentExport(t: u32, oh: usize, og: usize, oc: usize, oe: usize, ol: usize, oa: usize, ox: usize, tmp: usize): u32 {
  const d = td(t);
  const base = <usize>load<u32>(d);
  const slots: u32 = 1 << load<u32>(d, 4);
  let n: u32 = 0;
  const keys = tmp;
  const used = load<u32>(d, 8);
  const idx = tmp + (<usize>used << 3);
  const keys2 = idx + (<usize>used << 2);
  const idx2 = keys2 + (<usize>used << 3);
  for (let i: u32 = 0; i < slots; i++) {
    const k = load<u64>(base + (<usize>i << 6));
    if (k == 0) continue;
    store<u64>(keys + (<usize>n << 3), k);
    store<u32>(idx + (<usize>n << 2), i);
    n++;
  }
  const sorted = sortPairs(keys, idx, keys2, idx2, n);
  const sk = sorted ? keys2 : keys;
  const si = sorted ? idx2 : idx;
  for (let j: u32 = 0; j < n; j++) {
    const e = base + (<usize>load<u32>(si + (<usize>j << 2)) << 6);
    store<u64>(oh + (<usize>j << 3), load<u64>(sk + (<usize>j << 3)));
    store<u64>(og + (<usize>j << 3), load<u64>(e, 8));
    store<u32>(oc + (<usize>j << 2), load<u32>(e, 16));
    store<u32>(oe + (<usize>j << 2), load<u32>(e, 20));
    store<u32>(ol + (<usize>j << 2), load<u32>(e, 24));
    store<u32>(oa + (<usize>j << 2), load<u32>(e, 28));
    const held = load<u32>(e, 56);
    for (let x: u32 = 0; x < EX; x++) store<u64>(ox + (<usize>(j * EX + x) << 3), x < held ? load<u64>(e + 32 + (<usize>x << 3)) : 0);
  }
  return n;
}

/** Sorts (u64 key, u32 value) pairs on 16-bit digits (hist holds 65536 counters). Returns true when the result is in (k2, v2). */
function sortPairs(k1: usize, v1: usize, k2: usize, v2: usize, n: u32): bool {
  return radixSortPairs(k1, v1, k2, v2, n, 0, 64, 16, hist);
}
