/*
 * bench_core.c — the core benchmark, built natively and to wasm (run in
 * Node) from the same source: build time, insert throughput, and for a sweep
 * of ef the QPS, P50/P99 latency and recall@10 on clustered data.
 *
 * Usage: edgevec_bench [n=100000] [dim=128] [queries=1000] [seed=1]
 * Prints a table, then one line "JSON {...}" that scripts/bench.sh saves.
 * Recall is printed next to every throughput figure: a QPS means nothing
 * without the recall it was bought at.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataset.h"
#include "edgevec.h"

#define K 10

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(double *sorted, size_t n, double p) {
  size_t i = (size_t)(p * (double)(n - 1) + 0.5);
  return sorted[i < n ? i : n - 1];
}

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 100000;
  uint32_t dim = argc > 2 ? (uint32_t)atoi(argv[2]) : 128;
  uint32_t nq = argc > 3 ? (uint32_t)atoi(argv[3]) : 1000;
  uint64_t seed = argc > 4 ? (uint64_t)atoll(argv[4]) : 1;
  const char *target =
#ifdef __EMSCRIPTEN__
      "wasm";
#else
      "native";
#endif

  ev_mixture mix;
  float *base = malloc(sizeof(float) * (size_t)n * dim);
  float *queries = malloc(sizeof(float) * (size_t)nq * dim);
  uint64_t *truth = malloc(sizeof(uint64_t) * (size_t)nq * K);
  double *lat = malloc(sizeof(double) * nq);
  if (!base || !queries || !truth || !lat ||
      !ev_mixture_init(&mix, seed, dim, EV_DATASET_CLUSTERS, EV_DATASET_SPREAD)) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  ev_mixture_rows(&mix, n, base);
  ev_mixture_rows(&mix, nq, queries);
  ev_mixture_free(&mix);

  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.seed = seed;
  ev_index *ix;
  if (ev_index_create(&o, &ix) != EV_OK) return 1;
  double t0 = now_ms();
  ev_status st = ev_insert_batch(ix, base, n, dim, NULL, NULL, NULL, NULL, NULL, NULL);
  double build_ms = now_ms() - t0;
  if (st != EV_OK) {
    fprintf(stderr, "insert failed: %s\n", ev_status_message(st));
    return 1;
  }

  /* Exact neighbours by the index's own exact scan (same distances). */
  float dist[K];
  uint32_t got;
  for (uint32_t q = 0; q < nq; q++)
    ev_search_exact(ix, queries + (size_t)q * dim, dim, K, truth + (size_t)q * K, dist, &got);

  printf("%s: %u x %u, M %u, efConstruction %u: build %.0f ms (%.0f vectors/s), %.1f bytes/vector\n",
         target, n, dim, o.m, o.ef_construction, build_ms, n / (build_ms / 1e3),
         (double)ev_memory_bytes(ix) / n);
  printf("%6s %10s %10s %10s %10s\n", "ef", "QPS", "P50 us", "P99 us", "recall@10");

  uint32_t efs[] = {10, 16, 24, 32, 48, 64, 96, 128, 200};
  size_t nef = sizeof efs / sizeof efs[0];
  char json[8192];
  int off = snprintf(json, sizeof json,
                     "{\"target\":\"%s\",\"n\":%u,\"dim\":%u,\"queries\":%u,\"m\":%u,"
                     "\"efConstruction\":%u,\"buildMs\":%.1f,\"insertPerSec\":%.0f,"
                     "\"bytesPerVector\":%.1f,\"sweep\":[",
                     target, n, dim, nq, o.m, o.ef_construction, build_ms,
                     n / (build_ms / 1e3), (double)ev_memory_bytes(ix) / n);
  uint64_t ids[K];
  /* Warm-up: lets a JIT (wasm in Node) tier up before anything is timed. */
  for (uint32_t q = 0; q < nq; q++)
    ev_search(ix, queries + (size_t)q * dim, dim, K, 64, ids, dist, &got);
  for (size_t e = 0; e < nef; e++) {
    size_t hits = 0;
    double start = now_ms();
    for (uint32_t q = 0; q < nq; q++) {
      double a = now_ms();
      ev_search(ix, queries + (size_t)q * dim, dim, K, efs[e], ids, dist, &got);
      lat[q] = now_ms() - a;
      for (uint32_t i = 0; i < K; i++)
        for (uint32_t j = 0; j < got; j++)
          if (truth[(size_t)q * K + i] == ids[j]) { hits++; break; }
    }
    double total = now_ms() - start;
    qsort(lat, nq, sizeof *lat, by_double);
    double qps = nq / (total / 1e3);
    double p50 = percentile(lat, nq, 0.50) * 1e3, p99 = percentile(lat, nq, 0.99) * 1e3;
    double recall = (double)hits / ((double)nq * K);
    printf("%6u %10.0f %10.1f %10.1f %10.4f\n", efs[e], qps, p50, p99, recall);
    off += snprintf(json + off, sizeof json - (size_t)off,
                    "%s{\"ef\":%u,\"qps\":%.0f,\"p50Us\":%.1f,\"p99Us\":%.1f,\"recall\":%.4f}",
                    e ? "," : "", efs[e], qps, p50, p99, recall);
  }
  snprintf(json + off, sizeof json - (size_t)off, "]}");
  printf("JSON %s\n", json);
  ev_index_free(ix);
  free(base);
  free(queries);
  free(truth);
  free(lat);
  return 0;
}
