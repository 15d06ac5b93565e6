// persistence.spec.js — the IndexedDB backend in a real browser, across real
// page reloads: insert, flush, reload, open -> the same index (same size,
// same tombstones, same search results); then checkpoint, more inserts,
// flush, reload -> the same again; and changes never flushed are gone after
// a reload, as documented.
import { test, expect } from './fixtures.js';
import { openHarness, uniqueName, waitHarness } from './lib/scenario.js';

const CFG = { seed: 11, dim: 32, n1: 1500, n2: 700, nq: 30, k: 10 };

/** Opens the database in the page and describes it. Runs in the page. */
async function describeDb({ cfg, name }) {
  const { EdgeVec, dataset, searchAll } = window.harness;
  const mix = new dataset.Mixture(cfg.seed, cfg.dim);
  mix.rows(cfg.n1 + cfg.n2);
  const queries = mix.rows(cfg.nq);
  const db = await EdgeVec.open(name, { dimensions: cfg.dim });
  window.harness.state.db = db;
  return {
    size: db.size,
    deleted: db.deletedCount,
    results: searchAll(db, queries, cfg.dim, cfg.k),
  };
}

test('insert, flush, reload: same index; checkpoint, insert, flush, reload: same again', async ({ tabs }, testInfo) => {
  const name = uniqueName(testInfo, 'persist');
  const tab = await openHarness(tabs);

  const first = await tab.evaluate(async ({ cfg, name }) => {
    const { EdgeVec, dataset, searchAll } = window.harness;
    const mix = new dataset.Mixture(cfg.seed, cfg.dim);
    const rows1 = mix.rows(cfg.n1);
    mix.rows(cfg.n2);
    const queries = mix.rows(cfg.nq);
    const db = await EdgeVec.open(name, { dimensions: cfg.dim, seed: 9 });
    const sizeAtOpen = db.size;
    await db.insertBatch(rows1);
    // Some tombstones, so that deletes are persisted too.
    db.softDeleteBatch(Array.from({ length: 50 }, (_, i) => i * 7));
    await db.flush();
    return {
      sizeAtOpen,
      size: db.size,
      deleted: db.deletedCount,
      results: searchAll(db, queries, cfg.dim, cfg.k),
    };
  }, { cfg: CFG, name });
  expect(first.sizeAtOpen).toBe(0);
  expect(first.size).toBe(CFG.n1 - 50);
  expect(first.deleted).toBe(50);

  // The page goes away without closing anything: only the flush counts.
  await tab.reload();
  await waitHarness(tab);
  const second = await tab.evaluate(describeDb, { cfg: CFG, name });
  expect(second.size).toBe(first.size);
  expect(second.deleted).toBe(first.deleted);
  expect(second.results).toEqual(first.results);

  const third = await tab.evaluate(async ({ cfg }) => {
    const { dataset, searchAll } = window.harness;
    const db = window.harness.state.db;
    const mix = new dataset.Mixture(cfg.seed, cfg.dim);
    mix.rows(cfg.n1);
    const rows2 = mix.rows(cfg.n2);
    const queries = mix.rows(cfg.nq);
    await db.checkpoint();
    await db.insertBatch(rows2);
    await db.flush();
    const out = { size: db.size, deleted: db.deletedCount, results: searchAll(db, queries, cfg.dim, cfg.k) };
    // Inserted but never flushed: must not survive the reload.
    await db.insertBatch(mix.rows(5));
    out.unflushedSize = db.size;
    return out;
  }, { cfg: CFG });
  expect(third.size).toBe(CFG.n1 - 50 + CFG.n2);
  expect(third.unflushedSize).toBe(third.size + 5);

  await tab.reload();
  await waitHarness(tab);
  const fourth = await tab.evaluate(describeDb, { cfg: CFG, name });
  expect(fourth.size).toBe(third.size);
  expect(fourth.deleted).toBe(third.deleted);
  expect(fourth.results).toEqual(third.results);
});
