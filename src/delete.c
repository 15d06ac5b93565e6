/*
 * delete.c — soft delete, one id or a batch.
 *
 * A deleted node stays in the graph with its links: searches still walk
 * through it (removing it would cut paths between its neighbours) but never
 * return it. Its id-map entry stays too, so deleting it again reports
 * "already deleted" rather than "not found". ev_compact removes tombstones.
 */
#include "index.h"
#include "journal.h"
#include "metadata.h"

static ev_delete_outcome delete_one(ev_index *ix, uint64_t id) {
  uint32_t slot = ev_idmap_get(&ix->ids, id, ix->ext_ids);
  if (slot == EV_IDMAP_EMPTY) return EV_NOT_FOUND;
  if (ix->deleted[slot]) return EV_ALREADY_DELETED;
  ix->deleted[slot] = 1;
  ix->deleted_count++;
  ix->changes++;
  /* A deleted vector is never returned, so its metadata is dropped now
   * (a snapshot writes none for tombstones). */
  ev__meta_slot_clear(ix, slot);
  return EV_DELETED;
}

ev_status ev_soft_delete_batch(ev_index *ix, const uint64_t *ids, size_t n,
                               ev_batch_delete_result *out) {
  ev_batch_delete_result ignored;
  if (!out) out = &ignored;
  *out = (ev_batch_delete_result){0, 0, 0, 0};
  if (!ix || (!ids && n > 0)) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = ev__journal_reserve_delete(ix, n);
  if (st != EV_OK) return st;
  for (size_t i = 0; i < n; i++) {
    switch (delete_one(ix, ids[i])) {
      case EV_DELETED: out->deleted++; break;
      case EV_ALREADY_DELETED: out->already_deleted++; break;
      case EV_NOT_FOUND: out->invalid_ids++; break;
    }
  }
  out->total = n;
  if (out->deleted > 0) ev__journal_note_delete(ix, ids, n);
  return EV_OK;
}

ev_status ev_soft_delete(ev_index *ix, uint64_t id,
                         ev_delete_outcome *out_outcome) {
  ev_batch_delete_result r;
  ev_status st = ev_soft_delete_batch(ix, &id, 1, &r);
  if (st != EV_OK) return st;
  if (out_outcome)
    *out_outcome = r.deleted ? EV_DELETED
                   : r.already_deleted ? EV_ALREADY_DELETED
                                       : EV_NOT_FOUND;
  return EV_OK;
}
