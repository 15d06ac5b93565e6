/* core_util.c — the helpers of the core's unit tests (core_util.h): small
 * indexes and fingerprints. No tests. */
#include "core_util.h"

#include "index.h"

ev_options cu_options(uint32_t dim, ev_metric metric, uint64_t seed,
                      ev_quantization q, uint32_t keep_floats, uint32_t rerank) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.metric = metric;
  o.seed = seed;
  o.quantization = q;
  o.keep_floats = keep_floats;
  o.rerank = rerank;
  return o;
}

ev_index *cu_create(const ev_options *options) {
  ev_index *ix = NULL;
  return ev_index_create(options, &ix) == EV_OK ? ix : NULL;
}

ev_index *cu_index(uint32_t dim, ev_metric metric, uint64_t seed) {
  return cu_index_q(dim, metric, seed, EV_QUANT_NONE, 0, 0);
}

ev_index *cu_index_q(uint32_t dim, ev_metric metric, uint64_t seed,
                     ev_quantization q, uint32_t keep_floats, uint32_t rerank) {
  ev_options o = cu_options(dim, metric, seed, q, keep_floats, rerank);
  return cu_create(&o);
}

cu_fingerprint cu_fingerprint_of(const ev_index *ix) {
  cu_fingerprint f = {ix->count, ix->deleted_count, ix->capacity,
                      ix->next_auto_id, ix->rng_state, ix->entry, 0};
  for (uint32_t s = 0; s < ix->count; s++) {
    const uint8_t *p = ev__record(ix, s);
    for (size_t i = 0; i < ix->node_bytes; i++) f.arena_hash = f.arena_hash * 131 + p[i];
  }
  return f;
}

int cu_same_fingerprint(cu_fingerprint a, cu_fingerprint b) {
  return a.count == b.count && a.deleted == b.deleted &&
         a.next_auto_id == b.next_auto_id && a.rng == b.rng &&
         a.entry == b.entry && a.arena_hash == b.arena_hash;
}
