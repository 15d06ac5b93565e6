// js/lite/edgevec.js — the EdgeVec class of the `edgevec-c/lite` entry: an
// index in memory that is created, inserted into, searched, deleted from
// and compacted, on the lite module (dist/edgevec-lite.wasm), for apps that
// ship nothing more. What it has, it has exactly as the full class
// (js/edgevec.js) has it: the same argument checks (../validate.js), the
// same marshalling (../wasm/api.js) and batch operations
// (../operations.js), so the same errors, codes and results, and with the
// same data and seed the same graph.
//
// What it leaves out it does not have, rather than ignore: no metadata and
// filters, persistence, export and load, background or automatic
// compaction, threads or worker mode. The graph order insertBatch applies
// by itself when it is due (autoOptimize) it has, as the full class. Those methods do not exist here, and
// the options and arguments that ask for them (`metadata`, `filter`,
// `autoCompact`, `threads`, `worker`, ...) are refused with
// INVALID_ARGUMENT naming the full entry. Deleted vectors stay until
// compact() is called.
//
// Rules kept, as in the full class: every argument is checked before it
// reaches wasm; after dispose() every method throws DISPOSED.

import { EdgeVecError, invalidArgument, disposedError, abortedError } from '../errors.js';
import { watch, unwatch, addDisposeSymbol } from '../lifetime.js';
import { SerialQueue } from '../schedule.js';
import {
  INDEX_OPTION_KEYS, createOptionsObject, parseIndexCore, parseAutoOptimize, parseInsertBatch, parseSearch,
  checkVector,
  batchLength, metricName, quantizationName,
} from '../validate.js';
import { EV_DELETED, EVW_OPTION_DIMENSIONS, EVW_OPTION_METRIC, EVW_OPTION_QUANTIZATION } from '../wasm/abi.js';
import * as api from '../wasm/api.js';
import { runInsertBatch, deleteBatch } from '../operations.js';
import { loadLiteWasm } from './loader.js';

/** @typedef {import('../wasm/module.js').EdgeVecCoreWasm} EdgeVecCoreWasm */
/** @typedef {import('../wasm/api.js').Row} Row */
/** @typedef {import('../../types/index.js').Metric} Metric */
/** @typedef {import('../../types/index.js').IdType} IdType */
/** @typedef {import('../../types/index.js').Quantization} Quantization */
/** @typedef {import('../../types/index.js').VectorInput} VectorInput */
/** @typedef {import('../../types/index.js').VectorsInput} VectorsInput */
/** @typedef {import('../../types/index.js').IdsInput} IdsInput */
/** @typedef {import('../../types/index.js').BatchDeleteResult} BatchDeleteResult */
/** @typedef {import('../../types/lite.js').CreateOptions} CreateOptions */
/** @typedef {import('../../types/lite.js').InsertBatchOptions} InsertBatchOptions */
/** @typedef {import('../../types/lite.js').SearchOptions} SearchOptions */
/** @typedef {import('../../types/index.js').SoftDeleteBatchOptions} SoftDeleteBatchOptions */
/** @typedef {bigint | number} AnyId */
/** @typedef {{ id: AnyId, distance: number }} AnySearchResult */
/** @typedef {{ inserted: number, ids: BigUint64Array | number[] }} AnyInsertResult */

// The option names of each call: the full entry's, less those that need
// what this entry leaves out (refused with a message naming the full entry).
const CREATE_KEYS = new Set([...INDEX_OPTION_KEYS, 'autoOptimize']);
const CREATE_LEFT_OUT = new Set(['autoCompact', 'threads', 'worker']);
const INSERT_BATCH_KEYS = new Set(['ids', 'onProgress', 'signal']);
const INSERT_BATCH_LEFT_OUT = new Set(['metadata']);
const SEARCH_KEYS = new Set(['ef']);
const SEARCH_LEFT_OUT = new Set(['filter', 'includeMetadata']);

/** Guards the constructor: instances come from EdgeVec.create. */
const INTERNAL = Symbol('EdgeVec.internal');

export class EdgeVec {
  /** @type {EdgeVecCoreWasm} */
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
  /** The `autoOptimize` option: insertBatch applies the graph order when it is due. */
  #autoOptimize = true;

  /**
   * Not for direct use: call `await EdgeVec.create(options)`.
   * @param {symbol} token
   * @param {EdgeVecCoreWasm} wasm
   * @param {number} handle
   * @param {IdType} idType
   */
  constructor(token, wasm, handle, idType) {
    if (token !== INTERNAL) {
      throw invalidArgument('use `await EdgeVec.create(options)` to make an EdgeVec');
    }
    this.#wasm = wasm;
    this.#handle = handle;
    this.#dims = api.indexOption(wasm, handle, EVW_OPTION_DIMENSIONS);
    this.#metric = metricName(api.indexOption(wasm, handle, EVW_OPTION_METRIC)) ?? 'l2';
    this.#idType = idType;
    this.#numberMode = idType === 'number';
    watch(this, { wasm, handle, storage: null }, this.#token);
  }

  /**
   * Creates an empty index.
   * @param {CreateOptions} options
   * @returns {Promise<EdgeVec>}
   */
  static async create(options) {
    const o = createOptionsObject(options, CREATE_KEYS, CREATE_LEFT_OUT);
    const parsed = parseIndexCore(o, true);
    const autoOptimize = parseAutoOptimize(o.autoOptimize);
    const wasm = await loadLiteWasm(parsed.location);
    const db = new EdgeVec(INTERNAL, wasm, api.createIndex(wasm, parsed), parsed.idType);
    db.#autoOptimize = autoOptimize;
    return db;
  }

  /**
   * Inserts a batch: validated as a whole first (a bad batch changes
   * nothing), then inserted in chunks that yield to the event loop; then
   * the graph order if the core says it is due (edgevec.h: ev_order_due).
   * @param {VectorsInput} vectors
   * @param {InsertBatchOptions} [options]
   * @returns {Promise<AnyInsertResult>}
   */
  async insertBatch(vectors, options) {
    this.#live();
    const { n, ids, onProgress, signal } = parseInsertBatch(vectors, options, this.#dims,
      INSERT_BATCH_KEYS, INSERT_BATCH_LEFT_OUT);
    if (signal?.aborted) throw abortedError(0, n, signal.reason);
    const batch = new api.Batch(this.#wasm, vectors, n, this.#dims, ids, this.#numberMode);
    return this.#batches.run(async () => {
      const result = await runInsertBatch({
        wasm: this.#wasm,
        handle: () => this.#handle,
        disposed: () => this.#disposed,
        numberMode: this.#numberMode,
      }, batch, ids, onProgress, signal);
      // In memory the order is one synchronous call; out of memory it
      // leaves the index as it was and the next batch tries again, so it
      // does not fail a batch whose vectors are in.
      if (this.#autoOptimize && !this.#disposed && api.orderDue(this.#wasm, this.#handle)) {
        try {
          api.reorder(this.#wasm, this.#handle);
        } catch (err) {
          if (!(err instanceof EdgeVecError)) throw err;
        }
      }
      return result;
    });
  }

  /**
   * Inserts one vector; returns its id.
   * @param {VectorInput} vector
   * @param {AnyId} [id]
   * @param {unknown} [metadata]  refused: metadata needs the full entry
   * @returns {AnyId}
   */
  insert(vector, id, metadata) {
    const handle = this.#live();
    const row = checkVector(vector, this.#dims, 'insert: vector');
    if (metadata !== undefined && metadata !== null) {
      throw invalidArgument("insert: metadata is not in edgevec-c/lite; import EdgeVec from 'edgevec-c' for it");
    }
    if (id === undefined) api.checkAutoIds(this.#wasm, handle, 1, this.#numberMode, 'insert');
    return api.insertOne(this.#wasm, handle, row, this.#dims, id, this.#numberMode);
  }

  /**
   * The k nearest live vectors, nearest first.
   * @param {VectorInput} query
   * @param {number} k
   * @param {SearchOptions} [options]
   * @returns {AnySearchResult[]}
   */
  search(query, k, options) {
    const handle = this.#live();
    const row = checkVector(query, this.#dims, 'search: query');
    const { ef } = parseSearch(k, options, 'search', SEARCH_KEYS, SEARCH_LEFT_OUT);
    return api.search(this.#wasm, handle, row, this.#dims, k, ef, this.#numberMode);
  }

  /**
   * The k nearest live vectors to each query, as search() returns them for
   * each, in query order (one flat Float32Array of n × dimensions floats or
   * an array of vectors).
   * @param {VectorsInput} queries
   * @param {number} k
   * @param {SearchOptions} [options]
   * @returns {AnySearchResult[][]}
   */
  searchBatch(queries, k, options) {
    const handle = this.#live();
    const n = batchLength(queries, this.#dims, 'searchBatch');
    const { ef } = parseSearch(k, options, 'searchBatch', SEARCH_KEYS, SEARCH_LEFT_OUT);
    return api.searchBatch(this.#wasm, handle, /** @type {Float32Array | ReadonlyArray<Row>} */ (queries),
      n, this.#dims, k, ef, this.#numberMode);
  }

  /**
   * Soft-deletes one id: true if it was live, false if already deleted or
   * unknown.
   * @param {AnyId} id
   * @returns {boolean}
   */
  softDelete(id) {
    return api.softDelete(this.#wasm, this.#live(), id, this.#numberMode) === EV_DELETED;
  }

  /**
   * Soft-deletes many ids. Every id is checked before any is deleted.
   * @param {IdsInput} ids
   * @param {SoftDeleteBatchOptions} [options]
   * @returns {BatchDeleteResult}
   */
  softDeleteBatch(ids, options) {
    return deleteBatch(this.#wasm, this.#live(), ids, options, this.#numberMode);
  }

  /** Rebuilds the graph without the deleted vectors, in one call; ids and vectors stay. */
  compact() {
    api.compact(this.#wasm, this.#live());
  }

  /**
   * Numbers the stored vectors in the order of the graph (src/reorder.c):
   * faster searches, nothing a caller sees changes.
   * @returns {Promise<void>}
   */
  optimize() {
    try {
      api.reorder(this.#wasm, this.#live());
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
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
   * Every live id, in ascending order (a copy).
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
    this.#disposed = true;
    unwatch(this.#token);
    this.#wasm._evw_free(this.#handle);
    this.#handle = 0;
  }

  /** @returns {number} the handle, after checking the index is alive */
  #live() {
    if (this.#disposed) throw disposedError();
    return this.#handle;
  }
}

addDisposeSymbol(EdgeVec);
