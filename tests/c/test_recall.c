/*
 * test_recall.c — search quality end to end, on clustered data: recall@10
 * against brute force for every metric, deleted vectors never returned,
 * recall and self-recall after deleting and compacting.
 */
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "edgevec.h"
#include "harness.h"
#include "recall_util.h"

/* 10,000 rows, fewer under a sanitizer (harness.h). */
#define N EV_TEST_ROWS(10000u)
#define DIM 128u
#define QUERIES 200u
#define K 10u

/* One shared dataset (generated once) keeps the suite fast. */
static float *base_rows, *query_rows;

static void ensure_data(void) {
  if (base_rows) return;
  ev_mixture mix;
  ev_mixture_init(&mix, 42, DIM, EV_DATASET_CLUSTERS, EV_DATASET_SPREAD);
  base_rows = malloc(sizeof(float) * N * DIM);
  query_rows = malloc(sizeof(float) * QUERIES * DIM);
  ev_mixture_rows(&mix, N, base_rows);
  ev_mixture_rows(&mix, QUERIES, query_rows);
  ev_mixture_free(&mix);
}

static ev_index *build(ev_metric metric, uint32_t n) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = DIM;
  o.metric = metric;
  o.seed = 7;
  ev_index *ix = NULL;
  if (ev_index_create(&o, &ix) != EV_OK) return NULL;
  if (ev_insert_batch(ix, base_rows, n, DIM, NULL, NULL, NULL, NULL, NULL, NULL) != EV_OK) {
    ev_index_free(ix);
    return NULL;
  }
  return ix;
}

/* Mean recall@K of ev_search (at ef) against ev_search_exact, over the
 * shared queries. */
static double recall_at_k(ev_index *ix, uint32_t ef) {
  return ru_recall(ix, query_rows, QUERIES, DIM, K, ef);
}

static void recall_for(ev_metric metric, const char *name) {
  ensure_data();
  ev_index *ix = build(metric, N);
  REQUIRE(ix != NULL);
  double r = recall_at_k(ix, 64);
  NOTE("%s: recall@10 = %.4f on %u x 128 (M 16, efC 200, ef 64)", name, r, N);
  CHECK(r >= 0.95);
  ev_index_free(ix);
}

TEST(recall_l2_at_least_095) { recall_for(EV_METRIC_L2, "l2"); }
TEST(recall_cosine_at_least_095) { recall_for(EV_METRIC_COSINE, "cosine"); }
TEST(recall_dot_at_least_095) { recall_for(EV_METRIC_DOT, "dot"); }

/* ids of the vectors deleted below: every third one, about 33%. */
static int is_victim(uint64_t id) { return id % 3 == 1; }

TEST(deleted_never_returned_and_compaction_keeps_recall) {
  ensure_data();
  ev_index *ix = build(EV_METRIC_L2, N);
  REQUIRE(ix != NULL);
  uint64_t *victims = malloc(sizeof(uint64_t) * N);
  size_t nv = 0;
  for (uint64_t id = 0; id < N; id++)
    if (is_victim(id)) victims[nv++] = id;
  ev_batch_delete_result r;
  CHECK_EQ_INT(ev_soft_delete_batch(ix, victims, nv, &r), EV_OK);
  CHECK_EQ_INT(r.deleted, nv);
  CHECK_EQ_INT(ev_live_count(ix), N - nv);

  /* No search at any ef returns a deleted id, and recall (against the
   * exact scan over live vectors) holds while tombstones route. */
  uint64_t ids[K];
  float d[K];
  uint32_t n;
  int leaked = 0;
  uint32_t efs[] = {10, 64, 200};
  for (int e = 0; e < 3; e++)
    for (uint32_t q = 0; q < QUERIES; q++) {
      ev_search(ix, query_rows + (size_t)q * DIM, DIM, K, efs[e], ids, d, &n);
      for (uint32_t i = 0; i < n; i++) leaked |= is_victim(ids[i]);
    }
  CHECK(!leaked);
  double before = recall_at_k(ix, 64);
  NOTE("recall@10 with 33%% tombstones = %.4f", before);
  CHECK(before >= 0.95);

  CHECK_EQ_INT(ev_compact(ix), EV_OK);
  CHECK_EQ_INT(ev_deleted_count(ix), 0);
  CHECK_EQ_INT(ev_live_count(ix), N - nv);
  double after = recall_at_k(ix, 64);
  NOTE("recall@10 after compaction = %.4f", after);
  CHECK(after >= 0.95);

  /* Every live vector keeps its id and its exact vector, and finds itself. */
  float *got = malloc(sizeof(float) * DIM);
  size_t self_hits = 0, kept = 0, same_vectors = 0;
  for (uint64_t id = 0; id < N; id++) {
    if (is_victim(id)) {
      CHECK(!ev_contains(ix, id));
      continue;
    }
    kept++;
    if (ev_get(ix, id, got) == EV_OK &&
        memcmp(got, base_rows + id * DIM, sizeof(float) * DIM) == 0)
      same_vectors++;
    ev_search(ix, base_rows + id * DIM, DIM, 1, 64, ids, d, &n);
    if (n == 1 && ids[0] == id) self_hits++;
  }
  CHECK_EQ_INT(same_vectors, kept);
  double self_recall = (double)self_hits / (double)kept;
  NOTE("self-recall after compaction = %.4f", self_recall);
  CHECK(self_recall >= 0.99);
  free(got);
  free(victims);
  ev_index_free(ix);
}
