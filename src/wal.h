/*
 * wal.h — reading the write-ahead log: checking a log of records (one per
 * commit) and replaying the records after a snapshot onto its index.
 *
 * The record layout is documented at the top of wal.c; the records are
 * written by the journal (journal.h). After a crash the JS layer loads the
 * last snapshot and replays the records after the snapshot's sequence
 * number.
 *
 * Trade-off: inserts are logged as the graph state they produced (the new
 * nodes with their links, and the links older nodes gained), not as the
 * caller's vectors, so replay copies lists instead of re-running HNSW
 * inserts, at the price of records larger than the vectors they carry
 * (replay times and record sizes: bench/results/api.md). Deletes stay
 * logged as ids; a compaction as its op
 * code (replay rebuilds, as the compaction did, which is why the JS layer
 * writes a snapshot after one).
 */
#ifndef EV_WAL_H
#define EV_WAL_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"
#include "snapshot.h" /* ev_load_error, ev_load_reason */

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

#endif /* EV_WAL_H */
