/*
 * test_search_filtered.c — search_filtered.c: the argument errors, and a
 * property test over every strategy at several selectivities, with labels
 * random and following the clusters, with deletions: every answer holds
 * min(k, live matches) matching live vectors, sorted, and its recall
 * against the exact filtered brute force is high.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core_util.h"
#include "dataset.h"
#include "edgevec.h"
#include "filter.h"
#include "harness.h"
#include "meta_util.h"
#include "metadata.h"

enum { N = 3000, DIM = 16, K = 10, QUERIES = 25 };

typedef struct fixture {
  ev_index *ix;
  float *queries;
  double label_u[N], label_c[N]; /* random, and following the cluster */
  uint8_t deleted[N];
} fixture;

/* Inserts n rows of `dim` with records {c, u}: u uniform in 0..999, c
 * following each row's cluster (of 8) with some noise; the labels go into
 * u[] and c[]. A few thousand records at a time: a record buffer's room. */
static int insert_labelled(ev_index *ix, const float *rows, const uint32_t *clusters, uint32_t n,
                           uint32_t dim, ev_dataset_rng *rng, double *u, double *c) {
  enum { CHUNK = 2000 };
  static mu_buf blob;
  static uint32_t off[CHUNK + 1];
  for (uint32_t at = 0; at < n; at += CHUNK) {
    uint32_t m = n - at < CHUNK ? n - at : CHUNK;
    blob.n = 0;
    for (uint32_t i = 0; i < m; i++) {
      u[at + i] = floor(ev_dataset_uniform(rng) * 1000);
      c[at + i] = floor((clusters[at + i] + ev_dataset_uniform(rng)) * 1000 / 8);
      off[i] = (uint32_t)blob.n;
      mu_u16(&blob, 2);
      mu_rec_num(&blob, "c", c[at + i]);
      mu_rec_num(&blob, "u", u[at + i]);
    }
    off[m] = (uint32_t)blob.n;
    if (ev_insert_batch_meta(ix, rows + (size_t)at * dim, m, dim, NULL, blob.b, off, NULL, NULL,
                             NULL, NULL) != EV_OK)
      return 0;
  }
  return 1;
}

static int build(fixture *f, ev_options o) {
  static float rows[N * DIM];
  uint32_t clusters[N];
  ev_mixture mix;
  if (!ev_mixture_init(&mix, o.seed, DIM, 8, EV_DATASET_SPREAD)) return 0;
  ev_mixture_rows_labelled(&mix, N, rows, clusters);
  f->queries = malloc(sizeof(float) * QUERIES * DIM);
  if (!f->queries) return 0;
  ev_mixture_rows(&mix, QUERIES, f->queries);
  ev_mixture_free(&mix);
  ev_dataset_rng rng = {o.seed * 31 + 7};
  f->ix = cu_create(&o);
  if (!f->ix || !insert_labelled(f->ix, rows, clusters, N, DIM, &rng, f->label_u, f->label_c))
    return 0;
  /* Delete a tenth at random: they must never come back. */
  for (uint32_t i = 0; i < N; i++) {
    f->deleted[i] = ev_dataset_uniform(&rng) < 0.1;
    if (f->deleted[i] && ev_soft_delete(f->ix, i, NULL) != EV_OK) return 0;
  }
  return 1;
}

static void drop(fixture *f) {
  ev_index_free(f->ix);
  free(f->queries);
}

/* `field < t` */
static void less_than(mu_buf *p, const char *field, double t) {
  mu_prog(p, 1);
  mu_leaf(p, EV_FILTER_LT, field);
  mu_val_num(p, t);
}

/* Runs every strategy on `field < t`; returns the worst recall of the
 * graph strategies chosen by AUTO and checks the contract throughout. */
static double check_cell(fixture *f, int clustered, double t, uint32_t strategy) {
  const double *label = clustered ? f->label_c : f->label_u;
  mu_buf p;
  less_than(&p, clustered ? "c" : "u", t);
  uint32_t live_matches = 0;
  for (uint32_t i = 0; i < N; i++) live_matches += !f->deleted[i] && label[i] < t;
  uint32_t count = 0;
  CHECK_EQ_INT(ev_filter_count(f->ix, p.b, p.n, &count, NULL), EV_OK);
  CHECK_EQ_INT(count, live_matches);
  uint32_t want = live_matches < K ? live_matches : K;
  size_t hits = 0, total = 0;
  uint32_t fell_back = 0;
  for (uint32_t q = 0; q < QUERIES; q++) {
    const float *qv = f->queries + q * DIM;
    uint64_t ids[K], truth[K];
    float d[K], td[K];
    uint32_t n = 0, tn = 0;
    ev_filter_report rep;
    if (!CHECK(ev_search_filtered_with(f->ix, qv, DIM, K, 0, p.b, p.n, strategy, ids, d,
                                       &n, &rep) == EV_OK) ||
        !CHECK(ev_search_exact_filtered(f->ix, qv, DIM, K, p.b, p.n, truth, td, &tn,
                                        NULL) == EV_OK))
      return 0;
    CHECK_EQ_INT(tn, want);
    CHECK_EQ_INT(n, want); /* never fewer than min(k, matches) */
    if (strategy != EV_FILTER_STRATEGY_AUTO) CHECK_EQ_INT(rep.strategy, strategy);
    /* Walks keep the plain ef when labels are independent of position and
     * six times it when they follow the clusters (where many match: the
     * sample's neighbours tell the two apart). */
    if (t >= 100) CHECK_EQ_INT(rep.ef_factor, clustered ? 6 : 1);
    fell_back += rep.fell_back;
    for (uint32_t i = 0; i < n; i++) {
      CHECK(ids[i] < N && !f->deleted[ids[i]]);
      CHECK(label[ids[i]] < t);
      if (i) CHECK(d[i - 1] <= d[i]);
      for (uint32_t j = 0; j < tn; j++)
        if (truth[j] == ids[i]) hits++;
    }
    total += tn;
  }
  /* Where many match, the walks must answer themselves (a fallback to the
   * scan would hide a walk that stops too early or starts in the wrong
   * region): at most one query in five may fall back. */
  if (t >= 100 && (strategy == EV_FILTER_STRATEGY_TWO_HOP ||
                   (strategy == EV_FILTER_STRATEGY_WALK && t >= 500) ||
                   (strategy == EV_FILTER_STRATEGY_POST && !clustered))) {
    if (fell_back * 5 > QUERIES)
      printf("    %s labels, t %.0f, strategy %u: %u of %u fell back\n",
             clustered ? "clustered" : "random", t, strategy, fell_back, QUERIES);
    CHECK(fell_back * 5 <= QUERIES);
  }
  return total ? (double)hits / total : 1.0;
}

static void property(ev_options o, double min_recall) {
  fixture f;
  REQUIRE(build(&f, o));
  double cuts[] = {500, 100, 10, 3}; /* 50%, 10%, 1%, 0.3% */
  const char *names[] = {"auto", "scan", "walk", "two-hop", "post"};
  for (int clustered = 0; clustered < 2; clustered++)
    for (int c = 0; c < 4; c++)
      for (uint32_t s = 0; s <= EV_FILTER_STRATEGY_POST; s++) {
        double r = check_cell(&f, clustered, cuts[c], s);
        if (s == EV_FILTER_STRATEGY_SCAN) CHECK(r == 1.0);
        /* A forced walk is held to the recall only at the selectivities
         * where it can be chosen (its count and results are checked
         * everywhere). */
        if ((s == EV_FILTER_STRATEGY_WALK && cuts[c] < 500) ||
            (s == EV_FILTER_STRATEGY_TWO_HOP && cuts[c] < 100) ||
            (s == EV_FILTER_STRATEGY_POST && (clustered || cuts[c] != 100)))
          continue;
        if (r < min_recall) {
          printf("    %s labels, t %.0f, %s: recall %.3f\n",
                 clustered ? "clustered" : "random", cuts[c], names[s], r);
          CHECK(r >= min_recall);
        }
      }
  drop(&f);
}

TEST(search_filtered_property_every_strategy) {
  property(cu_options(DIM, EV_METRIC_L2, 11, EV_QUANT_NONE, 0, 0), 0.95);
}

TEST(search_filtered_property_quantized_rerank) {
  property(cu_options(DIM, EV_METRIC_COSINE, 12, EV_QUANT_SQ8, 1, 40), 0.9);
}

TEST(search_filtered_contract) {
  fixture f;
  REQUIRE(build(&f, cu_options(DIM, EV_METRIC_L2, 13, EV_QUANT_NONE, 0, 0)));
  mu_buf p;
  less_than(&p, "u", 500);
  uint64_t ids[K];
  float d[K];
  uint32_t n = 99;
  ev_filter_report rep;
  const float *q = f.queries;
  CHECK_EQ_INT(ev_search_filtered(f.ix, q, DIM, 0, 0, p.b, p.n, ids, d, &n, NULL),
               EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(ev_search_filtered(f.ix, q, DIM + 1, K, 0, p.b, p.n, ids, d, &n, NULL),
               EV_ERR_DIMENSION_MISMATCH);
  CHECK_EQ_INT(ev_search_filtered(f.ix, q, DIM, K, EV_MAX_EF + 1, p.b, p.n, ids, d, &n, NULL),
               EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search_filtered(NULL, q, DIM, K, 0, p.b, p.n, ids, d, &n, NULL),
               EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search_filtered_with(f.ix, q, DIM, K, 0, p.b, p.n, EV_FILTER_STRATEGY_POST + 1,
                                       ids, d, &n, NULL),
               EV_ERR_INVALID_ARGUMENT);
  float nan_q[DIM] = {NAN};
  CHECK_EQ_INT(ev_search_filtered(f.ix, nan_q, DIM, K, 0, p.b, p.n, ids, d, &n, NULL),
               EV_ERR_INVALID_VECTOR);
  /* A malformed program: INVALID_FILTER naming the node. */
  mu_buf bad;
  mu_prog(&bad, 2);
  mu_u8(&bad, EV_FILTER_TRUE);
  mu_u8(&bad, EV_FILTER_OR);
  CHECK_EQ_INT(ev_search_filtered(f.ix, q, DIM, K, 0, bad.b, bad.n, ids, d, &n, &rep),
               EV_ERR_INVALID_FILTER);
  CHECK_EQ_INT(rep.err_node, 1);
  CHECK_EQ_INT(ev_search_exact_filtered(f.ix, q, DIM, K, bad.b, bad.n, ids, d, &n, &rep),
               EV_ERR_INVALID_FILTER);
  uint32_t node = 0, count = 5;
  CHECK_EQ_INT(ev_filter_count(f.ix, bad.b, bad.n, &count, &node), EV_ERR_INVALID_FILTER);
  CHECK_EQ_INT(node, 1);
  CHECK_EQ_INT(count, 0);
  /* The report: on an index this small even a 50% filter is cheaper to
   * scan than to walk (the benchmark's 100k index walks); a filter
   * matching nothing scans and returns nothing. */
  CHECK_EQ_INT(ev_search_filtered(f.ix, q, DIM, K, 0, p.b, p.n, ids, d, &n, &rep), EV_OK);
  CHECK_EQ_INT(rep.strategy, EV_FILTER_STRATEGY_SCAN);
  CHECK(rep.estimate > N / 4 && rep.estimate < N * 3 / 4);
  CHECK_EQ_INT(n, K);
  less_than(&p, "u", -1);
  CHECK_EQ_INT(ev_search_filtered(f.ix, q, DIM, K, 0, p.b, p.n, ids, d, &n, &rep), EV_OK);
  CHECK_EQ_INT(rep.strategy, EV_FILTER_STRATEGY_SCAN);
  CHECK_EQ_INT(rep.estimate, 0);
  CHECK_EQ_INT(n, 0);
  /* The compiled plan is counted in the index's memory. */
  ev_index *empty = cu_index(DIM, EV_METRIC_L2, 1);
  REQUIRE(empty != NULL);
  size_t before = ev_memory_bytes(empty);
  CHECK_EQ_INT(ev_search_filtered(empty, q, DIM, K, 0, p.b, p.n, ids, d, &n, &rep), EV_OK);
  CHECK_EQ_INT(n, 0);
  CHECK(ev_memory_bytes(empty) > before);
  ev_index_free(empty);
  drop(&f);
}

/* An index large enough for the planner to walk (20,000 x 8, labels `u`
 * random and `c` following the clusters as in the fixture), and BQ
 * queries. */
enum { BIG = 20000, BDIM = 8, BQ = 20 };
static float big_rows[BIG * BDIM];
static double big_u[BIG], big_c[BIG];

static ev_index *build_big(float *queries) {
  uint32_t clusters[BIG];
  ev_mixture mix;
  if (!ev_mixture_init(&mix, 21, BDIM, 8, EV_DATASET_SPREAD)) return NULL;
  ev_mixture_rows_labelled(&mix, BIG, big_rows, clusters);
  ev_mixture_rows(&mix, BQ, queries);
  ev_mixture_free(&mix);
  ev_dataset_rng rng = {99};
  ev_options o = cu_options(BDIM, EV_METRIC_L2, 21, EV_QUANT_NONE, 0, 0);
  ev_index *ix = cu_create(&o);
  if (ix && !insert_labelled(ix, big_rows, clusters, BIG, BDIM, &rng, big_u, big_c)) {
    ev_index_free(ix);
    return NULL;
  }
  return ix;
}

/* The planner on an index large enough to walk: a filter independent of
 * position where a tenth to a fifth match is answered by POST (and
 * answers itself, all matching, with high recall); one that follows the
 * clusters, or matches fewer or more, is not. */
TEST(search_filtered_planner_posts_spread_filters) {
  float queries[BQ * BDIM];
  ev_index *ix = build_big(queries);
  REQUIRE(ix != NULL);
  struct { const char *field; double t; int post; } cells[] = {
      {"u", 500, 0}, {"u", 150, 1}, {"u", 100, 1}, {"u", 30, 0}, {"c", 500, 0}, {"c", 100, 0}};
  for (size_t ci = 0; ci < sizeof cells / sizeof cells[0]; ci++) {
    mu_buf p;
    less_than(&p, cells[ci].field, cells[ci].t);
    const double *label = cells[ci].field[0] == 'u' ? big_u : big_c;
    size_t hits = 0, posted = 0, fell_back = 0;
    for (uint32_t q = 0; q < BQ; q++) {
      uint64_t ids[K], truth[K];
      float d[K], td[K];
      uint32_t n = 0, tn = 0;
      ev_filter_report rep;
      REQUIRE(ev_search_filtered(ix, queries + q * BDIM, BDIM, K, 0, p.b, p.n, ids, d, &n, &rep) == EV_OK);
      REQUIRE(ev_search_exact_filtered(ix, queries + q * BDIM, BDIM, K, p.b, p.n, truth, td, &tn, NULL) == EV_OK);
      CHECK_EQ_INT(n, K);
      posted += rep.strategy == EV_FILTER_STRATEGY_POST;
      fell_back += rep.fell_back;
      for (uint32_t i = 0; i < n; i++) {
        CHECK(label[ids[i]] < cells[ci].t);
        if (i) CHECK(d[i - 1] <= d[i]);
        for (uint32_t j = 0; j < tn; j++) hits += truth[j] == ids[i];
      }
    }
    CHECK_EQ_INT(posted, (cells[ci].post ? BQ : 0));
    if (cells[ci].post) {
      CHECK(fell_back * 5 <= BQ);
      if (hits < 0.95 * BQ * K) printf("    %s < %.0f: recall %.3f\n", cells[ci].field, cells[ci].t, (double)hits / (BQ * K));
      CHECK(hits >= 0.95 * BQ * K);
    }
  }
  ev_index_free(ix);
}

/* A filtered batch returns, for every query, exactly what ev_search_filtered
 * returns for it (ids, bit-identical distances, counts), on one thread and
 * on several, whichever strategy the filter gets; its report gives the plan
 * of the single searches. */
TEST(search_filtered_batch_returns_what_search_returns) {
  float queries[BQ * BDIM];
  ev_index *ix = build_big(queries);
  REQUIRE(ix != NULL);
  for (uint64_t id = 0; id < BIG; id += 9) REQUIRE(ev_soft_delete(ix, id, NULL) == EV_OK);
  /* Filters the planner answers with each strategy on this index (the
   * cluster-following one gets TWO_HOP, with seeds). */
  struct { const char *field; double t; uint32_t strategy; } cells[] = {
      {"u", 500, EV_FILTER_STRATEGY_WALK}, {"u", 100, EV_FILTER_STRATEGY_POST},
      {"c", 800, EV_FILTER_STRATEGY_TWO_HOP}, {"u", 5, EV_FILTER_STRATEGY_SCAN}};
  static uint64_t want_ids[BQ * K], ids[BQ * K];
  static float want_d[BQ * K], d[BQ * K];
  uint32_t want_n[BQ], counts[BQ];
  for (size_t ci = 0; ci < sizeof cells / sizeof cells[0]; ci++) {
    mu_buf p;
    less_than(&p, cells[ci].field, cells[ci].t);
    ev_filter_report one;
    for (uint32_t q = 0; q < BQ; q++) {
      REQUIRE(ev_search_filtered(ix, queries + q * BDIM, BDIM, K, 0, p.b, p.n, want_ids + q * K,
                                 want_d + q * K, &want_n[q], &one) == EV_OK);
      CHECK_EQ_INT(one.strategy, cells[ci].strategy);
    }
    const uint32_t threads[2] = {1, 4};
    for (int t = 0; t < 2; t++) {
      REQUIRE(ev_set_threads(ix, threads[t]) == EV_OK);
      memset(counts, 0, sizeof counts);
      ev_batch_error err = {99};
      ev_filter_report rep;
      CHECK_EQ_INT(ev_search_filtered_batch(ix, queries, BQ, BDIM, K, 0, p.b, p.n, ids, d, counts,
                                            &err, &rep), EV_OK);
      CHECK_EQ_INT(err.index, 0);
      CHECK_EQ_INT(rep.strategy, one.strategy);
      CHECK_EQ_INT(rep.estimate, one.estimate);
      CHECK_EQ_INT(rep.ef_factor, one.ef_factor);
      CHECK(memcmp(counts, want_n, sizeof counts) == 0);
      int same = 1;
      for (uint32_t q = 0; q < BQ; q++)
        for (uint32_t i = 0; i < want_n[q]; i++)
          same &= ids[q * K + i] == want_ids[q * K + i] &&
                  memcmp(&d[q * K + i], &want_d[q * K + i], sizeof(float)) == 0;
      if (!same) printf("    %s < %.0f, %u threads: results differ\n", cells[ci].field, cells[ci].t, threads[t]);
      CHECK(same);
    }
  }
  ev_index_free(ix);
}

/* A filtered batch checks its arguments, every query and the filter
 * before any query runs: a bad one fails the batch (a query by its
 * position, the filter by its node) and nothing is written. */
TEST(search_filtered_batch_checks_everything_first) {
  fixture f;
  REQUIRE(build(&f, cu_options(DIM, EV_METRIC_L2, 14, EV_QUANT_NONE, 0, 0)));
  REQUIRE(ev_set_threads(f.ix, 4) == EV_OK);
  mu_buf p;
  less_than(&p, "u", 500);
  enum { NQ = 3 };
  float queries[NQ * DIM];
  memcpy(queries, f.queries, sizeof queries);
  uint64_t ids[NQ * K];
  float d[NQ * K];
  uint32_t counts[NQ] = {7, 7, 7};
  ev_batch_error err;
  ev_filter_report rep;
  queries[2 * DIM + 1] = NAN;
  CHECK_EQ_INT(ev_search_filtered_batch(f.ix, queries, NQ, DIM, K, 0, p.b, p.n, ids, d, counts, &err, &rep),
               EV_ERR_INVALID_VECTOR);
  CHECK_EQ_INT(err.index, 2);
  memcpy(queries, f.queries, sizeof queries);
  mu_buf bad;
  mu_prog(&bad, 2);
  mu_u8(&bad, EV_FILTER_TRUE);
  mu_u8(&bad, EV_FILTER_OR);
  CHECK_EQ_INT(ev_search_filtered_batch(f.ix, queries, NQ, DIM, K, 0, bad.b, bad.n, ids, d, counts, &err, &rep),
               EV_ERR_INVALID_FILTER);
  CHECK_EQ_INT(rep.err_node, 1);
  CHECK_EQ_INT(ev_search_filtered_batch(f.ix, queries, 0, DIM, K, 0, p.b, p.n, ids, d, counts, &err, &rep),
               EV_ERR_EMPTY_BATCH);
  CHECK_EQ_INT(ev_search_filtered_batch(f.ix, queries, NQ, DIM + 1, K, 0, p.b, p.n, ids, d, counts, &err, &rep),
               EV_ERR_DIMENSION_MISMATCH);
  CHECK_EQ_INT(ev_search_filtered_batch(f.ix, queries, NQ, DIM, 0, 0, p.b, p.n, ids, d, counts, &err, &rep),
               EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search_filtered_batch(f.ix, queries, NQ, DIM, K, EV_MAX_EF + 1, p.b, p.n, ids, d, counts,
                                        &err, &rep),
               EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search_filtered_batch(f.ix, queries, NQ, DIM, K, 0, p.b, p.n, NULL, d, counts, &err, &rep),
               EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_search_filtered_batch(NULL, queries, NQ, DIM, K, 0, p.b, p.n, ids, d, counts, &err, &rep),
               EV_ERR_INVALID_ARGUMENT);
  CHECK(counts[0] == 7 && counts[1] == 7 && counts[2] == 7);
  /* Good: K of the live matches for each, and the empty index answers
   * nothing. */
  CHECK_EQ_INT(ev_search_filtered_batch(f.ix, queries, NQ, DIM, K, 0, p.b, p.n, ids, d, counts, NULL, NULL),
               EV_OK);
  CHECK(counts[0] == K && counts[1] == K && counts[2] == K);
  for (uint32_t i = 0; i < NQ * K; i++) CHECK(f.label_u[ids[i]] < 500 && !f.deleted[ids[i]]);
  ev_index *empty = cu_index(DIM, EV_METRIC_L2, 1);
  REQUIRE(empty != NULL);
  CHECK_EQ_INT(ev_search_filtered_batch(empty, queries, NQ, DIM, K, 0, p.b, p.n, ids, d, counts, &err, &rep),
               EV_OK);
  CHECK(counts[0] == 0 && counts[1] == 0 && counts[2] == 0);
  ev_index_free(empty);
  drop(&f);
}

/* The estimated matches of `field < t` the filtered search reports. */
static uint32_t estimate_of(ev_index *ix, const float *q, const char *field, double t) {
  mu_buf p;
  less_than(&p, field, t);
  uint64_t ids[K];
  float d[K];
  uint32_t n;
  ev_filter_report rep = {0};
  if (ev_search_filtered(ix, q, DIM, K, 0, p.b, p.n, ids, d, &n, &rep) != EV_OK) return UINT32_MAX;
  return rep.estimate;
}

static uint32_t live_matching_under(fixture *f, double t) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < N; i++) n += !f->deleted[i] && f->label_u[i] < t;
  return n;
}

/* A repeated filter reuses its estimate only while the index is unchanged:
 * after new metadata, deletes, inserts, compaction and a reorder the next
 * search estimates again (each change below moves the true count far from
 * the estimate a stale cache would give). */
TEST(search_filtered_estimate_follows_every_change) {
  fixture f;
  REQUIRE(build(&f, cu_options(DIM, EV_METRIC_L2, 15, EV_QUANT_NONE, 0, 0)));
  const float *q = f.queries;
  uint32_t want = live_matching_under(&f, 500);
  uint32_t got = estimate_of(f.ix, q, "u", 500);
  CHECK(got > want * 0.85 && got < want * 1.15);
  CHECK_EQ_INT(estimate_of(f.ix, q, "u", 500), got); /* unchanged index */
  /* New metadata: every live vector now matches `u < 500`. */
  mu_buf rec;
  rec.n = 0;
  mu_u16(&rec, 1);
  mu_rec_num(&rec, "u", 0);
  for (uint32_t i = 0; i < N; i++)
    if (!f.deleted[i]) REQUIRE(ev_meta_set(f.ix, i, rec.b, rec.n, NULL) == EV_OK);
  CHECK_EQ_INT(estimate_of(f.ix, q, "u", 500), ev_live_count(f.ix));
  /* Deletes: every live match is still all the live vectors. */
  for (uint32_t i = 0; i < N; i += 2)
    if (!f.deleted[i]) REQUIRE(ev_soft_delete(f.ix, i, NULL) == EV_OK);
  CHECK_EQ_INT(estimate_of(f.ix, q, "u", 500), ev_live_count(f.ix));
  /* Inserts without metadata: as many again that do not match. */
  uint32_t matching = ev_live_count(f.ix);
  float *more = ev_dataset_rows(77, DIM, 8, matching);
  REQUIRE(more != NULL);
  REQUIRE(ev_insert_batch(f.ix, more, matching, DIM, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  free(more);
  got = estimate_of(f.ix, q, "u", 500);
  CHECK(got > matching * 0.8 && got < matching * 1.2);
  /* Another program in between, then the first again: estimated anew. */
  CHECK_EQ_INT(estimate_of(f.ix, q, "u", 0), 0);
  CHECK_EQ_INT(estimate_of(f.ix, q, "u", 500), got);
  /* Compaction and a reorder renumber the slots; the count holds. */
  REQUIRE(ev_compact(f.ix) == EV_OK);
  got = estimate_of(f.ix, q, "u", 500);
  CHECK(got > matching * 0.8 && got < matching * 1.2);
  REQUIRE(ev_reorder(f.ix) == EV_OK);
  got = estimate_of(f.ix, q, "u", 500);
  CHECK(got > matching * 0.8 && got < matching * 1.2);
  drop(&f);
}
