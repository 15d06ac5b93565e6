// js/storage/manifest.js — the manifest: the small record that names a
// database's current snapshot, as both persistent backends store it, with
// the checks that make a wrong one fail loudly instead of being trusted.
//
// A writable open deletes nothing on the manifest's word (see the handles'
// removeLeftovers), but what a manifest says still decides which snapshot is
// loaded and which log records are replayed, so every one is checked:
//
//   format 2   { format: 2, generation, snapshotSeq, snapshotBytes,
//                snapshotHeaderCrc, [chunkCount,] crc }
//     chunkCount   IndexedDB only: the number of chunks of the snapshot
//     snapshotHeaderCrc
//                  the u32 little-endian at bytes [16, 20) of the snapshot:
//                  its header_crc (src/snapshot.c). That prelude is the same
//                  in every snapshot version and the header CRC covers the
//                  whole header, which holds every section's CRC, wal_seq and
//                  total_len, so this one number ties the manifest to exactly
//                  one snapshot. (The storage interface stores any bytes: a
//                  byte string shorter than 20 gets the CRC-32 of all of it.)
//     crc          CRC-32 (./crc32.js) of the UTF-8 bytes of
//                  "format=2;generation=<g>;snapshotSeq=<s>;snapshotBytes=<n>;
//                   snapshotHeaderCrc=<h>[;chunkCount=<c>]" (decimal, no
//                  spaces), so a damaged field or a field changed on its own
//                  is found however the record is stored (JSON text, or a
//                  structured-clone record).
//   format 1   { format: 1, generation, snapshotSeq, snapshotBytes,
//                [chunkCount] }: what earlier releases wrote. Still read, so
//                their databases open; only the snapshot's length can be
//                checked against it. The next checkpoint writes format 2.
//   format > 2 a newer release wrote it: UNSUPPORTED_VERSION.
//
// Anything else (not an object, unknown or missing fields, a number that is
// not a count, a bad crc) is CORRUPT with section 'manifest'.

import { corruptError, storageError } from './errors.js';
import { crc32 } from './crc32.js';

/** The manifest format this release writes. */
export const MANIFEST_FORMAT = 2;

/**
 * The fields a backend stores, before the crc is added.
 * @typedef {object} ManifestFields
 * @property {number} generation
 * @property {number} snapshotSeq
 * @property {number} snapshotBytes
 * @property {number} snapshotHeaderCrc
 * @property {number} [chunkCount]
 */

/**
 * A manifest as read back and checked. `snapshotHeaderCrc` is null for a
 * format 1 manifest, which did not record it.
 * @typedef {object} CheckedManifest
 * @property {number} format
 * @property {number} generation
 * @property {number} snapshotSeq
 * @property {number} snapshotBytes
 * @property {number | null} snapshotHeaderCrc
 * @property {number} [chunkCount]
 */

/**
 * Where a manifest or snapshot lives, for messages and error details.
 * @typedef {object} Where
 * @property {string} text      e.g. `manifest.json in "/data/db"`
 * @property {string} [file]    the file, for NodeFileStorage
 */

const KEYS_1 = ['format', 'generation', 'snapshotSeq', 'snapshotBytes'];
const KEYS_2 = ['format', 'generation', 'snapshotSeq', 'snapshotBytes', 'snapshotHeaderCrc'];

/** @param {unknown} n @returns {n is number} */
function isCount(n) {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** @param {unknown} n @returns {n is number} */
function isU32(n) {
  return isCount(n) && n <= 0xffffffff;
}

/**
 * The snapshot's header CRC as the manifest records it.
 * @param {Uint8Array} bytes
 * @returns {number}
 */
export function snapshotHeaderCrc(bytes) {
  if (bytes.byteLength < 20) return crc32(bytes);
  return (bytes[16] | (bytes[17] << 8) | (bytes[18] << 16) | (bytes[19] << 24)) >>> 0;
}

/**
 * The string the crc covers.
 * @param {number} format
 * @param {ManifestFields} f
 * @returns {string}
 */
function canonical(format, f) {
  let s = `format=${format};generation=${f.generation};snapshotSeq=${f.snapshotSeq};` +
    `snapshotBytes=${f.snapshotBytes};snapshotHeaderCrc=${f.snapshotHeaderCrc}`;
  if (f.chunkCount !== undefined) s += `;chunkCount=${f.chunkCount}`;
  return s;
}

/** @param {number} format @param {ManifestFields} f */
function manifestCrc(format, f) {
  return crc32(new TextEncoder().encode(canonical(format, f)));
}

/**
 * The record to store: the fields in their fixed order, and the crc.
 * @param {ManifestFields} fields
 * @returns {Record<string, number>}
 */
export function encodeManifest(fields) {
  /** @type {Record<string, number>} */
  const out = {
    format: MANIFEST_FORMAT,
    generation: fields.generation,
    snapshotSeq: fields.snapshotSeq,
    snapshotBytes: fields.snapshotBytes,
    snapshotHeaderCrc: fields.snapshotHeaderCrc,
  };
  if (fields.chunkCount !== undefined) out.chunkCount = fields.chunkCount;
  out.crc = manifestCrc(MANIFEST_FORMAT, fields);
  return out;
}

/**
 * @param {Where} where
 * @param {string} problem
 * @param {unknown} [cause]
 */
function bad(where, problem, cause) {
  return corruptError('manifest', `${where.text}: ${problem}; the database cannot be opened as it is ` +
    '(restore it from a backup, or remove it)', { file: where.file, cause });
}

/**
 * Checks a stored manifest and returns its fields.
 * @param {unknown} value  the stored record, or the bytes of a manifest file (UTF-8 JSON)
 * @param {Where} where
 * @param {{ chunked: boolean }} layout  chunked: the backend stores chunkCount (IndexedDB)
 * @returns {CheckedManifest}
 */
export function decodeManifest(value, where, layout) {
  let m = value;
  if (value instanceof Uint8Array) {
    try {
      m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value));
    } catch (err) {
      throw bad(where, `not valid JSON (${value.byteLength} bytes)`, err);
    }
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw bad(where, 'not a manifest record');
  const rec = /** @type {Record<string, unknown>} */ (m);
  const format = rec.format;
  if (isCount(format) && format > MANIFEST_FORMAT) {
    throw storageError('UNSUPPORTED_VERSION', `${where.text}: manifest format ${format} was written by a ` +
      `newer release (this one reads formats 1 and ${MANIFEST_FORMAT}); upgrade the package`);
  }
  if (format !== 1 && format !== 2) throw bad(where, `unknown format ${JSON.stringify(format) ?? String(format)}`);
  const keys = [...(format === 1 ? KEYS_1 : KEYS_2), ...(layout.chunked ? ['chunkCount'] : []), ...(format === 2 ? ['crc'] : [])];
  const have = Object.keys(rec);
  const missing = keys.filter((k) => !(k in rec));
  const extra = have.filter((k) => !keys.includes(k));
  if (missing.length || extra.length) {
    throw bad(where, [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unknown ${extra.join(', ')}` : '']
      .filter(Boolean).join('; '));
  }
  for (const k of ['generation', 'snapshotSeq', 'snapshotBytes', ...(layout.chunked ? ['chunkCount'] : [])]) {
    if (!isCount(rec[k])) throw bad(where, `${k} is not a count (${String(rec[k])})`);
  }
  const generation = /** @type {number} */ (rec.generation);
  const snapshotSeq = /** @type {number} */ (rec.snapshotSeq);
  const snapshotBytes = /** @type {number} */ (rec.snapshotBytes);
  /** @type {number | undefined} */
  const chunkCount = layout.chunked ? /** @type {number} */ (rec.chunkCount) : undefined;
  /** @type {number | null} */
  let headerCrc = null;
  if (format === 2) {
    if (!isU32(rec.snapshotHeaderCrc)) throw bad(where, `snapshotHeaderCrc is not a u32 (${String(rec.snapshotHeaderCrc)})`);
    if (!isU32(rec.crc)) throw bad(where, `crc is not a u32 (${String(rec.crc)})`);
    headerCrc = rec.snapshotHeaderCrc;
    const want = manifestCrc(2, { generation, snapshotSeq, snapshotBytes, snapshotHeaderCrc: headerCrc, chunkCount });
    if (want !== rec.crc) {
      throw bad(where, `checksum mismatch (stored ${rec.crc}, computed ${want}): a field is damaged or was changed`);
    }
  }
  // Holds for every manifest ever written; a damaged format 1 record can
  // still be caught here.
  if (generation < 1) throw bad(where, 'generation 0 (a manifest exists only once a snapshot does)');
  if (chunkCount !== undefined && ((chunkCount === 0) !== (snapshotBytes === 0) || chunkCount > snapshotBytes)) {
    throw bad(where, `${chunkCount} chunks cannot hold ${snapshotBytes} bytes`);
  }
  /** @type {CheckedManifest} */
  const out = { format, generation, snapshotSeq, snapshotBytes, snapshotHeaderCrc: headerCrc };
  if (chunkCount !== undefined) out.chunkCount = chunkCount;
  return out;
}

/**
 * Checks that `bytes` are the snapshot the manifest names: its length and,
 * for format 2, its header CRC.
 * @param {CheckedManifest} manifest
 * @param {Uint8Array} bytes
 * @param {Where} where  the snapshot (file, or generation in IndexedDB)
 */
export function checkSnapshotBytes(manifest, bytes, where) {
  const details = { file: where.file, generation: manifest.generation };
  if (bytes.byteLength !== manifest.snapshotBytes) {
    throw corruptError('snapshot', `${where.text} has ${bytes.byteLength} bytes, the manifest says ` +
      `${manifest.snapshotBytes}`, details);
  }
  if (manifest.snapshotHeaderCrc !== null) {
    const got = snapshotHeaderCrc(bytes);
    if (got !== manifest.snapshotHeaderCrc) {
      throw corruptError('snapshot', `${where.text} is not the snapshot the manifest names (header CRC ` +
        `${got}, the manifest says ${manifest.snapshotHeaderCrc})`, details);
    }
  }
}

/**
 * The error for snapshot pieces with no manifest naming them (and no mark
 * of an unfinished first checkpoint, which the backends leave while one is
 * written): the manifest was lost. The database is not new and must not be
 * treated as new.
 * @param {string} text  where, and what was found
 * @param {string} [file]
 */
export function missingManifest(text, file) {
  return corruptError('manifest', `${text}, but no manifest: the manifest is missing; the database ` +
    'cannot be opened as it is (restore it from a backup, or remove it)', { file });
}
