// js/wasm/persist.js — the marshalling of the persistence exports
// (src/wasm/wasm_persist.c, whose top comment documents them): snapshot and
// log bytes in and out of wasm memory, results read from their abi.h slots.
// Synchronous; the lifecycle that awaits storage is js/persistence/lifecycle.js.

import { EdgeVecError, statusError, describe } from '../errors.js';
import { loWord, hiWord, readU64 } from '../ids.js';
import {
  EV_OK, EV_ERR_UNSUPPORTED_VERSION, EV_ERR_CORRUPT, EV_ERR_TRUNCATED,
  EVP_LOAD_HANDLE, EVP_SNAPSHOT_WAL_SEQ_LO, EVP_SNAPSHOT_VERSION, EVP_SNAPSHOT_ERROR_SECTION,
  EVP_SNAPSHOT_ERROR_REASON, EVP_SNAPSHOT_ERROR_OFFSET,
  EVP_REPLAY_LAST_SEQ_LO, EVP_REPLAY_APPLIED, EVP_REPLAY_VALID_BYTES, EVP_REPLAY_TORN_TAIL,
  EVP_REPLAY_TAIL_REASON, EVP_REPLAY_ERROR_REASON, EVP_REPLAY_ERROR_OFFSET, EVP_REPLAY_DAMAGE_SKIPPED,
  EVP_COMMIT_RECORD_PTR, EVP_COMMIT_RECORD_LEN, EVP_COMMIT_SEQ_LO,
  EVP_WRITER_HANDLE, EVP_WRITER_TOTAL_BYTES, EVP_WRITER_HEADER_BYTES, EVP_WRITER_WAL_SEQ_LO,
  EVP_WRITER_NEXT_BYTES,
} from './abi.js';
import { alloc, outArray, copyIn, cString } from './memory.js';

/** @typedef {import('./module.js').EdgeVecWasm} EdgeVecWasm */

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
  const data = copyIn(wasm, [bytes], 'open');
  try {
    return loadSnapshotAt(wasm, data.ptr, data.len, `snapshot of "${name}"`, 'open');
  } finally {
    wasm._free(data.ptr);
  }
}

/**
 * loadSnapshot of bytes already in the wasm heap (the caller still owns
 * them).
 * @param {EdgeVecWasm} wasm
 * @param {number} ptr
 * @param {number} len
 * @param {string} what     the bytes, for messages ('snapshot of "notes"')
 * @param {string} context  the call, for messages
 * @returns {LoadedSnapshot}
 */
export function loadSnapshotAt(wasm, ptr, len, what, context) {
  const out = outArray(wasm, context);
  const st = wasm._evp_snapshot_load(ptr, len, out);
  const u32 = wasm.HEAPU32;
  const o = out >>> 2;
  if (st !== EV_OK) {
    const handle = u32[o + EVP_LOAD_HANDLE];
    if (handle) wasm._evw_free(handle);
    throw snapshotError(wasm, st, what, context);
  }
  return { handle: u32[o + EVP_LOAD_HANDLE], walSeq: readU64(u32, o + EVP_SNAPSHOT_WAL_SEQ_LO) };
}

/**
 * The error of a failed evp_snapshot_load / evp_snapshot_inspect /
 * evp_snapshot_stream_*, from the words it left in the out array.
 * @param {EdgeVecWasm} wasm
 * @param {number} st
 * @param {string} what
 * @param {string} context
 * @returns {EdgeVecError}
 */
export function snapshotError(wasm, st, what, context) {
  const u32 = wasm.HEAPU32;
  const o = outArray(wasm, context) >>> 2;
  const section = sectionName(wasm, u32[o + EVP_SNAPSHOT_ERROR_SECTION]);
  const reason = reasonName(wasm, u32[o + EVP_SNAPSHOT_ERROR_REASON]);
  const where = `${what}: section ${section}, ${reason} at byte ${u32[o + EVP_SNAPSHOT_ERROR_OFFSET]}`;
  if (st === EV_ERR_UNSUPPORTED_VERSION) {
    return versionError(where, u32[o + EVP_SNAPSHOT_VERSION], st, context);
  }
  return statusError(st, context, { section }, where);
}

/** Bytes of a snapshot's prelude: enough to read its header_len. */
export const SNAPSHOT_PRELUDE_BYTES = 20;

/**
 * What the first bytes of a snapshot say about its length, checked by the
 * core (magic, header CRC, version, fields) before anything is trusted:
 * `{ totalBytes }` once the header is complete, `{ needBytes }` (more than
 * given) while it is not. Throws CORRUPT / UNSUPPORTED_VERSION for a header
 * that fails its check.
 * @param {EdgeVecWasm} wasm
 * @param {Uint8Array} head  the first bytes, at least SNAPSHOT_PRELUDE_BYTES
 * @param {string} what     for messages
 * @param {string} context  for messages
 * @returns {{ totalBytes: number, needBytes?: undefined } | { needBytes: number, totalBytes?: undefined }}
 */
export function inspectSnapshotHead(wasm, head, what, context) {
  const out = outArray(wasm, context);
  const data = copyIn(wasm, [head], context);
  try {
    const st = wasm._evp_snapshot_inspect(data.ptr, data.len, out);
    if (st === EV_OK) return { totalBytes: head.byteLength };
    if (st === EV_ERR_TRUNCATED && head.byteLength >= SNAPSHOT_PRELUDE_BYTES) {
      // Only the length checks report TRUNCATED: of the header (its length
      // is in the prelude, which the core found intact) or of the whole.
      const headerLen = u32le(head, 12);
      if (headerLen > head.byteLength) return { needBytes: headerLen };
      // The header passed its CRC; total_len is read here as a u64, where
      // the out word would hold its low half only.
      return { totalBytes: u32le(head, 112) + u32le(head, 116) * 2 ** 32 };
    }
    throw snapshotError(wasm, st, what, context);
  } finally {
    wasm._free(data.ptr);
  }
}

/**
 * @param {string} where
 * @param {number} version
 * @param {number} status
 * @param {string} context
 * @returns {EdgeVecError}
 */
function versionError(where, version, status, context) {
  return new EdgeVecError('UNSUPPORTED_VERSION',
    `${context}: ${where}: the snapshot is format version ${version}, newer than this ` +
    'build of edgevec-c reads; upgrade the package', { status, section: 'header' });
}

/**
 * A stored log record that failed its check (nothing of it was applied).
 * @typedef {object} DamagedLogRecord
 * @property {number} seq     its storage sequence number
 * @property {number} bytes   its stored length (0 when the value is not bytes)
 * @property {string} reason  what failed, in words
 * @property {number} offset  the byte within the record where the check failed
 */

/**
 * @typedef {object} ReplayResult
 * @property {number} lastSeq  the last record applied (or afterSeq)
 * @property {number} applied  records applied
 * @property {DamagedLogRecord | null} damaged
 *   the first record that failed its check; it and every record after it
 *   were not applied (the caller decides whether that is an error)
 */

// The framing of a log record (src/wal.c): magic "EVWL", then record_len,
// and seq at byte 16; a record is at least header plus CRC.
const LOG_MAGIC = 0x4c575645;
const LOG_SEQ_OFFSET = 16;
const LOG_MIN_RECORD = 36;

/**
 * The storage's word against the record's own: a stored value must be
 * exactly one record, carrying the sequence number it is stored under.
 * Checked before the core sees it, because the core reads a byte string as
 * a log (it would apply a record stored under the wrong key, or one
 * followed by stray bytes, and only then report the rest).
 * @param {unknown} bytes
 * @param {number} seq  the storage key
 * @returns {{ reason: string, offset: number } | null}
 */
function framingDamage(bytes, seq) {
  if (!(bytes instanceof Uint8Array)) {
    return { reason: `the stored value is not bytes (${describe(bytes)})`, offset: 0 };
  }
  const n = bytes.byteLength;
  if (n < LOG_MIN_RECORD || u32le(bytes, 0) !== LOG_MAGIC) return null; // the core names it
  const len = u32le(bytes, 4);
  if (len > n) return { reason: `truncated (the record says ${len} bytes, ${n} are stored)`, offset: 4 };
  if (len < n) return { reason: `${n - len} stray bytes after the record`, offset: len };
  const held = u32le(bytes, LOG_SEQ_OFFSET) + u32le(bytes, LOG_SEQ_OFFSET + 4) * 2 ** 32;
  if (held !== seq) {
    return { reason: `it holds sequence number ${held}, not the one it is stored under`, offset: LOG_SEQ_OFFSET };
  }
  return null;
}

/**
 * @param {Uint8Array} b
 * @param {number} at
 * @returns {number}
 */
function u32le(b, at) {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/**
 * Replays the stored log records (ascending storage sequence numbers, all
 * after afterSeq) into the index, one at a time, each after the previous
 * one's storage seq: so every error names the record it is in. Both
 * backends store each record atomically, so a record that fails its check
 * was damaged after it was committed (there is no torn write to forgive):
 * replay stops at it and reports it, with nothing of it applied. A record
 * that passed its check but does not apply (the index is then part-way),
 * one of a newer format, or running out of memory throws; the caller frees
 * the index.
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 * @param {ReadonlyArray<{ seq: number, bytes: unknown }>} log
 * @param {number} afterSeq  the snapshot's wal_seq
 * @param {string} name  database name, for messages
 * @returns {ReplayResult}
 */
export function replayLog(wasm, handle, log, afterSeq, name) {
  if (log.length === 0) return { lastSeq: afterSeq, applied: 0, damaged: null };
  let largest = 1;
  for (const r of log) if (r.bytes instanceof Uint8Array && r.bytes.byteLength > largest) largest = r.bytes.byteLength;
  const out = outArray(wasm, 'open');
  const o = out >>> 2;
  // One buffer for every record: a copy of the whole log per record would
  // make an open quadratic in the number of records.
  const buf = alloc(wasm, largest, 'open');
  let lastSeq = afterSeq;
  let applied = 0;
  /** @type {{ reason: string, offset: number } | null} */
  let damage = null;
  try {
    for (; applied < log.length; applied++) {
      const r = log[applied];
      damage = framingDamage(r.bytes, r.seq);
      if (damage) break;
      const bytes = /** @type {Uint8Array} */ (r.bytes);
      wasm.HEAPU8.set(bytes, buf);
      const st = wasm._evp_wal_replay(handle, buf, bytes.byteLength, loWord(lastSeq), hiWord(lastSeq), out);
      const u32 = wasm.HEAPU32;
      const done = u32[o + EVP_REPLAY_APPLIED];
      if (done === 0) {
        // Nothing of it was applied: its check failed.
        if (st === EV_OK && u32[o + EVP_REPLAY_TORN_TAIL] !== 0) {
          // Not an intact record (bad magic, truncated, checksum): the
          // core cannot tell where in it the damage is, only where the
          // intact part ends, which is its start.
          damage = { reason: reasonName(wasm, u32[o + EVP_REPLAY_TAIL_REASON]), offset: u32[o + EVP_REPLAY_VALID_BYTES] };
          break;
        }
        if (st === EV_ERR_CORRUPT || st === EV_ERR_TRUNCATED) {
          damage = { reason: reasonName(wasm, u32[o + EVP_REPLAY_ERROR_REASON]), offset: u32[o + EVP_REPLAY_ERROR_OFFSET] };
          break;
        }
      }
      if (st !== EV_OK) {
        const reason = reasonName(wasm, u32[o + EVP_REPLAY_ERROR_REASON]);
        const offset = u32[o + EVP_REPLAY_ERROR_OFFSET];
        throw statusError(st, 'open', { section: 'log', seq: r.seq, offset },
          `log record ${r.seq} of "${name}": ${reason} at byte ${offset}`);
      }
      const seq = readU64(u32, o + EVP_REPLAY_LAST_SEQ_LO);
      if (done !== 1 || seq !== r.seq || u32[o + EVP_REPLAY_TORN_TAIL] !== 0 || u32[o + EVP_REPLAY_DAMAGE_SKIPPED] !== 0) {
        // Unreachable after framingDamage; the index may hold part of it.
        throw new EdgeVecError('CORRUPT',
          `open: log record ${r.seq} of "${name}" replayed as ${done} records up to seq ${seq}`,
          { section: 'log', seq: r.seq });
      }
      lastSeq = seq;
    }
    if (!damage) return { lastSeq, applied, damaged: null };
    const r = log[applied];
    const bytes = r.bytes instanceof Uint8Array ? r.bytes.byteLength : 0;
    return { lastSeq, applied, damaged: { seq: r.seq, bytes, reason: damage.reason, offset: damage.offset } };
  } finally {
    wasm._free(buf);
  }
}

/**
 * The error of an open that met a damaged log record.
 * @param {DamagedLogRecord} d
 * @param {string} name
 * @returns {EdgeVecError}
 */
export function damagedLogError(d, name) {
  return new EdgeVecError('CORRUPT',
    `open: log record ${d.seq} of "${name}" is damaged: ${d.reason} (byte ${d.offset} of its ${d.bytes}). ` +
    'It was committed, so it is not dropped by itself; open with { dropDamagedLog: true } to drop it ' +
    'and the records after it (db.openReport lists them)',
    { section: 'log', seq: d.seq, offset: d.offset, status: EV_ERR_CORRUPT });
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

/**
 * Tells the journal that a snapshot taken after an incremental compaction's
 * finish is stored: commits may follow it again (src/journal.h).
 * @param {EdgeVecWasm} wasm
 * @param {number} handle
 */
export function snapshotStored(wasm, handle) {
  wasm._evp_journal_snapshot_stored(handle);
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
