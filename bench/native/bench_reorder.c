/*
 * bench_reorder.c — storage order A/B (src/reorder.c), built natively and
 * to wasm (run in Node) from the same source by scripts/bench-reorder.sh.
 *
 * One index is built, then numbered in each order in turn, round after
 * round (insertion order is restored by ordering by id, since the ids are
 * the automatic sequence): every order is measured on the same graph, in
 * the same process, interleaved with the others, so the machine's drift
 * falls on all of them alike. Per order: the reorder's own time and, at
 * each ef, the QPS of the held-out queries (median over the rounds) next
 * to the recall@10. Every time is CPU time of the process (bench_cpu_ms):
 * what the searches cost, whatever share of the machine the process got,
 * because on a shared machine wall-clock QPS moves with the other
 * processes' load far more than by the order of the slots (the peers'
 * benchmark compares CPU time too). Renumbering must not change a
 * search's answer: every order's results are compared with the first
 * measurement's, and any difference is printed and fails the run.
 *
 * Usage: bench_reorder data=reallike|mixture [n=100000] [dim=128]
 *                      [queries=1000] [rounds=3] [seed=1]
 * Data:
 *  mixture   tests/c/dataset.h's Gaussian mixture (64 clusters), L2.
 *  reallike  embeddings-like: a random rank-64 projection of latent
 *            coordinates whose spread decays as (1 + j)^-0.6, plus
 *            isotropic noise at 0.3x the signal's spread per dimension,
 *            normalised; cosine. Anisotropic, with a low intrinsic
 *            dimension under full-dimensional noise, as text embeddings
 *            are (seeded, so every run draws the same rows).
 * Prints a table and one line "JSON {...}".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "dataset.h"
#include "edgevec.h"
#include "reorder.h"
#include "snapshot.h"

#define K 10
#define RANK 64
#define MAX_ROUNDS 9
enum { N_EFS = 4 };
static const uint32_t EFS[N_EFS] = {16, 32, 64, 128};

enum { N_ORDERS = 5 };
static const ev_order ORDERS[N_ORDERS] = {EV_ORDER_BY_ID, EV_ORDER_BFS,
                                          EV_ORDER_BFS_NEAREST, EV_ORDER_RCM,
                                          EV_ORDER_RANDOM};
static const char *ORDER_NAMES[N_ORDERS] = {"insertion", "bfs", "bfs-nearest",
                                            "rcm", "random"};

/* rows x dim real-like vectors (see the top of the file). */
static float *reallike_rows(uint64_t seed, uint32_t dim, size_t rows) {
  ev_dataset_rng rng = {seed};
  uint32_t r = dim < RANK ? dim : RANK;
  double *w = malloc(sizeof(double) * dim * r);
  double *z = malloc(sizeof(double) * r);
  float *out = malloc(sizeof(float) * dim * rows);
  if (!w || !z || !out) return NULL;
  double signal = 0;
  for (uint32_t j = 0; j < r; j++) signal += pow(1.0 + j, -1.2);
  signal = sqrt(signal / r); /* per-dimension spread of W z */
  for (size_t i = 0; i < (size_t)dim * r; i++) w[i] = ev_dataset_gauss(&rng) / sqrt(r);
  double noise = 0.3 * signal;
  for (size_t row = 0; row < rows; row++) {
    for (uint32_t j = 0; j < r; j++) z[j] = pow(1.0 + j, -0.6) * ev_dataset_gauss(&rng);
    float *x = out + row * dim;
    double norm = 0;
    for (uint32_t d = 0; d < dim; d++) {
      double v = noise * ev_dataset_gauss(&rng);
      const double *wd = w + (size_t)d * r;
      for (uint32_t j = 0; j < r; j++) v += wd[j] * z[j];
      x[d] = (float)v;
      norm += v * v;
    }
    for (uint32_t d = 0; d < dim; d++) x[d] = (float)(x[d] / sqrt(norm));
  }
  free(w);
  free(z);
  return out;
}

int main(int argc, char **argv) {
  const char *data = argc > 1 ? argv[1] : "reallike";
  uint32_t n = argc > 2 ? (uint32_t)atoi(argv[2]) : 100000;
  uint32_t dim = argc > 3 ? (uint32_t)atoi(argv[3]) : 128;
  uint32_t nq = argc > 4 ? (uint32_t)atoi(argv[4]) : 1000;
  int rounds = argc > 5 ? atoi(argv[5]) : 3;
  uint64_t seed = argc > 6 ? (uint64_t)atoll(argv[6]) : 1;
  if (rounds < 1 || rounds > MAX_ROUNDS) rounds = 3;
  const char *target = BENCH_TARGET;
  int reallike = strcmp(data, "mixture") != 0;

  double t0 = bench_now_ms();
  float *rows = reallike ? reallike_rows(seed, dim, (size_t)n + nq)
                         : ev_dataset_rows(seed, dim, EV_DATASET_CLUSTERS, (size_t)n + nq);
  uint64_t *truth = malloc(sizeof(uint64_t) * nq * K);
  uint64_t *first = malloc(sizeof(uint64_t) * nq * K * N_EFS);
  uint64_t *got = malloc(sizeof(uint64_t) * K);
  float *dist = malloc(sizeof(float) * K);
  if (!rows || !truth || !first || !got || !dist) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  double gen_ms = bench_now_ms() - t0;
  const float *queries = rows + (size_t)n * dim;

  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.seed = seed;
  o.metric = reallike ? EV_METRIC_COSINE : EV_METRIC_L2;
  ev_index *ix;
  if (ev_index_create(&o, &ix) != EV_OK || ev_reserve(ix, n) != EV_OK) return 1;
  t0 = bench_cpu_ms();
  if (ev_insert_batch(ix, rows, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) != EV_OK) {
    fprintf(stderr, "insert failed\n");
    return 1;
  }
  double build_ms = bench_cpu_ms() - t0;
  uint32_t count;
  for (uint32_t q = 0; q < nq; q++)
    ev_search_exact(ix, queries + (size_t)q * dim, dim, K, truth + (size_t)q * K, dist, &count);

  /* What a checkpoint costs besides a reorder: encoding the snapshot. */
  size_t snap_bytes = ev_snapshot_size(ix);
  uint8_t *snap = malloc(snap_bytes);
  double snap_ms[MAX_ROUNDS];

  double reorder_ms[N_ORDERS][MAX_ROUNDS];
  double qps[N_ORDERS][N_EFS][MAX_ROUNDS];
  double recall[N_EFS] = {0};
  int have_first = 0;
  long differences = 0;

  /* Warm-up (Liftoff in wasm, caches natively). */
  for (uint32_t q = 0; q < nq; q++)
    ev_search(ix, queries + (size_t)q * dim, dim, K, 64, got, dist, &count);

  /* Before the rounds, not inside them: writing the snapshot evicts the
   * caches, which would handicap whichever order came next. */
  for (int r = 0; snap && r < rounds; r++) {
    t0 = bench_cpu_ms();
    size_t written;
    ev_snapshot_write(ix, 0, snap, snap_bytes, &written);
    snap_ms[r] = bench_cpu_ms() - t0;
  }
  for (int r = 0; r < rounds; r++) {
    for (int o_i = 0; o_i < N_ORDERS; o_i++) {
      t0 = bench_cpu_ms();
      ev_status st = ev__reorder_with(ix, ORDERS[o_i]);
      reorder_ms[o_i][r] = bench_cpu_ms() - t0;
      if (st != EV_OK) {
        fprintf(stderr, "reorder failed: %s\n", ev_status_message(st));
        return 1;
      }
      for (int e = 0; e < N_EFS; e++) {
        uint32_t hits = 0;
        t0 = bench_cpu_ms();
        for (uint32_t q = 0; q < nq; q++) {
          ev_search(ix, queries + (size_t)q * dim, dim, K, EFS[e], got, dist, &count);
          uint64_t *ref = first + ((size_t)e * nq + q) * K;
          if (!have_first) memcpy(ref, got, sizeof(uint64_t) * K);
          else if (memcmp(ref, got, sizeof(uint64_t) * K) != 0) differences++;
          if (r == 0 && o_i == 0) hits += bench_hits(truth + (size_t)q * K, K, got, count);
        }
        qps[o_i][e][r] = nq / ((bench_cpu_ms() - t0) / 1e3);
        if (r == 0 && o_i == 0) recall[e] = (double)hits / ((double)nq * K);
      }
      have_first = 1;
    }
  }

  printf("%s %s n=%u dim=%u queries=%u rounds=%d (M 16, efC 200, k 10)\n", target,
         data, n, dim, nq, rounds);
  printf("data %.0f ms, build %.0f ms CPU, snapshot encode %.1f ms CPU (%zu bytes, median)\n",
         gen_ms, build_ms, snap ? bench_median(snap_ms, (size_t)rounds) : 0.0, snap_bytes);
  printf("recall@10:");
  for (int e = 0; e < N_EFS; e++) printf("  ef %u %.4f", EFS[e], recall[e]);
  printf("\n%-12s %10s", "order", "reorder ms");  /* CPU */
  for (int e = 0; e < N_EFS; e++) printf("   QPS ef %-3u  ratio", EFS[e]);
  printf("\n");
  double base[N_EFS];
  char json[4096];
  int jl = snprintf(json, sizeof json,
                    "{\"target\":\"%s\",\"data\":\"%s\",\"n\":%u,\"dim\":%u,\"queries\":%u,"
                    "\"rounds\":%d,\"build_ms\":%.0f,\"snapshot_ms\":%.2f,\"recall\":[",
                    target, data, n, dim, nq, rounds, build_ms,
                    snap ? bench_median(snap_ms, (size_t)rounds) : 0.0);
  for (int e = 0; e < N_EFS; e++)
    jl += snprintf(json + jl, sizeof json - jl, "%s{\"ef\":%u,\"recall\":%.4f}", e ? "," : "",
                   EFS[e], recall[e]);
  jl += snprintf(json + jl, sizeof json - jl, "],\"orders\":[");
  for (int o_i = 0; o_i < N_ORDERS; o_i++) {
    double ms = bench_median(reorder_ms[o_i], (size_t)rounds);
    printf("%-12s %10.1f", ORDER_NAMES[o_i], ms);
    jl += snprintf(json + jl, sizeof json - jl, "%s{\"order\":\"%s\",\"reorder_ms\":%.2f,\"qps\":[",
                   o_i ? "," : "", ORDER_NAMES[o_i], ms);
    for (int e = 0; e < N_EFS; e++) {
      double v = bench_median(qps[o_i][e], (size_t)rounds);
      if (o_i == 0) base[e] = v;
      printf("   %9.0f  %5.3f", v, v / base[e]);
      jl += snprintf(json + jl, sizeof json - jl, "%s%.0f", e ? "," : "", v);
    }
    jl += snprintf(json + jl, sizeof json - jl, "]}");
    printf("\n");
  }
  snprintf(json + jl, sizeof json - jl, "],\"result_differences\":%ld}", differences);
  printf("results differing from the first measurement: %ld\n", differences);
  printf("JSON %s\n", json);
  ev_index_free(ix);
  free(rows);
  free(snap);
  return differences ? 1 : 0;
}
