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

/**
 * The killed-tab workload: opens `name`, then commits batch after batch
 * (insertBatch of `batch` vectors with ids i*batch.., flush), with a
 * checkpoint after every `checkpointEvery` commits, until `maxBatches` or
 * until the tab dies. Progress is in harness.state.loop for the test to
 * poll: `done` counts completed commits, `phase` says what is in flight.
 */
async function commitLoop(mod, dataset, { name, dim, seed, batch, maxBatches, checkpointEvery }) {
  const st = { phase: 'open', done: 0, startedAt: 0, checkpoints: 0, error: null };
  window.harness.state.loop = st;
  try {
    const db = await mod.EdgeVec.open(name, { dimensions: dim, seed: 1 });
    window.harness.state.db = db;
    const all = new dataset.Mixture(seed, dim).rows(batch * maxBatches);
    if (db.size % batch !== 0) throw new Error(`size ${db.size} is not a whole number of batches`);
    let i = db.size / batch;
    st.done = i;
    st.startedAt = i;
    for (; i < maxBatches; i++) {
      st.phase = 'insert';
      const ids = Array.from({ length: batch }, (_, j) => i * batch + j);
      await db.insertBatch(all.subarray(i * batch * dim, (i + 1) * batch * dim), { ids });
      st.phase = 'flush';
      await db.flush();
      st.done = i + 1;
      if ((i + 1) % checkpointEvery === 0) {
        st.phase = 'checkpoint';
        await db.checkpoint();
        st.checkpoints++;
      }
    }
    st.phase = 'finished';
  } catch (err) {
    st.phase = 'error';
    st.error = `${err && err.code ? `[${err.code}] ` : ''}${(err && err.message) || err}`;
  }
}

try {
  const [mod, dataset] = await Promise.all([import(src), import('/tests/lib/dataset.js')]);
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
    commitLoop: (opts) => commitLoop(mod, dataset, opts),
    // Page-lifetime scratch space for multi-step scenarios.
    state: {},
  };
  status.textContent = `loaded ${src}`;
  window.harnessReady = true;
} catch (err) {
  window.harnessError = String((err && err.stack) || err);
  status.textContent = `failed to load ${src}:\n${window.harnessError}`;
}
