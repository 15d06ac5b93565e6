/*
 * wasm_api.c — the WebAssembly exports the JavaScript layer (js/) calls: a
 * thin shim over edgevec.h, nothing more.
 *
 * ABI rules (why: the module must run where BigInt is missing, so no i64 may
 * cross the boundary, and JS numbers carry u32 exactly):
 *  - Handles and pointers are u32 (wasm32 addresses).
 *  - A single 64-bit id travels as two u32 parameters (lo, hi; u64.h).
 *  - Arrays of ids live in wasm memory as little-endian u64 (JS writes them
 *    through a BigUint64Array, or as lo/hi pairs through a Uint32Array).
 *  - Options are separate u32 parameters; 0 means "the default" where the
 *    C default is documented (m, ef_construction, ef_search). The JS layer
 *    rejects an explicit 0 before it gets here.
 *  - Every fallible function returns an ev_status (as int) and writes its
 *    results through out-pointers into memory the caller allocated with
 *    malloc and frees itself. Nothing here allocates memory the caller must
 *    free except evw_create (freed by evw_free).
 *  - u32 results come back to JS as signed i32; the JS side reads them with
 *    `>>> 0`.
 *  - Only what the JS layer (or a benchmark through it) calls is exported:
 *    every export, and all the C it reaches, is in the .wasm every app
 *    downloads. This file holds what both modules export, the full one
 *    (dist/edgevec.wasm) and the lite one (dist/edgevec-lite.wasm, for
 *    js/lite/: create, insert, search, delete, compact); the full module's
 *    other exports are in the other files of src/wasm/ (CMakeLists.txt
 *    lists which files each module links). ev_search_exact (the C tests'
 *    reference) is not, nor a loop of searches inside C: the benchmark
 *    that compares the JS layer with C calls evw_search directly.
 */
#include <emscripten.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "edgevec.h"
#include "u64.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

/* ---- lifetime ----------------------------------------------------------- */

/* Creates an index; *out_handle receives it (free with evw_free). The seed
 * is used only when has_seed is non-zero, so that an unseeded index gets
 * the core's documented default. quantization is an ev_quantization;
 * keep_floats and rerank are passed through (the core checks them). */
EXPORT int evw_create(uint32_t dimensions, uint32_t metric, uint32_t m,
                      uint32_t ef_construction, uint32_t ef_search,
                      uint32_t has_seed, uint32_t seed_lo, uint32_t seed_hi,
                      uint32_t quantization, uint32_t keep_floats,
                      uint32_t rerank, ev_index **out_handle) {
  if (!out_handle) return EV_ERR_INVALID_ARGUMENT;
  *out_handle = NULL;
  if (metric > (uint32_t)EV_METRIC_DOT) return EV_ERR_INVALID_ARGUMENT;
  ev_options options;
  ev_options_init(&options);
  options.dimensions = dimensions;
  options.metric = (ev_metric)metric;
  if (m) options.m = m;
  if (ef_construction) options.ef_construction = ef_construction;
  if (ef_search) options.ef_search = ef_search;
  if (has_seed) options.seed = evw_join64(seed_lo, seed_hi);
  if (quantization > (uint32_t)EV_QUANT_BINARY) return EV_ERR_INVALID_ARGUMENT;
  options.quantization = (ev_quantization)quantization;
  options.keep_floats = keep_floats;
  options.rerank = rerank;
  return ev_index_create(&options, out_handle);
}

EXPORT void evw_free(ev_index *index) { ev_index_free(index); }

/* The options the index holds, for the JS getters (which: an
 * EVW_OPTION_* of abi.h). Not fallible: an unknown selector gives 0. */
EXPORT uint32_t evw_option(const ev_index *index, uint32_t which) {
  const ev_options *o = ev_index_options(index);
  switch (which) {
  case EVW_OPTION_DIMENSIONS: return o->dimensions;
  case EVW_OPTION_METRIC: return (uint32_t)o->metric;
  case EVW_OPTION_M: return o->m;
  case EVW_OPTION_EF_CONSTRUCTION: return o->ef_construction;
  case EVW_OPTION_EF_SEARCH: return o->ef_search;
  case EVW_OPTION_QUANTIZATION: return (uint32_t)o->quantization;
  case EVW_OPTION_KEEP_FLOATS: return o->keep_floats;
  case EVW_OPTION_RERANK: return o->rerank;
  default: return 0;
  }
}

/* ---- insert ------------------------------------------------------------- */

/* A batch is checked whole before any of it is inserted, but the JS layer
 * never has all of its vectors in wasm memory (it copies them in one window
 * of rows at a time: wasm memory never shrinks, so a batch-sized copy would
 * stay as the page's memory for good). So it checks in two steps: first
 * evw_validate_ids, with all the ids at once (duplicates are found by
 * sorting them, and 8 bytes a row is small; edgevec.h:
 * ev_validate_batch_ids); then evw_validate_batch on each window of the
 * first *out_rows rows, with the window's ids. ids may be 0 (assigned);
 * *out_err_index names a refused id's row. */
EXPORT int evw_validate_ids(const ev_index *index, uint32_t n, uint32_t dim,
                            const uint64_t *ids, uint32_t *out_rows,
                            uint32_t *out_err_index) {
  ev_batch_error err = {0};
  size_t rows = 0;
  ev_status st = ev_validate_batch_ids(index, n, dim, ids, &err, &rows);
  if (out_rows) *out_rows = (uint32_t)rows;
  if (out_err_index) *out_err_index = (uint32_t)err.index;
  return st;
}

/* Checks a batch (for the JS layer, a window of one, after
 * evw_validate_ids). ids may be 0 (assigned). *out_err_index names the
 * offending vector. */
EXPORT int evw_validate_batch(const ev_index *index, const float *vectors,
                              uint32_t n, uint32_t dim, const uint64_t *ids,
                              uint32_t *out_err_index) {
  ev_batch_error err = {0};
  ev_status st = ev_validate_batch(index, vectors, n, dim, ids, &err);
  if (out_err_index) *out_err_index = (uint32_t)err.index;
  return st;
}

EXPORT int evw_reserve(ev_index *index, uint32_t additional) {
  return ev_reserve(index, additional);
}

/* Inserts n vectors (a window of a batch the JS layer validated as a whole).
 * out_ids (may be 0) receives n u64 ids; *out_inserted how many went in. */
EXPORT int evw_insert_batch(ev_index *index, const float *vectors, uint32_t n,
                            uint32_t dim, const uint64_t *ids,
                            uint64_t *out_ids, uint32_t *out_inserted,
                            uint32_t *out_err_index) {
  ev_batch_error err = {0};
  size_t inserted = 0;
  ev_status st = ev_insert_batch(index, vectors, n, dim, ids, out_ids, NULL,
                                 NULL, &inserted, &err);
  if (out_inserted) *out_inserted = (uint32_t)inserted;
  if (out_err_index) *out_err_index = (uint32_t)err.index;
  return st;
}

/* The next id of the automatic sequence into out2 (lo at EVW_NEXT_ID_LO,
 * hi after it); CAPACITY when the sequence has run out. An index whose ids
 * come back to JS as numbers (idType 'number') checks this before an
 * assigned-id insert, so that it refuses ids above 2^53 - 1 before inserting
 * anything rather than after. */
EXPORT int evw_next_auto_id(const ev_index *index, uint32_t *out2) {
  uint64_t next = 0;
  if (!out2) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_next_auto_id(index, &next);
  evw_split64(next, out2 + EVW_NEXT_ID_LO);
  return st;
}

/* ---- search ------------------------------------------------------------- */

EXPORT int evw_search(ev_index *index, const float *query, uint32_t dim,
                      uint32_t k, uint32_t ef, uint64_t *out_ids,
                      float *out_distances, uint32_t *out_count) {
  return ev_search(index, query, dim, k, ef, out_ids, out_distances,
                   out_count);
}

/* ---- delete ------------------------------------------------------------- */

/* *out_outcome receives the ev_delete_outcome. */
EXPORT int evw_soft_delete(ev_index *index, uint32_t id_lo, uint32_t id_hi,
                           uint32_t *out_outcome) {
  ev_delete_outcome outcome = EV_NOT_FOUND;
  if (!out_outcome) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev_soft_delete(index, evw_join64(id_lo, id_hi), &outcome);
  *out_outcome = (uint32_t)outcome;
  return st;
}

/* out4 receives the EVW_DELETE_* counts (u32: a batch from JS never holds
 * 2^32 ids, its u64 array would not fit in memory). */
EXPORT int evw_soft_delete_batch(ev_index *index, const uint64_t *ids,
                                 uint32_t n, uint32_t *out4) {
  ev_batch_delete_result r = {0};
  ev_status st = ev_soft_delete_batch(index, ids, n, &r);
  if (out4) {
    out4[EVW_DELETE_DELETED] = (uint32_t)r.deleted;
    out4[EVW_DELETE_ALREADY_DELETED] = (uint32_t)r.already_deleted;
    out4[EVW_DELETE_INVALID_IDS] = (uint32_t)r.invalid_ids;
    out4[EVW_DELETE_TOTAL] = (uint32_t)r.total;
  }
  return st;
}

/* ---- maintenance and queries -------------------------------------------- */

EXPORT int evw_compact(ev_index *index) { return ev_compact(index); }

EXPORT int evw_get(const ev_index *index, uint32_t id_lo, uint32_t id_hi,
                   float *out) {
  return ev_get(index, evw_join64(id_lo, id_hi), out);
}

EXPORT int evw_contains(const ev_index *index, uint32_t id_lo,
                        uint32_t id_hi) {
  return ev_contains(index, evw_join64(id_lo, id_hi));
}

/* Up to `capacity` live ids from slot `start` on into out_ids (u64), in
 * slot order; out2 receives the EVW_LIVE_IDS_* words. The JS export of an
 * index's rows lists its ids with it. */
EXPORT int evw_live_ids(const ev_index *index, uint32_t start,
                        uint32_t capacity, uint64_t *out_ids, uint32_t *out2) {
  if (!out2) return EV_ERR_INVALID_ARGUMENT;
  return ev_live_ids(index, start, out_ids, capacity,
                     out2 + EVW_LIVE_IDS_COUNT, out2 + EVW_LIVE_IDS_NEXT);
}

EXPORT uint32_t evw_live_count(const ev_index *index) {
  return ev_live_count(index);
}

EXPORT uint32_t evw_deleted_count(const ev_index *index) {
  return ev_deleted_count(index);
}

EXPORT double evw_tombstone_ratio(const ev_index *index) {
  return ev_tombstone_ratio(index);
}

/* size_t is 32 bits in wasm32; a double keeps the JS side free of sign
 * fix-ups. */
EXPORT double evw_memory_bytes(const ev_index *index) {
  return (double)ev_memory_bytes(index);
}
