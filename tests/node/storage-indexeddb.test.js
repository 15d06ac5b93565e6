// tests/node/storage-indexeddb.test.js (js/storage/indexeddb.js) —
// IndexedDbStorage beyond the shared conformance suite: what a closed tab in
// the middle of a checkpoint leaves, quota errors, blocked upgrades and
// deletes, durability, exact-size stored values and damaged records. Runs on
// fake-indexeddb with a fresh factory per test; failures are injected by
// ./storage-helpers/idb-faults.js around it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { IndexedDbStorage, InProcessLocks } from '../../js/storage/index.js';
import { bytesOf, rejectsWith } from './storage-helpers/conformance.js';
import { faultyIndexedDB, rawConnection, rawDump, rawWrite } from './storage-helpers/idb-faults.js';

const SMALL = { chunkBytes: 10, transactionBytes: 20 }; // 2 chunks per transaction

/** A page with Web Locks: its own lock scope (locks die with the page).
 * Not being the in-realm fallback, the lock counts as origin-wide, so a
 * writer record a killed page left is replaced at once, as in a browser. */
function page(indexedDB, options = {}) {
  const own = new InProcessLocks();
  const locks = { request: (name, opts, callback) => own.request(name, opts, callback) };
  return new IndexedDbStorage({ indexedDB, IDBKeyRange, locks, ...SMALL, ...options });
}

const snapA = bytesOf(35, 1); // 4 chunks
const snapB = bytesOf(95, 2); // 10 chunks: 4 chunk transactions + the final one

/** gen 1 = snapA at seq 2, log 3..5 */
async function seed(indexedDB) {
  const h = await page(indexedDB).open('db');
  for (let seq = 1; seq <= 3; seq++) await h.appendLog(seq, bytesOf(seq, seq));
  await h.writeSnapshot(snapA, 2);
  for (let seq = 4; seq <= 5; seq++) await h.appendLog(seq, bytesOf(seq, seq));
  await h.close();
}

function summary(state) {
  return {
    manifest: state.manifest,
    snapshot: state.snapshot && [...state.snapshot],
    log: state.log.map((r) => [r.seq, [...r.bytes]]),
  };
}
const OLD = {
  manifest: { generation: 1, snapshotSeq: 2, snapshotBytes: 35 },
  snapshot: [...snapA],
  log: [3, 4, 5].map((s) => [s, [...bytesOf(s, s)]]),
};
const NEW = { manifest: { generation: 2, snapshotSeq: 5, snapshotBytes: 95 }, snapshot: [...snapB], log: [] };

const chunkKeys = async (indexedDB) => (await rawDump(indexedDB, 'edgevec:db', 'chunks')).keys;

describe('IndexedDbStorage', () => {
  it('uses strict durability by default and relaxed when asked', async () => {
    for (const durability of [undefined, 'relaxed']) {
      const f = faultyIndexedDB(new IDBFactory());
      const h = await page(f.indexedDB, durability ? { durability } : {}).open('d');
      await h.appendLog(1, bytesOf(3));
      await h.writeSnapshot(snapB, 1);
      await h.readSnapshot(1);
      await h.close();
      const rw = f.transactions.filter((t) => t.mode === 'readwrite');
      assert.ok(rw.length >= 6, `${rw.length} readwrite transactions`);
      assert.deepEqual([...new Set(rw.map((t) => t.durability))], [durability ?? 'strict']);
    }
    assert.throws(() => page(new IDBFactory(), { durability: 'none' }), { code: 'STORAGE' });
  });

  it('a tab closed at any point of a checkpoint loads either the old snapshot with its log or the new one', async () => {
    // open = readwrite transactions 1 (writer record) and 2, writeSnapshot =
    // 3..7; 8 never happens.
    for (let kill = 1; kill <= 8; kill++) {
      const real = new IDBFactory();
      await seed(real);
      const f = faultyIndexedDB(real, { killAtTx: kill });
      const tab = page(f.indexedDB);
      let committed = false;
      try {
        const h = await tab.open('db');
        await h.writeSnapshot(snapB, 5);
        committed = true;
      } catch (err) {
        assert.equal(err.name, 'EdgeVecError');
        assert.equal(err.code, 'STORAGE');
      }
      assert.equal(committed, kill === 8, `kill at ${kill}`);
      const orphans = (await chunkKeys(real)).filter(([g]) => g === 2 && !committed);
      // transactions 4..7 run after chunk transaction 3 committed some of gen 2
      assert.equal(orphans.length > 0, kill >= 4 && kill <= 7, `orphans after kill at ${kill}`);

      // A reader sees a complete state and does not touch the orphans.
      const reader = await page(real).open('db', { readOnly: true });
      assert.deepEqual(summary(await reader.load()), committed ? NEW : OLD, `reader after kill at ${kill}`);
      await reader.close();
      assert.equal((await chunkKeys(real)).filter(([g]) => g === 2 && !committed).length, orphans.length);

      // The next writer's open leaves them; removeLeftovers (called by
      // EdgeVec.open once the state decoded) removes them.
      const next = await page(real).open('db');
      assert.deepEqual(summary(await next.load()), committed ? NEW : OLD);
      assert.equal((await chunkKeys(real)).filter(([g]) => g === 2 && !committed).length, orphans.length);
      await next.removeLeftovers();
      const keys = await chunkKeys(real);
      const gen = committed ? 2 : 1;
      assert.deepEqual(keys, Array.from({ length: committed ? 10 : 4 }, (_, i) => [gen, i]), `chunks after reopen (kill ${kill})`);
      if (!committed) {
        const m = await next.writeSnapshot(snapB, 5);
        assert.equal(m.generation, 2);
        assert.deepEqual(summary(await next.load()), NEW);
      }
      await next.close();
    }
  });

  it('a tab closed during the first checkpoint leaves the log alone or the new state, never CORRUPT', async () => {
    const logOnly = { manifest: null, snapshot: null, log: [1, 2, 3].map((s) => [s, [...bytesOf(s, s)]]) };
    const first = { manifest: { generation: 1, snapshotSeq: 2, snapshotBytes: 95 }, snapshot: [...snapB], log: [[3, [...bytesOf(3, 3)]]] };
    let sawOrphans = false;
    for (let kill = 1; kill <= 7; kill++) {
      const real = new IDBFactory();
      const h = await page(real).open('db');
      for (let seq = 1; seq <= 3; seq++) await h.appendLog(seq, bytesOf(seq, seq));
      await h.close();
      const f = faultyIndexedDB(real, { killAtTx: kill });
      let committed = false;
      try {
        const w = await page(f.indexedDB).open('db');
        await w.writeSnapshot(snapB, 2);
        committed = true;
      } catch (err) {
        assert.equal(err.code, 'STORAGE', err.message);
      }
      sawOrphans ||= !committed && (await chunkKeys(real)).length > 0;
      const reader = await page(real).open('db', { readOnly: true });
      assert.deepEqual(summary(await reader.load()), committed ? first : logOnly, `reader after kill at ${kill}`);
      await reader.close();
      const next = await page(real).open('db');
      await next.removeLeftovers();
      assert.deepEqual(summary(await next.load()), committed ? first : logOnly);
      assert.deepEqual(await chunkKeys(real), committed ? Array.from({ length: 10 }, (_, i) => [1, i]) : [], `chunks after kill at ${kill}`);
      // 'writer' is the open writer's own record (writer-lease.js), not data.
      const metaKeys = (await rawDump(real, 'edgevec:db', 'meta')).keys.filter((k) => k !== 'writer');
      assert.deepEqual(metaKeys, committed ? ['manifest'] : []);
      await next.close();
    }
    assert.ok(sawOrphans, 'some kill left chunks of the first generation without a manifest');
  });

  it('a tab closed during appendLog loses only that record', async () => {
    const real = new IDBFactory();
    await seed(real);
    const f = faultyIndexedDB(real, { killAtTx: 3 });
    const h = await page(f.indexedDB).open('db');
    await rejectsWith(h.appendLog(6, bytesOf(6, 6)), 'STORAGE');
    const again = await page(real).open('db');
    assert.deepEqual(summary(await again.load()), OLD);
    await again.appendLog(6, bytesOf(6, 6));
    await again.close();
  });

  it('a quota error on appendLog is STORAGE_QUOTA and the handle stays usable', async () => {
    const f = faultyIndexedDB(new IDBFactory(), { quota: ({ store, bytes }) => store === 'log' && bytes > 100 });
    const h = await page(f.indexedDB).open('q');
    await h.appendLog(1, bytesOf(10));
    await rejectsWith(h.appendLog(2, bytesOf(500)), 'STORAGE_QUOTA', /quota/);
    assert.deepEqual((await h.readLog()).map((r) => r.seq), [1]);
    await h.appendLog(2, bytesOf(50)); // the refused sequence number is still free
    f.plan.quota = null;
    await h.appendLog(3, bytesOf(500));
    assert.deepEqual((await h.readLog()).map((r) => [r.seq, r.bytes.byteLength]), [[1, 10], [2, 50], [3, 500]]);
    await h.close();
  });

  it('a quota error during a checkpoint keeps the previous snapshot, cleans up, and a later checkpoint succeeds', async () => {
    for (const where of ['a chunk transaction', 'the final transaction']) {
      const real = new IDBFactory();
      await seed(real);
      let chunkPuts = 0;
      const f = faultyIndexedDB(real, {
        quota: ({ store, key }) => (where === 'the final transaction' ? key === 'manifest' : store === 'chunks' && ++chunkPuts === 5),
      });
      const h = await page(f.indexedDB).open('db');
      await rejectsWith(h.writeSnapshot(snapB, 5), 'STORAGE_QUOTA');
      assert.deepEqual(summary(await h.load()), OLD, where);
      assert.deepEqual(await chunkKeys(real), [[1, 0], [1, 1], [1, 2], [1, 3]], `no orphans after ${where}`);
      f.plan.quota = null;
      await h.writeSnapshot(snapB, 5);
      assert.deepEqual(summary(await h.load()), NEW);
      await h.close();
    }
  });

  it('stores exact-size values, never the buffer behind a view', async () => {
    const real = new IDBFactory();
    const heap = new Uint8Array(1 << 16);
    heap.set(bytesOf(1 << 16, 3));
    const h = await page(real, { chunkBytes: 1 << 20 }).open('exact');
    await h.appendLog(1, heap.subarray(10, 20));
    await h.writeSnapshot(heap.subarray(1000, 1300), 0);
    await h.appendLog(2, heap.subarray(0, 7));
    await h.close();
    for (const store of ['chunks', 'log']) {
      const { values } = await rawDump(real, 'edgevec:exact', store);
      assert.ok(values.length > 0);
      for (const v of values) {
        assert.ok(v instanceof Uint8Array);
        assert.equal(v.buffer.byteLength, v.byteLength, `${store} value of ${v.byteLength} bytes holds a ${v.buffer.byteLength}-byte buffer`);
      }
    }
    // The control: IndexedDB itself keeps the whole buffer of a view.
    await rawWrite(real, 'edgevec:exact', 'log', (s) => s.put(heap.subarray(0, 7), 99));
    const { values } = await rawDump(real, 'edgevec:exact', 'log');
    assert.equal(values.at(-1).buffer.byteLength, 1 << 16);
  });

  it('an upgrade blocked by an old page is STORAGE_BLOCKED and releases the lock', async () => {
    const real = new IDBFactory();
    await seed(real);
    class NextRelease extends IndexedDbStorage { static SCHEMA_VERSION = 2; }
    const locks = new InProcessLocks();
    const next = new NextRelease({ indexedDB: real, IDBKeyRange, locks, ...SMALL, openTimeoutMs: 200 });
    const old = await rawConnection(real, 'edgevec:db', 1); // ignores versionchange
    await rejectsWith(next.open('db'), 'STORAGE_BLOCKED', /blocks the upgrade/);
    // A second attempt queues behind the first, gets no blocked event of its
    // own, and must not hang.
    await rejectsWith(next.open('db', { readOnly: true }), 'STORAGE_BLOCKED', /no answer after 200 ms/);
    old.close();
    const h = await next.open('db'); // not LOCKED: the failed open let go of the lock
    assert.deepEqual(summary(await h.load()), OLD, 'the upgrade kept the data');
    await h.close();
    // The previous release now meets a newer schema and says so.
    await rejectsWith(page(real).open('db'), 'UNSUPPORTED_VERSION', /newer release/);
  });

  it('a writer keeps its connection when another page upgrades; a reader gives way', async () => {
    const real = new IDBFactory();
    await seed(real);
    const locks = new InProcessLocks();
    const w = await new IndexedDbStorage({ indexedDB: real, IDBKeyRange, locks, ...SMALL }).open('db');
    class NextRelease extends IndexedDbStorage { static SCHEMA_VERSION = 2; }
    await rejectsWith(new NextRelease({ indexedDB: real, IDBKeyRange, locks: new InProcessLocks() }).open('db', { readOnly: true }), 'STORAGE_BLOCKED');
    await w.appendLog(6, bytesOf(6, 6)); // still writing
    await w.close(); // the queued upgrade now completes

    const nextPage = () => new NextRelease({ indexedDB: real, IDBKeyRange, locks: new InProcessLocks() });
    const r = await nextPage().open('db', { readOnly: true });
    assert.deepEqual((await r.readLog()).map((x) => x.seq), [3, 4, 5, 6]);
    await nextPage().remove('db'); // not blocked: the reader closes on versionchange
    await rejectsWith(r.readManifest(), 'STORAGE', /another page/);
    await r.close();
    assert.deepEqual(await page(real).list(), []);
  });

  it('remove blocked by a foreign connection is STORAGE_BLOCKED', async () => {
    const real = new IDBFactory();
    await seed(real);
    const foreign = await rawConnection(real, 'edgevec:db', 1);
    await rejectsWith(page(real).remove('db'), 'STORAGE_BLOCKED');
    foreign.close();
  });

  it('damaged records are CORRUPT errors, not short reads', async () => {
    const real = new IDBFactory();
    await seed(real);
    await rawWrite(real, 'edgevec:db', 'chunks', (s) => s.delete([1, 2]));
    const h = await page(real).open('db');
    await rejectsWith(h.readSnapshot(1), 'CORRUPT', /chunk 2 is missing/);
    await rejectsWith(h.load(), 'CORRUPT', /chunk 2 is missing/);
    await h.close();
    await rawWrite(real, 'edgevec:db', 'meta', (s) => s.put({ format: 0 }, 'manifest'));
    const tab = page(real);
    await rejectsWith(tab.open('db'), 'CORRUPT', /manifest/);
    const reader = await tab.open('db', { readOnly: true });
    await rejectsWith(reader.load(), 'CORRUPT', /manifest/);
    await reader.close();
    // The failed writable open closed its connection and let go of the lock,
    // so nothing blocks removing the damaged database.
    await tab.remove('db');
    assert.deepEqual(await tab.list(), []);
  });

  it('refuses an IndexedDB database that is not an EdgeVec one', async () => {
    const real = new IDBFactory();
    (await rawConnection(real, 'edgevec:foreign', 1)).close();
    await rejectsWith(page(real).open('foreign'), 'STORAGE', /not an EdgeVec database/);
  });

  it('keeps databases of other prefixes apart', async () => {
    const real = new IDBFactory();
    const a = await page(real).open('x');
    await a.appendLog(1, bytesOf(1));
    await a.close();
    const other = page(real, { prefix: 'app2:' });
    assert.deepEqual(await other.list(), []);
    (await rawConnection(real, 'unrelated', 1)).close();
    assert.deepEqual(await page(real).list(), ['x']);
  });

  it('list() skips databases of version 0 (WebKit lists an aborted creation that way)', async () => {
    const real = new IDBFactory();
    await seed(real);
    const webkitLike = new Proxy(real, {
      get: (t, p) => (p === 'databases'
        ? async () => [...(await t.databases()), { name: 'edgevec:ghost', version: 0 }]
        : Reflect.get(t, p, t).bind(t)),
    });
    assert.deepEqual(await page(webkitLike).list(), ['db']);
  });

  it('list() without indexedDB.databases() is a clear error', async () => {
    const real = new IDBFactory();
    const noList = new Proxy(real, { get: (t, p) => (p === 'databases' ? undefined : Reflect.get(t, p, t).bind(t)) });
    await rejectsWith(page(noList).list(), 'STORAGE', /databases\(\)/);
  });
});
