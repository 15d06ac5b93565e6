// js/metadata/limits.js — the limits of a metadata record, under their C
// names (src/metadata.h), and the record's value type tags (section 2 of the
// record format, documented in ./encode.js).
//
// Why a copy: the JS layer checks every record before it reaches wasm, so it
// must know the limits; tests/node/metadata-limits.test.js reads
// src/metadata.h and fails when a value here differs from the header's.

/** Fields in one record. */
export const EV_META_MAX_FIELDS = 64;
/** UTF-8 bytes of one field name (at least 1). */
export const EV_META_MAX_NAME_BYTES = 64;
/** UTF-8 bytes of one string value (also of each string of an array). */
export const EV_META_MAX_STRING_BYTES = 1024;
/** Strings in one array value. */
export const EV_META_MAX_ARRAY = 64;
/** Bytes of one encoded record, its field count included. */
export const EV_META_MAX_RECORD_BYTES = 4096;
/** Distinct field names in one index (checked by the core at insert/set). */
export const EV_META_MAX_INDEX_FIELDS = 1024;

// Value type tags of the record format (metadata.h's anonymous enum).
export const EV_META_NUMBER = 1;
export const EV_META_STRING = 2;
export const EV_META_BOOL = 3;
export const EV_META_STRINGS = 4;

// Why the core refused a record (out[EVW_META_ERR_REASON]); the JS layer
// reports the name after EV_META_REASON_ as error.reason.
export const EV_META_REASON_NONE = 0;
export const EV_META_REASON_TRUNCATED = 1;
export const EV_META_REASON_TOO_MANY_FIELDS = 2;
export const EV_META_REASON_NAME_LENGTH = 3;
export const EV_META_REASON_NAME_ORDER = 4;
export const EV_META_REASON_BAD_UTF8 = 5;
export const EV_META_REASON_BAD_TYPE = 6;
export const EV_META_REASON_NOT_FINITE = 7;
export const EV_META_REASON_BAD_BOOL = 8;
export const EV_META_REASON_STRING_LENGTH = 9;
export const EV_META_REASON_ARRAY_LENGTH = 10;
export const EV_META_REASON_RECORD_BYTES = 11;
export const EV_META_REASON_TRAILING_BYTES = 12;
export const EV_META_REASON_INDEX_FIELDS = 13;

/** "Not about one field" in out[EVW_META_ERR_FIELD]. */
export const EV_META_NO_FIELD = 0xffffffff;

/**
 * The reason name of a core reason number ('INDEX_FIELDS' for 13).
 * @param {number} code
 * @returns {string}
 */
export function reasonName(code) {
  for (const [name, value] of Object.entries(REASONS)) if (value === code) return name;
  return `REASON_${code}`;
}

const REASONS = {
  TRUNCATED: EV_META_REASON_TRUNCATED, TOO_MANY_FIELDS: EV_META_REASON_TOO_MANY_FIELDS,
  NAME_LENGTH: EV_META_REASON_NAME_LENGTH, NAME_ORDER: EV_META_REASON_NAME_ORDER,
  BAD_UTF8: EV_META_REASON_BAD_UTF8, BAD_TYPE: EV_META_REASON_BAD_TYPE,
  NOT_FINITE: EV_META_REASON_NOT_FINITE, BAD_BOOL: EV_META_REASON_BAD_BOOL,
  STRING_LENGTH: EV_META_REASON_STRING_LENGTH, ARRAY_LENGTH: EV_META_REASON_ARRAY_LENGTH,
  RECORD_BYTES: EV_META_REASON_RECORD_BYTES, TRAILING_BYTES: EV_META_REASON_TRAILING_BYTES,
  INDEX_FIELDS: EV_META_REASON_INDEX_FIELDS,
};
