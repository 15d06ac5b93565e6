// workload.js — the committed-state workload the crash and quota specs
// share: a database whose snapshot is checkpointed, with committed log
// records and tombstones after it and a pending batch, written through an
// IndexedDbStorage whose chunks are small enough that one checkpoint takes
// several transactions; and the check, in a fresh tab, that exactly the
// committed part survived (ids, exact vectors, tombstones, search results).
//
// buildWorkload and inspectCommitted run in the page (tab.evaluate
// serialises them, so they use only the harness and dynamic imports).
import { expect } from '../fixtures.js';
import { openHarness } from './scenario.js';

// A: checkpointed; B: committed as a log record after it, with tombstones;
// C: inserted last, pending until the operation under test commits it.
export const WORKLOAD = Object.freeze({
  seed: 31, dim: 16, nA: 400, nB: 100, nC: 60, nq: 12, k: 5,
  deleted: Object.freeze([3, 50, 101, 222, 399, 405]),
  chunkBytes: 16 * 1024, transactionBytes: 32 * 1024,
});

/**
 * In the page: opens `name` (options merged into EdgeVec.open's; with
 * collectFlushErrors, an onFlushError that keeps every error in
 * harness.state.flushErrors), builds A and B, inserts C without committing
 * it. The database is left in harness.state.db. Returns the raw IndexedDB
 * objects after B and the search results with and without C.
 */
export async function buildWorkload({ name, cfg, options, collectFlushErrors = false }) {
  const { EdgeVec, dataset, searchAll } = window.harness;
  const { IndexedDbStorage } = await import('/js/storage/index.js');
  const probe = await import('/tests/browser/pages/idb-probe.js');
  const storage = new IndexedDbStorage({ chunkBytes: cfg.chunkBytes, transactionBytes: cfg.transactionBytes });
  const mix = new dataset.Mixture(cfg.seed, cfg.dim);
  const rows = mix.rows(cfg.nA + cfg.nB + cfg.nC);
  const queries = mix.rows(cfg.nq);
  const flushErrors = [];
  window.harness.state.flushErrors = flushErrors;
  const db = await EdgeVec.open(name, {
    storage, dimensions: cfg.dim, seed: 5, autoCheckpoint: false, ...options,
    ...(collectFlushErrors ? { onFlushError: (err) => flushErrors.push(err) } : {}),
  });
  window.harness.state.db = db;
  const insert = (from, n) => db.insertBatch(rows.subarray(from * cfg.dim, (from + n) * cfg.dim),
    { ids: Array.from({ length: n }, (_, i) => from + i) });
  await insert(0, cfg.nA);
  await db.checkpoint();
  await insert(cfg.nA, cfg.nB);
  db.softDeleteBatch(cfg.deleted);
  await db.flush();
  const raw = await probe.rawState(`edgevec:${name}`);
  const resultsAB = searchAll(db, queries, cfg.dim, cfg.k);
  await insert(cfg.nA + cfg.nB, cfg.nC);
  const resultsABC = searchAll(db, queries, cfg.dim, cfg.k);
  return { raw, resultsAB, resultsABC };
}

/**
 * In a fresh tab: the raw objects and the probe record first (before any
 * EdgeVec code touches the database), then the database opened through
 * EdgeVec (read-only when asked) and compared with the workload: A and B,
 * and C when `expectC`.
 */
export async function inspectCommitted({ name, cfg, expectC, expected, readOnly = false }) {
  const { EdgeVec, dataset, searchAll } = window.harness;
  const probe = await import('/tests/browser/pages/idb-probe.js');
  const raw = await probe.rawState(`edgevec:${name}`);
  const record = await probe.readProbe(name);
  let db;
  for (let tries = 0; ; tries++) {
    try {
      db = await EdgeVec.open(name, { dimensions: cfg.dim, readOnly });
      break;
    } catch (err) {
      // the dead tab's Web Lock may take a moment to be released
      if (err.code !== 'LOCKED' || tries >= 100) return { raw, record, openError: `${err.code}: ${err.message}` };
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const mix = new dataset.Mixture(cfg.seed, cfg.dim);
  const rows = mix.rows(cfg.nA + cfg.nB + cfg.nC);
  const queries = mix.rows(cfg.nq);
  const total = cfg.nA + cfg.nB + cfg.nC;
  const committed = cfg.nA + cfg.nB + (expectC ? cfg.nC : 0);
  const wrong = [];
  for (let id = 0; id < total; id++) {
    const shouldHave = id < committed && !cfg.deleted.includes(id);
    const v = db.get(id);
    if (!shouldHave) {
      if (v !== undefined || db.has(id)) wrong.push(`${id} present`);
      continue;
    }
    if (!v) { wrong.push(`${id} missing`); continue; }
    for (let d = 0; d < cfg.dim; d++) {
      if (v[d] !== rows[id * cfg.dim + d]) { wrong.push(`${id} differs at ${d}`); break; }
    }
  }
  const out = {
    raw, record, size: db.size, deletedCount: db.deletedCount, wrong: wrong.slice(0, 10),
    sameResults: JSON.stringify(searchAll(db, queries, cfg.dim, cfg.k)) === JSON.stringify(expected),
  };
  await db.close();
  return out;
}

/** Kills `tab`, opens a fresh one and inspects there; returns [result, fresh tab]. */
export async function killAndInspect(tabs, tab, arg) {
  await tab.kill();
  const fresh = await openHarness(tabs);
  const found = await fresh.evaluate(inspectCommitted, arg);
  expect(found.openError, 'open after the kill').toBeUndefined();
  return [found, fresh];
}

/** The EdgeVec-level view: exactly the committed workload, same answers. */
export function expectCommittedState(found, expectC, where) {
  const size = WORKLOAD.nA + WORKLOAD.nB + (expectC ? WORKLOAD.nC : 0) - WORKLOAD.deleted.length;
  expect(found.openError, `${where}: open`).toBeUndefined();
  expect(found.wrong, `${where}: ids and vectors`).toEqual([]);
  expect(found.size, `${where}: size`).toBe(size);
  expect(found.deletedCount, `${where}: tombstones`).toBe(WORKLOAD.deleted.length);
  expect(found.sameResults, `${where}: search results as committed`).toBe(true);
}

const byKey = (a, b) => a[0] - b[0] || a[1] - b[1];
/** The chunk keys of generation `gen`, in key order. */
export const chunksOf = (keys, gen) => keys.filter((k) => k[0] === gen).sort(byKey);
/** Chunk keys put by the given { store, key } records, in key order. */
export const chunkPuts = (puts) => puts.filter((p) => p.store === 'chunks').map((p) => p.key).sort(byKey);
