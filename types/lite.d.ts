// types/lite.d.ts — the public contract of the `edgevec-c/lite` entry,
// written by hand (js/lite/ is type-checked against it).
//
// The same EdgeVec for apps that only create, insert, search, delete and
// compact an index in memory, on a smaller module (dist/edgevec-lite.wasm).
// What it has behaves exactly as in `edgevec-c` (types/index.d.ts documents
// each method): the same checks, error codes and results, and the same
// graph for the same data and seed. What it leaves out is not here: no
// metadata or filters, no EdgeVec.open / load / export (persistence), no
// compactInBackground or autoCompact, no threads, no worker mode. Options
// that ask for them are refused with INVALID_ARGUMENT at run time too.

/// <reference lib="esnext.disposable" />

import type {
  CreateOptions as FullCreateOptions, InsertBatchOptions as FullInsertBatchOptions,
  SearchOptions as FullSearchOptions, SearchResult as FullSearchResult,
  IdType, Id, IdArray, IdInput, IdsInput, VectorInput, VectorsInput, Metric, Quantization,
  InsertBatchResult, SoftDeleteBatchOptions, BatchDeleteResult,
} from './index.js';

export type {
  IdType, Id, IdArray, IdInput, IdsInput, VectorInput, VectorsInput, Metric, Quantization,
  InsertBatchResult, SoftDeleteBatchOptions, BatchDeleteResult, ProgressCallback,
  EdgeVecErrorCode, EdgeVecErrorDetails,
} from './index.js';
export { EdgeVecError } from './index.js';

/** The options of `edgevec-c`'s create, less automatic compaction and
 *  threads. `wasmBinary` is the bytes of `edgevec-lite.wasm`, and
 *  `locateFile` is asked for `'edgevec-lite.wasm'`. */
export type CreateOptions<T extends IdType = IdType> = Omit<FullCreateOptions<T>, 'autoCompact' | 'threads'>;

/** `ids`, `onProgress` and `signal`; no metadata. */
export type InsertBatchOptions = Omit<FullInsertBatchOptions, 'metadata'>;

/** `ef`; no filter. */
export type SearchOptions = Omit<FullSearchOptions, 'filter' | 'includeMetadata'>;

/** An id and its distance (never metadata). */
export type SearchResult<T extends IdType = 'bigint'> = Omit<FullSearchResult<T>, 'metadata'>;

export declare class EdgeVec<T extends IdType = 'bigint'> {
  private constructor();

  /** Creates an empty index (loading the lite wasm module on first use). */
  static create<T extends IdType = 'bigint'>(options: CreateOptions<T>): Promise<EdgeVec<T>>;

  /** Inserts many vectors. All-or-nothing: a bad batch (wrong length, NaN,
   *  duplicate id, ...) rejects naming the offending `index` and leaves the
   *  index unchanged. Runs in chunks that yield to the event loop. Batches
   *  run one after another in call order. */
  insertBatch(vectors: VectorsInput, options?: InsertBatchOptions): Promise<InsertBatchResult<T>>;

  /** Inserts one vector and returns its id (assigned when omitted). */
  insert(vector: VectorInput, id?: IdInput): Id<T>;

  /** The k (1..65535) nearest live vectors, nearest first; fewer when the
   *  index holds fewer. */
  search(query: VectorInput, k: number, options?: SearchOptions): SearchResult<T>[];

  /** search() for each of n queries, in query order: one flat Float32Array
   *  of n × dimensions floats, or an array of vectors. Errors name the
   *  first bad query (`index`). */
  searchBatch(queries: VectorsInput, k: number, options?: SearchOptions): SearchResult<T>[][];

  /** Soft-deletes one id: `true` if it was live, `false` if it was already
   *  deleted or never inserted. Its node keeps routing searches until
   *  `compact()` (nothing compacts by itself here). */
  softDelete(id: IdInput): boolean;

  /** Soft-deletes many ids. Every id is checked before any is deleted. */
  softDeleteBatch(ids: IdsInput, options?: SoftDeleteBatchOptions): BatchDeleteResult;

  /** Rebuilds the graph without deleted vectors, freeing their memory.
   *  Every live id keeps its id and vector. Synchronous: it holds the
   *  thread for the whole rebuild. */
  compact(): void;

  /** Numbers the stored vectors in the order of the graph: searches get
   *  faster, nothing a caller sees changes. Worth calling after a bulk
   *  insert. */
  optimize(): Promise<void>;

  /** A copy of the stored vector of a live id (unit length under cosine),
   *  or `undefined` for an unknown or deleted id. */
  get(id: IdInput): Float32Array | undefined;

  /** Whether the id is live (inserted and not deleted). */
  has(id: IdInput): boolean;

  /** Every live id, in ascending order (a copy). */
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
  readonly quantization: Quantization;
  /** Bytes the index holds in the wasm heap. */
  readonly memoryBytes: number;
  /** True once `dispose()` ran (never throws). */
  readonly disposed: boolean;

  /** Frees the index. Any later call throws `DISPOSED`; calling it again
   *  does nothing. */
  dispose(): void;
  [Symbol.dispose](): void;
}
