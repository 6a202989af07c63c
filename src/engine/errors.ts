// Errors and diagnostics. Bad input never throws past the engine's entry points without a
// message naming what was expected and where; partial results are kept alongside diagnostics.

export type DiagnosticLevel = 'error' | 'warning' | 'info';

export interface Diagnostic {
  level: DiagnosticLevel;
  /** Stable machine-readable code, e.g. 'elf.bad-magic', 'core.truncated-segment'. */
  code: string;
  message: string;
  /** File offset the problem was found at, when it has one. */
  offset?: number;
}

export class HeaplensError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'HeaplensError';
  }
  toDiagnostic(): Diagnostic {
    return { level: 'error', code: this.code, message: this.message, offset: this.offset };
  }
}

export class AbortedError extends Error {
  constructor() {
    super('Analysis cancelled');
    this.name = 'AbortError';
  }
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortedError();
}
