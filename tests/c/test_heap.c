/*
 * test_heap.c — heap.h: the min-heap pops nearest first, the max-heap
 * farthest first, and a drained max-heap comes out sorted nearest first.
 */
#include "harness.h"
#include "heap.h"

/* 200 distances in a scrambled order, with repeats. */
static float distance_of(uint32_t i) { return (float)((i * 7919u) % 101u); }

TEST(heap_min_and_max_pop_in_order) {
  ev_heap_item min[200], max[200];
  uint32_t nmin = 0, nmax = 0;
  for (uint32_t i = 0; i < 200; i++) {
    ev_heap_min_push(min, &nmin, (ev_heap_item){distance_of(i), i});
    ev_heap_max_push(max, &nmax, (ev_heap_item){distance_of(i), i});
  }
  CHECK_EQ_INT(nmin, 200);
  int bad = 0;
  float prev_min = -1.0f, prev_max = 1e9f;
  for (uint32_t i = 0; i < 200; i++) {
    ev_heap_item lo = ev_heap_min_pop(min, &nmin);
    ev_heap_item hi = ev_heap_max_pop(max, &nmax);
    if (lo.distance < prev_min || hi.distance > prev_max) bad++;
    if (lo.distance != distance_of(lo.slot) || hi.distance != distance_of(hi.slot))
      bad++; /* an item keeps its slot */
    prev_min = lo.distance;
    prev_max = hi.distance;
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(nmin, 0);
  CHECK_EQ_INT(nmax, 0);
  CHECK(prev_min == 100.0f && prev_max == 0.0f);
}

/* What a search does with its results: keep the k nearest in a bounded
 * max-heap, then drain it nearest first. */
TEST(heap_bounded_max_heap_drains_the_k_nearest_sorted) {
  enum { K = 10 };
  ev_heap_item res[K + 1], out[K];
  uint32_t n = 0;
  for (uint32_t i = 0; i < 200; i++) {
    ev_heap_max_push(res, &n, (ev_heap_item){distance_of(i) + i * 1e-3f, i});
    if (n > K) ev_heap_max_pop(res, &n);
  }
  CHECK_EQ_INT(ev_heap_drain_sorted(res, n, out), K);
  int bad = 0;
  for (uint32_t i = 0; i < K; i++) {
    if (i > 0 && out[i].distance < out[i - 1].distance) bad++;
    /* 200 items of 101 values: each value occurs twice but 19 and 60, so
     * the ten nearest are 0, 0, 1, 1, ... 4, 4 (i * 1e-3 breaks ties). */
    if ((uint32_t)out[i].distance != i / 2) bad++;
  }
  CHECK_EQ_INT(bad, 0);
}
