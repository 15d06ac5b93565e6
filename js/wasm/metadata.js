// js/wasm/metadata.js — the marshalling of the metadata and filter exports
// (src/wasm/wasm_meta.c): records and filter programs into wasm memory,
// results and records copied out, scratch freed in `finally`. Records and
// filters arrive checked and encoded (js/metadata/, js/filter/); the core
// checks them again, and a refusal of something the JS layer accepted is
// reported with the core's words (a bug to report, not a user error).

import { EdgeVecError, statusError, metadataError, filterError } from '../errors.js';
import { idWords, splitId } from '../ids.js';
import {
  EV_OK, EV_ERR_NOT_FOUND, EV_ERR_INVALID_METADATA, EV_ERR_INVALID_FILTER, EVW_ID_BYTES,
  EVW_META_ERR_RECORD, EVW_META_ERR_FIELD, EVW_META_ERR_REASON, EVW_META_LEN,
  EVW_FILTER_ERR_NODE, EVW_SEARCH_COUNT, EVW_SEARCH_ERR_INDEX, EVW_FILTER_MATCHES, EVW_INSERT_ERR_INDEX,
} from './abi.js';
import { alloc, outArray, copyIn } from './memory.js';
import { readHits } from './hits.js';
import { Batch, insertOne, copyQuery, readBatchHits, WINDOW_BYTES } from './api.js';
import { EV_META_MAX_RECORD_BYTES, EV_META_NO_FIELD, reasonName } from '../metadata/limits.js';
import { decodeRecord } from '../metadata/decode.js';

/** @typedef {import('./module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('./api.js').Row} ApiRow */
/** @typedef {import('../../types/index.js').Metadata} Metadata */
/** @typedef {Float32Array | ReadonlyArray<unknown>} Row */
/** @typedef {{ id: bigint | number, distance: number, metadata?: Metadata }} AnySearchResult */

const F32_BYTES = 4;
const U32_BYTES = 4;

/**
 * The INVALID_METADATA error of a core refusal, naming the record's field
 * (the core gives its ordinal in canonical order) and the reason.
 * @param {EdgeVecWasm} wasm
 * @param {string} call
 * @param {{ index?: number, id?: bigint | number, record?: Uint8Array }} where
 *   the record's batch position and id when known, and its bytes
 * @returns {import('../errors.js').EdgeVecError}
 */
export function coreMetadataError(wasm, call, where) {
  const o = outArray(wasm, call) >>> 2;
  const u32 = wasm.HEAPU32;
  const ordinal = u32[o + EVW_META_ERR_FIELD] >>> 0;
  const reason = reasonName(u32[o + EVW_META_ERR_REASON] >>> 0);
  /** @type {string | undefined} */
  let field;
  if (ordinal !== EV_META_NO_FIELD && where.record) {
    try {
      field = Object.keys(decodeRecord(where.record))[ordinal];
    } catch {
      field = undefined; // a record the decoder refuses: the reason says why
    }
  }
  const parts = [];
  if (where.index !== undefined) parts.push(`record ${where.index}`);
  if (where.id !== undefined) parts.push(`id ${String(where.id)}`);
  if (field !== undefined) parts.push(`field '${field}'`);
  const words = reason === 'INDEX_FIELDS'
    ? 'the index would hold more than 1024 distinct field names'
    : `the core refused the record (${reason})`;
  return metadataError(`${call}: invalid metadata${parts.length ? ` (${parts.join(', ')})` : ''}: ${words}`,
    { index: where.index, id: where.id, field, reason, status: EV_ERR_INVALID_METADATA });
}

/**
 * Checks every record of an encoded batch with the core's checker.
 * @param {EdgeVecWasm} wasm
 * @param {number} blob     pointer
 * @param {number} offsets  pointer to n + 1 u32
 * @param {number} n
 * @returns {{ status: number, record: number }}
 */
export function checkRecords(wasm, blob, offsets, n) {
  const out = outArray(wasm, 'insertBatch');
  const status = wasm._evw_meta_check(blob, offsets, n, out);
  return { status, record: wasm.HEAPU32[(out >>> 2) + EVW_META_ERR_RECORD] >>> 0 };
}

/**
 * Checks checked records of a whole batch against the index's limit of
 * distinct field names, so that a batch inserted in chunks is refused
 * before its first chunk rather than part-way.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {number} blob     pointer
 * @param {number} offsets  pointer to n + 1 u32
 * @param {number} n
 * @returns {{ status: number, record: number }}
 */
export function checkIndexFields(wasm, handle, blob, offsets, n) {
  const out = outArray(wasm, 'insertBatch');
  const status = wasm._evw_meta_check_index_fields(handle, blob, offsets, n, out);
  return { status, record: wasm.HEAPU32[(out >>> 2) + EVW_META_ERR_RECORD] >>> 0 };
}

/**
 * Replaces (or with an empty record, clears) the metadata of a live id.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {unknown} id
 * @param {Uint8Array} record  encoded; length 0 clears
 * @param {boolean} numberMode
 */
export function setMetadata(wasm, handle, id, record, numberMode) {
  splitId(id, numberMode, 'setMetadata: id');
  const { lo, hi } = idWords;
  const ptr = alloc(wasm, Math.max(1, record.length), 'setMetadata');
  try {
    wasm.HEAPU8.set(record, ptr);
    const st = wasm._evw_meta_set(handle, lo, hi, ptr, record.length, outArray(wasm, 'setMetadata'));
    if (st === EV_ERR_INVALID_METADATA) {
      throw coreMetadataError(wasm, 'setMetadata', { id: /** @type {bigint | number} */ (id), record });
    }
    if (st !== EV_OK) throw statusError(st, 'setMetadata', {}, st === EV_ERR_NOT_FOUND ? `id ${String(id)}` : undefined);
  } finally {
    wasm._free(ptr);
  }
}

/**
 * A scratch buffer big enough for any record, for reading records out.
 */
class RecordReader {
  /**
   * @param {EdgeVecWasm} wasm
   * @param {string} call
   */
  constructor(wasm, call) {
    this.wasm = wasm;
    this.call = call;
    this.buf = alloc(wasm, EV_META_MAX_RECORD_BYTES, call);
  }

  /**
   * The metadata of the id in idWords, or undefined for an unknown or
   * deleted id.
   * @param {number} handle
   * @returns {Metadata | undefined}
   */
  read(handle) {
    const w = this.wasm;
    const out = outArray(w, this.call);
    const st = w._evw_meta_get(handle, idWords.lo, idWords.hi, this.buf, EV_META_MAX_RECORD_BYTES, out);
    if (st === EV_ERR_NOT_FOUND) return undefined;
    if (st !== EV_OK) throw statusError(st, this.call);
    const len = w.HEAPU32[(out >>> 2) + EVW_META_LEN] >>> 0;
    if (len > EV_META_MAX_RECORD_BYTES) {
      throw new EdgeVecError('INTERNAL', `${this.call}: the core reports a record of ${len} bytes`);
    }
    return decodeRecord(w.HEAPU8.slice(this.buf, this.buf + len));
  }

  free() {
    this.wasm._free(this.buf);
  }
}

/**
 * The metadata of a live id ({} when it has none), or undefined.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {unknown} id
 * @param {boolean} numberMode
 * @returns {Metadata | undefined}
 */
export function getMetadata(wasm, handle, id, numberMode) {
  splitId(id, numberMode, 'getMetadata: id');
  const reader = new RecordReader(wasm, 'getMetadata');
  try {
    return reader.read(handle);
  } finally {
    reader.free();
  }
}

/**
 * Copies a filter program into wasm memory; the caller frees the pointer.
 * @param {EdgeVecWasm} wasm
 * @param {Uint8Array} program
 * @param {string} call
 * @returns {number}
 */
function copyProgram(wasm, program, call) {
  const ptr = alloc(wasm, program.length, call);
  wasm.HEAPU8.set(program, ptr);
  return ptr;
}

/**
 * The error of a status from a filtered call.
 * @param {EdgeVecWasm} wasm
 * @param {number} st
 * @param {string} call
 */
function filterStatusError(wasm, st, call) {
  if (st === EV_ERR_INVALID_FILTER) {
    const node = wasm.HEAPU32[(outArray(wasm, call) >>> 2) + EVW_FILTER_ERR_NODE] >>> 0;
    return filterError(`${call}: the core refused the compiled filter at node ${node}`,
      { status: st });
  }
  return statusError(st, call);
}

/**
 * Live vectors matching a compiled filter.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {Uint8Array} program
 * @returns {number}
 */
export function filterCount(wasm, handle, program) {
  const prog = copyProgram(wasm, program, 'count');
  try {
    const out = outArray(wasm, 'count');
    const st = wasm._evw_filter_count(handle, prog, program.length, out);
    if (st !== EV_OK) throw filterStatusError(wasm, st, 'count');
    return wasm.HEAPU32[(out >>> 2) + EVW_FILTER_MATCHES] >>> 0;
  } finally {
    wasm._free(prog);
  }
}

/**
 * The k nearest live vectors that match a compiled filter, nearest first:
 * min(k, matches) of them.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {Row} row    length-checked
 * @param {number} dims
 * @param {number} k
 * @param {number} ef  0: the index's efSearch
 * @param {Uint8Array} program
 * @param {boolean} exact  true: the exact scan of the matching vectors
 * @param {boolean} numberMode
 * @returns {AnySearchResult[]}
 */
export function searchFiltered(wasm, handle, row, dims, k, ef, program, exact, numberMode) {
  // Layout: ids (8k) | distances (4k) | query (4 dims) | program.
  const distAt = EVW_ID_BYTES * k;
  const queryAt = distAt + F32_BYTES * k;
  const progAt = queryAt + F32_BYTES * dims;
  const scratch = alloc(wasm, progAt + program.length, 'search');
  try {
    const heap = wasm.HEAPF32;
    const q = (scratch + queryAt) >>> 2;
    if (row instanceof Float32Array) heap.set(row, q);
    else for (let j = 0; j < dims; j++) heap[q + j] = /** @type {number} */ (row[j]);
    wasm.HEAPU8.set(program, scratch + progAt);
    const out = outArray(wasm, 'search');
    const st = exact
      ? wasm._evw_search_exact_filtered(handle, scratch + queryAt, dims, k, scratch + progAt, program.length,
        scratch, scratch + distAt, out)
      : wasm._evw_search_filtered(handle, scratch + queryAt, dims, k, ef, scratch + progAt, program.length,
        scratch, scratch + distAt, out);
    if (st !== EV_OK) throw filterStatusError(wasm, st, 'search');
    const count = wasm.HEAPU32[(out >>> 2) + EVW_SEARCH_COUNT] >>> 0;
    return readHits(wasm, scratch, scratch + distAt, count, numberMode);
  } finally {
    wasm._free(scratch);
  }
}

/**
 * The k nearest live matches of each of n queries, in query order (the
 * core plans the filter once for the batch and shares the queries among
 * its threads, if it has any).
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {Float32Array | ReadonlyArray<ApiRow>} queries  n rows of dims, shape-checked
 * @param {number} n
 * @param {number} dims
 * @param {number} k
 * @param {number} ef  0: the index's efSearch
 * @param {Uint8Array} program
 * @param {boolean} numberMode
 * @returns {AnySearchResult[][]}
 */
export function searchFilteredBatch(wasm, handle, queries, n, dims, k, ef, program, numberMode) {
  // Layout: ids (8 n k) | distances (4 n k) | counts (4 n) | queries (4 n dims) | program.
  const distAt = EVW_ID_BYTES * n * k;
  const countsAt = distAt + F32_BYTES * n * k;
  const queryAt = countsAt + U32_BYTES * n;
  const progAt = queryAt + F32_BYTES * n * dims;
  const scratch = alloc(wasm, progAt + program.length, 'searchBatch');
  try {
    for (let i = 0; i < n; i++) copyQuery(wasm, queries, i, dims, ((scratch + queryAt) >>> 2) + i * dims);
    wasm.HEAPU8.set(program, scratch + progAt);
    const out = outArray(wasm, 'searchBatch');
    const st = wasm._evw_search_filtered_batch(handle, scratch + queryAt, n, dims, k, ef, scratch + progAt,
      program.length, scratch, scratch + distAt, scratch + countsAt, out);
    if (st !== EV_OK) {
      if (st === EV_ERR_INVALID_FILTER) throw filterStatusError(wasm, st, 'searchBatch');
      const index = wasm.HEAPU32[(out >>> 2) + EVW_SEARCH_ERR_INDEX] >>> 0;
      throw statusError(st, 'searchBatch', { index }, `query ${index}`);
    }
    return readBatchHits(wasm, scratch, scratch + distAt, scratch + countsAt, n, k, numberMode);
  } finally {
    wasm._free(scratch);
  }
}

/**
 * Adds each result's metadata to it (search's includeMetadata).
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {AnySearchResult[]} results  ids of live vectors
 * @param {boolean} numberMode
 */
export function attachMetadata(wasm, handle, results, numberMode) {
  if (results.length === 0) return;
  const reader = new RecordReader(wasm, 'search');
  try {
    for (const r of results) {
      splitId(r.id, numberMode, 'search');
      r.metadata = reader.read(handle) ?? {};
    }
  } finally {
    reader.free();
  }
}

/**
 * A batch with its metadata records (./api.js's Batch, whose window holds
 * the records of its rows after their vectors): the whole batch is checked
 * records included, and inserted with them.
 *
 * With records each row of the window has room for the batch's largest
 * record, so a window holds fewer rows but any run of that many fits, and
 * every chunk is still one window.
 */
export class MetaBatch extends Batch {
  /** @type {EdgeVecWasm} */
  #wasm;

  /**
   * @param {EdgeVecWasm} wasm
   * @param {Float32Array | ReadonlyArray<ApiRow>} vectors  shape-checked: n rows of dims
   * @param {number} n
   * @param {number} dims
   * @param {import('../../types/index.js').IdsInput | undefined} ids  length-checked
   * @param {boolean} numberMode
   * @param {{ blob: Uint8Array, offsets: Uint32Array } | null} metadata  encoded (js/metadata/encode.js)
   */
  constructor(wasm, vectors, n, dims, ids, numberMode, metadata) {
    super(wasm, vectors, n, dims, ids, numberMode);
    this.#wasm = wasm;
    this.metadata = metadata;
    /** Bytes of a row's ids and vector in the window, before the records. */
    this.rowBytes = 2 * EVW_ID_BYTES + F32_BYTES * dims;
    if (!metadata) return;
    let most = 0;
    for (let i = 0; i < n; i++) most = Math.max(most, metadata.offsets[i + 1] - metadata.offsets[i]);
    const rowBytes = this.rowBytes + U32_BYTES + most;
    this.window = Math.max(1, Math.floor(WINDOW_BYTES / rowBytes));
    this.bytes = this.window * rowBytes + U32_BYTES;
  }

  /**
   * The encoded metadata record of vector i (empty: none), for errors.
   * @param {number} i
   * @returns {Uint8Array | undefined}
   */
  record(i) {
    const m = this.metadata;
    return m ? m.blob.subarray(m.offsets[i], m.offsets[i + 1]) : undefined;
  }

  /**
   * The vectors and ids, then each metadata record and the index's limit
   * of distinct field names (INVALID_METADATA: `index` is the record).
   *
   * The core checks the limit over all the records at once (it counts the
   * names they add), so they are copied into wasm memory for these two
   * calls: the encoded records only, never the vectors, and freed before
   * the core makes room for the batch, whose own allocations then take
   * that memory up again.
   * @param {number} handle
   * @returns {{ status: number, index: number }}
   */
  validate(handle) {
    const r = super.validate(handle);
    const m = this.metadata;
    if (r.status !== EV_OK || !m) return r;
    const w = this.#wasm;
    const { offsets, blob } = m;
    const records = copyIn(w, [new Uint8Array(offsets.buffer, offsets.byteOffset, offsets.byteLength), blob],
      'insertBatch');
    try {
      const at = records.ptr + offsets.byteLength;
      let meta = checkRecords(w, at, records.ptr, this.n);
      if (meta.status === EV_OK) meta = checkIndexFields(w, handle, at, records.ptr, this.n);
      return { status: meta.status, index: meta.record };
    } finally {
      w._free(records.ptr);
    }
  }

  /**
   * Inserts vectors [start, start + count) (at most a window) with their
   * records, copied after the vectors with offsets made relative to the
   * first of them.
   * @param {number} handle
   * @param {number} start
   * @param {number} count
   * @returns {{ status: number, index: number }}
   */
  insert(handle, start, count) {
    const m = this.metadata;
    if (!m) return super.insert(handle, start, count);
    const w = this.#wasm;
    const vectors = this.stage(start, count);
    const offsets = this.ptr + this.window * this.rowBytes;
    const blob = offsets + U32_BYTES * (this.window + 1);
    const first = m.offsets[start];
    for (let k = 0; k <= count; k++) w.HEAPU32[(offsets >>> 2) + k] = m.offsets[start + k] - first;
    w.HEAPU8.set(m.blob.subarray(first, m.offsets[start + count]), blob);
    const out = outArray(w, 'insertBatch');
    const outIds = this.ptr + EVW_ID_BYTES * this.window;
    const status = w._evw_insert_batch_meta(handle, vectors, count, this.dims, this.idsIn ? this.ptr : 0,
      blob, offsets, outIds, out);
    if (status === EV_OK) this.idsOut.set(new Uint32Array(w.HEAPU8.buffer, outIds, 2 * count), 2 * start);
    const at = status === EV_ERR_INVALID_METADATA ? EVW_META_ERR_RECORD : EVW_INSERT_ERR_INDEX;
    return { status, index: start + w.HEAPU32[(out >>> 2) + at] };
  }
}

/**
 * insert() with an encoded metadata record.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {ApiRow} row   length-checked
 * @param {number} dims
 * @param {unknown} id  undefined: the next id of the automatic sequence
 * @param {boolean} numberMode
 * @param {Uint8Array} record  encoded (js/metadata/encode.js)
 * @returns {bigint | number}
 */
export function insertOneMeta(wasm, handle, row, dims, id, numberMode, record) {
  // After the vector: offsets (8) | record.
  return insertOne(wasm, handle, row, dims, id, numberMode, 2 * U32_BYTES + record.length,
    (vector, ids, outId, offsets) => {
      const recordAt = offsets + 2 * U32_BYTES;
      wasm.HEAPU8.set(record, recordAt);
      wasm.HEAPU32[offsets >>> 2] = 0;
      wasm.HEAPU32[(offsets >>> 2) + 1] = record.length;
      const st = wasm._evw_insert_batch_meta(handle, vector, 1, dims, ids, recordAt, offsets, outId,
        outArray(wasm, 'insert'));
      if (st === EV_ERR_INVALID_METADATA) {
        throw coreMetadataError(wasm, 'insert', { id: /** @type {bigint | number | undefined} */ (id), record });
      }
      return st;
    });
}
