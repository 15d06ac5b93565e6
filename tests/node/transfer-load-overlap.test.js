// tests/node/transfer-load-overlap.test.js (js/transfer/snapshot.js) —
// EdgeVec.load of a body while the wasm module is still loading: the body
// is read meanwhile (a body nobody reads stops arriving), and what was read
// is loaded once the module is there, each byte once; an abort or a module
// that fails to load while the body is being read ahead stops the load and
// cancels the body; a streamed load, whole or failed, leaves the wasm heap
// where it was.
//
// The module is held back by serving its .wasm (locateFile) from a local
// server that answers only when the test lets it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { EdgeVec } from '../../js/index.js';
import { loadWasm } from '../../js/loader.js';
import { clustered } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const wasmBytes = await readFile(new URL('../../dist/edgevec.wasm', import.meta.url));

const DIM = 8;
const source = await EdgeVec.create({ dimensions: DIM, m: 6, efConstruction: 30, seed: 5 });
await source.insertBatch(clustered({ seed: 91, n: 600, dim: DIM }));
const snapshot = await source.export();
const query = Float32Array.from({ length: DIM }, (_, i) => Math.cos(i));
const expected = source.search(query, 5).map((h) => [String(h.id), h.distance]);
source.dispose();

/**
 * A server for the module's .wasm that holds every request until release().
 * Each call gives a new URL, hence (locateFile being the cache key) a module
 * instantiated anew.
 */
async function heldWasm(t) {
  /** @type {(() => void)[]} */
  const waiting = [];
  let released = false;
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const send = () => {
      if (req.url?.startsWith('/missing')) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'content-type': 'application/wasm' });
      res.end(wasmBytes);
    };
    if (released) send(); else waiting.push(send);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  let n = 0;
  return {
    /** @param {string} [name] */
    locateFile: (name = 'edgevec.wasm') => {
      const url = `http://127.0.0.1:${port}/${name}?${n++}`;
      return () => url;
    },
    requests: () => requests,
    release() { released = true; for (const send of waiting.splice(0)) send(); },
  };
}

/**
 * A Response over the snapshot in chunks of `size` bytes, all available at
 * once; counts what the reader took, and whether it was cancelled.
 * @param {Uint8Array} bytes
 * @param {number} size
 */
function counted(bytes, size) {
  const state = { pulled: 0, chunks: Math.ceil(bytes.length / size), cancelled: false };
  const stream = new ReadableStream({
    pull(c) {
      if (state.pulled * size >= bytes.length) { c.close(); return; }
      c.enqueue(bytes.slice(state.pulled * size, (state.pulled + 1) * size));
      state.pulled++;
    },
    cancel() { state.cancelled = true; },
  }, { highWaterMark: 0 });
  return { response: new Response(stream), state };
}

/**
 * A Response that gives the snapshot's first bytes, then waits forever;
 * records whether it was cancelled.
 */
function endless() {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream({
    pull(c) {
      if (state.pulled === 0) c.enqueue(snapshot.slice(0, 4096));
      state.pulled++;
      return state.pulled > 1 ? new Promise(() => {}) : undefined;
    },
    cancel() { state.cancelled = true; },
  }, { highWaterMark: 0 });
  return { response: new Response(stream), state };
}

/** Resolves once `cond()` holds (checked each macrotask), or after `ms`. */
async function until(cond, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
  return cond();
}

test('the body is read to its end while the module loads, then loaded as usual', async (t) => {
  const wasm = await heldWasm(t);
  const { response, state } = counted(snapshot, 997);
  /** @type {[number, number][]} */
  const seen = [];
  const loading = EdgeVec.load(response, {
    locateFile: wasm.locateFile(), onProgress: (got, total) => seen.push([got, total]),
  });
  assert.ok(await until(() => state.pulled === state.chunks && wasm.requests() === 1),
    `read ${state.pulled} of ${state.chunks} chunks, ${wasm.requests()} request for the module`);
  assert.deepEqual(seen, [], 'nothing is reported before the header is checked');
  wasm.release();
  const db = await loading;
  assert.equal(db.size, 600);
  assert.deepEqual(db.search(query, 5).map((h) => [String(h.id), h.distance]), expected);
  assert.deepEqual(seen[seen.length - 1], [snapshot.length, snapshot.length]);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] > seen[i - 1][0]);
  assert.equal(state.cancelled, false);
  db.dispose();
});

test('a body whose last chunk is still on its way when the module is there: each byte once', async (t) => {
  const wasm = await heldWasm(t);
  // Half the body now, the rest only after the module loaded: the read in
  // flight at that moment is taken over by the load, not repeated.
  const half = Math.floor(snapshot.length / 2);
  /** @type {(() => void) | undefined} */
  let sendRest;
  const rest = new Promise((r) => { sendRest = () => r(undefined); });
  let pulls = 0;
  const stream = new ReadableStream({
    async pull(c) {
      pulls++;
      if (pulls === 1) c.enqueue(snapshot.slice(0, half));
      else if (pulls === 2) { await rest; c.enqueue(snapshot.slice(half)); } else c.close();
    },
  }, { highWaterMark: 0 });
  const loading = EdgeVec.load(new Response(stream), { locateFile: wasm.locateFile() });
  assert.ok(await until(() => pulls === 2 && wasm.requests() === 1));
  wasm.release();
  await new Promise((r) => setTimeout(r, 20));
  sendRest?.();
  const db = await loading;
  assert.equal(db.size, 600);
  assert.deepEqual(db.search(query, 5).map((h) => [String(h.id), h.distance]), expected);
  db.dispose();
});

test('abort while the module loads: ABORTED at once, the body cancelled', async (t) => {
  const wasm = await heldWasm(t);
  const { response, state } = endless();
  const ac = new AbortController();
  const loading = EdgeVec.load(response, { locateFile: wasm.locateFile(), signal: ac.signal });
  assert.ok(await until(() => state.pulled > 1 && wasm.requests() === 1));
  ac.abort(new Error('user left'));
  const e = await rejectsWith(() => loading, 'ABORTED');
  assert.equal(e.cause.message, 'user left');
  assert.ok(await until(() => state.cancelled), 'the body stream was cancelled');
  // The module goes on loading (other loads may share it), and loads.
  wasm.release();
});

test('a module that fails to load while the body is read ahead: WASM_LOAD, the body cancelled', async (t) => {
  t.mock.method(console, 'warn', () => {});
  const wasm = await heldWasm(t);
  const { response, state } = endless();
  const loading = EdgeVec.load(response, { locateFile: wasm.locateFile('missing.wasm') });
  assert.ok(await until(() => state.pulled > 1 && wasm.requests() === 1));
  wasm.release();
  await rejectsWith(() => loading, 'WASM_LOAD');
  assert.ok(await until(() => state.cancelled), 'the body stream was cancelled');
  // A failed module and an HTTP error: the module's failure is reported, as
  // it always was.
  const wasm2 = await heldWasm(t);
  const e404 = new Response('not here', { status: 404 });
  const failing = EdgeVec.load(e404, { locateFile: wasm2.locateFile('missing.wasm') });
  wasm2.release();
  await rejectsWith(() => failing, 'WASM_LOAD');
});

test('streamed loads, whole or failed, leave the wasm heap where it was', async () => {
  const wasm = await loadWasm();
  const heap = () => wasm._evw_heap_allocated();
  // The module's first index allocates what every later one shares.
  (await EdgeVec.load(snapshot)).dispose();
  const start = heap();
  for (let i = 0; i < 5; i++) {
    const db = await EdgeVec.load(counted(snapshot, 1000 + i * 333).response);
    assert.equal(db.size, 600);
    db.dispose();
    assert.equal(heap(), start, `after whole load ${i}`);
    const cut = snapshot.slice(0, snapshot.length - 1 - i * 100);
    await rejectsWith(() => EdgeVec.load(counted(cut, 777).response), 'CORRUPT');
    assert.equal(heap(), start, `after truncated load ${i}`);
    const flipped = snapshot.slice();
    flipped[flipped.length - 10 - i] ^= 1;
    await rejectsWith(() => EdgeVec.load(counted(flipped, 2048).response), 'CORRUPT');
    assert.equal(heap(), start, `after damaged load ${i}`);
  }
});
