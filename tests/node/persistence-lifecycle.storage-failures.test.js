// tests/node/persistence-lifecycle.storage-failures.test.js
// (js/persistence/lifecycle.js, policy.js) — a full disk or quota at each
// point of the persistence: a commit (flush, autoFlush, close), the automatic
// checkpoint after a stored commit, an explicit checkpoint. Each case checks
// what was stored, what was reported (and as which operation), and that a
// reopen holds every stored change. Also: automatic checkpoints back off
// while storage stays full (time moved through policy.js's clock, not
// slept), and close() releases the writer lock even when its flush fails.
// Faults are injected around real storages: a wrapper that refuses a write
// before it reaches a real MemoryStorage handle, NodeFileStorage over a
// file system that answers ENOSPC, IndexedDbStorage over fake-indexeddb
// that aborts with QuotaExceededError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { NodeFileStorage } from '../../js/storage/node-file.js';
import { IndexedDbStorage } from '../../js/storage/indexeddb.js';
import { InProcessLocks } from '../../js/storage/locks.js';
import { clock, backoffDelay, BACKOFF_MAX_MS } from '../../js/persistence/policy.js';
import { clustered, rowsOf } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';
import { faultyStorage } from './helpers/faulty-storage.js';
import { faultyFs } from './storage-helpers/fs-faults.js';
import { faultyIndexedDB } from './storage-helpers/idb-faults.js';

const DIM = 8;
const data = clustered({ seed: 71, n: 400, dim: DIM });
const rows = rowsOf(data, DIM);

/**
 * Freezes the back-off's clock for one test; returns a way to move it.
 * @param {import('node:test').TestContext} t
 */
function frozenClock(t) {
  const real = clock.now;
  let now = 1_000_000;
  clock.now = () => now;
  t.after(() => { clock.now = real; });
  return { advance: (/** @type {number} */ ms) => { now += ms; } };
}

/** What a database holds in storage, read through a read-only handle. */
async function stored(storage, name) {
  const h = await storage.open(name, { readOnly: true });
  try {
    const s = await h.load();
    return { generation: s.manifest.generation, log: s.log.map((r) => r.seq) };
  } finally {
    await h.close();
  }
}

/** A compaction makes the next flush's automatic checkpoint due at once. */
function compactionPending(db) {
  db.softDeleteBatch([0]);
  db.compact();
}

test('quota on a commit: flush rejects as a commit, nothing is stored, the next flush stores it all', async () => {
  const real = new MemoryStorage();
  const { storage, full } = faultyStorage(real);
  const db = await EdgeVec.open('c', { storage, dimensions: DIM });
  await db.insertBatch(data.subarray(0, 10 * DIM));
  const before = await stored(real, 'c');
  full.appendLog = true;
  const err = await rejectsWith(() => db.flush(), 'STORAGE_QUOTA', { message: /commit was not stored/ });
  assert.equal(err.operation, 'commit');
  assert.deepEqual(await stored(real, 'c'), before, 'nothing stored');
  assert.equal(db.size, 10, 'the index is unaffected');
  full.appendLog = false;
  db.insert(rows[50], 50);
  await db.flush();
  assert.equal((await stored(real, 'c')).log.length, before.log.length + 1, 'one record with both changes');
  await db.close();
  const again = await EdgeVec.open('c', { storage: real });
  assert.equal(again.size, 11);
  await again.close();
});

test('quota on the automatic checkpoint after a stored commit: flush resolves, the error is kept for the next call', async (t) => {
  frozenClock(t);
  const real = new MemoryStorage();
  const { storage, full, attempts } = faultyStorage(real);
  const db = await EdgeVec.open('a', { storage, dimensions: DIM });
  await db.insertBatch(data.subarray(0, 40 * DIM));
  await db.flush();
  const gen = (await stored(real, 'a')).generation;
  compactionPending(db);
  full.writeSnapshot = true;
  const tried = attempts.writeSnapshot;
  await db.flush(); // the commit is stored: it resolves
  assert.equal(attempts.writeSnapshot, tried + 1, 'the automatic checkpoint was tried');
  let s = await stored(real, 'a');
  assert.equal(s.generation, gen, 'no new snapshot');
  assert.equal(s.log.length, 2, 'the commit holding the compaction is stored');

  // No onFlushError: the next flush does its own work, then rejects with
  // the kept error.
  db.insert(rows[100], 1000);
  const err = await rejectsWith(() => db.flush(), 'STORAGE_QUOTA', { message: /automatic checkpoint/ });
  assert.equal(err.operation, 'autoCheckpoint');
  s = await stored(real, 'a');
  assert.equal(s.log.length, 3, 'its own commit was stored before it rejected');
  await db.flush(); // reported once
  full.writeSnapshot = false;
  await db.close();
  const again = await EdgeVec.open('a', { storage: real });
  assert.equal(again.size, 40, '40 inserted, 1 deleted, 1 more inserted');
  assert.equal(again.has(0), false);
  assert.equal(again.has(1000), true);
  await again.close();
});

test('the same with onFlushError: the handler gets it, flushes resolve', async (t) => {
  frozenClock(t);
  const real = new MemoryStorage();
  const { storage, full } = faultyStorage(real);
  /** @type {any[]} */
  const errors = [];
  const db = await EdgeVec.open('h', { storage, dimensions: DIM, onFlushError: (e) => errors.push(e) });
  await db.insertBatch(data.subarray(0, 20 * DIM));
  compactionPending(db);
  full.writeSnapshot = true;
  await db.flush();
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, 'STORAGE_QUOTA');
  assert.equal(errors[0].operation, 'autoCheckpoint');
  db.insert(rows[100], 1000);
  await db.flush();
  await db.close();
  assert.equal(errors.length, 1, 'within the back-off: not tried again');
  const again = await EdgeVec.open('h', { storage: real });
  assert.equal(again.size, 20);
  await again.close();
});

test('quota on an explicit checkpoint: it rejects as a checkpoint, its commit is stored, and it always tries', async (t) => {
  frozenClock(t);
  const real = new MemoryStorage();
  const { storage, full, attempts } = faultyStorage(real);
  const db = await EdgeVec.open('x', { storage, dimensions: DIM });
  const gen = (await stored(real, 'x')).generation;
  await db.insertBatch(data.subarray(0, 30 * DIM));
  full.writeSnapshot = true;
  const tried = attempts.writeSnapshot;
  const err = await rejectsWith(() => db.checkpoint(), 'STORAGE_QUOTA', { message: /checkpoint was not stored/ });
  assert.equal(err.operation, 'checkpoint');
  assert.deepEqual(await stored(real, 'x'), { generation: gen, log: [1] }, 'the commit is stored, the snapshot not');
  await rejectsWith(() => db.checkpoint(), 'STORAGE_QUOTA');
  await rejectsWith(() => db.checkpoint(), 'STORAGE_QUOTA');
  assert.equal(attempts.writeSnapshot, tried + 3, 'no back-off for explicit checkpoints');
  full.writeSnapshot = false;
  await db.checkpoint();
  assert.deepEqual(await stored(real, 'x'), { generation: gen + 1, log: [] });
  await db.close();
  const again = await EdgeVec.open('x', { storage: real });
  assert.equal(again.size, 30);
  await again.close();
});

test('automatic checkpoints back off while storage stays full: 1 s doubling to 60 s; a success resets', async (t) => {
  const time = frozenClock(t);
  const real = new MemoryStorage();
  const { storage, full, attempts } = faultyStorage(real);
  /** @type {any[]} */
  const errors = [];
  const db = await EdgeVec.open('b', { storage, dimensions: DIM, onFlushError: (e) => errors.push(e) });
  await db.insertBatch(data.subarray(0, 20 * DIM));
  compactionPending(db); // stays due until a snapshot is stored
  full.writeSnapshot = true;
  const tried = attempts.writeSnapshot;
  // 300 flushes, half a second apart (two and a half minutes), each with
  // a change: automatic attempts only after 1, 2, 4, ... 32 s, then 60 s
  // (not 64).
  const STEP = 500, FLUSHES = 300;
  const tries = [];
  for (let i = 0; i < FLUSHES; i++) {
    const before = attempts.writeSnapshot;
    db.insert(rows[100 + (i % 200)], 10_000 + i);
    await db.flush();
    if (attempts.writeSnapshot > before) tries.push(i * STEP);
    time.advance(STEP);
  }
  assert.deepEqual(tries, [0, 1000, 3000, 7000, 15000, 31000, 63000, 123000]);
  assert.equal(attempts.writeSnapshot - tried, tries.length);
  assert.equal(errors.length, tries.length);
  assert.ok(errors.every((e) => e.operation === 'autoCheckpoint' && e.code === 'STORAGE_QUOTA'));
  assert.equal(backoffDelay(1), 1000);
  assert.equal(backoffDelay(7), 60_000, 'capped at a minute');

  // Space comes back: the next attempt (when its wait is over) succeeds,
  // and the one after a success is not delayed.
  full.writeSnapshot = false;
  time.advance(BACKOFF_MAX_MS);
  db.insert(rows[0], 99_999);
  await db.flush();
  assert.equal((await stored(real, 'b')).log.length, 0, 'the snapshot was written');
  compactionPending(db);
  const before = attempts.writeSnapshot;
  await db.flush();
  assert.equal(attempts.writeSnapshot, before + 1, 'no wait after a success');
  await db.close();
  const again = await EdgeVec.open('b', { storage: real });
  assert.equal(again.size, 20 - 1 + FLUSHES + 1);
  await again.close();
});

test('autoFlush errors: to onFlushError as autoCommit, or, without one, from the next flush after it commits', async () => {
  const real = new MemoryStorage();
  const { storage, full } = faultyStorage(real);
  /** @type {any[]} */
  const errors = [];
  const withHandler = await EdgeVec.open('w', { storage, dimensions: DIM, autoFlush: true, onFlushError: (e) => errors.push(e) });
  full.appendLog = true;
  withHandler.insert(rows[0], 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, 'STORAGE_QUOTA');
  assert.equal(errors[0].operation, 'autoCommit');
  full.appendLog = false;
  await withHandler.close();
  assert.equal(errors.length, 1);

  const db = await EdgeVec.open('n', { storage, dimensions: DIM, autoFlush: true });
  const before = await stored(real, 'n');
  full.appendLog = true;
  db.insert(rows[0], 1);
  await new Promise((r) => setTimeout(r, 20)); // the automatic flush failed, silently so far
  assert.deepEqual(await stored(real, 'n'), before);
  full.appendLog = false;
  const err = await rejectsWith(() => db.flush(), 'STORAGE_QUOTA', { message: /automatic flush/ });
  assert.equal(err.operation, 'autoCommit');
  assert.equal((await stored(real, 'n')).log.length, before.log.length + 1, 'the flush committed before rejecting');
  await db.flush(); // reported once

  // Kept until close() when nothing else comes: close rejects with it,
  // after storing its own commit and releasing the lock.
  full.appendLog = true;
  db.insert(rows[1], 2);
  await new Promise((r) => setTimeout(r, 20));
  full.appendLog = false;
  const closeErr = await rejectsWith(() => db.close(), 'STORAGE_QUOTA');
  assert.equal(closeErr.operation, 'autoCommit');
  assert.equal(db.disposed, true);
  const again = await EdgeVec.open('n', { storage: real });
  assert.ok(again.has(1) && again.has(2), 'nothing lost');
  await again.close();
});

test('close() with a failing flush releases the lock, frees the index, and rejects', async () => {
  const real = new MemoryStorage();
  const { storage, full } = faultyStorage(real);
  const db = await EdgeVec.open('l', { storage, dimensions: DIM });
  db.insert(rows[0], 1);
  await db.flush();
  db.insert(rows[1], 2);
  full.appendLog = true;
  const err = await rejectsWith(() => db.close(), 'STORAGE_QUOTA');
  assert.equal(err.operation, 'commit');
  assert.equal(db.disposed, true, 'the index is freed');
  await db.close(); // a second close does nothing
  const next = await EdgeVec.open('l', { storage: real }); // the lock was released
  assert.equal(next.has(1), true);
  assert.equal(next.has(2), false, 'what the failed close could not store is lost, as its error says');
  await next.close();
});

test('NodeFileStorage, disk full: the automatic checkpoint and close report it, the lock file goes, nothing stored is lost', async (t) => {
  const time = frozenClock(t);
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-full-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let full = '';
  const f = faultyFs({ enospc: (path) => full !== '' && path.includes(full) });
  const db = await EdgeVec.open('disk', { storage: new NodeFileStorage(dir, { fs: f.fs }), dimensions: DIM });
  await db.insertBatch(data.subarray(0, 30 * DIM));
  await db.flush();
  compactionPending(db);
  full = 'snapshot';
  await db.flush(); // stored as log-*.bin; the snapshot after it hit ENOSPC
  db.insert(rows[40], 40);
  time.advance(BACKOFF_MAX_MS);
  // close: its commit is stored, its automatic checkpoint fails again; it
  // rejects with the first kept error, after removing the lock file.
  const err = await rejectsWith(() => db.close(), 'STORAGE_QUOTA');
  assert.equal(err.operation, 'autoCheckpoint');
  assert.equal((await readdir(join(dir, 'disk'))).includes('LOCK'), false);

  full = 'log-';
  const again = await EdgeVec.open('disk', { storage: new NodeFileStorage(dir, { fs: f.fs }) });
  assert.equal(again.size, 30, '30 inserted, 1 deleted, 1 more');
  assert.equal(again.has(40), true);
  again.insert(rows[41], 41);
  const closeErr = await rejectsWith(() => again.close(), 'STORAGE_QUOTA');
  assert.equal(closeErr.operation, 'commit');
  // The lock is gone: a writer of another NodeFileStorage (another process's
  // view of the directory) opens it.
  const third = await EdgeVec.open('disk', { storage: new NodeFileStorage(dir) });
  assert.equal(third.size, 30);
  await third.close();
});

test('IndexedDB quota (fake-indexeddb): a commit stored, its automatic checkpoint aborted, all there after reopening', async (t) => {
  frozenClock(t);
  let full = false;
  const idb = faultyIndexedDB(new IDBFactory(), { quota: (put) => full && put.store === 'chunks' });
  const open = () => new IndexedDbStorage({ indexedDB: idb.indexedDB, IDBKeyRange, locks });
  const locks = new InProcessLocks();
  /** @type {any[]} */
  const errors = [];
  const db = await EdgeVec.open('i', { storage: open(), dimensions: DIM, onFlushError: (e) => errors.push(e) });
  await db.insertBatch(data.subarray(0, 25 * DIM));
  compactionPending(db);
  full = true;
  await db.flush();
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, 'STORAGE_QUOTA');
  assert.equal(errors[0].operation, 'autoCheckpoint');
  full = false;
  await db.close();
  const again = await EdgeVec.open('i', { storage: open() });
  assert.equal(again.size, 24);
  await again.checkpoint();
  await again.close();
});

/**
 * The read-back rule of writeSnapshot (js/storage/interface.js,
 * checkReadBack): a storage that keeps a new snapshot's bytes damaged while
 * reporting success must not let the checkpoint delete what the snapshot
 * replaces. The checkpoint is CORRUPT naming the generation, the previous
 * snapshot and the log after it stay, and a reopen finds every vector.
 * @param {import('node:test').TestContext} t
 * @param {(damaging: () => boolean) => { open: () => any, listing: () => Promise<unknown> }} backend
 */
async function damagedNewSnapshot(t, backend) {
  frozenClock(t);
  let bad = false;
  const { open, listing } = backend(() => bad);
  const db = await EdgeVec.open('rb', { storage: open(), dimensions: DIM, idType: 'number', autoCheckpoint: false });
  await db.insertBatch(data.subarray(0, 30 * DIM));
  await db.checkpoint();
  await db.insertBatch(data.subarray(30 * DIM, 40 * DIM));
  db.softDelete(3);
  await db.flush();
  const before = await listing();
  const generation = (await stored(open(), 'rb')).generation;
  bad = true;
  const err = await rejectsWith(() => db.checkpoint(), 'CORRUPT');
  assert.equal(err.section, 'snapshot');
  assert.equal(err.generation, generation + 1, 'names the new generation');
  assert.equal(err.operation, 'checkpoint');
  bad = false;
  assert.deepEqual(await listing(), before, 'storage as it was before the checkpoint');
  await db.close();
  const again = await EdgeVec.open('rb', { storage: open(), readOnly: true });
  assert.equal(again.size, 39);
  assert.equal(again.has(3), false);
  for (const id of [0, 29, 30, 39]) assert.deepEqual(Array.from(again.get(id)), Array.from(rows[id]));
  await again.close();
}

test('NodeFileStorage: a new snapshot read back damaged is CORRUPT; the previous one and its log stay', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-readback-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await damagedNewSnapshot(t, (damaging) => {
    const f = faultyFs({ damage: (path) => damaging() && path.includes('snapshot-') });
    return {
      open: () => new NodeFileStorage(dir, { fs: f.fs }),
      listing: async () => (await readdir(join(dir, 'rb'))).filter((n) => n !== 'LOCK').sort(),
    };
  });
});

test('IndexedDB (fake-indexeddb): a new snapshot read back damaged is CORRUPT; the previous one and its log stay', async (t) => {
  const real = new IDBFactory();
  const locks = new InProcessLocks();
  await damagedNewSnapshot(t, (damaging) => {
    // Small chunks over several transactions: the damaged chunk is one an
    // earlier transaction stored, not one of the transaction that commits.
    const idb = faultyIndexedDB(real, { damage: (put) => damaging() && put.store === 'chunks' && Array.isArray(put.key) && put.key[1] === 0 });
    const open = () => new IndexedDbStorage({ indexedDB: idb.indexedDB, IDBKeyRange, locks, chunkBytes: 1024, transactionBytes: 2048 });
    return {
      open,
      listing: async () => {
        const h = await open().open('rb', { readOnly: true });
        try {
          const s = await h.load();
          return { manifest: s.manifest, snapshot: Array.from(s.snapshot), log: s.log.map((r) => [r.seq, Array.from(r.bytes)]) };
        } finally {
          await h.close();
        }
      },
    };
  });
});
