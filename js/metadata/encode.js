// js/metadata/encode.js — the metadata record as bytes: the form the wasm
// exports take, and the one the log and the snapshot store (src/metadata.h
// and the record checker in the core own the same format).
//
// Record format (little-endian, no padding):
//
//   u16 field_count                    0..64 (0 = no metadata)
//   field_count fields, names strictly ascending by their UTF-8 bytes
//   (memcmp order, a shorter prefix first), so equal metadata has equal bytes:
//     u8  name_len                     1..64
//     name_len bytes                   the name, UTF-8
//     u8  type
//       1 NUMBER   f64, finite (-0 kept as given)
//       2 STRING   u16 len (0..1024), len bytes UTF-8
//       3 BOOL     u8 0 or 1
//       4 STRINGS  u16 count (0..64), count x (u16 len, len bytes)
//   at most 4096 bytes in all.
//
// A batch is encoded into one blob with n + 1 offsets (record i is
// blob[offsets[i], offsets[i + 1]); an empty range is "no metadata"), which
// is how evw_insert_batch_meta and evw_meta_check take it.

import { checkRecord } from './validate.js';
import { EV_META_NUMBER, EV_META_STRING, EV_META_BOOL } from './limits.js';

/** @typedef {import('./validate.js').CheckedRecord} CheckedRecord */
/** @typedef {import('./validate.js').RecordContext} RecordContext */

/**
 * Writes a checked record at `at`; returns the offset after it.
 * @param {CheckedRecord} rec
 * @param {Uint8Array} out
 * @param {DataView} view  over out's buffer, at out's offset
 * @param {number} at
 * @returns {number}
 */
function writeRecord(rec, out, view, at) {
  const base = out.byteOffset;
  view.setUint16(base + at, rec.fields.length, true);
  at += 2;
  for (const f of rec.fields) {
    out[at++] = f.name.length;
    out.set(f.name, at);
    at += f.name.length;
    out[at++] = f.type;
    if (f.type === EV_META_NUMBER) {
      view.setFloat64(base + at, /** @type {number} */ (f.value), true);
      at += 8;
    } else if (f.type === EV_META_STRING) {
      at = writeString(/** @type {Uint8Array} */ (f.value), out, view, at);
    } else if (f.type === EV_META_BOOL) {
      out[at++] = f.value ? 1 : 0;
    } else {
      const list = /** @type {Uint8Array[]} */ (f.value);
      view.setUint16(base + at, list.length, true);
      at += 2;
      for (const s of list) at = writeString(s, out, view, at);
    }
  }
  return at;
}

/**
 * @param {Uint8Array} s
 * @param {Uint8Array} out
 * @param {DataView} view
 * @param {number} at
 * @returns {number}
 */
function writeString(s, out, view, at) {
  view.setUint16(out.byteOffset + at, s.length, true);
  out.set(s, at + 2);
  return at + 2 + s.length;
}

/**
 * Checks and encodes one metadata object (canonical form).
 * @param {unknown} metadata
 * @param {RecordContext} ctx
 * @returns {Uint8Array}
 */
export function encodeRecord(metadata, ctx) {
  const rec = checkRecord(metadata, ctx);
  const out = new Uint8Array(rec.bytes);
  writeRecord(rec, out, new DataView(out.buffer), 0);
  return out;
}

/**
 * Checks every record of a batch, then encodes them into one blob. An entry
 * that is null or undefined has no metadata (an empty range). Nothing is
 * encoded unless every record passes.
 * @param {ArrayLike<unknown>} list  one entry per vector
 * @param {string} call
 * @param {((i: number) => bigint | number | undefined)} idOf  the id of entry i, when known
 * @returns {{ blob: Uint8Array, offsets: Uint32Array }}
 */
export function encodeBatch(list, call, idOf) {
  const n = list.length;
  /** @type {(CheckedRecord | null)[]} */
  const checked = new Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const m = list[i];
    if (m === null || m === undefined) {
      checked[i] = null;
      continue;
    }
    const rec = checkRecord(m, { call, index: i, id: idOf(i) });
    checked[i] = rec;
    total += rec.bytes;
  }
  const blob = new Uint8Array(Math.max(1, total));
  const view = new DataView(blob.buffer);
  const offsets = new Uint32Array(n + 1);
  let at = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = at;
    const rec = checked[i];
    if (rec) at = writeRecord(rec, blob, view, at);
  }
  offsets[n] = at;
  return { blob: blob.subarray(0, Math.max(at, 0)), offsets };
}
