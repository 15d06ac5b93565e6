/*
 * test_insert.c — insert.c and validate.c: inserting and validating
 * batches. Ids assigned in sequence, every batch error named by its vector
 * and changing nothing, validation in two steps (the ids whole, then
 * windows of rows) agreeing with the whole-batch check, the progress
 * callback and a batch stopped early.
 */
#include <math.h>

#include "core_util.h"
#include "dataset.h"
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

/* ev_validate_batch in two steps, as the JS layer runs it: the ids whole
 * (ev_validate_batch_ids), then ev_validate_batch of the rows that matter
 * in windows of `window` rows, each with its own ids, a refusal named by
 * its position in the batch. */
static ev_status validate_in_parts(const ev_index *ix, const float *v, size_t n,
                                   uint32_t dim, const uint64_t *ids,
                                   size_t window, size_t *index) {
  ev_batch_error err;
  size_t rows = 99;
  ev_status st = ev_validate_batch_ids(ix, n, dim, ids, &err, &rows);
  *index = err.index;
  for (size_t s = 0; s < rows; s += window) {
    size_t c = rows - s < window ? rows - s : window;
    ev_status wst = ev_validate_batch(ix, v + s * dim, c, dim, ids ? ids + s : NULL, &err);
    if (wst != EV_OK) {
      *index = s + err.index;
      return wst;
    }
  }
  return st;
}

TEST(validation_in_parts_reports_what_the_whole_check_reports) {
  ev_index *ix = cu_index(2, EV_METRIC_COSINE, 1);
  REQUIRE(ix != NULL);
  float ok[4] = {1, 0, 0, 1};
  uint64_t ok_ids[2] = {10, 11};
  REQUIRE(ev_insert_batch(ix, ok, 2, 2, ok_ids, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  cu_fingerprint before = cu_fingerprint_of(ix);
  ev_batch_error err;
  size_t rows = 99;

  /* What the ids part says on its own: the refused row, and the rows whose
   * vectors must still be checked before it stands. */
  uint64_t ids[4] = {1, 2, 3, 2};
  CHECK_EQ_INT(ev_validate_batch_ids(ix, 4, 2, ids, &err, &rows), EV_ERR_DUPLICATE_ID);
  CHECK_EQ_INT(err.index, 3);
  CHECK_EQ_INT(rows, 4);
  uint64_t live[3] = {5, 11, 6};
  CHECK_EQ_INT(ev_validate_batch_ids(ix, 3, 2, live, &err, &rows), EV_ERR_ID_EXISTS);
  CHECK_EQ_INT(err.index, 1);
  CHECK_EQ_INT(rows, 2);
  CHECK_EQ_INT(ev_validate_batch_ids(ix, 4, 2, NULL, &err, &rows), EV_OK);
  CHECK_EQ_INT(err.index, 0);
  CHECK_EQ_INT(rows, 4);
  /* Errors about the whole batch stand without any vector checked. */
  CHECK_EQ_INT(ev_validate_batch_ids(ix, 0, 2, ids, &err, &rows), EV_ERR_EMPTY_BATCH);
  CHECK_EQ_INT(rows, 0);
  CHECK_EQ_INT(ev_validate_batch_ids(ix, 4, 3, ids, &err, &rows), EV_ERR_DIMENSION_MISMATCH);
  CHECK_EQ_INT(rows, 0);
  CHECK_EQ_INT(ev_validate_batch_ids(NULL, 4, 2, ids, &err, &rows), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rows, 0);
  CHECK_EQ_INT(ev_validate_batch_ids(ix, 4, 2, ids, NULL, NULL), EV_ERR_DUPLICATE_ID);
  /* The whole check keeps its order: NULL vectors before the batch's size. */
  CHECK_EQ_INT(ev_validate_batch(ix, NULL, 4, 3, ids, &err), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_validate_batch(ix, NULL, 0, 2, ids, &err), EV_ERR_EMPTY_BATCH);

  /* Random batches with bad vectors and ids here and there: the parts, in
   * windows of any size, name the same error and row as the whole check. */
  enum { N = 24, DIM = 2, ROUNDS = 400 };
  ev_dataset_rng rng = {7};
  int seen[EV_ERR_CAPACITY + 1] = {0}; /* rounds by the status expected */
  float vs[N * DIM];
  uint64_t bs[N];
  for (int r = 0; r < ROUNDS; r++) {
    for (size_t i = 0; i < N * DIM; i++) vs[i] = (float)(ev_dataset_uniform(&rng) + 0.1);
    for (size_t i = 0; i < N; i++) bs[i] = 100 + i;
    size_t n = 1 + ev_dataset_next(&rng) % N;
    int faults = (int)(ev_dataset_next(&rng) % 4);
    for (int f = 0; f < faults; f++) {
      size_t at = ev_dataset_next(&rng) % n;
      switch (ev_dataset_next(&rng) % 4) {
      case 0: vs[at * DIM + 1] = NAN; break;
      case 1: vs[at * DIM] = vs[at * DIM + 1] = 0; break; /* zero under cosine */
      case 2: bs[at] = bs[ev_dataset_next(&rng) % n]; break;
      default: bs[at] = 10 + ev_dataset_next(&rng) % 2; break; /* live */
      }
    }
    const uint64_t *given = r % 5 == 4 ? NULL : bs;
    ev_batch_error whole;
    ev_status want = ev_validate_batch(ix, vs, n, DIM, given, &whole);
    size_t window = 1 + ev_dataset_next(&rng) % (n + 2);
    size_t index = 99;
    ev_status got = validate_in_parts(ix, vs, n, DIM, given, window, &index);
    CHECK_EQ_INT(got, want);
    CHECK_EQ_INT(index, whole.index);
    if (want <= EV_ERR_CAPACITY) seen[want]++;
  }
  /* Every kind of refusal came up, and batches that pass. */
  CHECK(seen[EV_OK] > 0 && seen[EV_ERR_INVALID_VECTOR] > 0 && seen[EV_ERR_ZERO_VECTOR] > 0);
  CHECK(seen[EV_ERR_DUPLICATE_ID] > 0 && seen[EV_ERR_ID_EXISTS] > 0);
  CHECK(cu_same_fingerprint(before, cu_fingerprint_of(ix)));
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
