// Types of the storage layer (js/storage/): the interface the EdgeVec class
// persists through, and its three backends. The `edgevec-c/storage` entry
// (./storage-entry.d.ts) re-exports the browser-safe backends, ./index.d.ts
// the types only; NodeFileStorage is what only the Node entry
// (js/storage/node-file.js) provides at run time.

/** What names the current snapshot of a database. */
export interface StorageManifest {
  /** Increases by one with every writeSnapshot. */
  generation: number;
  /** The last log sequence number the snapshot contains (0: none). */
  snapshotSeq: number;
  /** Length of the snapshot in bytes. */
  snapshotBytes: number;
}

/** One committed log record. */
export interface LogRecord {
  seq: number;
  bytes: Uint8Array;
}

/** Everything needed to load a database, read from one consistent state. */
export interface StorageState {
  /** null before the first snapshot. */
  manifest: StorageManifest | null;
  /** null before the first snapshot. */
  snapshot: Uint8Array | null;
  /** Records after manifest.snapshotSeq, ascending. */
  log: LogRecord[];
}

export interface StorageOpenOptions {
  /** Take no writer lock and never write; NOT_FOUND if the database is missing. */
  readOnly?: boolean;
  /** Writable opens: where the writer lock can queue (a Web Lock), wait
   *  in its queue for the current writer to go instead of failing with
   *  LOCKED at once. Where it cannot, the open still fails with LOCKED
   *  (EdgeVec.open's waitForWriter then retries with back-off). */
  waitForWriter?: boolean;
  /** Ends such a wait with ABORTED. */
  signal?: AbortSignal;
}

/**
 * An open database. Every write is atomic: after a crash the database is as
 * before the call or as after it. Bytes passed in are copied (exact size);
 * bytes returned belong to the caller. Failures reject with an EdgeVecError:
 * STORAGE_QUOTA, STORAGE_BLOCKED, LOCKED, NOT_FOUND, STORAGE, or for stored
 * bytes that are damaged or missing CORRUPT (`section` 'manifest',
 * 'snapshot' or 'log', and `file` / `generation` / `chunk` / `seq` naming the
 * object), for data of a newer release UNSUPPORTED_VERSION. A writable open
 * deletes nothing; a failed open leaves every stored object as it was.
 */
export interface StorageHandle {
  readonly name: string;
  readonly readOnly: boolean;
  /** The BroadcastChannel on which writers announce each stored commit and
   *  checkpoint (`{ kind, seq, generation }`), for followers; without one
   *  a database is followed by polling only. */
  readonly changeChannel?: string;
  readManifest(): Promise<StorageManifest | null>;
  /** The current snapshot; STORAGE if `generation` is not the current one,
   *  CORRUPT if it is missing or not the one the manifest names. */
  readSnapshot(generation: number): Promise<Uint8Array>;
  /** Records with seq > max(afterSeq, snapshotSeq), ascending. */
  readLog(afterSeq?: number): Promise<LogRecord[]>;
  /** Manifest, snapshot and log from one consistent state. */
  load(): Promise<StorageState>;
  /** One commit. `seq` must exceed every stored sequence number and snapshotSeq. */
  appendLog(seq: number, bytes: Uint8Array): Promise<void>;
  /**
   * One checkpoint: the new snapshot becomes current and log records <= seq
   * are deleted, all at one commit point. `seq` >= the current snapshotSeq.
   */
  writeSnapshot(bytes: Uint8Array, seq: number): Promise<StorageManifest>;
  /**
   * Writers only: deletes what interrupted writes left (snapshot pieces of
   * other generations, temporary files, log records <= snapshotSeq). Call it
   * only once the snapshot and the log have been read and decoded without
   * error; EdgeVec.open does. A storage whose writes leave nothing behind
   * may omit it.
   */
  removeLeftovers?(): Promise<void>;
  /** Snapshot plus log bytes. */
  sizeBytes(): Promise<number>;
  /** Waits for the writes already made, then releases the writer lock. Idempotent. */
  close(): Promise<void>;
}

/** A place that holds named databases. */
export interface EdgeVecStorage {
  /** Creates the database if missing (unless readOnly). A second writer gets LOCKED. */
  open(name: string, options?: StorageOpenOptions): Promise<StorageHandle>;
  /** Names of existing databases, sorted. */
  list(): Promise<string[]>;
  /** Deletes a database; no-op if missing; LOCKED while a writer has it open. */
  remove(name: string): Promise<void>;
  /** Snapshot plus log bytes; 0 if missing. */
  sizeBytes(name: string): Promise<number>;
}

/** Keeps databases in memory, for tests and ephemeral use. */
export declare class MemoryStorage implements EdgeVecStorage {
  constructor();
  open(name: string, options?: StorageOpenOptions): Promise<StorageHandle>;
  list(): Promise<string[]>;
  remove(name: string): Promise<void>;
  sizeBytes(name: string): Promise<number>;
}

/** The options of a lock request the storages make: `ifAvailable` to fail
 *  at once, or a queued request (waitForWriter) that `signal` can end. */
export interface LockRequestOptions {
  mode: 'exclusive';
  ifAvailable?: boolean;
  signal?: AbortSignal;
}

/** The part of the Web Locks `LockManager` the storages use. */
export interface LockManagerLike {
  request(
    name: string,
    options: LockRequestOptions,
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown>;
}

export interface IndexedDbStorageOptions {
  /** Default: globalThis.indexedDB. */
  indexedDB?: IDBFactory;
  /** Default: globalThis.IDBKeyRange. */
  IDBKeyRange?: typeof IDBKeyRange;
  /** Default 'strict'; 'relaxed' may lose the last commits on power loss. */
  durability?: 'strict' | 'relaxed';
  /** Snapshot chunk size in bytes; default DEFAULT_CHUNK_BYTES (2 MiB). */
  chunkBytes?: number;
  /** Chunk bytes per transaction before a checkpoint's final one; default 8 MiB. */
  transactionBytes?: number;
  /** IndexedDB database name prefix; default 'edgevec:'. */
  prefix?: string;
  /** An open or delete neither done nor reported blocked after this long fails with STORAGE_BLOCKED; default 10000. */
  openTimeoutMs?: number;
  /** Default navigator.locks, else a lock scoped to this JS realm. */
  locks?: LockManagerLike;
}

/** The browser default: one IndexedDB database per EdgeVec database. */
export declare class IndexedDbStorage implements EdgeVecStorage {
  /** Schema version of the IndexedDB databases this release creates. */
  static SCHEMA_VERSION: number;
  constructor(options?: IndexedDbStorageOptions);
  open(name: string, options?: StorageOpenOptions): Promise<StorageHandle>;
  list(): Promise<string[]>;
  remove(name: string): Promise<void>;
  sizeBytes(name: string): Promise<number>;
}

export declare const DEFAULT_CHUNK_BYTES: number;
export declare const DEFAULT_TRANSACTION_BYTES: number;

export interface NodeFileStorageOptions {
  /** Default 'strict' (fsync every file and directory change). */
  durability?: 'strict' | 'relaxed';
}

/** Node only (import from the Node entry): a directory per database. */
export declare class NodeFileStorage implements EdgeVecStorage {
  constructor(root: string, options?: NodeFileStorageOptions);
  open(name: string, options?: StorageOpenOptions): Promise<StorageHandle>;
  list(): Promise<string[]>;
  remove(name: string): Promise<void>;
  sizeBytes(name: string): Promise<number>;
}

/** A held writer lock. */
export interface WriterLock {
  readonly name: string;
  /** Who else it excludes: every tab and worker of the origin (a Web Lock), or only this JS realm (the fallback). */
  readonly scope: 'origin' | 'realm';
  /** Idempotent; resolves once the lock is free. */
  release(): Promise<void>;
}

/**
 * Takes the exclusive lock `name` at once or fails with LOCKED (never
 * queues). The storages take `edgevec:<database>` themselves on a writable
 * open; call this only for other resources.
 */
export declare function acquireWriterLock(
  name: string,
  options?: { locks?: LockManagerLike; wait?: boolean; signal?: AbortSignal },
): Promise<WriterLock>;

/** Locks scoped to one JS realm: the fallback where Web Locks are missing. */
export declare class InProcessLocks implements LockManagerLike {
  constructor();
  request(
    name: string,
    options: LockRequestOptions,
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown>;
}

/** navigator.locks, or the realm's InProcessLocks. */
export declare function defaultLocks(): LockManagerLike;
