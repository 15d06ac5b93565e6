/*
 * test_parallel.c — parallel.c and the batches that use it: ev_search_batch
 * returns exactly what ev_search returns for each query, on one thread and
 * on several; inserts on several threads leave every link list valid (the
 * rule of ev__links_ok, caps, no isolated node) and keep every back link (a
 * node another thread linked to first keeps that link), draw the same
 * levels as one thread, keep the recall of a one-thread build against brute
 * force, and log a graph that replays exactly; ev_set_threads' range.
 *
 * Built with threads (EV_THREADS: the native builds) the batches really run
 * on several threads; built without, the same tests check the plain loop.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "dataset.h"
#include "edgevec.h"
#include "harness.h"
#include "index.h"
#include "journal.h"
#include "metadata.h"
#include "persist_util.h"
#include "recall_util.h"
#include "snapshot.h"
#include "wal.h"

#define THREADS 4u

static ev_index *make_with(uint32_t dim, ev_metric metric, uint64_t seed,
                           uint32_t m, uint32_t threads) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.metric = metric;
  o.seed = seed;
  o.m = m;
  o.ef_construction = 64;
  ev_index *ix = NULL;
  if (ev_index_create(&o, &ix) != EV_OK) return NULL;
  if (ev_set_threads(ix, threads) != EV_OK) {
    ev_index_free(ix);
    return NULL;
  }
  return ix;
}

static ev_index *make(uint32_t dim, ev_metric metric, uint64_t seed,
                      uint32_t threads) {
  return make_with(dim, metric, seed, 8, threads);
}

/* An L2 index whose lists hold m links above level 0 and 2m on it. */
static ev_index *make_m(uint32_t dim, uint64_t seed, uint32_t m, uint32_t threads) {
  return make_with(dim, EV_METRIC_L2, seed, m, threads);
}

/* Every list of every node obeys the rule the readers of persisted graphs
 * check (ev__links_ok: targets exist, reach the level, no self link, no
 * repeat), holds at most its cap, and every node but the entry point has
 * a level-0 link. Returns the number of broken lists. */
static uint32_t broken_lists(ev_index *ix) {
  uint32_t broken = 0;
  uint8_t *le = malloc(4 * (size_t)(ix->m0 + 1));
  if (!le) return UINT32_MAX;
  memset(ix->scratch.visited, 0, sizeof(uint32_t) * ix->count);
  for (uint32_t s = 0; s < ix->count; s++) {
    for (int l = 0; l <= ix->levels[s]; l++) {
      const uint32_t *links = ev__links(ix, s, l);
      if (links[0] > ev__list_cap(ix, l)) {
        broken++;
        continue;
      }
      for (uint32_t i = 0; i <= links[0]; i++) ev_le_put_u32(le + 4 * i, links[i]);
      uint32_t bad = 0;
      if (!ev__links_ok(ix, s, l, ix->levels, ix->count, 0, le, &bad)) broken++;
    }
    if (s != ix->entry && ev__links0(ix, s)[0] == 0) broken++;
  }
  free(le);
  return broken;
}

/* Links whose target does not link back on the same level. While no list
 * has ever filled (no re-selection), every link made a back link that
 * stays, so this counts back links lost. */
static uint32_t one_way_links(ev_index *ix) {
  uint32_t one_way = 0;
  for (uint32_t s = 0; s < ix->count; s++)
    for (int l = 0; l <= ix->levels[s]; l++) {
      const uint32_t *links = ev__links(ix, s, l);
      for (uint32_t i = 1; i <= links[0]; i++) {
        const uint32_t *back = ev__links(ix, links[i], l);
        uint32_t j = 1;
        while (j <= back[0] && back[j] != s) j++;
        if (j > back[0]) one_way++;
      }
    }
  return one_way;
}

TEST(set_threads_accepts_1_to_64) {
  ev_index *ix = make(4, EV_METRIC_L2, 1, 1);
  REQUIRE(ix != NULL);
  CHECK_EQ_INT(ev_set_threads(ix, 0), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_set_threads(ix, 65), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_set_threads(NULL, 2), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_set_threads(ix, 64), EV_OK);
  CHECK_EQ_INT(ev_set_threads(ix, 1), EV_OK);
#ifdef EV_THREADS
  CHECK_EQ_INT(ev_threads_supported(), 1);
#else
  CHECK_EQ_INT(ev_threads_supported(), 0);
#endif
  ev_index_free(ix);
}

/* The same queries through ev_search one by one and through the batch, on
 * one thread and on several: the same ids and bit-identical distances
 * (with SQ8 too, whose walks hold the query in a form of their own). */
TEST(search_batch_returns_what_search_returns) {
  const uint32_t n = 2000, dim = 24, nq = 64, k = 10;
  const ev_metric metrics[3] = {EV_METRIC_L2, EV_METRIC_COSINE, EV_METRIC_L2};
  const ev_quantization quant[3] = {EV_QUANT_NONE, EV_QUANT_NONE, EV_QUANT_SQ8};
  for (int m = 0; m < 3; m++) {
    float *rows = ev_dataset_rows(11 + m, dim, 8, n + nq);
    ev_options o;
    ev_options_init(&o);
    o.dimensions = dim;
    o.metric = metrics[m];
    o.quantization = quant[m];
    o.seed = 5;
    o.m = 8;
    o.ef_construction = 64;
    ev_index *ix = NULL;
    REQUIRE(ev_index_create(&o, &ix) == EV_OK);
    REQUIRE(rows && ix);
    REQUIRE(ev_insert_batch(ix, rows, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
    for (uint64_t id = 0; id < n; id += 7) REQUIRE(ev_soft_delete(ix, id, NULL) == EV_OK);
    const float *queries = rows + (size_t)n * dim;
    uint64_t *want_ids = calloc((size_t)nq * k, sizeof *want_ids);
    float *want_d = calloc((size_t)nq * k, sizeof *want_d);
    uint32_t *want_n = calloc(nq, sizeof *want_n);
    uint64_t *ids = calloc((size_t)nq * k, sizeof *ids);
    float *d = calloc((size_t)nq * k, sizeof *d);
    uint32_t *counts = calloc(nq, sizeof *counts);
    REQUIRE(want_ids && want_d && want_n && ids && d && counts);
    for (uint32_t q = 0; q < nq; q++)
      REQUIRE(ev_search(ix, queries + (size_t)q * dim, dim, k, 32, want_ids + q * k,
                        want_d + q * k, &want_n[q]) == EV_OK);
    const uint32_t threads[2] = {1, THREADS};
    for (int t = 0; t < 2; t++) {
      REQUIRE(ev_set_threads(ix, threads[t]) == EV_OK);
      memset(ids, 0xFF, sizeof *ids * nq * k);
      memset(counts, 0, sizeof *counts * nq);
      ev_batch_error err = {99};
      CHECK_EQ_INT(ev_search_batch(ix, queries, nq, dim, k, 32, ids, d, counts, &err), EV_OK);
      CHECK_EQ_INT(err.index, 0);
      CHECK(memcmp(counts, want_n, sizeof *counts * nq) == 0);
      int same = 1;
      for (uint32_t q = 0; q < nq; q++)
        for (uint32_t i = 0; i < want_n[q]; i++)
          if (ids[q * k + i] != want_ids[q * k + i] ||
              memcmp(&d[q * k + i], &want_d[q * k + i], sizeof(float)) != 0)
            same = 0;
      CHECK(same);
    }
    free(want_ids);
    free(want_d);
    free(want_n);
    free(ids);
    free(d);
    free(counts);
    ev_index_free(ix);
    free(rows);
  }
}

/* Every query is checked first: a bad one anywhere fails the batch, names
 * its position, and nothing is written. */
TEST(search_batch_checks_every_query_first) {
  const uint32_t dim = 4, k = 3;
  float rows[5 * 4] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  ev_index *ix = make(dim, EV_METRIC_COSINE, 2, THREADS);
  REQUIRE(ix != NULL);
  REQUIRE(ev_insert_batch(ix, rows, 5, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  float queries[3 * 4] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
  uint64_t ids[9];
  float d[9];
  uint32_t counts[3] = {7, 7, 7};
  ev_batch_error err;
  queries[2 * 4 + 1] = 1.0f / 0.0f;
  CHECK_EQ_INT(ev_search_batch(ix, queries, 3, dim, k, 0, ids, d, counts, &err),
               EV_ERR_INVALID_VECTOR);
  CHECK_EQ_INT(err.index, 2);
  CHECK(counts[0] == 7 && counts[1] == 7 && counts[2] == 7);
  memset(queries + 4, 0, 4 * sizeof(float));
  queries[2 * 4 + 1] = 0;
  CHECK_EQ_INT(ev_search_batch(ix, queries, 3, dim, k, 0, ids, d, counts, &err),
               EV_ERR_ZERO_VECTOR);
  CHECK_EQ_INT(err.index, 1);
  CHECK(counts[0] == 7);
  CHECK_EQ_INT(ev_search_batch(ix, queries, 0, dim, k, 0, ids, d, counts, &err),
               EV_ERR_EMPTY_BATCH);
  CHECK_EQ_INT(ev_search_batch(ix, queries, 3, dim + 1, k, 0, ids, d, counts, &err),
               EV_ERR_DIMENSION_MISMATCH);
  CHECK_EQ_INT(ev_search_batch(ix, queries, 3, dim, 0, 0, ids, d, counts, &err),
               EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search_batch(ix, queries, 3, dim, k, EV_MAX_EF + 1, ids, d, counts, &err),
               EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search_batch(ix, queries, 3, dim, k, 0, NULL, d, counts, &err),
               EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search_batch(NULL, queries, 3, dim, k, 0, ids, d, counts, &err),
               EV_ERR_INVALID_ARGUMENT);
  /* Good queries: k = 3 of 5 for each. */
  queries[5] = 1;
  CHECK_EQ_INT(ev_search_batch(ix, queries, 3, dim, k, 0, ids, d, counts, NULL), EV_OK);
  CHECK(counts[0] == k && counts[1] == k && counts[2] == k);
  CHECK(ids[0] == 0 && ids[3] == 1 && ids[6] == 2);
  ev_index_free(ix);
}

/* Inserts on several threads, in batches into a growing index (the second
 * batch walks a graph the first built): every list valid, the levels those
 * of a one-thread build, and recall against brute force as good. */
TEST(parallel_insert_leaves_valid_lists_and_keeps_recall) {
  const uint32_t n = 6000, dim = 32, nq = 100, k = 10;
  float *rows = ev_dataset_rows(21, dim, 16, n + nq);
  ev_index *par = make(dim, EV_METRIC_L2, 9, THREADS);
  ev_index *one = make(dim, EV_METRIC_L2, 9, 1);
  REQUIRE(rows && par && one);
  const uint32_t first = 1000;
  REQUIRE(ev_insert_batch(par, rows, first, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  REQUIRE(ev_insert_batch(par, rows + (size_t)first * dim, n - first, dim, NULL, NULL, NULL,
                          NULL, NULL, NULL) == EV_OK);
  REQUIRE(ev_insert_batch(one, rows, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  CHECK_EQ_INT(par->count, n);
  CHECK_EQ_INT(broken_lists(par), 0);
  CHECK(memcmp(par->levels, one->levels, n) == 0);
  CHECK(par->rng_state == one->rng_state);
  CHECK_EQ_INT(par->max_level, one->max_level);
  CHECK(par->levels[par->entry] == par->max_level);
  /* Ids went to slots in order, as on one thread. */
  CHECK(memcmp(par->ext_ids, one->ext_ids, sizeof(uint64_t) * n) == 0);
  const float *queries = rows + (size_t)n * dim;
  double r_par = ru_recall(par, queries, nq, dim, k, 64);
  double r_one = ru_recall(one, queries, nq, dim, k, 64);
  NOTE("recall@10 at ef 64: %.4f on %u threads, %.4f on one", r_par, THREADS, r_one);
  CHECK(r_par >= 0.95);
  CHECK(r_par >= r_one - 0.02);
  ev_index_free(par);
  ev_index_free(one);
  free(rows);
}

static int count_progress(void *context, size_t done, size_t total) {
  (void)total;
  *(size_t *)context = done;
  return 0;
}

/* A progress callback is called after each vector in order, so such a
 * batch runs on one thread: the graph is the one-thread graph exactly. */
TEST(parallel_insert_with_progress_builds_the_one_thread_graph) {
  const uint32_t n = 800, dim = 8;
  float *rows = ev_dataset_rows(23, dim, 8, n);
  ev_index *a = make(dim, EV_METRIC_L2, 4, THREADS), *b = make(dim, EV_METRIC_L2, 4, 1);
  REQUIRE(rows && a && b);
  size_t calls = 0;
  REQUIRE(ev_insert_batch(a, rows, n, dim, NULL, NULL, count_progress, &calls, NULL,
                          NULL) == EV_OK);
  CHECK_EQ_INT(calls, n);
  REQUIRE(ev_insert_batch(b, rows, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  CHECK(pu_same_bytes(a, b));
  ev_index_free(a);
  ev_index_free(b);
  free(rows);
}

/* With journaling on, a parallel insert's commit is a GRAPH op that
 * replays to exactly the graph the threads built (the journal's marks are
 * taken under their own lock). */
/* Small batches on several threads into indexes with room in every list
 * for every node (m0 above the node count: no list ever fills, so none is
 * re-selected), of tight clusters where a batch's nodes are each other's
 * nearest: every link keeps its back link, as on one thread. Why: another
 * thread can link to a node on a level before the node has written its own
 * list there, and writing it must not drop that link (a node whose links
 * all went that way has no way in). */
TEST(parallel_insert_keeps_every_back_link) {
  const uint32_t dim = 8, indexes = 60, batches = 6, per = 40;
  uint32_t one_way_par = 0, one_way_one = 0;
  for (uint32_t x = 0; x < indexes; x++) {
    float *rows = ev_dataset_rows(44 + x, dim, 4, batches * per);
    ev_index *par = make_m(dim, 5 + x, 128, THREADS);
    ev_index *one = make_m(dim, 5 + x, 128, 1);
    REQUIRE(rows && par && one);
    for (uint32_t b = 0; b < batches; b++) {
      const float *batch = rows + (size_t)b * per * dim;
      REQUIRE(ev_insert_batch(par, batch, per, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
      REQUIRE(ev_insert_batch(one, batch, per, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
    }
    CHECK_EQ_INT(broken_lists(par), 0);
    one_way_par += one_way_links(par);
    one_way_one += one_way_links(one);
    ev_index_free(par);
    ev_index_free(one);
    free(rows);
  }
  NOTE("one-way links in %u indexes: %u on %u threads, %u on one", indexes, one_way_par, THREADS,
       one_way_one);
  CHECK_EQ_INT(one_way_one, 0);
  CHECK_EQ_INT(one_way_par, 0);
}

TEST(parallel_insert_logs_a_graph_that_replays_exactly) {
  const uint32_t dim = 16, base = 400, more = 1600;
  float *rows = pu_rows(31, dim, base + more);
  ev_index *w = make(dim, EV_METRIC_L2, 31, THREADS);
  REQUIRE(rows && w);
  REQUIRE(ev_insert_batch(w, rows, base, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  size_t snap_len;
  uint8_t *snap = pu_save(w, &snap_len);
  REQUIRE(snap && ev_journal_enable(w, 0) == EV_OK);
  REQUIRE(ev_insert_batch(w, rows + (size_t)base * dim, more, dim, NULL, NULL, NULL, NULL,
                          NULL, NULL) == EV_OK);
  const uint8_t *rec;
  size_t rec_len;
  uint64_t seq;
  REQUIRE(ev_journal_begin_commit(w, &rec, &rec_len, &seq) == EV_OK);
  ev_index *r = NULL;
  REQUIRE(ev_snapshot_load(snap, snap_len, &r, NULL, NULL) == EV_OK);
  ev_wal_replay_result res;
  CHECK_EQ_INT(ev_wal_replay(r, rec, rec_len, 0, &res), EV_OK);
  ev_journal_end_commit(w, 1);
  CHECK(pu_same_index(w, r) && pu_same_bytes(w, r));
  CHECK_EQ_INT(broken_lists(w), 0);
  ev_index_free(r);
  ev_index_free(w);
  free(snap);
  free(rows);
}

/* Metadata and given ids on several threads: each id has its vector and
 * its record. */
TEST(parallel_insert_keeps_ids_vectors_and_metadata_together) {
  const uint32_t n = 500, dim = 8;
  float *rows = pu_rows(41, dim, n);
  uint64_t *ids = malloc(sizeof *ids * n);
  uint8_t *blob = malloc((size_t)n * PU_META_MAX);
  uint32_t *offsets = malloc(sizeof *offsets * (n + 1));
  ev_index *ix = make(dim, EV_METRIC_L2, 41, THREADS);
  REQUIRE(rows && ids && blob && offsets && ix);
  offsets[0] = 0;
  for (uint32_t i = 0; i < n; i++) {
    ids[i] = 1000000 + 3 * (uint64_t)i;
    offsets[i + 1] = offsets[i] + (uint32_t)pu_meta_record(i, blob + offsets[i]);
  }
  REQUIRE(ev_insert_batch_meta(ix, rows, n, dim, ids, blob, offsets, NULL, NULL, NULL,
                               NULL) == EV_OK);
  int ok = 1;
  float v[8];
  for (uint32_t i = 0; i < n; i++) {
    if (ev_get(ix, ids[i], v) != EV_OK || memcmp(v, rows + (size_t)i * dim, sizeof v) != 0)
      ok = 0;
    if (!pu_meta_is(ix, ids[i], blob + offsets[i], offsets[i + 1] - offsets[i])) ok = 0;
  }
  CHECK(ok);
  CHECK_EQ_INT(broken_lists(ix), 0);
  ev_index_free(ix);
  free(rows);
  free(ids);
  free(blob);
  free(offsets);
}

/* The thread count is the index's setting: compaction (a fresh index that
 * takes the old one's place) keeps it. */
TEST(parallel_threads_survive_compaction) {
  const uint32_t n = 300, dim = 8;
  float *rows = pu_rows(51, dim, n);
  ev_index *ix = make(dim, EV_METRIC_L2, 51, THREADS);
  REQUIRE(rows && ix);
  REQUIRE(ev_insert_batch(ix, rows, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  for (uint64_t id = 0; id < n; id += 2) REQUIRE(ev_soft_delete(ix, id, NULL) == EV_OK);
  REQUIRE(ev_compact(ix) == EV_OK);
  CHECK_EQ_INT(ix->threads, THREADS);
  CHECK_EQ_INT(broken_lists(ix), 0);
  ev_index_free(ix);
  free(rows);
}
