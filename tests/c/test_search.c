/*
 * test_search.c — search.c: the contract of ev_search and ev_search_exact
 * (empty index, k above the live count, every argument error), what
 * "smaller is nearer" means for each metric, and ev_live_ids.
 */
#include <math.h>

#include "core_util.h"
#include "edgevec.h"
#include "harness.h"

TEST(search_contract) {
  ev_index *ix = cu_index(2, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  uint64_t ids[8];
  float d[8];
  uint32_t n = 99;
  float q[2] = {0, 0};
  /* Empty index: no results, no error. */
  CHECK_EQ_INT(ev_search(ix, q, 2, 3, 0, ids, d, &n), EV_OK);
  CHECK_EQ_INT(n, 0);
  float v[8] = {0, 0, 1, 0, 3, 0, 6, 0};
  REQUIRE(ev_insert_batch(ix, v, 4, 2, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  CHECK_EQ_INT(ev_search(ix, q, 2, 2, 0, ids, d, &n), EV_OK);
  CHECK_EQ_INT(n, 2);
  CHECK(ids[0] == 0 && ids[1] == 1);
  CHECK(d[0] == 0.0f && d[1] == 1.0f); /* squared L2 */
  /* k above the live count returns every live vector, sorted. */
  CHECK_EQ_INT(ev_search(ix, q, 2, 8, 1, ids, d, &n), EV_OK);
  CHECK_EQ_INT(n, 4);
  CHECK(d[0] <= d[1] && d[1] <= d[2] && d[2] <= d[3]);
  CHECK(d[3] == 36.0f);
  CHECK_EQ_INT(ev_search(ix, q, 3, 2, 0, ids, d, &n), EV_ERR_DIMENSION_MISMATCH);
  CHECK_EQ_INT(ev_search(ix, q, 2, 0, 0, ids, d, &n), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search(ix, q, 2, 2, EV_MAX_EF + 1, ids, d, &n), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search(ix, NULL, 2, 2, 0, ids, d, &n), EV_ERR_INVALID_ARGUMENT);
  float bad[2] = {NAN, 0};
  CHECK_EQ_INT(ev_search(ix, bad, 2, 2, 0, ids, d, &n), EV_ERR_INVALID_VECTOR);
  CHECK_EQ_INT(ev_search_exact(ix, bad, 2, 2, ids, d, &n), EV_ERR_INVALID_VECTOR);
  CHECK_EQ_INT(ev_search_exact(ix, q, 2, 3, ids, d, &n), EV_OK);
  CHECK_EQ_INT(n, 3);
  CHECK(ids[2] == 2);
  ev_index_free(ix);
}

TEST(metrics_define_smaller_as_nearer) {
  float v[4] = {1, 0, 0, 2};
  float q[2] = {0, 1};
  uint64_t ids[2];
  float d[2];
  uint32_t n;
  ev_index *cos = cu_index(2, EV_METRIC_COSINE, 1);
  REQUIRE(cos != NULL);
  REQUIRE(ev_insert_batch(cos, v, 2, 2, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  CHECK_EQ_INT(ev_search(cos, q, 2, 2, 0, ids, d, &n), EV_OK);
  CHECK(ids[0] == 1 && fabsf(d[0]) < 1e-6f && fabsf(d[1] - 1.0f) < 1e-6f);
  float zero[2] = {0, 0};
  CHECK_EQ_INT(ev_search(cos, zero, 2, 1, 0, ids, d, &n), EV_ERR_ZERO_VECTOR);
  float got[2];
  CHECK_EQ_INT(ev_get(cos, 1, got), EV_OK); /* stored unit length */
  CHECK(got[0] == 0.0f && got[1] == 1.0f);
  ev_index_free(cos);

  ev_index *dot = cu_index(2, EV_METRIC_DOT, 1);
  REQUIRE(dot != NULL);
  REQUIRE(ev_insert_batch(dot, v, 2, 2, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  CHECK_EQ_INT(ev_search(dot, q, 2, 2, 0, ids, d, &n), EV_OK);
  CHECK(ids[0] == 1 && d[0] == -2.0f && d[1] == 0.0f);
  ev_index_free(dot);
}

/* Collects every live id with walks of `capacity` ids per call. */
static uint32_t walk_live_ids(const ev_index *ix, uint32_t capacity,
                              uint64_t *out, uint32_t *calls) {
  uint32_t total = 0, start = 0, count = 0, next = 0;
  *calls = 0;
  do {
    if (ev_live_ids(ix, start, out + total, capacity, &count, &next) != EV_OK)
      return UINT32_MAX;
    (*calls)++;
    total += count;
    start = next;
  } while (count == capacity);
  return total;
}

TEST(live_ids_lists_each_live_id_once_in_slot_order) {
  ev_index *ix = cu_index(2, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  uint64_t out[16];
  uint32_t count = 99, next = 99, calls = 0;
  CHECK_EQ_INT(ev_live_ids(ix, 0, out, 4, &count, &next), EV_OK);
  CHECK_EQ_INT(count, 0);
  CHECK_EQ_INT(next, 0);
  float v[12] = {0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0};
  uint64_t ids[6] = {50, 7, UINT64_MAX, 3, 9007199254740993ull, 1};
  REQUIRE(ev_insert_batch(ix, v, 6, 2, ids, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  ev_delete_outcome outcome;
  REQUIRE(ev_soft_delete(ix, 7, &outcome) == EV_OK);
  REQUIRE(ev_soft_delete(ix, 3, &outcome) == EV_OK);
  /* 3 comes back in a new slot: listed once, after the others. */
  REQUIRE(ev_insert_batch(ix, v, 1, 2, &ids[3], NULL, NULL, NULL, NULL, NULL) == EV_OK);
  const uint64_t want[5] = {50, UINT64_MAX, 9007199254740993ull, 1, 3};
  for (uint32_t cap = 1; cap <= 6; cap++) {
    CHECK_EQ_INT(walk_live_ids(ix, cap, out, &calls), 5);
    for (int i = 0; i < 5; i++) CHECK(out[i] == want[i]);
    CHECK_EQ_INT(calls, 5 / cap + 1);
  }
  /* A walk resumes where it stopped, past the deleted slot. */
  CHECK_EQ_INT(ev_live_ids(ix, 0, out, 1, &count, &next), EV_OK);
  CHECK_EQ_INT(count, 1);
  CHECK_EQ_INT(next, 1);
  CHECK_EQ_INT(ev_live_ids(ix, next, out, 1, &count, &next), EV_OK);
  CHECK(count == 1 && out[0] == UINT64_MAX && next == 3);
  CHECK_EQ_INT(ev_live_ids(ix, 1000, out, 4, &count, &next), EV_OK);
  CHECK_EQ_INT(count, 0);
  CHECK_EQ_INT(ev_live_ids(ix, 0, NULL, 0, &count, &next), EV_OK);
  CHECK_EQ_INT(count, 0);
  CHECK_EQ_INT(ev_live_ids(ix, 0, NULL, 1, &count, &next), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_live_ids(ix, 0, out, 1, NULL, &next), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_live_ids(NULL, 0, out, 1, &count, &next), EV_ERR_INVALID_ARGUMENT);
  /* Compaction keeps the order. */
  REQUIRE(ev_compact(ix) == EV_OK);
  CHECK_EQ_INT(walk_live_ids(ix, 16, out, &calls), 5);
  for (int i = 0; i < 5; i++) CHECK(out[i] == want[i]);
  ev_index_free(ix);
}
