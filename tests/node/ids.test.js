// tests/node/ids.test.js (js/ids.js) — 64-bit ids: values above 2^53
// round-trip as bigint through every method, idType 'number' returns numbers
// and refuses what it cannot return exactly, and the automatic sequence's end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { clustered, rowsOf } from './helpers/data.js';
import { rejectsWith, throwsWith } from './helpers/assert-error.js';

const DIM = 6;
const data = clustered({ seed: 21, n: 8, dim: DIM });
const rows = rowsOf(data, DIM);
const BIG = [
  2n ** 53n + 1n, // the first integer a double cannot hold
  2n ** 63n,
  2n ** 64n - 1n, // the largest u64
  2n ** 32n, // hi word 1, lo word 0
  2n ** 32n - 1n, // lo word all ones
  0n,
  12345678901234567890n,
  2n ** 53n,
];

test('ids above 2^53 round-trip exactly as bigint', async () => {
  const db = await EdgeVec.create({ dimensions: DIM, seed: 1, efSearch: 50 });
  const r = await db.insertBatch(data, { ids: new BigUint64Array(BIG) });
  assert.deepEqual([...r.ids], BIG);
  for (let i = 0; i < BIG.length; i++) {
    assert.ok(db.has(BIG[i]), `has ${BIG[i]}`);
    assert.deepEqual(db.get(BIG[i]), rows[i]);
    const [hit] = db.search(rows[i], 1);
    assert.equal(hit.id, BIG[i]);
    assert.equal(hit.distance, 0);
  }
  // Neighbours of a big id differ only in the low bit: no mix-up.
  assert.equal(db.has(2n ** 63n + 1n), false);
  assert.equal(db.has(2n ** 64n - 2n), false);
  assert.equal(db.softDelete(2n ** 64n - 1n), true);
  assert.equal(db.softDelete(2n ** 64n - 1n), false);
  assert.deepEqual(db.softDeleteBatch([2n ** 63n, 2n ** 53n + 1n, 2n ** 53n + 2n]),
    { deleted: 2, alreadyDeleted: 0, invalidIds: 1, total: 3 });
  db.insert(rows[0], 2n ** 64n - 1n); // a deleted id can come back
  assert.deepEqual(db.search(rows[0], 1)[0].id, 2n ** 64n - 1n);
  db.compact();
  assert.ok(db.has(2n ** 64n - 1n) && db.has(12345678901234567890n));
  assert.ok(!db.has(2n ** 63n));
  db.dispose();
});

test('after id 2^64 - 1 the automatic sequence has run out: CAPACITY', async () => {
  const db = await EdgeVec.create({ dimensions: DIM });
  db.insert(rows[0], 2n ** 64n - 1n);
  await rejectsWith(() => db.insertBatch(rows.slice(1, 3)), 'CAPACITY');
  throwsWith(() => db.insert(rows[1]), 'CAPACITY');
  // Explicit ids still work.
  await db.insertBatch(rows.slice(1, 3), { ids: [1, 2] });
  assert.equal(db.size, 3);
  db.dispose();
});

test("idType 'number': ids come back as numbers, up to 2^53 - 1", async () => {
  const db = await EdgeVec.create({ dimensions: DIM, idType: 'number', efSearch: 50 });
  assert.equal(db.idType, 'number');
  const r = await db.insertBatch(rows.slice(0, 3), { ids: [7, 2n ** 40n, Number.MAX_SAFE_INTEGER - 1] });
  assert.ok(Array.isArray(r.ids));
  assert.deepEqual(r.ids, [7, 2 ** 40, Number.MAX_SAFE_INTEGER - 1]);
  const [hit] = db.search(rows[2], 1);
  assert.equal(hit.id, Number.MAX_SAFE_INTEGER - 1);
  assert.equal(typeof hit.id, 'number');
  assert.equal(db.insert(rows[3]), Number.MAX_SAFE_INTEGER, 'the last safe assigned id');
  assert.ok(db.has(Number.MAX_SAFE_INTEGER));
  assert.deepEqual(db.get(2n ** 40n), rows[1]);

  // The next assigned id would not be exact as a number: refused before
  // anything is inserted.
  throwsWith(() => db.insert(rows[4]), 'ID_NOT_SAFE_INTEGER', { message: /assigned ids/ });
  await rejectsWith(() => db.insertBatch(rows.slice(4, 6)), 'ID_NOT_SAFE_INTEGER');
  assert.equal(db.size, 4);

  // Ids it could not return are refused on the way in, in every form.
  throwsWith(() => db.insert(rows[4], 2 ** 53), 'ID_NOT_SAFE_INTEGER');
  throwsWith(() => db.insert(rows[4], 2n ** 53n), 'ID_NOT_SAFE_INTEGER', { message: /idType 'number'/ });
  await rejectsWith(() => db.insertBatch(rows.slice(4, 6), { ids: new BigUint64Array([1n, 2n ** 60n]) }),
    'ID_NOT_SAFE_INTEGER', { index: 1 });
  throwsWith(() => db.softDeleteBatch(new BigUint64Array([1n, 2n ** 60n])), 'ID_NOT_SAFE_INTEGER', { index: 1 });
  throwsWith(() => db.has(2n ** 53n), 'ID_NOT_SAFE_INTEGER');
  assert.equal(db.size, 4);

  // Every other id path takes and gives numbers.
  assert.equal(db.softDelete(7), true);
  assert.deepEqual(db.softDeleteBatch([7, 2 ** 40, 5]), { deleted: 1, alreadyDeleted: 1, invalidIds: 1, total: 3 });
  db.compact();
  assert.deepEqual(db.search(rows[3], 2).map((h) => h.id).sort(), [Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER].sort());
  db.dispose();
});

test('number ids above 2^53 - 1 are refused even with bigint ids (they may not be what was meant)', async () => {
  const db = await EdgeVec.create({ dimensions: DIM });
  throwsWith(() => db.insert(rows[0], 2 ** 53), 'ID_NOT_SAFE_INTEGER', { message: /bigint/ });
  throwsWith(() => db.insert(rows[0], 1e300), 'ID_NOT_SAFE_INTEGER');
  throwsWith(() => db.insert(rows[0], Infinity), 'INVALID_ID');
  throwsWith(() => db.insert(rows[0], -0.5), 'INVALID_ID');
  assert.equal(db.insert(rows[0], -0), 0n, '-0 is the id 0');
  assert.equal(db.insert(rows[1], Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER));
  db.dispose();
});
