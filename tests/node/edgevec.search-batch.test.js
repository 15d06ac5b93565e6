// tests/node/edgevec.search-batch.test.js (js/edgevec.js, searchBatch and
// threads) — searchBatch returns what search returns for each query, in
// the default module (db.threads 1: a wasmBinary names it) and in the
// module with threads (Node's default: db.threads > 1), where batches of
// inserts and queries run on several threads; recall against brute force
// of an index built on threads; the `threads` option (1: the graph of one
// thread, byte for byte); the errors, which name the bad query.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { EdgeVec } from '../../js/index.js';
import { clustered, arraysOf, distance } from './helpers/data.js';
import { throwsWith } from './helpers/assert-error.js';

const defaultWasm = new URL('../../dist/edgevec.wasm', import.meta.url);
const DIM = 24;

/** @returns {Promise<EdgeVec>} the default module, without threads */
async function withoutThreads(options = {}) {
  const wasmBinary = new Uint8Array(await readFile(defaultWasm));
  return EdgeVec.create({ dimensions: DIM, seed: 3, wasmBinary, ...options });
}

/**
 * searchBatch == search for each query, flat and as arrays, with ef.
 * @param {EdgeVec} db
 * @param {Float32Array} queries
 */
function sameAsSearch(db, queries) {
  const n = queries.length / DIM;
  const batch = db.searchBatch(queries, 10, { ef: 40 });
  assert.equal(batch.length, n);
  for (let i = 0; i < n; i++) {
    assert.deepEqual(batch[i], db.search(queries.subarray(i * DIM, (i + 1) * DIM), 10, { ef: 40 }));
  }
  assert.deepEqual(db.searchBatch(arraysOf(queries, DIM), 10, { ef: 40 }), batch);
}

test('without threads: searchBatch is search for each query; threads is 1', async () => {
  const db = await withoutThreads({ metric: 'cosine' });
  assert.equal(db.threads, 1);
  const data = clustered({ seed: 5, n: 1500, dim: DIM });
  await db.insertBatch(data);
  db.softDeleteBatch([0n, 7n, 100n]);
  sameAsSearch(db, clustered({ seed: 6, n: 40, dim: DIM }));
  db.dispose();
});

test('with threads (Node default): threads > 1, searchBatch is search for each query', async () => {
  const db = await EdgeVec.create({ dimensions: DIM, seed: 3 });
  assert.ok(db.threads >= 2, `threads: ${db.threads}`);
  assert.ok(db.threads <= 8);
  await db.insertBatch(clustered({ seed: 5, n: 1500, dim: DIM }));
  sameAsSearch(db, clustered({ seed: 6, n: 40, dim: DIM }));
  db.dispose();
});

test('with threads: an index built on threads finds the true neighbours (recall >= 0.95)', async () => {
  const n = 4000, nq = 100, k = 10;
  const data = clustered({ seed: 11, n, dim: DIM });
  const queries = clustered({ seed: 12, n: nq, dim: DIM });
  const db = await EdgeVec.create({ dimensions: DIM, seed: 3, idType: 'number' });
  assert.ok(db.threads >= 2);
  await db.insertBatch(data);
  assert.equal(db.size, n);
  const got = db.searchBatch(queries, k, { ef: 64 });
  let hits = 0;
  for (let q = 0; q < nq; q++) {
    const query = queries.subarray(q * DIM, (q + 1) * DIM);
    const truth = Array.from({ length: n }, (_, i) => i)
      .map((i) => ({ i, d: distance('l2', query, data.subarray(i * DIM, (i + 1) * DIM)) }))
      .sort((a, b) => a.d - b.d).slice(0, k).map((x) => x.i);
    const ids = new Set(got[q].map((r) => r.id));
    hits += truth.filter((i) => ids.has(i)).length;
  }
  const recall = hits / (nq * k);
  assert.ok(recall >= 0.95, `recall ${recall}`);
  // Every id got its own vector.
  for (const id of [0, 1234, n - 1]) {
    assert.deepEqual(db.get(id), data.subarray(id * DIM, (id + 1) * DIM));
  }
  db.dispose();
});

test('searchBatch with a filter and includeMetadata: search for each query', async () => {
  for (const db of [await withoutThreads(), await EdgeVec.create({ dimensions: DIM, seed: 3 })]) {
    const data = clustered({ seed: 21, n: 600, dim: DIM });
    await db.insertBatch(data, { metadata: Array.from({ length: 600 }, (_, i) => ({ even: i % 2 === 0 })) });
    const queries = clustered({ seed: 22, n: 5, dim: DIM });
    const options = { filter: { even: true }, includeMetadata: /** @type {true} */ (true) };
    const batch = db.searchBatch(queries, 5, options);
    for (let i = 0; i < 5; i++) {
      const one = db.search(queries.subarray(i * DIM, (i + 1) * DIM), 5, options);
      assert.deepEqual(batch[i], one);
      assert.ok(batch[i].every((r) => r.metadata.even === true));
    }
    assert.deepEqual(db.searchBatch(queries, 5, { includeMetadata: true })[0],
      db.search(queries.subarray(0, DIM), 5, { includeMetadata: true }));
    db.dispose();
  }
});

test('searchBatch with a filter on an index large enough to walk: search for each query, both modules', async () => {
  // 20,000 vectors: the planner walks at 50% and answers POST at 10%
  // (the C tests check which); the scan answers at 0.5%.
  const n = 20000;
  const data = clustered({ seed: 23, n, dim: DIM });
  const metadata = Array.from({ length: n }, (_, i) => ({ u: (i * 7919) % 1000, even: i % 2 === 0 }));
  const queries = clustered({ seed: 24, n: 24, dim: DIM });
  for (const db of [await withoutThreads({ efConstruction: 48, idType: 'number' }),
    await EdgeVec.create({ dimensions: DIM, seed: 3, efConstruction: 48 })]) {
    await db.insertBatch(data, { metadata });
    db.softDeleteBatch(db.idType === 'number' ? [1, 2, 3] : [1n, 2n, 3n]);
    for (const filter of [{ u: { lt: 500 } }, { u: { lt: 100 } }, { u: { lt: 5 } }, 'u < 300 AND even = true']) {
      const batch = db.searchBatch(queries, 10, { filter });
      assert.equal(batch.length, 24);
      for (let i = 0; i < 24; i++) {
        const one = db.search(queries.subarray(i * DIM, (i + 1) * DIM), 10, { filter });
        assert.deepEqual(batch[i], one, `${JSON.stringify(filter)}, query ${i}`);
        assert.equal(one.length, 10);
      }
      assert.deepEqual(db.searchBatch(arraysOf(queries, DIM), 10, { filter, ef: 80 }),
        Array.from({ length: 24 }, (_, i) => db.search(queries.subarray(i * DIM, (i + 1) * DIM), 10, { filter, ef: 80 })));
    }
    db.dispose();
  }
});

test('searchBatch errors name the bad query, in both modules', async () => {
  for (const db of [await withoutThreads(), await EdgeVec.create({ dimensions: DIM, seed: 3 })]) {
    await db.insertBatch(clustered({ seed: 31, n: 50, dim: DIM }));
    const queries = clustered({ seed: 32, n: 4, dim: DIM });
    queries[2 * DIM + 5] = NaN;
    throwsWith(() => db.searchBatch(queries, 3), 'INVALID_VECTOR', { index: 2, message: /searchBatch/ });
    throwsWith(() => db.searchBatch(queries, 3, { filter: { a: 1 } }), 'INVALID_VECTOR', { index: 2, message: /searchBatch/ });
    throwsWith(() => db.searchBatch(queries.subarray(0, 2 * DIM), 3, { filter: 'a = ' }), 'INVALID_FILTER');
    throwsWith(() => db.searchBatch(new Float32Array(0), 3), 'EMPTY_BATCH');
    throwsWith(() => db.searchBatch([], 3), 'EMPTY_BATCH');
    throwsWith(() => db.searchBatch(new Float32Array(DIM + 1), 3), 'DIMENSION_MISMATCH', { index: 1 });
    throwsWith(() => db.searchBatch([new Float32Array(DIM), [1, 2]], 3), 'DIMENSION_MISMATCH', { index: 1 });
    throwsWith(() => db.searchBatch(queries.subarray(0, DIM), 0), 'INVALID_ARGUMENT', { message: /searchBatch: k/ });
    throwsWith(() => db.searchBatch(queries.subarray(0, DIM), 3, { ef: 0 }), 'INVALID_ARGUMENT');
    throwsWith(() => db.searchBatch(queries.subarray(0, DIM), 3, /** @type {any} */ ({ efs: 3 })), 'INVALID_ARGUMENT');
    throwsWith(() => db.searchBatch([[...queries.subarray(0, DIM - 1), /** @type {any} */ ('x')]], 3),
      'INVALID_ARGUMENT', { index: 0 });
    db.dispose();
    throwsWith(() => db.searchBatch(queries.subarray(0, DIM), 3), 'DISPOSED');
    throwsWith(() => db.threads, 'DISPOSED');
  }
});

test('with threads: compaction and export/load keep the threads', async () => {
  const db = await EdgeVec.create({ dimensions: DIM, seed: 3 });
  const data = clustered({ seed: 41, n: 800, dim: DIM });
  await db.insertBatch(data);
  db.softDeleteBatch(Array.from({ length: 400 }, (_, i) => BigInt(2 * i)));
  db.compact();
  assert.ok(db.threads >= 2);
  await db.insertBatch(clustered({ seed: 42, n: 800, dim: DIM }));
  const copy = await EdgeVec.load(await db.export());
  assert.equal(copy.threads, db.threads);
  const queries = clustered({ seed: 43, n: 20, dim: DIM });
  assert.deepEqual(copy.searchBatch(queries, 5), db.searchBatch(queries, 5));
  copy.dispose();
  db.dispose();
});

test('threads: 1 builds, in the module with threads, the bytes the default module builds', async () => {
  const data = clustered({ seed: 51, n: 1200, dim: DIM });
  const one = await EdgeVec.create({ dimensions: DIM, seed: 9, threads: 1 });
  assert.equal(one.threads, 1);
  const plain = await withoutThreads({ seed: 9 });
  await one.insertBatch(data);
  await plain.insertBatch(data);
  assert.deepEqual(await one.export(), await plain.export());
  const two = await EdgeVec.create({ dimensions: DIM, seed: 9, threads: 2 });
  assert.equal(two.threads, 2);
  for (const bad of [0, 65, 1.5, '2']) {
    await assert.rejects(EdgeVec.create({ dimensions: DIM, threads: /** @type {any} */ (bad) }),
      (err) => /** @type {any} */ (err).code === 'INVALID_ARGUMENT' && /threads/.test(String(err)));
  }
  for (const db of [one, plain, two]) db.dispose();
});
