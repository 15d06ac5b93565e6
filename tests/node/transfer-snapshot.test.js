// tests/node/transfer-snapshot.test.js (js/transfer/snapshot.js) — indexes
// that travel: export() then EdgeVec.load gives the same index (every
// vector, the same searches, the same options: re-exporting gives the same
// bytes); every truncation length and every single-bit flip of a snapshot is
// CORRUPT, through bytes and through a streamed Response; Responses built in
// Node (whole, in uneven chunks, with a Content-Length that lies, broken
// off); fetch from a local HTTP server (200, 404, refused); abort; persistAs
// into MemoryStorage and NodeFileStorage, then reopen; persistAs onto an
// existing database changes nothing; export of a persisted database commits
// what is pending.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { NodeFileStorage } from '../../js/storage/node-file.js';
import { clustered, rowsOf } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const DIM = 6;
const data = clustered({ seed: 71, n: 400, dim: DIM });
const rows = rowsOf(data, DIM);
const queries = rowsOf(clustered({ seed: 72, n: 12, dim: DIM }), DIM);

/**
 * Everything observable about an index, for before/after comparisons.
 * @param {EdgeVec} db
 * @param {number} maxId
 */
function fingerprint(db, maxId) {
  const live = [];
  for (let id = 0; id < maxId; id++) {
    const v = db.get(id);
    live.push(v ? [id, Array.from(v)] : [id, null]);
  }
  return {
    size: db.size, deleted: db.deletedCount, dimensions: db.dimensions, metric: db.metric,
    quantization: db.quantization, live,
    searches: queries.map((q) => db.search(q, 10).map((h) => [String(h.id), h.distance])),
    wideSearches: queries.map((q) => db.search(q, 5, { ef: 200 }).map((h) => [String(h.id), h.distance])),
  };
}

/**
 * @param {import('../../types/index.js').CreateOptions} options
 * @param {number} [n]
 */
async function built(options, n = 300) {
  const db = await EdgeVec.create(options);
  await db.insertBatch(data.subarray(0, n * DIM));
  db.softDeleteBatch([3, 30, 33, 299]);
  db.insert(rows[n], 2n ** 40n);
  return db;
}

/** A small index whose snapshot every truncation and bit flip can be tried on. */
const small = await EdgeVec.create({ dimensions: 4, m: 4, efConstruction: 20, seed: 2 });
await small.insertBatch(rows.slice(0, 24).map((r) => r.slice(0, 4)));
small.softDelete(5);
const smallBytes = await small.export();
small.dispose();

/** u32 at a byte offset. */
const u32 = (b, at) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);

/**
 * A Response whose body comes in the given pieces.
 * @param {Uint8Array} bytes
 * @param {number[]} cuts  offsets where a chunk ends
 * @param {HeadersInit} [headers]
 */
function chunked(bytes, cuts, headers) {
  const ends = [...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length];
  let at = 0;
  const stream = new ReadableStream({
    pull(c) {
      if (ends.length === 0) { c.close(); return; }
      const end = ends.shift();
      c.enqueue(bytes.slice(at, end));
      at = end;
    },
  });
  return new Response(stream, headers ? { headers } : undefined);
}

test('export then load: the same vectors, searches and options; re-exporting gives the same bytes', async () => {
  const configs = [
    { dimensions: DIM, metric: 'l2', m: 6, efConstruction: 40, efSearch: 33, seed: 9 },
    { dimensions: DIM, metric: 'cosine', quantization: 'sq8', keepFloats: true, rerank: 20, seed: 10 },
    { dimensions: DIM, metric: 'dot', quantization: 'binary', m: 3, seed: 11 },
    { dimensions: DIM, metric: 'l2', quantization: 'sq8', seed: 12 },
  ];
  for (const options of configs) {
    const db = await built(options);
    const before = fingerprint(db, 310);
    const bytes = await db.export();
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x45, 0x56, 0x53, 0x4e, 0x41, 0x50, 0x0d, 0x0a]);
    const copies = [
      await EdgeVec.load(bytes),
      await EdgeVec.load(bytes.slice().buffer),
      await EdgeVec.load(new Response(bytes)),
      await EdgeVec.load(chunked(bytes, [1, 7, 20, 21, 130, 500, 501, 2000])),
    ];
    for (const copy of copies) {
      assert.deepEqual(fingerprint(copy, 310), before, JSON.stringify(options));
      assert.ok(copy.has(2n ** 40n));
      // Options the API does not show (m, efConstruction, efSearch, seed,
      // the RNG state, the automatic id) are in the header: the same bytes.
      assert.deepEqual(await copy.export(), bytes);
    }
    // And a copy keeps growing the way the original does.
    const copy = copies[0];
    for (const row of rows.slice(350, 360)) assert.equal(copy.insert(row), db.insert(row));
    assert.deepEqual(await copy.export(), await db.export());
    for (const c of copies) c.dispose();
    db.dispose();
  }
});

test('load: idType, wasm location, progress, and the options that are refused', async () => {
  const db = await built({ dimensions: DIM, seed: 4 });
  const bytes = await db.export();
  const numbers = await EdgeVec.load(bytes, { idType: 'number' });
  assert.equal(numbers.idType, 'number');
  assert.equal(typeof numbers.search(rows[0], 1)[0].id, 'number');
  assert.deepEqual(numbers.search(rows[0], 5).map((h) => BigInt(h.id)), db.search(rows[0], 5).map((h) => h.id));
  numbers.dispose();

  const wasmBinary = await readFile(new URL('../../dist/edgevec.wasm', import.meta.url));
  const own = await EdgeVec.load(bytes, { wasmBinary });
  assert.equal(own.size, db.size);
  own.dispose();

  /** @type {[number, number][]} */
  const seen = [];
  const streamed = await EdgeVec.load(chunked(bytes, Array.from({ length: 200 }, (_, i) => i * 97)),
    { onProgress: (got, total) => seen.push([got, total]) });
  streamed.dispose();
  assert.ok(seen.length >= 2 && seen.length <= 102, `${seen.length} progress calls`);
  assert.deepEqual(seen[seen.length - 1], [bytes.length, bytes.length]);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] > seen[i - 1][0] && seen[i][1] === bytes.length);
  const once = [];
  (await EdgeVec.load(bytes, { onProgress: (got, total) => once.push([got, total]) })).dispose();
  assert.deepEqual(once, [[bytes.length, bytes.length]]);

  await rejectsWith(() => EdgeVec.load(bytes, { dimensions: DIM }), 'INVALID_ARGUMENT', { message: /unknown option 'dimensions'/ });
  await rejectsWith(() => EdgeVec.load(bytes, { storage: new MemoryStorage() }), 'INVALID_ARGUMENT', { message: /needs persistAs/ });
  await rejectsWith(() => EdgeVec.load(bytes, { autoFlush: true }), 'INVALID_ARGUMENT', { message: /needs persistAs/ });
  await rejectsWith(() => EdgeVec.load(bytes, { idType: 'string' }), 'INVALID_ARGUMENT', { message: /idType/ });
  await rejectsWith(() => EdgeVec.load(bytes, { onProgress: 1 }), 'INVALID_ARGUMENT', { message: /onProgress/ });
  await rejectsWith(() => EdgeVec.load(bytes, { signal: {} }), 'INVALID_ARGUMENT', { message: /AbortSignal/ });
  await rejectsWith(() => EdgeVec.load(bytes, { persistAs: '' }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.load(bytes, null), 'INVALID_ARGUMENT');
  for (const bad of [undefined, null, 42, [1, 2], {}, new Blob([bytes])]) {
    await rejectsWith(() => EdgeVec.load(bad), 'INVALID_ARGUMENT', { message: /source must be/ });
  }
  const used = new Response(bytes);
  await used.arrayBuffer();
  await rejectsWith(() => EdgeVec.load(used), 'INVALID_ARGUMENT', { message: /already read/ });
  db.dispose();
  await rejectsWith(() => db.export(), 'DISPOSED');
});

test('every truncation of a snapshot, and bytes after it, are CORRUPT: as bytes and as a streamed body', async () => {
  const bytes = smallBytes;
  const headerLen = u32(bytes, 12);
  assert.ok(bytes.length > headerLen + 100, `${bytes.length} bytes`);
  for (let len = 0; len < bytes.length; len++) {
    const cut = bytes.slice(0, len);
    const e1 = await rejectsWith(() => EdgeVec.load(cut), 'CORRUPT');
    assert.match(e1.message, /truncated/, `length ${len}: ${e1.message}`);
    // Streamed: in chunks of 7 bytes (so the header arrives in pieces).
    const cuts = Array.from({ length: Math.ceil(len / 7) }, (_, i) => i * 7);
    const e2 = await rejectsWith(() => EdgeVec.load(chunked(cut, cuts)), 'CORRUPT');
    assert.match(e2.message, /truncated/, `streamed length ${len}: ${e2.message}`);
  }
  for (const extra of [1, 7, 4096]) {
    const longer = new Uint8Array(bytes.length + extra);
    longer.set(bytes);
    await rejectsWith(() => EdgeVec.load(longer), 'CORRUPT');
    const e = await rejectsWith(() => EdgeVec.load(chunked(longer, [100, bytes.length - 3])), 'CORRUPT');
    assert.match(e.message, /more bytes than/);
  }
  // Not a snapshot at all (an HTML error page served with status 200).
  const page = new TextEncoder().encode('<!doctype html><title>Not here</title>'.repeat(10));
  const e = await rejectsWith(() => EdgeVec.load(new Response(page)), 'CORRUPT');
  assert.equal(e.section, 'header');
  assert.match(e.message, /magic/);
  await rejectsWith(() => EdgeVec.load(new Response(null)), 'CORRUPT', { message: /truncated/ });
});

test('every single-bit flip of a snapshot is CORRUPT, never a crash or a different index', async () => {
  const bytes = smallBytes.slice();
  const sections = new Set();
  for (let i = 0; i < bytes.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      bytes[i] ^= 1 << bit;
      const err = await rejectsWith(() => EdgeVec.load(bytes), 'CORRUPT');
      sections.add(err.section);
      bytes[i] ^= 1 << bit;
    }
  }
  // The checks of the header and of each section's checksum all fired.
  for (const s of ['header', 'vectors', 'ids', 'levels', 'tombstones', 'links level 0']) {
    assert.ok(sections.has(s), `a flip caught in ${s}: ${[...sections]}`);
  }
  // Streamed too, for a sample of positions (the same checks run). Past the
  // header the section CRCs of a streamed body are summed as it arrives: the
  // error must be the one the same bytes give whole (section, byte offset).
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  // Pieces of 41 bytes past the header as well, so that most of the body
  // arrives after the buffer exists (the path that sums chunk by chunk).
  const cuts = [5, 19, 20, 150];
  for (let c = headerLen + 7; c < bytes.length; c += 41) cuts.push(c);
  for (let i = 0; i < bytes.length; i += 13) {
    bytes[i] ^= 0x10;
    const streamed = await rejectsWith(() => EdgeVec.load(chunked(bytes, cuts)), 'CORRUPT');
    if (i >= headerLen) {
      const whole = await rejectsWith(() => EdgeVec.load(bytes), 'CORRUPT');
      assert.equal(streamed.section, whole.section, `byte ${i}`);
      assert.equal(streamed.message, whole.message, `byte ${i}`);
    }
    bytes[i] ^= 0x10;
  }
  const intact = await EdgeVec.load(bytes);
  assert.equal(intact.size, 23);
  intact.dispose();
  const intactStreamed = await EdgeVec.load(chunked(bytes, cuts));
  assert.equal(intactStreamed.size, 23);
  intactStreamed.dispose();
});

test('a newer format version is UNSUPPORTED_VERSION', async () => {
  const { crc32 } = await import('node:zlib');
  const bytes = smallBytes.slice();
  const view = new DataView(bytes.buffer);
  view.setUint32(8, 3, true); // 2 is the snapshot that holds metadata
  const headerLen = view.getUint32(12, true);
  const crc = crc32(bytes.subarray(20, headerLen), crc32(bytes.subarray(0, 16)));
  view.setUint32(16, crc, true);
  await rejectsWith(() => EdgeVec.load(bytes), 'UNSUPPORTED_VERSION');
  await rejectsWith(() => EdgeVec.load(chunked(bytes, [10, 40])), 'UNSUPPORTED_VERSION');
});

test('Content-Length: a body that ends before it is CORRUPT; a smaller one (compression) is not held against an intact body', async () => {
  const bytes = smallBytes;
  const longer = { 'content-length': String(bytes.length + 10) };
  const e = await rejectsWith(() => EdgeVec.load(chunked(bytes, [50], longer)), 'CORRUPT');
  assert.match(e.message, /truncated.*Content-Length/);
  await rejectsWith(() => EdgeVec.load(new Response(bytes, { headers: longer })), 'CORRUPT', { message: /Content-Length/ });
  // Truncated, and the header says so even though Content-Length agrees
  // with what came.
  const cut = bytes.slice(0, bytes.length - 1);
  await rejectsWith(() => EdgeVec.load(chunked(cut, [64], { 'content-length': String(cut.length) })), 'CORRUPT',
    { message: /truncated/ });
  const smaller = await EdgeVec.load(chunked(bytes, [64], { 'content-length': String(bytes.length - 100) }));
  assert.equal(smaller.size, 23);
  smaller.dispose();
  // A compressed response's Content-Length counts other bytes: not checked.
  const gz = await EdgeVec.load(chunked(bytes, [64], { 'content-length': '999999', 'content-encoding': 'gzip' }));
  assert.equal(gz.size, 23);
  gz.dispose();
});

test('a body that breaks off is FETCH; a body that gives something other than bytes is refused', async () => {
  const bytes = smallBytes;
  let sent = false;
  const broken = new Response(new ReadableStream({
    pull(c) {
      if (!sent) { sent = true; c.enqueue(bytes.slice(0, 300)); return; }
      c.error(new TypeError('connection reset'));
    },
  }));
  const e = await rejectsWith(() => EdgeVec.load(broken), 'FETCH');
  assert.match(e.message, /broke off after 300 bytes of \d+.*connection reset/);
  const strings = new Response(new ReadableStream({ start(c) { c.enqueue('EVSNAP'); c.close(); } }));
  await rejectsWith(() => EdgeVec.load(strings), 'INVALID_ARGUMENT', { message: /not bytes/ });
});

/**
 * A local HTTP server: /snap the bytes (in pieces, with a pause), /slow
 * the first bytes then nothing, anything else 404.
 * @param {Uint8Array} bytes
 */
async function serve(bytes) {
  const server = http.createServer((req, res) => {
    if (req.url === '/snap') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length });
      res.write(bytes.subarray(0, 1000));
      setTimeout(() => res.end(bytes.subarray(1000)), 20);
    } else if (req.url === '/short') {
      res.writeHead(200, { 'Content-Length': bytes.length });
      res.end(bytes.subarray(0, 1000));
      req.socket.destroy();
    } else if (req.url === '/slow') {
      res.writeHead(200, { 'Content-Length': bytes.length });
      res.write(bytes.subarray(0, 1000));
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

test('from a URL: loads; 404 is FETCH with httpStatus; refused connection is FETCH; a short body is not an index', async (t) => {
  const db = await built({ dimensions: DIM, seed: 8 }, 2000 / DIM | 0);
  const bytes = await db.export();
  const s = await serve(bytes);
  t.after(() => s.close());
  for (const source of [`${s.base}/snap`, new URL('/snap', s.base)]) {
    const copy = await EdgeVec.load(source);
    assert.deepEqual(fingerprint(copy, 400), fingerprint(db, 400));
    copy.dispose();
  }
  const fetched = await EdgeVec.load(await fetch(`${s.base}/snap`));
  assert.equal(fetched.size, db.size);
  fetched.dispose();
  const e = await rejectsWith(() => EdgeVec.load(`${s.base}/missing.evsnap`), 'FETCH');
  assert.equal(e.httpStatus, 404);
  assert.match(e.message, /404 Not Found from http:\/\/127\.0\.0\.1:\d+\/missing\.evsnap/);
  const e404 = await rejectsWith(async () => EdgeVec.load(await fetch(`${s.base}/missing`)), 'FETCH');
  assert.equal(e404.httpStatus, 404);
  // A server that sends fewer bytes than it announced: undici reports the
  // broken connection, so it is FETCH or, where the body just ends, CORRUPT.
  const short = await EdgeVec.load(`${s.base}/short`).then(() => null, (x) => x);
  assert.ok(short && ['FETCH', 'CORRUPT'].includes(short.code), String(short?.message));
  const closed = await serve(bytes);
  const gone = closed.base;
  await closed.close();
  const refused = await rejectsWith(() => EdgeVec.load(`${gone}/snap`), 'FETCH', { message: /could not fetch/ });
  assert.equal(refused.httpStatus, undefined);
  await rejectsWith(() => EdgeVec.load('not a url at all'), 'FETCH');
  db.dispose();
});

test('a URL is fetched from the call on, before the transfer code loads; options refused then cancel that download', async (t) => {
  let requests = 0;
  let closed = 0;
  const server = http.createServer((req, res) => {
    requests++;
    res.on('close', () => { closed++; });
    res.writeHead(200, { 'Content-Length': smallBytes.length });
    res.write(smallBytes.subarray(0, 100)); // and never the rest
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { server.closeAllConnections(); server.close(r); }));
  const url = `http://127.0.0.1:${server.address().port}/snap`;
  // The request was made although the options are refused: it started
  // before loadFrom read them; and it does not stay open.
  await rejectsWith(() => EdgeVec.load(url, { nope: 1 }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.load(url, { onProgress: 'x' }), 'INVALID_ARGUMENT');
  const until = Date.now() + 5000;
  while ((requests < 2 || closed < 2) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.equal(requests, 2);
  assert.equal(closed, 2, 'both downloads were cancelled');
  // A signal that is not an AbortSignal is refused without a request.
  await rejectsWith(() => EdgeVec.load(url, { signal: {} }), 'INVALID_ARGUMENT');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(requests, 2);
});

test('abort: before the call, during a fetch, during a stalled body', async (t) => {
  const bytes = smallBytes;
  const s = await serve(bytes);
  t.after(() => s.close());
  const before = new AbortController();
  before.abort(new Error('not needed'));
  const e0 = await rejectsWith(() => EdgeVec.load(bytes, { signal: before.signal }), 'ABORTED');
  assert.equal(e0.cause.message, 'not needed');
  await rejectsWith(() => EdgeVec.load(`${s.base}/snap`, { signal: before.signal }), 'ABORTED');

  const during = new AbortController();
  const p = EdgeVec.load(`${s.base}/slow`, { signal: during.signal, onProgress: () => during.abort() });
  await rejectsWith(() => p, 'ABORTED');

  // A Response the app made, whose body never ends: the signal still stops it.
  let cancelled = false;
  const stalled = new Response(new ReadableStream({
    start(c) { c.enqueue(bytes.slice(0, 500)); },
    cancel() { cancelled = true; },
  }));
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 30);
  await rejectsWith(() => EdgeVec.load(stalled, { signal: ac.signal }), 'ABORTED');
  assert.ok(cancelled, 'the body stream was cancelled');
});

test('a failed load leaves the wasm heap where it was', async () => {
  const probe = await EdgeVec.create({ dimensions: 4 });
  probe.dispose();
  const { loadWasm } = await import('../../js/loader.js');
  const wasm = await loadWasm();
  const heap = () => wasm._evw_heap_allocated();
  const start = heap();
  for (let i = 0; i < 30; i++) {
    await EdgeVec.load(smallBytes.subarray(0, 200 + i * 10)).catch(() => undefined);
    await EdgeVec.load(chunked(smallBytes.subarray(0, 300 + i), [100])).catch(() => undefined);
  }
  assert.equal(heap(), start);
});

test('persistAs: the snapshot becomes a new database, open for writing, that reopens (MemoryStorage, NodeFileStorage)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-transfer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const db = await built({ dimensions: DIM, metric: 'cosine', seed: 21 });
  const bytes = await db.export();
  const expected = fingerprint(db, 310);
  for (const storage of [new MemoryStorage(), new NodeFileStorage(dir)]) {
    const errors = [];
    const copy = await EdgeVec.load(new Response(bytes), {
      persistAs: 'shipped', storage, autoFlush: true, onFlushError: (e) => errors.push(e),
    });
    assert.deepEqual(fingerprint(copy, 310), expected);
    assert.deepEqual(copy.openReport, { droppedLogRecords: [] });
    assert.deepEqual(await EdgeVec.list(storage), ['shipped']);
    const added = copy.insert(rows[390]);
    copy.softDelete(7);
    await copy.flush();
    const after = fingerprint(copy, 310);
    // Locked while open, like any writer.
    await rejectsWith(() => EdgeVec.open('shipped', { storage }), 'LOCKED');
    await copy.close();
    const again = await EdgeVec.open('shipped', { storage });
    assert.deepEqual(fingerprint(again, 310), after);
    assert.ok(again.has(added));
    assert.equal(again.has(7), false);
    // Its log continues after the snapshot it came with, and a checkpoint
    // of it reloads too.
    await again.checkpoint();
    await again.close();
    const third = await EdgeVec.open('shipped', { storage, readOnly: true });
    assert.deepEqual(fingerprint(third, 310), after);
    third.dispose();
    assert.deepEqual(errors, []);
  }
  db.dispose();
});

test('persistAs onto a database that holds an index: ALREADY_EXISTS, nothing changed; an invalid snapshot creates nothing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-transfer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const db = await built({ dimensions: DIM, seed: 31 });
  const bytes = await db.export();
  const files = async (name) => {
    const out = {};
    for (const n of (await readdir(join(dir, name))).sort()) if (n !== 'LOCK') out[n] = (await readFile(join(dir, name, n))).toString('base64');
    return out;
  };
  for (const storage of [new MemoryStorage(), new NodeFileStorage(dir)]) {
    // One with a snapshot and a log, one with a snapshot only.
    const existing = await EdgeVec.open('mine', { storage, dimensions: DIM });
    existing.insert(rows[0]);
    await existing.flush();
    await existing.close();
    const fresh = await EdgeVec.open('fresh', { storage, dimensions: 3 });
    await fresh.close();
    for (const name of ['mine', 'fresh']) {
      const state = async () => {
        const h = await storage.open(name, { readOnly: true });
        try { return await h.load(); } finally { await h.close(); }
      };
      const before = await state();
      const filesBefore = storage instanceof NodeFileStorage ? await files(name) : null;
      const e = await rejectsWith(() => EdgeVec.load(bytes, { persistAs: name, storage }), 'ALREADY_EXISTS');
      assert.match(e.message, new RegExp(`"${name}"`));
      assert.deepEqual(await state(), before);
      if (filesBefore) assert.deepEqual(await files(name), filesBefore);
      // The lock was released: the database opens as it was.
      const reopened = await EdgeVec.open(name, { storage });
      assert.equal(reopened.size, name === 'mine' ? 1 : 0);
      await reopened.close();
    }
    const broken = bytes.slice();
    broken[broken.length - 5] ^= 1;
    await rejectsWith(() => EdgeVec.load(broken, { persistAs: 'never', storage }), 'CORRUPT');
    assert.deepEqual(await EdgeVec.list(storage), ['fresh', 'mine']);
  }
  db.dispose();
});

test('persistAs from a streamed body: stores exactly the bytes that arrived; a damaged or cut download stores nothing and leaves every database byte for byte', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-transfer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const db = await built({ dimensions: DIM, seed: 32 });
  const bytes = await db.export();
  const size = db.size;
  db.dispose();
  const at = (id) => {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < v.getUint32(92, true); i++) {
      if (v.getUint32(120 + 24 * i, true) === id) return Number(v.getBigUint64(120 + 24 * i + 8, true));
    }
    throw new Error(`no section ${id}`);
  };
  // Pieces of 97 bytes: every section arrives split, the header too.
  const cuts = (b) => Array.from({ length: Math.ceil(b.length / 97) }, (_, i) => i * 97);
  const storage = new NodeFileStorage(dir);
  const files = async () => {
    const out = {};
    for (const name of (await readdir(dir)).sort()) {
      for (const n of (await readdir(join(dir, name))).sort()) {
        if (n !== 'LOCK') out[`${name}/${n}`] = (await readFile(join(dir, name, n))).toString('base64');
      }
    }
    return out;
  };
  const kept = await EdgeVec.open('kept', { storage, dimensions: DIM });
  kept.insert(rows[1]);
  await kept.flush();
  await kept.close();
  const before = await files();
  // Damage in a section placed as it arrives (vectors, level-0 links), in
  // one held to the end (ids), in the last byte; and a body cut short.
  const damaged = [at(2) + 3, at(6) + 9, at(3) + 1, bytes.length - 1].map((i) => {
    const b = bytes.slice();
    b[i] ^= 0x04;
    return b;
  });
  for (const [i, b] of [...damaged, bytes.slice(0, bytes.length - 50)].entries()) {
    for (const name of ['new', 'kept']) {
      await rejectsWith(() => EdgeVec.load(chunked(b, cuts(b)), { persistAs: name, storage }), 'CORRUPT');
      assert.deepEqual(await files(), before, `damage ${i}, persistAs ${name}: storage unchanged`);
    }
  }
  assert.deepEqual(await EdgeVec.list(storage), ['kept']);
  // Intact: the stored snapshot is the downloaded bytes, and reopens.
  const copy = await EdgeVec.load(chunked(bytes, cuts(bytes)), { persistAs: 'new', storage });
  await copy.close();
  const h = await storage.open('new', { readOnly: true });
  const stored = await h.load();
  await h.close();
  assert.deepEqual(stored.snapshot, bytes);
  const reopened = await EdgeVec.open('new', { storage });
  assert.equal(reopened.size, size);
  await reopened.close();
});

test('export of a persisted database: commits what is pending first; read-only exports as stored; the copy equals the database', async () => {
  const storage = new MemoryStorage();
  const db = await EdgeVec.open('p', { storage, dimensions: DIM, seed: 41 });
  await db.insertBatch(data.subarray(0, 100 * DIM));
  // Nothing flushed yet: export commits it (one log record), as flush would.
  const bytes = await db.export();
  const h = await storage.open('p', { readOnly: true });
  const state = await h.load();
  await h.close();
  assert.equal(state.log.length, 1);
  const copy = await EdgeVec.load(bytes);
  assert.deepEqual(fingerprint(copy, 110), fingerprint(db, 110));
  // The snapshot names the last stored record: persisted from it, the
  // copy's log continues after it.
  assert.equal(Number(new DataView(bytes.buffer).getBigUint64(104, true)), state.log[0].seq);
  copy.dispose();
  // A batch in flight when export is called is in the export.
  const batch = db.insertBatch(data.subarray(100 * DIM, 200 * DIM));
  const withBatch = await EdgeVec.load(await db.export());
  await batch;
  assert.equal(withBatch.size, 200);
  withBatch.dispose();
  await db.close();
  const reader = await EdgeVec.open('p', { storage, readOnly: true });
  const fromReader = await EdgeVec.load(await reader.export());
  assert.deepEqual(fingerprint(fromReader, 210), fingerprint(reader, 210));
  fromReader.dispose();
  reader.dispose();
});
