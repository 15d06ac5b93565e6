/*
 * metadata.h — metadata records attached to vectors: their limits, the
 * check of a record, insert/set/get by id, and the narrow slot interface the
 * persisted formats (snapshot.c, wal.c, compact.c) use.
 *
 * The record (the same bytes at the wasm boundary, in the log and in the
 * snapshot; the format is documented at the top of metadata.c):
 *   u16 field_count, then per field, names strictly ascending:
 *   u8 name_len, name (UTF-8), u8 type, value
 *   (1 NUMBER f64 finite | 2 STRING u16 len + UTF-8 | 3 BOOL u8 0/1 |
 *    4 STRINGS u16 count, count x (u16 len + UTF-8)).
 * A record of 0 fields and "no metadata" are the same thing, and so is an
 * empty byte range (len 0) where a record is expected.
 *
 * Semantics:
 *  - A vector's metadata is replaced whole (no merge).
 *  - Soft delete drops the slot's metadata; re-inserting a deleted id gives
 *    it the metadata of that insert (none if none is given).
 *  - A record may only name fields that keep the index at or under
 *    EV_META_MAX_INDEX_FIELDS distinct field names (INDEX_FIELDS).
 */
#ifndef EV_METADATA_H
#define EV_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"

/* Limits. js/metadata/limits mirrors them (a Node test compares). */
#define EV_META_MAX_FIELDS 64         /* fields per record */
#define EV_META_MAX_NAME_BYTES 64     /* bytes of a field name (UTF-8) */
#define EV_META_MAX_STRING_BYTES 1024 /* bytes of one string value */
#define EV_META_MAX_ARRAY 64          /* strings in one array */
#define EV_META_MAX_RECORD_BYTES 4096 /* bytes of one encoded record */
#define EV_META_MAX_INDEX_FIELDS 1024 /* distinct field names in one index */

/* Value types, as the record's type byte. */
enum {
  EV_META_NUMBER = 1,
  EV_META_STRING = 2,
  EV_META_BOOL = 3,
  EV_META_STRINGS = 4
};

/* Why a record was refused (ev_meta_error.reason). Stable numbers. */
enum {
  EV_META_REASON_NONE = 0,
  EV_META_REASON_TRUNCATED = 1,       /* the bytes end inside the record */
  EV_META_REASON_TOO_MANY_FIELDS = 2, /* field_count > EV_META_MAX_FIELDS */
  EV_META_REASON_NAME_LENGTH = 3,     /* name_len 0 or > MAX_NAME_BYTES */
  EV_META_REASON_NAME_ORDER = 4,      /* names not strictly ascending
                                         (a repeated name included) */
  EV_META_REASON_BAD_UTF8 = 5,        /* a name or string is not UTF-8 */
  EV_META_REASON_BAD_TYPE = 6,        /* an unknown type byte */
  EV_META_REASON_NOT_FINITE = 7,      /* a NUMBER is NaN or infinite */
  EV_META_REASON_BAD_BOOL = 8,        /* a BOOL byte other than 0 or 1 */
  EV_META_REASON_STRING_LENGTH = 9,   /* a string > MAX_STRING_BYTES */
  EV_META_REASON_ARRAY_LENGTH = 10,   /* an array > MAX_ARRAY strings */
  EV_META_REASON_RECORD_BYTES = 11,   /* the record > MAX_RECORD_BYTES */
  EV_META_REASON_TRAILING_BYTES = 12, /* bytes after the last field */
  EV_META_REASON_INDEX_FIELDS = 13    /* would add a field name past
                                         MAX_INDEX_FIELDS in the index */
};

/* "Not about one field" in ev_meta_error.field. */
#define EV_META_NO_FIELD 0xFFFFFFFFu

typedef struct ev_meta_error {
  size_t record;   /* position of the record in a batch (0 for one) */
  uint32_t field;  /* ordinal of the field at fault, or EV_META_NO_FIELD */
  uint32_t reason; /* an EV_META_REASON_* */
} ev_meta_error;

/* ---- public API ---------------------------------------------------------- */

/* Full check of one record: format and per-record limits (not the index's
 * field limit, which needs an index). len 0 is a valid empty record.
 * INVALID_METADATA with *err filled (err may be NULL). */
ev_status ev_meta_check(const uint8_t *rec, size_t len, ev_meta_error *err);

/* The index's limit of distinct field names (EV_META_MAX_INDEX_FIELDS)
 * against a whole batch of checked records (laid out as for
 * ev_insert_batch_meta), without changing anything: a caller that inserts
 * the batch in several calls learns before the first one whether a later
 * one would pass the limit. INVALID_METADATA (reason INDEX_FIELDS, with the
 * record and field that would add the name one past the limit),
 * OUT_OF_MEMORY, or EV_OK. */
ev_status ev_meta_check_index_fields(const ev_index *index, const uint8_t *meta,
                                     const uint32_t *offsets, size_t n,
                                     ev_meta_error *err);

/* ev_insert_batch with metadata: record i is meta[offsets[i],
 * offsets[i+1]) (offsets has n+1 entries, absolute into meta; an empty
 * range is no metadata); meta and offsets may both be NULL (no metadata).
 * All-or-nothing: the vectors (as ev_validate_batch) and the records (format,
 * limits, the index's field limit) are checked and all memory reserved
 * before anything changes. On INVALID_METADATA *meta_err names the record
 * and field (err->index is then the record's position too). */
ev_status ev_insert_batch_meta(ev_index *index, const float *vectors, size_t n,
                               uint32_t dim, const uint64_t *ids,
                               const uint8_t *meta, const uint32_t *offsets,
                               uint64_t *out_ids, size_t *out_inserted,
                               ev_batch_error *err, ev_meta_error *meta_err);

/* Replaces the metadata of a live id (len 0 or a 0-field record clears).
 * NOT_FOUND for unknown and deleted ids; INVALID_METADATA; OUT_OF_MEMORY.
 * On any error nothing changed. */
ev_status ev_meta_set(ev_index *index, uint64_t id, const uint8_t *rec,
                      size_t len, ev_meta_error *err);

/* The canonical record of a live id: *out_len receives its size (2 when it
 * has none); it is written into buf only when cap >= that size.
 * NOT_FOUND for unknown and deleted ids. */
ev_status ev_meta_get(const ev_index *index, uint64_t id, uint8_t *buf,
                      size_t cap, size_t *out_len);

/* ---- the slot interface (core and persisted formats only) ---------------- */

/* Bytes of the canonical record of `slot` (2 when it has none). */
size_t ev__meta_slot_bytes(const ev_index *ix, uint32_t slot);
/* Writes the slot's canonical record into buf (cap >= ev__meta_slot_bytes). */
void ev__meta_slot_encode(const ev_index *ix, uint32_t slot, uint8_t *buf);
/* Sets slot's metadata (slot < ix->count) from a record (checked again
 * here; len 0 or a 0-field record clears). OUT_OF_MEMORY or
 * INVALID_METADATA (a bad record, or the index's field limit); on error
 * nothing changed. */
ev_status ev__meta_slot_set(ev_index *ix, uint32_t slot, const uint8_t *rec,
                            size_t len);
/* Drops slot's metadata (cannot fail). */
void ev__meta_slot_clear(ev_index *ix, uint32_t slot);
/* 1 when the slot has metadata (at least one field). */
int ev__meta_slot_has(const ev_index *ix, uint32_t slot);
/* 1 when any live slot has metadata (the snapshot writer picks v2 then). */
int ev__meta_any(const ev_index *ix);

/* The metadata of `id` changed (a set, or an insert with metadata): the
 * one place that tells the journal, so that a commit writes the id's
 * current record (log op METADATA). */
void ev__meta_note_changed(ev_index *ix, uint64_t id);

/* ---- hooks of the index's lifetime (index.c) ----------------------------- */

/* Grows the per-slot columns to `slots` (no-op without metadata). */
ev_status ev__meta_ensure_capacity(ev_index *ix, uint32_t slots);
void ev__meta_free(ev_index *ix);
/* The slots were numbered anew (reorder.c): slot t takes the metadata of
 * old slot old_of[t], for t < ix->count. `done` is ix->count bytes of
 * scratch. Cannot fail. */
void ev__meta_permute(ev_index *ix, const uint32_t *old_of, uint8_t *done);
/* Bytes the store holds on the heap (for ev_memory_bytes). */
size_t ev__meta_bytes(const ev_index *ix);

/* ---- batch preparation (insert.c) ---------------------------------------- */

/* Makes sure records [0, n) (rec_at as for ev_insert_batch_meta) can be
 * applied without failing: every field name and string is in the store and
 * the columns hold `slots` slots. The records must be checked. On error
 * (OUT_OF_MEMORY, INVALID_METADATA for the field limit, with *err) the
 * store is as before. */
ev_status ev__meta_prepare(ev_index *ix, const uint8_t *meta,
                           const uint32_t *offsets, size_t n, uint32_t slots,
                           ev_meta_error *err);
/* Sets the metadata of `slot` from a record prepared by ev__meta_prepare:
 * cannot fail. */
void ev__meta_apply(ev_index *ix, uint32_t slot, const uint8_t *rec,
                    size_t len);

#endif /* EV_METADATA_H */
