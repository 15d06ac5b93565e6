// tests/types/transfer.ts — `edgevec-c/transfer` used the way an application
// would; `// @ts-expect-error` lines are misuse the types must refuse.
import { EdgeVec } from 'edgevec-c';
import {
  exportNdjson, exportFvecs, exportRows, importNdjson, importFvecs, toReadableStream,
  type FvecsChunk, type ImportResult, type NdjsonRow, type RowBatch, type TransferProgress,
} from 'edgevec-c/transfer';

const db = await EdgeVec.create({ dimensions: 3 });
const numbers = await EdgeVec.create({ dimensions: 3, idType: 'number' });
const progress: TransferProgress = (done: number, total: number | undefined) => { void done; void total; };

for await (const chunk of exportNdjson(db, { chunkRows: 100, onProgress: progress })) {
  const bytes: Uint8Array = chunk;
  void bytes;
}
for await (const chunk of exportFvecs(numbers)) {
  const c: FvecsChunk = chunk;
  const rows: number = c.rows;
  void rows;
}
for await (const batch of exportRows(db)) {
  const ids: BigUint64Array = batch.ids;
  const b: RowBatch = batch;
  void ids; void b;
}
for await (const batch of exportRows(numbers)) {
  const ids: number[] = batch.ids;
  void ids;
}
const stream: ReadableStream<Uint8Array> = toReadableStream(exportNdjson(db));

const r1: ImportResult = await importNdjson(db, '{"id":"1","vector":[1,2,3]}\n', { batchSize: 1000, dryRun: true });
await importNdjson(db, stream, { onProgress: progress, total: 10, signal: new AbortController().signal });
await importNdjson(numbers, new Uint8Array(0));
await importFvecs(db, { vectors: new Uint8Array(16), ids: [new Uint8Array(12)] });
await importFvecs(db, { vectors: new ArrayBuffer(16) });
const rows: number = r1.rows;
const line: NdjsonRow = { id: '18446744073709551615', vector: [1, 2, 3] };
void rows; void line;

// @ts-expect-error ids are strings in the NDJSON format
const badLine: NdjsonRow = { id: 1, vector: [] };
// @ts-expect-error metadata is reserved: not stored yet
const withMeta: NdjsonRow = { id: '1', vector: [], metadata: { a: 1 } };
// @ts-expect-error importFvecs takes { vectors, ids? }
await importFvecs(db, new Uint8Array(16));
// @ts-expect-error a source is bytes, text or streams of them
await importNdjson(db, 42);
// @ts-expect-error dryRun is a boolean
await importNdjson(db, '', { dryRun: 'yes' });
void badLine; void withMeta;
