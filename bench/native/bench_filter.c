/*
 * bench_filter.c — filtered search, every strategy in every cell: the data
 * the thresholds of src/search_filtered.c are picked from.
 *
 * Usage: edgevec_bench_filter [n=100000] [dim=128] [queries=300] [seed=1]
 *                             [k=10] [efs=64] [build_threads=1]
 * (efs: a comma-separated list; build_threads: threads of the build alone,
 * which shortens it on a machine with more cores; every search runs on one
 * thread).
 *
 * Data: the seeded Gaussian mixture of tests/c/dataset.h (64 clusters).
 * Every vector gets two NUMBER fields in [0, 1000):
 *   u  uniform at random: a filter on it is uncorrelated with where the
 *      vector lies;
 *   c  (cluster + uniform) * 1000 / 64: it follows the clusters, so
 *      `c < t` selects whole clusters (and a random part of the last one).
 * Queries are the rows after the base set (so for a correlated filter most
 * queries lie in clusters the filter excludes: the hard case for a walk).
 * Cells: `u < t` and `c < t` with t for 50%, 10%, 1% and 0.1%.
 *
 * For each cell it prints recall@k against the exact filtered brute force,
 * QPS (queries per second of the searching thread's CPU time; the methods
 * take turns query by query, in a seeded random order), and the share of queries answered with fewer than min(k, matches)
 * results, for SCAN, WALK, TWO_HOP, POST and AUTO (the chosen strategy, with how
 * often each was chosen and how often it fell back to the scan), plus two
 * baselines: the unfiltered search (QPS only) and a post-filter (search
 * k / selectivity neighbours, at most EV_MAX_EF, keep the matches).
 * Output: a markdown table, as bench/results/filter-native.md holds.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "dataset.h"
#include "edgevec.h"
#include "filter.h"
#include "metadata.h"

/* CPU time of this thread (not bench_cpu_ms, the process's): searches are
 * timed with it, because on a shared machine the wall time of one search
 * measures the other processes as much as the search. */
static double thread_cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void put_f64(uint8_t *p, double v) { memcpy(p, &v, 8); } /* LE host */

/* The record {c: c, u: u}. */
static size_t record(uint8_t *p, double c, double u) {
  size_t n = 0;
  p[n++] = 2, p[n++] = 0;
  p[n++] = 1, p[n++] = 'c', p[n++] = 1;
  put_f64(p + n, c), n += 8;
  p[n++] = 1, p[n++] = 'u', p[n++] = 1;
  put_f64(p + n, u), n += 8;
  return n;
}

/* The program `field < t`. */
static size_t program(uint8_t *p, char field, double t) {
  size_t n = 0;
  memcpy(p, "EVFP", 4), n = 4;
  p[n++] = 1, p[n++] = 0, p[n++] = 1, p[n++] = 0;
  p[n++] = 3, p[n++] = 1, p[n++] = (uint8_t)field, p[n++] = 1;
  put_f64(p + n, t), n += 8;
  return n;
}

typedef struct run {
  uint32_t chosen[5], fell_back;
  uint32_t factor[7]; /* searches whose walks kept ef x 1, 2, 6 */
} run;

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 100000;
  uint32_t dim = argc > 2 ? (uint32_t)atoi(argv[2]) : 128;
  uint32_t nq = argc > 3 ? (uint32_t)atoi(argv[3]) : 300;
  uint64_t seed = argc > 4 ? (uint64_t)atoll(argv[4]) : 1;
  uint32_t k = argc > 5 ? (uint32_t)atoi(argv[5]) : 10;
  /* A list of ef values, comma-separated: the table is printed for each. */
  const char *ef_list = argc > 6 ? argv[6] : "64";
  uint32_t build_threads = argc > 7 ? (uint32_t)atoi(argv[7]) : 1;

  enum { CHUNK = 10000 };
  float *chunk = malloc(sizeof(float) * (size_t)CHUNK * dim);
  uint32_t *clusters = malloc(sizeof(uint32_t) * CHUNK);
  uint8_t *blob = malloc((size_t)CHUNK * 32);
  uint32_t *offsets = malloc(sizeof(uint32_t) * (CHUNK + 1));
  float *queries = malloc(sizeof(float) * (size_t)nq * dim);
  double *label_c = malloc(sizeof(double) * n), *label_u = malloc(sizeof(double) * n);
  uint64_t *truth = malloc(sizeof(uint64_t) * (size_t)nq * k);
  uint32_t *truth_n = malloc(sizeof(uint32_t) * nq);
  uint64_t *ids = malloc(sizeof(uint64_t) * EV_MAX_EF);
  float *dist = malloc(sizeof(float) * EV_MAX_EF);
  if (!chunk || !clusters || !blob || !offsets || !queries || !label_c ||
      !label_u || !truth || !truth_n || !ids || !dist) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }

  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.seed = seed;
  ev_index *ix;
  if (ev_index_create(&o, &ix) != EV_OK || ev_set_threads(ix, build_threads) != EV_OK) {
    fprintf(stderr, "bad options\n");
    return 1;
  }
  ev_mixture mix;
  ev_dataset_rng labels = {seed ^ 0x5EEDu};
  ev_mixture_init(&mix, seed, dim, EV_DATASET_CLUSTERS, EV_DATASET_SPREAD);
  double t0 = bench_now_ms();
  ev_status st = ev_reserve(ix, n);
  for (uint32_t done = 0; st == EV_OK && done < n; done += CHUNK) {
    uint32_t m = n - done < CHUNK ? n - done : CHUNK;
    ev_mixture_rows_labelled(&mix, m, chunk, clusters);
    offsets[0] = 0;
    for (uint32_t r = 0; r < m; r++) {
      double c = (clusters[r] + ev_dataset_uniform(&labels)) * 1000.0 / EV_DATASET_CLUSTERS;
      double u = ev_dataset_uniform(&labels) * 1000.0;
      label_c[done + r] = c;
      label_u[done + r] = u;
      offsets[r + 1] = offsets[r] + (uint32_t)record(blob + offsets[r], c, u);
    }
    st = ev_insert_batch_meta(ix, chunk, m, dim, NULL, blob, offsets, NULL, NULL,
                              NULL, NULL);
  }
  if (st != EV_OK) {
    fprintf(stderr, "insert: %s\n", ev_status_message(st));
    return 1;
  }
  ev_set_threads(ix, 1);
  ev_mixture_rows(&mix, nq, queries);
  ev_mixture_free(&mix);
  printf("native: %u x %u l2, M %u, efConstruction %u, k %u, ef %s, %u queries: "
         "build %.0f ms on %u thread%s\n\n",
         n, dim, o.m, o.ef_construction, k, ef_list, nq, bench_now_ms() - t0, build_threads,
         build_threads == 1 ? "" : "s");
  printf("| labels | selectivity | matches | ef | strategy | recall@%u | QPS | short answers |\n", k);
  printf("|---|---|---|---|---|---|---|---|\n");

  const char *names[] = {"auto", "scan", "walk", "two-hop", "post"};
  double thresholds[] = {500, 100, 10, 1};
  for (int corr = 0; corr < 2; corr++) {
    const double *label = corr ? label_c : label_u;
    for (int cell = 0; cell < 4; cell++) {
      uint8_t prog[64];
      size_t plen = program(prog, corr ? 'c' : 'u', thresholds[cell]);
      uint32_t matches = 0;
      ev_filter_count(ix, prog, plen, &matches, NULL);
      double sel = (double)matches / n;
      uint32_t want = matches < k ? matches : k;
      for (uint32_t q = 0; q < nq; q++)
        ev_search_exact_filtered(ix, queries + (size_t)q * dim, dim, k, prog, plen,
                                 truth + (size_t)q * k, dist, &truth_n[q], NULL);
      for (const char *e = ef_list; *e; e += strcspn(e, ",") + (e[strcspn(e, ",")] == ',')) {
      uint32_t ef = (uint32_t)atoi(e);
      /* Methods: 0 auto, 1 scan, 2 walk, 3 two-hop, 4 post
       * (ev_search_filtered_with), 5 unfiltered, 6 post-filter (this
       * file's, for k / selectivity results). They take turns query by
       * query, so that a change in the machine's load falls on all of them
       * alike. */
      enum { METHODS = 7 };
      run r[METHODS];
      size_t hits[METHODS] = {0}, shorts[METHODS] = {0};
      double ms[METHODS] = {0};
      memset(r, 0, sizeof r);
      for (uint32_t q = 0; q < nq; q++) {
        const float *qv = queries + (size_t)q * dim;
        /* A fresh seeded order per query: a method warms the caches for
         * the one after it, so no method may always follow the same one. */
        uint32_t order[METHODS];
        for (uint32_t i = 0; i < METHODS; i++) order[i] = i;
        for (uint32_t i = METHODS - 1; i > 0; i--) {
          uint32_t j = (uint32_t)(ev_dataset_next(&labels) % (i + 1)), t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
        for (uint32_t turn = 0; turn < METHODS; turn++) {
          uint32_t s = order[turn];
          uint32_t got = 0;
          double start = thread_cpu_ms();
          if (s < 5) {
            ev_filter_report rep;
            ev_search_filtered_with(ix, qv, dim, k, ef, prog, plen, s, ids, dist, &got, &rep);
            r[s].chosen[rep.strategy]++;
            r[s].fell_back += rep.fell_back;
            if (rep.ef_factor <= 6) r[s].factor[rep.ef_factor]++;
          } else if (s == 5) {
            ev_search(ix, qv, dim, k, ef, ids, dist, &got);
          } else {
            double want_k = sel > 0 ? k / sel : EV_MAX_EF;
            uint32_t kk = want_k > 4096 ? 4096 : (uint32_t)want_k;
            if (kk < k) kk = k;
            uint32_t all = 0;
            ev_search(ix, qv, dim, kk, kk, ids, dist, &all);
            for (uint32_t i = 0; i < all && got < k; i++)
              if (label[ids[i]] < thresholds[cell]) ids[got++] = ids[i];
          }
          ms[s] += thread_cpu_ms() - start;
          if (s == 5) continue;
          if (got < want) shorts[s]++;
          hits[s] += bench_hits(truth + (size_t)q * k, truth_n[q], ids, got);
        }
      }
      size_t expected = 0;
      for (uint32_t q = 0; q < nq; q++) expected += truth_n[q];
      const char *label_name = corr ? "clustered" : "random";
      for (uint32_t s = 0; s < METHODS; s++) {
        double qps = nq / (ms[s] / 1e3);
        double recall = expected ? (double)hits[s] / expected : 1.0;
        double short_share = (double)shorts[s] / nq;
        if (s == 0)
          printf("| %s | %.1f%% | %u | %u | **auto** (scan %u, walk %u, two-hop %u, post %u; fell back %u; "
                 "ef x1 %u, x2 %u, x6 %u) | %.4f | %.0f | %.3f |\n",
                 label_name, sel * 100, matches, ef, r[s].chosen[1], r[s].chosen[2],
                 r[s].chosen[3], r[s].chosen[4], r[s].fell_back, r[s].factor[1], r[s].factor[2],
                 r[s].factor[6], recall, qps, short_share);
        else if (s < 5)
          printf("| %s | %.1f%% | %u | %u | %s (fell back %u) | %.4f | %.0f | %.3f |\n", label_name,
                 sel * 100, matches, ef, names[s], r[s].fell_back, recall, qps, short_share);
        else if (s == 5)
          printf("| %s | %.1f%% | %u | %u | unfiltered search | - | %.0f | - |\n", label_name,
                 sel * 100, matches, ef, qps);
        else
          printf("| %s | %.1f%% | %u | %u | post-filter | %.4f | %.0f | %.3f |\n", label_name,
                 sel * 100, matches, ef, recall, qps, short_share);
      }
      fflush(stdout);
      }
    }
  }
  ev_index_free(ix);
  return 0;
}
