// js/errors.js — the one error class of the package, the mapping from the C
// core's ev_status values to stable string codes, and the errors the JS layer
// raises itself, with their context (which call, which vector or id).
//
// Codes are the contract (users branch on `err.code`); messages are for
// people and may change. The C core reports *what* went wrong; the JS layer
// adds *where* (the index of the offending vector or id, which call).

import {
  EV_ERR_INVALID_ARGUMENT, EV_ERR_EMPTY_BATCH, EV_ERR_DIMENSION_MISMATCH, EV_ERR_INVALID_VECTOR,
  EV_ERR_ZERO_VECTOR, EV_ERR_DUPLICATE_ID, EV_ERR_ID_EXISTS, EV_ERR_OUT_OF_MEMORY, EV_ERR_CAPACITY,
  EV_ERR_NOT_FOUND, EV_ERR_CORRUPT, EV_ERR_UNSUPPORTED_VERSION, EV_ERR_TRUNCATED,
  EV_ERR_INVALID_METADATA, EV_ERR_INVALID_FILTER,
} from './wasm/abi.js';

/** @typedef {import('../types/index.js').EdgeVecErrorCode} EdgeVecErrorCode */
/** @typedef {import('../types/index.js').PersistOperation} PersistOperation */

/**
 * @typedef {object} EdgeVecErrorDetails
 * @property {number} [index]    position of the offending vector or id in the batch
 * @property {number} [inserted] vectors an interrupted insertBatch left in the index
 * @property {number} [status]   the C core's ev_status, when the error came from it
 * @property {string} [section]  the part of persisted data that failed a check
 * @property {string} [file]     the persisted file that failed a check (NodeFileStorage)
 * @property {number} [generation] the snapshot generation that failed a check
 * @property {number} [chunk]    the snapshot chunk (IndexedDB) that failed a check
 * @property {number} [seq]      the log record that failed a check
 * @property {number} [offset]   the byte within that record where the check failed
 * @property {PersistOperation} [operation]  the persistence work that failed
 * @property {number} [httpStatus]  FETCH: the HTTP status of the response
 * @property {bigint | number} [id]  INVALID_METADATA: the id of the vector, when known
 * @property {string} [field]   INVALID_METADATA / INVALID_FILTER: the field at fault
 * @property {string} [reason]  INVALID_METADATA: which rule the record broke
 * @property {string} [path]    INVALID_FILTER (object form): where in the filter, e.g. `and[1].price.lt`
 * @property {number} [position] INVALID_FILTER (string form): the character offset at fault
 * @property {unknown} [cause]
 */

export class EdgeVecError extends Error {
  /** @type {'EdgeVecError'} */
  name = 'EdgeVecError';

  /**
   * @param {EdgeVecErrorCode} code
   * @param {string} message
   * @param {EdgeVecErrorDetails} [details]
   */
  constructor(code, message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    /** @type {EdgeVecErrorCode} */
    this.code = code;
    /** @type {number | undefined} */
    this.index = details.index;
    /** @type {number | undefined} */
    this.inserted = details.inserted;
    /** @type {number | undefined} */
    this.status = details.status;
    /** @type {string | undefined} */
    this.section = details.section;
    /** @type {string | undefined} */
    this.file = details.file;
    /** @type {number | undefined} */
    this.generation = details.generation;
    /** @type {number | undefined} */
    this.chunk = details.chunk;
    /** @type {number | undefined} */
    this.seq = details.seq;
    /** @type {number | undefined} */
    this.offset = details.offset;
    /** @type {PersistOperation | undefined} */
    this.operation = details.operation;
    /** @type {number | undefined} */
    this.httpStatus = details.httpStatus;
    /** @type {bigint | number | undefined} */
    this.id = details.id;
    /** @type {string | undefined} */
    this.field = details.field;
    /** @type {string | undefined} */
    this.reason = details.reason;
    /** @type {string | undefined} */
    this.path = details.path;
    /** @type {number | undefined} */
    this.position = details.position;
  }

  /**
   * Errors raised by the storage backends (js/storage/) carry the same name
   * and codes but may be built by their own class; `instanceof EdgeVecError`
   * accepts them so that users need one check for the whole package.
   * @param {unknown} value
   * @returns {boolean}
   */
  static [Symbol.hasInstance](value) {
    if (!(value instanceof Error)) return false;
    if (Object.prototype.isPrototypeOf.call(EdgeVecError.prototype, value)) return true;
    return value.name === 'EdgeVecError' &&
      typeof (/** @type {{ code?: unknown }} */ (value).code) === 'string';
  }
}

/**
 * The code and the words of each ev_status (src/edgevec.h) that is an error.
 * @type {ReadonlyMap<number, readonly [EdgeVecErrorCode, string]>}
 */
const STATUS_ERRORS = new Map([
  [EV_ERR_INVALID_ARGUMENT, ['INVALID_ARGUMENT', 'invalid argument']],
  [EV_ERR_EMPTY_BATCH, ['EMPTY_BATCH', 'the batch holds no vectors']],
  [EV_ERR_DIMENSION_MISMATCH, ['DIMENSION_MISMATCH', 'the vector length does not match the index dimensions']],
  [EV_ERR_INVALID_VECTOR, ['INVALID_VECTOR', 'the vector has a NaN or infinite component']],
  [EV_ERR_ZERO_VECTOR, ['INVALID_VECTOR', 'the vector is all zeros, which has no direction under the cosine metric']],
  [EV_ERR_DUPLICATE_ID, ['DUPLICATE_ID', 'the same id appears twice in the batch']],
  [EV_ERR_ID_EXISTS, ['DUPLICATE_ID', 'the id is already in the index']],
  [EV_ERR_OUT_OF_MEMORY, ['OUT_OF_MEMORY', 'out of memory (the wasm heap could not grow)']],
  [EV_ERR_CAPACITY, ['CAPACITY', 'the index is full (slot space or the automatic id sequence ran out)']],
  [EV_ERR_NOT_FOUND, ['NOT_FOUND', 'no vector with this id']],
  [EV_ERR_CORRUPT, ['CORRUPT', 'the persisted data failed a check']],
  [EV_ERR_UNSUPPORTED_VERSION, ['UNSUPPORTED_VERSION', 'the data was written by a newer format version']],
  [EV_ERR_TRUNCATED, ['CORRUPT', 'the persisted data ends too early (truncated)']],
  [EV_ERR_INVALID_METADATA, ['INVALID_METADATA', 'a metadata record breaks a rule or a limit']],
  [EV_ERR_INVALID_FILTER, ['INVALID_FILTER', 'the filter is malformed']],
]);

/**
 * The error for a non-zero ev_status.
 * @param {number} status
 * @param {string} context   what was being done, e.g. "insertBatch"
 * @param {EdgeVecErrorDetails} [details]
 * @param {string} [extra]   more words about the case ("vector 12", ...)
 * @returns {EdgeVecError}
 */
export function statusError(status, context, details = {}, extra) {
  const entry = STATUS_ERRORS.get(status);
  const code = entry ? entry[0] : 'INTERNAL';
  const what = entry ? entry[1] : `unknown core status ${status}`;
  const message = `${context}: ${what}${extra ? ` (${extra})` : ''}`;
  return new EdgeVecError(code, message, { ...details, status });
}

/**
 * @param {string} message
 * @param {EdgeVecErrorDetails} [details]
 * @returns {EdgeVecError}
 */
export function invalidArgument(message, details) {
  return new EdgeVecError('INVALID_ARGUMENT', message, details);
}

/**
 * @param {unknown} value
 * @returns {string} a short description of a value for messages
 */
export function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  const t = typeof value;
  if (t === 'number' || t === 'boolean') return `${t} ${String(value)}`;
  if (t === 'bigint') return `bigint ${String(value)}`;
  if (t === 'string') return 'a string';
  if (t === 'object') {
    const name = /** @type {object} */ (value).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return t;
}

/**
 * @param {string} message
 * @param {EdgeVecErrorDetails} details  index, id, field, reason
 * @returns {EdgeVecError}
 */
export function metadataError(message, details) {
  return new EdgeVecError('INVALID_METADATA', message, details);
}

/**
 * @param {string} message
 * @param {EdgeVecErrorDetails} details  path and field (object form) or position (string form)
 * @returns {EdgeVecError}
 */
export function filterError(message, details) {
  return new EdgeVecError('INVALID_FILTER', message, details);
}

/** @returns {EdgeVecError} */
export function disposedError() {
  return new EdgeVecError('DISPOSED', 'this EdgeVec was disposed; create a new one');
}

/** @returns {EdgeVecError} */
export function readOnlyError() {
  return new EdgeVecError('READ_ONLY', 'this EdgeVec was opened read-only');
}

/**
 * @param {number} inserted
 * @param {number} total
 * @param {unknown} reason
 * @returns {EdgeVecError}
 */
export function abortedError(inserted, total, reason) {
  return new EdgeVecError('ABORTED',
    `insertBatch aborted after ${inserted} of ${total} vectors were inserted; ` +
    'those stay in the index', { inserted, cause: reason });
}

/**
 * The error for a failed batch status, with the position and the id.
 * @param {number} status
 * @param {string} context
 * @param {number} index
 * @param {number | undefined} inserted
 * @param {ArrayLike<unknown> | undefined} ids
 * @returns {EdgeVecError}
 */
export function batchError(status, context, index, inserted, ids) {
  let extra = `vector ${index}`;
  if ((status === EV_ERR_DUPLICATE_ID || status === EV_ERR_ID_EXISTS) && ids) {
    extra = `ids[${index}] = ${String(ids[index])}`;
  }
  if (inserted !== undefined && inserted > 0) {
    extra += `; ${inserted} vectors were inserted before it and stay`;
  }
  return statusError(status, context, { index, inserted }, extra);
}
