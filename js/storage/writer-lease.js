// js/storage/writer-lease.js — the IndexedDB writer record: what fences a
// writer of IndexedDbStorage out when the writer lock cannot (the fallback of
// ./locks.js only excludes writers of one JS realm, so two tabs of a
// plain-http origin or of an old Safari could otherwise both write, and the
// stale one could reuse the other's next generation, delete its chunks and
// commit over them).
//
// ## The record
//
//   meta['writer'] = { token, heartbeatAt }
//
// A writable open, once it holds the writer lock, claims the record in one
// readwrite transaction: it reads it and writes its own random token. If the
// record names another token, the claim depends on the lock's scope:
//   'origin' (a Web Lock): the lock itself proves every other writer is
//            gone (closed, or its tab died and the browser freed the lock),
//            so the record is simply replaced;
//   'realm'  (no Web Locks): the other writer may live in another tab. Its
//            record counts as live while its heartbeat is younger than the
//            lease: the open fails with LOCKED. An older heartbeat is a
//            writer that died (or was suspended) without closing, and is
//            replaced.
// Every readwrite transaction of a writer (commits, each transaction of a
// checkpoint, cleanup) first reads the record inside that same transaction
// and aborts it, changing nothing, if the token is not its own: LOCKED.
// Because the check and the writes are one transaction, no interleaving of
// two tabs can let a writer that lost the record change anything. close()
// deletes the record if it is still its own.
//
// ## Lease and heartbeat (realm scope only)
//
// A writer without Web Locks rewrites heartbeatAt every HEARTBEAT_MS (a tiny
// 'relaxed' transaction: losing a heartbeat to a power cut costs nothing).
// LEASE_MS is 5 s: a writer that is killed, or a page that reloads without
// closing its database, keeps a second tab out for at most that long, while
// it is several heartbeats, so a background tab whose timers the browser
// slows to about once a second, or a main thread busy for a few seconds,
// does not lose the database. A writer tab that is frozen longer than the
// lease (a background tab the browser suspends or throttles to a timer a
// minute, a laptop asleep, a main thread blocked for longer) may find that
// another tab has taken the database over meanwhile. It is then fenced off:
// its heartbeat stops, and its next commit or checkpoint fails with LOCKED
// and writes nothing; what it had committed before stays, and what the new
// writer commits is never touched. Heartbeats use Date.now(), which all tabs
// of a browser share; a record whose heartbeat lies more than a lease in the
// future (the clock was set back) is treated as stale too, so a clock change
// can shorten a lease but never make a dead writer's record live for long.

import { storageError } from './errors.js';
import { newToken } from './locks.js';

/** Key of the writer record in the `meta` store. */
export const WRITER_KEY = 'writer';
/** How long a writer's heartbeat keeps other realms out (see above). */
export const LEASE_MS = 5_000;
/** How often a writer without Web Locks renews its heartbeat. */
export const HEARTBEAT_MS = 1_000;

/**
 * @typedef {object} WriterRecord
 * @property {string} token
 * @property {number} heartbeatAt  Date.now() of the last heartbeat
 */

/**
 * @typedef {object} LeaseOptions
 * @property {number} [leaseMs]      default LEASE_MS
 * @property {number} [heartbeatMs]  default HEARTBEAT_MS
 * @property {() => number} [now]    default Date.now (tests pass their own clock)
 */

/**
 * Runs one readwrite transaction over the `meta` store; `body` issues its
 * requests. Resolves when the transaction completes, rejects when it aborts.
 * @typedef {(body: (tx: IDBTransaction) => void, durability?: 'relaxed') => Promise<void>} MetaTransaction
 */

/** @param {unknown} value @returns {WriterRecord | null} */
function asRecord(value) {
  if (!value || typeof value !== 'object') return null;
  const r = /** @type {Partial<WriterRecord>} */ (value);
  return typeof r.token === 'string' ? { token: r.token, heartbeatAt: Number(r.heartbeatAt) } : null;
}

export class WriterLease {
  /**
   * @param {object} o
   * @param {string} o.name  database name, for messages
   * @param {'origin' | 'realm'} o.scope  scope of the writer lock held
   * @param {MetaTransaction} o.transact
   * @param {LeaseOptions} [o.options]
   */
  constructor({ name, scope, transact, options = {} }) {
    this.name = name;
    this.scope = scope;
    this.transact = transact;
    this.token = newToken();
    this.leaseMs = options.leaseMs ?? LEASE_MS;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.now = options.now ?? Date.now;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    this.stopped = false;
  }

  /** @param {unknown} value */
  isOwn(value) {
    const r = asRecord(value);
    return r !== null && r.token === this.token;
  }

  /** @param {WriterRecord | null} r */
  isLive(r) {
    if (!r || r.token === this.token || this.scope === 'origin') return false;
    const age = this.now() - r.heartbeatAt;
    return Number.isFinite(age) && Math.abs(age) < this.leaseMs;
  }

  /** @param {string} what */
  lockedError(what) {
    return storageError('LOCKED',
      `${what}: "${this.name}" is no longer this handle's to write: another writer took it over ` +
      '(this one was closed elsewhere, or stalled longer than its lease, e.g. a suspended tab); ' +
      'nothing was written. Open it again to continue');
  }

  /**
   * Writes this writer's record, unless another live writer holds it
   * (LOCKED). Then starts the heartbeat where the lock is only realm-wide.
   */
  async claim() {
    let taken = false;
    try {
      await this.transact((tx) => {
        const store = tx.objectStore('meta');
        const req = store.get(WRITER_KEY);
        req.onsuccess = () => {
          if (this.isLive(asRecord(req.result))) {
            taken = true;
            tx.abort();
            return;
          }
          store.put({ token: this.token, heartbeatAt: this.now() }, WRITER_KEY);
        };
      });
    } catch (err) {
      if (!taken) throw err;
    }
    if (taken) {
      throw storageError('LOCKED',
        `"${this.name}" is open for writing in another tab or worker (no Web Locks here, so its ` +
        `heartbeat shows it is alive); close it first or open read-only`);
    }
    if (this.scope === 'realm') this.schedule();
  }

  /**
   * Issues, as the first request of a writer's readwrite transaction, the
   * read of the record; if it is not this writer's, `onFenced` is called and
   * the transaction is aborted, which undoes every request in it.
   * @param {IDBTransaction} tx  must include the `meta` store
   * @param {() => void} onFenced
   */
  guard(tx, onFenced) {
    const req = tx.objectStore('meta').get(WRITER_KEY);
    req.onsuccess = () => {
      if (this.isOwn(req.result)) return;
      this.stop();
      onFenced();
      try { tx.abort(); } catch { /* already finishing */ }
    };
  }

  schedule() {
    if (this.stopped) return;
    const timer = setTimeout(() => { this.beat(); }, this.heartbeatMs);
    // Node: a heartbeat alone must not keep the process running.
    const t = /** @type {{ unref?: () => void }} */ (/** @type {unknown} */ (timer));
    if (typeof t === 'object' && t && typeof t.unref === 'function') t.unref();
    this.timer = timer;
  }

  /** One heartbeat: renews the record only while it is still ours. */
  async beat() {
    this.timer = null;
    if (this.stopped) return;
    let lost = false;
    try {
      await this.transact((tx) => {
        const store = tx.objectStore('meta');
        const req = store.get(WRITER_KEY);
        req.onsuccess = () => {
          if (this.isOwn(req.result)) store.put({ token: this.token, heartbeatAt: this.now() }, WRITER_KEY);
          else lost = true;
        };
      }, 'relaxed');
    } catch {
      // A failed heartbeat is retried; the check in every commit is what
      // keeps a writer that lost the record from writing.
    }
    if (lost) this.stop();
    else this.schedule();
  }

  stop() {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Stops the heartbeat and deletes the record if it is still ours (best effort). */
  async release() {
    this.stop();
    await this.transact((tx) => {
      const store = tx.objectStore('meta');
      const req = store.get(WRITER_KEY);
      req.onsuccess = () => {
        if (this.isOwn(req.result)) store.delete(WRITER_KEY);
      };
    }).catch(() => {});
  }
}
