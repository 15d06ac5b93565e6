/*
 * distance_sq8.c — the asymmetric SQ8 kernel (i16 query x i8 code); see
 * distance_sq8.h for why.
 *
 * The simd128 kernel takes 16 codes a step: one load, sign-extended into
 * two i16x8 halves, each multiplied with eight query values and summed in
 * pairs into i32 lanes by i32x4.dot_i16x8; two accumulators keep
 * consecutive adds independent. A tail shorter than 16 runs the scalar
 * loop.
 */
#include "distance_sq8.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

int32_t ev_dot_i16_i8_scalar(const int16_t *q, const int8_t *code, size_t n) {
  int32_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += (int32_t)q[i] * code[i];
  return sum;
}

#ifdef __wasm_simd128__
int32_t ev_dot_i16_i8_simd128(const int16_t *q, const int8_t *code, size_t n) {
  v128_t acc_lo = wasm_i32x4_splat(0), acc_hi = acc_lo;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t c = wasm_v128_load(code + i);
    acc_lo = wasm_i32x4_add(acc_lo, wasm_i32x4_dot_i16x8(wasm_v128_load(q + i),
                                                          wasm_i16x8_extend_low_i8x16(c)));
    acc_hi = wasm_i32x4_add(acc_hi, wasm_i32x4_dot_i16x8(wasm_v128_load(q + i + 8),
                                                          wasm_i16x8_extend_high_i8x16(c)));
  }
  v128_t acc = wasm_i32x4_add(acc_lo, acc_hi);
  int32_t sum = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
                wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
  for (; i < n; i++) sum += (int32_t)q[i] * code[i];
  return sum;
}
#endif
