/*
 * distance_sq8.h — the asymmetric SQ8 kernel: a query held at 16-bit
 * precision against a stored 8-bit SQ8 code (quantize.h).
 *
 * Why asymmetric: a distance between two 8-bit codes carries the rounding
 * of both; a query kept at 16 bits leaves practically only the stored
 * vector's, so walks and the final ranking see nearer-to-true distances at
 * the same memory per vector (the codes do not change, only how a query
 * reads them). Why 16 bits rather than f32: one code widens to i16 and
 * i32x4.dot_i16x8 multiplies and pairs in one instruction, cheaper than
 * the i8 x i8 kernel and far cheaper than widening codes to f32.
 *
 * Integer and exact: the simd128 and scalar versions agree bit for bit.
 * The caller keeps |q[i]| * 127 * n below 2^31 (quantize.c picks the
 * query's range so), so no order of summation overflows.
 */
#ifndef EV_DISTANCE_SQ8_H
#define EV_DISTANCE_SQ8_H

#include <stddef.h>
#include <stdint.h>

/* sum q[i] * code[i] */
int32_t ev_dot_i16_i8_scalar(const int16_t *q, const int8_t *code, size_t n);

#ifdef __wasm_simd128__
int32_t ev_dot_i16_i8_simd128(const int16_t *q, const int8_t *code, size_t n);
#define ev_dot_i16_i8 ev_dot_i16_i8_simd128
#else
#define ev_dot_i16_i8 ev_dot_i16_i8_scalar
#endif

#endif
