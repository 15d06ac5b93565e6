// tests/node/storage-writer-lease.test.js (js/storage/writer-lease.js) — the
// IndexedDB writer record that fences writers the Web Lock cannot see. Two
// realms without Web Locks are two IndexedDbStorage instances over one
// fake-indexeddb factory, each with its own in-realm lock manager (what two
// tabs of a plain-http origin have). Their clock is the test's, so a lease
// runs out without waiting for it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { IndexedDbStorage, InProcessLocks } from '../../js/storage/index.js';
import { LEASE_MS } from '../../js/storage/writer-lease.js';
import { bytesOf, rejectsWith } from './storage-helpers/conformance.js';
import { rawConnection, rawDump, rawWrite } from './storage-helpers/idb-faults.js';

const SMALL = { chunkBytes: 10, transactionBytes: 20 }; // 2 chunks per transaction
const DB = 'edgevec:db';
const snapA = bytesOf(35, 1); // 4 chunks
const snapB = bytesOf(95, 2); // 10 chunks: 4 chunk transactions + the final one
const SUSPENDED = 3_600_000; // a heartbeat period no test outlives: the tab is frozen

/** A realm without Web Locks (a tab of a plain-http origin). */
function realm(indexedDB, clock, lease = {}) {
  return new IndexedDbStorage({
    indexedDB, IDBKeyRange, locks: new InProcessLocks(), ...SMALL,
    lease: { now: () => clock.t, ...lease },
  });
}

/** A page with Web Locks: its lock manager is not the in-realm fallback. */
function webLocksPage(indexedDB, clock) {
  const own = new InProcessLocks();
  const locks = { request: (name, opts, callback) => own.request(name, opts, callback) };
  return new IndexedDbStorage({ indexedDB, IDBKeyRange, locks, ...SMALL, lease: { now: () => clock.t } });
}

const plain = (v) => (v instanceof Uint8Array ? [...v] : v);
/** Every record of every store, keys and values. */
async function dumpAll(indexedDB) {
  const out = {};
  for (const store of ['meta', 'chunks', 'log']) {
    const { keys, values } = await rawDump(indexedDB, DB, store);
    out[store] = keys.map((k, i) => [k, plain(values[i])]);
  }
  return out;
}
const writerRecord = async (indexedDB) => {
  const { keys, values } = await rawDump(indexedDB, DB, 'meta');
  return values[keys.indexOf('writer')];
};
/** Everything but the writer record (whose heartbeat moves). */
async function data(indexedDB) {
  const all = await dumpAll(indexedDB);
  return { ...all, meta: all.meta.filter(([k]) => k !== 'writer') };
}

/** gen 1 = snapA at seq 2, log 3..5, written through `h`. */
async function seed(h) {
  for (let seq = 1; seq <= 3; seq++) await h.appendLog(seq, bytesOf(seq, seq));
  await h.writeSnapshot(snapA, 2);
  for (let seq = 4; seq <= 5; seq++) await h.appendLog(seq, bytesOf(seq, seq));
}

async function until(what, fn) {
  const deadline = Date.now() + 10_000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('IndexedDB writer record', () => {
  it('a second realm cannot write while the first heart-beats, however long it has been open', async () => {
    const idb = new IDBFactory();
    const clock = { t: 1_700_000_000_000 };
    const a = await realm(idb, clock, { heartbeatMs: 10 }).open('db');
    await seed(a);
    const token = (await writerRecord(idb)).token;
    const before = await data(idb);
    await rejectsWith(realm(idb, clock).open('db'), 'LOCKED', /another tab or worker/);
    // Three steps of most of a lease each: without heartbeats the record
    // would be stale from the second step on.
    for (let step = 0; step < 3; step++) {
      clock.t += LEASE_MS - 1000;
      await until('a heartbeat', async () => (await writerRecord(idb)).heartbeatAt === clock.t);
      await rejectsWith(realm(idb, clock).open('db'), 'LOCKED', /another tab or worker/);
      assert.equal((await writerRecord(idb)).token, token, 'a refused open leaves the record alone');
      assert.deepEqual(await data(idb), before, 'a refused open changes nothing');
    }
    await a.appendLog(6, bytesOf(6, 6)); // the first writer still writes
    await a.close();
    assert.equal(await writerRecord(idb), undefined, 'close() removes the record');
    // No lease to wait out after a clean close.
    const b = await realm(idb, clock).open('db');
    assert.deepEqual((await b.readLog()).map((r) => r.seq), [3, 4, 5, 6]);
    await b.close();
  });

  it('once the first stops heart-beating a second realm takes over, and the first is fenced off', async () => {
    const idb = new IDBFactory();
    const clock = { t: 1_700_000_000_000 };
    const a = await realm(idb, clock, { heartbeatMs: SUSPENDED }).open('db');
    await seed(a);
    await rejectsWith(realm(idb, clock).open('db'), 'LOCKED');
    clock.t += LEASE_MS - 1;
    await rejectsWith(realm(idb, clock).open('db'), 'LOCKED'); // still within the lease

    clock.t += 2; // the first tab slept through its lease
    const b = await realm(idb, clock).open('db');
    const state = await b.load();
    assert.deepEqual([state.manifest, [...state.snapshot], state.log.map((r) => r.seq)],
      [{ generation: 1, snapshotSeq: 2, snapshotBytes: 35 }, [...snapA], [3, 4, 5]]);
    await b.appendLog(6, bytesOf(66, 6));
    await b.writeSnapshot(bytesOf(45, 9), 6); // generation 2: what the stale writer would pick too
    await b.appendLog(7, bytesOf(77, 7));
    const before = await dumpAll(idb);

    // The first tab wakes up and carries on as if nothing happened.
    await rejectsWith(a.appendLog(6, bytesOf(6, 6)), 'LOCKED', /no longer this handle's/);
    assert.deepEqual(await dumpAll(idb), before, 'appendLog changed nothing');
    await rejectsWith(a.writeSnapshot(snapB, 6), 'LOCKED', /no longer this handle's/);
    assert.deepEqual(await dumpAll(idb), before, 'writeSnapshot changed nothing');
    await a.close();
    assert.deepEqual(await dumpAll(idb), before, "close() leaves the new writer's record");

    await rejectsWith(realm(idb, clock).open('db'), 'LOCKED'); // the new writer is protected in turn
    await b.close();
  });

  it('every readwrite transaction of a writer checks the record inside itself: a takeover between any two changes nothing', async () => {
    // Before the k-th readwrite transaction of the stale writer, another
    // writer takes the record over and writes its own generation 2 and a
    // log record, in a transaction that is queued ahead of it (so no check
    // made in an earlier transaction could see it). The stale writer's
    // transactions from k on, and its cleanup after the failure, must not
    // change a thing: the state stays what the other writer left.
    const ops = {
      appendLog: { tx: 1, run: (h) => h.appendLog(6, bytesOf(6, 6)) },
      writeSnapshot: { tx: 5, run: (h) => h.writeSnapshot(snapB, 5) },
    };
    for (const [name, op] of Object.entries(ops)) {
      for (let k = 1; k <= op.tx; k++) {
        const idb = new IDBFactory();
        const clock = { t: 1_700_000_000_000 };
        const hook = { armed: false, count: 0, k, expected: null };
        let thief = null;
        const steal = () => {
          const tx = thief.transaction(['meta', 'chunks', 'log'], 'readwrite');
          tx.objectStore('meta').put({ token: 'another writer', heartbeatAt: clock.t }, 'writer');
          for (let i = 0; i < 3; i++) tx.objectStore('chunks').put(bytesOf(10, 50 + i), [2, i]);
          tx.objectStore('log').put(bytesOf(9, 99), 6);
          const reads = ['meta', 'chunks', 'log'].map((s) => [tx.objectStore(s).getAllKeys(), tx.objectStore(s).getAll()]);
          tx.oncomplete = () => {
            hook.expected = Object.fromEntries(['meta', 'chunks', 'log'].map((s, i) =>
              [s, reads[i][0].result.map((key, j) => [key, plain(reads[i][1].result[j])])]));
          };
        };
        const a = await realm(hooked(idb, hook, steal), clock, { heartbeatMs: SUSPENDED }).open('db');
        await seed(a);
        thief = await rawConnection(idb, DB, 1);
        hook.armed = true;
        await rejectsWith(op.run(a), 'LOCKED', /no longer this handle's/);
        assert.ok(hook.count >= k, `${name} made ${hook.count} readwrite transactions, fewer than ${k}`);
        assert.deepEqual(await dumpAll(idb), hook.expected, `${name}: takeover before transaction ${k} of ${op.tx}`);
        thief.close();
        await a.close();
        assert.equal((await writerRecord(idb)).token, 'another writer');
      }
    }
  });

  it('a writer that lost the record stops heart-beating and never writes it back', async () => {
    const idb = new IDBFactory();
    const clock = { t: 1_700_000_000_000 };
    const a = await realm(idb, clock, { heartbeatMs: 5 }).open('db');
    clock.t += 1000;
    await until('a heartbeat', async () => (await writerRecord(idb)).heartbeatAt === clock.t);
    // Another tab took over while this one's heartbeat was late.
    await rawWrite(idb, DB, 'meta', (s) => s.put({ token: 'another writer', heartbeatAt: clock.t }, 'writer'));
    for (let i = 0; i < 5; i++) {
      clock.t += 1000;
      await new Promise((r) => setTimeout(r, 20)); // several heartbeat periods
      assert.deepEqual(await writerRecord(idb), { token: 'another writer', heartbeatAt: clock.t - 1000 * (i + 1) });
    }
    await rejectsWith(a.appendLog(1, bytesOf(1)), 'LOCKED');
    await a.close();
    assert.equal((await writerRecord(idb)).token, 'another writer');
  });

  it('with Web Locks, holding the lock is enough: a record a closed or killed writer left is replaced', async () => {
    const idb = new IDBFactory();
    const clock = { t: 1_700_000_000_000 };
    (await webLocksPage(idb, clock).open('db')).close();
    await rawWrite(idb, DB, 'meta', (s) => s.put({ token: 'a killed tab', heartbeatAt: clock.t }, 'writer'));
    // Without Web Locks that fresh record keeps a writer out ...
    await rejectsWith(realm(idb, clock).open('db'), 'LOCKED');
    // ... with them, the lock proves its owner is gone.
    const h = await webLocksPage(idb, clock).open('db');
    assert.notEqual((await writerRecord(idb)).token, 'a killed tab');
    await h.appendLog(1, bytesOf(1));
    await h.close();
    assert.equal(await writerRecord(idb), undefined);
  });

  it('a failed writable open gives the record back', async () => {
    const idb = new IDBFactory();
    const clock = { t: 1_700_000_000_000 };
    await (await realm(idb, clock).open('db')).close();
    await rawWrite(idb, DB, 'meta', (s) => s.put({ format: 99 }, 'manifest'));
    await assert.rejects(realm(idb, clock).open('db'));
    assert.equal(await writerRecord(idb), undefined);
    await rawWrite(idb, DB, 'meta', (s) => s.delete('manifest'));
    await (await realm(idb, clock).open('db')).close(); // no lease to wait out
  });
});

/**
 * The factory `idb`, except that once hook.armed, `steal()` runs right
 * before the hook.k-th readwrite transaction is created.
 */
function hooked(idb, hook, steal) {
  const forward = (target, prop) => {
    const value = Reflect.get(target, prop, target);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const set = (target, prop, value) => Reflect.set(target, prop, value, target);
  const wrapDb = (db) => new Proxy(db, {
    get(target, prop) {
      if (prop !== 'transaction') return forward(target, prop);
      return (stores, mode, options) => {
        if (hook.armed && mode === 'readwrite' && ++hook.count === hook.k) steal();
        return target.transaction(stores, mode, options);
      };
    },
    set,
  });
  return new Proxy(idb, {
    get(target, prop) {
      if (prop !== 'open') return forward(target, prop);
      return (name, version) => {
        const request = target.open(name, version);
        let db = null;
        return new Proxy(request, {
          get(t, p) {
            if (p === 'result') return (db ??= wrapDb(t.result));
            return forward(t, p);
          },
          set,
        });
      };
    },
  });
}
