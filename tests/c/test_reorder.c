/*
 * test_reorder.c — reorder.c: numbering the slots in graph order changes
 * nothing a caller sees (ids, vectors, metadata, counts, tombstones,
 * search results exactly, filtered counts and exact filtered results),
 * keeps the same graph up to the names of its nodes (every list in its own
 * order), makes neighbours' numbers closer, refuses while an incremental
 * compaction runs or anything is uncommitted, makes the journal wait for a
 * snapshot that then replays with the records after it, and leaves the
 * index as it was when any of its allocations fails. Compaction ends in
 * graph order (finish always, ev_compact with the journal off).
 */
#include <stdlib.h>
#include <string.h>

#define EV_FAIL_ALLOC_DECLARE_ONLY
#include "dataset.h"
#include "fail_alloc.h"
#include "filter.h"
#include "harness.h"
#include "index.h"
#include "journal.h"
#include "meta_util.h"
#include "metadata.h"
#include "persist_util.h"
#include "reorder.h"
#include "snapshot.h"
#include "wal.h"

#define DIM 12
#define N 500
#define NQ 12
#define K 8

/* An index of N seeded rows (ids 0..N-1) with metadata on most ids, a
 * seeded tenth deleted, and some deleted ids inserted again with a new
 * vector (so one id has a tombstone and a live slot). Every slot's vector
 * differs from every other's. */
static ev_index *random_index(uint64_t seed, ev_metric metric, ev_quantization q) {
  uint32_t keep = q != EV_QUANT_NONE;
  ev_index *ix = pu_index_q(DIM, metric, seed, q, keep, keep ? 16 : 0);
  float *rows = pu_rows(seed, DIM, N + N / 10);
  if (!ix || !rows) goto fail;
  if (ev_insert_batch(ix, rows, N, DIM, NULL, NULL, NULL, NULL, NULL, NULL) != EV_OK) goto fail;
  ev_dataset_rng rng = {seed * 31 + 7};
  mu_buf r;
  for (uint64_t id = 0; id < N; id++) {
    if (id % 5 == 4) continue; /* no metadata */
    r.n = 0;
    mu_u16(&r, 2);
    mu_rec_num(&r, "g", (double)(id % 7));
    mu_rec_str(&r, "s", id % 2 ? "odd" : "even");
    if (ev_meta_set(ix, id, r.b, r.n, NULL) != EV_OK) goto fail;
  }
  uint32_t again = 0;
  for (uint64_t id = 0; id < N; id++) {
    if (ev_dataset_uniform(&rng) >= 0.1) continue;
    if (ev_soft_delete(ix, id, NULL) != EV_OK) goto fail;
    if (id % 3 == 0 && again < N / 10) {
      if (ev_insert(ix, rows + (size_t)(N + again++) * DIM, DIM, &id, NULL) != EV_OK) goto fail;
    }
  }
  free(rows);
  return ix;
fail:
  ev_index_free(ix);
  free(rows);
  return NULL;
}

/* Slot of `s` of a in b: the slot with the same id, tombstone flag and
 * payload (unique in random_index's indexes). */
static uint32_t same_slot(const ev_index *a, uint32_t s, const ev_index *b) {
  for (uint32_t t = 0; t < b->count; t++)
    if (b->ext_ids[t] == a->ext_ids[s] && b->deleted[t] == a->deleted[s] &&
        memcmp(ev__payload(a, s), ev__payload(b, t), a->payload_bytes) == 0)
      return t;
  return EV_NO_SLOT;
}

/* 1 when b is a renumbering of a: per slot the same id, level, tombstone,
 * payload, kept floats and metadata, each list the same targets in the
 * same order, and the same entry point. */
static int same_graph_renumbered(const ev_index *a, const ev_index *b) {
  if (a->count != b->count || a->deleted_count != b->deleted_count ||
      a->max_level != b->max_level || a->rng_state != b->rng_state ||
      a->next_auto_id != b->next_auto_id)
    return 0;
  uint32_t *to = malloc(sizeof *to * a->count);
  int ok = to != NULL;
  for (uint32_t s = 0; ok && s < a->count; s++) {
    to[s] = same_slot(a, s, b);
    ok = to[s] != EV_NO_SLOT;
  }
  for (uint32_t s = 0; ok && s < a->count; s++) {
    uint32_t t = to[s];
    ok = a->levels[s] == b->levels[t];
    if (ok) {
      uint8_t ra[EV_META_MAX_RECORD_BYTES], rb[EV_META_MAX_RECORD_BYTES];
      size_t la = ev__meta_slot_bytes(a, s), lb = ev__meta_slot_bytes(b, t);
      ev__meta_slot_encode(a, s, ra);
      ev__meta_slot_encode(b, t, rb);
      ok = la == lb && memcmp(ra, rb, la) == 0;
    }
    if (ok && a->floats)
      ok = memcmp(a->floats + (size_t)s * a->dim, b->floats + (size_t)t * b->dim,
                  sizeof(float) * a->dim) == 0;
    for (int l = 0; ok && l <= a->levels[s]; l++) {
      const uint32_t *la = ev__links(a, s, l), *lb = ev__links(b, t, l);
      ok = la[0] == lb[0];
      for (uint32_t i = 1; ok && i <= la[0]; i++) ok = to[la[i]] == lb[i];
    }
  }
  ok = ok && to[a->entry] == b->entry;
  free(to);
  return ok;
}

/* Mean distance between the numbers of linked nodes on level 0. */
static double link_spread(const ev_index *ix) {
  double sum = 0;
  size_t links = 0;
  for (uint32_t s = 0; s < ix->count; s++) {
    const uint32_t *l = ev__links0(ix, s);
    for (uint32_t i = 1; i <= l[0]; i++, links++)
      sum += l[i] > s ? (double)(l[i] - s) : (double)(s - l[i]);
  }
  return links ? sum / (double)links : 0;
}

/* Everything a caller sees, before and after: every id's state, vector
 * and metadata, the counts, NQ searches (ids and distances, bit for bit),
 * the exact search, and the exact filtered search and count of g < 3. */
static int same_answers(ev_index *a, ev_index *b, uint64_t seed) {
  if (ev_live_count(a) != ev_live_count(b) || ev_deleted_count(a) != ev_deleted_count(b))
    return 0;
  float va[DIM], vb[DIM];
  uint8_t ra[256], rb[256];
  for (uint64_t id = 0; id < N + 2; id++) {
    ev_status sa = ev_get(a, id, va), sb = ev_get(b, id, vb);
    if (sa != sb || ev_contains(a, id) != ev_contains(b, id)) return 0;
    if (sa == EV_OK && memcmp(va, vb, sizeof va) != 0) return 0;
    size_t la = 0, lb = 0;
    sa = ev_meta_get(a, id, ra, sizeof ra, &la);
    sb = ev_meta_get(b, id, rb, sizeof rb, &lb);
    if (sa != sb || la != lb || (sa == EV_OK && memcmp(ra, rb, la) != 0)) return 0;
  }
  if (!pu_same_search(a, b, seed, NQ, K)) return 0;
  mu_buf p;
  mu_prog(&p, 1);
  mu_leaf(&p, EV_FILTER_LT, "g");
  mu_val_num(&p, 3);
  uint32_t ca, cb;
  if (ev_filter_count(a, p.b, p.n, &ca, NULL) != EV_OK ||
      ev_filter_count(b, p.b, p.n, &cb, NULL) != EV_OK || ca != cb)
    return 0;
  float *q = pu_rows(seed + 1, DIM, NQ);
  int ok = q != NULL;
  for (uint32_t i = 0; ok && i < NQ; i++) {
    uint64_t ia[K], ib[K];
    float da[K], db[K];
    uint32_t na, nb;
    ok = ev_search_exact(a, q + i * DIM, DIM, K, ia, da, &na) == EV_OK &&
         ev_search_exact(b, q + i * DIM, DIM, K, ib, db, &nb) == EV_OK && na == nb &&
         memcmp(da, db, sizeof(float) * na) == 0;
    ok = ok && ev_search_exact_filtered(a, q + i * DIM, DIM, K, p.b, p.n, ia, da, &na, NULL) == EV_OK &&
         ev_search_exact_filtered(b, q + i * DIM, DIM, K, p.b, p.n, ib, db, &nb, NULL) == EV_OK &&
         na == nb && memcmp(da, db, sizeof(float) * na) == 0;
  }
  free(q);
  return ok;
}

static void check_property(ev_metric metric, ev_quantization q) {
  for (uint64_t seed = 1; seed <= 3; seed++) {
    ev_index *ix = random_index(seed * 100 + metric * 10 + q, metric, q);
    REQUIRE(ix != NULL);
    ev_index *before = pu_copy(ix);
    REQUIRE(before != NULL);
    ev_order order = (ev_order)(seed % 3); /* BFS, BFS_NEAREST, RCM */
    REQUIRE(ev__reorder_with(ix, order) == EV_OK);
    CHECK(same_graph_renumbered(before, ix));
    CHECK(same_answers(before, ix, seed));
    if (order != EV_ORDER_RCM) CHECK_EQ_INT(ix->entry, 0); /* breadth-first from it */
    /* It saves and loads as it is (the reader's rules hold: a repeated
     * id's live slot is its newest). */
    ev_index *loaded = pu_copy(ix);
    CHECK(loaded != NULL && pu_same_index(loaded, ix));
    ev_index_free(loaded);
    /* Inserts, deletes and metadata go on working on the new numbering. */
    float *more = pu_rows(seed + 50, DIM, 20);
    REQUIRE(more != NULL);
    REQUIRE(ev_insert_batch(ix, more, 20, DIM, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
    REQUIRE(ev_insert_batch(before, more, 20, DIM, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
    CHECK(ev_soft_delete(ix, 1, NULL) == ev_soft_delete(before, 1, NULL));
    CHECK_EQ_INT(ev_live_count(ix), ev_live_count(before));
    /* The insert found its neighbours in the same graph. */
    CHECK(pu_same_search(before, ix, seed + 9, NQ, K));
    free(more);
    ev_index_free(before);
    ev_index_free(ix);
  }
}

TEST(reorder_property_l2_none) { check_property(EV_METRIC_L2, EV_QUANT_NONE); }
TEST(reorder_property_cosine_sq8) { check_property(EV_METRIC_COSINE, EV_QUANT_SQ8); }
TEST(reorder_property_dot_binary) { check_property(EV_METRIC_DOT, EV_QUANT_BINARY); }
TEST(reorder_property_l2_binary) { check_property(EV_METRIC_L2, EV_QUANT_BINARY); }
TEST(reorder_property_cosine_none) { check_property(EV_METRIC_COSINE, EV_QUANT_NONE); }
TEST(reorder_property_dot_sq8) { check_property(EV_METRIC_DOT, EV_QUANT_SQ8); }

TEST(reorder_brings_neighbours_closer_and_is_idempotent) {
  ev_index *ix = pu_index(DIM, EV_METRIC_L2, 3);
  float *rows = pu_rows(3, DIM, 3000);
  REQUIRE(ix && rows);
  REQUIRE(ev_insert_batch(ix, rows, 3000, DIM, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  double spread = link_spread(ix);
  REQUIRE(ev_reorder(ix) == EV_OK);
  double after = link_spread(ix);
  NOTE("mean |slot - neighbour slot|: %.0f in insertion order, %.0f after", spread, after);
  CHECK(after < spread / 2);
  /* In order already: nothing moves, and the journal needs no snapshot. */
  REQUIRE(ev_journal_enable(ix, 0) == EV_OK);
  ev_index *before = pu_copy(ix);
  REQUIRE(before != NULL);
  CHECK_EQ_INT(ev_reorder(ix), EV_OK);
  CHECK(pu_same_index(before, ix));
  CHECK(!ev_journal_needs_snapshot(ix));
  /* Back to insertion order (ids are the automatic sequence). */
  REQUIRE(ev__reorder_with(ix, EV_ORDER_BY_ID) == EV_OK);
  CHECK(link_spread(ix) == spread);
  ev_index_free(before);
  ev_index_free(ix);
  free(rows);
}

TEST(reorder_contract) {
  CHECK_EQ_INT(ev_reorder(NULL), EV_ERR_INVALID_ARGUMENT);
  ev_index *ix = pu_index(DIM, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  CHECK_EQ_INT(ev__reorder_with(ix, (ev_order)99), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_reorder(ix), EV_OK); /* empty */
  float v[DIM] = {1};
  REQUIRE(ev_insert(ix, v, DIM, NULL, NULL) == EV_OK);
  CHECK_EQ_INT(ev_reorder(ix), EV_OK); /* one slot */
  CHECK_EQ_INT(ev_live_count(ix), 1);
  ev_index_free(ix);
}

/* Orders that move every slot, and the random one, keep the answers. */
TEST(reorder_every_order_keeps_the_answers) {
  ev_index *ix = random_index(77, EV_METRIC_L2, EV_QUANT_NONE);
  REQUIRE(ix != NULL);
  ev_index *before = pu_copy(ix);
  REQUIRE(before != NULL);
  for (int o = EV_ORDER_BFS; o <= EV_ORDER_BY_ID; o++) {
    REQUIRE(ev__reorder_with(ix, (ev_order)o) == EV_OK);
    CHECK(same_graph_renumbered(before, ix));
    CHECK(same_answers(before, ix, 5 + o));
    ev_index *loaded = pu_copy(ix);
    CHECK(loaded != NULL && pu_same_index(loaded, ix));
    ev_index_free(loaded);
  }
  ev_index_free(before);
  ev_index_free(ix);
}

TEST(reorder_out_of_memory_changes_nothing) {
  ev_index *ix = random_index(9, EV_METRIC_COSINE, EV_QUANT_SQ8);
  REQUIRE(ix != NULL);
  ev_order orders[2] = {EV_ORDER_BFS, EV_ORDER_BY_ID};
  for (int o = 0; o < 2; o++) {
    ev_index *before = pu_copy(ix);
    REQUIRE(before != NULL);
    int failures = 0;
    for (long n = 0;; n++) {
      ev_test_fail_alloc_after(n);
      ev_status st = ev__reorder_with(ix, orders[o]);
      int failed = ev_test_alloc_failed();
      ev_test_fail_alloc_after(-1);
      if (st == EV_OK) {
        CHECK(!failed);
        break;
      }
      failures++;
      CHECK_EQ_INT(st, EV_ERR_OUT_OF_MEMORY);
      CHECK(pu_same_index(before, ix));
    }
    /* The plan, its four arrays, and the repeated ids' two. */
    CHECK_EQ_INT(failures, 7);
    CHECK(same_graph_renumbered(before, ix));
    ev_index_free(before);
  }
  ev_index_free(ix);
}

TEST(reorder_refused_during_an_incremental_compaction) {
  ev_index *ix = random_index(11, EV_METRIC_L2, EV_QUANT_NONE);
  REQUIRE(ix != NULL);
  ev_index *before = pu_copy(ix);
  REQUIRE(before != NULL);
  REQUIRE(ev_compact_begin(ix) == EV_OK);
  uint32_t remaining;
  REQUIRE(ev_compact_step(ix, 50, &remaining) == EV_OK);
  CHECK_EQ_INT(ev_reorder(ix), EV_ERR_INVALID_ARGUMENT);
  CHECK(pu_same_index(before, ix));
  /* The finish numbers the compacted index in graph order itself. */
  REQUIRE(ev_compact_finish(ix) == EV_OK);
  CHECK_EQ_INT(ix->entry, 0);
  ev_index *finished = pu_copy(ix);
  REQUIRE(finished != NULL);
  CHECK_EQ_INT(ev_reorder(ix), EV_OK);
  CHECK(pu_same_index(finished, ix)); /* nothing left to move */
  ev_index_free(finished);
  ev_index_free(before);
  ev_index_free(ix);
}

TEST(compact_ends_in_graph_order_only_without_the_journal) {
  ev_index *ix = random_index(13, EV_METRIC_L2, EV_QUANT_NONE);
  ev_index *logged = random_index(13, EV_METRIC_L2, EV_QUANT_NONE);
  REQUIRE(ix && logged);
  REQUIRE(ev_compact(ix) == EV_OK);
  CHECK_EQ_INT(ix->entry, 0);
  REQUIRE(ev_journal_enable(logged, 0) == EV_OK);
  REQUIRE(ev_compact(logged) == EV_OK);
  /* Logged: the rebuild alone, which is what replay repeats: the same
   * graph in insertion order. */
  CHECK(same_graph_renumbered(logged, ix));
  NOTE("mean |slot - neighbour slot|: %.0f logged, %.0f in memory", link_spread(logged), link_spread(ix));
  CHECK(link_spread(logged) > link_spread(ix));
  ev_index *plain = pu_copy(logged);
  REQUIRE(plain != NULL);
  REQUIRE(ev_reorder(plain) == EV_OK);
  CHECK(pu_same_index(plain, ix));
  ev_index_free(plain);
  ev_index_free(logged);
  ev_index_free(ix);
}

TEST(reorder_with_the_journal_waits_for_commits_then_for_a_snapshot) {
  ev_index *ix = random_index(15, EV_METRIC_COSINE, EV_QUANT_NONE);
  float *extra = pu_rows(16, DIM, 8);
  REQUIRE(ix && extra);
  size_t snap_len = 0;
  uint8_t *snap = pu_journal_start(ix, &snap_len);
  REQUIRE(snap != NULL);
  pu_log log = {0};
  uint64_t id = 9000;
  REQUIRE(ev_insert(ix, extra, DIM, &id, NULL) == EV_OK);
  /* Uncommitted records name the old slots. */
  ev_index *before = pu_copy(ix);
  REQUIRE(before != NULL);
  CHECK_EQ_INT(ev_reorder(ix), EV_ERR_INVALID_ARGUMENT);
  CHECK(pu_same_index(before, ix));
  /* A commit in flight too. */
  const uint8_t *rec;
  size_t len;
  uint64_t seq;
  REQUIRE(ev_journal_begin_commit(ix, &rec, &len, &seq) == EV_OK && len > 0);
  CHECK_EQ_INT(ev_reorder(ix), EV_ERR_INVALID_ARGUMENT);
  ev_journal_end_commit(ix, 0);
  REQUIRE(pu_commit(ix, &log, NULL));
  CHECK(!ev_journal_needs_snapshot(ix));
  REQUIRE(ev_reorder(ix) == EV_OK);
  CHECK(ev_journal_needs_snapshot(ix));
  uint64_t snap_seq;
  REQUIRE(ev_journal_snapshot_seq(ix, &snap_seq) == EV_OK);
  size_t snap2_len = 0;
  uint8_t *snap2 = pu_save_at(ix, snap_seq, &snap2_len);
  REQUIRE(snap2 != NULL);
  /* Mutations wait for the snapshot to be stored before any commit. */
  id = 9001;
  REQUIRE(ev_insert(ix, extra + DIM, DIM, &id, NULL) == EV_OK);
  REQUIRE(ev_soft_delete(ix, 2, NULL) == EV_OK);
  mu_buf r = {.n = 0};
  mu_u16(&r, 1);
  mu_rec_bool(&r, "b", 1);
  REQUIRE(ev_meta_set(ix, 9001, r.b, r.n, NULL) == EV_OK);
  CHECK_EQ_INT(ev_journal_begin_commit(ix, &rec, &len, &seq), EV_ERR_INVALID_ARGUMENT);
  ev_journal_snapshot_stored(ix);
  pu_log log2 = {0};
  REQUIRE(pu_commit(ix, &log2, NULL));
  /* A crash now: the renumbered snapshot and the records after it. */
  ev_index *after = pu_recover(snap2, snap2_len, &log2, NULL);
  REQUIRE(after != NULL);
  CHECK(pu_same_index(after, ix));
  CHECK(pu_same_search(after, ix, 3, NQ, K));
  /* A crash before it was stored: the old snapshot and log give the state
   * before the reorder, the same answers under the old numbering. */
  ev_index *old = pu_recover(snap, snap_len, &log, NULL);
  REQUIRE(old != NULL);
  CHECK(pu_same_index(old, before));
  ev_index_free(old);
  ev_index_free(after);
  ev_index_free(before);
  ev_index_free(ix);
  free(snap);
  free(snap2);
  free(log.bytes);
  free(log2.bytes);
  free(extra);
}
