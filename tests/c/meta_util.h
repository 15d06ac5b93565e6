/*
 * meta_util.h — builds metadata records and filter programs byte by byte
 * for the tests (the formats: top of src/metadata.c and src/filter.c).
 * A builder is a fixed buffer and a length; the helpers append.
 */
#ifndef EV_META_UTIL_H
#define EV_META_UTIL_H

#include <stdint.h>
#include <string.h>

typedef struct mu_buf {
  uint8_t b[16384];
  size_t n;
} mu_buf;

static inline void mu_u8(mu_buf *r, uint32_t v) { r->b[r->n++] = (uint8_t)v; }
static inline void mu_u16(mu_buf *r, uint32_t v) {
  mu_u8(r, v & 0xFF);
  mu_u8(r, v >> 8);
}
static inline void mu_u32(mu_buf *r, uint32_t v) {
  mu_u16(r, v & 0xFFFF);
  mu_u16(r, v >> 16);
}
static inline void mu_bytes(mu_buf *r, const void *p, size_t n) {
  memcpy(r->b + r->n, p, n);
  r->n += n;
}
static inline void mu_f64(mu_buf *r, double v) {
  uint64_t bits;
  memcpy(&bits, &v, 8);
  mu_u32(r, (uint32_t)bits);
  mu_u32(r, (uint32_t)(bits >> 32));
}
/* u8 name_len + name */
static inline void mu_name(mu_buf *r, const char *name) {
  mu_u8(r, (uint32_t)strlen(name));
  mu_bytes(r, name, strlen(name));
}
/* u16 len + bytes */
static inline void mu_str(mu_buf *r, const char *s) {
  mu_u16(r, (uint32_t)strlen(s));
  mu_bytes(r, s, strlen(s));
}

/* Record fields (the caller writes the u16 count first, then the fields
 * in ascending name order). */
static inline void mu_rec_num(mu_buf *r, const char *name, double v) {
  mu_name(r, name);
  mu_u8(r, 1);
  mu_f64(r, v);
}
static inline void mu_rec_str(mu_buf *r, const char *name, const char *v) {
  mu_name(r, name);
  mu_u8(r, 2);
  mu_str(r, v);
}
static inline void mu_rec_bool(mu_buf *r, const char *name, int v) {
  mu_name(r, name);
  mu_u8(r, 3);
  mu_u8(r, (uint32_t)v);
}
/* A STRINGS field of n strings. */
static inline void mu_rec_strs(mu_buf *r, const char *name, const char *const *v,
                               uint32_t n) {
  mu_name(r, name);
  mu_u8(r, 4);
  mu_u16(r, n);
  for (uint32_t i = 0; i < n; i++) mu_str(r, v[i]);
}

#endif
