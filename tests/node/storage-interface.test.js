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
