// js/persistence/storage.js — which storage a persisted database uses: the
// storage option, checked, or the default (IndexedDB). The only module outside
// js/storage/ that names a backend.

import { invalidArgument, describe } from '../errors.js';
import { IndexedDbStorage } from '../storage/index.js';

/** @typedef {import('../storage/interface.js').EdgeVecStorage} EdgeVecStorage */

/**
 * @param {unknown} storage
 * @param {string} what  the call, for messages
 * @returns {EdgeVecStorage}
 */
export function chooseStorage(storage, what) {
  if (storage === undefined) {
    if (typeof indexedDB === 'undefined') {
      throw invalidArgument(`${what}: this environment has no IndexedDB; pass a storage ` +
        '(MemoryStorage, or NodeFileStorage in Node)');
    }
    return new IndexedDbStorage();
  }
  const st = /** @type {Partial<EdgeVecStorage> | null} */ (storage);
  if (st === null || typeof st !== 'object' || typeof st.open !== 'function' ||
      typeof st.list !== 'function' || typeof st.remove !== 'function') {
    throw invalidArgument(`${what}: storage must be a storage backend (open/list/remove), got ${describe(storage)}`);
  }
  return /** @type {EdgeVecStorage} */ (storage);
}
