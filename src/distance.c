/*
 * distance.c — dot product and squared L2: the scalar reference, and the
 * fast kernels of the build (simd128 in wasm, four f32x4 lanes written in
 * plain C natively).
 *
 * The fast kernels keep four independent accumulators of four lanes (16
 * floats a step) so that consecutive adds do not wait on each other, then
 * a 4-float step for a length that is a multiple of 4 but not of 16, and
 * reduce the lanes once at the end. Both builds sum in exactly this order,
 * so native and wasm distances have the same bits. The order differs from
 * the scalar loop's, so against the reference they agree within float
 * rounding, not bit for bit; the tests check a relative tolerance.
 *
 * The body kernels (ev_*_body) take a length that is a multiple of 4 and
 * have no scalar tail: stored vectors are padded with zeros to
 * EV_PAD_FLOATS (index.h), and a zero adds nothing to a dot product or to a
 * squared difference. The general kernels (any length) are the body kernel
 * on the largest multiple of 4, then a scalar tail.
 *
 * The paired kernels compute one query against two vectors in one loop,
 * each with exactly the single kernel's summation (so the same bits). Why:
 * a search is bound by fetching the neighbours' vectors from memory, and
 * interleaving the loads of two of them keeps more misses in flight.
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

/* ---- the fast kernels' building blocks, per build -------------------- */

#ifdef __wasm_simd128__
typedef v128_t lanes;
static inline lanes lanes_zero(void) { return wasm_f32x4_splat(0.0f); }
static inline lanes lanes_load(const float *p) { return wasm_v128_load(p); }
static inline lanes lanes_add(lanes x, lanes y) { return wasm_f32x4_add(x, y); }
static inline lanes product(lanes x, lanes y) { return wasm_f32x4_mul(x, y); }
static inline lanes squared_difference(lanes x, lanes y) {
  v128_t d = wasm_f32x4_sub(x, y);
  return wasm_f32x4_mul(d, d);
}
static inline float sum_lanes(lanes v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}
#else
/* Four floats as a struct of plain C: the same lane-wise operations as
 * f32x4, which the compiler maps to the host's vector registers. Each
 * product is its own statement so that it is never fused into a
 * multiply-add (simd128 has none; the bits must match). */
typedef struct { float v[4]; } lanes;
static inline lanes lanes_zero(void) { return (lanes){{0.0f, 0.0f, 0.0f, 0.0f}}; }
static inline lanes lanes_load(const float *p) {
  lanes r;
  memcpy(r.v, p, sizeof r.v);
  return r;
}
static inline lanes lanes_add(lanes x, lanes y) {
  for (int j = 0; j < 4; j++) x.v[j] += y.v[j];
  return x;
}
static inline lanes product(lanes x, lanes y) {
  for (int j = 0; j < 4; j++) x.v[j] *= y.v[j];
  return x;
}
static inline lanes squared_difference(lanes x, lanes y) {
  for (int j = 0; j < 4; j++) {
    float d = x.v[j] - y.v[j];
    x.v[j] = d * d;
  }
  return x;
}
static inline float sum_lanes(lanes x) { return x.v[0] + x.v[1] + x.v[2] + x.v[3]; }
#endif

/* The 4 x 4-lane accumulators of one vector, reduced in one fixed order. */
static inline float reduce(lanes s0, lanes s1, lanes s2, lanes s3) {
  return sum_lanes(lanes_add(lanes_add(s0, s1), lanes_add(s2, s3)));
}

/* One kernel body per operation: 16 floats a step, then 4 a step; n is a
 * multiple of 4. */
#define EV_BODY(NAME, OP)                                                    \
  float NAME(const float *a, const float *b, size_t n) {                     \
    lanes s0 = lanes_zero(), s1 = s0, s2 = s0, s3 = s0;                      \
    size_t i = 0;                                                            \
    for (; i + 16 <= n; i += 16) {                                           \
      s0 = lanes_add(s0, OP(lanes_load(a + i), lanes_load(b + i)));          \
      s1 = lanes_add(s1, OP(lanes_load(a + i + 4), lanes_load(b + i + 4)));  \
      s2 = lanes_add(s2, OP(lanes_load(a + i + 8), lanes_load(b + i + 8)));  \
      s3 = lanes_add(s3, OP(lanes_load(a + i + 12), lanes_load(b + i + 12)));\
    }                                                                        \
    for (; i < n; i += 4) s0 = lanes_add(s0, OP(lanes_load(a + i), lanes_load(b + i))); \
    return reduce(s0, s1, s2, s3);                                           \
  }
EV_BODY(ev_dot_body, product)
EV_BODY(ev_l2sq_body, squared_difference)
#undef EV_BODY

/* The paired bodies: q against a and b, each summed as the single body
 * sums it. */
#define EV_PAIR_BODY(NAME, OP)                                               \
  void NAME(const float *q, const float *a, const float *b, size_t n,        \
            float *out_a, float *out_b) {                                    \
    lanes a0 = lanes_zero(), a1 = a0, a2 = a0, a3 = a0;                      \
    lanes b0 = a0, b1 = a0, b2 = a0, b3 = a0;                                \
    size_t i = 0;                                                            \
    for (; i + 16 <= n; i += 16) {                                           \
      lanes q0 = lanes_load(q + i), q1 = lanes_load(q + i + 4);              \
      lanes q2 = lanes_load(q + i + 8), q3 = lanes_load(q + i + 12);         \
      a0 = lanes_add(a0, OP(q0, lanes_load(a + i)));                         \
      b0 = lanes_add(b0, OP(q0, lanes_load(b + i)));                         \
      a1 = lanes_add(a1, OP(q1, lanes_load(a + i + 4)));                     \
      b1 = lanes_add(b1, OP(q1, lanes_load(b + i + 4)));                     \
      a2 = lanes_add(a2, OP(q2, lanes_load(a + i + 8)));                     \
      b2 = lanes_add(b2, OP(q2, lanes_load(b + i + 8)));                     \
      a3 = lanes_add(a3, OP(q3, lanes_load(a + i + 12)));                    \
      b3 = lanes_add(b3, OP(q3, lanes_load(b + i + 12)));                    \
    }                                                                        \
    for (; i < n; i += 4) {                                                  \
      lanes q0 = lanes_load(q + i);                                          \
      a0 = lanes_add(a0, OP(q0, lanes_load(a + i)));                         \
      b0 = lanes_add(b0, OP(q0, lanes_load(b + i)));                         \
    }                                                                        \
    *out_a = reduce(a0, a1, a2, a3);                                         \
    *out_b = reduce(b0, b1, b2, b3);                                         \
  }
EV_PAIR_BODY(ev_dot2_body, product)
EV_PAIR_BODY(ev_l2sq2_body, squared_difference)
#undef EV_PAIR_BODY

/* ---- any length: the body, then a scalar tail ------------------------- */

float ev_dot(const float *a, const float *b, size_t n) {
  size_t body = n & ~(size_t)3;
  float sum = ev_dot_body(a, b, body);
  for (size_t i = body; i < n; i++) sum += a[i] * b[i];
  return sum;
}

float ev_l2sq(const float *a, const float *b, size_t n) {
  size_t body = n & ~(size_t)3;
  float sum = ev_l2sq_body(a, b, body);
  for (size_t i = body; i < n; i++) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

void ev_dot2(const float *q, const float *a, const float *b, size_t n,
             float *out_a, float *out_b) {
  if (n % 4) { /* the single kernels' tails: not worth pairing */
    *out_a = ev_dot(q, a, n);
    *out_b = ev_dot(q, b, n);
    return;
  }
  ev_dot2_body(q, a, b, n, out_a, out_b);
}

void ev_l2sq2(const float *q, const float *a, const float *b, size_t n,
              float *out_a, float *out_b) {
  if (n % 4) {
    *out_a = ev_l2sq(q, a, n);
    *out_b = ev_l2sq(q, b, n);
    return;
  }
  ev_l2sq2_body(q, a, b, n, out_a, out_b);
}

#ifdef __wasm_simd128__
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
