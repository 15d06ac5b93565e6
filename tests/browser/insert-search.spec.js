// insert-search.spec.js — insertBatch of 10,000 x 128 in the page, with its
// progress events and without freezing the page, then 100 searches whose
// ids, order and distances must equal those of the same build in Node for
// the same seed and data: one wasm, so any difference is an engine bug.
import { test, expect } from './fixtures.js';
import { BIG, nodeReference, openHarness } from './lib/scenario.js';

test('insertBatch 10,000 x 128 with progress; search identical to Node', async ({ tabs }) => {
  // Started first so Node builds its reference while the browser works.
  const reference = nodeReference();
  const tab = await openHarness(tabs);
  const page = await tab.evaluate(async (cfg) => {
    const { EdgeVec, dataset, searchAll, ticker } = window.harness;
    const mix = new dataset.Mixture(cfg.seed, cfg.dim);
    const data = mix.rows(cfg.n);
    const queries = mix.rows(cfg.nq);
    const db = await EdgeVec.create(cfg.options);
    const events = [];
    const t = ticker();
    const t0 = performance.now();
    const r = await db.insertBatch(data, { onProgress: (done, total) => events.push([done, total]) });
    const ms = performance.now() - t0;
    const turns = t.stop();
    const results = searchAll(db, queries, cfg.dim, cfg.k);
    const out = {
      fingerprint: dataset.fnv1a32(data).toString(16),
      queryFingerprint: dataset.fnv1a32(queries).toString(16),
      inserted: r.inserted,
      idsKind: Object.prototype.toString.call(r.ids),
      idsLength: r.ids.length,
      firstId: String(r.ids[0]),
      lastId: String(r.ids[r.ids.length - 1]),
      size: db.size,
      events,
      turns,
      ms,
      results,
    };
    db.dispose();
    return out;
  }, BIG);

  expect(page.inserted).toBe(BIG.n);
  expect(page.size).toBe(BIG.n);
  expect(page.idsKind).toBe('[object BigUint64Array]');
  expect(page.idsLength).toBe(BIG.n);

  // Progress: starts at 0, ends at total, never goes back, about every 10%.
  const ev = page.events;
  expect(ev.length).toBeGreaterThanOrEqual(3);
  expect(ev[0]).toEqual([0, BIG.n]);
  expect(ev[ev.length - 1]).toEqual([BIG.n, BIG.n]);
  for (let i = 1; i < ev.length; i++) {
    expect(ev[i][1]).toBe(BIG.n);
    expect(ev[i][0]).toBeGreaterThanOrEqual(ev[i - 1][0]);
  }
  const dones = ev.map((e) => e[0]);
  expect(dones.some((d) => d > 0 && d < BIG.n), 'an intermediate progress event').toBe(true);
  expect(ev.length).toBeLessThanOrEqual(30);
  // The batch ran in chunks that let other tasks run in between.
  expect(page.turns, 'event-loop turns during insertBatch').toBeGreaterThan(0);

  const ref = await reference;
  expect(page.fingerprint, 'same data as Node').toBe(ref.fingerprint);
  expect(page.queryFingerprint).toBe(ref.queryFingerprint);
  expect(page.firstId).toBe(ref.firstId);
  expect(page.lastId).toBe(ref.lastId);
  expect(page.results.length).toBe(BIG.nq);
  for (let q = 0; q < BIG.nq; q++) {
    expect(page.results[q], `query ${q}: ids, order and distances`).toEqual(ref.results[q]);
  }
  test.info().annotations.push({ type: 'insertBatch ms', description: page.ms.toFixed(0) });
});
