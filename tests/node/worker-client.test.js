// tests/node/worker-client.test.js (js/worker/: client.js, worker.js,
// methods.js, protocol.js, spawn.js, option.js) — worker mode in Node's
// worker_threads, the same script a browser runs as a module Worker: every
// forwarded method gives what the main-thread EdgeVec gives on the same
// seeded data, errors keep their code and fields across the boundary,
// `transfer: true` (and only it) detaches the caller's buffer, progress and
// abort reach the worker's batch, and dispose/close end the worker.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeVec, EdgeVecError } from '../../js/index.js';
import { METHODS } from '../../js/worker/methods.js';
import { clustered, rowsOf, arraysOf } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const DIM = 8;
const N = 300;
const DATA = clustered({ seed: 11, n: N, dim: DIM });
// One thread: an insertBatch on several threads links nodes in an order that
// depends on the threads' timing, and these tests compare two builds of the
// same data answer for answer.
const OPTIONS = { dimensions: DIM, seed: 7, m: 8, efConstruction: 64, threads: 1 };

/** Both modes on the same data: the main-thread EdgeVec is the reference. */
async function pair(extra = {}) {
  const main = await EdgeVec.create({ ...OPTIONS, ...extra });
  const worker = await EdgeVec.create({ ...OPTIONS, ...extra, worker: true });
  return { main, worker };
}

/**
 * A child process that opens `name` in `root` for writing and holds it until
 * released.
 * @param {string} root
 * @param {string} name
 */
async function holdInChildProcess(root, name) {
  const { spawn } = await import('node:child_process');
  const storageUrl = new URL('../../js/storage/node-file.js', import.meta.url).href;
  const indexUrl = new URL('../../js/index.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { EdgeVec } = await import(${JSON.stringify(indexUrl)});
    const { NodeFileStorage } = await import(${JSON.stringify(storageUrl)});
    const db = await EdgeVec.open(${JSON.stringify(name)}, { dimensions: ${DIM}, storage: new NodeFileStorage(${JSON.stringify(root)}) });
    process.stdout.write('ready\\n');
    process.stdin.on('end', async () => { await db.close(); process.exit(0); });
    process.stdin.resume();
  `], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
  });
  return {
    release: () => new Promise((resolve) => { child.once('exit', resolve); child.stdin.end(); }),
  };
}

// The module with threads (js/wasm/threads.js) keeps a pool of worker
// threads for the life of the process: it is loaded before the count
// starts, so that only worker mode's threads are counted.
(await EdgeVec.create({ dimensions: DIM })).dispose();

// Counts the worker threads alive: Worker is wrapped (the real one runs)
// to see each thread start and exit. spawn.js reaches the module through
// process.getBuiltinModule, which returns this same object.
const threads = /** @type {any} */ (process).getBuiltinModule('node:worker_threads');
const RealWorker = threads.Worker;
let alive = 0;
threads.Worker = class CountedWorker extends RealWorker {
  /** @param {...any} args */
  constructor(...args) {
    super(...args);
    alive++;
    this.once('exit', () => { alive--; });
  }
};
/** Worker threads alive, once the exits already under way have landed. */
async function workerThreads() {
  await new Promise((resolve) => { setTimeout(resolve, 50); });
  return alive;
}

describe('worker mode: the same answers as the main thread', () => {
  test('create: a WorkerEdgeVec with the same options and getters', async () => {
    const { main, worker } = await pair({ metric: 'cosine', quantization: 'sq8', keepFloats: true });
    assert.equal(worker.inWorker, true);
    assert.equal(/** @type {any} */ (main).inWorker, undefined);
    for (const key of ['dimensions', 'metric', 'idType', 'quantization', 'openReport']) {
      assert.deepEqual(/** @type {any} */ (worker)[key], /** @type {any} */ (main)[key], key);
    }
    // Counts are those of the worker's latest answer: none yet, then the insert's.
    await worker.insert([1, 0, 0, 0, 0, 0, 0, 0]);
    main.insert([1, 0, 0, 0, 0, 0, 0, 0]);
    for (const key of ['size', 'deletedCount', 'tombstoneRatio', 'memoryBytes']) {
      assert.equal(/** @type {any} */ (worker)[key], /** @type {any} */ (main)[key], key);
    }
    main.dispose();
    await worker.dispose();
  });

  test('insertBatch (every input shape, given ids), search, get, has, ids', async () => {
    const { main, worker } = await pair();
    const shapes = [DATA.slice(0, 100 * DIM), rowsOf(DATA.slice(100 * DIM, 200 * DIM), DIM),
      arraysOf(DATA.slice(200 * DIM), DIM)];
    for (const [i, batch] of shapes.entries()) {
      const ids = i === 1 ? new BigUint64Array(100).map((_, j) => BigInt(1000 + j)) : undefined;
      const a = await main.insertBatch(batch, { ids });
      const b = await worker.insertBatch(batch, { ids });
      assert.deepEqual(b, a, `insertBatch shape ${i}`);
    }
    assert.equal(worker.size, N);
    for (let q = 0; q < 40; q++) {
      const query = DATA.subarray(q * 7 * DIM, (q * 7 + 1) * DIM);
      const a = main.search(query, 10, { ef: 32 });
      const b = await worker.search(query, 10, { ef: 32 });
      assert.deepEqual(b, a, `search ${q}`);
      assert.equal(typeof b[0].id, 'bigint');
    }
    assert.deepEqual(await worker.search(Array.from(DATA.subarray(0, DIM)), 3), main.search(DATA.subarray(0, DIM), 3));
    assert.deepEqual(await worker.get(1005n), main.get(1005n));
    assert.equal(await worker.get(99999n), undefined);
    assert.equal(await worker.has(1005n), true);
    assert.equal(await worker.has(5n), true);
    assert.equal(await worker.has(150n), false);
    assert.deepEqual(await worker.ids(), main.ids());
    main.dispose();
    await worker.dispose();
  });

  test('insert, softDelete, softDeleteBatch with progress, compact, export', async () => {
    const { main, worker } = await pair();
    await main.insertBatch(DATA);
    await worker.insertBatch(DATA);
    assert.equal(await worker.insert(DATA.subarray(0, DIM)), main.insert(DATA.subarray(0, DIM)));
    assert.equal(await worker.insert(DATA.subarray(DIM, 2 * DIM), 77777n), main.insert(DATA.subarray(DIM, 2 * DIM), 77777n));
    assert.equal(await worker.softDelete(3n), main.softDelete(3n));
    assert.equal(await worker.softDelete(3n), false);
    main.softDelete(3n);
    const del = new BigUint64Array(90).map((_, i) => BigInt(i * 3));
    const seen = [];
    const r = await worker.softDeleteBatch(del, { onProgress: (done, total) => seen.push([done, total]) });
    assert.deepEqual(r, main.softDeleteBatch(del));
    assert.deepEqual(seen[0], [0, 90]);
    assert.deepEqual(seen.at(-1), [90, 90]);
    assert.ok(seen.length >= 3, 'progress between chunks');
    assert.equal(worker.deletedCount, main.deletedCount);
    assert.equal(worker.tombstoneRatio, main.tombstoneRatio);
    await worker.compact();
    main.compact();
    assert.equal(worker.deletedCount, 0);
    assert.deepEqual(await worker.ids(), main.ids());
    for (let q = 0; q < 20; q++) {
      const query = DATA.subarray(q * 11 * DIM, (q * 11 + 1) * DIM);
      assert.deepEqual(await worker.search(query, 5), main.search(query, 5), `search ${q} after compact`);
    }
    const bytes = await worker.export();
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual(bytes, await main.export());
    const loaded = await EdgeVec.load(bytes);
    assert.deepEqual(loaded.ids(), main.ids());
    loaded.dispose();
    main.dispose();
    await worker.dispose();
  });

  test('compact() in the worker runs in slices: a search sent meanwhile is answered before it settles', async () => {
    const n = 4000;
    const data = clustered({ seed: 12, n, dim: DIM });
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true, autoCompact: false });
    await worker.insertBatch(data);
    await worker.softDeleteBatch(new BigUint64Array(n / 2).map((_, i) => BigInt(i * 2)));
    const order = [];
    const compacted = worker.compact().then(() => order.push('compact'));
    // Sent after the compaction started: a whole-rebuild compact() would
    // answer it only after the rebuild.
    const query = data.subarray(DIM, 2 * DIM);
    const hits = await worker.search(query, 1);
    order.push('search');
    await compacted;
    assert.deepEqual(order, ['search', 'compact']);
    assert.equal(hits[0].id, 1n);
    assert.equal(worker.deletedCount, 0);
    assert.equal(worker.size, n / 2);
    await worker.dispose();
  });

  test("idType 'number': ids and hits are numbers", async () => {
    const { main, worker } = await pair({ idType: 'number' });
    const a = await main.insertBatch(DATA.subarray(0, 50 * DIM), { ids: Array.from({ length: 50 }, (_, i) => 2 ** 53 - 1 - i) });
    const b = await worker.insertBatch(DATA.subarray(0, 50 * DIM), { ids: Array.from({ length: 50 }, (_, i) => 2 ** 53 - 1 - i) });
    assert.deepEqual(b, a);
    const hits = await worker.search(DATA.subarray(0, DIM), 5);
    assert.deepEqual(hits, main.search(DATA.subarray(0, DIM), 5));
    assert.equal(typeof hits[0].id, 'number');
    assert.equal(hits[0].id, 2 ** 53 - 1);
    assert.deepEqual(await worker.ids(), main.ids());
    main.dispose();
    await worker.dispose();
  });

  test('every method of the table is a method of EdgeVec and of WorkerEdgeVec', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    for (const name of Object.keys(METHODS)) {
      assert.equal(typeof /** @type {any} */ (EdgeVec.prototype)[name], 'function', `EdgeVec.${name}`);
      assert.equal(typeof /** @type {any} */ (worker)[name], 'function', `WorkerEdgeVec.${name}`);
    }
    await worker.dispose();
  });

  test('every method of EdgeVec is forwarded (a new one cannot be forgotten)', () => {
    // Methods a WorkerEdgeVec implements on the calling side instead.
    const local = new Set(['constructor', 'dispose', 'close']);
    for (const name of Object.getOwnPropertyNames(EdgeVec.prototype)) {
      const d = Object.getOwnPropertyDescriptor(EdgeVec.prototype, name);
      if (typeof d?.value !== 'function' || local.has(name) || typeof name !== 'string') continue;
      assert.ok(Object.hasOwn(METHODS, name), `EdgeVec.${name} is not in js/worker/methods.js`);
    }
  });

  test('metadata and filters cross: insert with metadata, filtered search with metadata, count, set/get', async () => {
    const { main, worker } = await pair();
    const metadata = Array.from({ length: N }, (_, i) => ({ kind: i % 3 === 0 ? 'a' : 'b', rank: i, tags: [`t${i % 5}`] }));
    await main.insertBatch(DATA, { metadata });
    await worker.insertBatch(DATA, { metadata });
    const filter = { kind: 'a', rank: { lt: 200 } };
    for (let q = 0; q < 10; q++) {
      const query = DATA.subarray(q * 17 * DIM, (q * 17 + 1) * DIM);
      const options = { filter, includeMetadata: true };
      assert.deepEqual(await worker.search(query, 5, options), main.search(query, 5, options));
      assert.deepEqual(await worker.search(query, 5, { filter: 'tags ANY ["t1"]' }), main.search(query, 5, { filter: 'tags ANY ["t1"]' }));
    }
    assert.equal(await worker.count(filter), main.count(filter));
    await worker.setMetadata(3n, { kind: 'c' });
    assert.deepEqual(await worker.getMetadata(3n), { kind: 'c' });
    assert.equal(await worker.insert(DATA.subarray(0, DIM), 5000n, { kind: 'z' }), 5000n);
    assert.equal(await worker.count({ kind: 'z' }), 1);
    await rejectsWith(() => worker.setMetadata(99999n, { kind: 'x' }), 'NOT_FOUND');
    await rejectsWith(() => worker.search(DATA.subarray(0, DIM), 5, { filter: 'kind = ' }), 'INVALID_FILTER');
    main.dispose();
    await worker.dispose();
  });

  test('a search sent while an insertBatch runs is answered between its chunks', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    await worker.insertBatch(DATA.subarray(0, 10 * DIM));
    const big = clustered({ seed: 5, n: 6000, dim: DIM });
    let batchDone = false;
    const batch = worker.insertBatch(big).then(() => { batchDone = true; });
    // Wait for the batch to be under way, then search.
    await new Promise((resolve) => { setTimeout(resolve, 50); });
    const hits = await worker.search(DATA.subarray(0, DIM), 1);
    assert.equal(batchDone, false, 'the search was answered before the batch finished');
    assert.equal(hits[0].id, 0n);
    await batch;
    assert.equal(worker.size, 6010);
    await worker.dispose();
  });
});

describe('worker mode: errors cross with their code and fields', () => {
  test('batch errors keep code, index and message; nothing was inserted', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    const bad = arraysOf(DATA.subarray(0, 5 * DIM), DIM);
    bad[3] = [1, 2];
    let err = await rejectsWith(() => worker.insertBatch(bad), 'DIMENSION_MISMATCH', { index: 3 });
    assert.ok(err instanceof EdgeVecError);
    assert.ok(Object.getPrototypeOf(err) === EdgeVecError.prototype, 'a real EdgeVecError, not a look-alike');
    bad[3] = [NaN, 0, 0, 0, 0, 0, 0, 0];
    err = await rejectsWith(() => worker.insertBatch(bad), 'INVALID_VECTOR', { index: 3 });
    assert.equal(typeof err.status, 'number', 'the core status crosses too');
    await rejectsWith(() => worker.insertBatch(DATA.subarray(0, 2 * DIM), { ids: [4n, 4n] }), 'DUPLICATE_ID', { index: 1 });
    await rejectsWith(() => worker.insertBatch([]), 'EMPTY_BATCH');
    assert.equal(worker.size, 0);
    await rejectsWith(() => worker.search(DATA.subarray(0, DIM), 0), 'INVALID_ARGUMENT', { message: /\bk\b/ });
    await rejectsWith(() => worker.search([1, 2], 1), 'DIMENSION_MISMATCH');
    await rejectsWith(() => worker.has(-1), 'INVALID_ID');
    await rejectsWith(() => worker.get(2 ** 53), 'ID_NOT_SAFE_INTEGER');
    await rejectsWith(() => worker.insertBatch(DATA, { idz: [] }), 'INVALID_ARGUMENT', { message: /idz/ });
    await rejectsWith(() => worker.flush(), 'INVALID_ARGUMENT', { message: /in memory only/ });
    await worker.dispose();
  });

  test('what cannot cross is INVALID_ARGUMENT before anything is sent', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    await rejectsWith(() => worker.search(DATA.subarray(0, DIM), 1, { ef: () => 4 }), 'INVALID_ARGUMENT',
      { message: /cannot be sent to the EdgeVec worker/ });
    await rejectsWith(() => worker.insertBatch(DATA, { transfer: 'yes' }), 'INVALID_ARGUMENT', { message: /transfer/ });
    // onProgress that is not a function is the worker's EdgeVec's own check.
    await rejectsWith(() => worker.insertBatch(DATA, { onProgress: 'x' }), 'INVALID_ARGUMENT', { message: /onProgress/ });
    assert.equal((await worker.search(DATA.subarray(0, DIM), 1)).length, 0, 'still usable, still empty');
    await worker.dispose();
  });

  test('create/open options: bad ones fail the call and end the worker', async () => {
    const before = await workerThreads();
    await rejectsWith(() => EdgeVec.create({ dimensions: 0, worker: true }), 'INVALID_ARGUMENT', { message: /dimensions/ });
    await rejectsWith(() => EdgeVec.create({ dimensions: 4, worker: 'yes' }), 'INVALID_ARGUMENT', { message: /worker/ });
    await rejectsWith(() => EdgeVec.create({ dimensions: 4, worker: { url: 3 } }), 'INVALID_ARGUMENT', { message: /worker\.url/ });
    await rejectsWith(() => EdgeVec.create({ dimensions: 4, worker: { where: 1 } }), 'INVALID_ARGUMENT', { message: /where/ });
    const { MemoryStorage } = await import('../../js/storage/index.js');
    await rejectsWith(() => EdgeVec.open('x', { dimensions: 4, storage: new MemoryStorage(), worker: true }),
      'INVALID_ARGUMENT', { message: /storage object cannot cross/ });
    await rejectsWith(() => EdgeVec.open('x', { dimensions: 4, storage: 'disk', worker: true }),
      'INVALID_ARGUMENT', { message: /storage names/ });
    await rejectsWith(() => EdgeVec.open('missing', { readOnly: true, storage: 'memory', worker: true }), 'NOT_FOUND');
    await rejectsWith(() => EdgeVec.load(new Uint8Array(64), { worker: true }), 'CORRUPT');
    assert.equal(await workerThreads(), before, 'every failed start ended its worker');
    // worker: false is the main-thread mode.
    const plain = await EdgeVec.create({ dimensions: 4, worker: false });
    assert.equal(/** @type {any} */ (plain).inWorker, undefined);
    plain.dispose();
  });

  test('worker mode comes with the package entry: js/edgevec.js alone (what the worker imports) refuses it', async () => {
    const { EdgeVec: Bare } = await import('../../js/edgevec.js');
    assert.equal(Bare, EdgeVec, 'the same class');
    // This process imported the entry, so here it works; a fresh worker
    // thread that imports only js/edgevec.js gets INVALID_ARGUMENT.
    const { Worker } = await import('node:worker_threads');
    const edgevecUrl = new URL('../../js/edgevec.js', import.meta.url).href;
    const child = new Worker(`import(${JSON.stringify(edgevecUrl)}).then(async ({ EdgeVec }) => {
      const { parentPort } = await import('node:worker_threads');
      try { await EdgeVec.create({ dimensions: 2, worker: true }); parentPort.postMessage('created'); }
      catch (e) { parentPort.postMessage(e.code + ': ' + e.message); }
    });`, { eval: true });
    const answer = await new Promise((resolve) => { child.once('message', resolve); });
    await child.terminate();
    assert.match(String(answer), /^INVALID_ARGUMENT: .*worker mode is not available here/);
  });

  test('a worker script that cannot be loaded is WORKER', async () => {
    await rejectsWith(() => EdgeVec.create({ dimensions: 4, worker: { url: new URL('./no-such-worker.js', import.meta.url) } }),
      'WORKER');
  });

  test('persisted: READ_ONLY, LOCKED and CORRUPT with its section, across the boundary', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'edgevec-worker-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const storage = { type: 'node-file', root };
    // LOCKED: another process holds the database. (Two threads of one
    // process are not told apart by NodeFileStorage's LOCK file, which
    // names the process: see the README's worker mode section.)
    const holder = await holdInChildProcess(root, 'db');
    await rejectsWith(() => EdgeVec.open('db', { dimensions: DIM, storage, worker: true }), 'LOCKED');
    await holder.release();
    const writer = await EdgeVec.open('db', { dimensions: DIM, storage, worker: true });
    await writer.insertBatch(DATA.subarray(0, 20 * DIM));
    await writer.flush();
    const reader = await EdgeVec.open('db', { storage, readOnly: true, worker: true });
    assert.equal(reader.size, 20, 'counts come with the open\'s answer');
    await rejectsWith(() => reader.insert(DATA.subarray(0, DIM)), 'READ_ONLY');
    await rejectsWith(() => reader.checkpoint(), 'READ_ONLY');
    await reader.close();
    await writer.checkpoint();
    await writer.close();
    // The same files through the main-thread mode.
    const { NodeFileStorage } = await import('../../js/storage/node-file.js');
    const main = await EdgeVec.open('db', { storage: new NodeFileStorage(root) });
    assert.equal(main.size, 20);
    await main.close();
    // Damage the manifest: the open fails with CORRUPT naming it.
    const { readdir, writeFile } = await import('node:fs/promises');
    const dir = join(root, (await readdir(root)).find((f) => f !== 'LOCK') ?? '');
    const manifest = (await readdir(dir)).find((f) => f.startsWith('manifest'));
    assert.ok(manifest, `a manifest in ${dir}`);
    await writeFile(join(dir, manifest), 'not a manifest');
    const err = await rejectsWith(() => EdgeVec.open('db', { storage, worker: true }), 'CORRUPT');
    assert.equal(err.section, 'manifest');
  });
});

describe('worker mode: transfer', () => {
  test('the caller\'s buffer is detached only with transfer: true', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    const copied = DATA.slice(0, 10 * DIM);
    await worker.insertBatch(copied);
    assert.equal(copied.length, 10 * DIM, 'without transfer the caller keeps its vectors');
    await worker.insertBatch(copied, { transfer: false });
    assert.equal(copied.length, 10 * DIM);
    const moved = DATA.slice(0, 10 * DIM);
    const r = await worker.insertBatch(moved, { transfer: true });
    assert.equal(r.inserted, 10);
    assert.equal(moved.length, 0, 'with transfer the buffer now belongs to the worker');
    assert.equal(moved.buffer.byteLength, 0);
    const rows = rowsOf(DATA.subarray(0, 3 * DIM), DIM);
    await worker.insertBatch(rows, { transfer: true });
    assert.ok(rows.every((row) => row.length === 0), 'each row moved');
    // What was moved is what the index holds.
    assert.deepEqual(await worker.get(20n), DATA.slice(0, DIM));
    assert.deepEqual(await worker.get(29n), DATA.slice(9 * DIM, 10 * DIM));
    assert.equal(worker.size, 33);
    // A rejected batch was moved all the same (it was sent), and changed nothing.
    const bad = new Float32Array(DIM * 2).fill(NaN);
    await rejectsWith(() => worker.insertBatch(bad, { transfer: true }), 'INVALID_VECTOR', { index: 0 });
    assert.equal(bad.length, 0);
    assert.equal(worker.size, 33);
    await worker.dispose();
  });

  test('EdgeVec.load moves its bytes with transfer: true', async () => {
    const main = await EdgeVec.create(OPTIONS);
    await main.insertBatch(DATA);
    const bytes = await main.export();
    const kept = bytes.slice();
    const a = await EdgeVec.load(kept, { worker: true });
    assert.equal(kept.length, bytes.length);
    const moved = bytes.slice();
    const b = await EdgeVec.load(moved, { worker: true, transfer: true });
    assert.equal(moved.length, 0);
    assert.equal(a.size, N);
    assert.deepEqual(await b.search(DATA.subarray(0, DIM), 4), main.search(DATA.subarray(0, DIM), 4));
    main.dispose();
    await a.dispose();
    await b.dispose();
  });
});

describe('worker mode: progress, abort, dispose', () => {
  test('onProgress is called on this side, from 0 to the total', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    const big = clustered({ seed: 3, n: 4000, dim: DIM });
    /** @type {Array<[number, number]>} */
    const seen = [];
    await worker.insertBatch(big, { onProgress: (done, total) => seen.push([done, total]) });
    assert.deepEqual(seen[0], [0, 4000]);
    assert.deepEqual(seen.at(-1), [4000, 4000]);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] > seen[i - 1][0], 'increasing');
    assert.ok(seen.length >= 5, `reported along the way (${seen.length} calls)`);
    await worker.dispose();
  });

  test('an AbortSignal stops the batch in the worker: ABORTED, inserted, the reason as cause', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    const big = clustered({ seed: 4, n: 20000, dim: DIM });
    const controller = new AbortController();
    const reason = new Error('the user clicked stop');
    const err = await rejectsWith(() => worker.insertBatch(big, {
      signal: controller.signal,
      onProgress: (done) => { if (done > 0) controller.abort(reason); },
    }), 'ABORTED');
    assert.ok(err.inserted !== undefined && err.inserted > 0 && err.inserted < 20000, `inserted ${err.inserted}`);
    assert.equal(err.cause, reason);
    assert.equal(worker.size, err.inserted, 'what was inserted before the abort stays');
    // Already aborted: nothing is inserted.
    await rejectsWith(() => worker.insertBatch(DATA, { signal: AbortSignal.abort() }), 'ABORTED', { inserted: 0 });
    assert.equal(worker.size, err.inserted);
    // A throwing onProgress stops the batch too, and rejects with what it threw.
    const thrown = new Error('progress bar gone');
    await assert.rejects(worker.insertBatch(big, { onProgress: (done) => { if (done > 0) throw thrown; } }),
      (e) => e === thrown);
    await worker.dispose();
  });

  test('dispose ends the worker; waiting and later calls reject with DISPOSED', async () => {
    const before = await workerThreads();
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    assert.equal(await workerThreads(), before + 1, 'one worker thread');
    await worker.insertBatch(DATA);
    const waiting = worker.insertBatch(clustered({ seed: 9, n: 20000, dim: DIM }));
    const disposing = worker.dispose();
    assert.equal(worker.disposed, true);
    assert.equal(worker.dispose(), disposing, 'dispose twice: the same promise');
    await rejectsWith(() => waiting, 'DISPOSED');
    await disposing;
    assert.equal(await workerThreads(), before, 'the worker thread ended');
    await rejectsWith(() => worker.search(DATA.subarray(0, DIM), 1), 'DISPOSED');
    await rejectsWith(() => worker.insertBatch(DATA), 'DISPOSED');
    assert.throws(() => worker.size, (e) => e instanceof EdgeVecError && e.code === 'DISPOSED');
    await worker.close();
  });

  test('close flushes, releases the lock and ends the worker', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'edgevec-worker-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const storage = { type: 'node-file', root };
    const before = await workerThreads();
    const db = await EdgeVec.open('c', { dimensions: DIM, storage, worker: true });
    await db.insertBatch(DATA.subarray(0, 30 * DIM));
    await db.close();
    assert.equal(await workerThreads(), before);
    await rejectsWith(() => db.has(0n), 'DISPOSED');
    const again = await EdgeVec.open('c', { storage, worker: true });
    assert.deepEqual(await again.has(29n), true, 'close flushed');
    // dispose drops what was not flushed, and releases the lock.
    await again.insert(DATA.subarray(0, DIM), 500n);
    await again.dispose();
    const third = await EdgeVec.open('c', { storage, worker: true });
    assert.equal(await third.has(500n), false);
    assert.equal(third.size, 30);
    await third.close();
  });
});

after(async () => {
  // Every test disposed its workers.
  assert.equal(await workerThreads(), 0);
});

describe('worker mode: views into larger buffers', () => {
  test('a subarray query or batch sends its own bytes, and transfer leaves the larger buffer alone', async () => {
    const worker = await EdgeVec.create({ ...OPTIONS, worker: true });
    const whole = DATA.slice();
    const part = whole.subarray(10 * DIM, 20 * DIM);
    await worker.insertBatch(part, { transfer: true });
    assert.equal(whole.length, N * DIM, 'the larger buffer was not detached');
    assert.deepEqual(await worker.get(0n), DATA.slice(10 * DIM, 11 * DIM));
    const hits = await worker.search(whole.subarray(15 * DIM, 16 * DIM), 1);
    assert.equal(hits[0].id, 5n);
    assert.equal(hits[0].distance, 0);
    await worker.dispose();
  });
});

describe('worker mode: onFlushError', () => {
  test('an automatic commit that fails reaches onFlushError on this side, with its code and operation', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'edgevec-worker-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    /** @type {unknown[]} */
    const errors = [];
    const db = await EdgeVec.open('f', {
      dimensions: DIM, storage: { type: 'node-file', root }, worker: true, autoFlush: true,
      onFlushError: (err) => { errors.push(err); },
    });
    await db.insert(DATA.subarray(0, DIM));
    await db.flush();
    // The database's directory disappears under it: the next commit fails.
    const { readdir } = await import('node:fs/promises');
    for (const entry of await readdir(root)) await rm(join(root, entry), { recursive: true, force: true });
    await db.insert(DATA.subarray(DIM, 2 * DIM));
    for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => { setTimeout(r, 20); });
    assert.equal(errors.length, 1, 'one failed automatic commit');
    const err = /** @type {EdgeVecError} */ (errors[0]);
    assert.ok(err instanceof EdgeVecError);
    assert.equal(err.code, 'STORAGE');
    assert.equal(err.operation, 'autoCommit');
    await db.dispose();
  });
});
