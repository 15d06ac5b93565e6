// js/wasm/module.d.ts — the types of the Emscripten module (dist/edgevec.js +
// dist/edgevec.wasm) as js/ uses it: the factory, the heap views and the
// exports of src/wasm/. EdgeVecCoreWasm is what the lite module
// (dist/edgevec-lite.*, js/lite/module.d.ts) has as well: the exports of
// src/wasm/wasm_api.c and wasm_reorder.c; EdgeVecWasm adds the full
// module's others. Internal: not part of the package's public types
// (types/index.d.ts).
//
// Pointers and handles are numbers (wasm32 addresses). Functions declared
// to return u32 in C come back as signed i32: read them with `>>> 0`.

export interface EdgeVecWasmFactoryOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, prefix: string) => string;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
  /** The module with threads only (dist/mt/): workers in its pool. */
  evThreadPool?: number;
}

export interface EdgeVecCoreWasm {
  /** Views over the memory; replaced whenever memory grows (re-read them). */
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  HEAPF32: Float32Array;

  _malloc(bytes: number): number;
  _free(ptr: number): void;

  _evw_create(dimensions: number, metric: number, m: number, efConstruction: number,
    efSearch: number, hasSeed: number, seedLo: number, seedHi: number, quantization: number,
    keepFloats: number, rerank: number, outHandle: number): number;
  _evw_free(handle: number): void;
  _evw_option(handle: number, which: number): number;

  _evw_validate_ids(handle: number, n: number, dim: number, ids: number, outRows: number,
    outErrIndex: number): number;
  _evw_validate_batch(handle: number, vectors: number, n: number, dim: number, ids: number,
    outErrIndex: number): number;
  _evw_reserve(handle: number, additional: number): number;
  _evw_insert_batch(handle: number, vectors: number, n: number, dim: number, ids: number,
    outIds: number, outInserted: number, outErrIndex: number): number;

  _evw_next_auto_id(handle: number, out2: number): number;
  _evw_search(handle: number, query: number, dim: number, k: number, ef: number,
    outIds: number, outDistances: number, outCount: number): number;
  // src/wasm/wasm_threads.c: in the module with threads (dist/mt/) only.
  _evw_set_threads?(handle: number, threads: number): number;
  _evw_search_batch?(handle: number, queries: number, n: number, dim: number, k: number, ef: number,
    outIds: number, outDistances: number, outCounts: number, outErrIndex: number): number;

  _evw_soft_delete(handle: number, idLo: number, idHi: number, outOutcome: number): number;
  _evw_soft_delete_batch(handle: number, ids: number, n: number, out4: number): number;

  _evw_compact(handle: number): number;
  _evw_reorder(handle: number): number;
  _evw_order_due(handle: number): number;
  _evw_get(handle: number, idLo: number, idHi: number, out: number): number;
  _evw_contains(handle: number, idLo: number, idHi: number): number;
  _evw_live_ids(handle: number, start: number, capacity: number, outIds: number,
    out2: number): number;
  _evw_live_count(handle: number): number;
  _evw_deleted_count(handle: number): number;
  _evw_tombstone_ratio(handle: number): number;
  _evw_memory_bytes(handle: number): number;
}

export interface EdgeVecWasm extends EdgeVecCoreWasm {
  // src/wasm/wasm_compact_steps.c: the incremental compaction.
  _evw_compact_begin(handle: number): number;
  _evw_compact_step(handle: number, maxCopies: number, out1: number): number;
  _evw_compact_finish(handle: number): number;
  _evw_compact_abort(handle: number): void;
  // src/wasm/wasm_heap.c: what the allocator holds (the memory tests).
  _evw_heap_allocated(): number;
  _evw_heap_peak(): number;

  // src/wasm/wasm_meta.c: metadata records and filters.
  _evw_meta_check(blob: number, offsets: number, n: number, out: number): number;
  _evw_meta_check_index_fields(handle: number, blob: number, offsets: number, n: number, out: number): number;
  _evw_insert_batch_meta(handle: number, vectors: number, n: number, dim: number, ids: number,
    blob: number, offsets: number, outIds: number, out: number): number;
  _evw_meta_set(handle: number, idLo: number, idHi: number, rec: number, len: number, out: number): number;
  _evw_meta_get(handle: number, idLo: number, idHi: number, buf: number, cap: number, out: number): number;
  _evw_filter_check(prog: number, len: number, out: number): number;
  _evw_search_filtered(handle: number, query: number, dim: number, k: number, ef: number,
    prog: number, progLen: number, outIds: number, outDistances: number, out: number): number;
  _evw_search_filtered_batch(handle: number, queries: number, n: number, dim: number, k: number, ef: number,
    prog: number, progLen: number, outIds: number, outDistances: number, outCounts: number, out: number): number;
  _evw_search_exact_filtered(handle: number, query: number, dim: number, k: number,
    prog: number, progLen: number, outIds: number, outDistances: number, out: number): number;
  _evw_filter_count(handle: number, prog: number, len: number, out: number): number;

  // src/wasm/wasm_persist.c (its top comment documents the ABI).
  _evp_snapshot_writer_begin(handle: number, out: number): number;
  _evp_snapshot_writer_next(writer: number, buf: number, cap: number, out: number): number;
  _evp_snapshot_writer_header(writer: number, buf: number, cap: number): number;
  _evp_snapshot_writer_free(writer: number): void;
  _evp_snapshot_load(bytes: number, len: number, out: number): number;
  _evp_snapshot_stream_begin(bytes: number, len: number, out: number): number;
  _evp_snapshot_stream_feed(stream: number, bytes: number, len: number, out: number): number;
  _evp_snapshot_stream_finish(stream: number, out: number): number;
  _evp_snapshot_stream_free(stream: number): void;
  _evp_snapshot_inspect(bytes: number, len: number, out: number): number;
  _evp_journal_enable(handle: number, lastSeqLo: number, lastSeqHi: number): number;
  _evp_journal_pending_bytes(handle: number): number;
  _evp_journal_begin_commit(handle: number, out: number): number;
  _evp_journal_end_commit(handle: number, durable: number): void;
  _evp_journal_needs_snapshot(handle: number): number;
  _evp_journal_snapshot_stored(handle: number): void;
  _evp_wal_replay(handle: number, bytes: number, len: number, afterLo: number, afterHi: number,
    out: number): number;
  _evp_section_name(section: number): number;
  _evp_reason_name(reason: number): number;
}

declare function createEdgeVecModule(options?: EdgeVecWasmFactoryOptions): Promise<EdgeVecWasm>;
export default createEdgeVecModule;
