/*
 * quantize.h — how a vector is stored in its level-0 record (its
 * "payload"), and the distance between two payloads.
 *
 * Payload layouts (all little-endian, record-aligned to 4 bytes):
 *   NONE   : f32 x[dim]; in memory followed by zeros up to padded_dim
 *            floats (index.h), which are neither persisted nor returned
 *   SQ8    : f32 scale | f32 sqnorm | i8 code[dim] | zero padding to 4
 *            x[i] ~ scale * code[i], scale = max|x| / 127, codes in
 *            [-127, 127] (never -128, so products fit an i16);
 *            sqnorm = scale^2 * sum code[i]^2, the decoded vector's squared
 *            norm, which turns squared L2 into norms and one dot product.
 *   BINARY : u8 bits[ceil(dim / 8)] | zero padding to 4; bit i (LSB first
 *            in byte i / 8) is set when x[i] > 0.
 * Distances between two payloads (a node's links being re-selected) follow
 * the metric on the decoded vectors for SQ8 (L2: |a|^2 + |b|^2 - 2 a.b;
 * cosine: 1 - a.b; dot: -a.b). BINARY distances are Hamming distances,
 * whatever the metric: only the order matters to the graph, and re-ranking
 * with floats restores the metric's own distances.
 *
 * A walk (a search, or an insert finding its neighbours) holds its query
 * in a "walk form" (ev__walk_query_encode) and compares it with payloads:
 *   NONE   : the prepared f32 vector (its payload)
 *   SQ8    : f32 qscale | f32 qsqnorm | i16 q[dim]; x[i] ~ qscale * q[i],
 *            qscale = max|x| / Q with Q = min(32767, (2^31 - 1) /
 *            (127 * dim)) so that no dot product with a code overflows an
 *            i32; qsqnorm = sum x[i]^2 of the f32 vector. The distance to
 *            a code is the metric's on the query and the decoded vector
 *            (distance_sq8.h: why a 16-bit query).
 *   BINARY : its payload.
 * The walk form lives in memory only (never persisted).
 */
#ifndef EV_QUANTIZE_H
#define EV_QUANTIZE_H

#include <string.h>

#include "distance.h"
#include "distance_sq8.h"
#include "index.h"

/* Bytes of a payload for these options, as persisted. */
size_t ev__payload_bytes(const ev_options *options);
/* Bytes it takes in a level-0 record and in the query: NONE pads the
 * vector with zeros to ev__padded_dim floats, the others take their
 * persisted size. */
size_t ev__payload_stride(const ev_options *options);
/* dim rounded up to EV_PAD_FLOATS (distance.h). */
uint32_t ev__padded_dim(uint32_t dim);
/* Encodes a prepared (finite; unit length under cosine) vector. */
void ev__encode(const ev_index *ix, const float *prepared, uint8_t *payload);
/* Decodes a payload back to floats (NONE: a copy). */
void ev__decode(const ev_index *ix, const uint8_t *payload, float *out);
/* A payload between memory and its persisted little-endian layout (the
 * same bytes on little-endian hosts; payload_bytes of them, and from_le
 * zeroes the padding after them), and the check of a persisted payload
 * against its layout: the snapshot and the log store payloads this way. */
void ev__payload_to_le(const ev_index *ix, uint8_t *dst, const uint8_t *src);
void ev__payload_from_le(const ev_index *ix, uint8_t *dst, const uint8_t *src);
int ev__payload_ok(const ev_index *ix, const uint8_t *le_payload);

static inline float ev__payload_distance(const ev_index *ix, const uint8_t *a,
                                         const uint8_t *b) {
  switch (ix->options.quantization) {
    case EV_QUANT_SQ8: {
      float sa, sb, na, nb;
      memcpy(&sa, a, 4);
      memcpy(&sb, b, 4);
      float ip = sa * sb * (float)ev_dot_i8((const int8_t *)(a + 8), (const int8_t *)(b + 8), ix->dim);
      switch (ix->options.metric) {
        case EV_METRIC_COSINE: return 1.0f - ip;
        case EV_METRIC_DOT: return -ip;
        case EV_METRIC_L2:
        default:
          memcpy(&na, a + 4, 4);
          memcpy(&nb, b + 4, 4);
          return na + nb - 2.0f * ip;
      }
    }
    case EV_QUANT_BINARY:
      return (float)ev_hamming(a, b, (ix->dim + 7) / 8);
    case EV_QUANT_NONE:
    default:
      return ev_distance_padded(ix->options.metric, (const float *)a,
                                (const float *)b, ix->padded_dim);
  }
}

/* Bytes of a walk query for these options (at least a payload's: a
 * buffer of this size holds either). */
size_t ev__walk_query_bytes(const ev_options *options);
/* The walk form of a prepared vector (see the top of this file). */
void ev__walk_query_encode(const ev_index *ix, const float *prepared, uint8_t *out);

/* The distance from a walk query (ev__walk_query_encode) to a payload. */
static inline float ev__query_distance(const ev_index *ix, const uint8_t *q,
                                       const uint8_t *b) {
  if (ix->options.quantization != EV_QUANT_SQ8) return ev__payload_distance(ix, q, b);
  float qscale, qsqnorm, scale, sqnorm;
  memcpy(&qscale, q, 4);
  memcpy(&scale, b, 4);
  float ip = qscale * scale *
             (float)ev_dot_i16_i8((const int16_t *)(q + 8), (const int8_t *)(b + 8), ix->dim);
  switch (ix->options.metric) {
    case EV_METRIC_COSINE: return 1.0f - ip;
    case EV_METRIC_DOT: return -ip;
    case EV_METRIC_L2:
    default: {
      memcpy(&qsqnorm, q + 4, 4);
      memcpy(&sqnorm, b + 4, 4);
      float d = qsqnorm + sqnorm - 2.0f * ip;
      return d > 0.0f ? d : 0.0f; /* rounding can dip below 0 at a match */
    }
  }
}

/* The distances from a walk query to two payloads. f32 vectors go through
 * the paired kernels (distance.c: the same values, fetched together). */
static inline void ev__query_distance2(const ev_index *ix, const uint8_t *q,
                                       const uint8_t *a, const uint8_t *b,
                                       float *out_a, float *out_b) {
  if (ix->options.quantization == EV_QUANT_NONE) {
    ev_distance2_padded(ix->options.metric, (const float *)q, (const float *)a,
                        (const float *)b, ix->padded_dim, out_a, out_b);
    return;
  }
  *out_a = ev__query_distance(ix, q, a);
  *out_b = ev__query_distance(ix, q, b);
}

#endif
