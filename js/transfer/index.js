// js/transfer/index.js — the `edgevec-c/transfer` entry: an index's ids,
// vectors and metadata out to a server engine (LanceDB, Qdrant, pgvector,
// ...) and back in, as NDJSON (./ndjson.js, with the metadata) or as .fvecs +
// .ivecs files (./vecs.js, ids and vectors only), or as rows (exportRows). A
// separate entry: an app that never moves its data does not load it. The
// formats are documented in types/transfer.d.ts and in the README
// ("Moving to a server engine").
export { exportRows } from './rows.js';
export { exportNdjson, importNdjson } from './ndjson.js';
export { exportFvecs, importFvecs } from './vecs.js';
export { toReadableStream } from './bytes.js';
