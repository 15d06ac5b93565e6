// js/persistence/lifecycle.js — the life of a persisted database: open (load
// the snapshot, replay the log, turn the journal on), flush, checkpoint,
// close, and the automatic flushes and checkpoints; every await of
// persistence is here, one at a time per database.
//
// The model: a database is a snapshot plus a log of records after it.
// Opening loads the snapshot, replays the log and turns the journal on, so
// that every later mutation is recorded. flush() turns what the journal
// recorded into one log record and appends it (one atomic storage write);
// checkpoint() flushes, then writes a new snapshot, which drops the log it
// contains. When a checkpoint happens by itself is ./policy.js. The bytes are
// encoded and decoded by the C core (js/wasm/persist.js); the storage only
// keeps them (js/storage/interface.js).

import { EdgeVecError, invalidArgument, disposedError } from '../errors.js';
import { SerialQueue } from '../schedule.js';
import { metricName } from '../validate.js';
import { EVW_OPTION_DIMENSIONS, EVW_OPTION_METRIC } from '../wasm/abi.js';
import { createIndex, indexOption } from '../wasm/api.js';
import {
  loadSnapshot, replayLog, enableJournal, pendingBytes, beginCommit, endCommit, saveSnapshot,
} from '../wasm/persist.js';
import { checkpointRatio, checkpointDue } from './policy.js';

/** @typedef {import('../wasm/module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('../storage/interface.js').StorageHandle} StorageHandle */
/** @typedef {import('../validate.js').ParsedOpenOptions} ParsedOpenOptions */

/**
 * The persistence of one open database: its storage handle, the sizes the
 * checkpoint policy reads, and the queue that runs its flushes and
 * checkpoints one at a time.
 */
export class Persistence {
  /** @type {EdgeVecWasm} */
  #wasm;
  /** The index; 0 once released (its EdgeVec was disposed). */
  #index;
  /** @type {StorageHandle} */
  #storage;
  /** @type {boolean | number} false, true (after each mutating call) or debounce ms */
  #autoFlush;
  /** 0: no automatic checkpoints */
  #ratio;
  /** @type {((err: unknown) => void) | undefined} */
  #onFlushError;
  /** Size of the current snapshot. */
  #snapshotBytes;
  /** Log bytes written since it. */
  #logBytes;
  /** A compaction not yet in a snapshot. */
  #compacted = false;
  #queue = new SerialQueue();
  #flushScheduled = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #timer;

  /**
   * @param {EdgeVecWasm} wasm
   * @param {number} index
   * @param {StorageHandle} storage
   * @param {ParsedOpenOptions} options
   * @param {number} snapshotBytes
   * @param {number} logBytes
   */
  constructor(wasm, index, storage, options, snapshotBytes, logBytes) {
    this.#wasm = wasm;
    this.#index = index;
    this.#storage = storage;
    /** @type {boolean} */
    this.readOnly = options.readOnly;
    this.#autoFlush = options.autoFlush;
    this.#ratio = checkpointRatio(options.autoCheckpoint);
    this.#onFlushError = options.onFlushError;
    this.#snapshotBytes = snapshotBytes;
    this.#logBytes = logBytes;
  }

  /** The storage handle (the finalizer closes it). */
  get storage() { return this.#storage; }

  /**
   * Commits what changed since the last commit as one log record (nothing
   * when nothing changed), after the flushes and checkpoints queued before.
   * @returns {Promise<void>}
   */
  flush() {
    return this.#queue.run(() => this.#flushNow());
  }

  /**
   * Flushes, then writes a new snapshot of the whole index.
   * @returns {Promise<void>}
   */
  checkpoint() {
    return this.#queue.run(() => this.#checkpointNow());
  }

  /**
   * Before the index is freed by close(): a writer flushes what is pending.
   * @returns {Promise<void>}
   */
  async flushBeforeClose() {
    if (this.readOnly) return;
    this.#clearTimer();
    await this.flush();
  }

  /** @returns {Promise<void>} the storage handle closed (idempotent) */
  closeStorage() {
    return this.#storage.close();
  }

  /** Called on compact(): the next flush writes a snapshot (see ./policy.js). */
  compacted() {
    this.#compacted = true;
  }

  /**
   * The index was disposed: unflushed changes are dropped (close() flushes
   * first), and the writer lock is released in the background.
   */
  release() {
    this.#index = 0;
    this.#clearTimer();
    this.#storage.close().catch(() => undefined);
  }

  /** Called after every mutation: schedules the automatic flush, if any. */
  mutated() {
    if (this.readOnly || this.#autoFlush === false || !this.#index) return;
    const report = (/** @type {unknown} */ err) => {
      if (this.#onFlushError) this.#onFlushError(err);
    };
    if (this.#autoFlush === true) {
      // Calls made in the same turn of the event loop share one commit.
      if (this.#flushScheduled) return;
      this.#flushScheduled = true;
      this.#queue.run(() => {
        this.#flushScheduled = false;
        return this.#index ? this.#flushNow() : undefined;
      }).catch(report);
      return;
    }
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#index) this.flush().catch(report);
    }, this.#autoFlush);
  }

  #clearTimer() {
    if (this.#timer !== undefined) { clearTimeout(this.#timer); this.#timer = undefined; }
  }

  /** @returns {number} the index, or DISPOSED */
  #live() {
    if (!this.#index) throw disposedError();
    return this.#index;
  }

  /** One log record: what the journal holds now. */
  async #flushOnce() {
    const w = this.#wasm;
    const rec = beginCommit(w, this.#live());
    if (!rec) return;
    try {
      await this.#storage.appendLog(rec.seq, rec.bytes);
    } catch (err) {
      if (this.#index) endCommit(w, this.#index, false);
      throw err;
    }
    if (!this.#index) return;
    endCommit(w, this.#index, true);
    this.#logBytes += rec.bytes.byteLength;
  }

  async #flushNow() {
    await this.#flushOnce();
    if (this.#index && checkpointDue(this.#ratio, this.#compacted, this.#logBytes, this.#snapshotBytes)) {
      await this.#checkpointNow();
    }
  }

  async #checkpointNow() {
    const w = this.#wasm;
    // The snapshot may only be taken with nothing uncommitted; changes made
    // while a record is being stored go into the next one, so loop.
    while (pendingBytes(w, this.#live()) > 0) await this.#flushOnce();
    // Synchronous from here to the encoding: a compaction made later (while
    // the snapshot is being stored) sets the flag again; if storing fails,
    // the compaction this snapshot held is still only in the log.
    const compacted = this.#compacted;
    this.#compacted = false;
    try {
      const snap = saveSnapshot(w, this.#live());
      await this.#storage.writeSnapshot(snap.bytes, snap.seq);
      this.#snapshotBytes = snap.bytes.byteLength;
    } catch (err) {
      if (compacted) this.#compacted = true;
      throw err;
    }
    this.#logBytes = 0;
  }
}

/**
 * Opens a persisted database, creating it (from the index options) when it
 * does not exist yet. On failure nothing stays open or allocated.
 * @param {EdgeVecWasm} wasm
 * @param {string} name
 * @param {ParsedOpenOptions} options
 * @returns {Promise<{ index: number, persistence: Persistence }>}  the caller owns both
 */
export async function openPersisted(wasm, name, options) {
  const { readOnly } = options;
  const wanted = options.index;
  const handle = await options.storage.open(name, { readOnly });
  let ix = 0;
  try {
    const state = await handle.load();
    let lastSeq = 0;
    let logBytes = 0;
    let needCheckpoint = false;
    if (state.snapshot && state.manifest) {
      const snap = loadSnapshot(wasm, state.snapshot, name);
      ix = snap.handle;
      const { generation, snapshotSeq } = state.manifest;
      if (snap.walSeq !== snapshotSeq) {
        // The log is replayed from the manifest's snapshotSeq: trusting a
        // wrong one would skip committed records or apply some twice.
        throw new EdgeVecError('CORRUPT',
          `EdgeVec.open: the manifest of "${name}" says snapshot generation ${generation} holds the log up to ` +
          `seq ${snapshotSeq}, the snapshot itself says ${snap.walSeq}`, { section: 'manifest', generation });
      }
      const dims = indexOption(wasm, ix, EVW_OPTION_DIMENSIONS);
      if (wanted.dims && wanted.dims !== dims) {
        throw new EdgeVecError('DIMENSION_MISMATCH',
          `EdgeVec.open: "${name}" holds ${dims}-dimensional vectors, not ${wanted.dims}`);
      }
      const metric = indexOption(wasm, ix, EVW_OPTION_METRIC);
      if (wanted.metric >= 0 && wanted.metric !== metric) {
        throw invalidArgument(`EdgeVec.open: "${name}" uses the ` +
          `${metricName(metric)} metric, not ${metricName(wanted.metric)}`);
      }
      const replay = replayLog(wasm, ix, state.log, snap.walSeq, name);
      lastSeq = replay.lastSeq;
      for (const r of state.log) logBytes += r.bytes.byteLength;
      if (replay.tornTail && !readOnly) {
        // The incomplete record stays in storage until a snapshot covers
        // its sequence number: number the next record after it, and
        // write that snapshot now.
        lastSeq = replay.maxStoredSeq;
        needCheckpoint = true;
      }
    } else {
      if (state.log.length > 0) {
        // A database's first snapshot is written before its first record,
        // so records without one mean the manifest is missing.
        throw new EdgeVecError('CORRUPT',
          `EdgeVec.open: "${name}" has log records (from seq ${state.log[0].seq}) but no manifest: ` +
          'the manifest is missing', { section: 'manifest', seq: state.log[0].seq });
      }
      if (readOnly) {
        throw new EdgeVecError('NOT_FOUND', `EdgeVec.open: "${name}" holds no index yet`);
      }
      if (!wanted.dims) {
        throw invalidArgument(`EdgeVec.open: "${name}" does not exist yet; pass dimensions to create it`);
      }
      ix = createIndex(wasm, wanted);
      needCheckpoint = true; // the first snapshot records the options
    }
    // Only now, with the snapshot and the log the manifest names decoded,
    // may leftovers of interrupted writes be deleted on its word. (A storage
    // whose writes leave nothing behind need not have the method.)
    if (!readOnly && handle.removeLeftovers) await handle.removeLeftovers();
    if (!readOnly) enableJournal(wasm, ix, lastSeq);
    const snapshotBytes = state.snapshot ? state.snapshot.byteLength : 0;
    const persistence = new Persistence(wasm, ix, handle, options, snapshotBytes, logBytes);
    if (needCheckpoint) await persistence.checkpoint();
    return { index: ix, persistence };
  } catch (err) {
    if (ix) wasm._evw_free(ix);
    await handle.close().catch(() => undefined);
    throw err;
  }
}
