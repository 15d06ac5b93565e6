// soft-delete.js — demo 2 (soft-delete.html). Keeps its own record of which
// ids it inserted and deleted, so that after softDeleteBatch and compact it
// can show (not just claim) that deleted ids are never returned and that
// every live id still maps to the same vector.
import {
  $, action, loadPackage, fmt, fmtMs, fmtBytes, fmtPct, progressBar,
} from './common.js';

const progress = progressBar($('#insert-progress'));
const HAS_BIG = typeof BigUint64Array === 'function';
let pkg;
let db = null;
let data = null;
let dims = 0;
let n = 0;
const deleted = new Set();

function intField(sel, min, max, what) {
  const v = Number($(sel).value);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${what} must be a whole number from ${fmt(min)} to ${fmt(max)}.`);
  }
  return v;
}

const toId = (i) => (db.idType === 'number' ? i : BigInt(i));

/** "0-499, 1000" -> [0, ..., 499, 1000] (sorted, unique). */
function parseSelection(text) {
  const out = new Set();
  for (const part of text.split(/[\s,;]+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`"${part}" is not an id or a range like 10-20.`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`The range "${part}" runs backwards.`);
    if (b - a > 1_000_000) throw new Error(`The range "${part}" is too large.`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  if (out.size === 0) throw new Error('Type the ids to delete, or click "Select a random 10%".');
  return [...out].sort((x, y) => x - y);
}

/** [0,1,2,5,7,8] -> "0-2, 5, 7-8" */
function formatSelection(ids) {
  const parts = [];
  for (let i = 0; i < ids.length;) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
    parts.push(i === j ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** Runs random queries and counts deleted ids among the results. */
function probe() {
  const rounds = 200;
  let seen = 0;
  let bad = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const row = Math.floor(Math.random() * n);
    const hits = db.search(data.subarray(row * dims, (row + 1) * dims), 10);
    for (const h of hits) {
      seen++;
      if (deleted.has(Number(h.id))) bad++;
    }
  }
  const el = $('#probe');
  el.textContent = `${rounds} random searches returned ${fmt(seen)} results: ` +
    `${bad === 0 ? 'no deleted ids' : `${fmt(bad)} deleted ids (a bug!)`}. ` +
    `Mean latency ${fmtMs((performance.now() - t0) / rounds)}.`;
  el.dataset.deletedReturned = String(bad);
}

function updateStats() {
  $('#live').textContent = fmt(db.size);
  $('#deleted').textContent = fmt(db.deletedCount);
  $('#ratio').textContent = fmtPct(db.tombstoneRatio);
  $('#ratio-meter').style.width = `${Math.min(100, db.tombstoneRatio * 100).toFixed(1)}%`;
  $('#memory').textContent = fmtBytes(db.memoryBytes);
}

async function build() {
  const { EdgeVec, dataset } = pkg;
  n = intField('#count', 10, 100000, 'How many');
  dims = intField('#dims', 1, 4096, 'Dimensions');
  const seed = intField('#seed', 0, Number.MAX_SAFE_INTEGER, 'Seed');
  if (db) db.dispose();
  db = null;
  deleted.clear();
  for (const b of ['#delete', '#select-random', '#compact']) $(b).disabled = true;
  data = new dataset.Mixture(seed, dims).rows(n);
  // No automatic compaction: the page shows the tombstones until Compact.
  const next = await EdgeVec.create({ dimensions: dims, autoCompact: false });
  progress.set(0, n);
  const t0 = performance.now();
  try {
    await next.insertBatch(data, { onProgress: (done, total) => progress.set(done, total) });
  } catch (err) {
    next.dispose();
    throw err;
  }
  db = next;
  progress.text(`${fmt(n)} vectors (ids 0 to ${fmt(n - 1)}) inserted in ${fmtMs(performance.now() - t0)}`);
  $('#insert-progress').dataset.state = 'done';
  $('#delete-result').textContent = 'Nothing deleted yet.';
  $('#compact-result').textContent = '';
  for (const b of ['#delete', '#select-random', '#compact']) $(b).disabled = false;
  updateStats();
  probe();
}

async function del() {
  if (!db) throw new Error('Build an index first.');
  const sel = parseSelection($('#delete-ids').value);
  // The batch API takes a BigUint64Array where the browser has one, and a
  // plain array of numbers everywhere.
  const ids = HAS_BIG && db.idType === 'bigint' ? BigUint64Array.from(sel, (x) => BigInt(x)) : sel;
  const t0 = performance.now();
  const r = db.softDeleteBatch(ids);
  const ms = performance.now() - t0;
  for (const i of sel) if (i < n) deleted.add(i);
  const el = $('#delete-result');
  el.textContent = `softDeleteBatch of ${fmt(r.total)} ids took ${fmtMs(ms)}: ` +
    `${fmt(r.deleted)} deleted, ${fmt(r.alreadyDeleted)} already deleted, ${fmt(r.invalidIds)} not in the index.`;
  el.dataset.deleted = String(r.deleted);
  updateStats();
  probe();
}

async function compact() {
  if (!db) throw new Error('Build an index first.');
  const before = { live: db.size, deleted: db.deletedCount };
  const t0 = performance.now();
  db.compact();
  const ms = performance.now() - t0;
  // Every id we did not delete must still hold its own vector; every id we
  // deleted must be gone.
  let same = 0;
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    const id = toId(i);
    if (deleted.has(i)) {
      if (db.has(id)) wrong++;
      continue;
    }
    const v = db.get(id);
    let ok = !!v;
    for (let d = 0; ok && d < dims; d++) ok = v[d] === data[i * dims + d];
    if (ok) same++;
    else wrong++;
  }
  const el = $('#compact-result');
  el.textContent = `Compacted in ${fmtMs(ms)}: ${fmt(before.deleted)} tombstones removed. ` +
    (wrong === 0
      ? `All ${fmt(same)} live ids unchanged, each with its own vector; deleted ids stay gone.`
      : `${fmt(wrong)} ids changed (a bug!).`);
  el.dataset.unchanged = String(same);
  el.dataset.wrong = String(wrong);
  updateStats();
  probe();
}

action($('#build'), build);
action($('#delete'), del);
action($('#compact'), compact);
action($('#select-random'), async () => {
  const pick = [];
  for (let i = 0; i < n; i++) if (Math.random() < 0.1) pick.push(i);
  $('#delete-ids').value = formatSelection(pick);
});

try {
  pkg = await loadPackage();
  progress.text('Ready: build an index to start.');
  $('#build').disabled = false;
  document.body.dataset.ready = 'true';
} catch {
  progress.text('EdgeVec could not be loaded.');
}
