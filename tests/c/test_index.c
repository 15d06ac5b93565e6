/*
 * test_index.c — index.c: options and their defaults, status messages,
 * capacity limits (slots, the automatic id sequence, ev_reserve), NULL
 * handles in every public call, and a failed growth that changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "core_util.h"
#include "edgevec.h"
#include "harness.h"

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
  for (int a = 0; a <= EV_ERR_INVALID_FILTER; a++) {
    CHECK(ev_status_message((ev_status)a) != NULL);
    for (int b = 0; b < a; b++)
      CHECK(strcmp(ev_status_message((ev_status)a), ev_status_message((ev_status)b)) != 0);
  }
  CHECK(strcmp(ev_status_message((ev_status)999), "unknown status") == 0);
}

TEST(capacity_errors) {
  ev_index *ix = cu_index(1, EV_METRIC_L2, 1);
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
  ev_index *ix = cu_index(4096, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  float *v = calloc(4096, sizeof(float));
  REQUIRE(v != NULL);
  v[0] = 1;
  REQUIRE(ev_insert(ix, v, 4096, NULL, NULL) == EV_OK);
  cu_fingerprint before = cu_fingerprint_of(ix);
  /* Three billion 16 KiB records cannot be allocated anywhere. */
  CHECK_EQ_INT(ev_reserve(ix, 3000000000u), EV_ERR_OUT_OF_MEMORY);
  CHECK(cu_same_fingerprint(before, cu_fingerprint_of(ix)));
  /* Still usable afterwards. */
  CHECK_EQ_INT(ev_insert(ix, v, 4096, NULL, NULL), EV_OK);
  CHECK_EQ_INT(ev_live_count(ix), 2);
  free(v);
  ev_index_free(ix);
}
