// tests/types/worker.ts — worker mode used the way an application would
// (types/worker.d.ts): `worker: true` gives a WorkerEdgeVec whose methods
// all return Promises; `// @ts-expect-error` lines are misuse the types
// must refuse.
import {
  EdgeVec, EdgeVecError, type WorkerEdgeVec, type SearchResult, type InsertBatchResult,
  type WorkerStorage, type EdgeVecErrorCode,
} from 'edgevec-c';

const db = await EdgeVec.create({ dimensions: 128, worker: true });
const typed: WorkerEdgeVec<'bigint'> = db;
const inWorker: true = db.inWorker;
const flat = new Float32Array(128 * 100);
const controller = new AbortController();
const r: InsertBatchResult = await db.insertBatch(flat, {
  transfer: true, signal: controller.signal, onProgress: (done: number, total: number) => { void (done / total); },
});
const hits: SearchResult[] = await db.search(flat.subarray(0, 128), 10, { ef: 64 });
const firstId: bigint | undefined = hits[0]?.id;
const id: bigint = await db.insert(new Float32Array(128));
const deleted: boolean = await db.softDelete(id);
const batch = await db.softDeleteBatch(new BigUint64Array([1n, 2n]), { onProgress: () => undefined });
const total: number = batch.total;
await db.compact();
await db.optimize();
const v: Float32Array | undefined = await db.get(1n);
const has: boolean = await db.has(1n);
const ids: BigUint64Array = await db.ids();
const bytes: Uint8Array = await db.export();
const size: number = db.size + db.deletedCount + db.tombstoneRatio + db.memoryBytes + db.dimensions;
const gone: Promise<void> = db.dispose();
// @ts-expect-error search returns a Promise in worker mode
const notAwaited: SearchResult[] = db.search(flat, 10);
// @ts-expect-error insert returns a Promise in worker mode
const syncId: bigint = db.insert(flat);
// @ts-expect-error transfer is a boolean
await db.insertBatch(flat, { transfer: 1 });

// Number ids, and the script hosted elsewhere.
const numbers = await EdgeVec.create({ dimensions: 3, idType: 'number', worker: { url: '/static/edgevec-worker.js' } });
const numberIds: number[] = await numbers.ids();
const numberHits: SearchResult<'number'>[] = await numbers.search([1, 2, 3], 1);
// @ts-expect-error worker.url is a string or a URL
await EdgeVec.create({ dimensions: 3, worker: { url: 3 } });

// Persisted in the worker: the storage is named, not passed as an object.
const stores: WorkerStorage[] = ['indexeddb', 'memory', { type: 'node-file', root: '/tmp/db' },
  { type: 'indexeddb', options: { durability: 'relaxed' } }];
const persisted = await EdgeVec.open('notes', { dimensions: 3, worker: true, storage: 'indexeddb', autoFlush: 500,
  onFlushError: (e: unknown) => { void e; } });
await persisted.flush();
await persisted.checkpoint();
await persisted.close();
// @ts-expect-error a storage object cannot cross to the worker
await EdgeVec.open('notes', { worker: true, storage: new (await import('edgevec-c')).MemoryStorage() });
const loaded: WorkerEdgeVec<'bigint'> = await EdgeVec.load('/indexes/docs.evsnap', { worker: true });
await EdgeVec.load(bytes, { worker: true, transfer: true });

// Without worker: the main-thread EdgeVec, synchronous search.
const plain = await EdgeVec.create({ dimensions: 3, worker: false });
const syncHits: SearchResult[] = plain.search([1, 2, 3], 1);

function workerFailed(e: unknown): boolean {
  const code: EdgeVecErrorCode | undefined = e instanceof EdgeVecError ? e.code : undefined;
  return code === 'WORKER';
}

export {
  typed, inWorker, r, firstId, deleted, total, v, has, ids, size, gone, notAwaited, syncId, numberIds, numberHits,
  stores, loaded, syncHits, workerFailed,
};
