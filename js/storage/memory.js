// js/storage/memory.js — MemoryStorage: the storage interface over plain Maps,
// for tests and for databases that need not outlive the page. It follows the
// same rules as the persistent backends (locks, copies, sequence checks: those
// of ./interface.js) so that code tested against it behaves the same against
// IndexedDB. Its writes are synchronous, so it needs no queue of writes.

import { storageError } from './errors.js';
import {
  checkName, checkSeq, checkAppendSeq, nextManifest, logStart, notCurrentSnapshot, notFound,
  closedError, refuseReadOnly, copyBytes, lockName,
} from './interface.js';
import { InProcessLocks, acquireWriterLock, newToken } from './locks.js';

/** @typedef {import('./interface.js').StorageManifest} StorageManifest */
/** @typedef {import('./interface.js').StorageHandle} StorageHandle */
/** @typedef {import('./interface.js').StorageState} StorageState */
/** @typedef {import('./interface.js').LogRecord} LogRecord */
/** @typedef {import('./interface.js').StorageOpenOptions} StorageOpenOptions */

/**
 * @typedef {object} MemoryDb
 * @property {StorageManifest | null} manifest
 * @property {Uint8Array | null} snapshot
 * @property {Map<number, Uint8Array>} log
 */

export class MemoryStorage {
  constructor() {
    /** @type {Map<string, MemoryDb>} */
    this.dbs = new Map();
    // Per instance: two MemoryStorage objects are two separate worlds.
    this.locks = new InProcessLocks();
    /** Names this instance's change channels apart from another's (./notify.js). */
    this.channelPrefix = `edgevec-changes:memory:${newToken()}:`;
  }

  /**
   * @param {string} name
   * @param {StorageOpenOptions} [options]
   * @returns {Promise<StorageHandle>}
   */
  async open(name, options = {}) {
    checkName(name);
    const readOnly = options.readOnly === true;
    if (readOnly) {
      if (!this.dbs.has(name)) throw notFound(name);
      return new MemoryHandle(this, name, true, null);
    }
    const lock = await acquireWriterLock(lockName(name), { locks: this.locks });
    if (!this.dbs.has(name)) this.dbs.set(name, { manifest: null, snapshot: null, log: new Map() });
    return new MemoryHandle(this, name, false, lock);
  }

  /** @returns {Promise<string[]>} */
  async list() {
    return [...this.dbs.keys()].sort();
  }

  /** @param {string} name */
  async remove(name) {
    checkName(name);
    const lock = await acquireWriterLock(lockName(name), { locks: this.locks });
    try {
      this.dbs.delete(name);
    } finally {
      await lock.release();
    }
  }

  /** @param {string} name @returns {Promise<number>} */
  async sizeBytes(name) {
    checkName(name);
    const db = this.dbs.get(name);
    return db ? dbSize(db) : 0;
  }
}

/** @param {MemoryDb} db */
function dbSize(db) {
  let n = db.snapshot ? db.snapshot.byteLength : 0;
  for (const b of db.log.values()) n += b.byteLength;
  return n;
}

/** @implements {StorageHandle} */
class MemoryHandle {
  /**
   * @param {MemoryStorage} storage
   * @param {string} name
   * @param {boolean} readOnly
   * @param {import('./locks.js').WriterLock | null} lock
   */
  constructor(storage, name, readOnly, lock) {
    this.storage = storage;
    this.name = name;
    this.readOnly = readOnly;
    this.lock = lock;
    this.closed = false;
    /** Where writers announce their changes (./notify.js). */
    this.changeChannel = storage.channelPrefix + name;
  }

  /**
   * @param {string} what
   * @returns {MemoryDb}
   */
  db(what) {
    if (this.closed) throw closedError(what, this.name);
    const db = this.storage.dbs.get(this.name);
    if (!db) throw storageError('STORAGE', `${what}: database "${this.name}" was removed`);
    return db;
  }

  /** @param {string} what */
  writable(what) {
    const db = this.db(what);
    refuseReadOnly(this, what);
    return db;
  }

  async readManifest() {
    const m = this.db('readManifest').manifest;
    return m ? { ...m } : null;
  }

  /** @param {number} generation */
  async readSnapshot(generation) {
    const db = this.db('readSnapshot');
    if (!db.manifest || !db.snapshot || db.manifest.generation !== generation) {
      throw notCurrentSnapshot(generation, this.name);
    }
    return db.snapshot.slice();
  }

  /** @param {number} [afterSeq] @returns {Promise<LogRecord[]>} */
  async readLog(afterSeq = 0) {
    checkSeq(afterSeq, 0, 'readLog');
    const db = this.db('readLog');
    const from = logStart(afterSeq, db.manifest);
    return [...db.log.entries()]
      .filter(([seq]) => seq > from)
      .sort((a, b) => a[0] - b[0])
      .map(([seq, bytes]) => ({ seq, bytes: bytes.slice() }));
  }

  /** @returns {Promise<StorageState>} */
  async load() {
    const db = this.db('load');
    return {
      manifest: db.manifest ? { ...db.manifest } : null,
      snapshot: db.snapshot ? db.snapshot.slice() : null,
      log: await this.readLog(0),
    };
  }

  /** @param {number} seq @param {Uint8Array} bytes */
  async appendLog(seq, bytes) {
    const db = this.writable('appendLog');
    checkSeq(seq, 1, 'appendLog');
    const copy = copyBytes(bytes, 'appendLog');
    checkAppendSeq(seq, Math.max(db.manifest ? db.manifest.snapshotSeq : 0, ...db.log.keys()));
    db.log.set(seq, copy);
  }

  /** @param {Uint8Array} bytes @param {number} seq @returns {Promise<StorageManifest>} */
  async writeSnapshot(bytes, seq) {
    const db = this.writable('writeSnapshot');
    checkSeq(seq, 0, 'writeSnapshot');
    const copy = copyBytes(bytes, 'writeSnapshot');
    const manifest = nextManifest(db.manifest, seq, copy.byteLength);
    db.manifest = manifest;
    db.snapshot = copy;
    for (const s of [...db.log.keys()]) if (s <= seq) db.log.delete(s);
    return { ...manifest };
  }

  /** Writes here are whole at once: nothing is ever left over. */
  async removeLeftovers() {
    this.writable('removeLeftovers');
  }

  async sizeBytes() {
    return dbSize(this.db('sizeBytes'));
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    if (this.lock) await this.lock.release();
  }
}
