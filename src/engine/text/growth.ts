// Growth of a value sampled over time (VSZ, RSS, VmSize…): least-squares slope per minute,
// how straight the line is, whether it only goes up, and the step it grows by when it grows
// in equal steps (seed 003: VSZ +40 KB every 10 s).

export interface GrowthFit {
  samples: number;
  /** Seconds from the first sample to the last (or samples − 1 when there are no times). */
  span: number;
  first: number;
  last: number;
  min: number;
  max: number;
  /** last − first. */
  growth: number;
  /** Least-squares slope, units per minute (per sample when `perSample`). */
  slopePerMin: number;
  /** Coefficient of determination of the line (1: a straight line; 0 when flat). */
  r2: number;
  /** Total of the rises and of the falls between consecutive samples (falls ≥ 0), spikes left out. */
  rises: number;
  falls: number;
  /** Samples left out of rises, falls and steps: above both neighbours and fallen back right after (transients). */
  spikes: number;
  /** When every rise is a multiple of one step: its size, how many steps, one step every `every` seconds. */
  step?: { size: number; count: number; every: number };
  /** Rises only (falls ≤ 10 % of rises), a straight line (r2 ≥ 0.9), at least 3 samples. */
  steady: boolean;
  perSample: boolean;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** t in seconds (undefined: sample index is the time), v in any unit. */
export function fitGrowth(t: (number | undefined)[], v: number[]): GrowthFit {
  const n = v.length;
  const perSample = t.some((x) => x === undefined) || n < 2 || t[n - 1]! - t[0]! <= 0;
  const x = perSample ? v.map((_, i) => i) : t.map((s) => s! - t[0]!);
  let sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i];
    sy += v[i];
    sxx += x[i] * x[i];
    sxy += x[i] * v[i];
    syy += v[i] * v[i];
  }
  const den = n * sxx - sx * sx;
  const slope = n > 1 && den ? (n * sxy - sx * sy) / den : 0;
  const vy = n * syy - sy * sy;
  const r2 = n > 2 && den && vy > 0 ? ((n * sxy - sx * sy) ** 2) / (den * vy) : n === 2 && v[1] !== v[0] ? 1 : 0;
  // A sample above both neighbours, whose next sample falls back no lower than the one before
  // it, caught something transient (a mapping made and undone between two samples): the rises,
  // falls and steps are read without it.
  const kept: number[] = [];
  let spikes = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && i < n - 1 && v[i] > v[i + 1] && v[i + 1] >= v[i - 1] && v[i] > v[i - 1]) {
      spikes++;
      continue;
    }
    kept.push(v[i]);
  }
  let rises = 0, falls = 0, g = 0;
  let allEqual = true;
  let firstRise = 0;
  let nRises = 0;
  for (let i = 1; i < kept.length; i++) {
    const d = kept[i] - kept[i - 1];
    if (d > 0) {
      rises += d;
      nRises++;
      if (Number.isInteger(d)) g = gcd(g, d);
      if (!firstRise) firstRise = d;
      else if (d !== firstRise) allEqual = false;
    } else if (d < 0) falls -= d;
  }
  const span = n ? x[n - 1] - x[0] : 0;
  const growth = n ? v[n - 1] - v[0] : 0;
  let step: GrowthFit['step'];
  // A step is the common divisor of every rise, and at least an eighth of the mean rise (else
  // the rises only share a small divisor by chance, e.g. a transient mapping caught once).
  if (g > 0 && falls === 0 && rises > 0 && (allEqual || rises / g <= 8 * nRises)) {
    const count = Math.round(rises / g);
    step = { size: g, count, every: count ? span / count : 0 };
  }
  return {
    samples: n, span, first: v[0] ?? 0, last: v[n - 1] ?? 0, min: n ? v.reduce((a, b) => Math.min(a, b)) : 0, max: n ? v.reduce((a, b) => Math.max(a, b)) : 0, growth,
    slopePerMin: perSample ? slope : slope * 60, r2, rises, falls, spikes, step,
    steady: n >= 3 && slope > 0 && growth > 0 && falls <= rises * 0.1 && r2 >= 0.9, perSample,
  };
}
