// tests/node/transfer-ndjson.test.js (js/transfer/ndjson.js, rows.js) — the
// NDJSON export and import: the line format, ascending ids, 64-bit ids as
// strings, a bit-exact round trip (l2, dot, cosine's stored unit vectors,
// idType 'number'), metadata of every value type carried exactly (and
// exportRows' metadata), sources of every kind cut into awkward chunks,
// progress, and the errors of bad input: which line, which code, what stays
// inserted; bad metadata refused by line, field and reason, in a dry run
// too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { exportNdjson, importNdjson, exportRows, toReadableStream } from '../../js/transfer/index.js';
import { rejectsWith } from './helpers/assert-error.js';
import { assertSameRows, collect, seededRows, streamOf } from './helpers/transfer.js';
import { mulberry32 } from './helpers/data.js';

const DIM = 24;

/**
 * @param {'l2' | 'cosine' | 'dot'} metric
 * @param {number} n
 * @param {number} seed
 */
async function seededDb(metric, n, seed) {
  const { vectors, ids } = seededRows({ seed, n, dim: DIM });
  const db = await EdgeVec.create({ dimensions: DIM, metric, seed: 1 });
  await db.insertBatch(vectors, { ids });
  return { db, vectors, ids };
}

test('the format: one object per line, ids as decimal strings, ascending, the stored float32 exactly', async () => {
  const db = await EdgeVec.create({ dimensions: 3 });
  await db.insertBatch([[0.1, -0, 1e-30], [1, 2, 3], [-2.5, 3.4028234663852886e18, 1.401298464324817e-45]],
    { ids: [2n ** 64n - 1n, 7n, 2n ** 53n + 1n] });
  const text = (await collect(exportNdjson(db))).toString('utf8');
  assert.equal(text,
    '{"id":"7","vector":[1,2,3]}\n' +
    '{"id":"9007199254740993","vector":[-2.5,3402823600000000000,1.4013e-45]}\n' +
    '{"id":"18446744073709551615","vector":[0.1,-0,1e-30]}\n');
  const rows = text.trim().split('\n').map((l) => JSON.parse(l));
  for (const row of rows) {
    const got = db.get(BigInt(row.id));
    assert.deepEqual(new Uint32Array(Float32Array.from(row.vector).buffer), new Uint32Array(got.buffer));
  }
  db.dispose();
});

for (const metric of /** @type {const} */ (['l2', 'dot', 'cosine'])) {
  test(`round trip (${metric}): export, import into a new index, the same ids and vectors bit for bit`, async () => {
    const { db, ids } = await seededDb(metric, 1500, 11);
    db.softDeleteBatch(ids.slice(0, 100));
    const live = ids.slice(100);
    const stored = new Map(live.map((id) => [id, db.get(id)]));
    const bytes = await collect(exportNdjson(db, { chunkRows: 97 }));
    assert.equal(bytes.toString().split('\n').length, live.length + 1, 'deleted rows are not exported');
    const again = await EdgeVec.create({ dimensions: DIM, metric });
    const result = await importNdjson(again, bytes, { batchSize: 200 });
    assert.deepEqual(result, { rows: live.length });
    // Cosine: the export holds the stored unit vectors, and normalising a
    // unit vector again must give it back unchanged.
    assertSameRows(again, live, (i) => stored.get(live[i]));
    // A second export is byte for byte the first: deterministic.
    assert.deepEqual(await collect(exportNdjson(again)), bytes);
    db.dispose();
    again.dispose();
  });
}

test("idType 'number': ids come back as numbers; exported as the same strings", async () => {
  const db = await EdgeVec.create({ dimensions: 2, idType: 'number' });
  await db.insertBatch([[1, 2], [3, 4], [5, 6]], { ids: [Number.MAX_SAFE_INTEGER, 10, 9] });
  const text = (await collect(exportNdjson(db))).toString();
  assert.deepEqual(text.trim().split('\n').map((l) => JSON.parse(l).id), ['9', '10', '9007199254740991']);
  const again = await EdgeVec.create({ dimensions: 2, idType: 'number' });
  await importNdjson(again, text);
  assert.deepEqual(again.ids(), [9, 10, Number.MAX_SAFE_INTEGER]);
  assert.deepEqual(Array.from(again.get(Number.MAX_SAFE_INTEGER)), [1, 2]);
  // An id above 2^53 - 1 cannot go into it: refused by line, nothing inserted.
  const big = await EdgeVec.create({ dimensions: 2, idType: 'number' });
  await rejectsWith(() => importNdjson(big, '{"id":"1","vector":[1,1]}\n{"id":"9007199254740992","vector":[1,1]}\n'),
    'ID_NOT_SAFE_INTEGER', { index: 1, inserted: 0, message: /line 2/ });
  assert.equal(big.size, 0);
  // exportRows hands out number[] ids for such an index.
  for await (const chunk of exportRows(db)) assert.deepEqual(chunk.ids, [9, 10, Number.MAX_SAFE_INTEGER]);
  for (const d of [db, again, big]) d.dispose();
});

test('sources: a string, bytes, an ArrayBuffer, a ReadableStream and async iterables cut anywhere', async () => {
  const { db, ids } = await seededDb('l2', 300, 21);
  const bytes = await collect(exportNdjson(db));
  // One non-ASCII byte sequence split across chunks, inside the JSON:
  // "\u00e9" is not allowed in the format, so cut the lines themselves.
  const sources = [
    () => bytes.toString('utf8'),
    () => new Uint8Array(bytes),
    () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    () => streamOf(bytes, 1),
    () => streamOf(bytes, 4093),
    () => (async function* gen() { for (let i = 0; i < bytes.length; i += 777) yield bytes.subarray(i, i + 777); })(),
    () => [bytes.toString('utf8', 0, 1000), bytes.subarray(1000)],
    () => toReadableStream(exportNdjson(db, { chunkRows: 7 })),
  ];
  for (const make of sources) {
    const again = await EdgeVec.create({ dimensions: DIM });
    const got = await importNdjson(again, make());
    assert.equal(got.rows, ids.length);
    assertSameRows(again, ids, (i) => db.get(ids[i]));
    again.dispose();
  }
  db.dispose();
});

test('the lines: CRLF, blank lines, no final newline, JSON-number ids, null and empty metadata', async () => {
  const db = await EdgeVec.create({ dimensions: 2 });
  const text = '\n{"id":"5","vector":[1,2]}\r\n\n  \n{"vector":[3,4],"id":6,"metadata":null}\r\n' +
    '{"metadata":{},"id":"7","vector":[7,8]}\n{"id":"18446744073709551615","vector":[5,6],"metadata":{"a":1}}';
  assert.deepEqual(await importNdjson(db, text), { rows: 4 });
  assert.deepEqual(Array.from(db.ids()), [5n, 6n, 7n, 2n ** 64n - 1n]);
  assert.deepEqual(Array.from(db.get(6n)), [3, 4]);
  assert.deepEqual(db.getMetadata(6n), {}, 'null: none');
  assert.deepEqual(db.getMetadata(7n), {}, '{}: none');
  assert.deepEqual(db.getMetadata(2n ** 64n - 1n), { a: 1 }, 'on the last line, without its newline');
  // Written back: "metadata" only on the line of the vector that has some.
  assert.equal((await collect(exportNdjson(db))).toString(),
    '{"id":"5","vector":[1,2]}\n{"id":"6","vector":[3,4]}\n{"id":"7","vector":[7,8]}\n' +
    '{"id":"18446744073709551615","vector":[5,6],"metadata":{"a":1}}\n');
  db.dispose();
});

test('progress: export (done, size) per chunk; import (done, total) per batch, total where known', async () => {
  const { db } = await seededDb('l2', 250, 31);
  /** @type {Array<[number, number | undefined]>} */
  const seen = [];
  const bytes = await collect(exportNdjson(db, { chunkRows: 100, onProgress: (d, t) => seen.push([d, t]) }));
  assert.deepEqual(seen, [[0, 250], [100, 250], [200, 250], [250, 250]]);
  seen.length = 0;
  const a = await EdgeVec.create({ dimensions: DIM });
  await importNdjson(a, bytes, { batchSize: 120, onProgress: (d, t) => seen.push([d, t]) });
  assert.deepEqual(seen, [[0, 250], [120, 250], [240, 250], [250, 250]]);
  seen.length = 0;
  const b = await EdgeVec.create({ dimensions: DIM });
  await importNdjson(b, streamOf(bytes, 1000), { batchSize: 120, onProgress: (d, t) => seen.push([d, t]) });
  assert.deepEqual(seen, [[0, undefined], [120, undefined], [240, undefined], [250, undefined]]);
  seen.length = 0;
  const c = await EdgeVec.create({ dimensions: DIM });
  await importNdjson(c, streamOf(bytes, 1000), { batchSize: 200, total: 250, onProgress: (d, t) => seen.push([d, t]) });
  assert.deepEqual(seen, [[0, 250], [200, 250], [250, 250]]);
  for (const d of [db, a, b, c]) d.dispose();
});

test('export is streamed: chunks come as they are asked for, and stopping early is fine', async () => {
  const { db } = await seededDb('l2', 1000, 41);
  let made = 0;
  const it = exportNdjson(db, { chunkRows: 100, onProgress: (d) => { made = d; } });
  const first = await it.next();
  assert.ok(!first.done && Buffer.from(first.value).toString().split('\n').length === 101);
  assert.equal(made, 0, 'nothing past the first chunk was made');
  await it.return(undefined);
  const reader = toReadableStream(exportNdjson(db, { chunkRows: 100 })).getReader();
  await reader.read();
  await reader.cancel();
  db.dispose();
});

/** Bad rows: [the line, code, what the message says]. */
const BAD = [
  ['{"id":"3","vector":[1,2', 'INVALID_ARGUMENT', /not JSON/],
  ['[1,2]', 'INVALID_ARGUMENT', /each line must be a JSON object/],
  ['{"id":"3"}', 'INVALID_ARGUMENT', /"vector" must be an array/],
  ['{"vector":[1,2]}', 'INVALID_ARGUMENT', /no "id"/],
  ['{"id":"3","vector":[1,2],"payload":{}}', 'INVALID_ARGUMENT', /unknown key "payload"/],
  ['{"id":"3","vector":[1,2],"metadata":{"a":{"b":1}}}', 'INVALID_METADATA', /\(id 3, field 'a'\).*nested objects/],
  ['{"id":"3","vector":[1,"2"]}', 'INVALID_ARGUMENT', /vector\[1\] must be a number/],
  ['{"id":"3","vector":[1,2,3]}', 'DIMENSION_MISMATCH', /3 components, the index 2 dimensions/],
  ['{"id":"3","vector":[1,1e39]}', 'INVALID_VECTOR', /component 1 is Infinity/],
  ['{"id":"3","vector":[1,1e19]}', 'INVALID_VECTOR', /overflow float32/],
  ['{"id":"-3","vector":[1,2]}', 'INVALID_ID', /decimal string/],
  ['{"id":"03","vector":[1,2]}', 'INVALID_ID', /leading zeros/],
  ['{"id":"18446744073709551616","vector":[1,2]}', 'INVALID_ID', /above 2\^64 - 1/],
  ['{"id":9007199254740993,"vector":[1,2]}', 'ID_NOT_SAFE_INTEGER', /decimal strings/],
  ['{"id":1.5,"vector":[1,2]}', 'INVALID_ID', /non-negative integer/],
  ['{"id":"1","vector":[1,2]}', 'DUPLICATE_ID', /\(id 1\).*(already in the index|twice in the batch)/],
];

test('a bad line is an EdgeVecError naming the line (error.index: the row), and its batch is not inserted', async () => {
  for (const [line, code, message] of BAD) {
    // The bad line is row 2, on line 4 (line 2 is blank, which is no row).
    const text = `{"id":"1","vector":[1,2]}\n\n{"id":"2","vector":[3,4]}\n${line}\n{"id":"4","vector":[5,6]}\n`;
    const db = await EdgeVec.create({ dimensions: 2 });
    // One batch: nothing stays.
    const one = await rejectsWith(() => importNdjson(db, text), /** @type {string} */ (code),
      { index: 2, inserted: 0, message: /** @type {RegExp} */ (message) });
    assert.match(one.message, /line 4\b/);
    assert.match(one.message, /nothing was inserted/);
    assert.equal(db.size, 0, `${code}: nothing inserted`);
    // Batches of 2: the batch of rows 0 and 1 is in and stays; the bad row's is not.
    const two = await rejectsWith(() => importNdjson(db, text, { batchSize: 2 }), /** @type {string} */ (code),
      { index: 2, inserted: 2, message: /** @type {RegExp} */ (message) });
    assert.match(two.message, /line 4\b.*the 2 rows before its batch were inserted and stay/);
    assert.deepEqual(Array.from(db.ids()), [1n, 2n]);
    db.dispose();
  }
});

test('dryRun checks every row, ids against each other and the index, and inserts nothing', async () => {
  const db = await EdgeVec.create({ dimensions: 2, metric: 'cosine' });
  db.insert([1, 0], 100n);
  const good = '{"id":"1","vector":[1,2]}\n{"id":"2","vector":[3,4]}\n';
  assert.deepEqual(await importNdjson(db, good, { dryRun: true }), { rows: 2 });
  assert.equal(db.size, 1);
  await rejectsWith(() => importNdjson(db, `${good}{"id":"1","vector":[5,6]}\n`, { dryRun: true, batchSize: 1 }),
    'DUPLICATE_ID', { index: 2, inserted: 0, message: /line 3: id 1 appears again \(first on line 1\)/ });
  await rejectsWith(() => importNdjson(db, `${good}{"id":"100","vector":[5,6]}\n`, { dryRun: true }),
    'DUPLICATE_ID', { index: 2, message: /already in the index/ });
  await rejectsWith(() => importNdjson(db, `${good}{"id":"3","vector":[0,0]}\n`, { dryRun: true }),
    'INVALID_VECTOR', { index: 2, message: /all zeros/ });
  assert.deepEqual(Array.from(db.ids()), [100n]);
  // Without dryRun the zero vector is refused the same way, before insertBatch.
  await rejectsWith(() => importNdjson(db, `${good}{"id":"3","vector":[0,0]}\n`, { batchSize: 2 }),
    'INVALID_VECTOR', { index: 2, inserted: 2 });
  db.dispose();
});

test('invalid arguments and an aborted import', async () => {
  const db = await EdgeVec.create({ dimensions: 2 });
  await rejectsWith(() => importNdjson(/** @type {any} */ ({}), ''), 'INVALID_ARGUMENT', { message: /EdgeVec/ });
  await rejectsWith(() => importNdjson(db, /** @type {any} */ (42)), 'INVALID_ARGUMENT', { message: /source/ });
  await rejectsWith(() => importNdjson(db, /** @type {any} */ ([{}])), 'INVALID_ARGUMENT', { message: /chunks/ });
  await rejectsWith(() => importNdjson(db, '', { batchSize: 0 }), 'INVALID_ARGUMENT', { message: /batchSize/ });
  await rejectsWith(() => importNdjson(db, new Uint8Array([0x7b, 0xff, 0x0a])), 'INVALID_ARGUMENT', { message: /UTF-8/ });
  await rejectsWith(async () => { for await (const c of exportNdjson(db, { chunkRows: 1.5 })) void c; },
    'INVALID_ARGUMENT', { message: /chunkRows/ });
  assert.deepEqual(await importNdjson(db, ''), { rows: 0 });
  const controller = new AbortController();
  const lines = Array.from({ length: 10 }, (_, i) => `{"id":"${i}","vector":[${i},1]}`).join('\n');
  await rejectsWith(() => importNdjson(db, lines, {
    batchSize: 3, onProgress: (done) => { if (done === 6) controller.abort(); }, signal: controller.signal,
  }), 'ABORTED', { inserted: 6 });
  assert.equal(db.size, 6);
  db.dispose();
});

/** Numbers a metadata field must carry exactly: both zeros, the extremes
 *  of a double, values whose shortest form needs 17 digits. */
const NUMBERS = [-0, 0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
  -1.7976931348623157e308, 0.1, 1 / 3, -2 / 3, 2 ** 53 + 2, -(2 ** 60), 123456789.12345679, 1e21, 1e-7];
/** Strings (values and names) that need care in JSON: quotes, backslashes,
 *  control characters, U+2028, non-ASCII of two, three and four bytes. */
const STRINGS = ['', 'plain', 'quote " and \\ backslash', 'tab\tnew\nline\r\u0000\u001f', 'line\u2028sep',
  'é', '中文', 'emoji \u{1F600}', 'ß'.repeat(200)];

/**
 * A seeded record of every value type, or null for none (every 4th row).
 * @param {() => number} rand
 * @param {number} i
 * @returns {Record<string, string | number | boolean | string[]> | null}
 */
function seededRecord(rand, i) {
  if (i % 4 === 3) return null;
  /** @type {Record<string, string | number | boolean | string[]>} */
  const m = {
    category: `c${i % 5}`,
    price: NUMBERS[i % NUMBERS.length],
    // A double with all 53 bits used, of any magnitude and sign.
    score: (rand() - 0.5) * 2 ** Math.floor(rand() * 200 - 100),
    inStock: i % 2 === 0,
    tags: i % 6 === 0 ? [] : [STRINGS[i % STRINGS.length], `t${i % 3}`],
    note: STRINGS[(i * 7) % STRINGS.length],
  };
  if (i % 5 === 0) m['名前 \u{1F600}'] = 'é中\u{1F600}';
  // A field named __proto__ (assignment would try to set the prototype).
  if (i % 7 === 0) Object.defineProperty(m, '__proto__', { value: 'a field', enumerable: true, writable: true, configurable: true });
  if (i % 9 === 0) m['"quoted"\\name'] = -0;
  if (i % 10 === 0) delete m.category;
  return m;
}

/**
 * An index of n rows whose metadata is seededRecord's.
 * @param {number} n
 * @param {number} seed
 */
async function indexWithMetadata(n, seed) {
  const { vectors, ids } = seededRows({ seed, n, dim: DIM });
  const rand = mulberry32(seed + 2);
  const records = ids.map((_, i) => seededRecord(rand, i));
  const db = await EdgeVec.create({ dimensions: DIM, seed: 1 });
  await db.insertBatch(vectors, { ids, metadata: records });
  return { db, ids, records };
}

/**
 * Asserts that every id of the index has this metadata (Object.is on
 * numbers: a negative zero stays negative).
 * @param {import('../../js/index.js').EdgeVec<'bigint'>} db
 * @param {bigint[]} ids
 * @param {(i: number) => object | null} recordOf
 */
function assertSameMetadata(db, ids, recordOf) {
  for (let i = 0; i < ids.length; i++) {
    assert.deepStrictEqual(db.getMetadata(ids[i]), recordOf(i) ?? {}, `the metadata of id ${ids[i]}`);
  }
}

test('metadata: every value type goes out and back exactly; "metadata" only on the lines of vectors with some', async () => {
  const { db, ids, records } = await indexWithMetadata(600, 71);
  db.softDeleteBatch(ids.slice(0, 20));
  const live = ids.slice(20);
  const want = (/** @type {number} */ i) => records[i + 20];
  const bytes = await collect(exportNdjson(db, { chunkRows: 64 }));
  const lines = bytes.toString('utf8').trim().split('\n');
  assert.equal(lines.length, live.length);
  for (const line of lines) {
    const row = JSON.parse(line);
    const i = live.indexOf(BigInt(row.id));
    assert.equal('metadata' in row, want(i) !== null, `line of id ${row.id}: "metadata" iff it has some`);
    // Any JSON reader gets the record: each number as the same double
    // (-0 included), each string and name as it was.
    if (row.metadata) assert.deepStrictEqual(row.metadata, want(i));
  }
  // exportRows: one entry per id, the record or null.
  let at = 0;
  for await (const chunk of exportRows(db, { chunkRows: 100 })) {
    assert.equal(chunk.metadata.length, chunk.ids.length);
    for (let j = 0; j < chunk.ids.length; j++, at++) {
      assert.equal(chunk.ids[j], [...live].sort((a, b) => (a < b ? -1 : 1))[at]);
      const i = live.indexOf(chunk.ids[j]);
      assert.deepStrictEqual(chunk.metadata[j], want(i) === null ? null : db.getMetadata(chunk.ids[j]));
    }
  }
  assert.equal(at, live.length);
  // Back in, whole and cut into one-byte chunks (UTF-8 characters split).
  for (const source of [bytes, streamOf(bytes, 1)]) {
    const again = await EdgeVec.create({ dimensions: DIM });
    assert.deepEqual(await importNdjson(again, source, { batchSize: 50 }), { rows: live.length });
    assertSameRows(again, live, (i) => /** @type {Float32Array} */ (db.get(live[i])));
    assertSameMetadata(again, live, want);
    assert.deepEqual(await collect(exportNdjson(again)), bytes, 'exported again: the same bytes');
    again.dispose();
  }
  db.dispose();
});

test('metadata numbers: the shortest text that reads back as the same double, -0 as "-0"', async () => {
  const db = await EdgeVec.create({ dimensions: 1 });
  const metadata = NUMBERS.map((x) => ({ x }));
  await db.insertBatch(NUMBERS.map(() => [1]), { ids: NUMBERS.map((_, i) => i), metadata });
  const lines = (await collect(exportNdjson(db))).toString().trim().split('\n');
  const texts = lines.map((l) => /** @type {string[]} */ (l.match(/"metadata":\{"x":([^}]*)\}\}$/))[1]);
  assert.deepEqual(texts, ['-0', '0', '5e-324', '-5e-324', '2.2250738585072014e-308', '1.7976931348623157e+308',
    '-1.7976931348623157e+308', '0.1', '0.3333333333333333', '-0.6666666666666666', '9007199254740994',
    '-1152921504606847000', '123456789.12345679', '1e+21', '1e-7']);
  const again = await EdgeVec.create({ dimensions: 1 });
  await importNdjson(again, lines.join('\n'));
  for (let i = 0; i < NUMBERS.length; i++) assert.ok(Object.is(again.getMetadata(BigInt(i))?.x, NUMBERS[i]), `${NUMBERS[i]}`);
  db.dispose();
  again.dispose();
});

/** Bad records: [the "metadata" JSON, error.reason, error.field, what the message says]. */
const BAD_METADATA = [
  ['"books"', 'NOT_PLAIN_OBJECT', undefined, /plain object of fields, got a string/],
  ['7', 'NOT_PLAIN_OBJECT', undefined, /plain object/],
  ['true', 'NOT_PLAIN_OBJECT', undefined, /plain object/],
  ['["a","b"]', 'NOT_PLAIN_OBJECT', undefined, /plain object of fields, got an array/],
  ['{"a":{"b":1}}', 'NESTED_OBJECT', 'a', /nested objects are not stored/],
  ['{"a":1,"b":null}', 'BAD_TYPE', 'b', /got null/],
  ['{"a":1e400}', 'NOT_FINITE', 'a', /finite, got Infinity/],
  ['{"t":["x",1]}', 'MIXED_ARRAY', 't', /item 1 is/],
  ['{"t":[1,2]}', 'ARRAY_NOT_STRINGS', 't', /arrays hold strings only/],
  ['{"t":[["x"]]}', 'ARRAY_NOT_STRINGS', 't', /arrays hold strings only/],
  ['{"s":"\\ud800"}', 'BAD_UTF8', 's', /lone surrogate/],
  ['{"":1}', 'NAME_LENGTH', '', /1 to 64 bytes/],
  [`{"s":"${'x'.repeat(1025)}"}`, 'STRING_LENGTH', 's', /at most 1024/],
  [`{${Array.from({ length: 65 }, (_, i) => `"f${i}":${i}`).join(',')}}`, 'TOO_MANY_FIELDS', undefined, /65 fields/],
];

test('bad metadata is INVALID_METADATA naming the line, the id, the field and the reason; nothing of its batch goes in', async () => {
  for (const [json, reason, field, words] of BAD_METADATA) {
    // The bad row is row 2 (id 3), on line 4 (line 2 is blank); the rows
    // before it have metadata too.
    const text = '{"id":"1","vector":[1,2],"metadata":{"k":"one"}}\n\n{"id":"2","vector":[3,4],"metadata":null}\n' +
      `{"id":"3","vector":[1,2],"metadata":${json}}\n{"id":"4","vector":[5,6],"metadata":{"k":"four"}}\n`;
    const label = `${reason} (${json.slice(0, 30)})`;
    const check = (/** @type {import('../../js/index.js').EdgeVecError} */ err) => {
      assert.match(err.message, /line 4: invalid metadata \(id 3/, label);
      assert.match(err.message, /** @type {RegExp} */ (words), label);
      assert.equal(err.reason, reason, label);
      assert.equal(err.field, field, label);
      assert.equal(err.id, 3, label);
    };
    const db = await EdgeVec.create({ dimensions: 2 });
    // A dry run refuses it the same way.
    check(await rejectsWith(() => importNdjson(db, text, { dryRun: true }), 'INVALID_METADATA',
      { index: 2, inserted: 0, message: /nothing was inserted/ }));
    assert.equal(db.size, 0);
    // One batch: nothing goes in.
    check(await rejectsWith(() => importNdjson(db, text), 'INVALID_METADATA',
      { index: 2, inserted: 0, message: /nothing was inserted/ }));
    assert.equal(db.size, 0, `${label}: nothing inserted`);
    // Batches of 2: rows 0 and 1 are in, with their metadata; not the bad row's batch.
    check(await rejectsWith(() => importNdjson(db, text, { batchSize: 2 }), 'INVALID_METADATA',
      { index: 2, inserted: 2, message: /the 2 rows before its batch were inserted and stay/ }));
    assert.deepEqual(Array.from(db.ids()), [1n, 2n]);
    assert.deepEqual(db.getMetadata(1n), { k: 'one' });
    assert.deepEqual(db.getMetadata(2n), {});
    db.dispose();
  }
});

test("more distinct field names than an index holds: refused by a dry run at the line of the first too many, and by the import's insertBatch", async () => {
  // 1,025 distinct names, 25 to a row: the 1,025th is on row 40 (line 41).
  const lines = Array.from({ length: 41 }, (_, r) => {
    const fields = Array.from({ length: 25 }, (_, f) => `"n${r * 25 + f}":1`).join(',');
    return `{"id":"${r}","vector":[${r},1],"metadata":{${fields}}}`;
  });
  const text = `${lines.join('\n')}\n`;
  const db = await EdgeVec.create({ dimensions: 2 });
  const dry = await rejectsWith(() => importNdjson(db, text, { dryRun: true }), 'INVALID_METADATA',
    { index: 40, inserted: 0, message: /line 41: .*field 'n1024'.*more than 1024 distinct fields/ });
  assert.equal(dry.reason, 'INDEX_FIELDS');
  assert.equal(dry.field, 'n1024');
  // One row fewer fits.
  assert.deepEqual(await importNdjson(db, text.split('\n').slice(0, 40).join('\n'), { dryRun: true }), { rows: 40 });
  // The real import: insertBatch checks the whole batch before any of it
  // goes in, and the error keeps its reason.
  const real = await rejectsWith(() => importNdjson(db, text), 'INVALID_METADATA',
    { index: 40, inserted: 0, message: /line 41 \(id 40\): .*field 'n1024'.*nothing was inserted/ });
  assert.equal(real.reason, 'INDEX_FIELDS');
  assert.equal(real.field, 'n1024');
  assert.equal(db.size, 0);
  db.dispose();
});
