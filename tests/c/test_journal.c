/* test_journal.c — journal.c: what a commit contains, the two-phase
 * commit (a failed store keeps the mutations, mutations during a commit go
 * to the next one), the snapshot sequence rule, and that replaying the
 * records onto the snapshot they follow rebuilds the index bit for bit. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "index.h"
#include "journal.h"
#include "persist_util.h"
#include "wal.h"

TEST(journal_is_off_until_enabled) {
  ev_index *ix = pu_index(4, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  const uint8_t *rec;
  size_t len;
  uint64_t seq;
  CHECK(!ev_journal_enabled(ix));
  CHECK(ev_journal_begin_commit(ix, &rec, &len, &seq) == EV_ERR_INVALID_ARGUMENT);
  float v[4] = {1, 2, 3, 4};
  CHECK(ev_insert(ix, v, 4, NULL, NULL) == EV_OK);
  CHECK(ev_journal_pending_bytes(ix) == 0);
  CHECK(ev_journal_snapshot_seq(ix, &seq) == EV_OK && seq == 0);
  CHECK(ev_journal_enable(NULL, 0) == EV_ERR_INVALID_ARGUMENT);
  ev_journal_end_commit(ix, 1); /* no-op */
  ev_journal_disable(ix);       /* no-op */
  ev_index_free(ix);
}

TEST(journal_commit_replays_to_the_same_index) {
  for (int metric = 0; metric < 3; metric++) {
    ev_index *a = pu_index(6, (ev_metric)metric, 10 + metric);
    REQUIRE(a != NULL);
    size_t snap_len = 0;
    uint8_t *snap = pu_journal_start(a, &snap_len); /* empty, wal_seq 0 */
    REQUIRE(snap != NULL);
    CHECK(ev_journal_enabled(a));
    size_t mem_before = ev_memory_bytes(a);

    float *rows = pu_rows(20 + metric, 6, 200);
    REQUIRE(rows != NULL);
    /* Scale some rows so cosine normalisation changes them: the journal must
     * record what the caller passed. */
    for (size_t i = 0; i < 6 * 20; i++) rows[i] *= 5.0f;
    uint64_t ids[40];
    CHECK(ev_insert_batch(a, rows, 40, 6, NULL, ids, NULL, NULL, NULL, NULL) == EV_OK);
    uint64_t chosen = 5000;
    CHECK(ev_insert(a, rows + 6 * 40, 6, &chosen, NULL) == EV_OK);
    CHECK(ev_journal_pending_bytes(a) > 0);
    CHECK(ev_memory_bytes(a) > mem_before);
    ev_batch_delete_result dr;
    uint64_t del[4] = {ids[3], ids[7], 77777, ids[3]};
    CHECK(ev_soft_delete_batch(a, del, 4, &dr) == EV_OK);
    ev_delete_outcome o;
    CHECK(ev_soft_delete(a, ids[9], &o) == EV_OK);
    CHECK(ev_compact(a) == EV_OK);
    uint64_t again = ids[3];
    CHECK(ev_insert(a, rows + 6 * 41, 6, &again, NULL) == EV_OK);
    CHECK(ev_insert_batch(a, rows + 6 * 42, 30, 6, NULL, NULL, NULL, NULL, NULL,
                          NULL) == EV_OK);
    /* Failed mutations record nothing. */
    size_t pending = ev_journal_pending_bytes(a);
    CHECK(ev_insert(a, rows, 6, &chosen, NULL) == EV_ERR_ID_EXISTS);
    float nan_row[6] = {0, 0, 0, 0, 0, 0};
    nan_row[2] = 0.0f / 0.0f;
    CHECK(ev_insert(a, nan_row, 6, NULL, NULL) == EV_ERR_INVALID_VECTOR);
    CHECK(ev_journal_pending_bytes(a) == pending);

    pu_log log = {0};
    uint64_t seq = 0;
    REQUIRE(pu_commit(a, &log, &seq));
    CHECK(seq == 1);
    CHECK(ev_journal_last_seq(a) == 1);
    CHECK(ev_journal_pending_bytes(a) == 0);
    /* Nothing pending: an empty commit uses no sequence number. */
    const uint8_t *rec;
    size_t len = 1;
    uint64_t s2 = 0;
    CHECK(ev_journal_begin_commit(a, &rec, &len, &s2) == EV_OK);
    CHECK(len == 0 && s2 == 1);
    ev_journal_end_commit(a, 1);
    CHECK(ev_journal_last_seq(a) == 1);

    ev_wal_replay_result r;
    ev_index *b = pu_recover(snap, snap_len, &log, &r);
    CHECK(b != NULL);
    if (b) {
      CHECK(r.records_applied == 1 && r.last_seq == 1 && !r.torn_tail);
      CHECK(r.valid_bytes == log.len);
      CHECK(pu_same_index(a, b));
      CHECK(pu_same_search(a, b, 30, 20, 5));
    }
    ev_index_free(b);
    free(rows);
    free(log.bytes);
    free(snap);
    ev_index_free(a);
  }
}

TEST(journal_failed_store_keeps_mutations_for_the_next_commit) {
  ev_index *a = pu_index(4, EV_METRIC_L2, 2);
  REQUIRE(a != NULL);
  size_t snap_len = 0;
  uint8_t *snap = pu_journal_start(a, &snap_len);
  REQUIRE(snap != NULL);
  float *rows = pu_rows(3, 4, 30);
  REQUIRE(rows != NULL);
  CHECK(ev_insert_batch(a, rows, 10, 4, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  const uint8_t *rec;
  size_t len1 = 0, len2 = 0;
  uint64_t seq = 0;
  CHECK(ev_journal_begin_commit(a, &rec, &len1, &seq) == EV_OK);
  CHECK(seq == 1 && len1 > 0);
  /* A second begin while one is in flight is refused; so is a snapshot. */
  CHECK(ev_journal_begin_commit(a, &rec, &len2, &seq) == EV_ERR_INVALID_ARGUMENT);
  uint64_t sseq;
  CHECK(ev_journal_snapshot_seq(a, &sseq) == EV_ERR_INVALID_ARGUMENT);
  ev_journal_end_commit(a, 0); /* storing failed */
  CHECK(ev_journal_last_seq(a) == 0);
  CHECK(ev_journal_snapshot_seq(a, &sseq) == EV_ERR_INVALID_ARGUMENT);
  CHECK(ev_insert_batch(a, rows + 40, 10, 4, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  pu_log log = {0};
  REQUIRE(pu_commit(a, &log, &seq));
  CHECK(seq == 1); /* the failed number is reused */
  CHECK(log.len > len1);
  CHECK(ev_journal_snapshot_seq(a, &sseq) == EV_OK && sseq == 1);
  ev_index *b = pu_recover(snap, snap_len, &log, NULL);
  CHECK(b != NULL && pu_same_index(a, b));
  ev_index_free(b);
  free(log.bytes);
  free(rows);
  free(snap);
  ev_index_free(a);
}

TEST(journal_mutations_during_a_commit_go_to_the_next_record) {
  ev_index *a = pu_index(5, EV_METRIC_COSINE, 4);
  REQUIRE(a != NULL);
  size_t snap_len = 0;
  uint8_t *snap = pu_journal_start(a, &snap_len);
  REQUIRE(snap != NULL);
  float *rows = pu_rows(5, 5, 40);
  REQUIRE(rows != NULL);
  CHECK(ev_insert_batch(a, rows, 15, 5, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  const uint8_t *rec;
  size_t len = 0;
  uint64_t seq = 0;
  CHECK(ev_journal_begin_commit(a, &rec, &len, &seq) == EV_OK);
  pu_log log = {0};
  log.bytes = malloc(len);
  REQUIRE(log.bytes != NULL);
  memcpy(log.bytes, rec, len);
  log.len = len;
  /* While "the store is awaited": more mutations. */
  CHECK(ev_insert_batch(a, rows + 75, 10, 5, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  ev_delete_outcome o;
  CHECK(ev_soft_delete(a, 2, &o) == EV_OK);
  ev_journal_end_commit(a, 1);
  CHECK(ev_journal_last_seq(a) == 1);
  CHECK(ev_journal_pending_bytes(a) > 0);
  uint64_t seq2 = 0;
  REQUIRE(pu_commit(a, &log, &seq2));
  CHECK(seq2 == 2);
  ev_wal_replay_result r;
  ev_index *b = pu_recover(snap, snap_len, &log, &r);
  CHECK(b != NULL);
  if (b) {
    CHECK(r.records_applied == 2 && r.last_seq == 2);
    CHECK(pu_same_index(a, b));
  }
  ev_index_free(b);
  free(log.bytes);
  free(rows);
  free(snap);
  ev_index_free(a);
}

static int stop_after_3(void *ctx, size_t done, size_t total) {
  (void)ctx;
  (void)total;
  return done >= 3;
}

TEST(journal_records_only_what_a_stopped_batch_inserted) {
  ev_index *a = pu_index(4, EV_METRIC_L2, 6);
  REQUIRE(a != NULL);
  size_t snap_len = 0;
  uint8_t *snap = pu_journal_start(a, &snap_len);
  REQUIRE(snap != NULL);
  float *rows = pu_rows(7, 4, 20);
  REQUIRE(rows != NULL);
  size_t inserted = 0;
  CHECK(ev_insert_batch(a, rows, 10, 4, NULL, NULL, stop_after_3, NULL,
                        &inserted, NULL) == EV_OK);
  CHECK(inserted == 3);
  CHECK(ev_insert_batch(a, rows + 40, 5, 4, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  pu_log log = {0};
  REQUIRE(pu_commit(a, &log, NULL));
  ev_index *b = pu_recover(snap, snap_len, &log, NULL);
  CHECK(b != NULL && pu_same_index(a, b));
  CHECK(b && ev_live_count(b) == 8);
  ev_index_free(b);
  free(log.bytes);
  free(rows);
  free(snap);
  ev_index_free(a);
}

TEST(journal_enable_resets_and_disable_drops) {
  ev_index *a = pu_index(4, EV_METRIC_L2, 8);
  REQUIRE(a != NULL);
  float v[4] = {1, 0, 0, 0};
  REQUIRE(ev_journal_enable(a, 41) == EV_OK);
  CHECK(ev_journal_last_seq(a) == 41);
  CHECK(ev_insert(a, v, 4, NULL, NULL) == EV_OK);
  CHECK(ev_journal_pending_bytes(a) > 0);
  REQUIRE(ev_journal_enable(a, 50) == EV_OK);
  CHECK(ev_journal_pending_bytes(a) == 0);
  CHECK(ev_journal_last_seq(a) == 50);
  CHECK(ev_insert(a, v, 4, NULL, NULL) == EV_OK);
  const uint8_t *rec;
  size_t len = 0;
  uint64_t seq = 0;
  CHECK(ev_journal_begin_commit(a, &rec, &len, &seq) == EV_OK && seq == 51);
  ev_journal_disable(a); /* drops the in-flight commit too */
  CHECK(!ev_journal_enabled(a));
  CHECK(ev_journal_pending_bytes(a) == 0);
  ev_index_free(a);
}
