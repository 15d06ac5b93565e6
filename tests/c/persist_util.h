/*
 * persist_util.h — helpers shared by the persistence tests: seeded
 * index building, a deep equality of two indexes (every field a snapshot
 * must restore), search comparison, the steps of a store that keeps a
 * snapshot and the journal's records after it (start the journal, commit,
 * recover), and re-sealing the checksums of a hand-edited snapshot or log
 * record (to test the checks behind the CRCs).
 */
#ifndef EV_PERSIST_UTIL_H
#define EV_PERSIST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"
#include "wal.h" /* ev_wal_replay_result */

/* n rows of seeded clustered data (free with free()). */
float *pu_rows(uint64_t seed, uint32_t dim, size_t n);

/* A new index with small graph parameters (fast under ASan). */
ev_index *pu_index(uint32_t dim, ev_metric metric, uint64_t seed);
/* The same with quantization options. */
ev_index *pu_index_q(uint32_t dim, ev_metric metric, uint64_t seed,
                     ev_quantization q, uint32_t keep_floats, uint32_t rerank);

/* 1 when a and b hold the same state: options, counters, entry point,
 * RNG, and per slot: id, level, tombstone, vector bits, every link list,
 * and id-map lookups. Prints the first difference. */
int pu_same_index(const ev_index *a, const ev_index *b);

/* 1 when slot s holds the same metadata in a and b. */
int pu_same_slot_meta(const ev_index *a, const ev_index *b, uint32_t s);

/* A canonical metadata record chosen by seed: 1 to 5 fields of every type
 * (number, string, boolean, string array; -0 and large numbers, empty
 * strings, UTF-8). buf needs PU_META_MAX bytes; returns the length. */
#define PU_META_MAX 512
size_t pu_meta_record(uint64_t seed, uint8_t *buf);
/* 1 when live id holds exactly rec (len 0: no metadata). */
int pu_meta_is(const ev_index *ix, uint64_t id, const uint8_t *rec, size_t len);
/* Sets (replaces) the metadata of id through the core's public call, which
 * journals it (len 0 clears). */
ev_status pu_meta_set(ev_index *ix, uint64_t id, const uint8_t *rec, size_t len);

/* 1 when nq seeded queries give identical ids and bit-identical distances
 * on both indexes (k results, ef 0). */
int pu_same_search(ev_index *a, ev_index *b, uint64_t seed, uint32_t nq,
                   uint32_t k);

/* Recomputes every section CRC and the header CRC of a v1 snapshot, from
 * the layout documented in snapshot.c. */
void pu_reseal_snapshot(uint8_t *bytes, size_t len);
/* Recomputes the CRC of the log record at rec (its record_len). */
void pu_reseal_record(uint8_t *rec);

uint32_t pu_get_u32(const uint8_t *p);
void pu_put_u32(uint8_t *p, uint32_t v);
uint64_t pu_get_u64(const uint8_t *p);

/* Snapshot bytes of the index (wal_seq 0); free with free(). */
uint8_t *pu_save(const ev_index *ix, size_t *len);
/* The same with the log sequence number the snapshot follows. */
uint8_t *pu_save_at(const ev_index *ix, uint64_t wal_seq, size_t *len);
/* A copy of the index through a snapshot (saved, then loaded); NULL if
 * either step fails. */
ev_index *pu_copy(const ev_index *ix);
/* 1 when both indexes save to identical bytes. */
int pu_same_bytes(const ev_index *a, const ev_index *b);

/* ---- a store: one snapshot and the journal's records after it ---------- */

/* The log of a store: the records of the commits it stored, appended as a
 * storage backend would. Zero-initialise; free bytes with free(). */
typedef struct pu_log {
  uint8_t *bytes;
  size_t len;
  uint32_t last_version; /* format version of the last record appended */
} pu_log;

/* Takes the snapshot a log starts from (wal_seq 0), then turns the journal
 * on from sequence 0: how a store starts persisting ix. The snapshot
 * (free with free()), or NULL if either step failed. */
uint8_t *pu_journal_start(ev_index *ix, size_t *snap_len);
/* One commit whose store succeeds: begin, append the record (if any) to
 * log, end. seq (may be NULL) gets the commit's sequence number. 1 when it
 * worked, 0 when begin refused or the log could not grow. */
int pu_commit(ev_index *ix, pu_log *log, uint64_t *seq);
/* What a store recovers: snap loaded, then log replayed after the
 * snapshot's wal_seq. The index, or NULL when either step fails; r (may
 * be NULL) gets the replay's result. */
ev_index *pu_recover(const uint8_t *snap, size_t snap_len, const pu_log *log,
                     ev_wal_replay_result *r);

#endif
