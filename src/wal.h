/*
 * wal.h — the write-ahead log: one record per commit, holding the mutations
 * made since the previous commit, and its replay onto an index.
 *
 * The record layout is documented at the top of wal.c. The journal
 * (journal.c) collects mutations as the core makes them; a commit turns them
 * into one record that the JS layer appends to storage. After a crash the
 * JS layer loads the last snapshot and replays the records after the
 * snapshot's sequence number.
 *
 * Trade-off: inserts are logged as the graph state they produced (the new
 * nodes with their links, and the links older nodes gained), not as the
 * caller's vectors, so replay copies lists instead of re-running HNSW
 * inserts (about 100x faster) at the price of records about 1.5x the
 * vectors they carry. Deletes stay logged as ids; a compaction as its op
 * code (replay rebuilds, as the compaction did, which is why the JS layer
 * writes a snapshot after one).
 */
#ifndef EV_WAL_H
#define EV_WAL_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"
#include "snapshot.h" /* ev_load_error, ev_load_reason */

/* Record format version this build writes; the reader accepts 1..this.
 * Version 2 added the GRAPH op; version 1 records (INSERT ops) still
 * replay. */
#define EV_WAL_VERSION 2u

/* Operation codes inside a record. Stable numbers. */
enum {
  EV_WAL_OP_INSERT = 1,
  EV_WAL_OP_DELETE = 2,
  EV_WAL_OP_COMPACT = 3,
  EV_WAL_OP_GRAPH = 4, /* version >= 2 */
};

/* ---- journal: recording mutations (journal.c) --------------------------- */

/* Turns journaling on: from now on every successful mutation of the index
 * is recorded until the next commit. last_seq is the sequence number of the
 * last record already in the log (the snapshot's wal_seq plus the records
 * replayed after it; 0 for a new log); the next commit is last_seq + 1.
 * Anything already recorded is dropped. OUT_OF_MEMORY possible. */
ev_status ev_journal_enable(ev_index *index, uint64_t last_seq);
/* Turns journaling off and drops anything not committed. */
void ev_journal_disable(ev_index *index);
int ev_journal_enabled(const ev_index *index);

/* Sequence number of the last committed record (0 before the first). */
uint64_t ev_journal_last_seq(const ev_index *index);
/* Bytes of mutations recorded and not yet committed (0: nothing to do). */
size_t ev_journal_pending_bytes(const ev_index *index);

/* Commit, phase 1: encodes everything recorded so far as one log record
 * with sequence number last_seq + 1. *out_record points into the journal
 * (valid until ev_journal_end_commit; copy it out), *out_len gets its size
 * and *out_seq its sequence number. With nothing recorded *out_len is 0 and
 * no sequence number is used. Mutations made while the commit is in flight
 * are recorded for the next one. INVALID_ARGUMENT if journaling is off or a
 * commit is already in flight; OUT_OF_MEMORY. */
ev_status ev_journal_begin_commit(ev_index *index, const uint8_t **out_record,
                                  size_t *out_len, uint64_t *out_seq);
/* Commit, phase 2: durable != 0 means the record is stored: its mutations
 * are dropped from the journal and last_seq advances. durable == 0 means
 * storing failed: they stay recorded and go into the next record. A no-op
 * when no commit is in flight. */
void ev_journal_end_commit(ev_index *index, int durable);

/* The sequence number a snapshot of the index's current state must carry:
 * ev_journal_last_seq when nothing is recorded and no commit is in flight.
 * INVALID_ARGUMENT otherwise (commit first: a snapshot that held
 * uncommitted mutations would have them applied twice by the next replay).
 * With journaling off: *out_seq = 0 and EV_OK. */
ev_status ev_journal_snapshot_seq(const ev_index *index, uint64_t *out_seq);

/* ---- log reading and replay (wal.c) ------------------------------------- */

typedef struct ev_wal_replay_result {
  uint64_t last_seq;         /* sequence number of the last record applied,
                                or after_seq when none was */
  uint32_t records_applied;
  uint32_t records_skipped;  /* seq <= after_seq: already in the snapshot */
  uint64_t valid_bytes;      /* bytes from the start of the log to the end
                                of the last intact record: where the next
                                record should be written */
  int torn_tail;             /* 1 when bytes after valid_bytes were ignored
                                (a torn or corrupt last record) */
  uint32_t tail_reason;      /* ev_load_reason of the ignored tail */
  uint64_t skipped_damage;   /* bytes of damage skipped inside the log
                                because it provably hid no record needed
                                (see wal.c); non-zero: checkpoint soon so
                                the damaged log is replaced */
  ev_load_error error;       /* why replay failed, when it did */
} ev_wal_replay_result;

/* Replays a log (records back to back, as ev_journal_begin_commit produced
 * them) onto index: records with seq <= after_seq are skipped, the rest
 * must follow each other without a gap (the first applied one must be
 * after_seq + 1) and are applied in order.
 *
 * The whole log is checked before anything is applied. A torn or corrupt
 * record with no intact record after it is the end of the log: EV_OK with
 * result->torn_tail = 1. CORRUPT when a corrupt record is followed by an
 * intact one, on a sequence gap, or on a record for other dimensions;
 * UNSUPPORTED_VERSION for records of a newer format. When a record fails to
 * apply (the log does not belong to this snapshot) or memory runs out
 * part-way, the index holds some of the records: discard it.
 * Journaling, if on, is suspended during replay (the records are already
 * in the log). result may be NULL. */
ev_status ev_wal_replay(ev_index *index, const uint8_t *log, size_t len,
                        uint64_t after_seq, ev_wal_replay_result *result);

/* Checks a log without applying it: the same result as ev_wal_replay would
 * give for the framing (records, sequence numbers, tail), with dimension
 * checks against `dimensions` (0: not checked). */
ev_status ev_wal_check(const uint8_t *log, size_t len, uint64_t after_seq,
                       uint32_t dimensions, ev_wal_replay_result *result);

/* ---- between journal.c and wal.c (not for callers) ---------------------- */

/* Bytes of a record's fixed header and trailing CRC (see wal.c). */
#define EV_WAL_HEADER_BYTES 32u
#define EV_WAL_TRAILER_BYTES 4u
/* Frames a record in place: rec holds EV_WAL_HEADER_BYTES of room, then
 * the encoded ops (ops_len bytes, op_count ops), then room for the
 * EV_WAL_TRAILER_BYTES CRC. Writes the header and the CRC; returns the
 * record's length. */
size_t ev__wal_frame_record(uint8_t *rec, uint64_t seq, uint32_t dimensions,
                            uint32_t op_count, size_t ops_len);

/* ---- the GRAPH op, between journal.c, wal.c and wal_graph.c -------------- */

/* Which lists of an older slot (one inserted before the op's first slot)
 * changed since the last GRAPH op: bits of marks->bits[slot]. */
#define EV_MARK_LEVEL0 1u
#define EV_MARK_UPPER 2u
typedef struct ev_graph_marks {
  const uint8_t *bits; /* per slot; only [lo, hi) may be non-zero */
  const uint16_t *kept0; /* per slot with EV_MARK_LEVEL0: how many leading
                            level-0 links are unchanged (not logged) */
  uint32_t lo, hi;
  uint32_t count;      /* non-zero entries */
} ev_graph_marks;

/* Bytes of the GRAPH op (code and length included) for the slots
 * [first, ix->count) and the marked older slots, and its encoding into
 * out (that many bytes); returns the bytes written. */
size_t ev__graph_op_size(const ev_index *ix, uint32_t first,
                         const ev_graph_marks *marks);
size_t ev__graph_op_write(const ev_index *ix, uint32_t first,
                          const ev_graph_marks *marks, uint8_t *out);
/* Checks a GRAPH op body (after its code and length) against the index and
 * applies it: all of it, or nothing with CORRUPT (*bad = offset of the
 * problem in the body) or OUT_OF_MEMORY. */
ev_status ev__graph_op_apply(ev_index *ix, const uint8_t *body, size_t len,
                             size_t *bad);

#endif /* EV_WAL_H */
