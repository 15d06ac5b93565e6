/* test_persist_fixtures.c — every format version ever written stays
 * readable: the committed fixtures (tests/fixtures/, written once by
 * tests/fuzz/make_corpus.c) load and hold exactly the content their
 * generator put in, value by value. A new format version adds a fixture and
 * a test here; old ones are never regenerated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "metadata.h"
#include "snapshot.h"
#include "persist_util.h"
#include "wal.h"

#include "../fixtures/fixtures_v1.inc"
#include "../fixtures/fixtures_v1_sq8.inc"
#include "../fixtures/fixtures_v2.inc"
#include "../fixtures/fixtures_v2_v3.inc"

/* make_corpus.c's vector for number i (exact small integers). */
static void component_row(uint32_t i, float *out) {
  for (uint32_t d = 0; d < 4; d++)
    out[d] = (float)((int)((i * 37u + d * 11u + 5u) % 23u) - 11);
}

/* What the v1 fixture holds: the vector number of each live id, or -1. */
static int v1_snapshot_vector_of(uint64_t id) {
  if (id == 8) return 1008; /* re-inserted after deletion */
  if (id >= 40 || id % 5 == 0) return -1;        /* compacted away */
  if (id == 1 || id == 22 || id == 29 || id == 36) return -1; /* tombstones */
  return (int)id;
}
static int v1_after_log_vector_of(uint64_t id) {
  if (id == 2 || id == 4 || id == 100) return -1;
  if (id >= 101 && id <= 104) return (int)id;
  if (id >= 105 && id <= 107) return (int)(200 + id - 105);
  return v1_snapshot_vector_of(id);
}

/* Checks every id in 0..199 against `expect`; returns the live count. */
static uint32_t check_content(ev_index *ix, int (*expect)(uint64_t)) {
  uint32_t live = 0;
  for (uint64_t id = 0; id < 200; id++) {
    int want = expect(id);
    float got[4], row[4];
    if (want < 0) {
      CHECK(!ev_contains(ix, id));
      CHECK(ev_get(ix, id, got) == EV_ERR_NOT_FOUND);
      continue;
    }
    live++;
    component_row((uint32_t)want, row);
    CHECK(ev_contains(ix, id));
    CHECK(ev_get(ix, id, got) == EV_OK && memcmp(got, row, sizeof row) == 0);
    /* Findable through the graph: the nearest vector is at distance 0. */
    uint64_t ids[1];
    float dist[1];
    uint32_t n = 0;
    CHECK(ev_search(ix, row, 4, 1, 0, ids, dist, &n) == EV_OK && n == 1 &&
          dist[0] == 0.0f);
  }
  CHECK_EQ_INT(ev_live_count(ix), live);
  return live;
}

TEST(fixture_v1_snapshot_and_log_load_with_their_exact_content) {
  const uint8_t *snap = fixture_snapshot_v1;
  size_t snap_len = sizeof fixture_snapshot_v1;
  ev_snapshot_info info;
  ev_load_error err;
  ev_index *ix = NULL;
  REQUIRE(ev_snapshot_load(snap, snap_len, &ix, &info, &err) == EV_OK);
  CHECK(info.version == 1 && info.flags == 0 && info.wal_seq == 3);
  CHECK(info.options.dimensions == 4 && info.options.metric == EV_METRIC_L2);
  CHECK(info.options.m == 4 && info.options.ef_construction == 16 &&
        info.options.ef_search == 16 && info.options.seed == 2024);
  CHECK_EQ_INT(check_content(ix, v1_snapshot_vector_of), 28);
  CHECK_EQ_INT(ev_deleted_count(ix), 5);
  {
    /* An index without metadata is still written as version 1, byte for
     * byte. */
    uint8_t *again = NULL;
    size_t len = 0;
    CHECK(ev_snapshot_save(ix, 3, &again, &len) == EV_OK);
    CHECK(len == snap_len && again && memcmp(again, snap, len) == 0);
    free(again);
  }
  ev_wal_replay_result r;
  CHECK_EQ_INT(ev_wal_replay(ix, fixture_wal_v1, sizeof fixture_wal_v1,
                             info.wal_seq, &r), EV_OK);
  CHECK(r.records_applied == 2 && r.last_seq == 5 && !r.torn_tail);
  CHECK_EQ_INT(check_content(ix, v1_after_log_vector_of), 33);
  CHECK_EQ_INT(ev_deleted_count(ix), 1);
  /* The automatic sequence continues after 107. */
  float row[4] = {1, 2, 3, 4};
  uint64_t id = 0;
  CHECK(ev_insert(ix, row, 4, NULL, &id) == EV_OK && id == 108);
  ev_index_free(ix);
}

static int v1_sq8_snapshot_vector_of(uint64_t id) {
  if (id >= 30 || id == 4 || id == 11) return -1;
  return (int)(500 + id);
}
static int v1_sq8_after_log_vector_of(uint64_t id) {
  if (id >= 30 && id < 35) return (int)(600 + id - 30);
  if (id == 0) return -1;
  return v1_sq8_snapshot_vector_of(id);
}

/* SQ8 with kept floats: ev_get returns the inserted floats exactly, and
 * re-ranking with them finds each vector at distance 0. */
TEST(fixture_v1_sq8_snapshot_and_log_load_with_their_exact_content) {
  ev_snapshot_info info;
  ev_index *ix = NULL;
  REQUIRE(ev_snapshot_load(fixture_snapshot_v1_sq8, sizeof fixture_snapshot_v1_sq8,
                           &ix, &info, NULL) == EV_OK);
  CHECK(info.version == 1 && info.wal_seq == 0);
  CHECK(info.options.quantization == EV_QUANT_SQ8 && info.options.keep_floats == 1 &&
        info.options.rerank == 16 && info.options.seed == 99);
  CHECK_EQ_INT(check_content(ix, v1_sq8_snapshot_vector_of), 28);
  CHECK_EQ_INT(ev_deleted_count(ix), 2);
  {
    uint8_t *again = NULL;
    size_t len = 0;
    CHECK(ev_snapshot_save(ix, 0, &again, &len) == EV_OK);
    CHECK(len == sizeof fixture_snapshot_v1_sq8 && again &&
          memcmp(again, fixture_snapshot_v1_sq8, len) == 0);
    free(again);
  }
  ev_wal_replay_result r;
  CHECK_EQ_INT(ev_wal_replay(ix, fixture_wal_v1_sq8, sizeof fixture_wal_v1_sq8, 0, &r),
               EV_OK);
  CHECK(r.records_applied == 1 && r.last_seq == 1);
  CHECK_EQ_INT(check_content(ix, v1_sq8_after_log_vector_of), 32);
  ev_index_free(ix);
}

/* Log version 2 (inserts as GRAPH ops) of the same two scenarios: onto the
 * version 1 snapshots they give the same content, and (without
 * quantization) exactly the index the version 1 logs (inserts re-run) give.
 * With SQ8 the re-run inserts find their neighbours with the 16-bit walk
 * query of quantize.h, which the code that wrote these logs did not have:
 * the same content, but links of their own. */
TEST(fixture_wal_v2_replays_to_the_same_index_as_wal_v1) {
  const unsigned char *snaps[2] = {fixture_snapshot_v1, fixture_snapshot_v1_sq8};
  size_t snap_lens[2] = {sizeof fixture_snapshot_v1, sizeof fixture_snapshot_v1_sq8};
  const unsigned char *v1[2] = {fixture_wal_v1, fixture_wal_v1_sq8};
  size_t v1_lens[2] = {sizeof fixture_wal_v1, sizeof fixture_wal_v1_sq8};
  const unsigned char *v2[2] = {fixture_wal_v2, fixture_wal_v2_sq8};
  size_t v2_lens[2] = {sizeof fixture_wal_v2, sizeof fixture_wal_v2_sq8};
  int (*after[2])(uint64_t) = {v1_after_log_vector_of, v1_sq8_after_log_vector_of};
  const uint32_t live[2] = {33, 32};
  for (int k = 0; k < 2; k++) {
    ev_index *a = NULL, *b = NULL;
    ev_snapshot_info info;
    REQUIRE(ev_snapshot_load(snaps[k], snap_lens[k], &a, &info, NULL) == EV_OK);
    REQUIRE(ev_snapshot_load(snaps[k], snap_lens[k], &b, NULL, NULL) == EV_OK);
    CHECK_EQ_INT(pu_get_u32(v2[k] + 8), 2); /* version of the first record */
    ev_wal_replay_result r;
    CHECK_EQ_INT(ev_wal_replay(a, v2[k], v2_lens[k], info.wal_seq, &r), EV_OK);
    CHECK(r.records_applied == (k ? 1u : 2u) && !r.torn_tail);
    CHECK_EQ_INT(check_content(a, after[k]), live[k]);
    CHECK(ev_wal_replay(b, v1[k], v1_lens[k], info.wal_seq, NULL) == EV_OK);
    CHECK_EQ_INT(check_content(b, after[k]), live[k]);
    if (k == 0) {
      size_t la = 0, lb = 0;
      uint8_t *sa = pu_save(a, &la), *sb = pu_save(b, &lb);
      CHECK(sa && sb && la == lb && memcmp(sa, sb, la) == 0);
      free(sa);
      free(sb);
    }
    ev_index_free(a);
    ev_index_free(b);
  }
}

/* ---- snapshot version 2 and log version 3: metadata ---------------------- */

/* make_corpus.c's record_of(i), byte by byte: {category: "books" |
 * "música" | "" (i % 3), price: i * 1.25 (-0 for 0), sale: i odd, tags:
 * the first i % 3 of ["new", "sale", "x"]}. */
static size_t fixture_record(uint32_t i, uint8_t *b) {
  static const char *cats[3] = {"books", "m\xc3\xbasica", ""};
  static const char *tags[3] = {"new", "sale", "x"};
  size_t n = 0;
  b[n++] = 4;
  b[n++] = 0;
  const char *cat = cats[i % 3];
  b[n++] = 8;
  memcpy(b + n, "category", 8);
  n += 8;
  b[n++] = 2;
  b[n++] = (uint8_t)strlen(cat);
  b[n++] = 0;
  memcpy(b + n, cat, strlen(cat));
  n += strlen(cat);
  b[n++] = 5;
  memcpy(b + n, "price", 5);
  n += 5;
  b[n++] = 1;
  double price = i ? i * 1.25 : -0.0;
  memcpy(b + n, &price, 8); /* little-endian hosts (x86, wasm) */
  n += 8;
  b[n++] = 4;
  memcpy(b + n, "sale", 4);
  n += 4;
  b[n++] = 3;
  b[n++] = (uint8_t)(i & 1);
  b[n++] = 4;
  memcpy(b + n, "tags", 4);
  n += 4;
  b[n++] = 4;
  b[n++] = (uint8_t)(i % 3);
  b[n++] = 0;
  for (uint32_t k = 0; k < i % 3; k++) {
    b[n++] = (uint8_t)strlen(tags[k]);
    b[n++] = 0;
    memcpy(b + n, tags[k], strlen(tags[k]));
    n += strlen(tags[k]);
  }
  return n;
}

/* What the metadata fixtures hold: ids 0..19 (vector number = id), records
 * record_of(id) on ids != 0 mod 4, ids 5 and 10 deleted; after the log: ids
 * 20 (record_of(20)) and 21 (none) added, id 0 -> record_of(100), id 1
 * cleared, id 2 deleted, id 3 -> record_of(103). */
static int v2_vector_of(uint64_t id) {
  return id < 20 && id != 5 && id != 10 ? (int)id : -1;
}
static int v3_vector_of(uint64_t id) {
  if (id == 20 || id == 21) return (int)id;
  return id == 2 ? -1 : v2_vector_of(id);
}
static long v2_record_of(uint64_t id) { return id % 4 ? (long)id : -1; }
static long v3_record_of(uint64_t id) {
  if (id == 0) return 100;
  if (id == 3) return 103;
  if (id == 20) return 20;
  if (id == 1 || id == 21) return -1;
  return v2_record_of(id);
}
static void check_records(const ev_index *ix, int (*vector_of)(uint64_t),
                          long (*record_of)(uint64_t)) {
  for (uint64_t id = 0; id < 30; id++) {
    if (vector_of(id) < 0) continue;
    uint8_t want[128], got[128];
    size_t len = 0, want_len = 2;
    long r = record_of(id);
    want[0] = want[1] = 0;
    if (r >= 0) want_len = fixture_record((uint32_t)r, want);
    CHECK(ev_meta_get(ix, id, got, sizeof got, &len) == EV_OK);
    if (len != want_len || memcmp(got, want, len) != 0) {
      printf("    metadata of id %llu differs\n", (unsigned long long)id);
      CHECK(0);
    }
  }
}

TEST(fixture_snapshot_v2_and_wal_v3_load_with_their_exact_metadata) {
  ev_snapshot_info info;
  ev_index *ix = NULL;
  REQUIRE(ev_snapshot_load(fixture_snapshot_v2, sizeof fixture_snapshot_v2, &ix,
                           &info, NULL) == EV_OK);
  CHECK(info.version == 2 && info.wal_seq == 2 && info.options.seed == 77);
  CHECK_EQ_INT(check_content(ix, v2_vector_of), 18);
  check_records(ix, v2_vector_of, v2_record_of);
  /* While version 2 is the newest, it is written byte for byte. */
  uint8_t *again = NULL;
  size_t len = 0;
  CHECK(ev_snapshot_save(ix, 2, &again, &len) == EV_OK);
  CHECK(len == sizeof fixture_snapshot_v2 && again &&
        memcmp(again, fixture_snapshot_v2, len) == 0);
  free(again);
  CHECK_EQ_INT(pu_get_u32(fixture_wal_v3 + 8), 3);
  ev_wal_replay_result r;
  CHECK_EQ_INT(ev_wal_replay(ix, fixture_wal_v3, sizeof fixture_wal_v3,
                             info.wal_seq, &r), EV_OK);
  CHECK(r.records_applied == 2 && r.last_seq == 4 && !r.torn_tail);
  CHECK_EQ_INT(check_content(ix, v3_vector_of), 19);
  check_records(ix, v3_vector_of, v3_record_of);
  ev_index_free(ix);
}

/* Natively (where the tests run from the repository root) the .inc must be
 * the .bin files' bytes; the wasm build has no file system and skips. */
static int same_as_file(const char *path, const uint8_t *bytes, size_t len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  uint8_t *buf = malloc(len + 1);
  size_t got = buf ? fread(buf, 1, len + 1, f) : 0;
  fclose(f);
  int same = buf && got == len && memcmp(buf, bytes, len) == 0;
  free(buf);
  return same;
}

TEST(fixture_inc_files_match_the_committed_bin_files) {
  int a = same_as_file("tests/fixtures/snapshot_v1.bin", fixture_snapshot_v1,
                       sizeof fixture_snapshot_v1);
  int b = same_as_file("tests/fixtures/wal_v1.bin", fixture_wal_v1,
                       sizeof fixture_wal_v1);
  int c = same_as_file("tests/fixtures/snapshot_v1_sq8.bin", fixture_snapshot_v1_sq8,
                       sizeof fixture_snapshot_v1_sq8);
  int d = same_as_file("tests/fixtures/wal_v1_sq8.bin", fixture_wal_v1_sq8,
                       sizeof fixture_wal_v1_sq8);
  int e = same_as_file("tests/fixtures/wal_v2.bin", fixture_wal_v2,
                       sizeof fixture_wal_v2);
  int f = same_as_file("tests/fixtures/wal_v2_sq8.bin", fixture_wal_v2_sq8,
                       sizeof fixture_wal_v2_sq8);
  int g = same_as_file("tests/fixtures/snapshot_v2.bin", fixture_snapshot_v2,
                       sizeof fixture_snapshot_v2);
  int h = same_as_file("tests/fixtures/wal_v3.bin", fixture_wal_v3,
                       sizeof fixture_wal_v3);
  if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0 || f < 0 || g < 0 || h < 0) {
    NOTE("fixture files not reachable from here (wasm, or not run from the "
         "repository root): skipped");
    return;
  }
  CHECK(a == 1 && b == 1 && c == 1 && d == 1 && e == 1 && f == 1 && g == 1 &&
        h == 1);
}
