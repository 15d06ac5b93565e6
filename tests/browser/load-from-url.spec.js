// load-from-url.spec.js — an index shipped as a file: a 100,000 × 128
// snapshot built and exported in Node, served by the project's server, and
// loaded in a fresh page with EdgeVec.load(url); its searches must be the
// ones Node gets from the same bytes. The same index is shipped twice: with
// float32 vectors (54 MB) and quantized to SQ8 (18 MB), the form an app
// ships when the download matters most. Also in the page: a 404 is FETCH, a
// truncated file is CORRUPT, and persistAs stores a downloaded snapshot in
// IndexedDB that a reloaded page opens.
//
// The fetch-to-ready time in the fresh page (the goal: under 300 ms in
// Chromium) is measured for both forms and printed with, for scale, a plain
// fetch().arrayBuffer() of the same file in the same page afterwards; it is
// not asserted. On the 2-core machine the suite runs on, a plain fetch of
// the 54 MB in a page just opened takes about 300 ms or more by itself,
// the suite runs two engines side by side, and the machine is shared: a
// bound there would fail on the machine's weather, not on EdgeVec
// (bench/results/transfer.md and transfer-notes.md have the figures).
//
// The 100k index is built once and kept under build/transfer/ (gitignored),
// with M 8 and efConstruction 40 so that building it costs seconds, not the
// twenty of the defaults: the load test is about bytes and decoding, and
// the snapshot still holds every vector.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from './fixtures.js';
import { importNodePackage, importDataset, waitHarness, uniqueName } from './lib/scenario.js';
import { startServer } from '../../scripts/serve.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = path.join(ROOT, 'build', 'transfer');
const SHIP = Object.freeze({
  seed: 42, n: 100_000, dim: 128, nq: 20, k: 10,
  options: Object.freeze({ dimensions: 128, metric: 'l2', m: 8, efConstruction: 40, seed: 7 }),
});
const FILE = `mixture-${SHIP.seed}-${SHIP.n}x${SHIP.dim}-m${SHIP.options.m}-efc${SHIP.options.efConstruction}.evsnap`;
// The two forms shipped (bench/transfer/measure-load.js caches the same files).
const FORMS = Object.freeze([
  { name: 'float32', file: FILE, options: SHIP.options },
  { name: 'SQ8', file: FILE.replace('.evsnap', '-sq8.evsnap'), options: { ...SHIP.options, quantization: 'sq8' } },
]);

/**
 * The snapshot file of a form (built and exported on first use; a cached
 * one that no longer loads is rebuilt) and Node's search results on it.
 * @param {typeof FORMS[number]} form
 */
async function shippedIndex(form) {
  const { EdgeVec } = await importNodePackage();
  const { data, queries } = await shippedRows();
  const file = path.join(CACHE, form.file);
  let db = null;
  if (fs.existsSync(file)) {
    db = await EdgeVec.load(new Uint8Array(fs.readFileSync(file))).catch(() => null);
  }
  if (!db || db.size !== SHIP.n) {
    db?.dispose();
    db = await EdgeVec.create({ ...form.options });
    await db.insertBatch(data);
    fs.mkdirSync(CACHE, { recursive: true });
    // Another worker may be writing the same file: each writes its own,
    // and a rename puts a whole one in place.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, await db.export());
    fs.renameSync(tmp, file);
  }
  const results = [];
  for (let q = 0; q < SHIP.nq; q++) {
    results.push(db.search(queries.subarray(q * SHIP.dim, (q + 1) * SHIP.dim), SHIP.k)
      .map((h) => [String(h.id), h.distance]));
  }
  db.dispose();
  return { file, bytes: fs.statSync(file).size, results, queries: Array.from(queries) };
}

/** The shipped rows and the held-out queries after them, drawn once per
 * worker process (both forms ship the same rows). */
let rowsOnce = null;
function shippedRows() {
  rowsOnce ??= importDataset().then(({ Mixture }) => {
    const mix = new Mixture(SHIP.seed, SHIP.dim);
    const data = mix.rows(SHIP.n);
    return { data, queries: mix.rows(SHIP.nq) };
  });
  return rowsOnce;
}

/** A server for the pages and the snapshot: the packed package as the
 * fixture serves it, plus /ship/ for the files under test. */
async function shipServer(dir) {
  const packed = process.env.EDGEVEC_PACKED_DIR;
  if (!packed) throw new Error('EDGEVEC_PACKED_DIR is not set: global-setup.js did not run');
  return startServer({
    port: 0,
    mounts: { '/js/': path.join(packed, 'js'), '/dist/': path.join(packed, 'dist'), '/ship/': dir },
  });
}

for (const form of FORMS) test(`a 100k × 128 snapshot (${form.name}) loads from its URL in a fresh page and searches as in Node`, async ({ tabs, engine }) => {
  test.setTimeout(240_000);
  const ref = await shippedIndex(form);
  const server = await shipServer(CACHE);
  try {
    const tab = await tabs.open();
    await tab.goto(new URL('tests/browser/pages/harness.html', server.url).href);
    await waitHarness(tab);
    const r = await tab.evaluate(async ({ cfg, url, queryValues }) => {
      const { EdgeVec, searchAll } = window.harness;
      const queries = new Float32Array(queryValues);
      let progressCalls = 0;
      let lastProgress = null;
      // Cold: the page has not loaded the wasm module yet; it loads while
      // the snapshot downloads.
      const t0 = performance.now();
      const db = await EdgeVec.load(url, {
        onProgress: (got, total) => { progressCalls++; lastProgress = [got, total]; },
      });
      const coldMs = performance.now() - t0;
      const out = {
        coldMs, size: db.size, dimensions: db.dimensions, progressCalls, lastProgress,
        results: searchAll(db, queries, cfg.dim, cfg.k),
      };
      db.dispose();
      // Warm: the module is there; the time is the download and the decode.
      // Once: the spec shows the order of the times, the benchmark
      // (bench/transfer/measure-load.js) takes medians.
      const t1 = performance.now();
      const again = await EdgeVec.load(url);
      out.warmMs = performance.now() - t1;
      again.dispose();
      // For scale: the transport alone, in the same (no longer fresh) page.
      const t2 = performance.now();
      await (await fetch(url)).arrayBuffer();
      out.fetchMs = performance.now() - t2;
      out.isolated = window.crossOriginIsolated === true;
      return out;
    }, { cfg: SHIP, url: `/ship/${form.file}`, queryValues: ref.queries });
    const goal = engine === 'chromium' ? ' (goal < 300 ms, printed, not asserted)' : '';
    console.log(`[${engine}] EdgeVec.load(url) of ${SHIP.n} × ${SHIP.dim}, ${form.name} ` +
      `(${(ref.bytes / 1048576).toFixed(1)} MB): ` +
      `fetch to ready ${r.coldMs.toFixed(0)} ms in a fresh page${goal} (module loaded meanwhile, ` +
      `${r.isolated ? 'cross-origin isolated' : 'not isolated'}), ${r.warmMs.toFixed(0)} ms with the module loaded; ` +
      `a plain fetch().arrayBuffer() of the file afterwards ${r.fetchMs.toFixed(0)} ms`);
    test.info().annotations.push({
      type: 'load-ms',
      description: `${engine} ${form.name} cold ${r.coldMs.toFixed(1)} warm ${r.warmMs.toFixed(1)} fetch ${r.fetchMs.toFixed(1)}`,
    });
    expect(r.size).toBe(SHIP.n);
    expect(r.dimensions).toBe(SHIP.dim);
    expect(r.lastProgress).toEqual([ref.bytes, ref.bytes]);
    expect(r.progressCalls).toBeGreaterThan(1);
    expect(r.results).toEqual(ref.results);
  } finally {
    await server.close();
  }
});

test('in the page: 404 is FETCH, a truncated file is CORRUPT, persistAs stores it in IndexedDB for the next page', async ({ tabs }, testInfo) => {
  const { EdgeVec } = await importNodePackage();
  const db = await EdgeVec.create({ dimensions: 16, seed: 3 });
  const rows = Array.from({ length: 500 }, (_, i) => Array.from({ length: 16 }, (_, j) => Math.sin(i * 0.7 + j * 1.3)));
  await db.insertBatch(rows);
  const bytes = await db.export();
  db.insert(rows[17].map((v) => v + 1), 1000);
  const expected = db.search(rows[17], 5).map((h) => [String(h.id), h.distance]);
  db.dispose();
  fs.mkdirSync(CACHE, { recursive: true });
  const dir = fs.mkdtempSync(path.join(CACHE, 'small-'));
  fs.writeFileSync(path.join(dir, 'small.evsnap'), bytes);
  fs.writeFileSync(path.join(dir, 'cut.evsnap'), bytes.subarray(0, bytes.length - 100));
  const server = await shipServer(dir);
  const name = uniqueName(testInfo, 'shipped');
  try {
    const tab = await tabs.open();
    const page = new URL('tests/browser/pages/harness.html', server.url).href;
    await tab.goto(page);
    await waitHarness(tab);
    const r = await tab.evaluate(async ({ name, query }) => {
      const { EdgeVec } = window.harness;
      const code = (p) => p.then(() => 'loaded', (e) => `${e.code} ${e.httpStatus ?? ''}`.trim());
      const missing = await code(EdgeVec.load('/ship/missing.evsnap'));
      const cut = await code(EdgeVec.load('/ship/cut.evsnap'));
      const db = await EdgeVec.load('/ship/small.evsnap', { persistAs: name });
      db.insert(query.map((v) => v + 1), 1000);
      await db.close();
      const again = await code(EdgeVec.load('/ship/small.evsnap', { persistAs: name }));
      return { missing, cut, again };
    }, { name, query: rows[17] });
    expect(r).toEqual({ missing: 'FETCH 404', cut: 'CORRUPT', again: 'ALREADY_EXISTS' });
    await tab.reload();
    await waitHarness(tab);
    const reopened = await tab.evaluate(async ({ name, query }) => {
      const { EdgeVec } = window.harness;
      const db = await EdgeVec.open(name);
      const out = { size: db.size, has1000: db.has(1000), hits: db.search(query, 5).map((h) => [String(h.id), h.distance]) };
      await db.close();
      await EdgeVec.remove(name);
      return out;
    }, { name, query: rows[17] });
    expect(reopened).toEqual({ size: 501, has1000: true, hits: expected });
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
