// js/storage/index.js — the browser-safe storage exports. NodeFileStorage is
// deliberately not re-exported here: it imports node:fs, so it lives behind
// its own path (js/storage/node-file.js) that only Node code imports.

export { MemoryStorage } from './memory.js';
export { IndexedDbStorage, DEFAULT_CHUNK_BYTES, DEFAULT_TRANSACTION_BYTES } from './indexeddb.js';
export { acquireWriterLock, InProcessLocks, defaultLocks } from './locks.js';
