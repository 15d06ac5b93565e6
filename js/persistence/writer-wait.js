// js/persistence/writer-wait.js — opening a database's storage handle, and
// waiting for its writer to go when asked to (the waitForWriter open option
// and becomeWriter()).
//
// How the wait works:
//  - IndexedDB where Web Locks exist: the open queues a request on the very
//    Web Lock the writer holds (js/storage/locks.js), which the browser
//    grants once that writer closes or its tab goes away. The writer record
//    of a writer that vanished is then simply replaced (the lock proves it
//    gone; js/storage/writer-lease.js).
//  - Everywhere else the open fails with LOCKED at once, and this module
//    tries again after a pause that doubles from RETRY_FIRST_MS up to
//    RETRY_MAX_MS: IndexedDB without Web Locks (plain-http origins, Safari
//    < 15.4), where a writer that vanished without closing keeps its writer
//    record live until its lease runs out (5 s after its last heartbeat);
//    NodeFileStorage, whose LOCK of a process that died is recognised as
//    stale; MemoryStorage. The longest pause bounds how late a waiting open
//    notices that the writer went; the doubling keeps a long wait cheap.
// An AbortSignal ends the wait (queued or between tries) with ABORTED.
// Writable handles are wrapped so that they announce their changes
// (js/storage/notify.js).

import { EdgeVecError } from '../errors.js';
import { waitAborted } from '../storage/locks.js';
import { announcing } from '../storage/notify.js';

/** @typedef {import('../storage/interface.js').EdgeVecStorage} EdgeVecStorage */
/** @typedef {import('../storage/interface.js').StorageHandle} StorageHandle */

/** First pause between tries of a waiting open that got LOCKED ... */
export const RETRY_FIRST_MS = 50;
/** ... doubling up to this. */
export const RETRY_MAX_MS = 1000;

/**
 * @typedef {object} HandleOptions
 * @property {boolean} readOnly
 * @property {boolean} [waitForWriter]  writable: wait for the writer instead of LOCKED
 * @property {AbortSignal} [signal]  ends the wait: ABORTED
 */

/**
 * Opens the storage handle of a persisted database.
 * @param {EdgeVecStorage} storage
 * @param {string} name
 * @param {HandleOptions} options
 * @returns {Promise<StorageHandle>}
 */
export async function openHandle(storage, name, options) {
  const { readOnly, signal } = options;
  if (readOnly || !options.waitForWriter) return announcing(await storage.open(name, { readOnly }));
  for (let pause = RETRY_FIRST_MS; ; pause = Math.min(pause * 2, RETRY_MAX_MS)) {
    if (signal?.aborted) throw waitAborted(name, signal.reason);
    try {
      return announcing(await storage.open(name, signal ? { waitForWriter: true, signal } : { waitForWriter: true }));
    } catch (err) {
      if (!(err instanceof EdgeVecError) || err.code !== 'LOCKED') throw err;
    }
    await sleep(pause, signal, name);
  }
}

/**
 * @param {number} ms
 * @param {AbortSignal | undefined} signal
 * @param {string} name  for the ABORTED message
 * @returns {Promise<void>}
 */
function sleep(ms, signal, name) {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(waitAborted(name, signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
