// types/storage-entry.d.ts — the `edgevec-c/storage` entry
// (js/storage/index.js): the browser-safe storage backends, to pass as the
// `storage` option of EdgeVec.open / list / remove or to write one's own.
// NodeFileStorage comes from `edgevec-c/storage/node` instead.
export {
  MemoryStorage, IndexedDbStorage, DEFAULT_CHUNK_BYTES, DEFAULT_TRANSACTION_BYTES,
  acquireWriterLock, InProcessLocks, defaultLocks,
  type EdgeVecStorage, type StorageHandle, type StorageManifest, type StorageState, type LogRecord,
  type StorageOpenOptions, type IndexedDbStorageOptions, type LockManagerLike, type WriterLock,
} from './storage.js';
