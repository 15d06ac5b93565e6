// tests/node/schedule.test.js (js/schedule.js, through insertBatch) — the
// asynchronous side of insertBatch: progress events, yielding to the event
// loop, abort, dispose during a batch, ordering of concurrent batches and
// changes made between chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { clustered } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const DIM = 16;
const N = 3000;
const data = clustered({ seed: 11, n: N, dim: DIM });
const ids = Array.from({ length: N }, (_, i) => 10 * i);

function make() {
  return EdgeVec.create({ dimensions: DIM, seed: 3, efConstruction: 32 });
}

test('progress: 0, then once per 10% crossed, then total', async () => {
  const db = await make();
  /** @type {Array<[number, number]>} */
  const calls = [];
  const r = await db.insertBatch(data, { onProgress: (done, total) => calls.push([done, total]) });
  assert.equal(r.inserted, N);
  assert.deepEqual(calls[0], [0, N]);
  assert.deepEqual(calls.at(-1), [N, N]);
  assert.ok(calls.every(([, total]) => total === N));
  assert.equal(calls.length, 11, `${calls.length} calls: 0 and each tenth`);
  // Each call after the first is in a later tenth than the one before.
  for (let i = 1; i < calls.length - 1; i++) {
    assert.ok(Math.floor((calls[i][0] * 10) / N) > Math.floor((calls[i - 1][0] * 10) / N),
      `call ${i}: ${calls[i][0]} after ${calls[i - 1][0]}`);
  }
  // A one-vector batch still reports 0 and total.
  const one = [];
  await db.insertBatch([data.subarray(0, DIM)], { onProgress: (d, t) => one.push([d, t]) });
  assert.deepEqual(one, [[0, 1], [1, 1]]);
  db.dispose();
});

test('a large batch yields to the event loop between chunks', async () => {
  const db = await make();
  /** @type {string[]} */
  const events = [];
  let progressBeforeTick = 0;
  const pending = db.insertBatch(data, { onProgress: (done) => { if (!events.length) progressBeforeTick = done; } });
  setImmediate(() => events.push('tick'));
  await pending;
  events.push('done');
  assert.deepEqual(events, ['tick', 'done'], 'a task ran while the batch was in progress');
  assert.ok(progressBeforeTick < N);
  db.dispose();
});

test('abort between chunks: ABORTED, says how many went in, those stay', async () => {
  const db = await make();
  const controller = new AbortController();
  let abortedAt = -1;
  const err = await rejectsWith(() => db.insertBatch(data, {
    ids,
    signal: controller.signal,
    onProgress: (done) => {
      if (done > 0 && abortedAt < 0) { abortedAt = done; controller.abort(new Error('user left')); }
    },
  }), 'ABORTED');
  assert.ok(abortedAt > 0 && abortedAt < N);
  assert.equal(err.inserted, abortedAt);
  assert.match(err.message, new RegExp(`after ${abortedAt} of ${N}`));
  assert.equal(/** @type {Error} */ (err.cause).message, 'user left');
  assert.equal(db.size, abortedAt);
  assert.ok(db.has(ids[abortedAt - 1]));
  assert.ok(!db.has(ids[abortedAt]));
  // The rest can be inserted afterwards.
  const rest = await db.insertBatch(data.subarray(abortedAt * DIM), { ids: ids.slice(abortedAt) });
  assert.equal(rest.inserted, N - abortedAt);
  assert.equal(db.size, N);
  db.dispose();
});

test('a signal aborted before the call inserts nothing', async () => {
  const db = await make();
  const err = await rejectsWith(() => db.insertBatch(data, { signal: AbortSignal.abort() }), 'ABORTED', { inserted: 0 });
  assert.ok(err.cause instanceof Error);
  assert.equal(db.size, 0);
  db.dispose();
});

test('dispose during a batch stops it before the next chunk', async () => {
  const db = await make();
  let seen = 0;
  const err = await rejectsWith(() => db.insertBatch(data, {
    onProgress: (done) => { if (done > 0 && !seen) { seen = done; db.dispose(); } },
  }), 'DISPOSED');
  assert.equal(err.inserted, seen);
  assert.equal(db.disposed, true);
});

test('an exception thrown by onProgress rejects the batch with it', async () => {
  const db = await make();
  const boom = new Error('boom');
  await assert.rejects(db.insertBatch(data.subarray(0, 10 * DIM), { onProgress: () => { throw boom; } }),
    (e) => e === boom);
  assert.equal(db.size, 0, 'thrown at 0: nothing inserted');
  db.dispose();
});

test('concurrent batches run in call order, each validated when its turn comes', async () => {
  const db = await make();
  const a = db.insertBatch(data.subarray(0, 500 * DIM));
  const b = db.insertBatch(data.subarray(500 * DIM, 800 * DIM));
  const [ra, rb] = await Promise.all([a, b]);
  assert.deepEqual([...ra.ids], Array.from({ length: 500 }, (_, i) => BigInt(i)));
  assert.deepEqual([...rb.ids], Array.from({ length: 300 }, (_, i) => BigInt(500 + i)));

  // The second batch reuses an id of the first: the first wins whole, the
  // second changes nothing (it is validated after the first finished).
  const db2 = await make();
  const first = db2.insertBatch(data.subarray(0, 400 * DIM), { ids: ids.slice(0, 400) });
  const second = db2.insertBatch(data.subarray(0, 3 * DIM), { ids: [1, 2, ids[399]] });
  await first;
  await rejectsWith(() => second, 'DUPLICATE_ID', { index: 2 });
  assert.equal(db2.size, 400);
  assert.ok(!db2.has(1) && !db2.has(2));
  db.dispose();
  db2.dispose();
});

test('a conflicting insert between chunks: the chunks before stay, the error says how many', async () => {
  const db = await make();
  let injected = false;
  const err = await rejectsWith(() => db.insertBatch(data, {
    ids,
    onProgress: (done) => {
      if (done > 0 && !injected) {
        injected = true;
        db.insert(new Float32Array(DIM).fill(1), ids[N - 1]);
      }
    },
  }), 'DUPLICATE_ID', { index: N - 1 });
  assert.ok(err.inserted > 0 && err.inserted < N, `inserted ${err.inserted}`);
  assert.equal(db.size, err.inserted + 1);
  assert.match(err.message, /stay/);
  db.dispose();
});
