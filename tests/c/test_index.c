/*
 * test_index.c — unit tests of every public operation and every status code
 * of edgevec.h, on small hand-made indexes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgevec.h"
#include "harness.h"
#include "index.h"

static ev_index *make(uint32_t dim, ev_metric metric) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.metric = metric;
  o.seed = 1;
  ev_index *ix = NULL;
  return ev_index_create(&o, &ix) == EV_OK ? ix : NULL;
}

/* Everything observable about an index, to check "nothing changed". */
typedef struct fingerprint {
  uint32_t count, deleted, capacity;
  uint64_t next_auto_id, rng;
  uint32_t entry;
  size_t arena_hash;
} fingerprint;

static fingerprint take(const ev_index *ix) {
  fingerprint f = {ix->count, ix->deleted_count, ix->capacity,
                   ix->next_auto_id, ix->rng_state, ix->entry, 0};
  const uint8_t *p = ix->level0;
  for (size_t i = 0; i < (size_t)ix->count * ix->node_bytes; i++)
    f.arena_hash = f.arena_hash * 131 + p[i];
  return f;
}

static int same(fingerprint a, fingerprint b) {
  return a.count == b.count && a.deleted == b.deleted &&
         a.next_auto_id == b.next_auto_id && a.rng == b.rng &&
         a.entry == b.entry && a.arena_hash == b.arena_hash;
}

TEST(options_defaults_and_validation) {
  ev_options o;
  ev_options_init(&o);
  CHECK_EQ_INT(o.m, 16);
  CHECK_EQ_INT(o.ef_construction, 200);
  CHECK_EQ_INT(o.ef_search, 64);
  CHECK_EQ_INT(o.metric, EV_METRIC_L2);
  ev_index *ix = (ev_index *)1;
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_ERR_INVALID_ARGUMENT); /* dim 0 */
  CHECK(ix == NULL);
  o.dimensions = 4097;
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_ERR_INVALID_ARGUMENT);
  o.dimensions = 4096;
  o.m = 1;
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_ERR_INVALID_ARGUMENT);
  o.m = 16;
  o.metric = (ev_metric)7;
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_ERR_INVALID_ARGUMENT);
  o.metric = EV_METRIC_DOT;
  o.ef_construction = 0;
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_ERR_INVALID_ARGUMENT);
  o.ef_construction = 200;
  o.ef_search = 0;
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_ERR_INVALID_ARGUMENT);
  o.ef_search = 64;
  CHECK_EQ_INT(ev_index_create(NULL, &ix), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_index_create(&o, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_OK);
  REQUIRE(ix != NULL);
  CHECK_EQ_INT(ev_index_options(ix)->dimensions, 4096);
  CHECK_EQ_INT(ev_live_count(ix), 0);
  CHECK(ev_tombstone_ratio(ix) == 0.0);
  CHECK(ev_memory_bytes(ix) > 0);
  ev_index_free(ix);
  ev_index_free(NULL);
}

TEST(status_messages_are_distinct) {
  for (int a = 0; a <= EV_ERR_TRUNCATED; a++) {
    CHECK(ev_status_message((ev_status)a) != NULL);
    for (int b = 0; b < a; b++)
      CHECK(strcmp(ev_status_message((ev_status)a), ev_status_message((ev_status)b)) != 0);
  }
  CHECK(strcmp(ev_status_message((ev_status)999), "unknown status") == 0);
}

TEST(insert_assigns_sequential_ids_and_get_returns_vectors) {
  ev_index *ix = make(3, EV_METRIC_L2);
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
  ev_index *ix = make(2, EV_METRIC_COSINE);
  REQUIRE(ix != NULL);
  float ok[4] = {1, 0, 0, 1};
  uint64_t ok_ids[2] = {10, 11};
  REQUIRE(ev_insert_batch(ix, ok, 2, 2, ok_ids, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  fingerprint before = take(ix);
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

  CHECK(same(before, take(ix)));
  CHECK_EQ_INT(ev_live_count(ix), 2);
  CHECK(!ev_contains(ix, 1));
  ev_index_free(ix);
}

TEST(capacity_errors) {
  ev_index *ix = make(1, EV_METRIC_L2);
  REQUIRE(ix != NULL);
  float v[2] = {1, 2};
  uint64_t top = UINT64_MAX;
  CHECK_EQ_INT(ev_insert(ix, v, 1, &top, NULL), EV_OK);
  /* The automatic sequence has run out: it never reuses an id. */
  CHECK_EQ_INT(ev_insert(ix, v + 1, 1, NULL, NULL), EV_ERR_CAPACITY);
  uint64_t next = 1;
  CHECK_EQ_INT(ev_next_auto_id(ix, &next), EV_ERR_CAPACITY);
  CHECK_EQ_INT(ev_next_auto_id(NULL, &next), EV_ERR_INVALID_ARGUMENT);
  uint64_t given = 5;
  CHECK_EQ_INT(ev_insert(ix, v + 1, 1, &given, NULL), EV_OK);
  CHECK_EQ_INT(ev_reserve(ix, (size_t)EV_MAX_SLOTS), EV_ERR_CAPACITY);
  CHECK_EQ_INT(ev_reserve(NULL, 1), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_reserve(ix, 10), EV_OK);
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
  ev_index *ix = make(2, EV_METRIC_L2);
  REQUIRE(ix != NULL);
  float v[10] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
  size_t last = 0, inserted = 0;
  CHECK_EQ_INT(ev_insert_batch(ix, v, 5, 2, NULL, NULL, count_progress, &last, &inserted, NULL), EV_OK);
  CHECK_EQ_INT(last, 5);
  CHECK_EQ_INT(inserted, 5);

  ev_index *a = make(2, EV_METRIC_L2), *b = make(2, EV_METRIC_L2);
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

TEST(search_contract) {
  ev_index *ix = make(2, EV_METRIC_L2);
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
  ev_index *cos = make(2, EV_METRIC_COSINE);
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

  ev_index *dot = make(2, EV_METRIC_DOT);
  REQUIRE(dot != NULL);
  REQUIRE(ev_insert_batch(dot, v, 2, 2, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  CHECK_EQ_INT(ev_search(dot, q, 2, 2, 0, ids, d, &n), EV_OK);
  CHECK(ids[0] == 1 && d[0] == -2.0f && d[1] == 0.0f);
  ev_index_free(dot);
}

TEST(soft_delete_outcomes_and_counts) {
  ev_index *ix = make(1, EV_METRIC_L2);
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
  ev_index *ix = make(1, EV_METRIC_L2);
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

TEST(compaction_keeps_ids_vectors_and_auto_sequence) {
  ev_index *ix = make(2, EV_METRIC_COSINE);
  REQUIRE(ix != NULL);
  float v[200];
  for (int i = 0; i < 200; i++) v[i] = (float)((i * 37) % 11) - 5.0f + 0.5f;
  uint64_t ids[100];
  REQUIRE(ev_insert_batch(ix, v, 100, 2, NULL, ids, NULL, NULL, NULL, NULL) == EV_OK);
  float stored[200];
  for (int i = 0; i < 100; i++) REQUIRE(ev_get(ix, ids[i], stored + 2 * i) == EV_OK);
  for (uint64_t id = 0; id < 100; id += 2) ev_soft_delete(ix, id, NULL);
  CHECK_EQ_INT(ev_compact(ix), EV_OK);
  CHECK_EQ_INT(ev_live_count(ix), 50);
  for (int i = 0; i < 100; i++) {
    float got[2];
    if (i % 2 == 0) {
      CHECK_EQ_INT(ev_get(ix, ids[i], got), EV_ERR_NOT_FOUND);
    } else {
      CHECK_EQ_INT(ev_get(ix, ids[i], got), EV_OK);
      CHECK(got[0] == stored[2 * i] && got[1] == stored[2 * i + 1]);
    }
  }
  uint64_t next;
  CHECK_EQ_INT(ev_insert(ix, v, 2, NULL, &next), EV_OK);
  CHECK_EQ_INT(next, 100);
  CHECK_EQ_INT(ev_compact(NULL), EV_ERR_INVALID_ARGUMENT);
  ev_index_free(ix);
}

TEST(null_handles_are_errors_not_crashes) {
  float v = 1;
  uint64_t id = 0;
  uint32_t n;
  float d;
  CHECK_EQ_INT(ev_insert(NULL, &v, 1, NULL, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_validate_batch(NULL, &v, 1, 1, NULL, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search(NULL, &v, 1, 1, 0, &id, &d, &n), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search_exact(NULL, &v, 1, 1, &id, &d, &n), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_soft_delete(NULL, 1, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_get(NULL, 1, &v), EV_ERR_INVALID_ARGUMENT);
  CHECK(!ev_contains(NULL, 1));
  CHECK_EQ_INT(ev_live_count(NULL), 0);
  CHECK_EQ_INT(ev_deleted_count(NULL), 0);
  CHECK(ev_memory_bytes(NULL) == 0);
  CHECK(ev_index_options(NULL) == NULL);
}

TEST(out_of_memory_changes_nothing) {
  ev_index *ix = make(4096, EV_METRIC_L2);
  REQUIRE(ix != NULL);
  float *v = calloc(4096, sizeof(float));
  REQUIRE(v != NULL);
  v[0] = 1;
  REQUIRE(ev_insert(ix, v, 4096, NULL, NULL) == EV_OK);
  fingerprint before = take(ix);
  /* Three billion 16 KiB records cannot be allocated anywhere. */
  CHECK_EQ_INT(ev_reserve(ix, 3000000000u), EV_ERR_OUT_OF_MEMORY);
  CHECK(same(before, take(ix)));
  /* Still usable afterwards. */
  CHECK_EQ_INT(ev_insert(ix, v, 4096, NULL, NULL), EV_OK);
  CHECK_EQ_INT(ev_live_count(ix), 2);
  free(v);
  ev_index_free(ix);
}
