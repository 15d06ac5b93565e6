// js/persistence/policy.js — when a persisted database writes a snapshot by
// itself (automatic checkpoints): the thresholds, the one rule that applies
// them, and the back-off after a failed one.
//
// The model: a database is a snapshot plus a log of records after it (see
// js/persistence/lifecycle.js). A checkpoint rewrites the whole snapshot and
// drops the log; it happens by itself after a flush when the log has grown
// past DEFAULT_CHECKPOINT_RATIO of the snapshot (and at least
// CHECKPOINT_MIN_LOG_BYTES), and after a compaction.
//
// Why a tenth: a logged insert replays as copied link lists (src/wal_graph.c),
// which is cheap, but the log takes more bytes per vector than the snapshot,
// and every byte of it is read again at each open, where reading stored bytes
// (IndexedDB especially) costs more than replaying them. A log of a tenth of
// the snapshot adds about a tenth to what an open reads, and writes each
// vector into a snapshot at most about ten more times over its life. The
// measured costs (replay per vector, open per stored MB, a 100k x 128 open
// through IndexedDB) are in bench/results/api.md.
//
// Why a compaction forces one: the log records a compaction as its op code,
// and replaying it rebuilds the whole graph, while loading a snapshot only
// decodes it.

/** Auto-checkpoint when log bytes > this × snapshot bytes ... */
export const DEFAULT_CHECKPOINT_RATIO = 0.1;
/** ... and the log holds at least this many bytes (small databases would
 * otherwise rewrite their snapshot on almost every flush). */
export const CHECKPOINT_MIN_LOG_BYTES = 64 * 1024;
/** The largest ratio the autoCheckpoint option accepts. */
export const MAX_CHECKPOINT_RATIO = 1000;

/**
 * The log/snapshot ratio of the autoCheckpoint option; 0 turns automatic
 * checkpoints off.
 * @param {boolean | number} autoCheckpoint  checked by js/validate.js
 * @returns {number}
 */
export function checkpointRatio(autoCheckpoint) {
  if (autoCheckpoint === true) return DEFAULT_CHECKPOINT_RATIO;
  if (autoCheckpoint === false) return 0;
  return autoCheckpoint;
}

/**
 * Whether a flush should be followed by a checkpoint.
 * @param {number} ratio          from checkpointRatio
 * @param {boolean} compacted     a compaction is in the log, not yet in a snapshot
 * @param {number} logBytes       log bytes written since the snapshot
 * @param {number} snapshotBytes  size of the snapshot
 * @returns {boolean}
 */
export function checkpointDue(ratio, compacted, logBytes, snapshotBytes) {
  return ratio > 0 &&
    (compacted || logBytes > Math.max(CHECKPOINT_MIN_LOG_BYTES, ratio * snapshotBytes));
}

// When an automatic checkpoint fails (the disk or the quota is full, most
// often), the commits before it are stored and the log simply stays longer;
// trying again after every flush would re-encode the whole snapshot each
// time only to fail the same way. So automatic attempts back off: after the
// n-th failure in a row the next one waits BACKOFF_FIRST_MS × 2^(n-1), at
// most BACKOFF_MAX_MS. An explicit checkpoint() always tries.

/** Wait after the first failed automatic checkpoint ... */
export const BACKOFF_FIRST_MS = 1000;
/** ... doubling per failure up to this. */
export const BACKOFF_MAX_MS = 60_000;

/**
 * The clock the back-off reads (milliseconds, monotonic). A property, so
 * that tests can move time instead of sleeping.
 */
export const clock = {
  /** @returns {number} */
  now: () => performance.now(),
};

/** The back-off state of one database's automatic checkpoints. */
export class CheckpointBackoff {
  /** Failures in a row. */
  failures = 0;
  /** clock.now() before which no automatic attempt is made. */
  #notBefore = 0;

  /** @returns {boolean} whether an automatic checkpoint may be tried now */
  ready() {
    return this.failures === 0 || clock.now() >= this.#notBefore;
  }

  failed() {
    this.failures++;
    this.#notBefore = clock.now() + backoffDelay(this.failures);
  }

  succeeded() {
    this.failures = 0;
  }
}

/**
 * @param {number} failures  in a row, >= 1
 * @returns {number} ms to wait before the next automatic attempt
 */
export function backoffDelay(failures) {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(failures - 1, 30));
}
