// tests/node/helpers/no-bigint-lite-child.js — run by lite-edgevec.test.js
// in a child process: removes BigUint64Array, BigInt64Array and (unless
// `--keep-bigint`) BigInt from the global scope *before* the lite entry is
// loaded, then drives it through its number[] paths. Prints one JSON line
// with what it saw; exits non-zero on the first failed check.
import assert from 'node:assert/strict';

const keepBigInt = process.argv.includes('--keep-bigint');
delete globalThis.BigUint64Array;
delete globalThis.BigInt64Array;
if (!keepBigInt) delete globalThis.BigInt;

const { EdgeVec, EdgeVecError } = await import('../../../js/lite/index.js');
const { clustered, rowsOf, bruteForce } = await import('./data.js');

const DIM = 10;
const N = 300;
const data = clustered({ seed: 15, n: N, dim: DIM });

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

const db = await EdgeVec.create({ dimensions: DIM, seed: 2 });
assert.equal(db.idType, 'number', 'number is the default without BigUint64Array');
await expectCode(() => EdgeVec.create({ dimensions: DIM, idType: 'bigint' }), 'INVALID_ARGUMENT');

const first = await db.insertBatch(data.subarray(0, 100 * DIM));
assert.ok(Array.isArray(first.ids));
assert.deepEqual(first.ids, Array.from({ length: 100 }, (_, i) => i));
const ids = Array.from({ length: 200 }, (_, i) => 1000 + 7 * i);
ids[3] = Number.MAX_SAFE_INTEGER;
const second = await db.insertBatch(rowsOf(data.subarray(100 * DIM), DIM), { ids });
assert.deepEqual(second.ids, ids);
// A bad id anywhere refuses the whole batch.
await expectCode(() => db.insertBatch(rowsOf(data.subarray(0, 3 * DIM), DIM), { ids: [5000, 5001, 2 ** 53] }), 'ID_NOT_SAFE_INTEGER');
assert.equal(db.size, N);

for (const query of rowsOf(clustered({ seed: 16, n: 5, dim: DIM }), DIM)) {
  const want = bruteForce(data, DIM, query, 5).map((i) => (i < 100 ? i : ids[i - 100]));
  const got = db.search(query, 5, { ef: 400 }).map((h) => h.id);
  assert.deepEqual(got, want);
}
assert.equal(db.search(data.subarray(103 * DIM, 104 * DIM), 1)[0].id, Number.MAX_SAFE_INTEGER);
assert.deepEqual(db.softDeleteBatch([0, 0, Number.MAX_SAFE_INTEGER, 99999]),
  { deleted: 2, alreadyDeleted: 1, invalidIds: 1, total: 4 });
assert.equal(db.has(Number.MAX_SAFE_INTEGER), false);
assert.deepEqual(db.ids().slice(0, 2), [1, 2]);
db.compact();
assert.equal(db.size, N - 2);
db.dispose();

console.log(JSON.stringify({ ok: true, bigUint64Array: typeof globalThis.BigUint64Array, bigint: typeof globalThis.BigInt }));
