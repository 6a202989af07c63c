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

/** One worker's census (or the merged one). */
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
  /** In-mapping values, ascending, with their counts. */
  ptrKeys: BigUint64Array;
  ptrCounts: Uint32Array;
  /** Index of the range (in CensusConfig.ranges) each key falls in. */
  ptrRange: Int32Array;
  mgKeys: BigUint64Array;
  mgCounts: Uint32Array;
  /** Wasm linear memory the worker holds, bytes. */
  memoryBytes: number;
}

export interface KernelWorker {
  censusBegin(cfg: CensusConfig): Promise<void>;
  /** Reads the span from the worker's own view of the file and counts its words. Returns bytes scanned. */
  censusSpan(span: Span): Promise<number>;
  /** This worker's census; its exact table comes out sorted by value (ptrKeys ascending). */
  censusFinish(): Promise<CensusPart>;
}

export interface KernelPool {
  readonly size: number;
  readonly workers: KernelWorker[];
  dispose(): void;
}
