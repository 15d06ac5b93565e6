// crash-phases.spec.js — the tab dies inside a named IndexedDB transaction
// of a commit or of a checkpoint, and a fresh tab must find exactly the last
// committed state: every committed id with its exact vector, tombstones
// kept, nothing uncommitted, the same search results as before the kill.
//
// The storage is IndexedDbStorage with chunks small enough that one
// checkpoint takes several transactions (T1..Tn-1 write chunks of the new
// generation, Tn writes the last chunks and the manifest: the commit point).
// The page (pages/idb-probe.js) holds the k-th transaction in flight,
// uncommitted, and the test kills the tab only once the page reports it
// (Chromium: a renderer crash over CDP; Firefox, WebKit: the page closed
// with no unload work; see lib/tab.js). The fresh tab then reads the raw
// IndexedDB objects before EdgeVec touches them, to prove which phase the
// kill hit: chunks of generation g+1 written by T1..Tk-1 are there (orphans),
// those of Tk are not, the manifest still names g; a kill during a commit
// leaves its log record absent; a kill after the checkpoint resolved finds
// g+1 only.
import { test, expect } from './fixtures.js';
import { openHarness, uniqueName } from './lib/scenario.js';
import {
  WORKLOAD as CFG, buildWorkload, killAndInspect, expectCommittedState, chunksOf, chunkPuts,
} from './lib/workload.js';

/** In the page, after buildWorkload: starts the operation under test (which
 * commits C) with transactions watched and, when asked, one held. */
async function startWatched({ name, op, hold }) {
  const probe = await import('/tests/browser/pages/idb-probe.js');
  const db = window.harness.state.db;
  const st = { watch: probe.watchWrites({ name, hold }), settled: null };
  window.harness.state.crash = st;
  (op === 'flush' ? db.flush() : db.checkpoint()).then(
    () => { st.settled = 'resolved'; },
    (err) => { st.settled = `rejected: ${err && err.code} ${err && err.message}`; },
  );
}

/** Builds the workload in `tab` and starts `op` on it. */
async function prepare(tab, { name, op, hold }) {
  const before = await tab.evaluate(buildWorkload, { name, cfg: CFG });
  await tab.evaluate(startWatched, { name, op, hold });
  return before;
}

/** Waits for the held transaction's durable signal and returns it with
 * everything the page saw happen before. */
async function waitHeld(tab, what) {
  return tab.waitFor(() => {
    const st = window.harness.state.crash;
    if (!st) return false;
    if (st.watch.error) return { fatal: `probe: ${st.watch.error}` };
    if (st.settled) return { fatal: `the operation ${st.settled} before the held transaction` };
    return st.watch.held ? { held: st.watch.held, log: st.watch.log } : false;
  }, null, { interval: 20, timeout: 30_000, message: what });
}

test('killed during a commit: the log record is absent, the last committed state loads', async ({ tabs }, testInfo) => {
  const name = uniqueName(testInfo, 'crash-commit');
  const tab = await openHarness(tabs);
  const before = await prepare(tab, { name, op: 'flush', hold: { kind: 'commit', k: 1 } });
  const seen = await waitHeld(tab, 'the commit transaction held');
  const seq = Math.max(...before.raw.log) + 1;
  expect(seen.held.puts).toEqual([{ store: 'log', key: seq }]);

  const [found] = await killAndInspect(tabs, tab, { name, cfg: CFG, expectC: false, expected: before.resultsAB });
  expect(found.record, 'the probe record survived the kill').toEqual(seen.held);
  expect(found.raw, 'raw objects: as before the commit (its record absent)').toEqual(before.raw);
  expectCommittedState(found, false, 'after a kill mid-commit');
});

test('killed in each transaction of a multi-transaction checkpoint, and after it: nothing committed is lost', async ({ tabs }, testInfo) => {
  // n+1 kills, each followed by a fresh tab.
  test.setTimeout(180_000);
  const report = [];
  let tab = await openHarness(tabs);

  // Calibration, and the kill after the commit point: the checkpoint runs to
  // the end, its transactions counted; then the tab dies.
  const name0 = uniqueName(testInfo, 'crash-ckpt-done');
  const before0 = await prepare(tab, { name: name0, op: 'checkpoint', hold: null });
  const done = await tab.waitFor(() => {
    const st = window.harness.state.crash;
    if (st.settled && st.settled !== 'resolved') return { fatal: st.settled };
    return st.settled ? { log: st.watch.log } : false;
  }, null, { message: 'the checkpoint to finish' });
  const ckpt = done.log.filter((t) => t.kind === 'checkpoint');
  const commits = done.log.filter((t) => t.kind === 'commit');
  const n = ckpt.length;
  expect(n, 'the checkpoint spans several transactions').toBeGreaterThanOrEqual(3);
  // The commit point is the last transaction, and only it writes the manifest.
  expect(ckpt.map((t) => t.puts.some((p) => p.store === 'meta' && p.key === 'manifest')))
    .toEqual(ckpt.map((_, i) => i === n - 1));
  expect(commits.length, 'the checkpoint first commits C').toBe(1);
  const seqC = commits[0].puts[0].key;
  const g = before0.raw.manifest.generation;
  let found;
  [found, tab] = await killAndInspect(tabs, tab, { name: name0, cfg: CFG, expectC: true, expected: before0.resultsABC });
  expect(found.raw.manifest).toMatchObject({ generation: g + 1, snapshotSeq: seqC });
  expect(found.raw.chunks.every((k) => k[0] === g + 1), 'only generation g+1').toBe(true);
  expect(chunksOf(found.raw.chunks, g + 1)).toEqual(chunkPuts(ckpt.flatMap((t) => t.puts)));
  expect(found.raw.log, 'the log the snapshot covers is gone').toEqual([]);
  expectCommittedState(found, true, 'after a kill after the commit point');
  report.push(`after T${n}`);

  for (let k = 1; k <= n; k++) {
    const name = uniqueName(testInfo, `crash-ckpt-t${k}`);
    const before = await prepare(tab, { name, op: 'checkpoint', hold: { kind: 'checkpoint', k } });
    const seen = await waitHeld(tab, `checkpoint transaction ${k} of ${n} held`);
    const where = `killed in T${k} of ${n}`;
    expect(seen.held.k, where).toBe(k);
    expect(seen.held.earlierDone, `${where}: T1..T${k - 1} had committed`).toBe(true);
    const heldChunks = seen.held.puts.filter((p) => p.store === 'chunks').map((p) => p.key);
    expect(heldChunks.length, `${where}: T${k} wrote chunks`).toBeGreaterThan(0);
    expect(seen.held.puts.some((p) => p.key === 'manifest'), `${where}: T${k} is the commit point`).toBe(k === n);
    // C was committed (its own transaction) before the checkpoint began.
    const commit = seen.log.find((t) => t.kind === 'commit');
    expect(commit && commit.done, `${where}: C's commit completed first`).toBe(true);

    [found, tab] = await killAndInspect(tabs, tab, { name, cfg: CFG, expectC: true, expected: before.resultsABC });
    expect(found.record, `${where}: the probe record survived the kill`).toEqual(seen.held);
    const gen = before.raw.manifest.generation;
    // The manifest and generation g as before; the log now holds C too.
    expect(found.raw.manifest, `${where}: manifest still names g`).toEqual(before.raw.manifest);
    expect(chunksOf(found.raw.chunks, gen), `${where}: chunks of g intact`).toEqual(chunksOf(before.raw.chunks, gen));
    expect(found.raw.log, `${where}: log records kept, C's included`).toEqual([...before.raw.log, commit.puts[0].key]);
    // Which phase the kill hit: g+1 holds what T1..Tk-1 wrote, nothing of Tk.
    const orphans = chunksOf(found.raw.chunks, gen + 1);
    expect(orphans, `${where}: orphan chunks of g+1 are exactly those of T1..T${k - 1}`)
      .toEqual(chunkPuts(seen.held.earlierPuts));
    expect(orphans.length > 0, `${where}: orphans of g+1 present`).toBe(k > 1);
    expect(found.raw.chunks.filter((c) => c[0] !== gen && c[0] !== gen + 1), `${where}: no other generation`).toEqual([]);
    expectCommittedState(found, true, where);
    report.push(`T${k} (${orphans.length} orphan chunks)`);
  }
  testInfo.annotations.push({ type: 'kills', description: `n=${n}: ${report.join(', ')}` });
});
