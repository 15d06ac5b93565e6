// js/transfer/vecs.js — the TEXMEX form of an index's rows: vectors as
// `.fvecs` and ids as an `.ivecs` file beside it, row for row.
//
// Both files are rows of a little-endian int32 count followed by that many
// little-endian 4-byte values: float32 components in the .fvecs (count =
// the dimensions), id words in the .ivecs. An id is a u64, which an int32
// cannot hold, so each ids row has count 2 and the id's low then high u32
// word: the file stays one every .ivecs reader loads (as two int32 columns),
// each row still carries its framing (a count other than 2 is caught), and
// for ids below 2^31 the first column is the id itself. On import an ids
// file of count 1 (non-negative int32 ids, the usual .ivecs) is accepted
// too, and without an ids file each row's id is its row number from 0, as
// in the TEXMEX data sets, whose ground truth names rows by number.
//
// The format has no place for metadata: an export of an index whose vectors
// carry metadata writes their ids and vectors only, and an import inserts
// vectors without metadata. NDJSON (./ndjson.js) carries it.

import { hiWord, loWord } from '../ids.js';
import { ByteReader, knownByteLength } from './bytes.js';
import { RowSink, walkRows, idFromWords, invalidArgument } from './rows.js';

/** @typedef {import('../../types/transfer.js').ExportOptions} ExportOptions */
/** @typedef {import('../../types/transfer.js').ImportOptions} ImportOptions */
/** @typedef {import('../../types/transfer.js').ImportResult} ImportResult */
/** @typedef {import('../../types/transfer.js').FvecsChunk} FvecsChunk */

/** Words of an exported ids row: the id's lo and hi u32. */
const ID_WORDS = 2;
/** Bytes an import reads from the .fvecs source at a time (whole rows). */
const READ_BYTES = 1048576;

/**
 * The live rows as .fvecs and .ivecs bytes, in ascending id order, a chunk
 * of rows at a time (each chunk's `vectors` and `ids` go to the ends of
 * their two files). Ids and vectors only: the vectors' metadata is not
 * written (the format has no place for it; exportNdjson carries it).
 * @param {unknown} db
 * @param {ExportOptions} [options]
 * @returns {AsyncGenerator<FvecsChunk, void, undefined>}
 */
export async function* exportFvecs(db, options) {
  for await (const { ids, vectors } of walkRows(db, options, 'exportFvecs', false)) {
    const rows = ids.length;
    const dims = vectors.length / rows;
    const vecBytes = new Uint8Array(rows * 4 * (1 + dims));
    const vv = new DataView(vecBytes.buffer);
    const idBytes = new Uint8Array(rows * 4 * (1 + ID_WORDS));
    const iv = new DataView(idBytes.buffer);
    for (let i = 0; i < rows; i++) {
      let at = i * 4 * (1 + dims);
      vv.setInt32(at, dims, true);
      at += 4;
      for (let j = 0; j < dims; j++, at += 4) vv.setFloat32(at, vectors[i * dims + j], true);
      const idAt = i * 4 * (1 + ID_WORDS);
      iv.setInt32(idAt, ID_WORDS, true);
      const id = ids[i];
      if (typeof id === 'bigint') {
        iv.setBigUint64(idAt + 4, id, true);
      } else {
        iv.setUint32(idAt + 4, loWord(id), true);
        iv.setUint32(idAt + 8, hiWord(id), true);
      }
    }
    yield { vectors: vecBytes, ids: idBytes, rows };
  }
}

/**
 * Reads .fvecs rows (and their ids from an .ivecs source, when given) and
 * inserts them in batches (see RowSink), without metadata.
 * @param {unknown} db
 * @param {{ vectors: unknown, ids?: unknown }} sources
 * @param {ImportOptions} [options]
 * @returns {Promise<ImportResult>}
 */
export async function importFvecs(db, sources, options) {
  const context = 'importFvecs';
  if (sources === null || typeof sources !== 'object' || !('vectors' in sources)) {
    throw invalidArgument(context, 'the second argument must be { vectors, ids? }: the .fvecs source and, ' +
      'optionally, the .ivecs source of the ids');
  }
  const sink = new RowSink(db, options, context);
  const dims = sink.dims;
  const rowBytes = 4 * (1 + dims);
  const size = knownByteLength(sources.vectors);
  sink.start(size !== undefined && size % rowBytes === 0 ? size / rowBytes : undefined);
  const vectors = new ByteReader(sources.vectors, context);
  const ids = sources.ids === undefined ? undefined : new ByteReader(sources.ids, context);
  try {
    /** Words per ids row (1 or 2), known once the first ids row is seen. */
    let idWords = 0;
    for (;;) {
      // Whole batches at a time: one read, then rows parsed from it.
      const bytes = await vectors.read(rowBytes * Math.max(1, Math.floor(READ_BYTES / rowBytes)));
      if (bytes.byteLength === 0) break;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const rows = Math.floor(bytes.byteLength / rowBytes);
      let idView;
      let idRowBytes = 0;
      if (ids) {
        if (idWords === 0) idWords = await idsRowWords(ids, sink);
        idRowBytes = 4 * (1 + idWords);
        const idBytes = await ids.read(idRowBytes * rows);
        idView = new DataView(idBytes.buffer, idBytes.byteOffset, idBytes.byteLength);
      }
      for (let r = 0; r < rows; r++) {
        const row = sink.row;
        const where = `row ${row}`;
        const at = r * rowBytes;
        const count = view.getInt32(at, true);
        if (count !== dims) {
          throw sink.rowError('DIMENSION_MISMATCH', where, `the .fvecs row holds ${count} components, ` +
            `the index has ${dims} dimensions`);
        }
        const out = sink.vectors;
        const o = sink.rowOffset();
        for (let j = 0; j < dims; j++) out[o + j] = view.getFloat32(at + 4 + 4 * j, true);
        const id = idView ? rowId(idView, r, idRowBytes, idWords, sink, where) : row;
        const pending = sink.push(id, where);
        if (pending) await pending;
      }
      const rest = bytes.byteLength - rows * rowBytes;
      if (rest > 0) {
        const where = `row ${sink.row}`;
        if (rest >= 4) {
          const count = view.getInt32(rows * rowBytes, true);
          if (count !== dims) {
            throw sink.rowError('DIMENSION_MISMATCH', where, `the .fvecs row holds ${count} components, ` +
              `the index has ${dims} dimensions`);
          }
        }
        throw sink.rowError('INVALID_ARGUMENT', where, `the .fvecs data ends ${rest} bytes into the row ` +
          `(a row is 4 + 4 × ${dims} = ${rowBytes} bytes)`);
      }
    }
    if (ids && (await ids.peek(1)).byteLength > 0) {
      throw sink.rowError('INVALID_ARGUMENT', `row ${sink.row}`, `the ids hold more rows than the ` +
        `${sink.row} vectors`);
    }
  } finally {
    await vectors.close();
    if (ids) await ids.close();
  }
  return sink.finish();
}

/**
 * The count of the first ids row (1 or 2), read without taking it.
 * @param {ByteReader} ids
 * @param {RowSink} sink
 * @returns {Promise<number>}
 */
async function idsRowWords(ids, sink) {
  const head = await ids.peek(4);
  if (head.byteLength < 4) {
    throw sink.rowError('INVALID_ARGUMENT', `row ${sink.row}`, 'the ids end before the vectors do');
  }
  const words = new DataView(head.buffer, head.byteOffset, 4).getInt32(0, true);
  if (words !== 1 && words !== 2) {
    throw sink.rowError('INVALID_ARGUMENT', `row ${sink.row}`, `an ids row must hold 2 words (the id's ` +
      `low and high u32) or 1 (a non-negative int32 id); this one holds ${words}`);
  }
  return words;
}

/**
 * The id of row r of an ids chunk.
 * @param {DataView} view
 * @param {number} r
 * @param {number} idRowBytes
 * @param {number} idWords
 * @param {RowSink} sink
 * @param {string} where
 * @returns {number | bigint}
 */
function rowId(view, r, idRowBytes, idWords, sink, where) {
  const at = r * idRowBytes;
  if (at + 4 > view.byteLength) {
    throw sink.rowError('INVALID_ARGUMENT', where, 'the ids end before the vectors do');
  }
  const count = view.getInt32(at, true);
  if (count !== idWords) {
    throw sink.rowError('INVALID_ARGUMENT', where, `the ids row holds ${count} words where the first ` +
      `held ${idWords}`);
  }
  if (at + idRowBytes > view.byteLength) {
    throw sink.rowError('INVALID_ARGUMENT', where, 'the ids end inside this row');
  }
  if (idWords === 1) {
    const id = view.getInt32(at + 4, true);
    if (id < 0) throw sink.rowError('INVALID_ID', where, `the id ${id} is negative`);
    return id;
  }
  return idFromWords(view.getUint32(at + 4, true), view.getUint32(at + 8, true),
    (code, message) => sink.rowError(code, where, message));
}
