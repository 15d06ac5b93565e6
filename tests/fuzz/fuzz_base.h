/*
 * fuzz_base.h — the small index the log fuzzer replays onto, shared with
 * make_corpus.c so that the committed seed logs apply to it (same
 * dimensions, ids that do not collide). Deterministic: exact small-integer
 * vector components, fixed seed.
 */
#ifndef EV_FUZZ_BASE_H
#define EV_FUZZ_BASE_H

#include "edgevec.h"

#define FUZZ_BASE_DIM 4u

/* Component d of the vector numbered i: a small integer, exact in f32. */
static inline float fuzz_base_component(uint32_t i, uint32_t d) {
  return (float)((int)((i * 37u + d * 11u + 5u) % 23u) - 11);
}

/* 20 vectors with ids 0..19 (automatic), ids 3 and 7 deleted. NULL on
 * failure. quantized: SQ8 with floats kept and re-ranking (the same seed
 * logs apply: records hold input floats). */
static inline ev_index *fuzz_base_index_q(int quantized) {
  ev_options o;
  ev_options_init(&o);
  if (quantized) {
    o.quantization = EV_QUANT_SQ8;
    o.keep_floats = 1;
    o.rerank = 8;
  }
  o.dimensions = FUZZ_BASE_DIM;
  o.m = 4;
  o.ef_construction = 16;
  o.ef_search = 16;
  o.seed = 1;
  ev_index *ix = NULL;
  if (ev_index_create(&o, &ix) != EV_OK) return NULL;
  float rows[20 * FUZZ_BASE_DIM];
  for (uint32_t i = 0; i < 20; i++)
    for (uint32_t d = 0; d < FUZZ_BASE_DIM; d++)
      rows[i * FUZZ_BASE_DIM + d] = fuzz_base_component(i, d);
  if (ev_insert_batch(ix, rows, 20, FUZZ_BASE_DIM, NULL, NULL, NULL, NULL,
                      NULL, NULL) != EV_OK) {
    ev_index_free(ix);
    return NULL;
  }
  uint64_t del[2] = {3, 7};
  ev_batch_delete_result r;
  ev_soft_delete_batch(ix, del, 2, &r);
  return ix;
}

static inline ev_index *fuzz_base_index(void) { return fuzz_base_index_q(0); }

#endif
