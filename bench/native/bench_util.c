/* bench_util.c — the helpers the benchmarks share (bench_util.h). */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include "bench_util.h"

#include <stdlib.h>
#include <time.h>
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif

double bench_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#ifdef __EMSCRIPTEN__
EM_JS(double, bench_cpu_ms, (void), {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
});
#else
double bench_cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
#endif

static int by_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

void bench_sort(double *v, size_t n) { qsort(v, n, sizeof *v, by_double); }

double bench_median(double *v, size_t n) {
  bench_sort(v, n);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_topk_reset(float *best, uint64_t *ids, size_t n) {
  for (size_t i = 0; i < n; i++) best[i] = 3.4e38f, ids[i] = UINT64_MAX;
}

/* Sorted insertion: k is small (10), and most rows are farther than the
 * k-th best and leave at the first comparison. */
void bench_topk_offer(float *best, uint64_t *ids, uint32_t k, float d, uint64_t id) {
  if (d >= best[k - 1]) return;
  uint32_t j = k - 1;
  while (j > 0 && best[j - 1] > d) {
    best[j] = best[j - 1];
    ids[j] = ids[j - 1];
    j--;
  }
  best[j] = d;
  ids[j] = id;
}

uint32_t bench_hits(const uint64_t *truth, uint32_t n_truth, const uint64_t *ids,
                    uint32_t got) {
  uint32_t hits = 0;
  for (uint32_t i = 0; i < n_truth; i++)
    for (uint32_t j = 0; j < got; j++)
      if (truth[i] == ids[j]) {
        hits++;
        break;
      }
  return hits;
}
