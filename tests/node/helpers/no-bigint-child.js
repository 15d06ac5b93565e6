// tests/node/helpers/no-bigint-child.js — run by ids.no-bigint.test.js in a
// child process: removes BigUint64Array, BigInt64Array and (unless
// `--keep-bigint`) BigInt from the global scope *before* the package is
// loaded, then drives the whole API through its number[] paths. Prints one
// JSON line with what it saw; exits non-zero on the first failed check.
import assert from 'node:assert/strict';

const keepBigInt = process.argv.includes('--keep-bigint');
delete globalThis.BigUint64Array;
delete globalThis.BigInt64Array;
if (!keepBigInt) delete globalThis.BigInt;
assert.equal(typeof globalThis.BigUint64Array, 'undefined');

const { EdgeVec, EdgeVecError } = await import('../../../js/index.js');
const { MemoryStorage } = await import('../../../js/storage/index.js');
const { clustered, rowsOf, arraysOf, bruteForce } = await import('./data.js');

const DIM = 12;
const N = 400;
const data = clustered({ seed: 5, n: N, dim: DIM });

/** @param {() => unknown} fn @param {string} code */
async function expectCode(fn, code) {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof EdgeVecError, String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

const db = await EdgeVec.create({ dimensions: DIM, seed: 9, efSearch: 100 });
assert.equal(db.idType, 'number', 'number is the default without BigUint64Array');
await expectCode(() => EdgeVec.create({ dimensions: DIM, idType: 'bigint' }), 'INVALID_ARGUMENT');

// insertBatch: assigned ids come back as number[]; progress; abort.
const progress = [];
const first = await db.insertBatch(data.subarray(0, 200 * DIM), { onProgress: (d, t) => progress.push([d, t]) });
assert.ok(Array.isArray(first.ids));
assert.deepEqual(first.ids, Array.from({ length: 200 }, (_, i) => i));
assert.deepEqual(progress[0], [0, 200]);
assert.deepEqual(progress.at(-1), [200, 200]);

// Abort part-way: the vectors inserted before it stay (and are removed here).
const controller = new AbortController();
const abortIds = Array.from({ length: 2000 }, (_, i) => 100000 + i);
const aborted = await expectCode(() => db.insertBatch(arraysOf(clustered({ seed: 6, n: 2000, dim: DIM }), DIM), {
  ids: abortIds,
  signal: controller.signal,
  onProgress: (done) => { if (done > 0) controller.abort(); },
}), 'ABORTED');
assert.ok(aborted.inserted > 0 && aborted.inserted < 2000);
assert.equal(db.size, 200 + aborted.inserted);
assert.equal(db.softDeleteBatch(abortIds.slice(0, aborted.inserted)).deleted, aborted.inserted);
assert.equal(db.size, 200);

const ids = Array.from({ length: 200 }, (_, i) => 1000 + 3 * i);
ids[7] = Number.MAX_SAFE_INTEGER;
const second = await db.insertBatch(rowsOf(data.subarray(200 * DIM), DIM), { ids });
assert.deepEqual(second.ids, ids);
assert.equal(db.size, N);

// search with ef above the live count is exact: compare with brute force.
const q = clustered({ seed: 7, n: 5, dim: DIM });
for (const query of rowsOf(q, DIM)) {
  const want = bruteForce(data, DIM, query, 5).map((i) => (i < 200 ? i : ids[i - 200]));
  const got = db.search(query, 5, { ef: 1000 }).map((h) => h.id);
  assert.deepEqual(got, want);
}

// insert, search, get, has with numbers.
const id = db.insert(data.subarray(0, DIM), 5_000_000);
assert.equal(id, 5_000_000);
const hits = db.search(data.subarray(0, DIM), 3);
assert.equal(typeof hits[0].id, 'number');
assert.ok(hits.some((h) => h.id === 0) && hits.some((h) => h.id === 5_000_000));
assert.equal(db.search(data.subarray(207 * DIM, 208 * DIM), 1)[0].id, Number.MAX_SAFE_INTEGER);
assert.deepEqual(db.get(Number.MAX_SAFE_INTEGER), data.slice(207 * DIM, 208 * DIM));
assert.equal(db.has(1003), true);
assert.equal(db.has(1004), false);

// softDelete / softDeleteBatch with number ids; errors of the number path.
assert.equal(db.softDelete(1003), true);
assert.equal(db.softDelete(1003), false);
const r = db.softDeleteBatch([0, 1, 1, 1003, 987654]);
assert.deepEqual(r, { deleted: 2, alreadyDeleted: 2, invalidIds: 1, total: 5 });
await expectCode(() => db.insert(data.subarray(0, DIM), 2 ** 53), 'ID_NOT_SAFE_INTEGER');
await expectCode(() => db.softDeleteBatch([1, -1]), 'INVALID_ID');
await expectCode(() => db.insertBatch(data.subarray(0, DIM), { ids: [5_000_000] }), 'DUPLICATE_ID');
// The next assigned id is past 2^53 - 1 (MAX_SAFE_INTEGER is in the index).
await expectCode(() => db.insertBatch(data.subarray(0, DIM)), 'ID_NOT_SAFE_INTEGER');

// compact keeps every live id.
const liveBefore = db.size;
db.compact();
assert.equal(db.size, liveBefore);
assert.equal(db.deletedCount, 0);
assert.equal(db.has(Number.MAX_SAFE_INTEGER), true);
assert.equal(db.has(1003), false);

db.dispose();
await expectCode(() => db.search(data.subarray(0, DIM), 1), 'DISPOSED');

// Persistence on the number path: sequence numbers and ids as numbers.
const storage = new MemoryStorage();
const saved = await EdgeVec.open('fallback', { storage, dimensions: DIM });
assert.equal(saved.idType, 'number');
await saved.insertBatch(data.subarray(0, 50 * DIM), { ids: Array.from({ length: 50 }, (_, i) => 2 ** 52 + i) });
await saved.flush();
saved.softDeleteBatch([2 ** 52, 2 ** 52 + 1]);
await saved.checkpoint();
saved.insert(data.subarray(60 * DIM, 61 * DIM), 77);
await saved.close();
const loaded = await EdgeVec.open('fallback', { storage });
assert.equal(loaded.size, 49);
assert.equal(loaded.has(2 ** 52), false);
assert.equal(loaded.has(2 ** 52 + 49), true);
assert.equal(loaded.search(data.subarray(60 * DIM, 61 * DIM), 1)[0].id, 77);
await loaded.close();

console.log(JSON.stringify({
  ok: true,
  bigint: typeof globalThis.BigInt,
  bigUint64Array: typeof globalThis.BigUint64Array,
  idType: 'number',
  abortedAfter: aborted.inserted,
}));
