// The storage conformance suite: the same behaviour, checked against every
// backend. Each backend file registers it with a factory; anything a backend
// does differently from the documented interface (js/storage/interface.js)
// fails here.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVecError } from '../../../js/errors.js';

/**
 * @typedef {object} Fixture
 * @property {any} storage      a fresh, empty storage
 * @property {() => any} reopen another instance over the same data (a reload)
 * @property {() => Promise<void>} [cleanup]
 */

/** Deterministic bytes, so a failure is reproducible. */
export function bytesOf(length, seed = 1) {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Asserts that `promise` rejects with an EdgeVecError of `code`. */
export async function rejectsWith(promise, code, message) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Error, 'an Error');
    assert.ok(Object.getPrototypeOf(err) === EdgeVecError.prototype, `the package's EdgeVecError: ${err.stack}`);
    assert.equal(err.name, 'EdgeVecError');
    assert.equal(err.code, code, `code of: ${err.message}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const plain = (records) => records.map((r) => ({ seq: r.seq, bytes: [...r.bytes] }));

/**
 * @param {string} label
 * @param {() => Promise<Fixture>} create
 */
export function storageConformance(label, create) {
  /** Runs `fn` with a fresh fixture and always cleans up. */
  const withFixture = (fn) => async () => {
    const fx = await create();
    try {
      await fn(fx);
    } finally {
      if (fx.cleanup) await fx.cleanup();
    }
  };

  describe(`storage conformance: ${label}`, () => {
    it('a new database is empty', withFixture(async ({ storage }) => {
      const h = await storage.open('fresh');
      assert.equal(h.name, 'fresh');
      assert.equal(h.readOnly, false);
      assert.equal(await h.readManifest(), null);
      assert.deepEqual(await h.readLog(), []);
      assert.deepEqual(await h.load(), { manifest: null, snapshot: null, log: [] });
      assert.equal(await h.sizeBytes(), 0);
      assert.deepEqual(await storage.list(), ['fresh']);
      await h.close();
    }));

    it('log records come back in sequence order, filtered by afterSeq', withFixture(async ({ storage }) => {
      const h = await storage.open('log');
      const seqs = [1, 2, 3, 5, 10, 2 ** 40];
      for (const seq of seqs) await h.appendLog(seq, bytesOf(seq % 97, seq));
      await h.appendLog(2 ** 40 + 1, new Uint8Array(0));
      const all = await h.readLog();
      assert.deepEqual(all.map((r) => r.seq), [...seqs, 2 ** 40 + 1]);
      for (const r of all) {
        assert.ok(r.bytes instanceof Uint8Array);
        const expected = r.seq === 2 ** 40 + 1 ? [] : [...bytesOf(r.seq % 97, r.seq)];
        assert.deepEqual([...r.bytes], expected, `record ${r.seq}`);
      }
      assert.deepEqual((await h.readLog(2)).map((r) => r.seq), [3, 5, 10, 2 ** 40, 2 ** 40 + 1]);
      assert.deepEqual((await h.readLog(4)).map((r) => r.seq), [5, 10, 2 ** 40, 2 ** 40 + 1]);
      assert.deepEqual(await h.readLog(2 ** 40 + 1), []);
      await rejectsWith(h.readLog(-1), 'STORAGE');
      await rejectsWith(h.readLog(1.5), 'STORAGE');
      await h.close();
    }));

    it('appendLog refuses bad or non-increasing sequence numbers and leaves the log as it was', withFixture(async ({ storage }) => {
      const h = await storage.open('seq');
      await h.appendLog(4, bytesOf(8));
      await rejectsWith(h.appendLog(4, bytesOf(8, 2)), 'STORAGE', /not after/);
      await rejectsWith(h.appendLog(3, bytesOf(8, 3)), 'STORAGE');
      await rejectsWith(h.appendLog(0, bytesOf(1)), 'STORAGE');
      await rejectsWith(h.appendLog(5.5, bytesOf(1)), 'STORAGE');
      await rejectsWith(h.appendLog(2 ** 53, bytesOf(1)), 'STORAGE');
      await rejectsWith(h.appendLog(6, [1, 2, 3]), 'STORAGE', /Uint8Array/);
      assert.deepEqual(plain(await h.readLog()), [{ seq: 4, bytes: [...bytesOf(8)] }]);
      await h.appendLog(6, bytesOf(2));
      assert.deepEqual((await h.readLog()).map((r) => r.seq), [4, 6]);
      await h.close();
    }));

    it('writeSnapshot stores the snapshot, flips the manifest and truncates the log <= seq', withFixture(async ({ storage }) => {
      const h = await storage.open('snap');
      for (let seq = 1; seq <= 5; seq++) await h.appendLog(seq, bytesOf(10 + seq, seq));
      const snap1 = bytesOf(1000, 42);
      const m1 = await h.writeSnapshot(snap1, 3);
      assert.deepEqual(m1, { generation: 1, snapshotSeq: 3, snapshotBytes: 1000 });
      assert.deepEqual(await h.readManifest(), m1);
      assert.deepEqual([...(await h.readSnapshot(1))], [...snap1]);
      assert.deepEqual((await h.readLog()).map((r) => r.seq), [4, 5], 'records <= 3 are gone');
      assert.deepEqual((await h.readLog(0)).map((r) => r.seq), [4, 5]);
      assert.equal(await h.sizeBytes(), 1000 + 14 + 15);
      assert.equal(await storage.sizeBytes('snap'), 1000 + 14 + 15);

      const state = await h.load();
      assert.deepEqual(state.manifest, m1);
      assert.deepEqual([...state.snapshot], [...snap1]);
      assert.deepEqual(plain(state.log), [{ seq: 4, bytes: [...bytesOf(14, 4)] }, { seq: 5, bytes: [...bytesOf(15, 5)] }]);

      await h.appendLog(6, bytesOf(3, 6));
      const snap2 = bytesOf(77, 7);
      const m2 = await h.writeSnapshot(snap2, 6);
      assert.deepEqual(m2, { generation: 2, snapshotSeq: 6, snapshotBytes: 77 });
      assert.deepEqual([...(await h.readSnapshot(2))], [...snap2]);
      await rejectsWith(h.readSnapshot(1), 'STORAGE', /not the current/);
      assert.deepEqual(await h.readLog(), []);
      await rejectsWith(h.appendLog(6, bytesOf(1)), 'STORAGE', /not after/);
      await rejectsWith(h.writeSnapshot(snap2, 5), 'STORAGE', /before/);
      assert.deepEqual(await h.readManifest(), m2, 'a refused writeSnapshot changes nothing');
      await h.close();
    }));

    it('a snapshot may contain more than the log holds, and may be empty', withFixture(async ({ storage }) => {
      const h = await storage.open('ahead');
      await h.appendLog(1, bytesOf(5));
      await h.writeSnapshot(new Uint8Array(0), 9);
      assert.deepEqual(await h.readManifest(), { generation: 1, snapshotSeq: 9, snapshotBytes: 0 });
      assert.deepEqual([...(await h.readSnapshot(1))], []);
      assert.deepEqual(await h.readLog(), []);
      await rejectsWith(h.appendLog(9, bytesOf(1)), 'STORAGE');
      await h.appendLog(10, bytesOf(1));
      // seq 0 is a snapshot of nothing logged, allowed once nothing is newer
      const h2 = await storage.open('zero');
      await h2.writeSnapshot(bytesOf(3), 0);
      assert.deepEqual(await h2.readManifest(), { generation: 1, snapshotSeq: 0, snapshotBytes: 3 });
      await h.close();
      await h2.close();
    }));

    it('large snapshots round-trip exactly, across a reload', withFixture(async ({ storage, reopen }) => {
      const h = await storage.open('big');
      const big = bytesOf(300_001, 9);
      await h.writeSnapshot(big, 0);
      await h.appendLog(1, bytesOf(4000, 11));
      await h.close();
      const again = reopen();
      const r = await again.open('big');
      const state = await r.load();
      assert.equal(state.snapshot.byteLength, big.byteLength);
      assert.ok(Buffer.compare(state.snapshot, big) === 0, 'snapshot bytes identical');
      assert.deepEqual(state.log.map((x) => x.seq), [1]);
      assert.ok(Buffer.compare(state.log[0].bytes, bytesOf(4000, 11)) === 0);
      // the writer learnt the last sequence number from storage
      await rejectsWith(r.appendLog(1, bytesOf(1)), 'STORAGE', /not after/);
      await r.appendLog(2, bytesOf(1));
      await r.close();
    }));

    it('stores exact-size copies: views store only their bytes, later changes to either side do not leak', withFixture(async ({ storage, reopen }) => {
      const h = await storage.open('copies');
      const heap = bytesOf(4096, 5);
      const logView = heap.subarray(100, 150);
      const snapView = new Uint8Array(heap.buffer, 1000, 2000);
      const wantLog = [...logView];
      const wantSnap = [...snapView];
      await h.appendLog(1, logView);
      await h.writeSnapshot(snapView, 0);
      heap.fill(0xee); // the caller reuses its buffer (the wasm heap does)
      const log = await h.readLog();
      assert.equal(log[0].bytes.byteLength, 50);
      assert.deepEqual([...log[0].bytes], wantLog);
      const snap = await h.readSnapshot(1);
      assert.equal(snap.byteLength, 2000);
      assert.deepEqual([...snap], wantSnap);
      assert.equal(snap.buffer.byteLength, 2000, 'returned snapshot owns an exact buffer');
      snap.fill(1); // mutating what was returned does not change what is stored
      log[0].bytes.fill(1);
      await rejectsWith(h.writeSnapshot(new Float32Array(4), 1), 'STORAGE', /Uint8Array/);
      await h.close();
      const r = await reopen().open('copies', { readOnly: true });
      assert.deepEqual([...(await r.readSnapshot(1))], wantSnap);
      assert.deepEqual([...(await r.readLog())[0].bytes], wantLog);
      await r.close();
    }));

    it('writes issued without waiting are applied in call order', withFixture(async ({ storage }) => {
      const h = await storage.open('burst');
      const heap = bytesOf(64, 4);
      const calls = [
        h.appendLog(1, heap.subarray(0, 8)),
        h.appendLog(2, heap.subarray(8, 16)),
        h.writeSnapshot(heap.subarray(0, 40), 2),
        h.appendLog(3, heap.subarray(16, 24)),
        h.writeSnapshot(heap.subarray(0, 50), 3),
        h.appendLog(3, heap.subarray(0, 1)), // refused: 3 is taken
        h.appendLog(4, heap.subarray(24, 32)),
      ];
      heap.fill(0); // copies were taken when each call was made
      const results = await Promise.allSettled(calls);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      assert.deepEqual(results[2].value.generation, 1);
      assert.deepEqual(results[4].value, { generation: 2, snapshotSeq: 3, snapshotBytes: 50 });
      const state = await h.load();
      assert.deepEqual([...state.snapshot], [...bytesOf(64, 4).subarray(0, 50)]);
      assert.deepEqual(plain(state.log), [{ seq: 4, bytes: [...bytesOf(64, 4).subarray(24, 32)] }]);
      await h.close();
    }));

    it('list and remove', withFixture(async ({ storage, reopen }) => {
      assert.deepEqual(await storage.list(), []);
      const names = ['b', 'a', 'Ünïcode ✓', 'with/slash', '..', 'A'];
      for (const n of names) {
        const h = await storage.open(n);
        await h.appendLog(1, bytesOf(3));
        await h.close();
      }
      const sorted = [...names].sort();
      assert.deepEqual(await storage.list(), sorted);
      assert.deepEqual(await reopen().list(), sorted);
      assert.equal(await storage.sizeBytes('a'), 3);
      await storage.remove('with/slash');
      await storage.remove('..');
      await storage.remove('never-existed');
      assert.deepEqual(await storage.list(), ['A', 'a', 'b', 'Ünïcode ✓'].sort());
      assert.equal(await storage.sizeBytes('with/slash'), 0);
      await rejectsWith(storage.open('with/slash', { readOnly: true }), 'NOT_FOUND');
      const h = await storage.open('with/slash');
      assert.deepEqual(await h.load(), { manifest: null, snapshot: null, log: [] }, 'a removed name starts empty');
      assert.deepEqual((await storage.open('a', { readOnly: true }).then(async (r) => { const l = await r.readLog(); await r.close(); return l; })).map((x) => x.seq), [1]);
      await h.close();
      await rejectsWith(storage.open(''), 'STORAGE');
      await rejectsWith(storage.open('x'.repeat(300)), 'STORAGE');
    }));

    it('a read-only open of a missing database fails with NOT_FOUND and creates nothing', withFixture(async ({ storage }) => {
      await rejectsWith(storage.open('ghost', { readOnly: true }), 'NOT_FOUND');
      assert.deepEqual(await storage.list(), []);
      assert.equal(await storage.sizeBytes('ghost'), 0);
    }));

    it('one writer per name: LOCKED for a second writer and for remove, readers allowed', withFixture(async ({ storage }) => {
      const w = await storage.open('shared');
      await w.appendLog(1, bytesOf(4));
      await rejectsWith(storage.open('shared'), 'LOCKED');
      await rejectsWith(storage.remove('shared'), 'LOCKED');
      const other = await storage.open('other'); // other names are independent
      await other.close();

      const r = await storage.open('shared', { readOnly: true });
      assert.equal(r.readOnly, true);
      assert.deepEqual((await r.readLog()).map((x) => x.seq), [1]);
      await w.writeSnapshot(bytesOf(10), 1);
      await w.appendLog(2, bytesOf(2));
      const seen = await r.load();
      assert.equal(seen.manifest.generation, 1, 'the reader sees the writer\'s commits');
      assert.deepEqual(seen.log.map((x) => x.seq), [2]);
      await rejectsWith(r.appendLog(3, bytesOf(1)), 'STORAGE', /read-only/);
      await rejectsWith(r.writeSnapshot(bytesOf(1), 3), 'STORAGE', /read-only/);
      await r.close();

      await w.close();
      await w.close(); // idempotent
      await rejectsWith(w.readManifest(), 'STORAGE', /closed/);
      await rejectsWith(w.appendLog(3, bytesOf(1)), 'STORAGE', /closed/);
      const w2 = await storage.open('shared');
      await w2.appendLog(3, bytesOf(1));
      await w2.close();
      await storage.remove('shared');
      assert.deepEqual(await storage.list(), ['other']);
    }));
  });
}
