/*
 * test_graph.c — graph.c: a batch builds byte-for-byte the graph of single
 * inserts and the seed decides the graph, links stay within their caps and
 * point at real slots, and the visited epochs wrap cleanly.
 */
#include <stdlib.h>
#include <string.h>

#include "core_util.h"
#include "dataset.h"
#include "edgevec.h"
#include "harness.h"
#include "index.h"

static ev_index *make(uint32_t dim, uint64_t seed) {
  ev_options o = cu_options(dim, EV_METRIC_L2, seed, EV_QUANT_NONE, 0, 0);
  o.m = 8;
  o.ef_construction = 64;
  return cu_create(&o);
}

/* 1 when both indexes hold the same slots, levels, links and vectors. */
static int same_graph(const ev_index *a, const ev_index *b) {
  if (a->count != b->count || a->entry != b->entry || a->max_level != b->max_level)
    return 0;
  if (memcmp(a->level0, b->level0, (size_t)a->count * a->node_bytes) != 0) return 0;
  for (uint32_t s = 0; s < a->count; s++) {
    if (a->levels[s] != b->levels[s] || a->ext_ids[s] != b->ext_ids[s]) return 0;
    size_t words = (size_t)a->levels[s] * (a->m + 1);
    if (words && memcmp(a->upper[s], b->upper[s], words * sizeof(uint32_t)) != 0)
      return 0;
  }
  return 1;
}

TEST(batch_builds_the_same_graph_as_single_inserts) {
  const uint32_t n = 1500, dim = 16;
  float *v = ev_dataset_rows(3, dim, 8, n);
  ev_index *batch = make(dim, 99), *single = make(dim, 99);
  REQUIRE(batch && single);
  CHECK_EQ_INT(ev_insert_batch(batch, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL), EV_OK);
  for (uint32_t i = 0; i < n; i++)
    REQUIRE(ev_insert(single, v + (size_t)i * dim, dim, NULL, NULL) == EV_OK);
  CHECK(same_graph(batch, single));
  CHECK(batch->rng_state == single->rng_state);

  /* A different seed draws different levels, hence another graph. */
  ev_index *other = make(dim, 100);
  REQUIRE(other != NULL);
  REQUIRE(ev_insert_batch(other, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  CHECK(!same_graph(batch, other));
  ev_index_free(other);
  ev_index_free(batch);
  ev_index_free(single);
  free(v);
}

TEST(links_respect_caps_and_point_at_slots) {
  const uint32_t n = 3000, dim = 8;
  float *v = ev_dataset_rows(5, dim, 8, n);
  ev_index *ix = make(dim, 1);
  REQUIRE(ix != NULL);
  REQUIRE(ev_insert_batch(ix, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  int bad = 0, has_upper = 0;
  for (uint32_t s = 0; s < ix->count; s++) {
    for (int l = 0; l <= ix->levels[s]; l++) {
      const uint32_t *links = ev__links(ix, s, l);
      if (links[0] > (l == 0 ? ix->m0 : ix->m)) bad = 1;
      for (uint32_t i = 1; i <= links[0]; i++)
        if (links[i] >= ix->count || links[i] == s ||
            ix->levels[links[i]] < l)
          bad = 1;
      if (l > 0) has_upper = 1;
    }
    if (s != ix->entry && ev__links0(ix, s)[0] == 0) bad = 1; /* isolated */
  }
  CHECK(!bad);
  CHECK(has_upper);
  CHECK(ix->levels[ix->entry] == ix->max_level);
  ev_index_free(ix);
  free(v);
}

TEST(visited_epoch_wraps_cleanly) {
  ev_index *ix = make(2, 1);
  REQUIRE(ix != NULL);
  float v[8] = {0, 0, 1, 0, 0, 1, 1, 1};
  REQUIRE(ev_insert_batch(ix, v, 4, 2, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  ix->visit_epoch = UINT32_MAX - 1; /* the next two searches wrap it */
  uint64_t ids[4];
  float d[4];
  uint32_t n;
  float q[2] = {1, 1};
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(ev_search(ix, q, 2, 4, 4, ids, d, &n), EV_OK);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_INT(ids[0], 3);
  }
  ev_index_free(ix);
}

