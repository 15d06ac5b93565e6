// js/transfer/rows.js — what both transfer formats share: walking an index's
// live rows (ids, vectors and, where wanted, metadata) in id order for an
// export, and the import's row sink, which checks each row, gathers rows
// into batches and inserts each batch with insertBatch, explicit ids and
// the rows' metadata.
//
// The import's promise, which the formats rely on: a row is checked in full
// (its id, its length, finite components, not all zero under cosine, its
// metadata record by the same checker insertBatch uses) when it is read,
// and a batch is checked whole by insertBatch before any of it goes in, so
// a bad row leaves the index holding exactly the batches before the one it
// is in. A dry run checks every row, and the ids against each other and the
// index, without inserting anything.

import { EdgeVecError, describe } from '../errors.js';
import { HAS_BIGINT } from '../ids.js';
import { checkRecord } from '../metadata/validate.js';
import { EV_META_MAX_INDEX_FIELDS } from '../metadata/limits.js';

/** @typedef {import('../../types/index.js').IdType} IdType */
/** @typedef {import('../../types/index.js').EdgeVec<IdType>} AnyEdgeVec */
/** @typedef {import('../../types/transfer.js').ExportOptions} ExportOptions */
/** @typedef {import('../../types/transfer.js').ImportOptions} ImportOptions */
/** @typedef {import('../../types/transfer.js').ImportResult} ImportResult */
/** @typedef {import('../../types/transfer.js').TransferProgress} TransferProgress */
/** @typedef {import('../../types/index.js').Metadata} Metadata */
/** @typedef {{ ids: BigUint64Array | number[], vectors: Float32Array, metadata?: (Metadata | null)[] }} AnyRowBatch */
/** An id as the sink holds it: a number up to 2^53 - 1, a bigint above. */
/** @typedef {number | bigint} RowId */

// Chunks and batches are sized in floats, so that their memory does not
// depend on the dimensions: an export chunk of 128-d rows is 512 rows, an
// import batch 8,192.
const EXPORT_CHUNK_FLOATS = 65536;
const IMPORT_BATCH_FLOATS = 1048576;
/** 2^64: ids are below it. Exact as a double, and bigints compare with it exactly. */
const TWO_POW_64 = 18446744073709551616;
const TWO_POW_32 = 4294967296;
/** The largest squared length the core accepts: FLT_MAX / 4 (a squared L2
 *  distance can reach four times it). */
const MAX_NORM2 = 3.4028234663852886e38 / 4;
/** hi words at or above this make an id larger than Number.MAX_SAFE_INTEGER. */
const SAFE_HI_LIMIT = 2097152;

/**
 * @param {string} context
 * @param {string} message
 * @returns {EdgeVecError}
 */
export function invalidArgument(context, message) {
  return new EdgeVecError('INVALID_ARGUMENT', `${context}: ${message}`);
}

/**
 * Checks the first argument is an EdgeVec (by the methods the transfer
 * uses, so that it works with any copy of the class a bundler made).
 * @param {unknown} db
 * @param {string} context
 * @returns {AnyEdgeVec}
 */
export function checkDb(db, context) {
  const d = /** @type {any} */ (db);
  if (d === null || typeof d !== 'object' || typeof d.ids !== 'function' || typeof d.get !== 'function' ||
      typeof d.insertBatch !== 'function' || typeof d.has !== 'function' || typeof d.getMetadata !== 'function') {
    throw invalidArgument(context, `the first argument must be an EdgeVec, got ${describe(db)}`);
  }
  return /** @type {AnyEdgeVec} */ (d);
}

/**
 * @param {unknown} options
 * @param {string} context
 * @returns {Record<string, unknown>}
 */
function optionsObject(options, context) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw invalidArgument(context, `options must be an object, got ${describe(options)}`);
  }
  return /** @type {Record<string, unknown>} */ (options);
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {string} context
 * @returns {number | undefined}  a positive integer
 */
function positiveInteger(value, name, context) {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidArgument(context, `${name} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/**
 * @param {unknown} value
 * @param {string} context
 * @returns {TransferProgress | undefined}
 */
function progressCallback(value, context) {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    throw invalidArgument(context, `onProgress must be a function, got ${describe(value)}`);
  }
  return /** @type {TransferProgress} */ (value);
}

/**
 * The live rows of an index in ascending id order, a chunk at a time. The
 * ids are listed when the walk starts and each vector (and record) is read
 * when its chunk is made, so an index that changes meanwhile gives a mix;
 * an id deleted meanwhile is NOT_FOUND.
 * @param {unknown} db
 * @param {ExportOptions | undefined} options
 * @param {string} context
 * @param {boolean} withMetadata  read each row's metadata into the chunk
 *   (`metadata[i]`: the record, or null when the vector has none); the
 *   .fvecs export has no place for it and does not read it
 * @returns {AsyncGenerator<AnyRowBatch, void, undefined>}
 */
export async function* walkRows(db, options, context, withMetadata) {
  const index = checkDb(db, context);
  const o = optionsObject(options, context);
  const dims = index.dimensions;
  const chunkRows = positiveInteger(o.chunkRows, 'chunkRows', context) ??
    Math.max(1, Math.floor(EXPORT_CHUNK_FLOATS / dims));
  const onProgress = progressCallback(o.onProgress, context);
  const ids = index.ids();
  const total = ids.length;
  if (onProgress) onProgress(0, total);
  for (let start = 0; start < total; start += chunkRows) {
    const end = Math.min(total, start + chunkRows);
    const vectors = new Float32Array((end - start) * dims);
    /** @type {(Metadata | null)[] | undefined} */
    const metadata = withMetadata ? new Array(end - start) : undefined;
    for (let i = start; i < end; i++) {
      const v = index.get(ids[i]);
      const record = metadata ? index.getMetadata(ids[i]) : undefined;
      if (v === undefined || (metadata && record === undefined)) {
        throw new EdgeVecError('NOT_FOUND', `${context}: id ${String(ids[i])} was deleted while the ` +
          'export ran; export an index that does not change meanwhile');
      }
      vectors.set(v, (i - start) * dims);
      // getMetadata gives {} for a vector without metadata: none, as null.
      if (metadata) metadata[i - start] = record && hasFields(record) ? record : null;
    }
    yield metadata ? { ids: ids.slice(start, end), vectors, metadata } : { ids: ids.slice(start, end), vectors };
    if (onProgress) onProgress(end, total);
  }
}

/** @typedef {(code: import('../../types/index.js').EdgeVecErrorCode, message: string) => EdgeVecError} RowFail */

/**
 * The public form of walkRows: chunks typed by the index's id type.
 * @template {IdType} T
 * @param {import('../../types/index.js').EdgeVec<T>} db
 * @param {ExportOptions} [options]
 * @returns {AsyncGenerator<import('../../types/transfer.js').RowBatch<T>, void, undefined>}
 */
export function exportRows(db, options) {
  return /** @type {AsyncGenerator<any, void, undefined>} */ (walkRows(db, options, 'exportRows', true));
}

/**
 * @param {object} record
 * @returns {boolean} whether the record has a field
 */
function hasFields(record) {
  for (const key in record) if (Object.prototype.hasOwnProperty.call(record, key)) return true;
  return false;
}

/**
 * A row's metadata as a source gives it, checked by the checker insertBatch
 * uses (js/metadata/validate.js): null for none (null, undefined or a
 * record without fields, which is what getMetadata gives for none), the
 * record otherwise. A bad record is INVALID_METADATA naming the row, with
 * the checker's `field` and `reason`.
 * @param {unknown} value
 * @param {RowId} id
 * @param {(message: string, details: { field?: string, reason?: string, id: RowId }) => EdgeVecError} fail
 *   makes the error naming the row
 * @returns {Metadata | null}
 */
function rowMetadata(value, id, fail) {
  if (value === null || value === undefined) return null;
  try {
    checkRecord(value, { call: '', id });
  } catch (err) {
    if (!(err instanceof EdgeVecError) || err.code !== 'INVALID_METADATA') throw err;
    // The checker's message begins with the call (here '') and ': '; the
    // row's error puts its own context and the row there instead.
    throw fail(err.message.replace(/^: /, ''), { field: err.field, reason: err.reason, id });
  }
  return hasFields(/** @type {object} */ (value)) ? /** @type {Metadata} */ (value) : null;
}

/**
 * An id from its two little-endian u32 words.
 * @param {number} lo
 * @param {number} hi
 * @param {RowFail} fail  makes the error naming the row
 * @returns {RowId}
 */
export function idFromWords(lo, hi, fail) {
  if (hi < SAFE_HI_LIMIT) return hi * TWO_POW_32 + lo;
  if (!HAS_BIGINT) {
    throw fail('ID_NOT_SAFE_INTEGER', `id ${hi}*2^32+${lo} is above Number.MAX_SAFE_INTEGER, and this ` +
      'engine has no BigInt to hold it');
  }
  return (BigInt(hi) << BigInt(32)) | BigInt(lo);
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * An id written as a decimal string (the NDJSON form) or as a JSON number.
 * @param {unknown} value
 * @param {RowFail} fail  makes the error naming the row
 * @returns {RowId}
 */
export function idFromJson(value, fail) {
  if (typeof value === 'string') {
    if (!DECIMAL.test(value) || value.length > 20) {
      throw fail('INVALID_ID', '"id" must be a decimal string of an integer in 0 .. 2^64 - 1 (no sign, ' +
        `no leading zeros), got ${JSON.stringify(value.slice(0, 40))}`);
    }
    // Fifteen digits stay below 2^53: exact as a number.
    if (value.length <= 15) return Number(value);
    if (!HAS_BIGINT) {
      const n = Number(value);
      if (Number.isSafeInteger(n) && String(n) === value) return n;
      throw fail('ID_NOT_SAFE_INTEGER', `id ${value} is above Number.MAX_SAFE_INTEGER, and this engine ` +
        'has no BigInt to hold it');
    }
    const b = BigInt(value);
    if (!(b < TWO_POW_64)) throw fail('INVALID_ID', `id ${value} is above 2^64 - 1`);
    return b > Number.MAX_SAFE_INTEGER ? b : Number(b);
  }
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    if (Number.isInteger(value) && value > 0) {
      throw fail('ID_NOT_SAFE_INTEGER', `id ${String(value)} is a JSON number above 2^53 - 1, which may ` +
        'have been rounded when it was written; write ids as decimal strings');
    }
    throw fail('INVALID_ID', `"id" must be a non-negative integer, got ${String(value)}`);
  }
  throw fail('INVALID_ID', `"id" must be a decimal string, got ${describe(value)}`);
}

/**
 * Collects checked rows into batches and inserts each (or, in a dry run,
 * checks the ids against each other and the index). The parser writes a
 * row's components into `vectors` at `rowOffset()` and then calls push.
 */
export class RowSink {
  /** @type {AnyEdgeVec} */
  #db;
  #context;
  #dims;
  #cosine;
  #numberMode;
  #batchSize;
  /** @type {TransferProgress | undefined} */
  #onProgress;
  /** @type {number | undefined} */
  #total;
  #dryRun;
  /** @type {AbortSignal | undefined} */
  #signal;
  /** The batch being filled: vectors, ids, and where each row came from. */
  vectors;
  /** @type {RowId[]} */
  #ids = [];
  /** @type {string[]} */
  #where = [];
  /** The batch's metadata, one entry per row (null: none). @type {(Metadata | null)[]} */
  #metadata = [];
  /** Whether a row of the batch has metadata (else insertBatch gets none). */
  #batchHasMetadata = false;
  /** Dry run: the distinct field names of the source's records. @type {Set<string>} */
  #names = new Set();
  /** Rows before the batch being filled (inserted, or checked in a dry run). */
  #done = 0;
  /** Dry run: every id seen, with the row it was on. @type {Map<RowId, string>} */
  #seen = new Map();

  /**
   * @param {unknown} db
   * @param {ImportOptions | undefined} options
   * @param {string} context
   */
  constructor(db, options, context) {
    this.#db = checkDb(db, context);
    this.#context = context;
    const o = optionsObject(options, context);
    this.#dims = this.#db.dimensions;
    this.#cosine = this.#db.metric === 'cosine';
    this.#numberMode = this.#db.idType === 'number';
    this.#batchSize = positiveInteger(o.batchSize, 'batchSize', context) ??
      Math.max(1, Math.floor(IMPORT_BATCH_FLOATS / this.#dims));
    this.#onProgress = progressCallback(o.onProgress, context);
    if (o.total !== undefined && (typeof o.total !== 'number' || !Number.isSafeInteger(o.total) || o.total < 0)) {
      throw invalidArgument(context, `total must be a non-negative integer, got ${describe(o.total)}`);
    }
    this.#total = /** @type {number | undefined} */ (o.total);
    if (o.dryRun !== undefined && typeof o.dryRun !== 'boolean') {
      throw invalidArgument(context, `dryRun must be a boolean, got ${describe(o.dryRun)}`);
    }
    this.#dryRun = o.dryRun === true;
    if (o.signal !== undefined && (o.signal === null || typeof o.signal !== 'object' ||
        typeof (/** @type {any} */ (o.signal)).aborted !== 'boolean')) {
      throw invalidArgument(context, `signal must be an AbortSignal, got ${describe(o.signal)}`);
    }
    this.#signal = /** @type {AbortSignal | undefined} */ (o.signal);
    this.vectors = new Float32Array(this.#batchSize * this.#dims);
  }

  /** @returns {number} the index's dimensions */
  get dims() { return this.#dims; }

  /** @returns {number} 0-based number of the next row of the source */
  get row() { return this.#done + this.#ids.length; }

  /** @returns {number} where the next row's components go in `vectors` */
  rowOffset() { return this.#ids.length * this.#dims; }

  /**
   * Starts the import: reports progress 0 (with the total, where the
   * options or the source tell it).
   * @param {number | undefined} sourceRows
   */
  start(sourceRows) {
    if (this.#total === undefined) this.#total = sourceRows;
    this.#checkAborted();
    if (this.#onProgress) this.#onProgress(0, this.#total);
  }

  /**
   * @param {import('../../types/index.js').EdgeVecErrorCode} code
   * @param {string} where
   * @param {string} message
   * @returns {EdgeVecError}
   */
  rowError(code, where, message) {
    return new EdgeVecError(code, `${this.#context}: ${where}: ${message}${this.#stays()}`,
      { index: this.row, inserted: this.#dryRun ? 0 : this.#done });
  }

  /**
   * A row's metadata, checked (see rowMetadata); the value to give push.
   * @param {unknown} value  as the source gives it (null or undefined: none)
   * @param {RowId} id
   * @param {string} where
   * @returns {Metadata | null}
   */
  metadata(value, id, where) {
    return rowMetadata(value, id, (message, details) => {
      const err = this.rowError('INVALID_METADATA', where, message);
      err.field = details.field;
      err.reason = details.reason;
      err.id = details.id;
      return err;
    });
  }

  /** @returns {string} what stays in the index after an error, in words */
  #stays() {
    if (this.#dryRun || this.#done === 0) return '; nothing was inserted';
    return `; the ${this.#done} rows before its batch were inserted and stay`;
  }

  /**
   * Takes the row whose components the parser wrote at rowOffset(); inserts
   * the batch when it is full. Returns a promise only when it inserts.
   * @param {RowId} id
   * @param {string} where  "line 12", "row 11": for errors
   * @param {Metadata | null} [metadata]  checked by metadata(); null: none
   * @returns {Promise<void> | undefined}
   */
  push(id, where, metadata = null) {
    const dims = this.#dims;
    const at = this.rowOffset();
    const v = this.vectors;
    // The core's own checks (ev__prepare_vector), made here so that the row
    // is named and a dry run refuses what the insert would.
    let norm2 = 0;
    for (let j = 0; j < dims; j++) {
      const x = v[at + j];
      if (!Number.isFinite(x)) {
        throw this.rowError('INVALID_VECTOR', where, `component ${j} is ${String(x)} as a float32; ` +
          'components must be finite');
      }
      norm2 += x * x;
    }
    if (norm2 > MAX_NORM2) {
      throw this.rowError('INVALID_VECTOR', where, 'the vector is so long that squared distances to it ' +
        'would overflow float32');
    }
    if (this.#cosine && !(norm2 > 0)) {
      throw this.rowError('INVALID_VECTOR', where, 'the vector is all zeros, which has no direction under ' +
        'the cosine metric');
    }
    if (this.#numberMode && typeof id === 'bigint') {
      throw this.rowError('ID_NOT_SAFE_INTEGER', where, `id ${String(id)} is above Number.MAX_SAFE_INTEGER, ` +
        "which an index created with idType 'number' cannot hold");
    }
    if (this.#dryRun) {
      const first = this.#seen.get(id);
      if (first !== undefined) {
        throw this.rowError('DUPLICATE_ID', where, `id ${String(id)} appears again (first on ${first})`);
      }
      if (this.#db.has(id)) {
        throw this.rowError('DUPLICATE_ID', where, `id ${String(id)} is already in the index`);
      }
      this.#seen.set(id, where);
      if (metadata) this.#countNames(metadata, id, where);
    }
    this.#ids.push(id);
    this.#where.push(where);
    this.#metadata.push(metadata);
    if (metadata) this.#batchHasMetadata = true;
    if (this.#ids.length === this.#batchSize) return this.#flush();
    return undefined;
  }

  /**
   * Inserts what is left and reports the end.
   * @returns {Promise<ImportResult>}
   */
  async finish() {
    if (this.#ids.length > 0) await this.#flush();
    return { rows: this.#done };
  }

  /**
   * Dry run: the index holds at most EV_META_MAX_INDEX_FIELDS distinct field
   * names, which a real import learns from insertBatch. A source with more
   * distinct names than that cannot go in whole, whatever the index holds;
   * names already in the index are not counted (the index does not list
   * them), so a dry run that passes can still meet INDEX_FIELDS.
   * @param {Metadata} metadata
   * @param {RowId} id
   * @param {string} where
   */
  #countNames(metadata, id, where) {
    for (const name of Object.keys(metadata)) {
      if (this.#names.has(name)) continue;
      if (this.#names.size === EV_META_MAX_INDEX_FIELDS) {
        const err = this.rowError('INVALID_METADATA', where, `invalid metadata (id ${String(id)}, field ` +
          `'${name}'): the source's records name more than ${EV_META_MAX_INDEX_FIELDS} distinct fields, ` +
          'the most an index holds');
        err.field = name;
        err.reason = 'INDEX_FIELDS';
        err.id = id;
        throw err;
      }
      this.#names.add(name);
    }
  }

  #checkAborted() {
    const signal = this.#signal;
    if (signal?.aborted) {
      throw new EdgeVecError('ABORTED', `${this.#context}: aborted after ${this.#done} rows` +
        (this.#dryRun ? ' were checked' : ' were inserted; those stay'),
      { inserted: this.#dryRun ? 0 : this.#done, cause: signal.reason });
    }
  }

  async #flush() {
    const n = this.#ids.length;
    this.#checkAborted();
    if (!this.#dryRun) {
      try {
        await this.#db.insertBatch(this.vectors.subarray(0, n * this.#dims), {
          ids: this.#ids, signal: this.#signal, metadata: this.#batchHasMetadata ? this.#metadata : undefined,
        });
      } catch (err) {
        throw this.#batchFailed(err);
      }
    }
    this.#done += n;
    this.#ids = [];
    this.#where = [];
    this.#metadata = [];
    this.#batchHasMetadata = false;
    if (this.#onProgress) this.#onProgress(this.#done, this.#total);
  }

  /**
   * The error of a batch insertBatch refused, naming the row in the source.
   * @param {unknown} err
   * @returns {unknown}
   */
  #batchFailed(err) {
    if (!(err instanceof EdgeVecError)) return err;
    const inserted = this.#done + (err.inserted ?? 0);
    const i = err.index;
    if (i !== undefined && i < this.#ids.length) {
      const message = `${this.#context}: ${this.#where[i]} (id ${String(this.#ids[i])}): ${err.message}` +
        this.#stays();
      return new EdgeVecError(err.code, message, {
        index: this.#done + i, inserted, cause: err, id: err.id, field: err.field, reason: err.reason,
      });
    }
    return new EdgeVecError(err.code, `${this.#context}: ${err.message}` +
      (inserted > 0 ? `; ${inserted} rows were inserted and stay` : ''),
    { inserted, cause: err, id: err.id, field: err.field, reason: err.reason });
  }
}
