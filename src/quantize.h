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
 * Queries are encoded the same way, so every graph distance is between two
 * payloads. SQ8 distances follow the metric on the decoded vectors
 * (L2: |a|^2 + |b|^2 - 2 a.b; cosine: 1 - a.b; dot: -a.b). BINARY distances
 * are Hamming distances, whatever the metric: only the order matters to the
 * graph, and re-ranking with floats restores the metric's own distances.
 */
#ifndef EV_QUANTIZE_H
#define EV_QUANTIZE_H

#include <string.h>

#include "distance.h"
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

/* The distances from q to two payloads. f32 vectors go through the paired
 * kernels (distance.c: the same values, fetched together); codes are small
 * enough that pairing them gains nothing. */
static inline void ev__payload_distance2(const ev_index *ix, const uint8_t *q,
                                         const uint8_t *a, const uint8_t *b,
                                         float *out_a, float *out_b) {
  if (ix->options.quantization == EV_QUANT_NONE) {
    ev_distance2_padded(ix->options.metric, (const float *)q, (const float *)a,
                        (const float *)b, ix->padded_dim, out_a, out_b);
    return;
  }
  *out_a = ev__payload_distance(ix, q, a);
  *out_b = ev__payload_distance(ix, q, b);
}

#endif
