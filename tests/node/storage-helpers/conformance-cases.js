// The storage conformance cases: the same behaviour, checked against every
// backend. Anything a backend does differently from the documented interface
// (js/storage/interface.js) fails here. This module imports nothing from
// Node, so the same cases can run in a browser page against the real
// IndexedDB: `await runCases(() => ({ storage, reopen }))` returns one
// { name, ok, error } per case. ./conformance.js registers them with node:test.

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

/** @param {Uint8Array} a @param {Uint8Array} b */
export function sameBytes(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

class AssertionFailed extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionFailed';
  }
}

const show = (v) => JSON.stringify(v, (k, x) => (ArrayBuffer.isView(x) ? `${x.constructor.name}[${[...x]}]` : x));

function same(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a)) return a.length === b.length && [...a].every((x, i) => Object.is(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}

/** The few assertions the cases use, without node:assert. */
export const assert = {
  ok(value, message = 'expected a truthy value') {
    if (!value) throw new AssertionFailed(message);
  },
  equal(actual, expected, message) {
    if (!Object.is(actual, expected)) throw new AssertionFailed(`${message ? `${message}: ` : ''}${show(actual)} !== ${show(expected)}`);
  },
  deepEqual(actual, expected, message) {
    if (!same(actual, expected)) throw new AssertionFailed(`${message ? `${message}: ` : ''}\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`);
  },
  match(text, re, message) {
    if (!re.test(text)) throw new AssertionFailed(`${message ? `${message}: ` : ''}${show(text)} does not match ${re}`);
  },
};

/** Asserts that `promise` rejects with the package's EdgeVecError of `code`. */
export async function rejectsWith(promise, code, message) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `expected a rejection with code ${code}, got none`);
  assert.ok(err instanceof Error, `expected an Error, got ${show(err)}`);
  assert.ok(Object.getPrototypeOf(err) === EdgeVecError.prototype, `expected the package's EdgeVecError, got ${err.stack}`);
  assert.equal(err.name, 'EdgeVecError');
  assert.equal(err.code, code, `code of "${err.message}"`);
  if (message) assert.match(err.message, message);
}

const plain = (records) => records.map((r) => ({ seq: r.seq, bytes: [...r.bytes] }));

/** @type {{ name: string, run: (fixture: Fixture) => Promise<void> }[]} */
export const cases = [];
const test = (name, run) => { cases.push({ name, run }); };

test('a new database is empty', async ({ storage }) => {
  const h = await storage.open('fresh');
  assert.equal(h.name, 'fresh');
  assert.equal(h.readOnly, false);
  assert.equal(await h.readManifest(), null);
  assert.deepEqual(await h.readLog(), []);
  assert.deepEqual(await h.load(), { manifest: null, snapshot: null, log: [] });
  assert.equal(await h.sizeBytes(), 0);
  assert.deepEqual(await storage.list(), ['fresh']);
  await h.close();
});

test('log records come back in sequence order, filtered by afterSeq', async ({ storage }) => {
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
});

test('appendLog refuses bad or non-increasing sequence numbers and leaves the log as it was', async ({ storage }) => {
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
});

test('writeSnapshot stores the snapshot, flips the manifest and truncates the log <= seq', async ({ storage }) => {
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
});

test('a snapshot may contain more than the log holds, and may be empty', async ({ storage }) => {
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
});

test('large snapshots round-trip exactly, across a reload', async ({ storage, reopen }) => {
  const h = await storage.open('big');
  const big = bytesOf(300_001, 9);
  await h.writeSnapshot(big, 0);
  await h.appendLog(1, bytesOf(4000, 11));
  await h.close();
  const again = reopen();
  const r = await again.open('big');
  const state = await r.load();
  assert.equal(state.snapshot.byteLength, big.byteLength);
  assert.ok(sameBytes(state.snapshot, big), 'snapshot bytes identical');
  assert.deepEqual(state.log.map((x) => x.seq), [1]);
  assert.ok(sameBytes(state.log[0].bytes, bytesOf(4000, 11)));
  // the writer learnt the last sequence number from storage
  await rejectsWith(r.appendLog(1, bytesOf(1)), 'STORAGE', /not after/);
  await r.appendLog(2, bytesOf(1));
  await r.close();
});

test('stores exact-size copies: views store only their bytes, later changes to either side do not leak', async ({ storage, reopen }) => {
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
});

test('writes issued without waiting are applied in call order', async ({ storage }) => {
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
});

test('close() lets the writes already made finish and refuses new ones', async ({ storage, reopen }) => {
  const h = await storage.open('closing');
  const pending = [h.appendLog(1, bytesOf(5)), h.writeSnapshot(bytesOf(20, 2), 1), h.appendLog(2, bytesOf(3, 3))];
  const closed = h.close();
  await rejectsWith(h.appendLog(3, bytesOf(1)), 'STORAGE', /closed/);
  await Promise.all([...pending, closed]);
  await h.close();
  const r = await reopen().open('closing');
  const state = await r.load();
  assert.deepEqual(state.manifest, { generation: 1, snapshotSeq: 1, snapshotBytes: 20 });
  assert.deepEqual(plain(state.log), [{ seq: 2, bytes: [...bytesOf(3, 3)] }]);
  await r.close();
});

test('list and remove', async ({ storage, reopen }) => {
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
  await rejectsWith(storage.open('bad\uD800'), 'STORAGE', /well-formed/);
  await rejectsWith(storage.remove('\uDC00'), 'STORAGE', /well-formed/);
  const emoji = await storage.open('ok 😀');
  await emoji.close();
  await rejectsWith(storage.open(42), 'STORAGE');
});

test('a read-only open of a missing database fails with NOT_FOUND and creates nothing', async ({ storage }) => {
  await rejectsWith(storage.open('ghost', { readOnly: true }), 'NOT_FOUND');
  assert.deepEqual(await storage.list(), []);
  assert.equal(await storage.sizeBytes('ghost'), 0);
});

test('one writer per name: LOCKED for a second writer and for remove, readers allowed', async ({ storage }) => {
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
});

test('removeLeftovers is for writers; it keeps every committed record', async ({ storage }) => {
  const w = await storage.open('tidy');
  await w.appendLog(1, bytesOf(3, 1));
  await w.writeSnapshot(bytesOf(50, 2), 1);
  await w.appendLog(2, bytesOf(4, 2));
  const before = await w.load();
  await w.removeLeftovers();
  assert.deepEqual(await w.load(), before);
  const r = await storage.open('tidy', { readOnly: true });
  await rejectsWith(r.removeLeftovers(), 'STORAGE', /read-only/);
  await r.close();
  await w.close();
  await rejectsWith(w.removeLeftovers(), 'STORAGE', /closed/);
});

/**
 * Runs every case (or those whose name matches `only`) with a fresh fixture
 * each, never stopping at a failure.
 * @param {() => Promise<Fixture> | Fixture} create
 * @param {{ only?: RegExp }} [options]
 * @returns {Promise<{ name: string, ok: boolean, error?: string }[]>}
 */
export async function runCases(create, options = {}) {
  const results = [];
  for (const c of cases) {
    if (options.only && !options.only.test(c.name)) continue;
    const fx = await create();
    try {
      await c.run(fx);
      results.push({ name: c.name, ok: true });
    } catch (err) {
      results.push({ name: c.name, ok: false, error: err && err.stack ? String(err.stack) : String(err) });
    } finally {
      if (fx.cleanup) await fx.cleanup();
    }
  }
  return results;
}
