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
 *    compaction; that snapshot takes a sequence number of its own, so that
 *    a reader following the log loads it instead of replaying later
 *    records onto its old numbering (journal.h). The JS layer's optimize()
 *    commits first, then reorders and encodes the snapshot in one
 *    synchronous run, and stores it before any later record.
 *  - It refuses (INVALID_ARGUMENT) while an incremental compaction runs:
 *    the compaction walks the old slots in slot order and remembers the
 *    old slot of every copy; its finish orders the new index anyway.
 *  - ev_compact_finish orders the compacted index (a snapshot follows it
 *    by the journal's rule). ev_compact does only with the journal off:
 *    with it on, the compaction is logged as a COMPACT op that replay
 *    repeats, and the records after it name the slots of the rebuild
 *    without the order (as every log written so far does), so a
 *    persisted database gets its order from optimize() instead.
 *  - Not at every checkpoint, although a checkpoint writes a whole
 *    snapshot anyway: a read-only tab that already holds every record a
 *    checkpoint covers goes on replaying the log after it (follow.js), so
 *    a checkpoint that renumbered would make every follower load the whole
 *    snapshot again, and the order of a graph changes little between two
 *    checkpoints while the reorder costs a share of the snapshot's
 *    encoding (both measured in bench/results/reorder.md).
 *
 * When it runs by itself (ev_order_due, which the JS layer asks after
 * each insertBatch, so that an app that bulk-loads and searches gets the
 * order without asking for it): once the index holds EV_ORDER_MIN_SLOTS
 * slots and the slots appended since the last order are a quarter
 * (1 / EV_ORDER_GROWTH_DIVISOR) of all of them. Why these:
 *  - The minimum: below it the records of the whole index stay in (or
 *    close to) the processor's caches, so a search waits little for memory
 *    whatever the order and the order would buy nothing for its time (and,
 *    persisted, a snapshot). It counts slots, not bytes, so that the rule
 *    reads the same for every dimension; with long vectors the index
 *    leaves the caches sooner, where an order is still cheap.
 *  - The quarter: the appended slots sit in insertion order at the end,
 *    away from the neighbours they link to, and a search that passes them
 *    pays for it; at a quarter most of the index is still in order, while
 *    an order at every batch would cost its whole pass (and, persisted, a
 *    snapshot) for a few new slots. Each order then comes when the index
 *    has grown by a third since the last, so the orders of an index grown
 *    from nothing cost a geometric series: a fixed share of the inserting,
 *    and a handful of snapshots, however it is batched.
 *  - What counts as ordered is kept in memory only (ordered_slots in
 *    index.h): a graph order or a compaction that ends in one orders every
 *    slot; a compaction without it (ev_compact with the journal on, and
 *    replay of its COMPACT record) copies the live slots in slot order, so
 *    the copies of the ordered ones stay a prefix in their order; a loaded
 *    snapshot counts as ordered. Whether it was is not persisted: counted
 *    as ordered, an unordered one waits at worst for one more growth by a
 *    third, while counted as unordered every database would be renumbered
 *    (a snapshot written, every following tab reloading it) at the first
 *    batch after every open. The log records replayed after the snapshot
 *    append slots as they did in the run that wrote them, so the growth
 *    since the snapshot still counts after a reopen.
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

/* ev__permute_rows for the level-0 records, which live in chunks
 * (index.h): the same cycles, each record addressed through ev__record. */
static void permute_records(ev_index *ix, uint32_t n, const uint32_t *old_of,
                            uint8_t *done, void *held) {
  size_t bytes = ix->node_bytes;
  memset(done, 0, n);
  for (uint32_t s = 0; s < n; s++) {
    if (done[s]) continue;
    done[s] = 1;
    if (old_of[s] == s) continue;
    memcpy(held, ev__record(ix, s), bytes);
    uint32_t t = s;
    for (;;) {
      uint32_t from = old_of[t];
      if (from == s) {
        memcpy(ev__record(ix, t), held, bytes);
        break;
      }
      memcpy(ev__record(ix, t), ev__record(ix, from), bytes);
      done[from] = 1;
      t = from;
    }
  }
}

/* ---- the orders ------------------------------------------------------- */

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
    ev_heap_item *next = ix->scratch.select_buf; /* m0 + 1 items; no walk runs */
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
    if (how != EV_ORDER_BFS) ev_items_sort(next, k);
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

/* Everything a reorder needs, allocated before anything changes, so that
 * applying it cannot fail (a compaction reserves it before it swaps). */
struct ev_reorder_plan {
  ev_order how;
  uint32_t count;     /* the slots it was made for */
  uint32_t *order;    /* order[t]: the old slot that becomes t */
  uint32_t *new_of;   /* its inverse */
  uint8_t *done;      /* ev__permute_rows' scratch */
  void *held;         /* one row of the widest array */
  id_slot *pairs;     /* repeated ids' slots (and EV_ORDER_BY_ID's) */
  uint32_t *numbers;  /* as many */
  size_t pairs_cap;
};

void ev__reorder_plan_free(ev_reorder_plan *p) {
  if (!p) return;
  free(p->order);
  free(p->new_of);
  free(p->done);
  free(p->held);
  free(p->pairs);
  free(p->numbers);
  free(p);
}

/* Slots that are not the newest of their id (a re-inserted id's older
 * slots). */
static size_t older_slots(const ev_index *ix) {
  if (ix->ids.size == ix->count) return 0; /* every id once */
  size_t older = 0;
  for (uint32_t s = 0; s < ix->count; s++)
    older += ev_idmap_get(&ix->ids, ix->ext_ids[s], ix->ext_ids) != s;
  return older;
}

static ev_status plan_new(const ev_index *ix, ev_order how, ev_reorder_plan **out) {
  *out = NULL;
  uint32_t n = ix->count;
  if (n < 2) return EV_OK; /* nothing to move */
  ev_reorder_plan *p = calloc(1, sizeof *p);
  if (!p) return EV_ERR_OUT_OF_MEMORY;
  p->how = how;
  p->count = n;
  size_t held_bytes = ix->node_bytes;
  if (ix->floats && sizeof(float) * ix->dim > held_bytes)
    held_bytes = sizeof(float) * ix->dim;
  p->pairs_cap = how == EV_ORDER_BY_ID ? n : 2 * older_slots(ix);
  p->order = malloc(sizeof *p->order * n);
  p->new_of = malloc(sizeof *p->new_of * n);
  p->done = malloc(n);
  p->held = malloc(held_bytes);
  if (p->pairs_cap) {
    p->pairs = malloc(sizeof *p->pairs * p->pairs_cap);
    p->numbers = malloc(sizeof *p->numbers * p->pairs_cap);
  }
  if (!p->order || !p->new_of || !p->done || !p->held ||
      (p->pairs_cap && (!p->pairs || !p->numbers))) {
    ev__reorder_plan_free(p);
    return EV_ERR_OUT_OF_MEMORY;
  }
  *out = p;
  return EV_OK;
}

ev_status ev__reorder_plan_new(const ev_index *ix, ev_reorder_plan **out) {
  return plan_new(ix, EV_DEFAULT_ORDER, out);
}

/* The new order of the slots into p->order and p->new_of. */
static void find_order(ev_index *ix, ev_reorder_plan *p) {
  uint32_t n = ix->count, len = 0;
  uint32_t *order = p->order, *new_of = p->new_of;
  if (p->how == EV_ORDER_BY_ID) {
    id_slot *pairs = p->pairs;
    for (uint32_t s = 0; s < n; s++) pairs[s] = (id_slot){ix->ext_ids[s], s};
    /* A re-inserted id has a tombstone too: equal ids keep slot order. */
    qsort(pairs, n, sizeof *pairs, by_id);
    for (uint32_t t = 0; t < n; t++) order[t] = pairs[t].slot;
  } else if (p->how == EV_ORDER_RANDOM) {
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
    number_from(ix, ix->entry, p->how, order, &len, new_of);
    /* Slots level 0 does not reach from the entry (possible in principle:
     * lists are one-way), each with what it reaches, in slot order. */
    for (uint32_t s = 0; s < n; s++)
      if (new_of[s] == EV_NO_SLOT) number_from(ix, s, p->how, order, &len, new_of);
    if (p->how == EV_ORDER_RCM) {
      for (uint32_t a = 0, b = n - 1; a < b; a++, b--) {
        uint32_t x = order[a];
        order[a] = order[b];
        order[b] = x;
      }
    }
  }
  for (uint32_t t = 0; t < n; t++) new_of[order[t]] = t;
}

/* The slots of an id inserted again after a delete (a tombstone and maybe
 * a live slot) keep their relative order: the newest is the highest, which
 * is the id map's rule that the snapshot reader checks and rebuilds the
 * map by. Among the new numbers the order gave such an id's slots, the
 * lowest goes to its oldest slot, and so on. Rare: only repeated ids
 * move. */
static void keep_repeats_in_order(ev_index *ix, ev_reorder_plan *p) {
  if (ix->ids.size == ix->count) return; /* every id once */
  id_slot *group = p->pairs;
  uint32_t *numbers = p->numbers, *order = p->order, *new_of = p->new_of;
  size_t len = 0;
  for (uint32_t s = 0; s < ix->count; s++) {
    uint32_t newest = ev_idmap_get(&ix->ids, ix->ext_ids[s], ix->ext_ids);
    if (newest == s) continue;
    group[len++] = (id_slot){ix->ext_ids[s], s};
    group[len++] = (id_slot){ix->ext_ids[s], newest};
  }
  qsort(group, len, sizeof *group, by_id);
  for (size_t a = 0; a < len;) {
    size_t b = a, k = 0;
    /* One id's slots, oldest first (the newest appears once per older
     * slot: keep it once). */
    for (; b < len && group[b].id == group[a].id; b++)
      if (b == a || group[b].slot != group[b - 1].slot) group[a + k++] = group[b];
    for (size_t i = 0; i < k; i++) numbers[i] = new_of[group[a + i].slot];
    /* Insertion sort: an id is rarely inserted again more than a few
     * times. */
    for (size_t i = 1; i < k; i++)
      for (size_t j = i; j > 0 && numbers[j - 1] > numbers[j]; j--) {
        uint32_t x = numbers[j];
        numbers[j] = numbers[j - 1];
        numbers[j - 1] = x;
      }
    for (size_t i = 0; i < k; i++) {
      new_of[group[a + i].slot] = numbers[i];
      order[numbers[i]] = group[a + i].slot;
    }
    a = b;
  }
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
static void move_slots(ev_index *ix, const ev_reorder_plan *p) {
  uint32_t n = ix->count;
  const uint32_t *order = p->order;
  permute_records(ix, n, order, p->done, p->held);
  if (ix->floats)
    ev__permute_rows(ix->floats, sizeof(float) * ix->dim, n, order, p->done, p->held);
  ev__permute_rows(ix->ext_ids, sizeof *ix->ext_ids, n, order, p->done, p->held);
  ev__permute_rows(ix->levels, 1, n, order, p->done, p->held);
  ev__permute_rows(ix->deleted, 1, n, order, p->done, p->held);
  ev__permute_rows(ix->upper, sizeof *ix->upper, n, order, p->done, p->held);
  ev__meta_permute(ix, order, p->done);
}

void ev__reorder_plan_apply(ev_index *ix, ev_reorder_plan *p) {
  /* No plan: fewer than two slots, or a compaction that ends without the
   * order (which keeps the ordered slots it counted itself). */
  if (!p) return;
  ix->ordered_slots = ix->count; /* in order from here, moved or not */
  find_order(ix, p);
  keep_repeats_in_order(ix, p);
  uint32_t moved = 0;
  for (uint32_t t = 0; t < p->count && !moved; t++) moved = p->order[t] != t;
  if (moved) {
    renumber_links(ix, p->new_of);
    move_slots(ix, p);
    /* The id map keeps each id's bucket (it hashes the id); only the
     * slot it holds changes. */
    for (size_t b = 0; b < ix->ids.bucket_count; b++)
      if (ix->ids.buckets[b] != EV_IDMAP_EMPTY)
        ix->ids.buckets[b] = p->new_of[ix->ids.buckets[b]];
    ix->entry = p->new_of[ix->entry];
    memset(ix->scratch.visited, 0, sizeof *ix->scratch.visited * ix->scratch.visited_slots);
    ev__journal_note_renumbered(ix);
    ix->changes++;
  }
  ev__reorder_plan_free(p);
}

ev_status ev__reorder_with(ev_index *ix, ev_order how) {
  if (!ix || (unsigned)how > EV_ORDER_BY_ID) return EV_ERR_INVALID_ARGUMENT;
  /* See the top of the file for both refusals. */
  if (ix->compaction) return EV_ERR_INVALID_ARGUMENT;
  uint64_t seq;
  if (ev_journal_snapshot_seq(ix, &seq) != EV_OK) return EV_ERR_INVALID_ARGUMENT;
  ev_reorder_plan *p;
  ev_status st = plan_new(ix, how, &p);
  if (st == EV_OK) ev__reorder_plan_apply(ix, p);
  return st;
}

ev_status ev_reorder(ev_index *ix) {
  return ev__reorder_with(ix, EV_DEFAULT_ORDER);
}

int ev_order_due(const ev_index *ix) {
  /* See the top of the file for the rule and its numbers. */
  if (!ix || ix->compaction || ix->count < EV_ORDER_MIN_SLOTS) return 0;
  uint32_t appended = ix->count > ix->ordered_slots ? ix->count - ix->ordered_slots : 0;
  return (uint64_t)appended * EV_ORDER_GROWTH_DIVISOR >= ix->count;
}
