// threads.spec.js — the build with threads (dist/mt/) in the browser. The
// suite's server sends COOP/COEP, so its pages are cross-origin isolated:
// there Chromium and Firefox load it (db.threads > 1), build on threads,
// and searchBatch answers as search does, with recall against brute force,
// with a filter too.
// WebKit either does the same or falls back cleanly to the default module
// (threads 1, the same correct answers). On a page served without the
// headers every engine uses the default module.
import path from 'node:path';
import { test, expect } from './fixtures.js';
import { openHarness, waitHarness } from './lib/scenario.js';
import { startServer } from '../../scripts/serve.js';

const CASE = { seed: 16, dim: 32, n: 3000, nq: 40, k: 10 };

/** Runs in the page: build, searchBatch (and with a filter), brute force. */
async function inPage(cfg) {
  const { EdgeVec, dataset } = window.harness;
  const mix = new dataset.Mixture(cfg.seed, cfg.dim);
  const data = mix.rows(cfg.n);
  const queries = mix.rows(cfg.nq);
  const db = await EdgeVec.create({ dimensions: cfg.dim, idType: 'number' });
  await db.insertBatch(data, { metadata: Array.from({ length: cfg.n }, (_, i) => ({ u: i % 10 })) });
  const batch = db.searchBatch(queries, cfg.k, { ef: 64 });
  const filter = { u: { lt: 3 } };
  const filtered = db.searchBatch(queries, cfg.k, { filter });
  let filteredSame = filtered.length === cfg.nq;
  for (let q = 0; q < cfg.nq; q++) {
    const one = db.search(queries.subarray(q * cfg.dim, (q + 1) * cfg.dim), cfg.k, { filter });
    if (JSON.stringify(one) !== JSON.stringify(filtered[q]) || one.length !== cfg.k ||
      !one.every((r) => r.id % 10 < 3)) filteredSame = false;
  }
  let same = batch.length === cfg.nq;
  let hits = 0;
  for (let q = 0; q < cfg.nq; q++) {
    const query = queries.subarray(q * cfg.dim, (q + 1) * cfg.dim);
    const one = db.search(query, cfg.k, { ef: 64 });
    if (JSON.stringify(one) !== JSON.stringify(batch[q])) same = false;
    const scored = [];
    for (let i = 0; i < cfg.n; i++) {
      let d = 0;
      for (let j = 0; j < cfg.dim; j++) {
        const x = query[j] - data[i * cfg.dim + j];
        d += x * x;
      }
      scored.push([d, i]);
    }
    scored.sort((a, b) => a[0] - b[0]);
    const found = new Set(batch[q].map((r) => r.id));
    for (const [, i] of scored.slice(0, cfg.k)) if (found.has(i)) hits++;
  }
  const out = {
    isolated: globalThis.crossOriginIsolated === true,
    shared: typeof SharedArrayBuffer === 'function',
    threads: db.threads,
    size: db.size,
    same,
    filteredSame,
    recall: hits / (cfg.nq * cfg.k),
  };
  db.dispose();
  return out;
}

test('cross-origin isolated: the build with threads (or, in WebKit, a clean fallback)', async ({ tabs, engine }) => {
  const tab = await openHarness(tabs);
  const r = await tab.evaluate(inPage, CASE);
  expect(r.isolated).toBe(true);
  expect(r.size).toBe(CASE.n);
  expect(r.same).toBe(true);
  expect(r.filteredSame).toBe(true);
  expect(r.recall).toBeGreaterThanOrEqual(0.95);
  if (engine === 'webkit') {
    // Threads when WebKitGTK gives shared memory, else the default module.
    expect(r.threads === 1 || r.threads >= 2).toBe(true);
    if (!r.shared) expect(r.threads).toBe(1);
  } else {
    expect(r.threads).toBeGreaterThanOrEqual(2);
  }
});

test('not isolated: the default module in every engine', async ({ tabs }) => {
  const packed = process.env.EDGEVEC_PACKED_DIR;
  const plain = await startServer({
    port: 0,
    isolated: false,
    mounts: { '/js/': path.join(packed, 'js'), '/dist/': path.join(packed, 'dist') },
  });
  try {
    const tab = await tabs.open(new URL('tests/browser/pages/harness.html', plain.url).href);
    await waitHarness(tab);
    const r = await tab.evaluate(inPage, { ...CASE, n: 1000 });
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.same).toBe(true);
    expect(r.filteredSame).toBe(true);
    expect(r.recall).toBeGreaterThanOrEqual(0.95);
  } finally {
    await plain.close();
  }
});
