// harness.js — loads the package under test into the harness page and gives
// the specs a few helpers that would otherwise be repeated in every
// tab.evaluate() body. Results cross back to Node as JSON, so ids leave the
// page as decimal strings (no protocol here can carry a BigInt).
const params = new URLSearchParams(location.search);
const src = params.get('src') || '/js/index.js';
const status = document.querySelector('#status');

/** ids (BigUint64Array, bigint[], number[]) as decimal strings. */
function idStrings(ids) {
  return Array.from(ids, (id) => String(id));
}

/** Runs k-NN for each row of `queries` (flat, nq * dim) and returns
 * [[idString, distance], ...] per query. */
function searchAll(db, queries, dim, k, options) {
  const out = [];
  for (let q = 0; q < queries.length / dim; q++) {
    const hits = db.search(queries.subarray(q * dim, (q + 1) * dim), k, options);
    out.push(hits.map((h) => [String(h.id), h.distance]));
  }
  return out;
}

/** Counts event-loop turns (macrotasks) until stop() is called: proof that
 * a long call yielded to the page instead of freezing it. */
function ticker() {
  let turns = 0;
  let running = true;
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    if (!running) return;
    turns++;
    ch.port2.postMessage(0);
  };
  ch.port2.postMessage(0);
  return {
    stop() {
      running = false;
      ch.port1.close();
      return turns;
    },
  };
}

/** Deletes every IndexedDB database whose name starts with prefix. */
async function deleteDatabases(prefix) {
  if (!indexedDB.databases) return 0;
  const dbs = await indexedDB.databases();
  let n = 0;
  for (const { name } of dbs) {
    if (!name || !name.startsWith(prefix)) continue;
    await new Promise((resolve, reject) => {
      const r = indexedDB.deleteDatabase(name);
      r.onsuccess = resolve;
      r.onerror = () => reject(r.error);
      r.onblocked = resolve;
    });
    n++;
  }
  return n;
}

try {
  const [mod, dataset] = await Promise.all([import(src), import('/bench/lib/dataset.js')]);
  window.harness = {
    mod,
    EdgeVec: mod.EdgeVec,
    EdgeVecError: mod.EdgeVecError,
    dataset,
    src,
    idStrings,
    searchAll,
    ticker,
    deleteDatabases,
    // Page-lifetime scratch space for multi-step scenarios.
    state: {},
  };
  status.textContent = `loaded ${src}`;
  window.harnessReady = true;
} catch (err) {
  window.harnessError = String((err && err.stack) || err);
  status.textContent = `failed to load ${src}:\n${window.harnessError}`;
}
