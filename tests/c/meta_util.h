/*
 * meta_util.h — builds metadata records and filter programs byte by byte
 * for the tests (the formats: top of src/metadata.c and src/filter.c).
 * A builder is a fixed buffer and a length; the helpers append.
 */
#ifndef EV_META_UTIL_H
#define EV_META_UTIL_H

#include <stdint.h>
#include <string.h>

/* Sized for the largest blob a test builds (3000 small records). */
typedef struct mu_buf {
  uint8_t b[98304];
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


/* Filter programs: the header, then nodes in postfix order. */
static inline void mu_prog(mu_buf *r, uint32_t nodes) {
  r->n = 0;
  mu_bytes(r, "EVFP", 4);
  mu_u16(r, 1);
  mu_u16(r, nodes);
}
/* A leaf's op and name; its operands follow (mu_val_*, or mu_u16 count
 * then values for ANY/ALL/NONE). */
static inline void mu_leaf(mu_buf *r, uint32_t op, const char *name) {
  mu_u8(r, op);
  mu_name(r, name);
}
static inline void mu_val_num(mu_buf *r, double v) {
  mu_u8(r, 1);
  mu_f64(r, v);
}
static inline void mu_val_str(mu_buf *r, const char *v) {
  mu_u8(r, 2);
  mu_str(r, v);
}
static inline void mu_val_bool(mu_buf *r, int v) {
  mu_u8(r, 3);
  mu_u8(r, (uint32_t)v);
}

#endif
