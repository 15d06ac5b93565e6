// js/metadata/validate.js — checks one metadata object against the rules
// and limits of the record format (./limits.js) and turns it into the list
// of fields the encoder writes, in canonical order. Everything a record can
// get wrong is refused here, before anything reaches wasm, with an
// INVALID_METADATA error naming the field and the reason (the core checks
// every record again; a core refusal of a record accepted here is a bug).
//
// Reasons (error.reason): NOT_PLAIN_OBJECT (not a plain object: an array, a
// Map, a class instance, null), BAD_NAME (a symbol key), NAME_LENGTH,
// TOO_MANY_FIELDS, BAD_TYPE (undefined, null, bigint, a function...),
// NESTED_OBJECT, NOT_FINITE, BAD_UTF8 (a lone surrogate), STRING_LENGTH,
// MIXED_ARRAY (strings and other values), ARRAY_NOT_STRINGS (no strings at
// all), ARRAY_LENGTH, RECORD_BYTES; from the core: INDEX_FIELDS.

import { metadataError, describe } from '../errors.js';
import {
  EV_META_MAX_FIELDS, EV_META_MAX_NAME_BYTES, EV_META_MAX_STRING_BYTES, EV_META_MAX_ARRAY,
  EV_META_MAX_RECORD_BYTES, EV_META_NUMBER, EV_META_STRING, EV_META_BOOL, EV_META_STRINGS,
} from './limits.js';
import { isWellFormed, utf8, utf8Length, compareBytes } from './utf8.js';

/**
 * One field, checked, ready to encode.
 * @typedef {object} CheckedField
 * @property {Uint8Array} name    UTF-8
 * @property {string} key         the name as given
 * @property {number} type        EV_META_NUMBER | EV_META_STRING | EV_META_BOOL | EV_META_STRINGS
 * @property {number | boolean | Uint8Array | Uint8Array[]} value  strings as UTF-8
 */

/**
 * A checked record: its fields in canonical order and its encoded size.
 * @typedef {object} CheckedRecord
 * @property {CheckedField[]} fields
 * @property {number} bytes
 */

/**
 * Where a record came from, for the error: the call, its position in a
 * batch and its id when known.
 * @typedef {object} RecordContext
 * @property {string} call          e.g. 'insertBatch'
 * @property {number} [index]
 * @property {bigint | number} [id]
 */

/** Field names are encoded once and reused: apps repeat the same few names. */
const nameCache = /** @type {Map<string, Uint8Array>} */ (new Map());
const NAME_CACHE_LIMIT = 4096;

/**
 * @param {string} key
 * @param {RecordContext} ctx
 * @returns {Uint8Array}
 */
function encodeName(key, ctx) {
  const cached = nameCache.get(key);
  if (cached) return cached;
  if (!isWellFormed(key)) {
    throw fail(ctx, key, 'BAD_UTF8', 'the field name holds a lone surrogate, which has no UTF-8 form');
  }
  const bytes = utf8(key);
  if (bytes.length < 1 || bytes.length > EV_META_MAX_NAME_BYTES) {
    throw fail(ctx, key, 'NAME_LENGTH',
      `a field name must be 1 to ${EV_META_MAX_NAME_BYTES} bytes of UTF-8, this one is ${bytes.length}`);
  }
  if (nameCache.size >= NAME_CACHE_LIMIT) nameCache.clear();
  nameCache.set(key, bytes);
  return bytes;
}

/**
 * @param {RecordContext} ctx
 * @param {string | undefined} field
 * @param {string} reason
 * @param {string} words
 */
function fail(ctx, field, reason, words) {
  const where = [];
  if (ctx.index !== undefined) where.push(`record ${ctx.index}`);
  if (ctx.id !== undefined) where.push(`id ${String(ctx.id)}`);
  if (field !== undefined) where.push(`field '${field}'`);
  const at = where.length ? ` (${where.join(', ')})` : '';
  return metadataError(`${ctx.call}: invalid metadata${at}: ${words}`,
    { index: ctx.index, id: ctx.id, field, reason });
}

/**
 * @param {unknown} value
 * @returns {boolean} whether value is a plain object (an object literal,
 *   JSON.parse's output or Object.create(null))
 */
export function isPlainObject(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * @param {string} s
 * @param {RecordContext} ctx
 * @param {string} key
 * @param {string} what  'the value' or 'item 3'
 * @returns {Uint8Array}
 */
function encodeString(s, ctx, key, what) {
  if (!isWellFormed(s)) {
    throw fail(ctx, key, 'BAD_UTF8', `${what} holds a lone surrogate, which has no UTF-8 form`);
  }
  // Cheap length first: a huge string is refused without encoding it.
  if (utf8Length(s) > EV_META_MAX_STRING_BYTES) {
    throw fail(ctx, key, 'STRING_LENGTH',
      `${what} is ${utf8Length(s)} bytes of UTF-8; a string holds at most ${EV_META_MAX_STRING_BYTES}`);
  }
  return utf8(s);
}

/**
 * Checks one metadata object; returns its fields in canonical order.
 * @param {unknown} metadata
 * @param {RecordContext} ctx
 * @returns {CheckedRecord}
 */
export function checkRecord(metadata, ctx) {
  if (!isPlainObject(metadata)) {
    throw fail(ctx, undefined, 'NOT_PLAIN_OBJECT',
      `metadata must be a plain object of fields, got ${describe(metadata)}`);
  }
  const o = /** @type {Record<string, unknown>} */ (metadata);
  if (Object.getOwnPropertySymbols(o).length > 0) {
    throw fail(ctx, undefined, 'BAD_NAME', 'field names must be strings; the object has a symbol key');
  }
  const keys = Object.keys(o);
  if (keys.length > EV_META_MAX_FIELDS) {
    throw fail(ctx, undefined, 'TOO_MANY_FIELDS',
      `${keys.length} fields; a record holds at most ${EV_META_MAX_FIELDS}`);
  }
  /** @type {CheckedField[]} */
  const fields = new Array(keys.length);
  let bytes = 2; // u16 field_count
  for (let f = 0; f < keys.length; f++) {
    const key = keys[f];
    const name = encodeName(key, ctx);
    const v = o[key];
    /** @type {CheckedField} */
    let field;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        throw fail(ctx, key, 'NOT_FINITE', `numbers must be finite, got ${String(v)}`);
      }
      field = { name, key, type: EV_META_NUMBER, value: v };
      bytes += 8;
    } else if (typeof v === 'string') {
      const s = encodeString(v, ctx, key, 'the value');
      field = { name, key, type: EV_META_STRING, value: s };
      bytes += 2 + s.length;
    } else if (typeof v === 'boolean') {
      field = { name, key, type: EV_META_BOOL, value: v };
      bytes += 1;
    } else if (Array.isArray(v)) {
      field = { name, key, type: EV_META_STRINGS, value: checkStrings(v, ctx, key) };
      bytes += 2;
      for (const s of /** @type {Uint8Array[]} */ (field.value)) bytes += 2 + s.length;
    } else if (isPlainObject(v) || (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v))) {
      throw fail(ctx, key, 'NESTED_OBJECT',
        `values are strings, finite numbers, booleans or arrays of strings; nested objects are not stored (got ${describe(v)})`);
    } else {
      throw fail(ctx, key, 'BAD_TYPE',
        `values are strings, finite numbers, booleans or arrays of strings, got ${describe(v)}`);
    }
    bytes += 1 + name.length + 1; // name_len, name, type
    fields[f] = field;
  }
  if (bytes > EV_META_MAX_RECORD_BYTES) {
    throw fail(ctx, undefined, 'RECORD_BYTES',
      `the record encodes to ${bytes} bytes; at most ${EV_META_MAX_RECORD_BYTES}`);
  }
  if (fields.length > 1) fields.sort((a, b) => compareBytes(a.name, b.name));
  return { fields, bytes };
}

/**
 * @param {unknown[]} arr
 * @param {RecordContext} ctx
 * @param {string} key
 * @returns {Uint8Array[]}
 */
function checkStrings(arr, ctx, key) {
  if (arr.length > EV_META_MAX_ARRAY) {
    throw fail(ctx, key, 'ARRAY_LENGTH',
      `the array holds ${arr.length} strings; at most ${EV_META_MAX_ARRAY}`);
  }
  /** @type {Uint8Array[]} */
  const out = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const s = arr[i];
    if (typeof s !== 'string') {
      const mixed = arr.some((x) => typeof x === 'string');
      throw fail(ctx, key, mixed ? 'MIXED_ARRAY' : 'ARRAY_NOT_STRINGS',
        `arrays hold strings only; item ${i} is ${describe(s)}` +
        (mixed ? ' among strings' : ''));
    }
    out[i] = encodeString(s, ctx, key, `item ${i}`);
  }
  return out;
}
