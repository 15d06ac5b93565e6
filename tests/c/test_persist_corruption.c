/* test_persist_corruption.c — every truncation point and every single-bit
 * flip of a small snapshot and of a small log, each without and with
 * metadata (snapshot version 2, log records of version 3): a load either
 * recovers a
 * committed state exactly (the log's intact prefix) or fails with CORRUPT /
 * TRUNCATED; it never crashes (ASan/UBSan watch) and never returns data
 * that differs from what was written. Sizes are small (a 60-vector 8-d
 * index) so that the tens of thousands of loads stay quick under the
 * sanitizers. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "index.h"
#include "journal.h"
#include "snapshot.h"
#include "persist_util.h"
#include "wal.h"

#define CDIM 8

/* With `meta`, ids = 1, 2 mod 3 get records of every type (set before
 * the deletes, so some tombstones once had one). */
static ev_index *small_index_m(int meta) {
  ev_index *ix = pu_index(CDIM, EV_METRIC_L2, 500);
  float *rows = pu_rows(501, CDIM, 64);
  if (!ix || !rows) goto fail;
  if (ev_insert_batch(ix, rows, 60, CDIM, NULL, NULL, NULL, NULL, NULL,
                      NULL) != EV_OK)
    goto fail;
  uint8_t rec[PU_META_MAX];
  for (uint64_t id = 0; meta && id < 60; id++)
    if (id % 3 && pu_meta_set(ix, id, rec, pu_meta_record(id, rec)) != EV_OK) goto fail;
  uint64_t del[6] = {3, 10, 11, 25, 40, 59};
  ev_batch_delete_result r;
  ev_soft_delete_batch(ix, del, 6, &r);
  uint64_t again = 10;
  if (ev_insert(ix, rows + 60 * CDIM, CDIM, &again, NULL) != EV_OK) goto fail;
  free(rows);
  return ix;
fail:
  free(rows);
  ev_index_free(ix);
  return NULL;
}

/* [at, at + len) of the snapshot's METADATA section, or 0, 0. */
static void metadata_section(const uint8_t *b, size_t *at, size_t *len) {
  *at = *len = 0;
  for (uint32_t i = 0; i < pu_get_u32(b + 92); i++) {
    const uint8_t *t = b + 120 + 24 * i;
    if (pu_get_u32(t) == EV_SECTION_METADATA) {
      *at = (size_t)pu_get_u64(t + 8);
      *len = (size_t)pu_get_u64(t + 16);
    }
  }
}

static void every_truncation(int meta) {
  ev_index *ix = small_index_m(meta);
  REQUIRE(ix != NULL);
  size_t len = 0;
  uint8_t *bytes = pu_save(ix, &len);
  REQUIRE(bytes != NULL);
  /* A copy of exactly `cut` bytes, so ASan sees any read past the end. */
  size_t bad = 0;
  for (size_t cut = 0; cut < len; cut++) {
    uint8_t *p = malloc(cut ? cut : 1);
    REQUIRE(p != NULL);
    memcpy(p, bytes, cut);
    ev_index *out = NULL;
    ev_load_error err;
    ev_status st = ev_snapshot_load(p, cut, &out, NULL, &err);
    if (!(st == EV_ERR_TRUNCATED || st == EV_ERR_CORRUPT) || out) bad++;
    if (cut >= 20 && cut < len && st != EV_ERR_TRUNCATED) bad++;
    ev_index_free(out);
    free(p);
  }
  CHECK_EQ_INT(bad, 0);
  NOTE("%zu truncation points of a %zu-byte snapshot (version %u)", len, len,
       pu_get_u32(bytes + 8));
  free(bytes);
  ev_index_free(ix);
}

TEST(corruption_snapshot_every_truncation_fails_cleanly) { every_truncation(0); }
TEST(corruption_snapshot_with_metadata_every_truncation_fails_cleanly) {
  every_truncation(1);
}

static void every_bit_flip(int meta) {
  ev_index *ix = small_index_m(meta);
  REQUIRE(ix != NULL);
  size_t len = 0;
  uint8_t *bytes = pu_save(ix, &len);
  REQUIRE(bytes != NULL);
  CHECK_EQ_INT(pu_get_u32(bytes + 8), meta ? 2 : 1);
  size_t meta_at, meta_len, in_meta = 0;
  metadata_section(bytes, &meta_at, &meta_len);
  CHECK(!meta == !meta_len);
  size_t bad = 0, by_reason[16] = {0};
  for (size_t bit = 0; bit < len * 8; bit++) {
    bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ev_index *out = NULL;
    ev_load_error err;
    ev_status st = ev_snapshot_load(bytes, len, &out, NULL, &err);
    /* A CRC-32 catches every single-bit error, so nothing may load. */
    if (!(st == EV_ERR_CORRUPT || st == EV_ERR_TRUNCATED) || out) bad++;
    if (err.reason < 16) by_reason[err.reason]++;
    /* A flip inside the METADATA section is reported there. */
    if (bit / 8 >= meta_at && bit / 8 < meta_at + meta_len) {
      in_meta++;
      if (err.section != EV_SECTION_METADATA || err.reason != EV_REASON_CHECKSUM) bad++;
    }
    ev_index_free(out);
    bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  CHECK_EQ_INT(bad, 0);
  NOTE("%zu bit flips (%zu in the metadata): %zu checksum, %zu truncated, "
       "%zu bad magic, %zu other",
       len * 8, in_meta, by_reason[EV_REASON_CHECKSUM], by_reason[EV_REASON_TRUNCATED],
       by_reason[EV_REASON_BAD_MAGIC],
       len * 8 - by_reason[EV_REASON_CHECKSUM] - by_reason[EV_REASON_TRUNCATED] -
           by_reason[EV_REASON_BAD_MAGIC]);
  /* Unflipped, it still loads and matches. */
  ev_index *out = NULL;
  CHECK(ev_snapshot_load(bytes, len, &out, NULL, NULL) == EV_OK);
  CHECK(out && pu_same_index(ix, out));
  ev_index_free(out);
  free(bytes);
  ev_index_free(ix);
}

TEST(corruption_snapshot_every_bit_flip_is_detected) { every_bit_flip(0); }
TEST(corruption_snapshot_with_metadata_every_bit_flip_is_detected) {
  every_bit_flip(1);
}

/* A snapshot of small_index_m() at wal_seq 5 and three records (6, 7, 8)
 * after it; ref[k] = snapshot bytes of the state after k records. */
typedef struct log_case {
  uint8_t *snap;
  size_t snap_len;
  uint8_t *log;
  size_t log_len;
  size_t ends[3]; /* end offset of each record */
  uint8_t *ref[4];
  size_t ref_len[4];
} log_case;

static int append(log_case *c, ev_index *ix, int k) {
  const uint8_t *rec;
  size_t len;
  uint64_t seq;
  if (ev_journal_begin_commit(ix, &rec, &len, &seq) != EV_OK || seq != 6u + k)
    return 0;
  uint8_t *p = realloc(c->log, c->log_len + len);
  if (!p) return 0;
  memcpy(p + c->log_len, rec, len);
  c->log = p;
  c->log_len += len;
  c->ends[k] = c->log_len;
  ev_journal_end_commit(ix, 1);
  c->ref[k + 1] = pu_save(ix, &c->ref_len[k + 1]);
  return c->ref[k + 1] != NULL;
}

/* With `meta`, the snapshot holds metadata and each record a METADATA op:
 * record 6 gives the new ids records, record 7 replaces one and clears
 * one (ids 12 and 61 deleted there too), record 8 sets records on two
 * more. */
static int log_case_init_m(log_case *c, int meta) {
  memset(c, 0, sizeof *c);
  ev_index *ix = small_index_m(meta);
  uint8_t rec[PU_META_MAX];
  float *rows = pu_rows(502, CDIM, 10);
  int ok = ix && rows;
  if (ok) ok = ev_snapshot_save(ix, 5, &c->snap, &c->snap_len) == EV_OK;
  if (ok) ok = (c->ref[0] = pu_save(ix, &c->ref_len[0])) != NULL;
  if (ok) ok = ev_journal_enable(ix, 5) == EV_OK;
  if (ok) ok = ev_insert_batch(ix, rows, 4, CDIM, NULL, NULL, NULL, NULL, NULL,
                               NULL) == EV_OK;
  for (uint64_t id = 60; meta && ok && id < 64; id++)
    ok = pu_meta_set(ix, id, rec, pu_meta_record(id * 7, rec)) == EV_OK;
  if (ok) ok = append(c, ix, 0);
  if (ok) {
    uint64_t del[2] = {12, 61};
    ev_batch_delete_result r;
    ok = ev_soft_delete_batch(ix, del, 2, &r) == EV_OK;
  }
  if (meta && ok) ok = pu_meta_set(ix, 62, rec, pu_meta_record(99, rec)) == EV_OK;
  if (meta && ok) ok = pu_meta_set(ix, 1, NULL, 0) == EV_OK;
  if (ok) ok = ev_insert_batch(ix, rows + 4 * CDIM, 3, CDIM, NULL, NULL, NULL,
                               NULL, NULL, NULL) == EV_OK;
  if (ok) ok = append(c, ix, 1);
  if (ok) ok = ev_insert_batch(ix, rows + 7 * CDIM, 3, CDIM, NULL, NULL, NULL,
                               NULL, NULL, NULL) == EV_OK;
  if (meta && ok) ok = pu_meta_set(ix, 2, rec, pu_meta_record(5, rec)) == EV_OK;
  if (meta && ok) ok = pu_meta_set(ix, 66, rec, pu_meta_record(6, rec)) == EV_OK;
  if (ok) ok = append(c, ix, 2);
  free(rows);
  ev_index_free(ix);
  return ok;
}

static void log_case_free(log_case *c) {
  free(c->snap);
  free(c->log);
  for (int k = 0; k < 4; k++) free(c->ref[k]);
}

/* Loads the snapshot and replays log[0..len); returns 0 when the outcome
 * is not allowed: OK must mean "exactly the state after the intact
 * records", a failure must be CORRUPT/TRUNCATED with nothing applied. */
static int recover_ok(const log_case *c, const uint8_t *log, size_t len,
                      size_t *applied) {
  ev_index *ix = NULL;
  if (ev_snapshot_load(c->snap, c->snap_len, &ix, NULL, NULL) != EV_OK) return 0;
  ev_wal_replay_result r;
  ev_status st = ev_wal_replay(ix, log, len, 5, &r);
  int ok;
  size_t got = 0;
  uint8_t *now = pu_save(ix, &got);
  if (st == EV_OK) {
    *applied = r.records_applied;
    ok = r.records_applied <= 3 && r.last_seq == 5 + r.records_applied &&
         now && got == c->ref_len[r.records_applied] &&
         memcmp(now, c->ref[r.records_applied], got) == 0 &&
         (r.torn_tail == (r.valid_bytes != len));
  } else {
    *applied = (size_t)-1;
    ok = (st == EV_ERR_CORRUPT || st == EV_ERR_TRUNCATED) && now &&
         got == c->ref_len[0] && memcmp(now, c->ref[0], got) == 0;
  }
  free(now);
  ev_index_free(ix);
  return ok;
}

static void log_every_truncation(int meta) {
  log_case c;
  REQUIRE(log_case_init_m(&c, meta));
  /* With metadata every record is version 3. */
  for (int k = 0; k < 3; k++)
    CHECK_EQ_INT(pu_get_u32(c.log + (k ? c.ends[k - 1] : 0) + 8), meta ? 3 : 2);
  size_t bad = 0;
  for (size_t cut = 0; cut <= c.log_len; cut++) {
    uint8_t *p = malloc(cut ? cut : 1);
    REQUIRE(p != NULL);
    memcpy(p, c.log, cut);
    size_t applied = 0, expect = 0;
    while (expect < 3 && c.ends[expect] <= cut) expect++;
    if (!recover_ok(&c, p, cut, &applied) || applied != expect) bad++;
    free(p);
  }
  CHECK_EQ_INT(bad, 0);
  NOTE("%zu truncation points of a 3-record %zu-byte log", c.log_len + 1,
       c.log_len);
  log_case_free(&c);
}

TEST(corruption_log_every_truncation_recovers_the_intact_prefix) {
  log_every_truncation(0);
}
TEST(corruption_log_with_metadata_every_truncation_recovers_the_intact_prefix) {
  log_every_truncation(1);
}

static void log_every_bit_flip(int meta) {
  log_case c;
  REQUIRE(log_case_init_m(&c, meta));
  size_t bad = 0, corrupt = 0, torn = 0;
  for (size_t bit = 0; bit < c.log_len * 8; bit++) {
    size_t byte = bit / 8, applied = 0;
    c.log[byte] ^= (uint8_t)(1u << (bit % 8));
    if (!recover_ok(&c, c.log, c.log_len, &applied)) bad++;
    /* In the last record: its loss is a torn tail (the two before it are
     * recovered); in an earlier one: corruption (an intact record follows). */
    if (byte >= c.ends[1]) {
      if (applied != 2) bad++;
      torn++;
    } else {
      if (applied != (size_t)-1) bad++;
      corrupt++;
    }
    c.log[byte] ^= (uint8_t)(1u << (bit % 8));
  }
  CHECK_EQ_INT(bad, 0);
  NOTE("%zu bit flips of a %zu-byte log: %zu corrupt, %zu torn tail", c.log_len * 8,
       c.log_len, corrupt, torn);
  log_case_free(&c);
}

TEST(corruption_log_every_bit_flip_recovers_or_fails_cleanly) {
  log_every_bit_flip(0);
}
TEST(corruption_log_with_metadata_every_bit_flip_recovers_or_fails_cleanly) {
  log_every_bit_flip(1);
}
