// js/storage/locks.js — one writer per database: a helper over the Web Locks
// API, and a fallback for realms without it (Node, old Safari < 15.4) that
// only excludes writers within the same JS realm.
//
// A writer lock is requested with `ifAvailable: true`, so a second writer
// fails at once with code 'LOCKED' instead of queueing behind the first (a
// tab that silently waits forever for another tab to close is worse than an
// error the page can show), unless the caller asks to wait (`wait`: the
// waitForWriter open option and becomeWriter(), which say so and can be
// aborted): then a Web Lock request queues until the holder lets go, and
// its AbortSignal takes it out of the queue (ABORTED). The fallback cannot
// queue; its callers retry (js/persistence/writer-wait.js).
// The lock is held until release() or until the tab/worker goes away;
// browsers release Web Locks of closed or crashed pages, so a killed tab
// never leaves a database locked.
//
// A lock says how far it reaches (`scope`): 'origin' for a Web Lock, which
// every tab and worker of the origin sees, 'realm' for the fallback, which
// nothing outside this JS realm sees. A storage whose lock is only
// realm-wide must fence its writers some other way (IndexedDbStorage: the
// lease in ./writer-lease.js). newToken() makes the random names the
// storages give their writers for that.

import { storageError } from './errors.js';

/**
 * The part of the Web Locks `LockManager` this module uses.
 * @typedef {object} LockManagerLike
 * @property {(name: string, options: LockRequestOptions, callback: (lock: unknown) => Promise<void> | void) => Promise<unknown>} request
 */
/**
 * @typedef {object} LockRequestOptions
 * @property {'exclusive'} mode
 * @property {boolean} [ifAvailable]
 * @property {AbortSignal} [signal]
 */

/**
 * @typedef {object} WriterLock
 * @property {string} name
 * @property {'origin' | 'realm'} scope  who else the lock excludes: every
 *   tab and worker of the origin (a Web Lock) or only this JS realm
 * @property {() => Promise<void>} release  idempotent; resolves once the lock is free
 */

/**
 * Exclusive, non-queueing locks within one JS realm. Only `ifAvailable: true`
 * requests are supported, which is all acquireWriterLock makes.
 * @implements {LockManagerLike}
 */
export class InProcessLocks {
  constructor() {
    /** @type {Set<string>} */
    this.held = new Set();
  }

  /**
   * @param {string} name
   * @param {LockRequestOptions} options
   * @param {(lock: unknown) => Promise<void> | void} callback
   * @returns {Promise<unknown>}
   */
  async request(name, options, callback) {
    if (!options || options.ifAvailable !== true) {
      throw storageError('STORAGE', 'InProcessLocks only supports ifAvailable requests');
    }
    if (this.held.has(name)) return callback(null);
    this.held.add(name);
    try {
      return await callback({ name, mode: 'exclusive' });
    } finally {
      this.held.delete(name);
    }
  }
}

/** Shared by every storage in this realm that finds no `navigator.locks`. */
const realmLocks = new InProcessLocks();

/**
 * The realm's LockManager, or the in-realm fallback.
 * @returns {LockManagerLike}
 */
export function defaultLocks() {
  const nav = /** @type {{ navigator?: { locks?: LockManagerLike } }} */ (globalThis).navigator;
  return nav && nav.locks && typeof nav.locks.request === 'function' ? nav.locks : realmLocks;
}

/**
 * A fresh random token (128 bits as hex) naming one writer. Uses
 * crypto.getRandomValues, which unlike crypto.randomUUID also exists on
 * plain-http origins, the very pages that lack Web Locks.
 * @returns {string}
 */
export function newToken() {
  const bytes = new Uint8Array(16);
  const c = /** @type {{ crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }} */ (globalThis).crypto;
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The error of a wait for the writer lock that its signal ended.
 * @param {string} name
 * @param {unknown} reason
 */
export function waitAborted(name, reason) {
  return storageError('ABORTED', `the wait for the writer of "${name}" was aborted`, reason);
}

/**
 * @typedef {object} AcquireOptions
 * @property {LockManagerLike} [locks]
 * @property {boolean} [wait]  queue behind the holder (a Web Lock only: the
 *   in-realm fallback cannot queue and still fails with LOCKED at once)
 * @property {AbortSignal} [signal]  ends the wait with ABORTED
 */

/**
 * Takes the exclusive lock `name` if nobody holds it, else throws 'LOCKED';
 * with `wait` (and a Web Lock), waits in the lock's queue until it is free.
 * @param {string} name  lock name (the storages use `edgevec:<database>`)
 * @param {AcquireOptions} [options]
 * @returns {Promise<WriterLock>}
 */
export function acquireWriterLock(name, options = {}) {
  const locks = options.locks ?? defaultLocks();
  /** @type {'origin' | 'realm'} */
  const scope = locks instanceof InProcessLocks ? 'realm' : 'origin';
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(waitAborted(name, signal.reason));
  /** @type {LockRequestOptions} */
  const request = options.wait && scope === 'origin'
    ? (signal ? { mode: 'exclusive', signal } : { mode: 'exclusive' })
    : { ifAvailable: true, mode: 'exclusive' };
  return new Promise((resolve, reject) => {
    /** @type {() => void} */
    let letGo = () => {};
    const held = new Promise((r) => { letGo = () => r(undefined); });
    /** @type {Promise<unknown>} */
    let done;
    try {
      done = locks.request(name, request, (lock) => {
        if (!lock) {
          reject(storageError('LOCKED',
            `"${name}" is open for writing elsewhere (another tab, worker or handle); ` +
            'close it first or open read-only'));
          return;
        }
        let released = false;
        resolve({
          name,
          scope,
          release: async () => {
            if (!released) { released = true; letGo(); }
            await done.catch(() => {});
          },
        });
        return held;
      });
    } catch (err) {
      reject(storageError('STORAGE', `could not request lock "${name}"`, err));
      return;
    }
    done.catch((err) => {
      // A queued request that its signal took out of the queue.
      if (signal?.aborted) reject(waitAborted(name, signal.reason));
      else reject(storageError('STORAGE', `could not request lock "${name}"`, err));
    });
  });
}
