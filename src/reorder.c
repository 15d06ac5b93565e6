/*
 * reorder.c — numbers the slots anew in an order that follows the graph
 * (ev_reorder, edgevec.h), so that nodes a search visits one after the
 * other sit close together in memory.
 *
 * Why: a search spends its time waiting for the records of the neighbours
 * it scores (links and vector, index.h). Slots are handed out in insertion
 * order, so a node's neighbours are scattered over the whole arena, one
 * page and several cache lines each. Numbered in the order a breadth-first
 * walk of the graph meets them, neighbours get nearby numbers: their
 * records share pages (fewer TLB misses), the hardware prefetcher's
 * neighbouring lines are more often useful, and so are the visited stamps
 * of one walk. The orders tried and what each gained are in
 * bench/results/reorder.md; the default is the one that won there.
 *
 * What moves: everything indexed by slot — the level-0 records (and the
 * slot numbers inside every link list, level 0 and the upper levels), the
 * upper-level blocks, the f32 vectors kept beside codes, ext_ids, levels,
 * deleted, the metadata columns (ev__meta_permute), the id map's slots and
 * the entry point. The visited stamps are cleared. Nothing else changes:
 * the same ids, vectors, metadata, counts and tombstones (which keep their
 * links and go on routing), and the same graph up to the names of its
 * nodes, with every list in its own order — so a search walks it exactly
 * as before and returns the same results. Slot order is the order of
 * ev_live_ids, so that order changes.
 *
 * When it may run, and why: a log record names slots (wal_graph.c), so a
 * renumbering changes what every later record means. It may therefore run
 * only where nothing is persisted or where a whole snapshot of the new
 * numbering follows before the next record:
 *  - ev_reorder refuses (INVALID_ARGUMENT) while the journal holds anything
 *    uncommitted or a commit is in flight (those records name the old
 *    slots), and afterwards the journal needs a snapshot before it commits
 *    again (ev_journal_needs_snapshot), exactly as after an incremental
 *    compaction. The JS layer's optimize() and its checkpoints follow that
 *    rule: they commit first, reorder and encode the snapshot in one
 *    synchronous run, and store the snapshot before any later record.
 *  - It refuses (INVALID_ARGUMENT) while an incremental compaction runs:
 *    the compaction walks the old slots in slot order and remembers the
 *    old slot of every copy; its finish reorders the new index anyway.
 *  - ev_compact_finish reorders the compacted index (a snapshot follows it
 *    by the journal's rule). ev_compact reorders only with the journal
 *    off: with it on, the compaction is logged as a COMPACT op that replay
 *    repeats, and the records after it name the slots of the rebuild
 *    without reordering (as every log written so far does), so the
 *    persisted database gets its order at the next checkpoint instead.
 *    At the end of a compaction the reorder is best effort: without the
 *    memory for it the compaction still succeeds, in insertion order.
 *
 * Cost: O(slots x links) to find the order and remap the lists, and one
 * move of every slot's data, in place (cycles of the permutation, one
 * element held aside), so the memory it needs is 9 bytes per slot, not a
 * second arena. An index already in the order is left as it is (and then
 * needs no snapshot).
 */
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "journal.h"
#include "metadata.h"
#include "quantize.h"
#include "reorder.h"

/* The order ev_reorder uses (bench/results/reorder.md says why). */
#define EV_DEFAULT_ORDER EV_ORDER_BFS

void ev__permute_rows(void *base, size_t row_bytes, uint32_t n,
                      const uint32_t *old_of, uint8_t *done, void *held) {
  uint8_t *rows = base;
  memset(done, 0, n);
  for (uint32_t s = 0; s < n; s++) {
    if (done[s]) continue;
    done[s] = 1;
    if (old_of[s] == s) continue;
    /* The cycle through s: row t takes row old_of[t], which is read before
     * anything overwrites it (each row is written once, in cycle order);
     * the last one takes s's row, held aside. */
    memcpy(held, rows + (size_t)s * row_bytes, row_bytes);
    uint32_t t = s;
    for (;;) {
      uint32_t from = old_of[t];
      if (from == s) {
        memcpy(rows + (size_t)t * row_bytes, held, row_bytes);
        break;
      }
      memcpy(rows + (size_t)t * row_bytes, rows + (size_t)from * row_bytes,
             row_bytes);
      done[from] = 1;
      t = from;
    }
  }
}

/* ---- the orders ------------------------------------------------------- */

/* Stable insertion sort by key (lists hold at most m0 <= 256 items). */
static void sort_by_key(ev_heap_item *items, uint32_t n) {
  for (uint32_t i = 1; i < n; i++) {
    ev_heap_item x = items[i];
    uint32_t j = i;
    while (j > 0 && items[j - 1].distance > x.distance) {
      items[j] = items[j - 1];
      j--;
    }
    items[j] = x;
  }
}

/* Numbers the slots reached breadth-first over level 0 from `start` (not
 * yet numbered), continuing order[] at *len; new_of[s] is EV_NO_SLOT for a
 * slot not yet numbered. Each node's unnumbered neighbours are numbered
 * in list order, nearest to the node first, or by ascending degree. */
static void number_from(ev_index *ix, uint32_t start, ev_order how,
                        uint32_t *order, uint32_t *len, uint32_t *new_of) {
  new_of[start] = *len;
  order[(*len)++] = start;
  for (uint32_t head = *len - 1; head < *len; head++) {
    uint32_t s = order[head];
    const uint32_t *links = ev__links0(ix, s);
    ev_heap_item *next = ix->select_buf; /* m0 + 1 items; no walk runs */
    uint32_t k = 0;
    for (uint32_t i = 1; i <= links[0]; i++) {
      uint32_t t = links[i];
      if (new_of[t] != EV_NO_SLOT) continue;
      float key = (float)i;
      if (how == EV_ORDER_BFS_NEAREST)
        key = ev__payload_distance(ix, ev__payload(ix, s), ev__payload(ix, t));
      else if (how == EV_ORDER_RCM)
        key = (float)ev__links0(ix, t)[0];
      next[k++] = (ev_heap_item){key, t};
    }
    if (how != EV_ORDER_BFS) sort_by_key(next, k);
    for (uint32_t i = 0; i < k; i++) {
      new_of[next[i].slot] = *len;
      order[(*len)++] = next[i].slot;
    }
  }
}

typedef struct id_slot {
  uint64_t id;
  uint32_t slot;
} id_slot;

static int by_id(const void *a, const void *b) {
  const id_slot *x = a, *y = b;
  if (x->id != y->id) return x->id < y->id ? -1 : 1;
  return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* The new order of the n slots: order[t] is the old slot that becomes t,
 * new_of its inverse. OUT_OF_MEMORY only for EV_ORDER_BY_ID. */
static ev_status find_order(ev_index *ix, ev_order how, uint32_t *order,
                            uint32_t *new_of) {
  uint32_t n = ix->count, len = 0;
  if (how == EV_ORDER_BY_ID) {
    id_slot *pairs = malloc(sizeof *pairs * n);
    if (!pairs) return EV_ERR_OUT_OF_MEMORY;
    for (uint32_t s = 0; s < n; s++) pairs[s] = (id_slot){ix->ext_ids[s], s};
    /* A re-inserted id has a tombstone too: equal ids keep slot order. */
    qsort(pairs, n, sizeof *pairs, by_id);
    for (uint32_t t = 0; t < n; t++) order[t] = pairs[t].slot;
    free(pairs);
  } else if (how == EV_ORDER_RANDOM) {
    /* Fisher-Yates with splitmix64 from the index's seed: reproducible. */
    uint64_t state = ix->options.seed;
    for (uint32_t t = 0; t < n; t++) order[t] = t;
    for (uint32_t t = n - 1; t > 0; t--) {
      uint64_t z = (state += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      z ^= z >> 31;
      uint32_t r = (uint32_t)(z % ((uint64_t)t + 1));
      uint32_t x = order[t];
      order[t] = order[r];
      order[r] = x;
    }
  } else {
    for (uint32_t s = 0; s < n; s++) new_of[s] = EV_NO_SLOT;
    number_from(ix, ix->entry, how, order, &len, new_of);
    /* Slots level 0 does not reach from the entry (possible in principle:
     * lists are one-way), each with what it reaches, in slot order. */
    for (uint32_t s = 0; s < n; s++)
      if (new_of[s] == EV_NO_SLOT) number_from(ix, s, how, order, &len, new_of);
    if (how == EV_ORDER_RCM) {
      for (uint32_t a = 0, b = n - 1; a < b; a++, b--) {
        uint32_t x = order[a];
        order[a] = order[b];
        order[b] = x;
      }
    }
  }
  for (uint32_t t = 0; t < n; t++) new_of[order[t]] = t;
  return EV_OK;
}

/* ---- applying it ------------------------------------------------------ */

static void renumber_list(uint32_t *list, const uint32_t *new_of) {
  for (uint32_t i = 1; i <= list[0]; i++) list[i] = new_of[list[i]];
}

/* Every link of every list names the new slot of its target. */
static void renumber_links(ev_index *ix, const uint32_t *new_of) {
  for (uint32_t s = 0; s < ix->count; s++) {
    renumber_list(ev__links0(ix, s), new_of);
    for (int l = 1; l <= ix->levels[s]; l++)
      renumber_list(ev__links(ix, s, l), new_of);
  }
}

/* Moves every slot's data to its new slot. */
static void move_slots(ev_index *ix, const uint32_t *order, uint8_t *done,
                       void *held) {
  uint32_t n = ix->count;
  ev__permute_rows(ix->level0, ix->node_bytes, n, order, done, held);
  if (ix->floats)
    ev__permute_rows(ix->floats, sizeof(float) * ix->dim, n, order, done, held);
  ev__permute_rows(ix->ext_ids, sizeof *ix->ext_ids, n, order, done, held);
  ev__permute_rows(ix->levels, 1, n, order, done, held);
  ev__permute_rows(ix->deleted, 1, n, order, done, held);
  ev__permute_rows(ix->upper, sizeof *ix->upper, n, order, done, held);
  ev__meta_permute(ix, order, done);
}

ev_status ev__reorder_with(ev_index *ix, ev_order how) {
  if (!ix || (unsigned)how > EV_ORDER_BY_ID) return EV_ERR_INVALID_ARGUMENT;
  /* See the top of the file for both refusals. */
  if (ix->compaction) return EV_ERR_INVALID_ARGUMENT;
  uint64_t seq;
  if (ev_journal_snapshot_seq(ix, &seq) != EV_OK) return EV_ERR_INVALID_ARGUMENT;
  uint32_t n = ix->count;
  if (n < 2) return EV_OK;
  size_t held_bytes = ix->node_bytes;
  if (ix->floats && sizeof(float) * ix->dim > held_bytes)
    held_bytes = sizeof(float) * ix->dim;
  uint32_t *order = malloc(sizeof *order * n);
  uint32_t *new_of = malloc(sizeof *new_of * n);
  uint8_t *done = malloc(n);
  void *held = malloc(held_bytes);
  ev_status st = EV_ERR_OUT_OF_MEMORY;
  if (order && new_of && done && held) {
    st = find_order(ix, how, order, new_of);
    uint32_t moved = 0;
    for (uint32_t t = 0; st == EV_OK && t < n && !moved; t++) moved = order[t] != t;
    if (moved) {
      renumber_links(ix, new_of);
      move_slots(ix, order, done, held);
      /* The id map keeps each id's bucket (it hashes the id); only the
       * slot it holds changes. */
      for (size_t b = 0; b < ix->ids.bucket_count; b++)
        if (ix->ids.buckets[b] != EV_IDMAP_EMPTY)
          ix->ids.buckets[b] = new_of[ix->ids.buckets[b]];
      ix->entry = new_of[ix->entry];
      memset(ix->visited, 0, sizeof *ix->visited * ix->capacity);
      ev__journal_note_renumbered(ix);
    }
  }
  free(order);
  free(new_of);
  free(done);
  free(held);
  return st;
}

ev_status ev_reorder(ev_index *ix) {
  return ev__reorder_with(ix, EV_DEFAULT_ORDER);
}
