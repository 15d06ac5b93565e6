/*
 * test_insert.c — insert.c: inserting and validating batches. Ids assigned
 * in sequence, every batch error named by its vector and changing nothing,
 * the progress callback and a batch stopped early.
 */
#include <math.h>

#include "core_util.h"
#include "edgevec.h"
#include "harness.h"
#include "index.h"

TEST(insert_assigns_sequential_ids_and_get_returns_vectors) {
  ev_index *ix = cu_index(3, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  float v[6] = {1, 2, 3, 4, 5, 6};
  uint64_t ids[2];
  size_t inserted = 0;
  CHECK_EQ_INT(ev_insert_batch(ix, v, 2, 3, NULL, ids, NULL, NULL, &inserted, NULL), EV_OK);
  CHECK_EQ_INT(inserted, 2);
  CHECK_EQ_INT(ids[0], 0);
  CHECK_EQ_INT(ids[1], 1);
  uint64_t given = 100, out = 0;
  CHECK_EQ_INT(ev_insert(ix, v, 3, &given, &out), EV_OK);
  CHECK_EQ_INT(out, 100);
  uint64_t next = 0;
  CHECK_EQ_INT(ev_next_auto_id(ix, &next), EV_OK);
  CHECK_EQ_INT(next, 101);
  CHECK_EQ_INT(ev_insert(ix, v + 3, 3, NULL, &out), EV_OK);
  CHECK_EQ_INT(out, 101); /* one more than the largest id ever held */
  float got[3];
  CHECK_EQ_INT(ev_get(ix, 1, got), EV_OK);
  CHECK(got[0] == 4 && got[1] == 5 && got[2] == 6);
  CHECK_EQ_INT(ev_get(ix, 55, got), EV_ERR_NOT_FOUND);
  CHECK_EQ_INT(ev_get(ix, 1, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK(ev_contains(ix, 100));
  CHECK(!ev_contains(ix, 99));
  CHECK_EQ_INT(ev_live_count(ix), 4);
  ev_index_free(ix);
}

TEST(batch_errors_name_the_vector_and_change_nothing) {
  ev_index *ix = cu_index(2, EV_METRIC_COSINE, 1);
  REQUIRE(ix != NULL);
  float ok[4] = {1, 0, 0, 1};
  uint64_t ok_ids[2] = {10, 11};
  REQUIRE(ev_insert_batch(ix, ok, 2, 2, ok_ids, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  cu_fingerprint before = cu_fingerprint_of(ix);
  ev_batch_error err;
  float v[8] = {1, 1, 2, 2, 3, 3, 4, 4};
  uint64_t ids[4] = {1, 2, 3, 4};

  CHECK_EQ_INT(ev_insert_batch(ix, v, 0, 2, ids, NULL, NULL, NULL, NULL, &err), EV_ERR_EMPTY_BATCH);
  CHECK_EQ_INT(ev_insert_batch(ix, v, 4, 3, ids, NULL, NULL, NULL, NULL, &err), EV_ERR_DIMENSION_MISMATCH);
  CHECK_EQ_INT(ev_insert_batch(ix, NULL, 4, 2, ids, NULL, NULL, NULL, NULL, &err), EV_ERR_INVALID_ARGUMENT);

  v[5] = NAN;
  CHECK_EQ_INT(ev_insert_batch(ix, v, 4, 2, ids, NULL, NULL, NULL, NULL, &err), EV_ERR_INVALID_VECTOR);
  CHECK_EQ_INT(err.index, 2);
  v[5] = INFINITY;
  CHECK_EQ_INT(ev_insert_batch(ix, v, 4, 2, ids, NULL, NULL, NULL, NULL, &err), EV_ERR_INVALID_VECTOR);
  CHECK_EQ_INT(err.index, 2);
  v[5] = -INFINITY;
  CHECK_EQ_INT(ev_validate_batch(ix, v, 4, 2, ids, &err), EV_ERR_INVALID_VECTOR);
  v[5] = 1e19f; /* finite, but its squared distances overflow f32 */
  CHECK_EQ_INT(ev_validate_batch(ix, v, 4, 2, ids, &err), EV_ERR_INVALID_VECTOR);
  CHECK_EQ_INT(err.index, 2);
  v[5] = 3;

  v[6] = 0, v[7] = 0;
  CHECK_EQ_INT(ev_insert_batch(ix, v, 4, 2, ids, NULL, NULL, NULL, NULL, &err), EV_ERR_ZERO_VECTOR);
  CHECK_EQ_INT(err.index, 3);
  v[6] = 4, v[7] = 4;

  uint64_t dup[4] = {1, 2, 1, 2};
  CHECK_EQ_INT(ev_insert_batch(ix, v, 4, 2, dup, NULL, NULL, NULL, NULL, &err), EV_ERR_DUPLICATE_ID);
  CHECK_EQ_INT(err.index, 2);
  uint64_t dup_late[4] = {7, 8, 9, 8};
  CHECK_EQ_INT(ev_insert_batch(ix, v, 4, 2, dup_late, NULL, NULL, NULL, NULL, &err), EV_ERR_DUPLICATE_ID);
  CHECK_EQ_INT(err.index, 3);

  uint64_t live[4] = {1, 2, 11, 4};
  CHECK_EQ_INT(ev_insert_batch(ix, v, 4, 2, live, NULL, NULL, NULL, NULL, &err), EV_ERR_ID_EXISTS);
  CHECK_EQ_INT(err.index, 2);

  /* The earliest offending vector wins, whatever the kind of error. */
  uint64_t mixed[4] = {1, 11, 3, 1};
  v[1] = NAN;
  CHECK_EQ_INT(ev_insert_batch(ix, v, 4, 2, mixed, NULL, NULL, NULL, NULL, &err), EV_ERR_INVALID_VECTOR);
  CHECK_EQ_INT(err.index, 0);
  v[1] = 1;

  CHECK(cu_same_fingerprint(before, cu_fingerprint_of(ix)));
  CHECK_EQ_INT(ev_live_count(ix), 2);
  CHECK(!ev_contains(ix, 1));
  ev_index_free(ix);
}

static int stop_after_two(void *ctx, size_t done, size_t total) {
  size_t *calls = ctx;
  (*calls)++;
  return done == 2;
}

static int count_progress(void *ctx, size_t done, size_t total) {
  size_t *last = ctx;
  if (done != *last + 1 || total != 5) *last = 1000;
  else *last = done;
  return 0;
}

TEST(progress_callback_and_early_stop) {
  ev_index *ix = cu_index(2, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  float v[10] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
  size_t last = 0, inserted = 0;
  CHECK_EQ_INT(ev_insert_batch(ix, v, 5, 2, NULL, NULL, count_progress, &last, &inserted, NULL), EV_OK);
  CHECK_EQ_INT(last, 5);
  CHECK_EQ_INT(inserted, 5);

  ev_index *a = cu_index(2, EV_METRIC_L2, 1), *b = cu_index(2, EV_METRIC_L2, 1);
  REQUIRE(a && b);
  size_t calls = 0;
  CHECK_EQ_INT(ev_insert_batch(a, v, 5, 2, NULL, NULL, stop_after_two, &calls, &inserted, NULL), EV_OK);
  CHECK_EQ_INT(inserted, 2);
  CHECK_EQ_INT(calls, 2);
  CHECK_EQ_INT(ev_live_count(a), 2);
  /* Stopping leaves the RNG where two single inserts would. */
  CHECK_EQ_INT(ev_insert_batch(b, v, 2, 2, NULL, NULL, NULL, NULL, NULL, NULL), EV_OK);
  CHECK(a->rng_state == b->rng_state);
  ev_index_free(a);
  ev_index_free(b);
  ev_index_free(ix);
}
