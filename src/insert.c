/*
 * insert.c — inserting batches of vectors (checked first: validate.c).
 *
 * A batch is all-or-nothing. Everything that can fail is done before the
 * first change: validation of every vector and id, memory for every slot,
 * id-map entry and upper-level link block, and room in the journal. Only
 * then are the vectors linked in, which cannot fail. Node levels are drawn
 * from the index's RNG in batch order, exactly as single inserts draw them,
 * so a batch builds the same graph as the same vectors inserted one by one.
 *
 * Metadata given with a batch (ev_insert_batch_meta) follows the same rule:
 * every record is checked with the vectors, and the store is prepared (its
 * names, strings and column room: metadata.c) as the last fallible step,
 * so a failure anywhere leaves the index as it was.
 *
 * On several threads (ev_set_threads, no progress callback) the batch is
 * stored first, in order and on the calling thread (slots, ids, levels,
 * metadata: everything the serial path does but the linking), then every
 * new slot is linked into the graph by whichever thread takes it
 * (parallel.h). The levels were drawn in order before, so the set of
 * levels is the same as on one thread.
 */
#include <stdlib.h>

#include "index.h"
#include "journal.h"
#include "metadata.h"
#include "parallel.h"
#include "quantize.h"

/* Grows for n more slots (ev__ensure_capacity keeps one-at-a-time inserts
 * at amortised O(1) copies). */
static ev_status reserve_for(ev_index *ix, size_t n) {
  uint32_t want = ix->count + (uint32_t)n;
  if (want <= ix->capacity) return ev_idmap_reserve(&ix->ids, want, ix->ext_ids);
  ev_status st = ev__ensure_capacity(ix, want);
  if (st != EV_OK) return st;
  return ev_idmap_reserve(&ix->ids, ix->count + n, ix->ext_ids);
}

/* What storing one vector of a batch needs (store_one). */
typedef struct batch_item {
  ev_index *ix;
  const float *vectors;
  uint32_t dim;
  const uint64_t *ids;
  const uint8_t *meta;
  const uint32_t *offsets;
  uint64_t *out_ids;
  const int *levels;
  uint32_t **blocks;
} batch_item;

/* Stores vector i of the batch in the next slot (everything but linking
 * it into the graph) and returns the slot. Cannot fail: the batch was
 * checked and its memory reserved. */
static uint32_t store_one(const batch_item *b, size_t i) {
  ev_index *ix = b->ix;
  uint64_t id = b->ids[i];
  uint32_t slot = ix->count++;
  ix->changes++;
  ev__prepare_vector(ix, b->vectors + i * b->dim, ix->scratch.query_buf);
  ev__encode(ix, ix->scratch.query_buf, ix->scratch.query_payload);
  ev__slot_init(ix, slot, id, b->levels[i], b->blocks[i], ix->scratch.query_payload,
                ix->scratch.query_buf);
  b->blocks[i] = NULL;
  ev_idmap_put(&ix->ids, id, slot, ix->ext_ids);
  if (b->offsets) {
    size_t len = b->offsets[i + 1] - b->offsets[i];
    const uint8_t *rec = len ? b->meta + b->offsets[i] : NULL;
    ev__meta_apply(ix, slot, rec, len);
    if (ev__meta_slot_has(ix, slot)) ev__meta_note_changed(ix, id);
  }
  if (id >= ix->next_auto_id) {
    if (id == UINT64_MAX) ix->auto_ids_exhausted = 1;
    else ix->next_auto_id = id + 1;
  }
  if (b->out_ids) b->out_ids[i] = id;
  return slot;
}

/* Linking the stored slots of a batch on several threads (an ev_item_fn). */
typedef struct linking {
  ev_index *ix;
  uint32_t first; /* the batch's first slot */
} linking;

static void link_item(void *context, ev_scratch *sc, size_t i) {
  const linking *l = context;
  ev__graph_link_with(l->ix, sc, l->first + (uint32_t)i, NULL);
}

/* The batch with or without metadata (meta/offsets NULL: none). */
static ev_status insert_batch(ev_index *ix, const float *vectors, size_t n,
                              uint32_t dim, const uint64_t *ids,
                              const uint8_t *meta, const uint32_t *offsets,
                              uint64_t *out_ids, ev_progress_fn progress,
                              void *progress_context, size_t *out_inserted,
                              ev_batch_error *err, ev_meta_error *meta_err) {
  if (out_inserted) *out_inserted = 0;
  ev_status st = ev_validate_batch(ix, vectors, n, dim, ids, err);
  if (st != EV_OK) return st;
  for (size_t i = 0; offsets && i < n; i++) {
    size_t len = offsets[i + 1] - offsets[i];
    if (offsets[i + 1] < offsets[i]) return EV_ERR_INVALID_ARGUMENT;
    if (len && !meta) return EV_ERR_INVALID_ARGUMENT;
    st = ev_meta_check(len ? meta + offsets[i] : NULL, len, meta_err);
    if (st != EV_OK) {
      meta_err->record = i;
      if (err) err->index = i;
      return st;
    }
  }

  int *levels = NULL;
  uint32_t **blocks = NULL;
  uint64_t *auto_ids = NULL; /* the ids assigned when none are given */
  uint64_t rng_before = ix->rng_state;
  st = reserve_for(ix, n);
  /* Threads only without a progress callback: it is called after each
   * vector in order, which linking in parallel does not have. */
  uint32_t threads = progress ? 1 : ev__batch_threads(ix, n);
  if (st == EV_OK)
    st = ev__parallel_prepare(ix, threads, ix->options.ef_construction, threads > 1);
  if (st == EV_OK) st = ev__journal_reserve_insert(ix);
  if (st == EV_OK) {
    levels = malloc(n * sizeof *levels);
    blocks = calloc(n, sizeof *blocks);
    if (!levels || !blocks) st = EV_ERR_OUT_OF_MEMORY;
  }
  if (st == EV_OK && !ids) {
    auto_ids = malloc(n * sizeof *auto_ids);
    if (!auto_ids) st = EV_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; auto_ids && i < n; i++) auto_ids[i] = ix->next_auto_id + i;
    ids = auto_ids;
  }
  /* Draw every level and allocate every upper link block up front. */
  for (size_t i = 0; st == EV_OK && i < n; i++) {
    levels[i] = ev__random_level(ix);
    st = ev__upper_block_new(ix, levels[i], &blocks[i]);
  }
  /* Last, so that nothing after it can fail and leave names it added. */
  if (st == EV_OK && offsets) {
    st = ev__meta_prepare(ix, meta, offsets, n, ix->capacity, meta_err);
    if (st == EV_ERR_INVALID_METADATA && err) err->index = meta_err->record;
  }
  batch_item item = {ix, vectors, dim, ids, meta, offsets, out_ids, levels, blocks};
  if (st != EV_OK) {
    ix->rng_state = rng_before;
    if (blocks)
      for (size_t i = 0; i < n; i++) free(blocks[i]);
    free(levels);
    free(blocks);
    free(auto_ids);
    return st;
  }

  if (threads > 1) {
    uint32_t first = ix->count;
    for (size_t i = 0; i < n; i++) store_one(&item, i);
    linking link = {ix, first};
    ev__parallel_run(ix, threads, n, link_item, &link, 1);
    free(levels);
    free(blocks);
    free(auto_ids);
    if (out_inserted) *out_inserted = n;
    return EV_OK;
  }
  size_t done = 0;
  int stopped = 0;
  for (; done < n && !stopped; done++) {
    uint32_t slot = store_one(&item, done);
    ev__graph_link(ix, slot, ix->scratch.query_buf);
    if (progress && progress(progress_context, done + 1, n)) stopped = 1;
  }
  if (done < n) {
    /* Stopped early: give back the levels drawn for vectors not inserted,
     * so that the RNG is where single inserts would have left it. */
    ix->rng_state = rng_before;
    for (size_t i = 0; i < done; i++) (void)ev__random_level(ix);
    for (size_t i = done; i < n; i++) free(blocks[i]);
  }
  free(levels);
  free(blocks);
  free(auto_ids);
  if (out_inserted) *out_inserted = done;
  return EV_OK;
}

ev_status ev_insert_batch(ev_index *ix, const float *vectors, size_t n,
                          uint32_t dim, const uint64_t *ids, uint64_t *out_ids,
                          ev_progress_fn progress, void *progress_context,
                          size_t *out_inserted, ev_batch_error *err) {
  return insert_batch(ix, vectors, n, dim, ids, NULL, NULL, out_ids, progress,
                      progress_context, out_inserted, err, NULL);
}

ev_status ev_insert_batch_meta(ev_index *ix, const float *vectors, size_t n,
                               uint32_t dim, const uint64_t *ids,
                               const uint8_t *meta, const uint32_t *offsets,
                               uint64_t *out_ids, size_t *out_inserted,
                               ev_batch_error *err, ev_meta_error *meta_err) {
  ev_meta_error ignored;
  if (!meta_err) meta_err = &ignored;
  *meta_err = (ev_meta_error){0, EV_META_NO_FIELD, EV_META_REASON_NONE};
  if (meta && !offsets) return EV_ERR_INVALID_ARGUMENT;
  return insert_batch(ix, vectors, n, dim, ids, meta, offsets, out_ids, NULL,
                      NULL, out_inserted, err, meta_err);
}

ev_status ev_insert(ev_index *ix, const float *vector, uint32_t dim,
                    const uint64_t *id, uint64_t *out_id) {
  return ev_insert_batch(ix, vector, 1, dim, id, out_id, NULL, NULL, NULL, NULL);
}
