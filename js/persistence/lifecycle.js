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
// contains. When a checkpoint happens by itself, and how long it waits after
// a failed one, is ./policy.js. The bytes are encoded and decoded by the C
// core (js/wasm/persist.js); the storage only keeps them
// (js/storage/interface.js).
//
// What is reported: a flush resolves once its record is stored; a stored
// record at open was committed (the storage writes each atomically), so one
// that fails its check is CORRUPT, never taken for a torn write, unless the
// open asked to drop it (dropDamagedLog, listed in openReport).

import { EdgeVecError, invalidArgument, disposedError } from '../errors.js';
import { SerialQueue } from '../schedule.js';
import { metricName } from '../validate.js';
import { EVW_OPTION_DIMENSIONS, EVW_OPTION_METRIC } from '../wasm/abi.js';
import { createIndex, indexOption } from '../wasm/api.js';
import {
  loadSnapshot, replayLog, damagedLogError, enableJournal, pendingBytes, beginCommit, endCommit,
  saveSnapshot, snapshotStored,
} from '../wasm/persist.js';
import { yieldToEventLoop } from '../schedule.js';
import { checkpointRatio, checkpointDue, CheckpointBackoff } from './policy.js';
import { openHandle } from './writer-wait.js';

/** @typedef {import('../wasm/module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('../storage/interface.js').StorageHandle} StorageHandle */
/** @typedef {import('../validate.js').ParsedOpenOptions} ParsedOpenOptions */

/** @typedef {import('../../types/index.js').PersistOperation} PersistOperation */
/** @typedef {import('../../types/index.js').OpenReport} OpenReport */
/** @typedef {import('../../types/index.js').DroppedLogRecord} DroppedLogRecord */

/** What failed, as the first words of the error's message. */
const OPERATION_WORDS = {
  commit: 'the commit was not stored (the changes stay pending; the next flush retries them)',
  autoCommit: 'an automatic flush was not stored (the changes stay pending; the next flush retries them)',
  checkpoint: 'the checkpoint was not stored (the commits before it are; the log stays)',
  autoCheckpoint: 'an automatic checkpoint after a stored commit failed (the commits are stored; ' +
    'the log stays, and the next automatic attempt waits)',
};

/**
 * The error of a failed piece of persistence work: the same code, a message
 * that starts with what failed and what that means for the data, and
 * `operation`.
 * @param {unknown} err
 * @param {PersistOperation} operation
 * @returns {unknown}
 */
function operationError(err, operation) {
  if (!(err instanceof EdgeVecError)) {
    return new EdgeVecError('STORAGE', `${OPERATION_WORDS[operation]}: ${String(err)}`, { operation, cause: err });
  }
  // Already said (an inner commit of a checkpoint), or not a failure of the
  // persistence (the EdgeVec was disposed meanwhile).
  if (err.operation || err.code === 'DISPOSED') return err;
  return new EdgeVecError(err.code, `${OPERATION_WORDS[operation]}: ${err.message}`, {
    status: err.status, section: err.section, file: err.file, generation: err.generation, chunk: err.chunk,
    seq: err.seq, offset: err.offset, operation, cause: err,
  });
}

/**
 * The persistence of one open database: its storage handle, the sizes the
 * checkpoint policy reads, and the queue that runs its flushes and
 * checkpoints one at a time.
 *
 * Errors of work the database starts by itself (autoFlush commits, the
 * automatic checkpoints) have no caller to reject: they go to onFlushError,
 * or, without one, are kept and rejected by the next flush(), checkpoint()
 * or close() once it has done its own work, so that none is lost. A commit
 * that was stored is reported as stored even when the automatic checkpoint
 * after it fails.
 */
export class Persistence {
  /** @type {EdgeVecWasm} */
  #wasm;
  /** The index; 0 once released (its EdgeVec was disposed). */
  #index;
  /** @type {StorageHandle} */
  #storage;
  /** @type {Promise<void> | undefined} the storage handle's close, once begun */
  #closing;
  /** @type {boolean | number} false, true (after each mutating call) or debounce ms */
  #autoFlush;
  /** 0: no automatic checkpoints */
  #ratio;
  #backoff = new CheckpointBackoff();
  /** @type {((err: unknown) => void) | undefined} */
  #onFlushError;
  /** A background error no handler took, for the next flush/checkpoint/close. */
  #kept = /** @type {{ error: unknown } | null} */ (null);
  /** Size of the current snapshot. */
  #snapshotBytes;
  /** Log bytes written since it. */
  #logBytes;
  /** A compaction not yet in a snapshot. */
  #compacted = false;
  /**
   * The snapshot taken right after an incremental compaction or optimize()
   * renumbered the slots, until it is stored: no log record may be stored
   * before it (the journal refuses to make one), so every commit stores it
   * first.
   * @type {{ seq: number, bytes: Uint8Array } | null}
   */
  #renumbered = null;
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
   * @param {OpenReport} openReport
   */
  constructor(wasm, index, storage, options, snapshotBytes, logBytes, openReport) {
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
    /** What the open found and did (see EdgeVec#openReport). */
    this.openReport = openReport;
  }

  /** The storage handle (the finalizer closes it). */
  get storage() { return this.#storage; }

  /**
   * Commits what changed since the last commit as one log record (nothing
   * when nothing changed), after the flushes and checkpoints queued before;
   * then the automatic checkpoint, if one is due (its failure does not
   * reject: the commit is stored).
   * @returns {Promise<void>}
   */
  flush() {
    return this.#queue.run(() => this.#flushNow(false));
  }

  /**
   * Flushes, then writes a new snapshot of the whole index (whatever the
   * back-off of the automatic ones says).
   * @returns {Promise<void>}
   */
  checkpoint() {
    return this.#queue.run(async () => {
      const earlier = this.#kept;
      await this.#checkpointNow('commit', 'checkpoint');
      this.#rejectKept(earlier);
    });
  }

  /**
   * close(): a writer flushes what is pending; then, whatever that did, the
   * index is freed (`free`, which ends in release()) and the storage handle
   * closed, so the writer lock never outlives a failed close. Rejects with
   * the flush's error, else the handle's.
   * @param {() => void} free
   * @returns {Promise<void>}
   */
  async close(free) {
    /** @type {{ error: unknown } | null} */
    let failure = null;
    if (!this.readOnly) {
      this.#clearTimer();
      try {
        await this.#queue.run(() => this.#flushNow(true));
      } catch (error) {
        failure = { error };
      }
    }
    free();
    try {
      await this.#closeStorage();
    } catch (error) {
      failure ??= { error };
    }
    if (failure) throw failure.error;
  }

  /**
   * An error of work the database did by itself outside this file (an
   * automatic compaction, js/compaction.js): reported as the errors of
   * automatic flushes are.
   * @param {unknown} err
   */
  backgroundError(err) {
    if (this.#index) this.#background(err);
  }

  /** Called on compact(): the next flush writes a snapshot (see ./policy.js). */
  compacted() {
    this.#compacted = true;
  }

  /**
   * Ends an incremental compaction (js/compaction.js) in the order replay
   * needs: commit until nothing is pending (the records before the finish
   * name the old slots), with `catchUp` copying the slots appended
   * meanwhile in slices between commits; then, in one synchronous run,
   * `finish` and the snapshot of the renumbered index; then store it.
   * Runs after the flushes and checkpoints queued before. A failed store
   * rejects (operation 'checkpoint'), and the same snapshot is stored by
   * the next flush, checkpoint or close before their commit: until then
   * the database on storage is the one before the finish.
   * @param {() => boolean} catchUp  one slice; true once nothing is left to copy
   * @param {() => void} finish
   * @returns {Promise<number>} the ms of the synchronous run (finish and encoding)
   */
  finishCompaction(catchUp, finish) {
    return this.#queue.run(async () => {
      for (;;) {
        if (pendingBytes(this.#wasm, this.#live()) > 0) {
          await this.#commit('commit');
        } else if (!catchUp()) {
          await yieldToEventLoop();
        } else if (pendingBytes(this.#wasm, this.#live()) === 0) {
          // Caught up with nothing to commit. (Catching up runs the
          // caller's onProgress, which may have written: then go round.)
          break;
        }
      }
      const t0 = performance.now();
      finish();
      this.#renumbered = saveSnapshot(this.#wasm, this.#live());
      const ms = performance.now() - t0;
      await this.#storeRenumbered('checkpoint');
      return ms;
    });
  }

  /**
   * optimize() of a persisted database, and the graph order insertBatch
   * applies by itself: `reorder` numbers the slots in
   * graph order (src/reorder.c), which renumbers them as a compaction's
   * finish does, so it runs the same way: commits until nothing is
   * pending, then the reorder and the snapshot of its result in one
   * synchronous run, then the snapshot is stored (a failed store rejects,
   * and the next flush, checkpoint or close stores it first).
   * @param {() => void} reorder
   * @returns {Promise<number>} the ms of the synchronous run (reorder and encoding)
   */
  optimize(reorder) {
    return this.finishCompaction(() => true, reorder);
  }

  /**
   * Stores the snapshot of a renumbered index, if one is waiting.
   * @param {PersistOperation} operation  what a failure is reported as
   */
  async #storeRenumbered(operation) {
    const snap = this.#renumbered;
    if (!snap) return;
    try {
      await this.#storage.writeSnapshot(snap.bytes, snap.seq);
    } catch (err) {
      throw operationError(err, operation);
    }
    this.#snapshotStored(snap);
  }

  /**
   * A snapshot is stored: the log before it is gone, and any snapshot
   * taken after a renumbering ends the wait for one.
   * @param {{ seq: number, bytes: Uint8Array }} snap
   */
  #snapshotStored(snap) {
    this.#snapshotBytes = snap.bytes.byteLength;
    this.#logBytes = 0;
    this.#backoff.succeeded();
    if (this.#renumbered) {
      this.#renumbered = null;
      if (this.#index) snapshotStored(this.#wasm, this.#index);
    }
  }

  /**
   * The index was disposed: unflushed changes are dropped (close() flushes
   * first), and the writer lock is released in the background.
   */
  release() {
    this.#index = 0;
    this.#clearTimer();
    this.#closeStorage().catch(() => undefined);
  }

  /** Called after every mutation: schedules the automatic flush, if any. */
  mutated() {
    if (this.readOnly || this.#autoFlush === false || !this.#index) return;
    if (this.#autoFlush === true) {
      // Calls made in the same turn of the event loop share one commit.
      if (this.#flushScheduled) return;
      this.#flushScheduled = true;
      this.#queue.run(() => {
        this.#flushScheduled = false;
        return this.#backgroundFlush();
      }).catch((err) => this.#background(err));
      return;
    }
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#queue.run(() => this.#backgroundFlush()).catch((err) => this.#background(err));
    }, this.#autoFlush);
  }

  /** @returns {Promise<void>} the storage handle's close (begun once) */
  #closeStorage() {
    this.#closing ??= this.#storage.close();
    return this.#closing;
  }

  #clearTimer() {
    if (this.#timer !== undefined) { clearTimeout(this.#timer); this.#timer = undefined; }
  }

  /** @returns {number} the index, or DISPOSED */
  #live() {
    if (!this.#index) throw disposedError();
    return this.#index;
  }

  /**
   * An error of background work: to the handler, else kept for the next
   * flush/checkpoint/close (the first one since the last was reported:
   * those after it most often repeat it).
   * @param {unknown} err
   */
  #background(err) {
    const handler = this.#onFlushError;
    if (!handler) {
      this.#kept ??= { error: err };
      return;
    }
    try {
      handler(err);
    } catch (thrown) {
      // The handler's own bug: reported like any uncaught error, not
      // turned into a failure of the flush that happened to run it.
      queueMicrotask(() => { throw thrown; });
    }
  }

  /**
   * Rejects with a kept background error, once.
   * @param {{ error: unknown } | null} kept
   */
  #rejectKept(kept) {
    if (!kept) return;
    if (this.#kept === kept) this.#kept = null;
    throw kept.error;
  }

  /**
   * flush() and close()'s flush: the commit (its failure rejects), the
   * automatic checkpoint (its failure does not: the commit is stored), then
   * the background error kept before this call began, if any; one that
   * arises in this call is kept for the next, unless this is the last
   * (close).
   * @param {boolean} closing
   */
  async #flushNow(closing) {
    const earlier = this.#kept;
    await this.#commit('commit');
    await this.#autoCheckpoint();
    this.#rejectKept(closing ? this.#kept : earlier);
  }

  /** autoFlush: a commit and what follows it, errors to #background. */
  async #backgroundFlush() {
    if (!this.#index) return;
    try {
      await this.#commit('autoCommit');
    } catch (err) {
      if (this.#index) this.#background(err);
      return;
    }
    await this.#autoCheckpoint();
  }

  /**
   * One log record: what the journal holds now.
   * @param {PersistOperation} operation  what a failure is reported as
   */
  async #commit(operation) {
    const w = this.#wasm;
    await this.#storeRenumbered(operation === 'commit' ? 'checkpoint' : 'autoCheckpoint');
    const rec = beginCommit(w, this.#live());
    if (!rec) return;
    try {
      await this.#storage.appendLog(rec.seq, rec.bytes);
    } catch (err) {
      if (this.#index) endCommit(w, this.#index, false);
      throw operationError(err, operation);
    }
    if (!this.#index) return;
    endCommit(w, this.#index, true);
    this.#logBytes += rec.bytes.byteLength;
  }

  /**
   * The checkpoint after a stored commit, when the policy says one is due
   * and the back-off after failed ones allows it; a failure goes to
   * #background, never to the caller whose commit is stored.
   */
  async #autoCheckpoint() {
    if (!this.#index || !checkpointDue(this.#ratio, this.#compacted, this.#logBytes, this.#snapshotBytes) ||
        !this.#backoff.ready()) {
      return;
    }
    try {
      await this.#checkpointNow('autoCommit', 'autoCheckpoint');
    } catch (err) {
      if (!this.#index) return; // disposed meanwhile: nothing to report
      this.#backoff.failed();
      this.#background(err);
    }
  }

  /**
   * @param {PersistOperation} commitOp  what a failed commit is reported as
   * @param {PersistOperation} snapshotOp  what a failed snapshot is reported as
   */
  async #checkpointNow(commitOp, snapshotOp) {
    const w = this.#wasm;
    // The snapshot may only be taken with nothing uncommitted; changes made
    // while a record is being stored go into the next one, so loop.
    while (pendingBytes(w, this.#live()) > 0) await this.#commit(commitOp);
    // Synchronous from here to the encoding: a compaction made later (while
    // the snapshot is being stored) sets the flag again; if storing fails,
    // the compaction this snapshot held is still only in the log.
    const compacted = this.#compacted;
    this.#compacted = false;
    // Taken after any renumbering (a renumbered snapshot not yet stored
    // was stored by the commit above, or nothing was pending): it can
    // stand in for that one.
    let snap;
    try {
      snap = saveSnapshot(w, this.#live());
      await this.#storage.writeSnapshot(snap.bytes, snap.seq);
    } catch (err) {
      if (compacted) this.#compacted = true;
      throw operationError(err, snapshotOp);
    }
    this.#snapshotStored(snap);
  }
}

/**
 * What an open with dropDamagedLog leaves out: the first damaged record and
 * every record after it (replaying them would skip a committed record).
 * @param {ReadonlyArray<{ seq: number, bytes: unknown }>} log
 * @param {import('../wasm/persist.js').DamagedLogRecord} damaged
 * @returns {DroppedLogRecord[]}
 */
function droppedRecords(log, damaged) {
  const from = log.findIndex((r) => r.seq === damaged.seq);
  return log.slice(from).map((r, i) => Object.freeze(i === 0
    ? { seq: damaged.seq, bytes: damaged.bytes, reason: damaged.reason, offset: damaged.offset }
    : {
      seq: r.seq,
      bytes: r.bytes instanceof Uint8Array ? r.bytes.byteLength : 0,
      reason: `follows the damaged record ${damaged.seq}`,
    }));
}

/**
 * Opens a persisted database, creating it (from the index options) when it
 * does not exist yet. On failure nothing stays open or allocated, and
 * nothing stored was changed.
 * @param {EdgeVecWasm} wasm
 * @param {string} name
 * @param {ParsedOpenOptions} options
 * @param {{ waitForWriter?: boolean, signal?: AbortSignal }} [wait]  a writable
 *   open waits for the current writer to go (./writer-wait.js)
 * @returns {Promise<{ index: number, persistence: Persistence, position: { seq: number, generation: number } }>}
 *   the caller owns the index and the persistence; position: the last log
 *   record the index holds and the snapshot generation read (./follow.js)
 */
export async function openPersisted(wasm, name, options, wait = {}) {
  const { readOnly } = options;
  const wanted = options.index;
  const handle = await openHandle(options.storage, name, { readOnly, ...wait });
  let ix = 0;
  try {
    const state = await handle.load();
    let lastSeq = 0;
    let logBytes = 0;
    let needCheckpoint = false;
    /** @type {DroppedLogRecord[]} */
    let dropped = [];
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
      for (const r of state.log) if (r.bytes instanceof Uint8Array) logBytes += r.bytes.byteLength;
      if (replay.damaged) {
        // Every stored record was committed (each is stored atomically),
        // so a damaged one is lost data: an error, unless asked to drop it.
        if (!options.dropDamagedLog) throw damagedLogError(replay.damaged, name);
        dropped = droppedRecords(state.log, replay.damaged);
        if (!readOnly) {
          // Make the drop durable: a snapshot that covers the dropped
          // records' sequence numbers removes them, and the next record
          // is numbered after them.
          lastSeq = state.log[state.log.length - 1].seq;
          needCheckpoint = true;
        }
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
    /** @type {OpenReport} */
    const report = Object.freeze({ droppedLogRecords: Object.freeze(dropped) });
    const persistence = new Persistence(wasm, ix, handle, options, snapshotBytes, logBytes, report);
    if (needCheckpoint) await persistence.checkpoint();
    const generation = state.manifest ? state.manifest.generation : 0;
    return { index: ix, persistence, position: { seq: lastSeq, generation } };
  } catch (err) {
    if (ix) wasm._evw_free(ix);
    await handle.close().catch(() => undefined);
    throw err;
  }
}
