/*
 * quantize.c — encoding vectors into payloads and back; see quantize.h.
 *
 * SQ8 uses one symmetric range per vector (its largest |component|) rather
 * than per-dimension ranges trained on a first batch: nothing needs to be
 * seen before the first insert, single inserts and batches code the same
 * vector identically, and no later vector can fall outside a trained range
 * and be clipped. The price is a little precision on vectors whose
 * dimensions have very different scales; re-ranking with kept floats
 * recovers it where it matters.
 */
#include <math.h>
#include <string.h>

#include "bytes.h"
#include "quantize.h"

static size_t round4(size_t n) { return (n + 3) & ~(size_t)3; }

size_t ev__payload_bytes(const ev_options *o) {
  switch (o->quantization) {
    case EV_QUANT_SQ8: return 8 + round4(o->dimensions);
    case EV_QUANT_BINARY: return round4((o->dimensions + 7) / 8);
    case EV_QUANT_NONE:
    default: return sizeof(float) * o->dimensions;
  }
}

uint32_t ev__padded_dim(uint32_t dim) {
  return (dim + EV_PAD_FLOATS - 1) / EV_PAD_FLOATS * EV_PAD_FLOATS;
}

size_t ev__payload_stride(const ev_options *o) {
  if (o->quantization == EV_QUANT_NONE)
    return sizeof(float) * ev__padded_dim(o->dimensions);
  return ev__payload_bytes(o);
}

void ev__encode(const ev_index *ix, const float *x, uint8_t *payload) {
  uint32_t dim = ix->dim;
  memset(payload, 0, ix->payload_stride); /* padding reads the same everywhere */
  switch (ix->options.quantization) {
    case EV_QUANT_SQ8: {
      float amax = 0.0f;
      for (uint32_t i = 0; i < dim; i++)
        if (fabsf(x[i]) > amax) amax = fabsf(x[i]);
      float scale = amax / 127.0f;
      int8_t *code = (int8_t *)(payload + 8);
      int64_t sum = 0;
      if (scale > 0.0f) {
        float inv = 127.0f / amax;
        for (uint32_t i = 0; i < dim; i++) {
          long q = lrintf(x[i] * inv);
          code[i] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
          sum += (int64_t)code[i] * code[i];
        }
      }
      float sqnorm = scale * scale * (float)sum;
      memcpy(payload, &scale, 4);
      memcpy(payload + 4, &sqnorm, 4);
      return;
    }
    case EV_QUANT_BINARY:
      for (uint32_t i = 0; i < dim; i++)
        if (x[i] > 0.0f) payload[i / 8] |= (uint8_t)(1u << (i % 8));
      return;
    case EV_QUANT_NONE:
    default:
      memcpy(payload, x, sizeof(float) * dim);
  }
}

size_t ev__walk_query_bytes(const ev_options *o) {
  size_t payload = ev__payload_stride(o);
  if (o->quantization != EV_QUANT_SQ8) return payload;
  size_t walk = 8 + round4(2 * (size_t)o->dimensions);
  return walk > payload ? walk : payload;
}

/* The query's range (quantize.h): as fine as an i16 allows, and coarse
 * enough that 127 * Q * dim stays below 2^31 whatever the codes. */
static float query_levels(uint32_t dim) {
  uint32_t q = (uint32_t)(2147483647u / (127u * (uint64_t)dim));
  return (float)(q < 32767u ? q : 32767u);
}

void ev__walk_query_encode(const ev_index *ix, const float *x, uint8_t *out) {
  if (ix->options.quantization != EV_QUANT_SQ8) {
    ev__encode(ix, x, out);
    return;
  }
  uint32_t dim = ix->dim;
  float amax = 0.0f, sqnorm = 0.0f;
  for (uint32_t i = 0; i < dim; i++) {
    if (fabsf(x[i]) > amax) amax = fabsf(x[i]);
    sqnorm += x[i] * x[i];
  }
  float levels = query_levels(dim);
  float qscale = amax / levels;
  int16_t *q = (int16_t *)(out + 8);
  memset(q, 0, 2 * (size_t)dim);
  if (qscale > 0.0f) {
    float inv = levels / amax;
    for (uint32_t i = 0; i < dim; i++) {
      long v = lrintf(x[i] * inv);
      q[i] = (int16_t)(v > (long)levels ? (long)levels : v < -(long)levels ? -(long)levels : v);
    }
  }
  memcpy(out, &qscale, 4);
  memcpy(out + 4, &sqnorm, 4);
}

void ev__decode(const ev_index *ix, const uint8_t *payload, float *out) {
  uint32_t dim = ix->dim;
  switch (ix->options.quantization) {
    case EV_QUANT_SQ8: {
      float scale;
      memcpy(&scale, payload, 4);
      const int8_t *code = (const int8_t *)(payload + 8);
      for (uint32_t i = 0; i < dim; i++) out[i] = scale * (float)code[i];
      return;
    }
    case EV_QUANT_BINARY: {
      /* +-1 per component; unit length under cosine, as stored vectors are. */
      float one = ix->options.metric == EV_METRIC_COSINE ? 1.0f / sqrtf((float)dim) : 1.0f;
      for (uint32_t i = 0; i < dim; i++)
        out[i] = (payload[i / 8] >> (i % 8)) & 1u ? one : -one;
      return;
    }
    case EV_QUANT_NONE:
    default:
      memcpy(out, payload, sizeof(float) * dim);
  }
}

/* A payload between memory and its little-endian layout (quantize.h): f32
 * words first (all of them without quantization, scale and sqnorm with
 * SQ8), then bytes that need no conversion. */
static size_t payload_words(const ev_index *ix) {
  switch (ix->options.quantization) {
    case EV_QUANT_SQ8: return 2;
    case EV_QUANT_BINARY: return 0;
    case EV_QUANT_NONE:
    default: return ix->dim;
  }
}
void ev__payload_to_le(const ev_index *ix, uint8_t *dst, const uint8_t *src) {
  size_t words = payload_words(ix);
  ev_le_put_words(dst, src, words);
  memcpy(dst + 4 * words, src + 4 * words, ix->payload_bytes - 4 * words);
}
void ev__payload_from_le(const ev_index *ix, uint8_t *dst, const uint8_t *src) {
  size_t words = payload_words(ix);
  ev_le_get_words(dst, src, words);
  memcpy(dst + 4 * words, src + 4 * words, ix->payload_bytes - 4 * words);
  /* NONE: the zeros up to padded_dim, which are not persisted. */
  memset(dst + ix->payload_bytes, 0, ix->payload_stride - ix->payload_bytes);
}

/* Checks one stored payload (little-endian bytes) against its layout. */
int ev__payload_ok(const ev_index *ix, const uint8_t *p) {
  uint32_t dim = ix->dim;
  size_t P = ix->payload_bytes;
  switch (ix->options.quantization) {
    case EV_QUANT_SQ8: {
      /* scale is finite (max|x| / 127 of a finite vector); sqnorm may be
       * +inf: the core computes it in f32 and a vector with components
       * near 1e20 overflows it. Neither is NaN or negative. */
      uint32_t sqnorm = ev_le_get_u32(p + 4);
      if (!ev_le_finite_words(p, 1)) return 0;
      if ((sqnorm & 0x7F800000u) == 0x7F800000u && (sqnorm & 0x007FFFFFu))
        return 0; /* NaN */
      if (p[3] & 0x80 || p[7] & 0x80) return 0; /* negative scale/sqnorm */
      uint32_t minus128 = 0, pad = 0;
      for (uint32_t i = 0; i < dim; i++) minus128 |= p[8 + i] == 0x80;
      for (size_t i = 8 + dim; i < P; i++) pad |= p[i];
      return !minus128 && !pad;
    }
    case EV_QUANT_BINARY: {
      uint32_t pad = 0;
      if (dim % 8) pad |= p[dim / 8] >> (dim % 8);
      for (size_t i = (dim + 7) / 8; i < P; i++) pad |= p[i];
      return !pad;
    }
    case EV_QUANT_NONE:
    default:
      return ev_le_finite_words(p, dim);
  }
}
