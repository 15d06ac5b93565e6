// search.js — demo 1 (search.html). Builds an EdgeVec index from seeded or
// pasted vectors with insertBatch, reporting progress (generated vectors get
// a seeded category and price as metadata), and runs k-NN queries by stored
// point or typed vector, optionally filtered by category and price range,
// timing each search and counting the matching vectors.
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
  let metadata;
  if (sourceMode() === 'generate') {
    const n = intField('#count', 1, 200000, 'How many');
    dims = intField('#dims', 1, 4096, 'Dimensions');
    const seed = intField('#seed', 0, Number.MAX_SAFE_INTEGER, 'Seed');
    progress.text(`Generating ${fmt(n)} vectors…`);
    data = new dataset.Mixture(seed, dims).rows(n);
    metadata = metadataFor(dataset, seed, n);
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
    metadata = undefined;
    count = rows.length;
  }
  if (db) {
    db.dispose();
    db = null;
    updateStats();
  }
  setReady(false);
  $('#results tbody').innerHTML = '<tr><td colspan="5" class="muted">Building…</td></tr>';
  const next = await EdgeVec.create({ dimensions: dims, metric: $('#metric').value });
  progress.set(0, count);
  const t0 = performance.now();
  try {
    await next.insertBatch(data, { metadata, onProgress: (done, total) => progress.set(done, total) });
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
  $('#results tbody').innerHTML = '<tr><td colspan="5" class="muted">Ready. Pick a point or type a query, then Search.</td></tr>';
}

const CATEGORIES = ['news', 'sports', 'science', 'arts', 'travel'];

/**
 * Seeded metadata for generated vectors: a category and a price (0..100,
 * in cents), from their own stream so the vectors stay those of the seed.
 */
function metadataFor(dataset, seed, n) {
  const rng = new dataset.SplitMix64(seed + 1);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = { category: CATEGORIES[rng.nextHigh32() % CATEGORIES.length], price: (rng.nextHigh32() % 10001) / 100 };
  }
  return out;
}

/** The filter of the form (object form), or undefined when it sets nothing. */
function currentFilter() {
  const filter = {};
  const category = $('#filter-category').value;
  if (category) filter.category = category;
  const price = {};
  const min = $('#filter-min').value.trim();
  const max = $('#filter-max').value.trim();
  if (min !== '') price.gte = Number(min);
  if (max !== '') price.lte = Number(max);
  if (Object.keys(price).length) filter.price = price;
  return Object.keys(filter).length ? filter : undefined;
}

function showFilter() {
  const f = currentFilter();
  $('#filter-text').textContent = f ? JSON.stringify(f) : 'no filter';
}
for (const sel of ['#filter-category', '#filter-min', '#filter-max']) {
  $(sel).addEventListener('input', showFilter);
  $(sel).addEventListener('change', showFilter);
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
  // shown in the page with its code like any other (a bad price bound is
  // INVALID_FILTER, shown the same way).
  const filter = currentFilter();
  const { ms, runs, result: hits } = timeRepeated(() => db.search(q, k, { filter, includeMetadata: true }));
  const matches = db.count(filter);
  $('#stat-matches').textContent = fmt(matches);
  $('#latency').textContent = fmtMs(ms);
  $('#latency').title = `mean of ${runs} runs of the same query`;
  const tbody = $('#results tbody');
  tbody.textContent = '';
  hits.forEach((h, i) => {
    const tr = document.createElement('tr');
    const m = h.metadata;
    const about = 'category' in m ? `${m.category} · ${m.price.toFixed(2)}` : '';
    const cells = [String(i + 1), String(h.id), h.distance.toFixed(4), preview(db.get(h.id)), about];
    cells.forEach((text, c) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (c === 0 || c === 2) td.className = 'num';
      if (c === 3) td.className = 'mono';
      tr.append(td);
    });
    tbody.append(tr);
  });
  if (hits.length === 0) {
    tbody.innerHTML = `<tr><td colspan="5" class="muted">${filter ? 'No vector matches the filter.' : 'No results.'}</td></tr>`;
  }
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
