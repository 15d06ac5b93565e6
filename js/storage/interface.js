// js/storage/interface.js — the storage interface: what the persistence layer
// needs from a place that keeps bytes, and the rules every backend shares
// (checks, refusals with their messages, the queue of writes), so that each
// is written once. The C core produces and
// parses the bytes (snapshot and log formats are documented where they are
// implemented); a backend only stores opaque byte strings atomically.
//
// ## Model
//
// A storage holds named databases. A database is:
//   - at most one *snapshot*: the full index as one byte string, identified
//     by a generation number, plus `snapshotSeq`, the sequence number of the
//     last log record the snapshot already contains (0 if none);
//   - a *log*: byte strings keyed by strictly increasing sequence numbers
//     (positive safe integers), one per committed batch of mutations.
// Loading = read the snapshot (if any), then replay readLog(snapshotSeq).
//
// ## Operations and their atomicity
//
// Each write call is atomic: after a crash (killed tab, killed process,
// power loss with `durability: 'strict'`) the database is as it was before
// the call or as it is after it, never in between.
//
//   appendLog(seq, bytes)   adds one record. Before the commit point nothing
//                           is visible; after it the record is.
//   writeSnapshot(bytes, seq)
//                           writes the new snapshot under generation g+1,
//                           then in one commit point: names g+1 current,
//                           deletes log records <= seq and snapshot g.
//                           A crash before the commit point leaves snapshot
//                           g and its whole log (the new generation's pieces
//                           are orphans). A crash after it leaves g+1 and
//                           records > seq (leftovers of g / of the log <= seq
//                           may remain on disk for NodeFileStorage). Reads
//                           never return leftovers; removeLeftovers() deletes
//                           them.
//   removeLeftovers()       deletes what interrupted writes left behind. A
//                           writable open() itself deletes nothing: the
//                           persistence layer calls this only after the
//                           snapshot and the log were read and decoded
//                           without error, so nothing is deleted on the word
//                           of a manifest that has not been proven right.
//
// ## What open and load check
//
// The manifest carries a checksum and the snapshot's header CRC
// (./manifest.js). A manifest that fails its checks, a snapshot file or
// chunk that is missing or is not the one the manifest names, snapshot
// pieces with no manifest at all (a first checkpoint that a crash cut short
// marks its pieces, which are then orphans, not this), a log value that is
// not bytes: CORRUPT
// with `section` 'manifest', 'snapshot' or 'log', naming the object. A
// manifest format or IndexedDB schema of a newer release:
// UNSUPPORTED_VERSION. A failed open leaves every stored object as it was.
// Only a database with no snapshot is new.
//
// Writes issued on one handle without awaiting the previous one are applied
// one after another in call order; the bytes are copied when the call is
// made. Reads do not wait for queued writes. close() waits for the writes
// already made, then refuses new ones (STORAGE).
//
// ## Writers and readers
//
// open(name) takes the database's writer lock for the lifetime of the handle
// (for IndexedDbStorage a Web Lock named like the IndexedDB database,
// `edgevec:<name>` by default, falling back to a lock scoped to the JS realm
// where `navigator.locks` is missing: Node, insecure origins, Safari < 15.4;
// a lock file for NodeFileStorage; a per-instance set for MemoryStorage). A
// second writable open of the same name while the first is open fails at
// once with code 'LOCKED' (it does not wait, unless asked to: below). Browsers release the Web Lock
// of a closed or crashed tab, so a killed writer never leaves it locked.
// Writers are also fenced where the lock cannot see them (IndexedDB without
// Web Locks: the writer record of ./writer-lease.js; files: the token in
// LOCK): a commit or checkpoint of a writer that is no longer the owner
// fails with 'LOCKED' and changes nothing.
// open(name, { waitForWriter: true, signal }) instead queues for a Web Lock
// until the writer goes (the persistence layer retries with back-off where
// the lock cannot queue: js/persistence/writer-wait.js).
// open(name, { readOnly: true }) takes no lock and never writes; it fails
// with 'NOT_FOUND' if the database does not exist.
// remove(name) takes the writer lock too, so it fails with 'LOCKED' while a
// writer has the database open.
//
// Errors are the package's EdgeVecError (see ./errors.js) with code
// STORAGE_QUOTA, STORAGE_BLOCKED, LOCKED, NOT_FOUND, CORRUPT,
// UNSUPPORTED_VERSION or STORAGE. A failed
// write changes nothing visible and leaves the handle usable: the same call
// (same sequence number) can be retried, e.g. after the user frees space.
//
// Bytes passed in are copied to an exact-size buffer before being stored, so
// a view over a larger buffer (e.g. the wasm heap) stores only its own bytes
// and the caller may reuse its buffer as soon as the call returns. Bytes
// returned are owned by the caller.

/**
 * What names the current snapshot of a database.
 * @typedef {object} StorageManifest
 * @property {number} generation   increases by one per writeSnapshot
 * @property {number} snapshotSeq  last log sequence number contained in the snapshot
 * @property {number} snapshotBytes  length of the snapshot
 */

/**
 * One log record.
 * @typedef {object} LogRecord
 * @property {number} seq
 * @property {Uint8Array} bytes
 */

/**
 * Everything needed to load a database, read from one consistent state.
 * @typedef {object} StorageState
 * @property {StorageManifest | null} manifest  null before the first snapshot
 * @property {Uint8Array | null} snapshot       null before the first snapshot
 * @property {LogRecord[]} log                  records after manifest.snapshotSeq, in order
 */

/**
 * @typedef {object} StorageOpenOptions
 * @property {boolean} [readOnly]  no writer lock, no writes; NOT_FOUND if missing
 * @property {boolean} [waitForWriter]  writable opens: where the writer lock
 *   can queue (a Web Lock), wait in that queue for the current writer to go
 *   instead of failing with LOCKED at once; elsewhere the open still fails
 *   with LOCKED and the caller retries (js/persistence/writer-wait.js)
 * @property {AbortSignal} [signal]  ends such a wait: ABORTED
 */

/**
 * An open database.
 * @typedef {object} StorageHandle
 * @property {string} name
 * @property {boolean} readOnly
 * @property {string} [changeChannel]  the BroadcastChannel name on which
 *   writers of this database announce their changes (./notify.js); a
 *   storage without one is followed by polling only
 * @property {() => Promise<StorageManifest | null>} readManifest
 * @property {(generation: number) => Promise<Uint8Array>} readSnapshot
 *   the snapshot of that generation; STORAGE error if it is not the current one
 * @property {(afterSeq?: number) => Promise<LogRecord[]>} readLog
 *   records with seq > max(afterSeq, snapshotSeq), ascending
 * @property {() => Promise<StorageState>} load
 *   manifest, snapshot and log from one consistent state (one IndexedDB transaction)
 * @property {(seq: number, bytes: Uint8Array) => Promise<void>} appendLog
 *   seq must be greater than every seq already stored and than snapshotSeq
 * @property {(bytes: Uint8Array, seq: number) => Promise<StorageManifest>} writeSnapshot
 *   seq is the last log record the snapshot contains; must be >= snapshotSeq
 * @property {() => Promise<void>} [removeLeftovers]
 *   writers only: deletes what interrupted writes left (orphan snapshot
 *   pieces, temporary files, log records <= snapshotSeq); a storage whose
 *   writes leave nothing behind may omit it
 * @property {() => Promise<number>} sizeBytes  snapshot + log bytes
 * @property {() => Promise<void>} close  waits for pending writes, releases the lock; idempotent
 */

/**
 * A place that holds named databases.
 * @typedef {object} EdgeVecStorage
 * @property {(name: string, options?: StorageOpenOptions) => Promise<StorageHandle>} open
 * @property {() => Promise<string[]>} list  names of existing databases, sorted
 * @property {(name: string) => Promise<void>} remove  no-op if missing
 * @property {(name: string) => Promise<number>} sizeBytes  0 if missing
 */

import { SerialQueue } from '../schedule.js';
import { storageError, corruptError } from './errors.js';

/** Longest accepted database name, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 256;

/**
 * @param {unknown} name
 * @returns {string}
 */
export function checkName(name) {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw storageError('STORAGE', `database name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  }
  // A lone surrogate has no UTF-8 form: encoders replace it with U+FFFD, so
  // two different names could end up as one file or key. (A loop, not a
  // regex lookbehind, which Safari < 16.4 cannot even parse.)
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = name.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) { i++; continue; }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      throw storageError('STORAGE', 'database name must be well-formed Unicode (it has a lone surrogate)');
    }
  }
  return name;
}

/**
 * @param {unknown} seq
 * @param {number} min  smallest accepted value
 * @param {string} what
 * @returns {number}
 */
export function checkSeq(seq, min, what) {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < min) {
    throw storageError('STORAGE', `${what}: sequence number must be a safe integer >= ${min}, got ${String(seq)}`);
  }
  return seq;
}

/**
 * appendLog's rule: a record's seq follows every seq already stored.
 * @param {number} seq
 * @param {number} lastSeq  the largest stored (log or snapshot)
 */
export function checkAppendSeq(seq, lastSeq) {
  if (seq <= lastSeq) {
    throw storageError('STORAGE', `appendLog: sequence ${seq} is not after the last stored ${lastSeq}`);
  }
}

/**
 * writeSnapshot's rules: the seq may not go back, and the new snapshot is
 * the next generation.
 * @param {StorageManifest | null} current
 * @param {number} seq
 * @param {number} snapshotBytes
 * @returns {StorageManifest}
 */
export function nextManifest(current, seq, snapshotBytes) {
  if (current && seq < current.snapshotSeq) {
    throw storageError('STORAGE', `writeSnapshot: sequence ${seq} is before the current snapshot's ${current.snapshotSeq}`);
  }
  return { generation: (current ? current.generation : 0) + 1, snapshotSeq: seq, snapshotBytes };
}

/**
 * The manifest as the interface returns it (a stored one has more fields).
 * @param {StorageManifest | null} m
 * @returns {StorageManifest | null}
 */
export function publicManifest(m) {
  return m ? { generation: m.generation, snapshotSeq: m.snapshotSeq, snapshotBytes: m.snapshotBytes } : null;
}

/**
 * readLog's rule: records after both afterSeq and the snapshot.
 * @param {number} afterSeq
 * @param {StorageManifest | null} manifest
 * @returns {number} return the records with a greater seq
 */
export function logStart(afterSeq, manifest) {
  return Math.max(afterSeq, manifest ? manifest.snapshotSeq : 0);
}

/**
 * @param {number} generation
 * @param {string} name
 * @returns {import('../errors.js').EdgeVecError}
 */
export function notCurrentSnapshot(generation, name) {
  return storageError('STORAGE', `readSnapshot: generation ${generation} is not the current snapshot of "${name}"`);
}

/**
 * The error of a read-only open of a database that does not exist.
 * @param {string} name
 * @returns {import('../errors.js').EdgeVecError}
 */
export function notFound(name) {
  return storageError('NOT_FOUND', `database "${name}" does not exist`);
}

/**
 * @param {string} what
 * @param {string} name
 * @returns {import('../errors.js').EdgeVecError}
 */
export function closedError(what, name) {
  return storageError('STORAGE', `${what}: database "${name}" is closed`);
}

/**
 * Refuses a write through a read-only handle.
 * @param {{ name: string, readOnly: boolean }} handle
 * @param {string} what
 */
export function refuseReadOnly(handle, what) {
  if (handle.readOnly) throw storageError('STORAGE', `${what}: database "${handle.name}" is open read-only`);
}

/**
 * The durability option of the persistent backends.
 * @param {unknown} durability
 * @returns {'strict' | 'relaxed'}
 */
export function checkDurability(durability = 'strict') {
  if (durability !== 'strict' && durability !== 'relaxed') throw storageError('STORAGE', "durability must be 'strict' or 'relaxed'");
  return durability;
}

/**
 * The writes of one handle whose writes take time (files, IndexedDB): run
 * one after another in call order (two checkpoints in flight would pick the
 * same generation, and sequence checks need the previous write's result),
 * and refused once close() has begun; close() waits for those already made.
 */
export class WriteQueue {
  /** @param {string} name  the database, for messages */
  constructor(name) {
    this.name = name;
    this.closing = false;
    this.queue = new SerialQueue();
  }

  /** @param {string} what */
  refuseIfClosing(what) {
    if (this.closing) throw closedError(what, this.name);
  }

  /**
   * @template T
   * @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  run(fn) {
    return this.queue.run(fn);
  }

  /** Refuses new writes; settles once the writes already made are done. */
  close() {
    this.closing = true;
    return this.queue.idle();
  }
}

/**
 * @param {unknown} bytes
 * @param {string} what
 * @returns {Uint8Array}
 */
export function checkBytes(bytes, what) {
  if (!(bytes instanceof Uint8Array)) {
    throw storageError('STORAGE', `${what}: bytes must be a Uint8Array`);
  }
  return bytes;
}

/**
 * An exact-size copy: storing a view keeps its whole ArrayBuffer (structured
 * clone copies the buffer, not the view), which for a view over the wasm
 * heap would be the entire heap.
 * @param {unknown} bytes
 * @param {string} what
 * @returns {Uint8Array}
 */
export function copyBytes(bytes, what) {
  return checkBytes(bytes, what).slice();
}

/**
 * @param {Uint8Array | null} a
 * @param {Uint8Array | null} b
 * @returns {boolean}  the same bytes (two nulls count as the same)
 */
export function sameBytes(a, b) {
  if (a === null || b === null) return a === b;
  const n = a.byteLength;
  if (b.byteLength !== n) return false;
  let i = 0;
  // Four bytes a step where both views allow it: a whole snapshot is
  // compared at every checkpoint.
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const wa = new Uint32Array(a.buffer, a.byteOffset, n >>> 2);
    const wb = new Uint32Array(b.buffer, b.byteOffset, n >>> 2);
    for (; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
    i = wa.length * 4;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * writeSnapshot's read-back rule: a new snapshot is read back from the
 * storage and compared with what was written before anything it replaces
 * (the previous generation, the log it covers) is deleted. The bytes written
 * are encoded from the index in memory, which was itself read and checked;
 * what the storage returns must be exactly them. Throws CORRUPT naming the
 * generation (and the chunk) when it is not, with nothing deleted.
 * @param {Uint8Array[]} written  the snapshot as written, in order
 * @param {readonly unknown[]} read  what the storage returned for the same parts
 * @param {number} generation
 * @param {string} where  the backend's name of the object (file or database)
 * @param {boolean} chunked  the parts are chunks (name the chunk at fault)
 */
export function checkReadBack(written, read, generation, where, chunked) {
  for (let i = 0; i < written.length; i++) {
    const got = read[i];
    if (got instanceof Uint8Array && sameBytes(got, written[i])) continue;
    const what = chunked ? `chunk ${i} of snapshot generation ${generation}` : `snapshot generation ${generation}`;
    throw corruptError('snapshot',
      `writeSnapshot: ${what} in ${where} read back differs from what was written; ` +
      'nothing was deleted and the previous snapshot stays current', { generation, chunk: chunked ? i : undefined });
  }
  if (read.length !== written.length) {
    throw corruptError('snapshot',
      `writeSnapshot: snapshot generation ${generation} in ${where} read back as ${read.length} parts, ` +
      `${written.length} were written; nothing was deleted`, { generation });
  }
}

/**
 * @param {Uint8Array[]} parts
 * @param {number} total
 * @returns {Uint8Array}
 */
export function concatBytes(parts, total) {
  if (parts.length === 1 && parts[0].byteLength === total &&
      parts[0].byteOffset === 0 && parts[0].buffer.byteLength === total) {
    return parts[0];
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
}

/** @param {string} name @returns {string} the Web Lock / lock-file key */
export function lockName(name) {
  return `edgevec:${name}`;
}
