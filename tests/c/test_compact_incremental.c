/*
 * test_compact_incremental.c — the incremental compaction of compact.c:
 * between slices every call sees the old index (searches equal those of a
 * reference index given the same calls without a compaction); inserts,
 * deletes and re-inserts between slices all land; finish keeps every live
 * id with its vector; abort and every allocation failure leave the old
 * index as it was; the same calls build the same index; and with the
 * journal on, finish waits for the commits, the journal refuses to commit
 * until the new numbering is in a stored snapshot, and that snapshot plus
 * the records after it replays to the same index.
 */
#include <stdlib.h>
#include <string.h>

#define EV_FAIL_ALLOC_DECLARE_ONLY
#include "fail_alloc.h"
#include "harness.h"
#include "journal.h"
#include "metadata.h"
#include "persist_util.h"

#define DIM 8
#define N 400

/* An index of N seeded rows with ids 0..N-1 and every third deleted. */
static ev_index *with_tombstones(uint64_t seed, const float *rows) {
  ev_index *ix = pu_index(DIM, EV_METRIC_L2, seed);
  if (!ix) return NULL;
  if (ev_insert_batch(ix, rows, N, DIM, NULL, NULL, NULL, NULL, NULL, NULL) != EV_OK) {
    ev_index_free(ix);
    return NULL;
  }
  for (uint64_t id = 0; id < N; id += 3) ev_soft_delete(ix, id, NULL);
  return ix;
}

/* 1 when every id below `below` is live in both with the same vector, or
 * live in neither. */
static int same_live_vectors(const ev_index *a, const ev_index *b, uint64_t below) {
  float va[DIM], vb[DIM];
  for (uint64_t id = 0; id < below; id++) {
    ev_status sa = ev_get(a, id, va), sb = ev_get(b, id, vb);
    if (sa != sb) return 0;
    if (sa == EV_OK && memcmp(va, vb, sizeof va) != 0) return 0;
  }
  return ev_live_count(a) == ev_live_count(b);
}

/* The calls made between slices, applied alike to the index under
 * compaction and to the reference: a delete of an early slot (copied
 * already), of a late one (not yet), a re-insert of an id deleted before
 * begin, and an insert of a new id (a slot appended after begin). */
static int interleave(ev_index *ix, int round, const float *extra) {
  uint64_t early = (uint64_t)(1 + 3 * round), late = (uint64_t)(N - 2 - 3 * round);
  uint64_t again = (uint64_t)(3 * round), fresh_id = (uint64_t)(N + round);
  ev_delete_outcome o;
  if (ev_soft_delete(ix, early, &o) != EV_OK) return 0;
  if (ev_soft_delete(ix, late, &o) != EV_OK) return 0;
  if (ev_insert(ix, extra + DIM * (2 * round), DIM, &again, NULL) != EV_OK) return 0;
  return ev_insert(ix, extra + DIM * (2 * round + 1), DIM, &fresh_id, NULL) == EV_OK;
}

TEST(incremental_compaction_serves_the_old_index_between_slices) {
  float *rows = pu_rows(41, DIM, N), *extra = pu_rows(42, DIM, 64);
  ev_index *ix = with_tombstones(7, rows), *ref = with_tombstones(7, rows);
  REQUIRE(ix && ref && extra);
  REQUIRE(ev_compact_begin(ix) == EV_OK);
  CHECK_EQ_INT(ev_compact_begin(ix), EV_ERR_INVALID_ARGUMENT); /* one at a time */
  uint32_t remaining = 1, slices = 0, examined = 0, total = 0;
  int round = 0;
  while (remaining > 0) {
    REQUIRE(ev_compact_step(ix, 25, &remaining) == EV_OK);
    slices++;
    CHECK(ev_compact_progress(ix, &examined, &total) == EV_OK);
    CHECK_EQ_INT(examined + remaining, total);
    /* What every caller sees is the old index. */
    CHECK(pu_same_search(ix, ref, 100 + slices, 5, 10));
    CHECK(same_live_vectors(ix, ref, N + 32));
    if (round < 20) {
      REQUIRE(interleave(ix, round, extra));
      REQUIRE(interleave(ref, round, extra));
      round++;
    }
  }
  /* 400 slots, every third deleted: at most 25 copies a slice, plus the
   * slots the rounds appended. */
  CHECK(slices >= (N - N / 3) / 25);
  NOTE("%u slices of at most 25 copies; %d rounds of calls between them", slices, round);
  REQUIRE(ev_compact_finish(ix) == EV_OK);
  CHECK_EQ_INT(ev_compact_progress(ix, NULL, NULL), EV_ERR_NOT_FOUND);
  CHECK(same_live_vectors(ix, ref, N + 32));
  /* Deletes that came after their slot was copied are tombstones of the
   * new index; the others are gone. */
  CHECK(ev_deleted_count(ix) > 0 && ev_deleted_count(ix) <= 2 * (uint32_t)round);
  ev_delete_outcome o;
  CHECK(ev_soft_delete(ix, 1, &o) == EV_OK && o == EV_ALREADY_DELETED);
  /* The automatic id sequence goes on from the largest id ever held. */
  uint64_t next_ix, next_ref;
  CHECK(ev_next_auto_id(ix, &next_ix) == EV_OK && ev_next_auto_id(ref, &next_ref) == EV_OK);
  CHECK_EQ_INT(next_ix, next_ref);
  /* A whole compaction of both now gives the same live set and results
   * no worse than exact search allows. */
  CHECK(ev_compact(ix) == EV_OK && ev_compact(ref) == EV_OK);
  CHECK(same_live_vectors(ix, ref, N + 32));
  ev_index_free(ix);
  ev_index_free(ref);
  free(rows);
  free(extra);
}

TEST(incremental_compaction_is_deterministic_and_equals_a_whole_one) {
  float *rows = pu_rows(43, DIM, N), *extra = pu_rows(44, DIM, 64);
  REQUIRE(rows && extra);
  /* Without calls in between, slices of any size build what ev_compact
   * builds. */
  ev_index *whole = with_tombstones(9, rows), *sliced = with_tombstones(9, rows);
  REQUIRE(whole && sliced);
  REQUIRE(ev_compact(whole) == EV_OK);
  REQUIRE(ev_compact_begin(sliced) == EV_OK);
  uint32_t remaining = 1;
  for (uint32_t size = 1; remaining > 0; size = size * 2 + 1)
    REQUIRE(ev_compact_step(sliced, size, &remaining) == EV_OK);
  REQUIRE(ev_compact_finish(sliced) == EV_OK);
  CHECK(pu_same_index(whole, sliced));
  /* The same calls in between build the same index. */
  ev_index *a = with_tombstones(10, rows), *b = with_tombstones(10, rows);
  REQUIRE(a && b);
  REQUIRE(ev_compact_begin(a) == EV_OK && ev_compact_begin(b) == EV_OK);
  for (int round = 0; round < 8; round++) {
    REQUIRE(ev_compact_step(a, 30, NULL) == EV_OK && ev_compact_step(b, 30, NULL) == EV_OK);
    REQUIRE(interleave(a, round, extra) && interleave(b, round, extra));
  }
  REQUIRE(ev_compact_finish(a) == EV_OK && ev_compact_finish(b) == EV_OK);
  CHECK(pu_same_index(a, b));
  ev_index_free(whole);
  ev_index_free(sliced);
  ev_index_free(a);
  ev_index_free(b);
  free(rows);
  free(extra);
}

TEST(incremental_compaction_abort_and_errors) {
  float *rows = pu_rows(45, DIM, N);
  ev_index *ix = with_tombstones(11, rows), *ref = with_tombstones(11, rows);
  REQUIRE(ix && ref);
  size_t bytes = ev_memory_bytes(ix);
  CHECK_EQ_INT(ev_compact_step(ix, 10, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_compact_finish(ix), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_compact_begin(NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_compact_step(NULL, 10, NULL), EV_ERR_INVALID_ARGUMENT);
  ev_compact_abort(ix);   /* none running: nothing */
  ev_compact_abort(NULL);
  REQUIRE(ev_compact_begin(ix) == EV_OK);
  CHECK_EQ_INT(ev_compact_step(ix, 0, NULL), EV_ERR_INVALID_ARGUMENT);
  REQUIRE(ev_compact_step(ix, 100, NULL) == EV_OK);
  CHECK(ev_memory_bytes(ix) > bytes); /* the new index is counted */
  ev_compact_abort(ix);
  CHECK_EQ_INT(ev_memory_bytes(ix), bytes);
  CHECK(pu_same_index(ix, ref));
  /* A whole compaction drops one in progress, and a new one can begin;
   * freeing the index frees one in progress (the sanitizers check). */
  REQUIRE(ev_compact_begin(ix) == EV_OK);
  REQUIRE(ev_compact_step(ix, 50, NULL) == EV_OK);
  CHECK(ev_compact(ix) == EV_OK);
  CHECK_EQ_INT(ev_compact_progress(ix, NULL, NULL), EV_ERR_NOT_FOUND);
  CHECK(ev_compact_begin(ix) == EV_OK);
  CHECK(ev_compact_step(ix, 50, NULL) == EV_OK);
  ev_index_free(ix);
  ev_index_free(ref);
  free(rows);
}

/* Runs begin, steps of 40 and finish, failing each allocation of each call
 * once: every failure leaves the index as the reference (the same calls,
 * no compaction) and the compaction where it was; the end result is the
 * one of a run without failures. */
TEST(incremental_compaction_out_of_memory_at_every_step) {
  float *rows = pu_rows(47, DIM, N), *extra = pu_rows(48, DIM, 8);
  ev_index *ix = with_tombstones(13, rows), *ref = with_tombstones(13, rows);
  ev_index *clean = with_tombstones(13, rows);
  REQUIRE(ix && ref && clean && extra);
  int failures = 0;
  ev_status st;
  for (long n = 0;; n++) {
    ev_test_fail_alloc_after(n);
    st = ev_compact_begin(ix);
    ev_test_fail_alloc_after(-1);
    if (st == EV_OK) break;
    CHECK_EQ_INT(st, EV_ERR_OUT_OF_MEMORY);
    CHECK_EQ_INT(ev_compact_progress(ix, NULL, NULL), EV_ERR_NOT_FOUND);
    failures++;
  }
  REQUIRE(ev_compact_begin(clean) == EV_OK);
  uint32_t remaining = 1, clean_remaining = 1;
  while (remaining > 0) {
    for (long n = 0;; n++) {
      ev_test_fail_alloc_after(n);
      st = ev_compact_step(ix, 40, &remaining);
      int failed = ev_test_alloc_failed();
      ev_test_fail_alloc_after(-1);
      if (!failed) break;
      CHECK_EQ_INT(st, EV_ERR_OUT_OF_MEMORY);
      failures++;
    }
    CHECK_EQ_INT(st, EV_OK);
    CHECK(pu_same_index(ix, ref));
  }
  while (clean_remaining > 0) REQUIRE(ev_compact_step(clean, 40, &clean_remaining) == EV_OK);
  /* Slots appended after the last step are copied by finish, which may
   * fail on them. */
  uint64_t id = N + 1;
  REQUIRE(ev_insert(ix, extra, DIM, &id, NULL) == EV_OK);
  REQUIRE(ev_insert(ref, extra, DIM, &id, NULL) == EV_OK);
  REQUIRE(ev_insert(clean, extra, DIM, &id, NULL) == EV_OK);
  for (long n = 0;; n++) {
    ev_test_fail_alloc_after(n);
    st = ev_compact_finish(ix);
    int failed = ev_test_alloc_failed();
    ev_test_fail_alloc_after(-1);
    if (!failed) break;
    CHECK_EQ_INT(st, EV_ERR_OUT_OF_MEMORY);
    CHECK(pu_same_index(ix, ref));
    CHECK_EQ_INT(ev_compact_progress(ix, NULL, NULL), EV_OK);
    failures++;
  }
  CHECK_EQ_INT(st, EV_OK);
  REQUIRE(ev_compact_finish(clean) == EV_OK);
  CHECK(pu_same_index(ix, clean));
  CHECK(same_live_vectors(ix, ref, N + 2));
  NOTE("%d injected allocation failures, each leaving the old index as it was", failures);
  CHECK(failures > 10);
  /* The whole compaction too. */
  ev_index *whole = with_tombstones(14, rows), *whole_ref = with_tombstones(14, rows);
  REQUIRE(whole && whole_ref);
  for (long n = 0;; n++) {
    ev_test_fail_alloc_after(n);
    st = ev_compact(whole);
    int failed = ev_test_alloc_failed();
    ev_test_fail_alloc_after(-1);
    if (!failed) break;
    CHECK_EQ_INT(st, EV_ERR_OUT_OF_MEMORY);
    CHECK(pu_same_index(whole, whole_ref));
  }
  CHECK_EQ_INT(st, EV_OK);
  CHECK(same_live_vectors(whole, whole_ref, N));
  ev_index_free(ix);
  ev_index_free(ref);
  ev_index_free(clean);
  ev_index_free(whole);
  ev_index_free(whole_ref);
  free(rows);
  free(extra);
}

/* ---- with the journal ---------------------------------------------------- */

TEST(incremental_compaction_with_the_journal_then_snapshot_and_replay) {
  float *rows = pu_rows(49, DIM, N), *extra = pu_rows(50, DIM, 64);
  ev_index *ix = with_tombstones(15, rows);
  REQUIRE(ix && extra);
  size_t snap_len = 0;
  uint8_t *snap = pu_journal_start(ix, &snap_len);
  REQUIRE(snap != NULL);
  pu_log log = {0};
  REQUIRE(ev_compact_begin(ix) == EV_OK);
  uint32_t remaining = 1;
  for (int round = 0; remaining > 0; round++) {
    REQUIRE(ev_compact_step(ix, 40, &remaining) == EV_OK);
    if (round < 6) {
      REQUIRE(interleave(ix, round, extra));
      /* Commits between slices go on as usual (old numbering). */
      if (round % 2 == 0) REQUIRE(pu_commit(ix, &log, NULL));
    }
  }
  /* Uncommitted mutations would replay onto the wrong numbering. */
  CHECK(ev_journal_pending_bytes(ix) > 0);
  CHECK_EQ_INT(ev_compact_finish(ix), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_compact_progress(ix, NULL, NULL), EV_OK); /* still running */
  /* A commit in flight too. */
  const uint8_t *rec;
  size_t len;
  uint64_t seq;
  REQUIRE(ev_journal_begin_commit(ix, &rec, &len, &seq) == EV_OK && len > 0);
  CHECK_EQ_INT(ev_compact_finish(ix), EV_ERR_INVALID_ARGUMENT);
  ev_journal_end_commit(ix, 0);
  REQUIRE(pu_commit(ix, &log, NULL));
  /* The log so far replays onto the first snapshot to the old index. */
  ev_index *before = pu_recover(snap, snap_len, &log, NULL);
  REQUIRE(before != NULL);
  CHECK(pu_same_index(before, ix));
  CHECK(!ev_journal_needs_snapshot(ix));
  REQUIRE(ev_compact_finish(ix) == EV_OK);
  CHECK(ev_journal_needs_snapshot(ix));
  /* The snapshot of the new index, taken at once. */
  uint64_t snap_seq = 0;
  REQUIRE(ev_journal_snapshot_seq(ix, &snap_seq) == EV_OK);
  CHECK_EQ_INT(snap_seq, ev_journal_last_seq(ix));
  size_t snap2_len = 0;
  uint8_t *snap2 = pu_save_at(ix, snap_seq, &snap2_len);
  REQUIRE(snap2 != NULL);
  /* Until it is stored, nothing may be committed. */
  uint64_t id = 5000;
  REQUIRE(ev_insert(ix, extra + DIM * 40, DIM, &id, NULL) == EV_OK);
  REQUIRE(ev_soft_delete(ix, 2, NULL) == EV_OK);
  CHECK_EQ_INT(ev_journal_begin_commit(ix, &rec, &len, &seq), EV_ERR_INVALID_ARGUMENT);
  ev_journal_snapshot_stored(ix);
  CHECK(!ev_journal_needs_snapshot(ix));
  pu_log log2 = {0};
  REQUIRE(pu_commit(ix, &log2, NULL));
  id = 5001;
  REQUIRE(ev_insert(ix, extra + DIM * 41, DIM, &id, NULL) == EV_OK);
  REQUIRE(pu_commit(ix, &log2, NULL));
  /* A crash now: the new snapshot and the records after it. */
  ev_index *after = pu_recover(snap2, snap2_len, &log2, NULL);
  REQUIRE(after != NULL);
  CHECK(pu_same_index(after, ix));
  CHECK(pu_same_search(after, ix, 77, 8, 10));
  /* A crash before it was stored: the old snapshot and the old log give
   * the state before finish (every commit made before it). */
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
  free(rows);
  free(extra);
}

/* Metadata through an incremental compaction: each copy carries its
 * slot's record; a record set or cleared on a slot already copied is
 * copied again; a slot deleted after its copy leaves no record; inserts
 * and re-inserts between slices keep theirs. The compacted index must hold
 * exactly what a reference given the same calls without a compaction
 * holds, and save and load as a snapshot. */
TEST(incremental_compaction_carries_metadata) {
  float *rows = pu_rows(47, DIM, N), *extra = pu_rows(48, DIM, 8);
  REQUIRE(rows && extra);
  ev_index *ix = with_tombstones(12, rows), *ref = with_tombstones(12, rows);
  REQUIRE(ix && ref);
  uint8_t rec[PU_META_MAX];
  size_t len;
  for (uint64_t id = 0; id < N; id++) {
    if (id % 3 == 0) continue; /* deleted */
    len = pu_meta_record(id, rec);
    REQUIRE(pu_meta_set(ix, id, rec, len) == EV_OK && pu_meta_set(ref, id, rec, len) == EV_OK);
  }
  REQUIRE(ev_compact_begin(ix) == EV_OK);
  uint32_t remaining;
  REQUIRE(ev_compact_step(ix, 100, &remaining) == EV_OK && remaining > 0);
  ev_index *both[2] = {ix, ref};
  for (int i = 0; i < 2; i++) {
    ev_index *x = both[i];
    len = pu_meta_record(1000, rec);
    REQUIRE(pu_meta_set(x, 2, rec, len) == EV_OK);      /* copied: set again */
    REQUIRE(pu_meta_set(x, 4, NULL, 0) == EV_OK);       /* copied: cleared */
    REQUIRE(ev_soft_delete(x, 5, NULL) == EV_OK);       /* copied, then deleted */
    len = pu_meta_record(2000, rec);
    REQUIRE(pu_meta_set(x, N - 2, rec, len) == EV_OK);  /* not copied yet */
    uint64_t again = 0, added = N + 1;                   /* 0 was deleted */
    uint32_t offsets[2] = {0, 0};
    offsets[1] = (uint32_t)pu_meta_record(3000, rec);
    REQUIRE(ev_insert_batch_meta(x, extra, 1, DIM, &again, rec, offsets, NULL, NULL, NULL, NULL) == EV_OK);
    offsets[1] = (uint32_t)pu_meta_record(4000, rec);
    REQUIRE(ev_insert_batch_meta(x, extra + DIM, 1, DIM, &added, rec, offsets, NULL, NULL, NULL, NULL) == EV_OK);
  }
  REQUIRE(ev_compact_finish(ix) == EV_OK);
  CHECK(ev_deleted_count(ix) == 1); /* id 5, deleted after its copy */
  uint8_t a[PU_META_MAX], b[PU_META_MAX];
  for (uint64_t id = 0; id <= N + 1; id++) {
    size_t la = 0, lb = 0;
    ev_status sa = ev_meta_get(ix, id, a, sizeof a, &la);
    ev_status sb = ev_meta_get(ref, id, b, sizeof b, &lb);
    if (!CHECK(sa == sb && la == lb && (sa != EV_OK || memcmp(a, b, la) == 0))) {
      NOTE("id %llu differs", (unsigned long long)id);
      break;
    }
  }
  CHECK(pu_meta_is(ix, 4, NULL, 0));
  { uint8_t r2[PU_META_MAX]; size_t l2 = pu_meta_record(1000, r2); CHECK(pu_meta_is(ix, 2, r2, l2)); }
  ev_index *loaded = pu_copy(ix);
  CHECK(loaded != NULL);
  if (loaded) CHECK(pu_same_index(ix, loaded));
  ev_index_free(loaded);
  ev_index_free(ix);
  ev_index_free(ref);
  free(rows);
  free(extra);
}
