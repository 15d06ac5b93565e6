// tests/node/edgevec.metadata.test.js (js/edgevec.js, js/wasm/metadata.js,
// js/metadata/) — metadata through the API against the real wasm module:
// insert, insertBatch, setMetadata, getMetadata; all-or-nothing batches;
// errors naming the record, id, field and reason; read-only and disposed
// instances; metadata surviving soft delete of others, re-insert, compact,
// a reopen after flush, after checkpoint, and the replay of a log after a
// crash (no close, no checkpoint).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { clustered, rowsOf, mulberry32 } from './helpers/data.js';
import { rejectsWith, throwsWith } from './helpers/assert-error.js';

const DIM = 4;
const rows = rowsOf(clustered({ seed: 5, n: 300, dim: DIM }), DIM);

/** Seeded metadata of every type. @param {number} i */
function recordOf(i) {
  /** @type {Record<string, string | number | boolean | string[]>} */
  const m = { n: i * 1.5 - 7, cat: `c${i % 5}`, even: i % 2 === 0, tags: [`t${i % 3}`, `u${i % 7}`] };
  if (i % 4 === 0) delete m.cat;
  if (i % 11 === 0) m['名前'] = 'é中\u{1F600}';
  return m;
}

/** @param {object} [extra] */
const make = (extra = {}) => EdgeVec.create({ dimensions: DIM, seed: 3, ...extra });

describe('metadata through the API', () => {
  test('insert with metadata; getMetadata returns it, {} without, undefined when unknown or deleted', async () => {
    const db = await make();
    const a = db.insert(rows[0], undefined, { cat: 'books', price: 12.5, ok: true, tags: ['x'] });
    const b = db.insert(rows[1]);
    const c = db.insert(rows[2], 10n, {});
    const d = db.insert(rows[3], 11n, null);
    assert.deepEqual(db.getMetadata(d), {});
    assert.deepEqual(db.getMetadata(a), { cat: 'books', ok: true, price: 12.5, tags: ['x'] });
    assert.deepEqual(db.getMetadata(b), {});
    assert.deepEqual(db.getMetadata(c), {});
    assert.equal(db.getMetadata(999n), undefined);
    db.softDelete(a);
    assert.equal(db.getMetadata(a), undefined);
    throwsWith(() => db.getMetadata(-1), 'INVALID_ID');
    db.dispose();
  });

  test('insertBatch with metadata (entries null/undefined: none); number ids', async () => {
    const db = await make({ idType: 'number' });
    const metadata = rows.slice(0, 50).map((_, i) => (i % 10 === 9 ? null : i % 10 === 8 ? undefined : recordOf(i)));
    const { ids } = await db.insertBatch(rows.slice(0, 50), { metadata });
    for (let i = 0; i < 50; i++) assert.deepEqual(db.getMetadata(ids[i]), metadata[i] ?? {}, `vector ${i}`);
    db.dispose();
  });

  test('a bad record refuses the whole batch, naming index, id, field and reason', async () => {
    const db = await make();
    db.insert(rows[0], 0n, { keep: 1 });
    const metadata = rows.slice(1, 40).map((_, i) => recordOf(i));
    metadata[17] = { ...recordOf(17), price: NaN };
    const ids = rows.slice(1, 40).map((_, i) => BigInt(100 + i));
    const err = await rejectsWith(() => db.insertBatch(rows.slice(1, 40), { ids, metadata }), 'INVALID_METADATA', { index: 17 });
    assert.equal(err.id, 117n);
    assert.equal(err.field, 'price');
    assert.equal(err.reason, 'NOT_FINITE');
    assert.equal(db.size, 1, 'nothing inserted');
    // Without ids the id is not known yet.
    const noIds = await rejectsWith(() => db.insertBatch(rows.slice(1, 3), { metadata: [{}, { a: [1] }] }), 'INVALID_METADATA', { index: 1 });
    assert.equal(noIds.id, undefined);
    assert.equal(noIds.reason, 'ARRAY_NOT_STRINGS');
    await rejectsWith(() => db.insertBatch(rows.slice(1, 3), { metadata: [{}] }), 'INVALID_ARGUMENT', { message: /1 entries for 2 vectors/ });
    await rejectsWith(() => db.insertBatch(rows.slice(1, 3), { metadata: {} }), 'INVALID_ARGUMENT', { message: /must be an array/ });
    assert.equal(db.size, 1);
    assert.deepEqual(db.getMetadata(0n), { keep: 1 });
    db.dispose();
  });

  test('insert with bad metadata changes nothing', async () => {
    const db = await make();
    const err = throwsWith(() => db.insert(rows[0], 5n, { a: { b: 1 } }), 'INVALID_METADATA');
    assert.equal(err.id, 5n);
    assert.equal(err.field, 'a');
    assert.equal(err.reason, 'NESTED_OBJECT');
    assert.equal(err.index, undefined);
    assert.equal(db.size, 0);
    assert.equal(db.has(5n), false);
    db.dispose();
  });

  test('setMetadata replaces whole; null and {} clear; NOT_FOUND for unknown and deleted ids', async () => {
    const db = await make();
    db.insert(rows[0], 1n, { a: 1, b: 'x' });
    db.insert(rows[1], 2n, { a: 2 });
    db.setMetadata(1n, { c: true });
    assert.deepEqual(db.getMetadata(1n), { c: true }, 'no merge');
    db.setMetadata(1n, null);
    assert.deepEqual(db.getMetadata(1n), {});
    db.setMetadata(1n, { d: ['p'] });
    db.setMetadata(1n, {});
    assert.deepEqual(db.getMetadata(1n), {});
    await rejectsWith(() => db.setMetadata(7n, { a: 1 }), 'NOT_FOUND', { message: /id 7/ });
    db.softDelete(2n);
    await rejectsWith(() => db.setMetadata(2n, { a: 1 }), 'NOT_FOUND');
    db.setMetadata(1n, { keep: 'me' });
    const err = throwsWith(() => db.setMetadata(1n, { s: 'x'.repeat(1025) }), 'INVALID_METADATA');
    assert.equal(err.id, 1n);
    assert.equal(err.field, 's');
    assert.equal(err.reason, 'STRING_LENGTH');
    assert.deepEqual(db.getMetadata(1n), { keep: 'me' }, 'unchanged by the refused call');
    throwsWith(() => db.setMetadata(1n, /** @type {any} */ (undefined)), 'INVALID_METADATA', { message: /plain object/ });
    db.dispose();
  });

  test('the index limit of distinct field names (INDEX_FIELDS, from the core)', async () => {
    const db = await make();
    const wide = (/** @type {number} */ r) => Object.fromEntries(Array.from({ length: 64 }, (_, f) => [`r${r}f${f}`, f]));
    // 16 x 64 = 1024 names: at the limit.
    await db.insertBatch(rows.slice(0, 16), { metadata: rows.slice(0, 16).map((_, r) => wide(r)) });
    assert.equal(db.size, 16);
    const err = throwsWith(() => db.insert(rows[16], 99n, { brandNew: 1 }), 'INVALID_METADATA');
    assert.equal(err.reason, 'INDEX_FIELDS');
    assert.equal(db.has(99n), false);
    throwsWith(() => db.setMetadata(0n, { another: 1 }), 'INVALID_METADATA', { message: /1024 distinct/ });
    // Names the index already has stay usable.
    db.insert(rows[16], 99n, { r0f0: 5, r3f9: 'x' });
    assert.deepEqual(db.getMetadata(99n), { r0f0: 5, r3f9: 'x' });
    // A batch is inserted in chunks; the index's limit is checked over the
    // whole batch before the first chunk, so a name past the limit in the
    // last vector of a batch of many chunks leaves the index unchanged.
    const many = 400;
    const batchRows = Array.from({ length: many }, (_, i) => rows[(20 + i) % rows.length]);
    const batchIds = Array.from({ length: many }, (_, i) => BigInt(1000 + i));
    const batchMeta = batchRows.map((_, i) => (i === many - 1 ? { fresh: 2 } : { r1f1: i }));
    const batchErr = await rejectsWith(() => db.insertBatch(batchRows, { ids: batchIds, metadata: batchMeta }),
      'INVALID_METADATA', { index: many - 1 });
    assert.equal(batchErr.reason, 'INDEX_FIELDS');
    assert.equal(batchErr.field, 'fresh');
    assert.equal(batchErr.id, BigInt(1000 + many - 1));
    assert.equal(batchErr.inserted, undefined, 'nothing was inserted');
    assert.equal(db.size, 17, 'the index is unchanged');
    assert.ok(!db.has(1000n), 'not even the first chunk went in');
    // Two new names are one too many when one place is left.
    db.dispose();
    const db2 = await make();
    await db2.insertBatch(rows.slice(0, 16), {
      metadata: rows.slice(0, 16).map((_, r) => (r === 15
        ? Object.fromEntries(Array.from({ length: 63 }, (_, f) => [`r${r}f${f}`, f]))
        : wide(r))),
    });
    const twoErr = await rejectsWith(() => db2.insertBatch(rows.slice(20, 24), {
      metadata: [{ one: 1 }, { one: 2 }, { r0f0: 1 }, { two: 3 }],
    }), 'INVALID_METADATA', { index: 3 });
    assert.equal(twoErr.field, 'two');
    assert.equal(db2.size, 16);
    await db2.insertBatch(rows.slice(20, 23), { metadata: [{ one: 1 }, { one: 2 }, { r0f0: 1 }] });
    assert.equal(db2.size, 19, 'the same name twice in a batch counts once');
    db2.dispose();
  });

  test('read-only and disposed instances refuse metadata mutations', async () => {
    const storage = new MemoryStorage();
    const w = await EdgeVec.open('ro', { storage, dimensions: DIM });
    w.insert(rows[0], 1n, { a: 1 });
    await w.close();
    const ro = await EdgeVec.open('ro', { storage, readOnly: true });
    assert.deepEqual(ro.getMetadata(1n), { a: 1 });
    throwsWith(() => ro.setMetadata(1n, { a: 2 }), 'READ_ONLY');
    throwsWith(() => ro.insert(rows[1], 2n, { a: 2 }), 'READ_ONLY');
    await rejectsWith(() => ro.insertBatch([rows[1]], { metadata: [{ a: 2 }] }), 'READ_ONLY');
    assert.equal(ro.count({ a: 1 }), 1);
    await ro.close();
    const db = await make();
    db.insert(rows[0], 1n, { a: 1 });
    db.dispose();
    throwsWith(() => db.setMetadata(1n, { a: 2 }), 'DISPOSED');
    throwsWith(() => db.getMetadata(1n), 'DISPOSED');
    throwsWith(() => db.count(), 'DISPOSED');
    throwsWith(() => db.count({ a: 1 }), 'DISPOSED');
    throwsWith(() => db.search(rows[0], 1, { filter: { a: 1 } }), 'DISPOSED');
  });
});

describe('metadata through delete, re-insert and compact', () => {
  test('soft delete drops only the deleted vector\'s; re-insert takes the new metadata (or none)', async () => {
    const db = await make();
    const ids = (await db.insertBatch(rows.slice(0, 100), { metadata: rows.slice(0, 100).map((_, i) => recordOf(i)) })).ids;
    db.softDeleteBatch(ids.filter((_, i) => i % 3 === 0));
    for (let i = 0; i < 100; i++) {
      assert.deepEqual(db.getMetadata(ids[i]), i % 3 === 0 ? undefined : recordOf(i), `vector ${i}`);
    }
    db.insert(rows[0], ids[0], { again: true });
    db.insert(rows[3], ids[3]);
    assert.deepEqual(db.getMetadata(ids[0]), { again: true });
    assert.deepEqual(db.getMetadata(ids[3]), {}, 'the old metadata did not come back');
    assert.equal(db.count({ again: true }), 1);
    db.compact();
    for (let i = 1; i < 100; i++) {
      if (i % 3 !== 0) assert.deepEqual(db.getMetadata(ids[i]), recordOf(i), `after compact, vector ${i}`);
    }
    assert.deepEqual(db.getMetadata(ids[0]), { again: true });
    assert.equal(db.count({ cat: 'c1' }), rows.slice(0, 100).filter((_, i) => i % 3 !== 0 && i % 4 !== 0 && i % 5 === 1).length);
    db.dispose();
  });
});

describe('metadata persisted', () => {
  /**
   * The metadata of ids 0..n-1 (undefined where not live).
   * @param {EdgeVec} db
   * @param {number} n
   */
  const all = (db, n) => Array.from({ length: n }, (_, i) => db.getMetadata(BigInt(i)));

  /**
   * A seeded sequence of mutations, metadata in each.
   * @param {EdgeVec} db
   */
  async function mutate(db) {
    const rnd = mulberry32(77);
    const ids = rows.slice(0, 120).map((_, i) => BigInt(i));
    await db.insertBatch(rows.slice(0, 120), { ids, metadata: ids.map((_, i) => (i % 6 === 5 ? null : recordOf(i))) });
    for (let s = 0; s < 60; s++) {
      const id = BigInt(Math.floor(rnd() * 120));
      const r = rnd();
      if (r < 0.4 && db.has(id)) db.setMetadata(id, recordOf(Number(id) + 1000));
      else if (r < 0.55 && db.has(id)) db.setMetadata(id, null);
      else if (r < 0.8) db.softDelete(id);
      else if (!db.has(id)) db.insert(rows[Number(id)], id, rnd() < 0.5 ? recordOf(Number(id) + 2000) : undefined);
    }
  }

  test('flush and close, reopen: the same metadata; then checkpoint, reopen: the same', async () => {
    const storage = new MemoryStorage();
    const db = await EdgeVec.open('m', { storage, dimensions: DIM, autoCheckpoint: false });
    await mutate(db);
    const expected = all(db, 120);
    const counts = [db.count({ even: true }), db.count('cat IN ["c1", "c2"]')];
    await db.close();
    const again = await EdgeVec.open('m', { storage, autoCheckpoint: false });
    assert.deepEqual(all(again, 120), expected, 'replayed from the log');
    assert.deepEqual([again.count({ even: true }), again.count('cat IN ["c1", "c2"]')], counts);
    again.compact();
    await again.checkpoint();
    await again.close();
    const third = await EdgeVec.open('m', { storage });
    assert.deepEqual(all(third, 120), expected, 'read from the snapshot');
    await third.close();
  });

  test('a crash after flush, without close or checkpoint: the log replays the metadata', async () => {
    const storage = new MemoryStorage();
    const db = await EdgeVec.open('crash', { storage, dimensions: DIM, autoCheckpoint: false });
    await db.insertBatch(rows.slice(200, 210), { ids: rows.slice(200, 210).map((_, i) => BigInt(200 + i)), metadata: rows.slice(200, 210).map((_, i) => recordOf(i)) });
    await db.checkpoint();
    await mutate(db);
    db.setMetadata(205n, { changed: 'after the checkpoint' });
    await db.flush();
    const expected = all(db, 210);
    db.setMetadata(200n, { uncommitted: true }); // never flushed: lost with the crash
    db.dispose();
    const again = await EdgeVec.open('crash', { storage });
    assert.deepEqual(all(again, 210), expected);
    await again.close();
  });

  test('autoFlush journals setMetadata on its own', async () => {
    const storage = new MemoryStorage();
    const db = await EdgeVec.open('auto', { storage, dimensions: DIM, autoFlush: true });
    db.insert(rows[0], 1n, { a: 1 });
    await new Promise((r) => setTimeout(r, 20)); // the insert's own commit is done
    db.setMetadata(1n, { a: 2 });
    await new Promise((r) => setTimeout(r, 20));
    db.dispose();
    const again = await EdgeVec.open('auto', { storage });
    assert.deepEqual(again.getMetadata(1n), { a: 2 });
    await again.close();
  });
});
