/* test_journal_metadata.c — journal.c's METADATA op: what a commit writes
 * for metadata changes (set, replace, clear, set-then-delete, delete then
 * re-insert, insert with metadata, compaction between), a failed store and
 * changes made while a commit is in flight, the record versions (3 only
 * with the op), and replay of it all onto the snapshot the log follows,
 * compared slot by slot and byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "index.h"
#include "journal.h"
#include "metadata.h"
#include "snapshot.h"
#include "persist_util.h"
#include "wal.h"
#include "wal_record.h"

#define JDIM 5

/* An index of 30 vectors (ids 0..29) with its snapshot taken, journal on. */
typedef struct jcase {
  ev_index *ix;
  uint8_t *snap;
  size_t snap_len;
  pu_log log;
  float *rows;
} jcase;

static int jcase_init(jcase *c, uint64_t seed) {
  memset(c, 0, sizeof *c);
  c->ix = pu_index(JDIM, EV_METRIC_COSINE, seed);
  c->rows = pu_rows(seed, JDIM, 100);
  if (!c->ix || !c->rows) return 0;
  if (ev_insert_batch(c->ix, c->rows, 30, JDIM, NULL, NULL, NULL, NULL, NULL,
                      NULL) != EV_OK)
    return 0;
  c->snap = pu_journal_start(c->ix, &c->snap_len);
  return c->snap != NULL;
}

static void jcase_free(jcase *c) {
  ev_index_free(c->ix);
  free(c->snap);
  free(c->log.bytes);
  free(c->rows);
}

/* 1 when the snapshot + log recover exactly c->ix (every slot, every
 * record, the same snapshot bytes). */
static int recovers(const jcase *c) {
  ev_wal_replay_result r;
  ev_index *b = pu_recover(c->snap, c->snap_len, &c->log, &r);
  int ok = b && !r.torn_tail && pu_same_index(c->ix, b) && pu_same_bytes(c->ix, b);
  ev_index_free(b);
  return ok;
}

static size_t rec_of(uint64_t seed, uint8_t *buf) { return pu_meta_record(seed, buf); }

TEST(journal_metadata_set_replace_clear_replay_exactly) {
  jcase c;
  REQUIRE(jcase_init(&c, 1));
  uint8_t rec[PU_META_MAX];
  /* Every type, on ten ids; a second set of one replaces it. */
  for (uint64_t id = 0; id < 10; id++)
    REQUIRE(pu_meta_set(c.ix, id, rec, rec_of(id + 1, rec)) == EV_OK);
  REQUIRE(pu_meta_set(c.ix, 3, rec, rec_of(99, rec)) == EV_OK);
  CHECK(ev_journal_pending_bytes(c.ix) > 0);
  uint64_t seq;
  CHECK(ev_journal_snapshot_seq(c.ix, &seq) == EV_ERR_INVALID_ARGUMENT);
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK_EQ_INT(c.log.last_version, 3);
  CHECK_EQ_INT(ev_journal_pending_bytes(c.ix), 0);
  CHECK(recovers(&c));
  /* Only metadata changed: a record of one METADATA op. */
  size_t first = c.log.len;
  REQUIRE(pu_meta_set(c.ix, 4, NULL, 0) == EV_OK); /* clear */
  REQUIRE(pu_meta_set(c.ix, 5, rec, rec_of(1234, rec)) == EV_OK);
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK_EQ_INT(pu_get_u32(c.log.bytes + first + 28), 1);
  CHECK_EQ_INT(pu_get_u32(c.log.bytes + first + 32), EV_WAL_OP_METADATA);
  CHECK_EQ_INT(pu_get_u32(c.log.bytes + first + 36), 2);
  CHECK(pu_meta_is(c.ix, 4, NULL, 0));
  CHECK(recovers(&c));
  /* Records without metadata changes stay version 2. */
  REQUIRE(ev_insert(c.ix, c.rows + 30 * JDIM, JDIM, NULL, NULL) == EV_OK);
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK_EQ_INT(c.log.last_version, 2);
  CHECK(recovers(&c));
  jcase_free(&c);
}

TEST(journal_metadata_set_then_delete_and_delete_then_reinsert) {
  jcase c;
  REQUIRE(jcase_init(&c, 2));
  uint8_t rec[PU_META_MAX];
  /* Set then delete in one commit: the op leaves the id out (the record
   * has no METADATA op at all when it was the only one). */
  REQUIRE(pu_meta_set(c.ix, 7, rec, rec_of(7, rec)) == EV_OK);
  REQUIRE(ev_soft_delete(c.ix, 7, NULL) == EV_OK);
  size_t at = c.log.len;
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK_EQ_INT(c.log.last_version, 2);
  CHECK_EQ_INT(pu_get_u32(c.log.bytes + at + 32), EV_WAL_OP_DELETE);
  CHECK(recovers(&c));
  /* Set, delete, re-insert without metadata: none. Set, delete, re-insert
   * with another record: that one. All in one commit. */
  REQUIRE(pu_meta_set(c.ix, 8, rec, rec_of(8, rec)) == EV_OK);
  REQUIRE(pu_meta_set(c.ix, 9, rec, rec_of(9, rec)) == EV_OK);
  REQUIRE(ev_soft_delete(c.ix, 8, NULL) == EV_OK);
  REQUIRE(ev_soft_delete(c.ix, 9, NULL) == EV_OK);
  uint64_t eight = 8, nine = 9;
  REQUIRE(ev_insert(c.ix, c.rows + 40 * JDIM, JDIM, &eight, NULL) == EV_OK);
  size_t len9 = rec_of(909, rec);
  uint32_t offsets[2] = {0, (uint32_t)len9};
  REQUIRE(ev_insert_batch_meta(c.ix, c.rows + 41 * JDIM, 1, JDIM, &nine, rec,
                               offsets, NULL, NULL, NULL, NULL) == EV_OK);
  CHECK(pu_meta_is(c.ix, 8, NULL, 0));
  CHECK(pu_meta_is(c.ix, 9, rec, len9));
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK_EQ_INT(c.log.last_version, 3);
  CHECK(recovers(&c));
  jcase_free(&c);
}

TEST(journal_metadata_insert_batch_with_records_and_compaction_between) {
  jcase c;
  REQUIRE(jcase_init(&c, 3));
  /* A batch of 20 with records on most, chosen ids. */
  uint8_t blob[20 * PU_META_MAX];
  uint32_t offsets[21] = {0};
  uint64_t ids[20];
  for (int i = 0; i < 20; i++) {
    ids[i] = 100 + (uint64_t)i;
    size_t len = i % 5 == 4 ? 0 : rec_of(500 + (uint64_t)i, blob + offsets[i]);
    offsets[i + 1] = offsets[i] + (uint32_t)len;
  }
  REQUIRE(ev_insert_batch_meta(c.ix, c.rows + 50 * JDIM, 20, JDIM, ids, blob,
                               offsets, NULL, NULL, NULL, NULL) == EV_OK);
  /* Deletes, a compaction (slots renumbered), more sets, all in one
   * commit: the COMPACT op's replay keeps the records, the METADATA op
   * after it sets them by id. */
  uint64_t del[3] = {101, 5, 110};
  ev_batch_delete_result dr;
  REQUIRE(ev_soft_delete_batch(c.ix, del, 3, &dr) == EV_OK);
  REQUIRE(ev_compact(c.ix) == EV_OK);
  uint8_t rec[PU_META_MAX];
  REQUIRE(pu_meta_set(c.ix, 2, rec, rec_of(2, rec)) == EV_OK);
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK(recovers(&c));
  for (int i = 0; i < 20; i++) {
    if (i == 1 || i == 10) continue;
    CHECK(pu_meta_is(c.ix, ids[i], blob + offsets[i], offsets[i + 1] - offsets[i]));
  }
  /* A compaction alone (its own commit) keeps them through replay too. */
  REQUIRE(ev_soft_delete(c.ix, 100, NULL) == EV_OK);
  REQUIRE(ev_compact(c.ix) == EV_OK);
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK_EQ_INT(c.log.last_version, 2);
  CHECK(recovers(&c));
  for (int i = 2; i < 20; i++) {
    if (i == 10) continue;
    CHECK(pu_meta_is(c.ix, ids[i], blob + offsets[i], offsets[i + 1] - offsets[i]));
  }
  jcase_free(&c);
}

TEST(journal_metadata_failed_store_and_changes_during_a_commit) {
  jcase c;
  REQUIRE(jcase_init(&c, 4));
  uint8_t rec[PU_META_MAX];
  REQUIRE(pu_meta_set(c.ix, 1, rec, rec_of(11, rec)) == EV_OK);
  REQUIRE(ev_insert(c.ix, c.rows + 60 * JDIM, JDIM, NULL, NULL) == EV_OK);
  /* The store fails; meanwhile id 1 changes again, id 2 gets a record and
   * id 3 gets one and is deleted. */
  const uint8_t *r;
  size_t len;
  uint64_t seq;
  REQUIRE(ev_journal_begin_commit(c.ix, &r, &len, &seq) == EV_OK && len > 0);
  CHECK_EQ_INT(pu_get_u32(r + 8), 3);
  REQUIRE(pu_meta_set(c.ix, 1, rec, rec_of(12, rec)) == EV_OK);
  REQUIRE(pu_meta_set(c.ix, 2, rec, rec_of(13, rec)) == EV_OK);
  REQUIRE(pu_meta_set(c.ix, 3, rec, rec_of(14, rec)) == EV_OK);
  REQUIRE(ev_soft_delete(c.ix, 3, NULL) == EV_OK);
  ev_journal_end_commit(c.ix, 0);
  /* The retry holds all of it, with one METADATA op, last. */
  REQUIRE(ev_journal_begin_commit(c.ix, &r, &len, &seq) == EV_OK && len > 0);
  CHECK(seq == 1);
  uint32_t ops = pu_get_u32(r + 28);
  size_t off = 32;
  int meta_ops = 0, meta_last = 0;
  for (uint32_t i = 0; i < ops; i++) {
    uint32_t code = pu_get_u32(r + off);
    off += 4;
    meta_last = code == EV_WAL_OP_METADATA;
    if (code == EV_WAL_OP_METADATA) {
      meta_ops++;
      CHECK_EQ_INT(pu_get_u32(r + off), 2); /* ids 1 and 2; 3 is deleted */
      uint32_t n = pu_get_u32(r + off);
      off += 4;
      for (uint32_t k = 0; k < n; k++) off += 12 + pu_get_u32(r + off + 8);
    } else if (code == EV_WAL_OP_DELETE) {
      off += 4 + 8 * (size_t)pu_get_u32(r + off);
    } else if (code == EV_WAL_OP_GRAPH) {
      off += 4 + pu_get_u32(r + off);
    }
  }
  CHECK(meta_ops == 1 && meta_last && off == len - 4);
  uint8_t *copy = malloc(len);
  REQUIRE(copy != NULL);
  memcpy(copy, r, len);
  /* Changes while this one is in flight go to the next record. */
  REQUIRE(pu_meta_set(c.ix, 2, rec, rec_of(15, rec)) == EV_OK);
  REQUIRE(pu_meta_set(c.ix, 4, rec, rec_of(16, rec)) == EV_OK);
  ev_journal_end_commit(c.ix, 1);
  c.log.bytes = copy;
  c.log.len = len;
  CHECK(ev_journal_pending_bytes(c.ix) > 0);
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK(recovers(&c));
  CHECK(pu_meta_is(c.ix, 2, rec, rec_of(15, rec)));
  CHECK(pu_meta_is(c.ix, 4, rec, rec_of(16, rec)));
  /* And a failed store of a record that holds only metadata. */
  REQUIRE(pu_meta_set(c.ix, 5, rec, rec_of(17, rec)) == EV_OK);
  REQUIRE(ev_journal_begin_commit(c.ix, &r, &len, &seq) == EV_OK && len > 0);
  ev_journal_end_commit(c.ix, 0);
  REQUIRE(ev_journal_begin_commit(c.ix, &r, &len, &seq) == EV_OK && len > 0);
  CHECK(seq == 3 && pu_get_u32(r + 28) == 1);
  ev_journal_end_commit(c.ix, 0);
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK(recovers(&c));
  jcase_free(&c);
}

TEST(journal_metadata_without_a_journal_and_many_sets_of_one_id) {
  ev_index *ix = pu_index(JDIM, EV_METRIC_L2, 5);
  float *rows = pu_rows(5, JDIM, 4);
  REQUIRE(ix && rows);
  REQUIRE(ev_insert_batch(ix, rows, 4, JDIM, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  uint8_t rec[PU_META_MAX];
  /* Journal off: a no-op, nothing pending. */
  CHECK(pu_meta_set(ix, 1, rec, rec_of(1, rec)) == EV_OK);
  CHECK_EQ_INT(ev_journal_pending_bytes(ix), 0);
  ev__journal_note_meta(ix, 1);
  CHECK_EQ_INT(ev__journal_reserve_meta(ix, 5), EV_OK);
  /* Journal on: 10,000 sets of the same two ids keep the touched set
   * small (repeats are dropped before it grows), and the commit holds
   * each id once with its last record. */
  REQUIRE(ev_journal_enable(ix, 0) == EV_OK);
  size_t base = ev__journal_bytes(ix);
  for (int i = 0; i < 10000; i++)
    REQUIRE(pu_meta_set(ix, (uint64_t)(i % 2), rec, rec_of((uint64_t)i, rec)) == EV_OK);
  CHECK(ev__journal_bytes(ix) < base + 1024);
  const uint8_t *r;
  size_t len;
  uint64_t seq;
  REQUIRE(ev_journal_begin_commit(ix, &r, &len, &seq) == EV_OK);
  CHECK(pu_get_u32(r + 28) == 1 && pu_get_u32(r + 36) == 2);
  ev_journal_end_commit(ix, 1);
  free(rows);
  ev_index_free(ix);
}

/* ---- what replay refuses in a METADATA op ------------------------------ */

TEST(wal_metadata_op_refusals) {
  jcase c;
  REQUIRE(jcase_init(&c, 6));
  uint8_t rec[PU_META_MAX];
  REQUIRE(pu_meta_set(c.ix, 1, rec, rec_of(21, rec)) == EV_OK);
  REQUIRE(pu_meta_set(c.ix, 2, rec, rec_of(22, rec)) == EV_OK);
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  uint8_t *r = c.log.bytes;
  size_t len = c.log.len;
  REQUIRE(pu_get_u32(r + 32) == EV_WAL_OP_METADATA);
  const size_t n_at = 36, e0 = 40; /* first entry: u64 id, u32 len, record */
  uint32_t len0 = pu_get_u32(r + e0 + 8);
  uint8_t *orig = malloc(len);
  REQUIRE(orig != NULL);
  memcpy(orig, r, len);
  struct {
    const char *what;
    size_t off;
    uint32_t value;
    ev_status st;
    uint32_t reason;
    int check_fails; /* refused by ev_wal_check already */
  } cases[] = {
      {"version 2 with a METADATA op", 8, 2, EV_ERR_CORRUPT, EV_REASON_BAD_VALUE, 1},
      {"version 4", 8, 4, EV_ERR_UNSUPPORTED_VERSION, EV_REASON_NEWER_VERSION, 1},
      {"n = 0", n_at, 0, EV_ERR_CORRUPT, EV_REASON_INCONSISTENT, 1},
      {"n past the op", n_at, 3, EV_ERR_CORRUPT, EV_REASON_INCONSISTENT, 1},
      {"record length past the end", e0 + 8, 100000, EV_ERR_CORRUPT, EV_REASON_INCONSISTENT, 1},
      {"record cut short", e0 + 8, len0 - 1, EV_ERR_CORRUPT, EV_REASON_INCONSISTENT, 1},
      {"bad field count", e0 + 12, 0xFFFF0000u | 65, EV_ERR_CORRUPT, EV_REASON_INCONSISTENT, 1},
      {"id not in the index", e0, 555, EV_ERR_CORRUPT, EV_REASON_REPLAY_FAILED, 0},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    memcpy(r, orig, len);
    /* The field count is a u16: write only its two bytes. */
    if (cases[k].off == e0 + 12) {
      r[e0 + 12] = (uint8_t)cases[k].value;
      r[e0 + 13] = 0;
    } else {
      pu_put_u32(r + cases[k].off, cases[k].value);
    }
    pu_reseal_record(r);
    ev_wal_replay_result res;
    ev_status cst = ev_wal_check(r, len, 0, JDIM, &res);
    if (cases[k].check_fails) CHECK_EQ_INT(cst, cases[k].st);
    ev_index *b = NULL;
    REQUIRE(ev_snapshot_load(c.snap, c.snap_len, &b, NULL, NULL) == EV_OK);
    ev_status st = ev_wal_replay(b, r, len, 0, &res);
    if (st != cases[k].st || res.error.reason != cases[k].reason)
      printf("    case: %s\n", cases[k].what);
    CHECK_EQ_INT(st, cases[k].st);
    CHECK_EQ_INT(res.error.reason, cases[k].reason);
    CHECK(res.error.offset >= (cases[k].off < 32 ? 8 : 32));
    /* Nothing of the op applied: no id got metadata. */
    CHECK(pu_meta_is(b, 1, NULL, 0) && pu_meta_is(b, 2, NULL, 0));
    ev_index_free(b);
  }
  /* A deleted id is not live either. */
  memcpy(r, orig, len);
  ev_index *b = NULL;
  REQUIRE(ev_snapshot_load(c.snap, c.snap_len, &b, NULL, NULL) == EV_OK);
  REQUIRE(ev_soft_delete(b, 2, NULL) == EV_OK);
  ev_wal_replay_result res;
  CHECK_EQ_INT(ev_wal_replay(b, r, len, 0, &res), EV_ERR_CORRUPT);
  CHECK_EQ_INT(res.error.reason, EV_REASON_REPLAY_FAILED);
  CHECK(pu_meta_is(b, 1, NULL, 0));
  ev_index_free(b);
  /* Untouched, it replays. */
  REQUIRE(ev_snapshot_load(c.snap, c.snap_len, &b, NULL, NULL) == EV_OK);
  CHECK(ev_wal_replay(b, r, len, 0, &res) == EV_OK && res.records_applied == 1);
  CHECK(pu_meta_is(b, 1, rec, rec_of(21, rec)) && pu_meta_is(b, 2, rec, rec_of(22, rec)));
  ev_index_free(b);
  free(orig);
  jcase_free(&c);
}

TEST(journal_metadata_note_all_writes_every_live_id) {
  /* The fallback of a note that found no memory: the next commit holds
   * every live id's record (length 0 for those without), through a
   * failed store too, and replays to the same index. */
  jcase c;
  REQUIRE(jcase_init(&c, 7));
  uint8_t rec[PU_META_MAX];
  for (uint64_t id = 0; id < 30; id += 3)
    REQUIRE(pu_meta_set(c.ix, id, rec, rec_of(id + 40, rec)) == EV_OK);
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  REQUIRE(pu_meta_set(c.ix, 3, NULL, 0) == EV_OK);
  REQUIRE(ev_soft_delete(c.ix, 6, NULL) == EV_OK);
  ev__journal_note_meta_all(c.ix);
  const uint8_t *r;
  size_t len;
  uint64_t seq;
  REQUIRE(ev_journal_begin_commit(c.ix, &r, &len, &seq) == EV_OK && len > 0);
  ev_journal_end_commit(c.ix, 0);
  REQUIRE(ev_journal_begin_commit(c.ix, &r, &len, &seq) == EV_OK && len > 0);
  /* Ops: DELETE, then METADATA of the 29 live ids. */
  CHECK_EQ_INT(pu_get_u32(r + 28), 2);
  size_t meta_at = 32 + 8 + 8;
  CHECK_EQ_INT(pu_get_u32(r + meta_at), EV_WAL_OP_METADATA);
  CHECK_EQ_INT(pu_get_u32(r + meta_at + 4), 29);
  ev_journal_end_commit(c.ix, 0);
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK(recovers(&c));
  CHECK(pu_meta_is(c.ix, 3, NULL, 0));
  /* Once stored, the next commit is by id again. */
  REQUIRE(pu_meta_set(c.ix, 4, rec, rec_of(4, rec)) == EV_OK);
  size_t at = c.log.len;
  REQUIRE(pu_commit(c.ix, &c.log, NULL));
  CHECK_EQ_INT(pu_get_u32(c.log.bytes + at + 36), 1);
  CHECK(recovers(&c));
  jcase_free(&c);
}
