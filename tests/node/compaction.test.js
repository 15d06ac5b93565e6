// tests/node/compaction.test.js (js/compaction.js, and its end in
// js/persistence/lifecycle.js) — compactInBackground: between slices every
// call sees the index as it was (searches equal those of a reference index
// given the same calls), calls made meanwhile are kept, every live id keeps
// its id and vector; the work per slice is bounded (measured slice times
// are printed, not asserted); abort, dispose, close and compact() during
// one. The automatic policy: it starts at its threshold and not before, can
// be turned off, and keeps every id. Persisted: the finish is followed by a
// stored snapshot even with autoCheckpoint false; a crash before or after
// it reopens what was committed; a snapshot that fails to store is stored
// by the next flush before its record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { clustered, rowsOf } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';
import { faultyStorage } from './helpers/faulty-storage.js';

const DIM = 16;
const N = 900;
const data = clustered({ seed: 91, n: N + 200, dim: DIM });
const rows = rowsOf(data, DIM);
const queries = rowsOf(clustered({ seed: 92, n: 12, dim: DIM }), DIM);

/** An in-memory index of N rows (ids 0..N-1), every third deleted. On one
 * thread: the tests compare answers with those of another index or call,
 * and an insertBatch on several threads links in timing order. */
async function withTombstones(options = {}) {
  const db = await EdgeVec.create({ dimensions: DIM, seed: 5, idType: 'number', autoCompact: false, threads: 1, ...options });
  await db.insertBatch(data.subarray(0, N * DIM));
  const dead = [];
  for (let id = 0; id < N; id += 3) dead.push(id);
  db.softDeleteBatch(dead);
  return db;
}

/** Every search result of the queries, as plain data. */
function answers(db) {
  return queries.map((q) => db.search(q, 10));
}

/** id -> vector of every live id below `below`. */
function contents(db, below) {
  const out = new Map();
  for (let id = 0; id < below; id++) {
    const v = db.get(id);
    if (v) out.set(id, Array.from(v));
  }
  return out;
}

/** @param {number[]} times */
function summary(times) {
  const s = [...times].sort((a, b) => a - b);
  const median = s[s.length >> 1], max = s[s.length - 1];
  return `${times.length} slices, median ${median.toFixed(2)} ms, max ${max.toFixed(2)} ms`;
}

/** Waits until no background compaction runs. */
async function settled(db) {
  while (db.compacting) await new Promise((r) => setTimeout(r, 1));
}

test('between slices every call sees the old index; calls made meanwhile are all kept', async () => {
  const db = await withTombstones(), ref = await withTombstones();
  let round = 0;
  let checked = 0;
  /** The same calls on both: a delete of an early id (copied already), of
   * a late one, a re-insert of an id deleted before, a new id. */
  const interleave = (/** @type {EdgeVec<'number'>} */ x) => {
    x.softDelete(1 + 3 * round);
    x.softDelete(N - 2 - 3 * round);
    x.insert(rows[N + 2 * round], 3 * round);
    x.insert(rows[N + 2 * round + 1], N + round);
  };
  const result = await db.compactInBackground({
    sliceMs: 0.25, // a few copies per slice: many slices to interleave with
    onProgress: (done, total) => {
      assert.ok(done <= total);
      assert.equal(db.compacting, true);
      assert.deepEqual(answers(db), answers(ref), `searches after slice ${checked}`);
      checked++;
      if (round < 40) {
        interleave(db);
        interleave(ref);
        round++;
      }
    },
  });
  assert.equal(db.compacting, false);
  assert.equal(result.superseded, false);
  assert.equal(result.slices, checked);
  assert.ok(result.slices > 5, `${result.slices} slices`);
  assert.deepEqual(contents(db, N + 100), contents(ref, N + 100), 'every live id with its vector');
  assert.equal(db.size, ref.size);
  // Deletes made after a slot was copied stay as tombstones of the new
  // index; the rest are gone.
  assert.ok(db.deletedCount <= 2 * round, `${db.deletedCount} tombstones left`);
  assert.ok(ref.deletedCount > N / 3);
  assert.equal(db.softDelete(1), false, 'deleted before: still known as deleted');
  assert.equal(db.insert(rows[0]), N + round, 'the automatic ids go on');
  db.dispose();
  ref.dispose();
});

test('slices do bounded work: one copy each below the cost of one, and measured times at 8 ms', async () => {
  const db = await withTombstones();
  const live = db.size;
  const tiny = await db.compactInBackground({ sliceMs: 0.001 });
  // A slice always copies one vector and stops when the next would not
  // fit: here every slice is exactly one copy.
  assert.equal(tiny.slices, live);
  assert.equal(db.deletedCount, 0);
  // The default budget, on a larger index: measured and printed.
  const big = await EdgeVec.create({ dimensions: 64, seed: 9, autoCompact: false });
  const n = 4000;
  await big.insertBatch(clustered({ seed: 93, n, dim: 64 }));
  big.softDeleteBatch(Array.from({ length: n * 0.3 }, (_, i) => BigInt(i * 3)));
  const r = await big.compactInBackground();
  assert.equal(r.sliceTimes.length, r.slices);
  assert.ok(r.slices >= 2);
  console.log(`# compactInBackground, ${n} x 64, 30% deleted, sliceMs 8: ${summary(r.sliceTimes)}; ` +
    `finish ${r.finishMs.toFixed(2)} ms`);
  db.dispose();
  big.dispose();
});

test('abort, dispose, close and compact() during a background compaction', async () => {
  const db = await withTombstones(), ref = await withTombstones();
  const ac = new AbortController();
  const p = db.compactInBackground({ sliceMs: 1, signal: ac.signal, onProgress: () => ac.abort('enough') });
  const err = await rejectsWith(() => p, 'ABORTED');
  assert.equal(err.cause, 'enough');
  assert.equal(db.compacting, false);
  assert.deepEqual(answers(db), answers(ref), 'the index is as it was');
  assert.equal(db.deletedCount, ref.deletedCount);
  await rejectsWith(() => db.compactInBackground({ signal: AbortSignal.abort() }), 'ABORTED');

  // compact() does the work of one in progress: it resolves, superseded.
  let slices = 0;
  const q = db.compactInBackground({ sliceMs: 1, onProgress: () => { if (++slices === 2) db.compact(); } });
  const r = await q;
  assert.equal(r.superseded, true);
  assert.equal(db.deletedCount, 0);
  assert.deepEqual(contents(db, N), contents(ref, N));

  // One at a time: a second call returns the running one's promise.
  db.softDeleteBatch([1, 2, 4]);
  const a = db.compactInBackground({ sliceMs: 1 });
  assert.equal(db.compactInBackground(), a);
  db.dispose();
  await rejectsWith(() => a, 'DISPOSED', { message: /disposed during compactInBackground/ });
  ref.dispose();

  const c = await withTombstones();
  const running = c.compactInBackground({ sliceMs: 1 });
  await c.close();
  await rejectsWith(() => running, 'DISPOSED');
});

test('bad options are refused before anything starts', async () => {
  const db = await withTombstones();
  await rejectsWith(() => db.compactInBackground({ sliceMs: 0 }), 'INVALID_ARGUMENT');
  await rejectsWith(() => db.compactInBackground({ sliceMs: 5000 }), 'INVALID_ARGUMENT');
  await rejectsWith(() => db.compactInBackground({ slice: 5 }), 'INVALID_ARGUMENT', { message: /unknown option 'slice'/ });
  await rejectsWith(() => db.compactInBackground({ onProgress: 1 }), 'INVALID_ARGUMENT');
  await rejectsWith(() => db.compactInBackground({ signal: {} }), 'INVALID_ARGUMENT');
  assert.equal(db.compacting, false);
  for (const autoCompact of [null, 0.3, { tombstoneRatio: 0 }, { tombstoneRatio: 1.5 }, { minDeleted: 0 },
    { minDeleted: 1.5 }, { sliceMs: -1 }, { ratio: 0.3 }]) {
    await rejectsWith(() => EdgeVec.create({ dimensions: DIM, autoCompact }), 'INVALID_ARGUMENT');
  }
  db.dispose();
});

test('automatic compaction starts at its threshold and not before, and keeps every id', async () => {
  const db = await EdgeVec.create({
    dimensions: DIM, seed: 6, idType: 'number', autoCompact: { tombstoneRatio: 0.3, minDeleted: 100, sliceMs: 4 },
  });
  await db.insertBatch(data.subarray(0, 1000 * DIM));
  const before = contents(db, 1000);
  // 299 of 1000 deleted: below the ratio.
  db.softDeleteBatch(Array.from({ length: 299 }, (_, i) => i * 3));
  assert.equal(db.compacting, false);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(db.deletedCount, 299, 'nothing happened');
  // The 300th reaches it.
  assert.equal(db.softDelete(897), true);
  assert.equal(db.compacting, true);
  await settled(db);
  assert.equal(db.deletedCount, 0);
  assert.equal(db.size, 700);
  for (const [id, v] of before) {
    if (id % 3 === 0 && id <= 897) assert.equal(db.has(id), false);
    else assert.deepEqual(Array.from(db.get(id)), v, `id ${id}`);
  }
  db.dispose();

  // minDeleted holds it back on a small index, whatever the ratio.
  const small = await EdgeVec.create({ dimensions: DIM, idType: 'number', autoCompact: { minDeleted: 100 } });
  await small.insertBatch(data.subarray(0, 150 * DIM));
  small.softDeleteBatch(Array.from({ length: 99 }, (_, i) => i));
  assert.equal(small.compacting, false);
  small.softDelete(99);
  assert.equal(small.compacting, true, 'at 100 deleted (ratio 2/3)');
  await settled(small);
  assert.equal(small.size, 50);
  small.dispose();

  // The default is on (0.25 and 1000 deleted); false turns it off.
  for (const autoCompact of [undefined, false]) {
    const x = await EdgeVec.create({ dimensions: DIM, idType: 'number', ...(autoCompact === false ? { autoCompact } : {}) });
    await x.insertBatch(data.subarray(0, 1100 * DIM));
    x.softDeleteBatch(Array.from({ length: 999 }, (_, i) => i));
    assert.equal(x.compacting, false, 'below 1000 deleted');
    x.softDelete(999);
    assert.equal(x.compacting, autoCompact === undefined);
    await settled(x);
    assert.equal(x.deletedCount, autoCompact === undefined ? 0 : 1000);
    x.dispose();
  }
});

// ---- persisted ------------------------------------------------------------

/** A persisted database of N rows with every third deleted, all committed. */
async function persisted(storage, name, options = {}) {
  const db = await EdgeVec.open(name, {
    storage, dimensions: DIM, seed: 5, idType: 'number', autoCompact: false, autoCheckpoint: false, ...options,
  });
  await db.insertBatch(data.subarray(0, N * DIM));
  const dead = [];
  for (let id = 0; id < N; id += 3) dead.push(id);
  db.softDeleteBatch(dead);
  await db.flush();
  return db;
}

/** The snapshot generation and log records a storage holds for a name. */
async function stored(storage, name) {
  const h = await storage.open(name, { readOnly: true });
  try {
    const s = await h.load();
    return { generation: s.manifest.generation, log: s.log.map((r) => r.seq) };
  } finally {
    await h.close();
  }
}

test('persisted: the finish commits what is pending and stores a snapshot (autoCheckpoint false); reopen after it', async () => {
  const storage = new MemoryStorage();
  const db = await persisted(storage, 'p');
  const gen = (await stored(storage, 'p')).generation;
  let round = 0;
  const r = await db.compactInBackground({
    sliceMs: 2,
    onProgress: () => {
      if (round < 10) {
        db.softDelete(1 + 3 * round);
        db.insert(rows[N + round], N + round);
        round++;
      }
    },
  });
  assert.equal(r.superseded, false);
  const s = await stored(storage, 'p');
  assert.equal(s.generation, gen + 1, 'a snapshot after the finish');
  assert.deepEqual(s.log, [], 'the records before it are in it');
  const expected = contents(db, N + 20);
  const answered = answers(db);
  // Writes after the finish are records after that snapshot.
  db.insert(rows[N + 50], 5000);
  db.softDelete(2);
  await db.flush();
  expected.set(5000, Array.from(db.get(5000)));
  expected.delete(2);
  db.dispose(); // a crash: nothing more is written
  const again = await EdgeVec.open('p', { storage, idType: 'number', autoCompact: false });
  assert.deepEqual(contents(again, N + 20), new Map([...expected].filter(([id]) => id < N + 20)));
  assert.deepEqual(Array.from(again.get(5000)), expected.get(5000));
  assert.equal(again.size, expected.size);
  assert.ok(again.deletedCount <= round + 1);
  again.softDelete(2 + 3); // the log goes on after the reopen
  await again.close();
  const third = await EdgeVec.open('p', { storage, idType: 'number' });
  assert.equal(third.has(5), false);
  assert.notDeepEqual(answers(third), [], 'searches answer');
  assert.equal(answered.length, queries.length);
  await third.close();
});

test('persisted: a crash before the finish reopens the committed state', async () => {
  const storage = new MemoryStorage();
  const db = await persisted(storage, 'q');
  const committed = contents(db, N + 10);
  let slices = 0;
  const p = db.compactInBackground({
    sliceMs: 1,
    onProgress: () => {
      slices++;
      if (slices === 1) db.insert(rows[N], N); // not flushed
      if (slices === 3) db.dispose();
    },
  });
  await rejectsWith(() => p, 'DISPOSED');
  const again = await EdgeVec.open('q', { storage, idType: 'number', autoCompact: false });
  assert.deepEqual(contents(again, N + 10), committed);
  assert.equal(again.deletedCount, N / 3);
  await again.close();
});

test('persisted: a snapshot that fails to store after the finish is stored by the next flush, before its record', async () => {
  const real = new MemoryStorage();
  const { storage, full } = faultyStorage(real);
  const db = await persisted(storage, 'f');
  const before = await stored(real, 'f');
  db.insert(rows[N], N); // pending: committed by the finish
  full.writeSnapshot = true;
  const err = await rejectsWith(() => db.compactInBackground({ sliceMs: 2 }), 'STORAGE_QUOTA');
  assert.equal(err.operation, 'checkpoint');
  assert.equal(db.deletedCount, 0, 'the compacted index is in use');
  const atFinish = contents(db, N + 10);
  let s = await stored(real, 'f');
  assert.equal(s.generation, before.generation);
  assert.equal(s.log.length, before.log.length + 1, 'only the commit before the finish');
  // A write now, and a flush while the storage is still full: no record
  // may be stored before the snapshot, so it fails as a whole.
  db.insert(rows[N + 1], N + 1);
  await rejectsWith(() => db.flush(), 'STORAGE_QUOTA');
  s = await stored(real, 'f');
  assert.equal(s.log.length, before.log.length + 1, 'no record after the finish');
  // A crash now reopens the state before the finish, with its commits.
  const crashed = await EdgeVec.open('f', { storage: real, idType: 'number', readOnly: true });
  assert.deepEqual(contents(crashed, N + 10), atFinish);
  assert.equal(crashed.deletedCount, N / 3);
  await crashed.close();
  full.writeSnapshot = false;
  await db.flush();
  s = await stored(real, 'f');
  assert.equal(s.generation, before.generation + 1);
  assert.equal(s.log.length, 1, 'the write after the finish, after the snapshot');
  await db.close();
  const again = await EdgeVec.open('f', { storage: real, idType: 'number' });
  assert.equal(again.deletedCount, 0);
  assert.ok(again.has(N + 1));
  assert.deepEqual(contents(again, N), new Map([...atFinish].filter(([id]) => id < N)));
  await again.close();
});

test('persisted: automatic compaction with autoFlush, and readOnly refuses', async () => {
  const storage = new MemoryStorage();
  const db = await EdgeVec.open('a', {
    storage, dimensions: DIM, seed: 3, idType: 'number', autoFlush: true, autoCheckpoint: false,
    autoCompact: { tombstoneRatio: 0.2, minDeleted: 50, sliceMs: 2 },
  });
  await db.insertBatch(data.subarray(0, 500 * DIM));
  const gen = (await stored(storage, 'a')).generation;
  db.softDeleteBatch(Array.from({ length: 100 }, (_, i) => i * 2));
  assert.equal(db.compacting, true);
  db.insert(rows[600], 600);
  await settled(db);
  await db.flush();
  assert.equal((await stored(storage, 'a')).generation, gen + 1);
  const expected = contents(db, 700);
  await db.close();
  const reader = await EdgeVec.open('a', { storage, readOnly: true, idType: 'number' });
  assert.deepEqual(contents(reader, 700), expected);
  assert.equal(reader.deletedCount, 0);
  await rejectsWith(() => reader.compactInBackground(), 'READ_ONLY');
  await reader.close();
});
