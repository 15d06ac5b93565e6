// tabs-follow.spec.js — two tabs of one origin and one database
// (js/persistence/follow.js, writer-wait.js, js/storage/notify.js): tab B,
// opened read-only with `follow: true` before tab A writes, sees A's flushed
// vectors within a second without reloading (A's BroadcastChannel
// announcement, then B's read of the new log record), and prints the median
// delay over ten more commits; B's becomeWriter() waits on A's Web Lock
// while A is open and is granted once A's tab is gone; B's writes then
// persist across a reload. An aborted waitForWriter leaves the lock queue.
import { test, expect } from './fixtures.js';
import { openHarness, waitHarness, uniqueName } from './lib/scenario.js';

test('a read-only tab follows the writer, then becomes the writer once it is gone', async ({ tabs }, testInfo) => {
  const name = uniqueName(testInfo, 'follow');
  const a = await openHarness(tabs);
  const b = await openHarness(tabs);

  await a.evaluate(async (name) => {
    const { EdgeVec, dataset } = window.harness;
    const db = await EdgeVec.open(name, { dimensions: 16, idType: 'number' });
    await db.insertBatch(new dataset.Mixture(1, 16).rows(50));
    await db.flush();
    window.harness.state.db = db;
  }, name);

  // B follows, with no timer: only A's announcement can bring the change.
  expect(await b.evaluate(async (name) => {
    const { EdgeVec } = window.harness;
    const s = window.harness.state;
    s.changes = [];
    s.db = await EdgeVec.open(name, {
      readOnly: true, follow: true, followIntervalMs: 0, idType: 'number',
      onChange: (c) => s.changes.push({ ...c, at: Date.now() }),
    });
    return s.db.size;
  }, name)).toBe(50);

  const written = await a.evaluate(async () => {
    const { dataset } = window.harness;
    const db = window.harness.state.db;
    const rows = new dataset.Mixture(2, 16).rows(20);
    await db.insertBatch(rows, { ids: Array.from({ length: 20 }, (_, i) => 1000 + i) });
    await db.flush();
    return { at: Date.now(), probe: Array.from(rows.subarray(7 * 16, 8 * 16)) };
  });

  const seen = await b.waitFor(() => {
    const s = window.harness.state;
    return s.db.size === 70 && s.changes.length > 0 ? { change: s.changes.at(-1), size: s.db.size } : false;
  }, null, { timeout: 5000, interval: 20, message: 'tab B to see the flushed vectors' });
  const latency = seen.change.at - written.at;
  console.log(`[${testInfo.project.name}] tab B applied tab A's commit ${latency} ms after its flush resolved`);
  expect(latency, 'seen within a second of the flush').toBeLessThan(1000);
  expect(seen.change.reloaded).toBe(false);
  const found = await b.evaluate((probe) => {
    const db = window.harness.state.db;
    return { hit: db.search(new Float32Array(probe), 1)[0], stored: Array.from(db.get(1007)) };
  }, written.probe);
  expect(found.hit.id).toBe(1007);
  expect(found.hit.distance).toBe(0);
  expect(found.stored).toEqual(written.probe.map((x) => Math.fround(x)));

  // Ten more commits of one vector each: how long each takes to show in B.
  const delays = [];
  for (let i = 0; i < 10; i++) {
    const at = await a.evaluate(async (i) => {
      const db = window.harness.state.db;
      db.insert(new Float32Array(16).fill(i + 1), 3000 + i);
      await db.flush();
      return Date.now();
    }, i);
    const change = await b.waitFor((size) => window.harness.state.changes.find((c) => c.size === size) ?? false,
      71 + i, { timeout: 5000, interval: 20, message: `tab B to see commit ${i + 1}` });
    delays.push(change.at - at);
  }
  delays.sort((x, y) => x - y);
  const median = (delays[4] + delays[5]) / 2;
  console.log(`[${testInfo.project.name}] commit to follower over 10 more commits: median ${median} ms, max ${delays[9]} ms`);
  expect(median).toBeLessThan(1000);

  // B asks to write: it waits while A holds the database.
  await b.start(() => {
    const s = window.harness.state;
    s.became = 'waiting';
    s.db.becomeWriter().then(() => { s.became = 'writer'; }, (err) => { s.became = `error ${err.code}: ${err.message}`; });
  });
  await new Promise((r) => setTimeout(r, 300));
  const waiting = await b.evaluate(async (name) => {
    // The wait is a request queued on the Web Lock A holds, not a poll.
    const q = await navigator.locks.query();
    return {
      became: window.harness.state.became,
      queued: q.pending.some((l) => l.name === `edgevec:${name}`),
      held: q.held.some((l) => l.name === `edgevec:${name}`),
    };
  }, name);
  expect(waiting).toEqual({ became: 'waiting', queued: true, held: true });

  // A's tab goes away (without closing its database): the browser frees its
  // Web Lock, and B's request is granted.
  await a.kill();
  const became = await b.waitFor(() => {
    const s = window.harness.state.became;
    return s === 'waiting' ? false : s;
  }, null, { timeout: 15_000, message: "tab B's pending write request to be granted" });
  expect(became).toBe('writer');

  const wrote = await b.evaluate(async () => {
    const { dataset } = window.harness;
    const db = window.harness.state.db;
    await db.insertBatch(new dataset.Mixture(3, 16).rows(5), { ids: [2000, 2001, 2002, 2003, 2004] });
    db.softDelete(1000);
    await db.flush();
    return db.size;
  });
  expect(wrote).toBe(84);

  await b.reload();
  await waitHarness(b);
  expect(await b.evaluate(async (name) => {
    const { EdgeVec } = window.harness;
    const db = await EdgeVec.open(name, { readOnly: true, idType: 'number' });
    const out = { size: db.size, has2004: db.has(2004), has1000: db.has(1000), has3009: db.has(3009) };
    await db.close();
    await EdgeVec.remove(name);
    return out;
  }, name)).toEqual({ size: 84, has2004: true, has1000: false, has3009: true });
});

test('an aborted waitForWriter leaves the Web Lock queue and rejects with ABORTED', async ({ tabs }, testInfo) => {
  const name = uniqueName(testInfo, 'wait-abort');
  const a = await openHarness(tabs);
  const r = await a.evaluate(async (name) => {
    const { EdgeVec } = window.harness;
    const writer = await EdgeVec.open(name, { dimensions: 4 });
    const ctl = new AbortController();
    const waiting = EdgeVec.open(name, { waitForWriter: true, signal: ctl.signal });
    await new Promise((res) => setTimeout(res, 200));
    const pendingBefore = (await navigator.locks.query()).pending.filter((l) => l.name === `edgevec:${name}`).length;
    ctl.abort();
    let code = 'opened';
    try { (await waiting).dispose(); } catch (err) { code = err.code; }
    const pendingAfter = (await navigator.locks.query()).pending.filter((l) => l.name === `edgevec:${name}`).length;
    writer.insert([1, 2, 3, 4]);
    await writer.close();
    await EdgeVec.remove(name);
    return { pendingBefore, code, pendingAfter };
  }, name);
  expect(r).toEqual({ pendingBefore: 1, code: 'ABORTED', pendingAfter: 0 });
});
