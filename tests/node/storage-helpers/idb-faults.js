// An IndexedDB factory wrapper that injects the failures a browser produces,
// around a real (fake-indexeddb) factory: quota errors and a page killed in
// the middle of its work. It also records every transaction opened, so tests
// can check their durability. Nothing is simulated beyond the failure itself:
// every request still runs on the wrapped factory.
//
//   quota(put)   called for each put/add with { store, key, bytes, tx }; when
//                it returns true the transaction aborts with a
//                QuotaExceededError, as browsers report quota at commit time.
//   damage(put)  called likewise; when it returns true the put stores its
//                bytes with one changed, and succeeds (a faulty disk).
//   killAtTx     the n-th readwrite transaction (1-based) is aborted after its
//                requests are issued, and from then on every IndexedDB call
//                throws, as if the tab had been closed at that moment.

/**
 * @typedef {object} FaultPlan
 * @property {((put: { store: string, key: unknown, bytes: number, tx: number }) => boolean) | null} [quota]
 * @property {((put: { store: string, key: unknown, bytes: number, tx: number }) => boolean) | null} [damage]
 * @property {number} [killAtTx]
 */

export function faultyIndexedDB(real, plan = {}) {
  const transactions = [];
  let readwrite = 0;
  let killed = false;
  const dbs = new WeakMap();
  const gone = () => new DOMException('the page was closed', 'InvalidStateError');
  const forward = (target, prop) => {
    const value = Reflect.get(target, prop, target);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const setOnTarget = (target, prop, value) => Reflect.set(target, prop, value, target);

  function wrapStore(store, name, info, fail) {
    return new Proxy(store, {
      get(target, prop) {
        if (prop === 'put' || prop === 'add') {
          return (value, key) => {
            const bytes = value instanceof Uint8Array ? value.byteLength : 0;
            if (bytes > 0 && plan.damage && plan.damage({ store: name, key, bytes, tx: info.index })) {
              // The store keeps one byte changed and reports success.
              value = Uint8Array.from(value);
              value[bytes >> 1] ^= 0x10;
            }
            const request = target[prop](value, key);
            if (plan.quota && plan.quota({ store: name, key, bytes, tx: info.index })) {
              fail(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
            }
            return request;
          };
        }
        return forward(target, prop);
      },
    });
  }

  function wrapTx(tx, info) {
    let injected = null;
    const fail = (err) => {
      if (injected) return;
      injected = err;
      // After the body has issued its requests, before anything commits.
      queueMicrotask(() => { try { tx.abort(); } catch { /* finished */ } });
    };
    if (info.mode === 'readwrite' && info.index === plan.killAtTx) {
      queueMicrotask(() => {
        killed = true;
        try { tx.abort(); } catch { /* finished */ }
      });
    }
    return new Proxy(tx, {
      get(target, prop) {
        if (prop === 'error') return injected ?? target.error;
        if (prop === 'objectStore') return (name) => wrapStore(target.objectStore(name), name, info, fail);
        return forward(target, prop);
      },
      set: setOnTarget,
    });
  }

  function wrapDb(db) {
    if (!dbs.has(db)) {
      dbs.set(db, new Proxy(db, {
        get(target, prop) {
          if (prop === 'transaction') {
            return (stores, mode, options) => {
              if (killed) throw gone();
              const tx = target.transaction(stores, mode, options);
              const info = {
                index: mode === 'readwrite' ? ++readwrite : 0,
                stores: [...[stores].flat()],
                mode: mode ?? 'readonly',
                durability: options?.durability ?? 'default',
              };
              transactions.push(info);
              return wrapTx(tx, info);
            };
          }
          return forward(target, prop);
        },
        set: setOnTarget,
      }));
    }
    return dbs.get(db);
  }

  const factory = new Proxy(real, {
    get(target, prop) {
      if (prop === 'open') {
        return (name, version) => {
          if (killed) throw gone();
          const request = target.open(name, version);
          return new Proxy(request, {
            get(t, p) {
              if (p === 'result') return wrapDb(t.result);
              return forward(t, p);
            },
            set: setOnTarget,
          });
        };
      }
      if (killed && (prop === 'deleteDatabase' || prop === 'databases')) return () => { throw gone(); };
      return forward(target, prop);
    },
  });
  return { indexedDB: factory, transactions, plan, get killed() { return killed; } };
}

/** Opens `dbName` directly and returns every key and value of `store`. */
export function rawDump(factory, dbName, store) {
  return new Promise((resolve, reject) => {
    const req = factory.open(dbName);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction([store], 'readonly');
      const keys = tx.objectStore(store).getAllKeys();
      const values = tx.objectStore(store).getAll();
      tx.oncomplete = () => { db.close(); resolve({ keys: keys.result, values: values.result }); };
      tx.onabort = () => { db.close(); reject(tx.error); };
    };
  });
}

/** Runs `fn(store)` in a readwrite transaction on a direct connection. */
export function rawWrite(factory, dbName, store, fn) {
  return new Promise((resolve, reject) => {
    const req = factory.open(dbName);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction([store], 'readwrite');
      fn(tx.objectStore(store));
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onabort = () => { db.close(); reject(tx.error); };
    };
  });
}

/** A direct connection that, like an old page, ignores versionchange. */
export function rawConnection(factory, dbName, version) {
  return new Promise((resolve, reject) => {
    const req = factory.open(dbName, version);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => resolve(req.result);
  });
}
