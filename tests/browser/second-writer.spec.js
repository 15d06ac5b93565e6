// second-writer.spec.js — two tabs of one origin and one database name. The
// documented behaviour (js/storage/locks.js, js/storage/interface.js): one
// writer per name, held with a Web Lock; a second writable open fails at
// once with code LOCKED (it does not queue); a read-only open works and sees
// what was flushed; once the writer closes, the other tab can write. A
// killed writer releases the lock too (see killed-tab.spec.js).
import { test, expect } from './fixtures.js';
import { openHarness, uniqueName } from './lib/scenario.js';

test('a second writer gets LOCKED; readers may open read-only', async ({ tabs }, testInfo) => {
  const name = uniqueName(testInfo, 'writers');
  const a = await openHarness(tabs);
  const b = await openHarness(tabs);

  expect(await a.evaluate(async (name) => {
    const { EdgeVec, dataset } = window.harness;
    const db = await EdgeVec.open(name, { dimensions: 16 });
    await db.insertBatch(new dataset.Mixture(1, 16).rows(100));
    await db.flush();
    window.harness.state.db = db;
    return db.size;
  }, name)).toBe(100);

  const second = await b.evaluate(async (name) => {
    const { EdgeVec, EdgeVecError } = window.harness;
    const t0 = performance.now();
    try {
      const db = await EdgeVec.open(name, { dimensions: 16 });
      db.dispose();
      return { opened: true };
    } catch (err) {
      return {
        opened: false,
        isEdgeVecError: err instanceof EdgeVecError,
        code: err.code,
        message: err.message,
        ms: performance.now() - t0,
      };
    }
  }, name);
  expect(second.opened, 'second writer must not open').toBe(false);
  expect(second.isEdgeVecError).toBe(true);
  expect(second.code).toBe('LOCKED');
  expect(second.message).toMatch(/another tab|elsewhere|open for writing/i);
  expect(second.ms, 'fails at once rather than waiting').toBeLessThan(5000);

  const reader = await b.evaluate(async (name) => {
    const { EdgeVec } = window.harness;
    const db = await EdgeVec.open(name, { readOnly: true });
    const out = { size: db.size };
    try {
      await db.insertBatch([new Float32Array(16).fill(1)]);
      await db.flush();
      out.wrote = true;
    } catch (err) {
      out.writeError = err.code;
    }
    await db.close();
    return out;
  }, name);
  expect(reader.size).toBe(100);
  expect(reader.wrote, 'a read-only handle must not write').toBeUndefined();
  expect(reader.writeError).toBeTruthy();

  // The writer closes; now the other tab may write.
  await a.evaluate(async () => {
    await window.harness.state.db.close();
  });
  const after = await b.evaluate(async (name) => {
    const { EdgeVec, dataset } = window.harness;
    const db = await EdgeVec.open(name, { dimensions: 16 });
    await db.insertBatch(new dataset.Mixture(2, 16).rows(10), {
      ids: Array.from({ length: 10 }, (_, i) => 1000 + i),
    });
    await db.flush();
    const size = db.size;
    await db.close();
    return size;
  }, name);
  expect(after).toBe(110);
});

test('the persistence demo in a second tab explains that the database is open elsewhere', async ({ tabs, shot }) => {
  const first = await tabs.open('examples/persistence.html');
  await first.waitFor(() => document.body.dataset.ready === 'true');
  const second = await tabs.open('examples/persistence.html');
  const msg = await second.waitFor(() => {
    const e = document.querySelector('#error');
    return e && !e.hidden && e.textContent;
  });
  expect(msg).toMatch(/open in another tab/);
  expect(await second.evaluate(() => document.querySelector('#add').disabled)).toBe(true);
  await shot(second, 'demo-persistence-second-tab');
  // Once the first tab is gone, a reload of the second one gets the database.
  // (The browser frees a dead tab's lock promptly but not synchronously, so
  // like a person we try again if the first reload was too quick.)
  await first.kill();
  let state = '';
  for (let attempt = 0; attempt < 5 && state !== 'ready'; attempt++) {
    await second.reload();
    state = await second.waitFor(() => {
      if (document.body.dataset.ready === 'true') return 'ready';
      const e = document.querySelector('#error');
      return e && !e.hidden ? 'error' : false;
    }, null, { timeout: 15_000 });
  }
  expect(state).toBe('ready');
});
