// js/storage/errors.js — the typed errors of the storage backends, and the
// mapping from IndexedDB / file-system failures to their stable codes.
//
// Every error thrown by js/storage/ has `name === 'EdgeVecError'` and one of
// these `code`s, so callers can branch on `err.code` without caring which
// backend failed:
//   STORAGE_QUOTA    the browser or the disk refused the write for lack of
//                    space (IndexedDB `QuotaExceededError`, ENOSPC, EDQUOT)
//   STORAGE_BLOCKED  IndexedDB could not upgrade or delete the database
//                    because another connection (usually an older tab) keeps
//                    it open and does not close on `versionchange`
//   LOCKED           another writer holds this database (Web Lock, lock file,
//                    or a second writable open in the same page)
//   NOT_FOUND        a read-only open of a database that does not exist
//   CORRUPT          persisted bytes are damaged or missing: a manifest that
//                    fails its checks or is missing while snapshot pieces
//                    exist, a snapshot file or chunk missing or of the wrong
//                    size, a log value that is not bytes. `section` is
//                    'manifest', 'snapshot' or 'log', and `file`,
//                    `generation`, `chunk`, `seq` name the object where they
//                    apply. Retrying cannot help: restore from a backup.
//   UNSUPPORTED_VERSION  a newer release wrote the manifest or the IndexedDB
//                    schema: upgrade the package. Nothing was changed.
//   ABORTED          a writable open that waited for the writer to go
//                    (waitForWriter) was ended by its signal
//   STORAGE          anything else (I/O error, closed handle, misuse)
//
// They are built with the package's EdgeVecError (js/errors.js), so
// `err instanceof EdgeVecError` holds for them too.

import { EdgeVecError } from '../errors.js';

/** @typedef {'STORAGE' | 'STORAGE_QUOTA' | 'STORAGE_BLOCKED' | 'LOCKED' | 'NOT_FOUND' | 'CORRUPT' | 'UNSUPPORTED_VERSION' | 'ABORTED'} StorageErrorCode */

/**
 * The persisted object a CORRUPT error names.
 * @typedef {object} CorruptObject
 * @property {string} [file]        NodeFileStorage: the file
 * @property {number} [generation]  the snapshot generation
 * @property {number} [chunk]       IndexedDB: the chunk index within the generation
 * @property {number} [seq]         the log record
 * @property {unknown} [cause]
 */

/**
 * @param {StorageErrorCode} code
 * @param {string} message
 * @param {unknown} [cause]
 * @returns {EdgeVecError}
 */
export function storageError(code, message, cause) {
  return new EdgeVecError(code, message, cause === undefined ? {} : { cause });
}

/**
 * A CORRUPT error of persisted data.
 * @param {'manifest' | 'snapshot' | 'log'} section
 * @param {string} message  names the object
 * @param {CorruptObject} [object]
 * @returns {EdgeVecError}
 */
export function corruptError(section, message, object = {}) {
  /** @type {import('../errors.js').EdgeVecErrorDetails} */
  const details = { section };
  for (const k of /** @type {const} */ (['file', 'generation', 'chunk', 'seq', 'cause'])) {
    if (object[k] !== undefined) details[k] = /** @type {any} */ (object[k]);
  }
  return new EdgeVecError('CORRUPT', message, details);
}

/**
 * True for errors this layer already typed, so wrappers don't re-wrap them.
 * @param {unknown} err
 * @returns {err is EdgeVecError}
 */
export function isTypedError(err) {
  // EdgeVecError's own instanceof rule: a storage error built by another copy
  // of the package counts too.
  return err instanceof EdgeVecError;
}

/**
 * Turns a DOMException (or anything) from IndexedDB into a typed error.
 * Quota is reported by browsers either on the request or, more often, as the
 * transaction's `error` when it aborts; both arrive here.
 * @param {unknown} err
 * @param {string} what  what was being done, for the message
 * @returns {EdgeVecError}
 */
export function fromIdbError(err, what) {
  if (isTypedError(err)) return err;
  const name = err && typeof err === 'object' && 'name' in err ? String(err.name) : '';
  const detail = err instanceof Error || (err && typeof err === 'object' && 'message' in err)
    ? String(/** @type {{ message: unknown }} */ (err).message) : String(err);
  if (name === 'QuotaExceededError') {
    return storageError('STORAGE_QUOTA', `${what}: storage quota exceeded (${detail})`, err);
  }
  return storageError('STORAGE', `${what}: ${name || 'error'}${detail ? ` (${detail})` : ''}`, err);
}

/**
 * Turns a Node file-system error into a typed error.
 * @param {unknown} err
 * @param {string} what
 * @returns {EdgeVecError}
 */
export function fromFsError(err, what) {
  if (isTypedError(err)) return err;
  const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : '';
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return storageError('STORAGE_QUOTA', `${what}: no space left (${detail})`, err);
  }
  return storageError('STORAGE', `${what}: ${detail}`, err);
}
