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
