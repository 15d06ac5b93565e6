// js/wasm/abi.js — the named numbers of the JS ↔ wasm boundary, under their C
// names: those of src/wasm/abi.h (option selectors, result slots) and the
// codes and limits of src/edgevec.h that js/ uses.
//
// Why a copy: the JS layer cannot include a C header. tests/node/wasm-abi.test.js
// reads both headers and fails when a name here is missing there or has
// another value, and when abi.h has a name this file lacks; so change a value
// in the C header and here together, never here alone.

// ---- src/wasm/abi.h ------------------------------------------------------

/** Words in the scratch "out" array (js/wasm/memory.js allocates one per module). */
export const EVW_OUT_WORDS = 16;
/** Bytes of one id in an id array in wasm memory (little-endian u64). */
export const EVW_ID_BYTES = 8;

// evw_option(ix, selector)
export const EVW_OPTION_DIMENSIONS = 0;
export const EVW_OPTION_METRIC = 1;
export const EVW_OPTION_M = 2;
export const EVW_OPTION_EF_CONSTRUCTION = 3;
export const EVW_OPTION_EF_SEARCH = 4;
export const EVW_OPTION_QUANTIZATION = 5;
export const EVW_OPTION_KEEP_FLOATS = 6;
export const EVW_OPTION_RERANK = 7;

// evw_next_auto_id: lo, then hi in the next word.
export const EVW_NEXT_ID_LO = 0;

// evw_live_ids
export const EVW_LIVE_IDS_COUNT = 0;
export const EVW_LIVE_IDS_NEXT = 1;

// evw_soft_delete_batch
export const EVW_DELETE_DELETED = 0;
export const EVW_DELETE_ALREADY_DELETED = 1;
export const EVW_DELETE_INVALID_IDS = 2;
export const EVW_DELETE_TOTAL = 3;

// evw_compact_step
export const EVW_COMPACT_REMAINING = 0;

// Metadata and filters (src/wasm/wasm_meta.c): a refused record's words
// (evw_meta_check, evw_insert_batch_meta, evw_meta_set) and the insert's.
export const EVW_INSERT_INSERTED = 0;
export const EVW_INSERT_ERR_INDEX = 1;
export const EVW_META_ERR_RECORD = 2;
/** 0xFFFFFFFF: not about one field. */
export const EVW_META_ERR_FIELD = 3;
/** An EV_META_REASON_* of src/metadata.h. */
export const EVW_META_ERR_REASON = 4;

// evw_meta_get
export const EVW_META_LEN = 0;

// evw_filter_check, evw_search_filtered, evw_search_exact_filtered,
// evw_search_filtered_batch, evw_filter_count
/** The node at fault of an INVALID_FILTER (0xFFFFFFFF: header or trailing bytes). */
export const EVW_FILTER_ERR_NODE = 0;
export const EVW_SEARCH_COUNT = 1;
/** An EV_FILTER_STRATEGY_* of src/filter.h. */
export const EVW_SEARCH_STRATEGY = 2;
export const EVW_SEARCH_ESTIMATE = 3;
/** 1: the strategy that ran first found too few; in a batch, how many queries did. */
export const EVW_SEARCH_FELL_BACK = 4;
/** evw_search_filtered_batch: the query at fault. */
export const EVW_SEARCH_ERR_INDEX = 5;
export const EVW_FILTER_MATCHES = 1;

// evp_snapshot_writer_begin
export const EVP_WRITER_HANDLE = 0;
export const EVP_WRITER_TOTAL_BYTES = 1;
export const EVP_WRITER_HEADER_BYTES = 2;
export const EVP_WRITER_WAL_SEQ_LO = 3;

// evp_snapshot_writer_next
export const EVP_WRITER_NEXT_BYTES = 0;

// evp_snapshot_load and evp_snapshot_inspect
export const EVP_LOAD_HANDLE = 0;
export const EVP_INSPECT_DIMENSIONS = 0;
export const EVP_SNAPSHOT_WAL_SEQ_LO = 1;
export const EVP_SNAPSHOT_VERSION = 3;
export const EVP_SNAPSHOT_ERROR_SECTION = 4;
export const EVP_SNAPSHOT_ERROR_REASON = 5;
export const EVP_SNAPSHOT_ERROR_OFFSET = 6;
export const EVP_INSPECT_SLOT_COUNT = 7;
export const EVP_INSPECT_DELETED_COUNT = 8;
export const EVP_INSPECT_METRIC = 9;
export const EVP_INSPECT_TOTAL_BYTES = 10;
export const EVP_INSPECT_QUANTIZATION = 11;
export const EVP_INSPECT_KEEP_FLOATS = 12;
export const EVP_INSPECT_RERANK = 13;

// evp_journal_last_seq
export const EVP_LAST_SEQ_LO = 0;

// evp_journal_begin_commit
export const EVP_COMMIT_RECORD_PTR = 0;
export const EVP_COMMIT_RECORD_LEN = 1;
export const EVP_COMMIT_SEQ_LO = 2;

// evp_wal_replay
export const EVP_REPLAY_LAST_SEQ_LO = 0;
export const EVP_REPLAY_APPLIED = 2;
export const EVP_REPLAY_SKIPPED = 3;
export const EVP_REPLAY_VALID_BYTES = 4;
export const EVP_REPLAY_TORN_TAIL = 5;
export const EVP_REPLAY_TAIL_REASON = 6;
export const EVP_REPLAY_ERROR_REASON = 7;
export const EVP_REPLAY_ERROR_OFFSET = 8;
export const EVP_REPLAY_DAMAGE_SKIPPED = 9;

// ---- src/edgevec.h -------------------------------------------------------

// ev_status (stable: only ever appended to).
export const EV_OK = 0;
export const EV_ERR_INVALID_ARGUMENT = 1;
export const EV_ERR_EMPTY_BATCH = 2;
export const EV_ERR_DIMENSION_MISMATCH = 3;
export const EV_ERR_INVALID_VECTOR = 4;
export const EV_ERR_ZERO_VECTOR = 5;
export const EV_ERR_DUPLICATE_ID = 6;
export const EV_ERR_ID_EXISTS = 7;
export const EV_ERR_OUT_OF_MEMORY = 8;
export const EV_ERR_CAPACITY = 9;
export const EV_ERR_NOT_FOUND = 10;
export const EV_ERR_CORRUPT = 11;
export const EV_ERR_UNSUPPORTED_VERSION = 12;
export const EV_ERR_TRUNCATED = 13;
export const EV_ERR_INVALID_METADATA = 14;
export const EV_ERR_INVALID_FILTER = 15;

// ev_metric
export const EV_METRIC_L2 = 0;
export const EV_METRIC_COSINE = 1;
export const EV_METRIC_DOT = 2;

// ev_quantization
export const EV_QUANT_NONE = 0;
export const EV_QUANT_SQ8 = 1;
export const EV_QUANT_BINARY = 2;

// ev_delete_outcome
export const EV_DELETED = 0;
export const EV_ALREADY_DELETED = 1;
export const EV_NOT_FOUND = 2;

// Limits of ev_options; js/validate.js checks them to name the option in its
// message, and the core checks them again.
export const EV_MIN_DIMENSIONS = 1;
export const EV_MAX_DIMENSIONS = 4096;
export const EV_MIN_M = 2;
export const EV_MAX_M = 128;
export const EV_MAX_EF = 65535;

// The rule of ev_order_due (edgevec.h), which the core applies: copied for
// the tests, which size their indexes around it.
export const EV_ORDER_MIN_SLOTS = 10000;
export const EV_ORDER_GROWTH_DIVISOR = 4;
