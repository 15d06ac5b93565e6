// tests/node/edgevec.test.js (js/edgevec.js, js/validate.js) — every method of
// EdgeVec with every input shape and every error code it can raise, against
// the real wasm module (dist/).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec, EdgeVecError } from '../../js/index.js';
import { clustered, rowsOf, arraysOf, bruteForce, distance } from './helpers/data.js';
import { rejectsWith, throwsWith } from './helpers/assert-error.js';

const DIM = 8;

/** @param {object} [extra] */
function make(extra = {}) {
  return EdgeVec.create({ dimensions: DIM, seed: 7, ...extra });
}

describe('EdgeVec.create', () => {
  test('defaults and getters of an empty index', async () => {
    const db = await EdgeVec.create({ dimensions: 16 });
    assert.equal(db.dimensions, 16);
    assert.equal(db.metric, 'l2');
    assert.equal(db.idType, 'bigint');
    assert.equal(db.size, 0);
    assert.equal(db.deletedCount, 0);
    assert.equal(db.tombstoneRatio, 0);
    assert.equal(db.disposed, false);
    assert.ok(db.memoryBytes > 0, 'an empty index still holds its scratch');
    assert.deepEqual(db.search(new Float32Array(16), 5), []);
    db.dispose();
  });

  test('every metric and option is accepted and reported', async () => {
    for (const metric of /** @type {const} */ (['l2', 'cosine', 'dot'])) {
      const db = await EdgeVec.create({
        dimensions: 3, metric, m: 2, efConstruction: 1, efSearch: 65535, seed: 2n ** 64n - 1n,
      });
      assert.equal(db.metric, metric);
      db.insert([1, 2, 3]);
      assert.equal(db.size, 1);
      db.dispose();
    }
    const db = await EdgeVec.create({ dimensions: 4096, m: 128, seed: 0 });
    assert.equal(db.dimensions, 4096);
    db.dispose();
  });

  test('bad options are INVALID_ARGUMENT, naming the option', async () => {
    const bad = [
      [undefined, /options/],
      [null, /object/],
      ['x', /object/],
      [[4], /object/],
      [{}, /dimensions/],
      [{ dimensions: 0 }, /dimensions/],
      [{ dimensions: 4097 }, /dimensions/],
      [{ dimensions: 1.5 }, /dimensions/],
      [{ dimensions: '4' }, /dimensions/],
      [{ dimensions: 4, metric: 'L2' }, /metric/],
      [{ dimensions: 4, metric: 'toString' }, /metric/],
      [{ dimensions: 4, m: 1 }, /\bm\b/],
      [{ dimensions: 4, m: 0 }, /\bm\b/],
      [{ dimensions: 4, m: 129 }, /\bm\b/],
      [{ dimensions: 4, efConstruction: 0 }, /efConstruction/],
      [{ dimensions: 4, efSearch: 65536 }, /efSearch/],
      [{ dimensions: 4, efSearch: NaN }, /efSearch/],
      [{ dimensions: 4, seed: -1 }, /seed/],
      [{ dimensions: 4, seed: 1.5 }, /seed/],
      [{ dimensions: 4, seed: '1' }, /seed/],
      [{ dimensions: 4, seed: 2n ** 64n }, /seed/],
      [{ dimensions: 4, seed: -1n }, /seed/],
      [{ dimensions: 4, idType: 'string' }, /idType/],
      [{ dimensions: 4, dimension: 4 }, /unknown option 'dimension'/],
      [{ dimensions: 4, wasmBinary: 'x' }, /wasmBinary/],
      [{ dimensions: 4, locateFile: 'x' }, /locateFile/],
    ];
    for (const [options, message] of bad) {
      await rejectsWith(() => EdgeVec.create(/** @type {any} */ (options)), 'INVALID_ARGUMENT', { message });
    }
  });

  test('the constructor is not for direct use', () => {
    throwsWith(() => new /** @type {any} */ (EdgeVec)(), 'INVALID_ARGUMENT', { message: /EdgeVec\.create/ });
  });

  test('the same seed and inserts give the same results; number and bigint seeds agree', async () => {
    const data = clustered({ seed: 1, n: 300, dim: DIM });
    const queries = clustered({ seed: 2, n: 10, dim: DIM });
    const run = async (seed) => {
      const db = await EdgeVec.create({ dimensions: DIM, seed, efSearch: 16 });
      await db.insertBatch(data);
      const out = rowsOf(queries, DIM).map((q) => db.search(q, 5));
      db.dispose();
      return out;
    };
    const a = await run(42);
    const b = await run(42n);
    assert.deepEqual(a, b);
  });
});

describe('insertBatch input shapes', () => {
  const data = clustered({ seed: 3, n: 20, dim: DIM });

  for (const [name, shape] of [
    ['flat Float32Array', () => data],
    ['array of Float32Array', () => rowsOf(data, DIM)],
    ['array of number[]', () => arraysOf(data, DIM)],
    ['mixed rows', () => rowsOf(data, DIM).map((r, i) => (i % 2 ? Array.from(r) : r))],
  ]) {
    test(name, async () => {
      const db = await make();
      const result = await db.insertBatch(shape());
      assert.equal(result.inserted, 20);
      assert.ok(result.ids instanceof BigUint64Array);
      assert.deepEqual([...result.ids], Array.from({ length: 20 }, (_, i) => BigInt(i)));
      assert.equal(db.size, 20);
      for (let i = 0; i < 20; i++) {
        assert.deepEqual(db.get(BigInt(i)), data.slice(i * DIM, (i + 1) * DIM));
      }
      db.dispose();
    });
  }

  test('ids as BigUint64Array, number[] and bigint/number mixed', async () => {
    const db = await make();
    let r = await db.insertBatch(rowsOf(data, DIM).slice(0, 3), { ids: new BigUint64Array([5n, 9n, 7n]) });
    assert.deepEqual([...r.ids], [5n, 9n, 7n]);
    r = await db.insertBatch(rowsOf(data, DIM).slice(3, 6), { ids: [100, 101, 102] });
    assert.deepEqual([...r.ids], [100n, 101n, 102n]);
    r = await db.insertBatch(rowsOf(data, DIM).slice(6, 8), { ids: [200n, 201] });
    assert.deepEqual([...r.ids], [200n, 201n]);
    // Assigned ids continue after the largest id ever held.
    r = await db.insertBatch(rowsOf(data, DIM).slice(8, 10));
    assert.deepEqual([...r.ids], [202n, 203n]);
    assert.equal(db.insert(data.subarray(10 * DIM, 11 * DIM)), 204n);
    for (const id of [5n, 9n, 7n, 100n, 101n, 102n, 200n, 201n, 202n, 203n, 204n]) {
      assert.ok(db.has(id), `has ${id}`);
    }
    assert.deepEqual(db.get(9), data.slice(DIM, 2 * DIM));
    db.dispose();
  });

  test('results are copies that survive wasm memory growth', async () => {
    const db = await make();
    const r = await db.insertBatch(data);
    const hits = db.search(data.subarray(0, DIM), 3);
    const v = db.get(0n);
    // Grow the heap well past its initial 16 MiB: views over the old
    // buffer would now be detached (length 0).
    const big = await EdgeVec.create({ dimensions: 1024, m: 2, efConstruction: 2 });
    await big.insertBatch(new Float32Array(1024 * 6000).map((_, i) => (i % 97) + 1));
    assert.equal(r.ids.length, 20);
    assert.equal(r.ids[19], 19n);
    assert.equal(v.length, DIM);
    assert.deepEqual(v, data.slice(0, DIM));
    assert.equal(hits[0].id, 0n);
    big.dispose();
    db.dispose();
  });

  test('the result is a copy: changing the input later changes nothing', async () => {
    const db = await make();
    const rows = rowsOf(data, DIM).slice(0, 2);
    const pending = db.insertBatch(rows);
    rows[0].fill(99);
    await pending;
    assert.deepEqual(db.get(0n), data.slice(0, DIM));
    const v = db.get(0n);
    v.fill(5);
    assert.deepEqual(db.get(0n), data.slice(0, DIM));
    db.dispose();
  });
});

describe('insertBatch errors leave the index unchanged', () => {
  const data = clustered({ seed: 4, n: 10, dim: DIM });

  /**
   * @param {EdgeVec} db
   * @param {() => Promise<unknown>} fn
   * @param {string} code
   * @param {object} expect
   */
  async function unchanged(db, fn, code, expect = {}) {
    const size = db.size;
    const err = await rejectsWith(fn, code, expect);
    assert.equal(db.size, size, 'nothing was inserted');
    return err;
  }

  test('EMPTY_BATCH', async () => {
    const db = await make();
    await unchanged(db, () => db.insertBatch(new Float32Array(0)), 'EMPTY_BATCH');
    await unchanged(db, () => db.insertBatch([]), 'EMPTY_BATCH');
    db.dispose();
  });

  test('DIMENSION_MISMATCH names the vector', async () => {
    const db = await make();
    await unchanged(db, () => db.insertBatch(data.subarray(0, 2 * DIM + 3)), 'DIMENSION_MISMATCH', { index: 2 });
    const rows = rowsOf(data, DIM);
    rows[3] = rows[3].subarray(0, DIM - 1);
    await unchanged(db, () => db.insertBatch(rows), 'DIMENSION_MISMATCH', { index: 3, message: /vectors\[3\]/ });
    const arrays = arraysOf(data, DIM);
    arrays[5].push(1);
    await unchanged(db, () => db.insertBatch(arrays), 'DIMENSION_MISMATCH', { index: 5 });
    db.dispose();
  });

  test('INVALID_VECTOR for NaN, Infinity, and zero vectors under cosine', async () => {
    const db = await make();
    const bad = data.slice();
    bad[4 * DIM + 2] = NaN;
    await unchanged(db, () => db.insertBatch(bad), 'INVALID_VECTOR', { index: 4, message: /NaN/ });
    const arrays = arraysOf(data, DIM);
    arrays[7][0] = -Infinity;
    await unchanged(db, () => db.insertBatch(arrays), 'INVALID_VECTOR', { index: 7 });
    // A zero vector is fine under l2 ...
    await db.insertBatch([new Float32Array(DIM)]);
    assert.equal(db.size, 1);
    db.dispose();
    // ... and refused under cosine, saying why.
    const cos = await make({ metric: 'cosine' });
    const rows = rowsOf(data, DIM);
    rows[6] = new Float32Array(DIM);
    await unchanged(cos, () => cos.insertBatch(rows), 'INVALID_VECTOR', { index: 6, message: /zero/ });
    throwsWith(() => cos.insert(new Float32Array(DIM)), 'INVALID_VECTOR', { message: /zero/ });
    cos.dispose();
  });

  test('DUPLICATE_ID inside the batch and against the index, saying which', async () => {
    const db = await make();
    await unchanged(db, () => db.insertBatch(rowsOf(data, DIM).slice(0, 4), { ids: [1, 2, 3, 2] }),
      'DUPLICATE_ID', { index: 3, message: /twice in the batch/ });
    await db.insertBatch(rowsOf(data, DIM).slice(0, 2), { ids: [10, 11] });
    const err = await unchanged(db, () => db.insertBatch(rowsOf(data, DIM).slice(2, 5), { ids: [12, 13, 11n] }),
      'DUPLICATE_ID', { index: 2, message: /already in the index/ });
    assert.match(err.message, /ids\[2\] = 11/);
    assert.ok(!db.has(12) && !db.has(13));
    db.dispose();
  });

  test('wrong types are INVALID_ARGUMENT, never coerced', async () => {
    const db = await make();
    const rows = arraysOf(data, DIM);
    rows[2][3] = /** @type {any} */ ('1');
    await unchanged(db, () => db.insertBatch(rows), 'INVALID_ARGUMENT', { index: 2, message: /vectors\[2\]\[3\]/ });
    const rows2 = arraysOf(data, DIM);
    rows2[1][0] = /** @type {any} */ (null);
    await unchanged(db, () => db.insertBatch(rows2), 'INVALID_ARGUMENT', { index: 1 });
    const bad = /** @type {any[]} */ ([
      'abc', 42, null, undefined, { length: DIM }, new Float64Array(DIM * 2), [1, 2, 3, 4, 5, 6, 7, 8],
      [new Float64Array(DIM)], [new Int32Array(DIM)], new Set(),
    ]);
    for (const v of bad) await unchanged(db, () => db.insertBatch(v), 'INVALID_ARGUMENT');
    const one = rowsOf(data, DIM).slice(0, 2);
    for (const options of /** @type {any[]} */ ([null, 'x', 5, []])) {
      await unchanged(db, () => db.insertBatch(one, options), 'INVALID_ARGUMENT', { message: /options/ });
    }
    await unchanged(db, () => db.insertBatch(one, /** @type {any} */ ({ onProgress: 'x' })), 'INVALID_ARGUMENT', { message: /onProgress/ });
    await unchanged(db, () => db.insertBatch(one, /** @type {any} */ ({ id: [5, 6] })), 'INVALID_ARGUMENT', { message: /unknown option 'id'/ });
    await unchanged(db, () => db.insertBatch(one, /** @type {any} */ ({ signal: {} })), 'INVALID_ARGUMENT', { message: /signal/ });
    await unchanged(db, () => db.insertBatch(one, /** @type {any} */ ({ ids: 'ab' })), 'INVALID_ARGUMENT', { message: /ids/ });
    await unchanged(db, () => db.insertBatch(one, /** @type {any} */ ({ ids: new Uint32Array(2) })), 'INVALID_ARGUMENT');
    await unchanged(db, () => db.insertBatch(one, { ids: [1] }), 'INVALID_ARGUMENT', { message: /1 entries for 2 vectors/ });
    await unchanged(db, () => db.insertBatch(one, /** @type {any} */ ({ ids: [1, '2'] })), 'INVALID_ARGUMENT', { index: 1 });
    db.dispose();
  });

  test('bad ids: INVALID_ID and ID_NOT_SAFE_INTEGER with the index', async () => {
    const db = await make();
    const two = rowsOf(data, DIM).slice(0, 2);
    await unchanged(db, () => db.insertBatch(two, { ids: [0, -1] }), 'INVALID_ID', { index: 1 });
    await unchanged(db, () => db.insertBatch(two, { ids: [1.5, 2] }), 'INVALID_ID', { index: 0 });
    await unchanged(db, () => db.insertBatch(two, { ids: [NaN, 2] }), 'INVALID_ID', { index: 0 });
    await unchanged(db, () => db.insertBatch(two, { ids: [1, 2 ** 53] }), 'ID_NOT_SAFE_INTEGER', { index: 1, message: /bigint/ });
    await unchanged(db, () => db.insertBatch(two, { ids: [1n, 2n ** 64n] }), 'INVALID_ID', { index: 1 });
    await unchanged(db, () => db.insertBatch(two, { ids: [-1n, 2n] }), 'INVALID_ID', { index: 0 });
    db.dispose();
  });

  test('a batch that fails validation in C (the last vector) inserts nothing', async () => {
    const db = await make();
    await db.insertBatch(data.subarray(0, 3 * DIM));
    const big = clustered({ seed: 5, n: 500, dim: DIM });
    big[499 * DIM] = Infinity;
    await unchanged(db, () => db.insertBatch(big), 'INVALID_VECTOR', { index: 499 });
    assert.equal(db.size, 3);
    assert.ok(!db.has(3n));
    db.dispose();
  });
});

describe('insert', () => {
  test('returns the assigned or given id; all id forms', async () => {
    const db = await make();
    const v = new Float32Array(DIM).fill(1);
    assert.equal(db.insert(v), 0n);
    assert.equal(db.insert(Array.from(v), 5), 5n);
    assert.equal(db.insert(v, 9n), 9n);
    assert.equal(db.insert(v), 10n);
    assert.equal(db.size, 4);
    db.dispose();
  });

  test('errors', async () => {
    const db = await make();
    const v = new Float32Array(DIM).fill(1);
    db.insert(v, 1);
    throwsWith(() => db.insert(v, 1n), 'DUPLICATE_ID', { message: /already in the index.*id 1/ });
    throwsWith(() => db.insert(v.subarray(1)), 'DIMENSION_MISMATCH');
    throwsWith(() => db.insert([...v, 1]), 'DIMENSION_MISMATCH');
    throwsWith(() => db.insert([NaN, 1, 1, 1, 1, 1, 1, 1]), 'INVALID_VECTOR');
    throwsWith(() => db.insert(/** @type {any} */ ('abcdefgh')), 'INVALID_ARGUMENT');
    throwsWith(() => db.insert(/** @type {any} */ ([1, 1, 1, 1, 1, 1, 1, '1'])), 'INVALID_ARGUMENT');
    throwsWith(() => db.insert(/** @type {any} */ (new Float64Array(DIM))), 'INVALID_ARGUMENT');
    throwsWith(() => db.insert(v, -1), 'INVALID_ID');
    throwsWith(() => db.insert(v, 0.5), 'INVALID_ID');
    throwsWith(() => db.insert(v, 2 ** 60), 'ID_NOT_SAFE_INTEGER');
    throwsWith(() => db.insert(v, /** @type {any} */ ('5')), 'INVALID_ARGUMENT');
    throwsWith(() => db.insert(v, /** @type {any} */ (null)), 'INVALID_ARGUMENT');
    assert.equal(db.size, 1);
    db.dispose();
  });

  test('a soft-deleted id can be inserted again with a new vector', async () => {
    const db = await make();
    db.insert(new Float32Array(DIM).fill(1), 3);
    assert.equal(db.softDelete(3), true);
    db.insert(new Float32Array(DIM).fill(2), 3);
    assert.ok(db.has(3));
    assert.deepEqual(db.get(3), new Float32Array(DIM).fill(2));
    assert.equal(db.size, 1);
    assert.equal(db.deletedCount, 1);
    const hits = db.search(new Float32Array(DIM).fill(1), 5);
    assert.deepEqual(hits.map((h) => h.id), [3n]);
    db.dispose();
  });
});

describe('search', () => {
  const data = clustered({ seed: 6, n: 200, dim: DIM });

  for (const metric of /** @type {const} */ (['l2', 'cosine', 'dot'])) {
    test(`results sorted nearest first with the core's distances (${metric})`, async () => {
      const db = await make({ metric, efSearch: 200 });
      await db.insertBatch(data);
      const queries = clustered({ seed: 60, n: 5, dim: DIM });
      for (const q of rowsOf(queries, DIM)) {
        const hits = db.search(q, 10);
        assert.equal(hits.length, 10);
        for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].distance <= hits[i].distance);
        for (const h of hits) {
          assert.deepEqual(Object.keys(h), ['id', 'distance']);
          assert.equal(typeof h.id, 'bigint');
          const want = distance(metric, data.subarray(Number(h.id) * DIM, Number(h.id + 1n) * DIM), q);
          assert.ok(Math.abs(h.distance - want) < 1e-4 * Math.max(1, Math.abs(want)),
            `distance ${h.distance} vs ${want}`);
        }
        // ef 200 over 200 vectors: exact.
        const exact = bruteForce(data, DIM, q, 10, metric);
        assert.deepEqual(hits.map((h) => Number(h.id)), exact);
      }
      db.dispose();
    });
  }

  test('query shapes, k above size, ef option', async () => {
    const db = await make();
    await db.insertBatch(data.subarray(0, 5 * DIM));
    const q = data.slice(0, DIM);
    assert.deepEqual(db.search(q, 3), db.search(Array.from(q), 3));
    assert.equal(db.search(q, 100).length, 5);
    assert.equal(db.search(q, 1, { ef: 1 })[0].id, 0n);
    assert.equal(db.search(q, 5, { ef: 65535 }).length, 5);
    assert.equal(db.search(q, 65535).length, 5);
    assert.equal(db.search(q, 2, {}).length, 2);
    db.dispose();
  });

  test('errors', async () => {
    const db = await make();
    await db.insertBatch(data.subarray(0, 5 * DIM));
    const q = data.slice(0, DIM);
    for (const k of /** @type {any[]} */ ([0, -1, 1.5, '3', 65536, NaN, undefined, 3n])) {
      throwsWith(() => db.search(q, k), 'INVALID_ARGUMENT', { message: /\bk\b/ });
    }
    for (const ef of /** @type {any[]} */ ([0, 65536, '8', 2.5])) {
      throwsWith(() => db.search(q, 3, { ef }), 'INVALID_ARGUMENT', { message: /\bef\b/ });
    }
    throwsWith(() => db.search(q, 3, /** @type {any} */ (7)), 'INVALID_ARGUMENT');
    throwsWith(() => db.search(q, 3, /** @type {any} */ ({ efSearch: 10 })), 'INVALID_ARGUMENT', { message: /efSearch/ });
    throwsWith(() => db.search(q.subarray(1), 3), 'DIMENSION_MISMATCH');
    throwsWith(() => db.search([...q, 0], 3), 'DIMENSION_MISMATCH');
    throwsWith(() => db.search(/** @type {any} */ ('x'), 3), 'INVALID_ARGUMENT');
    throwsWith(() => db.search(/** @type {any} */ (Array.from(q, String)), 3), 'INVALID_ARGUMENT');
    const nan = q.slice();
    nan[1] = NaN;
    throwsWith(() => db.search(nan, 3), 'INVALID_VECTOR');
    db.dispose();
    const cos = await make({ metric: 'cosine' });
    await cos.insertBatch(data.subarray(0, 5 * DIM));
    throwsWith(() => cos.search(new Float32Array(DIM), 3), 'INVALID_VECTOR', { message: /zero/ });
    cos.dispose();
  });
});

describe('softDelete, softDeleteBatch, compact, get, has', () => {
  const data = clustered({ seed: 8, n: 100, dim: DIM });

  test('softDelete: true once, then false; unknown ids false', async () => {
    const db = await make();
    await db.insertBatch(data);
    assert.equal(db.softDelete(5n), true);
    assert.equal(db.softDelete(5), false);
    assert.equal(db.softDelete(12345), false);
    assert.equal(db.has(5), false);
    assert.equal(db.get(5), undefined);
    assert.equal(db.size, 99);
    assert.equal(db.deletedCount, 1);
    assert.equal(db.tombstoneRatio, 0.01);
    const hits = db.search(data.subarray(5 * DIM, 6 * DIM), 10);
    assert.ok(!hits.some((h) => h.id === 5n), 'a deleted vector is never returned');
    throwsWith(() => db.softDelete(-2), 'INVALID_ID');
    throwsWith(() => db.softDelete(/** @type {any} */ ('5')), 'INVALID_ARGUMENT');
    throwsWith(() => db.softDelete(2 ** 53), 'ID_NOT_SAFE_INTEGER');
    db.dispose();
  });

  test('softDeleteBatch counts every case, from either id form', async () => {
    const db = await make();
    await db.insertBatch(data);
    db.softDelete(1);
    const r = db.softDeleteBatch([0, 1, 2, 2, 999, 3n]);
    assert.deepEqual(r, { deleted: 3, alreadyDeleted: 2, invalidIds: 1, total: 6 });
    const r2 = db.softDeleteBatch(new BigUint64Array([3n, 4n, 2n ** 63n]));
    assert.deepEqual(r2, { deleted: 1, alreadyDeleted: 1, invalidIds: 1, total: 3 });
    assert.deepEqual(db.softDeleteBatch([]), { deleted: 0, alreadyDeleted: 0, invalidIds: 0, total: 0 });
    assert.equal(db.size, 95);
    assert.equal(db.deletedCount, 5);
    db.dispose();
  });

  test('softDeleteBatch checks every id before deleting any', async () => {
    const db = await make();
    await db.insertBatch(data);
    throwsWith(() => db.softDeleteBatch([0, 1, -5, 3]), 'INVALID_ID', { index: 2 });
    throwsWith(() => db.softDeleteBatch([0, 1, 2 ** 53]), 'ID_NOT_SAFE_INTEGER', { index: 2 });
    throwsWith(() => db.softDeleteBatch(/** @type {any} */ ([0, 'x'])), 'INVALID_ARGUMENT', { index: 1 });
    throwsWith(() => db.softDeleteBatch(/** @type {any} */ ('0,1')), 'INVALID_ARGUMENT');
    throwsWith(() => db.softDeleteBatch(/** @type {any} */ (new Float64Array(2))), 'INVALID_ARGUMENT');
    throwsWith(() => db.softDeleteBatch([1], /** @type {any} */ ({ onProgress: 1 })), 'INVALID_ARGUMENT');
    throwsWith(() => db.softDeleteBatch([1], /** @type {any} */ ({ progress: () => {} })), 'INVALID_ARGUMENT');
    assert.equal(db.size, 100);
    assert.equal(db.deletedCount, 0);
    db.dispose();
  });

  test('softDeleteBatch progress: 0, every chunk of ~10%, total', async () => {
    const db = await make();
    await db.insertBatch(data);
    const calls = [];
    const r = db.softDeleteBatch(Array.from({ length: 95 }, (_, i) => i), {
      onProgress: (done, total) => calls.push([done, total]),
    });
    assert.equal(r.deleted, 95);
    assert.deepEqual(calls[0], [0, 95]);
    assert.deepEqual(calls.at(-1), [95, 95]);
    assert.equal(calls.length, 11);
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] > calls[i - 1][0]);
    const empty = [];
    db.softDeleteBatch([], { onProgress: (d, t) => empty.push([d, t]) });
    assert.deepEqual(empty, [[0, 0]]);
    db.dispose();
  });

  test('compact drops tombstones and keeps every live id and vector', async () => {
    const db = await make();
    await db.insertBatch(data, { ids: Array.from({ length: 100 }, (_, i) => 1000 + i) });
    db.softDeleteBatch(Array.from({ length: 50 }, (_, i) => 1000 + 2 * i));
    const before = db.memoryBytes;
    assert.equal(db.tombstoneRatio, 0.5);
    db.compact();
    assert.equal(db.size, 50);
    assert.equal(db.deletedCount, 0);
    assert.equal(db.tombstoneRatio, 0);
    assert.ok(db.memoryBytes < before, `memory ${db.memoryBytes} < ${before}`);
    for (let i = 0; i < 100; i++) {
      const id = 1000 + i;
      if (i % 2 === 0) {
        assert.equal(db.has(id), false);
      } else {
        assert.equal(db.has(BigInt(id)), true);
        assert.deepEqual(db.get(id), data.slice(i * DIM, (i + 1) * DIM));
      }
    }
    const hits = db.search(data.subarray(0, DIM), 50);
    assert.equal(hits.length, 50);
    assert.ok(hits.every((h) => h.id % 2n === 1n));
    db.compact(); // nothing to drop: fine
    assert.equal(db.size, 50);
    db.dispose();
  });

  test('get returns a copy (unit length under cosine); has; bad ids', async () => {
    const db = await make({ metric: 'cosine' });
    db.insert([3, 4, 0, 0, 0, 0, 0, 0], 1);
    const v = db.get(1n);
    assert.ok(v instanceof Float32Array);
    assert.deepEqual(Array.from(v), [0.6000000238418579, 0.800000011920929, 0, 0, 0, 0, 0, 0]);
    v[0] = 9;
    assert.equal(db.get(1)[0], 0.6000000238418579);
    assert.equal(db.get(2), undefined);
    assert.equal(db.has(1), true);
    assert.equal(db.has(2n), false);
    throwsWith(() => db.get(-1), 'INVALID_ID');
    throwsWith(() => db.has(/** @type {any} */ ({})), 'INVALID_ARGUMENT');
    throwsWith(() => db.has(2n ** 64n), 'INVALID_ID');
    db.dispose();
  });
});

describe('dispose', () => {
  test('every call after dispose throws DISPOSED; dispose twice is fine', async () => {
    const db = await make();
    db.insert(new Float32Array(DIM).fill(1));
    db.dispose();
    db.dispose();
    assert.equal(db.disposed, true);
    const v = new Float32Array(DIM);
    const calls = [
      () => db.insert(v),
      () => db.search(v, 1),
      () => db.softDelete(0),
      () => db.softDeleteBatch([0]),
      () => db.compact(),
      () => db.get(0),
      () => db.has(0),
      () => db.size,
      () => db.deletedCount,
      () => db.tombstoneRatio,
      () => db.dimensions,
      () => db.metric,
      () => db.idType,
      () => db.memoryBytes,
    ];
    for (const call of calls) throwsWith(call, 'DISPOSED');
    await rejectsWith(() => db.insertBatch([v]), 'DISPOSED');
  });

  test('Symbol.dispose frees the index', async () => {
    assert.equal(typeof Symbol.dispose, 'symbol');
    const db = await make();
    db[Symbol.dispose]();
    assert.equal(db.disposed, true);
    throwsWith(() => db.size, 'DISPOSED');
  });

  test('EdgeVecError is one class with a stable shape', () => {
    const e = new EdgeVecError('ABORTED', 'stopped', { inserted: 3 });
    assert.ok(e instanceof Error);
    assert.ok(e instanceof EdgeVecError);
    assert.equal(e.name, 'EdgeVecError');
    assert.equal(e.inserted, 3);
    // Errors built by the storage layer with the same name and a code count.
    const foreign = Object.assign(new Error('x'), { name: 'EdgeVecError', code: 'STORAGE' });
    assert.ok(foreign instanceof EdgeVecError);
    assert.ok(!(new Error('x') instanceof EdgeVecError));
  });
});
