// notes.js — demo 4 (notes.html). Notes are embedded in the page by
// notes-embedding.js, stored in an IndexedDB-backed index opened with
// EdgeVec.open (cosine, autoFlush), and searched as the user types.
//
// The index holds the vectors; the note texts live in localStorage under
// one key, as a JSON object from id to text. localStorage is synchronous,
// so a note's text is saved before its vector's commit starts: a vector
// never exists without its text. If the tab dies between the two, the text
// is left without a vector, and open() drops such texts. A real app with
// many notes would use an object store of its own in IndexedDB instead;
// for a demo's few hundred short notes (tens of KB) this keeps the code
// about the index.
import { $, action, loadPackage, fmt, fmtMs, showError, clearError, timeRepeated } from './common.js';
import { DIMENSIONS, embed, isEmptyEmbedding } from './notes-embedding.js';
import { SAMPLE_NOTES } from './notes-samples.js';

const NAME = 'notes-demo';
const TEXTS_KEY = 'notes-demo:texts';
const K = 8; // hits shown
const DEBOUNCE_MS = 150; // one search per pause in typing, not per key
const BUTTONS = ['#add', '#load-samples', '#clear', '#query'];

let pkg;
let db = null;
/** @type {Map<number, string>} id -> note text */
let texts = new Map();
let nextId = 0;

function saveTexts() {
  localStorage.setItem(TEXTS_KEY, JSON.stringify(Object.fromEntries(texts)));
}

function loadTexts() {
  const raw = localStorage.getItem(TEXTS_KEY);
  const obj = raw ? JSON.parse(raw) : {};
  return new Map(Object.entries(obj).map(([id, t]) => [Number(id), String(t)]));
}

function setEnabled(on) {
  for (const b of BUTTONS) $(b).disabled = !on;
}

function updateStats() {
  $('#count').textContent = db ? fmt(db.size) : '–';
  $('#dims').textContent = db ? String(db.dimensions) : '–';
  document.body.dataset.count = db ? String(db.size) : '';
}

async function open() {
  const t0 = performance.now();
  db = await pkg.EdgeVec.open(NAME, { dimensions: DIMENSIONS, metric: 'cosine', idType: 'number', autoFlush: true });
  const ms = performance.now() - t0;
  if (db.dimensions !== DIMENSIONS) {
    // Stored by an earlier embed() of another length (see notes-embedding.js).
    $('#clear').disabled = false;
    throw new Error(`The stored notes have ${db.dimensions} dimensions but embed() gives ${DIMENSIONS}: ` +
      'clear them to start over with this embedding.');
  }
  texts = loadTexts();
  let dropped = 0;
  for (const id of texts.keys()) {
    if (!db.has(id)) {
      texts.delete(id);
      dropped++;
    }
  }
  if (dropped > 0) saveTexts();
  const ids = db.ids();
  nextId = ids.length > 0 ? Number(ids[ids.length - 1]) + 1 : 0; // ids() is ascending
  const box = $('#loaded');
  box.textContent = db.size > 0
    ? `Loaded ${fmt(db.size)} notes from IndexedDB in ${fmtMs(ms)}.`
    : 'No notes yet: add one, or load the sample notes.';
  box.hidden = false;
  updateStats();
  setEnabled(true);
}

/** Embeds each text, saves the texts, then inserts and commits the vectors. */
async function addNotes(list) {
  const vectors = [];
  const kept = [];
  const t0 = performance.now();
  for (const text of list) {
    const v = await embed(text);
    if (isEmptyEmbedding(v)) continue; // no letters or digits: nothing to find it by
    vectors.push(v);
    kept.push(text);
  }
  const embedMs = performance.now() - t0;
  if (kept.length === 0) return { added: 0, embedMs, storeMs: 0 };
  const ids = kept.map((_, i) => nextId + i);
  kept.forEach((text, i) => texts.set(ids[i], text));
  saveTexts();
  const t1 = performance.now();
  try {
    await db.insertBatch(vectors, { ids });
  } catch (err) {
    // A rejected batch changes nothing in the index: take the texts back.
    for (const id of ids) texts.delete(id);
    saveTexts();
    throw err;
  }
  nextId += kept.length;
  // autoFlush has started the commit; wait for it so "stored" means stored.
  await db.flush();
  const storeMs = performance.now() - t1;
  $('#loaded').hidden = true; // "No notes yet" / "Loaded n notes" no longer holds
  $('#change-time').textContent = fmtMs(embedMs + storeMs);
  updateStats();
  return { added: kept.length, embedMs, storeMs };
}

async function addNote() {
  const text = $('#note-text').value.trim();
  if (text === '') throw new Error('Type a note first.');
  const r = await addNotes([text]);
  if (r.added === 0) throw new Error('That note has no letters or digits, so there is nothing to search it by.');
  $('#note-text').value = '';
  $('#status').textContent = `Added note ${fmt(nextId - 1)}: embedded in ${fmtMs(r.embedMs)}, ` +
    `stored in ${fmtMs(r.storeMs)}.`;
  await runSearch();
}

async function loadSamples() {
  const have = new Set(texts.values());
  const fresh = SAMPLE_NOTES.filter((t) => !have.has(t)); // a second click adds nothing
  const r = await addNotes(fresh);
  $('#status').textContent = r.added === 0
    ? 'The sample notes are all stored already.'
    : `Added ${fmt(r.added)} sample notes: embedded in ${fmtMs(r.embedMs)}, ` +
      `inserted and stored in ${fmtMs(r.storeMs)}.`;
  await runSearch();
}

async function clear() {
  // remove() needs the writer lock this page holds: let go of it first.
  setEnabled(false);
  if (db) await db.close();
  db = null;
  await pkg.EdgeVec.remove(NAME);
  localStorage.removeItem(TEXTS_KEY);
  texts = new Map();
  $('#status').textContent = 'Cleared: the notes and their vectors are gone from this browser.';
  $('#change-time').textContent = '–';
  await open();
  await runSearch();
}

function showResults(query, hits) {
  const tbody = $('#results tbody');
  tbody.textContent = '';
  hits.forEach((h, i) => {
    const tr = document.createElement('tr');
    const text = texts.get(Number(h.id)) ?? `(note ${h.id}: its text is missing)`;
    [String(i + 1), h.distance.toFixed(4), text].forEach((t, c) => {
      const td = document.createElement('td');
      td.textContent = t;
      if (c < 2) td.className = 'num';
      tr.append(td);
    });
    tbody.append(tr);
  });
  if (hits.length === 0) {
    tbody.innerHTML = `<tr><td colspan="3" class="muted">${query ? 'No notes yet.' : 'Type a query to see the nearest notes here.'}</td></tr>`;
  }
  // What the results are for, so a test (or a person) knows they are current.
  $('#results').dataset.query = query;
  $('#results').dataset.count = String(hits.length);
}

let searchSeq = 0;
async function runSearch() {
  const seq = ++searchSeq;
  const query = $('#query').value.trim();
  if (!db || query === '') {
    $('#latency').textContent = '–';
    $('#embed-latency').textContent = '–';
    showResults(query, []);
    return;
  }
  const t0 = performance.now();
  const q = await embed(query);
  const embedMs = performance.now() - t0;
  if (seq !== searchSeq || !db) return; // a newer keystroke has taken over
  if (isEmptyEmbedding(q)) {
    showResults(query, []);
    $('#results tbody').innerHTML = '<tr><td colspan="3" class="muted">Type some letters or digits.</td></tr>';
    return;
  }
  const { ms, runs, result: hits } = timeRepeated(() => db.search(q, K));
  $('#latency').textContent = fmtMs(ms);
  $('#latency').title = `mean of ${runs} runs of the same search over ${fmt(db.size)} notes`;
  $('#embed-latency').textContent = fmtMs(embedMs);
  showResults(query, hits);
}

let timer = 0;
$('#query').addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(() => {
    clearError();
    runSearch().catch(showError);
  }, DEBOUNCE_MS);
});

action($('#add'), addNote);
action($('#load-samples'), loadSamples);
action($('#clear'), clear);

try {
  pkg = await loadPackage();
  await open();
  $('#status').textContent = `${fmt(SAMPLE_NOTES.length)} sample notes are bundled with this page.`;
  document.body.dataset.ready = 'true';
} catch (err) {
  // A second tab holding the database gets a LOCKED error: say what to do.
  if (err && err.code === 'LOCKED') {
    showError(new Error('These notes are open in another tab. Close that tab (or use it) and reload this one.'));
  } else if (pkg) {
    showError(err);
  }
  $('#status').textContent = 'Not available.';
}
