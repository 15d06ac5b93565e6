// js/worker/protocol.js — the messages between a WorkerEdgeVec (the calling
// thread, ./client.js) and its worker (./worker.js), and how an error
// crosses them. Both sides import this file; it has no state.
//
// Every message is one structured-clone value (postMessage), a plain object:
//
//   caller -> worker
//     { call: id, op: 'create' | 'open' | 'load', args }   the first message:
//                                   makes the worker's one EdgeVec
//     { channel: SharedArrayBuffer }   right after it, where the platform
//                                   allows: the shared-memory channel
//                                   searches may take instead (./channel.js)
//     { call: id, op: 'method', name, args }   a forwarded method (./methods.js
//                                   names them and encodes args and results)
//     { call: id, op: 'close' | 'dispose' }    ends the index; the caller
//                                   terminates the worker once it is answered
//     { abort: id }                 the AbortSignal of call `id` fired
//     { part: id, … }               a part of call `id`'s vectors, sent ahead
//                                   of the call's message when they are large
//                                   (which then has `parts: true`; ./parts.js)
//
//   worker -> caller
//     { call: id, ok: true, value, state?, stamp? }   call `id` succeeded;
//                                   `value` is the encoded result
//     { call: id, ok: false, error, state?, stamp? }  call `id` failed (see
//                                   encodeError)
//     { call: id, progress: [done, total] }   call `id`'s onProgress
//     { event: 'flushError', error }          the database's onFlushError
//
// `id` is a positive integer the caller picks, unique per worker. Messages of
// one call arrive in order (progress before the answer). `state` is
// { size, deletedCount, tombstoneRatio, memoryBytes } as they are after the
// call (undefined once the index is gone), sent only when it differs from
// the last counts sent (most calls change none of them); `stamp` is the
// worker's count of answers when they were taken, so that the caller keeps
// the latest counts when answers on the channel and as messages are read
// out of the worker's order. The caller's getters return the latest ones.

import { EdgeVecError } from '../errors.js';

/** The EdgeVecError fields (besides code and message) that cross with it. */
const ERROR_FIELDS = /** @type {const} */ ([
  'index', 'inserted', 'status', 'section', 'file', 'generation', 'chunk', 'seq', 'offset',
  'operation', 'httpStatus',
]);

/**
 * @typedef {object} EncodedError
 * @property {string} name
 * @property {string | null} code   an EdgeVecError's code, null for other errors
 * @property {string} message
 * @property {Record<string, string | number | boolean>} fields  every other
 *   own field holding a primitive (details of EdgeVecError, and whatever a
 *   storage backend's errors add)
 */

/**
 * An error as a clonable value. Errors are not sent as themselves: engines
 * clone an Error's name and message at best, and drop `code` and the rest.
 * @param {unknown} err
 * @returns {EncodedError}
 */
export function encodeError(err) {
  const e = /** @type {Record<string, unknown>} */ (err !== null && typeof err === 'object' ? err : {});
  const isEdgeVec = err instanceof EdgeVecError;
  /** @type {Record<string, string | number | boolean>} */
  const fields = {};
  for (const key of Object.keys(e)) {
    const v = e[key];
    if (key === 'code' || key === 'name' || key === 'message') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[key] = v;
  }
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    code: isEdgeVec && typeof e.code === 'string' ? e.code : null,
    message: err instanceof Error ? err.message : String(err),
    fields,
  };
}

/**
 * The caller's copy of an error the worker sent: an EdgeVecError with the
 * same code, message and fields. Any other error thrown in the worker is a
 * bug there, and becomes INTERNAL naming what it was.
 * @param {EncodedError} encoded
 * @param {unknown} [cause]
 * @returns {EdgeVecError}
 */
export function decodeError(encoded, cause) {
  if (encoded.code === null) {
    return new EdgeVecError('INTERNAL',
      `the EdgeVec worker failed: ${encoded.name}: ${encoded.message}`, { cause });
  }
  /** @type {Record<string, unknown>} */
  const details = { cause };
  for (const key of ERROR_FIELDS) details[key] = encoded.fields[key];
  const err = new EdgeVecError(/** @type {import('../errors.js').EdgeVecError['code']} */ (encoded.code),
    encoded.message, details);
  // Fields beyond EdgeVecError's own (a storage backend's) are kept too.
  for (const [key, value] of Object.entries(encoded.fields)) {
    if (!(key in err)) /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (err))[key] = value;
  }
  return err;
}

/**
 * @typedef {object} IndexState
 * @property {number} size
 * @property {number} deletedCount
 * @property {number} tombstoneRatio
 * @property {number} memoryBytes
 */

/**
 * @param {IndexState | undefined} a
 * @param {IndexState | undefined} b
 * @returns {boolean} whether both are the same counts (or both none)
 */
export function sameState(a, b) {
  if (a === undefined || b === undefined) return a === b;
  return a.size === b.size && a.deletedCount === b.deletedCount && a.tombstoneRatio === b.tombstoneRatio &&
    a.memoryBytes === b.memoryBytes;
}

/**
 * The counts a caller can read without a round trip, as they are now.
 * @param {{ disposed: boolean, size: number, deletedCount: number, tombstoneRatio: number, memoryBytes: number }} db
 * @returns {IndexState | undefined}
 */
export function stateOf(db) {
  if (db.disposed) return undefined;
  return {
    size: db.size, deletedCount: db.deletedCount, tombstoneRatio: db.tombstoneRatio,
    memoryBytes: db.memoryBytes,
  };
}
