// worker-demo.spec.js — the worker mode demo (examples/worker.html) driven
// as a person would: run the import and compaction in a worker, then the
// same on the main thread with the toggle, and read what the page shows.
// The page's own readout (the longest gap between frames) is printed for
// both; the worker run must keep the dot moving (frames drawn all along,
// searches answered), the main-thread run is shown, not judged.
import { test, expect } from './fixtures.js';
import { waitDemoReady, expectNoError } from './lib/demo-page.js';

/** Waits for a run to finish and returns the result's data attributes. */
async function waitRun(tab) {
  return tab.waitFor(() => {
    const err = document.querySelector('#error');
    if (err && !err.hidden) return { fatal: `page shows an error: ${err.textContent}` };
    const r = document.querySelector('#result');
    return r.dataset.state === 'done' && !document.querySelector('#run').disabled && { ...r.dataset };
  }, null, { timeout: 120_000, message: 'the run to finish' });
}

test('worker demo: import and compact in a worker, then on the main thread', async ({ tabs, shot, engine }) => {
  test.setTimeout(180_000);
  // From the index page's link, as a person gets there.
  const tab = await tabs.open('examples/');
  await tab.click('#demo-worker');
  await tab.waitFor(() => location.pathname.endsWith('/examples/worker.html'));
  await waitDemoReady(tab);

  await tab.fill('#count', '10000');
  await tab.click('#mode-worker');
  await tab.click('#run');
  const inWorker = await waitRun(tab);
  expect(inWorker.mode).toBe('worker');
  expect(inWorker.size).toBe('7000');
  expect(inWorker.deleted).toBe('0');
  expect(inWorker.transferred, 'the vectors were moved to the worker').toBe('true');
  expect(Number(inWorker.searches), 'searches answered during the run').toBeGreaterThan(0);
  expect(Number(inWorker.frames), 'the dot kept moving').toBeGreaterThan(10);
  expect(await tab.text('#result')).toMatch(/^In a worker: the longest gap between frames was /);
  expect(await tab.text('#import-progress .label')).toMatch(/^10,000 vectors imported in .*, 3,000 deleted, compacted in /);
  await expectNoError(tab);
  await shot(tab, 'demo-worker');

  await tab.click('#mode-main');
  await tab.click('#run');
  const onMain = await waitRun(tab);
  expect(onMain.mode).toBe('main');
  expect(onMain.size).toBe('7000');
  expect(onMain.transferred).toBe('false');
  console.log(`${engine}: worker demo, 10,000 x 128: longest frame gap ${inWorker.maxGap} ms in a worker, ` +
    `${onMain.maxGap} ms on the main thread`);
  await expectNoError(tab);
  await shot(tab, 'demo-worker-main-thread');
});
