/*
 * metadata.c — the metadata record (check, canonical encoding) and the
 * per-index columnar store (meta_store.h) that holds it.
 *
 * The record format (little-endian, no padding; the same bytes at the wasm
 * boundary, in the log's METADATA op and in the snapshot's METADATA
 * section):
 *
 *   u16 field_count                    0..EV_META_MAX_FIELDS
 *   field_count times, names strictly ascending (bytewise, a shorter
 *   prefix first), so that a record has one canonical form:
 *     u8  name_len                     1..EV_META_MAX_NAME_BYTES
 *     name_len bytes                   the name, valid UTF-8
 *     u8  type, then its value:
 *       1 NUMBER   f64, finite (-0 is kept as given)
 *       2 STRING   u16 len (0..EV_META_MAX_STRING_BYTES), len bytes UTF-8
 *       3 BOOL     u8 0 or 1
 *       4 STRINGS  u16 count (0..EV_META_MAX_ARRAY), count x STRING's value
 *   nothing after the last field; the whole record at most
 *   EV_META_MAX_RECORD_BYTES.
 *
 * A record of 0 fields, an empty byte range and "no metadata" are the same.
 * UTF-8 is checked strictly (no overlong forms, no surrogates, nothing above
 * U+10FFFF), so that every stored string decodes the same way in JS.
 *
 * The store keeps values, not records: ev__meta_slot_encode rebuilds the
 * canonical record from the columns, which gives back the bytes that were
 * set because the canonical form is unique (arrays keep their order and
 * repeats, numbers their bits).
 *
 * Changing a slot's metadata is two steps so that a batch can be
 * all-or-nothing: ev__meta_prepare puts every name, string and array of
 * the batch into the store and makes the columns big enough (the only
 * step that can fail, and on failure it takes back what it added), then
 * ev__meta_apply writes one slot's values and cannot fail.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "index.h"
#include "journal.h"
#include "meta_store.h"
#include "metadata.h"
#include "reorder.h"

/* ---- reading records --------------------------------------------------- */

static inline uint32_t get_u16(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* Length of the valid UTF-8 sequence at s (n bytes), or 0 if invalid. */
static int utf8_ok(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) need = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) need = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) need = 3, cp = c & 0x07;
    else return 0;
    if (n - i <= need) return 0;
    for (size_t k = 1; k <= need; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    /* Overlong three- and four-byte forms, surrogates, past U+10FFFF. */
    if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return 0;
    i += need + 1;
  }
  return 1;
}

/* -1, 0, 1: bytewise, a shorter prefix first. */
static int name_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
                    size_t blen) {
  size_t n = alen < blen ? alen : blen;
  int c = n ? memcmp(a, b, n) : 0;
  if (c) return c < 0 ? -1 : 1;
  return alen < blen ? -1 : alen > blen;
}

static ev_status refuse(ev_meta_error *err, uint32_t field, uint32_t reason) {
  err->field = field;
  err->reason = reason;
  return EV_ERR_INVALID_METADATA;
}

/* One string value at rec[*pos]: u16 len, bytes. */
static uint32_t check_string(const uint8_t *rec, size_t len, size_t *pos) {
  if (len - *pos < 2) return EV_META_REASON_TRUNCATED;
  uint32_t n = get_u16(rec + *pos);
  if (n > EV_META_MAX_STRING_BYTES) return EV_META_REASON_STRING_LENGTH;
  *pos += 2;
  if (len - *pos < n) return EV_META_REASON_TRUNCATED;
  if (!utf8_ok(rec + *pos, n)) return EV_META_REASON_BAD_UTF8;
  *pos += n;
  return EV_META_REASON_NONE;
}

ev_status ev_meta_check(const uint8_t *rec, size_t len, ev_meta_error *err) {
  ev_meta_error ignored;
  if (!err) err = &ignored;
  err->record = 0;
  err->field = EV_META_NO_FIELD;
  err->reason = EV_META_REASON_NONE;
  if (len == 0) return EV_OK;
  if (!rec) return EV_ERR_INVALID_ARGUMENT;
  if (len > EV_META_MAX_RECORD_BYTES)
    return refuse(err, EV_META_NO_FIELD, EV_META_REASON_RECORD_BYTES);
  if (len < 2) return refuse(err, EV_META_NO_FIELD, EV_META_REASON_TRUNCATED);
  uint32_t count = get_u16(rec);
  if (count > EV_META_MAX_FIELDS)
    return refuse(err, EV_META_NO_FIELD, EV_META_REASON_TOO_MANY_FIELDS);
  size_t pos = 2;
  const uint8_t *prev = NULL;
  size_t prev_len = 0;
  for (uint32_t f = 0; f < count; f++) {
    if (pos >= len) return refuse(err, f, EV_META_REASON_TRUNCATED);
    uint32_t name_len = rec[pos++];
    if (name_len == 0 || name_len > EV_META_MAX_NAME_BYTES)
      return refuse(err, f, EV_META_REASON_NAME_LENGTH);
    if (len - pos < name_len) return refuse(err, f, EV_META_REASON_TRUNCATED);
    const uint8_t *name = rec + pos;
    if (!utf8_ok(name, name_len)) return refuse(err, f, EV_META_REASON_BAD_UTF8);
    if (prev && name_cmp(prev, prev_len, name, name_len) >= 0)
      return refuse(err, f, EV_META_REASON_NAME_ORDER);
    prev = name;
    prev_len = name_len;
    pos += name_len;
    if (pos >= len) return refuse(err, f, EV_META_REASON_TRUNCATED);
    uint8_t type = rec[pos++];
    uint32_t why = EV_META_REASON_NONE;
    switch (type) {
      case EV_META_NUMBER: {
        if (len - pos < 8) return refuse(err, f, EV_META_REASON_TRUNCATED);
        uint64_t bits = ev_le_get_u64(rec + pos);
        /* All exponent bits set: NaN or an infinity. */
        if ((bits & 0x7FF0000000000000ull) == 0x7FF0000000000000ull)
          why = EV_META_REASON_NOT_FINITE;
        pos += 8;
        break;
      }
      case EV_META_STRING:
        why = check_string(rec, len, &pos);
        break;
      case EV_META_BOOL:
        if (pos >= len) return refuse(err, f, EV_META_REASON_TRUNCATED);
        if (rec[pos] > 1) why = EV_META_REASON_BAD_BOOL;
        pos++;
        break;
      case EV_META_STRINGS: {
        if (len - pos < 2) return refuse(err, f, EV_META_REASON_TRUNCATED);
        uint32_t n = get_u16(rec + pos);
        if (n > EV_META_MAX_ARRAY) return refuse(err, f, EV_META_REASON_ARRAY_LENGTH);
        pos += 2;
        for (uint32_t i = 0; i < n && why == EV_META_REASON_NONE; i++)
          why = check_string(rec, len, &pos);
        break;
      }
      default:
        why = EV_META_REASON_BAD_TYPE;
    }
    if (why != EV_META_REASON_NONE) return refuse(err, f, why);
  }
  if (pos != len) return refuse(err, EV_META_NO_FIELD, EV_META_REASON_TRAILING_BYTES);
  return EV_OK;
}

/* A field of a checked record. */
typedef struct field_view {
  const uint8_t *name;
  uint32_t name_len;
  uint8_t type;
  const uint8_t *value; /* the value's bytes, after the type byte */
} field_view;

/* Reads the field at p (of a checked record); returns the bytes it takes. */
static size_t read_field(const uint8_t *p, field_view *f) {
  f->name_len = p[0];
  f->name = p + 1;
  f->type = p[1 + f->name_len];
  f->value = p + 2 + f->name_len;
  size_t value_bytes;
  switch (f->type) {
    case EV_META_NUMBER: value_bytes = 8; break;
    case EV_META_STRING: value_bytes = 2 + get_u16(f->value); break;
    case EV_META_BOOL: value_bytes = 1; break;
    default: { /* STRINGS */
      uint32_t n = get_u16(f->value);
      value_bytes = 2;
      for (uint32_t i = 0; i < n; i++) value_bytes += 2 + get_u16(f->value + value_bytes);
    }
  }
  return 2 + f->name_len + value_bytes;
}

static uint32_t record_fields(const uint8_t *rec, size_t len) {
  return len < 2 ? 0 : get_u16(rec);
}

/* Record i of a batch (NULL when its range is empty, so that a batch
 * without any metadata may pass a NULL blob). */
static const uint8_t *record_at(const uint8_t *meta, const uint32_t *offsets,
                                size_t i, size_t *len) {
  *len = offsets[i + 1] - offsets[i];
  return *len ? meta + offsets[i] : NULL;
}

/* ---- interning ---------------------------------------------------------- */

static uint32_t hash_bytes(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

uint32_t ev__intern_find(const ev_intern *t, const uint8_t *bytes, size_t len) {
  if (t->bucket_count == 0) return EV_META_NO_CODE;
  uint32_t mask = t->bucket_count - 1;
  for (uint32_t b = hash_bytes(bytes, len) & mask;; b = (b + 1) & mask) {
    uint32_t e = t->buckets[b];
    if (e == 0) return EV_META_NO_CODE;
    uint32_t n;
    const uint8_t *p = ev__intern_get(t, e - 1, &n);
    if (n == len && (len == 0 || memcmp(p, bytes, len) == 0)) return e - 1;
  }
}

static void bucket_put(ev_intern *t, uint32_t code) {
  uint32_t n, mask = t->bucket_count - 1;
  const uint8_t *p = ev__intern_get(t, code, &n);
  uint32_t b = hash_bytes(p, n) & mask;
  while (t->buckets[b]) b = (b + 1) & mask;
  t->buckets[b] = code + 1;
}

/* Puts every entry back into the buckets (after a rehash or a truncation). */
static void rehash(ev_intern *t) {
  memset(t->buckets, 0, sizeof(uint32_t) * t->bucket_count);
  for (uint32_t c = 0; c < t->count; c++) bucket_put(t, c);
}

/* The code of these bytes, adding them when new. */
static ev_status intern_add(ev_intern *t, const uint8_t *bytes, size_t len,
                            uint32_t *code) {
  *code = ev__intern_find(t, bytes, len);
  if (*code != EV_META_NO_CODE) return EV_OK;
  if (!t->bytes || t->bytes_len + len > t->bytes_cap) {
    size_t cap = t->bytes_cap ? t->bytes_cap * 2 : 256;
    while (cap < t->bytes_len + len) cap *= 2;
    uint8_t *p = realloc(t->bytes, cap);
    if (!p) return EV_ERR_OUT_OF_MEMORY;
    t->bytes = p;
    t->bytes_cap = cap;
  }
  if (t->count + 2 > t->offsets_cap) {
    uint32_t cap = t->offsets_cap ? t->offsets_cap * 2 : 16;
    uint32_t *p = realloc(t->offsets, sizeof(uint32_t) * cap);
    if (!p) return EV_ERR_OUT_OF_MEMORY;
    if (!t->offsets) p[0] = 0;
    t->offsets = p;
    t->offsets_cap = cap;
  }
  /* Load factor at most 1/2: probes stay short. */
  if (2 * (t->count + 1) > t->bucket_count) {
    uint32_t n = t->bucket_count ? t->bucket_count * 2 : 16;
    uint32_t *p = malloc(sizeof(uint32_t) * n);
    if (!p) return EV_ERR_OUT_OF_MEMORY;
    free(t->buckets);
    t->buckets = p;
    t->bucket_count = n;
    rehash(t);
  }
  if (len) memcpy(t->bytes + t->bytes_len, bytes, len);
  t->bytes_len += len;
  t->offsets[t->count + 1] = (uint32_t)t->bytes_len;
  *code = t->count++;
  bucket_put(t, *code);
  return EV_OK;
}

/* Forgets the entries from `count` on. */
static void intern_truncate(ev_intern *t, uint32_t count) {
  if (count >= t->count) return;
  t->count = count;
  t->bytes_len = t->offsets[count];
  rehash(t);
}

static void intern_free(ev_intern *t) {
  free(t->bytes);
  free(t->offsets);
  free(t->buckets);
}

static size_t intern_bytes(const ev_intern *t) {
  return t->bytes_cap + sizeof(uint32_t) * ((size_t)t->offsets_cap + t->bucket_count);
}

/* ---- the store ---------------------------------------------------------- */

static const ev_meta_column *column_of(const struct ev_meta *m, uint32_t id) {
  return &m->columns[id];
}

/* realloc that leaves *p untouched on failure; zeroes the new tail. */
static int grow_zeroed(void **p, size_t old_bytes, size_t bytes) {
  void *q = realloc(*p, bytes ? bytes : 1);
  if (!q) return 0;
  if (bytes > old_bytes) memset((uint8_t *)q + old_bytes, 0, bytes - old_bytes);
  *p = q;
  return 1;
}

ev_status ev__meta_ensure_capacity(ev_index *ix, uint32_t slots) {
  struct ev_meta *m = ix->meta;
  if (!m || slots <= m->capacity) return EV_OK;
  size_t old = m->capacity, n = slots;
  if (n > SIZE_MAX / sizeof(uint64_t)) return EV_ERR_OUT_OF_MEMORY;
  /* Each array grows in turn; capacity moves only when all have, and a
   * retry re-zeroes from the old capacity, so a failure leaves it valid. */
  if (!grow_zeroed((void **)&m->field_count, old, n)) return EV_ERR_OUT_OF_MEMORY;
  for (uint32_t f = 0; f < m->names.count; f++) {
    ev_meta_column *c = &m->columns[f];
    if (!grow_zeroed((void **)&c->kinds, old, n) ||
        !grow_zeroed((void **)&c->values, old * sizeof(uint64_t), n * sizeof(uint64_t)))
      return EV_ERR_OUT_OF_MEMORY;
  }
  m->capacity = slots;
  return EV_OK;
}

static ev_status meta_create(ev_index *ix) {
  struct ev_meta *m = calloc(1, sizeof *m);
  if (!m) return EV_ERR_OUT_OF_MEMORY;
  m->field_count = calloc(ix->capacity ? ix->capacity : 1, 1);
  if (!m->field_count) {
    free(m);
    return EV_ERR_OUT_OF_MEMORY;
  }
  m->capacity = ix->capacity;
  ix->meta = m;
  return EV_OK;
}

void ev__meta_free(ev_index *ix) {
  struct ev_meta *m = ix->meta;
  if (!m) return;
  for (uint32_t f = 0; f < m->names.count; f++) {
    free(m->columns[f].kinds);
    free(m->columns[f].values);
  }
  free(m->columns);
  free(m->sorted);
  free(m->field_count);
  intern_free(&m->names);
  intern_free(&m->strings);
  intern_free(&m->arrays);
  free(m);
  ix->meta = NULL;
}

size_t ev__meta_bytes(const ev_index *ix) {
  const struct ev_meta *m = ix->meta;
  if (!m) return 0;
  return sizeof *m + intern_bytes(&m->names) + intern_bytes(&m->strings) +
         intern_bytes(&m->arrays) +
         (size_t)m->fields_cap * (sizeof(ev_meta_column) + sizeof(uint32_t)) +
         (size_t)m->capacity * (1 + (size_t)m->names.count * (1 + sizeof(uint64_t)));
}

void ev__meta_permute(ev_index *ix, const uint32_t *old_of, uint8_t *done) {
  struct ev_meta *m = ix->meta;
  if (!m) return;
  /* Every per-slot array: the field counts and each field's two columns.
   * The interned tables hold no slots, and with_meta counts slots, not
   * their numbers. */
  uint64_t held;
  uint32_t n = ix->count;
  ev__permute_rows(m->field_count, 1, n, old_of, done, &held);
  for (uint32_t f = 0; f < m->names.count; f++) {
    ev__permute_rows(m->columns[f].kinds, 1, n, old_of, done, &held);
    ev__permute_rows(m->columns[f].values, sizeof(uint64_t), n, old_of, done, &held);
  }
}

/* Adds a field named `name` (not yet in the store): its name, its empty
 * columns, its place in the sorted order. */
static ev_status add_field(struct ev_meta *m, const uint8_t *name, size_t len) {
  uint32_t id = m->names.count;
  if (id == m->fields_cap) {
    uint32_t cap = m->fields_cap ? m->fields_cap * 2 : 8;
    ev_meta_column *c = realloc(m->columns, sizeof *c * cap);
    if (!c) return EV_ERR_OUT_OF_MEMORY;
    m->columns = c;
    uint32_t *s = realloc(m->sorted, sizeof *s * cap);
    if (!s) return EV_ERR_OUT_OF_MEMORY;
    m->sorted = s;
    m->fields_cap = cap;
  }
  size_t slots = m->capacity ? m->capacity : 1;
  uint8_t *kinds = calloc(slots, 1);
  uint64_t *values = calloc(slots, sizeof(uint64_t));
  uint32_t code;
  if (!kinds || !values || intern_add(&m->names, name, len, &code) != EV_OK) {
    free(kinds);
    free(values);
    return EV_ERR_OUT_OF_MEMORY;
  }
  m->columns[id] = (ev_meta_column){kinds, values};
  /* Insert into the sorted order (fields are few; a shift is fine). */
  uint32_t at = id;
  while (at > 0) {
    uint32_t n;
    const uint8_t *p = ev__intern_get(&m->names, m->sorted[at - 1], &n);
    if (name_cmp(p, n, name, len) < 0) break;
    m->sorted[at] = m->sorted[at - 1];
    at--;
  }
  m->sorted[at] = id;
  return EV_OK;
}

/* Takes back the fields, strings and arrays added after the counts given. */
static void rollback(struct ev_meta *m, uint32_t names, uint32_t strings,
                     uint32_t arrays) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < m->names.count; i++)
    if (m->sorted[i] < names) m->sorted[kept++] = m->sorted[i];
  for (uint32_t f = names; f < m->names.count; f++) {
    free(m->columns[f].kinds);
    free(m->columns[f].values);
  }
  intern_truncate(&m->names, names);
  intern_truncate(&m->strings, strings);
  intern_truncate(&m->arrays, arrays);
}

/* The element codes of a STRINGS value (as interned or looked up) into
 * codes[]; returns the count. With add, missing strings are added. */
static ev_status array_codes(struct ev_meta *m, const uint8_t *value, int add,
                             uint32_t *codes, uint32_t *count) {
  uint32_t n = get_u16(value);
  size_t pos = 2;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = get_u16(value + pos);
    if (add) {
      ev_status st = intern_add(&m->strings, value + pos + 2, len, &codes[i]);
      if (st != EV_OK) return st;
    } else {
      codes[i] = ev__intern_find(&m->strings, value + pos + 2, len);
    }
    pos += 2 + len;
  }
  *count = n;
  return EV_OK;
}

/* Everything one checked record needs in the store. */
static ev_status prepare_record(struct ev_meta *m, const uint8_t *rec,
                                size_t len, ev_meta_error *err) {
  uint32_t count = record_fields(rec, len);
  size_t pos = 2;
  for (uint32_t f = 0; f < count; f++) {
    field_view fv;
    pos += read_field(rec + pos, &fv);
    if (ev__intern_find(&m->names, fv.name, fv.name_len) == EV_META_NO_CODE) {
      if (m->names.count >= EV_META_MAX_INDEX_FIELDS)
        return refuse(err, f, EV_META_REASON_INDEX_FIELDS);
      ev_status st = add_field(m, fv.name, fv.name_len);
      if (st != EV_OK) return st;
    }
    uint32_t code;
    if (fv.type == EV_META_STRING) {
      ev_status st = intern_add(&m->strings, fv.value + 2, get_u16(fv.value), &code);
      if (st != EV_OK) return st;
    } else if (fv.type == EV_META_STRINGS) {
      uint32_t codes[EV_META_MAX_ARRAY], n;
      ev_status st = array_codes(m, fv.value, 1, codes, &n);
      if (st == EV_OK)
        st = intern_add(&m->arrays, (const uint8_t *)codes, sizeof(uint32_t) * n, &code);
      if (st != EV_OK) return st;
    }
  }
  return EV_OK;
}

/* A name of a batch not yet in the index, seen while counting them. */
typedef struct new_name {
  const uint8_t *bytes;
  uint32_t len;
} new_name;

ev_status ev_meta_check_index_fields(const ev_index *ix, const uint8_t *meta,
                                     const uint32_t *offsets, size_t n,
                                     ev_meta_error *err) {
  ev_meta_error ignored;
  if (!err) err = &ignored;
  err->record = 0;
  err->field = EV_META_NO_FIELD;
  err->reason = EV_META_REASON_NONE;
  if (!offsets) return n ? EV_ERR_INVALID_ARGUMENT : EV_OK;
  const struct ev_meta *m = ix->meta;
  uint32_t have = m ? m->names.count : 0;
  uint32_t room = EV_META_MAX_INDEX_FIELDS - have;
  /* At most `room` names are held (counting stops at the next one), so an
   * open-addressing table of four times the limit stays a quarter full. */
  enum { TABLE = 4 * EV_META_MAX_INDEX_FIELDS };
  new_name *seen = NULL;
  uint32_t added = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const uint8_t *rec = record_at(meta, offsets, i, &len);
    uint32_t count = record_fields(rec, len);
    size_t pos = 2;
    for (uint32_t f = 0; f < count; f++) {
      field_view fv;
      pos += read_field(rec + pos, &fv);
      if (m && ev__intern_find(&m->names, fv.name, fv.name_len) != EV_META_NO_CODE) continue;
      if (!seen) {
        seen = calloc(TABLE, sizeof *seen);
        if (!seen) return EV_ERR_OUT_OF_MEMORY;
      }
      uint32_t b = hash_bytes(fv.name, fv.name_len) & (TABLE - 1);
      while (seen[b].bytes && !(seen[b].len == fv.name_len &&
                                memcmp(seen[b].bytes, fv.name, fv.name_len) == 0))
        b = (b + 1) & (TABLE - 1);
      if (seen[b].bytes) continue;
      if (added == room) {
        free(seen);
        err->record = i;
        return refuse(err, f, EV_META_REASON_INDEX_FIELDS);
      }
      seen[b].bytes = fv.name;
      seen[b].len = fv.name_len;
      added++;
    }
  }
  free(seen);
  return EV_OK;
}

ev_status ev__meta_prepare(ev_index *ix, const uint8_t *meta,
                           const uint32_t *offsets, size_t n, uint32_t slots,
                           ev_meta_error *err) {
  ev_meta_error ignored;
  if (!err) err = &ignored;
  int any = 0;
  for (size_t i = 0; i < n && !any; i++) {
    size_t len;
    const uint8_t *rec = record_at(meta, offsets, i, &len);
    any = record_fields(rec, len) > 0;
  }
  if (!any) return EV_OK;
  int created = 0;
  ev_status st = EV_OK;
  if (!ix->meta) {
    st = meta_create(ix);
    if (st != EV_OK) return st;
    created = 1;
  }
  struct ev_meta *m = ix->meta;
  uint32_t names = m->names.count, strings = m->strings.count, arrays = m->arrays.count;
  st = ev__meta_ensure_capacity(ix, slots);
  for (size_t i = 0; st == EV_OK && i < n; i++) {
    size_t len;
    const uint8_t *rec = record_at(meta, offsets, i, &len);
    st = prepare_record(m, rec, len, err);
    if (st != EV_OK) err->record = i;
  }
  if (st != EV_OK) {
    rollback(m, names, strings, arrays);
    if (created) ev__meta_free(ix);
  }
  return st;
}

void ev__meta_slot_clear(ev_index *ix, uint32_t slot) {
  struct ev_meta *m = ix->meta;
  if (!m || slot >= m->capacity || m->field_count[slot] == 0) return;
  ix->changes++;
  for (uint32_t f = 0; f < m->names.count; f++) m->columns[f].kinds[slot] = 0;
  m->field_count[slot] = 0;
  m->with_meta--;
}

void ev__meta_apply(ev_index *ix, uint32_t slot, const uint8_t *rec,
                    size_t len) {
  ev__meta_slot_clear(ix, slot);
  uint32_t count = record_fields(rec, len);
  if (count == 0) return;
  ix->changes++;
  struct ev_meta *m = ix->meta;
  size_t pos = 2;
  for (uint32_t f = 0; f < count; f++) {
    field_view fv;
    pos += read_field(rec + pos, &fv);
    ev_meta_column *c = &m->columns[ev__intern_find(&m->names, fv.name, fv.name_len)];
    uint64_t v = 0;
    switch (fv.type) {
      case EV_META_NUMBER: v = ev_le_get_u64(fv.value); break;
      case EV_META_STRING:
        v = ev__intern_find(&m->strings, fv.value + 2, get_u16(fv.value));
        break;
      case EV_META_BOOL: v = fv.value[0]; break;
      default: {
        uint32_t codes[EV_META_MAX_ARRAY], n;
        array_codes(m, fv.value, 0, codes, &n);
        v = ev__intern_find(&m->arrays, (const uint8_t *)codes, sizeof(uint32_t) * n);
      }
    }
    c->kinds[slot] = fv.type;
    c->values[slot] = v;
  }
  m->field_count[slot] = (uint8_t)count;
  m->with_meta++;
}

ev_status ev__meta_slot_set(ev_index *ix, uint32_t slot, const uint8_t *rec,
                            size_t len) {
  ev_meta_error err;
  ev_status st = ev_meta_check(rec, len, &err);
  if (st != EV_OK) return st;
  uint32_t offsets[2] = {0, (uint32_t)len};
  st = ev__meta_prepare(ix, rec, offsets, 1, ix->capacity, &err);
  if (st != EV_OK) return st;
  ev__meta_apply(ix, slot, rec, len);
  return EV_OK;
}

int ev__meta_slot_has(const ev_index *ix, uint32_t slot) {
  const struct ev_meta *m = ix->meta;
  return m && slot < m->capacity && m->field_count[slot] > 0;
}

int ev__meta_any(const ev_index *ix) {
  return ix->meta && ix->meta->with_meta > 0;
}

/* Bytes of a value as the record writes it. */
static size_t value_bytes(const struct ev_meta *m, uint8_t kind, uint64_t v) {
  uint32_t n;
  switch (kind) {
    case EV_META_NUMBER: return 8;
    case EV_META_STRING: ev__intern_get(&m->strings, (uint32_t)v, &n); return 2 + n;
    case EV_META_BOOL: return 1;
    default: {
      const uint8_t *codes = ev__intern_get(&m->arrays, (uint32_t)v, &n);
      size_t bytes = 2;
      for (uint32_t i = 0; i < n / 4; i++) {
        uint32_t code, len;
        memcpy(&code, codes + 4 * i, 4);
        ev__intern_get(&m->strings, code, &len);
        bytes += 2 + len;
      }
      return bytes;
    }
  }
}

size_t ev__meta_slot_bytes(const ev_index *ix, uint32_t slot) {
  if (!ev__meta_slot_has(ix, slot)) return 2;
  const struct ev_meta *m = ix->meta;
  size_t bytes = 2;
  for (uint32_t f = 0; f < m->names.count; f++) {
    const ev_meta_column *c = column_of(m, f);
    if (!c->kinds[slot]) continue;
    uint32_t name_len;
    ev__intern_get(&m->names, f, &name_len);
    bytes += 2 + name_len + value_bytes(m, c->kinds[slot], c->values[slot]);
  }
  return bytes;
}

static uint8_t *put_string(const struct ev_meta *m, uint8_t *p, uint32_t code) {
  uint32_t n;
  const uint8_t *s = ev__intern_get(&m->strings, code, &n);
  p[0] = (uint8_t)n;
  p[1] = (uint8_t)(n >> 8);
  if (n) memcpy(p + 2, s, n);
  return p + 2 + n;
}

void ev__meta_slot_encode(const ev_index *ix, uint32_t slot, uint8_t *buf) {
  uint32_t count = ev__meta_slot_has(ix, slot) ? ix->meta->field_count[slot] : 0;
  buf[0] = (uint8_t)count;
  buf[1] = (uint8_t)(count >> 8);
  if (!count) return;
  const struct ev_meta *m = ix->meta;
  uint8_t *p = buf + 2;
  for (uint32_t i = 0; i < m->names.count; i++) {
    uint32_t f = m->sorted[i];
    const ev_meta_column *c = column_of(m, f);
    uint8_t kind = c->kinds[slot];
    if (!kind) continue;
    uint64_t v = c->values[slot];
    uint32_t name_len;
    const uint8_t *name = ev__intern_get(&m->names, f, &name_len);
    *p++ = (uint8_t)name_len;
    memcpy(p, name, name_len);
    p += name_len;
    *p++ = kind;
    switch (kind) {
      case EV_META_NUMBER: ev_le_put_u64(p, v); p += 8; break;
      case EV_META_STRING: p = put_string(m, p, (uint32_t)v); break;
      case EV_META_BOOL: *p++ = (uint8_t)v; break;
      default: {
        uint32_t n;
        const uint8_t *codes = ev__intern_get(&m->arrays, (uint32_t)v, &n);
        n /= 4;
        p[0] = (uint8_t)n;
        p[1] = (uint8_t)(n >> 8);
        p += 2;
        for (uint32_t k = 0; k < n; k++) {
          uint32_t code;
          memcpy(&code, codes + 4 * k, 4);
          p = put_string(m, p, code);
        }
      }
    }
  }
}

/* ---- by id -------------------------------------------------------------- */

void ev__meta_note_changed(ev_index *ix, uint64_t id) {
  /* The journal's hook (ev__journal_note_meta, journal.c) and an
   * incremental compaction's (compact.c) are called from here and nowhere
   * else; each does nothing when it is not on. */
  ev__journal_note_meta(ix, id);
  ev__compaction_note_meta(ix, id);
}

ev_status ev_meta_set(ev_index *ix, uint64_t id, const uint8_t *rec,
                      size_t len, ev_meta_error *err) {
  ev_meta_error ignored;
  if (!err) err = &ignored;
  *err = (ev_meta_error){0, EV_META_NO_FIELD, EV_META_REASON_NONE};
  if (!ix || (len && !rec)) return EV_ERR_INVALID_ARGUMENT;
  uint32_t slot = ev__live_slot(ix, id);
  if (slot == EV_NO_SLOT) return EV_ERR_NOT_FOUND;
  ev_status st = ev_meta_check(rec, len, err);
  if (st != EV_OK) return st;
  uint32_t offsets[2] = {0, (uint32_t)len};
  st = ev__meta_prepare(ix, rec, offsets, 1, ix->capacity, err);
  if (st != EV_OK) return st;
  ev__meta_apply(ix, slot, rec, len);
  ev__meta_note_changed(ix, id);
  return EV_OK;
}

ev_status ev_meta_get(const ev_index *ix, uint64_t id, uint8_t *buf,
                      size_t cap, size_t *out_len) {
  if (!ix || !out_len || (cap && !buf)) return EV_ERR_INVALID_ARGUMENT;
  *out_len = 0;
  uint32_t slot = ev__live_slot(ix, id);
  if (slot == EV_NO_SLOT) return EV_ERR_NOT_FOUND;
  *out_len = ev__meta_slot_bytes(ix, slot);
  if (cap >= *out_len) ev__meta_slot_encode(ix, slot, buf);
  return EV_OK;
}
