// tests/node/persistence-lifecycle.test.js (js/persistence/lifecycle.js,
// policy.js) — EdgeVec.open / flush / checkpoint / close over the real storage
// backends (MemoryStorage, NodeFileStorage): data survives a reopen,
// autoFlush, automatic checkpoints, one writer per name, read-only opens,
// typed errors for corrupt or newer data, storage failures that leave the
// index usable, and a seeded random sequence of operations that must reload
// to the same index. Damaged log records: persistence-lifecycle.damaged-log;
// full storage at each step: persistence-lifecycle.storage-failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { NodeFileStorage } from '../../js/storage/node-file.js';
import { clustered, rowsOf, mulberry32 } from './helpers/data.js';
import { rejectsWith, throwsWith } from './helpers/assert-error.js';
import { clock } from '../../js/persistence/policy.js';

const DIM = 8;
const data = clustered({ seed: 41, n: 600, dim: DIM });
const rows = rowsOf(data, DIM);

/**
 * Everything observable about an index, for before/after comparisons.
 * @param {EdgeVec} db
 * @param {number} maxId
 */
function fingerprint(db, maxId) {
  const live = [];
  for (let id = 0; id < maxId; id++) if (db.has(id)) live.push([id, Array.from(db.get(id))]);
  const queries = rowsOf(clustered({ seed: 42, n: 5, dim: DIM }), DIM);
  return {
    size: db.size, deleted: db.deletedCount, live,
    searches: queries.map((q) => db.search(q, 8).map((h) => [h.id, h.distance])),
  };
}

test('create, flush, close, reopen: the same index', async () => {
  const storage = new MemoryStorage();
  await rejectsWith(() => EdgeVec.open('db', { storage }), 'INVALID_ARGUMENT', { message: /dimensions/ });
  const db = await EdgeVec.open('db', { storage, dimensions: DIM, metric: 'cosine', seed: 5 });
  await db.insertBatch(data.subarray(0, 300 * DIM));
  db.softDeleteBatch([1, 2, 3]);
  await db.flush();
  db.insert(rows[300], 2n ** 62n);
  db.compact();
  await db.flush();
  await db.flush(); // nothing pending: a no-op
  const before = fingerprint(db, 400);
  await db.close();
  assert.deepEqual(await EdgeVec.list(storage), ['db']);

  const again = await EdgeVec.open('db', { storage });
  assert.equal(again.metric, 'cosine');
  assert.equal(again.dimensions, DIM);
  assert.ok(again.has(2n ** 62n));
  assert.deepEqual(fingerprint(again, 400), before);
  await rejectsWith(() => EdgeVec.open('db2', { storage, dimensions: 0 }), 'INVALID_ARGUMENT');
  await again.close();
  await rejectsWith(() => EdgeVec.open('db', { storage, dimensions: DIM + 1 }), 'DIMENSION_MISMATCH');
  await rejectsWith(() => EdgeVec.open('db', { storage, metric: 'l2' }), 'INVALID_ARGUMENT', { message: /cosine/ });
  await EdgeVec.remove('db', storage);
  assert.deepEqual(await EdgeVec.list(storage), []);
});

test('NodeFileStorage: the same round trip through files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-persist-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const storage = new NodeFileStorage(dir);
  const db = await EdgeVec.open('files', { storage, dimensions: DIM, seed: 2 });
  await db.insertBatch(data.subarray(0, 200 * DIM), { ids: Array.from({ length: 200 }, (_, i) => 7 * i) });
  db.softDelete(14);
  await db.checkpoint();
  db.insert(rows[250], 5);
  const before = fingerprint(db, 1400);
  await db.close();
  const again = await EdgeVec.open('files', { storage: new NodeFileStorage(dir) });
  assert.deepEqual(fingerprint(again, 1400), before);
  await again.close();
});

test('dispose without flush drops what was not committed; close commits it', async () => {
  const storage = new MemoryStorage();
  const db = await EdgeVec.open('d', { storage, dimensions: DIM });
  db.insert(rows[0], 1);
  await db.flush();
  db.insert(rows[1], 2);
  db.dispose();
  await new Promise((r) => setTimeout(r, 10)); // the lock is released in the background
  const again = await EdgeVec.open('d', { storage });
  assert.equal(again.has(1), true);
  assert.equal(again.has(2), false);
  again.insert(rows[1], 2);
  await again.close();
  const third = await EdgeVec.open('d', { storage });
  assert.equal(third.has(2), true);
  await third.close();
});

test('autoFlush: after each mutating call, or debounced', async () => {
  const storage = new MemoryStorage();
  const db = await EdgeVec.open('a', { storage, dimensions: DIM, autoFlush: true });
  db.insert(rows[0], 1);
  db.insert(rows[1], 2); // same turn: one commit
  await db.insertBatch([rows[2], rows[3]], { ids: [3, 4] });
  db.softDelete(3);
  await new Promise((r) => setTimeout(r, 20));
  const h = await storage.open('a', { readOnly: true });
  const state = await h.load();
  assert.ok(state.log.length >= 2 && state.log.length <= 4, `${state.log.length} records`);
  db.dispose();
  await new Promise((r) => setTimeout(r, 10));
  const again = await EdgeVec.open('a', { storage, autoFlush: 30 });
  assert.deepEqual([1, 2, 3, 4].map((id) => again.has(id)), [true, true, false, true]);
  again.insert(rows[4], 5);
  again.insert(rows[5], 6);
  const h2 = await storage.open('a', { readOnly: true });
  const logBefore = (await h2.load()).log.length;
  await new Promise((r) => setTimeout(r, 80));
  assert.equal((await h2.load()).log.length, logBefore + 1, 'one debounced commit');
  again.dispose();
  await new Promise((r) => setTimeout(r, 10));
  const third = await EdgeVec.open('a', { storage });
  assert.ok(third.has(5) && third.has(6));
  await third.close();
  await rejectsWith(() => EdgeVec.open('b', { storage, dimensions: 2, autoFlush: -1 }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.open('b', { storage, dimensions: 2, autoFlush: 'yes' }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.open('b', { storage, dimensions: 2, autoCheckpoint: 0 }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.open('b', { storage, dimensions: 2, autoCheckpoint: 'x' }), 'INVALID_ARGUMENT');
});

test('checkpoint drops the log; an automatic one comes when the log outgrows the snapshot', async () => {
  const storage = new MemoryStorage();
  const db = await EdgeVec.open('c', { storage, dimensions: 64 });
  const big = clustered({ seed: 43, n: 1200, dim: 64 });
  const h = await storage.open('c', { readOnly: true });
  const gen0 = (await h.readManifest()).generation;
  await db.insertBatch(big.subarray(0, 100 * 64));
  await db.flush();
  assert.equal((await h.load()).log.length, 1);
  await db.checkpoint();
  const afterCheckpoint = await h.load();
  assert.equal(afterCheckpoint.log.length, 0);
  assert.equal(afterCheckpoint.manifest.generation, gen0 + 1);
  // 1,100 more vectors of 64 floats (~360 KB of log) against a snapshot of
  // 100 (~31 KB): past a tenth of the snapshot and 64 KiB, so the flush
  // checkpoints.
  await db.insertBatch(big.subarray(100 * 64));
  await db.flush();
  const auto = await h.load();
  assert.equal(auto.manifest.generation, gen0 + 2, 'an automatic checkpoint');
  assert.equal(auto.log.length, 0);
  await db.close();
  const again = await EdgeVec.open('c', { storage, autoCheckpoint: false });
  assert.equal(again.size, 1200);
  await again.insertBatch(big.subarray(0, 1000 * 64), { ids: Array.from({ length: 1000 }, (_, i) => 5000 + i) });
  await again.flush();
  assert.equal((await h.load()).manifest.generation, gen0 + 2, 'autoCheckpoint: false');
  await again.close();
  // A ratio of 2: 300 more vectors (~170 KB of log, past 64 KiB) stay well
  // under twice the snapshot of 1,200 vectors (~385 KB), so no checkpoint.
  const ratio = await EdgeVec.open('c', { storage, autoCheckpoint: 2 });
  const gen = (await h.readManifest()).generation;
  await ratio.insertBatch(big.subarray(0, 300 * 64), { ids: Array.from({ length: 300 }, (_, i) => 9000 + i) });
  await ratio.flush();
  assert.equal((await h.readManifest()).generation, gen, 'under the ratio: no checkpoint');
  await ratio.checkpoint();
  assert.equal((await h.readManifest()).generation, gen + 1);
  await ratio.close();
});

test('a flush after compact() writes a snapshot (unless autoCheckpoint is off)', async (t) => {
  const storage = new MemoryStorage();
  const data = clustered({ seed: 44, n: 200, dim: 16 });
  const db = await EdgeVec.open('k', { storage, dimensions: 16 });
  const h = await storage.open('k', { readOnly: true });
  const { ids } = await db.insertBatch(data);
  db.softDeleteBatch(ids.subarray(0, 50));
  await db.flush();
  const gen = (await h.readManifest()).generation;
  assert.equal((await h.readLog()).length, 1, 'a small log: no checkpoint yet');
  db.compact();
  await db.flush();
  assert.equal((await h.readManifest()).generation, gen + 1, 'the compaction went into a snapshot');
  assert.deepEqual(await h.readLog(), [], 'and the log that held it is gone');
  // The flag is spent: the next small flush is a log record again.
  await db.insertBatch(data.subarray(0, 16), { ids: [10000] });
  await db.flush();
  assert.equal((await h.readManifest()).generation, gen + 1);
  assert.equal((await h.readLog()).length, 1);
  const want = db.search(data.subarray(16 * 60, 16 * 61), 5);
  await db.close();
  // With autoCheckpoint: false the compaction stays a log record, which
  // replays (by rebuilding) to the same index.
  const off = await EdgeVec.open('k', { storage, autoCheckpoint: false });
  assert.deepEqual(off.search(data.subarray(16 * 60, 16 * 61), 5), want);
  off.softDeleteBatch([ids[60]]);
  off.compact();
  await off.close();
  assert.equal((await h.readManifest()).generation, gen + 1);
  const log = await h.readLog();
  assert.equal(log.length, 2);
  const again = await EdgeVec.open('k', { storage, readOnly: true });
  assert.equal(again.size, 150);
  assert.equal(again.has(ids[60]), false);
  again.dispose();

  // A snapshot that fails to store leaves the compaction due: the next
  // automatic attempt (after the back-off's first second) writes it.
  const realNow = clock.now;
  let now = 0;
  clock.now = () => now;
  t.after(() => { clock.now = realNow; });
  let failSnapshot = true;
  const faulty = {
    open: async (/** @type {string} */ name, /** @type {any} */ o) => {
      const fh = await storage.open(name, o);
      return {
        ...fh,
        load: () => fh.load(),
        close: () => fh.close(),
        appendLog: (/** @type {number} */ seq, /** @type {Uint8Array} */ bytes) => fh.appendLog(seq, bytes),
        writeSnapshot: async (/** @type {Uint8Array} */ bytes, /** @type {number} */ seq) => {
          if (failSnapshot) {
            failSnapshot = false;
            throw Object.assign(new Error('quota exceeded'), { name: 'EdgeVecError', code: 'STORAGE_QUOTA' });
          }
          return fh.writeSnapshot(bytes, seq);
        },
      };
    },
    list: () => storage.list(),
    remove: (/** @type {string} */ n) => storage.remove(n),
    sizeBytes: (/** @type {string} */ n) => storage.sizeBytes(n),
  };
  const retry = await EdgeVec.open('k', { storage: faulty });
  retry.softDeleteBatch([ids[61]]);
  retry.compact();
  const genBefore = (await h.readManifest()).generation;
  await retry.flush(); // the commit is stored; the checkpoint failed
  assert.equal((await h.readManifest()).generation, genBefore);
  now += 1000;
  // The next flush writes the snapshot, then reports the earlier failure.
  await rejectsWith(() => retry.flush(), 'STORAGE_QUOTA');
  assert.equal((await h.readManifest()).generation, genBefore + 1, 'the snapshot came with the next flush');
  assert.deepEqual(await h.readLog(), []);
  await retry.close();
});

test('one writer per name; readers open read-only; READ_ONLY and NOT_FOUND', async () => {
  const storage = new MemoryStorage();
  await rejectsWith(() => EdgeVec.open('r', { storage, readOnly: true }), 'NOT_FOUND');
  const writer = await EdgeVec.open('r', { storage, dimensions: DIM });
  writer.insert(rows[0], 1);
  await writer.flush();
  await rejectsWith(() => EdgeVec.open('r', { storage }), 'LOCKED');
  await rejectsWith(() => EdgeVec.remove('r', storage), 'LOCKED');
  const reader = await EdgeVec.open('r', { storage, readOnly: true });
  assert.equal(reader.has(1), true);
  assert.equal(reader.search(rows[0], 1)[0].id, 1n);
  throwsWith(() => reader.insert(rows[1]), 'READ_ONLY');
  throwsWith(() => reader.softDelete(1), 'READ_ONLY');
  throwsWith(() => reader.softDeleteBatch([1]), 'READ_ONLY');
  throwsWith(() => reader.compact(), 'READ_ONLY');
  await rejectsWith(() => reader.insertBatch([rows[1]]), 'READ_ONLY');
  await rejectsWith(() => reader.flush(), 'READ_ONLY');
  await rejectsWith(() => reader.checkpoint(), 'READ_ONLY');
  await reader.close();
  await writer.close();
  const next = await EdgeVec.open('r', { storage });
  await next.close();
  // flush on an in-memory index says what to do instead.
  const mem = await EdgeVec.create({ dimensions: DIM });
  await rejectsWith(() => mem.flush(), 'INVALID_ARGUMENT', { message: /EdgeVec\.open/ });
  await mem.close();
  assert.equal(mem.disposed, true);
  await rejectsWith(() => EdgeVec.open('', { storage }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.open('x', { storage: /** @type {any} */ ({}) }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.open('x', /** @type {any} */ ({ dimensions: DIM })), 'INVALID_ARGUMENT', { message: /IndexedDB/ });
});

/** The stored snapshot bytes of a MemoryStorage database (its internal map). */
function storedSnapshot(storage, name) {
  return storage.dbs.get(name);
}

test('a corrupt snapshot is CORRUPT naming the section; a newer one UNSUPPORTED_VERSION', async () => {
  const storage = new MemoryStorage();
  const db = await EdgeVec.open('x', { storage, dimensions: DIM });
  await db.insertBatch(data.subarray(0, 50 * DIM));
  await db.checkpoint();
  await db.close();
  const entry = storedSnapshot(storage, 'x');
  const good = entry.snapshot.slice();

  // One bit flipped in the vectors: that section's CRC fails.
  const headerLen = new DataView(good.buffer).getUint32(12, true);
  const flipped = good.slice();
  flipped[headerLen + 5] ^= 0x10;
  entry.snapshot = flipped;
  const err = await rejectsWith(() => EdgeVec.open('x', { storage }), 'CORRUPT');
  assert.ok(err.section && err.section !== 'header', `section ${err.section}`);
  assert.match(err.message, /checksum|CRC/i);

  // Truncated: CORRUPT too.
  entry.snapshot = good.slice(0, good.length - 7);
  await rejectsWith(() => EdgeVec.open('x', { storage }), 'CORRUPT');

  // Version 3 with a valid header CRC: refused as newer, not as corrupt.
  const newer = good.slice();
  const view = new DataView(newer.buffer);
  view.setUint32(8, 3, true);
  const covered = new Uint8Array(headerLen - 4);
  covered.set(newer.subarray(0, 16), 0);
  covered.set(newer.subarray(20, headerLen), 16);
  view.setUint32(16, crc32(covered), true);
  entry.snapshot = newer;
  await rejectsWith(() => EdgeVec.open('x', { storage }), 'UNSUPPORTED_VERSION', { message: /version 3/ });

  entry.snapshot = good;
  const ok = await EdgeVec.open('x', { storage });
  assert.equal(ok.size, 50);
  await ok.close();
});

test('a storage failure rejects the flush, keeps the index usable, and the next flush commits it all', async () => {
  const storage = new MemoryStorage();
  let failNext = false;
  // A fault-injecting wrapper over the real MemoryStorage handle.
  const faulty = {
    open: async (name, o) => {
      const h = await storage.open(name, o);
      return {
        ...h,
        load: () => h.load(),
        close: () => h.close(),
        writeSnapshot: (b, s) => h.writeSnapshot(b, s),
        appendLog: async (seq, bytes) => {
          if (failNext) {
            failNext = false;
            throw Object.assign(new Error('quota exceeded'), { name: 'EdgeVecError', code: 'STORAGE_QUOTA' });
          }
          return h.appendLog(seq, bytes);
        },
      };
    },
    list: () => storage.list(),
    remove: (n) => storage.remove(n),
    sizeBytes: (n) => storage.sizeBytes(n),
  };
  const db = await EdgeVec.open('q', { storage: faulty, dimensions: DIM });
  await db.insertBatch(data.subarray(0, 10 * DIM));
  failNext = true;
  await rejectsWith(() => db.flush(), 'STORAGE_QUOTA');
  assert.equal(db.size, 10, 'the in-memory index is unaffected');
  db.insert(rows[20], 100);
  await db.flush();
  await db.close();
  const again = await EdgeVec.open('q', { storage });
  assert.equal(again.size, 11);
  assert.ok(again.has(0) && again.has(9) && again.has(100));
  await again.close();
});

test('autoFlush errors go to onFlushError; the changes stay pending for the next flush', async () => {
  const storage = new MemoryStorage();
  let fail = true;
  const faulty = {
    open: async (name, o) => {
      const h = await storage.open(name, o);
      return {
        load: () => h.load(),
        close: () => h.close(),
        writeSnapshot: (b, s) => h.writeSnapshot(b, s),
        appendLog: async (seq, bytes) => {
          if (fail) throw Object.assign(new Error('disk full'), { name: 'EdgeVecError', code: 'STORAGE_QUOTA' });
          return h.appendLog(seq, bytes);
        },
      };
    },
    list: () => storage.list(),
    remove: (n) => storage.remove(n),
  };
  /** @type {unknown[]} */
  const errors = [];
  const db = await EdgeVec.open('f', { storage: faulty, dimensions: DIM, autoFlush: true, onFlushError: (e) => errors.push(e) });
  db.insert(rows[0], 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(errors.length, 1);
  assert.equal(/** @type {{ code: string }} */ (errors[0]).code, 'STORAGE_QUOTA');
  fail = false;
  db.insert(rows[1], 2);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(errors.length, 1);
  db.dispose();
  await new Promise((r) => setTimeout(r, 10));
  const again = await EdgeVec.open('f', { storage });
  assert.ok(again.has(1) && again.has(2), 'the failed commit was retried by the next one');
  await again.close();
});

test('a seeded random sequence of operations reloads to the same index', async () => {
  const rand = mulberry32(4242);
  const storage = new MemoryStorage();
  let db = await EdgeVec.open('p', { storage, dimensions: DIM, seed: 9 });
  let nextRow = 0;
  let maxId = 0;
  for (let step = 0; step < 40; step++) {
    const r = rand();
    if (r < 0.35) {
      const n = 1 + Math.floor(rand() * 20);
      const start = nextRow % 500;
      const { ids } = await db.insertBatch(data.subarray(start * DIM, (start + n) * DIM));
      nextRow += n;
      maxId = Math.max(maxId, Number(ids[ids.length - 1]) + 1);
    } else if (r < 0.55) {
      db.softDeleteBatch(Array.from({ length: 5 }, () => Math.floor(rand() * Math.max(1, maxId))));
    } else if (r < 0.6) {
      db.compact();
    } else if (r < 0.75) {
      await db.flush();
    } else if (r < 0.82) {
      await db.checkpoint();
    } else if (r < 0.9) {
      const id = Math.floor(rand() * (maxId + 3));
      if (!db.has(id)) db.insert(rows[500 + (step % 100)], id);
      maxId = Math.max(maxId, id + 1);
    } else {
      const before = fingerprint(db, maxId);
      await db.close();
      db = await EdgeVec.open('p', { storage });
      assert.deepEqual(fingerprint(db, maxId), before, `reload at step ${step}`);
    }
  }
  const before = fingerprint(db, maxId);
  await db.close();
  const last = await EdgeVec.open('p', { storage });
  assert.deepEqual(fingerprint(last, maxId), before);
  await last.close();
});
