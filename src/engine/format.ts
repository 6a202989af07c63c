// Small formatting helpers shared by the engine's text output, the CLI and the views.

export function hex(v: bigint | number, width = 0): string {
  const s = (typeof v === 'bigint' ? v : BigInt(v)).toString(16);
  return '0x' + (width > s.length ? s.padStart(width, '0') : s);
}

export function parseAddress(s: string): bigint {
  const t = s.trim().toLowerCase().replace(/_/g, '');
  if (!/^(0x)?[0-9a-f]+$/.test(t)) throw new Error(`not an address: ${JSON.stringify(s)}`);
  return BigInt(t.startsWith('0x') ? t : '0x' + t);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function bytes(n: number | bigint): string {
  let v = Number(n);
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${UNITS[u]}`;
}

export function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

/**
 * The word's bytes as text, in memory order (little-endian), when they read as a string
 * fragment: every byte printable ASCII, or printable then NUL padding (≥ 3 characters).
 */
export function wordAsText(h: string, wordSize: number): string | undefined {
  let v = BigInt(h);
  let s = '';
  let ended = false;
  for (let i = 0; i < wordSize; i++) {
    const b = Number(v & 0xffn);
    v >>= 8n;
    if (b === 0) {
      ended = true;
      continue;
    }
    if (ended || b < 0x20 || b > 0x7e) return undefined;
    s += String.fromCharCode(b);
  }
  return s.length >= 3 ? s : undefined;
}
