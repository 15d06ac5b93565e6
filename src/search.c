/*
 * search.c — the query side of the API: k nearest through the graph, the
 * exact scan, looking vectors up by id, and listing the live ids.
 *
 * Quantized indexes walk the graph on codes; with `rerank` the best
 * candidates are then re-scored with the kept f32 vectors, so the distances
 * returned are the metric's exact ones.
 *
 * The graph walk is approximate. When it returns fewer results than it
 * should (k at or above the live count, or a region whose nodes are mostly
 * tombstones), the search falls back to the exact scan, so a caller never
 * gets a short answer while enough live vectors exist.
 *
 * A batch of queries (ev_search_batch) is checked whole first, then its
 * queries run on the index's threads (parallel.h), each with its own
 * scratch; a query's results are the same as ev_search's for it.
 */
#include <string.h>

#include "heap.h"
#include "index.h"
#include "parallel.h"
#include "quantize.h"
#include "query.h"

ev_status ev__query_prepare(ev_index *ix, const float *query, uint32_t dim,
                            uint32_t k, uint64_t *out_ids,
                            float *out_distances, uint32_t *out_count) {
  if (!ix || !query || !out_ids || !out_distances || !out_count)
    return EV_ERR_INVALID_ARGUMENT;
  *out_count = 0;
  if (k == 0 || k > EV_MAX_EF) return EV_ERR_INVALID_ARGUMENT;
  if (dim != ix->dim) return EV_ERR_DIMENSION_MISMATCH;
  ev_status st = ev__prepare_vector(ix, query, ix->scratch.query_buf);
  if (st == EV_OK) ev__walk_query_encode(ix, ix->scratch.query_buf, ix->scratch.query_payload);
  return st;
}

uint32_t ev__scratch_rerank(const ev_index *ix, ev_scratch *sc, uint32_t n,
                            uint32_t k) {
  ev_heap_item *items = sc->nearest;
  for (uint32_t i = 0; i < n; i++)
    items[i].distance = ev__scratch_exact_distance(ix, sc, items[i].slot);
  /* Sort by the exact distance: a max-heap of the k best, drained. */
  uint32_t size = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (size == k) {
      if (items[i].distance >= sc->results[0].distance) continue;
      ev_heap_max_pop(sc->results, &size);
    }
    ev_heap_max_push(sc->results, &size, items[i]);
  }
  return ev_heap_drain_sorted(sc->results, size, sc->nearest);
}

void ev__scratch_write(const ev_index *ix, const ev_scratch *sc, uint32_t n,
                       uint64_t *out_ids, float *out_distances) {
  for (uint32_t i = 0; i < n; i++) {
    out_ids[i] = ix->ext_ids[sc->nearest[i].slot];
    out_distances[i] = sc->nearest[i].distance;
  }
}

/* Exact top-k over live slots: a bounded max-heap in results, then sorted
 * nearest first into nearest. */
static uint32_t scan_exact(const ev_index *ix, ev_scratch *sc, uint32_t k) {
  ev_heap_item *res = sc->results;
  uint32_t n = 0;
  for (uint32_t s = 0; s < ix->count; s++) {
    if (ix->deleted[s]) continue;
    float d = ev__scratch_exact_distance(ix, sc, s);
    if (n == k) {
      if (d >= res[0].distance) continue;
      ev_heap_max_pop(res, &n);
    }
    ev_heap_max_push(res, &n, (ev_heap_item){d, s});
  }
  return ev_heap_drain_sorted(res, n, sc->nearest);
}

/* The walk's ef for k: at least the candidates re-ranking looks at (and so
 * never below k). 0 when ef is out of range. */
static uint32_t walk_ef(const ev_index *ix, uint32_t k, uint32_t ef) {
  if (ef == 0) ef = ix->options.ef_search;
  if (ef > EV_MAX_EF) return 0;
  uint32_t rerank = ix->floats ? ix->options.rerank : 0;
  uint32_t take = rerank > k ? rerank : k;
  return ef < take ? take : ef;
}

/* One search of the query prepared in sc, whose heaps hold ef (walk_ef):
 * leaves up to k results in sc->nearest and returns their count. Reads the
 * index only. */
static uint32_t search_prepared(const ev_index *ix, ev_scratch *sc, uint32_t k,
                                uint32_t ef) {
  /* Re-ranking looks at the best `rerank` candidates (at least k). */
  uint32_t rerank = ix->floats ? ix->options.rerank : 0;
  uint32_t take = rerank > k ? rerank : k;
  uint32_t live = ev_live_count(ix);
  uint32_t want = k < live ? k : live;
  uint32_t n = ev__graph_search(ix, sc, sc->query_payload, take, ef);
  if (n < want) {
    n = scan_exact(ix, sc, want);
  } else if (rerank) {
    n = ev__scratch_rerank(ix, sc, n, k);
  }
  return n > k ? k : n;
}

ev_status ev_search(ev_index *ix, const float *query, uint32_t dim, uint32_t k,
                    uint32_t ef, uint64_t *out_ids, float *out_distances,
                    uint32_t *out_count) {
  ev_status st = ev__query_prepare(ix, query, dim, k, out_ids, out_distances, out_count);
  if (st != EV_OK) return st;
  ef = walk_ef(ix, k, ef);
  if (ef == 0) return EV_ERR_INVALID_ARGUMENT;
  st = ev__ensure_heaps(ix, ef);
  if (st != EV_OK) return st;
  uint32_t n = search_prepared(ix, &ix->scratch, k, ef);
  ev__scratch_write(ix, &ix->scratch, n, out_ids, out_distances);
  *out_count = n;
  return EV_OK;
}

/* One query of a batch (an ev_item_fn): every query was checked before
 * the first ran, so preparing it cannot fail. */
typedef struct batch_search {
  const ev_index *ix;
  const float *queries;
  uint32_t k, ef;
  uint64_t *out_ids;
  float *out_distances;
  uint32_t *out_counts;
} batch_search;

static void search_item(void *context, ev_scratch *sc, size_t i) {
  const batch_search *b = context;
  const ev_index *ix = b->ix;
  (void)ev__prepare_vector(ix, b->queries + i * ix->dim, sc->query_buf);
  ev__walk_query_encode(ix, sc->query_buf, sc->query_payload);
  uint32_t n = search_prepared(ix, sc, b->k, b->ef);
  ev__scratch_write(ix, sc, n, b->out_ids + i * b->k, b->out_distances + i * b->k);
  b->out_counts[i] = n;
}

ev_status ev__query_batch_check(ev_index *ix, const float *queries, size_t n,
                                uint32_t dim, uint32_t k, uint32_t ef, const void *out_ids,
                                const void *out_distances, const void *out_counts,
                                ev_batch_error *err) {
  err->index = 0;
  if (!ix || !queries || !out_ids || !out_distances || !out_counts)
    return EV_ERR_INVALID_ARGUMENT;
  if (n == 0) return EV_ERR_EMPTY_BATCH;
  if (k == 0 || k > EV_MAX_EF || ef > EV_MAX_EF) return EV_ERR_INVALID_ARGUMENT;
  if (dim != ix->dim) return EV_ERR_DIMENSION_MISMATCH;
  for (size_t i = 0; i < n; i++) {
    ev_status st = ev__prepare_vector(ix, queries + i * dim, ix->scratch.query_buf);
    if (st != EV_OK) {
      err->index = i;
      return st;
    }
  }
  return EV_OK;
}

ev_status ev_search_batch(ev_index *ix, const float *queries, size_t n,
                          uint32_t dim, uint32_t k, uint32_t ef,
                          uint64_t *out_ids, float *out_distances,
                          uint32_t *out_counts, ev_batch_error *err) {
  ev_batch_error ignored;
  if (!err) err = &ignored;
  ev_status st = ev__query_batch_check(ix, queries, n, dim, k, ef, out_ids, out_distances,
                                       out_counts, err);
  if (st != EV_OK) return st;
  ef = walk_ef(ix, k, ef);
  if (ef == 0) return EV_ERR_INVALID_ARGUMENT;
  uint32_t threads = ev__batch_threads(ix, n);
  st = ev__parallel_prepare(ix, threads, ef, 0);
  if (st != EV_OK) return st;
  batch_search b = {ix, queries, k, ef, out_ids, out_distances, out_counts};
  ev__parallel_run(ix, threads, n, search_item, &b, 0);
  return EV_OK;
}

ev_status ev_search_exact(ev_index *ix, const float *query, uint32_t dim,
                          uint32_t k, uint64_t *out_ids, float *out_distances,
                          uint32_t *out_count) {
  ev_status st = ev__query_prepare(ix, query, dim, k, out_ids, out_distances, out_count);
  if (st != EV_OK) return st;
  st = ev__ensure_heaps(ix, k);
  if (st != EV_OK) return st;
  uint32_t n = scan_exact(ix, &ix->scratch, k);
  ev__scratch_write(ix, &ix->scratch, n, out_ids, out_distances);
  *out_count = n;
  return EV_OK;
}

ev_status ev_get(const ev_index *ix, uint64_t id, float *out) {
  if (!ix || !out) return EV_ERR_INVALID_ARGUMENT;
  uint32_t slot = ev__live_slot(ix, id);
  if (slot == EV_NO_SLOT) return EV_ERR_NOT_FOUND;
  const float *v = ev__floats(ix, slot);
  if (v) memcpy(out, v, sizeof(float) * ix->dim);
  else ev__decode(ix, ev__payload(ix, slot), out);
  return EV_OK;
}

int ev_contains(const ev_index *ix, uint64_t id) {
  return ix && ev__live_slot(ix, id) != EV_NO_SLOT;
}

ev_status ev_live_ids(const ev_index *ix, uint32_t start, uint64_t *out_ids,
                      uint32_t capacity, uint32_t *out_count,
                      uint32_t *out_next) {
  if (!ix || !out_count || !out_next || (capacity && !out_ids))
    return EV_ERR_INVALID_ARGUMENT;
  uint32_t n = 0, slot = start;
  /* A deleted slot is skipped: a re-inserted id is live in its newest slot
   * only, so every live id is listed exactly once. */
  for (; slot < ix->count && n < capacity; slot++)
    if (!ix->deleted[slot]) out_ids[n++] = ix->ext_ids[slot];
  *out_count = n;
  *out_next = slot < ix->count ? slot : ix->count;
  return EV_OK;
}
