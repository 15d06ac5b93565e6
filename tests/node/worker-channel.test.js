// tests/node/worker-channel.test.js (js/worker/channel.js, and its use in
// client.js and worker.js) — searches through the shared-memory channel:
// back-to-back searches take it instead of messages and answer exactly as
// the main thread does; what it cannot carry, and everything without
// Atomics.waitAsync, goes as messages with the same answers and errors;
// calls made while a search is on it run after it, settle after it, and
// leave the counts of the latest answer. The caller spins briefly for a
// quick answer and stops spinning when answers are slow.
import { test, describe } from 'node:test';
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { ChannelClient, K_MAX } from '../../js/worker/channel.js';
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

describe('the caller spins for a quick answer, and stops when answers are slow', () => {
  // The channel's words as its worker side sees them (the layout at the top
  // of js/worker/channel.js); this test stands in for the worker.
  const STATE = 0, ANSWERED = 2, OUTCOME = 3, CALL = 4, PARKED = 1, HITS = 1;
  const QUERY = new Float32Array(4);

  /** @param {ChannelClient} client @param {Int32Array} words @param {number} id */
  function put(client, words, id) {
    Atomics.store(words, STATE, PARKED);
    assert.ok(client.trySearch(id, [QUERY, 1]), `search ${id} put on the channel`);
  }

  /** @param {Int32Array} words @param {number} id */
  function answer(words, id) {
    words[OUTCOME] = HITS;
    Atomics.store(words, ANSWERED, id);
    Atomics.notify(words, ANSWERED);
  }

  /** 'hits' if `p` had settled before this call, else 'pending'. @param {Promise<string>} p */
  const settledYet = (p) => Promise.race([p, Promise.resolve('pending')]);

  test('an answer that comes during the spin settles the search without a wake-up', async () => {
    const client = new ChannelClient(4, false, { spinMs: 5000 });
    const words = new Int32Array(client.buffer, 0, 8);
    // A worker thread that answers the search 20 ms after it is put here.
    const fake = new Worker(`const { workerData: sab } = require('node:worker_threads');
      const w = new Int32Array(sab, 0, 8);
      while (Atomics.load(w, ${STATE}) !== 2) Atomics.wait(w, ${STATE}, Atomics.load(w, ${STATE}), 1);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      w[${OUTCOME}] = ${HITS}; Atomics.store(w, ${ANSWERED}, w[${CALL}]); Atomics.notify(w, ${ANSWERED});`,
    { eval: true, workerData: client.buffer });
    try {
      put(client, words, 1);
      const t = performance.now();
      const answered = client.answer(1);
      assert.ok(performance.now() - t >= 19, 'the caller spun until the answer came');
      assert.equal(await settledYet(answered), 'hits', 'settled within the call');
    } finally {
      await fake.terminate();
    }
  });

  test('a task of the caller spins for so long, then its searches wait (returning to the event loop)', async () => {
    const client = new ChannelClient(4, false, { spinMs: 5000, taskSpinMs: 12 });
    const words = new Int32Array(client.buffer, 0, 8);
    // A worker thread that answers every search 5 ms after it is put here.
    const fake = new Worker(`const { workerData: sab } = require('node:worker_threads');
      const w = new Int32Array(sab, 0, 8), nap = new Int32Array(new SharedArrayBuffer(4));
      for (;;) {
        while (Atomics.compareExchange(w, ${STATE}, 2, 0) !== 2) Atomics.wait(w, ${STATE}, Atomics.load(w, ${STATE}), 1);
        Atomics.wait(nap, 0, 0, 5);
        w[${OUTCOME}] = ${HITS}; Atomics.store(w, ${ANSWERED}, w[${CALL}]); Atomics.notify(w, ${ANSWERED});
      }`, { eval: true, workerData: client.buffer });
    let id = 0;
    /** Puts a search, lets the caller take it; whether the caller spun until its answer. */
    const spun = () => {
      put(client, words, ++id);
      const t = performance.now();
      client.answer(id);
      const ms = performance.now() - t;
      while (Atomics.load(words, ANSWERED) !== id) { /* the fake answers it anyway */ }
      client.done(id);
      return ms >= 4;
    };
    try {
      // One task: spins of at least 5 ms each, until 12 ms are spent.
      const inOneTask = Array.from({ length: 8 }, spun);
      assert.equal(inOneTask[0], true, 'the first search of the task spun');
      assert.ok(inOneTask.filter(Boolean).length <= 3, `at most 3 spins of 5 ms in 12 ms: ${inOneTask}`);
      assert.deepEqual(inOneTask.slice(4), [false, false, false, false], 'then no more spins in this task');
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.equal(spun(), true, 'the next task spins again');
    } finally {
      await fake.terminate();
    }
  });

  test('a spin that catches nothing turns spinning off for 1, 2, 4, … searches; one that catches resets it', () => {
    const SPIN_MS = 40;
    const client = new ChannelClient(4, false, { spinMs: SPIN_MS, taskSpinMs: Infinity });
    const words = new Int32Array(client.buffer, 0, 8);
    /** Puts search `id`, answers it after the caller's wait began (or before, `early`); whether the caller spun. */
    const spun = (/** @type {number} */ id, early = false) => {
      put(client, words, id);
      if (early) answer(words, id);
      const t = performance.now();
      client.answer(id);
      const ms = performance.now() - t;
      answer(words, id);
      client.done(id);
      return ms >= SPIN_MS;
    };
    const pattern = Array.from({ length: 11 }, (_, i) => spun(i + 1));
    assert.deepEqual(pattern, [true, false, true, false, false, true, false, false, false, false, true]);
    // The next spin due catches its answer at once: the count starts again at one.
    for (let id = 12; id <= 19; id++) spun(id);
    assert.equal(spun(20, true), false, 'an answer already there: no wait');
    assert.deepEqual([spun(21), spun(22), spun(23)], [true, false, true]);
  });
});

describe('a worker that has answered searches for its whole busy time', () => {
  const STATE = 0, PARKED = 1;
  const CHANNEL_URL = new URL('../../js/worker/channel.js', import.meta.url).href;

  test('stays parked while it visits its event loop: the next search goes on the channel and is taken first', async () => {
    const client = new ChannelClient(4, false, { spinMs: 0 });
    const words = new Int32Array(client.buffer, 0, 8);
    // The worker's side of the channel with no busy time at all (each park
    // ends after one search) and a long idle time (it never leaves for
    // lack of searches here); between parks, a visit to its event loop
    // stretched to 50 ms, so that the caller's next search surely comes
    // during it. Each hit carries the search's call id and first component.
    const worker = new Worker(`
      const { workerData, parentPort } = require('node:worker_threads');
      (async () => {
        const { ChannelServer } = await import(${JSON.stringify(CHANNEL_URL)});
        const server = new ChannelServer(workerData, 4, false, { busyMs: 0, idleMs: 10000 });
        const state = { size: 1, deletedCount: 0, tombstoneRatio: 0, memoryBytes: 0 };
        const serve = (s) => server.answerHits(s.call, [{ id: BigInt(s.call), distance: s.args[0][0] }], s.call, state);
        const leftParked = [];
        for (let i = 0; i < 3; i++) {
          leftParked.push(server.park(serve));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        server.takeWaiting(serve);
        parentPort.postMessage(leftParked);
      })();`, { eval: true, workerData: client.buffer });
    const done = new Promise((resolve) => worker.once('message', resolve));
    try {
      /** @param {number} ms @returns {boolean} whether the worker was seen parked within `ms` */
      const parkedWithin = (ms) => {
        const end = performance.now() + ms;
        while (performance.now() < end) if (Atomics.load(words, STATE) === PARKED) return true;
        return false;
      };
      for (let id = 1; id <= 3; id++) {
        assert.ok(parkedWithin(id === 1 ? 5000 : 20), `parked before search ${id}, ${id === 1 ? 'in its first park' : 'during its visit to the event loop'}`);
        assert.ok(client.trySearch(id, [new Float32Array([id, 0, 0, 0]), 1]), `search ${id} put on the channel`);
        assert.equal(await client.answer(id), 'hits');
        assert.deepEqual(client.hits(), [{ id: BigInt(id), distance: id }]);
        client.done(id);
      }
      assert.deepEqual(await done, [true, true, true], 'every park ended on its busy time, left parked');
      assert.notEqual(Atomics.load(words, STATE), PARKED, 'takeWaiting takes it off the channel');
    } finally {
      await worker.terminate();
    }
  });
});
