// tests/node/helpers/faulty-storage.js — a storage that is a real one (a
// MemoryStorage, a NodeFileStorage, ...) whose handles refuse chosen writes
// the way a full disk or quota does: the write is refused before it reaches
// the real handle, so it changes nothing, exactly as a backend's failed write
// must. Every other call goes to the real storage and handle unchanged. It
// counts the attempts of each write.
import { storageError } from '../../../js/storage/errors.js';

/**
 * @typedef {object} FaultSwitches
 * @property {boolean} appendLog      refuse log records
 * @property {boolean} writeSnapshot  refuse snapshots
 */

/**
 * @param {import('../../../js/storage/interface.js').EdgeVecStorage} real
 * @returns {{ storage: import('../../../js/storage/interface.js').EdgeVecStorage,
 *   full: FaultSwitches, attempts: { appendLog: number, writeSnapshot: number } }}
 */
export function faultyStorage(real) {
  const full = { appendLog: false, writeSnapshot: false };
  const attempts = { appendLog: 0, writeSnapshot: 0 };
  const quota = (what) => storageError('STORAGE_QUOTA', `${what}: storage quota exceeded (injected)`);
  /** @param {any} handle */
  const wrapHandle = (handle) => new Proxy(handle, {
    get(target, prop) {
      if (prop === 'appendLog' || prop === 'writeSnapshot') {
        return async (/** @type {any} */ a, /** @type {any} */ b) => {
          attempts[prop]++;
          if (full[prop]) throw quota(prop);
          return target[prop](a, b);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const storage = {
    open: async (/** @type {string} */ name, /** @type {any} */ options) => wrapHandle(await real.open(name, options)),
    list: () => real.list(),
    remove: (/** @type {string} */ name) => real.remove(name),
    sizeBytes: (/** @type {string} */ name) => real.sizeBytes(name),
  };
  return { storage, full, attempts };
}
