// types/index.d.ts — the public contract of the `edgevec-c` package,
// written by hand (the JS layer in js/ is type-checked against it).
//
// EdgeVec is an approximate-nearest-neighbour index (HNSW) that runs inside
// the page, in WebAssembly. Ids are 64-bit: `bigint` by default, or `number`
// with `{ idType: 'number' }` (then ids above 2^53 - 1 are refused).

/// <reference lib="esnext.disposable" />

import type { EdgeVecStorage } from './storage.js';
// The backends themselves (MemoryStorage, IndexedDbStorage) are values of
// the `edgevec-c/storage` entry (./storage-entry.d.ts), not of this one.
import type { WorkerEdgeVec, WorkerCreateOptions, WorkerOpenOptions, WorkerLoadOptions } from './worker.js';
export type {
  WorkerEdgeVec, WorkerOption, WorkerStorage, WorkerCreateOptions, WorkerOpenOptions, WorkerLoadOptions,
  WorkerInsertBatchOptions,
} from './worker.js';
export {
  type EdgeVecStorage, type StorageHandle, type StorageManifest, type StorageState, type LogRecord,
  type StorageOpenOptions, type IndexedDbStorageOptions, type LockManagerLike,
} from './storage.js';

/** Distance metrics. Smaller distance = nearer, for every metric:
 *  - `'l2'`: squared Euclidean distance (no square root);
 *  - `'cosine'`: 1 - cosine similarity, in [0, 2]; vectors are stored
 *    normalised to unit length, and all-zero vectors are refused;
 *  - `'dot'`: the negated inner product. */
export type Metric = 'l2' | 'cosine' | 'dot';

/** How vectors are stored and compared:
 *  - `'none'`: float32 components (4 bytes per dimension);
 *  - `'sq8'`: 8-bit scalar quantization (1 byte per dimension plus 8 per
 *    vector; each vector's range is its own largest |component|, no
 *    training step);
 *  - `'binary'`: 1 bit per dimension (the sign), compared by Hamming
 *    distance; meant for cosine/dot embeddings, with re-ranking.
 *  The graph is built and searched on the codes. */
export type Quantization = 'none' | 'sq8' | 'binary';

/** How ids come back: `bigint` (exact for all 64 bits) or `number`. */
export type IdType = 'bigint' | 'number';

/** An id as returned by an index of id type `T`. */
export type Id<T extends IdType> = T extends 'number' ? number : bigint;

/** A list of ids as returned by an index of id type `T`. */
export type IdArray<T extends IdType> = T extends 'number' ? number[] : BigUint64Array;

/** An id as accepted by every method: a bigint in 0..2^64-1, or a
 *  non-negative safe integer number. */
export type IdInput = bigint | number;

/** Ids as accepted by the batch methods. */
export type IdsInput = BigUint64Array | readonly IdInput[];

/** One vector: `dimensions` numbers. */
export type VectorInput = Float32Array | readonly number[];

/** Many vectors: one flat `Float32Array` of n × dimensions floats, an array
 *  of `Float32Array`, or an array of number arrays. */
export type VectorsInput = Float32Array | readonly VectorInput[];

/** Where the `.wasm` file comes from, for apps that host it themselves.
 *  By default the package's own `dist/edgevec.wasm` is used (bundlers emit
 *  it; Node reads it from disk). */
export interface WasmLocationOptions {
  /** The bytes of `edgevec.wasm`, already fetched. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Returns the URL of a file the module needs (`path` is
   *  `'edgevec.wasm'`). */
  locateFile?: (path: string, prefix: string) => string;
}

export interface CreateOptions<T extends IdType = IdType> extends WasmLocationOptions {
  /** Length of every vector, 1..4096. */
  dimensions: number;
  /** Default `'l2'`. */
  metric?: Metric;
  /** Links per node on the upper levels, 2..128 (level 0 keeps 2m).
   *  Default 16, as hnswlib. */
  m?: number;
  /** Candidate list size while inserting, 1..65535. Default 200. */
  efConstruction?: number;
  /** Default candidate list size of a search, 1..65535. Default 64. */
  efSearch?: number;
  /** Seed of the node-level RNG: the same seed and the same inserts build
   *  the same graph. */
  seed?: number | bigint;
  /** Default `'bigint'` (or `'number'` where BigUint64Array is missing). */
  idType?: T;
  /** Default `'none'`. */
  quantization?: Quantization;
  /** With quantization: keep the float32 vectors too (4 bytes per
   *  dimension more), so that `rerank` can re-score exactly and `get`
   *  returns the inserted vector (without: the decoded one). */
  keepFloats?: boolean;
  /** Re-score this many best candidates with the kept floats, 0..65535
   *  (0: off; needs keepFloats). */
  rerank?: number;
  /** Compact by itself, in the background (as `compactInBackground`),
   *  once deletes pass a threshold. `true` or omitted: at a tombstone ratio
   *  of 0.25 with at least 1000 deleted vectors, in slices of 8 ms;
   *  `false`: never (call `compact()` or `compactInBackground()`). */
  autoCompact?: boolean | AutoCompactOptions;
  /** Number the stored vectors in graph order by itself (as `optimize()`)
   *  at the end of an `insertBatch` after which the index holds at least
   *  10,000 vectors (live and deleted), a quarter of them inserted since
   *  it was last ordered (by this, `optimize()` or a background
   *  compaction; an index opened or loaded counts as ordered). Searches
   *  return the same results, faster; what changes is the order of the
   *  vectors in `export()`'s bytes, and a persisted database commits what
   *  is pending and stores a snapshot of the result (whatever `autoFlush`
   *  says), which read-only tabs that follow it load. Not while a
   *  background compaction runs (its finish orders the index). `true` or
   *  omitted: on; `false`: only `optimize()` and compactions order. */
  autoOptimize?: boolean;
  /** At most this many threads for insertBatch and searchBatch (1..64; by
   *  default all the build has: see `threads`). With more than one,
   *  insertBatch links the vectors in parallel: the same levels and a graph
   *  of the same quality, but which links each node gets depends on the
   *  threads' timing. `threads: 1` builds the graph the seed and the data
   *  decide, the same in every run. */
  threads?: number;
}

/** When an automatic compaction starts, and its slices. */
export interface AutoCompactOptions {
  /** Start once deletedCount / (size + deletedCount) reaches this, in
   *  (0, 1]. Default 0.25. */
  tombstoneRatio?: number;
  /** ... and deletedCount is at least this (>= 1). Default 1000. */
  minDeleted?: number;
  /** Time budget of each slice in ms, (0, 1000]. Default 8. */
  sliceMs?: number;
}

export interface CompactInBackgroundOptions {
  /** Time budget of each slice in ms, (0, 1000]. Default 8. A slice copies
   *  at least one vector, so it can pass a budget smaller than one copy. */
  sliceMs?: number;
  /** Stops the compaction between slices: the promise rejects with
   *  `ABORTED` and the index stays as it was. */
  signal?: AbortSignal;
  /** Called after each slice with (slots examined, slots of the index). */
  onProgress?: ProgressCallback;
}

/** What a background compaction did. */
export interface CompactionResult {
  /** Slices it ran. */
  slices: number;
  /** The time each slice took, in ms, in order. */
  sliceTimes: number[];
  /** The time of the synchronous step at the end, in ms: the swap, and on
   *  a persisted database the encoding of the snapshot after it (about
   *  the time of a checkpoint's encoding). 0 when superseded. */
  finishMs: number;
  /** True when a `compact()` call made meanwhile did the work instead. */
  superseded: boolean;
}

/** Options of EdgeVec.open: the create options (used when the database does
 *  not exist yet; `dimensions` and `metric`, when given, must match an
 *  existing one) plus where and how it is persisted. */
export interface OpenOptions<T extends IdType = IdType> extends Omit<CreateOptions<T>, 'dimensions'> {
  /** Needed to create the database; checked against an existing one. */
  dimensions?: number;
  /** Where the database lives. Default: IndexedDB (browsers). In Node pass
   *  a MemoryStorage or a NodeFileStorage. */
  storage?: EdgeVecStorage;
  /** When changes are committed without calling flush():
   *  `false` (default): only by flush(), checkpoint() and close();
   *  `true`: after each mutating call (calls made in the same turn of the
   *  event loop share one commit);
   *  a number: that many milliseconds after the last mutating call. */
  autoFlush?: boolean | number;
  /** Write a new snapshot by itself when, after a flush, the log holds
   *  more bytes than this fraction of the snapshot (and at least 64 KiB),
   *  or holds a compact() (replaying one rebuilds the whole graph, where
   *  loading a snapshot only decodes it).
   *  `true` (default) is 0.1: logged inserts replay fast, but the log takes
   *  more space per vector than the snapshot.
   *  `false`: only explicit checkpoint() calls. */
  autoCheckpoint?: boolean | number;
  /** Open without taking the writer lock; every mutating call, flush and
   *  checkpoint throws READ_ONLY (until becomeWriter()). The index stays
   *  the state it loaded unless `follow` or refresh() moves it on. */
  readOnly?: boolean;
  /** Receives every error of the persistence work the database does by
   *  itself: automatic flushes (`error.operation === 'autoCommit'`: the
   *  changes stay pending and the next flush retries them) and automatic
   *  checkpoints (`'autoCheckpoint'`: the commits are stored, the log just
   *  stays longer; the next automatic attempt waits 1 s, then 2, 4, … up
   *  to 60 s after each failure in a row, while checkpoint() always
   *  tries). Without a handler such an error is kept, and the next
   *  flush(), checkpoint() or close() rejects with it after doing its own
   *  work. */
  onFlushError?: (error: unknown) => void;
  /** Every stored log record was committed (each is stored atomically),
   *  so by default a damaged one (failed checksum, truncated, under the
   *  wrong sequence number, not bytes) fails the open with CORRUPT naming
   *  it, and nothing is changed. `true` opens without that record and
   *  every one after it, lists them in `db.openReport.droppedLogRecords`,
   *  and, when writable, makes the drop durable at once (a checkpoint
   *  that removes them). Default `false`. */
  dropDamagedLog?: boolean;
  /** Read-only opens: follow the writer. After each commit or checkpoint
   *  a writer stores, it tells the other tabs of the origin (a
   *  BroadcastChannel); this instance then reads what was stored after
   *  its last record and applies it, or loads the new snapshot when a
   *  checkpoint deleted records it needs. It also looks every
   *  `followIntervalMs` and when the page becomes visible. The object
   *  stays the same; a search sees one committed state or the next,
   *  never a mix. Default `false`: a read-only open stays the state it
   *  loaded unless refresh() is called. */
  follow?: boolean;
  /** With follow: how often to look with no announcement (a writer in
   *  another process, a lost message), in ms. Default 5000; 0: never. */
  followIntervalMs?: number;
  /** With follow: called after each change applied (also those of
   *  refresh()). */
  onChange?: (change: FollowChange) => void;
  /** With follow: receives the errors of the refreshes the instance makes
   *  by itself (a damaged record: CORRUPT naming it; the instance stays at
   *  the last commit before it), each once. refresh() rejects with them. */
  onFollowError?: (error: unknown) => void;
  /** Writable opens: if another tab, worker or handle writes the
   *  database, wait until it closes (or goes away) instead of failing with
   *  `LOCKED`. */
  waitForWriter?: boolean;
  /** With waitForWriter: ends the wait; the open rejects with `ABORTED`. */
  signal?: AbortSignal;
}

/** What a follower applied (`onChange`, and what refresh() resolves to). */
export interface FollowChange {
  /** The last log record the index now holds. */
  readonly seq: number;
  /** The snapshot generation last read. */
  readonly generation: number;
  /** Live vectors now. */
  readonly size: number;
  /** A new snapshot was loaded (a checkpoint deleted records this instance
   *  still needed), rather than new log records replayed. */
  readonly reloaded: boolean;
}

/** Options of becomeWriter(). */
export interface BecomeWriterOptions {
  /** Ends the wait for the writer: rejects with `ABORTED`, and the
   *  instance stays read-only. */
  signal?: AbortSignal;
}

/** Where EdgeVec.load reads a snapshot (what `db.export()` returns) from:
 *  its bytes; a `Response` (from `fetch`, or `new Response(file)` for a
 *  `Blob`/`File`), whose body is streamed; or a URL, fetched. */
export type LoadSource = Uint8Array | ArrayBuffer | Response | string | URL;

/** Options of EdgeVec.load. The index options (metric, m, quantization,
 *  …) are the snapshot's own. */
export interface LoadOptions<T extends IdType = IdType> extends WasmLocationOptions {
  /** Default `'bigint'` (or `'number'` where BigUint64Array is missing). */
  idType?: T;
  /** Stops the download (and a fetch this call makes): rejects with
   *  `ABORTED`; nothing is loaded or stored. Once the bytes are in, the
   *  load finishes. */
  signal?: AbortSignal;
  /** Called with (bytes received, bytes of the snapshot) while a body
   *  downloads, about every 1%, and at the end (for bytes, once). */
  onProgress?: (received: number, total: number) => void;
  /** Also store the snapshot as the first snapshot of a new persisted
   *  database of this name, which is then open for writing (as
   *  EdgeVec.open would open it). A database of that name that holds an
   *  index already is refused with `ALREADY_EXISTS`, unchanged. */
  persistAs?: string;
  /** With persistAs: as in OpenOptions. */
  storage?: EdgeVecStorage;
  /** With persistAs: as in OpenOptions. */
  autoFlush?: boolean | number;
  /** With persistAs: as in OpenOptions. */
  autoCheckpoint?: boolean | number;
  /** With persistAs: as in OpenOptions. */
  onFlushError?: (error: unknown) => void;
}

/** A log record an open with `dropDamagedLog: true` left out. */
export interface DroppedLogRecord {
  /** Its sequence number in the storage. */
  readonly seq: number;
  /** Its stored length in bytes (0 when the stored value is not bytes). */
  readonly bytes: number;
  /** Why: what failed its check, or that it follows a damaged record. */
  readonly reason: string;
  /** For the damaged record: the byte within it where the check failed. */
  readonly offset?: number;
}

/** What EdgeVec.open found and did. */
export interface OpenReport {
  /** Log records left out by `dropDamagedLog: true`, in sequence order
   *  (the first damaged one and every one after it); empty otherwise. */
  readonly droppedLogRecords: readonly DroppedLogRecord[];
}

/** The persistence work an error comes from (`error.operation`):
 *  `commit`, a flush's log record (flush(), close(), or the commit a
 *  checkpoint starts with) was not stored, the changes stay pending;
 *  `autoCommit`, the same for a commit the database made by itself
 *  (autoFlush, or before an automatic checkpoint);
 *  `checkpoint`, checkpoint()'s snapshot was not stored (the commits are);
 *  `autoCheckpoint`, an automatic checkpoint after a stored commit failed
 *  (the commits are stored). */
export type PersistOperation = 'commit' | 'autoCommit' | 'checkpoint' | 'autoCheckpoint';

/** Called with (done, total): at 0, about every 10%, and at total. */
export type ProgressCallback = (done: number, total: number) => void;

export interface InsertBatchOptions {
  /** One id per vector; omitted: ids are assigned in sequence (one more
   *  than the largest id the index ever held, from 0). */
  ids?: IdsInput;
  onProgress?: ProgressCallback;
  /** Stops the batch between chunks: the promise rejects with `ABORTED`,
   *  and the vectors inserted before it stay (`error.inserted` says how
   *  many: the first `inserted` vectors of the batch). */
  signal?: AbortSignal;
  /** One entry per vector (`null` / `undefined`: no metadata). Every
   *  record is checked before any vector is inserted (INVALID_METADATA
   *  with `index`, `field`, `reason`). */
  metadata?: ReadonlyArray<Metadata | null | undefined>;
}

/** A metadata value: a string (at most 1024 bytes of UTF-8), a finite
 *  number, a boolean, or an array of at most 64 strings. */
export type MetadataValue = string | number | boolean | string[];

/** A vector's metadata: at most 64 fields, names of 1 to 64 bytes of UTF-8,
 *  at most 4096 bytes encoded; at most 1024 distinct names per index. */
export type Metadata = { [field: string]: MetadataValue };

/** A filter operand. */
export type Scalar = string | number | boolean;

/** A condition on one field: a value (equality) or operators, ANDed.
 *  Comparisons are false when the field is missing or holds another type
 *  (`ne` included); on an array field `eq v` means "contains v". */
export type FieldCondition = Scalar | {
  eq?: Scalar;
  ne?: Scalar;
  lt?: number;
  lte?: number;
  gt?: number;
  gte?: number;
  /** Equal to one of the values (array field: shares one). */
  any?: readonly Scalar[];
  /** Array field: contains every value. */
  all?: readonly Scalar[];
  /** Present and not `any` of the values. */
  none?: readonly Scalar[];
  /** Present (any type) / absent. */
  exists?: boolean;
};

/** A filter: logical forms, or field conditions (several fields ANDed).
 *  `{}` and `{ and: [] }` match every vector, `{ or: [] }` none. */
export type Filter =
  | { and: readonly Filter[] }
  | { or: readonly Filter[] }
  | { not: Filter }
  | { [field: string]: FieldCondition };

export interface InsertBatchResult<T extends IdType = 'bigint'> {
  inserted: number;
  /** The id of each vector, in batch order. */
  ids: IdArray<T>;
}

export interface SearchOptions {
  /** Candidate list size for this search (raised to k when smaller);
   *  default: the index's efSearch. Larger = better recall, slower. */
  ef?: number;
  /** Only vectors whose metadata matches: the object form or the string
   *  syntax (`'category = "books" AND price < 50'`). */
  filter?: Filter | string;
  /** Return each result's metadata with it. */
  includeMetadata?: boolean;
}

export interface SearchResult<T extends IdType = 'bigint'> {
  id: Id<T>;
  distance: number;
  /** With `includeMetadata: true` (`{}` for a vector without any). */
  metadata?: Metadata;
}

export interface SoftDeleteBatchOptions {
  onProgress?: ProgressCallback;
}

export interface BatchDeleteResult {
  /** Ids that were live and are now deleted. */
  deleted: number;
  /** Ids deleted before (including an id repeated in the same batch). */
  alreadyDeleted: number;
  /** Ids the index does not know. */
  invalidIds: number;
  /** deleted + alreadyDeleted + invalidIds. */
  total: number;
}

/** Stable error codes (`error.code`). */
export type EdgeVecErrorCode =
  /** A batch with no vectors. */
  | 'EMPTY_BATCH'
  /** A vector or query whose length is not the index's dimensions. */
  | 'DIMENSION_MISMATCH'
  /** A NaN or infinite component, or an all-zero vector under cosine. */
  | 'INVALID_VECTOR'
  /** An id twice in one batch, or an id already live in the index. */
  | 'DUPLICATE_ID'
  /** A negative or fractional number, or a bigint outside 0..2^64-1. */
  | 'INVALID_ID'
  /** A number id above 2^53 - 1, or any id that large with idType 'number'. */
  | 'ID_NOT_SAFE_INTEGER'
  /** The wasm heap could not grow; nothing changed. */
  | 'OUT_OF_MEMORY'
  /** More vectors than the index can address. */
  | 'CAPACITY'
  /** A wrong argument type or an option out of range. */
  | 'INVALID_ARGUMENT'
  /** insertBatch, EdgeVec.load, or a wait for the writer (waitForWriter,
   *  becomeWriter) was stopped by its signal. */
  | 'ABORTED'
  /** The EdgeVec was disposed. */
  | 'DISPOSED'
  /** A mutating call, flush or checkpoint on a database opened readOnly. */
  | 'READ_ONLY'
  /** Something that was asked for does not exist. */
  | 'NOT_FOUND'
  /** The .wasm file could not be fetched or compiled. */
  | 'WASM_LOAD'
  /** Persisted data failed a check (`error.section` says where). */
  | 'CORRUPT'
  /** Persisted data written by a newer format version. */
  | 'UNSUPPORTED_VERSION'
  /** A storage failure; the in-memory index stays usable. */
  | 'STORAGE'
  /** The browser or the disk refused a write for lack of space. */
  | 'STORAGE_QUOTA'
  /** IndexedDB is blocked by another connection (usually another tab). */
  | 'STORAGE_BLOCKED'
  /** Another writer holds this database (open with `waitForWriter` to
   *  wait for it instead). */
  | 'LOCKED'
  /** EdgeVec.load could not download the snapshot: the fetch failed, the
   *  server answered an HTTP error (`error.httpStatus`), or the download
   *  broke off. A body that ended early is CORRUPT. */
  | 'FETCH'
  /** EdgeVec.load's persistAs names a database that holds an index. */
  | 'ALREADY_EXISTS'
  /** Worker mode: the worker could not be started, failed or exited. */
  | 'WORKER'
  /** A metadata record breaks a rule or a limit (`error.field`,
   *  `error.reason`, and `error.index` / `error.id` where known). */
  | 'INVALID_METADATA'
  /** A malformed filter (`error.path` and `error.field` in the object
   *  form, `error.position` in the string syntax). */
  | 'INVALID_FILTER'
  /** A status the JS layer does not know (a bug: please report it). */
  | 'INTERNAL';

export declare class EdgeVecError extends Error {
  readonly name: 'EdgeVecError';
  readonly code: EdgeVecErrorCode;
  /** Position of the offending vector or id in a batch, where there is one. */
  readonly index: number | undefined;
  /** For an insertBatch that stopped part-way (ABORTED, DISPOSED, or a
   *  conflicting change between chunks): how many of its vectors, from the
   *  start of the batch, were inserted and stay. */
  readonly inserted: number | undefined;
  /** The C core's status number, when the error came from it. */
  readonly status: number | undefined;
  /** For CORRUPT: the part of the persisted data that failed ('manifest',
   *  'snapshot', 'log' from the storage; a snapshot section name from the
   *  core). */
  readonly section: string | undefined;
  /** For CORRUPT from NodeFileStorage: the file. */
  readonly file: string | undefined;
  /** For CORRUPT: the snapshot generation, where one is named. */
  readonly generation: number | undefined;
  /** For CORRUPT from IndexedDbStorage: the snapshot chunk index. */
  readonly chunk: number | undefined;
  /** For CORRUPT: the log record's sequence number, where one is named. */
  readonly seq: number | undefined;
  /** For a CORRUPT log record: the byte within it where the check failed. */
  readonly offset: number | undefined;
  /** For an error of a flush, checkpoint or close: the work that failed. */
  readonly operation: PersistOperation | undefined;
  /** For FETCH: the HTTP status the server answered, when it answered. */
  readonly httpStatus: number | undefined;
  /** For INVALID_METADATA: the id of the vector, when known. */
  readonly id: bigint | number | undefined;
  /** For INVALID_METADATA and INVALID_FILTER: the field at fault. */
  readonly field: string | undefined;
  /** For INVALID_METADATA: the rule broken (`'TOO_MANY_FIELDS'`,
   *  `'STRING_LENGTH'`, `'NOT_FINITE'`, ...; README lists them). */
  readonly reason: string | undefined;
  /** For INVALID_FILTER in the object form: where, e.g. `and[1].price.lt`. */
  readonly path: string | undefined;
  /** For INVALID_FILTER in the string syntax: the character offset. */
  readonly position: number | undefined;
  constructor(code: EdgeVecErrorCode, message: string, details?: EdgeVecErrorDetails);
}

export interface EdgeVecErrorDetails {
  index?: number;
  inserted?: number;
  status?: number;
  section?: string;
  file?: string;
  generation?: number;
  chunk?: number;
  seq?: number;
  offset?: number;
  operation?: PersistOperation;
  httpStatus?: number;
  id?: bigint | number;
  field?: string;
  reason?: string;
  path?: string;
  position?: number;
  cause?: unknown;
}

export declare class EdgeVec<T extends IdType = 'bigint'> {
  private constructor();

  /** Creates an empty index in a dedicated worker (types/worker.d.ts):
   *  the same API, every method returning a Promise. */
  static create<T extends IdType = 'bigint'>(options: WorkerCreateOptions<T>): Promise<WorkerEdgeVec<T>>;
  /** Creates an empty index (loading the wasm module on first use). */
  static create<T extends IdType = 'bigint'>(options: CreateOptions<T> & { worker?: false }): Promise<EdgeVec<T>>;

  /** Opens a persisted database: loads its snapshot and replays its log, or
   *  creates it when it does not exist. One writer per name: a second
   *  writable open (another tab, say) fails with LOCKED while the first is
   *  open; readers may open with `readOnly: true`. Errors: CORRUPT (with
   *  `section`; for a damaged log record also its `seq` and `offset`, see
   *  `dropDamagedLog`), UNSUPPORTED_VERSION, LOCKED, NOT_FOUND (readOnly
   *  of a missing database), STORAGE, STORAGE_QUOTA, STORAGE_BLOCKED. A
   *  failed open changes nothing stored. */
  static open<T extends IdType = 'bigint'>(name: string, options?: OpenOptions<T> & { worker?: false }): Promise<EdgeVec<T>>;
  /** EdgeVec.open with the database in a dedicated worker, which also
   *  holds its storage (see WorkerStorage). */
  static open<T extends IdType = 'bigint'>(name: string, options: WorkerOpenOptions<T>): Promise<WorkerEdgeVec<T>>;

  /** Opens an index from a snapshot (`db.export()`'s bytes), from a
   *  `Response`, or from a URL it fetches. A body is streamed into the wasm
   *  heap (no whole-snapshot copy in JS) and every byte is checked before
   *  the index is handed out. Errors: CORRUPT (a failed check, or a body
   *  that ends before its Content-Length or the snapshot's own length),
   *  UNSUPPORTED_VERSION, FETCH (a failed fetch, an HTTP error status, a
   *  download that broke off), ABORTED; with persistAs also
   *  ALREADY_EXISTS and the storage errors of EdgeVec.open. Without
   *  persistAs the index is in memory only, as with create. */
  static load<T extends IdType = 'bigint'>(source: LoadSource, options?: LoadOptions<T> & { worker?: false }): Promise<EdgeVec<T>>;
  /** EdgeVec.load into a dedicated worker. A URL is fetched by the worker
   *  (a relative one is resolved against the page first); a `Response`
   *  cannot cross (pass its URL or its bytes). */
  static load<T extends IdType = 'bigint'>(source: LoadSource, options: WorkerLoadOptions<T>): Promise<WorkerEdgeVec<T>>;

  /** Names of the databases in a storage (default: IndexedDB). */
  static list(storage?: EdgeVecStorage): Promise<string[]>;

  /** Deletes a database; nothing if it does not exist; LOCKED while a
   *  writer has it open. */
  static remove(name: string, storage?: EdgeVecStorage): Promise<void>;

  /** Inserts many vectors. All-or-nothing: a bad batch (wrong length, NaN,
   *  duplicate id, ...) rejects naming the offending `index` and leaves the
   *  index unchanged. Runs in chunks that yield to the event loop. Batches
   *  run one after another in call order. Once the index has grown enough
   *  it ends by numbering the vectors in graph order, as optimize() does
   *  (see `autoOptimize`), before it resolves; a failure of that step does
   *  not reject the batch (a persisted database reports it as it reports
   *  automatic flushes, `onFlushError`). */
  insertBatch(vectors: VectorsInput, options?: InsertBatchOptions): Promise<InsertBatchResult<T>>;

  /** Inserts one vector and returns its id (assigned when omitted), with
   *  its metadata when given. */
  insert(vector: VectorInput, id?: IdInput, metadata?: Metadata | null): Id<T>;

  /** The k (1..65535) nearest live vectors, nearest first; fewer when the
   *  index holds fewer. With a filter, only vectors that match, and never
   *  fewer than min(k, matches). */
  search(query: VectorInput, k: number, options: SearchOptions & { includeMetadata: true }):
    Array<SearchResult<T> & { metadata: Metadata }>;
  search(query: VectorInput, k: number, options?: SearchOptions): SearchResult<T>[];

  /** search() for each of n queries, in query order: one flat Float32Array
   *  of n × dimensions floats, or an array of vectors. With threads
   *  (`threads` > 1) the queries are shared among them, with a filter too
   *  (the filter is planned once for the whole batch). Every query and the
   *  filter are checked before any runs; errors name the first bad query
   *  (`index`). */
  searchBatch(queries: VectorsInput, k: number, options: SearchOptions & { includeMetadata: true }):
    Array<Array<SearchResult<T> & { metadata: Metadata }>>;
  searchBatch(queries: VectorsInput, k: number, options?: SearchOptions): SearchResult<T>[][];

  /** Replaces a live vector's metadata whole (`null` or `{}` clears it).
   *  NOT_FOUND for an unknown or deleted id; INVALID_METADATA. */
  setMetadata(id: IdInput, metadata: Metadata | null): void;

  /** A live vector's metadata (`{}` when it has none), or `undefined` for
   *  an unknown or deleted id. */
  getMetadata(id: IdInput): Metadata | undefined;

  /** Live vectors matching the filter (all live vectors without one). */
  count(filter?: Filter | string): number;

  /** The object form of a filter string (INVALID_FILTER with `position`
   *  when it does not parse). */
  static parseFilter(filter: string): Filter;

  /** Soft-deletes one id: `true` if it was live, `false` if it was already
   *  deleted or never inserted. The vector is never returned again; its
   *  node keeps routing searches until `compact()`. */
  softDelete(id: IdInput): boolean;

  /** Soft-deletes many ids. Every id is checked before any is deleted. */
  softDeleteBatch(ids: IdsInput, options?: SoftDeleteBatchOptions): BatchDeleteResult;

  /** Rebuilds the graph without deleted vectors, freeing their memory.
   *  Every live id keeps its id and vector. Synchronous: it holds the
   *  thread for the whole rebuild (see compactInBackground). */
  compact(): void;

  /** The same rebuild in slices that each take about `sliceMs`, yielding
   *  to the event loop between them. Until the last slice every call
   *  (search, insert, delete) sees the index as it was; inserts and deletes
   *  made meanwhile are all kept, and every live id keeps its id and
   *  vector. Memory for a second index is needed while it runs. A
   *  persisted database then commits what is pending, swaps, and stores a
   *  snapshot of the result (whatever `autoCheckpoint` says); if storing it
   *  fails the promise rejects (`operation: 'checkpoint'`), the compacted
   *  index stays in use, and the next flush stores the snapshot first.
   *  One runs at a time: while one runs (started here or automatically)
   *  this returns its promise. `dispose()` and `close()` drop one in
   *  progress (it rejects with `DISPOSED`); `compact()` does its work (it
   *  resolves with `superseded: true`). Errors: READ_ONLY, ABORTED,
   *  OUT_OF_MEMORY (the index stays as it was), DISPOSED, the storage
   *  errors of a checkpoint. */
  compactInBackground(options?: CompactInBackgroundOptions): Promise<CompactionResult>;

  /** Whether a background compaction (explicit or automatic) is running. */
  readonly compacting: boolean;

  /** Numbers the stored vectors in the order of the graph, so that the
   *  neighbours a search visits one after another sit close together in
   *  memory: searches get faster, their results stay exactly the same, and
   *  so does everything else a caller sees (ids, vectors, metadata,
   *  counts). insertBatch does it by itself once the index has grown
   *  enough (`autoOptimize`); call it after other bulk inserts (insert()
   *  one at a time). It costs a small share of a build
   *  (bench/results/reorder.md). compactInBackground() does it at
   *  its finish, and compact() too in memory (a persisted compact() is
   *  logged and replayed as a rebuild alone: call this after it). Waits
   *  for a background compaction running. A persisted database commits
   *  what is pending, then stores a snapshot of the result, as a
   *  background compaction's finish does: if storing it fails the promise
   *  rejects (`operation: 'checkpoint'`), the reordered index stays in use
   *  and the next flush stores the snapshot first; read-only tabs that
   *  follow the database load that snapshot instead of replaying the log.
   *  Errors: READ_ONLY, OUT_OF_MEMORY (the index stays as it was),
   *  DISPOSED, the storage errors of a checkpoint. */
  optimize(): Promise<void>;

  /** A copy of the stored vector of a live id (unit length under cosine),
   *  or `undefined` for an unknown or deleted id. */
  get(id: IdInput): Float32Array | undefined;

  /** Whether the id is live (inserted and not deleted). */
  has(id: IdInput): boolean;

  /** Every live id, in ascending order (a copy; deleted ids are not in
   *  it). With `get`, a way to walk the whole index. */
  ids(): IdArray<T>;

  /** Live vectors. */
  readonly size: number;
  /** Deleted vectors not yet compacted away. */
  readonly deletedCount: number;
  /** deletedCount / (size + deletedCount); 0 when empty. */
  readonly tombstoneRatio: number;
  readonly dimensions: number;
  readonly metric: Metric;
  readonly idType: T;
  /** Threads insertBatch and searchBatch use: the machine's cores (at
   *  most 8) when the build with threads was loaded (always in Node; in
   *  browsers on cross-origin isolated pages), else 1. */
  readonly threads: number;
  readonly quantization: Quantization;
  /** Bytes the index holds in the wasm heap. */
  readonly memoryBytes: number;
  /** True once `dispose()` ran (never throws). */
  readonly disposed: boolean;

  /** Persisted databases: commits what changed since the last commit as
   *  one atomic log record, and resolves once it is stored. On a storage
   *  error (STORAGE_QUOTA, ...; `error.operation === 'commit'`) the
   *  changes stay pending and the in-memory index stays usable. An
   *  automatic checkpoint that follows and fails does not reject the
   *  flush (the commit is stored): see `onFlushError`. Rejects with a kept
   *  background error (no `onFlushError`) after committing. */
  flush(): Promise<void>;

  /** Persisted databases: flushes, then writes a new snapshot, which drops
   *  the log it contains. Always tries, whatever the back-off of automatic
   *  checkpoints. */
  checkpoint(): Promise<void>;

  /** Flushes pending changes (persisted databases), releases the database
   *  and frees the index. The writer lock is released and the index freed
   *  even when the flush fails; close() then rejects with that error (the
   *  changes it could not store are lost). */
  close(): Promise<void>;

  /** The whole index as snapshot bytes (the format documented in
   *  src/snapshot.c, checksummed), for EdgeVec.load. Waits for the
   *  insertBatch calls made before it. A writable persisted database first
   *  commits what is pending, as flush() does (and rejects as flush()
   *  would); its storage is otherwise untouched. */
  export(): Promise<Uint8Array>;

  /** What EdgeVec.open found and did (persisted databases; `undefined`
   *  for EdgeVec.create). */
  readonly openReport: OpenReport | undefined;

  /** Read-only persisted databases: reads what the writer stored since
   *  this instance last looked and applies it now. Rejects with CORRUPT
   *  for a damaged record (what came before it is applied). */
  refresh(): Promise<FollowChange>;

  /** Read-only persisted databases: waits for the writer to go (a queued
   *  Web Lock; without Web Locks, retries with back-off while the writer's
   *  lease lasts), catches up with its last commit, then is the writer of
   *  the same data, as a writable open would be (flush, autoFlush, …). */
  becomeWriter(options?: BecomeWriterOptions): Promise<void>;

  /** Frees the index. Any later call throws `DISPOSED`; calling it again
   *  does nothing. For a persisted database, changes not yet flushed are
   *  dropped (use close() to keep them) and the writer lock is released. */
  dispose(): void;
  [Symbol.dispose](): void;
}
