// killed-tab.spec.js — a tab that commits in a loop is closed without
// warning (the page is closed, no unload work, no dispose) while an insert,
// a flush or a checkpoint is in flight. A fresh tab then opens the index and
// must find exactly a prefix of whole commits: at least every commit the
// dead tab had reported complete, never part of one, every vector intact,
// and never a CORRUPT error. Then it continues the loop, and the next round
// kills it at another point.
import { test, expect } from './fixtures.js';
import { openHarness, uniqueName } from './lib/scenario.js';

// maxBatches is far more than a run needs: a checkpoint is short, and the poll
// may need many of them before it catches one in flight.
const LOOP = { dim: 64, seed: 77, batch: 250, maxBatches: 200, checkpointEvery: 3 };
// Where each round kills the tab: the phase in flight at the last poll, and
// how many commits it must have completed by then (so later rounds kill
// later, with a larger index and snapshot).
const ROUNDS = [
  { phase: 'flush', minDone: 1 },
  { phase: 'checkpoint', minDone: 1 },
  { phase: 'insert', minDone: 2 },
  { phase: 'checkpoint', minDone: 1 },
];

/** In the page: open the index (retrying while the dead tab's lock is
 * being released) and check it is a whole-commit prefix of the workload. */
async function verifyInPage({ name, dim, seed, batch, maxBatches }) {
  const { EdgeVec, dataset } = window.harness;
  let db;
  let lockedRetries = 0;
  for (;;) {
    try {
      db = await EdgeVec.open(name, { dimensions: dim });
      break;
    } catch (err) {
      if (err.code === 'LOCKED' && lockedRetries < 100) {
        lockedRetries++;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      return { openError: `${err.code}: ${err.message}` };
    }
  }
  const size = db.size;
  const out = { size, lockedRetries, deleted: db.deletedCount, whole: size % batch === 0 };
  const all = new dataset.Mixture(seed, dim).rows(batch * maxBatches);
  let missing = 0;
  let wrong = 0;
  for (let i = 0; i < size; i++) {
    const v = db.get(i);
    if (!v) {
      missing++;
      continue;
    }
    for (let d = 0; d < dim; d++) {
      if (v[d] !== all[i * dim + d]) {
        wrong++;
        break;
      }
    }
  }
  out.missing = missing;
  out.wrong = wrong;
  out.beyond = db.has(size);
  // A search still works and finds a stored vector as its own neighbour.
  if (size > 0) out.selfHit = String(db.search(all.subarray(0, dim), 1)[0].id);
  await db.close();
  return out;
}

test('killed tab mid-insert, mid-flush, mid-checkpoint: the last whole commit survives', async ({ tabs }, testInfo) => {
  const name = uniqueName(testInfo, 'killed');
  const cfg = { name, ...LOOP };
  let lastSeenDone = 0;
  const report = [];

  for (const round of ROUNDS) {
    const tab = await openHarness(tabs);
    const found = await tab.evaluate(verifyInPage, cfg);
    expect(found.openError, `round ${report.length}: open after the kill`).toBeUndefined();
    expect(found.whole, `size ${found.size} is a whole number of commits`).toBe(true);
    expect(found.size / LOOP.batch).toBeGreaterThanOrEqual(lastSeenDone);
    expect(found.missing).toBe(0);
    expect(found.wrong).toBe(0);
    expect(found.beyond).toBe(false);
    expect(found.deleted).toBe(0);
    if (found.size > 0) expect(found.selfHit).toBe('0');

    await tab.start((c) => window.harness.commitLoop(c), cfg);
    const startDone = found.size / LOOP.batch;
    const seen = await tab.waitFor(({ phase, minDone, startDone }) => {
      const st = window.harness.state.loop;
      if (!st) return false;
      if (st.phase === 'error') return { fatal: `commit loop failed: ${st.error}` };
      if (st.phase === 'finished') return { fatal: 'commit loop finished before the kill point' };
      return st.phase === phase && st.done >= startDone + minDone ? { done: st.done, phase: st.phase } : false;
    }, { ...round, startDone }, { interval: 0, timeout: 60_000, message: `phase ${round.phase}` });
    await tab.kill();
    lastSeenDone = seen.done;
    report.push(`${round.phase}@${seen.done}`);
  }

  const tab = await openHarness(tabs);
  const final = await tab.evaluate(verifyInPage, cfg);
  expect(final.openError).toBeUndefined();
  expect(final.whole).toBe(true);
  expect(final.size / LOOP.batch).toBeGreaterThanOrEqual(lastSeenDone);
  expect(final.missing + final.wrong).toBe(0);
  report.push(`final ${final.size / LOOP.batch} commits`);
  testInfo.annotations.push({ type: 'kills', description: report.join(', ') });
});
