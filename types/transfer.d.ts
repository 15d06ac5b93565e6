// types/transfer.d.ts — the public contract of `edgevec-c/transfer`: moving
// an index's live ids, vectors and metadata to a server engine and back,
// written by hand (js/transfer/ is type-checked against it).
//
// Two formats, both in ascending id order, one row per live id:
//
// NDJSON: one JSON object per line, each line ending in "\n":
//   {"id":"123","vector":[0.5,-1.25,3]}
//   {"id":"124","vector":[1,0,2],"metadata":{"category":"books","price":12.5}}
//   - `id` is the id as a decimal string (0 .. 2^64 - 1, no sign, no leading
//     zeros), so that 64-bit ids survive JSON readers that parse numbers as
//     doubles. On import a JSON number is accepted too, up to 2^53 - 1.
//   - `vector` holds `dimensions` numbers, each a decimal of at most nine
//     significant digits that reads back as the stored float32 (so the
//     round trip through any reader that parses to float32, or to double
//     and then float32, is exact).
//   - `metadata` is the vector's metadata record, on the lines of vectors
//     that have one; its numbers read back as the same double (a negative
//     zero is "-0"). On import it is an object, or null or absent for none,
//     checked as insertBatch checks records (INVALID_METADATA naming the
//     line). Any other key is refused.
//   On import blank lines are skipped, "\r\n" endings are accepted, and the
//   last line may lack its "\n".
//
// .fvecs + .ivecs (the TEXMEX layout): every row of both files is a
// little-endian int32 count followed by that many little-endian 4-byte
// values.
//   - vectors.fvecs: count = dimensions, then the float32 components.
//   - ids.ivecs: count = 2, then the id's low and high u32 words (an int32
//     cannot hold a 64-bit id). Row i of one file goes with row i of the
//     other. Import also takes count-1 rows (non-negative int32 ids), or no
//     ids file at all: then each row's id is its row number from 0.
//   - No metadata: the format has no place for it. An export of an index
//     with metadata writes the ids and vectors only.
//
// What is exported is what the index stores: under `cosine` the vectors are
// unit length (they were normalised on insert), and with quantization but
// without keepFloats they are the decoded codes. Deleted ids are not
// exported. The metric, dimensions and options are not in the files.

import type { EdgeVec, IdArray, IdType, Metadata } from './index.js';

/** Called with (done, total): rows exported or imported so far, and the
 *  total where it is known (always for an export; for an import when
 *  `options.total` is given or the source is bytes or a string). */
export type TransferProgress = (done: number, total: number | undefined) => void;

/** Bytes to import: whole, a web ReadableStream (`file.stream()`, a fetch
 *  body), or any (async) iterable of chunks (a Node fs stream). */
export type ByteSource =
  | Uint8Array | ArrayBuffer
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | ArrayBuffer>
  | Iterable<Uint8Array | ArrayBuffer>;

/** NDJSON to import: bytes as for ByteSource (UTF-8), or text. */
export type TextSource =
  | ByteSource | string
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | ArrayBuffer | string>
  | Iterable<Uint8Array | ArrayBuffer | string>;

/** One line of the NDJSON format. */
export interface NdjsonRow {
  /** The id as a decimal string. */
  id: string;
  vector: number[];
  /** The vector's metadata: written by an export only where the vector has
   *  some. On import null, absent or `{}` means none; a record insertBatch
   *  would refuse is INVALID_METADATA (with `field` and `reason`). */
  metadata?: Metadata | null;
}

/** A chunk of rows as exportRows yields it. */
export interface RowBatch<T extends IdType = 'bigint'> {
  /** Ascending, continuing the previous chunk's. */
  ids: IdArray<T>;
  /** ids.length × dimensions floats, row i at [i × dimensions, ...). */
  vectors: Float32Array;
  /** One entry per id: its metadata as getMetadata gives it, or null for a
   *  vector without any. */
  metadata: Array<Metadata | null>;
}

/** A chunk of an .fvecs export: append `vectors` to the .fvecs file and
 *  `ids` to the .ivecs file. */
export interface FvecsChunk {
  vectors: Uint8Array;
  ids: Uint8Array;
  /** Rows in this chunk. */
  rows: number;
}

export interface ExportOptions {
  /** Rows per chunk; default: as many as make 65,536 floats. */
  chunkRows?: number;
  /** Rows handed out so far, of `db.size` when the export began. */
  onProgress?: TransferProgress;
}

export interface ImportOptions {
  /** Rows per insertBatch; default: as many as make 2^20 floats (4 MiB). */
  batchSize?: number;
  /** Rows inserted so far (checked, in a dry run), after each batch. */
  onProgress?: TransferProgress;
  /** Rows the source holds, for onProgress where the source does not say. */
  total?: number;
  /** Check every row (format, id, dimensions, finite components, not all
   *  zero under cosine, metadata records, ids unique in the source and not
   *  live in the index, at most 1,024 distinct field names in the source)
   *  and insert nothing. Field names the index already holds are not
   *  counted against its limit of distinct names. Run it first to make
   *  sure an import goes in whole: a real import checks each batch before
   *  inserting it, but a bad row leaves the batches before it in the
   *  index. */
  dryRun?: boolean;
  /** Stops between batches (and between insertBatch's chunks): ABORTED,
   *  with `error.inserted` rows in the index. */
  signal?: AbortSignal;
}

export interface ImportResult {
  /** Rows inserted (checked, in a dry run). */
  rows: number;
}

/** The live rows, ascending by id, in chunks, with their metadata. The ids
 *  are listed when the walk starts and each vector and record is read as
 *  its chunk is made: keep the index unchanged until the export ends (an
 *  id deleted meanwhile is NOT_FOUND). */
export function exportRows<T extends IdType>(db: EdgeVec<T>, options?: ExportOptions): AsyncGenerator<RowBatch<T>, void, undefined>;

/** The live rows as NDJSON bytes, chunk by chunk, with their metadata. */
export function exportNdjson<T extends IdType>(db: EdgeVec<T>, options?: ExportOptions): AsyncGenerator<Uint8Array, void, undefined>;

/** The live rows as .fvecs and .ivecs bytes, chunk by chunk: ids and
 *  vectors only, as the format has no place for metadata. */
export function exportFvecs<T extends IdType>(db: EdgeVec<T>, options?: ExportOptions): AsyncGenerator<FvecsChunk, void, undefined>;

/** Reads NDJSON rows and inserts them with their ids and metadata, in
 *  batches.
 *
 *  Errors (both imports), besides those of insertBatch: INVALID_ARGUMENT
 *  (not the format: not JSON, an unknown key, a truncated row, ids that end
 *  before the vectors, ...), DIMENSION_MISMATCH, INVALID_VECTOR,
 *  INVALID_ID, ID_NOT_SAFE_INTEGER, DUPLICATE_ID, INVALID_METADATA (NDJSON:
 *  with `error.field`, `error.reason` and `error.id`), ABORTED.
 *  `error.index` is the 0-based row in the source (the message also names the NDJSON line,
 *  1-based) and `error.inserted` how many rows, from the first, are in the
 *  index: those of the batches before the bad row's batch, since a batch
 *  is checked whole before it is inserted. */
export function importNdjson<T extends IdType>(db: EdgeVec<T>, source: TextSource, options?: ImportOptions): Promise<ImportResult>;

/** Reads .fvecs rows (ids from `ids`, or row numbers) and inserts them in
 *  batches, without metadata. */
export function importFvecs<T extends IdType>(db: EdgeVec<T>, sources: { vectors: ByteSource; ids?: ByteSource }, options?: ImportOptions): Promise<ImportResult>;

/** An export as a web ReadableStream (for a download, a fetch body, a
 *  file handle's pipeTo), read one chunk at a time. */
export function toReadableStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array>;
