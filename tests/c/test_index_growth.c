/*
 * test_index_growth.c — index.c's storage growth: the level-0 arena in
 * chunks of EV_CHUNK_SLOTS records (chunk 0 growing up to that, then whole
 * chunks, never a copy of the arena), the per-slot arrays by half again.
 * What must hold: records keep their content across every growth, the
 * arena holds less than one chunk beyond the count, one-at-a-time inserts
 * grow the per-slot arrays geometrically, and ev_memory_bytes counts what
 * is allocated.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "index.h"
#include "persist_util.h"

static ev_index *small_index(uint32_t dim) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.m = 4;
  o.ef_construction = 8;
  o.seed = 3;
  ev_index *ix = NULL;
  return ev_index_create(&o, &ix) == EV_OK ? ix : NULL;
}

/* Every inserted row is still there and found at distance 0. */
static int rows_intact(ev_index *ix, const float *rows, uint32_t n, uint32_t dim) {
  float got[8];
  for (uint32_t i = 0; i < n; i++) {
    if (ev_get(ix, i, got) != EV_OK || memcmp(got, rows + (size_t)i * dim, 4 * dim) != 0)
      return 0;
  }
  return 1;
}

TEST(arena_grows_by_chunks_and_keeps_every_record) {
  const uint32_t dim = 5, n = 3 * EV_CHUNK_SLOTS + 77;
  ev_index *ix = small_index(dim);
  float *rows = pu_rows(41, dim, n);
  REQUIRE(ix && rows);
  /* Batches of uneven size, so that boundaries fall inside batches. */
  uint32_t done = 0, step = 1;
  while (done < n) {
    uint32_t b = n - done < step ? n - done : step;
    REQUIRE(ev_insert_batch(ix, rows + (size_t)done * dim, b, dim, NULL, NULL, NULL, NULL,
                            NULL, NULL) == EV_OK);
    done += b;
    step = step * 3 + 1;
    /* Less than one chunk of records beyond the count (chunk 0 grows by
     * half again while it is the only one). */
    if (ix->chunk_count > 1) CHECK(ix->arena_slots - ix->count < EV_CHUNK_SLOTS);
    else CHECK(ix->arena_slots <= EV_CHUNK_SLOTS);
    CHECK(ix->capacity >= ix->count && ix->capacity <= ix->arena_slots &&
          ix->capacity <= ix->slot_arrays_len);
  }
  CHECK_EQ_INT(ix->chunk_count, 4);
  CHECK(rows_intact(ix, rows, n, dim));
  uint64_t id;
  float d;
  uint32_t got = 0;
  CHECK(ev_search(ix, rows + (size_t)(n - 1) * dim, dim, 1, 32, &id, &d, &got) == EV_OK &&
        got == 1 && id == n - 1 && d == 0.0f);
  /* Counted: at least the records and per-slot arrays allocated. */
  CHECK(ev_memory_bytes(ix) >= (size_t)ix->arena_slots * ix->node_bytes +
                                   (size_t)ix->slot_arrays_len * (8 + 2 + 4 + 8));
  free(rows);
  ev_index_free(ix);
}

TEST(one_at_a_time_inserts_grow_the_slot_arrays_geometrically) {
  const uint32_t dim = 3, n = 2000;
  ev_index *ix = small_index(dim);
  float *rows = pu_rows(43, dim, n);
  REQUIRE(ix && rows);
  uint32_t growths = 0, last = 0;
  for (uint32_t i = 0; i < n; i++) {
    REQUIRE(ev_insert(ix, rows + (size_t)i * dim, dim, NULL, NULL) == EV_OK);
    if (ix->slot_arrays_len != last) growths++, last = ix->slot_arrays_len;
  }
  /* 1, then half again each time: about log1.5(2000) ~ 19 growths, not
   * 2000. */
  CHECK(growths < 30);
  CHECK(rows_intact(ix, rows, n, dim));
  free(rows);
  ev_index_free(ix);
}

TEST(reserve_is_exact_for_the_arena) {
  const uint32_t dim = 4;
  ev_index *ix = small_index(dim);
  REQUIRE(ix);
  CHECK(ev_reserve(ix, 2 * EV_CHUNK_SLOTS + 1) == EV_OK);
  CHECK_EQ_INT(ix->chunk_count, 3);
  CHECK_EQ_INT(ix->arena_slots, 3 * EV_CHUNK_SLOTS);
  CHECK_EQ_INT(ix->slot_arrays_len, 2 * EV_CHUNK_SLOTS + 1);
  CHECK_EQ_INT(ix->capacity, 2 * EV_CHUNK_SLOTS + 1);
  ev_index_free(ix);
}
