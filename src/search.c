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
 */
#include <string.h>

#include "heap.h"
#include "index.h"
#include "query.h"

ev_status ev__query_prepare(ev_index *ix, const float *query, uint32_t dim,
                            uint32_t k, uint64_t *out_ids,
                            float *out_distances, uint32_t *out_count) {
  if (!ix || !query || !out_ids || !out_distances || !out_count)
    return EV_ERR_INVALID_ARGUMENT;
  *out_count = 0;
  if (k == 0 || k > EV_MAX_EF) return EV_ERR_INVALID_ARGUMENT;
  if (dim != ix->dim) return EV_ERR_DIMENSION_MISMATCH;
  ev_status st = ev__prepare_vector(ix, query, ix->query_buf);
  if (st == EV_OK) ev__walk_query_encode(ix, ix->query_buf, ix->query_payload);
  return st;
}

uint32_t ev__query_rerank(ev_index *ix, uint32_t n, uint32_t k) {
  ev_heap_item *items = ix->nearest;
  for (uint32_t i = 0; i < n; i++)
    items[i].distance = ev__query_exact_distance(ix, items[i].slot);
  /* Sort by the exact distance: a max-heap of the k best, drained. */
  uint32_t size = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (size == k) {
      if (items[i].distance >= ix->results[0].distance) continue;
      ev_heap_max_pop(ix->results, &size);
    }
    ev_heap_max_push(ix->results, &size, items[i]);
  }
  return ev_heap_drain_sorted(ix->results, size, ix->nearest);
}

void ev__query_write(const ev_index *ix, uint32_t n, uint64_t *out_ids,
                     float *out_distances) {
  for (uint32_t i = 0; i < n; i++) {
    out_ids[i] = ix->ext_ids[ix->nearest[i].slot];
    out_distances[i] = ix->nearest[i].distance;
  }
}

/* Exact top-k over live slots: a bounded max-heap in results, then sorted
 * nearest first into nearest. */
static uint32_t scan_exact(ev_index *ix, uint32_t k) {
  ev_heap_item *res = ix->results;
  uint32_t n = 0;
  for (uint32_t s = 0; s < ix->count; s++) {
    if (ix->deleted[s]) continue;
    float d = ev__query_exact_distance(ix, s);
    if (n == k) {
      if (d >= res[0].distance) continue;
      ev_heap_max_pop(res, &n);
    }
    ev_heap_max_push(res, &n, (ev_heap_item){d, s});
  }
  return ev_heap_drain_sorted(res, n, ix->nearest);
}

ev_status ev_search(ev_index *ix, const float *query, uint32_t dim, uint32_t k,
                    uint32_t ef, uint64_t *out_ids, float *out_distances,
                    uint32_t *out_count) {
  ev_status st = ev__query_prepare(ix, query, dim, k, out_ids, out_distances, out_count);
  if (st != EV_OK) return st;
  if (ef == 0) ef = ix->options.ef_search;
  if (ef > EV_MAX_EF) return EV_ERR_INVALID_ARGUMENT;
  /* Re-ranking looks at the best `rerank` candidates (at least k). */
  uint32_t rerank = ix->floats ? ix->options.rerank : 0;
  uint32_t take = rerank > k ? rerank : k;
  if (ef < take) ef = take; /* and so never below k */
  st = ev__ensure_heaps(ix, ef);
  if (st != EV_OK) return st;

  uint32_t live = ev_live_count(ix);
  uint32_t want = k < live ? k : live;
  uint32_t n = ev__graph_search(ix, ix->query_payload, take, ef);
  if (n < want) {
    n = scan_exact(ix, want);
  } else if (rerank) {
    n = ev__query_rerank(ix, n, k);
  }
  if (n > k) n = k;
  ev__query_write(ix, n, out_ids, out_distances);
  *out_count = n;
  return EV_OK;
}

ev_status ev_search_exact(ev_index *ix, const float *query, uint32_t dim,
                          uint32_t k, uint64_t *out_ids, float *out_distances,
                          uint32_t *out_count) {
  ev_status st = ev__query_prepare(ix, query, dim, k, out_ids, out_distances, out_count);
  if (st != EV_OK) return st;
  st = ev__ensure_heaps(ix, k);
  if (st != EV_OK) return st;
  uint32_t n = scan_exact(ix, k);
  ev__query_write(ix, n, out_ids, out_distances);
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
