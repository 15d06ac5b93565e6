/*
 * abi.h — the named numbers of the boundary between the wasm exports
 * (src/wasm/) and the JS layer (js/wasm/abi.js holds the same names with
 * the same values; tests/node/wasm-abi.test.js reads this file and fails on
 * any difference).
 *
 * Why names: a result the JS layer reads as `u32[o + 5]` says nothing, and a
 * slot moved on one side only would be read as another field without any
 * error. Every export that returns several values writes them into a
 * caller-allocated array of u32 words ("out"); the constants below are the
 * word indices. A 64-bit value takes two words, the named one (lo) and the
 * next (hi). Statuses are the ev_status values of edgevec.h.
 */
#ifndef EDGEVEC_WASM_ABI_H
#define EDGEVEC_WASM_ABI_H

/* Words in the scratch "out" array the JS layer allocates once per module;
 * enough for every export below. */
enum { EVW_OUT_WORDS = 16 };

/* Bytes of one id in an id array in wasm memory (little-endian u64). */
enum { EVW_ID_BYTES = 8 };

/* evw_option(ix, selector): which option of the index to return. */
enum {
  EVW_OPTION_DIMENSIONS = 0,
  EVW_OPTION_METRIC = 1,
  EVW_OPTION_M = 2,
  EVW_OPTION_EF_CONSTRUCTION = 3,
  EVW_OPTION_EF_SEARCH = 4,
  EVW_OPTION_QUANTIZATION = 5,
  EVW_OPTION_KEEP_FLOATS = 6,
  EVW_OPTION_RERANK = 7
};

/* evw_next_auto_id: the next automatic id, lo then hi. */
enum { EVW_NEXT_ID_LO = 0 };

/* evw_live_ids: how many ids it wrote, and the slot to resume from. */
enum { EVW_LIVE_IDS_COUNT = 0, EVW_LIVE_IDS_NEXT = 1 };

/* evw_soft_delete_batch: the batch's counts. */
enum {
  EVW_DELETE_DELETED = 0,
  EVW_DELETE_ALREADY_DELETED = 1,
  EVW_DELETE_INVALID_IDS = 2,
  EVW_DELETE_TOTAL = 3
};

/* evw_compact_step: old slots not yet examined (0: caught up). */
enum { EVW_COMPACT_REMAINING = 0 };

/* Metadata and filters (wasm_meta.c). A refused record is reported in the
 * META_ERR words (by evw_meta_check, evw_insert_batch_meta and
 * evw_meta_set); evw_insert_batch_meta also fills the INSERT words. */
enum {
  EVW_INSERT_INSERTED = 0,
  EVW_INSERT_ERR_INDEX = 1,
  EVW_META_ERR_RECORD = 2,
  EVW_META_ERR_FIELD = 3, /* 0xFFFFFFFF: not about one field */
  EVW_META_ERR_REASON = 4 /* an EV_META_REASON_* of metadata.h */
};

/* evw_meta_get: bytes of the record. */
enum { EVW_META_LEN = 0 };

/* evw_filter_check, evw_search_filtered, evw_search_exact_filtered,
 * evw_search_filtered_batch, evw_filter_count: the node at fault of an
 * INVALID_FILTER (0xFFFFFFFF: the header or bytes after the last node),
 * then the results. */
enum {
  EVW_FILTER_ERR_NODE = 0,
  EVW_SEARCH_COUNT = 1,     /* results written (a batch: in out_counts) */
  EVW_SEARCH_STRATEGY = 2,  /* an EV_FILTER_STRATEGY_* of filter.h */
  EVW_SEARCH_ESTIMATE = 3,  /* estimated live matches */
  EVW_SEARCH_FELL_BACK = 4, /* 1: the walk found too few, the scan answered
                               (a batch: how many queries fell back) */
  EVW_SEARCH_ERR_INDEX = 5, /* a batch: the query at fault */
  EVW_FILTER_MATCHES = 1    /* evw_filter_count: exact live matches */
};

/* evp_snapshot_writer_begin */
enum {
  EVP_WRITER_HANDLE = 0,
  EVP_WRITER_TOTAL_BYTES = 1,
  EVP_WRITER_HEADER_BYTES = 2,
  EVP_WRITER_WAL_SEQ_LO = 3
};

/* evp_snapshot_writer_next */
enum { EVP_WRITER_NEXT_BYTES = 0 };

/* evp_snapshot_load and evp_snapshot_inspect share the first seven words. */
enum {
  EVP_LOAD_HANDLE = 0,          /* load only */
  EVP_INSPECT_DIMENSIONS = 0,   /* inspect only */
  EVP_SNAPSHOT_WAL_SEQ_LO = 1,
  EVP_SNAPSHOT_VERSION = 3,
  EVP_SNAPSHOT_ERROR_SECTION = 4,
  EVP_SNAPSHOT_ERROR_REASON = 5,
  EVP_SNAPSHOT_ERROR_OFFSET = 6,
  EVP_INSPECT_SLOT_COUNT = 7,
  EVP_INSPECT_DELETED_COUNT = 8,
  EVP_INSPECT_METRIC = 9,
  EVP_INSPECT_TOTAL_BYTES = 10,
  EVP_INSPECT_QUANTIZATION = 11,
  EVP_INSPECT_KEEP_FLOATS = 12,
  EVP_INSPECT_RERANK = 13
};

/* evp_journal_last_seq */
enum { EVP_LAST_SEQ_LO = 0 };

/* evp_journal_begin_commit */
enum {
  EVP_COMMIT_RECORD_PTR = 0,
  EVP_COMMIT_RECORD_LEN = 1,
  EVP_COMMIT_SEQ_LO = 2
};

/* evp_wal_replay */
enum {
  EVP_REPLAY_LAST_SEQ_LO = 0,
  EVP_REPLAY_APPLIED = 2,
  EVP_REPLAY_SKIPPED = 3,
  EVP_REPLAY_VALID_BYTES = 4,
  EVP_REPLAY_TORN_TAIL = 5,
  EVP_REPLAY_TAIL_REASON = 6,
  EVP_REPLAY_ERROR_REASON = 7,
  EVP_REPLAY_ERROR_OFFSET = 8,
  EVP_REPLAY_DAMAGE_SKIPPED = 9
};

#endif
