// tests/node/edgevec.ids.test.js (js/edgevec.js) — ids(): every live id once,
// ascending, through evw_live_ids; deleted ids left out, a re-inserted id
// listed once, the same list after compact(), both id types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { throwsWith } from './helpers/assert-error.js';
import { clustered, mulberry32 } from './helpers/data.js';

test('ids(): empty, then ascending whatever the insert order, 64-bit ids exact', async () => {
  const db = await EdgeVec.create({ dimensions: 2 });
  const empty = db.ids();
  assert.ok(empty instanceof BigUint64Array);
  assert.equal(empty.length, 0);
  await db.insertBatch([[1, 2], [3, 4], [5, 6], [7, 8]], { ids: [9n, 2n ** 64n - 1n, 3n, 2n ** 53n + 1n] });
  assert.deepEqual(Array.from(db.ids()), [3n, 9n, 2n ** 53n + 1n, 2n ** 64n - 1n]);
  // A copy: changing it changes nothing in the index.
  const list = db.ids();
  list[0] = 77n;
  assert.equal(db.ids()[0], 3n);
  db.dispose();
  throwsWith(() => db.ids(), 'DISPOSED');
});

test('ids(): deleted ids are left out, a re-inserted id is listed once, compact keeps the list', async () => {
  const dim = 4;
  const n = 3000;
  const rand = mulberry32(7);
  const want = new Set();
  const ids = [];
  while (ids.length < n) {
    const id = BigInt(Math.floor(rand() * 2 ** 32)) * 65536n + BigInt(Math.floor(rand() * 65536));
    if (!want.has(id)) { want.add(id); ids.push(id); }
  }
  const db = await EdgeVec.create({ dimensions: dim, seed: 1 });
  await db.insertBatch(clustered({ seed: 3, n, dim }), { ids });
  const gone = ids.filter((_, i) => i % 3 === 0);
  db.softDeleteBatch(gone);
  for (const id of gone) want.delete(id);
  // Two deleted ids come back with new vectors (new slots, after the rest).
  db.insert([1, 1, 1, 1], gone[0]);
  db.insert([2, 2, 2, 2], gone[1]);
  want.add(gone[0]);
  want.add(gone[1]);
  const sorted = [...want].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual(Array.from(db.ids()), sorted);
  assert.equal(db.ids().length, db.size);
  db.compact();
  assert.deepEqual(Array.from(db.ids()), sorted);
  db.dispose();
});

test("ids(): idType 'number' returns a sorted number[]", async () => {
  const db = await EdgeVec.create({ dimensions: 2, idType: 'number' });
  assert.deepEqual(db.ids(), []);
  await db.insertBatch([[1, 2], [3, 4], [5, 6]], { ids: [100, 2, 2 ** 40] });
  await db.insertBatch([[7, 8]]);
  const got = db.ids();
  assert.ok(Array.isArray(got));
  // Numeric order, not the string order of Array.prototype.sort.
  assert.deepEqual(got, [2, 100, 2 ** 40, 2 ** 40 + 1]);
  db.dispose();
});
