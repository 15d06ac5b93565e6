/*
 * fuzz_meta.c — libFuzzer target for the two decoders of metadata and
 * filters: the record check (metadata.c) and the filter program check and
 * evaluation (filter.c, search_filtered.c).
 *
 * Input: byte 0 chooses, the rest is the bytes under test.
 *   even: a metadata record. Checked; when valid, it is set on a vector of
 *         a small index and read back, and must come back byte for byte
 *         (the canonical form is unique). Then it is deleted: nothing left.
 *   odd:  a filter program. Checked; when valid it is run against a small
 *         index holding every value type: the exact filtered search and
 *         the count must agree, and every strategy must return min(k,
 *         matches) results that the filter matches.
 * Anything else (a crash, a sanitizer report, a broken promise) aborts.
 * Seeds (tests/fuzz/corpus/meta/, byte 0 then the bytes): rec_* records
 * (none, zero fields, every type, non-ASCII names and strings), prog_*
 * programs (eq, a range, array ops under and/or, not/exists/true, false).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgevec.h"
#include "filter.h"
#include "metadata.h"

#define DIM 2u
#define ROWS 40u

static void fail(void) { abort(); }

/* A record of every type for row i, written by hand (format: metadata.c). */
static size_t row_record(uint8_t *p, uint32_t i) {
  size_t n = 0;
  uint32_t fields = i % 5 == 4 ? 0 : 4;
  p[n++] = (uint8_t)fields, p[n++] = 0;
  if (!fields) return n;
  static const char *cats[] = {"a", "b", "books"};
  const char *cat = cats[i % 3];
  p[n++] = 3, memcpy(p + n, "cat", 3), n += 3, p[n++] = 2;
  p[n++] = (uint8_t)strlen(cat), p[n++] = 0, memcpy(p + n, cat, strlen(cat)), n += strlen(cat);
  p[n++] = 3, memcpy(p + n, "new", 3), n += 3, p[n++] = 3, p[n++] = (uint8_t)(i & 1);
  double price = (double)i - 10.5;
  p[n++] = 5, memcpy(p + n, "price", 5), n += 5, p[n++] = 1;
  memcpy(p + n, &price, 8), n += 8; /* little-endian hosts */
  p[n++] = 4, memcpy(p + n, "tags", 4), n += 4, p[n++] = 4;
  p[n++] = (uint8_t)(i % 3), p[n++] = 0;
  for (uint32_t t = 0; t < i % 3; t++) {
    p[n++] = 1, p[n++] = 0, p[n++] = (uint8_t)('a' + (i + t) % 4);
  }
  return n;
}

static ev_index *small_index(void) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = DIM;
  o.m = 4;
  o.ef_construction = 16;
  o.seed = 3;
  ev_index *ix = NULL;
  if (ev_index_create(&o, &ix) != EV_OK) return NULL;
  float rows[ROWS * DIM];
  static uint8_t blob[ROWS * 64];
  uint32_t off[ROWS + 1];
  off[0] = 0;
  for (uint32_t i = 0; i < ROWS; i++) {
    rows[i * DIM] = (float)(i % 7);
    rows[i * DIM + 1] = (float)(i / 7);
    off[i + 1] = off[i] + (uint32_t)row_record(blob + off[i], i);
  }
  if (ev_insert_batch_meta(ix, rows, ROWS, DIM, NULL, blob, off, NULL, NULL, NULL,
                           NULL) != EV_OK ||
      ev_soft_delete(ix, 6, NULL) != EV_OK) {
    ev_index_free(ix);
    return NULL;
  }
  return ix;
}

static void record(const uint8_t *data, size_t size) {
  if (ev_meta_check(data, size, NULL) != EV_OK) return;
  ev_index *ix = small_index();
  if (!ix) return;
  ev_status st = ev_meta_set(ix, 3, data, size, NULL);
  if (st == EV_OK) {
    static uint8_t back[EV_META_MAX_RECORD_BYTES];
    size_t len = 0;
    if (ev_meta_get(ix, 3, back, sizeof back, &len) != EV_OK) fail();
    int empty = size < 2 || (data[0] == 0 && data[1] == 0);
    if (empty ? len != 2 : (len != size || memcmp(back, data, size) != 0)) fail();
    if (ev_soft_delete(ix, 3, NULL) != EV_OK) fail();
    if (ev_meta_get(ix, 3, back, sizeof back, &len) != EV_ERR_NOT_FOUND) fail();
  } else if (st != EV_ERR_OUT_OF_MEMORY) {
    fail(); /* a checked record only fails for memory (40 rows: no limit) */
  }
  ev_index_free(ix);
}

static void program(const uint8_t *data, size_t size) {
  if (ev_filter_check(data, size, NULL) != EV_OK) return;
  ev_index *ix = small_index();
  if (!ix) return;
  float q[DIM] = {3, 2};
  uint64_t ids[ROWS], exact[ROWS];
  float d[ROWS];
  uint32_t n = 0, count = 0, all = 0;
  if (ev_filter_count(ix, data, size, &count, NULL) != EV_OK) fail();
  if (ev_search_exact_filtered(ix, q, DIM, ROWS, data, size, exact, d, &all, NULL) != EV_OK)
    fail();
  if (all != count) fail();
  for (uint32_t s = EV_FILTER_STRATEGY_AUTO; s <= EV_FILTER_STRATEGY_TWO_HOP; s++) {
    if (ev_search_filtered_with(ix, q, DIM, 5, 0, data, size, s, ids, d, &n, NULL) != EV_OK)
      fail();
    if (n != (count < 5 ? count : 5)) fail();
    for (uint32_t i = 0; i < n; i++) {
      int found = 0;
      for (uint32_t j = 0; j < all && !found; j++) found = exact[j] == ids[i];
      if (!found) fail(); /* returned something the filter does not match */
    }
  }
  ev_index_free(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) program(data + 1, size - 1);
  else record(data + 1, size - 1);
  return 0;
}
