// tests/node/persistence-storage.test.js (js/persistence/storage.js) —
// EdgeVec.open over IndexedDbStorage, the browser default, in Node through
// fake-indexeddb (installed as the globals a browser has, so that the
// default-storage path is the one tested). The real IndexedDB is exercised by
// the browser suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { EdgeVec } from '../../js/index.js';
import { IndexedDbStorage } from '../../js/storage/index.js';
import { clustered } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

globalThis.indexedDB = new IDBFactory();
globalThis.IDBKeyRange = IDBKeyRange;

const DIM = 16;
const data = clustered({ seed: 51, n: 400, dim: DIM });

test('the default storage is IndexedDB: create, flush, checkpoint, reopen, list, remove', async () => {
  const db = await EdgeVec.open('browser-db', { dimensions: DIM, seed: 3 });
  await db.insertBatch(data.subarray(0, 300 * DIM));
  await db.flush();
  db.softDeleteBatch([5, 6, 7]);
  await db.checkpoint();
  await db.insertBatch(data.subarray(300 * DIM), { ids: Array.from({ length: 100 }, (_, i) => 10000 + i) });
  const q = data.subarray(42 * DIM, 43 * DIM);
  const before = db.search(q, 10);
  await db.close();

  assert.deepEqual(await EdgeVec.list(), ['browser-db']);
  const again = await EdgeVec.open('browser-db');
  assert.equal(again.size, 397);
  assert.equal(again.deletedCount, 3);
  assert.deepEqual(again.search(q, 10), before);
  await rejectsWith(() => EdgeVec.open('browser-db'), 'LOCKED');
  await again.close();

  const relaxed = await EdgeVec.open('browser-db', { storage: new IndexedDbStorage({ durability: 'relaxed' }) });
  assert.equal(relaxed.size, 397);
  await relaxed.close();
  await EdgeVec.remove('browser-db');
  assert.deepEqual(await EdgeVec.list(), []);
});
