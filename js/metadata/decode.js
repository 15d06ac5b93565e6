// js/metadata/decode.js — a metadata record's bytes (format in ./encode.js)
// back into an object. The bytes come from the core, which checked them, so
// a record that does not decode is reported as INTERNAL, never skipped.

import { EdgeVecError } from '../errors.js';
import { EV_META_NUMBER, EV_META_STRING, EV_META_BOOL, EV_META_STRINGS } from './limits.js';
import { decodeUtf8 } from './utf8.js';

/** @typedef {import('../../types/index.js').Metadata} Metadata */

/**
 * @param {Uint8Array} bytes  exactly one record
 * @returns {Metadata}
 */
export function decodeRecord(bytes) {
  try {
    return decode(bytes);
  } catch (err) {
    if (err instanceof EdgeVecError) throw err;
    throw broken('is not valid UTF-8', err);
  }
}

/**
 * @param {Uint8Array} bytes
 * @returns {Metadata}
 */
function decode(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  /** @type {Metadata} */
  const out = {};
  if (bytes.length === 0) return out;
  let at = 0;
  const need = (/** @type {number} */ n) => {
    if (at + n > bytes.length) throw broken('ends inside a field');
  };
  need(2);
  const count = view.getUint16(at, true);
  at += 2;
  for (let f = 0; f < count; f++) {
    need(1);
    const nameLen = bytes[at++];
    need(nameLen + 1);
    const name = decodeUtf8(bytes, at, at + nameLen);
    at += nameLen;
    const type = bytes[at++];
    /** @type {import('../../types/index.js').MetadataValue} */
    let value;
    if (type === EV_META_NUMBER) {
      need(8);
      value = view.getFloat64(at, true);
      at += 8;
    } else if (type === EV_META_STRING) {
      need(2);
      const len = view.getUint16(at, true);
      need(2 + len);
      value = decodeUtf8(bytes, at + 2, at + 2 + len);
      at += 2 + len;
    } else if (type === EV_META_BOOL) {
      need(1);
      value = bytes[at++] === 1;
    } else if (type === EV_META_STRINGS) {
      need(2);
      const n = view.getUint16(at, true);
      at += 2;
      /** @type {string[]} */
      const list = new Array(n);
      for (let i = 0; i < n; i++) {
        need(2);
        const len = view.getUint16(at, true);
        need(2 + len);
        list[i] = decodeUtf8(bytes, at + 2, at + 2 + len);
        at += 2 + len;
      }
      value = list;
    } else {
      throw broken(`has an unknown value type ${type}`);
    }
    // defineProperty, not assignment: a field named "__proto__" must be a
    // field, not a change of the object's prototype.
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  if (at !== bytes.length) throw broken('has bytes after its last field');
  return out;
}

/**
 * @param {string} what
 * @param {unknown} [cause]
 */
function broken(what, cause) {
  return new EdgeVecError('INTERNAL', `a metadata record from the core ${what}`, { cause });
}
