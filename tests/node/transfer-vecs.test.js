// tests/node/transfer-vecs.test.js (js/transfer/vecs.js) — the .fvecs +
// .ivecs export and import: the byte layout of both files, ids as lo/hi u32
// words, a bit-exact round trip from bytes and from streams cut at every
// size, count-1 ids and no ids at all, an index with metadata (ids and
// vectors only: the format has no place for it), and the errors of bad
// files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { exportFvecs, importFvecs } from '../../js/transfer/index.js';
import { rejectsWith } from './helpers/assert-error.js';
import { assertSameRows, seededRows, streamOf } from './helpers/transfer.js';

/**
 * @param {AsyncIterable<{ vectors: Uint8Array, ids: Uint8Array }>} chunks
 * @returns {Promise<{ vectors: Buffer, ids: Buffer, chunks: number }>}
 */
async function collectFiles(chunks) {
  const v = [], i = [];
  for await (const c of chunks) { v.push(c.vectors); i.push(c.ids); }
  return { vectors: Buffer.concat(v), ids: Buffer.concat(i), chunks: v.length };
}

/**
 * .fvecs bytes of rows written by hand.
 * @param {number[][]} rows
 * @returns {Buffer}
 */
function fvecs(rows) {
  const out = Buffer.alloc(rows.reduce((n, r) => n + 4 + 4 * r.length, 0));
  let at = 0;
  for (const r of rows) {
    out.writeInt32LE(r.length, at); at += 4;
    for (const x of r) { out.writeFloatLE(x, at); at += 4; }
  }
  return out;
}

/**
 * .ivecs bytes, each row its own int32 words.
 * @param {number[][]} rows
 * @returns {Buffer}
 */
function ivecs(rows) {
  const out = Buffer.alloc(rows.reduce((n, r) => n + 4 + 4 * r.length, 0));
  let at = 0;
  for (const r of rows) {
    out.writeInt32LE(r.length, at); at += 4;
    for (const x of r) { out.writeUInt32LE(x >>> 0, at); at += 4; }
  }
  return out;
}

test('the layout: int32 dims + float32 LE per vector row, int32 2 + lo, hi u32 per id row, ascending ids', async () => {
  const db = await EdgeVec.create({ dimensions: 2 });
  await db.insertBatch([[1.5, -2], [3, 4], [0.25, 8]], { ids: [2n ** 64n - 2n, 5n, 2n ** 32n + 7n] });
  const { vectors, ids } = await collectFiles(exportFvecs(db));
  assert.deepEqual(vectors, fvecs([[3, 4], [0.25, 8], [1.5, -2]]));
  assert.deepEqual(ids, ivecs([[5, 0], [7, 1], [0xfffffffe, 0xffffffff]]));
  // The ids read as u64 the way the README says numpy does: drop each row's count.
  const words = new Uint32Array(ids.buffer, ids.byteOffset, ids.length / 4);
  const u64 = [];
  for (let r = 0; r < words.length; r += 3) u64.push(BigInt(words[r + 1]) | (BigInt(words[r + 2]) << 32n));
  assert.deepEqual(u64, [5n, 2n ** 32n + 7n, 2n ** 64n - 2n]);
  db.dispose();
});

for (const [metric, idType] of /** @type {const} */ ([['l2', 'bigint'], ['dot', 'bigint'], ['cosine', 'bigint'], ['l2', 'number']])) {
  test(`round trip (${metric}, ${idType} ids): bytes and streams cut at any size give the same rows bit for bit`, async () => {
    const dim = 20;
    const n = 700;
    const rows = seededRows({ seed: 51, n, dim });
    const ids = idType === 'number' ? rows.ids.map((id) => Number(id % 2n ** 53n)) : rows.ids;
    const db = await EdgeVec.create({ dimensions: dim, metric, idType, seed: 1 });
    await db.insertBatch(rows.vectors, { ids });
    db.softDeleteBatch(ids.slice(0, 50));
    const live = ids.slice(50);
    const files = await collectFiles(exportFvecs(db, { chunkRows: 64 }));
    assert.equal(files.chunks, Math.ceil(live.length / 64));
    assert.equal(files.vectors.length, live.length * 4 * (1 + dim));
    assert.equal(files.ids.length, live.length * 12);
    for (const [vs, is] of [[files.vectors, files.ids], [streamOf(files.vectors, 1), streamOf(files.ids, 5)],
      [streamOf(files.vectors, 333), [files.ids.subarray(0, 13), files.ids.subarray(13)]]]) {
      const again = await EdgeVec.create({ dimensions: dim, metric, idType });
      assert.deepEqual(await importFvecs(again, { vectors: vs, ids: is }, { batchSize: 100 }), { rows: live.length });
      assertSameRows(again, live, (i) => db.get(live[i]));
      const second = await collectFiles(exportFvecs(again, { chunkRows: 64 }));
      assert.deepEqual(second.vectors, files.vectors);
      assert.deepEqual(second.ids, files.ids);
      again.dispose();
    }
    db.dispose();
  });
}

test('ids: count-1 .ivecs rows are int32 ids, and without an ids file the ids are the row numbers', async () => {
  const vectors = fvecs([[1, 2], [3, 4], [5, 6]]);
  const a = await EdgeVec.create({ dimensions: 2 });
  await importFvecs(a, { vectors, ids: ivecs([[40], [2147483647], [0]]) });
  assert.deepEqual(Array.from(a.ids()), [0n, 40n, 2147483647n]);
  assert.deepEqual(Array.from(a.get(0n)), [5, 6]);
  const b = await EdgeVec.create({ dimensions: 2 });
  /** @type {Array<[number, number | undefined]>} */
  const seen = [];
  await importFvecs(b, { vectors }, { onProgress: (d, t) => seen.push([d, t]) });
  assert.deepEqual(Array.from(b.ids()), [0n, 1n, 2n]);
  assert.deepEqual(Array.from(b.get(2n)), [5, 6]);
  assert.deepEqual(seen, [[0, 3], [3, 3]]);
  a.dispose();
  b.dispose();
});

test('bad files: the code, the row, and the batches before it stay', async () => {
  const good = [[1, 2], [3, 4]];
  const cases = [
    [{ vectors: fvecs([...good, [1, 2, 3]]) }, 'DIMENSION_MISMATCH', /row 2: the \.fvecs row holds 3 components, the index has 2/],
    [{ vectors: fvecs([...good, [1, 2]]).subarray(0, 30) }, 'INVALID_ARGUMENT', /row 2: the \.fvecs data ends 6 bytes into the row/],
    [{ vectors: fvecs([...good, [1, NaN]]) }, 'INVALID_VECTOR', /row 2: component 1 is NaN/],
    [{ vectors: fvecs([...good, [1, 2]]), ids: ivecs([[1, 0], [2, 0]]) }, 'INVALID_ARGUMENT', /row 2: the ids end before the vectors do/],
    [{ vectors: fvecs([...good, [1, 2]]), ids: ivecs([[1, 0], [2, 0], [3, 0], [4, 0]]) }, 'INVALID_ARGUMENT', /ids hold more rows than the 3 vectors/],
    [{ vectors: fvecs([...good, [1, 2]]), ids: ivecs([[1, 0], [2, 0], [3]]) }, 'INVALID_ARGUMENT', /row 2: the ids row holds 1 words where the first held 2/],
    [{ vectors: fvecs([...good, [1, 2]]), ids: ivecs([[1], [2], [-3]]) }, 'INVALID_ID', /row 2: the id -3 is negative/],
    [{ vectors: fvecs([...good, [1, 2]]), ids: ivecs([[1, 0], [2, 0], [1, 0]]) }, 'DUPLICATE_ID', /row 2 \(id 1\)/],
  ];
  for (const [sources, code, message] of cases) {
    const db = await EdgeVec.create({ dimensions: 2 });
    await rejectsWith(() => importFvecs(db, /** @type {any} */ (sources)), /** @type {string} */ (code),
      { index: code === 'INVALID_ARGUMENT' && /more rows/.test(String(message)) ? 3 : 2, inserted: 0,
        message: /** @type {RegExp} */ (message) });
    assert.equal(db.size, 0);
    if (!/more rows/.test(String(message))) {
      await rejectsWith(() => importFvecs(db, /** @type {any} */ (sources), { batchSize: 2 }), /** @type {string} */ (code),
        { index: 2, inserted: 2 });
      assert.equal(db.size, 2);
    }
    db.dispose();
  }
  const db = await EdgeVec.create({ dimensions: 2 });
  await rejectsWith(() => importFvecs(db, { vectors: fvecs(good), ids: ivecs([[1, 2, 3], [4, 5, 6]]) }),
    'INVALID_ARGUMENT', { index: 0, message: /an ids row must hold 2 words/ });
  await rejectsWith(() => importFvecs(db, /** @type {any} */ (fvecs(good))), 'INVALID_ARGUMENT', { message: /\{ vectors, ids\? \}/ });
  await rejectsWith(() => importFvecs(db, { vectors: fvecs(good) }, { dryRun: true, batchSize: 1 }).then(() =>
    importFvecs(db, { vectors: fvecs(good) })).then(() => importFvecs(db, { vectors: fvecs(good) }, { dryRun: true })),
  'DUPLICATE_ID', { index: 0, message: /row 0: id 0 is already in the index/ });
  assert.equal(db.size, 2);
  db.dispose();
});

test('an index with metadata: the same files as without it, and imported they give vectors without metadata', async () => {
  const { vectors, ids } = seededRows({ seed: 81, n: 400, dim: 8 });
  const plain = await EdgeVec.create({ dimensions: 8 });
  await plain.insertBatch(vectors, { ids });
  const withMeta = await EdgeVec.create({ dimensions: 8 });
  await withMeta.insertBatch(vectors, {
    ids, metadata: ids.map((_, i) => (i % 3 === 0 ? null : { category: `c${i % 4}`, price: i / 7, tags: ['x'] })),
  });
  assert.deepEqual(withMeta.getMetadata(ids[1]), { category: 'c1', price: 1 / 7, tags: ['x'] });
  const files = await collectFiles(exportFvecs(withMeta, { chunkRows: 64 }));
  assert.deepEqual(files, await collectFiles(exportFvecs(plain, { chunkRows: 64 })));
  const again = await EdgeVec.create({ dimensions: 8 });
  assert.deepEqual(await importFvecs(again, { vectors: files.vectors, ids: files.ids }), { rows: ids.length });
  assertSameRows(again, ids, (i) => /** @type {Float32Array} */ (withMeta.get(ids[i])));
  for (const id of ids) assert.deepEqual(again.getMetadata(id), {});
  for (const d of [plain, withMeta, again]) d.dispose();
});
