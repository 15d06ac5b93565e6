// two-writers-no-weblocks.spec.js — two tabs of one origin where Web Locks
// are missing (a plain-http LAN origin, Safari < 15.4): each page removes
// navigator.locks before it loads the package, so each has only the lock of
// its own JS realm. The writer record in IndexedDB (js/storage/writer-lease.js)
// must still keep the second tab from writing: its writable open fails at
// once with LOCKED while the first tab keeps committing, also past a whole
// lease (its heartbeat keeps it alive), and after a reload of the first tab
// (which never closed its database) every committed vector is there, and the
// database is writable again once the dead page's lease has run out.
import { test, expect } from './fixtures.js';
import { uniqueName } from './lib/scenario.js';

const DIM = 16;
const SEED = 31;
const BATCH = 100;

/** In the page: hide Web Locks, then load the package and the data set. */
async function loadWithoutWebLocks() {
  Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
  if (navigator.locks !== undefined) throw new Error('navigator.locks could not be removed');
  const [mod, dataset] = await Promise.all([import('/js/index.js'), import('/tests/lib/dataset.js')]);
  window.nl = { EdgeVec: mod.EdgeVec, EdgeVecError: mod.EdgeVecError, dataset, state: {} };
  return true;
}

/** A tab of the origin without Web Locks (smoke.html holds no EdgeVec). */
async function openTab(tabs) {
  const tab = await tabs.open('tests/browser/pages/smoke.html');
  await tab.waitFor(() => window.smokeReady === true);
  expect(await tab.evaluate(loadWithoutWebLocks)).toBe(true);
  return tab;
}

/** In the page: a writable open; its outcome, never a throw. */
async function tryOpen({ name, dim }) {
  const { EdgeVec, EdgeVecError } = window.nl;
  const t0 = performance.now();
  try {
    const db = await EdgeVec.open(name, { dimensions: dim });
    window.nl.state.db = db;
    return { opened: true, size: db.size };
  } catch (err) {
    return {
      opened: false, isEdgeVecError: err instanceof EdgeVecError, code: err.code, message: err.message,
      ms: performance.now() - t0,
    };
  }
}

/** In the page: batch `i` (ids i*batch ..) inserted and flushed. */
async function commitBatch({ i, batch, dim, seed }) {
  const db = window.nl.state.db;
  const rows = new window.nl.dataset.Mixture(seed, dim).rows((i + 1) * batch).subarray(i * batch * dim);
  await db.insertBatch(rows, { ids: Array.from({ length: batch }, (_, j) => i * batch + j) });
  await db.flush();
  return db.size;
}

/** In the page: a read-only look at what is stored, vector by vector. */
async function verify({ name, n, dim, seed }) {
  const db = await window.nl.EdgeVec.open(name, { readOnly: true });
  const all = new window.nl.dataset.Mixture(seed, dim).rows(n);
  let missing = 0;
  let wrong = 0;
  for (let id = 0; id < n; id++) {
    const v = db.get(id);
    if (!v) { missing++; continue; }
    for (let d = 0; d < dim; d++) if (v[d] !== all[id * dim + d]) { wrong++; break; }
  }
  const size = db.size;
  await db.close();
  return { size, missing, wrong };
}

test('without Web Locks a second tab gets LOCKED; the first keeps committing and loses nothing', async ({ tabs }, testInfo) => {
  const name = uniqueName(testInfo, 'no-weblocks');
  const arg = { name, dim: DIM, seed: SEED, batch: BATCH };
  const a = await openTab(tabs);
  const b = await openTab(tabs);

  expect(await a.evaluate(tryOpen, arg)).toEqual({ opened: true, size: 0 });
  expect(await a.evaluate(commitBatch, { ...arg, i: 0 })).toBe(BATCH);

  const second = await b.evaluate(tryOpen, arg);
  expect(second.opened, 'the second writer must not open').toBe(false);
  expect(second.isEdgeVecError).toBe(true);
  expect(second.code).toBe('LOCKED');
  expect(second.message).toMatch(/another tab or worker/);
  expect(second.ms, 'fails at once rather than waiting').toBeLessThan(5000);

  // The first tab is undisturbed: more commits and a checkpoint.
  expect(await a.evaluate(commitBatch, { ...arg, i: 1 })).toBe(2 * BATCH);
  await a.evaluate(() => window.nl.state.db.checkpoint());
  expect(await a.evaluate(commitBatch, { ...arg, i: 2 })).toBe(3 * BATCH);

  // Longer than a lease later the first tab's heartbeat still holds it.
  await b.evaluate(() => new Promise((r) => setTimeout(r, 6000)));
  const later = await b.evaluate(tryOpen, arg);
  expect(later.opened, 'still LOCKED after a whole lease').toBe(false);
  expect(later.code).toBe('LOCKED');
  expect(await a.evaluate(commitBatch, { ...arg, i: 3 })).toBe(4 * BATCH);

  // The first tab reloads without closing its database.
  await a.reload();
  await a.waitFor(() => window.smokeReady === true);
  expect(await a.evaluate(loadWithoutWebLocks)).toBe(true);
  expect(await a.evaluate(verify, { ...arg, n: 4 * BATCH })).toEqual({ size: 4 * BATCH, missing: 0, wrong: 0 });

  // Its writer record outlives the page by at most a lease; then the
  // database is writable again, from either tab.
  const opened = await retryOpen(a, arg);
  expect(opened.opened, `writable again after the lease (${opened.code ?? ''} ${opened.message ?? ''})`).toBe(true);
  expect(opened.size).toBe(4 * BATCH);
  expect(await a.evaluate(commitBatch, { ...arg, i: 4 })).toBe(5 * BATCH);
  await a.evaluate(() => window.nl.state.db.close());
  expect(await b.evaluate(verify, { ...arg, n: 5 * BATCH })).toEqual({ size: 5 * BATCH, missing: 0, wrong: 0 });
});

/** Writable open, retried while LOCKED (for up to 10 s). */
async function retryOpen(tab, arg) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await tab.evaluate(tryOpen, arg);
    if (r.opened || r.code !== 'LOCKED' || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}
