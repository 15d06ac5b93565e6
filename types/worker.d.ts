// types/worker.d.ts — worker mode: the EdgeVec API with the index and its
// storage in a dedicated Worker (worker_threads in Node), what
// `EdgeVec.create({ …, worker: true })`, `EdgeVec.open(name, { worker: true })`
// and `EdgeVec.load(source, { worker: true })` return. Referenced from
// index.d.ts; written by hand like it.

import type {
  IdType, Id, IdArray, IdInput, IdsInput, VectorInput, VectorsInput, CreateOptions, OpenOptions,
  LoadOptions, LoadSource, InsertBatchOptions, InsertBatchResult, SearchOptions, SearchResult,
  SoftDeleteBatchOptions, BatchDeleteResult, Metric, Quantization, OpenReport,
  CompactInBackgroundOptions, CompactionResult, FollowChange, BecomeWriterOptions, Metadata, Filter,
} from './index.js';
import type { IndexedDbStorageOptions, NodeFileStorageOptions } from './storage.js';

/** The `worker` option: `true`, or where the worker script is when an app
 *  hosts it itself (by default bundlers emit `js/worker/worker.js` and find
 *  it through `new URL(…, import.meta.url)`, as they do the `.wasm`; the
 *  package also exports it as `edgevec-c/worker.js`). */
export type WorkerOption = true | { url?: string | URL };

/** Where the worker keeps a persisted database. A storage object cannot
 *  cross to the worker, so worker mode names one for the worker to make:
 *  IndexedDB (the default in browsers; IndexedDB and Web Locks work in
 *  workers), memory (gone when the worker ends), or, in Node, files. */
export type WorkerStorage =
  | 'indexeddb'
  | 'memory'
  | { type: 'indexeddb'; options?: Pick<IndexedDbStorageOptions, 'durability'> }
  | { type: 'memory' }
  | { type: 'node-file'; root: string; options?: NodeFileStorageOptions };

export interface WorkerCreateOptions<T extends IdType = IdType> extends CreateOptions<T> {
  worker: WorkerOption;
}

export interface WorkerOpenOptions<T extends IdType = IdType> extends Omit<OpenOptions<T>, 'storage'> {
  worker: WorkerOption;
  storage?: WorkerStorage;
}

export interface WorkerLoadOptions<T extends IdType = IdType> extends Omit<LoadOptions<T>, 'storage'> {
  worker: WorkerOption;
  storage?: WorkerStorage;
  /** Bytes given as the source are moved to the worker instead of copied:
   *  the caller's ArrayBuffer is detached afterwards. Default false. */
  transfer?: boolean;
}

export interface WorkerInsertBatchOptions extends InsertBatchOptions {
  /** Move the vectors' buffers to the worker instead of copying them: the
   *  ArrayBuffer behind each Float32Array given is detached afterwards
   *  (length 0 on the calling side). A single Float32Array that is a view
   *  into part of a larger buffer is copied (its own bytes only) and its
   *  buffer left alone. Default false: one copy. */
  transfer?: boolean;
}

/** The EdgeVec API in a worker. Every method returns a Promise and the calls
 *  run in the worker in call order; while an insertBatch runs, the calls made
 *  meanwhile run between its chunks, as on the main thread. Errors are the
 *  same EdgeVecErrors (code, message, index, inserted, …); a worker that
 *  fails to start or dies rejects every call with `WORKER`. Callbacks:
 *  onProgress and onFlushError are called on the calling side, a signal
 *  aborts in the worker. The counts (`size`, `deletedCount`,
 *  `tombstoneRatio`, `memoryBytes`) are those of the worker's latest
 *  answer: read them after awaiting a call. */
export interface WorkerEdgeVec<T extends IdType = 'bigint'> {
  insertBatch(vectors: VectorsInput, options?: WorkerInsertBatchOptions): Promise<InsertBatchResult<T>>;
  insert(vector: VectorInput, id?: IdInput, metadata?: Metadata | null): Promise<Id<T>>;
  search(query: VectorInput, k: number, options?: SearchOptions): Promise<SearchResult<T>[]>;
  searchBatch(queries: VectorsInput, k: number, options?: SearchOptions): Promise<SearchResult<T>[][]>;
  softDelete(id: IdInput): Promise<boolean>;
  softDeleteBatch(ids: IdsInput, options?: SoftDeleteBatchOptions): Promise<BatchDeleteResult>;
  /** Runs in the worker, in slices (as compactInBackground): the calling
   *  thread stays free, and calls made meanwhile are answered between the
   *  slices. Settles when the compaction is done. */
  compact(): Promise<void>;
  compactInBackground(options?: CompactInBackgroundOptions): Promise<CompactionResult>;
  optimize(): Promise<void>;
  get(id: IdInput): Promise<Float32Array | undefined>;
  has(id: IdInput): Promise<boolean>;
  ids(): Promise<IdArray<T>>;
  flush(): Promise<void>;
  checkpoint(): Promise<void>;
  export(): Promise<Uint8Array>;
  setMetadata(id: IdInput, metadata: Metadata | null): Promise<void>;
  getMetadata(id: IdInput): Promise<Metadata | undefined>;
  count(filter?: Filter | string): Promise<number>;
  /** Read-only databases (see EdgeVec.refresh): onChange is not forwarded;
   *  the counts follow the worker's answers. */
  refresh(): Promise<FollowChange>;
  becomeWriter(options?: BecomeWriterOptions): Promise<void>;

  /** As of the worker's latest answer. */
  readonly size: number;
  /** As of the worker's latest answer. */
  readonly deletedCount: number;
  /** As of the worker's latest answer. */
  readonly tombstoneRatio: number;
  /** Bytes the index holds in the worker's wasm heap, as of its latest answer. */
  readonly memoryBytes: number;
  readonly dimensions: number;
  readonly metric: Metric;
  readonly idType: T;
  readonly quantization: Quantization;
  readonly openReport: OpenReport | undefined;
  /** True once dispose() or close() was called or the worker failed (never throws). */
  readonly disposed: boolean;
  /** Always true: tells a WorkerEdgeVec from an EdgeVec. */
  readonly inWorker: true;

  /** Frees the index (unflushed changes are dropped, the writer lock is
   *  released) and ends the worker. Calls still waiting and every later
   *  call reject with DISPOSED. */
  dispose(): Promise<void>;
  /** Flushes, releases the database, frees the index and ends the worker;
   *  rejects with the flush's error after doing all of that. */
  close(): Promise<void>;
  /** Starts dispose() (`using db = …`); the worker ends shortly after. */
  [Symbol.dispose](): void;
}

export type { LoadSource };
