/*
 * wasm_persist.c — the wasm exports of the persisted formats (snapshot,
 * journal, log replay), behind the JS layer's EdgeVec.open, flush and
 * checkpoint.
 *
 * Trade-off: the exports are thin and synchronous; the JS layer owns every
 * await (IndexedDB, files). Results come back through a small u32 array in
 * wasm memory rather than as return values, because a function can return
 * only one value and the module must not use i64 in any exported signature
 * (it has to run where BigInt is missing).
 *
 * ======================================================================
 * ABI (wasm32; every pointer and size is a u32; no i64 anywhere)
 * ======================================================================
 *
 * Only what the JS layer calls is exported: every export, and all the C it
 * reaches, is in the .wasm every app downloads (the core's
 * ev_snapshot_size, ev_journal_last_seq, ... stay for the C tests).
 *
 * Conventions
 *  - `ix` is an `ev_index *` handle, the same handle the rest of the module
 *    (wasm_api.c) uses; an index loaded here is freed like any other.
 *  - Every `int` return is an ev_status (edgevec.h): EV_OK, or CORRUPT,
 *    UNSUPPORTED_VERSION, TRUNCATED, OUT_OF_MEMORY, INVALID_ARGUMENT ...
 *  - `out` is a caller-allocated array of u32 in wasm memory (malloc it once
 *    and reuse it; EVW_OUT_WORDS words are enough for every call). The
 *    words each call writes are named in abi.h (EVP_*); words not listed
 *    are left unchanged. Read them AFTER the call (the call may grow
 *    memory: re-create typed-array views first).
 *  - A 64-bit value (sequence number) is two words, lo at the named slot
 *    and hi after it (u64.h). Sequence numbers stay below 2^53 in
 *    practice, so JS may combine them into a Number.
 *  - Byte buffers handed IN (bytes, len) are owned by the caller: the call
 *    reads them and never keeps or frees them. Copy stored data in with
 *    malloc + HEAPU8.set, call, then free.
 *  - Buffers handed OUT say who frees them, below. Copy them out as
 *    exact-size copies (HEAPU8.slice(ptr, ptr + len)), never store a view.
 *
 * Snapshots
 *   int  evp_snapshot_writer_begin(ix, out)
 *        Starts encoding the whole index in pieces (snapshot.h).
 *        EVP_WRITER_HANDLE = the writer, EVP_WRITER_TOTAL_BYTES,
 *        EVP_WRITER_HEADER_BYTES, EVP_WRITER_WAL_SEQ_LO (+ hi) = the
 *        sequence number the snapshot includes (the journal's last
 *        committed one, 0 when journaling is off). Fails with
 *        INVALID_ARGUMENT if the journal holds uncommitted mutations or a
 *        commit is in flight: checkpoint = flush (begin/end commit), then
 *        save. Nothing may change the index until the writer is freed.
 *   int  evp_snapshot_writer_next(writer, buf, cap, out)
 *        EVP_WRITER_NEXT_BYTES = bytes written into buf (cap >= 65536):
 *        the next bytes after the header; 0 once all are written.
 *   int  evp_snapshot_writer_header(writer, buf, cap)
 *        After next gave 0: the header (its bytes go first).
 *   void evp_snapshot_writer_free(writer)
 *   int  evp_snapshot_load(bytes, len, out)
 *        Validates everything and builds a new index. EVP_LOAD_HANDLE = ix
 *        (0 on failure), EVP_SNAPSHOT_WAL_SEQ_LO (+ hi), EVP_SNAPSHOT_VERSION
 *        = format version, EVP_SNAPSHOT_ERROR_SECTION (ev_snapshot_section,
 *        0 = none), EVP_SNAPSHOT_ERROR_REASON (ev_load_reason, 0 = none),
 *        EVP_SNAPSHOT_ERROR_OFFSET = byte offset of the failure. Journaling
 *        is off on the loaded index.
 *   int  evp_snapshot_stream_begin(bytes, len, out)
 *        A load of bytes that arrive in order (a download; snapshot.h):
 *        bytes = the first len bytes, the whole header at least.
 *        EVP_LOAD_HANDLE = the stream (0 on failure: nothing to free), and
 *        the words of load from EVP_SNAPSHOT_WAL_SEQ_LO on.
 *   int  evp_snapshot_stream_feed(stream, bytes, len, out)
 *        The next len bytes. On failure the error words of load.
 *   int  evp_snapshot_stream_finish(stream, out)
 *        After the last byte: the words of load (EVP_LOAD_HANDLE = ix).
 *   void evp_snapshot_stream_free(stream)
 *        In every case once begun; frees a partly built index, never the
 *        one finish handed out.
 *   int  evp_snapshot_inspect(bytes, len, out)
 *        Header only (cheap): the words of load from EVP_SNAPSHOT_WAL_SEQ_LO
 *        to EVP_SNAPSHOT_ERROR_OFFSET, and EVP_INSPECT_DIMENSIONS (in the
 *        handle's place), EVP_INSPECT_SLOT_COUNT, EVP_INSPECT_DELETED_COUNT,
 *        EVP_INSPECT_METRIC, EVP_INSPECT_TOTAL_BYTES (what the snapshot
 *        says it has), EVP_INSPECT_QUANTIZATION, EVP_INSPECT_KEEP_FLOATS,
 *        EVP_INSPECT_RERANK.
 *
 * Journal (what a commit writes)
 *   int  evp_journal_enable(ix, last_seq_lo, last_seq_hi)
 *        Record every mutation from now on; the next record gets
 *        last_seq + 1 (see Protocol for which last_seq).
 *   u32  evp_journal_pending_bytes(ix)   0 = nothing to flush
 *   int  evp_journal_begin_commit(ix, out)
 *        EVP_COMMIT_RECORD_PTR, EVP_COMMIT_RECORD_LEN of ONE log record
 *        (len 0: nothing to commit, no sequence number used),
 *        EVP_COMMIT_SEQ_LO (+ hi) = its sequence number. The record lives
 *        inside the journal: copy it out before any other call; do NOT
 *        free it. Mutations during the await are recorded for the next
 *        commit. INVALID_ARGUMENT if a commit is already in flight.
 *   void evp_journal_end_commit(ix, durable)
 *        durable = 1: the record is stored; its mutations are dropped from
 *        the journal. durable = 0: storing failed; they stay and go into the
 *        next record (same sequence number is reused).
 *   u32  evp_journal_needs_snapshot(ix)  1 after an incremental
 *        compaction's finish (evw_compact_finish renumbers the slots)
 *        until evp_journal_snapshot_stored: begin_commit refuses to
 *        commit anything meanwhile (journal.h).
 *   void evp_journal_snapshot_stored(ix)  a snapshot taken after that
 *        finish is stored: commits may follow it.
 *
 * Log replay (at open, after evp_snapshot_load)
 *   int  evp_wal_replay(ix, bytes, len, after_seq_lo, after_seq_hi, out)
 *        bytes = the stored records concatenated in sequence order (each
 *        exactly as begin_commit produced it). Applies those with seq >
 *        after_seq (pass the snapshot's wal_seq). Results:
 *        EVP_REPLAY_LAST_SEQ_LO (+ hi) = last applied (or after_seq),
 *        EVP_REPLAY_APPLIED, EVP_REPLAY_SKIPPED (seq <= after_seq),
 *        EVP_REPLAY_VALID_BYTES (end of the last intact record),
 *        EVP_REPLAY_TORN_TAIL (0/1: bytes after valid_bytes were a torn or
 *        corrupt last record, ignored), EVP_REPLAY_TAIL_REASON,
 *        EVP_REPLAY_ERROR_REASON, EVP_REPLAY_ERROR_OFFSET,
 *        EVP_REPLAY_DAMAGE_SKIPPED (bytes of damage skipped inside the log
 *        because it provably hid no needed record; checkpoint soon to
 *        replace the log). A torn tail is status 0 here; the JS layer,
 *        which replays one stored record per call, treats it as damage.
 *        CORRUPT on a gap, or a bad record followed by a good one: nothing
 *        was applied. If a record fails to apply (CORRUPT with reason
 *        EV_REASON_REPLAY_FAILED) or memory runs out, the index is
 *        part-way: free it.
 *
 * Protocol (what the JS layer does with the calls above)
 *   create : a database that does not exist yet is created by EdgeVec.open
 *            (EdgeVec.create makes an in-memory index, never journaled):
 *            evw_create, evp_journal_enable(ix, 0, 0), then a checkpoint
 *            stores the first snapshot (wal_seq 0).
 *   open   : evp_snapshot_load the current generation -> ix, wal_seq S
 *            (checked against the manifest's snapshotSeq); then each stored
 *            record after S, one call per record in sequence order:
 *            evp_wal_replay(ix, record, previous seq) must apply exactly
 *            that record, under the seq storage keeps it under. Storage
 *            writes each record atomically, so a record that is not intact
 *            (torn_tail, skipped damage, nothing applied, another seq) is a
 *            damaged commit: CORRUPT naming it, nothing written. Only when
 *            the caller asked for it (dropDamagedLog) are the damaged record
 *            and those after it dropped: L = the largest seq storage holds,
 *            and a checkpoint right after opening drops them durably.
 *            Then evp_journal_enable(ix, L) (L = the last record applied
 *            otherwise). Read-only: the journal stays off, nothing is
 *            written.
 *            CORRUPT / UNSUPPORTED_VERSION: free ix (if any), surface the
 *            error with the section and reason names.
 *   flush  : evp_journal_begin_commit; len 0 = nothing to do; else copy the
 *            record out, store it under its seq in one transaction, then
 *            evp_journal_end_commit(ix, 1) (or 0 if the store failed: the
 *            same seq is retried by the next flush). With automatic
 *            checkpoints, a flush after a compaction, or one that leaves
 *            the log larger than a fraction of the snapshot, checkpoints.
 *   checkpoint : flush until evp_journal_pending_bytes is 0 (mutations made
 *            while a record is stored go into the next one), then
 *            evp_snapshot_writer_*; store it as a new generation, which
 *            drops the records with seq <= its wal_seq in the same
 *            transaction that flips the manifest. A crash in between leaves
 *            the old generation plus its log, which replays to the same
 *            state.
 *   incremental compaction : evw_compact_begin and steps between other
 *            calls; then, with nothing pending (flush first) and in one
 *            synchronous run, evw_compact_finish and the snapshot writer;
 *            store that snapshot (retrying the same bytes on failure)
 *            before any commit, then evp_journal_snapshot_stored. A crash
 *            before it is stored reopens the old generation and its log:
 *            the state before the finish, with every commit made before
 *            it.
 *
 * Names for messages
 *   u32  evp_section_name(section) -> pointer to a NUL-terminated ASCII
 *   u32  evp_reason_name(reason)      string in static memory (don't free)
 * ======================================================================
 */
#include <emscripten.h>
#include <stdlib.h>

#include "abi.h"
#include "edgevec.h"
#include "journal.h"
#include "snapshot.h"
#include "u64.h"
#include "wal.h"

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_writer_begin(ev_index *ix, uint32_t *out) {
  uint64_t seq = 0, total = 0;
  uint32_t header = 0;
  ev_snapshot_writer *w = NULL;
  if (!ix || !out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_journal_snapshot_seq(ix, &seq);
  if (st == EV_OK) st = ev_snapshot_writer_begin(ix, seq, &w, &total, &header);
  if (st == EV_OK && total > UINT32_MAX) {
    ev_snapshot_writer_free(w);
    st = EV_ERR_OUT_OF_MEMORY; /* cannot exist in wasm32 anyway */
  }
  if (st != EV_OK) return st;
  out[EVP_WRITER_HANDLE] = (uint32_t)(uintptr_t)w;
  out[EVP_WRITER_TOTAL_BYTES] = (uint32_t)total;
  out[EVP_WRITER_HEADER_BYTES] = header;
  evw_split64(seq, out + EVP_WRITER_WAL_SEQ_LO);
  return EV_OK;
}

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_writer_next(ev_snapshot_writer *w, uint8_t *buf, uint32_t cap,
                             uint32_t *out) {
  size_t n = 0;
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_snapshot_writer_next(w, buf, cap, &n);
  out[EVP_WRITER_NEXT_BYTES] = (uint32_t)n;
  return st;
}

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_writer_header(ev_snapshot_writer *w, uint8_t *buf, uint32_t cap) {
  return ev_snapshot_writer_header(w, buf, cap);
}

EMSCRIPTEN_KEEPALIVE
void evp_snapshot_writer_free(ev_snapshot_writer *w) {
  ev_snapshot_writer_free(w);
}

/* The words evp_snapshot_load and evp_snapshot_inspect share. */
static void put_snapshot_words(uint32_t *out, const ev_snapshot_info *info,
                               const ev_load_error *err) {
  evw_split64(info->wal_seq, out + EVP_SNAPSHOT_WAL_SEQ_LO);
  out[EVP_SNAPSHOT_VERSION] = info->version;
  out[EVP_SNAPSHOT_ERROR_SECTION] = err->section;
  out[EVP_SNAPSHOT_ERROR_REASON] = err->reason;
  out[EVP_SNAPSHOT_ERROR_OFFSET] = (uint32_t)err->offset;
}

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_load(const uint8_t *bytes, uint32_t len, uint32_t *out) {
  ev_index *ix = NULL;
  ev_snapshot_info info = {0};
  ev_load_error err = {0};
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_snapshot_load(bytes, len, &ix, &info, &err);
  out[EVP_LOAD_HANDLE] = (uint32_t)(uintptr_t)ix;
  put_snapshot_words(out, &info, &err);
  return st;
}

/* The stream's wal_seq and version come from begin's info; later calls
 * write only the error words. */
static void put_error_words(uint32_t *out, const ev_load_error *err) {
  out[EVP_SNAPSHOT_ERROR_SECTION] = err->section;
  out[EVP_SNAPSHOT_ERROR_REASON] = err->reason;
  out[EVP_SNAPSHOT_ERROR_OFFSET] = (uint32_t)err->offset;
}

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_stream_begin(const uint8_t *bytes, uint32_t len, uint32_t *out) {
  ev_snapshot_stream *stream = NULL;
  ev_snapshot_info info = {0};
  ev_load_error err = {0};
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_snapshot_stream_begin(bytes, len, &stream, &info, &err);
  out[EVP_LOAD_HANDLE] = (uint32_t)(uintptr_t)stream;
  put_snapshot_words(out, &info, &err);
  return st;
}

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_stream_feed(ev_snapshot_stream *stream, const uint8_t *bytes,
                             uint32_t len, uint32_t *out) {
  ev_load_error err = {0};
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_snapshot_stream_feed(stream, bytes, len, &err);
  put_error_words(out, &err);
  return st;
}

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_stream_finish(ev_snapshot_stream *stream, uint32_t *out) {
  ev_index *ix = NULL;
  ev_load_error err = {0};
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_snapshot_stream_finish(stream, &ix, &err);
  out[EVP_LOAD_HANDLE] = (uint32_t)(uintptr_t)ix;
  put_error_words(out, &err);
  return st;
}

EMSCRIPTEN_KEEPALIVE
void evp_snapshot_stream_free(ev_snapshot_stream *stream) {
  ev_snapshot_stream_free(stream);
}

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_inspect(const uint8_t *bytes, uint32_t len, uint32_t *out) {
  ev_snapshot_info info = {0};
  ev_load_error err = {0};
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_snapshot_inspect(bytes, len, &info, &err);
  out[EVP_INSPECT_DIMENSIONS] = info.options.dimensions;
  put_snapshot_words(out, &info, &err);
  out[EVP_INSPECT_SLOT_COUNT] = info.count;
  out[EVP_INSPECT_DELETED_COUNT] = info.deleted_count;
  out[EVP_INSPECT_METRIC] = (uint32_t)info.options.metric;
  out[EVP_INSPECT_TOTAL_BYTES] = (uint32_t)info.total_bytes;
  out[EVP_INSPECT_QUANTIZATION] = (uint32_t)info.options.quantization;
  out[EVP_INSPECT_KEEP_FLOATS] = info.options.keep_floats;
  out[EVP_INSPECT_RERANK] = info.options.rerank;
  return st;
}

EMSCRIPTEN_KEEPALIVE
int evp_journal_enable(ev_index *ix, uint32_t seq_lo, uint32_t seq_hi) {
  if (!ix) return EV_ERR_INVALID_ARGUMENT;
  return ev_journal_enable(ix, evw_join64(seq_lo, seq_hi));
}

EMSCRIPTEN_KEEPALIVE
uint32_t evp_journal_pending_bytes(ev_index *ix) {
  return ix ? (uint32_t)ev_journal_pending_bytes(ix) : 0;
}

EMSCRIPTEN_KEEPALIVE
int evp_journal_begin_commit(ev_index *ix, uint32_t *out) {
  const uint8_t *rec = NULL;
  size_t len = 0;
  uint64_t seq = 0;
  if (!ix || !out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_journal_begin_commit(ix, &rec, &len, &seq);
  if (st != EV_OK) return st;
  out[EVP_COMMIT_RECORD_PTR] = (uint32_t)(uintptr_t)rec;
  out[EVP_COMMIT_RECORD_LEN] = (uint32_t)len;
  evw_split64(seq, out + EVP_COMMIT_SEQ_LO);
  return EV_OK;
}

EMSCRIPTEN_KEEPALIVE
void evp_journal_end_commit(ev_index *ix, int durable) {
  if (ix) ev_journal_end_commit(ix, durable);
}

EMSCRIPTEN_KEEPALIVE
uint32_t evp_journal_needs_snapshot(ev_index *ix) {
  return (uint32_t)ev_journal_needs_snapshot(ix);
}

EMSCRIPTEN_KEEPALIVE
void evp_journal_snapshot_stored(ev_index *ix) {
  if (ix) ev_journal_snapshot_stored(ix);
}

EMSCRIPTEN_KEEPALIVE
int evp_wal_replay(ev_index *ix, const uint8_t *bytes, uint32_t len,
                   uint32_t after_lo, uint32_t after_hi, uint32_t *out) {
  ev_wal_replay_result r = {0};
  if (!ix || !out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_wal_replay(ix, bytes, len, evw_join64(after_lo, after_hi), &r);
  evw_split64(r.last_seq, out + EVP_REPLAY_LAST_SEQ_LO);
  out[EVP_REPLAY_APPLIED] = r.records_applied;
  out[EVP_REPLAY_SKIPPED] = r.records_skipped;
  out[EVP_REPLAY_VALID_BYTES] = (uint32_t)r.valid_bytes;
  out[EVP_REPLAY_TORN_TAIL] = (uint32_t)r.torn_tail;
  out[EVP_REPLAY_TAIL_REASON] = r.tail_reason;
  out[EVP_REPLAY_ERROR_REASON] = r.error.reason;
  out[EVP_REPLAY_ERROR_OFFSET] = (uint32_t)r.error.offset;
  out[EVP_REPLAY_DAMAGE_SKIPPED] = (uint32_t)r.skipped_damage;
  return st;
}

EMSCRIPTEN_KEEPALIVE
uint32_t evp_section_name(uint32_t section) {
  return (uint32_t)(uintptr_t)ev_snapshot_section_name(section);
}

EMSCRIPTEN_KEEPALIVE
uint32_t evp_reason_name(uint32_t reason) {
  return (uint32_t)(uintptr_t)ev_load_reason_name(reason);
}
