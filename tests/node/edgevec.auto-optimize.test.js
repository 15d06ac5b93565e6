// tests/node/edgevec.auto-optimize.test.js (EdgeVec#insertBatch's graph
// order, js/edgevec.js; the rule, ev_order_due in src/reorder.c) — an
// insertBatch after which the index holds EV_ORDER_MIN_SLOTS slots, a
// quarter of them appended since the last order, numbers the slots in
// graph order by itself: the stored order is then that of optimize() on a
// twin built with autoOptimize: false, which keeps insertion order, and
// every answer is the twin's; below the minimum, and after a smaller
// growth, nothing moves; not while a background compaction runs. A
// persisted database (NodeFileStorage, IndexedDB) commits and stores the
// ordered snapshot, reopens with the same answers and counts it ordered; a
// snapshot that fails to store does not fail the batch and is stored by
// the next flush; a follower converges; worker mode inherits it; a bad
// value is INVALID_ARGUMENT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { NodeFileStorage } from '../../js/storage/node-file.js';
import { IndexedDbStorage } from '../../js/storage/indexeddb.js';
import { InProcessLocks } from '../../js/storage/locks.js';
import { EV_ORDER_MIN_SLOTS as MIN, EV_ORDER_GROWTH_DIVISOR as DIVISOR } from '../../js/wasm/abi.js';
import { clustered, rowsOf } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';
import { faultyStorage } from './helpers/faulty-storage.js';

const DIM = 8;
/** The fewest slots appended to an index ordered at MIN that make the
 * order due again: a * DIVISOR >= MIN + a. */
const GROWTH = Math.ceil(MIN / (DIVISOR - 1));
const N = MIN + GROWTH + 200;
const data = clustered({ seed: 301, n: N, dim: DIM });
const queries = clustered({ seed: 302, n: 24, dim: DIM });
/** Small graph parameters (fast), one thread (the same graph every run). */
const OPTIONS = { dimensions: DIM, m: 8, efConstruction: 32, seed: 7, idType: /** @type {const} */ ('number'), threads: 1 };

/** Rows [from, to) of the data, flat. @param {number} from @param {number} to */
const rows = (from, to) => data.slice(from * DIM, to * DIM);

/**
 * The id of every slot in slot order, from the IDS section of snapshot
 * bytes (the format is at the top of src/snapshot.c).
 * @param {Uint8Array} bytes
 * @returns {number[]}
 */
function slotIds(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sections = view.getUint32(92, true);
  for (let i = 0; i < sections; i++) {
    const entry = 120 + 24 * i;
    if (view.getUint32(entry, true) !== 3) continue;
    const offset = Number(view.getBigUint64(entry + 8, true));
    const length = Number(view.getBigUint64(entry + 16, true));
    const ids = [];
    for (let at = offset; at < offset + length; at += 8) ids.push(Number(view.getBigUint64(at, true)));
    return ids;
  }
  throw new Error('no IDS section');
}

/** @param {number[]} ids @returns {boolean} */
const ascending = (ids) => ids.every((id, i) => i === 0 || ids[i - 1] < id);

/** Everything a caller sees. @param {EdgeVec} db */
async function view(db) {
  const ids = Array.from(db.ids());
  const vectors = [];
  for (let id = 0; id < N; id += 97) vectors.push(db.has(id) ? Array.from(/** @type {Float32Array} */ (db.get(id))) : null);
  const pairs = (/** @type {{ id: any, distance: number }[]} */ hits) => hits.map((h) => [h.id, h.distance]);
  return {
    size: db.size,
    ids,
    vectors,
    searches: rowsOf(queries, DIM).map((q) => pairs(db.search(q, 10))),
    batch: db.searchBatch(queries, 10).map(pairs),
  };
}

test('in memory: the batch that crosses the rule orders the index; the answers are those of an unordered twin', async () => {
  const auto = await EdgeVec.create(OPTIONS);
  const twin = await EdgeVec.create({ ...OPTIONS, autoOptimize: false });
  const both = async (/** @type {Float32Array} */ batch) => {
    await auto.insertBatch(batch);
    await twin.insertBatch(batch);
  };
  // One slot short of the minimum: nothing moves.
  await both(rows(0, MIN - 1));
  assert.deepEqual(await auto.export(), await twin.export());
  assert.ok(ascending(slotIds(await auto.export())));
  // The batch that reaches it: in graph order after it.
  await both(rows(MIN - 1, MIN));
  const ordered = slotIds(await auto.export());
  assert.equal(ordered.length, MIN);
  assert.ok(!ascending(ordered), 'the slots were numbered in graph order');
  assert.deepEqual([...ordered].sort((a, b) => a - b), Array.from({ length: MIN }, (_, i) => i));
  // autoOptimize: false keeps insertion order; optimize() gives the same order.
  assert.deepEqual(slotIds(await twin.export()), Array.from({ length: MIN }, (_, i) => i));
  assert.deepEqual(await view(auto), await view(twin));
  await twin.optimize();
  assert.deepEqual(await auto.export(), await twin.export());
  // Growth short of a quarter: appended at the end, nothing else moves.
  await both(rows(MIN, MIN + GROWTH - 1));
  assert.deepEqual(await auto.export(), await twin.export());
  assert.deepEqual(slotIds(await auto.export()).slice(0, MIN), ordered);
  // The batch that completes the quarter: ordered again, the twin not.
  await both(rows(MIN + GROWTH - 1, MIN + GROWTH));
  const again = slotIds(await auto.export());
  assert.notDeepEqual(again.slice(0, MIN), ordered);
  assert.ok(ascending(slotIds(await twin.export()).slice(MIN)), 'the twin appended in insertion order');
  assert.deepEqual(await view(auto), await view(twin));
  await twin.optimize();
  assert.deepEqual(await auto.export(), await twin.export());
  auto.dispose();
  twin.dispose();
});

test('in memory: with the threads of the build, the order is applied too and the answers stay', async () => {
  const db = await EdgeVec.create({ ...OPTIONS, threads: undefined });
  await db.insertBatch(rows(0, MIN));
  assert.ok(!ascending(slotIds(await db.export())));
  const before = await view(db);
  await db.optimize(); // in order already
  assert.deepEqual(await view(db), before);
  db.dispose();
});

test('in memory: not while a background compaction runs; its finish orders the index', async () => {
  const db = await EdgeVec.create({ ...OPTIONS, autoCompact: false });
  await db.insertBatch(rows(0, MIN - 1));
  db.softDeleteBatch([1, 2, 3]);
  const compaction = db.compactInBackground({ sliceMs: 1 });
  await db.insertBatch(rows(MIN - 1, MIN + 3));
  assert.equal(db.compacting, true, 'the batch did not wait for the compaction');
  await compaction;
  const ids = slotIds(await db.export());
  assert.equal(ids.length, MIN);
  assert.ok(!ascending(ids));
  db.dispose();
});

/** Persisted backends, each a factory of a storage over fresh data. */
const backends = [
  {
    name: 'NodeFileStorage',
    make: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'edgevec-auto-optimize-'));
      return { storage: () => new NodeFileStorage(dir), done: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'IndexedDbStorage',
    make: async () => {
      const factory = new IDBFactory();
      const locks = new InProcessLocks();
      return { storage: () => new IndexedDbStorage({ indexedDB: factory, IDBKeyRange, locks }), done: async () => {} };
    },
  },
];

/** @param {import('../../js/storage/interface.js').EdgeVecStorage} storage @param {string} name */
async function stored(storage, name) {
  const h = await storage.open(name, { readOnly: true });
  try {
    const s = await h.load();
    return {
      generation: s.manifest?.generation, snapshotSeq: s.manifest?.snapshotSeq, log: s.log.map((r) => r.seq),
      ids: s.snapshot ? slotIds(s.snapshot) : [],
    };
  } finally {
    await h.close();
  }
}

for (const backend of backends) {
  test(`${backend.name}: the ordering batch commits and stores the ordered snapshot; a reopen gives the same answers`, async () => {
    const env = await backend.make();
    const open = (/** @type {object} */ extra = {}) => EdgeVec.open('db', {
      ...OPTIONS, storage: env.storage(), autoCheckpoint: false, ...extra,
    });
    const db = await open();
    await db.insertBatch(rows(0, 100));
    await db.flush();
    const s0 = await stored(env.storage(), 'db');
    await db.insertBatch(rows(100, MIN)); // not flushed by the caller
    const s1 = await stored(env.storage(), 'db');
    assert.equal(s1.generation, (s0.generation ?? 0) + 1);
    assert.equal(s1.snapshotSeq, s0.log[s0.log.length - 1] + 2, 'the pending commit, then a number of its own');
    assert.deepEqual(s1.log, []);
    assert.equal(s1.ids.length, MIN);
    assert.ok(!ascending(s1.ids), 'the stored snapshot is in graph order');
    assert.deepEqual(slotIds(await db.export()), s1.ids);
    // A small batch later: logged, nothing renumbered.
    await db.insertBatch(rows(MIN, MIN + 50));
    await db.flush();
    const s2 = await stored(env.storage(), 'db');
    assert.equal(s2.generation, s1.generation);
    assert.deepEqual(s2.log, [s1.snapshotSeq + 1]);
    const before = await view(db);
    const bytes = await db.export();
    await db.close();
    const again = await open();
    assert.deepEqual(await view(again), before);
    assert.deepEqual(await again.export(), bytes);
    // Loaded counts as ordered: the next small batch renumbers nothing.
    await again.insertBatch(rows(MIN + 50, MIN + 60));
    await again.flush();
    assert.equal((await stored(env.storage(), 'db')).generation, s1.generation);
    await again.close();
    // autoOptimize: false: the same growth stays in the log, in insertion order.
    const off = await EdgeVec.open('off', { ...OPTIONS, storage: env.storage(), autoCheckpoint: false, autoOptimize: false });
    await off.insertBatch(rows(0, MIN));
    await off.flush();
    const s3 = await stored(env.storage(), 'off');
    assert.equal(s3.log.length, 1);
    assert.ok(ascending(slotIds(await off.export())));
    await off.close();
    await env.done();
  });
}

test('persisted: a snapshot that fails to store does not fail the batch; it goes to onFlushError and the next flush stores it first', async () => {
  const real = new MemoryStorage();
  const { storage, full } = faultyStorage(real);
  /** @type {unknown[]} */
  const errors = [];
  const db = await EdgeVec.open('f', {
    ...OPTIONS, storage, autoCheckpoint: false, onFlushError: (err) => errors.push(err),
  });
  await db.insertBatch(rows(0, 100));
  await db.flush();
  full.writeSnapshot = true;
  const result = await db.insertBatch(rows(100, MIN));
  assert.equal(result.inserted, MIN - 100);
  assert.equal(errors.length, 1);
  const err = /** @type {import('../../js/errors.js').EdgeVecError} */ (errors[0]);
  assert.equal(err.code, 'STORAGE_QUOTA');
  assert.equal(err.operation, 'checkpoint');
  const ordered = slotIds(await db.export());
  assert.ok(!ascending(ordered), 'the ordered index stays in use');
  // Committed before the order: a crash now reopens every vector.
  const crashed = await EdgeVec.open('f', { storage: real, readOnly: true, idType: 'number' });
  assert.equal(crashed.size, MIN);
  await crashed.close();
  db.insert(rows(MIN, MIN + 1), MIN);
  await rejectsWith(() => db.flush(), 'STORAGE_QUOTA');
  full.writeSnapshot = false;
  await db.flush();
  const s = await stored(real, 'f');
  assert.deepEqual(s.ids, ordered);
  assert.deepEqual(s.log, [/** @type {number} */ (s.snapshotSeq) + 1]);
  const before = await view(db);
  await db.close();
  const again = await EdgeVec.open('f', { ...OPTIONS, storage: real });
  assert.deepEqual(await view(again), before);
  await again.close();
});

test('persisted: a follower converges on the ordered snapshot, then on the records after it', async () => {
  const storage = new MemoryStorage();
  const w = await EdgeVec.open('r', { ...OPTIONS, storage, autoCheckpoint: false });
  await w.insertBatch(rows(0, 100));
  await w.flush();
  /** @type {import('../../types/index.js').FollowChange[]} */
  const changes = [];
  const r = await EdgeVec.open('r', {
    storage, readOnly: true, follow: true, followIntervalMs: 0, idType: 'number', onChange: (c) => changes.push(c),
  });
  assert.equal(r.size, 100);
  /** Waits for a change applied that ends at `size` vectors, loaded from a snapshot or not. */
  const converged = async (/** @type {number} */ size, /** @type {boolean} */ reloaded) => {
    const end = Date.now() + 5000;
    while (!changes.some((c) => c.size === size && c.reloaded === reloaded)) {
      if (Date.now() > end) assert.fail(`the follower did not reach ${size} vectors (reloaded: ${reloaded})`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  // Committed, then renumbered: the follower loads the ordered snapshot
  // (maybe after replaying the commit before it).
  await w.insertBatch(rows(100, MIN));
  await converged(MIN, true);
  assert.deepEqual(await view(r), await view(w));
  assert.deepEqual(slotIds(await r.export()), slotIds(await w.export()));
  // Records that name the new numbering replay onto it.
  changes.length = 0;
  await w.insertBatch(rows(MIN, MIN + 40));
  await w.flush();
  await converged(MIN + 40, false);
  assert.deepEqual(await view(r), await view(w));
  await r.close();
  await w.close();
});

test('worker mode: the index in the worker orders itself the same way', async () => {
  const auto = await EdgeVec.create({ ...OPTIONS, worker: true });
  const twin = await EdgeVec.create({ ...OPTIONS, worker: true, autoOptimize: false });
  try {
    await auto.insertBatch(rows(0, MIN));
    await twin.insertBatch(rows(0, MIN));
    assert.ok(!ascending(slotIds(await auto.export())));
    assert.ok(ascending(slotIds(await twin.export())));
    const q = rowsOf(queries, DIM)[0];
    assert.deepEqual(await auto.search(q, 10), await twin.search(q, 10));
  } finally {
    await auto.close();
    await twin.close();
  }
});

test('autoOptimize must be a boolean: INVALID_ARGUMENT, nothing created', async () => {
  for (const bad of ['no', 0, null, {}]) {
    await rejectsWith(() => EdgeVec.create({ ...OPTIONS, autoOptimize: /** @type {any} */ (bad) }), 'INVALID_ARGUMENT');
    const storage = new MemoryStorage();
    await rejectsWith(() => EdgeVec.open('x', { ...OPTIONS, storage, autoOptimize: /** @type {any} */ (bad) }),
      'INVALID_ARGUMENT');
    assert.deepEqual(await storage.list(), []);
  }
  const db = await EdgeVec.create({ ...OPTIONS, autoOptimize: true });
  db.dispose();
});
