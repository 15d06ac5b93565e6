// tests/node/storage-locks.test.js (js/storage/locks.js) — the writer-lock
// helper: exclusive, never queueing, released on demand, the in-realm
// fallback used where navigator.locks is missing (Node 20, old Safari), the
// scope each lock reports, and writer tokens. Real Web Locks across tabs are
// exercised by the browser suite; what fences writers across realms without
// them is tested in storage-writer-lease.test.js.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { acquireWriterLock, defaultLocks, InProcessLocks, IndexedDbStorage, MemoryStorage } from '../../js/storage/index.js';
import { newToken } from '../../js/storage/locks.js';
import { rejectsWith } from './storage-helpers/conformance.js';

describe('writer locks', () => {
  it('are exclusive per name, fail at once with LOCKED, and are released', async () => {
    const locks = new InProcessLocks();
    const a = await acquireWriterLock('edgevec:x', { locks });
    assert.equal(a.name, 'edgevec:x');
    const started = Date.now();
    await rejectsWith(acquireWriterLock('edgevec:x', { locks }), 'LOCKED', /open for writing elsewhere/);
    assert.ok(Date.now() - started < 1000, 'does not wait for the holder');
    const b = await acquireWriterLock('edgevec:y', { locks });
    await a.release();
    await a.release(); // idempotent
    const c = await acquireWriterLock('edgevec:x', { locks });
    await c.release();
    await b.release();
    assert.equal(locks.held.size, 0);
  });

  it('follow the Web Locks callback protocol: held while the callback promise is pending', async () => {
    const locks = new InProcessLocks();
    const lock = await acquireWriterLock('n', { locks });
    let seen = 'unset';
    await locks.request('n', { ifAvailable: true, mode: 'exclusive' }, (l) => { seen = l; });
    assert.equal(seen, null, 'a second ifAvailable request gets null while held');
    await lock.release();
    await locks.request('n', { ifAvailable: true, mode: 'exclusive' }, (l) => { seen = l; });
    assert.deepEqual(seen, { name: 'n', mode: 'exclusive' });
    await assert.rejects(locks.request('n', { ifAvailable: false, mode: 'exclusive' }, () => {}), { code: 'STORAGE' });
  });

  it('fall back to one lock scope per realm without navigator.locks', async () => {
    assert.equal(globalThis.navigator?.locks, undefined, 'Node 20 has no Web Locks');
    assert.ok(defaultLocks() instanceof InProcessLocks);
    assert.equal(defaultLocks(), defaultLocks());
    // Two IndexedDbStorage objects over the same factory in one realm share it.
    const indexedDB = new IDBFactory();
    const h = await new IndexedDbStorage({ indexedDB, IDBKeyRange }).open('realm');
    await rejectsWith(new IndexedDbStorage({ indexedDB, IDBKeyRange }).open('realm'), 'LOCKED');
    await h.close();
    await (await new IndexedDbStorage({ indexedDB, IDBKeyRange }).open('realm')).close();
  });

  it('say how far they reach: the in-realm fallback is realm-wide, a LockManager origin-wide', async () => {
    const fallback = await acquireWriterLock('s', { locks: new InProcessLocks() });
    assert.equal(fallback.scope, 'realm');
    await fallback.release();
    const own = new InProcessLocks();
    const webLocksLike = { request: (name, opts, callback) => own.request(name, opts, callback) };
    const web = await acquireWriterLock('s', { locks: webLocksLike });
    assert.equal(web.scope, 'origin');
    await web.release();
    const node = await acquireWriterLock('s'); // Node 20: no navigator.locks
    assert.equal(node.scope, 'realm');
    await node.release();
  });

  it('newToken names writers with 128 random bits', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => newToken()));
    assert.equal(tokens.size, 1000);
    for (const t of tokens) assert.match(t, /^[0-9a-f]{32}$/);
  });

  it('a failed open releases the lock it took', async () => {
    const locks = new InProcessLocks();
    const broken = new Proxy(new IDBFactory(), {
      get: (t, p) => (p === 'open' ? () => { throw new DOMException('denied', 'SecurityError'); } : Reflect.get(t, p, t)),
    });
    await rejectsWith(new IndexedDbStorage({ indexedDB: broken, IDBKeyRange, locks }).open('x'), 'STORAGE', /SecurityError/);
    assert.equal(locks.held.size, 0);
  });

  it('MemoryStorage instances are separate worlds', async () => {
    const a = await new MemoryStorage().open('same');
    const b = await new MemoryStorage().open('same');
    await a.close();
    await b.close();
  });
});
