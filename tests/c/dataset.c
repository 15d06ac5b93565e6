/* dataset.c — the seeded Gaussian mixture of the tests and benchmarks; the
 * exact algorithm (mirrored in JS) is documented in dataset.h. */
#include "dataset.h"

#include <stdlib.h>

uint64_t ev_dataset_next(ev_dataset_rng *rng) {
  uint64_t z = (rng->state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double ev_dataset_uniform(ev_dataset_rng *rng) {
  return (double)(ev_dataset_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

double ev_dataset_gauss(ev_dataset_rng *rng) {
  double s = ev_dataset_uniform(rng);
  s = s + ev_dataset_uniform(rng);
  s = s + ev_dataset_uniform(rng);
  s = s + ev_dataset_uniform(rng);
  return (s - 2.0) * 1.7320508075688772;
}

int ev_mixture_init(ev_mixture *mix, uint64_t seed, uint32_t dim,
                    uint32_t clusters, double spread) {
  mix->dim = dim;
  mix->clusters = clusters ? clusters : 1;
  mix->spread = spread;
  mix->rng.state = seed;
  mix->centers = malloc(sizeof(double) * mix->clusters * dim);
  if (!mix->centers) return 0;
  for (size_t i = 0; i < (size_t)mix->clusters * dim; i++)
    mix->centers[i] = ev_dataset_gauss(&mix->rng);
  return 1;
}

void ev_mixture_rows(ev_mixture *mix, size_t n, float *out) {
  ev_mixture_rows_labelled(mix, n, out, NULL);
}

void ev_mixture_rows_labelled(ev_mixture *mix, size_t n, float *out,
                              uint32_t *clusters) {
  for (size_t r = 0; r < n; r++) {
    uint32_t c = (uint32_t)(ev_dataset_next(&mix->rng) >> 32) % mix->clusters;
    if (clusters) clusters[r] = c;
    const double *center = mix->centers + (size_t)c * mix->dim;
    float *row = out + r * mix->dim;
    for (uint32_t d = 0; d < mix->dim; d++)
      row[d] = (float)(center[d] + mix->spread * ev_dataset_gauss(&mix->rng));
  }
}

void ev_mixture_free(ev_mixture *mix) {
  free(mix->centers);
  mix->centers = NULL;
}

float *ev_dataset_rows(uint64_t seed, uint32_t dim, uint32_t clusters,
                       size_t n) {
  ev_mixture mix;
  float *rows = malloc(sizeof(float) * dim * (n ? n : 1));
  if (!rows || !ev_mixture_init(&mix, seed, dim, clusters, EV_DATASET_SPREAD)) {
    free(rows);
    return NULL;
  }
  ev_mixture_rows(&mix, n, rows);
  ev_mixture_free(&mix);
  return rows;
}
