// tests/node/wasm-batch-window.test.js (js/wasm/api.js's Batch,
// js/wasm/metadata.js's MetaBatch, the window limit of js/schedule.js) —
// insertBatch keeps its batch in JS memory and hands it to the core one
// window of rows at a time, through one small wasm buffer:
//  - wasm memory, which never shrinks, grows by about what the index takes,
//    not by the batch's size on top, and in steps of 5% of its size
//    (measured on a module of its own);
//  - a batch of many windows is still checked whole before any of it goes
//    in: a bad vector, id or metadata record in its last window is refused
//    with the error and index it always had, and nothing is inserted; an
//    earlier row's fault is still reported before a later one's;
//  - the batch is what the caller's arrays held at the call, whatever the
//    caller writes into them while the batch waits or runs;
//  - records of any size go in with their rows, window by window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { EdgeVec } from '../../js/index.js';
import { EdgeVec as LiteEdgeVec } from '../../js/lite/index.js';
import { loadWasm } from '../../js/loader.js';
import { WINDOW_BYTES } from '../../js/wasm/api.js';
import { runInChunks } from '../../js/schedule.js';
import { clustered, rowsOf, arraysOf } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const DIM = 128;
/** Rows in a window of a batch without metadata (ids in and out, vector). */
const WINDOW_ROWS = Math.floor(WINDOW_BYTES / (16 + 4 * DIM));
/** A batch of four windows, the last one short. */
const N = 3 * WINDOW_ROWS + 7;
const data = clustered({ seed: 41, n: N, dim: DIM });
const ids = Array.from({ length: N }, (_, i) => 1000 + i);
const LAST = N - 1;

/**
 * An index holding 3 vectors (ids 0, 1, 2), so that "nothing changed" is
 * more than "still empty".
 * @param {object} [options]
 */
async function make(options = {}) {
  const db = await EdgeVec.create({ dimensions: DIM, seed: 7, efConstruction: 16, ...options });
  await db.insertBatch(data.subarray(0, 3 * DIM), { ids: [0, 1, 2] });
  return db;
}

/**
 * Checks that the call is refused with this code and index, and that the
 * index holds what it held.
 * @param {{ size: number, has: (id: number) => boolean }} db
 * @param {() => Promise<unknown>} call
 * @param {string} code
 * @param {{ index?: number, message?: RegExp }} expect
 */
async function refused(db, call, code, expect) {
  const size = db.size;
  const err = await rejectsWith(call, code, expect);
  assert.equal(err.inserted, undefined, 'nothing was inserted');
  assert.equal(db.size, size, 'the index is unchanged');
  assert.ok(!db.has(ids[0]), 'not even the first window went in');
  return err;
}

/**
 * A fresh module instance (a copy of the .wasm's bytes is a new cache key),
 * without threads, whose memory only this test uses.
 * @param {string} file  in dist/
 */
async function freshBinary(file) {
  return new Uint8Array(await readFile(new URL(`../../dist/${file}`, import.meta.url)));
}

/** At most what lies below the heap: the stack (1 MiB) and static data. */
const BELOW_HEAP = 2 << 20;
const BIG_N = 20000;
const BIG_DIM = 256;
const big = clustered({ seed: 42, n: BIG_N, dim: BIG_DIM });

for (const withMetadata of [false, true]) {
  const what = `insertBatch of ${BIG_N} x ${BIG_DIM}${withMetadata ? ' with metadata' : ''}`;
  test(`${what}: wasm memory grows by about the index, not by the batch on top`, async () => {
    const wasmBinary = await freshBinary('edgevec.wasm');
    const db = await EdgeVec.create({ dimensions: BIG_DIM, seed: 1, efConstruction: 16, wasmBinary });
    const wasm = await loadWasm({ wasmBinary });
    const metadata = withMetadata
      ? Array.from({ length: BIG_N }, (_, i) => ({ n: i, tag: `tag ${i % 100}` }))
      : undefined;
    const memoryBefore = wasm.HEAPU8.buffer.byteLength;
    const peakBefore = wasm._evw_heap_peak();
    await db.insertBatch(big, { metadata });
    assert.equal(db.size, BIG_N);
    const grew = wasm.HEAPU8.buffer.byteLength - memoryBefore;
    const peakGrew = wasm._evw_heap_peak() - peakBefore;
    const index = db.memoryBytes;
    // The allocator's high-water mark (what wasm memory must hold): the
    // index, the window, and a little scratch (the ids, or the records,
    // while they are checked, before the index takes that memory up).
    assert.ok(peakGrew <= index + WINDOW_BYTES + (1 << 20),
      `heap high-water mark grew by ${peakGrew} bytes for an index of ${index} and a batch of ${big.byteLength}`);
    // Wasm memory itself grows in steps of a fraction of its size and starts
    // with room to spare, so it is checked against the batch: a batch-sized
    // copy would have added all of it.
    assert.ok(grew < index + big.byteLength / 2,
      `wasm memory grew by ${grew} bytes for an index of ${index} and a batch of ${big.byteLength}`);
    // Each growth adds at least 5% of the memory's size, not Emscripten's
    // default 20% (CMakeLists.txt, EV_WASM_MEMORY): the memory ends within
    // about 5% of the allocator's high-water mark, counted with the static
    // data and the stack below the heap.
    const total = wasm.HEAPU8.buffer.byteLength;
    const top = wasm._evw_heap_peak() + BELOW_HEAP;
    assert.ok(total <= 1.05 * top + 65536,
      `wasm memory is ${total} bytes for a heap that reached ${top}`);
    assert.deepEqual(db.search(big.subarray(17 * BIG_DIM, 18 * BIG_DIM), 1).map((h) => h.id), [17n]);
    if (metadata) assert.deepEqual(db.getMetadata(BIG_N - 1), metadata[BIG_N - 1]);
    db.dispose();
  });
}

test('the lite entry: the same staging, the same memory', async () => {
  const wasmBinary = await freshBinary('edgevec-lite.wasm');
  const db = await LiteEdgeVec.create({ dimensions: BIG_DIM, seed: 1, efConstruction: 16, wasmBinary });
  const { loadLiteWasm } = await import('../../js/lite/loader.js');
  const wasm = await loadLiteWasm({ wasmBinary });
  const memoryBefore = wasm.HEAPU8.buffer.byteLength;
  await db.insertBatch(big);
  assert.equal(db.size, BIG_N);
  const grew = wasm.HEAPU8.buffer.byteLength - memoryBefore;
  assert.ok(grew < db.memoryBytes + big.byteLength / 2,
    `wasm memory grew by ${grew} bytes for an index of ${db.memoryBytes} and a batch of ${big.byteLength}`);
  db.dispose();
});

test('a bad vector in the last window: refused with its index, nothing inserted', async () => {
  const db = await make();
  const nan = data.slice();
  nan[LAST * DIM + 5] = NaN;
  await refused(db, () => db.insertBatch(nan, { ids }), 'INVALID_VECTOR', { index: LAST, message: /NaN/ });
  await refused(db, () => db.insertBatch(nan), 'INVALID_VECTOR', { index: LAST });
  const rows = arraysOf(data, DIM);
  rows[LAST][0] = Infinity;
  await refused(db, () => db.insertBatch(rows, { ids }), 'INVALID_VECTOR', { index: LAST });
  // In the first row of the last window, and in the last row of the first.
  const edge = data.slice();
  edge[3 * WINDOW_ROWS * DIM] = -Infinity;
  await refused(db, () => db.insertBatch(edge, { ids }), 'INVALID_VECTOR', { index: 3 * WINDOW_ROWS });
  edge[(WINDOW_ROWS - 1) * DIM] = NaN;
  await refused(db, () => db.insertBatch(edge, { ids }), 'INVALID_VECTOR', { index: WINDOW_ROWS - 1 });
  db.dispose();

  const cos = await make({ metric: 'cosine' });
  const zero = rowsOf(data, DIM);
  zero[LAST] = new Float32Array(DIM);
  await refused(cos, () => cos.insertBatch(zero, { ids }), 'INVALID_VECTOR', { index: LAST, message: /zero/ });
  cos.dispose();
});

test('a bad id in the last window: refused with its index, nothing inserted', async () => {
  const db = await make();
  const twice = ids.slice();
  twice[LAST] = ids[0];
  await refused(db, () => db.insertBatch(data, { ids: twice }), 'DUPLICATE_ID',
    { index: LAST, message: /twice in the batch/ });
  const taken = ids.slice();
  taken[LAST] = 2;
  const err = await refused(db, () => db.insertBatch(data, { ids: taken }), 'DUPLICATE_ID',
    { index: LAST, message: /already in the index/ });
  assert.match(err.message, new RegExp(`ids\\[${LAST}\\] = 2`));
  const asBigInts = new BigUint64Array(ids.map(BigInt));
  asBigInts[LAST] = 1n;
  await refused(db, () => db.insertBatch(data, { ids: asBigInts }), 'DUPLICATE_ID', { index: LAST });
  db.dispose();
});

test('across windows, the earliest row at fault is reported, a vector before an id of the same row', async () => {
  const db = await make();
  const nanLast = data.slice();
  nanLast[LAST * DIM] = NaN;
  const nanEarly = data.slice();
  nanEarly[2 * DIM] = NaN;
  const dupLast = ids.slice();
  dupLast[LAST] = ids[5];
  const dupEarly = ids.slice();
  dupEarly[1] = 2; // already in the index
  await refused(db, () => db.insertBatch(nanEarly, { ids: dupLast }), 'INVALID_VECTOR', { index: 2 });
  await refused(db, () => db.insertBatch(nanLast, { ids: dupEarly }), 'DUPLICATE_ID', { index: 1 });
  await refused(db, () => db.insertBatch(nanLast, { ids: dupLast }), 'INVALID_VECTOR', { index: LAST });
  db.dispose();
});

test('with metadata: a bad vector, id or field name in the last window, refused with its index', async () => {
  const db = await make();
  const metadata = ids.map((id) => (id % 3 === 0 ? null : { n: id }));
  const nan = data.slice();
  nan[LAST * DIM] = NaN;
  await refused(db, () => db.insertBatch(nan, { ids, metadata }), 'INVALID_VECTOR', { index: LAST });
  const twice = ids.slice();
  twice[LAST] = ids[0];
  await refused(db, () => db.insertBatch(data, { ids: twice, metadata }), 'DUPLICATE_ID', { index: LAST });
  // The index's limit of distinct field names, first passed by the last
  // record: with `n`, the 16 records before it bring the batch to 1024
  // names (15 of 64, one of 63), and the last one adds 64 more.
  /** @param {number} r @param {number} count */
  const wideRecord = (r, count) => Object.fromEntries(Array.from({ length: count },
    (_, f) => [`w${String(r).padStart(2, '0')}f${String(f).padStart(2, '0')}`, f]));
  const wide = metadata.slice();
  for (let r = 0; r < 17; r++) wide[N - 17 + r] = wideRecord(r, r === 15 ? 63 : 64);
  const err = await refused(db, () => db.insertBatch(data, { ids, metadata: wide }), 'INVALID_METADATA',
    { index: LAST });
  assert.equal(err.reason, 'INDEX_FIELDS');
  assert.equal(err.field, 'w16f00');
  assert.equal(err.id, ids[LAST]);
  // Names used again later in the batch count once: the same 1024 names in
  // the first window and again in the last one fit.
  const again = wide.slice();
  for (let r = 0; r < 16; r++) again[r] = wide[N - 17 + r];
  again[LAST] = { w00f00: 1, w15f62: 2, n: 3 };
  await db.insertBatch(data, { ids, metadata: again });
  assert.equal(db.size, N + 3);
  assert.deepEqual(db.getMetadata(ids[LAST]), { n: 3, w00f00: 1, w15f62: 2 });
  assert.deepEqual(db.getMetadata(ids[1]), wide[N - 16]);
  db.dispose();
});

test('records of any size go in with their rows, window by window', async () => {
  const dim = 16;
  const n = 1500;
  const rows = clustered({ seed: 43, n, dim });
  const db = await EdgeVec.create({ dimensions: dim, seed: 2, efConstruction: 16 });
  // Large records (a window holds a few hundred of them), small ones, and
  // none.
  const metadata = Array.from({ length: n }, (_, i) => {
    if (i % 5 === 4) return null;
    if (i % 2 === 1) return { i };
    return { i, s: String.fromCharCode(97 + (i % 26)).repeat(1000), l: ['x'.repeat(900), 'y'.repeat(900), `${i}`] };
  });
  const { ids: got } = await db.insertBatch(rows, { metadata });
  assert.deepEqual([...got], Array.from({ length: n }, (_, i) => BigInt(i)));
  for (let i = 0; i < n; i++) assert.deepEqual(db.getMetadata(BigInt(i)), metadata[i] ?? {}, `record ${i}`);
  assert.equal(db.count({ i: { gte: 0 } }), n - n / 5);
  db.dispose();
});

test('the batch is what the caller\'s arrays held at the call', async () => {
  const db = await EdgeVec.create({ dimensions: DIM, seed: 3, efConstruction: 16 });
  const flat = data.slice();
  const rows = rowsOf(data, DIM);
  const idList = ids.slice();
  const metadata = ids.map((id) => ({ id }));
  // The first batch runs; the second waits behind it in the queue.
  const first = db.insertBatch(flat, {
    ids: idList,
    metadata,
    // Between chunks, the caller writes over everything it passed.
    onProgress: (done) => {
      if (done > 0) {
        flat.fill(7);
        idList.fill(5);
        metadata.forEach((m) => { m.id = -1; });
      }
    },
  });
  const second = db.insertBatch(rows, { ids: ids.map((id) => id + N) });
  for (const r of rows) r.fill(9);
  await Promise.all([first, second]);
  assert.equal(db.size, 2 * N);
  for (const i of [0, WINDOW_ROWS, LAST]) {
    const want = data.subarray(i * DIM, (i + 1) * DIM);
    assert.deepEqual(db.get(ids[i]), want, `vector ${i} of the first batch`);
    assert.deepEqual(db.get(ids[i] + N), want, `vector ${i} of the second batch`);
    assert.deepEqual(db.getMetadata(ids[i]), { id: ids[i] });
  }
  db.dispose();
});

test('runInChunks never gives a chunk larger than its limit', async () => {
  /** @type {Array<[number, number]>} */
  const chunks = [];
  await runInChunks(1000, (start, count) => { chunks.push([start, count]); }, () => {}, undefined, 7);
  assert.ok(chunks.every(([, count]) => count >= 1 && count <= 7), JSON.stringify(chunks));
  let next = 0;
  for (const [start, count] of chunks) {
    assert.equal(start, next);
    next += count;
  }
  assert.equal(next, 1000);
});

test('a chunk larger than the window is refused before anything is staged', async () => {
  // The chunks of insertBatch are windows (runInChunks' limit); a caller
  // of Batch that asks for more would otherwise write past the window.
  const { Batch, createIndex } = await import('../../js/wasm/api.js');
  const { parseCreateOptions } = await import('../../js/validate.js');
  const wasm = await loadWasm();
  const handle = createIndex(wasm, parseCreateOptions({ dimensions: DIM }));
  const batch = new Batch(wasm, data, N, DIM, undefined, false);
  try {
    assert.equal(batch.validate(handle).status, 0);
    assert.throws(() => batch.insert(handle, 0, batch.window + 1), RangeError);
    assert.equal(wasm._evw_live_count(handle) >>> 0, 0, 'nothing went in');
    assert.equal(batch.insert(handle, 0, batch.window).status, 0);
    assert.equal(wasm._evw_live_count(handle) >>> 0, batch.window);
  } finally {
    batch.free();
    wasm._evw_free(handle);
  }
});
