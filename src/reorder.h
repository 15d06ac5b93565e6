/*
 * reorder.h — the orders ev_reorder (edgevec.h) can number the slots in,
 * for the benchmark that chose the default and for the tests. Not part of
 * the public API.
 */
#ifndef EV_REORDER_H
#define EV_REORDER_H

#include "edgevec.h"

typedef enum ev_order {
  /* Breadth-first over level 0 from the entry point, each node's
   * neighbours in the order of its link list. */
  EV_ORDER_BFS = 0,
  /* The same, each node's neighbours nearest to the node first. */
  EV_ORDER_BFS_NEAREST = 1,
  /* Reverse Cuthill-McKee: breadth-first, neighbours by ascending degree,
   * the whole order reversed. */
  EV_ORDER_RCM = 2,
  /* A seeded random shuffle: the worst locality, for the benchmark's
   * sense of how much order matters at all. */
  EV_ORDER_RANDOM = 3,
  /* Ascending external id: insertion order where the ids are the
   * automatic sequence (the benchmark's way back to the start). */
  EV_ORDER_BY_ID = 4,
} ev_order;

/* ev_reorder with the order chosen (the same rules and errors). */
ev_status ev__reorder_with(ev_index *ix, ev_order order);

/* A reorder in the default order with its memory reserved, for a
 * compaction, which reserves it before it swaps the new index in (so that
 * it fails, if at all, before anything changed): new makes one for an
 * index's slots (*out NULL when there is nothing to move); apply orders
 * that index (the same slots, its flags and links may have changed),
 * cannot fail, and frees the plan; free drops one unused. */
typedef struct ev_reorder_plan ev_reorder_plan;
ev_status ev__reorder_plan_new(const ev_index *ix, ev_reorder_plan **out);
void ev__reorder_plan_apply(ev_index *ix, ev_reorder_plan *p);
void ev__reorder_plan_free(ev_reorder_plan *p);

/* Moves row old_of[t] of the n rows at `base` (row_bytes each) to row t,
 * for every t, in place: one cycle of the permutation at a time, one row
 * held aside in `held` (row_bytes). `done` is n bytes of scratch. For
 * every slot-indexed array of the index, metadata.c's columns included. */
void ev__permute_rows(void *base, size_t row_bytes, uint32_t n,
                      const uint32_t *old_of, uint8_t *done, void *held);

#endif /* EV_REORDER_H */
