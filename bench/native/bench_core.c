/*
 * bench_core.c — the core benchmark, built natively and to wasm (run in
 * Node) from the same source: build time, insert throughput, and for a sweep
 * of ef the QPS, P50/P99 latency and recall@10 on clustered data.
 *
 * Usage: edgevec_bench [n=100000] [dim=128] [queries=1000] [seed=1]
 *                      [quantization=none|sq8|binary] [rerank=0] [metric=l2]
 *                      [m=16] [efConstruction=200] [pool=0]
 * (rerank > 0 keeps the f32 vectors beside the codes; pool=1 also prints
 * the recall of the true top-10 within all ef results of the walk, what
 * an exact re-rank of the whole candidate list would reach: it tells the
 * graph's misses from the final ranking's.)
 * The build is timed in wall-clock and in process CPU time (the machine is
 * shared, so CPU time is the steadier single-threaded figure); memory is
 * the core's own bytes (ev_memory_bytes), the wasm memory's growth and
 * total, and the process's peak resident set.
 * Prints a table, then one line "JSON {...}" that scripts/bench.sh saves.
 * The exact top-10 is computed by brute force over the f32 rows, so the
 * recall of quantized indexes is measured against the true neighbours.
 * Recall is printed next to every throughput figure: a QPS means nothing
 * without the recall it was bought at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#else
#include <sys/resource.h>
#endif

#include "bench_util.h"
#include "dataset.h"
#include "distance.h"
#include "edgevec.h"

#define K 10

/* The process's peak resident set in MB. */
#ifdef __EMSCRIPTEN__
EM_JS(double, peak_rss_mb, (void), { return process.resourceUsage().maxRSS / 1024; });
#else
static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0; /* KB on Linux */
}
#endif

static void normalise(float *v, uint32_t dim) {
  double s = 0;
  for (uint32_t i = 0; i < dim; i++) s += (double)v[i] * v[i];
  if (s > 0)
    for (uint32_t i = 0; i < dim; i++) v[i] = (float)(v[i] / sqrt(s));
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
  const char *quant = argc > 5 ? argv[5] : "none";
  uint32_t rerank = argc > 6 ? (uint32_t)atoi(argv[6]) : 0;
  const char *metric_name = argc > 7 ? argv[7] : "l2";
  uint32_t m = argc > 8 ? (uint32_t)atoi(argv[8]) : EV_DEFAULT_M;
  uint32_t ef_construction = argc > 9 ? (uint32_t)atoi(argv[9]) : EV_DEFAULT_EF_CONSTRUCTION;
  int pool = argc > 10 && atoi(argv[10]) == 1;
  const char *target = BENCH_TARGET;

  /* The rows are generated and inserted CHUNK at a time (and generated
   * again for the brute force), so that the data set never sits whole in
   * memory: at 1M x 128 it would be 512 MB, more than the index. */
  enum { CHUNK = 10000 };
  ev_mixture mix;
  float *chunk = malloc(sizeof(float) * (size_t)CHUNK * dim);
  float *queries = malloc(sizeof(float) * (size_t)nq * dim);
  uint64_t *truth = malloc(sizeof(uint64_t) * (size_t)nq * K);
  float *truth_d = malloc(sizeof(float) * (size_t)nq * K);
  double *lat = malloc(sizeof(double) * nq);
  if (!chunk || !queries || !truth || !truth_d || !lat) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }

  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.seed = seed;
  o.m = m;
  o.ef_construction = ef_construction;
  o.metric = strcmp(metric_name, "cosine") == 0 ? EV_METRIC_COSINE
             : strcmp(metric_name, "dot") == 0  ? EV_METRIC_DOT
                                                : EV_METRIC_L2;
  o.quantization = strcmp(quant, "sq8") == 0      ? EV_QUANT_SQ8
                   : strcmp(quant, "binary") == 0 ? EV_QUANT_BINARY
                                                  : EV_QUANT_NONE;
  o.keep_floats = rerank > 0;
  o.rerank = rerank;
  ev_index *ix;
  if (ev_index_create(&o, &ix) != EV_OK) {
    fprintf(stderr, "bad options\n");
    return 1;
  }
#ifdef __EMSCRIPTEN__
  double memory_before = (double)__builtin_wasm_memory_size(0) * 65536.0;
#endif
  /* Reserve once, as an app that knows its batch size does (insertBatch
   * does it per batch): no growth copies, no slack. */
  double t0 = bench_now_ms(), c0 = bench_cpu_ms();
  ev_status st = ev_reserve(ix, n);
  ev_mixture_init(&mix, seed, dim, EV_DATASET_CLUSTERS, EV_DATASET_SPREAD);
  for (uint32_t done = 0; st == EV_OK && done < n; done += CHUNK) {
    uint32_t m = n - done < CHUNK ? n - done : CHUNK;
    ev_mixture_rows(&mix, m, chunk);
    st = ev_insert_batch(ix, chunk, m, dim, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  double build_ms = bench_now_ms() - t0, build_cpu_ms = bench_cpu_ms() - c0;
  if (st != EV_OK) {
    fprintf(stderr, "insert failed: %s\n", ev_status_message(st));
    return 1;
  }
  ev_mixture_rows(&mix, nq, queries); /* the rows after the base set */
  ev_mixture_free(&mix);
  double memory_mb = 0, memory_total_mb = 0;
#ifdef __EMSCRIPTEN__
  memory_mb = ((double)__builtin_wasm_memory_size(0) * 65536.0 - memory_before) / 1048576.0;
  memory_total_mb = (double)__builtin_wasm_memory_size(0) * 65536.0 / 1048576.0;
#endif
  double core_mb = (double)ev_memory_bytes(ix) / 1048576.0;
  double rss_mb = peak_rss_mb(); /* after the build: the brute force below adds nothing */

  /* True neighbours by brute force over the f32 rows, regenerated chunk by
   * chunk (normalised under cosine, as the index compares them). */
  if (o.metric == EV_METRIC_COSINE)
    for (uint32_t q = 0; q < nq; q++) normalise(queries + (size_t)q * dim, dim);
  bench_topk_reset(truth_d, truth, (size_t)nq * K);
  ev_mixture_init(&mix, seed, dim, EV_DATASET_CLUSTERS, EV_DATASET_SPREAD);
  for (uint32_t done = 0; done < n; done += CHUNK) {
    uint32_t m = n - done < CHUNK ? n - done : CHUNK;
    ev_mixture_rows(&mix, m, chunk);
    for (uint32_t r = 0; r < m; r++) {
      float *row = chunk + (size_t)r * dim;
      if (o.metric == EV_METRIC_COSINE) normalise(row, dim);
      for (uint32_t q = 0; q < nq; q++)
        bench_topk_offer(truth_d + (size_t)q * K, truth + (size_t)q * K, K,
                         ev_distance(o.metric, queries + (size_t)q * dim, row, dim), done + r);
    }
  }
  ev_mixture_free(&mix);
  uint32_t got;

  printf("%s: %u x %u %s, quantization %s, rerank %u, M %u, efConstruction %u: "
         "build %.0f ms (%.0f ms CPU, %.0f vectors/s), core %.1f MB (%.1f bytes/vector), "
         "peak RSS %.0f MB",
         target, n, dim, metric_name, quant, rerank, o.m, o.ef_construction, build_ms,
         build_cpu_ms, n / (build_ms / 1e3), core_mb, (double)ev_memory_bytes(ix) / n, rss_mb);
  if (memory_mb > 0) printf(", wasm memory grew %.0f MB to %.0f MB", memory_mb, memory_total_mb);
  printf("\n");
  printf("%6s %10s %10s %10s %10s\n", "ef", "QPS", "P50 us", "P99 us", "recall@10");

  uint32_t efs[] = {10, 16, 24, 32, 48, 64, 96, 128, 200, 300, 400, 600, 800};
  size_t nef = sizeof efs / sizeof efs[0];
  char json[8192];
  int off = snprintf(json, sizeof json,
                     "{\"target\":\"%s\",\"n\":%u,\"dim\":%u,\"queries\":%u,\"m\":%u,"
                     "\"metric\":\"%s\",\"quantization\":\"%s\",\"rerank\":%u,"
                     "\"efConstruction\":%u,\"buildMs\":%.1f,\"buildCpuMs\":%.1f,"
                     "\"insertPerSec\":%.0f,\"bytesPerVector\":%.1f,\"coreMB\":%.1f,"
                     "\"wasmMemoryMB\":%.0f,\"wasmMemoryTotalMB\":%.0f,\"peakRssMB\":%.0f,"
                     "\"sweep\":[",
                     target, n, dim, nq, o.m, metric_name, quant, rerank, o.ef_construction,
                     build_ms, build_cpu_ms, n / (build_ms / 1e3), (double)ev_memory_bytes(ix) / n,
                     core_mb, memory_mb, memory_total_mb, rss_mb);
  uint64_t *ids = malloc(sizeof(uint64_t) * 4096);
  float *dist = malloc(sizeof(float) * 4096);
  /* Warm-up: lets a JIT (wasm in Node) tier up before anything is timed. */
  for (uint32_t q = 0; q < nq; q++)
    ev_search(ix, queries + (size_t)q * dim, dim, K, 64, ids, dist, &got);
  for (size_t e = 0; e < nef; e++) {
    size_t hits = 0, pool_hits = 0;
    double start = bench_now_ms();
    for (uint32_t q = 0; q < nq; q++) {
      double a = bench_now_ms();
      ev_search(ix, queries + (size_t)q * dim, dim, pool ? efs[e] : K, efs[e], ids, dist, &got);
      lat[q] = bench_now_ms() - a;
      const uint64_t *want = truth + (size_t)q * K;
      hits += bench_hits(want, K, ids, got < K ? got : K);
      if (pool) pool_hits += bench_hits(want, K, ids, got);
    }
    double total = bench_now_ms() - start;
    bench_sort(lat, nq);
    double qps = nq / (total / 1e3);
    double p50 = percentile(lat, nq, 0.50) * 1e3, p99 = percentile(lat, nq, 0.99) * 1e3;
    double recall = (double)hits / ((double)nq * K);
    printf("%6u %10.0f %10.1f %10.1f %10.4f", efs[e], qps, p50, p99, recall);
    if (pool) printf(" pool %.4f", (double)pool_hits / ((double)nq * K));
    printf("\n");
    off += snprintf(json + off, sizeof json - (size_t)off,
                    "%s{\"ef\":%u,\"qps\":%.0f,\"p50Us\":%.1f,\"p99Us\":%.1f,\"recall\":%.4f",
                    e ? "," : "", efs[e], qps, p50, p99, recall);
    if (pool)
      off += snprintf(json + off, sizeof json - (size_t)off, ",\"poolRecall\":%.4f",
                      (double)pool_hits / ((double)nq * K));
    off += snprintf(json + off, sizeof json - (size_t)off, "}");
  }
  snprintf(json + off, sizeof json - (size_t)off, "]}");
  printf("JSON %s\n", json);
  ev_index_free(ix);
  free(chunk);
  free(truth_d);
  free(queries);
  free(truth);
  free(lat);
  free(ids);
  free(dist);
  return 0;
}
