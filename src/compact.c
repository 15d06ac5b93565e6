/*
 * compact.c — rebuilds the graph without tombstones, whole (ev_compact) or
 * in bounded slices (ev_compact_begin / step / finish / abort).
 *
 * The live vectors are re-inserted, in slot order and with their ids, into a
 * fresh index with the same options, which then takes the old one's place.
 * A rebuild (rather than patching links around the holes) is what makes the
 * promise "recall afterwards is no worse than a fresh build" true by
 * construction. Vectors are copied as stored (not normalised again), so
 * every live id keeps exactly its vector, and its metadata record moves
 * with it to its new slot. It needs memory for both indexes while it runs;
 * if that fails the old index is untouched.
 *
 * The incremental form builds the same fresh index beside the old one, a
 * few slots per step, while the old one keeps serving every call (search,
 * insert, delete, snapshot): steps read the old index and never write it.
 * Slots appended after begin are copied too (the walk runs up to the old
 * index's current end). A slot deleted before the walk reaches it is
 * skipped; one deleted after it was copied stays in the fresh graph (its
 * links were made) and becomes a tombstone of it at finish, which is why
 * the state remembers the old slot each fresh slot came from. Level draws
 * continue the old index's RNG from where it was at begin. Metadata set on
 * an old slot after it was copied is copied again (ev__compaction_note_meta,
 * called from the metadata store's one change note); if that copy finds no
 * memory the compaction is spoilt and finish refuses it (OUT_OF_MEMORY),
 * leaving the old index, which always had the change.
 *
 * Why finish refuses while the journal holds anything: a log record names
 * slots, and the fresh index numbers them anew. Records made before finish
 * must all be committed (they replay onto the old numbering), and the new
 * numbering must reach storage as a snapshot before the next record; the
 * journal enforces the second half (journal.h, ev_journal_needs_snapshot).
 * A whole compaction instead logs a COMPACT op, which replay repeats: it
 * rebuilds exactly as here because nothing can interleave with it.
 *
 * Both end by numbering the slots in graph order (ev_reorder, reorder.c):
 * finish always (a snapshot follows it), ev_compact only with the journal
 * off, since replay repeats a logged COMPACT as the rebuild alone
 * (ev__compact_rebuild), which is what the records after it name. The
 * order's memory is reserved before the swap, so that running out of it
 * fails the compaction with nothing changed, as any other allocation.
 */
#include <stdlib.h>

#include "index.h"
#include "journal.h"
#include "metadata.h"
#include "reorder.h"

struct ev_compaction {
  ev_index *fresh;
  uint32_t next;        /* next old slot to examine */
  uint32_t *source;     /* source[f]: the old slot fresh slot f came from */
  uint32_t source_cap;  /* entries of source */
  int spoilt;           /* a copied slot's new metadata could not be copied */
};

static void state_free(struct ev_compaction *c) {
  if (!c) return;
  ev_index_free(c->fresh);
  free(c->source);
  free(c);
}

/* A fresh index with ix's options and RNG, with room for ix's live slots. */
static ev_status state_new(const ev_index *ix, struct ev_compaction **out) {
  *out = NULL;
  struct ev_compaction *c = calloc(1, sizeof *c);
  if (!c) return EV_ERR_OUT_OF_MEMORY;
  ev_status st = ev__index_new(&ix->options, &c->fresh);
  if (st != EV_OK) {
    free(c);
    return st;
  }
  ev_index *fresh = c->fresh;
  uint32_t live = ev_live_count(ix);
  /* The level draws continue the old index's sequence, so compaction is as
   * deterministic as everything else. */
  fresh->rng_state = ix->rng_state;
  st = ev__ensure_capacity(fresh, live);
  if (st == EV_OK) st = ev_idmap_reserve(&fresh->ids, live, fresh->ext_ids);
  if (st == EV_OK) st = ev__ensure_heaps(fresh, fresh->options.ef_construction);
  if (st == EV_OK && live > 0) {
    c->source = malloc(sizeof *c->source * live);
    if (!c->source) st = EV_ERR_OUT_OF_MEMORY;
    c->source_cap = live;
  }
  if (st != EV_OK) {
    state_free(c);
    return st;
  }
  *out = c;
  return EV_OK;
}

/* Gives slot `t` of `to` the metadata of slot `s` of `from` (none clears
 * it). Through the record: each index interns its own names and strings,
 * so the stored codes cannot be copied as they are. */
static ev_status copy_metadata(ev_index *to, uint32_t t, const ev_index *from,
                               uint32_t s) {
  if (!ev__meta_slot_has(from, s)) {
    ev__meta_slot_clear(to, t);
    return EV_OK;
  }
  uint8_t rec[EV_META_MAX_RECORD_BYTES];
  ev__meta_slot_encode(from, s, rec);
  return ev__meta_slot_set(to, t, rec, ev__meta_slot_bytes(from, s));
}

/* Copies old slot `s` of `from` into the next slot of `to` and links it
 * into to's graph. This is the one place where a compaction moves a slot's
 * contents: whatever else a slot carries moves here too. Capacity and
 * id-map room must be reserved; fails only on the upper link block
 * (OUT_OF_MEMORY), with nothing changed: the level draw is given back so
 * that a retry draws the same level. */
static ev_status copy_slot(ev_index *to, const ev_index *from, uint32_t s) {
  uint32_t slot = to->count;
  /* The metadata first: a record set on a slot not yet counted is simply
   * cleared again if the upper block then fails. */
  ev_status st = copy_metadata(to, slot, from, s);
  if (st != EV_OK) return st;
  uint64_t rng_before = to->rng_state;
  int level = ev__random_level(to);
  uint32_t *block;
  if (ev__upper_block_new(to, level, &block) != EV_OK) {
    ev__meta_slot_clear(to, slot);
    to->rng_state = rng_before;
    return EV_ERR_OUT_OF_MEMORY;
  }
  ev__slot_init(to, slot, from->ext_ids[s], level, block, ev__payload(from, s),
                from->floats ? ev__floats(from, s) : NULL);
  to->count++;
  ev_idmap_put(&to->ids, from->ext_ids[s], slot, to->ext_ids);
  ev__graph_link(to, slot, NULL);
  return EV_OK;
}

/* Room in the fresh index (slots, id map, source map) for `more` copies.
 * Grows by half again at least, as inserts do, so that slots appended to
 * the old index during a compaction cost amortised O(1) copies. */
static ev_status reserve_copies(struct ev_compaction *c, uint32_t more) {
  ev_index *fresh = c->fresh;
  uint32_t want = fresh->count + more;
  if (want > fresh->capacity) {
    uint32_t grown = fresh->capacity + fresh->capacity / 2;
    uint32_t cap = grown > want && grown <= EV_MAX_SLOTS ? grown : want;
    ev_status st = ev__ensure_capacity(fresh, cap);
    if (st != EV_OK) return st;
  }
  if (fresh->capacity > c->source_cap) {
    uint32_t *p = realloc(c->source, sizeof *p * fresh->capacity);
    if (!p) return EV_ERR_OUT_OF_MEMORY;
    c->source = p;
    c->source_cap = fresh->capacity;
  }
  return ev_idmap_reserve(&fresh->ids, want, fresh->ext_ids);
}

/* Copies live old slots from c->next on: at most max_copies of them. */
static ev_status copy_some(const ev_index *ix, struct ev_compaction *c,
                           uint32_t max_copies) {
  /* At most: the slots left, the budget, and the live slots of the whole
   * index (which makes a whole compaction reserve exactly its live count). */
  uint32_t more = ix->count - c->next;
  if (more > max_copies) more = max_copies;
  if (more > ev_live_count(ix)) more = ev_live_count(ix);
  ev_status st = reserve_copies(c, more);
  if (st != EV_OK) return st;
  for (uint32_t copied = 0; c->next < ix->count && copied < max_copies;) {
    uint32_t s = c->next;
    if (!ix->deleted[s]) {
      st = copy_slot(c->fresh, ix, s);
      if (st != EV_OK) return st;
      c->source[c->fresh->count - 1] = s;
      copied++;
    }
    c->next++;
  }
  return EV_OK;
}

/* The fresh index takes ix's place. Cannot fail. The old handle keeps its
 * address (callers hold it) and its journal; everything else comes from
 * the fresh index, which is freed with the old contents. */
static void swap_in(ev_index *ix, struct ev_compaction *c) {
  ev_index *fresh = c->fresh;
  /* Deletes made after a slot was copied. */
  for (uint32_t f = 0; f < fresh->count; f++) {
    if (ix->deleted[c->source[f]] && !fresh->deleted[f]) {
      fresh->deleted[f] = 1;
      fresh->deleted_count++;
      ev__meta_slot_clear(fresh, f); /* a tombstone keeps no metadata */
    }
  }
  /* Copied in slot order: the copies of ix's ordered slots (reorder.c:
   * ev_order_due) stay a prefix in their order. A compaction that ends in
   * graph order then counts every slot. */
  uint32_t kept = 0;
  while (kept < fresh->count && c->source[kept] < ix->ordered_slots) kept++;
  fresh->ordered_slots = kept;
  fresh->next_auto_id = ix->next_auto_id;
  fresh->auto_ids_exhausted = ix->auto_ids_exhausted;
  fresh->threads = ix->threads; /* a setting of the index, not of its slots */
  struct ev_journal *journal = ix->journal;
  ix->journal = NULL;
  ix->compaction = NULL;
  ev_index tmp = *ix;
  *ix = *fresh;
  *fresh = tmp;
  ix->journal = journal;
  c->fresh = NULL;
  ev_index_free(fresh);
  state_free(c);
}

/* A whole compaction; in_graph_order: ending with the graph order, whose
 * memory is reserved before the swap (reorder.h). */
static ev_status compact_whole(ev_index *ix, int in_graph_order) {
  if (!ix) return EV_ERR_INVALID_ARGUMENT;
  struct ev_compaction *c = NULL;
  ev_reorder_plan *plan = NULL;
  ev_status st = ev__journal_reserve_compact(ix);
  if (st == EV_OK) st = state_new(ix, &c);
  if (st == EV_OK) st = copy_some(ix, c, UINT32_MAX);
  if (st == EV_OK && in_graph_order) st = ev__reorder_plan_new(c->fresh, &plan);
  if (st != EV_OK) {
    state_free(c);
    return st;
  }
  /* It does what an incremental compaction in progress was doing. */
  ev_compact_abort(ix);
  swap_in(ix, c);
  ev__journal_note_compact(ix);
  ev__reorder_plan_apply(ix, plan);
  return EV_OK;
}

ev_status ev__compact_rebuild(ev_index *ix) { return compact_whole(ix, 0); }

ev_status ev_compact(ev_index *ix) {
  /* Graph order (reorder.c) only with nothing persisted: a logged COMPACT
   * is replayed as the rebuild alone. */
  return compact_whole(ix, ix && !ix->journal);
}

/* ---- incremental ------------------------------------------------------ */

ev_status ev_compact_begin(ev_index *ix) {
  if (!ix || ix->compaction) return EV_ERR_INVALID_ARGUMENT;
  return state_new(ix, &ix->compaction);
}

ev_status ev_compact_step(ev_index *ix, uint32_t max_copies,
                          uint32_t *out_remaining) {
  if (!ix || !ix->compaction || max_copies == 0) return EV_ERR_INVALID_ARGUMENT;
  struct ev_compaction *c = ix->compaction;
  ev_status st = copy_some(ix, c, max_copies);
  if (out_remaining) *out_remaining = ix->count - c->next;
  return st;
}

ev_status ev_compact_finish(ev_index *ix) {
  if (!ix || !ix->compaction) return EV_ERR_INVALID_ARGUMENT;
  uint64_t seq;
  /* Nothing uncommitted and no commit in flight (see the top of the file). */
  if (ev_journal_snapshot_seq(ix, &seq) != EV_OK) return EV_ERR_INVALID_ARGUMENT;
  if (ix->compaction->spoilt) {
    ev_compact_abort(ix);
    return EV_ERR_OUT_OF_MEMORY;
  }
  ev_status st = copy_some(ix, ix->compaction, UINT32_MAX);
  if (st != EV_OK) return st;
  /* Renumbered anyway, and a snapshot follows: the graph order (reorder.c)
   * costs no more than its own time here. */
  ev_reorder_plan *plan;
  st = ev__reorder_plan_new(ix->compaction->fresh, &plan);
  if (st != EV_OK) return st;
  swap_in(ix, ix->compaction);
  ev__journal_note_renumbered(ix);
  ev__reorder_plan_apply(ix, plan);
  return EV_OK;
}

void ev_compact_abort(ev_index *ix) {
  if (!ix) return;
  state_free(ix->compaction);
  ix->compaction = NULL;
}

ev_status ev_compact_progress(const ev_index *ix, uint32_t *out_examined,
                              uint32_t *out_total) {
  if (!ix || !ix->compaction) return EV_ERR_NOT_FOUND;
  if (out_examined) *out_examined = ix->compaction->next;
  if (out_total) *out_total = ix->count;
  return EV_OK;
}

void ev__compaction_free(ev_index *ix) { ev_compact_abort(ix); }

void ev__compaction_note_meta(ev_index *ix, uint64_t id) {
  struct ev_compaction *c = ix->compaction;
  if (!c || c->spoilt) return;
  uint32_t s = ev__live_slot(ix, id);
  /* Not copied yet: the copy will read the new record. */
  if (s == EV_NO_SLOT || s >= c->next) return;
  uint32_t f = ev_idmap_get(&c->fresh->ids, id, c->fresh->ext_ids);
  if (f == EV_IDMAP_EMPTY || c->source[f] != s) return;
  if (copy_metadata(c->fresh, f, ix, s) != EV_OK) c->spoilt = 1;
}

size_t ev__compaction_bytes(const ev_index *ix) {
  const struct ev_compaction *c = ix->compaction;
  if (!c) return 0;
  return sizeof *c + ev_memory_bytes(c->fresh) + sizeof *c->source * (size_t)c->source_cap;
}
