// tests/node/storage-interface.test.js (js/storage/interface.js) — runs the
// storage conformance suite (the interface's rules) against the three backends:
// MemoryStorage, NodeFileStorage over a temporary directory, and
// IndexedDbStorage over fake-indexeddb (a fresh factory per test, no globals).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { MemoryStorage, IndexedDbStorage, InProcessLocks } from '../../js/storage/index.js';
import { NodeFileStorage } from '../../js/storage/node-file.js';
import { storageConformance } from './storage-helpers/conformance.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameBytes } from '../../js/storage/interface.js';

storageConformance('MemoryStorage', async () => {
  const storage = new MemoryStorage();
  return { storage, reopen: () => storage };
});

storageConformance('NodeFileStorage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-storage-'));
  return {
    storage: new NodeFileStorage(dir),
    reopen: () => new NodeFileStorage(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

// Small chunks so that every snapshot above spans many chunks and several
// transactions; the default sizes are exercised by the browser suite.
storageConformance('IndexedDbStorage (fake-indexeddb)', async () => {
  const indexedDB = new IDBFactory();
  const locks = new InProcessLocks(); // one "origin": instances share the locks
  const make = () => new IndexedDbStorage({ indexedDB, IDBKeyRange, locks, chunkBytes: 1000, transactionBytes: 4000 });
  return { storage: make(), reopen: make };
});

storageConformance('IndexedDbStorage (fake-indexeddb, default chunking)', async () => {
  const indexedDB = new IDBFactory();
  const locks = new InProcessLocks();
  const make = () => new IndexedDbStorage({ indexedDB, IDBKeyRange, locks });
  return { storage: make(), reopen: make };
});

test('sameBytes: equal and unequal bytes, in the word-wise part, in the tail, and at unaligned offsets', () => {
  const a = Uint8Array.from({ length: 23 }, (_, i) => i * 7);
  assert.equal(sameBytes(a, a.slice()), true);
  assert.equal(sameBytes(null, null), true);
  assert.equal(sameBytes(a, null), false);
  assert.equal(sameBytes(a, a.subarray(0, 22)), false);
  for (const at of [0, 5, 21, 22]) {
    const b = a.slice();
    b[at] ^= 1;
    assert.equal(sameBytes(a, b), false, `byte ${at}`);
  }
  // Views at odd offsets take the byte-wise path.
  const wide = new Uint8Array(30);
  wide.set(a, 3);
  assert.equal(sameBytes(wide.subarray(3, 26), a), true);
  wide[20] ^= 1;
  assert.equal(sameBytes(wide.subarray(3, 26), a), false);
});
