// persistence.js — demo 3 (persistence.html). Opens (or creates) an
// IndexedDB-backed index with EdgeVec.open, and offers the operations a
// person needs to see persistence work: add, delete, flush, checkpoint,
// reload, clear. Vectors are drawn from a seeded generator by id, so after
// a reload the page re-derives what it inserted and checks every vector.
import { $, action, loadPackage, fmt, fmtMs, fmtBytes, progressBar, showError } from './common.js';

const NAME = 'demo';
const DIMS = 64;
const SEED = 2024;
const ADD = 1000;

const progress = progressBar($('#insert-progress'));
let pkg;
let storage;
let db = null;
let pending = 0; // vectors added or deleted since the last flush
let nextId = 0; // the next id this page will insert
const BUTTONS = ['#add', '#delete', '#flush', '#checkpoint', '#clear'];

function log(text) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} — ${text}`;
  $('#log').prepend(li);
}

/** The seeded vector for an id (ids are 0, 1, 2, … in insertion order). */
let mixture = null;
let drawn = new Float32Array(0);
function rowsUpTo(n) {
  if (drawn.length < n * DIMS) {
    mixture ??= new pkg.dataset.Mixture(SEED, DIMS);
    const more = mixture.rows(n - drawn.length / DIMS);
    const all = new Float32Array(n * DIMS);
    all.set(drawn);
    all.set(more, drawn.length);
    drawn = all;
  }
  return drawn;
}

const toId = (i) => (db.idType === 'number' ? i : BigInt(i));

async function updateStats() {
  $('#size').textContent = db ? fmt(db.size) : '–';
  $('#pending').textContent = db ? fmt(pending) : '–';
  $('#storage').textContent = fmtBytes(await storage.sizeBytes(NAME));
  document.body.dataset.size = db ? String(db.size) : '';
  document.body.dataset.pending = String(pending);
}

/** Checks every stored vector against the generator. */
function verify() {
  const data = rowsUpTo(nextId);
  let checked = 0;
  let bad = 0;
  for (let i = 0; i < nextId; i++) {
    const v = db.get(toId(i));
    if (!v) continue; // deleted
    checked++;
    for (let d = 0; d < DIMS; d++) {
      if (v[d] !== data[i * DIMS + d]) {
        bad++;
        break;
      }
    }
  }
  const el = $('#verify');
  el.textContent = checked === 0
    ? ''
    : bad === 0
      ? `Checked all ${fmt(checked)} stored vectors: each is exactly the vector inserted under its id.`
      : `${fmt(bad)} of ${fmt(checked)} stored vectors differ from what was inserted (a bug!).`;
  el.dataset.bad = String(bad);
}

async function open() {
  const t0 = performance.now();
  db = await pkg.EdgeVec.open(NAME, { storage, dimensions: DIMS });
  const ms = performance.now() - t0;
  pending = 0;
  // Ids are assigned in sequence, deleted ones included, so the next id is
  // one past the largest ever stored; probing from the live count upward
  // finds it without keeping any state outside the index.
  nextId = db.size + db.deletedCount;
  while (db.has(toId(nextId))) nextId++;
  $('#load-time').textContent = fmtMs(ms);
  const box = $('#loaded');
  box.textContent = db.size > 0
    ? `Loaded ${fmt(db.size)} vectors from IndexedDB in ${fmtMs(ms)}.`
    : 'No saved vectors yet: this is a new, empty database.';
  box.hidden = false;
  verify();
  await updateStats();
  for (const b of BUTTONS) $(b).disabled = false;
  progress.text(`Next ids: ${fmt(nextId)} to ${fmt(nextId + ADD - 1)}`);
  log(db.size > 0 ? `opened "${NAME}": ${fmt(db.size)} vectors` : `opened "${NAME}": empty`);
}

async function add() {
  const data = rowsUpTo(nextId + ADD).subarray(nextId * DIMS, (nextId + ADD) * DIMS);
  const ids = Array.from({ length: ADD }, (_, i) => toId(nextId + i));
  progress.set(0, ADD);
  const t0 = performance.now();
  await db.insertBatch(data, { ids, onProgress: (done, total) => progress.set(done, total) });
  progress.text(`${fmt(ADD)} vectors (ids ${fmt(nextId)}–${fmt(nextId + ADD - 1)}) added in ` +
    `${fmtMs(performance.now() - t0)}; not saved until you flush`);
  $('#insert-progress').dataset.state = 'done';
  nextId += ADD;
  pending += ADD;
  log(`added ${fmt(ADD)} vectors (in memory)`);
  await updateStats();
}

async function del() {
  const live = [];
  for (let i = 0; i < nextId; i++) if (db.has(toId(i))) live.push(i);
  const pick = [];
  while (pick.length < Math.min(100, live.length)) {
    const j = Math.floor(Math.random() * live.length);
    pick.push(live[j]);
    live.splice(j, 1);
  }
  if (pick.length === 0) throw new Error('There is nothing to delete yet: add some vectors first.');
  const ids = db.idType === 'bigint' ? BigUint64Array.from(pick, (x) => BigInt(x)) : pick;
  const r = db.softDeleteBatch(ids);
  pending += r.deleted;
  log(`deleted ${fmt(r.deleted)} vectors (in memory)`);
  await updateStats();
}

async function flush() {
  const t0 = performance.now();
  await db.flush();
  log(`flushed ${fmt(pending)} changes to IndexedDB in ${fmtMs(performance.now() - t0)}`);
  pending = 0;
  await updateStats();
}

async function checkpoint() {
  const t0 = performance.now();
  await db.checkpoint();
  log(`checkpoint: snapshot of ${fmt(db.size)} vectors written in ${fmtMs(performance.now() - t0)}`);
  pending = 0;
  await updateStats();
}

async function clear() {
  // remove() needs the writer lock this page holds: let go of it first.
  await db.close();
  db = null;
  await pkg.EdgeVec.remove(NAME, storage);
  mixture = null;
  drawn = new Float32Array(0);
  $('#verify').textContent = '';
  log(`cleared "${NAME}" from IndexedDB`);
  await open();
}

action($('#add'), add);
action($('#delete'), del);
action($('#flush'), flush);
action($('#checkpoint'), checkpoint);
action($('#clear'), clear);
$('#reload').addEventListener('click', () => location.reload());

try {
  pkg = await loadPackage();
  const { IndexedDbStorage } = await import('../js/storage/index.js');
  storage = new IndexedDbStorage();
  $('#db-name').textContent = NAME;
  await open();
  document.body.dataset.ready = 'true';
} catch (err) {
  // A second tab holding the database gets a LOCKED error: say what to do.
  if (err && err.code === 'LOCKED') {
    showError(new Error('This database is open in another tab. Close that tab (or use it) and reload this one.'));
  } else if (pkg) {
    showError(err);
  }
  progress.text('Not available.');
}
