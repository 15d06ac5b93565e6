/*
 * bench_kernels.c — the distance kernels and the level-0 walk, built
 * natively and to wasm (run in Node) from the same source.
 *
 * Two parts, both printed as tables and as one line "JSON {...}":
 *
 *   kernels: nanoseconds per distance of each kernel, on records laid out
 *     as the level-0 arena lays them out (links, then the vector) and
 *     visited in a random order, so that the figures include the cache
 *     misses of a walk. Side by side in one process: the scalar reference,
 *     the general kernel on the unpadded length, the body kernel on the
 *     length padded to 4 and to 16 floats, and the paired body kernel.
 *     Each figure is the median of `reps` passes.
 *   index: build time, bytes per vector (ev_memory_bytes, and the wasm
 *     memory grown), then QPS next to recall@10 at fixed ef, the median
 *     of `reps` passes over the queries.
 *
 * The data is real-like rather than clustered: a random projection of a
 * low-rank latent vector with a decaying spectrum, plus a little noise,
 * normalised (cosine), which is how text embeddings behave (a few strong
 * directions, a long tail). Queries are further rows of the same stream.
 *
 *   memory: where the bytes of ev_memory_bytes go per vector (records,
 *     per-slot arrays, search scratch, upper levels, id map, the slack of
 *     capacity beyond the count) after inserting n vectors in batches of
 *     1000, and the wasm memory grown; efConstruction does not change the
 *     layout, so a small one keeps this part fast.
 *
 * Usage: edgevec_bench_kernels [part=both|kernels|index|memory] [n=20000] [dim=100]
 *                              [queries=500] [reps=5] [seed=1] [m=16]
 *                              [ef_construction=200]
 * Comparisons of builds (padding widths, the code before padding) run one
 * binary per variant, interleaved: scripts/bench-pad.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "dataset.h"
#include "distance.h"
#include "edgevec.h"
#include "idmap.h"
#include "index.h"

#define K 10

/* ---- real-like data ---------------------------------------------------- */

typedef struct {
  uint32_t dim, rank;
  float *projection; /* dim x rank */
  float *scale;      /* rank: the spectrum */
  ev_dataset_rng rng;
} reallike;

/* Latent rank 64 (or dim), the i-th latent direction scaled (1 + i)^-0.8,
 * noise 5% of the signal per component. */
static int reallike_init(reallike *g, uint64_t seed, uint32_t dim) {
  g->dim = dim;
  g->rank = dim < 64 ? dim : 64;
  g->rng.state = seed * 0x9E3779B97F4A7C15ull + 17;
  g->projection = malloc(sizeof(float) * dim * g->rank);
  g->scale = malloc(sizeof(float) * g->rank);
  if (!g->projection || !g->scale) return 0;
  for (size_t i = 0; i < (size_t)dim * g->rank; i++)
    g->projection[i] = (float)ev_dataset_gauss(&g->rng);
  for (uint32_t r = 0; r < g->rank; r++) g->scale[r] = (float)pow(1.0 + r, -0.8);
  return 1;
}

static void reallike_rows(reallike *g, size_t n, float *out) {
  float z[64];
  for (size_t row = 0; row < n; row++) {
    float *x = out + row * g->dim;
    for (uint32_t r = 0; r < g->rank; r++) z[r] = g->scale[r] * (float)ev_dataset_gauss(&g->rng);
    double norm = 0;
    for (uint32_t d = 0; d < g->dim; d++) {
      float s = 0;
      const float *p = g->projection + (size_t)d * g->rank;
      for (uint32_t r = 0; r < g->rank; r++) s += p[r] * z[r];
      x[d] = s + 0.05f * (float)ev_dataset_gauss(&g->rng);
      norm += (double)x[d] * x[d];
    }
    double inv = norm > 0 ? 1.0 / sqrt(norm) : 0;
    for (uint32_t d = 0; d < g->dim; d++) x[d] = (float)(x[d] * inv);
  }
}

static void reallike_free(reallike *g) {
  free(g->projection);
  free(g->scale);
}

/* ---- kernels ----------------------------------------------------------- */

/* EV_BENCH_INDEX_ONLY: the index part alone, which also builds against
 * the core from before padding (scripts/bench-pad.sh). */
#ifndef EV_BENCH_INDEX_ONLY

typedef enum { K_SCALAR, K_GENERAL, K_BODY4, K_BODY16, K_PAIR4, K_PAIR16, K_COUNT } kernel_kind;
static const char *kernel_names[K_COUNT] = {"scalar", "general", "body/4", "body/16",
                                            "pair/4", "pair/16"};

static size_t round_up(size_t n, size_t w) { return (n + w - 1) / w * w; }

/* ns per distance of one kernel over `count` records of `stride` floats
 * (the vector after 33 words of links, as in a level-0 record), visited
 * in the order `order`. */
static double time_kernel(kernel_kind kind, const float *arena, size_t stride,
                          const uint32_t *order, size_t count, const float *q,
                          uint32_t dim, volatile float *sink) {
  size_t n = kind == K_SCALAR || kind == K_GENERAL ? dim
             : kind == K_BODY4 || kind == K_PAIR4 ? round_up(dim, 4)
                                                  : round_up(dim, 16);
  float acc = 0;
  double t0 = bench_now_ms();
  if (kind == K_PAIR4 || kind == K_PAIR16) {
    for (size_t i = 0; i + 1 < count; i += 2) {
      float a, b;
      ev_dot2_body(q, arena + order[i] * stride + 33, arena + order[i + 1] * stride + 33, n, &a, &b);
      acc += a + b;
    }
  } else {
    for (size_t i = 0; i < count; i++) {
      const float *v = arena + order[i] * stride + 33;
      acc += kind == K_SCALAR  ? ev_dot_scalar(q, v, n)
             : kind == K_GENERAL ? ev_dot(q, v, n)
                                 : ev_dot_body(q, v, n);
    }
  }
  double ms = bench_now_ms() - t0;
  *sink = acc;
  return ms * 1e6 / (double)count;
}

static int bench_kernels(uint32_t dim, uint32_t reps, uint64_t seed, char *json, size_t cap) {
  enum { RECORDS = 100000 };
  /* Records as wide as the widest padding, so every kernel reads the
   * same addresses; the padding is zero. */
  size_t stride = 33 + round_up(dim, 16);
  float *arena = calloc((size_t)RECORDS * stride, sizeof(float));
  uint32_t *order = malloc(sizeof(uint32_t) * RECORDS);
  float *q = calloc(round_up(dim, 16), sizeof(float));
  float *rows = malloc(sizeof(float) * dim * 1000);
  if (!arena || !order || !q || !rows) return 0;
  reallike g;
  if (!reallike_init(&g, seed, dim)) return 0;
  for (uint32_t r = 0; r < RECORDS; r += 1000) {
    reallike_rows(&g, 1000, rows);
    for (uint32_t i = 0; i < 1000; i++)
      memcpy(arena + (size_t)(r + i) * stride + 33, rows + (size_t)i * dim, sizeof(float) * dim);
  }
  reallike_rows(&g, 1, q);
  ev_dataset_rng rng = {seed};
  for (uint32_t i = 0; i < RECORDS; i++) order[i] = i;
  for (uint32_t i = RECORDS - 1; i > 0; i--) { /* Fisher-Yates */
    uint32_t j = (uint32_t)(ev_dataset_next(&rng) % (i + 1));
    uint32_t t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  volatile float sink;
  double *samples = malloc(sizeof(double) * reps * K_COUNT);
  for (uint32_t r = 0; r < reps; r++) /* kinds interleaved within each rep */
    for (int k = 0; k < K_COUNT; k++)
      samples[k * reps + r] = time_kernel((kernel_kind)k, arena, stride, order, RECORDS, q, dim, &sink);
  printf("kernels, dim %u (ns per distance, median of %u, random order over %u records):\n",
         dim, reps, (unsigned)RECORDS);
  int off = snprintf(json, cap, "{\"dim\":%u", dim);
  for (int k = 0; k < K_COUNT; k++) {
    double med = bench_median(samples + k * reps, reps);
    printf("  %-8s %8.1f\n", kernel_names[k], med);
    off += snprintf(json + off, cap - (size_t)off, ",\"%s\":%.2f", kernel_names[k], med);
  }
  snprintf(json + off, cap - (size_t)off, "}");
  free(samples);
  reallike_free(&g);
  free(arena);
  free(order);
  free(q);
  free(rows);
  return 1;
}

#endif /* EV_BENCH_INDEX_ONLY */

/* ---- the index --------------------------------------------------------- */

static int bench_index(uint32_t n, uint32_t dim, uint32_t nq, uint32_t reps, uint64_t seed,
                       uint32_t m, uint32_t efc, char *json, size_t cap) {
  float *data = malloc(sizeof(float) * (size_t)n * dim);
  float *queries = malloc(sizeof(float) * (size_t)nq * dim);
  uint64_t *truth = malloc(sizeof(uint64_t) * (size_t)nq * K);
  float *truth_d = malloc(sizeof(float) * (size_t)nq * K);
  if (!data || !queries || !truth || !truth_d) return 0;
  reallike g;
  if (!reallike_init(&g, seed, dim)) return 0;
  reallike_rows(&g, n, data);
  reallike_rows(&g, nq, queries);
  reallike_free(&g);
  bench_topk_reset(truth_d, truth, (size_t)nq * K);
  for (uint32_t r = 0; r < n; r++)
    for (uint32_t q = 0; q < nq; q++)
      bench_topk_offer(truth_d + (size_t)q * K, truth + (size_t)q * K, K,
                       1.0f - ev_dot_scalar(queries + (size_t)q * dim, data + (size_t)r * dim, dim),
                       r);

  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.metric = EV_METRIC_COSINE;
  o.m = m;
  o.ef_construction = efc;
  o.seed = seed;
  ev_index *ix;
  if (ev_index_create(&o, &ix) != EV_OK) return 0;
  double wasm_before = 0, wasm_after = 0;
#ifdef __EMSCRIPTEN__
  wasm_before = (double)__builtin_wasm_memory_size(0) * 65536.0;
#endif
  /* Batches of 1000 without a reservation: the growth an app that inserts
   * as data arrives sees. */
  double t0 = bench_now_ms();
  for (uint32_t done = 0; done < n; done += 1000) {
    uint32_t b = n - done < 1000 ? n - done : 1000;
    if (ev_insert_batch(ix, data + (size_t)done * dim, b, dim, NULL, NULL, NULL, NULL, NULL,
                        NULL) != EV_OK)
      return 0;
  }
  double build_ms = bench_now_ms() - t0;
#ifdef __EMSCRIPTEN__
  wasm_after = (double)__builtin_wasm_memory_size(0) * 65536.0;
#endif
  double bpv = (double)ev_memory_bytes(ix) / n;
  printf("index: %u x %u cosine, M %u, efConstruction %u: build %.0f ms, %.1f bytes/vector",
         n, dim, m, efc, build_ms, bpv);
  if (wasm_after > 0) printf(", wasm memory grew %.1f bytes/vector", (wasm_after - wasm_before) / n);
  printf("\n%6s %10s %10s\n", "ef", "QPS", "recall@10");
  int off = snprintf(json, cap,
                     "{\"n\":%u,\"dim\":%u,\"m\":%u,\"efConstruction\":%u,\"buildMs\":%.1f,"
                     "\"bytesPerVector\":%.1f,\"wasmGrowthPerVector\":%.1f,\"sweep\":[",
                     n, dim, m, efc, build_ms, bpv, (wasm_after - wasm_before) / n);
  uint32_t efs[] = {16, 32, 64, 128, 256};
  uint64_t ids[K];
  float dist[K];
  uint32_t got;
  for (uint32_t q = 0; q < nq; q++) /* warm-up (a JIT tiers up) */
    ev_search(ix, queries + (size_t)q * dim, dim, K, 64, ids, dist, &got);
  /* Passes interleaved over the efs (pass r of every ef, then pass r + 1),
   * so that a burst of load on the shared machine hits every ef alike. */
  enum { NEF = sizeof efs / sizeof efs[0] };
  double *qps = malloc(sizeof(double) * reps * NEF);
  size_t hits[NEF] = {0};
  for (uint32_t r = 0; r < reps; r++)
    for (size_t e = 0; e < NEF; e++) {
      double start = bench_now_ms();
      for (uint32_t q = 0; q < nq; q++) {
        ev_search(ix, queries + (size_t)q * dim, dim, K, efs[e], ids, dist, &got);
        if (r == 0) hits[e] += bench_hits(truth + (size_t)q * K, K, ids, got);
      }
      qps[e * reps + r] = nq / ((bench_now_ms() - start) / 1e3);
    }
  for (size_t e = 0; e < NEF; e++) {
    double med = bench_median(qps + e * reps, reps), recall = (double)hits[e] / ((double)nq * K);
    printf("%6u %10.0f %10.4f\n", efs[e], med, recall);
    off += snprintf(json + off, cap - (size_t)off, "%s{\"ef\":%u,\"qps\":%.0f,\"recall\":%.4f}",
                    e ? "," : "", efs[e], med, recall);
  }
  snprintf(json + off, cap - (size_t)off, "]}");
  free(qps);
  ev_index_free(ix);
  free(data);
  free(queries);
  free(truth);
  free(truth_d);
  return 1;
}

/* ---- memory ------------------------------------------------------------ */

#ifndef EV_BENCH_INDEX_ONLY

static int bench_memory(uint32_t n, uint32_t dim, uint64_t seed, uint32_t m, char *json,
                        size_t cap) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.metric = EV_METRIC_COSINE;
  o.m = m;
  o.ef_construction = 16;
  o.seed = seed;
  ev_index *ix;
  float *rows = malloc(sizeof(float) * 1000 * dim);
  reallike g;
  if (!rows || !reallike_init(&g, seed, dim) || ev_index_create(&o, &ix) != EV_OK) return 0;
  double before = 0, after = 0;
#ifdef __EMSCRIPTEN__
  before = (double)__builtin_wasm_memory_size(0) * 65536.0;
#endif
  for (uint32_t done = 0; done < n; done += 1000) {
    uint32_t b = n - done < 1000 ? n - done : 1000;
    reallike_rows(&g, b, rows);
    if (ev_insert_batch(ix, rows, b, dim, NULL, NULL, NULL, NULL, NULL, NULL) != EV_OK) return 0;
  }
#ifdef __EMSCRIPTEN__
  after = (double)__builtin_wasm_memory_size(0) * 65536.0;
#endif
  double total = (double)ev_memory_bytes(ix);
  /* The parts, per vector (of the count, not of what is allocated). */
  double cnt = ix->count;
  size_t small = sizeof(uint64_t) + 2 + sizeof(uint32_t *) + sizeof(uint32_t) + sizeof(ev_heap_item);
  double records = (double)ix->arena_slots * ix->node_bytes / cnt;
  double padding = (double)ix->arena_slots * (ix->payload_stride - ix->payload_bytes) / cnt;
  double slot_arrays = (double)ix->slot_arrays_len * (sizeof(uint64_t) + 2 + sizeof(uint32_t *)) / cnt;
  double scratch = (double)ix->slot_arrays_len * (sizeof(uint32_t) + sizeof(ev_heap_item)) / cnt;
  double upper = (double)ix->upper_bytes / cnt;
  double idmap = (double)ev_idmap_bytes(&ix->ids) / cnt;
  double slack = ((double)(ix->arena_slots - ix->count) * ix->node_bytes +
                  (double)(ix->slot_arrays_len - ix->count) * small) / cnt;
  printf("memory: %u x %u, M %u: %.1f bytes/vector (records %.1f of which padding %.1f, "
         "id/level/tombstone/upper pointer %.1f, visited+candidates scratch %.1f, upper links "
         "%.1f, id map %.1f; %u records and %u per-slot entries for %u: slack %.1f)",
         n, dim, m, total / cnt, records, padding, slot_arrays, scratch, upper, idmap,
         ix->arena_slots, ix->slot_arrays_len, ix->count, slack);
  if (after > 0) printf(", wasm memory grew %.1f bytes/vector", (after - before) / cnt);
  printf("\n");
  snprintf(json, cap,
           "{\"n\":%u,\"dim\":%u,\"m\":%u,\"bytesPerVector\":%.1f,\"records\":%.1f,\"padding\":%.1f,"
           "\"slotArrays\":%.1f,\"scratch\":%.1f,\"upper\":%.1f,\"idmap\":%.1f,\"slack\":%.1f,"
           "\"wasmGrowthPerVector\":%.1f}",
           n, dim, m, total / cnt, records, padding, slot_arrays, scratch, upper, idmap, slack,
           (after - before) / cnt);
  reallike_free(&g);
  free(rows);
  ev_index_free(ix);
  return 1;
}
#endif /* EV_BENCH_INDEX_ONLY */

int main(int argc, char **argv) {
  const char *part = argc > 1 ? argv[1] : "both";
  uint32_t n = argc > 2 ? (uint32_t)atoi(argv[2]) : 20000;
  uint32_t dim = argc > 3 ? (uint32_t)atoi(argv[3]) : 100;
  uint32_t nq = argc > 4 ? (uint32_t)atoi(argv[4]) : 500;
  uint32_t reps = argc > 5 ? (uint32_t)atoi(argv[5]) : 5;
  uint64_t seed = argc > 6 ? (uint64_t)atoll(argv[6]) : 1;
  uint32_t m = argc > 7 ? (uint32_t)atoi(argv[7]) : 16;
  uint32_t efc = argc > 8 ? (uint32_t)atoi(argv[8]) : 200;
  const char *target = BENCH_TARGET;
  if (reps < 1) reps = 1;
  char kj[1024] = "null", ij[2048] = "null", mj[1024] = "null";
#ifndef EV_BENCH_INDEX_ONLY
  if (strcmp(part, "memory") == 0) {
    if (!bench_memory(n, dim, seed, m, mj, sizeof mj)) {
      fprintf(stderr, "memory: failed\n");
      return 1;
    }
    printf("JSON {\"target\":\"%s\",\"memory\":%s}\n", target, mj);
    return 0;
  }
#endif
#ifndef EV_BENCH_INDEX_ONLY
  if (strcmp(part, "index") != 0 && !bench_kernels(dim, reps, seed, kj, sizeof kj)) {
    fprintf(stderr, "kernels: out of memory\n");
    return 1;
  }
#endif
  if (strcmp(part, "kernels") != 0 && !bench_index(n, dim, nq, reps, seed, m, efc, ij, sizeof ij)) {
    fprintf(stderr, "index: failed\n");
    return 1;
  }
  printf("JSON {\"target\":\"%s\",\"padFloats\":%d,\"kernels\":%s,\"index\":%s}\n", target,
#ifdef EV_PAD_FLOATS
         EV_PAD_FLOATS,
#else
         0,
#endif
         kj, ij);
  return 0;
}
