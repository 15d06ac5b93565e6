// js/errors.js — the one error class of the package, and the mapping from the
// C core's ev_status numbers (src/edgevec.h) to stable string codes.
//
// Codes are the contract (users branch on `err.code`); messages are for
// people and may change. The C core reports *what* went wrong; the JS layer
// adds *where* (the index of the offending vector or id, which call).

/** @typedef {import('../types/index.js').EdgeVecErrorCode} EdgeVecErrorCode */

/**
 * @typedef {object} EdgeVecErrorDetails
 * @property {number} [index]    position of the offending vector or id in the batch
 * @property {number} [inserted] vectors an interrupted insertBatch left in the index
 * @property {number} [status]   the C core's ev_status, when the error came from it
 * @property {string} [section]  the part of persisted data that failed a check
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

// ev_status numbers (src/edgevec.h; stable, only ever appended to).
export const EV_OK = 0;
export const EV_ERR_INVALID_ARGUMENT = 1;
export const EV_ERR_EMPTY_BATCH = 2;
export const EV_ERR_DIMENSION_MISMATCH = 3;
export const EV_ERR_INVALID_VECTOR = 4;
export const EV_ERR_ZERO_VECTOR = 5;
export const EV_ERR_DUPLICATE_ID = 6;
export const EV_ERR_ID_EXISTS = 7;
export const EV_ERR_OUT_OF_MEMORY = 8;
export const EV_ERR_CAPACITY = 9;
export const EV_ERR_NOT_FOUND = 10;
export const EV_ERR_CORRUPT = 11;
export const EV_ERR_UNSUPPORTED_VERSION = 12;
export const EV_ERR_TRUNCATED = 13;

/** @type {ReadonlyArray<readonly [EdgeVecErrorCode, string]>} */
const STATUS_TABLE = [
  ['INVALID_ARGUMENT', 'ok'], // 0 is never turned into an error
  ['INVALID_ARGUMENT', 'invalid argument'],
  ['EMPTY_BATCH', 'the batch holds no vectors'],
  ['DIMENSION_MISMATCH', 'the vector length does not match the index dimensions'],
  ['INVALID_VECTOR', 'the vector has a NaN or infinite component'],
  ['INVALID_VECTOR', 'the vector is all zeros, which has no direction under the cosine metric'],
  ['DUPLICATE_ID', 'the same id appears twice in the batch'],
  ['DUPLICATE_ID', 'the id is already in the index'],
  ['OUT_OF_MEMORY', 'out of memory (the wasm heap could not grow)'],
  ['CAPACITY', 'the index is full (slot space or the automatic id sequence ran out)'],
  ['NOT_FOUND', 'no vector with this id'],
  ['CORRUPT', 'the persisted data failed a check'],
  ['UNSUPPORTED_VERSION', 'the data was written by a newer format version'],
  ['CORRUPT', 'the persisted data ends too early (truncated)'],
];

/**
 * The error for a non-zero ev_status.
 * @param {number} status
 * @param {string} context   what was being done, e.g. "insertBatch"
 * @param {EdgeVecErrorDetails} [details]
 * @param {string} [extra]   more words about the case ("vector 12", ...)
 * @returns {EdgeVecError}
 */
export function statusError(status, context, details = {}, extra) {
  const entry = STATUS_TABLE[status];
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
