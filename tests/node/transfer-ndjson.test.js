// tests/node/transfer-ndjson.test.js (js/transfer/ndjson.js) — the NDJSON
// export and import: the line format, ascending ids, 64-bit ids as strings,
// a bit-exact round trip (l2, dot, cosine's stored unit vectors, idType
// 'number'), sources of every kind cut into awkward chunks, progress, and
// the errors of bad input: which line, which code, what stays inserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { exportNdjson, importNdjson, exportRows, toReadableStream } from '../../js/transfer/index.js';
import { rejectsWith } from './helpers/assert-error.js';
import { assertSameRows, collect, seededRows, streamOf } from './helpers/transfer.js';

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

test('the lines: CRLF, blank lines, no final newline, JSON-number ids, null metadata', async () => {
  const db = await EdgeVec.create({ dimensions: 2 });
  const text = '\n{"id":"5","vector":[1,2]}\r\n\n  \n{"vector":[3,4],"id":6,"metadata":null}\r\n{"id":"18446744073709551615","vector":[5,6]}';
  assert.deepEqual(await importNdjson(db, text), { rows: 3 });
  assert.deepEqual(Array.from(db.ids()), [5n, 6n, 2n ** 64n - 1n]);
  assert.deepEqual(Array.from(db.get(6n)), [3, 4]);
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
  ['{"id":"3","vector":[1,2],"metadata":{"a":1}}', 'INVALID_ARGUMENT', /"metadata" is reserved/],
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
