// quota.spec.js — the browser refuses a write for lack of space during a
// commit and during a checkpoint. The fault is injected in the page at the
// IndexedDB level (pages/idb-probe.js: the transaction aborts with a
// QuotaExceededError, as browsers report quota), so the real IndexedDbStorage
// code path runs. The error is STORAGE_QUOTA, nothing committed is lost (a
// reader and, after a kill, a fresh tab see exactly the committed state),
// and once the fault is gone the next flush or checkpoint succeeds and a
// fresh tab sees everything.
//
// Also what a failed checkpoint must not do to a stored commit: a flush
// resolves once its commit is stored even when the automatic checkpoint
// after it fails; the failure goes to onFlushError or to the next
// flush/checkpoint/close, never dropped; a failed automatic checkpoint is not
// retried at once; close() releases the lock even when its final flush
// fails.
import { test, expect } from './fixtures.js';
import { openHarness, uniqueName } from './lib/scenario.js';
import {
  WORKLOAD as CFG, buildWorkload, inspectCommitted, killAndInspect, expectCommittedState, chunksOf,
} from './lib/workload.js';

/** In the page: runs `op` on harness.state.db with a quota fault matching
 * `rule`, and reports what happened; the fault stays until removeFault. */
async function underQuota({ name, op, rule }) {
  const probe = await import('/tests/browser/pages/idb-probe.js');
  const db = window.harness.state.db;
  const fault = probe.injectQuota(rule);
  window.harness.state.fault = fault;
  let code = null;
  let message = null;
  try {
    await (op === 'flush' ? db.flush() : db.checkpoint());
  } catch (err) {
    code = String(err.code);
    message = String(err.message);
  }
  return { code, message, faults: fault.faults, size: db.size, raw: await probe.rawState(`edgevec:${name}`) };
}

/** In the page: removes the fault and runs `op` again. */
async function faultRemoved({ name, op }) {
  const probe = await import('/tests/browser/pages/idb-probe.js');
  window.harness.state.fault.remove();
  const db = window.harness.state.db;
  await (op === 'flush' ? db.flush() : db.checkpoint());
  return { size: db.size, raw: await probe.rawState(`edgevec:${name}`) };
}

const committedSize = (withC) => CFG.nA + CFG.nB + (withC ? CFG.nC : 0) - CFG.deleted.length;

// Chunks are 16 KiB, two per transaction: the third chunk put is in T2.
const CHECKPOINT_FAULTS = [
  { where: 'a chunk transaction (T2)', rule: { store: 'chunks', nth: 3 } },
  { where: 'the commit point (the manifest)', rule: { store: 'meta', key: 'manifest' } },
];

// One tab for the three faults (each on its own database), one kill and one
// fresh tab for all: tabs are what costs time here.
test('quota during a commit and during a checkpoint: STORAGE_QUOTA, nothing committed lost, the next flush/checkpoint succeeds', async ({ tabs }, testInfo) => {
  const tab = await openHarness(tabs);
  const checks = [];

  {
    const name = uniqueName(testInfo, 'quota-commit');
    const before = await tab.evaluate(buildWorkload, { name, cfg: CFG });
    const failed = await tab.evaluate(underQuota, { name, op: 'flush', rule: { store: 'log' } });
    expect(failed.code, failed.message).toBe('STORAGE_QUOTA');
    expect(failed.faults, 'the fault hit the commit').toBe(1);
    expect(failed.size, 'the index in memory keeps C').toBe(committedSize(true));
    expect(failed.raw, 'stored objects unchanged').toEqual(before.raw);
    // A reader meanwhile: the committed state, without C.
    const reader = await tab.evaluate(inspectCommitted,
      { name, cfg: CFG, expectC: false, expected: before.resultsAB, readOnly: true });
    expectCommittedState(reader, false, 'a reader while the commit fails');

    const after = await tab.evaluate(faultRemoved, { name, op: 'flush' });
    expect(after.raw.log, 'the next flush commits C').toEqual([...before.raw.log, Math.max(...before.raw.log) + 1]);
    checks.push({ where: 'the retried commit', arg: { name, cfg: CFG, expectC: true, expected: before.resultsABC } });
  }

  for (const { where, rule } of CHECKPOINT_FAULTS) {
    const name = uniqueName(testInfo, 'quota-ckpt');
    const before = await tab.evaluate(buildWorkload, { name, cfg: CFG });
    const g = before.raw.manifest.generation;
    const failed = await tab.evaluate(underQuota, { name, op: 'checkpoint', rule });
    expect(failed.code, `${where}: ${failed.message}`).toBe('STORAGE_QUOTA');
    expect(failed.faults, `the fault hit ${where}`).toBe(1);
    expect(failed.raw.manifest, `${where}: the manifest still names g`).toEqual(before.raw.manifest);
    expect(chunksOf(failed.raw.chunks, g), `${where}: chunks of g intact`).toEqual(chunksOf(before.raw.chunks, g));
    // The checkpoint committed C (one log record) before it wrote any chunk.
    expect(failed.raw.log, `${where}: C committed`).toEqual([...before.raw.log, Math.max(...before.raw.log) + 1]);
    const reader = await tab.evaluate(inspectCommitted,
      { name, cfg: CFG, expectC: true, expected: before.resultsABC, readOnly: true });
    expectCommittedState(reader, true, `a reader after quota in ${where}`);

    const after = await tab.evaluate(faultRemoved, { name, op: 'checkpoint' });
    expect(after.raw.manifest.generation, `${where}: the next checkpoint commits g+1`).toBe(g + 1);
    expect(after.raw.chunks.every((k) => k[0] === g + 1), `${where}: only g+1 left`).toBe(true);
    expect(after.raw.log, `${where}: the covered log dropped`).toEqual([]);
    checks.push({ where: `quota in ${where} and a checkpoint`, arg: { name, cfg: CFG, expectC: true, expected: before.resultsABC } });
  }

  await tab.kill();
  const fresh = await openHarness(tabs);
  for (const { where, arg } of checks) {
    expectCommittedState(await fresh.evaluate(inspectCommitted, arg), arg.expectC, `a fresh tab after ${where}`);
  }
});

/**
 * In the page: C is committed by a flush whose automatic checkpoint
 * (due because of a compaction) fails with quota in its chunk writes.
 * Returns what the flush did, what the handler saw, and whether a second
 * flush right after it tried the checkpoint again.
 */
async function autoCheckpointUnderQuota({ name }) {
  const probe = await import('/tests/browser/pages/idb-probe.js');
  const db = window.harness.state.db;
  const seen = window.harness.state.flushErrors;
  const puts = probe.countPuts();
  const fault = probe.injectQuota({ store: 'chunks' });
  window.harness.state.fault = fault;
  const out = {};
  // A compaction makes the next flush checkpoint by itself.
  db.compact();
  try {
    await db.flush();
    out.first = 'resolved';
  } catch (err) {
    out.first = `rejected ${err.code}`;
  }
  out.faults = fault.faults;
  out.handlerCodes = seen.map((e) => e.code);
  out.rawAfterFirst = await probe.rawState(`edgevec:${name}`);
  // A second change and flush at once: its commit is stored; the checkpoint
  // is not tried again so soon (back-off), and without a handler the kept
  // error now rejects this flush.
  db.softDelete(0);
  const chunkPutsBefore = puts.chunks ?? 0;
  try {
    await db.flush();
    out.second = 'resolved';
  } catch (err) {
    out.second = `rejected ${err.code}`;
  }
  out.retriedAtOnce = (puts.chunks ?? 0) > chunkPutsBefore;
  out.rawAfterSecond = await probe.rawState(`edgevec:${name}`);
  out.handlerCodesAfterSecond = seen.map((e) => e.code);
  fault.remove();
  await db.checkpoint();
  out.rawAfterCheckpoint = await probe.rawState(`edgevec:${name}`);
  out.size = db.size;
  return out;
}

for (const withHandler of [true, false]) {
  test(`the automatic checkpoint after a flush fails with quota: flush resolves, the error goes to ${withHandler ? 'onFlushError' : 'the next flush'}, no retry at once`, async ({ tabs }, testInfo) => {
    const name = uniqueName(testInfo, 'quota-auto');
    const tab = await openHarness(tabs);
    const before = await tab.evaluate(buildWorkload,
      { name, cfg: CFG, options: { autoCheckpoint: true }, collectFlushErrors: withHandler });
    const r = await tab.evaluate(autoCheckpointUnderQuota, { name });
    const lastLog = Math.max(...before.raw.log);
    expect(r.faults, 'the automatic checkpoint hit the quota').toBeGreaterThanOrEqual(1);
    expect(r.first, 'flush resolves once its commit is stored').toBe('resolved');
    expect(r.rawAfterFirst.manifest, 'the failed checkpoint changed no manifest').toEqual(before.raw.manifest);
    expect(r.rawAfterFirst.log, 'C (and the compaction) committed').toEqual([...before.raw.log, lastLog + 1]);
    expect(r.handlerCodes).toEqual(withHandler ? ['STORAGE_QUOTA'] : []);
    expect(r.retriedAtOnce, 'a failed automatic checkpoint is not retried at the next flush').toBe(false);
    expect(r.rawAfterSecond.log, 'the second commit is stored').toEqual([...before.raw.log, lastLog + 1, lastLog + 2]);
    if (withHandler) {
      expect(r.second).toBe('resolved');
      expect(r.handlerCodesAfterSecond).toEqual(['STORAGE_QUOTA']);
    } else {
      expect(r.second, 'the kept error rejects the next flush, after its own commit').toBe('rejected STORAGE_QUOTA');
    }
    expect(r.rawAfterCheckpoint.manifest.generation, 'an explicit checkpoint tries and succeeds').toBe(before.raw.manifest.generation + 1);
    expect(r.rawAfterCheckpoint.log).toEqual([]);
    expect(r.size).toBe(committedSize(true) - 1);
  });
}

test('close() whose final flush fails with quota still releases the lock', async ({ tabs }, testInfo) => {
  const name = uniqueName(testInfo, 'quota-close');
  const tab = await openHarness(tabs);
  const before = await tab.evaluate(buildWorkload, { name, cfg: CFG });
  const r = await tab.evaluate(async ({ name }) => {
    const probe = await import('/tests/browser/pages/idb-probe.js');
    const db = window.harness.state.db;
    probe.injectQuota({ store: 'log' });
    let closeError = null;
    try {
      await db.close();
    } catch (err) {
      closeError = String(err.code);
    }
    let reopen;
    try {
      const again = await window.harness.EdgeVec.open(name);
      reopen = `opened, size ${again.size}`;
      await again.close();
    } catch (err) {
      reopen = `failed ${err.code}`;
    }
    return { closeError, disposed: db.disposed, reopen };
  }, { name });
  expect(r.closeError, 'close() rejects with the flush error').toBe('STORAGE_QUOTA');
  expect(r.disposed, 'the index is freed').toBe(true);
  expect(r.reopen, 'the lock was released: a writable open succeeds').toBe(`opened, size ${committedSize(false)}`);
  // The refused commit was never stored: C is gone, A and B are whole.
  const [found] = await killAndInspect(tabs, tab, { name, cfg: CFG, expectC: false, expected: before.resultsAB });
  expectCommittedState(found, false, 'a fresh tab after the failed close');
});
