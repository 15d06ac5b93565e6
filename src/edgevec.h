/*
 * edgevec.h — the public C API of the EdgeVec core.
 *
 * An approximate-nearest-neighbour index (HNSW) over float vectors, with soft
 * delete, batch insert/delete, compaction and (in snapshot.h, journal.h and
 * wal.h) its own persisted formats. The same C builds natively and to
 * WebAssembly; the wasm build is what the JavaScript layer drives.
 *
 * Conventions
 *  - Every fallible function returns an ev_status and writes results through
 *    out-pointers. Nothing a caller passes can make a function abort or
 *    assert: bad input gets a status and changes nothing.
 *  - The index is single-threaded: one handle, one caller at a time.
 *  - External ids are 64-bit and chosen by the caller (or assigned in
 *    sequence). Internally each vector lives in a 32-bit slot.
 *  - Distances: smaller is nearer, for every metric (see ev_metric).
 *  - Ownership: ev_index_create allocates the index; ev_index_free frees it.
 *    No other function hands out memory the caller must free.
 */
#ifndef EDGEVEC_H
#define EDGEVEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. Stable numbers: the JS layer and the persisted formats'
 * readers map them to error codes, so never renumber, only append. */
typedef enum ev_status {
  EV_OK = 0,
  EV_ERR_INVALID_ARGUMENT = 1,   /* null pointer, option out of range, k == 0 */
  EV_ERR_EMPTY_BATCH = 2,        /* a batch of zero vectors */
  EV_ERR_DIMENSION_MISMATCH = 3, /* vector/query length != index dimensions */
  EV_ERR_INVALID_VECTOR = 4,     /* a NaN or +-Inf component, or a vector
                                    so long (|x|^2 > FLT_MAX / 4) that its
                                    distances would overflow f32 */
  EV_ERR_ZERO_VECTOR = 5,        /* all-zero vector under the cosine metric */
  EV_ERR_DUPLICATE_ID = 6,       /* the same id twice inside one batch */
  EV_ERR_ID_EXISTS = 7,          /* the id is already live in the index */
  EV_ERR_OUT_OF_MEMORY = 8,      /* an allocation failed; nothing changed */
  EV_ERR_CAPACITY = 9,           /* more than EV_MAX_SLOTS vectors, or the
                                    automatic id sequence ran out */
  EV_ERR_NOT_FOUND = 10,         /* no vector with this id */
  EV_ERR_CORRUPT = 11,           /* persisted bytes failed a check */
  EV_ERR_UNSUPPORTED_VERSION = 12, /* persisted by a newer format version */
  EV_ERR_TRUNCATED = 13,         /* persisted bytes end too early */
  EV_ERR_INVALID_METADATA = 14,  /* a metadata record breaks a rule or limit
                                    (metadata.h) */
  EV_ERR_INVALID_FILTER = 15,    /* a filter program is malformed (filter.h) */
} ev_status;

/* A short English name for a status ("EV_ERR_ZERO_VECTOR" -> "zero vector
 * under the cosine metric"). Never NULL; static storage. */
const char *ev_status_message(ev_status status);

/* Distance metrics. Smaller distance = nearer, always:
 *  L2     : squared Euclidean distance, sum (a_i - b_i)^2 (no square root:
 *           the ordering is the same and the sqrt is wasted work).
 *  COSINE : 1 - cos(a, b), in [0, 2]. Vectors are normalised to unit length
 *           when inserted (and queries when searched), so this is 1 - dot.
 *           Zero vectors have no direction and are rejected.
 *  DOT    : -(a . b), the negated inner product (so that the largest inner
 *           product is the nearest). Vectors are stored as given.        */
typedef enum ev_metric {
  EV_METRIC_L2 = 0,
  EV_METRIC_COSINE = 1,
  EV_METRIC_DOT = 2,
} ev_metric;

/* How vectors are stored and compared (see src/quantize.h for the details):
 *  NONE   : f32 components, 4 bytes per dimension.
 *  SQ8    : 8-bit scalar quantization, 1 byte per dimension plus 8 bytes per
 *           vector. Each vector's range is its own largest |component|
 *           (symmetric, per vector), so there is no training step and no
 *           vector can fall outside the range it is coded with.
 *  BINARY : 1 bit per dimension (the sign), compared by Hamming distance;
 *           meant for cosine/dot-like embeddings and used with re-ranking.
 * The graph is built and searched on the codes. With keep_floats the f32
 * vectors are kept too (4 bytes per dimension more) so that the best
 * `rerank` candidates can be re-scored exactly and ev_get returns the
 * inserted vector; without, ev_get returns the decoded vector (BINARY:
 * +-1 per component, scaled to unit length under cosine). */
typedef enum ev_quantization {
  EV_QUANT_NONE = 0,
  EV_QUANT_SQ8 = 1,
  EV_QUANT_BINARY = 2,
} ev_quantization;

#define EV_MIN_DIMENSIONS 1u
#define EV_MAX_DIMENSIONS 4096u
/* Slot numbers are u32 and UINT32_MAX means "no slot". */
#define EV_MAX_SLOTS 0xFFFFFFFEu

/* Defaults, the same as hnswlib's (M 16, efConstruction 200); FAISS uses
 * M 32. M 16 is the usual knee of recall against memory for 100-1000
 * dimensions; efSearch 64 is chosen for a recall@10 of at least 0.95 on
 * 128-d clustered data (the recall each ef reaches: bench/results/core.md). */
#define EV_DEFAULT_M 16u
#define EV_DEFAULT_EF_CONSTRUCTION 200u
#define EV_DEFAULT_EF_SEARCH 64u
#define EV_MIN_M 2u
#define EV_MAX_M 128u
#define EV_MAX_EF 65535u

typedef struct ev_options {
  uint32_t dimensions;      /* 1..4096, required */
  ev_metric metric;         /* default EV_METRIC_L2 */
  uint32_t m;               /* links per node on upper levels (2..128);
                               level 0 keeps 2*m */
  uint32_t ef_construction; /* candidate list size while inserting (>= 1) */
  uint32_t ef_search;       /* default candidate list size of a search */
  uint64_t seed;            /* RNG seed for node levels: the same seed and
                               the same inserts build the same graph */
  ev_quantization quantization; /* default EV_QUANT_NONE */
  uint32_t keep_floats;     /* 1: keep f32 vectors beside the codes (only
                               with quantization) */
  uint32_t rerank;          /* re-score this many best candidates with the
                               f32 vectors (0: off; needs keep_floats) */
} ev_options;

/* Fills *options with the defaults above; dimensions is set to 0 and must be
 * set by the caller. */
void ev_options_init(ev_options *options);

typedef struct ev_index ev_index;

/* Creates an empty index. On success *out owns a new index the caller frees
 * with ev_index_free. Fails with EV_ERR_INVALID_ARGUMENT on bad options. */
ev_status ev_index_create(const ev_options *options, ev_index **out);
/* Frees the index and everything it owns. NULL is allowed. */
void ev_index_free(ev_index *index);
/* The options the index was created with (defaults filled in). */
const ev_options *ev_index_options(const ev_index *index);

/* ---- insert ----------------------------------------------------------- */

/* Called by ev_insert_batch after each inserted vector with (done, total).
 * Returning non-zero stops the batch after that vector: the vectors already
 * inserted stay, and ev_insert_batch returns EV_OK with *out_inserted < n. */
typedef int (*ev_progress_fn)(void *context, size_t done, size_t total);

/* Where a rejected batch went wrong. */
typedef struct ev_batch_error {
  size_t index; /* position in the batch of the offending vector or id */
} ev_batch_error;

/* Checks a whole batch without changing anything: dimensions (given as
 * `dim`, must equal the index's), finite components, non-zero vectors under
 * cosine, ids unique inside the batch and not live in the index, and that
 * the automatic id sequence and slot space can hold n more. `vectors` is
 * n*dim floats, row-major. `ids` may be NULL (ids are then assigned).
 * On failure err->index names the first offending vector (or 0). */
ev_status ev_validate_batch(const ev_index *index, const float *vectors,
                            size_t n, uint32_t dim, const uint64_t *ids,
                            ev_batch_error *err);

/* The part of ev_validate_batch that needs no vector, for a caller that
 * never holds all of a batch's vectors in memory at once (the JS layer
 * copies a batch into wasm memory one window of rows at a time, since wasm
 * memory never shrinks): `dim`, the slot space and automatic id sequence
 * for n more, and all n ids (ids may be NULL). *out_rows (may be NULL)
 * receives how many rows, from the first, must still have their vectors
 * checked before the status stands: n when it passed; the rows up to and
 * including a refused id's row (DUPLICATE_ID, ID_EXISTS: a bad vector in
 * that row or an earlier one is reported instead); 0 on any other error,
 * which stands as it is. ev_validate_batch of those rows, in windows of any
 * size each with its own ids, then refuses what ev_validate_batch of the
 * whole batch refuses, at the same row (err->index counts from the
 * window's first row): a window's own id checks can refuse no row before
 * the whole batch's first refused id, and that row for the same reason. */
ev_status ev_validate_batch_ids(const ev_index *index, size_t n, uint32_t dim,
                                const uint64_t *ids, ev_batch_error *err,
                                size_t *out_rows);

/* Validates the whole batch (as ev_validate_batch), reserves the memory for
 * all of it, then inserts the vectors in order. All-or-nothing: on any error
 * the index is exactly as before. With ids == NULL each vector gets the next
 * id of the automatic sequence (one more than the largest id the index has
 * ever held, starting at 0). out_ids (may be NULL) receives the n ids.
 * progress (may be NULL) is called after each vector; see ev_progress_fn.
 * *out_inserted (may be NULL) receives how many were inserted.
 * Inserting an id that was soft-deleted is allowed: the id is live again
 * with the new vector, and the old one stays a tombstone until compaction.
 * The same sequence of inserts builds the same graph whether it is made by
 * one batch or by single inserts, on one thread. With ev_set_threads above
 * 1 in a build with threads, and no progress callback, the vectors are
 * first stored in order (ids, levels from the seeded RNG, metadata) and
 * then linked into the graph by several threads at once: the same ids and
 * levels, a graph of the same quality, but which links each node gets
 * depends on the threads' timing. */
ev_status ev_insert_batch(ev_index *index, const float *vectors, size_t n,
                          uint32_t dim, const uint64_t *ids, uint64_t *out_ids,
                          ev_progress_fn progress, void *progress_context,
                          size_t *out_inserted, ev_batch_error *err);

/* Inserts one vector (a batch of one). id may be NULL (assigned);
 * out_id (may be NULL) receives the id. */
ev_status ev_insert(ev_index *index, const float *vector, uint32_t dim,
                    const uint64_t *id, uint64_t *out_id);

/* Makes room for `additional` more vectors so that inserting them cannot
 * fail for lack of memory. */
ev_status ev_reserve(ev_index *index, size_t additional);

/* ---- search ----------------------------------------------------------- */

/* The k nearest live vectors to `query` (dim floats), nearest first, into
 * out_ids[k] and out_distances[k]; *out_count receives how many were
 * written: min(k, live count). ef == 0 uses the index's ef_search; ef is
 * raised to k when smaller. Deleted vectors are never returned. If the graph
 * walk finds fewer than min(k, live) vectors (k close to the live count, or
 * a graph cut off by deletions) the search falls back to an exact scan, so
 * asking for k >= live count returns every live vector.
 * A search allocates nothing once the index has served one of that ef
 * (buffers are sized on first use and kept). Errors: DIMENSION_MISMATCH,
 * INVALID_VECTOR (NaN/Inf), ZERO_VECTOR (cosine), INVALID_ARGUMENT (k == 0
 * or k/ef > EV_MAX_EF), OUT_OF_MEMORY (growing the buffers). */
ev_status ev_search(ev_index *index, const float *query, uint32_t dim,
                    uint32_t k, uint32_t ef, uint64_t *out_ids,
                    float *out_distances, uint32_t *out_count);

/* Exact nearest neighbours by scanning every live vector (for tests and
 * recall measurement). Same contract as ev_search. */
ev_status ev_search_exact(ev_index *index, const float *query, uint32_t dim,
                          uint32_t k, uint64_t *out_ids, float *out_distances,
                          uint32_t *out_count);

/* n queries (n*dim floats, row-major) searched as ev_search would search
 * each (same k, ef, results and errors): query i's results go to
 * out_ids[i*k ..] and out_distances[i*k ..], their count to out_counts[i].
 * Every query is checked before any is searched; on failure err->index
 * (may be NULL) names the first bad query and nothing is written. With
 * ev_set_threads above 1 in a build with threads, the queries are shared
 * among that many threads (the calling one among them). EMPTY_BATCH when
 * n == 0. */
ev_status ev_search_batch(ev_index *index, const float *queries, size_t n,
                          uint32_t dim, uint32_t k, uint32_t ef,
                          uint64_t *out_ids, float *out_distances,
                          uint32_t *out_counts, ev_batch_error *err);

/* ---- threads ---------------------------------------------------------- */

/* How many threads a batch on this index may use (ev_insert_batch,
 * ev_search_batch): 1..64, 1 by default. Each thread beyond the first
 * keeps a visited array of every slot (about 12 bytes a slot). In a build
 * without threads (ev_threads_supported() == 0) it is accepted and
 * batches still run on the calling thread. INVALID_ARGUMENT outside 1..64. */
ev_status ev_set_threads(ev_index *index, uint32_t threads);

/* 1 in a build with threads (the pthreads builds), else 0. */
uint32_t ev_threads_supported(void);

/* ---- delete ----------------------------------------------------------- */

typedef enum ev_delete_outcome {
  EV_DELETED = 0,         /* was live, now deleted */
  EV_ALREADY_DELETED = 1, /* was deleted before */
  EV_NOT_FOUND = 2,       /* never inserted (or compacted away) */
} ev_delete_outcome;

/* Soft delete: the vector is never returned again but its node keeps
 * routing searches through the graph until ev_compact. */
ev_status ev_soft_delete(ev_index *index, uint64_t id,
                         ev_delete_outcome *out_outcome);

typedef struct ev_batch_delete_result {
  uint64_t deleted;         /* ids that were live and are now deleted */
  uint64_t already_deleted; /* ids already deleted, including an id that
                               appears again later in the same batch */
  uint64_t invalid_ids;     /* ids the index does not know */
  uint64_t total;           /* n: deleted + already_deleted + invalid_ids */
} ev_batch_delete_result;

/* Soft-deletes n ids in order. A repeated id counts once as deleted (its
 * first occurrence, if it was live) and then as already_deleted. Cannot
 * fail part-way: it allocates nothing. */
ev_status ev_soft_delete_batch(ev_index *index, const uint64_t *ids, size_t n,
                               ev_batch_delete_result *out);

/* ---- maintenance and queries ------------------------------------------ */

/* Rebuilds the graph from the live vectors only, dropping tombstones. Every
 * live id keeps its id and its vector. Needs memory for a second index while
 * it runs; on OUT_OF_MEMORY the index is unchanged. Drops an incremental
 * compaction in progress (below) once it succeeds. */
ev_status ev_compact(ev_index *index);

/* The same rebuild in bounded slices, for callers that must keep answering
 * between them (a page's main thread). Between begin and finish the index
 * is the old one for every call (search, insert, delete, get, snapshot):
 * the new graph is built beside it from its live slots in slot order,
 * including slots appended after begin. finish applies the deletes made
 * after a slot was copied (that copy stays as a tombstone of the new
 * index) and swaps; every live id keeps its id and vector, as with
 * ev_compact. One at a time per index. The same calls in the same order
 * (steps of the same sizes included) build the same index.
 * OUT_OF_MEMORY from any of them leaves the old index as it was and the
 * compaction where it was: step again, or abort. Memory: the new index
 * grows beside the old one (ev_memory_bytes counts both).
 * With journaling on (journal.h), finish refuses (INVALID_ARGUMENT) while
 * anything is uncommitted or a commit is in flight, and afterwards the
 * journal refuses to commit until a snapshot is stored: see
 * ev_journal_needs_snapshot. */

/* Starts one. INVALID_ARGUMENT if one is already running. */
ev_status ev_compact_begin(ev_index *index);
/* Copies up to max_copies (>= 1) more live slots; *out_remaining (may be
 * NULL) receives the old slots not yet examined (0: caught up, finish is
 * then a pass over the slots with no allocation). INVALID_ARGUMENT when
 * none is running. */
ev_status ev_compact_step(ev_index *index, uint32_t max_copies,
                          uint32_t *out_remaining);
/* Copies what remains, then the new index takes the old one's place. */
ev_status ev_compact_finish(ev_index *index);
/* Drops the compaction in progress (nothing if none). ev_compact and
 * ev_index_free drop one too. */
void ev_compact_abort(ev_index *index);
/* Progress of the one running: old slots examined so far and the old
 * index's slot count now. NOT_FOUND when none is running. */
ev_status ev_compact_progress(const ev_index *index, uint32_t *out_examined,
                              uint32_t *out_total);

/* Copies the stored vector of a live id into out (dimensions floats). Under
 * cosine this is the unit-length vector that was stored. NOT_FOUND for
 * unknown and deleted ids. */
ev_status ev_get(const ev_index *index, uint64_t id, float *out);
/* 1 when the id is live, 0 otherwise. */
int ev_contains(const ev_index *index, uint64_t id);

/* Lists live ids in slot order (the order of their latest insert, until a
 * compaction or ev_reorder numbers the slots in graph order), for callers
 * that walk the whole index (an export). Examines
 * slots from `start` on and writes up to `capacity` live ids to out_ids,
 * their number to *out_count, and the slot to resume from to *out_next.
 * Fewer than `capacity` ids means the walk is over. Start at 0; a walk stays
 * valid only while the index does not change. */
ev_status ev_live_ids(const ev_index *index, uint32_t start, uint64_t *out_ids,
                      uint32_t capacity, uint32_t *out_count,
                      uint32_t *out_next);

/* The id the next insert without an id would get, into *out_id. Returns
 * EV_ERR_CAPACITY when the automatic sequence has run out (after id
 * UINT64_MAX was used). */
ev_status ev_next_auto_id(const ev_index *index, uint64_t *out_id);

uint32_t ev_live_count(const ev_index *index);
uint32_t ev_deleted_count(const ev_index *index);
/* deleted / (live + deleted); 0 for an empty index. */
double ev_tombstone_ratio(const ev_index *index);
/* Bytes the index holds on the heap (all of its allocations). */
size_t ev_memory_bytes(const ev_index *index);

/* ---- storage order ---------------------------------------------------- */

/* Numbers the slots anew in the order a breadth-first walk of the graph
 * meets them, so that neighbours sit close together in memory and a
 * search waits less for them (src/reorder.c says how and when;
 * bench/results/reorder.md what it gains). Ids, vectors, metadata,
 * counts, tombstones and the graph stay the same, and a search returns
 * what it returned before; the order of ev_live_ids changes. Compaction
 * does it too: ev_compact_finish always, ev_compact with journaling off.
 * INVALID_ARGUMENT while an incremental compaction runs, or while the
 * journal holds anything uncommitted or a commit is in flight; with
 * journaling on, the journal then needs a snapshot before its next commit
 * (ev_journal_needs_snapshot, journal.h), unless nothing moved.
 * OUT_OF_MEMORY (9 bytes per slot are needed) leaves the index as it
 * was. */
ev_status ev_reorder(ev_index *index);

/* The rule that says when the graph order is due by itself (the JS layer
 * applies it after each insertBatch; src/reorder.c says why these
 * numbers): the index holds at least EV_ORDER_MIN_SLOTS slots (live and
 * deleted), and the slots appended since it was last ordered are at least
 * 1 / EV_ORDER_GROWTH_DIVISOR of them. Last ordered means the last
 * ev_reorder, compaction that ended in graph order (ev_compact_finish
 * always), or else the create (nothing ordered) or the snapshot load (the
 * loaded slots count as ordered; the order is not persisted). */
#define EV_ORDER_MIN_SLOTS 10000u
#define EV_ORDER_GROWTH_DIVISOR 4u

/* 1 when the graph order is due by the rule above, 0 when not, and 0
 * while an incremental compaction runs (ev_reorder refuses then, and the
 * compaction's finish orders the index anyway) or for NULL. */
int ev_order_due(const ev_index *index);

#ifdef __cplusplus
}
#endif
#endif /* EDGEVEC_H */
