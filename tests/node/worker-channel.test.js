// tests/node/worker-channel.test.js (js/worker/channel.js, and its use in
// client.js and worker.js) — searches through the shared-memory channel:
// back-to-back searches take it instead of messages and answer exactly as
// the main thread does; what it cannot carry, and everything without
// Atomics.waitAsync, goes as messages with the same answers and errors;
// calls made while a search is on it run after it, settle after it, and
// leave the counts of the latest answer.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { K_MAX } from '../../js/worker/channel.js';
import { clustered } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const DIM = 8;
const N = 300;
const DATA = clustered({ seed: 23, n: N, dim: DIM });
// One thread: both builds of the same data link the same graph.
const OPTIONS = { dimensions: DIM, seed: 7, m: 8, efConstruction: 64, threads: 1 };

/** The same data in both modes; `noChannel` makes the worker-mode one without Atomics.waitAsync. */
async function pair(extra = {}, { noChannel = false } = {}) {
  const main = await EdgeVec.create({ ...OPTIONS, ...extra });
  await main.insertBatch(DATA);
  const waitAsync = Atomics.waitAsync;
  let worker;
  try {
    if (noChannel) /** @type {any} */ (Atomics).waitAsync = undefined;
    worker = await EdgeVec.create({ ...OPTIONS, ...extra, worker: true });
  } finally {
    /** @type {any} */ (Atomics).waitAsync = waitAsync;
  }
  await worker.insertBatch(DATA);
  return { main, worker };
}

// Messages posted to worker-mode workers, counted by wrapping postMessage
// (spawn.js reaches node:worker_threads through process.getBuiltinModule,
// which returns this same object).
const threads = /** @type {any} */ (process).getBuiltinModule('node:worker_threads');
const realPost = threads.Worker.prototype.postMessage;
let posted = 0;
threads.Worker.prototype.postMessage = function countedPost(/** @type {any[]} */ ...args) {
  posted++;
  return realPost.apply(this, args);
};

/** @param {number} i */
const query = (i) => DATA.slice((i * 7 % N) * DIM, (i * 7 % N + 1) * DIM);

describe('worker mode: searches on the shared-memory channel', () => {
  test('back-to-back searches take the channel and answer as the main thread does', async () => {
    for (const idType of /** @type {const} */ (['bigint', 'number'])) {
      const { main, worker } = await pair({ idType });
      const before = posted;
      const optionsOf = [undefined, {}, { ef: 16 }, { ef: 80 }];
      for (let i = 0; i < 60; i++) {
        const options = optionsOf[i % optionsOf.length];
        const hits = await worker.search(query(i), 1 + (i % 12), options);
        assert.deepEqual(hits, main.search(query(i), 1 + (i % 12), options), `${idType} search ${i}`);
      }
      // Every search is a message without the channel; with it, only those
      // that find the worker not waiting on it (the first, and any after a
      // pause longer than its wait).
      assert.ok(posted - before < 60, `${posted - before} of 60 searches were messages`);
      // The counts came back with the hits: a larger ef grows the search's scratch.
      assert.equal(worker.memoryBytes, main.memoryBytes);
      assert.equal(worker.size, main.size);
      main.dispose();
      await worker.dispose();
    }
  });

  test('without Atomics.waitAsync every search is a message, with the same answers', async () => {
    const { main, worker } = await pair({}, { noChannel: true });
    const before = posted;
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(await worker.search(query(i), 5, { ef: 32 }), main.search(query(i), 5, { ef: 32 }));
    }
    assert.equal(posted - before, 20);
    main.dispose();
    await worker.dispose();
  });

  test('what the channel cannot carry goes as a message: the same answers and the same errors', async () => {
    const { main, worker } = await pair();
    await worker.search(query(0), 3); // the worker now waits on the channel
    const cases = [
      [query(1), K_MAX + 1],                      // k beyond the channel's room: all 300 hits
      [Array.from(query(2)), 4],                  // not a Float32Array
      [query(3), 4, { ef: 32, includeMetadata: false }],
    ];
    for (const [i, args] of cases.entries()) {
      assert.deepEqual(await worker.search(.../** @type {[any, number, any]} */ (args)),
        main.search(.../** @type {[any, number, any]} */ (args)), `case ${i}`);
    }
    // Errors, from searches the channel carries (the worker's search throws
    // and the error comes as a message) and from ones it does not.
    const nan = query(4);
    nan[3] = NaN;
    const bad = /** @type {Array<[any, any, any]>} */ ([
      [nan, 5, undefined], [query(5), 5, { ef: -3 }], [query(5), 5, { ef: 2.5 }],
      [query(5), 0, undefined], [query(5), 1.5, undefined], [query(5).subarray(1), 5, undefined],
      [query(5), 5, { ef: 'x' }],
    ]);
    for (const [q, k, options] of bad) {
      let expected;
      try {
        main.search(q, k, options);
      } catch (err) {
        expected = /** @type {any} */ (err);
      }
      assert.ok(expected, `the main thread refuses ${String(k)} ${JSON.stringify(options)}`);
      const err = await rejectsWith(() => worker.search(q, k, options), expected.code);
      assert.equal(err.message, expected.message);
      // The channel is still usable after an error.
      assert.deepEqual(await worker.search(query(6), 5), main.search(query(6), 5));
    }
    main.dispose();
    await worker.dispose();
  });

  test('calls made while a search is on the channel run and settle after it; the counts are the latest', async () => {
    const { main, worker } = await pair();
    await worker.search(query(0), 3); // the worker now waits on the channel
    const order = /** @type {string[]} */ ([]);
    const vector = new Float32Array(DIM).fill(9);
    const first = worker.search(query(1), 5).then((h) => { order.push('search'); return h; });
    const inserted = worker.insert(vector).then((id) => { order.push('insert'); return id; });
    const second = worker.search(vector, 1).then((h) => { order.push('search after'); return h; });
    const [hits, id, after] = await Promise.all([first, inserted, second]);
    assert.deepEqual(order, ['search', 'insert', 'search after']);
    assert.deepEqual(hits, main.search(query(1), 5));
    assert.deepEqual(after, [{ id, distance: 0 }], 'the search sent after the insert sees it');
    main.insert(vector);
    // The search answered on the channel carried older counts than the
    // insert's answer: the insert's stay.
    assert.equal(worker.size, N + 1);
    assert.equal(worker.size, main.size);
    // And a later search on the channel keeps them.
    await worker.search(query(2), 5);
    await worker.search(query(3), 5);
    assert.equal(worker.size, N + 1);
    assert.equal(worker.memoryBytes, main.memoryBytes);
    main.dispose();
    await worker.dispose();
  });

  test('an answer on the channel whose wake-up comes after later messages still settles first', async () => {
    // Atomics.waitAsync as the channel sees it wakes its caller 30 ms late,
    // so that the answers to the calls sent after the search arrive as
    // messages before the wake-up does.
    const waitAsync = Atomics.waitAsync;
    /** @type {any} */ (Atomics).waitAsync = (/** @type {any[]} */ ...args) => {
      const r = /** @type {any} */ (waitAsync)(...args);
      if (!r.async) return r;
      return { async: true, value: r.value.then((/** @type {string} */ v) => new Promise((res) => { setTimeout(() => res(v), 30); })) };
    };
    // A search long enough (a larger index, a wide ef) that its answer is
    // not there yet when the caller starts waiting for it.
    const dim = 32, n = 4000;
    const data = clustered({ seed: 5, n, dim });
    const options = { ...OPTIONS, dimensions: dim };
    let worker;
    try {
      worker = await EdgeVec.create({ ...options, worker: true });
    } finally {
      /** @type {any} */ (Atomics).waitAsync = waitAsync;
    }
    const main = await EdgeVec.create(options);
    await main.insertBatch(data);
    await worker.insertBatch(data);
    const q = data.slice(0, dim);
    await worker.search(q, 3);
    const order = /** @type {string[]} */ ([]);
    const first = worker.search(q, 100, { ef: 2000 }).then((h) => { order.push('search'); return h; });
    const inserted = worker.insert(new Float32Array(dim).fill(7)).then(() => { order.push('insert'); });
    await Promise.all([first, inserted]);
    assert.deepEqual(order, ['search', 'insert']);
    assert.deepEqual(await first, main.search(q, 100, { ef: 2000 }));
    assert.equal(worker.size, n + 1, 'the counts of the later answer');
    main.dispose();
    await worker.dispose();
  });

  test('dispose with a search on the channel: the search is answered, later calls reject with DISPOSED', async () => {
    const { main, worker } = await pair();
    await worker.search(query(0), 3);
    const pending = worker.search(query(1), 4);
    const disposed = worker.dispose();
    assert.deepEqual(await pending, main.search(query(1), 4));
    await disposed;
    await rejectsWith(() => worker.search(query(2), 4), 'DISPOSED');
    main.dispose();
  });
});
