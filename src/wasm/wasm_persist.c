/*
 * wasm_persist.c — the wasm exports of the persistence formats (snapshot,
 * journal, log replay) for the JS layer's EdgeVec.open / flush / checkpoint.
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
 * Conventions
 *  - `ix` is an `ev_index *` handle, the same handle the rest of the module
 *    (wasm_api.c) uses; an index loaded here is freed like any other.
 *  - Every `int` return is an ev_status (edgevec.h): 0 = OK, 11 = CORRUPT,
 *    12 = UNSUPPORTED_VERSION, 13 = TRUNCATED, 8 = OUT_OF_MEMORY,
 *    1 = INVALID_ARGUMENT ...
 *  - `out` is a caller-allocated array of u32 in wasm memory (malloc it once
 *    and reuse it; 16 words is enough for every call). Words not listed are
 *    left unchanged. Read it as HEAPU32[out >> 2 + i] AFTER the call (the
 *    call may grow memory: re-create typed-array views first).
 *  - A 64-bit value (sequence number) is two words: lo then hi, i.e.
 *    value = lo + hi * 2^32. Sequence numbers stay below 2^53 in practice,
 *    so JS may combine them into a Number.
 *  - Byte buffers handed IN (bytes, len) are owned by the caller: the call
 *    reads them and never keeps or frees them. Copy stored data in with
 *    malloc + HEAPU8.set, call, then free.
 *  - Buffers handed OUT say who frees them, below. Copy them out as
 *    exact-size copies (HEAPU8.slice(ptr, ptr + len)), never store a view.
 *
 * Snapshots
 *   int  evp_snapshot_writer_begin(ix, out)
 *        Starts encoding the whole index in pieces (snapshot.h).
 *        out[0] = writer, out[1] = total bytes, out[2] = header bytes,
 *        out[3], out[4] = wal_seq lo, hi (the sequence number the snapshot
 *        includes: the journal's last committed one, 0 when journaling is
 *        off). Fails with INVALID_ARGUMENT (1) if the journal holds
 *        uncommitted mutations or a commit is in flight: checkpoint =
 *        flush (begin/end commit), then save. Nothing may change the index
 *        until the writer is freed.
 *   int  evp_snapshot_writer_next(writer, buf, cap, out)
 *        out[0] = bytes written into buf (cap >= 65536): the next bytes
 *        after the header; 0 once all are written.
 *   int  evp_snapshot_writer_header(writer, buf, cap)
 *        After next gave 0: the header (its bytes go first).
 *   void evp_snapshot_writer_free(writer)
 *   u32  evp_snapshot_size(ix)
 *        Exact bytes of the snapshot evp_snapshot_writer_* would produce
 *        now (O(slots), no allocation): for "checkpoint when the log passes
 *        a fraction of the snapshot" without encoding one. 0 for a NULL
 *        handle.
 *   int  evp_snapshot_load(bytes, len, out)
 *        Validates everything and builds a new index. out[0] = ix (0 on
 *        failure), out[1], out[2] = wal_seq lo, hi, out[3] = format version,
 *        out[4] = failing section (ev_snapshot_section, 0 = none),
 *        out[5] = reason (ev_load_reason, 0 = none), out[6] = byte offset of
 *        the failure. Journaling is off on the loaded index.
 *   int  evp_snapshot_inspect(bytes, len, out)
 *        Header only (cheap): out[0] = dimensions, out[1], out[2] = wal_seq,
 *        out[3] = version, out[4] = section, out[5] = reason, out[6] =
 *        offset, out[7] = slot count, out[8] = deleted count, out[9] =
 *        metric, out[10] = total bytes the snapshot says it has,
 *        out[11] = quantization (0 none, 1 SQ8, 2 binary), out[12] =
 *        keep_floats, out[13] = rerank.
 *
 * Journal (what a commit writes)
 *   int  evp_journal_enable(ix, last_seq_lo, last_seq_hi)
 *        Record every mutation from now on; the next record gets
 *        last_seq + 1. Call after load + replay with the replay's last_seq,
 *        or with 0 for a new database.
 *   void evp_journal_disable(ix)
 *   u32  evp_journal_pending_bytes(ix)   0 = nothing to flush
 *   void evp_journal_last_seq(ix, out)   out[0], out[1] = lo, hi
 *   int  evp_journal_begin_commit(ix, out)
 *        out[0] = ptr, out[1] = len of ONE log record (len 0: nothing to
 *        commit, no sequence number used), out[2], out[3] = its seq lo, hi.
 *        The record lives inside the journal: copy it out before any other
 *        call; do NOT free it. Mutations during the await are recorded for
 *        the next commit. INVALID_ARGUMENT if a commit is already in flight.
 *   void evp_journal_end_commit(ix, durable)
 *        durable = 1: the record is stored; its mutations are dropped from
 *        the journal. durable = 0: storing failed; they stay and go into the
 *        next record (same sequence number is reused).
 *
 * Log replay (at open, after evp_snapshot_load)
 *   int  evp_wal_replay(ix, bytes, len, after_seq_lo, after_seq_hi, out)
 *        bytes = the stored records concatenated in sequence order (each
 *        exactly as begin_commit produced it). Applies those with seq >
 *        after_seq (pass the snapshot's wal_seq). Results:
 *        out[0], out[1] = last_seq lo, hi (last applied, or after_seq),
 *        out[2] = records applied, out[3] = records skipped (<= after_seq),
 *        out[4] = valid_bytes (end of the last intact record; bytes after it
 *        are a torn tail the JS layer should delete), out[5] = torn_tail
 *        (0/1), out[6] = tail reason, out[7] = error reason, out[8] = error
 *        byte offset, out[9] = bytes of damage skipped inside the log
 *        (it provably hid no needed record; checkpoint soon to replace the
 *        log). A torn tail is OK (status 0), not an error. CORRUPT
 *        (11) on a gap, or a bad record followed by a good one: nothing was
 *        applied. If a record fails to apply (status 11 with reason 10) or
 *        memory runs out, the index is part-way: free it.
 *
 * Protocol (what the JS layer does with the calls above)
 *   create : build the index, evp_snapshot_writer_* (wal_seq 0), store it as
 *            the first generation, then evp_journal_enable(ix, 0, 0).
 *   open   : evp_snapshot_load the current generation -> ix, wal_seq S;
 *            concatenate the stored records in sequence order and
 *            evp_wal_replay(ix, log, S) -> last_seq L (delete the records
 *            past valid_bytes when torn_tail = 1); evp_journal_enable(ix, L).
 *            CORRUPT / UNSUPPORTED_VERSION: free ix (if any), surface the
 *            error with the section and reason names.
 *   flush  : evp_journal_begin_commit; len 0 = nothing to do; else copy the
 *            record out, store it under its seq in one transaction, then
 *            evp_journal_end_commit(ix, 1) (or 0 if the store failed: the
 *            same seq is retried by the next flush).
 *   checkpoint : flush, then evp_snapshot_writer_* (fails while mutations are
 *            pending: flush again), store it as a new generation and drop
 *            the records with seq <= its wal_seq in the same transaction
 *            that flips the manifest. A crash in between leaves the old
 *            generation plus its log, which replays to the same state.
 *
 * Names for messages
 *   u32  evp_section_name(section) -> pointer to a NUL-terminated ASCII
 *   u32  evp_reason_name(reason)      string in static memory (don't free)
 * ======================================================================
 */
#include <emscripten.h>
#include <stdlib.h>

#include "edgevec.h"
#include "journal.h"
#include "snapshot.h"
#include "wal.h"

static uint64_t join64(uint32_t lo, uint32_t hi) {
  return (uint64_t)lo | (uint64_t)hi << 32;
}
static void split64(uint64_t v, uint32_t *out) {
  out[0] = (uint32_t)v;
  out[1] = (uint32_t)(v >> 32);
}

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
  out[0] = (uint32_t)(uintptr_t)w;
  out[1] = (uint32_t)total;
  out[2] = header;
  split64(seq, out + 3);
  return EV_OK;
}

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_writer_next(ev_snapshot_writer *w, uint8_t *buf, uint32_t cap,
                             uint32_t *out) {
  size_t n = 0;
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_snapshot_writer_next(w, buf, cap, &n);
  out[0] = (uint32_t)n;
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

EMSCRIPTEN_KEEPALIVE
uint32_t evp_snapshot_size(ev_index *ix) {
  return ix ? (uint32_t)ev_snapshot_size(ix) : 0;
}

static void put_error(uint32_t *out, const ev_load_error *err) {
  out[4] = err->section;
  out[5] = err->reason;
  out[6] = (uint32_t)err->offset;
}

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_load(const uint8_t *bytes, uint32_t len, uint32_t *out) {
  ev_index *ix = NULL;
  ev_snapshot_info info = {0};
  ev_load_error err = {0};
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_snapshot_load(bytes, len, &ix, &info, &err);
  out[0] = (uint32_t)(uintptr_t)ix;
  split64(info.wal_seq, out + 1);
  out[3] = info.version;
  put_error(out, &err);
  return st;
}

EMSCRIPTEN_KEEPALIVE
int evp_snapshot_inspect(const uint8_t *bytes, uint32_t len, uint32_t *out) {
  ev_snapshot_info info = {0};
  ev_load_error err = {0};
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_snapshot_inspect(bytes, len, &info, &err);
  out[0] = info.options.dimensions;
  split64(info.wal_seq, out + 1);
  out[3] = info.version;
  put_error(out, &err);
  out[7] = info.count;
  out[8] = info.deleted_count;
  out[9] = (uint32_t)info.options.metric;
  out[10] = (uint32_t)info.total_bytes;
  out[11] = (uint32_t)info.options.quantization;
  out[12] = info.options.keep_floats;
  out[13] = info.options.rerank;
  return st;
}

EMSCRIPTEN_KEEPALIVE
int evp_journal_enable(ev_index *ix, uint32_t seq_lo, uint32_t seq_hi) {
  if (!ix) return EV_ERR_INVALID_ARGUMENT;
  return ev_journal_enable(ix, join64(seq_lo, seq_hi));
}

EMSCRIPTEN_KEEPALIVE
void evp_journal_disable(ev_index *ix) {
  if (ix) ev_journal_disable(ix);
}

EMSCRIPTEN_KEEPALIVE
uint32_t evp_journal_pending_bytes(ev_index *ix) {
  return ix ? (uint32_t)ev_journal_pending_bytes(ix) : 0;
}

EMSCRIPTEN_KEEPALIVE
void evp_journal_last_seq(ev_index *ix, uint32_t *out) {
  if (out) split64(ix ? ev_journal_last_seq(ix) : 0, out);
}

EMSCRIPTEN_KEEPALIVE
int evp_journal_begin_commit(ev_index *ix, uint32_t *out) {
  const uint8_t *rec = NULL;
  size_t len = 0;
  uint64_t seq = 0;
  if (!ix || !out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_journal_begin_commit(ix, &rec, &len, &seq);
  if (st != EV_OK) return st;
  out[0] = (uint32_t)(uintptr_t)rec;
  out[1] = (uint32_t)len;
  split64(seq, out + 2);
  return EV_OK;
}

EMSCRIPTEN_KEEPALIVE
void evp_journal_end_commit(ev_index *ix, int durable) {
  if (ix) ev_journal_end_commit(ix, durable);
}

EMSCRIPTEN_KEEPALIVE
int evp_wal_replay(ev_index *ix, const uint8_t *bytes, uint32_t len,
                   uint32_t after_lo, uint32_t after_hi, uint32_t *out) {
  ev_wal_replay_result r = {0};
  if (!ix || !out) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_wal_replay(ix, bytes, len, join64(after_lo, after_hi), &r);
  split64(r.last_seq, out);
  out[2] = r.records_applied;
  out[3] = r.records_skipped;
  out[4] = (uint32_t)r.valid_bytes;
  out[5] = (uint32_t)r.torn_tail;
  out[6] = r.tail_reason;
  out[7] = r.error.reason;
  out[8] = (uint32_t)r.error.offset;
  out[9] = (uint32_t)r.skipped_damage;
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
