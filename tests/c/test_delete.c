/*
 * test_delete.c — delete.c: soft delete of one id and of a batch (every
 * outcome and count), and inserting a deleted id again.
 */
#include "core_util.h"
#include "edgevec.h"
#include "harness.h"

TEST(soft_delete_outcomes_and_counts) {
  ev_index *ix = cu_index(1, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  float v[4] = {0, 1, 2, 3};
  REQUIRE(ev_insert_batch(ix, v, 4, 1, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  ev_delete_outcome out;
  CHECK_EQ_INT(ev_soft_delete(ix, 1, &out), EV_OK);
  CHECK_EQ_INT(out, EV_DELETED);
  CHECK_EQ_INT(ev_soft_delete(ix, 1, &out), EV_OK);
  CHECK_EQ_INT(out, EV_ALREADY_DELETED);
  CHECK_EQ_INT(ev_soft_delete(ix, 77, &out), EV_OK);
  CHECK_EQ_INT(out, EV_NOT_FOUND);
  CHECK_EQ_INT(ev_deleted_count(ix), 1);
  CHECK(ev_tombstone_ratio(ix) == 0.25);
  CHECK(!ev_contains(ix, 1));
  float got;
  CHECK_EQ_INT(ev_get(ix, 1, &got), EV_ERR_NOT_FOUND);

  /* A repeated id counts once as deleted, then as already deleted. */
  uint64_t ids[6] = {0, 0, 1, 9, 2, 0};
  ev_batch_delete_result r;
  CHECK_EQ_INT(ev_soft_delete_batch(ix, ids, 6, &r), EV_OK);
  CHECK_EQ_INT(r.deleted, 2);
  CHECK_EQ_INT(r.already_deleted, 3);
  CHECK_EQ_INT(r.invalid_ids, 1);
  CHECK_EQ_INT(r.total, 6);
  CHECK_EQ_INT(ev_live_count(ix), 1);
  CHECK_EQ_INT(ev_soft_delete_batch(ix, NULL, 0, &r), EV_OK);
  CHECK_EQ_INT(r.total, 0);
  CHECK_EQ_INT(ev_soft_delete_batch(ix, NULL, 3, &r), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_soft_delete_batch(NULL, ids, 1, &r), EV_ERR_INVALID_ARGUMENT);

  /* Only id 3 is live: every search returns exactly it. */
  uint64_t res[4];
  float d[4];
  uint32_t n;
  float q = 0;
  CHECK_EQ_INT(ev_search(ix, &q, 1, 4, 0, res, d, &n), EV_OK);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(res[0], 3);
  ev_index_free(ix);
}

TEST(reinserting_a_deleted_id) {
  ev_index *ix = cu_index(1, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  float v[2] = {5, 9};
  uint64_t id = 42;
  REQUIRE(ev_insert(ix, v, 1, &id, NULL) == EV_OK);
  CHECK_EQ_INT(ev_insert(ix, v + 1, 1, &id, NULL), EV_ERR_ID_EXISTS);
  REQUIRE(ev_soft_delete(ix, id, NULL) == EV_OK);
  CHECK_EQ_INT(ev_insert(ix, v + 1, 1, &id, NULL), EV_OK);
  float got;
  CHECK_EQ_INT(ev_get(ix, id, &got), EV_OK);
  CHECK(got == 9);
  CHECK_EQ_INT(ev_live_count(ix), 1);
  CHECK_EQ_INT(ev_deleted_count(ix), 1); /* the old vector, until compaction */
  uint64_t res[2];
  float d[2];
  uint32_t n;
  float q = 5;
  CHECK_EQ_INT(ev_search(ix, &q, 1, 2, 0, res, d, &n), EV_OK);
  CHECK_EQ_INT(n, 1);
  CHECK(res[0] == 42 && d[0] == 16.0f);
  ev_delete_outcome out;
  CHECK_EQ_INT(ev_soft_delete(ix, id, &out), EV_OK);
  CHECK_EQ_INT(out, EV_DELETED);
  CHECK_EQ_INT(ev_compact(ix), EV_OK);
  CHECK_EQ_INT(ev_live_count(ix), 0);
  CHECK_EQ_INT(ev_deleted_count(ix), 0);
  CHECK_EQ_INT(ev_soft_delete(ix, id, &out), EV_OK);
  CHECK_EQ_INT(out, EV_NOT_FOUND); /* compaction forgets deleted ids */
  ev_index_free(ix);
}
