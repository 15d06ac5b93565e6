// js/transfer/ndjson.js — the NDJSON form of an index's rows: one JSON object
// per live vector, in ascending id order, each line ending in "\n":
//
//   {"id":"123","vector":[0.5,-1.25,3]}
//   {"id":"124","vector":[1,0,2],"metadata":{"category":"books","price":12.5,"tags":["new"]}}
//
// - "id": the id as a decimal string, 0 .. 2^64 - 1, no sign, no leading
//   zeros. Why a string: a JSON number is a double, so most readers (JS,
//   jq) round ids above 2^53; a decimal string keeps every 64-bit id exact.
//   An import also takes a JSON number up to 2^53 - 1.
// - "vector": the dimensions' components, each a short decimal (at most
//   nine significant digits) that reads back as the stored float32: a
//   reader that parses to float32, or to double and then rounds to
//   float32, gets the stored bits back. A negative zero is written "-0".
// - "metadata": the vector's metadata record, written only when it has
//   one (a vector without metadata has no "metadata" key). Its fields keep
//   their names and JSON types: strings, numbers, booleans and arrays of
//   strings. A number is a double and is written in the shortest form that
//   reads back as the same double (a negative zero as "-0"). On import
//   "metadata" is an object, or null or absent for none (an object without
//   fields is none too); the record is checked by the checker insertBatch
//   uses (js/metadata/validate.js) and a bad one is INVALID_METADATA
//   naming the line.
// - No other key: an import refuses a row with any other key rather than
//   drop what it holds. Blank lines are skipped, "\r\n" endings accepted,
//   and the last line may lack its "\n". The text is UTF-8.

import { chunksOf, knownByteLength } from './bytes.js';
import { RowSink, walkRows, idFromJson } from './rows.js';

/** @typedef {import('../../types/transfer.js').ExportOptions} ExportOptions */
/** @typedef {import('../../types/transfer.js').ImportOptions} ImportOptions */
/** @typedef {import('../../types/transfer.js').ImportResult} ImportResult */
/** @typedef {import('../../types/index.js').Metadata} Metadata */

const NEWLINE = 10;

/**
 * A component as JSON text: the first of six, seven, eight or nine
 * significant digits that reads back as the same float32 (nine always
 * does), with the sign of a negative zero kept (String(-0) is "0").
 * String(x) alone would print the double, twice as long for the same bits.
 * @param {number} x  a float32 value
 * @returns {string}
 */
function component(x) {
  if (x === 0) return 1 / x < 0 ? '-0' : '0';
  // Six digits is where a float32 usually starts to need more; a value
  // that needs fewer still prints short, as Number drops the zeros.
  for (let p = 6; p < 9; p++) {
    const d = Number(x.toPrecision(p));
    if (Math.fround(d) === x) return String(d);
  }
  return String(Number(x.toPrecision(9)));
}

/**
 * A metadata number as JSON text: the shortest decimal that reads back as
 * the same double (String's), with the sign of a negative zero kept. The
 * checker admits finite numbers only, which all have a JSON form.
 * @param {number} x
 * @returns {string}
 */
function metadataNumber(x) {
  return x === 0 && 1 / x < 0 ? '-0' : String(x);
}

/**
 * A metadata record as a JSON object, fields in the order getMetadata
 * gives them (the record's canonical order, so an index always exports the
 * same bytes).
 * @param {Metadata} record
 * @returns {string}
 */
function metadataJson(record) {
  const parts = [];
  for (const name of Object.keys(record)) {
    const v = record[name];
    const value = typeof v === 'number' ? metadataNumber(v) : JSON.stringify(v);
    parts.push(`${JSON.stringify(name)}:${value}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * The live rows as NDJSON bytes, in ascending id order, a chunk of rows at
 * a time; a row's "metadata" where its vector has some.
 * @param {unknown} db
 * @param {ExportOptions} [options]
 * @returns {AsyncGenerator<Uint8Array, void, undefined>}
 */
export async function* exportNdjson(db, options) {
  const encoder = new TextEncoder();
  for await (const { ids, vectors, metadata } of walkRows(db, options, 'exportNdjson', true)) {
    const dims = vectors.length / ids.length;
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const parts = new Array(dims);
      for (let j = 0; j < dims; j++) parts[j] = component(vectors[i * dims + j]);
      const record = metadata?.[i];
      text += `{"id":"${String(ids[i])}","vector":[${parts.join(',')}]` +
        (record ? `,"metadata":${metadataJson(record)}}\n` : '}\n');
    }
    yield encoder.encode(text);
  }
}

/**
 * How many rows (non-blank lines) a whole-bytes or string source holds.
 * @param {unknown} source
 * @returns {number | undefined}
 */
function rowsInText(source) {
  let bytes;
  if (typeof source === 'string') bytes = source;
  else if (knownByteLength(source) !== undefined) {
    bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : /** @type {Uint8Array} */ (source);
  } else return undefined;
  let rows = 0;
  let blank = true;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = typeof bytes === 'string' ? bytes.charCodeAt(i) : bytes[i];
    if (c === NEWLINE) {
      if (!blank) rows++;
      blank = true;
    } else if (c !== 32 && c !== 9 && c !== 13) {
      blank = false;
    }
  }
  return blank ? rows : rows + 1;
}

/**
 * Reads NDJSON rows and inserts them in batches (see RowSink). Blank lines
 * are skipped; a final line without "\n" is read.
 * @param {unknown} db
 * @param {unknown} source
 * @param {ImportOptions} [options]
 * @returns {Promise<ImportResult>}
 */
export async function importNdjson(db, source, options) {
  const context = 'importNdjson';
  const sink = new RowSink(db, options, context);
  const dims = sink.dims;
  sink.start(rowsInText(source));
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 0;

  /**
   * @param {string} text  one line, without its "\n"
   * @returns {Promise<void> | undefined}
   */
  const takeLine = (text) => {
    line++;
    const where = `line ${line}`;
    if (text.trim() === '') return undefined;
    let value;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw sink.rowError('INVALID_ARGUMENT', where, `not JSON (${/** @type {Error} */ (err).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw sink.rowError('INVALID_ARGUMENT', where, 'each line must be a JSON object ' +
        '{"id": "<decimal>", "vector": [numbers]}');
    }
    for (const key of Object.keys(value)) {
      if (key !== 'id' && key !== 'vector' && key !== 'metadata') {
        throw sink.rowError('INVALID_ARGUMENT', where, `unknown key ${JSON.stringify(key)} (a row has ` +
          '"id", "vector" and, optionally, "metadata")');
      }
    }
    if (!('id' in value)) throw sink.rowError('INVALID_ARGUMENT', where, 'the row has no "id"');
    const id = idFromJson(value.id, (code, message) => sink.rowError(code, where, message));
    const vector = value.vector;
    if (!Array.isArray(vector)) {
      throw sink.rowError('INVALID_ARGUMENT', where, '"vector" must be an array of numbers');
    }
    if (vector.length !== dims) {
      throw sink.rowError('DIMENSION_MISMATCH', where, `the vector has ${vector.length} components, the ` +
        `index ${dims} dimensions`);
    }
    const out = sink.vectors;
    const at = sink.rowOffset();
    for (let j = 0; j < dims; j++) {
      const x = vector[j];
      if (typeof x !== 'number') {
        throw sink.rowError('INVALID_ARGUMENT', where, `vector[${j}] must be a number, got ` +
          `${JSON.stringify(x)}`);
      }
      out[at + j] = x;
    }
    // Checked before push, so a bad record stops the row before its batch
    // is inserted (and a dry run refuses it the same way).
    return sink.push(id, where, sink.metadata(value.metadata, id, where));
  };

  let carry = '';
  for await (const chunk of chunksOf(source, context, true)) {
    let text;
    if (typeof chunk === 'string') {
      text = chunk;
    } else {
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw sink.rowError('INVALID_ARGUMENT', `line ${line + 1}`, 'the bytes are not UTF-8');
      }
    }
    carry += text;
    let from = 0;
    for (let nl = carry.indexOf('\n'); nl !== -1; nl = carry.indexOf('\n', from)) {
      const end = nl > from && carry.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const pending = takeLine(carry.slice(from, end));
      from = nl + 1;
      if (pending) await pending;
    }
    carry = carry.slice(from);
  }
  try {
    carry += decoder.decode();
  } catch {
    throw sink.rowError('INVALID_ARGUMENT', `line ${line + 1}`, 'the bytes end inside a UTF-8 character');
  }
  if (carry !== '') {
    const pending = takeLine(carry.endsWith('\r') ? carry.slice(0, -1) : carry);
    if (pending) await pending;
  }
  return sink.finish();
}
