/*
 * distance.c — dot product and squared L2, scalar and simd128.
 *
 * The simd128 kernels keep four independent f32x4 accumulators (16 floats a
 * step) so that consecutive adds do not wait on each other, and reduce the
 * lanes once at the end. Their summation order differs from the scalar
 * loop's, so results agree within float rounding, not bit for bit; the tests
 * check a relative tolerance.
 *
 * The paired kernels compute one query against two vectors in one loop,
 * each with exactly the single kernel's summation (so the same bits). Why:
 * a search is bound by fetching the neighbours' vectors from memory, and
 * interleaving the loads of two of them keeps more misses in flight, which
 * A/B runs showed as more queries per second in wasm (the current search
 * throughput: bench/results/core.md).
 */
#include "distance.h"

#include <string.h>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

float ev_dot_scalar(const float *a, const float *b, size_t n) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; i++) sum += a[i] * b[i];
  return sum;
}

float ev_l2sq_scalar(const float *a, const float *b, size_t n) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; i++) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

int32_t ev_dot_i8_scalar(const int8_t *a, const int8_t *b, size_t n) {
  int32_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += (int32_t)a[i] * b[i];
  return sum;
}

/* Bits set in a 64-bit word, by the classic SWAR reduction (pairs, nibbles,
 * bytes, then one multiply to sum the bytes): portable, no table. */
static inline uint32_t popcount64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

uint32_t ev_hamming_scalar(const uint8_t *a, const uint8_t *b, size_t nbytes) {
  uint32_t sum = 0;
  size_t i = 0;
  for (; i + 8 <= nbytes; i += 8) {
    uint64_t x, y;
    memcpy(&x, a + i, 8); /* unaligned-safe loads */
    memcpy(&y, b + i, 8);
    sum += popcount64(x ^ y);
  }
  for (; i < nbytes; i++) sum += popcount64((uint64_t)(a[i] ^ b[i]));
  return sum;
}

#ifdef __wasm_simd128__
static inline float sum_lanes(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

float ev_dot_simd128(const float *a, const float *b, size_t n) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12)));
  }
  for (; i + 4 <= n; i += 4)
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  float sum = sum_lanes(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; i < n; i++) sum += a[i] * b[i];
  return sum;
}

float ev_l2sq_simd128(const float *a, const float *b, size_t n) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t d0 = wasm_f32x4_sub(wasm_v128_load(a + i), wasm_v128_load(b + i));
    v128_t d1 = wasm_f32x4_sub(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4));
    v128_t d2 = wasm_f32x4_sub(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8));
    v128_t d3 = wasm_f32x4_sub(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12));
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(d0, d0));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(d1, d1));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(d2, d2));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(d3, d3));
  }
  for (; i + 4 <= n; i += 4) {
    v128_t d = wasm_f32x4_sub(wasm_v128_load(a + i), wasm_v128_load(b + i));
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(d, d));
  }
  float sum = sum_lanes(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; i < n; i++) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}
#endif

void ev_dot2_scalar(const float *q, const float *a, const float *b, size_t n,
                    float *out_a, float *out_b) {
  *out_a = ev_dot_scalar(q, a, n);
  *out_b = ev_dot_scalar(q, b, n);
}

void ev_l2sq2_scalar(const float *q, const float *a, const float *b, size_t n,
                     float *out_a, float *out_b) {
  *out_a = ev_l2sq_scalar(q, a, n);
  *out_b = ev_l2sq_scalar(q, b, n);
}

#ifdef __wasm_simd128__
/* One 16-float step of the paired kernels: OP(q, x) accumulated into four
 * accumulators per vector, in the single kernels' order. */
#define EV_PAIR_STEP(OP)                                                     \
  do {                                                                       \
    v128_t q0 = wasm_v128_load(q + i), q1 = wasm_v128_load(q + i + 4);       \
    v128_t q2 = wasm_v128_load(q + i + 8), q3 = wasm_v128_load(q + i + 12);  \
    a0 = wasm_f32x4_add(a0, OP(q0, wasm_v128_load(a + i)));                  \
    b0 = wasm_f32x4_add(b0, OP(q0, wasm_v128_load(b + i)));                  \
    a1 = wasm_f32x4_add(a1, OP(q1, wasm_v128_load(a + i + 4)));              \
    b1 = wasm_f32x4_add(b1, OP(q1, wasm_v128_load(b + i + 4)));              \
    a2 = wasm_f32x4_add(a2, OP(q2, wasm_v128_load(a + i + 8)));              \
    b2 = wasm_f32x4_add(b2, OP(q2, wasm_v128_load(b + i + 8)));              \
    a3 = wasm_f32x4_add(a3, OP(q3, wasm_v128_load(a + i + 12)));             \
    b3 = wasm_f32x4_add(b3, OP(q3, wasm_v128_load(b + i + 12)));             \
  } while (0)

static inline v128_t product(v128_t x, v128_t y) { return wasm_f32x4_mul(x, y); }
static inline v128_t squared_difference(v128_t x, v128_t y) {
  v128_t d = wasm_f32x4_sub(x, y);
  return wasm_f32x4_mul(d, d);
}

void ev_dot2_simd128(const float *q, const float *a, const float *b, size_t n,
                     float *out_a, float *out_b) {
  if (n % 16) { /* the single kernels' tails: not worth pairing */
    *out_a = ev_dot_simd128(q, a, n);
    *out_b = ev_dot_simd128(q, b, n);
    return;
  }
  v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
  v128_t b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  for (size_t i = 0; i < n; i += 16) EV_PAIR_STEP(product);
  *out_a = sum_lanes(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)));
  *out_b = sum_lanes(wasm_f32x4_add(wasm_f32x4_add(b0, b1), wasm_f32x4_add(b2, b3)));
}

void ev_l2sq2_simd128(const float *q, const float *a, const float *b, size_t n,
                      float *out_a, float *out_b) {
  if (n % 16) {
    *out_a = ev_l2sq_simd128(q, a, n);
    *out_b = ev_l2sq_simd128(q, b, n);
    return;
  }
  v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
  v128_t b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  for (size_t i = 0; i < n; i += 16) EV_PAIR_STEP(squared_difference);
  *out_a = sum_lanes(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)));
  *out_b = sum_lanes(wasm_f32x4_add(wasm_f32x4_add(b0, b1), wasm_f32x4_add(b2, b3)));
}
#undef EV_PAIR_STEP

/* 16 codes a step: widening multiplies give two i16x8 of products (at most
 * 127 * 127, so no overflow), pairwise adds fold them into i32x4
 * accumulators, and the four lanes are summed once at the end. */
int32_t ev_dot_i8_simd128(const int8_t *a, const int8_t *b, size_t n) {
  v128_t acc_lo = wasm_i32x4_splat(0), acc_hi = acc_lo;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t va = wasm_v128_load(a + i), vb = wasm_v128_load(b + i);
    acc_lo = wasm_i32x4_add(acc_lo, wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_extmul_low_i8x16(va, vb)));
    acc_hi = wasm_i32x4_add(acc_hi, wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_extmul_high_i8x16(va, vb)));
  }
  v128_t acc = wasm_i32x4_add(acc_lo, acc_hi);
  int32_t sum = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
                wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
  for (; i < n; i++) sum += (int32_t)a[i] * b[i];
  return sum;
}

/* popcnt of the xor per byte, widened to u16 lanes every step (each step
 * adds at most 16 per lane, so 4096 dimensions stay far below 65535). */
uint32_t ev_hamming_simd128(const uint8_t *a, const uint8_t *b, size_t nbytes) {
  v128_t acc = wasm_i16x8_splat(0);
  size_t i = 0;
  for (; i + 16 <= nbytes; i += 16) {
    v128_t x = wasm_v128_xor(wasm_v128_load(a + i), wasm_v128_load(b + i));
    acc = wasm_i16x8_add(acc, wasm_u16x8_extadd_pairwise_u8x16(wasm_i8x16_popcnt(x)));
  }
  v128_t wide = wasm_u32x4_extadd_pairwise_u16x8(acc);
  uint32_t sum = wasm_i32x4_extract_lane(wide, 0) + wasm_i32x4_extract_lane(wide, 1) +
                 wasm_i32x4_extract_lane(wide, 2) + wasm_i32x4_extract_lane(wide, 3);
  for (; i < nbytes; i++) sum += popcount64((uint64_t)(a[i] ^ b[i]));
  return sum;
}
#endif
