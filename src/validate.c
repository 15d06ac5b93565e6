/*
 * validate.c — checking a batch before any of it is inserted
 * (ev_validate_batch), and the part of that check that needs no vector
 * (ev_validate_batch_ids), for a caller that checks the vectors a window
 * of rows at a time (the JS layer: edgevec.h says why and how).
 *
 * A file of its own so that the compiler does not copy the check into
 * insert_batch (insert.c) as well as keep it for the wasm export that
 * checks windows: one copy of it is in the .wasm every app downloads.
 */
#include <stdlib.h>

#include "index.h"

typedef struct id_pos {
  uint64_t id;
  size_t pos;
} id_pos;

static int by_id_then_pos(const void *a, const void *b) {
  const id_pos *x = a, *y = b;
  if (x->id != y->id) return x->id < y->id ? -1 : 1;
  return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

/* Position of the earliest second occurrence of an id in the batch, or n.
 * Sorting a copy costs O(n log n) and one allocation, but needs no hash
 * table sized for the worst case. */
static ev_status first_repeat(const uint64_t *ids, size_t n, size_t *out_pos) {
  *out_pos = n;
  if (n < 2) return EV_OK;
  id_pos *sorted = malloc(n * sizeof *sorted);
  if (!sorted) return EV_ERR_OUT_OF_MEMORY;
  for (size_t i = 0; i < n; i++) sorted[i] = (id_pos){ids[i], i};
  qsort(sorted, n, sizeof *sorted, by_id_then_pos);
  for (size_t i = 1; i < n; i++)
    if (sorted[i].id == sorted[i - 1].id && sorted[i].pos < *out_pos &&
        (i < 2 || sorted[i - 2].id != sorted[i].id))
      *out_pos = sorted[i].pos;
  free(sorted);
  return EV_OK;
}

ev_status ev_validate_batch_ids(const ev_index *ix, size_t n, uint32_t dim,
                                const uint64_t *ids, ev_batch_error *err,
                                size_t *out_rows) {
  ev_batch_error ignored;
  size_t rows_ignored;
  if (!err) err = &ignored;
  if (!out_rows) out_rows = &rows_ignored;
  err->index = 0;
  *out_rows = 0;
  if (!ix) return EV_ERR_INVALID_ARGUMENT;
  if (n == 0) return EV_ERR_EMPTY_BATCH;
  if (dim != ix->dim) return EV_ERR_DIMENSION_MISMATCH;
  if (n > (size_t)EV_MAX_SLOTS - ix->count) return EV_ERR_CAPACITY;
  if (!ids && (ix->auto_ids_exhausted || n - 1 > UINT64_MAX - ix->next_auto_id))
    return EV_ERR_CAPACITY;

  size_t repeat = n;
  if (ids) {
    ev_status st = first_repeat(ids, n, &repeat);
    if (st != EV_OK) return st;
  }
  for (size_t i = 0; ids && i < n; i++) {
    ev_status st = EV_OK;
    if (i == repeat) st = EV_ERR_DUPLICATE_ID;
    else if (ev__live_slot(ix, ids[i]) != EV_NO_SLOT) st = EV_ERR_ID_EXISTS;
    if (st != EV_OK) {
      /* A bad vector in this row or an earlier one is reported first. */
      err->index = i;
      *out_rows = i + 1;
      return st;
    }
  }
  *out_rows = n;
  return EV_OK;
}

/* The ids first, then the vectors of the rows that can still change the
 * outcome: the first row at fault, a vector before an id of the same row,
 * as one pass over the rows would find it. */
ev_status ev_validate_batch(const ev_index *ix, const float *vectors, size_t n,
                            uint32_t dim, const uint64_t *ids,
                            ev_batch_error *err) {
  ev_batch_error ignored;
  if (!err) err = &ignored;
  err->index = 0;
  /* NULL vectors is refused before the checks of the batch's size. */
  if (!ix || (n && !vectors)) return EV_ERR_INVALID_ARGUMENT;
  size_t rows = 0;
  ev_status st = ev_validate_batch_ids(ix, n, dim, ids, err, &rows);
  float *scratch = ix->scratch.query_buf; /* prepare_vector needs somewhere to write */
  for (size_t i = 0; i < rows; i++) {
    ev_status vst = ev__prepare_vector(ix, vectors + i * dim, scratch);
    if (vst != EV_OK) {
      err->index = i;
      return vst;
    }
  }
  return st;
}

