// worker.js — demo 5 (worker.html): the same import and compaction in
// worker mode or on the main thread, while a requestAnimationFrame loop
// moves a dot and measures the gaps between frames (a gap is the time the
// page's thread was held), and a search is issued every 100 ms.
import { $, action, loadPackage, fmt, fmtMs, progressBar } from './common.js';

const progress = progressBar($('#import-progress'));
let pkg;

// ---- the indicator: one step per frame, and the gap since the last one ----
const dot = $('#dot');
let x = 0;
let dir = 1;
let last = performance.now();
/** The run being measured, if any: its longest gap and frame count. */
let watch = null;
let shownAt = 0;
function frame(now) {
  const gap = now - last;
  last = now;
  const width = dot.parentElement.clientWidth - dot.clientWidth;
  x += dir * 4;
  if (x >= width) { x = width; dir = -1; }
  if (x <= 0) { x = 0; dir = 1; }
  dot.style.transform = `translateX(${x}px)`;
  if (watch) {
    watch.frames++;
    if (watch.frames > 1) watch.maxGap = Math.max(watch.maxGap, gap);
    $('#gap-max').textContent = fmtMs(watch.maxGap);
    $('#frames').textContent = fmt(watch.frames);
  }
  // The readout changes at most 4 times a second, so that it can be read;
  // a long gap is always shown at once.
  if (now - shownAt > 250 || gap > 50) {
    const el = $('#gap-now');
    el.textContent = fmtMs(gap);
    el.classList.toggle('slow', gap > 50);
    shownAt = now;
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

function intField(sel, min, max, what) {
  const v = Number($(sel).value);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${what} must be a whole number from ${fmt(min)} to ${fmt(max)}.`);
  }
  return v;
}

async function run() {
  const { EdgeVec, dataset } = pkg;
  const worker = $('#mode-worker').checked;
  const n = intField('#count', 1000, 200000, 'How many');
  const dims = intField('#dims', 1, 4096, 'Dimensions');
  const resultEl = $('#result');
  resultEl.textContent = '';
  delete resultEl.dataset.state;
  progress.text('Generating vectors…');
  await sleep(30);
  const data = new dataset.Mixture(42, dims).rows(n);
  const queries = new dataset.Mixture(43, dims).rows(50);
  const db = await EdgeVec.create({ dimensions: dims, m: 8, efConstruction: 40, seed: 7, worker });
  try {
    watch = { frames: 0, maxGap: 0 };
    let answered = 0;
    let running = true;
    // A search every 100 ms, one at a time, for as long as the run lasts.
    const searching = (async () => {
      for (let i = 0; running; i++) {
        await db.search(queries.subarray((i % 50) * dims, (i % 50 + 1) * dims), 10);
        answered++;
        $('#searches').textContent = fmt(answered);
        await sleep(100);
      }
    })();
    progress.set(0, n);
    const t0 = performance.now();
    const onProgress = (done, total) => progress.set(done, total);
    // transfer moves the vectors to the worker; the main-thread EdgeVec
    // has no such option.
    const { ids } = await db.insertBatch(data, worker ? { transfer: true, onProgress } : { onProgress });
    const importMs = performance.now() - t0;
    const del = ids.slice(0, Math.round(n * 0.3));
    progress.text(`${fmt(n)} inserted; deleting 30% and compacting…`);
    await sleep(30);
    await db.softDeleteBatch(del);
    const t1 = performance.now();
    await db.compact();
    const compactMs = performance.now() - t1;
    running = false;
    await searching;
    const seen = watch;
    watch = null;
    progress.text(`${fmt(n)} vectors imported in ${fmtMs(importMs)}, ${fmt(del.length)} deleted, compacted in ${fmtMs(compactMs)}`);
    $('#import-progress').dataset.state = 'done';
    resultEl.textContent = `${worker ? 'In a worker' : 'On the main thread'}: the longest gap between frames was ` +
      `${fmtMs(seen.maxGap)} over ${fmt(seen.frames)} frames, and ${fmt(answered)} searches were answered ` +
      `while it ran. ${fmt(db.size)} vectors remain, ${fmt(db.deletedCount)} tombstones.`;
    Object.assign(resultEl.dataset, {
      state: 'done', mode: worker ? 'worker' : 'main', maxGap: String(Math.round(seen.maxGap)),
      frames: String(seen.frames), searches: String(answered), size: String(db.size),
      deleted: String(db.deletedCount), transferred: String(data.length === 0),
    });
  } finally {
    watch = null;
    await db.dispose();
  }
}

action($('#run'), run);

try {
  pkg = await loadPackage();
  progress.text('Ready: pick a mode and start.');
  $('#run').disabled = false;
  document.body.dataset.ready = 'true';
} catch {
  progress.text('EdgeVec could not be loaded.');
}
