// responsiveness.js — the scenario of tests/browser/worker.spec.js, run in
// the page: a large insertBatch and then a compact() of 30% tombstones, in
// worker mode or on the main thread, while a probe watches the page's main
// thread and searches keep being issued and checked.
//
// The probe: the gaps between requestAnimationFrame callbacks (a task that
// holds the main thread delays the next frame), and, where the engine has
// it (Chromium), a PerformanceObserver of 'longtask' entries (tasks over
// 50 ms). The searches: queries near a small base set of vectors, while the
// large batch is drawn far away from it (every component shifted by +100),
// so the exact answer (brute force over the base set) is the same however
// much of the batch is in, and every answer can be checked.
//
// The batch goes in as an array of Float32Array rows, copied (no
// `transfer`): the common shape for embeddings made one at a time, and the
// one structured clone takes longest over. Everything the scenario needs
// is made before the probe starts, so that the page's own work stays out
// of what is measured.

const FAR = 100;

/** @returns {{ phase(name: string): void, stop(): { maxGapMs: number, frames: number, gapsOver50: number,
 *   slow: string[], longTasks: number | null, longestTaskMs: number | null } }} */
export function startProbe() {
  let running = true;
  let phase = 'start';
  const slow = [];
  let last = performance.now();
  let maxGapMs = 0;
  let frames = 0;
  let gapsOver50 = 0;
  const tick = () => {
    const now = performance.now();
    const gap = now - last;
    last = now;
    if (frames > 0) {
      maxGapMs = Math.max(maxGapMs, gap);
      if (gap > 50) {
        gapsOver50++;
        slow.push(`${phase} +${Math.round(now - t0)}: ${Math.round(gap)}`);
      }
    }
    frames++;
    if (running) requestAnimationFrame(tick);
  };
  const t0 = performance.now();
  requestAnimationFrame(tick);
  // Timer lag: a 10 ms timer fires late by as long as the task that held
  // the main thread when it was due (frames need the compositor as well;
  // timers need only this thread).
  let maxLagMs = 0;
  let due = performance.now() + 10;
  const timer = () => {
    const now = performance.now();
    const lag = now - due;
    if (lag > maxLagMs) maxLagMs = lag;
    if (lag > 50) slow.push(`${phase} lag +${Math.round(now - t0)}: ${Math.round(lag)}`);
    due = now + 10;
    if (running) setTimeout(timer, 10);
  };
  setTimeout(timer, 10);
  const tasks = [];
  let observer = null;
  if (typeof PerformanceObserver === 'function' &&
      (PerformanceObserver.supportedEntryTypes || []).includes('longtask')) {
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        tasks.push(e.duration);
        slow.push(`${phase} task +${Math.round(e.startTime - t0)}: ${Math.round(e.duration)}`);
      }
    });
    observer.observe({ type: 'longtask' });
  }
  return {
    /** @param {string} name  what runs from now on (named in the slow list) */
    phase(name) { phase = name; },
    stop() {
      running = false;
      if (observer) {
        for (const e of observer.takeRecords()) tasks.push(e.duration);
        observer.disconnect();
      }
      return {
        maxGapMs, frames, gapsOver50, maxLagMs, slow: slow.slice(0, 20),
        longTasks: observer ? tasks.length : null,
        longestTaskMs: observer ? Math.max(0, ...tasks) : null,
      };
    },
  };
}

function l2(a, ai, b, bi, dim) {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const x = a[ai + d] - b[bi + d];
    s += x * x;
  }
  return s;
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

/**
 * Runs the scenario; returns what was measured.
 *
 * Checking searches while the index changes: the queries are vectors of the
 * base set inserted first (never deleted), so whatever else is in the index
 * at that moment, brute force says the nearest is the query's own id at
 * distance 0; each answer must say so too, with ascending distances. Once
 * the compaction is over, the same queries' top-k is compared with brute
 * force over every live vector (recall@k).
 * @param {any} EdgeVec
 * @param {any} dataset  tests/lib/dataset.js
 * @param {{ worker: boolean, n: number, nBase: number, dim: number, nq: number, k: number, ef: number,
 *   deleteFraction: number, seed: number, options: object }} cfg
 */
export async function importAndCompact(EdgeVec, dataset, cfg) {
  const { dim, k, nq } = cfg;
  const mix = new dataset.Mixture(cfg.seed, dim);
  const base = mix.rows(cfg.nBase);
  const batch = mix.rows(cfg.n);
  const all = new Float32Array(base.length + batch.length);
  all.set(base);
  all.set(batch, base.length);
  const rows = Array.from({ length: cfg.n }, (_, i) => batch.subarray(i * dim, (i + 1) * dim));
  // Every (nBase / nq)-th base vector is a query.
  const step = Math.floor(cfg.nBase / nq);
  const queryRow = (i) => (i % nq) * step;
  const db = await EdgeVec.create({ ...cfg.options, worker: cfg.worker });
  await db.insertBatch(base);

  const searches = { issued: 0, checked: 0, selfFound: 0, maxLatencyMs: 0, duringCompact: 0 };
  let q = 0;
  const searchOnce = async () => {
    const row = queryRow(q++);
    searches.issued++;
    const t0 = performance.now();
    const hits = await db.search(base.subarray(row * dim, (row + 1) * dim), k, { ef: cfg.ef });
    searches.maxLatencyMs = Math.max(searches.maxLatencyMs, performance.now() - t0);
    for (let j = 1; j < hits.length; j++) {
      if (hits[j].distance < hits[j - 1].distance) throw new Error('hits out of order');
    }
    if (hits.some((h) => String(h.id) === String(row) && h.distance === 0)) searches.selfFound++;
    searches.checked++;
  };
  /** Keeps searching (one at a time, 10 ms apart) until `work` settles. */
  const searchWhile = async (work, phase) => {
    let settled = false;
    const done = work.finally(() => { settled = true; });
    while (!settled) {
      await Promise.race([searchOnce(), done]);
      if (phase === 'compact' && !settled) searches.duringCompact++;
      await sleep(10);
    }
    return done;
  };

  // What the machine does to frames with nothing running in the page.
  let probe = startProbe();
  await sleep(2000);
  const idle = probe.stop();

  probe = startProbe();
  probe.phase('insert');
  const t0 = performance.now();
  // The main-thread mode lets insertBatch yield between chunks; a compact()
  // there is one synchronous call.
  const inserted = await searchWhile(Promise.resolve(db.insertBatch(rows)), 'insert');
  const insertMs = performance.now() - t0;
  probe.phase('delete');
  const total = cfg.nBase + cfg.n;
  const del = inserted.ids.slice(0, Math.round(total * cfg.deleteFraction));
  const deleted = await db.softDeleteBatch(del);
  probe.phase('compact');
  const t1 = performance.now();
  await searchWhile(Promise.resolve().then(() => db.compact()), 'compact');
  const compactMs = performance.now() - t1;
  probe.phase('after');
  await searchOnce();
  const main = probe.stop();

  // Recall@k after compaction, against brute force over the live vectors
  // (the deleted ones are the first of the batch: rows nBase ..).
  const firstLive = cfg.nBase + del.length;
  let found = 0;
  for (let i = 0; i < nq; i++) {
    const row = queryRow(i);
    const dists = [];
    for (let r = 0; r < total; r++) {
      if (r >= cfg.nBase && r < firstLive) continue;
      dists.push([l2(all, r * dim, all, row * dim, dim), r]);
    }
    dists.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const truth = new Set(dists.slice(0, k).map((e) => String(e[1])));
    const hits = await db.search(all.subarray(row * dim, (row + 1) * dim), k);
    for (const h of hits) if (truth.has(String(h.id))) found++;
  }
  const size = db.size;
  const deletedAfter = db.deletedCount;
  await db.dispose();
  return {
    worker: cfg.worker, insertMs, compactMs, deleted: deleted.deleted, size, deletedAfter,
    batchIntact: batch.length === cfg.n * dim && rows[cfg.n - 1].length === dim, ...main, searches,
    recallAfter: found / (nq * k), idleMaxGapMs: idle.maxGapMs, idleMaxLagMs: idle.maxLagMs,
  };
}
