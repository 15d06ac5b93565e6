// js/edgevec.js — the EdgeVec class: the API a web page uses. Each method
// checks its arguments (./validate.js), then hands the work to the module
// that owns it: wasm marshalling (./wasm/api.js), the batch operations
// (./operations.js, shared with the lite entry's class, js/lite/edgevec.js),
// chunked scheduling (./schedule.js), persistence (./persistence/), lifetime
// (./lifetime.js).
//
// Rules this file keeps (each one is a bug class it rules out):
//  - Every argument is checked before it reaches wasm (INVALID_ARGUMENT,
//    never a trap inside wasm, never a silent coercion).
//  - After dispose() every method throws DISPOSED; a read-only database
//    refuses every mutation with READ_ONLY.
//  - Every successful mutation is reported to the persistence (#mutated),
//    which decides when it is flushed.

import {
  EdgeVecError, invalidArgument, disposedError, readOnlyError, abortedError,
} from './errors.js';
import { watch, unwatch, addDisposeSymbol } from './lifetime.js';
import { loadWasm } from './loader.js';
import { moduleThreads } from './wasm/threads.js';
import { SerialQueue } from './schedule.js';
import {
  parseCreateOptions, parseOpenOptions, parseInsertBatch, parseSearch,
  checkVector, checkNameArgument, batchLength, metricName, quantizationName, parseCompactOptions, parseAutoCompact,
} from './validate.js';
import { Compactor, compactionDisposed } from './compaction.js';
import {
  EV_DELETED, EVW_OPTION_DIMENSIONS, EVW_OPTION_METRIC, EVW_OPTION_QUANTIZATION,
} from './wasm/abi.js';
import * as api from './wasm/api.js';
import { runInsertBatch, deleteBatch } from './operations.js';
import { splitWorkerOption, startInWorker } from './worker/option.js';
import * as meta from './wasm/metadata.js';
import { encodeRecord, encodeBatch } from './metadata/encode.js';
import { compileFilter, parseFilter } from './filter/index.js';

/** @typedef {import('./wasm/module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('./wasm/api.js').Row} Row */
/** @typedef {import('./persistence/lifecycle.js').Persistence} Persistence */
/** @typedef {import('./persistence/follow.js').Follower} Follower */
/** @typedef {import('../types/index.js').FollowChange} FollowChange */

/**
 * The persistence code (lifecycle, storage backends, the formats'
 * marshalling, following other tabs), loaded on the first open/list/remove:
 * an app that only creates and searches in memory never downloads it
 * (bundlers emit a dynamic import as a chunk of its own).
 * @returns {Promise<typeof import('./persistence/index.js')>}
 */
function loadPersistence() {
  return import('./persistence/index.js');
}
/**
 * Export and load of snapshot bytes (js/transfer/), loaded on the first
 * export() or EdgeVec.load(), for the same reason.
 * @returns {Promise<typeof import('./transfer/snapshot.js')>}
 */
function loadTransfer() {
  return import('./transfer/snapshot.js');
}
/**
 * The fetch of a URL that EdgeVec.load was given, started before the
 * transfer code is loaded (a dynamic import of its own in a page's first
 * load, which the download would otherwise wait for). The same call
 * loadFrom would make; it takes the response over, or cancels it when the
 * options are refused. Undefined for any other source, and for a signal
 * loadFrom refuses or finds aborted.
 * @param {unknown} source
 * @param {unknown} options
 * @returns {Promise<Response> | undefined}
 */
function earlyFetch(source, options) {
  if (typeof fetch !== 'function') return undefined;
  if (typeof source !== 'string' && !(typeof URL === 'function' && source instanceof URL)) return undefined;
  const signal = options !== null && typeof options === 'object'
    ? /** @type {{ signal?: unknown }} */ (options).signal : undefined;
  if (signal !== undefined && !(typeof AbortSignal === 'function' && signal instanceof AbortSignal && !signal.aborted)) {
    return undefined;
  }
  const started = fetch(String(source), signal ? { signal } : undefined);
  started.catch(() => undefined); // reported by loadFrom, which awaits it
  return started;
}
/** @typedef {import('../types/index.js').Metric} Metric */
/** @typedef {import('../types/index.js').IdType} IdType */
/** @typedef {import('../types/index.js').Quantization} Quantization */
/** @typedef {import('../types/index.js').CreateOptions} CreateOptions */
/** @typedef {import('../types/index.js').OpenOptions} OpenOptions */
/** @typedef {import('../types/index.js').OpenReport} OpenReport */
/** @typedef {import('../types/index.js').InsertBatchOptions} InsertBatchOptions */
/** @typedef {import('../types/index.js').SoftDeleteBatchOptions} SoftDeleteBatchOptions */
/** @typedef {import('../types/index.js').SearchOptions} SearchOptions */
/** @typedef {import('../types/index.js').BatchDeleteResult} BatchDeleteResult */
/** @typedef {import('../types/index.js').VectorInput} VectorInput */
/** @typedef {import('../types/index.js').VectorsInput} VectorsInput */
/** @typedef {import('../types/index.js').LoadSource} LoadSource */
/** @typedef {import('../types/index.js').LoadOptions} LoadOptions */
/** @typedef {import('../types/index.js').IdsInput} IdsInput */
/** @typedef {import('../types/index.js').CompactInBackgroundOptions} CompactInBackgroundOptions */
/** @typedef {import('../types/index.js').CompactionResult} CompactionResult */
/** @typedef {import('../types/index.js').Metadata} Metadata */
/** @typedef {import('../types/index.js').Filter} Filter */
/** @typedef {import('./storage/interface.js').EdgeVecStorage} EdgeVecStorage */
/** @typedef {bigint | number} AnyId */
/** @typedef {{ id: AnyId, distance: number, metadata?: Metadata }} AnySearchResult */
/** @typedef {{ inserted: number, ids: BigUint64Array | number[] }} AnyInsertResult */

/** Guards the constructor: instances come from EdgeVec.create and EdgeVec.open. */
const INTERNAL = Symbol('EdgeVec.internal');

/**
 * Gives an index of the module with threads its thread count (the core
 * starts every index at 1).
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {number} limit  the `threads` option; 0: all the module has
 */
function useThreads(wasm, handle, limit) {
  const threads = limit ? Math.min(limit, moduleThreads(wasm)) : moduleThreads(wasm);
  if (wasm._evw_set_threads) wasm._evw_set_threads(handle, threads);
}

export class EdgeVec {
  /** @type {EdgeVecWasm} */
  #wasm;
  /** @type {number} */
  #handle;
  /** @type {number} */
  #dims;
  /** @type {Metric} */
  #metric;
  /** @type {IdType} */
  #idType;
  /** @type {boolean} */
  #numberMode;
  /** @type {boolean} */
  #disposed = false;
  /** @type {object} */
  #token = {};
  /** Runs insertBatch calls one after another. */
  #batches = new SerialQueue();
  /** @type {Persistence | null} */
  #persist;
  /** Background and automatic compaction (./compaction.js). */
  #compactor;
  /** @type {Follower | null} read-only persisted databases: what refresh() and becomeWriter() use */
  #follower = null;
  /** The `threads` option: at most this many threads; 0: all the module has. */
  #threadLimit = 0;
  /** The `autoOptimize` option: insertBatch applies the graph order when it is due. */
  #autoOptimize = true;

  /**
   * Not for direct use: call `await EdgeVec.create(options)`.
   * @param {symbol} token
   * @param {EdgeVecWasm} wasm
   * @param {number} handle
   * @param {IdType} idType
   * @param {Persistence | null} persistence
   * @param {import('./compaction.js').AutoCompactPolicy | null} [autoCompact]  default: the default policy
   */
  constructor(token, wasm, handle, idType, persistence, autoCompact = parseAutoCompact(undefined)) {
    if (token !== INTERNAL) {
      throw invalidArgument('use `await EdgeVec.create(options)` to make an EdgeVec');
    }
    this.#wasm = wasm;
    this.#handle = handle;
    useThreads(wasm, handle, 0);
    this.#dims = api.indexOption(wasm, handle, EVW_OPTION_DIMENSIONS);
    this.#metric = metricName(api.indexOption(wasm, handle, EVW_OPTION_METRIC)) ?? 'l2';
    this.#idType = idType;
    this.#numberMode = idType === 'number';
    this.#persist = persistence;
    this.#compactor = new Compactor(wasm, () => this.#live(), persistence, autoCompact);
    watch(this, { wasm, handle, storage: persistence ? persistence.storage : null }, this.#token);
  }

  /**
   * Creates an empty index.
   * @param {CreateOptions} options
   * @returns {Promise<EdgeVec>}
   */
  static async create(options) {
    const { worker, rest } = splitWorkerOption(options, 'EdgeVec.create');
    if (worker) return /** @type {any} */ (await startInWorker('create', [rest], worker));
    const parsed = parseCreateOptions(rest);
    const wasm = await loadWasm(parsed.location);
    const handle = api.createIndex(wasm, parsed);
    const db = new EdgeVec(INTERNAL, wasm, handle, parsed.idType, null, parsed.autoCompact);
    db.#limitThreads(parsed.threads);
    db.#autoOptimize = parsed.autoOptimize;
    return db;
  }

  /**
   * Opens a persisted database, creating it (from `dimensions` and the other
   * create options) when it does not exist yet.
   * @param {string} name
   * @param {OpenOptions} [options]
   * @returns {Promise<EdgeVec>}
   */
  static async open(name, options) {
    checkNameArgument(name, 'EdgeVec.open');
    const { worker, rest } = splitWorkerOption(options, 'EdgeVec.open');
    if (worker) return /** @type {any} */ (await startInWorker('open', [name, rest], worker));
    const { chooseStorage, openPersisted, Follower, parseTabOptions } = await loadPersistence();
    const parsed = parseOpenOptions(rest, (storage) => chooseStorage(storage, 'EdgeVec.open'));
    const tabs = parseTabOptions(rest);
    const wasm = await loadWasm(parsed.index.location);
    const opened = await openPersisted(wasm, name, parsed,
      tabs.signal ? { waitForWriter: tabs.waitForWriter, signal: tabs.signal } : { waitForWriter: tabs.waitForWriter });
    const db = new EdgeVec(INTERNAL, wasm, opened.index, parsed.index.idType, opened.persistence,
      parsed.index.autoCompact);
    db.#limitThreads(parsed.index.threads);
    db.#autoOptimize = parsed.index.autoOptimize;
    if (parsed.readOnly) {
      const follower = new Follower({
        wasm, name, handle: opened.persistence.storage, options: parsed, tabs, position: opened.position,
        slot: { get: () => db.#live(), replace: (index) => db.#replaceIndex(index) },
      });
      db.#follower = follower;
      if (tabs.follow) follower.start();
    }
    return db;
  }

  /**
   * Read-only persisted databases: reads what the writer stored since this
   * instance last looked and applies it now (a follower does this by itself
   * on the writer's announcements and on its timer).
   * @returns {Promise<FollowChange>}
   */
  refresh() {
    try {
      return this.#readOnlyFollower('refresh').refresh();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Read-only persisted databases: waits for the writer to go, catches up
   * with its last commit and becomes the writer of the same data (this
   * object stays the one the app holds).
   * @param {import('../types/index.js').BecomeWriterOptions} [options]
   * @returns {Promise<void>}
   */
  async becomeWriter(options) {
    const follower = this.#readOnlyFollower('becomeWriter');
    this.#persist = await follower.becomeWriter(options, /** @type {Persistence} */ (this.#persist).openReport);
    this.#follower = null;
    this.#rewatch();
  }

  /**
   * @param {string} what
   * @returns {Follower}
   */
  #readOnlyFollower(what) {
    this.#live();
    if (!this.#follower) {
      throw invalidArgument(`${what}: only a database opened with EdgeVec.open(name, { readOnly: true }) has a writer to follow`);
    }
    return this.#follower;
  }

  /**
   * A follower's reload: the new index replaces the old one, which is freed.
   * @param {number} index
   */
  #replaceIndex(index) {
    const old = this.#live();
    this.#handle = index;
    useThreads(this.#wasm, index, this.#threadLimit);
    this.#rewatch();
    this.#wasm._evw_free(old);
  }

  /** The finalizer again, for the current index and storage handle. */
  #rewatch() {
    unwatch(this.#token);
    this.#token = {};
    const p = this.#persist;
    watch(this, { wasm: this.#wasm, handle: this.#handle, storage: p ? p.storage : null }, this.#token);
  }

  /**
   * Opens an index from snapshot bytes (what export() returns), a Response
   * or a URL; with `persistAs`, as the first snapshot of a new persisted
   * database, open for writing.
   * @param {LoadSource} source
   * @param {LoadOptions} [options]
   * @returns {Promise<EdgeVec>}
   */
  static async load(source, options) {
    const { worker, rest } = splitWorkerOption(options, 'EdgeVec.load');
    if (worker) return /** @type {any} */ (await startInWorker('load', [source, rest], worker));
    const early = earlyFetch(source, rest);
    const { loadFrom } = await loadTransfer();
    const loaded = await loadFrom(source, rest, early);
    return new EdgeVec(INTERNAL, loaded.wasm, loaded.index, loaded.idType, loaded.persistence);
  }

  /**
   * Names of the databases a storage holds (IndexedDB by default).
   * @param {EdgeVecStorage} [storage]
   * @returns {Promise<string[]>}
   */
  static async list(storage) {
    const { chooseStorage } = await loadPersistence();
    return chooseStorage(storage, 'EdgeVec.list').list();
  }

  /**
   * Deletes a database (nothing if it does not exist; LOCKED while a writer
   * has it open).
   * @param {string} name
   * @param {EdgeVecStorage} [storage]
   * @returns {Promise<void>}
   */
  static async remove(name, storage) {
    checkNameArgument(name, 'EdgeVec.remove');
    const { chooseStorage } = await loadPersistence();
    return chooseStorage(storage, 'EdgeVec.remove').remove(name);
  }

  /**
   * Commits what changed since the last commit as one log record (nothing
   * when nothing changed). On a storage error the changes stay pending and
   * the next flush retries them; the in-memory index is unaffected.
   * @returns {Promise<void>}
   */
  flush() {
    try {
      return this.#writablePersist('flush').flush();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Flushes, then writes a new snapshot of the whole index, which drops the
   * log it contains (a smaller, faster-loading database).
   * @returns {Promise<void>}
   */
  checkpoint() {
    try {
      return this.#writablePersist('checkpoint').checkpoint();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Flushes what is pending, releases the database and frees the index.
   * The release and the free happen even when the flush fails (the close
   * then rejects with its error).
   * @returns {Promise<void>}
   */
  async close() {
    if (this.#disposed) return;
    this.#compactor.stop(compactionDisposed());
    this.#follower?.stop();
    const p = this.#persist;
    if (p) await p.close(() => this.dispose());
    else this.dispose();
  }

  /**
   * What EdgeVec.open found and did (persisted databases; undefined for
   * EdgeVec.create): the log records dropDamagedLog left out.
   * @returns {OpenReport | undefined}
   */
  get openReport() {
    return this.#persist ? this.#persist.openReport : undefined;
  }

  /**
   * The whole index as snapshot bytes, for EdgeVec.load. Runs after the
   * insertBatch calls made before it; a writable persisted database first
   * commits what is pending, as flush() does.
   * @returns {Promise<Uint8Array>}
   */
  export() {
    try {
      this.#live();
      const p = this.#persist;
      const flush = p && !p.readOnly ? () => p.flush() : null;
      return this.#batches.run(async () => {
        const { exportSnapshot } = await loadTransfer();
        return exportSnapshot(this.#wasm, () => this.#live(), flush);
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Inserts a batch: validated as a whole first (a bad batch changes
   * nothing), then inserted in chunks that yield to the event loop; then,
   * once per call, the graph order if it is due (#optimizeIfDue).
   * @param {VectorsInput} vectors
   * @param {InsertBatchOptions} [options]
   * @returns {Promise<AnyInsertResult>}
   */
  async insertBatch(vectors, options) {
    this.#mutable();
    const { n, ids, onProgress, signal, metadata } = parseInsertBatch(vectors, options, this.#dims);
    if (signal?.aborted) throw abortedError(0, n, signal.reason);
    // Every record is checked and encoded before anything is copied or queued.
    const encoded = metadata ? encodeBatch(metadata, 'insertBatch',
      (i) => (ids ? /** @type {AnyId} */ (ids[i]) : undefined)) : null;
    const batch = new meta.MetaBatch(this.#wasm, vectors, n, this.#dims, ids, this.#numberMode, encoded);
    return this.#batches.run(async () => {
      const result = await runInsertBatch({
        wasm: this.#wasm,
        handle: () => this.#handle,
        disposed: () => this.#disposed,
        numberMode: this.#numberMode,
        metadataError: (index, inserted) => this.#batchMetadataError(batch, ids, index, inserted),
        inserted: () => this.#mutated(),
      }, batch, ids, onProgress, signal);
      await this.#optimizeIfDue();
      return result;
    });
  }

  /**
   * The INVALID_METADATA error of a record the core refused, with its
   * position and id.
   * @param {meta.MetaBatch} batch
   * @param {IdsInput | undefined} ids
   * @param {number} index
   * @param {number} [inserted]  vectors of earlier chunks, which stay
   */
  #batchMetadataError(batch, ids, index, inserted) {
    const err = meta.coreMetadataError(this.#wasm, 'insertBatch', {
      index, id: ids ? /** @type {AnyId} */ (ids[index]) : undefined, record: batch.record(index),
    });
    if (inserted) {
      err.inserted = inserted;
      err.message += `; ${inserted} vectors were inserted before it and stay`;
    }
    return err;
  }

  /**
   * Inserts one vector, with its metadata when given; returns its id.
   * @param {VectorInput} vector
   * @param {AnyId} [id]
   * @param {Metadata | null} [metadata]  null or undefined: none
   * @returns {AnyId}
   */
  insert(vector, id, metadata) {
    const handle = this.#mutable();
    const row = checkVector(vector, this.#dims, 'insert: vector');
    const record = metadata === undefined || metadata === null ? undefined
      : encodeRecord(metadata, { call: 'insert', id });
    if (id === undefined) api.checkAutoIds(this.#wasm, handle, 1, this.#numberMode, 'insert');
    const newId = record
      ? meta.insertOneMeta(this.#wasm, handle, row, this.#dims, id, this.#numberMode, record)
      : api.insertOne(this.#wasm, handle, row, this.#dims, id, this.#numberMode);
    this.#mutated();
    return newId;
  }

  /**
   * @overload
   * @param {VectorInput} query
   * @param {number} k
   * @param {SearchOptions & { includeMetadata: true }} options
   * @returns {Array<AnySearchResult & { metadata: Metadata }>}
   */
  /**
   * @overload
   * @param {VectorInput} query
   * @param {number} k
   * @param {SearchOptions} [options]
   * @returns {AnySearchResult[]}
   */
  /**
   * The k nearest live vectors, nearest first; with a filter, the k nearest
   * of those that match (min(k, matches) of them).
   * @param {VectorInput} query
   * @param {number} k
   * @param {SearchOptions} [options]
   * @returns {AnySearchResult[]}
   */
  search(query, k, options) {
    const handle = this.#live();
    const row = checkVector(query, this.#dims, 'search: query');
    const { ef, filter, includeMetadata } = parseSearch(k, options);
    const w = this.#wasm;
    const results = filter === undefined
      ? api.search(w, handle, row, this.#dims, k, ef, this.#numberMode)
      : meta.searchFiltered(w, handle, row, this.#dims, k, ef, compileFilter(filter), false, this.#numberMode);
    if (includeMetadata) meta.attachMetadata(w, handle, results, this.#numberMode);
    return results;
  }

  /**
   * @overload
   * @param {VectorsInput} queries
   * @param {number} k
   * @param {SearchOptions & { includeMetadata: true }} options
   * @returns {Array<Array<AnySearchResult & { metadata: Metadata }>>}
   */
  /**
   * @overload
   * @param {VectorsInput} queries
   * @param {number} k
   * @param {SearchOptions} [options]
   * @returns {AnySearchResult[][]}
   */
  /**
   * The k nearest live vectors to each query, as search() returns them for
   * each, in query order. Queries are one flat Float32Array of n × dimensions
   * floats or an array of vectors. With threads (`threads` > 1) they are
   * shared among the threads, with a filter too (planned once for the batch).
   * @param {VectorsInput} queries
   * @param {number} k
   * @param {SearchOptions} [options]
   * @returns {AnySearchResult[][]}
   */
  searchBatch(queries, k, options) {
    const handle = this.#live();
    const n = batchLength(queries, this.#dims, 'searchBatch');
    const { ef, filter, includeMetadata } = parseSearch(k, options, 'searchBatch');
    const w = this.#wasm;
    /** @type {AnySearchResult[][]} */
    let results;
    if (filter === undefined) {
      results = api.searchBatch(w, handle, /** @type {Float32Array | ReadonlyArray<Row>} */ (queries),
        n, this.#dims, k, ef, this.#numberMode);
    } else {
      results = meta.searchFilteredBatch(w, handle, /** @type {Float32Array | ReadonlyArray<Row>} */ (queries),
        n, this.#dims, k, ef, compileFilter(filter), this.#numberMode);
    }
    if (includeMetadata) for (const r of results) meta.attachMetadata(w, handle, r, this.#numberMode);
    return results;
  }

  /**
   * Threads insertBatch and searchBatch use: more than 1 when the module
   * with threads was loaded (Node; cross-origin isolated pages), else 1.
   * @returns {number}
   */
  get threads() {
    this.#live();
    const threads = moduleThreads(this.#wasm);
    return this.#threadLimit ? Math.min(threads, this.#threadLimit) : threads;
  }

  /**
   * Applies the `threads` option of create/open.
   * @param {number} limit  0: all the module has
   */
  #limitThreads(limit) {
    this.#threadLimit = limit;
    useThreads(this.#wasm, this.#live(), limit);
  }

  /**
   * Replaces a live vector's metadata whole; null (or {}) clears it.
   * @param {AnyId} id
   * @param {Metadata | null} metadata
   */
  setMetadata(id, metadata) {
    const handle = this.#mutable();
    const record = metadata === null ? new Uint8Array(0) : encodeRecord(metadata, { call: 'setMetadata', id });
    meta.setMetadata(this.#wasm, handle, id, record, this.#numberMode);
    this.#mutated();
  }

  /**
   * A live vector's metadata ({} when it has none), or undefined for an
   * unknown or deleted id.
   * @param {AnyId} id
   * @returns {Metadata | undefined}
   */
  getMetadata(id) {
    return meta.getMetadata(this.#wasm, this.#live(), id, this.#numberMode);
  }

  /**
   * Live vectors matching a filter; all live vectors without one.
   * @param {Filter | string} [filter]
   * @returns {number}
   */
  count(filter) {
    const handle = this.#live();
    if (filter === undefined) return this.#wasm._evw_live_count(handle) >>> 0;
    return meta.filterCount(this.#wasm, handle, compileFilter(filter));
  }

  /**
   * The object form of a filter string.
   * @param {string} filter
   * @returns {Filter}
   */
  static parseFilter(filter) {
    return parseFilter(filter);
  }

  /**
   * Soft-deletes one id: true if it was live, false if already deleted or
   * unknown.
   * @param {AnyId} id
   * @returns {boolean}
   */
  softDelete(id) {
    const handle = this.#mutable();
    const deleted = api.softDelete(this.#wasm, handle, id, this.#numberMode) === EV_DELETED;
    if (deleted) this.#deleted();
    return deleted;
  }

  /**
   * Soft-deletes many ids. Every id is checked before any is deleted.
   * @param {IdsInput} ids
   * @param {SoftDeleteBatchOptions} [options]
   * @returns {BatchDeleteResult}
   */
  softDeleteBatch(ids, options) {
    const result = deleteBatch(this.#wasm, this.#mutable(), ids, options, this.#numberMode);
    if (result.deleted > 0) this.#deleted();
    return result;
  }

  /**
   * Rebuilds the graph without the deleted vectors; ids and vectors stay.
   * A background compaction running resolves: this one did its work.
   */
  compact() {
    api.compact(this.#wasm, this.#mutable());
    this.#compactor.supersede();
    if (this.#persist) this.#persist.compacted();
    this.#mutated();
  }

  /**
   * The same rebuild in slices of about sliceMs, yielding to the event loop
   * between them; every call made meanwhile sees the index as it was until
   * the last slice swaps the new one in. One at a time: while one runs
   * (started here or automatically) this returns its promise.
   * @param {CompactInBackgroundOptions} [options]
   * @returns {Promise<CompactionResult>}
   */
  compactInBackground(options) {
    try {
      this.#mutable();
      const run = parseCompactOptions(options);
      if (run.signal?.aborted) {
        throw new EdgeVecError('ABORTED', 'compactInBackground: the signal was aborted before it began',
          { cause: run.signal.reason });
      }
      return this.#compactor.start(run);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Whether a background compaction is running. */
  get compacting() { this.#live(); return this.#compactor.running; }

  /**
   * Numbers the stored vectors in the order of the graph (src/reorder.c),
   * so that a search finds the neighbours it visits close together in
   * memory. Nothing a caller sees changes. insertBatch does it by itself
   * when the index has grown enough (#optimizeIfDue). Waits for a background
   * compaction running (its finish orders the index too); a persisted
   * database commits what is pending first and stores a snapshot of the
   * result, as a compaction's finish does.
   * @returns {Promise<void>}
   */
  optimize() {
    try {
      this.#mutable();
      return this.#optimize();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #optimize() {
    while (this.#compactor.running) await this.#compactor.settled();
    await this.#reorder();
  }

  /**
   * The graph order now, the one way for optimize() and the automatic one:
   * synchronous in memory; a persisted database commits what is pending
   * first, then orders and encodes the snapshot in one synchronous run and
   * stores it (Persistence#optimize). A compaction begun meanwhile orders
   * the index at its finish.
   * @returns {Promise<void>}
   */
  async #reorder() {
    const w = this.#wasm;
    const reorder = () => {
      if (!this.#compactor.running) api.reorder(w, this.#mutable());
    };
    if (this.#persist) await this.#persist.optimize(reorder);
    else reorder();
  }

  /**
   * After each insertBatch: the graph order, when the core's rule says the
   * index has grown enough since it was last ordered (edgevec.h:
   * ev_order_due; src/reorder.c says why then), so that an app that
   * bulk-loads and searches gets it without calling optimize(). Not while a
   * background compaction runs (its finish orders the index). A failure
   * does not fail the batch, whose vectors are in: a persisted database
   * reports it as it reports its other background work (a snapshot that
   * failed to store is stored by the next flush first, as after a failed
   * optimize()); in memory the index stays as it was (out of memory) and
   * the next batch tries again.
   * @returns {Promise<void>}
   */
  async #optimizeIfDue() {
    if (!this.#autoOptimize || this.#disposed || this.#compactor.running) return;
    if (!api.orderDue(this.#wasm, this.#handle)) return;
    try {
      await this.#reorder();
    } catch (err) {
      if (err instanceof EdgeVecError && err.code === 'DISPOSED') return;
      if (this.#persist) this.#persist.backgroundError(err);
    }
  }

  /**
   * A copy of the stored vector of a live id (unit length under cosine), or
   * undefined for an unknown or deleted id.
   * @param {AnyId} id
   * @returns {Float32Array | undefined}
   */
  get(id) {
    return api.getVector(this.#wasm, this.#live(), id, this.#dims, this.#numberMode);
  }

  /**
   * Whether the id is live (inserted and not deleted).
   * @param {AnyId} id
   * @returns {boolean}
   */
  has(id) {
    return api.contains(this.#wasm, this.#live(), id, this.#numberMode);
  }

  /**
   * Every live id, in ascending order (a copy): with get(), a way to walk
   * the whole index (edgevec-c/transfer exports with it).
   * @returns {BigUint64Array | number[]}
   */
  ids() {
    return api.liveIds(this.#wasm, this.#live(), this.#numberMode);
  }

  /** Live vectors. */
  get size() { return this.#wasm._evw_live_count(this.#live()) >>> 0; }

  /** Soft-deleted vectors not yet compacted away. */
  get deletedCount() { return this.#wasm._evw_deleted_count(this.#live()) >>> 0; }

  /** deleted / (live + deleted); 0 when empty. */
  get tombstoneRatio() { return this.#wasm._evw_tombstone_ratio(this.#live()); }

  /** @returns {number} */
  get dimensions() { this.#live(); return this.#dims; }

  /** @returns {Metric} */
  get metric() { this.#live(); return this.#metric; }

  /** @returns {IdType} */
  get idType() { this.#live(); return this.#idType; }

  /** @returns {Quantization} */
  get quantization() {
    return quantizationName(api.indexOption(this.#wasm, this.#live(), EVW_OPTION_QUANTIZATION)) ?? 'none';
  }

  /** Bytes the index holds in the wasm heap. */
  get memoryBytes() { return this.#wasm._evw_memory_bytes(this.#live()); }

  /** True once dispose() ran. Never throws. */
  get disposed() { return this.#disposed; }

  /**
   * Frees the index's wasm memory. Later calls throw DISPOSED; a batch in
   * flight stops before its next chunk. Calling dispose again does nothing.
   */
  dispose() {
    if (this.#disposed) return;
    this.#compactor.stop(compactionDisposed());
    this.#disposed = true;
    this.#follower?.stop();
    unwatch(this.#token);
    this.#wasm._evw_free(this.#handle);
    this.#handle = 0;
    if (this.#persist) this.#persist.release();
  }

  /**
   * @param {string} what
   * @returns {Persistence}
   */
  #writablePersist(what) {
    this.#live();
    const p = this.#persist;
    if (!p) {
      throw invalidArgument(`${what}: this EdgeVec is in memory only; use EdgeVec.open for a persisted one`);
    }
    if (p.readOnly) throw readOnlyError();
    return p;
  }

  /** After deletes: a mutation, and maybe the time for an automatic compaction. */
  #deleted() {
    this.#mutated();
    const w = this.#wasm;
    const deleted = w._evw_deleted_count(this.#handle) >>> 0;
    this.#compactor.afterDeletes(deleted, deleted + (w._evw_live_count(this.#handle) >>> 0));
  }

  /** Called after every mutation: the persistence schedules its flush. */
  #mutated() {
    if (!this.#disposed && this.#persist) this.#persist.mutated();
  }

  /** @returns {number} the handle, after checking it may be changed */
  #mutable() {
    const handle = this.#live();
    if (this.#persist?.readOnly) throw readOnlyError();
    return handle;
  }

  /** @returns {number} the handle, after checking the index is alive */
  #live() {
    if (this.#disposed) throw disposedError();
    return this.#handle;
  }
}

addDisposeSymbol(EdgeVec);
