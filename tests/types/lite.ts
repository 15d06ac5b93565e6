// tests/types/lite.ts — the `edgevec-c/lite` entry used the way an
// application would, with the types a user gets; `// @ts-expect-error`
// lines are misuse the types must refuse (tsc fails if any of them
// compiles), among them everything the lite entry leaves out.
import {
  EdgeVec, EdgeVecError, type CreateOptions, type InsertBatchOptions, type SearchOptions, type SearchResult,
  type BatchDeleteResult, type EdgeVecErrorCode, type Id, type IdArray, type InsertBatchResult, type Metric,
  type Quantization,
} from 'edgevec-c/lite';
import { EdgeVecError as FullEdgeVecError, type SearchResult as FullSearchResult } from 'edgevec-c';

// ---- create ---------------------------------------------------------------
const db = await EdgeVec.create({ dimensions: 3, metric: 'cosine', m: 16, efConstruction: 200, efSearch: 64, seed: 42n });
const typed: EdgeVec<'bigint'> = db;
const numbers = await EdgeVec.create({ dimensions: 3, idType: 'number', quantization: 'sq8', keepFloats: true, rerank: 8 });
const numbersTyped: EdgeVec<'number'> = numbers;
const options: CreateOptions = { dimensions: 8, wasmBinary: new Uint8Array(8), locateFile: (path) => `/static/${path}` };
await EdgeVec.create(options);
const metric: Metric = db.metric;
const quantization: Quantization = numbers.quantization;

// @ts-expect-error dimensions is required
await EdgeVec.create({ metric: 'l2' });
// @ts-expect-error no such metric
await EdgeVec.create({ dimensions: 3, metric: 'euclidean' });
// @ts-expect-error instances come from EdgeVec.create
new EdgeVec();
// @ts-expect-error automatic compaction is not in the lite entry
await EdgeVec.create({ dimensions: 3, autoCompact: false });
// @ts-expect-error threads are not in the lite entry
await EdgeVec.create({ dimensions: 3, threads: 1 });
// @ts-expect-error worker mode is not in the lite entry
await EdgeVec.create({ dimensions: 3, worker: true });

// ---- insert ---------------------------------------------------------------
const batch: InsertBatchOptions = { ids: new BigUint64Array([1n, 2n]), onProgress: (done, total) => void (done / total) };
const inserted: InsertBatchResult<'bigint'> = await db.insertBatch(new Float32Array(6), batch);
const ids: BigUint64Array = inserted.ids;
const numberIds: number[] = (await numbers.insertBatch([[1, 2, 3], new Float32Array(3)], { ids: [7, 8] })).ids;
const one: bigint = db.insert([1, 2, 3]);
const oneNumber: number = numbers.insert([1, 2, 3], 9);
// @ts-expect-error metadata is not in the lite entry
db.insert([1, 2, 3], 4n, { category: 'books' });
// @ts-expect-error metadata is not in the lite entry
await db.insertBatch([[1, 2, 3]], { metadata: [{ a: 1 }] });

// ---- search ---------------------------------------------------------------
const search: SearchOptions = { ef: 50 };
const hits: SearchResult<'bigint'>[] = db.search([1, 0, 0], 2, search);
const first: bigint | undefined = hits[0]?.id;
const asFull: FullSearchResult<'bigint'>[] = hits;
const perQuery: SearchResult<'number'>[][] = numbers.searchBatch(new Float32Array(6), 1);
const numberHit: number | undefined = perQuery[0]?.[0]?.id;
// @ts-expect-error filters are not in the lite entry
db.search([1, 0, 0], 2, { filter: { category: 'books' } });
// @ts-expect-error neither is metadata in results
db.search([1, 0, 0], 2, { includeMetadata: true });
// @ts-expect-error a lite result has no metadata
hits[0]?.metadata;

// ---- delete, compact, read ------------------------------------------------
const deleted: boolean = db.softDelete(one);
const many: BatchDeleteResult = db.softDeleteBatch([1n, 2], { onProgress: () => {} });
db.compact();
await db.optimize();
const vector: Float32Array | undefined = db.get(2n);
const live: boolean = db.has(2);
const all: IdArray<'bigint'> = db.ids();
const counts: number[] = [db.size, db.deletedCount, db.tombstoneRatio, db.dimensions, db.memoryBytes];
const done: boolean = db.disposed;
const id: Id<'number'> = oneNumber;

// ---- what the lite entry leaves out ---------------------------------------
// @ts-expect-error no persistence
await EdgeVec.open('notes');
// @ts-expect-error no loading of snapshots
await EdgeVec.load(new Uint8Array(0));
// @ts-expect-error no filter syntax
EdgeVec.parseFilter('a = 1');
// @ts-expect-error no metadata
db.getMetadata(1n);
// @ts-expect-error no count with a filter
db.count();
// @ts-expect-error no background compaction
await db.compactInBackground();
// @ts-expect-error no export
await db.export();
// @ts-expect-error no threads
db.threads;
// @ts-expect-error no close(): dispose() frees the index
await db.close();

// ---- errors ---------------------------------------------------------------
try {
  db.insert([1, 2]);
} catch (e) {
  // The lite entry's EdgeVecError is the package's.
  if (e instanceof EdgeVecError && e instanceof FullEdgeVecError) {
    const code: EdgeVecErrorCode = e.code;
    const index: number | undefined = e.index;
    void code; void index;
  }
}

{
  using scoped = await EdgeVec.create({ dimensions: 2 });
  scoped.insert([1, 2]);
}
db.dispose();

export {
  typed, numbersTyped, metric, quantization, ids, numberIds, first, asFull, numberHit, deleted, many, vector, live,
  all, counts, done, id,
};
