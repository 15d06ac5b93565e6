/*
 * bytes.h — little-endian reads and writes for the persisted formats (the
 * snapshot and the log). Every persisted integer and float is
 * little-endian whatever the host; these are the only functions that know.
 */
#ifndef EV_BYTES_H
#define EV_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t ev_le_get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static inline uint64_t ev_le_get_u64(const uint8_t *p) {
  return (uint64_t)ev_le_get_u32(p) | (uint64_t)ev_le_get_u32(p + 4) << 32;
}
static inline void ev_le_put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static inline void ev_le_put_u64(uint8_t *p, uint64_t v) {
  ev_le_put_u32(p, (uint32_t)v);
  ev_le_put_u32(p + 4, (uint32_t)(v >> 32));
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define EV_HOST_LE 1
#else
#define EV_HOST_LE 0
#endif

/* n u32 or f32 words from memory to little-endian bytes, and back: one
 * memcpy on little-endian hosts (wasm, x86, arm), a byte loop elsewhere. */
static inline void ev_le_put_words(uint8_t *dst, const void *src, size_t n) {
  if (EV_HOST_LE) {
    memcpy(dst, src, n * 4);
    return;
  }
  const uint8_t *s = src;
  for (size_t i = 0; i < n; i++) {
    uint32_t w;
    memcpy(&w, s + 4 * i, 4);
    ev_le_put_u32(dst + 4 * i, w);
  }
}
static inline void ev_le_get_words(void *dst, const uint8_t *src, size_t n) {
  if (EV_HOST_LE) {
    memcpy(dst, src, n * 4);
    return;
  }
  uint8_t *d = dst;
  for (size_t i = 0; i < n; i++) {
    uint32_t w = ev_le_get_u32(src + 4 * i);
    memcpy(d + 4 * i, &w, 4);
  }
}

/* 1 when none of the n little-endian f32 words is NaN or infinite (all
 * exponent bits set). Branch-free so that it vectorises: it runs over every
 * vector component of a snapshot or log record. */
static inline int ev_le_finite_words(const uint8_t *p, size_t n) {
  uint32_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t w = ev_le_get_u32(p + 4 * i);
    bad |= (uint32_t)((w & 0x7F800000u) == 0x7F800000u);
  }
  return bad == 0;
}

#endif
