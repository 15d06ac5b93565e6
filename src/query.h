/*
 * query.h — what the two searches (search.c, and the filtered one of
 * search_filtered.c) share: the checks and preparation of a query, its
 * distance to a slot, the exact re-ranking of quantized candidates, and
 * the writing out of results. One copy, so that both searches keep the
 * same argument rules and return the same distances.
 */
#ifndef EV_QUERY_H
#define EV_QUERY_H

#include "index.h"
#include "quantize.h"

/* The distance from the query prepared in a scratch to a slot's stored
 * payload, as a walk measures it (quantize.h: with SQ8, the query's
 * 16-bit walk form against the code). */
static inline float ev__scratch_code_distance(const ev_index *ix,
                                              const ev_scratch *sc,
                                              uint32_t slot) {
  return ev__query_distance(ix, sc->query_payload, ev__payload(ix, slot));
}

/* The exact distance from the query prepared in a scratch to a slot where
 * f32 vectors exist, else the distance between codes. */
static inline float ev__scratch_exact_distance(const ev_index *ix,
                                               const ev_scratch *sc,
                                               uint32_t slot) {
  const float *v = ev__floats(ix, slot);
  if (v) return ev_distance(ix->options.metric, sc->query_buf, v, ix->dim);
  return ev__scratch_code_distance(ix, sc, slot);
}

/* search.c: checks a search's arguments (k in 1..EV_MAX_EF, dim), zeroes
 * *out_count, and prepares the query into query_buf and its walk form
 * (quantize.h) into query_payload.
 * INVALID_ARGUMENT, DIMENSION_MISMATCH, INVALID_VECTOR, ZERO_VECTOR. */
ev_status ev__query_prepare(ev_index *ix, const float *query, uint32_t dim,
                            uint32_t k, uint64_t *out_ids,
                            float *out_distances, uint32_t *out_count);

/* search.c: a batch's checks (ev_search_batch's and
 * ev_search_filtered_batch's): its arguments (ef at most EV_MAX_EF, 0 the
 * index's), then every query, a bad one named by err->index; nothing runs
 * before all pass. */
ev_status ev__query_batch_check(ev_index *ix, const float *queries, size_t n,
                                uint32_t dim, uint32_t k, uint32_t ef, const void *out_ids,
                                const void *out_distances, const void *out_counts,
                                ev_batch_error *err);

/* search.c: re-scores the first n items of sc->nearest exactly and leaves
 * the best k of them, nearest first, in sc->nearest; returns their count. */
uint32_t ev__scratch_rerank(const ev_index *ix, ev_scratch *sc, uint32_t n,
                            uint32_t k);

/* search.c: the first n items of sc->nearest as ids and distances. */
void ev__scratch_write(const ev_index *ix, const ev_scratch *sc, uint32_t n,
                       uint64_t *out_ids, float *out_distances);

#endif /* EV_QUERY_H */
