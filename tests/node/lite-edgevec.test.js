// tests/node/lite-edgevec.test.js (js/lite/edgevec.js) — the lite entry's
// EdgeVec against the full one: the same seeded data and seed give the same
// answers, byte for byte (ids and float32 distances), for every metric and
// quantization, after deletes, compaction and graph order too, the order
// insertBatch applies by itself included (the full
// class on one thread, `threads: 1`: in Node it loads the build with
// threads); the id forms (bigint, number[], BigUint64Array); and every
// error code the lite class can throw, each with nothing changed:
// INVALID_ARGUMENT (bad arguments, and what the lite entry leaves out),
// DIMENSION_MISMATCH, EMPTY_BATCH, INVALID_VECTOR, DUPLICATE_ID, INVALID_ID,
// ID_NOT_SAFE_INTEGER, CAPACITY, ABORTED, DISPOSED, OUT_OF_MEMORY and
// WASM_LOAD. (NOT_FOUND is never thrown: get and softDelete answer
// undefined and false; INTERNAL needs a status the core does not have.)
// The environment without BigUint64Array: ./helpers/no-bigint-lite-child.js.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { EdgeVec } from '../../js/lite/index.js';
import * as liteEntry from '../../js/lite/index.js';
import { EdgeVec as FullEdgeVec, EdgeVecError } from '../../js/index.js';
import { loadLiteWasm } from '../../js/lite/loader.js';
import { EV_ORDER_MIN_SLOTS } from '../../js/wasm/abi.js';
import { clustered, rowsOf, arraysOf } from './helpers/data.js';
import { rejectsWith, throwsWith } from './helpers/assert-error.js';

const DIM = 24;
const N = 1200;
const data = clustered({ seed: 41, n: N, dim: DIM });
const queries = clustered({ seed: 42, n: 40, dim: DIM });
const rows = rowsOf(data, DIM);

/** Every answer of an index as [id, distance bits] pairs, per query and ef. */
function answers(db) {
  const bits = new Uint32Array(1);
  const f32 = new Float32Array(bits.buffer);
  const out = [];
  for (const ef of [undefined, 16, 200]) {
    for (const q of rowsOf(queries, DIM)) {
      const hits = ef === undefined ? db.search(q, 10) : db.search(q, 10, { ef });
      out.push(hits.map((h) => {
        f32[0] = h.distance;
        assert.equal(f32[0], h.distance, 'a distance is a float32 value');
        return [String(h.id), bits[0]];
      }));
    }
  }
  out.push(db.searchBatch(queries, 7).map((r) => r.map((h) => [String(h.id), h.distance])));
  return out;
}

/**
 * Builds the same index in both entries with the same calls, and runs
 * `then` on both.
 * @param {object} options  create options both take
 * @param {(db: any) => Promise<void> | void} [then]
 */
async function pair(options, then) {
  const lite = await EdgeVec.create({ dimensions: DIM, seed: 7, ...options });
  const full = await FullEdgeVec.create({ dimensions: DIM, seed: 7, threads: 1, ...options });
  for (const db of [lite, full]) {
    await db.insertBatch(data.subarray(0, 1000 * DIM));
    for (let i = 1000; i < N; i++) db.insert(rows[i]);
    if (then) await then(db);
  }
  return { lite, full };
}

describe('the same answers as the full entry', () => {
  for (const metric of ['l2', 'cosine', 'dot']) {
    test(`${metric}: ids and distances, byte for byte`, async () => {
      const { lite, full } = await pair({ metric, m: 12, efConstruction: 80 });
      assert.equal(lite.metric, metric);
      assert.deepEqual(answers(lite), answers(full));
      assert.deepEqual(lite.get(17n), full.get(17n));
      assert.deepEqual(lite.ids(), full.ids());
      assert.equal(lite.memoryBytes, full.memoryBytes);
      lite.dispose();
      full.dispose();
    });
  }

  for (const quantization of ['sq8', 'binary']) {
    test(`quantization ${quantization} (cosine, with kept floats and re-ranking)`, async () => {
      const { lite, full } = await pair({ metric: 'cosine', quantization, keepFloats: true, rerank: 20 });
      assert.equal(lite.quantization, quantization);
      assert.deepEqual(answers(lite), answers(full));
      lite.dispose();
      full.dispose();
    });
  }

  test('after deletes, compact() and optimize(): still the same', async () => {
    const drop = Array.from({ length: 300 }, (_, i) => 3 * i + 1);
    const { lite, full } = await pair({ metric: 'l2' }, async (db) => {
      assert.deepEqual(db.softDeleteBatch(drop), { deleted: 300, alreadyDeleted: 0, invalidIds: 0, total: 300 });
      assert.equal(db.softDelete(2n), true);
      assert.equal(db.softDelete(2n), false);
    });
    assert.deepEqual(answers(lite), answers(full));
    assert.equal(lite.deletedCount, 301);
    assert.equal(lite.tombstoneRatio, full.tombstoneRatio);
    lite.compact();
    full.compact();
    assert.equal(lite.deletedCount, 0);
    assert.equal(lite.size, N - 301);
    assert.deepEqual(answers(lite), answers(full));
    await lite.optimize();
    await full.optimize();
    assert.deepEqual(answers(lite), answers(full));
    assert.equal(lite.has(1n), false);
    assert.deepEqual(lite.get(3n), rows[3]);
    lite.dispose();
    full.dispose();
  });
});

test('autoOptimize: an insertBatch that makes the order due applies it, as the full entry does; false leaves it to optimize()', async () => {
  const dim = 4;
  const bulk = clustered({ seed: 43, n: EV_ORDER_MIN_SLOTS, dim });
  const options = { dimensions: dim, m: 8, efConstruction: 32, seed: 5, idType: /** @type {const} */ ('number') };
  // ids() lists ids in id order, so the order is seen in the calls the
  // class makes on its module (the one loadLiteWasm caches).
  const wasm = await loadLiteWasm();
  const reorder = wasm._evw_reorder;
  /** @type {number[]} */
  const ordered = [];
  wasm._evw_reorder = (handle) => { ordered.push(handle); return reorder(handle); };
  try {
    const auto = await EdgeVec.create(options);
    const manual = await EdgeVec.create({ ...options, autoOptimize: false });
    const full = await FullEdgeVec.create({ ...options, threads: 1 });
    await auto.insertBatch(bulk.subarray(0, (EV_ORDER_MIN_SLOTS - 1) * dim));
    assert.equal(ordered.length, 0, 'not due below the minimum');
    await auto.insertBatch(bulk.subarray((EV_ORDER_MIN_SLOTS - 1) * dim));
    assert.equal(ordered.length, 1, 'due at the minimum');
    assert.equal(wasm._evw_order_due(ordered[0]), 0, 'and ordered');
    await manual.insertBatch(bulk);
    assert.equal(ordered.length, 1, 'autoOptimize: false');
    await full.insertBatch(bulk);
    const queries4 = rowsOf(clustered({ seed: 44, n: 20, dim }), dim);
    for (const q of queries4) assert.deepEqual(auto.search(q, 10), full.search(q, 10));
    await manual.optimize();
    assert.equal(ordered.length, 2);
    for (const q of queries4) assert.deepEqual(manual.search(q, 10), auto.search(q, 10));
    for (const db of [auto, manual, full]) db.dispose();
  } finally {
    wasm._evw_reorder = reorder;
  }
  await rejectsWith(() => EdgeVec.create(/** @type {any} */ ({ dimensions: 4, autoOptimize: 'yes' })), 'INVALID_ARGUMENT',
    { message: /autoOptimize must be a boolean/ });
});

describe('ids', () => {
  test('BigUint64Array, bigint[] and number[] ids; idType number returns number[]', async () => {
    const db = await EdgeVec.create({ dimensions: DIM, seed: 1 });
    const big = await db.insertBatch(rows.slice(0, 3), { ids: new BigUint64Array([5n, 2n ** 64n - 2n, 9n]) });
    assert.ok(big.ids instanceof BigUint64Array);
    assert.deepEqual([...big.ids], [5n, 2n ** 64n - 2n, 9n]);
    const mixed = await db.insertBatch(rows.slice(3, 5), { ids: [11, 12n] });
    assert.deepEqual([...mixed.ids], [11n, 12n]);
    assert.equal(db.search(rows[1], 1)[0].id, 2n ** 64n - 2n);
    db.dispose();

    const num = await EdgeVec.create({ dimensions: DIM, seed: 1, idType: 'number' });
    assert.equal(num.idType, 'number');
    const r = await num.insertBatch(arraysOf(data.subarray(0, 4 * DIM), DIM), { ids: [3, 1, Number.MAX_SAFE_INTEGER, 2n] });
    assert.ok(Array.isArray(r.ids));
    assert.deepEqual(r.ids, [3, 1, Number.MAX_SAFE_INTEGER, 2]);
    const [hit] = num.search(rows[2], 1);
    assert.equal(hit.id, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(num.ids(), [1, 2, 3, Number.MAX_SAFE_INTEGER]);
    assert.deepEqual(num.softDeleteBatch([1, 1, 77]), { deleted: 1, alreadyDeleted: 1, invalidIds: 1, total: 3 });
    num.dispose();
  });

  test('without BigUint64Array (and without BigInt): number[] everywhere', async () => {
    const child = fileURLToPath(new URL('./helpers/no-bigint-lite-child.js', import.meta.url));
    for (const args of [[], ['--keep-bigint']]) {
      const { code, stdout, stderr } = await new Promise((resolve) => {
        execFile(process.execPath, [child, ...args], { timeout: 60000 }, (error, out, err) => {
          resolve({ code: error ? error.code ?? 1 : 0, stdout: out, stderr: err });
        });
      });
      assert.equal(code, 0, stderr);
      const seen = JSON.parse(stdout.trim().split('\n').at(-1));
      assert.deepEqual(seen, { ok: true, bigUint64Array: 'undefined', bigint: args.length ? 'function' : 'undefined' });
    }
  });
});

describe('errors: each code, nothing changed', () => {
  /** An index of 10 vectors with ids 0..9. */
  async function ten(options = {}) {
    const db = await EdgeVec.create({ dimensions: DIM, seed: 3, ...options });
    await db.insertBatch(data.subarray(0, 10 * DIM));
    return db;
  }

  test('INVALID_ARGUMENT: bad arguments, as the full entry refuses them', async () => {
    await rejectsWith(() => EdgeVec.create(/** @type {any} */ (undefined)), 'INVALID_ARGUMENT', { message: /needs options/ });
    await rejectsWith(() => EdgeVec.create(/** @type {any} */ ({ dimensions: 0 })), 'INVALID_ARGUMENT', { message: /dimensions/ });
    await rejectsWith(() => EdgeVec.create(/** @type {any} */ ({ dimensions: 4, metric: 'hamming' })), 'INVALID_ARGUMENT', { message: /metric/ });
    await rejectsWith(() => EdgeVec.create(/** @type {any} */ ({ dimensions: 4, dims: 4 })), 'INVALID_ARGUMENT', { message: /unknown option 'dims'/ });
    await rejectsWith(() => EdgeVec.create(/** @type {any} */ ({ dimensions: 4, keepFloats: true })), 'INVALID_ARGUMENT', { message: /keepFloats/ });
    throwsWith(() => new /** @type {any} */ (EdgeVec)(), 'INVALID_ARGUMENT', { message: /EdgeVec\.create/ });
    const db = await ten();
    await rejectsWith(() => db.insertBatch(/** @type {any} */ ('x')), 'INVALID_ARGUMENT');
    await rejectsWith(() => db.insertBatch(rows.slice(0, 2), { ids: [100] }), 'INVALID_ARGUMENT', { message: /ids has 1 entries/ });
    await rejectsWith(() => db.insertBatch(rows.slice(0, 1), /** @type {any} */ ({ onProgress: 1 })), 'INVALID_ARGUMENT');
    await rejectsWith(() => db.insertBatch(rows.slice(0, 1), /** @type {any} */ ({ signal: {} })), 'INVALID_ARGUMENT');
    await rejectsWith(() => db.insertBatch([['a', ...rows[0].slice(1)]], { ids: [100] }), 'INVALID_ARGUMENT', { index: 0 });
    throwsWith(() => db.search(rows[0], 0), 'INVALID_ARGUMENT', { message: /k/ });
    throwsWith(() => db.search(rows[0], 1, { ef: 0 }), 'INVALID_ARGUMENT', { message: /ef/ });
    throwsWith(() => db.search(/** @type {any} */ ('q'), 1), 'INVALID_ARGUMENT');
    throwsWith(() => db.softDeleteBatch(/** @type {any} */ ('x')), 'INVALID_ARGUMENT');
    throwsWith(() => db.softDeleteBatch([1], /** @type {any} */ ({ onProgress: 'no' })), 'INVALID_ARGUMENT');
    assert.equal(db.size, 10);
    db.dispose();
  });

  test('INVALID_ARGUMENT: what the lite entry leaves out is refused, naming the full entry', async () => {
    for (const option of [{ autoCompact: false }, { threads: 1 }, { worker: true }, { worker: false }]) {
      await rejectsWith(() => EdgeVec.create(/** @type {any} */ ({ dimensions: 4, ...option })), 'INVALID_ARGUMENT',
        { message: new RegExp(`'${Object.keys(option)[0]}' is not in edgevec-c/lite; import EdgeVec from 'edgevec-c'`) });
    }
    const db = await ten();
    await rejectsWith(() => db.insertBatch(rows.slice(10, 11), /** @type {any} */ ({ metadata: [{ a: 1 }] })), 'INVALID_ARGUMENT',
      { message: /'metadata' is not in edgevec-c\/lite/ });
    throwsWith(() => db.insert(rows[10], 10n, /** @type {any} */ ({ a: 1 })), 'INVALID_ARGUMENT',
      { message: /metadata is not in edgevec-c\/lite/ });
    throwsWith(() => db.search(rows[0], 1, /** @type {any} */ ({ filter: { a: 1 } })), 'INVALID_ARGUMENT', { message: /'filter'/ });
    throwsWith(() => db.search(rows[0], 1, /** @type {any} */ ({ includeMetadata: true })), 'INVALID_ARGUMENT', { message: /'includeMetadata'/ });
    throwsWith(() => db.searchBatch(queries, 1, /** @type {any} */ ({ filter: 'a = 1' })), 'INVALID_ARGUMENT', { message: /'filter'/ });
    assert.equal(db.size, 10);
    // null and undefined metadata are "none", as in the full entry.
    assert.equal(db.insert(rows[10], 10n, /** @type {any} */ (null)), 10n);
    // Nothing of the full entry's other API is there.
    for (const name of ['open', 'load', 'list', 'remove', 'parseFilter']) assert.equal(name in EdgeVec, false, name);
    for (const name of ['setMetadata', 'getMetadata', 'count', 'compactInBackground', 'compacting', 'threads',
      'flush', 'checkpoint', 'close', 'export', 'refresh', 'becomeWriter', 'openReport']) {
      assert.equal(name in db, false, name);
    }
    assert.deepEqual(Object.keys(liteEntry).sort(), ['EdgeVec', 'EdgeVecError']);
    db.dispose();
  });

  test('DIMENSION_MISMATCH and EMPTY_BATCH', async () => {
    const db = await ten();
    throwsWith(() => db.insert(rows[0].subarray(1)), 'DIMENSION_MISMATCH');
    throwsWith(() => db.search([1, 2, 3], 1), 'DIMENSION_MISMATCH');
    throwsWith(() => db.searchBatch([rows[0], rows[1].subarray(2)], 1), 'DIMENSION_MISMATCH', { index: 1 });
    await rejectsWith(() => db.insertBatch([rows[10], rows[11].subarray(1)]), 'DIMENSION_MISMATCH', { index: 1 });
    await rejectsWith(() => db.insertBatch(new Float32Array(DIM + 1)), 'DIMENSION_MISMATCH', { index: 1 });
    await rejectsWith(() => db.insertBatch([]), 'EMPTY_BATCH');
    await rejectsWith(() => db.insertBatch(new Float32Array(0)), 'EMPTY_BATCH');
    assert.equal(db.size, 10);
    db.dispose();
  });

  test('INVALID_VECTOR: NaN, infinity, a zero vector under cosine', async () => {
    const db = await ten({ metric: 'cosine' });
    const bad = rows.slice(10, 14).map((r) => r.slice());
    bad[2][5] = NaN;
    await rejectsWith(() => db.insertBatch(bad), 'INVALID_VECTOR', { index: 2 });
    bad[2][5] = Infinity;
    await rejectsWith(() => db.insertBatch(bad), 'INVALID_VECTOR', { index: 2 });
    throwsWith(() => db.insert(new Float32Array(DIM)), 'INVALID_VECTOR');
    throwsWith(() => db.search(new Float32Array(DIM).fill(NaN), 1), 'INVALID_VECTOR');
    assert.equal(db.size, 10);
    db.dispose();
  });

  test('DUPLICATE_ID in the batch and against the index; INVALID_ID; ID_NOT_SAFE_INTEGER', async () => {
    const db = await ten();
    await rejectsWith(() => db.insertBatch(rows.slice(10, 13), { ids: [100, 101, 100] }), 'DUPLICATE_ID', { index: 2 });
    await rejectsWith(() => db.insertBatch(rows.slice(10, 13), { ids: [100, 3, 102] }), 'DUPLICATE_ID',
      { index: 1, message: /ids\[1\] = 3/ });
    throwsWith(() => db.insert(rows[10], 4), 'DUPLICATE_ID');
    await rejectsWith(() => db.insertBatch(rows.slice(10, 12), { ids: [100, -1] }), 'INVALID_ID', { index: 1 });
    await rejectsWith(() => db.insertBatch(rows.slice(10, 12), { ids: [1.5, 101] }), 'INVALID_ID', { index: 0 });
    throwsWith(() => db.insert(rows[10], 2n ** 64n), 'INVALID_ID');
    throwsWith(() => db.has(-3), 'INVALID_ID');
    await rejectsWith(() => db.insertBatch(rows.slice(10, 12), { ids: [100, 2 ** 53] }), 'ID_NOT_SAFE_INTEGER', { index: 1 });
    throwsWith(() => db.softDelete(2 ** 60), 'ID_NOT_SAFE_INTEGER');
    assert.equal(db.size, 10);
    db.dispose();

    const num = await EdgeVec.create({ dimensions: DIM, idType: 'number' });
    num.insert(rows[0], Number.MAX_SAFE_INTEGER);
    throwsWith(() => num.insert(rows[1]), 'ID_NOT_SAFE_INTEGER', { message: /assigned ids/ });
    await rejectsWith(() => num.insertBatch(rows.slice(1, 3)), 'ID_NOT_SAFE_INTEGER');
    throwsWith(() => num.insert(rows[1], 2n ** 60n), 'ID_NOT_SAFE_INTEGER');
    assert.equal(num.size, 1);
    num.dispose();
  });

  test('CAPACITY: the automatic id sequence ran out after 2^64 - 1', async () => {
    const db = await EdgeVec.create({ dimensions: DIM });
    db.insert(rows[0], 2n ** 64n - 1n);
    await rejectsWith(() => db.insertBatch(rows.slice(1, 3)), 'CAPACITY');
    throwsWith(() => db.insert(rows[1]), 'CAPACITY');
    assert.equal(db.size, 1);
    db.dispose();
  });

  test('ABORTED: before the batch and part-way (the chunks before stay)', async () => {
    const db = await ten();
    const before = new AbortController();
    before.abort();
    await rejectsWith(() => db.insertBatch(rows.slice(10, 12), { signal: before.signal }), 'ABORTED', { inserted: 0 });
    const during = new AbortController();
    const err = await rejectsWith(() => db.insertBatch(data.subarray(10 * DIM), {
      signal: during.signal, onProgress: (done) => { if (done > 0) during.abort(); },
    }), 'ABORTED');
    assert.ok(err.inserted > 0 && err.inserted < N - 10, String(err.inserted));
    assert.equal(db.size, 10 + err.inserted);
    db.dispose();
  });

  test('DISPOSED: every call after dispose(); a batch in flight stops', async () => {
    const db = await ten();
    const flight = db.insertBatch(data.subarray(10 * DIM), { onProgress: (done) => { if (done > 0) db.dispose(); } });
    const err = await rejectsWith(() => flight, 'DISPOSED');
    assert.ok(err.inserted > 0);
    assert.equal(db.disposed, true);
    db.dispose();
    await rejectsWith(() => db.insertBatch(rows.slice(0, 1)), 'DISPOSED');
    await rejectsWith(() => db.optimize(), 'DISPOSED');
    for (const call of [() => db.insert(rows[0]), () => db.search(rows[0], 1), () => db.searchBatch(queries, 1),
      () => db.softDelete(1n), () => db.softDeleteBatch([1n]), () => db.compact(), () => db.get(1n), () => db.has(1n),
      () => db.ids(), () => db.size, () => db.deletedCount, () => db.tombstoneRatio, () => db.dimensions,
      () => db.metric, () => db.idType, () => db.quantization, () => db.memoryBytes]) {
      throwsWith(call, 'DISPOSED');
    }
    const sym = await EdgeVec.create({ dimensions: 2 });
    sym[Symbol.dispose]();
    assert.equal(sym.disposed, true);
  });

  test('OUT_OF_MEMORY when the wasm heap cannot give the memory a call needs', async (t) => {
    const db = await ten();
    const wasm = await loadLiteWasm();
    t.mock.method(wasm, '_malloc', () => 0);
    throwsWith(() => db.search(rows[0], 3), 'OUT_OF_MEMORY');
    await rejectsWith(() => db.insertBatch(rows.slice(10, 12)), 'OUT_OF_MEMORY');
    throwsWith(() => db.insert(rows[10]), 'OUT_OF_MEMORY');
    throwsWith(() => db.softDeleteBatch([1n]), 'OUT_OF_MEMORY');
    t.mock.restoreAll();
    assert.equal(db.size, 10);
    assert.equal(db.search(rows[4], 1)[0].id, 4n);
    db.dispose();
  });

  test('WASM_LOAD: bytes that are no module, a file that is not there', async (t) => {
    // The Emscripten glue reports a failed load on console.warn as well.
    const silence = t.mock.method(console, 'warn', () => {});
    await rejectsWith(() => EdgeVec.create({ dimensions: 2, wasmBinary: new Uint8Array([0, 97, 115, 109, 9, 9]) }),
      'WASM_LOAD', { message: /wasmBinary/ });
    await rejectsWith(() => EdgeVec.create({ dimensions: 2, locateFile: () => 'http://127.0.0.1:9/missing-lite.wasm' }),
      'WASM_LOAD', { message: /missing-lite\.wasm/ });
    silence.mock.restore();
  });
});

test('wasmBinary and locateFile name the lite module; EdgeVecError is the package one', async () => {
  const bytes = new Uint8Array(await readFile(new URL('../../dist/edgevec-lite.wasm', import.meta.url)));
  const db = await EdgeVec.create({ dimensions: 3, wasmBinary: bytes });
  await db.insertBatch([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(db.search([0, 0.9, 0.1], 1).map((r) => r.id), [1n]);
  db.dispose();
  /** @type {string[]} */
  const asked = [];
  await rejectsWith(() => EdgeVec.create({ dimensions: 3, locateFile: (p) => { asked.push(p); return 'http://127.0.0.1:9/x.wasm'; } }),
    'WASM_LOAD');
  assert.equal(asked[0], 'edgevec-lite.wasm');
  assert.equal(liteEntry.EdgeVecError, EdgeVecError);
});
