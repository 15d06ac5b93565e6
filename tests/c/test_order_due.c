/*
 * test_order_due.c — ev_order_due (reorder.c), the rule that says when the
 * graph order is due by itself: never below EV_ORDER_MIN_SLOTS slots; due
 * once the slots appended since the last order reach a quarter of all of
 * them (checked one slot either side of the boundary); not right after
 * ev_reorder, nor during or after a compaction that ends in graph order; a
 * logged compaction (the rebuild alone) keeps the ordered slots' copies
 * ordered and the appended ones appended; a loaded snapshot counts as
 * ordered, the log records replayed after it as appended.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "index.h"
#include "journal.h"
#include "persist_util.h"
#include "snapshot.h"
#include "wal.h"

#define DIM 4
/* The fewest slots to append to an index ordered at EV_ORDER_MIN_SLOTS
 * that make the order due: a * DIVISOR >= MIN + a. */
#define GROWTH \
  ((EV_ORDER_MIN_SLOTS + EV_ORDER_GROWTH_DIVISOR - 2) / (EV_ORDER_GROWTH_DIVISOR - 1))
/* Rows enough for every test: the minimum and the growth after it. */
#define ROWS (EV_ORDER_MIN_SLOTS + GROWTH + 8)

/* The same ROWS seeded rows for every test (freed at exit). */
static float *rows;

static void free_rows(void) { free(rows); }

/* Appends rows [from, from + n) (ids are the automatic sequence, so row r
 * gets id r in an index filled from row 0). */
static int append(ev_index *ix, uint32_t from, uint32_t n) {
  if (!rows) {
    rows = pu_rows(21, DIM, ROWS);
    if (!rows || atexit(free_rows) != 0) return 0;
  }
  return ev_insert_batch(ix, rows + (size_t)from * DIM, n, DIM, NULL, NULL, NULL, NULL,
                         NULL, NULL) == EV_OK;
}

/* An index of EV_ORDER_MIN_SLOTS rows, numbered in graph order. */
static ev_index *ordered_at_minimum(void) {
  ev_index *ix = pu_index(DIM, EV_METRIC_L2, 5);
  if (!ix || !append(ix, 0, EV_ORDER_MIN_SLOTS) || ev_reorder(ix) != EV_OK) {
    ev_index_free(ix);
    return NULL;
  }
  return ix;
}

TEST(order_due_never_below_the_minimum) {
  CHECK_EQ_INT(ev_order_due(NULL), 0);
  ev_index *ix = pu_index(DIM, EV_METRIC_L2, 5);
  REQUIRE(ix != NULL);
  CHECK_EQ_INT(ev_order_due(ix), 0); /* empty */
  /* Every slot appended since the create, one short of the minimum. */
  REQUIRE(append(ix, 0, EV_ORDER_MIN_SLOTS - 1));
  CHECK_EQ_INT(ev_order_due(ix), 0);
  REQUIRE(append(ix, EV_ORDER_MIN_SLOTS - 1, 1));
  CHECK_EQ_INT(ev_order_due(ix), 1);
  /* Deletes append nothing: still due, and ordered after ev_reorder. */
  REQUIRE(ev_soft_delete(ix, 3, NULL) == EV_OK);
  CHECK_EQ_INT(ev_order_due(ix), 1);
  REQUIRE(ev_reorder(ix) == EV_OK);
  CHECK_EQ_INT(ev_order_due(ix), 0);
  ev_index_free(ix);
}

TEST(order_due_after_growth_by_a_quarter_and_not_after_the_order) {
  ev_index *ix = ordered_at_minimum();
  REQUIRE(ix != NULL);
  CHECK_EQ_INT(ev_order_due(ix), 0);
  /* One slot short of a quarter of all slots appended. */
  REQUIRE(append(ix, EV_ORDER_MIN_SLOTS, GROWTH - 1));
  CHECK_EQ_INT(ev_order_due(ix), 0);
  REQUIRE(append(ix, EV_ORDER_MIN_SLOTS + GROWTH - 1, 1));
  CHECK_EQ_INT(ev_order_due(ix), 1);
  REQUIRE(ev_reorder(ix) == EV_OK);
  CHECK_EQ_INT(ev_order_due(ix), 0);
  /* An order that moves nothing counts too. */
  REQUIRE(append(ix, EV_ORDER_MIN_SLOTS + GROWTH, 8));
  REQUIRE(ev_reorder(ix) == EV_OK);
  CHECK_EQ_INT(ev_order_due(ix), 0);
  ev_index_free(ix);
}

TEST(order_due_not_during_nor_after_a_compaction_in_graph_order) {
  ev_index *ix = pu_index(DIM, EV_METRIC_L2, 5);
  REQUIRE(ix != NULL);
  REQUIRE(append(ix, 0, EV_ORDER_MIN_SLOTS + 100));
  for (uint64_t id = 0; id < 50; id++) REQUIRE(ev_soft_delete(ix, id * 7, NULL) == EV_OK);
  CHECK_EQ_INT(ev_order_due(ix), 1);
  REQUIRE(ev_compact_begin(ix) == EV_OK);
  /* ev_reorder would refuse; the finish orders anyway. */
  CHECK_EQ_INT(ev_order_due(ix), 0);
  uint32_t remaining;
  REQUIRE(ev_compact_step(ix, 500, &remaining) == EV_OK);
  CHECK_EQ_INT(ev_order_due(ix), 0);
  REQUIRE(ev_compact_finish(ix) == EV_OK);
  CHECK_EQ_INT(ev_order_due(ix), 0);
  CHECK_EQ_INT(ix->count, EV_ORDER_MIN_SLOTS + 50);
  /* Aborted: the index was never ordered, still due. */
  ev_index *other = pu_index(DIM, EV_METRIC_L2, 5);
  REQUIRE(other != NULL);
  REQUIRE(append(other, 0, EV_ORDER_MIN_SLOTS));
  REQUIRE(ev_compact_begin(other) == EV_OK);
  ev_compact_abort(other);
  CHECK_EQ_INT(ev_order_due(other), 1);
  /* A whole compaction without the journal ends in graph order. */
  REQUIRE(ev_compact(other) == EV_OK);
  CHECK_EQ_INT(ev_order_due(other), 0);
  ev_index_free(other);
  ev_index_free(ix);
}

TEST(order_due_after_a_logged_compaction_keeps_what_was_appended) {
  /* Ordered, then grown by a quarter: due. */
  ev_index *grown = ordered_at_minimum();
  REQUIRE(grown != NULL);
  REQUIRE(append(grown, EV_ORDER_MIN_SLOTS, GROWTH));
  REQUIRE(ev_journal_enable(grown, 0) == EV_OK);
  CHECK_EQ_INT(ev_order_due(grown), 1);
  /* The logged rebuild copies in slot order without the graph order: the
   * appended slots are still appended. */
  REQUIRE(ev_compact(grown) == EV_OK);
  CHECK_EQ_INT(ev_order_due(grown), 1);
  ev_index_free(grown);
  /* Ordered just before: its copy stays in order. */
  ev_index *ix = ordered_at_minimum();
  REQUIRE(ix != NULL);
  REQUIRE(append(ix, EV_ORDER_MIN_SLOTS, GROWTH - 1));
  REQUIRE(ev_journal_enable(ix, 0) == EV_OK);
  REQUIRE(ev_compact(ix) == EV_OK);
  CHECK_EQ_INT(ev_order_due(ix), 0);
  /* Deleting ordered slots shrinks the ordered prefix of the copy: the
   * same appended slots are then a quarter of fewer. */
  for (uint64_t id = 0; id < 8; id++) REQUIRE(ev_soft_delete(ix, id, NULL) == EV_OK);
  REQUIRE(ev_compact(ix) == EV_OK);
  CHECK_EQ_INT(ev_order_due(ix), 1);
  ev_index_free(ix);
}

TEST(order_due_after_a_load_counts_the_snapshot_ordered_and_the_log_appended) {
  ev_index *ix = pu_index(DIM, EV_METRIC_L2, 5);
  REQUIRE(ix != NULL);
  REQUIRE(append(ix, 0, EV_ORDER_MIN_SLOTS));
  CHECK_EQ_INT(ev_order_due(ix), 1);
  size_t snap_len = 0;
  uint8_t *snap = pu_save(ix, &snap_len);
  REQUIRE(snap != NULL);
  ev_index *loaded = NULL;
  ev_snapshot_info info;
  REQUIRE(ev_snapshot_load(snap, snap_len, &loaded, &info, NULL) == EV_OK);
  CHECK_EQ_INT(ev_order_due(loaded), 0);
  /* Growth by a quarter, logged, then replayed onto the same snapshot. */
  REQUIRE(ev_journal_enable(loaded, 0) == EV_OK);
  REQUIRE(append(loaded, EV_ORDER_MIN_SLOTS, GROWTH));
  CHECK_EQ_INT(ev_order_due(loaded), 1);
  const uint8_t *rec = NULL;
  size_t len = 0;
  uint64_t seq = 0;
  REQUIRE(ev_journal_begin_commit(loaded, &rec, &len, &seq) == EV_OK && len > 0);
  uint8_t *log = malloc(len);
  REQUIRE(log != NULL);
  memcpy(log, rec, len);
  ev_journal_end_commit(loaded, 1);
  ev_index *reopened = NULL;
  REQUIRE(ev_snapshot_load(snap, snap_len, &reopened, &info, NULL) == EV_OK);
  ev_wal_replay_result r;
  REQUIRE(ev_wal_replay(reopened, log, len, info.wal_seq, &r) == EV_OK);
  CHECK_EQ_INT(reopened->count, EV_ORDER_MIN_SLOTS + GROWTH);
  CHECK_EQ_INT(ev_order_due(reopened), 1);
  ev_index_free(reopened);
  free(log);
  ev_index_free(loaded);
  free(snap);
  ev_index_free(ix);
}
