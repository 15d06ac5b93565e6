// js/compaction.js — compaction in the background: the core's incremental
// compaction (src/compact.c) run in slices that each stay under a time
// budget, yielding to the event loop between them, and the automatic policy
// that starts one once deletes pass a threshold.
//
// The model: between slices the old index answers every call (searches,
// inserts, deletes), and the new one is built beside it; the finish swaps
// them in one synchronous step. A persisted database finishes through its
// Persistence (js/persistence/lifecycle.js), which commits what is pending
// first and stores a snapshot of the renumbered index right after.
//
// Why a slice is many small steps: the cost of copying one slot (an HNSW
// insert into the new graph) varies with the node's level and the data, so
// a slice asks the core for a few copies at a time, sized from the measured
// cost per copy, and stops when the next step would pass the budget.
//
// Why the default automatic threshold is a quarter of the slots deleted
// (and at least DEFAULT_MIN_DELETED of them): deleted nodes stay in the
// graph and keep routing searches, so recall holds up, but each search
// walks past them to fill its candidate list, and they keep their memory.
// bench/results/compaction.md measures both against a compacted copy at 0
// to 50 % deleted: recall does not move, while search time grows steadily
// with the ratio. A compaction costs about a rebuild of the live vectors,
// so it should buy back a clear share of both: at a quarter a search has
// slowed by a clear margin and the index holds a third more slots than
// its live vectors need, while a much lower threshold would rebuild the
// whole index again after every few thousand deletes.

import { EdgeVecError, disposedError } from './errors.js';
import { yieldToEventLoop } from './schedule.js';
import { compactBegin, compactStep, compactFinish, compactAbort } from './wasm/api.js';

/** @typedef {import('./wasm/module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('./persistence/lifecycle.js').Persistence} Persistence */
/** @typedef {import('../types/index.js').CompactionResult} CompactionResult */

/** Automatic compaction starts at this tombstone ratio ... */
export const DEFAULT_TOMBSTONE_RATIO = 0.25;
/** ... once at least this many vectors are deleted (a small index is
 * cheap to search through its tombstones, and cheap to compact later). */
export const DEFAULT_MIN_DELETED = 1000;
/** A slice's default time budget: half a frame at 60 Hz. */
export const DEFAULT_SLICE_MS = 8;
/** The largest budget a caller may ask for (a slice is meant to be short). */
export const MAX_SLICE_MS = 1000;

/** The first guess of one copy's cost, before any is measured. */
const FIRST_COPY_MS = 0.5;
/** A step asks for the copies that fill this share of the budget left:
 * the per-copy cost varies, so room is kept for a slow one. */
const FILL = 0.6;
/** The most copies one step asks for. */
const MAX_STEP = 4096;
/** Steps the per-copy cost is the median of. */
const COPY_SAMPLES = 9;
/** A floor for that cost (a timer's resolution can make a step read 0 ms). */
const MIN_COPY_MS = 0.001;

/** @type {() => number} */
const now = typeof performance === 'object' && typeof performance.now === 'function'
  ? () => performance.now()
  : () => Date.now();

/**
 * @typedef {object} AutoCompactPolicy
 * @property {number} tombstoneRatio  start when deleted / (live + deleted) reaches it
 * @property {number} minDeleted      and at least this many are deleted
 * @property {number} sliceMs         the budget of each slice
 */

/**
 * @typedef {object} CompactRun
 * @property {number} sliceMs
 * @property {AbortSignal | undefined} signal
 * @property {((done: number, total: number) => void) | undefined} onProgress
 */

/**
 * @param {unknown} reason
 * @returns {EdgeVecError}
 */
function compactionAborted(reason) {
  return new EdgeVecError('ABORTED',
    'compactInBackground was aborted; the index is as it was before it began', { cause: reason });
}

/**
 * The background compaction of one EdgeVec: at most one at a time, started
 * by compactInBackground() or by the automatic policy.
 */
export class Compactor {
  /** @type {EdgeVecWasm} */
  #wasm;
  /** @type {() => number} the handle; throws DISPOSED once disposed */
  #live;
  /** @type {Persistence | null} */
  #persist;
  /** @type {AutoCompactPolicy | null} */
  #auto;
  /** @type {Promise<CompactionResult> | null} */
  #running = null;
  /** Why the running one must stop: set by stop() and supersede(). */
  #stop = /** @type {{ superseded: boolean, error?: unknown } | null} */ (null);
  /** The cost of one copy (ms): the median of the last measured steps,
   * kept across runs. A median, because on a busy machine a step is now
   * and then stretched by other work, and one such step must not shrink
   * the slices that follow it. */
  #copyMs = FIRST_COPY_MS;
  /** @type {number[]} the last COPY_SAMPLES per-copy costs, oldest first */
  #samples = [];
  /** The most copies the next step may ask for (see #slice). */
  #stepCap = 1;
  /** The automatic policy waits for this many deletes (after a failure). */
  #autoAfterDeleted = 0;

  /**
   * @param {EdgeVecWasm} wasm
   * @param {() => number} live
   * @param {Persistence | null} persist
   * @param {AutoCompactPolicy | null} auto  null: no automatic compaction
   */
  constructor(wasm, live, persist, auto) {
    this.#wasm = wasm;
    this.#live = live;
    this.#persist = persist;
    this.#auto = persist?.readOnly ? null : auto;
  }

  /** @returns {boolean} whether a background compaction is running */
  get running() { return this.#running !== null; }

  /**
   * Settles when the running compaction does, however it ends (at once
   * when none runs).
   * @returns {Promise<void>}
   */
  settled() {
    return this.#running ? this.#running.then(() => undefined, () => undefined) : Promise.resolve();
  }

  /**
   * Starts a background compaction, or returns the one running.
   * @param {CompactRun} run
   * @returns {Promise<CompactionResult>}
   */
  start(run) {
    if (this.#running) return this.#running;
    const handle = this.#live();
    compactBegin(this.#wasm, handle);
    this.#stop = null;
    this.#stepCap = 1;
    const p = this.#run(run).finally(() => {
      this.#running = null;
      this.#stop = null;
    });
    this.#running = p;
    return p;
  }

  /**
   * Called after deletes: starts an automatic compaction when the policy
   * says one is due. Its failure (out of memory, a storage error of the
   * snapshot after it) leaves the index as it was, or compacted with the
   * snapshot stored by the next flush; a persisted database reports it
   * like its other background work, and the next automatic attempt waits
   * for minDeleted more deletes.
   * @param {number} deleted  deleted slots now
   * @param {number} total    live + deleted slots now
   */
  afterDeletes(deleted, total) {
    const a = this.#auto;
    if (!a || this.#running || deleted < a.minDeleted || deleted < this.#autoAfterDeleted ||
        deleted < a.tombstoneRatio * total) {
      return;
    }
    this.start({ sliceMs: a.sliceMs, signal: undefined, onProgress: undefined }).catch((err) => {
      if (err instanceof EdgeVecError && (err.code === 'DISPOSED' || err.code === 'ABORTED')) return;
      this.#autoAfterDeleted = deleted + a.minDeleted;
      if (this.#persist) this.#persist.backgroundError(err);
    });
  }

  /**
   * A whole compaction is about to run (it drops the incremental one in
   * the core): the running one resolves, its work done by the other.
   */
  supersede() {
    if (this.#running) this.#stop = { superseded: true };
  }

  /**
   * The EdgeVec is closing or being disposed: the running compaction is
   * dropped and its promise rejects with `error`.
   * @param {unknown} error
   */
  stop(error) {
    if (!this.#running) return;
    this.#stop = { superseded: false, error };
    try {
      compactAbort(this.#wasm, this.#live());
    } catch {
      // Disposed already: the index and its compaction are freed.
    }
  }

  /**
   * @param {CompactRun} run
   * @returns {Promise<CompactionResult>}
   */
  async #run(run) {
    /** @type {number[]} */
    const sliceTimes = [];
    const w = this.#wasm;
    let remaining = 1;
    /** One slice; true once nothing is left to copy. */
    const slice = () => {
      const handle = this.#live();
      const t0 = now();
      remaining = this.#slice(handle, run.sliceMs);
      sliceTimes.push(now() - t0);
      if (run.onProgress) {
        const total = (w._evw_live_count(handle) >>> 0) + (w._evw_deleted_count(handle) >>> 0);
        run.onProgress(total - remaining, total);
      }
      return remaining === 0;
    };
    const superseded = () => this.#check(run.signal);
    try {
      // Not inside the call that started it (a delete, say).
      await yieldToEventLoop();
      if (superseded()) return { slices: 0, sliceTimes, finishMs: 0, superseded: true };
      while (!slice()) {
        await yieldToEventLoop();
        if (superseded()) return { slices: sliceTimes.length, sliceTimes, finishMs: 0, superseded: true };
      }
      let finishMs;
      if (this.#persist) {
        // Commits and catch-up slices until nothing is pending, then the
        // finish and its snapshot (see Persistence#finishCompaction).
        finishMs = await this.#persist.finishCompaction(() => {
          if (this.#check(run.signal)) throw compactionAborted(undefined);
          return slice(); // slots appended since the last slice, if any
        }, () => compactFinish(w, this.#live()));
      } else {
        const t0 = now();
        compactFinish(w, this.#live());
        finishMs = now() - t0;
      }
      return { slices: sliceTimes.length, sliceTimes, finishMs, superseded: false };
    } catch (err) {
      const stop = this.#stop;
      if (stop?.superseded) return { slices: sliceTimes.length, sliceTimes, finishMs: 0, superseded: true };
      try {
        compactAbort(w, this.#live());
      } catch {
        // Disposed: nothing left to abort.
      }
      throw stop?.error ?? err;
    }
  }

  /**
   * Between slices: throws when stopped or aborted; true when a whole
   * compaction did the work.
   * @param {AbortSignal | undefined} signal
   * @returns {boolean}
   */
  #check(signal) {
    const stop = this.#stop;
    if (stop?.superseded) return true;
    if (stop) throw stop.error;
    this.#live();
    if (signal?.aborted) {
      compactAbort(this.#wasm, this.#live());
      throw compactionAborted(signal.reason);
    }
    return false;
  }

  /**
   * Records the cost of one copy in a step; the estimate is the median of
   * the last COPY_SAMPLES.
   * @param {number} ms
   */
  #sample(ms) {
    const s = this.#samples;
    s.push(ms);
    if (s.length > COPY_SAMPLES) s.shift();
    const sorted = [...s].sort((a, b) => a - b);
    this.#copyMs = Math.max(sorted[sorted.length >> 1], MIN_COPY_MS);
  }

  /**
   * Copies slots for up to budgetMs, a few at a time: each step asks for
   * the copies that fit in FILL of the budget left at the measured cost of
   * one, and the slice ends when the next would not fit. At least one
   * copy per slice, so that it always moves on.
   * @param {number} handle
   * @param {number} budgetMs
   * @returns {number} old slots not yet examined
   */
  #slice(handle, budgetMs) {
    const t0 = now();
    let remaining = 0;
    for (let first = true; ; first = false) {
      const left = budgetMs - (now() - t0);
      const fit = Math.floor((left * FILL) / this.#copyMs);
      if (!first && fit < 1) break;
      // At most twice the last full step: the first copies into a fresh
      // graph cost far less than later ones (few links to make), so the
      // measured cost lags behind the real one early in a run, and an
      // unbounded step sized from it could take the whole compaction.
      const n = Math.min(MAX_STEP, Math.max(1, fit), this.#stepCap);
      const ts = now();
      remaining = compactStep(this.#wasm, handle, n);
      this.#sample((now() - ts) / n);
      if (n === this.#stepCap) this.#stepCap = Math.min(MAX_STEP, 2 * n);
      if (remaining === 0) break;
    }
    return remaining;
  }
}

/**
 * The error a background compaction in flight rejects with when its
 * EdgeVec is disposed.
 * @returns {EdgeVecError}
 */
export function compactionDisposed() {
  const err = disposedError();
  err.message = 'the EdgeVec was disposed during compactInBackground; the compaction was dropped';
  return err;
}
