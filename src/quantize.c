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

void ev__encode(const ev_index *ix, const float *x, uint8_t *payload) {
  uint32_t dim = ix->dim;
  memset(payload, 0, ix->payload_bytes); /* padding reads the same everywhere */
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
