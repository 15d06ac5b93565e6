// js/persist.js — the JS side of persistence: moves the bytes the C core
// encodes (snapshots, log records; see src/wasm/wasm_persist.c for the ABI and
// src/snapshot.c / src/wal.c for the formats) to and from a storage backend
// (js/storage/). The core never waits; every await is here.
//
// The model, in one paragraph: a database is a snapshot plus a log of
// records after it. Opening loads the snapshot, replays the log and turns
// the journal on, so that every later mutation is recorded. flush() turns
// what the journal recorded into one log record and appends it (one atomic
// storage write); checkpoint() flushes, then writes a new snapshot, which
// drops the log it contains. A checkpoint also happens by itself when the
// log grows past DEFAULT_CHECKPOINT_RATIO of the snapshot (and at least
// CHECKPOINT_MIN_LOG_BYTES), and after a compaction (edgevec.js).
//
// Why a tenth: a logged insert replays as copied link lists (src/wal_graph.c,
// about 1.5 µs per 128-d vector), but the log takes more bytes per vector
// than the snapshot and every byte of it is read again at each open (an open
// through IndexedDB in Chromium costs about 7 ms per stored MB, replay
// included): a log of a tenth of the snapshot keeps a 100k x 128 open under
// 500 ms, and writes each vector into a snapshot at most about ten more
// times over its life.

import { EdgeVecError, statusError } from './errors.js';

/** @typedef {import('./wasm-module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('./storage/interface.js').StorageHandle} StorageHandle */
/** @typedef {import('./storage/interface.js').LogRecord} LogRecord */

/** Auto-checkpoint when log bytes > this × snapshot bytes ... */
export const DEFAULT_CHECKPOINT_RATIO = 0.1;
/** ... and the log holds at least this many bytes (small databases would
 * otherwise rewrite their snapshot on almost every flush). */
export const CHECKPOINT_MIN_LOG_BYTES = 64 * 1024;

const TWO_POW_32 = 4294967296;
const EV_ERR_OUT_OF_MEMORY = 8;
const EV_ERR_UNSUPPORTED_VERSION = 12;

/**
 * @param {EdgeVecWasm} wasm
 * @param {number} ptr
 * @returns {string} a NUL-terminated ASCII string from static memory
 */
function cString(wasm, ptr) {
  const heap = wasm.HEAPU8;
  let end = ptr;
  while (end < heap.length && heap[end] !== 0) end++;
  let s = '';
  for (let i = ptr; i < end; i++) s += String.fromCharCode(heap[i]);
  return s;
}

/**
 * @param {EdgeVecWasm} wasm
 * @param {number} section
 * @returns {string}
 */
function sectionName(wasm, section) {
  return cString(wasm, wasm._evp_section_name(section) >>> 0);
}

/**
 * @param {EdgeVecWasm} wasm
 * @param {number} reason
 * @returns {string}
 */
function reasonName(wasm, reason) {
  return cString(wasm, wasm._evp_reason_name(reason) >>> 0);
}

/**
 * @param {Uint32Array} u32
 * @param {number} at  word index
 * @returns {number} a u64 held as lo, hi words (below 2^53 in practice)
 */
function word64(u32, at) {
  return u32[at + 1] * TWO_POW_32 + u32[at];
}

/**
 * Copies bytes into fresh wasm memory; the caller frees the pointer.
 * @param {EdgeVecWasm} wasm
 * @param {ReadonlyArray<Uint8Array>} parts  concatenated in order
 * @param {string} what
 * @returns {{ ptr: number, len: number }}
 */
function copyIn(wasm, parts, what) {
  let len = 0;
  for (const p of parts) len += p.byteLength;
  const ptr = wasm._malloc(Math.max(1, len));
  if (ptr === 0) {
    throw new EdgeVecError('OUT_OF_MEMORY', `${what}: could not allocate ${len} bytes in the wasm heap`);
  }
  const heap = wasm.HEAPU8;
  let at = ptr;
  for (const p of parts) { heap.set(p, at); at += p.byteLength; }
  return { ptr, len };
}

/**
 * @typedef {object} LoadedSnapshot
 * @property {number} handle   a new index (the caller owns it)
 * @property {number} walSeq   the last log record the snapshot contains
 */

/**
 * Builds an index from snapshot bytes, or throws CORRUPT /
 * UNSUPPORTED_VERSION naming the section and the reason.
 * @param {EdgeVecWasm} wasm
 * @param {Uint8Array} bytes
 * @param {string} name  database name, for messages
 * @returns {LoadedSnapshot}
 */
export function loadSnapshot(wasm, bytes, name) {
  const out = wasm._malloc(64);
  if (out === 0) throw statusError(EV_ERR_OUT_OF_MEMORY, 'open');
  const data = copyIn(wasm, [bytes], 'open');
  try {
    const st = wasm._evp_snapshot_load(data.ptr, data.len, out);
    const u32 = wasm.HEAPU32;
    const o = out >>> 2;
    if (st !== 0) {
      const handle = u32[o];
      if (handle) wasm._evw_free(handle);
      const section = sectionName(wasm, u32[o + 4]);
      const reason = reasonName(wasm, u32[o + 5]);
      const where = `snapshot of "${name}": section ${section}, ${reason} at byte ${u32[o + 6]}`;
      if (st === EV_ERR_UNSUPPORTED_VERSION) {
        return /** @type {never} */ (failVersion(where, u32[o + 3], st));
      }
      throw statusError(st, 'open', { section }, where);
    }
    return { handle: u32[o], walSeq: word64(u32, o + 1) };
  } finally {
    wasm._free(data.ptr);
    wasm._free(out);
  }
}

/**
 * @param {string} where
 * @param {number} version
 * @param {number} status
 * @returns {never}
 */
function failVersion(where, version, status) {
  throw new EdgeVecError('UNSUPPORTED_VERSION',
    `open: ${where}: the snapshot is format version ${version}, newer than this ` +
    'build of edgevec-c reads; upgrade the package', { status, section: 'header' });
}

/**
 * @typedef {object} ReplayResult
 * @property {number} lastSeq      the last record applied (or afterSeq)
 * @property {number} applied
 * @property {boolean} tornTail    the last record(s) were incomplete or bad
 * @property {number} maxStoredSeq the largest seq the storage holds
 */

/**
 * Replays the stored log records after `afterSeq` into the index. A torn
 * tail is reported, not fatal; a gap or a bad record followed by a good one
 * is CORRUPT (and the index must then be freed by the caller).
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {LogRecord[]} log
 * @param {number} afterSeq
 * @param {string} name
 * @returns {ReplayResult}
 */
export function replayLog(wasm, handle, log, afterSeq, name) {
  let maxStoredSeq = afterSeq;
  for (const r of log) if (r.seq > maxStoredSeq) maxStoredSeq = r.seq;
  if (log.length === 0) return { lastSeq: afterSeq, applied: 0, tornTail: false, maxStoredSeq };
  const out = wasm._malloc(64);
  if (out === 0) throw statusError(EV_ERR_OUT_OF_MEMORY, 'open');
  const data = copyIn(wasm, log.map((r) => r.bytes), 'open');
  try {
    const st = wasm._evp_wal_replay(handle, data.ptr, data.len,
      afterSeq % TWO_POW_32, Math.floor(afterSeq / TWO_POW_32), out);
    const u32 = wasm.HEAPU32;
    const o = out >>> 2;
    if (st !== 0) {
      const reason = reasonName(wasm, u32[o + 7]);
      throw statusError(st, 'open', { section: 'log' },
        `log of "${name}": ${reason} at byte ${u32[o + 8]} of the records after seq ${afterSeq}`);
    }
    return {
      lastSeq: word64(u32, o),
      applied: u32[o + 2],
      tornTail: u32[o + 5] !== 0,
      maxStoredSeq,
    };
  } finally {
    wasm._free(data.ptr);
    wasm._free(out);
  }
}

/**
 * Turns journaling on: the next record gets lastSeq + 1.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {number} lastSeq
 */
export function enableJournal(wasm, handle, lastSeq) {
  const st = wasm._evp_journal_enable(handle, lastSeq % TWO_POW_32, Math.floor(lastSeq / TWO_POW_32));
  if (st !== 0) throw statusError(st, 'open', {}, 'turning the journal on');
}

/**
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @returns {number} bytes the journal recorded since the last commit
 */
export function pendingBytes(wasm, handle) {
  return wasm._evp_journal_pending_bytes(handle) >>> 0;
}

/**
 * Starts a commit: an exact-size copy of the next log record and its seq,
 * or null when nothing changed. The caller must end it with endCommit.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @returns {{ seq: number, bytes: Uint8Array } | null}
 */
export function beginCommit(wasm, handle) {
  const out = wasm._malloc(16);
  if (out === 0) throw statusError(EV_ERR_OUT_OF_MEMORY, 'flush');
  try {
    const st = wasm._evp_journal_begin_commit(handle, out);
    if (st !== 0) throw statusError(st, 'flush', {}, 'encoding the log record');
    const u32 = wasm.HEAPU32;
    const o = out >>> 2;
    const ptr = u32[o], len = u32[o + 1];
    if (len === 0) return null;
    // A copy: the record lives inside the journal, and a view would keep
    // (and store) the whole wasm heap.
    return { seq: word64(u32, o + 2), bytes: wasm.HEAPU8.slice(ptr, ptr + len) };
  } finally {
    wasm._free(out);
  }
}

/**
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {boolean} durable  the record was stored (else it goes into the next one)
 */
export function endCommit(wasm, handle, durable) {
  wasm._evp_journal_end_commit(handle, durable ? 1 : 0);
}

/** Bytes of the wasm-side buffer a snapshot is encoded through. */
const SNAPSHOT_CHUNK = 1 << 20;

/**
 * Encodes the whole index (the journal must hold nothing uncommitted) into
 * a JS array of its exact size, one chunk at a time through a small wasm
 * buffer: a snapshot-sized buffer in wasm memory would stay as wasm memory
 * for good (it never shrinks), while this array is garbage once stored.
 * Synchronous, so nothing can change the index while the writer runs.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @returns {{ seq: number, bytes: Uint8Array }}
 */
export function saveSnapshot(wasm, handle) {
  const out = wasm._malloc(32);
  const chunk = out === 0 ? 0 : wasm._malloc(SNAPSHOT_CHUNK);
  let writer = 0;
  try {
    if (chunk === 0) throw statusError(EV_ERR_OUT_OF_MEMORY, 'checkpoint');
    const o = out >>> 2;
    let st = wasm._evp_snapshot_writer_begin(handle, out);
    if (st !== 0) throw statusError(st, 'checkpoint', {}, 'encoding the snapshot');
    writer = wasm.HEAPU32[o];
    const total = wasm.HEAPU32[o + 1], headerLen = wasm.HEAPU32[o + 2];
    const seq = word64(wasm.HEAPU32, o + 3);
    const bytes = new Uint8Array(total);
    let at = headerLen;
    for (;;) {
      st = wasm._evp_snapshot_writer_next(writer, chunk, SNAPSHOT_CHUNK, out);
      if (st !== 0) throw statusError(st, 'checkpoint', {}, 'encoding the snapshot');
      const n = wasm.HEAPU32[o];
      if (n === 0) break;
      bytes.set(wasm.HEAPU8.subarray(chunk, chunk + n), at);
      at += n;
    }
    st = wasm._evp_snapshot_writer_header(writer, chunk, SNAPSHOT_CHUNK);
    // A length mismatch would be a bug of the writer: status -1 is INTERNAL.
    if (st !== 0 || at !== total) {
      throw statusError(st || -1, 'checkpoint', {}, 'encoding the snapshot header');
    }
    bytes.set(wasm.HEAPU8.subarray(chunk, chunk + headerLen), 0);
    return { seq, bytes };
  } finally {
    if (writer) wasm._evp_snapshot_writer_free(writer);
    if (chunk) wasm._free(chunk);
    if (out) wasm._free(out);
  }
}
