// js/wasm/api.js — the marshalling of the index exports (src/wasm/wasm_api.c):
// vectors and ids into wasm memory, results copied out, scratch freed in
// `finally`. Arguments arrive checked (js/validate.js) except what can only be
// checked while copying: a vector's components and each id of a list.
// A batch to insert is the exception to "into wasm memory": it is kept in JS
// memory and passes through wasm memory a window of rows at a time (Batch).
// Shared by both entries: nothing here reaches metadata or filters (their
// marshalling, ./metadata.js, builds on this file), so the lite entry
// (js/lite/) loads none of it.
//
// Nothing returned is a view over wasm memory (memory growth would detach
// it, and the caller could scribble on the index): results are copies.

import { statusError, describe, invalidArgument } from '../errors.js';
import {
  idWords, splitId, storeIdWords, writeIds, readId, readIdNumbers, readIdBigInts, readU64, checkAssignedIds,
} from '../ids.js';
import {
  EV_OK, EV_ERR_CAPACITY, EV_ERR_ID_EXISTS, EV_ERR_NOT_FOUND, EVW_ID_BYTES, EVW_NEXT_ID_LO,
  EVW_DELETE_DELETED, EVW_DELETE_ALREADY_DELETED, EVW_DELETE_INVALID_IDS, EVW_DELETE_TOTAL,
  EVW_LIVE_IDS_COUNT, EVW_COMPACT_REMAINING,
} from './abi.js';
import { alloc, outArray } from './memory.js';
import { readHits } from './hits.js';

/** @typedef {import('./module.js').EdgeVecCoreWasm} EdgeVecCoreWasm */
/** @typedef {import('./module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('../validate.js').ParsedIndexOptions} ParsedIndexOptions */
/** @typedef {Float32Array | ReadonlyArray<unknown>} Row */
/** @typedef {{ id: bigint | number, distance: number }} AnySearchResult */
/** @typedef {import('../../types/index.js').BatchDeleteResult} BatchDeleteResult */

/** Bytes of a float component and of a u32 word in wasm memory. */
const F32_BYTES = 4;
const U32_BYTES = 4;

// evw_validate_ids, evw_validate_batch and evw_insert_batch write their
// counts through separate pointers, not abi.h slots: these words of the out
// array hold them.
const OUT_INSERTED = 0;
const OUT_ROWS = 0; // evw_validate_ids: rows whose vectors must still pass
const OUT_ERR_INDEX = 1;

/**
 * Bytes of the wasm buffer a batch passes through (Batch), unless one row
 * needs more: enough rows that the calls per window cost little next to
 * the work on them, and small next to any index worth inserting in batches.
 */
export const WINDOW_BYTES = 1 << 20;

/**
 * Creates an index in the core; returns its handle (the caller owns it).
 * @param {EdgeVecCoreWasm} wasm
 * @param {ParsedIndexOptions} p
 * @returns {number}
 */
export function createIndex(wasm, p) {
  const out = outArray(wasm, 'EdgeVec.create');
  const st = wasm._evw_create(p.dims, Math.max(0, p.metric), p.m, p.efc, p.efs,
    p.hasSeed, p.seedLo, p.seedHi, p.quantization, p.keepFloats, p.rerank, out);
  if (st !== EV_OK) throw statusError(st, 'EdgeVec.create', {}, 'check the options');
  return wasm.HEAPU32[out >>> 2];
}

/**
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {number} selector  an EVW_OPTION_*
 * @returns {number}
 */
export function indexOption(wasm, handle, selector) {
  return wasm._evw_option(handle, selector) >>> 0;
}

/**
 * Copies one vector (already length-checked) into `heap` (wasm memory's
 * floats, or a Batch's own) at float offset `at`, refusing non-number
 * components.
 * @param {Float32Array} heap
 * @param {number} at
 * @param {Row} row
 * @param {string} what     for messages: "vectors[3]", "query"
 * @param {number} [index]  batch position, for the error
 */
function copyRow(heap, at, row, what, index) {
  if (row instanceof Float32Array) {
    heap.set(row, at);
    return;
  }
  const n = row.length;
  for (let j = 0; j < n; j++) {
    const v = row[j];
    if (typeof v !== 'number') {
      throw invalidArgument(`${what}[${j}] must be a number, got ${describe(v)}`, { index });
    }
    heap[at + j] = v;
  }
}

/**
 * A batch to insert, captured at the call: its vectors and ids in JS
 * memory, passed to the core one window of rows at a time through one
 * buffer in wasm memory, to be checked and then to be inserted.
 *
 * Why not the whole batch in wasm memory: wasm memory never shrinks, so a
 * copy of the batch there would stay as the page's memory for good after
 * the batch went in (on top of the core's own copy of every vector), while
 * JS memory is collected. The window holds WINDOW_BYTES of rows (at least
 * one row); it is allocated when the batch is checked (a batch waiting in
 * the queue holds no wasm memory) and freed by free(). insertBatch's chunks
 * are at most a window of rows (js/operations.js), so a chunk is a window.
 *
 * Window layout, for `window` rows: ids in (8 window) | ids out (8 window) |
 * vectors (4 window dims), then with metadata (./metadata.js's MetaBatch)
 * offsets (4 (window + 1)) | records. Checked and inserted here without
 * metadata; MetaBatch does both with it.
 */
export class Batch {
  /**
   * Copies vectors and ids now, while the caller's arrays hold what they
   * held at the call (the batch may wait in a queue).
   * @param {EdgeVecCoreWasm} wasm
   * @param {Float32Array | ReadonlyArray<Row>} vectors  shape-checked: n rows of dims
   * @param {number} n
   * @param {number} dims
   * @param {import('../../types/index.js').IdsInput | undefined} ids  length-checked
   * @param {boolean} numberMode
   */
  constructor(wasm, vectors, n, dims, ids, numberMode) {
    this.wasm = wasm;
    this.n = n;
    this.dims = dims;
    // The ids as u64 words (lo, hi), checked now; and those the core
    // returns, gathered window by window.
    /** @type {Uint32Array | null} */
    this.idsIn = null;
    if (ids) {
      this.idsIn = new Uint32Array(2 * n);
      writeIds(this.idsIn.buffer, 0, ids, numberMode, 'ids');
    }
    this.idsOut = new Uint32Array(2 * n);
    // A copy even of a Float32Array: the caller keeps it and may write to
    // it while the batch waits in the queue or between its chunks (they
    // yield). An array of rows must be made floats anyway, its components
    // checked on the way: that conversion is the copy, none is added.
    if (vectors instanceof Float32Array) {
      this.rows = vectors.slice();
    } else {
      this.rows = new Float32Array(n * dims);
      for (let i = 0; i < n; i++) copyRow(this.rows, i * dims, vectors[i], `vectors[${i}]`, i);
    }
    // Rows in the window (a row: ids in and out, vector), and its bytes.
    const rowBytes = 2 * EVW_ID_BYTES + F32_BYTES * dims;
    this.window = Math.max(1, Math.floor(WINDOW_BYTES / rowBytes));
    this.bytes = this.window * rowBytes;
    this.ptr = 0;
  }

  /**
   * Copies the vectors and ids of rows [start, start + count) (at most a
   * window) into the window.
   * @param {number} start
   * @param {number} count
   * @returns {number} the pointer of the vectors
   */
  stage(start, count) {
    // More would write past the window into whatever the heap holds next.
    if (count > this.window) throw new RangeError('insertBatch: rows past the window');
    const w = this.wasm;
    const d = this.dims;
    const vectors = this.ptr + 2 * EVW_ID_BYTES * this.window;
    w.HEAPF32.set(this.rows.subarray(start * d, (start + count) * d), vectors >>> 2);
    if (this.idsIn) w.HEAPU32.set(this.idsIn.subarray(2 * start, 2 * (start + count)), this.ptr >>> 2);
    return vectors;
  }

  /**
   * Allocates the window, then checks the whole batch's vectors and ids
   * against the index without changing it, as one evw_validate_batch of the
   * whole batch would: the ids all at once, then window by window, with
   * their ids, the rows that can still change the outcome (those up to a
   * refused id's row: a bad vector is reported before a bad id of the same
   * or a later row). A window's own check of its ids can refuse no earlier
   * row than the whole batch's check, and that row for the same reason, so
   * the first refusal is the one the whole batch's check makes.
   * @param {number} handle
   * @returns {{ status: number, index: number }}
   */
  validate(handle) {
    const w = this.wasm;
    this.ptr = alloc(w, this.bytes, 'insertBatch');
    const out = outArray(w, 'insertBatch');
    const errAt = out + U32_BYTES * OUT_ERR_INDEX;
    // In a buffer of their own, for the one call: a repeat anywhere in the
    // batch is found by sorting them all.
    const ids = this.idsIn ? alloc(w, EVW_ID_BYTES * this.n, 'insertBatch') : 0;
    let status;
    try {
      if (this.idsIn) w.HEAPU32.set(this.idsIn, ids >>> 2);
      status = w._evw_validate_ids(handle, this.n, this.dims, ids, out + U32_BYTES * OUT_ROWS, errAt);
    } finally {
      w._free(ids);
    }
    const index = w.HEAPU32[errAt >>> 2];
    const rows = w.HEAPU32[(out >>> 2) + OUT_ROWS];
    for (let s = 0; s < rows; s += this.window) {
      const c = Math.min(this.window, rows - s);
      const st = w._evw_validate_batch(handle, this.stage(s, c), c, this.dims, this.idsIn ? this.ptr : 0, errAt);
      if (st !== EV_OK) return { status: st, index: s + w.HEAPU32[errAt >>> 2] };
    }
    return { status, index };
  }

  /**
   * Makes room for the whole batch, so that a later chunk cannot run out of
   * memory half-way.
   * @param {number} handle
   * @returns {number} an ev_status
   */
  reserve(handle) {
    return this.wasm._evw_reserve(handle, this.n);
  }

  /**
   * Inserts vectors [start, start + count) (at most a window) and keeps the
   * ids the core gave them; on failure `index` is the offending vector's
   * position in the whole batch.
   * @param {number} handle
   * @param {number} start
   * @param {number} count
   * @returns {{ status: number, index: number }}
   */
  insert(handle, start, count) {
    const w = this.wasm;
    const out = outArray(w, 'insertBatch');
    const outIds = this.ptr + EVW_ID_BYTES * this.window;
    const status = w._evw_insert_batch(handle, this.stage(start, count), count, this.dims,
      this.idsIn ? this.ptr : 0, outIds, out + U32_BYTES * OUT_INSERTED, out + U32_BYTES * OUT_ERR_INDEX);
    if (status === EV_OK) this.idsOut.set(new Uint32Array(w.HEAPU8.buffer, outIds, 2 * count), 2 * start);
    return { status, index: start + w.HEAPU32[(out >>> 2) + OUT_ERR_INDEX] };
  }

  /**
   * The ids of the whole batch.
   * @param {boolean} numberMode
   * @returns {BigUint64Array | number[]}
   */
  ids(numberMode) {
    return numberMode ? readIdNumbers(this.idsOut, 0, this.n) : new BigUint64Array(this.idsOut.buffer);
  }

  free() {
    this.wasm._free(this.ptr);
  }
}

/**
 * Makes the core call of insertOne: inserts the vector at `vector` with the
 * id at `ids` (0: the next automatic id), writes the id to `outId`, and
 * returns an ev_status. `extra` points at the room asked for after the
 * vector.
 * @callback InsertCall
 * @param {number} vector
 * @param {number} ids
 * @param {number} outId
 * @param {number} extra
 * @returns {number}
 */

/**
 * Inserts one vector (a batch of one); returns its id. An explicit id is
 * checked here, before anything is allocated. The metadata insert
 * (./metadata.js) passes its own call, with room for its record.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {Row} row   length-checked
 * @param {number} dims
 * @param {unknown} id  undefined: the next id of the automatic sequence
 * @param {boolean} numberMode
 * @param {number} [extraBytes]  room after the vector for `call`
 * @param {InsertCall} [call]  default: evw_insert_batch
 * @returns {bigint | number}
 */
export function insertOne(wasm, handle, row, dims, id, numberMode, extraBytes = 0, call) {
  if (id !== undefined) splitId(id, numberMode, 'insert: id');
  // Layout: id in (8) | id out (8) | vector | extra.
  const vecAt = 2 * EVW_ID_BYTES;
  const extraAt = vecAt + F32_BYTES * dims;
  const scratch = alloc(wasm, extraAt + extraBytes, 'insert');
  try {
    storeIdWords(wasm.HEAPU32, scratch);
    copyRow(wasm.HEAPF32, (scratch + vecAt) >>> 2, row, 'insert: vector');
    const idsPtr = id === undefined ? 0 : scratch;
    let st;
    if (call) {
      st = call(scratch + vecAt, idsPtr, scratch + EVW_ID_BYTES, scratch + extraAt);
    } else {
      const out = outArray(wasm, 'insert');
      st = wasm._evw_insert_batch(handle, scratch + vecAt, 1, dims, idsPtr,
        scratch + EVW_ID_BYTES, out + U32_BYTES * OUT_INSERTED, out + U32_BYTES * OUT_ERR_INDEX);
    }
    if (st !== EV_OK) {
      const extra = st === EV_ERR_ID_EXISTS ? `id ${String(id)}` : undefined;
      throw statusError(st, 'insert', {}, extra);
    }
    return readId(wasm.HEAPU8, wasm.HEAPU32, scratch + EVW_ID_BYTES, numberMode);
  } finally {
    wasm._free(scratch);
  }
}

/**
 * The next id of the automatic sequence, or undefined when it has run out
 * (the insert itself then reports CAPACITY). Exact below 2^53.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {string} context
 * @returns {number | undefined}
 */
export function nextAutoId(wasm, handle, context) {
  const out = outArray(wasm, context);
  const st = wasm._evw_next_auto_id(handle, out);
  if (st === EV_ERR_CAPACITY) return undefined;
  if (st !== EV_OK) throw statusError(st, context);
  return readU64(wasm.HEAPU32, (out >>> 2) + EVW_NEXT_ID_LO);
}

/**
 * An index whose ids come back as numbers refuses an insert of n vectors
 * with assigned ids that could not be returned exactly, before anything is
 * inserted (bigint ids are always exact).
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {number} n
 * @param {boolean} numberMode
 * @param {string} context
 */
export function checkAutoIds(wasm, handle, n, numberMode, context) {
  if (!numberMode) return;
  const next = nextAutoId(wasm, handle, context);
  if (next !== undefined) checkAssignedIds(next, n, context);
}

/**
 * The k nearest live vectors, nearest first.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {Row} row  length-checked
 * @param {number} dims
 * @param {number} k
 * @param {number} ef  0: the index's efSearch
 * @param {boolean} numberMode
 * @returns {AnySearchResult[]}
 */
export function search(wasm, handle, row, dims, k, ef, numberMode) {
  // Layout: ids (8k) | distances (4k) | count (4) | query (4 dims).
  const distAt = EVW_ID_BYTES * k;
  const countAt = distAt + F32_BYTES * k;
  const queryAt = countAt + U32_BYTES;
  const scratch = alloc(wasm, queryAt + F32_BYTES * dims, 'search');
  try {
    copyRow(wasm.HEAPF32, (scratch + queryAt) >>> 2, row, 'search: query');
    const st = wasm._evw_search(handle, scratch + queryAt, dims, k, ef, scratch,
      scratch + distAt, scratch + countAt);
    if (st !== EV_OK) throw statusError(st, 'search');
    return readHits(wasm, scratch, scratch + distAt, wasm.HEAPU32[(scratch + countAt) >>> 2], numberMode);
  } finally {
    wasm._free(scratch);
  }
}

/**
 * Copies query i of a batch (a flat Float32Array of rows or an array of
 * rows, shape-checked) into wasm memory at float index `to`.
 * @param {EdgeVecCoreWasm} wasm
 * @param {Float32Array | ReadonlyArray<Row>} queries
 * @param {number} i
 * @param {number} dims
 * @param {number} to
 */
export function copyQuery(wasm, queries, i, dims, to) {
  const heap = wasm.HEAPF32;
  if (queries instanceof Float32Array) heap.set(queries.subarray(i * dims, (i + 1) * dims), to);
  else copyRow(heap, to, queries[i], `searchBatch: queries[${i}]`, i);
}

/**
 * The results of a batch the core answered in one call: query i's hits at
 * idsAt + 8 k i and distAt + 4 k i, their count the i-th word at countsAt.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} idsAt
 * @param {number} distAt
 * @param {number} countsAt
 * @param {number} n
 * @param {number} k
 * @param {boolean} numberMode
 * @returns {AnySearchResult[][]}
 */
export function readBatchHits(wasm, idsAt, distAt, countsAt, n, k, numberMode) {
  const counts = countsAt >>> 2;
  /** @type {AnySearchResult[][]} */
  const results = new Array(n);
  for (let i = 0; i < n; i++) {
    results[i] = readHits(wasm, idsAt + EVW_ID_BYTES * k * i, distAt + F32_BYTES * k * i,
      wasm.HEAPU32[counts + i] >>> 0, numberMode);
  }
  return results;
}

/**
 * The k nearest live vectors to each of n queries, as search() returns
 * them for each. With threads (the module of dist/mt/) one call of
 * evw_search_batch shares the queries among the threads; the default
 * module searches them one by one (it has no evw_search_batch), which
 * returns the same. The first bad query fails the call with its index.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {Float32Array | ReadonlyArray<Row>} queries  shape-checked: n rows of dims
 * @param {number} n
 * @param {number} dims
 * @param {number} k
 * @param {number} ef  0: the index's efSearch
 * @param {boolean} numberMode
 * @returns {AnySearchResult[][]}
 */
export function searchBatch(wasm, handle, queries, n, dims, k, ef, numberMode) {
  const batched = typeof wasm._evw_search_batch === 'function';
  const rows = batched ? n : 1; // rows of results and queries in wasm memory at once
  // Layout: ids (8 rows k) | distances (4 rows k) | counts (4 rows) |
  // error index (4) | queries (4 rows dims).
  const distAt = EVW_ID_BYTES * rows * k;
  const countsAt = distAt + F32_BYTES * rows * k;
  const errAt = countsAt + U32_BYTES * rows;
  const queryAt = errAt + U32_BYTES;
  const scratch = alloc(wasm, queryAt + F32_BYTES * rows * dims, 'searchBatch');
  const queryFloats = (scratch + queryAt) >>> 2;
  /**
   * @param {number} st
   * @param {number} index
   */
  const fail = (st, index) => statusError(st, 'searchBatch', { index }, `query ${index}`);
  try {
    if (batched) {
      for (let i = 0; i < n; i++) copyQuery(wasm, queries, i, dims, queryFloats + i * dims);
      const st = /** @type {NonNullable<EdgeVecWasm['_evw_search_batch']>} */ (wasm._evw_search_batch)(
        handle, scratch + queryAt, n, dims, k, ef, scratch, scratch + distAt, scratch + countsAt,
        scratch + errAt);
      if (st !== EV_OK) throw fail(st, wasm.HEAPU32[(scratch + errAt) >>> 2]);
      return readBatchHits(wasm, scratch, scratch + distAt, scratch + countsAt, n, k, numberMode);
    }
    /** @type {AnySearchResult[][]} */
    const results = new Array(n);
    for (let i = 0; i < n; i++) {
      copyQuery(wasm, queries, i, dims, queryFloats);
      const st = wasm._evw_search(handle, scratch + queryAt, dims, k, ef, scratch,
        scratch + distAt, scratch + countsAt);
      if (st !== EV_OK) throw fail(st, i);
      results[i] = readHits(wasm, scratch, scratch + distAt, wasm.HEAPU32[(scratch + countsAt) >>> 2], numberMode);
    }
    return results;
  } finally {
    wasm._free(scratch);
  }
}

/**
 * Soft-deletes one id; returns its ev_delete_outcome.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {unknown} id
 * @param {boolean} numberMode
 * @returns {number}
 */
export function softDelete(wasm, handle, id, numberMode) {
  splitId(id, numberMode, 'softDelete: id');
  const out = outArray(wasm, 'softDelete');
  const st = wasm._evw_soft_delete(handle, idWords.lo, idWords.hi, out);
  if (st !== EV_OK) throw statusError(st, 'softDelete');
  return wasm.HEAPU32[out >>> 2];
}

/**
 * Copies an id list (length-checked) into wasm memory, checking each id.
 * @param {EdgeVecCoreWasm} wasm
 * @param {import('../../types/index.js').IdsInput} ids
 * @param {number} n
 * @param {boolean} numberMode
 * @param {string} what  the call, for the error
 * @returns {number} a pointer the caller frees with wasm._free
 */
export function copyIds(wasm, ids, n, numberMode, what) {
  const ptr = alloc(wasm, EVW_ID_BYTES * n, what);
  try {
    writeIds(wasm.HEAPU8.buffer, ptr, ids, numberMode, 'ids');
  } catch (err) {
    wasm._free(ptr);
    throw err;
  }
  return ptr;
}

/**
 * Soft-deletes `count` ids of a list copyIds made, from position `start`,
 * adding the outcome counts to `result`.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {number} list
 * @param {number} start
 * @param {number} count
 * @param {BatchDeleteResult} result
 */
export function softDeleteIds(wasm, handle, list, start, count, result) {
  const out = outArray(wasm, 'softDeleteBatch');
  const st = wasm._evw_soft_delete_batch(handle, list + EVW_ID_BYTES * start, count, out);
  if (st !== EV_OK) throw statusError(st, 'softDeleteBatch');
  const u32 = wasm.HEAPU32;
  const o = out >>> 2;
  result.deleted += u32[o + EVW_DELETE_DELETED];
  result.alreadyDeleted += u32[o + EVW_DELETE_ALREADY_DELETED];
  result.invalidIds += u32[o + EVW_DELETE_INVALID_IDS];
  result.total += u32[o + EVW_DELETE_TOTAL];
}

/**
 * A copy of the stored vector of a live id, or undefined.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {unknown} id
 * @param {number} dims
 * @param {boolean} numberMode
 * @returns {Float32Array | undefined}
 */
export function getVector(wasm, handle, id, dims, numberMode) {
  splitId(id, numberMode, 'get: id');
  const scratch = alloc(wasm, F32_BYTES * dims, 'get');
  try {
    const st = wasm._evw_get(handle, idWords.lo, idWords.hi, scratch);
    if (st === EV_ERR_NOT_FOUND) return undefined;
    if (st !== EV_OK) throw statusError(st, 'get');
    const at = scratch >>> 2;
    return wasm.HEAPF32.slice(at, at + dims);
  } finally {
    wasm._free(scratch);
  }
}

/**
 * Every live id, in ascending order (a copy). One walk of the slots with
 * room for the live count: nothing can change the index during it.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {boolean} numberMode
 * @returns {BigUint64Array | number[]}
 */
export function liveIds(wasm, handle, numberMode) {
  const live = wasm._evw_live_count(handle) >>> 0;
  const list = alloc(wasm, EVW_ID_BYTES * Math.max(1, live), 'ids');
  try {
    const out = outArray(wasm, 'ids');
    const st = wasm._evw_live_ids(handle, 0, live, list, out);
    if (st !== EV_OK) throw statusError(st, 'ids');
    const count = wasm.HEAPU32[(out >>> 2) + EVW_LIVE_IDS_COUNT];
    if (numberMode) return readIdNumbers(wasm.HEAPU32, list, count).sort((a, b) => a - b);
    return readIdBigInts(wasm.HEAPU8.buffer, list, count).sort();
  } finally {
    wasm._free(list);
  }
}

/**
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {unknown} id
 * @param {boolean} numberMode
 * @returns {boolean} whether the id is live
 */
export function contains(wasm, handle, id, numberMode) {
  splitId(id, numberMode, 'has: id');
  return wasm._evw_contains(handle, idWords.lo, idWords.hi) !== 0;
}

/**
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 */
export function compact(wasm, handle) {
  const st = wasm._evw_compact(handle);
  if (st !== EV_OK) throw statusError(st, 'compact');
}

/**
 * Numbers the slots in graph order (edgevec.h: ev_reorder).
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 */
export function reorder(wasm, handle) {
  const st = wasm._evw_reorder(handle);
  if (st !== EV_OK) throw statusError(st, 'optimize');
}

/**
 * Whether the graph order is due by itself (edgevec.h: ev_order_due).
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @returns {boolean}
 */
export function orderDue(wasm, handle) {
  return wasm._evw_order_due(handle) !== 0;
}

// The incremental compaction (edgevec.h: ev_compact_begin ... abort); the
// slices and their timing are js/compaction.js.

/**
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 */
export function compactBegin(wasm, handle) {
  const st = wasm._evw_compact_begin(handle);
  if (st !== EV_OK) throw statusError(st, 'compactInBackground', {}, 'starting the compaction');
}

/**
 * Copies up to maxCopies more live slots into the new index.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {number} maxCopies  >= 1
 * @returns {number} old slots not yet examined (0: caught up)
 */
export function compactStep(wasm, handle, maxCopies) {
  const out = outArray(wasm, 'compactInBackground');
  const st = wasm._evw_compact_step(handle, maxCopies, out);
  if (st !== EV_OK) throw statusError(st, 'compactInBackground', {}, 'copying slots');
  return wasm.HEAPU32[(out >>> 2) + EVW_COMPACT_REMAINING];
}

/**
 * The new index takes the old one's place.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 */
export function compactFinish(wasm, handle) {
  const st = wasm._evw_compact_finish(handle);
  if (st !== EV_OK) throw statusError(st, 'compactInBackground', {}, 'finishing the compaction');
}

/**
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 */
export function compactAbort(wasm, handle) {
  wasm._evw_compact_abort(handle);
}
