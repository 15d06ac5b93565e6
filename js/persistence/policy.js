// js/persistence/policy.js — when a persisted database writes a snapshot by
// itself (automatic checkpoints): the thresholds and the one rule that
// applies them.
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
