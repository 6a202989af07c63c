// The JSON documents of the content scans (docs/json.md: `kind: "strings"`, `kind: "regex"`):
// the results with every address as a hex string.
import { GENERATOR, type OpenedCore } from '../analyze';
import { hex } from '../format';
import type { RegexResult } from './regex';
import type { ContentResult } from './strings';

export const CONTENT_JSON_VERSION = 1;

/** T with every bigint as a hex string. */
export type Hexed<T> = T extends bigint
  ? string
  : T extends (infer U)[]
    ? Hexed<U>[]
    : T extends object
      ? { [K in keyof T]: Hexed<T[K]> }
      : T;

export function hexed<T>(x: T): Hexed<T> {
  if (typeof x === 'bigint') return hex(x) as Hexed<T>;
  if (Array.isArray(x)) return x.map(hexed) as Hexed<T>;
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (v !== undefined) out[k] = hexed(v);
    return out as Hexed<T>;
  }
  return x as Hexed<T>;
}

interface DocHead {
  version: number;
  generator: string;
  input: { name: string; size: number };
  format: 'elf64-core' | 'elf32-core';
  wordSize: 4 | 8;
}

function head(o: OpenedCore): DocHead {
  return {
    version: CONTENT_JSON_VERSION, generator: GENERATOR, input: { name: o.core.source.name, size: o.core.source.size },
    format: o.core.wordSize === 8 ? 'elf64-core' : 'elf32-core', wordSize: o.core.wordSize,
  };
}

export type StringsJSON = { kind: 'strings' } & DocHead & Hexed<ContentResult> & { precision: string };
export type RegexJSON = { kind: 'regex' } & DocHead & Hexed<RegexResult> & { boundaryRule: string };

export const STRINGS_PRECISION =
  'Strings, pairs, keys and HTTP lines are counted by a 64-bit hash of their bytes (the chance that two of D distinct ones share a hash is at most D²/2^65: 3·10⁻⁶ for 10 million). ' +
  'Each table is bounded; when one fills, its entries with count + error ≤ T are evicted (T raised until half go) and later entries start with error T: an entry\'s true count is in [count, count + maxError], an entry not listed occurred at most `tables[].maxError` times.';

export const REGEX_BOUNDARY_RULE =
  'A match counts in the mapping piece or heap block it starts in; it may run up to 4096 bytes past a span cut into the next span, which drops its matches starting before the end of the previous span\'s last match, ' +
  'and is scanned again from there when a match it dropped ran past that end. Matches never span two mappings or two heap blocks; zero-length matches count once per position.';

export function contentToJSON(o: OpenedCore, r: ContentResult): StringsJSON {
  return { kind: 'strings', ...head(o), ...hexed({ ...r, elapsedMs: Math.round(r.elapsedMs) }), precision: STRINGS_PRECISION };
}

export function regexToJSON(o: OpenedCore, r: RegexResult): RegexJSON {
  return {
    kind: 'regex', ...head(o),
    ...hexed({ ...r, elapsedMs: Math.round(r.elapsedMs), phasesMs: { decode: Math.round(r.phasesMs.decode), match: Math.round(r.phasesMs.match) } }),
    boundaryRule: REGEX_BOUNDARY_RULE,
  };
}
