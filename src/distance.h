/*
 * distance.h — the distance kernels.
 *
 * Two implementations of each kernel: a plain scalar loop (the reference
 * the tests compare against) and the fast one of the build: simd128 in
 * wasm (compiled with -msimd128), the same lanes in plain C natively, with
 * the same summation order and so the same bits (distance.c).
 *
 * Stored f32 vectors are padded with zeros to a multiple of EV_PAD_FLOATS
 * (index.h), so the distances of a search run the body kernels, which have
 * no scalar tail.
 */
#ifndef EV_DISTANCE_H
#define EV_DISTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"

/* The floats a stored vector is padded to a multiple of (with zeros): the
 * body kernels' step is 4; 16 would also skip their 4-float loop at the
 * price of more padding (bench/results/pad.md compares them). */
#ifndef EV_PAD_FLOATS
#define EV_PAD_FLOATS 4
#endif

float ev_dot_scalar(const float *a, const float *b, size_t n);
float ev_l2sq_scalar(const float *a, const float *b, size_t n);
/* Query q against two vectors at once; each result has the same bits as
 * the single kernel's (distance.c says why pairs). */
void ev_dot2_scalar(const float *q, const float *a, const float *b, size_t n,
                    float *out_a, float *out_b);
void ev_l2sq2_scalar(const float *q, const float *a, const float *b, size_t n,
                     float *out_a, float *out_b);

/* The fast kernels, any length n. */
float ev_dot(const float *a, const float *b, size_t n);
float ev_l2sq(const float *a, const float *b, size_t n);
void ev_dot2(const float *q, const float *a, const float *b, size_t n,
             float *out_a, float *out_b);
void ev_l2sq2(const float *q, const float *a, const float *b, size_t n,
              float *out_a, float *out_b);
/* The same for n a multiple of 4 (padded vectors): no scalar tail, and the
 * same bits as the kernels above. */
float ev_dot_body(const float *a, const float *b, size_t n);
float ev_l2sq_body(const float *a, const float *b, size_t n);
void ev_dot2_body(const float *q, const float *a, const float *b, size_t n,
                  float *out_a, float *out_b);
void ev_l2sq2_body(const float *q, const float *a, const float *b, size_t n,
                   float *out_a, float *out_b);

/* Integer kernels of the quantized payloads (quantize.h): exact, so the
 * simd128 and scalar versions must agree bit for bit. Codes are in
 * [-127, 127]. */
int32_t ev_dot_i8_scalar(const int8_t *a, const int8_t *b, size_t n);
uint32_t ev_hamming_scalar(const uint8_t *a, const uint8_t *b, size_t nbytes);

#ifdef __wasm_simd128__
#define EV_HAVE_SIMD128 1
int32_t ev_dot_i8_simd128(const int8_t *a, const int8_t *b, size_t n);
uint32_t ev_hamming_simd128(const uint8_t *a, const uint8_t *b, size_t nbytes);
#define ev_dot_i8 ev_dot_i8_simd128
#define ev_hamming ev_hamming_simd128
#else
#define EV_HAVE_SIMD128 0
#define ev_dot_i8 ev_dot_i8_scalar
#define ev_hamming ev_hamming_scalar
#endif

/* The metric's distance between two stored (cosine: unit-length) vectors.
 * Smaller is nearer; see ev_metric in edgevec.h. */
static inline float ev_distance(ev_metric metric, const float *a,
                                const float *b, size_t n) {
  switch (metric) {
    case EV_METRIC_COSINE: return 1.0f - ev_dot(a, b, n);
    case EV_METRIC_DOT: return -ev_dot(a, b, n);
    case EV_METRIC_L2:
    default: return ev_l2sq(a, b, n);
  }
}

/* ev_distance of q to a and to b, in one pass (the same values). */
static inline void ev_distance2(ev_metric metric, const float *q, const float *a,
                                const float *b, size_t n, float *out_a,
                                float *out_b) {
  if (metric == EV_METRIC_COSINE || metric == EV_METRIC_DOT) {
    float da, db;
    ev_dot2(q, a, b, n, &da, &db);
    *out_a = metric == EV_METRIC_COSINE ? 1.0f - da : -da;
    *out_b = metric == EV_METRIC_COSINE ? 1.0f - db : -db;
    return;
  }
  ev_l2sq2(q, a, b, n, out_a, out_b);
}

/* The same two between padded vectors: n is a multiple of 4. */
static inline float ev_distance_padded(ev_metric metric, const float *a,
                                       const float *b, size_t n) {
  switch (metric) {
    case EV_METRIC_COSINE: return 1.0f - ev_dot_body(a, b, n);
    case EV_METRIC_DOT: return -ev_dot_body(a, b, n);
    case EV_METRIC_L2:
    default: return ev_l2sq_body(a, b, n);
  }
}

static inline void ev_distance2_padded(ev_metric metric, const float *q,
                                       const float *a, const float *b, size_t n,
                                       float *out_a, float *out_b) {
  if (metric == EV_METRIC_COSINE || metric == EV_METRIC_DOT) {
    float da, db;
    ev_dot2_body(q, a, b, n, &da, &db);
    *out_a = metric == EV_METRIC_COSINE ? 1.0f - da : -da;
    *out_b = metric == EV_METRIC_COSINE ? 1.0f - db : -db;
    return;
  }
  ev_l2sq2_body(q, a, b, n, out_a, out_b);
}

#endif
