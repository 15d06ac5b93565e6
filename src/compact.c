/*
 * compact.c — rebuilds the graph without tombstones.
 *
 * The live vectors are re-inserted, in slot order and with their ids, into a
 * fresh index with the same options, which then takes the old one's place.
 * A rebuild (rather than patching links around the holes) is what makes the
 * promise "recall afterwards is no worse than a fresh build" true by
 * construction. Vectors are copied as stored (not normalised again), so
 * every live id keeps exactly its vector, and its metadata record moves
 * with it to its new slot. It needs memory for both indexes while it runs;
 * if that fails the old index is untouched.
 */
#include <stdlib.h>

#include "index.h"
#include "journal.h"
#include "metadata.h"

/* Gives slot `to` of `fresh` the metadata of slot `from` of `ix` (through
 * its record: the store interns per index, so values cannot be copied
 * as they are stored). */
static ev_status move_metadata(const ev_index *ix, uint32_t from,
                               ev_index *fresh, uint32_t to, uint8_t *rec) {
  if (!ev__meta_slot_has(ix, from)) return EV_OK;
  ev__meta_slot_encode(ix, from, rec);
  return ev__meta_slot_set(fresh, to, rec, ev__meta_slot_bytes(ix, from));
}

ev_status ev_compact(ev_index *ix) {
  if (!ix) return EV_ERR_INVALID_ARGUMENT;
  ev_index *fresh = NULL;
  ev_status st = ev__journal_reserve_compact(ix);
  if (st == EV_OK) st = ev__index_new(&ix->options, &fresh);
  if (st != EV_OK) return st;
  uint32_t live = ev_live_count(ix);
  /* The level draws continue the old index's sequence, so compaction is as
   * deterministic as everything else. */
  fresh->rng_state = ix->rng_state;
  st = ev__ensure_capacity(fresh, live);
  if (st == EV_OK) st = ev_idmap_reserve(&fresh->ids, live, fresh->ext_ids);
  if (st == EV_OK) st = ev__ensure_heaps(fresh, fresh->options.ef_construction);
  uint8_t *rec = NULL; /* one record at a time, when there are any */
  if (st == EV_OK && ev__meta_any(ix)) {
    rec = malloc(EV_META_MAX_RECORD_BYTES);
    if (!rec) st = EV_ERR_OUT_OF_MEMORY;
  }
  for (uint32_t s = 0; st == EV_OK && s < ix->count; s++) {
    if (ix->deleted[s]) continue;
    uint32_t slot = fresh->count;
    int level = ev__random_level(fresh);
    uint32_t *block;
    st = ev__upper_block_new(fresh, level, &block);
    if (st != EV_OK) break;
    ev__slot_init(fresh, slot, ix->ext_ids[s], level, block, ev__payload(ix, s),
                  ix->floats ? ev__floats(ix, s) : NULL);
    fresh->count++;
    ev_idmap_put(&fresh->ids, ix->ext_ids[s], slot, fresh->ext_ids);
    ev__graph_link(fresh, slot);
    if (rec) st = move_metadata(ix, s, fresh, slot, rec);
  }
  free(rec);
  if (st != EV_OK) {
    ev_index_free(fresh);
    return st;
  }
  fresh->next_auto_id = ix->next_auto_id;
  fresh->auto_ids_exhausted = ix->auto_ids_exhausted;
  /* Swap: the old handle keeps its address (callers hold it) and its
   * journal; everything else comes from the fresh index. */
  struct ev_journal *journal = ix->journal;
  ix->journal = NULL;
  ev_index tmp = *ix;
  *ix = *fresh;
  *fresh = tmp;
  ix->journal = journal;
  ev_index_free(fresh);
  ev__journal_note_compact(ix);
  return EV_OK;
}
