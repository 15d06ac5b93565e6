// tests/types/usage.ts — the API used the way an application would, with
// the types a user gets; `// @ts-expect-error` lines are misuse the types
// must refuse (tsc fails if any of them compiles).
import {
  EdgeVec, EdgeVecError, type EdgeVecStorage, type OpenOptions,
  type BatchDeleteResult, type CreateOptions, type EdgeVecErrorCode, type Id, type IdsInput,
  type InsertBatchResult, type Metric, type SearchResult, type VectorsInput, type DroppedLogRecord,
  type OpenReport, type PersistOperation, type LoadSource, type LoadOptions, type FollowChange,
  type BecomeWriterOptions, type StorageHandle, type StorageOpenOptions,
  type AutoCompactOptions, type CompactInBackgroundOptions, type CompactionResult,
} from 'edgevec-c';
import { MemoryStorage, IndexedDbStorage } from 'edgevec-c/storage';

// ---- create ---------------------------------------------------------------
const db = await EdgeVec.create({ dimensions: 128 });
const typed: EdgeVec<'bigint'> = db;
const cosine = await EdgeVec.create({ dimensions: 3, metric: 'cosine', m: 16, efConstruction: 200, efSearch: 64, seed: 42n });
const numbers = await EdgeVec.create({ dimensions: 3, idType: 'number' });
const quantized = await EdgeVec.create({ dimensions: 768, quantization: 'sq8', keepFloats: true, rerank: 50 });
const q: 'none' | 'sq8' | 'binary' = quantized.quantization;
// @ts-expect-error no such quantization
await EdgeVec.create({ dimensions: 3, quantization: 'pq' });
// @ts-expect-error keepFloats is a boolean
await EdgeVec.create({ dimensions: 3, quantization: 'sq8', keepFloats: 1 });
const numbersTyped: EdgeVec<'number'> = numbers;
const options: CreateOptions = { dimensions: 8, wasmBinary: new Uint8Array(8), locateFile: (path) => `/static/${path}` };
await EdgeVec.create(options);

// @ts-expect-error dimensions is required
await EdgeVec.create({ metric: 'l2' });
// @ts-expect-error no such metric
await EdgeVec.create({ dimensions: 3, metric: 'euclidean' });
// @ts-expect-error idType is 'bigint' or 'number'
await EdgeVec.create({ dimensions: 3, idType: 'string' });
// @ts-expect-error options are required
await EdgeVec.create();
// @ts-expect-error instances come from EdgeVec.create
new EdgeVec();

// ---- insert ---------------------------------------------------------------
const flat = new Float32Array(128 * 10);
const r1: InsertBatchResult = await db.insertBatch(flat);
const assigned: BigUint64Array = r1.ids;
await db.insertBatch([new Float32Array(128), new Float32Array(128)], { ids: new BigUint64Array([1n, 2n]) });
await db.insertBatch([[1, 2, 3]], { ids: [7] });
await db.insertBatch([[1, 2, 3]], { ids: [7n, 8] });
const controller = new AbortController();
await db.insertBatch(flat, {
  onProgress: (done: number, total: number) => { console.log(done / total); },
  signal: controller.signal,
});
const shapes: VectorsInput[] = [flat, [flat], [[1, 2]], [new Float32Array(2), [1, 2]]];
const r2 = await numbers.insertBatch([[1, 2, 3]]);
const numberIds: number[] = r2.ids;
const newId: bigint = db.insert(new Float32Array(128));
const newNumberId: number = numbers.insert([1, 2, 3], 5);
db.insert([1, 2, 3], 2n ** 60n);

// @ts-expect-error a Float64Array is not a vector batch
await db.insertBatch(new Float64Array(10));
// @ts-expect-error ids are numbers or bigints
await db.insertBatch(flat, { ids: ['a'] });
// @ts-expect-error progress gets numbers
await db.insertBatch(flat, { onProgress: (done: string) => done });
// @ts-expect-error a bigint index returns bigint ids, not number[]
const wrongIds: number[] = r1.ids;
// @ts-expect-error a number index returns number ids
const wrongId: bigint = numbers.insert([1, 2, 3]);
// @ts-expect-error an id is not a string
db.insert([1], '5');

// ---- search ---------------------------------------------------------------
const hits: SearchResult[] = db.search(new Float32Array(128), 10);
const nearest: bigint | undefined = hits[0]?.id;
const d: number | undefined = hits[0]?.distance;
const exact = db.search([1, 2, 3], 10, { ef: 400 });
const numberHits: SearchResult<'number'>[] = numbers.search([1, 2, 3], 1);
const n0: number | undefined = numberHits[0]?.id;
const anyId: Id<'bigint'> | Id<'number'> = numberHits[0]?.id ?? 0;

// @ts-expect-error k is required
db.search([1, 2, 3]);
// @ts-expect-error k is a number
db.search([1, 2, 3], '10');
// @ts-expect-error no such search option
db.search([1, 2, 3], 10, { efSearch: 10 });
// @ts-expect-error a number index gives number ids
const wrongHit: bigint | undefined = numbers.search([1, 2, 3], 1)[0]?.id;

// ---- delete, compact, get, has, properties --------------------------------
const deleted: boolean = db.softDelete(1n);
numbers.softDelete(1);
const ids: IdsInput = new BigUint64Array([1n, 2n]);
const result: BatchDeleteResult = db.softDeleteBatch(ids, { onProgress: (done, total) => done < total });
db.softDeleteBatch([1, 2n, 3]);
const counts: number = result.deleted + result.alreadyDeleted + result.invalidIds + result.total;
db.compact();
const background: CompactionResult = await db.compactInBackground({
  sliceMs: 8, signal: new AbortController().signal, onProgress: (done, total) => done < total,
});
const sliceTimes: number[] = background.sliceTimes;
const sliceCount: number = background.slices + background.finishMs;
const superseded: boolean = background.superseded;
await db.compactInBackground();
const compacting: boolean = db.compacting;
const optimized: Promise<void> = db.optimize();
await optimized;
// @ts-expect-error optimize takes no options
await db.optimize({ order: 'bfs' });
await EdgeVec.create({ dimensions: 3, autoOptimize: false });
await EdgeVec.open('ordered', { autoOptimize: true });
await EdgeVec.create({ dimensions: 3, worker: true, autoOptimize: false });
// @ts-expect-error autoOptimize is a boolean
await EdgeVec.create({ dimensions: 3, autoOptimize: 'auto' });
const policy: AutoCompactOptions = { tombstoneRatio: 0.3, minDeleted: 500, sliceMs: 4 };
await EdgeVec.create({ dimensions: 3, autoCompact: policy });
await EdgeVec.create({ dimensions: 3, autoCompact: false });
await EdgeVec.open('auto', { autoCompact: { tombstoneRatio: 0.5 } });
const compactOptions: CompactInBackgroundOptions = {};
await db.compactInBackground(compactOptions);
// @ts-expect-error autoCompact is a boolean or a policy object
await EdgeVec.create({ dimensions: 3, autoCompact: 0.3 });
// @ts-expect-error no such policy field
await EdgeVec.create({ dimensions: 3, autoCompact: { ratio: 0.3 } });
// @ts-expect-error sliceMs is a number
await db.compactInBackground({ sliceMs: '8' });
// @ts-expect-error compacting is read-only
db.compacting = true;
const vector: Float32Array | undefined = db.get(1n);
const present: boolean = db.has(1);
const props: [number, number, number, number, number, Metric, 'bigint', boolean] = [
  db.size, db.deletedCount, db.tombstoneRatio, db.dimensions, db.memoryBytes, db.metric, db.idType, db.disposed,
];

// @ts-expect-error get may return undefined
const mustExist: Float32Array = db.get(1n);
// @ts-expect-error size is read-only
db.size = 3;
// @ts-expect-error softDeleteBatch takes ids, not vectors
db.softDeleteBatch([[1, 2]]);

// ---- errors and dispose ---------------------------------------------------
try {
  await db.insertBatch([]);
} catch (e) {
  if (e instanceof EdgeVecError) {
    const code: EdgeVecErrorCode = e.code;
    const where: number | undefined = e.index;
    const kept: number | undefined = e.inserted;
    if (e.code === 'DUPLICATE_ID' || e.code === 'ABORTED') console.log(code, where, kept);
    // @ts-expect-error not a code of this package
    if (e.code === 'EEXIST') console.log('never');
  }
}
db.dispose();
cosine[Symbol.dispose]();
{
  using scoped = await EdgeVec.create({ dimensions: 2 });
  scoped.insert([1, 2]);
}

// ---- persistence ----------------------------------------------------------
const storage: EdgeVecStorage = new MemoryStorage();
const stored = await EdgeVec.open('notes', { storage, dimensions: 384, metric: 'cosine', autoFlush: 250 });
const storedTyped: EdgeVec<'bigint'> = stored;
const reopened = await EdgeVec.open('notes', { storage, idType: 'number', readOnly: true });
const reopenedId: number | undefined = reopened.search(new Float32Array(384), 1)[0]?.id;
await EdgeVec.open('notes');
await EdgeVec.open('notes', { storage: new IndexedDbStorage(), autoFlush: true, autoCheckpoint: false,
  onFlushError: (e: unknown) => console.error(e) });
const salvaged = await EdgeVec.open('notes', { storage, dropDamagedLog: true });
const dropped: readonly DroppedLogRecord[] = salvaged.openReport?.droppedLogRecords ?? [];
const droppedSeqs: number[] = dropped.map((r) => r.seq + r.bytes);
const report: OpenReport | undefined = salvaged.openReport;
try { await salvaged.close(); } catch (e) {
  if (e instanceof EdgeVecError && e.code === 'CORRUPT') console.error(e.seq, e.offset);
  if (e instanceof EdgeVecError) { const op: PersistOperation | undefined = e.operation; console.error(op); }
}
const openOptions: OpenOptions = { storage, autoFlush: false };
await EdgeVec.open('other', openOptions);
await stored.flush();
await stored.checkpoint();
await stored.close();
const names: string[] = await EdgeVec.list(storage);
await EdgeVec.remove('notes', storage);
await EdgeVec.list();

// ---- tabs: following the writer, waiting for it --------------------------
const follower = await EdgeVec.open('notes', {
  storage, readOnly: true, follow: true, followIntervalMs: 10_000, idType: 'number',
  onChange: (c: FollowChange) => console.log(c.seq, c.generation, c.size, c.reloaded),
  onFollowError: (e: unknown) => { if (e instanceof EdgeVecError && e.code === 'CORRUPT') console.error(e.seq); },
});
const change: FollowChange = await follower.refresh();
const changedSize: number = change.size;
const stop = new AbortController();
const becomeOptions: BecomeWriterOptions = { signal: stop.signal };
await follower.becomeWriter(becomeOptions);
await follower.becomeWriter();
follower.insert([1, 2, 3]);
const waited = await EdgeVec.open('notes', { storage, waitForWriter: true, signal: AbortSignal.timeout(5000) });
try { await waited.close(); } catch (e) { if (e instanceof EdgeVecError && e.code === 'ABORTED') console.error(e); }

// The storage level: a writable open that queues for the writer's lock,
// and the channel its writers announce on.
const waitOptions: StorageOpenOptions = { waitForWriter: true, signal: stop.signal };
const raw: StorageHandle = await storage.open('notes', waitOptions);
const channelName: string | undefined = raw.changeChannel;
await raw.close();
// @ts-expect-error waitForWriter is a boolean
await storage.open('notes', { waitForWriter: 1 });

// @ts-expect-error follow is a boolean
await EdgeVec.open('notes', { readOnly: true, follow: 'yes' });
// @ts-expect-error a change reports numbers
const badSeq: string = change.seq;
// @ts-expect-error change facts are read-only
change.size = 3;
// @ts-expect-error signal is an AbortSignal
await follower.becomeWriter({ signal: true });
// @ts-expect-error refresh takes no arguments
await follower.refresh(5);

// @ts-expect-error the name comes first
await EdgeVec.open({ dimensions: 3 });
// @ts-expect-error autoFlush is a boolean or milliseconds
await EdgeVec.open('notes', { autoFlush: 'always' });
// @ts-expect-error a storage has open/list/remove/sizeBytes
await EdgeVec.open('notes', { storage: {} });
// @ts-expect-error dropDamagedLog is a boolean
await EdgeVec.open('notes', { dropDamagedLog: 'yes' });
// @ts-expect-error openReport is read-only
salvaged.openReport = undefined;
// @ts-expect-error flush resolves to nothing
const flushed: number = await stored.flush();

// ---- export / load --------------------------------------------------------
const shipped: Uint8Array = await db.export();
const fromBytes: EdgeVec<'bigint'> = await EdgeVec.load(shipped);
const fromUrl = await EdgeVec.load('/index.evsnap', {
  idType: 'number', signal: new AbortController().signal, onProgress: (got, total) => console.log(got / total),
});
const fromUrlId: number | undefined = fromUrl.search([1, 2, 3], 1)[0]?.id;
await EdgeVec.load(new URL('https://example.com/index.evsnap'));
await EdgeVec.load(await fetch('/index.evsnap'));
await EdgeVec.load(shipped.buffer as ArrayBuffer);
const loadOptions: LoadOptions = { persistAs: 'notes', storage, autoFlush: true };
const source: LoadSource = shipped;
const persistedCopy = await EdgeVec.load(source, loadOptions);
await persistedCopy.close();
try {
  await EdgeVec.load('/missing');
} catch (e) {
  if (e instanceof EdgeVecError && e.code === 'FETCH') console.error(e.httpStatus);
  if (e instanceof EdgeVecError && e.code === 'ALREADY_EXISTS') console.error(e.message);
}
// @ts-expect-error a Blob is loaded through new Response(blob)
await EdgeVec.load(new Blob([shipped]));
// @ts-expect-error persistAs is a name
await EdgeVec.load(shipped, { persistAs: 1 });
// @ts-expect-error export resolves to bytes
const exportedText: string = await db.export();

export {
  fromBytes, fromUrlId, exportedText,
  q, storedTyped, reopenedId, names, flushed, droppedSeqs, report,
  typed, numbersTyped, assigned, shapes, numberIds, newId, newNumberId, wrongIds, wrongId, nearest, d, exact,
  n0, anyId, wrongHit, deleted, counts, vector, present, props, mustExist,
};
