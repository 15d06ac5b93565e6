/*
 * dataset.h — the seeded clustered data shared by the tests and benchmarks.
 *
 * A Gaussian mixture, because uniform noise in 128 dimensions has no
 * neighbourhood structure and makes every ANN index look alike. The
 * generator uses only integer ops and exact double additions/multiplies
 * (no log/cos), so tests/lib/dataset.js produces bit-identical data in JS:
 *
 *   rng       : splitmix64 (state += 0x9E3779B97F4A7C15; mix as usual)
 *   uniform() : (next() >> 11) * 2^-53, in [0, 1)
 *   gauss()   : (u1 + u2 + u3 + u4 - 2) * 1.7320508075688772  (Irwin-Hall
 *               with 4 terms, scaled to unit variance; sums left to right)
 *   centers   : `clusters` x dim values gauss(), drawn first
 *   each row  : c = (next() >> 32) % clusters, then for each d:
 *               (float)(center[c][d] + spread * gauss())
 * Rows are drawn in order from one stream, so the first n rows of a larger
 * set equal a smaller set with the same seed and parameters.
 */
#ifndef EV_DATASET_H
#define EV_DATASET_H

#include <stddef.h>
#include <stdint.h>

typedef struct ev_dataset_rng {
  uint64_t state;
} ev_dataset_rng;

typedef struct ev_mixture {
  uint32_t dim;
  uint32_t clusters;
  double spread;
  double *centers; /* clusters * dim */
  ev_dataset_rng rng;
} ev_mixture;

uint64_t ev_dataset_next(ev_dataset_rng *rng);
double ev_dataset_uniform(ev_dataset_rng *rng);
double ev_dataset_gauss(ev_dataset_rng *rng);

/* Draws the centers. Returns 0 on allocation failure. Free with
 * ev_mixture_free. */
int ev_mixture_init(ev_mixture *mix, uint64_t seed, uint32_t dim,
                    uint32_t clusters, double spread);
/* Draws the next n rows into out (n * dim floats). */
void ev_mixture_rows(ev_mixture *mix, size_t n, float *out);
/* The same, with each row's cluster into clusters[n] (may be NULL): for
 * labels that follow where the vectors lie. */
void ev_mixture_rows_labelled(ev_mixture *mix, size_t n, float *out,
                              uint32_t *clusters);
void ev_mixture_free(ev_mixture *mix);

/* The first n rows of a mixture with `clusters` clusters and spread
 * EV_DATASET_SPREAD, in a new array (free with free()); NULL when memory
 * runs out. */
float *ev_dataset_rows(uint64_t seed, uint32_t dim, uint32_t clusters,
                       size_t n);

/* The defaults the tests and benchmarks (tests/lib/dataset.js too) use:
 * 64 clusters with half the spread of the centers. In 128 dimensions the
 * points of one cluster are still nearly equidistant, so recall depends on
 * ef, and more so as the data grows (recall against ef on 100k x 128:
 * bench/results/core.md). */
#define EV_DATASET_CLUSTERS 64u
#define EV_DATASET_SPREAD 0.5

#endif
