// The contract between the engine and the kernels. The engine plans work (spans of the
// file) and merges results; a KernelWorker runs the AssemblyScript kernels over the spans,
// in a Web Worker, a Node worker thread, or inline (src/workers/ implements all three).

/** A contiguous stretch of the file to read in one go, cut into word-aligned pieces to scan. */
export interface Span {
  fileStart: number;
  length: number;
  /** Offsets are relative to fileStart; each piece is word aligned in the process address space. */
  pieces: { offset: number; length: number }[];
}

export interface CensusConfig {
  wordSize: 4 | 8;
  /** Sorted, disjoint (start, end) pairs: the mappings a pointer must fall in. */
  ranges: BigUint64Array;
  /** log2 entries of the buffer in-mapping values are collected in before each sort-and-merge. */
  bufLog2: number;
  /** Most distinct in-mapping values counted exactly per worker (past that: approximate, reported). */
  accMaxEntries: number;
  /** log2 slots of the bounded table of other values (capacity is half of that). */
  mgLog2: number;
  /** Largest span the worker must accept. */
  maxSpanBytes: number;
}

/** A worker's exact table: values ascending, unique, with their counts. */
export interface SortedRun {
  keys: BigUint64Array;
  counts: Uint32Array;
}

/** Entries picked from an exact table: value, count, index of the range it falls in. */
export interface PickedValues {
  keys: BigUint64Array;
  counts: Uint32Array;
  ranges: Int32Array;
}

export interface FinishRequest {
  /** How many of the most frequent in-mapping values to pick (0: none). */
  topN: number;
  /** Per range (CensusConfig.ranges order), 1 when values pointing there are vtable candidates. */
  vtableRanges: Uint8Array;
  /** Vtable candidates must be multiples of this (the word size). */
  align: number;
}

/** One worker's census: its word totals, small values and bounded summary, and picks from its exact table. */
export interface CensusPart {
  totalWords: number;
  pointerWords: number;
  otherWords: number;
  /** In-mapping words counted approximately because the exact table was full. */
  overflowWords: number;
  /** Upper bound of the undercount of any value in the bounded table. */
  mgDecrement: number;
  saturated: boolean;
  /** Counts of values 0..65535. */
  small: BigUint64Array;
  /** Distinct values in this worker's exact table. */
  distinctPointers: number;
  top: PickedValues;
  topVtables: PickedValues;
  /** Per range: words pointing into it, distinct values. */
  rangeWords: Float64Array;
  rangeDistinct: Float64Array;
  mgKeys: BigUint64Array;
  mgCounts: Uint32Array;
  /** Wasm linear memory the worker holds, bytes. */
  memoryBytes: number;
}

export interface KernelWorker {
  censusBegin(cfg: CensusConfig): Promise<void>;
  /** Reads the span from the worker's own view of the file and counts its words. Returns bytes scanned. */
  censusSpan(span: Span): Promise<number>;
  /** Settles the exact table (sorted) and returns up to `count` evenly spaced values of it, to choose partition pivots. */
  censusSample(count: number): Promise<BigUint64Array>;
  /**
   * Cuts the exact table at the pivots into partitions (partition j holds values in
   * [pivots[j-1], pivots[j])); keeps partition `self` and returns the others, for their owners.
   */
  censusPartition(pivots: BigUint64Array, self: number): Promise<(SortedRun | undefined)[]>;
  /** Merges another worker's run into this worker's exact table. */
  censusMergeRun(run: SortedRun): Promise<void>;
  censusFinish(req: FinishRequest): Promise<CensusPart>;
}

export interface KernelPool {
  readonly size: number;
  readonly workers: KernelWorker[];
  dispose(): void;
}
