/*
 * wasm_threads.c — the exports only the build with threads has
 * (dist/mt/edgevec-mt.wasm; CMakeLists.txt links this file into it alone,
 * so the default module carries none of it). Same ABI rules as
 * wasm_api.c. The default module's JS layer searches a batch with a loop
 * of evw_search instead, which returns the same.
 */
#include <emscripten.h>
#include <stdint.h>

#include "edgevec.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

/* Threads a batch may use on this index (ev_set_threads). */
EXPORT int evw_set_threads(ev_index *index, uint32_t threads) {
  return ev_set_threads(index, threads);
}

/* n queries (n*dim floats) into out_ids (n*k u64), out_distances (n*k f32)
 * and out_counts (n u32); *out_err_index names the first bad query. */
EXPORT int evw_search_batch(ev_index *index, const float *queries, uint32_t n,
                            uint32_t dim, uint32_t k, uint32_t ef,
                            uint64_t *out_ids, float *out_distances,
                            uint32_t *out_counts, uint32_t *out_err_index) {
  ev_batch_error err = {0};
  ev_status st = ev_search_batch(index, queries, n, dim, k, ef, out_ids,
                                 out_distances, out_counts, &err);
  if (out_err_index) *out_err_index = (uint32_t)err.index;
  return st;
}
