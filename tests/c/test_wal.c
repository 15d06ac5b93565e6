/* test_wal.c — wal.c, the log reader: skipping what the snapshot holds,
 * gaps, torn tails, corruption before intact records, newer versions,
 * records that do not belong to the index, and the replay speed of 10,000
 * logged inserts. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "index.h"
#include "journal.h"
#include "snapshot.h"
#include "persist_util.h"
#include "wal.h"
#include "wal_record.h"

#define DIM 6
#define MAX_RECORDS 8

/* An index, the snapshot of its empty state, and records 1..n, each one
 * commit of some inserts and deletes; after[k] = snapshot bytes of the state
 * after record k (wal_seq 0), to compare recovered states exactly. */
typedef struct wal_fixture {
  ev_index *ix;
  uint8_t *snap0;
  size_t snap0_len;
  uint8_t *rec[MAX_RECORDS];
  size_t rec_len[MAX_RECORDS];
  size_t n;
  uint8_t *log; /* all records back to back */
  size_t log_len;
  size_t rec_off[MAX_RECORDS];
} wal_fixture;

static int fixture_init(wal_fixture *f, size_t n, uint64_t seed) {
  memset(f, 0, sizeof *f);
  f->n = n;
  f->ix = pu_index(DIM, EV_METRIC_L2, seed);
  if (!f->ix) return 0;
  f->snap0 = pu_save(f->ix, &f->snap0_len);
  if (!f->snap0 || ev_journal_enable(f->ix, 0) != EV_OK) return 0;
  float *rows = pu_rows(seed, DIM, 12 * n);
  if (!rows) return 0;
  for (size_t k = 0; k < n; k++) {
    if (ev_insert_batch(f->ix, rows + k * 12 * DIM, 10, DIM, NULL, NULL, NULL,
                        NULL, NULL, NULL) != EV_OK)
      return 0;
    if (k % 2) {
      uint64_t del[2] = {k * 10 - 3, k * 10 + 1};
      ev_batch_delete_result r;
      ev_soft_delete_batch(f->ix, del, 2, &r);
    }
    if (k == 2 && ev_compact(f->ix) != EV_OK) return 0;
    const uint8_t *rec;
    uint64_t seq;
    if (ev_journal_begin_commit(f->ix, &rec, &f->rec_len[k], &seq) != EV_OK ||
        seq != k + 1)
      return 0;
    f->rec[k] = malloc(f->rec_len[k]);
    if (!f->rec[k]) return 0;
    memcpy(f->rec[k], rec, f->rec_len[k]);
    ev_journal_end_commit(f->ix, 1);
    f->rec_off[k] = f->log_len;
    f->log_len += f->rec_len[k];
  }
  free(rows);
  f->log = malloc(f->log_len);
  if (!f->log) return 0;
  for (size_t k = 0; k < n; k++)
    memcpy(f->log + f->rec_off[k], f->rec[k], f->rec_len[k]);
  return 1;
}

static void fixture_free(wal_fixture *f) {
  for (size_t k = 0; k < f->n; k++) free(f->rec[k]);
  free(f->snap0);
  free(f->log);
  ev_index_free(f->ix);
}

static ev_index *load0(const wal_fixture *f) {
  ev_index *ix = NULL;
  if (ev_snapshot_load(f->snap0, f->snap0_len, &ix, NULL, NULL) != EV_OK)
    return NULL;
  return ix;
}

TEST(wal_replay_of_all_records_rebuilds_the_index) {
  wal_fixture f;
  REQUIRE(fixture_init(&f, 5, 100));
  ev_index *b = load0(&f);
  REQUIRE(b != NULL);
  ev_wal_replay_result r;
  CHECK_EQ_INT(ev_wal_replay(b, f.log, f.log_len, 0, &r), EV_OK);
  CHECK(r.records_applied == 5 && r.records_skipped == 0 && r.last_seq == 5);
  CHECK(r.valid_bytes == f.log_len && !r.torn_tail);
  CHECK(pu_same_index(f.ix, b));
  CHECK(pu_same_search(f.ix, b, 101, 10, 5));
  /* An empty log is fine and changes nothing. */
  CHECK(ev_wal_replay(b, NULL, 0, 5, &r) == EV_OK);
  CHECK(r.records_applied == 0 && r.last_seq == 5);
  ev_index_free(b);
  fixture_free(&f);
}

TEST(wal_replay_skips_what_the_snapshot_holds) {
  wal_fixture f;
  REQUIRE(fixture_init(&f, 4, 110));
  /* A snapshot taken after record 2: replay the whole log after seq 2. */
  ev_index *mid = load0(&f);
  REQUIRE(mid != NULL);
  CHECK(ev_wal_replay(mid, f.log, f.rec_off[2], 0, NULL) == EV_OK);
  uint8_t *snap2 = NULL;
  size_t snap2_len = 0;
  REQUIRE(ev_snapshot_save(mid, 2, &snap2, &snap2_len) == EV_OK);
  ev_index *b = NULL;
  ev_snapshot_info info;
  REQUIRE(ev_snapshot_load(snap2, snap2_len, &b, &info, NULL) == EV_OK);
  CHECK(info.wal_seq == 2);
  ev_wal_replay_result r;
  CHECK_EQ_INT(ev_wal_replay(b, f.log, f.log_len, info.wal_seq, &r), EV_OK);
  CHECK(r.records_skipped == 2 && r.records_applied == 2 && r.last_seq == 4);
  CHECK(pu_same_index(f.ix, b));
  /* The log starting after the snapshot works as well. */
  ev_index *c = NULL;
  REQUIRE(ev_snapshot_load(snap2, snap2_len, &c, NULL, NULL) == EV_OK);
  CHECK(ev_wal_replay(c, f.log + f.rec_off[2], f.log_len - f.rec_off[2], 2,
                      &r) == EV_OK);
  CHECK(r.records_applied == 2 && pu_same_index(f.ix, c));
  ev_index_free(c);
  /* Damage that hides only records the snapshot holds is skipped: record 1
   * flipped (followed by record 2 <= after_seq); garbage before record 2.
   * With after_seq 0 the same log is corruption. */
  f.log[f.rec_off[0] + 20] ^= 0x10;
  for (int pass = 0; pass < 2; pass++) {
    ev_index *d = NULL;
    REQUIRE(ev_snapshot_load(snap2, snap2_len, &d, NULL, NULL) == EV_OK);
    CHECK_EQ_INT(ev_wal_replay(d, f.log, f.log_len, 2, &r), EV_OK);
    CHECK(r.records_applied == 2 && r.records_skipped == 1 && r.last_seq == 4);
    CHECK(!r.torn_tail && r.valid_bytes == f.log_len);
    CHECK(r.skipped_damage == f.rec_len[0]);
    CHECK(pu_same_index(f.ix, d));
    ev_index_free(d);
    d = load0(&f);
    CHECK(ev_wal_replay(d, f.log, f.log_len, 0, &r) == EV_ERR_CORRUPT);
    CHECK(d->count == 0);
    ev_index_free(d);
    /* Second pass: record 1 intact again, garbage where record 2 starts. */
    f.log[f.rec_off[0] + 20] ^= 0x10;
    f.log[f.rec_off[1]] ^= 0xFF;
    REQUIRE(ev_snapshot_load(snap2, snap2_len, &d, NULL, NULL) == EV_OK);
    CHECK(ev_wal_replay(d, f.log, f.log_len, 2, &r) == EV_OK);
    CHECK(r.records_applied == 2 && r.records_skipped == 1 && pu_same_index(f.ix, d));
    ev_index_free(d);
    f.log[f.rec_off[1]] ^= 0xFF;
    f.log[f.rec_off[0] + 20] ^= 0x10;
  }
  ev_index_free(b);
  ev_index_free(mid);
  free(snap2);
  fixture_free(&f);
}

static uint8_t *concat(const wal_fixture *f, const int *which, size_t count,
                       size_t *len) {
  *len = 0;
  for (size_t i = 0; i < count; i++) *len += f->rec_len[which[i]];
  uint8_t *out = malloc(*len ? *len : 1), *p = out;
  for (size_t i = 0; out && i < count; i++) {
    memcpy(p, f->rec[which[i]], f->rec_len[which[i]]);
    p += f->rec_len[which[i]];
  }
  return out;
}

TEST(wal_sequence_gaps_are_corruption_and_apply_nothing) {
  wal_fixture f;
  REQUIRE(fixture_init(&f, 4, 120));
  static const int gap[][3] = {{0, 2, 3}, {1, 2, 3}, {0, 1, 1}, {1, 0, 2}};
  static const size_t gap_n[] = {3, 3, 3, 3};
  for (size_t t = 0; t < sizeof gap / sizeof gap[0]; t++) {
    size_t len;
    uint8_t *log = concat(&f, gap[t], gap_n[t], &len);
    REQUIRE(log != NULL);
    ev_index *b = load0(&f);
    REQUIRE(b != NULL);
    ev_wal_replay_result r;
    CHECK_EQ_INT(ev_wal_replay(b, log, len, 0, &r), EV_ERR_CORRUPT);
    CHECK_EQ_INT(r.error.reason, EV_REASON_SEQUENCE_GAP);
    CHECK(r.error.status == EV_ERR_CORRUPT);
    CHECK(b->count == 0); /* nothing applied */
    ev_index_free(b);
    free(log);
  }
  fixture_free(&f);
}

TEST(wal_torn_tail_is_the_end_of_the_log) {
  wal_fixture f;
  REQUIRE(fixture_init(&f, 3, 130));
  ev_index *ref = load0(&f);
  REQUIRE(ref && ev_wal_replay(ref, f.log, f.rec_off[2], 0, NULL) == EV_OK);
  size_t cuts[] = {1, 4, 7, 8, 20, f.rec_len[2] / 2, f.rec_len[2] - 1};
  for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
    ev_index *b = load0(&f);
    REQUIRE(b != NULL);
    ev_wal_replay_result r;
    CHECK_EQ_INT(ev_wal_replay(b, f.log, f.rec_off[2] + cuts[c], 0, &r), EV_OK);
    CHECK(r.torn_tail == 1 && r.records_applied == 2 && r.last_seq == 2);
    CHECK(r.valid_bytes == f.rec_off[2]);
    CHECK(r.tail_reason == EV_REASON_TRUNCATED);
    CHECK(pu_same_bytes(ref, b));
    ev_index_free(b);
  }
  /* A last record with a bad checksum is a torn tail too. */
  f.log[f.log_len - 10] ^= 0x40;
  ev_index *b = load0(&f);
  ev_wal_replay_result r;
  CHECK_EQ_INT(ev_wal_replay(b, f.log, f.log_len, 0, &r), EV_OK);
  CHECK(r.torn_tail == 1 && r.tail_reason == EV_REASON_CHECKSUM);
  CHECK(r.records_applied == 2 && pu_same_bytes(ref, b));
  ev_index_free(b);
  ev_index_free(ref);
  fixture_free(&f);
}

TEST(wal_corrupt_record_before_an_intact_one_is_corruption) {
  wal_fixture f;
  REQUIRE(fixture_init(&f, 3, 140));
  size_t spots[] = {0, 5, 17, 40, f.rec_len[1] - 1};
  for (size_t s = 0; s < sizeof spots / sizeof spots[0]; s++) {
    f.log[f.rec_off[1] + spots[s]] ^= 0x08;
    ev_index *b = load0(&f);
    REQUIRE(b != NULL);
    ev_wal_replay_result r;
    CHECK_EQ_INT(ev_wal_replay(b, f.log, f.log_len, 0, &r), EV_ERR_CORRUPT);
    CHECK(r.error.offset == f.rec_off[1]);
    CHECK(b->count == 0);
    ev_index_free(b);
    f.log[f.rec_off[1] + spots[s]] ^= 0x08;
  }
  REQUIRE(f.rec_off[1] > 0);
  /* Garbage between two consecutive records hides no record (their
   * sequence numbers follow each other): it is skipped, nothing is lost. */
  uint8_t *log = malloc(f.log_len + 3);
  REQUIRE(log != NULL);
  memcpy(log, f.log, f.rec_off[1]);
  memset(log + f.rec_off[1], 0xAB, 3);
  memcpy(log + f.rec_off[1] + 3, f.log + f.rec_off[1], f.log_len - f.rec_off[1]);
  ev_index *b = load0(&f);
  ev_wal_replay_result r;
  CHECK_EQ_INT(ev_wal_replay(b, log, f.log_len + 3, 0, &r), EV_OK);
  CHECK(r.records_applied == 3 && r.skipped_damage == 3 && pu_same_index(f.ix, b));
  ev_index_free(b);
  free(log);
  fixture_free(&f);
}

TEST(wal_refuses_newer_versions_unknown_ops_and_other_dimensions) {
  wal_fixture f;
  REQUIRE(fixture_init(&f, 1, 150));
  uint8_t *rec = f.rec[0];
  size_t len = f.rec_len[0];
  ev_wal_replay_result r;
  struct {
    size_t off;
    uint32_t value;
    ev_status st;
    uint32_t reason;
  } cases[] = {
      {8, EV_WAL_VERSION + 1, EV_ERR_UNSUPPORTED_VERSION, EV_REASON_NEWER_VERSION},
      {8, 0, EV_ERR_CORRUPT, EV_REASON_BAD_VALUE},
      {12, 1, EV_ERR_UNSUPPORTED_VERSION, EV_REASON_UNKNOWN_FEATURE},
      {24, DIM + 1, EV_ERR_CORRUPT, EV_REASON_INCONSISTENT},
      {24, 0, EV_ERR_CORRUPT, EV_REASON_INCONSISTENT},
      {28, 2, EV_ERR_CORRUPT, EV_REASON_INCONSISTENT},           /* op count */
      {32, 9, EV_ERR_UNSUPPORTED_VERSION, EV_REASON_UNKNOWN_FEATURE}, /* op code */
      {36, 11, EV_ERR_CORRUPT, EV_REASON_INCONSISTENT},          /* n too big */
      {36, 0, EV_ERR_CORRUPT, EV_REASON_INCONSISTENT},           /* n == 0 */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    uint32_t old = pu_get_u32(rec + cases[c].off);
    pu_put_u32(rec + cases[c].off, cases[c].value);
    pu_reseal_record(rec);
    ev_index *b = load0(&f);
    REQUIRE(b != NULL);
    CHECK_EQ_INT(ev_wal_replay(b, rec, len, 0, &r), cases[c].st);
    CHECK_EQ_INT(r.error.reason, cases[c].reason);
    CHECK(b->count == 0);
    ev_index_free(b);
    pu_put_u32(rec + cases[c].off, old);
    pu_reseal_record(rec);
  }
  /* A record length below the minimum, or past the end: not a record. */
  pu_put_u32(rec + 4, 12);
  CHECK(ev_wal_check(rec, len, 0, DIM, &r) == EV_OK && r.torn_tail &&
        r.records_applied == 0);
  pu_put_u32(rec + 4, (uint32_t)len);
  CHECK(ev_wal_check(rec, len, 0, DIM, &r) == EV_OK && !r.torn_tail &&
        r.records_applied == 1);
  CHECK(ev_wal_check(rec, len, 0, 0, &r) == EV_OK);
  CHECK(ev_wal_replay(NULL, rec, len, 0, &r) == EV_ERR_INVALID_ARGUMENT);
  CHECK(ev_wal_check(NULL, 5, 0, 0, &r) == EV_ERR_INVALID_ARGUMENT);
  fixture_free(&f);
}

TEST(wal_record_that_does_not_apply_is_reported) {
  wal_fixture f;
  REQUIRE(fixture_init(&f, 2, 160));
  /* Replaying onto the index that already holds the records: the inserts
   * meet their own ids. */
  ev_journal_disable(f.ix);
  ev_wal_replay_result r;
  CHECK_EQ_INT(ev_wal_replay(f.ix, f.log, f.log_len, 0, &r), EV_ERR_CORRUPT);
  CHECK_EQ_INT(r.error.reason, EV_REASON_REPLAY_FAILED);
  CHECK(r.last_seq == 0);
  fixture_free(&f);
}

TEST(wal_replay_does_not_journal_the_records_again) {
  wal_fixture f;
  REQUIRE(fixture_init(&f, 3, 170));
  ev_index *b = load0(&f);
  REQUIRE(b && ev_journal_enable(b, 0) == EV_OK);
  ev_wal_replay_result r;
  CHECK(ev_wal_replay(b, f.log, f.log_len, 0, &r) == EV_OK);
  CHECK(ev_journal_enabled(b));
  CHECK(ev_journal_pending_bytes(b) == 0);
  /* The caller continues the sequence from the replay. */
  REQUIRE(ev_journal_enable(b, r.last_seq) == EV_OK);
  float v[DIM] = {1, 2, 3, 4, 5, 6};
  CHECK(ev_insert(b, v, DIM, NULL, NULL) == EV_OK);
  CHECK(ev_insert(f.ix, v, DIM, NULL, NULL) == EV_OK);
  const uint8_t *rec;
  size_t len;
  uint64_t seq;
  CHECK(ev_journal_begin_commit(b, &rec, &len, &seq) == EV_OK && seq == 4);
  ev_journal_end_commit(b, 1);
  CHECK(pu_same_index(f.ix, b));
  ev_index_free(b);
  fixture_free(&f);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 10,000 inserts in one logged batch. Replay is a CRC pass plus copying the
 * graph state the GRAPH op holds, so it takes a fraction of the insert
 * time: the NOTE gives the three times side by side. Small graph
 * parameters keep this test fast under ASan; the 128-d figures are in
 * bench/results/api.md. */
TEST(wal_replay_10k_inserts_time) {
  const uint32_t n = 10000, dim = 16;
  ev_index *a = pu_index(dim, EV_METRIC_L2, 180);
  REQUIRE(a != NULL);
  size_t snap_len = 0;
  uint8_t *snap = pu_save(a, &snap_len);
  float *rows = pu_rows(181, dim, n);
  REQUIRE(snap && rows && ev_journal_enable(a, 0) == EV_OK);
  double t0 = now_ms();
  CHECK(ev_insert_batch(a, rows, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  double t_insert = now_ms() - t0;
  const uint8_t *rec;
  size_t len;
  uint64_t seq;
  REQUIRE(ev_journal_begin_commit(a, &rec, &len, &seq) == EV_OK);
  ev_index *b = NULL;
  REQUIRE(ev_snapshot_load(snap, snap_len, &b, NULL, NULL) == EV_OK);
  t0 = now_ms();
  ev_wal_replay_result r;
  CHECK(ev_wal_check(rec, len, 0, dim, &r) == EV_OK);
  double t_check = now_ms() - t0;
  t0 = now_ms();
  CHECK(ev_wal_replay(b, rec, len, 0, &r) == EV_OK);
  double t_replay = now_ms() - t0;
  CHECK(r.records_applied == 1 && ev_live_count(b) == n);
  CHECK(pu_same_index(a, b));
  NOTE("replay of 10,000 logged inserts (%u-d, M 6, efC 32, %zu-byte record): "
       "%.1f ms (framing+CRC check %.2f ms; original inserts %.1f ms)",
       dim, len, t_replay, t_check, t_insert);
  ev_journal_end_commit(a, 1);
  ev_index_free(b);
  free(rows);
  free(snap);
  ev_index_free(a);
}
