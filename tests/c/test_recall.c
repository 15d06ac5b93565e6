/*
 * test_recall.c — property tests of search quality on clustered data:
 * recall@10 against brute force for every metric, deleted vectors never
 * returned, recall and self-recall after deleting and compacting, and batch
 * inserts building the same graph as single inserts.
 */
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "edgevec.h"
#include "harness.h"

#define N 10000u
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

/* Mean recall@K of ev_search (at ef) against ev_search_exact. */
static double recall_at_k(ev_index *ix, uint32_t ef) {
  uint64_t got[K], truth[K];
  float gd[K], td[K];
  uint32_t gn, tn;
  size_t hits = 0, total = 0;
  for (uint32_t q = 0; q < QUERIES; q++) {
    const float *query = query_rows + (size_t)q * DIM;
    ev_search(ix, query, DIM, K, ef, got, gd, &gn);
    ev_search_exact(ix, query, DIM, K, truth, td, &tn);
    for (uint32_t i = 0; i < tn; i++)
      for (uint32_t j = 0; j < gn; j++)
        if (truth[i] == got[j]) { hits++; break; }
    total += tn;
  }
  return total ? (double)hits / (double)total : 0.0;
}

static void recall_for(ev_metric metric, const char *name) {
  ensure_data();
  ev_index *ix = build(metric, N);
  REQUIRE(ix != NULL);
  double r = recall_at_k(ix, 64);
  NOTE("%s: recall@10 = %.4f on 10k x 128 (M 16, efC 200, ef 64)", name, r);
  CHECK(r >= 0.95);
  ev_index_free(ix);
}

TEST(recall_l2_at_least_095) { recall_for(EV_METRIC_L2, "l2"); }
TEST(recall_cosine_at_least_095) { recall_for(EV_METRIC_COSINE, "cosine"); }
TEST(recall_dot_at_least_095) { recall_for(EV_METRIC_DOT, "dot"); }
