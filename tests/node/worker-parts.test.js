// tests/node/worker-parts.test.js (js/worker/parts.js, and its use in
// client.js and worker.js) — large vectors arguments cross to the worker in
// parts, a few tasks apart: every input shape gives what the main thread
// gives, a bad row deep in the batch fails the same way with nothing
// inserted, calls made meanwhile keep their order, something that cannot be
// sent fails the call and leaves the worker as it was, and the calling
// thread gets control back before the parts are all sent.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { PART_BYTES } from '../../js/worker/parts.js';
import { clustered, rowsOf, arraysOf } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const DIM = 256;
// A flat batch of 3,000 × 256 floats is 3 MB: over the 2 × PART_BYTES below
// which a value goes whole.
const N = 3000;
const DATA = clustered({ seed: 31, n: N, dim: DIM });
const OPTIONS = { dimensions: DIM, seed: 7, m: 8, efConstruction: 32, threads: 1 };

// Messages posted to workers, counted (spawn.js reaches node:worker_threads
// through process.getBuiltinModule, which returns this same object).
const threads = /** @type {any} */ (process).getBuiltinModule('node:worker_threads');
const realPost = threads.Worker.prototype.postMessage;
let posted = 0;
threads.Worker.prototype.postMessage = function countedPost(/** @type {any[]} */ ...args) {
  posted++;
  return realPost.apply(this, args);
};

/** @param {Float32Array} data */
const query = (data, i) => data.slice(i * DIM, (i + 1) * DIM);

describe('worker mode: large vectors cross in parts', () => {
  test('every input shape: the same ids and the same answers as the main thread, in several messages', async () => {
    assert.ok(DATA.byteLength > 2 * PART_BYTES);
    const main = await EdgeVec.create(OPTIONS);
    const expected = await main.insertBatch(DATA);
    const hits = [0, 17, 2999].map((i) => main.search(query(DATA, i), 5));
    const big = new Float32Array(DATA.length + 4 * DIM);
    big.set(DATA, 2 * DIM);
    const shapes = {
      'flat, copied': () => [DATA.slice(), {}],
      'flat view into a larger buffer, transfer': () => [big.subarray(2 * DIM, 2 * DIM + DATA.length), { transfer: true }],
      'Float32Array rows, copied': () => [rowsOf(DATA, DIM), undefined],
      'Float32Array rows, transfer': () => [rowsOf(DATA, DIM), { transfer: true }],
      // Each part copies its own rows' bytes, not the whole buffer they view.
      'Float32Array views of one buffer': () => [Array.from({ length: N }, (_, i) => big.subarray((i + 2) * DIM, (i + 3) * DIM)), {}],
      'number rows': () => [arraysOf(DATA, DIM), {}],
    };
    for (const [name, make] of Object.entries(shapes)) {
      const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
      const [vectors, options] = /** @type {[any, any]} */ (make());
      const before = posted;
      const result = await worker.insertBatch(vectors, options);
      assert.ok(posted - before > 2, `${name}: ${posted - before} messages`);
      assert.deepEqual(result, expected, name);
      for (const [j, i] of [0, 17, 2999].entries()) {
        assert.deepEqual(await worker.search(query(DATA, i), 5), hits[j], `${name}: search ${i}`);
      }
      if (name.endsWith('rows, transfer')) {
        assert.equal(vectors[5].length, 0, 'rows moved with transfer: true are detached');
      }
      await worker.dispose();
    }
    assert.equal(big.length, DATA.length + 4 * DIM, 'a view is copied in parts: its larger buffer stays');
    main.dispose();
  });

  test('a bad row deep in the batch: the same error as the main thread, nothing inserted', async () => {
    const main = await EdgeVec.create(OPTIONS);
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    const rows = arraysOf(DATA, DIM);
    rows[2500] = rows[2500].slice(1);
    let expected;
    try {
      await main.insertBatch(rows);
    } catch (err) {
      expected = /** @type {any} */ (err);
    }
    assert.ok(expected);
    const err = await rejectsWith(() => worker.insertBatch(rows), expected.code, { index: 2500 });
    assert.equal(err.message, expected.message);
    assert.equal((await worker.ids()).length, 0);
    assert.equal(worker.size, 0);
    main.dispose();
    await worker.dispose();
  });

  test('calls made while the parts go keep their order', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    const small = DATA.slice(0, 10 * DIM);
    const first = worker.insertBatch(arraysOf(DATA, DIM));
    const between = worker.insertBatch(small);
    const last = worker.insertBatch(DATA.slice());
    const [a, b, c] = await Promise.all([first, between, last]);
    assert.equal(a.ids[0], 0n);
    assert.equal(b.ids[0], BigInt(N), 'the small batch sent second runs second');
    assert.equal(c.ids[0], BigInt(N + 10));
    assert.equal(worker.size, 2 * N + 10);
    await worker.dispose();
  });

  test('a part that cannot be sent fails the call; the worker keeps nothing of it', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    const rows = /** @type {any[]} */ (rowsOf(DATA, DIM));
    rows[2900] = () => 0;
    await rejectsWith(() => worker.insertBatch(rows), 'INVALID_ARGUMENT', { message: /cannot be sent/ });
    const again = await worker.insertBatch(DATA.slice(0, 5 * DIM));
    assert.deepEqual(Array.from(again.ids), [0n, 1n, 2n, 3n, 4n]);
    assert.equal(worker.size, 5);
    await worker.dispose();
  });

  test('the call returns before its parts are all sent; an AbortSignal still reaches the batch', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    const rows = arraysOf(DATA, DIM);
    const before = posted;
    const controller = new AbortController();
    // A clock that runs 5 ms a reading while the call is made, so that the
    // first task's time (TASK_MS) is up after a part or two on any machine.
    const now = performance.now;
    let fake = now.call(performance);
    performance.now = () => (fake += 5);
    let inserting;
    try {
      inserting = worker.insertBatch(rows, { signal: controller.signal });
    } finally {
      performance.now = now;
    }
    const sentAtReturn = posted - before;
    // Number rows of 256 floats are cut into parts of PART_BYTES / 2,048 bytes.
    const parts = Math.ceil(N / Math.floor(PART_BYTES / (DIM * 8)));
    assert.ok(sentAtReturn < parts + 1, `${sentAtReturn} of ${parts + 1} messages sent when the call returned`);
    controller.abort();
    const err = await rejectsWith(() => inserting, 'ABORTED');
    assert.equal(posted - before, parts + 2, 'the parts, the call, and the abort after them');
    assert.ok(typeof err.inserted === 'number');
    assert.equal(worker.size, err.inserted);
    await worker.dispose();
  });

  test('EdgeVec.load: large bytes cross in parts too', async () => {
    const main = await EdgeVec.create(OPTIONS);
    await main.insertBatch(DATA);
    const bytes = await main.export();
    assert.ok(bytes.byteLength > 2 * PART_BYTES);
    const before = posted;
    const worker = await EdgeVec.load(bytes, { worker: true });
    assert.ok(posted - before > 2);
    assert.equal(bytes.byteLength > 0, true, 'copied, not moved');
    assert.deepEqual(await worker.search(query(DATA, 3), 5), main.search(query(DATA, 3), 5));
    main.dispose();
    await worker.dispose();
  });
});
