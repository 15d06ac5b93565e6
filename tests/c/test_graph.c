/*
 * test_graph.c — graph.c: a batch builds byte-for-byte the graph of single
 * inserts and the seed decides the graph, links stay within their caps and
 * point at real slots, the link-list rule (ev__links_ok) refuses every
 * broken list, and the visited epochs wrap cleanly.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
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
  for (uint32_t s = 0; s < a->count; s++) {
    if (memcmp(ev__record(a, s), ev__record(b, s), a->node_bytes) != 0) return 0;
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
  ix->scratch.visit_epoch = UINT32_MAX - 1; /* the next two searches wrap it */
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

/* ev__links_ok on a list of n targets (written little-endian as a
 * persisted list is); *bad gets the position it names. */
static int links_ok(ev_index *ix, uint32_t slot, int level, uint32_t kept,
                    const uint32_t *targets, uint32_t n, uint32_t *bad) {
  uint8_t list[4 * 9];
  ev_le_put_u32(list, n);
  for (uint32_t i = 0; i < n; i++) ev_le_put_u32(list + 4 + 4 * i, targets[i]);
  *bad = 0;
  return ev__links_ok(ix, slot, level, ix->levels, ix->count, kept, list, bad);
}

static int stamps_clear(const ev_index *ix) {
  for (uint32_t s = 0; s < ix->count; s++)
    if (ix->scratch.visited[s]) return 0;
  return 1;
}

/* The one routine both readers of persisted graphs check lists with:
 * each rule on its own, and the stamps it uses are left clear. */
TEST(links_ok_refuses_every_broken_rule_and_leaves_stamps_clear) {
  const uint32_t n = 300, dim = 4;
  float *v = ev_dataset_rows(7, dim, 8, n);
  ev_index *ix = make(dim, 3);
  REQUIRE(v && ix);
  REQUIRE(ev_insert_batch(ix, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  /* The precondition: no stamps (a search leaves epochs behind). */
  memset(ix->scratch.visited, 0, sizeof(uint32_t) * ix->count);
  uint32_t low = EV_NO_SLOT, high = EV_NO_SLOT; /* a level-0 and an upper node */
  for (uint32_t s = 0; s < ix->count; s++) {
    if (ix->levels[s] == 0 && low == EV_NO_SLOT && s != ix->entry) low = s;
    if (ix->levels[s] >= 1 && high == EV_NO_SLOT && s != ix->entry) high = s;
  }
  REQUIRE(low != EV_NO_SLOT && high != EV_NO_SLOT);
  uint32_t a = ix->entry, b = high, c = 0, bad;
  while (c == low || c == a || c == b) c++;

  uint32_t good[3] = {a, b, c};
  CHECK(links_ok(ix, low, 0, 0, good, 3, &bad));
  CHECK(links_ok(ix, low, 0, 0, good, 0, &bad)); /* an empty list */
  uint32_t out_of_range[2] = {a, ix->count};
  CHECK(!links_ok(ix, low, 0, 0, out_of_range, 2, &bad) && bad == 2);
  uint32_t self[2] = {a, low};
  CHECK(!links_ok(ix, low, 0, 0, self, 2, &bad) && bad == 2);
  uint32_t repeat[3] = {b, a, b};
  CHECK(!links_ok(ix, low, 0, 0, repeat, 3, &bad) && bad == 3);
  /* On level 1 every target must reach level 1. */
  uint32_t upper[1] = {a};
  CHECK(links_ok(ix, high, 1, 0, upper, 1, &bad));
  uint32_t too_low[2] = {a, low};
  CHECK(!links_ok(ix, high, 1, 0, too_low, 2, &bad) && bad == 2);
  /* A tail after `kept` links of the slot's own list must not repeat them. */
  const uint32_t *own = ev__links0(ix, low);
  REQUIRE(own[0] >= 1);
  uint32_t again[1] = {own[1]};
  CHECK(!links_ok(ix, low, 0, 1, again, 1, &bad) && bad == 1);
  CHECK(links_ok(ix, low, 0, 0, again, 1, &bad));
  CHECK(stamps_clear(ix));
  ev_index_free(ix);
  free(v);
}
