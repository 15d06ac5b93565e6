/* test_persist_fixtures.c — every format version ever written stays
 * readable: the committed fixtures (tests/fixtures/, written once by
 * tests/fuzz/make_corpus.c) load and hold exactly the content their
 * generator put in, value by value. A new format version adds a fixture and
 * a test here; old ones are never regenerated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "snapshot.h"
#include "persist_util.h"
#include "wal.h"

#include "../fixtures/fixtures_v1.inc"
#include "../fixtures/fixtures_v1_sq8.inc"
#include "../fixtures/fixtures_v2.inc"

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
 * version 1 snapshots they give the same content, and exactly the index the
 * version 1 logs (inserts re-run) give. */
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
    size_t la = 0, lb = 0;
    uint8_t *sa = pu_save(a, &la), *sb = pu_save(b, &lb);
    CHECK(sa && sb && la == lb && memcmp(sa, sb, la) == 0);
    free(sa);
    free(sb);
    ev_index_free(a);
    ev_index_free(b);
  }
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
  if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0 || f < 0) {
    NOTE("fixture files not reachable from here (wasm, or not run from the "
         "repository root): skipped");
    return;
  }
  CHECK(a == 1 && b == 1 && c == 1 && d == 1 && e == 1 && f == 1);
}
