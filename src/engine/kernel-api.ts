// The contract between the engine and the kernels. The engine plans work (spans of the
// file) and merges results; a KernelWorker runs the AssemblyScript kernels over the spans,
// in a Web Worker, a Node worker thread, or inline (src/workers/ implements all three).

/** A contiguous stretch of the file to read in one go, cut into word-aligned pieces to scan. */
export interface Span {
  fileStart: number;
  length: number;
  /**
   * Offsets are relative to fileStart; each piece is word aligned in the process address
   * space. `addr` is the address of the piece's first byte; `availEnd` the address where its
   * segment's bytes in the file end.
   */
  pieces: { offset: number; length: number; addr?: bigint; availEnd?: bigint }[];
  /** Bytes to read past the span (they finish the heap walk's last chunk; not counted). */
  tail?: number;
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
  /**
   * Reads a span from the worker's own view of the file, counts its words (after censusBegin)
   * and walks the heap pieces in it (after heapBegin).
   */
  scanSpan(span: Span, pieces?: HeapPiece[]): Promise<ScanResult>;
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

// ---- heap walk ----------------------------------------------------------------------

export interface HeapConfig {
  wordSize: 4 | 8;
  /** Same range table as the census: the mappings a pointer must fall in. */
  ranges: BigUint64Array;
  /** Per range: 1 when a block's first word pointing there names its type (module images). */
  imageRanges: Uint8Array;
  alignment: number;
  minChunk: number;
  maxSpanBytes: number;
  /** At most this many chunk records in this worker (32 bytes each); the walk of a region stops there. */
  maxRecords?: number;
}

/**
 * The part of one heap region (an arena heap, the main heap, a run of mmapped chunks) inside
 * one span. Chunks starting in [addr, pieceEnd) belong to it.
 */
export interface HeapPiece {
  id: number;
  region: number;
  /** Address of the piece's first byte, and that byte's offset in the span's buffer. */
  addr: bigint;
  offset: number;
  /** Bytes available from `offset` (the piece, plus a tail to finish its last chunk). */
  length: number;
  pieceEnd: bigint;
  /** With `exact`, the first chunk is at `start`; otherwise it is guessed from `start` on. */
  exact: boolean;
  start: bigint;
  regionEnd: bigint;
  /** The arena's top chunk when it lies in this region (the walk stops there), else 0. */
  top: bigint;
  mmapped: boolean;
  /** Arena index (255: mmapped chunks). */
  arena: number;
  /** The heap may go on past regionEnd, where the bytes end (raw dumps of unknown extent): a chunk may run past it up to here, its state unknown. */
  maxEnd?: bigint;
}

/** Stop codes of a piece walk. */
export const PIECE_STOP = ['', 'top', 'end-marker', 'region-end', 'corrupt', 'no-sync', 'table-full', 'piece-end', 'bytes-end'] as const;

export interface HeapPieceResult {
  id: number;
  /** First chunk walked (0n: none found). */
  entry: bigint;
  /** First chunk boundary at or past the piece's end, or where the walk stopped. */
  exit: bigint;
  stop: number;
  /** PREV_INUSE of the first chunk (the previous chunk's state), 2 when unknown. */
  firstPrevInUse: number;
  /** Records [rec0, rec1) of the worker's table. */
  rec0: number;
  rec1: number;
  /** Address of the last chunk recorded (record rec1 − 1); 0n when none. */
  last: bigint;
  /** The last chunk's next header was not in the bytes: its in-use bit is unknown. */
  lastUnknown: boolean;
  corrupt: number;
  firstCorrupt: bigint;
}

export interface ScanResult {
  /** Bytes counted by the census. */
  bytes: number;
  pieces: HeapPieceResult[];
}

/** Groups from the aggregation: keys, counts, usable bytes, up to 4 example block addresses each. */
export interface HeapGroups {
  key1: BigUint64Array;
  key2: BigUint64Array;
  counts: Float64Array;
  bytes: Float64Array;
  examples: BigUint64Array;
}

export interface HeapAggregate {
  /** Per state 0..7: count, usable bytes, chunk bytes. */
  states: Float64Array;
  /** Per arena 0..255 and state 0..7: count, chunk bytes. */
  arenas: Float64Array;
  bySize: HeapGroups;
  bySignature: HeapGroups;
  byType: HeapGroups;
  /** Used blocks whose signature group did not fit the table. */
  signatureOverflow: number;
  records: number;
}

export interface HeapWorker {
  heapBegin(cfg: HeapConfig): Promise<void>;
  /** Walks a piece reading its bytes itself (a piece to walk again from a known first chunk). */
  heapWalk(piece: HeapPiece & { fileStart: number }): Promise<HeapPieceResult>;
  /** Drops records [r0, r1) (walked from a wrong guess). */
  heapInvalidate(r0: number, r1: number): Promise<void>;
  /** Settles a record's in-use bit (from the next chunk's PREV_INUSE). */
  heapSetInUse(record: number, inUse: boolean): Promise<void>;
  /** Chunk addresses of in-use chunks of exactly `chunkSize` bytes (tcache_perthread_struct candidates). */
  heapChunksOfSize(chunkSize: bigint): Promise<BigUint64Array>;
  /** States: `lists` (sorted chunk addresses; kinds 3 tcache, 4 fastbin) and `meta` (sorted). */
  heapClassify(lists: BigUint64Array, kinds: Uint8Array, meta: BigUint64Array): Promise<void>;
  /** mode 0: used blocks; after heapLeakAggregate's marking: 1 all leaked, 2 leak tops, 3 indirectly leaked. */
  heapAggregate(mode?: number): Promise<HeapAggregate>;
  /** Marks leaked blocks (sorted user addresses, kinds 2 top / 3 indirect) and aggregates them (mode as heapAggregate). */
  heapLeakAggregate(addrs: BigUint64Array, kinds: Uint8Array, mode: number): Promise<HeapAggregate>;
  /** Blocks in this worker's table whose state is in `states` (bit s for state s), from the `from`-th match, at most `limit`. */
  heapBlocks(states: number, from: number, limit: number): Promise<HeapBlocks>;
}

// ---- reference graph ------------------------------------------------------------------

/** A part of a span to scan for references: the bytes of used blocks, or root memory. */
export interface GraphPart {
  kind: 'blocks' | 'roots';
  offset: number;
  length: number;
  addr: bigint;
}

export interface GraphScanResult {
  bytes: number;
  /** Root references found: the address of the word, and the block (index) it points into. */
  rootAddrs: BigUint64Array;
  rootBlocks: Uint32Array;
  edgesFull: boolean;
  /** The references found (src, dst block pairs), when asked to hand them over. */
  edges?: Uint32Array;
}

export interface GraphQuery {
  /** Blocks this one points into (once per pointing word). */
  out: number[];
  /** Blocks pointing into this one (the first ones). */
  incoming: number[];
  incomingTotal: number;
  /** From this block up to the block a root reaches (empty when unreachable). */
  chain: number[];
  /** Index of the root reference that starts the chain, -1 when unreachable. */
  root: number;
}

export interface GraphWorker {
  /** This worker's used blocks, sorted by address: user addresses and usable sizes. */
  graphUsed(): Promise<{ addrs: BigUint64Array; sizes: Uint32Array }>;
  /** The index of every used block (sorted); block numbers are positions in it. */
  graphIndex(addrs: BigUint64Array, sizes: Uint32Array): Promise<void>;
  /** Scans a span; with `exportEdges` the references found go back in the result instead of staying here. */
  graphScan(span: Span, parts: GraphPart[], exportEdges?: boolean): Promise<GraphScanResult>;
  graphAddEdges(edges: Uint32Array): Promise<void>;
  /** Builds the graph from the edges gathered here and walks it from the roots (block numbers). */
  graphSolve(roots: Uint32Array): Promise<{ edges: number; reached: number; verdicts: Uint8Array }>;
  graphQuery(block: number, maxIn?: number): Promise<GraphQuery>;
}

export interface HeapBlocks {
  /** User addresses (chunk + 2 words). */
  addresses: BigUint64Array;
  usable: Uint32Array;
  states: Uint8Array;
  /** Matches in all (not only those returned). */
  total: number;
}

// ---- content: strings, key=value pairs, regex counts ------------------------------------

/**
 * The parts of one read, as typed arrays (a block set has many small parts). Each part is a
 * mapping's bytes or one heap block's; strings and matches never run from one part into
 * another. `pre`/`post` are bytes before/after the part that belong to the same mapping or
 * block and are in the buffer (look-behind, look-ahead across a span boundary).
 */
export interface ContentParts {
  /** Offsets from fileStart (the buffer also holds `lead` bytes before it). */
  offset: Uint32Array;
  length: Uint32Array;
  addr: BigUint64Array;
  pre: Uint8Array;
  post: Uint32Array;
  /** 1 when the mapping or block goes on past the look-ahead. */
  more: Uint8Array;
}

/** A read for the content scans: [fileStart - lead, fileStart + length + tail). `pieces` is empty. */
export interface ContentSpan extends Span {
  lead: number;
  parts: ContentParts;
}

export interface ContentConfig {
  /** Shortest string counted, in characters. */
  minLen: number;
  utf16: boolean;
  /** Bytes of a string hashed and searched for pairs; longer strings are counted by their first `cap` bytes. */
  cap: number;
  /** log2 slots of each table: strings, pairs, keys, HTTP requests, HTTP header pairs, HTTP header names. */
  tableLog2: number[];
  /** Largest read (lead + span + tail) the worker must accept. */
  maxReadBytes: number;
}

/** One worker's bounded table, sorted by hash (see assembly/strings.ts for what len and aux hold). */
export interface ContentTable {
  hash: BigUint64Array;
  group: BigUint64Array;
  count: Uint32Array;
  /** Per entry: occurrences possibly missed before it was (re)inserted. */
  err: Uint32Array;
  len: Uint32Array;
  aux: Uint32Array;
  /** Three example addresses per entry (0: none). */
  examples: BigUint64Array;
  /** An entry absent from this table occurred at most this many times in this worker. */
  maxError: number;
  evictions: number;
}

export interface ContentPart {
  tables: ContentTable[];
  /** ascii strings, utf16 strings, ascii bytes, utf16 bytes, long strings, pairs, requests, headers, bytes scanned. */
  totals: Float64Array;
  memoryBytes: number;
}

export interface RegexRequest {
  pattern: string;
  /** RegExp flags besides `g` (any of i, m, s). */
  flags: string;
  /** Matches to return with their text, per span. */
  firstN: number;
  /** Characters of a match's text returned at most. */
  textMax: number;
  /** Return where every match is (part, offset), to group matches by heap block. */
  positions: boolean;
  /** Return the first part's matches starting in its first `headWindow` bytes (boundary fix-up). */
  headWindow: number;
  /** Count only matches starting at or after this offset of the first part, searching from there (a re-scan after a boundary). */
  startAt?: number;
}

export interface RegexSpanResult {
  bytes: number;
  /** Matches starting in each part. */
  counts: Uint32Array;
  /** The last part's last match: start and end offsets from the part's start (-1: no match). */
  lastStart: number;
  lastEnd: number;
  /** The first part's matches starting in its first `headWindow` bytes, when it continues a previous part: start and end offsets from the part's start. */
  head: Uint32Array;
  headEnds: Uint32Array;
  firstParts: Uint32Array;
  firstOffsets: Uint32Array;
  firstLengths: Uint32Array;
  firstText: string[];
  positions?: { parts: Uint32Array; offsets: Uint32Array };
  /** The latin1 decoder this worker chose, and its measured speed. */
  decoder: string;
  decodeMs: number;
  matchMs: number;
}

export interface ContentWorker {
  contentBegin(cfg: ContentConfig): Promise<void>;
  /** Counts the strings, pairs and HTTP lines of a span; returns the bytes scanned. */
  contentScan(span: ContentSpan): Promise<number>;
  /** This worker's tables (sorted by hash); the content instance is let go. */
  contentFinish(): Promise<ContentPart>;
  /** Counts a pattern's matches in a span (JavaScript RegExp over the bytes as latin1). */
  regexScan(span: ContentSpan, req: RegexRequest): Promise<RegexSpanResult>;
}

export interface KernelPool {
  readonly size: number;
  readonly workers: (KernelWorker & HeapWorker & GraphWorker & ContentWorker)[];
  dispose(): void;
}
