// tests/types/transfer.ts — `edgevec-c/transfer` used the way an application
// would; `// @ts-expect-error` lines are misuse the types must refuse.
import { EdgeVec, type Metadata } from 'edgevec-c';
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
  // One entry per id: the record, or null for none.
  const first: Metadata | null = batch.metadata[0];
  const category: string | number | boolean | string[] | undefined = first?.category;
  void ids; void b; void category;
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
const withMeta: NdjsonRow = { id: '1', vector: [1, 2, 3], metadata: { a: 1, b: 'x', c: true, d: ['e'] } };
const noMeta: NdjsonRow = { id: '2', vector: [1, 2, 3], metadata: null };
void rows; void line; void withMeta; void noMeta;

// @ts-expect-error ids are strings in the NDJSON format
const badLine: NdjsonRow = { id: 1, vector: [] };
// @ts-expect-error metadata values are strings, numbers, booleans or arrays of strings
const nestedMeta: NdjsonRow = { id: '1', vector: [], metadata: { a: { b: 1 } } };
// @ts-expect-error a batch's metadata entry is null for a vector without any
const entry: Metadata = (null as unknown as RowBatch).metadata[0];
// @ts-expect-error importFvecs takes { vectors, ids? }
await importFvecs(db, new Uint8Array(16));
// @ts-expect-error a source is bytes, text or streams of them
await importNdjson(db, 42);
// @ts-expect-error dryRun is a boolean
await importNdjson(db, '', { dryRun: 'yes' });
void badLine; void nestedMeta; void entry;
