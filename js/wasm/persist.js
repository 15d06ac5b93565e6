// js/wasm/persist.js — the marshalling of the persistence exports
// (src/wasm/wasm_persist.c, whose top comment documents them): snapshot and
// log bytes in and out of wasm memory, results read from their abi.h slots.
// Synchronous; the lifecycle that awaits storage is js/persistence/lifecycle.js.

import { EdgeVecError, statusError } from '../errors.js';
import { loWord, hiWord, readU64 } from '../ids.js';
import {
  EV_OK, EV_ERR_UNSUPPORTED_VERSION,
  EVP_LOAD_HANDLE, EVP_SNAPSHOT_WAL_SEQ_LO, EVP_SNAPSHOT_VERSION, EVP_SNAPSHOT_ERROR_SECTION,
  EVP_SNAPSHOT_ERROR_REASON, EVP_SNAPSHOT_ERROR_OFFSET,
  EVP_REPLAY_LAST_SEQ_LO, EVP_REPLAY_APPLIED, EVP_REPLAY_TORN_TAIL, EVP_REPLAY_ERROR_REASON,
  EVP_REPLAY_ERROR_OFFSET,
  EVP_COMMIT_RECORD_PTR, EVP_COMMIT_RECORD_LEN, EVP_COMMIT_SEQ_LO,
  EVP_WRITER_HANDLE, EVP_WRITER_TOTAL_BYTES, EVP_WRITER_HEADER_BYTES, EVP_WRITER_WAL_SEQ_LO,
  EVP_WRITER_NEXT_BYTES,
} from './abi.js';
import { alloc, outArray, copyIn, cString } from './memory.js';

/** @typedef {import('./module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('../storage/interface.js').LogRecord} LogRecord */

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
  const out = outArray(wasm, 'open');
  const data = copyIn(wasm, [bytes], 'open');
  try {
    const st = wasm._evp_snapshot_load(data.ptr, data.len, out);
    const u32 = wasm.HEAPU32;
    const o = out >>> 2;
    if (st !== EV_OK) {
      const handle = u32[o + EVP_LOAD_HANDLE];
      if (handle) wasm._evw_free(handle);
      const section = sectionName(wasm, u32[o + EVP_SNAPSHOT_ERROR_SECTION]);
      const reason = reasonName(wasm, u32[o + EVP_SNAPSHOT_ERROR_REASON]);
      const where = `snapshot of "${name}": section ${section}, ${reason} at byte ${u32[o + EVP_SNAPSHOT_ERROR_OFFSET]}`;
      if (st === EV_ERR_UNSUPPORTED_VERSION) {
        return /** @type {never} */ (failVersion(where, u32[o + EVP_SNAPSHOT_VERSION], st));
      }
      throw statusError(st, 'open', { section }, where);
    }
    return { handle: u32[o + EVP_LOAD_HANDLE], walSeq: readU64(u32, o + EVP_SNAPSHOT_WAL_SEQ_LO) };
  } finally {
    wasm._free(data.ptr);
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
  const out = outArray(wasm, 'open');
  const data = copyIn(wasm, log.map((r) => r.bytes), 'open');
  try {
    const st = wasm._evp_wal_replay(handle, data.ptr, data.len, loWord(afterSeq), hiWord(afterSeq), out);
    const u32 = wasm.HEAPU32;
    const o = out >>> 2;
    if (st !== EV_OK) {
      const reason = reasonName(wasm, u32[o + EVP_REPLAY_ERROR_REASON]);
      throw statusError(st, 'open', { section: 'log' },
        `log of "${name}": ${reason} at byte ${u32[o + EVP_REPLAY_ERROR_OFFSET]} of the records after seq ${afterSeq}`);
    }
    return {
      lastSeq: readU64(u32, o + EVP_REPLAY_LAST_SEQ_LO),
      applied: u32[o + EVP_REPLAY_APPLIED],
      tornTail: u32[o + EVP_REPLAY_TORN_TAIL] !== 0,
      maxStoredSeq,
    };
  } finally {
    wasm._free(data.ptr);
  }
}

/**
 * Turns journaling on: the next record gets lastSeq + 1.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {number} lastSeq
 */
export function enableJournal(wasm, handle, lastSeq) {
  const st = wasm._evp_journal_enable(handle, loWord(lastSeq), hiWord(lastSeq));
  if (st !== EV_OK) throw statusError(st, 'open', {}, 'turning the journal on');
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
  const out = outArray(wasm, 'flush');
  const st = wasm._evp_journal_begin_commit(handle, out);
  if (st !== EV_OK) throw statusError(st, 'flush', {}, 'encoding the log record');
  const u32 = wasm.HEAPU32;
  const o = out >>> 2;
  const ptr = u32[o + EVP_COMMIT_RECORD_PTR], len = u32[o + EVP_COMMIT_RECORD_LEN];
  if (len === 0) return null;
  // A copy: the record lives inside the journal, and a view would keep
  // (and store) the whole wasm heap.
  return { seq: readU64(u32, o + EVP_COMMIT_SEQ_LO), bytes: wasm.HEAPU8.slice(ptr, ptr + len) };
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
  const out = outArray(wasm, 'checkpoint');
  const o = out >>> 2;
  const chunk = alloc(wasm, SNAPSHOT_CHUNK, 'checkpoint');
  let writer = 0;
  try {
    let st = wasm._evp_snapshot_writer_begin(handle, out);
    if (st !== EV_OK) throw statusError(st, 'checkpoint', {}, 'encoding the snapshot');
    let u32 = wasm.HEAPU32;
    writer = u32[o + EVP_WRITER_HANDLE];
    const total = u32[o + EVP_WRITER_TOTAL_BYTES], headerLen = u32[o + EVP_WRITER_HEADER_BYTES];
    const seq = readU64(u32, o + EVP_WRITER_WAL_SEQ_LO);
    const bytes = new Uint8Array(total);
    let at = headerLen;
    for (;;) {
      st = wasm._evp_snapshot_writer_next(writer, chunk, SNAPSHOT_CHUNK, out);
      if (st !== EV_OK) throw statusError(st, 'checkpoint', {}, 'encoding the snapshot');
      u32 = wasm.HEAPU32;
      const n = u32[o + EVP_WRITER_NEXT_BYTES];
      if (n === 0) break;
      bytes.set(wasm.HEAPU8.subarray(chunk, chunk + n), at);
      at += n;
    }
    st = wasm._evp_snapshot_writer_header(writer, chunk, SNAPSHOT_CHUNK);
    if (st !== EV_OK) throw statusError(st, 'checkpoint', {}, 'encoding the snapshot header');
    if (at !== total) {
      // A bug of the writer, not a status of the core.
      throw new EdgeVecError('INTERNAL',
        `checkpoint: the snapshot writer produced ${at} of the ${total} bytes it announced`);
    }
    bytes.set(wasm.HEAPU8.subarray(chunk, chunk + headerLen), 0);
    return { seq, bytes };
  } finally {
    if (writer) wasm._evp_snapshot_writer_free(writer);
    wasm._free(chunk);
  }
}
