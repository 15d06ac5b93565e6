// idb-probe.js — page-side instruments for the crash and quota specs. They
// act on the page's real IndexedDB through its prototypes, so the package's
// own IndexedDbStorage code runs unchanged on top of them; nothing is faked
// but the one event each instrument adds.
//
//   watchWrites({ hold })  classifies and counts every readwrite transaction
//       the page opens: 'checkpoint' (the chunks store is in its scope) or
//       'commit' (the log store but not chunks), and notes every put/add
//       made in it. With hold: { kind, k }, the k-th transaction of that kind
//       is kept in flight, uncommitted, for good (a chain of reads keeps it
//       busy, as a slow disk would), and once every request the storage
//       issued in it has succeeded, the page writes what it knows to a
//       second database (probe:<name>) and only then raises `held`. A test
//       kills the tab after seeing `held`, so the kill lands inside the
//       named transaction; the probe record survives the kill because its
//       own transaction had completed.
//   injectQuota(rule)  the next put/add that matches rule { store, key?,
//       nth? } makes its transaction abort with a QuotaExceededError
//       (as browsers report quota: at commit, as the transaction's error),
//       until remove() is called.
//   rawState(dbName)   what a database holds, read directly: manifest value,
//       chunk keys, log keys.
//   readProbe(name) / clearProbe(name)  the probe record of watchWrites.

const proto = {
  transaction: IDBDatabase.prototype.transaction,
  put: IDBObjectStore.prototype.put,
  add: IDBObjectStore.prototype.add,
  error: Object.getOwnPropertyDescriptor(IDBTransaction.prototype, 'error'),
};

/** tx -> { kind, k, puts: [{ store, key }] } for the transactions watched. */
const watched = new WeakMap();
/** tx -> the error its abort reports (quota injection). */
const injected = new WeakMap();
/** @type {((tx: IDBTransaction, store: string, key: unknown, value: unknown) => void)[]} */
const putHooks = [];

let installed = false;
function install() {
  if (installed) return;
  installed = true;
  for (const method of ['put', 'add']) {
    IDBObjectStore.prototype[method] = function (value, key) {
      const request = proto[method].call(this, value, key);
      for (const hook of putHooks) hook(this.transaction, this.name, key, value);
      return request;
    };
  }
  Object.defineProperty(IDBTransaction.prototype, 'error', {
    configurable: true,
    enumerable: proto.error.enumerable,
    get() {
      return injected.get(this) ?? proto.error.get.call(this);
    },
  });
}

const PROBE_STORE = 'probe';

function openProbe(name) {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(`probe:${name}`, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(PROBE_STORE);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function probeTx(name, mode, body) {
  const db = await openProbe(name);
  try {
    return await new Promise((resolve, reject) => {
      const tx = proto.transaction.call(db, [PROBE_STORE], mode, { durability: 'strict' });
      const read = body(tx.objectStore(PROBE_STORE));
      tx.oncomplete = () => resolve(read());
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** The probe record watchWrites stored for database `name`, or null. */
export function readProbe(name) {
  return probeTx(name, 'readonly', (store) => {
    const r = store.get('held');
    return () => r.result ?? null;
  });
}

function writeProbe(name, record) {
  return probeTx(name, 'readwrite', (store) => {
    store.put(record, 'held');
    return () => undefined;
  });
}

/** Keys as JSON-safe values (chunk keys are [generation, index]). */
const plainKey = (key) => (Array.isArray(key) ? key.map(Number) : typeof key === 'number' ? key : String(key));

/**
 * @param {{ name: string, hold?: { kind: 'checkpoint' | 'commit', k: number } }} options
 *   name: the EdgeVec database (names the probe database)
 */
export function watchWrites({ name, hold }) {
  install();
  const state = {
    /** every watched transaction in the order opened: { kind, k, stores, puts, done } */
    log: [],
    counts: { checkpoint: 0, commit: 0 },
    /** the record written to the probe database, once it is durable */
    held: null,
    error: null,
  };
  putHooks.push((tx, store, key) => {
    const w = watched.get(tx);
    if (w) w.puts.push({ store, key: plainKey(key) });
  });
  IDBDatabase.prototype.transaction = function (stores, mode, options) {
    const tx = proto.transaction.call(this, stores, mode, options);
    if (mode !== 'readwrite' || this.name.startsWith('probe:')) return tx;
    const scope = Array.from(tx.objectStoreNames);
    const kind = scope.includes('chunks') ? 'checkpoint' : scope.includes('log') ? 'commit' : null;
    if (!kind) return tx;
    const w = { kind, k: ++state.counts[kind], stores: scope, puts: [], done: false };
    watched.set(tx, w);
    state.log.push(w);
    tx.addEventListener('complete', () => { w.done = true; });
    if (hold && hold.kind === kind && hold.k === w.k) keepInFlight(tx, scope[0], w, state, name);
    return tx;
  };
  return state;
}

/**
 * Keeps `tx` busy with reads forever. Requests run in order, so when the
 * second read succeeds every request the storage issued after the first
 * (all of its puts and deletes) has succeeded too: the transaction has done
 * its work and only its commit is missing.
 */
function keepInFlight(tx, storeName, w, state, name) {
  let reads = 0;
  const again = () => {
    const r = tx.objectStore(storeName).get(-1);
    r.onsuccess = () => {
      reads++;
      if (reads === 2) signal();
      again();
    };
  };
  const signal = () => {
    const earlier = state.log.filter((o) => o.kind === w.kind && o.k < w.k);
    const record = {
      kind: w.kind,
      k: w.k,
      stores: w.stores,
      puts: w.puts,
      earlierDone: earlier.every((o) => o.done),
      earlierPuts: earlier.flatMap((o) => o.puts),
    };
    writeProbe(name, record).then(() => { state.held = record; }, (err) => { state.error = String(err); });
  };
  again();
}

/**
 * @param {{ store: string, key?: string, nth?: number }} rule  nth: the n-th
 *   matching put/add (1-based) faults; default every one
 */
export function injectQuota(rule) {
  install();
  const fault = { rule, seen: 0, faults: 0, active: true, remove() { this.active = false; } };
  putHooks.push((tx, store, key) => {
    if (!fault.active || store !== rule.store) return;
    if (rule.key !== undefined && key !== rule.key) return;
    fault.seen++;
    if (rule.nth !== undefined && fault.seen !== rule.nth) return;
    if (injected.has(tx)) return;
    fault.faults++;
    injected.set(tx, new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    // After the storage has issued its requests and before any can commit.
    queueMicrotask(() => { try { tx.abort(); } catch { /* already finished */ } });
  });
  return fault;
}

/** Counts the put/add calls per object store from now on. */
export function countPuts() {
  install();
  const counts = {};
  putHooks.push((tx, store) => { counts[store] = (counts[store] ?? 0) + 1; });
  return counts;
}

/** What database `dbName` holds, read directly (no EdgeVec code involved). */
export function rawState(dbName) {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(dbName);
    r.onerror = () => reject(r.error);
    r.onsuccess = () => {
      const db = r.result;
      const tx = proto.transaction.call(db, ['meta', 'chunks', 'log'], 'readonly');
      const manifest = tx.objectStore('meta').get('manifest');
      const chunks = tx.objectStore('chunks').getAllKeys();
      const log = tx.objectStore('log').getAllKeys();
      tx.oncomplete = () => {
        db.close();
        resolve({
          manifest: manifest.result ?? null,
          chunks: chunks.result.map(plainKey),
          log: log.result.map(plainKey),
        });
      };
      tx.onabort = () => { db.close(); reject(tx.error); };
    };
  });
}
