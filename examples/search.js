// search.js — demo 1 (search.html). Builds an EdgeVec index from seeded or
// pasted vectors with insertBatch, reporting progress, and runs k-NN
// queries by stored point or typed vector, timing each search.
import {
  $, action, loadPackage, fmt, fmtMs, fmtBytes, progressBar, parseNumbers, parseVectors, timeRepeated,
} from './common.js';

const progress = progressBar($('#insert-progress'));
let pkg;
let db = null;
let count = 0;

function sourceMode() {
  return $('#source-paste').checked ? 'paste' : 'generate';
}

function queryMode() {
  return $('#qmode-typed').checked ? 'typed' : 'point';
}

function syncModes() {
  $('#generate-fields').hidden = sourceMode() !== 'generate';
  $('#paste-fields').hidden = sourceMode() !== 'paste';
  $('#point-fields').hidden = queryMode() !== 'point';
  $('#typed-fields').hidden = queryMode() !== 'typed';
}
for (const el of document.querySelectorAll('input[name=source], input[name=qmode]')) {
  el.addEventListener('change', syncModes);
}
syncModes();

function setReady(ready) {
  for (const id of ['#search', '#random-point', '#copy-point']) $(id).disabled = !ready;
}

function intField(sel, min, max, what) {
  const v = Number($(sel).value);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${what} must be a whole number from ${fmt(min)} to ${fmt(max)}.`);
  }
  return v;
}

function updateStats() {
  $('#stat-size').textContent = db ? fmt(db.size) : '0';
  $('#stat-dims').textContent = db ? String(db.dimensions) : '–';
  $('#stat-memory').textContent = db ? fmtBytes(db.memoryBytes) : '–';
}

async function build() {
  const { EdgeVec, dataset } = pkg;
  let data;
  let dims;
  if (sourceMode() === 'generate') {
    const n = intField('#count', 1, 200000, 'How many');
    dims = intField('#dims', 1, 4096, 'Dimensions');
    const seed = intField('#seed', 0, Number.MAX_SAFE_INTEGER, 'Seed');
    progress.text(`Generating ${fmt(n)} vectors…`);
    data = new dataset.Mixture(seed, dims).rows(n);
    count = n;
  } else {
    const rows = parseVectors($('#paste').value);
    dims = rows[0].length;
    rows.forEach((r, i) => {
      if (r.length !== dims) {
        throw new Error(`Vector ${i + 1} has ${r.length} numbers, but the first one has ${dims}.`);
      }
    });
    data = rows;
    count = rows.length;
  }
  if (db) {
    db.dispose();
    db = null;
    updateStats();
  }
  setReady(false);
  $('#results tbody').innerHTML = '<tr><td colspan="4" class="muted">Building…</td></tr>';
  const next = await EdgeVec.create({ dimensions: dims, metric: $('#metric').value });
  progress.set(0, count);
  const t0 = performance.now();
  try {
    await next.insertBatch(data, { onProgress: (done, total) => progress.set(done, total) });
  } catch (err) {
    next.dispose();
    progress.text('Insert failed');
    throw err;
  }
  const ms = performance.now() - t0;
  db = next;
  progress.set(count, count);
  progress.text(`${fmt(count)} vector${count === 1 ? '' : 's'} inserted in ${fmtMs(ms)}`);
  $('#insert-progress').dataset.state = 'done';
  $('#point-id').max = String(count - 1);
  updateStats();
  setReady(true);
  $('#results tbody').innerHTML = '<tr><td colspan="4" class="muted">Ready. Pick a point or type a query, then Search.</td></tr>';
}

function preview(vec) {
  if (!vec) return '';
  const head = Array.from(vec.slice(0, 4), (x) => x.toFixed(3)).join(', ');
  return vec.length > 4 ? `[${head}, …]` : `[${head}]`;
}

function queryVector() {
  if (queryMode() === 'point') {
    const id = intField('#point-id', 0, Number.MAX_SAFE_INTEGER, 'Point id');
    const vec = db.get(db.idType === 'number' ? id : BigInt(id));
    if (!vec) throw new Error(`There is no point with id ${id} (ids go from 0 to ${fmt(count - 1)}).`);
    return vec;
  }
  const nums = parseNumbers($('#query-text').value);
  if (nums.length === 0) throw new Error('Type the query vector first.');
  return nums;
}

function search() {
  if (!db) throw new Error('Build an index first.');
  const k = intField('#k', 1, 1000, 'k');
  const query = queryVector();
  const q = query instanceof Float32Array ? query : Float32Array.from(query);
  // A query of the wrong length is the package's DIMENSION_MISMATCH error,
  // shown in the page with its code like any other.
  const { ms, runs, result: hits } = timeRepeated(() => db.search(q, k));
  $('#latency').textContent = fmtMs(ms);
  $('#latency').title = `mean of ${runs} runs of the same query`;
  const tbody = $('#results tbody');
  tbody.textContent = '';
  hits.forEach((h, i) => {
    const tr = document.createElement('tr');
    const cells = [String(i + 1), String(h.id), h.distance.toFixed(4), preview(db.get(h.id))];
    cells.forEach((text, c) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (c === 0 || c === 2) td.className = 'num';
      if (c === 3) td.className = 'mono';
      tr.append(td);
    });
    tbody.append(tr);
  });
  if (hits.length === 0) tbody.innerHTML = '<tr><td colspan="4" class="muted">No results.</td></tr>';
  $('#results').dataset.count = String(hits.length);
}

action($('#build'), build);
action($('#search'), async () => search());
action($('#random-point'), async () => {
  $('#point-id').value = String(Math.floor(Math.random() * count));
  search();
});
action($('#copy-point'), async () => {
  const id = intField('#point-id', 0, Number.MAX_SAFE_INTEGER, 'Point id');
  const vec = db.get(db.idType === 'number' ? id : BigInt(id));
  if (!vec) throw new Error(`There is no point with id ${id}.`);
  $('#query-text').value = Array.from(vec, (x) => x.toFixed(4)).join(', ');
  $('#qmode-typed').checked = true;
  syncModes();
});

try {
  pkg = await loadPackage();
  progress.text('Ready: choose your vectors and build the index.');
  $('#build').disabled = false;
  document.body.dataset.ready = 'true';
} catch {
  // loadPackage has put the reason in the page.
  progress.text('EdgeVec could not be loaded.');
}
