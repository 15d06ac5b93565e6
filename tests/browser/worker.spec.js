// worker.spec.js — worker mode keeps the page responsive: while a
// worker-mode insertBatch of 100,000 × 128 (20,000 in `npm test`, see
// SCENARIO; the batch an array of rows, copied, which crosses in parts) and
// then a compact() of 30% tombstones run, no task holds the page's main
// thread for 50 ms ('longtask' entries, where the engine reports them:
// asserted), timers and requestAnimationFrame keep their pace (printed,
// and asserted against what the machine's own load allows, see the end of
// the test), and searches issued meanwhile keep answering correctly
// (checked against brute force). The same scenario on the main thread (the
// default mode) is measured and printed beside it, not asserted. The
// scenario runs in the page: tests/browser/pages/responsiveness.js.
import { test, expect } from './fixtures.js';
import { openHarness } from './lib/scenario.js';

// `npm test` runs 20,000 × 128 (in three engines, under the whole suite's
// load); EDGEVEC_WORKER_SPEC_N=100000 runs the full 100k of the issue. M 8
// and efConstruction 40 keep the builds short; the thread they run on is
// what is measured. autoOptimize: false, because the two modes are compared
// by their recall after compact(), which rebuilds the graph in slot order:
// that is the same in both modes in insertion order, while the graph order
// insertBatch would apply follows a graph linked by threads in timing order.
const SCENARIO = {
  n: Number(process.env.EDGEVEC_WORKER_SPEC_N ?? 20_000),
  nBase: 2000, dim: 128, nq: 20, k: 10, ef: 128, deleteFraction: 0.3, seed: 42,
  options: { dimensions: 128, metric: 'l2', m: 8, efConstruction: 40, efSearch: 64, seed: 7, autoOptimize: false },
};
/** Longer than the scheduler's own hiccups under load, far shorter than a
 * main-thread compaction of SCENARIO's size. */
const MACHINE_NOISE_MS = 500;

/** One line of the printed comparison. */
function line(r) {
  const lt = r.longTasks === null ? 'n/a' : `${r.longTasks} (longest ${r.longestTaskMs.toFixed(0)} ms)`;
  return `${r.worker ? 'worker ' : 'main   '} insert ${(r.insertMs / 1000).toFixed(1)} s, ` +
    `compact ${(r.compactMs / 1000).toFixed(1)} s | timer lag ${r.maxLagMs.toFixed(0)} ms, longest frame gap ${r.maxGapMs.toFixed(0)} ms, ` +
    `gaps > 50 ms: ${r.gapsOver50}, long tasks: ${lt} | searches ${r.searches.checked} ` +
    `(${r.searches.duringCompact} during compact), own id found in ${r.searches.selfFound}, ` +
    `slowest ${r.searches.maxLatencyMs.toFixed(0)} ms; recall@10 after ${r.recallAfter.toFixed(3)} | ` +
    `idle page: lag ${r.idleMaxLagMs.toFixed(0)} ms, gap ${r.idleMaxGapMs.toFixed(0)} ms` +
    (r.slow.length ? `\n    slow: ${r.slow.join(', ')}` : '');
}

test('worker mode: a large insert and a compact leave the main thread free; searches stay correct', async ({ tabs, engine }, testInfo) => {
  test.setTimeout(300_000);
  const tab = await openHarness(tabs);
  const run = (worker) => tab.evaluate(async (cfg) => {
    const { importAndCompact } = await import('/tests/browser/pages/responsiveness.js');
    return importAndCompact(window.harness.EdgeVec, window.harness.dataset, cfg);
  }, { ...SCENARIO, worker });

  const inWorker = await run(true);
  const onMain = await run(false);
  const report = `${engine}, ${SCENARIO.n.toLocaleString('en')} x ${SCENARIO.dim}:\n  ${line(inWorker)}\n  ${line(onMain)}`;
  console.log(report);
  testInfo.annotations.push({ type: 'measured', description: report });

  for (const r of [inWorker, onMain]) {
    expect(r.size).toBe(SCENARIO.nBase + SCENARIO.n - r.deleted);
    expect(r.deleted).toBe(Math.round((SCENARIO.nBase + SCENARIO.n) * SCENARIO.deleteFraction));
    expect(r.deletedAfter, 'compact removed every tombstone').toBe(0);
    expect(r.searches.selfFound, 'searches meanwhile: the query\'s own id among the hits, at distance 0')
      .toBeGreaterThanOrEqual(Math.floor(r.searches.checked * 0.9));
    // M 8 / efConstruction 40 is a light graph: about 0.99 at 20k, 0.78 at 100k.
    expect(r.recallAfter, 'recall@10 after compact, against brute force').toBeGreaterThanOrEqual(0.7);
  }
  // The same inserts with the same seed build the same graph in both modes.
  expect(inWorker.recallAfter, 'worker mode answers as the main thread does').toBe(onMain.recallAfter);
  expect(inWorker.batchIntact, 'the batch was copied to the worker, the page\'s rows left as they were').toBe(true);
  expect(inWorker.searches.checked, 'searches answered while the batch went in').toBeGreaterThan(5);
  expect(inWorker.frames, 'the page kept painting').toBeGreaterThan(20);
  // The page's main thread stayed free. What is measured: long tasks
  // where the engine reports them (Chromium), the lag of a 10 ms timer (a
  // task holds it back by its own length) and the gaps between frames, all
  // printed above with the same page idle just before for scale. The page's
  // own tasks in worker mode are short (the batch's parts take TASK_MS of
  // js/worker/parts.js at a time, answers a few microseconds): on an idle
  // machine the longest timer lag stays near 10 ms at 100k in every engine,
  // so the 50 ms is asserted on what the engine reports as tasks.
  // Timer lag and frame gaps also count time the page's thread waited to be
  // scheduled with no task of its own running: on this shared 2-core
  // machine, with the suite running two engines at once, that alone reaches
  // 100 ms and more now and then. Those are asserted against bounds no
  // main-thread import or compaction of this size stays under (they hold
  // the thread for seconds, as the main-thread line shows); their 50 ms
  // figures are printed.
  if (inWorker.longTasks !== null) {
    expect(inWorker.longestTaskMs, 'no task held the main thread for 50 ms').toBeLessThan(50);
  }
  expect(inWorker.maxLagMs, 'timers kept firing on time').toBeLessThan(MACHINE_NOISE_MS);
  expect(inWorker.maxGapMs, 'frames kept coming').toBeLessThan(MACHINE_NOISE_MS);
});
