/*
 * meta_store.h — the layout of the metadata store, shared by metadata.c
 * (which owns it) and filter.c (which reads it while evaluating filters).
 *
 * Columnar, one column pair per field name: kinds[slot] (0 = the slot does
 * not have the field, else the EV_META_* type of its value) and
 * values[slot] (8 bytes). Why columns: a filter tests one or two fields of
 * many slots, so it reads two dense arrays instead of parsing records.
 *
 * Byte strings are interned per index into u32 codes (one table each for
 * field names, string values and arrays of strings), so a filter compares
 * integers and an array is one code too. A value is:
 *   NUMBER  the f64's bits    STRING  the string's code
 *   BOOL    0 or 1            STRINGS the code of the array (in `arrays`,
 *                             whose bytes are the element codes as u32)
 * Interned entries are never removed one by one (only a failed batch takes
 * back what it added); compaction rebuilds the store from the live records.
 */
#ifndef EV_META_STORE_H
#define EV_META_STORE_H

#include <stddef.h>
#include <stdint.h>

#define EV_META_NO_CODE 0xFFFFFFFFu

/* Byte sequences -> dense codes 0..count-1, with a linear-probing hash. */
typedef struct ev_intern {
  uint8_t *bytes;     /* every entry's bytes, back to back */
  size_t bytes_len, bytes_cap;
  uint32_t *offsets;  /* entry i is bytes[offsets[i], offsets[i+1]) */
  uint32_t count, offsets_cap; /* offsets_cap counts entries + 1 */
  uint32_t *buckets;  /* code + 1, 0 = empty; a power of two */
  uint32_t bucket_count;
} ev_intern;

typedef struct ev_meta_column {
  uint8_t *kinds;   /* per slot: 0 or an EV_META_* type */
  uint64_t *values; /* per slot, see above */
} ev_meta_column;

struct ev_meta {
  ev_intern names;   /* field names: a field's id is its name's code */
  ev_intern strings; /* string values */
  ev_intern arrays;  /* arrays of strings: u32 element codes */
  ev_meta_column *columns; /* per field id */
  uint32_t *sorted;        /* field ids by name (the record's order) */
  uint32_t fields_cap;     /* entries of columns and sorted */
  uint8_t *field_count;    /* per slot: fields it has (0 = no metadata) */
  uint32_t capacity;       /* slots every column holds */
  uint32_t with_meta;      /* slots with at least one field */
};

static inline const uint8_t *ev__intern_get(const ev_intern *t, uint32_t code,
                                            uint32_t *len) {
  *len = t->offsets[code + 1] - t->offsets[code];
  return t->bytes + t->offsets[code];
}

/* The code of these bytes, or EV_META_NO_CODE. */
uint32_t ev__intern_find(const ev_intern *t, const uint8_t *bytes, size_t len);

#endif
