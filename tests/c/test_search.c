/*
 * test_search.c — search.c: the contract of ev_search and ev_search_exact
 * (empty index, k above the live count, every argument error) and what
 * "smaller is nearer" means for each metric.
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
