// js/transfer/ndjson.js — the NDJSON form of an index's rows: one JSON object
// per line, `{"id":"123","vector":[0.5,-1.25,...]}`, lines ending in "\n".
//
// Why ids are strings: a JSON number is a double, so most readers (JS,
// jq) round ids above 2^53; a decimal string keeps every 64-bit id exact.
// Components are short decimals (at most nine significant digits) that
// read back as the stored float32: a reader that parses to float32, or to double and then rounds
// to float32, gets the stored bits back.

import { chunksOf, knownByteLength } from './bytes.js';
import { RowSink, walkRows, idFromJson } from './rows.js';

/** @typedef {import('../../types/transfer.js').ExportOptions} ExportOptions */
/** @typedef {import('../../types/transfer.js').ImportOptions} ImportOptions */
/** @typedef {import('../../types/transfer.js').ImportResult} ImportResult */

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
 * The live rows as NDJSON bytes, in ascending id order, a chunk of rows at
 * a time.
 * @param {unknown} db
 * @param {ExportOptions} [options]
 * @returns {AsyncGenerator<Uint8Array, void, undefined>}
 */
export async function* exportNdjson(db, options) {
  const encoder = new TextEncoder();
  for await (const { ids, vectors } of walkRows(db, options, 'exportNdjson')) {
    const dims = vectors.length / ids.length;
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const parts = new Array(dims);
      for (let j = 0; j < dims; j++) parts[j] = component(vectors[i * dims + j]);
      text += `{"id":"${String(ids[i])}","vector":[${parts.join(',')}]}\n`;
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
      if (key === 'metadata') {
        if (value.metadata !== null) {
          throw sink.rowError('INVALID_ARGUMENT', where, '"metadata" is reserved: the index does not ' +
            'store metadata yet, so a row carrying it is refused rather than imported without it');
        }
      } else if (key !== 'id' && key !== 'vector') {
        throw sink.rowError('INVALID_ARGUMENT', where, `unknown key ${JSON.stringify(key)} (a row has ` +
          '"id", "vector" and the reserved "metadata")');
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
    return sink.push(id, where);
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
