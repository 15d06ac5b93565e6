/*
 * wasm_meta.c — the WebAssembly exports for metadata and filters: a thin
 * shim over metadata.h and filter.h, with the ABI rules of wasm_api.c
 * (u32 parameters, ids as lo/hi, an ev_status returned, results in the
 * caller's `out` words named in abi.h).
 *
 * Records and filter programs cross as bytes in wasm memory (their formats
 * are at the top of src/metadata.c and src/filter.c). A batch's records are
 * one blob and n + 1 offsets: record i is blob[offsets[i], offsets[i+1]),
 * an empty range meaning no metadata.
 */
#include <emscripten.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "edgevec.h"
#include "filter.h"
#include "metadata.h"
#include "u64.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

static void put_meta_error(uint32_t *out, const ev_meta_error *err) {
  out[EVW_META_ERR_RECORD] = (uint32_t)err->record;
  out[EVW_META_ERR_FIELD] = err->field;
  out[EVW_META_ERR_REASON] = err->reason;
}

/* Checks n records (format and per-record limits; the index's field limit
 * is checked when they are stored). Stops at the first refused one. */
EXPORT int evw_meta_check(const uint8_t *blob, const uint32_t *offsets,
                          uint32_t n, uint32_t *out) {
  if (!out || !offsets) return EV_ERR_INVALID_ARGUMENT;
  ev_meta_error err = {0, EV_META_NO_FIELD, EV_META_REASON_NONE};
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = offsets[i + 1] - offsets[i];
    if (offsets[i + 1] < offsets[i] || (len && !blob)) return EV_ERR_INVALID_ARGUMENT;
    ev_status st = ev_meta_check(len ? blob + offsets[i] : NULL, len, &err);
    if (st != EV_OK) {
      err.record = i;
      put_meta_error(out, &err);
      return st;
    }
  }
  put_meta_error(out, &err);
  return EV_OK;
}

/* The index's field-name limit against a whole batch of checked records
 * (ev_meta_check_index_fields), before its first chunk is inserted. */
EXPORT int evw_meta_check_index_fields(const ev_index *index, const uint8_t *blob,
                                       const uint32_t *offsets, uint32_t n,
                                       uint32_t *out) {
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_meta_error err = {0, EV_META_NO_FIELD, EV_META_REASON_NONE};
  ev_status st = ev_meta_check_index_fields(index, blob, offsets, n, &err);
  put_meta_error(out, &err);
  return st;
}

/* evw_insert_batch with metadata; all-or-nothing for this call. */
EXPORT int evw_insert_batch_meta(ev_index *index, const float *vectors,
                                 uint32_t n, uint32_t dim, const uint64_t *ids,
                                 const uint8_t *blob, const uint32_t *offsets,
                                 uint64_t *out_ids, uint32_t *out) {
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_batch_error err = {0};
  ev_meta_error merr = {0, EV_META_NO_FIELD, EV_META_REASON_NONE};
  size_t inserted = 0;
  ev_status st = ev_insert_batch_meta(index, vectors, n, dim, ids, blob, offsets,
                                      out_ids, &inserted, &err, &merr);
  out[EVW_INSERT_INSERTED] = (uint32_t)inserted;
  out[EVW_INSERT_ERR_INDEX] = (uint32_t)err.index;
  put_meta_error(out, &merr);
  return st;
}

/* Replaces the metadata of a live id (len 0 clears). */
EXPORT int evw_meta_set(ev_index *index, uint32_t id_lo, uint32_t id_hi,
                        const uint8_t *rec, uint32_t len, uint32_t *out) {
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_meta_error err = {0, EV_META_NO_FIELD, EV_META_REASON_NONE};
  ev_status st = ev_meta_set(index, evw_join64(id_lo, id_hi), rec, len, &err);
  put_meta_error(out, &err);
  return st;
}

/* out[EVW_META_LEN] = bytes of the record; written into buf when it fits. */
EXPORT int evw_meta_get(const ev_index *index, uint32_t id_lo, uint32_t id_hi,
                        uint8_t *buf, uint32_t cap, uint32_t *out) {
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  size_t len = 0;
  ev_status st = ev_meta_get(index, evw_join64(id_lo, id_hi), buf, cap, &len);
  out[EVW_META_LEN] = (uint32_t)len;
  return st;
}

EXPORT int evw_filter_check(const uint8_t *prog, uint32_t len, uint32_t *out) {
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  return ev_filter_check(prog, len, out + EVW_FILTER_ERR_NODE);
}

static void put_report(uint32_t *out, const ev_filter_report *r,
                       uint32_t count) {
  out[EVW_FILTER_ERR_NODE] = r->err_node;
  out[EVW_SEARCH_COUNT] = count;
  out[EVW_SEARCH_STRATEGY] = r->strategy;
  out[EVW_SEARCH_ESTIMATE] = r->estimate;
  out[EVW_SEARCH_FELL_BACK] = r->fell_back;
}

/* The k nearest matches: out[EVW_SEARCH_COUNT] = min(k, live matches). */
EXPORT int evw_search_filtered(ev_index *index, const float *query,
                               uint32_t dim, uint32_t k, uint32_t ef,
                               const uint8_t *prog, uint32_t prog_len,
                               uint64_t *out_ids, float *out_distances,
                               uint32_t *out) {
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_filter_report r;
  uint32_t count = 0;
  ev_status st = ev_search_filtered(index, query, dim, k, ef, prog, prog_len,
                                    out_ids, out_distances, &count, &r);
  put_report(out, &r, count);
  return st;
}

/* The k nearest matches of each of n queries (ev_search_filtered_batch):
 * query i's at out_ids + i * k, their count at out_counts[i]. A bad query
 * is out[EVW_SEARCH_ERR_INDEX]. In the module without threads the queries
 * run one after another; the filter is still planned once. */
EXPORT int evw_search_filtered_batch(ev_index *index, const float *queries,
                                     uint32_t n, uint32_t dim, uint32_t k,
                                     uint32_t ef, const uint8_t *prog,
                                     uint32_t prog_len, uint64_t *out_ids,
                                     float *out_distances, uint32_t *out_counts,
                                     uint32_t *out) {
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_filter_report r;
  ev_batch_error err = {0};
  ev_status st = ev_search_filtered_batch(index, queries, n, dim, k, ef, prog, prog_len,
                                          out_ids, out_distances, out_counts, &err, &r);
  put_report(out, &r, 0);
  out[EVW_SEARCH_ERR_INDEX] = (uint32_t)err.index;
  return st;
}

/* Exact filtered brute force (every live match scored). */
EXPORT int evw_search_exact_filtered(ev_index *index, const float *query,
                                     uint32_t dim, uint32_t k,
                                     const uint8_t *prog, uint32_t prog_len,
                                     uint64_t *out_ids, float *out_distances,
                                     uint32_t *out) {
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  ev_filter_report r;
  uint32_t count = 0;
  ev_status st = ev_search_exact_filtered(index, query, dim, k, prog, prog_len,
                                          out_ids, out_distances, &count, &r);
  put_report(out, &r, count);
  return st;
}

/* out[EVW_FILTER_MATCHES] = live vectors matching. (The index is not const:
 * the filter is compiled into its scratch.) */
EXPORT int evw_filter_count(ev_index *index, const uint8_t *prog,
                            uint32_t len, uint32_t *out) {
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  uint32_t count = 0;
  ev_status st = ev_filter_count(index, prog, len, &count,
                                 out + EVW_FILTER_ERR_NODE);
  out[EVW_FILTER_MATCHES] = count;
  return st;
}
