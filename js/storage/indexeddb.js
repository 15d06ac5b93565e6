// js/storage/indexeddb.js — IndexedDbStorage: the browser's default backend.
// One IndexedDB database per EdgeVec database, named `<prefix><name>` (prefix
// 'edgevec:' by default).
//
// ## Layout (schema version 1)
//
//   object store  key                     value
//   meta          'manifest'              { format: 2, generation, snapshotSeq,
//                                           snapshotBytes, snapshotHeaderCrc,
//                                           chunkCount, crc } (./manifest.js;
//                                           format 1, without the header CRC
//                                           and the crc, is still read)
//   chunks        [generation, index]     Uint8Array, exact size, index from 0;
//                                         all chunks but the last are chunkBytes long
//   log           seq (number)            Uint8Array, exact size
//
//   meta          'pending'               g: the first snapshot, generation g,
//                                         is being written (no manifest yet)
//
// Absent 'manifest' means no snapshot has been written yet; chunks without
// a manifest are CORRUPT (the manifest is missing), never a new database,
// unless 'pending' marks them as a first snapshot cut short.
//
// ## Commits and what a crash leaves
//
// appendLog is one readwrite transaction (`add`, so a sequence number can
// never be overwritten). Before it completes nothing is visible.
//
// writeSnapshot(bytes, seq) with generation g current writes generation g+1:
//   T1..Tk-1  chunks of g+1, up to transactionBytes per transaction (T1 first deletes
//             any leftover chunks of generation >= g+1, and with no manifest
//             yet puts 'pending' = g+1);
//   Tk        the last chunks of g+1, a read-back of every chunk of g+1
//             compared with what was written (a difference aborts Tk:
//             CORRUPT, nothing deleted), then the manifest naming g+1,
//             deletion of every chunk of generation < g+1, of log records
//             <= seq and of 'pending'.
// Tk is the commit point. A tab closed or a quota error before Tk completes
// leaves manifest g, its chunks and its whole log: the database loads as
// before, and the chunks of g+1 are orphans that removeLeftovers() (or the
// next writeSnapshot) deletes. After Tk only g+1 and the log > seq exist.
// Readers read the manifest and the chunks it names in one transaction, so
// they never see a mix of generations. A writable open deletes nothing:
// removeLeftovers() runs only once the snapshot and the log it names have
// been read and decoded without error.
//
// Every readwrite transaction uses `durability: 'strict'` unless the storage
// was created with `durability: 'relaxed'` (faster: the browser may return
// before the data reaches the disk, so a power cut, not a closed tab, can
// lose the last commits).
//
// ## Connections, versions, locks
//
// A writable handle holds the Web Lock `<prefix><name>` (see ./locks.js) and
// the writer record `meta['writer']` (see ./writer-lease.js): every
// readwrite transaction of the handle checks, inside that transaction, that
// the record still names it, else aborts with LOCKED having changed nothing.
// Where Web Locks are missing that record, renewed by a heartbeat, is what
// keeps a second tab from writing. The handle keeps its connection open on `versionchange`: a newer page that wants to
// upgrade the schema, or a delete that bypasses the lock, is blocked and
// gets STORAGE_BLOCKED rather than cutting off a writer mid-commit. A
// database of a newer schema version is UNSUPPORTED_VERSION. A
// read-only handle closes on `versionchange` and then fails with STORAGE.
// A blocked deleteDatabase cannot be cancelled: the browser completes it
// once the blocking connection closes (remove() reports STORAGE_BLOCKED
// meanwhile). A blocked upgrade that later succeeds is closed at once.

import { corruptError, fromIdbError, storageError } from './errors.js';
import {
  checkName, checkSeq, checkAppendSeq, nextManifest, logStart, notCurrentSnapshot, notFound,
  refuseReadOnly, checkDurability, WriteQueue, checkBytes, concatBytes, copyBytes, publicManifest, checkReadBack,
} from './interface.js';
import {
  encodeManifest, decodeManifest, checkSnapshotBytes, snapshotHeaderCrc, missingManifest,
} from './manifest.js';
import { acquireWriterLock } from './locks.js';
import { WriterLease } from './writer-lease.js';

/** @typedef {import('./interface.js').StorageManifest} StorageManifest */
/** @typedef {import('./interface.js').StorageHandle} StorageHandle */
/** @typedef {import('./interface.js').StorageState} StorageState */
/** @typedef {import('./interface.js').LogRecord} LogRecord */
/** @typedef {import('./interface.js').StorageOpenOptions} StorageOpenOptions */
/** @typedef {import('./locks.js').LockManagerLike} LockManagerLike */
/** @typedef {import('./manifest.js').CheckedManifest} CheckedManifest */

/**
 * @typedef {object} IndexedDbStorageOptions
 * @property {IDBFactory} [indexedDB]  default: globalThis.indexedDB
 * @property {typeof IDBKeyRange} [IDBKeyRange]  default: globalThis.IDBKeyRange
 *   (both injectable so Node tests can use fake-indexeddb without globals)
 * @property {'strict' | 'relaxed'} [durability]  default 'strict'
 * @property {number} [chunkBytes]  snapshot chunk size, default 2 MiB
 * @property {number} [transactionBytes]  chunk bytes per transaction before the
 *   final one of a snapshot, default 8 MiB (bounds what one transaction holds)
 * @property {string} [prefix]  IndexedDB database name prefix, default 'edgevec:'
 * @property {number} [openTimeoutMs]  give up on an open or delete that is
 *   neither done nor reported blocked after this long, default 10000 (a request
 *   queued behind a blocked one gets no blocked event of its own)
 * @property {LockManagerLike} [locks]  default navigator.locks, else an in-realm fallback
 * @property {import('./writer-lease.js').LeaseOptions} [lease]  lease length,
 *   heartbeat period and clock of the writer record (tests shorten them)
 */

/** 2 MiB: big enough that a 100k x 128 f32 snapshot (its floats alone are
 * 51 MB; bench/results/api.md has the stored size) is a few dozen values,
 * small enough that no single structured clone is a large allocation spike. */
export const DEFAULT_CHUNK_BYTES = 2 * 1024 * 1024;
/** Bytes of chunks written per transaction before the final one. */
export const DEFAULT_TRANSACTION_BYTES = 8 * 1024 * 1024;
const MANIFEST_KEY = 'manifest';
const PENDING_KEY = 'pending';
const STORES = /** @type {const} */ (['meta', 'chunks', 'log']);

/**
 * Runs one transaction. `body` issues requests and returns a function that
 * reads their results; the promise settles once the transaction completes
 * (so a readwrite result is durable per the transaction's durability) or
 * rejects with the transaction's error when it aborts.
 * @template T
 * @param {IDBDatabase} db
 * @param {string[]} stores
 * @param {IDBTransactionMode} mode
 * @param {'strict' | 'relaxed'} durability
 * @param {(tx: IDBTransaction) => () => T} body
 * @returns {Promise<T>}
 */
function runTx(db, stores, mode, durability, body) {
  return new Promise((resolve, reject) => {
    /** @type {IDBTransaction} */
    let tx;
    try {
      tx = mode === 'readwrite' ? db.transaction(stores, mode, { durability }) : db.transaction(stores, mode);
    } catch (err) {
      reject(err);
      return;
    }
    /** @type {() => T} */
    let read = () => /** @type {T} */ (undefined);
    let failed = false;
    tx.oncomplete = () => {
      if (failed) return;
      try { resolve(read()); } catch (err) { reject(err); }
    };
    tx.onabort = () => {
      if (failed) return;
      failed = true;
      reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
    };
    try {
      read = body(tx);
    } catch (err) {
      failed = true;
      try { tx.abort(); } catch { /* already finished */ }
      reject(err);
    }
  });
}

/** @param {IDBRequest} req @param {(value: any) => void} onValue */
function onResult(req, onValue) {
  req.onsuccess = () => onValue(req.result);
}

/**
 * The chunks of one generation as stored: keys [generation, index] and values.
 * @typedef {object} StoredChunks
 * @property {IDBValidKey[]} keys
 * @property {unknown[]} values
 */

export class IndexedDbStorage {
  /** Schema version of the IndexedDB databases this class creates. */
  static SCHEMA_VERSION = 1;

  /** @param {IndexedDbStorageOptions} [options] */
  constructor(options = {}) {
    const factory = options.indexedDB ?? /** @type {{ indexedDB?: IDBFactory }} */ (globalThis).indexedDB;
    const keyRange = options.IDBKeyRange ?? /** @type {{ IDBKeyRange?: typeof IDBKeyRange }} */ (globalThis).IDBKeyRange;
    if (!factory || !keyRange) throw storageError('STORAGE', 'IndexedDB is not available here; pass { indexedDB, IDBKeyRange }');
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw storageError('STORAGE', 'chunkBytes must be a positive integer');
    const transactionBytes = options.transactionBytes ?? DEFAULT_TRANSACTION_BYTES;
    if (!Number.isSafeInteger(transactionBytes) || transactionBytes < 1) throw storageError('STORAGE', 'transactionBytes must be a positive integer');
    const durability = checkDurability(options.durability);
    /** @type {IDBFactory} */
    this.factory = factory;
    /** @type {typeof IDBKeyRange} */
    this.keyRange = keyRange;
    /** @type {'strict' | 'relaxed'} */
    this.durability = durability;
    this.chunkBytes = chunkBytes;
    this.transactionBytes = transactionBytes;
    this.prefix = options.prefix ?? 'edgevec:';
    this.openTimeoutMs = options.openTimeoutMs ?? 10_000;
    /** @type {LockManagerLike | undefined} */
    this.locks = options.locks;
    this.leaseOptions = options.lease ?? {};
  }

  /**
   * @param {string} name
   * @param {StorageOpenOptions} [options]
   * @returns {Promise<StorageHandle>}
   */
  async open(name, options = {}) {
    checkName(name);
    const readOnly = options.readOnly === true;
    const dbName = this.prefix + name;
    const lock = readOnly ? null : await acquireWriterLock(dbName, {
      ...(this.locks ? { locks: this.locks } : {}),
      wait: options.waitForWriter === true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    /** @type {IdbHandle | null} */
    let handle = null;
    try {
      const db = await this.connect(dbName, readOnly);
      handle = new IdbHandle(this, name, db, readOnly, lock);
      if (!readOnly) await handle.claimWriter();
      if (!readOnly) await handle.readState();
      return handle;
    } catch (err) {
      // close() releases the lock too
      if (handle) await handle.close();
      else if (lock) await lock.release();
      throw err;
    }
  }

  /**
   * Opens a connection; a read-only connect never creates the database.
   * @param {string} dbName
   * @param {boolean} readOnly
   * @returns {Promise<IDBDatabase>}
   */
  connect(dbName, readOnly) {
    const version = /** @type {typeof IndexedDbStorage} */ (this.constructor).SCHEMA_VERSION;
    return new Promise((resolve, reject) => {
      /** @type {IDBOpenDBRequest} */
      let req;
      try {
        req = this.factory.open(dbName, version);
      } catch (err) {
        reject(fromIdbError(err, `open "${dbName}"`));
        return;
      }
      let settled = false;
      let missing = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(storageError('STORAGE_BLOCKED',
          `open "${dbName}": no answer after ${this.openTimeoutMs} ms; another connection is probably blocking it (close other tabs and retry)`));
      }, this.openTimeoutMs);
      req.onupgradeneeded = (event) => {
        const tx = req.transaction;
        if (readOnly && event.oldVersion === 0) {
          // Aborting the upgrade of a new database deletes it again.
          missing = true;
          if (tx) tx.abort();
          return;
        }
        const db = req.result;
        for (const store of STORES) {
          if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
        }
      };
      req.onblocked = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(storageError('STORAGE_BLOCKED',
          `open "${dbName}": another connection (an older tab?) keeps the database open and blocks the upgrade to version ${version}; close other tabs and retry`));
      };
      req.onsuccess = () => {
        const db = req.result;
        clearTimeout(timer);
        if (settled) { db.close(); return; }
        settled = true;
        if (!STORES.every((s) => db.objectStoreNames.contains(s))) {
          db.close();
          reject(storageError('STORAGE', `open "${dbName}": not an EdgeVec database (missing object stores)`));
          return;
        }
        resolve(db);
      };
      req.onerror = (event) => {
        event.preventDefault();
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        if (missing) reject(notFound(dbName.slice(this.prefix.length)));
        else if (req.error && req.error.name === 'VersionError') {
          reject(storageError('UNSUPPORTED_VERSION',
            `open "${dbName}": written by a newer release (schema newer than version ${version}); load the page's latest version`, req.error));
        } else reject(fromIdbError(req.error, `open "${dbName}"`));
      };
    });
  }

  /** @returns {Promise<string[]>} */
  async list() {
    if (typeof this.factory.databases !== 'function') {
      throw storageError('STORAGE', 'this browser cannot list IndexedDB databases (indexedDB.databases() is missing)');
    }
    let infos;
    try {
      infos = await this.factory.databases();
    } catch (err) {
      throw fromIdbError(err, 'list databases');
    }
    return infos
      // WebKit keeps listing a database whose creation was aborted (a
      // read-only open of a missing name), with version 0: it holds nothing.
      .filter((info) => info.version !== 0)
      .map((info) => info.name ?? '')
      .filter((n) => n.startsWith(this.prefix) && n.length > this.prefix.length)
      .map((n) => n.slice(this.prefix.length))
      .sort();
  }

  /** @param {string} name */
  async remove(name) {
    checkName(name);
    const dbName = this.prefix + name;
    const lock = await acquireWriterLock(dbName, this.locks ? { locks: this.locks } : {});
    try {
      await new Promise((resolve, reject) => {
        /** @type {IDBOpenDBRequest} */
        let req;
        try {
          req = this.factory.deleteDatabase(dbName);
        } catch (err) {
          reject(fromIdbError(err, `remove "${name}"`));
          return;
        }
        let settled = false;
        const blocked = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(storageError('STORAGE_BLOCKED',
            `remove "${name}": another connection keeps the database open; it will be deleted once that connection closes`));
        };
        const timer = setTimeout(blocked, this.openTimeoutMs);
        req.onblocked = blocked;
        req.onsuccess = () => { clearTimeout(timer); if (!settled) { settled = true; resolve(undefined); } };
        req.onerror = () => { clearTimeout(timer); if (!settled) { settled = true; reject(fromIdbError(req.error, `remove "${name}"`)); } };
      });
    } finally {
      await lock.release();
    }
  }

  /** @param {string} name @returns {Promise<number>} */
  async sizeBytes(name) {
    checkName(name);
    let db;
    try {
      db = await this.connect(this.prefix + name, true);
    } catch (err) {
      if (err instanceof Error && /** @type {{ code?: string }} */ (err).code === 'NOT_FOUND') return 0;
      throw err;
    }
    const handle = new IdbHandle(this, name, db, true, null);
    try {
      return await handle.sizeBytes();
    } finally {
      await handle.close();
    }
  }
}

/** @implements {StorageHandle} */
class IdbHandle {
  /**
   * @param {IndexedDbStorage} storage
   * @param {string} name
   * @param {IDBDatabase} db
   * @param {boolean} readOnly
   * @param {import('./locks.js').WriterLock | null} lock
   */
  constructor(storage, name, db, readOnly, lock) {
    this.storage = storage;
    this.name = name;
    this.readOnly = readOnly;
    this.db = db;
    this.lock = lock;
    /** Where writers announce their changes (./notify.js). */
    this.changeChannel = `edgevec-changes:idb:${storage.prefix}${name}`;
    /** @type {string | null} why the handle can no longer be used */
    this.gone = null;
    /** Highest sequence number stored (log or snapshot); writers only. */
    this.lastSeq = 0;
    /** @type {CheckedManifest | null} the writer's view of the manifest */
    this.manifest = null;
    this.writes = new WriteQueue(name);
    /** @type {Promise<void> | null} */
    this.closed = null;
    /** @type {WriterLease | null} the writer record this handle holds; writers only */
    this.lease = null;
    db.onversionchange = () => {
      // Writers stay open (see the file comment); readers make way.
      if (!this.readOnly) return;
      this.gone = 'closed because another page upgraded or deleted the database';
      db.close();
    };
    db.onclose = () => {
      // Fired when the browser closes the connection itself (storage cleared,
      // disk error), not on our own close().
      this.gone = this.gone ?? 'the browser closed the connection (storage cleared or failed)';
    };
  }

  /** @param {string} what @param {boolean} write */
  check(what, write) {
    if (this.gone) throw storageError('STORAGE', `${what}: database "${this.name}" ${this.gone}`);
    if (write) refuseReadOnly(this, what);
  }

  /**
   * @template T
   * @param {string} what
   * @param {readonly string[]} stores
   * @param {IDBTransactionMode} mode
   * @param {(tx: IDBTransaction) => () => T} body
   * @returns {Promise<T>}
   */
  async tx(what, stores, mode, body) {
    this.check(what, mode === 'readwrite');
    // A writer's readwrite transaction first checks, within itself, that the
    // writer record is still this handle's (see ./writer-lease.js).
    const lease = mode === 'readwrite' ? this.lease : null;
    let fenced = false;
    const scope = lease && !stores.includes('meta') ? [...stores, 'meta'] : [...stores];
    try {
      return await runTx(this.db, scope, mode, this.storage.durability, (tx) => {
        if (lease) lease.guard(tx, () => { fenced = true; });
        return body(tx);
      });
    } catch (err) {
      if (fenced && lease) throw lease.lockedError(what);
      throw fromIdbError(err, `${what} "${this.name}"`);
    }
  }

  /** The IndexedDB database, for messages. */
  get dbName() {
    return `IndexedDB database "${this.storage.prefix}${this.name}"`;
  }

  /**
   * Writer open: claims the writer record (LOCKED if a live writer of
   * another realm holds it). A failed open's close() gives it back.
   */
  async claimWriter() {
    this.lease = new WriterLease({
      name: this.name,
      scope: this.lock ? this.lock.scope : 'realm',
      transact: (body, durability) => runTx(this.db, ['meta'], 'readwrite', durability ?? this.storage.durability, (tx) => {
        body(tx);
        return () => undefined;
      }),
      options: this.storage.leaseOptions,
    });
    try {
      await this.lease.claim();
    } catch (err) {
      throw fromIdbError(err, `open "${this.name}"`);
    }
  }

  /**
   * @param {unknown} value  the stored manifest record
   * @returns {CheckedManifest | null}
   */
  decode(value) {
    if (value === undefined) return null;
    return decodeManifest(value, { text: `the manifest record of ${this.dbName}` }, { chunked: true });
  }

  /**
   * Counts, within `tx`, the chunks not marked as a first snapshot being
   * written (see 'pending' in the file comment).
   * @param {IDBTransaction} tx
   * @param {(unmarked: number) => void} onCount
   */
  countUnmarkedChunks(tx, onCount) {
    const chunks = tx.objectStore('chunks');
    onResult(tx.objectStore('meta').get(PENDING_KEY), (pending) => {
      onResult(chunks.count(), (total) => {
        if (typeof pending !== 'number') { onCount(total); return; }
        const range = this.storage.keyRange.bound([pending], [pending + 1], false, true);
        onResult(chunks.count(range), (marked) => onCount(total - marked));
      });
    });
  }

  /**
   * Chunks without a manifest: CORRUPT, not a new database, unless marked
   * as a first snapshot that was being written.
   * @param {CheckedManifest | null} manifest
   * @param {number} unmarked  chunks stored, of any generation, not marked pending
   */
  refuseOrphanChunks(manifest, unmarked) {
    if (!manifest && unmarked > 0) throw missingManifest(`${this.dbName} holds ${unmarked} snapshot chunks`);
  }

  /**
   * Writer open: learns the manifest and the last sequence number. Deletes
   * nothing (see removeLeftovers).
   */
  async readState() {
    const state = await this.tx('open', STORES, 'readwrite', (tx) => {
      /** @type {unknown} */
      let value;
      let chunkCount = 0;
      let lastLog = 0;
      onResult(tx.objectStore('meta').get(MANIFEST_KEY), (v) => { value = v; });
      this.countUnmarkedChunks(tx, (n) => { chunkCount = n; });
      onResult(tx.objectStore('log').openKeyCursor(null, 'prev'), (cursor) => {
        if (cursor) lastLog = Number(cursor.key);
      });
      return () => ({ value, chunkCount, lastLog });
    });
    const manifest = this.decode(state.value);
    this.refuseOrphanChunks(manifest, state.chunkCount);
    this.manifest = manifest;
    this.lastSeq = Math.max(state.lastLog, manifest ? manifest.snapshotSeq : 0);
  }

  /**
   * Deletes chunks of unfinished or replaced generations (a checkpoint cut
   * short by a closed tab or an error) and log records the snapshot holds,
   * going by the manifest read in the same transaction. The persistence
   * layer calls it once that manifest's snapshot and log have been read and
   * decoded.
   * @returns {Promise<void>}
   */
  async removeLeftovers() {
    this.check('removeLeftovers', true);
    this.writes.refuseIfClosing('removeLeftovers');
    const range = this.storage.keyRange;
    return this.writes.run(async () => {
      /** @type {unknown} */
      let bad = null;
      try {
        await this.tx('removeLeftovers', STORES, 'readwrite', (tx) => {
          onResult(tx.objectStore('meta').get(MANIFEST_KEY), (value) => {
            /** @type {CheckedManifest | null} */
            let manifest;
            try {
              manifest = this.decode(value);
            } catch (err) {
              // Nothing is deleted on the word of a bad manifest.
              bad = err;
              tx.abort();
              return;
            }
            const chunks = tx.objectStore('chunks');
            if (!manifest) {
              // Only the chunks of an unfinished first snapshot may go.
              this.countUnmarkedChunks(tx, (unmarked) => {
                try {
                  this.refuseOrphanChunks(null, unmarked);
                } catch (err) {
                  bad = err;
                  tx.abort();
                  return;
                }
                chunks.clear();
                tx.objectStore('meta').delete(PENDING_KEY);
              });
              return;
            }
            const gen = manifest.generation;
            chunks.delete(range.upperBound([gen], true));
            chunks.delete(range.lowerBound([gen + 1]));
            tx.objectStore('meta').delete(PENDING_KEY);
            if (manifest.snapshotSeq > 0) tx.objectStore('log').delete(range.upperBound(manifest.snapshotSeq));
          });
          return () => undefined;
        });
      } catch (err) {
        throw bad ?? err;
      }
    });
  }

  /** @returns {Promise<StorageManifest | null>} */
  async readManifest() {
    const value = await this.tx('readManifest', ['meta'], 'readonly', (tx) => {
      /** @type {unknown} */
      let v;
      onResult(tx.objectStore('meta').get(MANIFEST_KEY), (r) => { v = r; });
      return () => v;
    });
    return publicManifest(this.decode(value));
  }

  /**
   * Issues the reads of a generation's chunks within `tx`.
   * @param {IDBTransaction} tx
   * @param {number} generation
   * @param {(chunks: StoredChunks) => void} onChunks
   */
  readChunks(tx, generation, onChunks) {
    const range = this.storage.keyRange.bound([generation], [generation + 1], false, true);
    const store = tx.objectStore('chunks');
    /** @type {IDBValidKey[]} */
    let keys = [];
    onResult(store.getAllKeys(range), (k) => { keys = k; });
    onResult(store.getAll(range), (values) => onChunks({ keys, values }));
  }

  /**
   * The snapshot from its chunks, checked against the manifest: every chunk
   * present in order, bytes, and the total length and header CRC the
   * manifest names.
   * @param {CheckedManifest | null} manifest
   * @param {number} generation
   * @param {StoredChunks | null} chunks
   * @returns {Uint8Array}
   */
  assemble(manifest, generation, chunks) {
    if (!manifest || manifest.generation !== generation || !chunks) throw notCurrentSnapshot(generation, this.name);
    const what = `generation ${generation} of ${this.dbName}`;
    const count = /** @type {number} */ (manifest.chunkCount);
    /** @param {number} chunk @param {string} problem */
    const bad = (chunk, problem) => corruptError('snapshot', `${what}: chunk ${chunk} ${problem}`, { generation, chunk });
    /** @type {Uint8Array[]} */
    const parts = [];
    let total = 0;
    for (let i = 0; i < chunks.keys.length; i++) {
      const key = /** @type {unknown[]} */ (chunks.keys[i]);
      if (key[1] !== i) throw bad(i, `is missing (the manifest names ${count} chunks)`);
      const value = chunks.values[i];
      if (!(value instanceof Uint8Array)) throw bad(i, 'is not bytes');
      parts.push(value);
      total += value.byteLength;
    }
    if (parts.length !== count) {
      throw parts.length < count
        ? bad(parts.length, `is missing (the manifest names ${count} chunks)`)
        : bad(count, `is one more than the ${count} the manifest names`);
    }
    if (total !== manifest.snapshotBytes) {
      // Every chunk but the last was written full size: name the first that is not.
      const full = Math.max(0, ...parts.map((p) => p.byteLength));
      let odd = parts.findIndex((p, i) => i < parts.length - 1 && p.byteLength !== full);
      if (odd < 0) odd = parts.length - 1;
      throw bad(odd, `has ${parts[odd].byteLength} bytes: the chunks hold ${total} bytes, the manifest says ${manifest.snapshotBytes}`);
    }
    const bytes = concatBytes(parts, total);
    checkSnapshotBytes(manifest, bytes, { text: what });
    return bytes;
  }

  /** @param {number} generation @returns {Promise<Uint8Array>} */
  async readSnapshot(generation) {
    const r = await this.tx('readSnapshot', ['meta', 'chunks'], 'readonly', (tx) => {
      /** @type {unknown} */
      let m;
      /** @type {StoredChunks | null} */
      let chunks = null;
      onResult(tx.objectStore('meta').get(MANIFEST_KEY), (v) => { m = v; });
      this.readChunks(tx, generation, (c) => { chunks = c; });
      return () => ({ m, chunks });
    });
    return this.assemble(this.decode(r.m), generation, r.chunks);
  }

  /**
   * @param {IDBTransaction} tx
   * @param {number} afterSeq
   * @param {(records: { seq: number, bytes: unknown }[]) => void} onRecords
   */
  readLogIn(tx, afterSeq, onRecords) {
    const range = this.storage.keyRange.lowerBound(afterSeq, true);
    const log = tx.objectStore('log');
    /** @type {IDBValidKey[]} */
    let keys = [];
    onResult(log.getAllKeys(range), (k) => { keys = k; });
    onResult(log.getAll(range), (/** @type {unknown[]} */ values) => {
      onRecords(values.map((bytes, i) => ({ seq: Number(keys[i]), bytes })));
    });
  }

  /**
   * The records, checked to be bytes.
   * @param {{ seq: number, bytes: unknown }[]} records
   * @returns {LogRecord[]}
   */
  logRecords(records) {
    for (const r of records) {
      if (!(r.bytes instanceof Uint8Array)) {
        throw corruptError('log', `log record ${r.seq} of ${this.dbName} is not bytes`, { seq: r.seq });
      }
    }
    return /** @type {LogRecord[]} */ (records);
  }

  /** @param {number} [afterSeq] @returns {Promise<LogRecord[]>} */
  async readLog(afterSeq = 0) {
    checkSeq(afterSeq, 0, 'readLog');
    const r = await this.tx('readLog', ['meta', 'log'], 'readonly', (tx) => {
      /** @type {unknown} */
      let m;
      /** @type {{ seq: number, bytes: unknown }[]} */
      let records = [];
      onResult(tx.objectStore('meta').get(MANIFEST_KEY), (v) => { m = v; });
      this.readLogIn(tx, afterSeq, (rs) => { records = rs; });
      return () => ({ m, records });
    });
    const from = logStart(afterSeq, this.decode(r.m));
    return this.logRecords(r.records.filter((rec) => rec.seq > from));
  }

  /** @returns {Promise<StorageState>} */
  async load() {
    const r = await this.tx('load', STORES, 'readonly', (tx) => {
      /** @type {CheckedManifest | null} */
      let manifest = null;
      /** @type {unknown} */
      let bad = null;
      /** @type {StoredChunks | null} */
      let chunks = null;
      let chunkCount = 0;
      /** @type {{ seq: number, bytes: unknown }[]} */
      let records = [];
      onResult(tx.objectStore('meta').get(MANIFEST_KEY), (v) => {
        try { manifest = this.decode(v); } catch (err) { bad = err; return; }
        if (manifest) this.readChunks(tx, manifest.generation, (c) => { chunks = c; });
        else this.countUnmarkedChunks(tx, (n) => { chunkCount = n; });
        this.readLogIn(tx, manifest ? manifest.snapshotSeq : 0, (rs) => { records = rs; });
      });
      return () => ({ manifest, bad, chunks, chunkCount, records });
    });
    if (r.bad) throw r.bad;
    const manifest = /** @type {CheckedManifest | null} */ (r.manifest);
    this.refuseOrphanChunks(manifest, r.chunkCount);
    return {
      manifest: publicManifest(manifest),
      snapshot: manifest ? this.assemble(manifest, manifest.generation, r.chunks) : null,
      log: this.logRecords(r.records),
    };
  }

  /** @param {number} seq @param {Uint8Array} bytes */
  async appendLog(seq, bytes) {
    this.check('appendLog', true);
    this.writes.refuseIfClosing('appendLog');
    checkSeq(seq, 1, 'appendLog');
    const copy = copyBytes(bytes, 'appendLog');
    return this.writes.run(async () => {
      checkAppendSeq(seq, this.lastSeq);
      await this.tx('appendLog', ['log'], 'readwrite', (tx) => {
        tx.objectStore('log').add(copy, seq);
        return () => undefined;
      });
      this.lastSeq = seq;
    });
  }

  /** @param {Uint8Array} bytes @param {number} seq @returns {Promise<StorageManifest>} */
  async writeSnapshot(bytes, seq) {
    this.check('writeSnapshot', true);
    this.writes.refuseIfClosing('writeSnapshot');
    checkSeq(seq, 0, 'writeSnapshot');
    checkBytes(bytes, 'writeSnapshot');
    const headerCrc = snapshotHeaderCrc(bytes);
    // Copy every chunk now: the caller's buffer may change (or a wasm heap
    // view detach) while the transactions below are in flight.
    const size = this.storage.chunkBytes;
    /** @type {Uint8Array[]} */
    const chunks = [];
    for (let at = 0; at < bytes.byteLength; at += size) chunks.push(bytes.slice(at, at + size));
    const total = bytes.byteLength;
    return this.writes.run(() => this.writeChunks(chunks, total, seq, headerCrc));
  }

  /**
   * @param {Uint8Array[]} chunks  exact-size copies
   * @param {number} total
   * @param {number} seq
   * @param {number} headerCrc  of the whole snapshot (see ./manifest.js)
   * @returns {Promise<StorageManifest>}
   */
  async writeChunks(chunks, total, seq, headerCrc) {
    const size = this.storage.chunkBytes;
    const next = nextManifest(this.manifest, seq, total);
    const generation = next.generation;
    const stored = encodeManifest({
      generation, snapshotSeq: seq, snapshotBytes: total, snapshotHeaderCrc: headerCrc, chunkCount: chunks.length,
    });
    const range = this.storage.keyRange;
    const perTx = Math.max(1, Math.floor(this.storage.transactionBytes / size));
    const lastGroup = Math.max(0, chunks.length - perTx);
    // A first snapshot over several transactions is marked until its
    // manifest exists, so that chunks left by a closed tab do not read as a
    // lost manifest.
    const mark = !this.manifest;
    /** @type {unknown} */
    let readBackError = null;
    try {
      for (let first = 0; first < lastGroup; first += perTx) {
        const end = Math.min(first + perTx, lastGroup);
        await this.tx('writeSnapshot', ['chunks', 'meta'], 'readwrite', (tx) => {
          const store = tx.objectStore('chunks');
          if (first === 0 && mark) tx.objectStore('meta').put(generation, PENDING_KEY);
          if (first === 0) store.delete(range.lowerBound([generation]));
          for (let i = first; i < end; i++) store.put(chunks[i], [generation, i]);
          return () => undefined;
        });
      }
      await this.tx('writeSnapshot', STORES, 'readwrite', (tx) => {
        const store = tx.objectStore('chunks');
        if (lastGroup === 0) store.delete(range.lowerBound([generation]));
        for (let i = lastGroup; i < chunks.length; i++) store.put(chunks[i], [generation, i]);
        // Read back every chunk of the new generation (those of the earlier
        // transactions as stored) before this transaction names it and
        // deletes what it replaces (interface.js, checkReadBack); a
        // difference aborts it, so nothing is deleted.
        const back = store.getAll(range.bound([generation], [generation, Infinity]));
        back.onsuccess = () => {
          try {
            checkReadBack(chunks, back.result, generation, this.dbName, true);
          } catch (err) {
            readBackError = err;
            tx.abort();
            return;
          }
          tx.objectStore('meta').put(stored, MANIFEST_KEY);
          tx.objectStore('meta').delete(PENDING_KEY);
          store.delete(range.upperBound([generation], true));
          if (seq > 0) tx.objectStore('log').delete(range.upperBound(seq));
        };
        return () => undefined;
      });
    } catch (err) {
      // Not committed: the previous generation is intact. Drop what was
      // written of this one now rather than at the next open (best effort;
      // after a quota error, deleting usually still works).
      await this.tx('writeSnapshot cleanup', ['chunks', 'meta'], 'readwrite', (tx) => {
        tx.objectStore('chunks').delete(range.lowerBound([generation]));
        if (mark) tx.objectStore('meta').delete(PENDING_KEY);
        return () => undefined;
      }).catch(() => {});
      throw readBackError ?? err;
    }
    this.manifest = this.decode(stored);
    this.lastSeq = Math.max(this.lastSeq, seq);
    return next;
  }

  /** @returns {Promise<number>} */
  async sizeBytes() {
    const r = await this.tx('sizeBytes', ['meta', 'log'], 'readonly', (tx) => {
      /** @type {unknown} */
      let m;
      let logBytes = 0;
      onResult(tx.objectStore('meta').get(MANIFEST_KEY), (v) => { m = v; });
      onResult(tx.objectStore('log').getAll(), (values) => {
        for (const v of values) logBytes += v instanceof Uint8Array ? v.byteLength : 0;
      });
      return () => ({ m, logBytes });
    });
    const manifest = this.decode(r.m);
    return (manifest ? manifest.snapshotBytes : 0) + r.logBytes;
  }

  /**
   * Lets the writes already made finish (a close() right after an unawaited
   * commit must not lose it), then closes the connection and frees the lock.
   * @returns {Promise<void>}
   */
  close() {
    if (!this.closed) {
      this.closed = (async () => {
        await this.writes.close();
        // Stops the heartbeat whatever the state of the connection.
        if (this.lease) await this.lease.release();
        if (!this.gone) this.gone = 'closed';
        this.db.onversionchange = null;
        this.db.close();
        if (this.lock) await this.lock.release();
      })();
    }
    return this.closed;
  }
}
