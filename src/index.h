/*
 * index.h — the index's internal layout and the helpers the files of the
 * core share (index.c, graph.c and the rest). Not part of the public API.
 *
 * Memory layout (why: a search touches a node's links and then its vector,
 * so both sit in one record of one contiguous arena, as hnswlib does):
 *
 *   level0 arena, one record of `node_bytes` per slot, in chunks of
 *   EV_CHUNK_SLOTS records (chunk 0 grows up to that; the others are
 *   allocated whole). Why chunks: growing never copies the arena, and in
 *   wasm, where freed memory never returns to the system, a reallocated
 *   arena would leave its old copy behind as a hole at every growth:
 *     u32 link_count | u32 links[m0] | payload (the vector: f32[dimensions]
 *     then zeros up to padded_dim floats, or its quantized code, see
 *     quantize.h). The zeros let every distance run a kernel without a
 *     scalar tail (distance.h); only the dimensions' floats are persisted
 *     or returned.
 *   floats: with keep_floats, capacity x dimensions f32 beside the codes.
 *   upper[slot]: NULL when the node's level is 0, otherwise one allocation of
 *     `level` blocks of (u32 link_count | u32 links[m]) for levels 1..level.
 *   ext_ids[slot], levels[slot], deleted[slot]: per-slot arrays.
 *
 * Slots are handed out in insertion order and never reused before
 * compaction; a deleted slot keeps its links (it still routes searches).
 */
#ifndef EV_INDEX_H
#define EV_INDEX_H

#include "edgevec.h"
#include "heap.h"
#include "idmap.h"

#define EV_NO_SLOT 0xFFFFFFFFu
/* Node levels are capped: with mL = 1/ln(M) a level above 15 has
 * probability < M^-15 per node, so the cap never binds in practice and keeps
 * `levels` in a byte. */
#define EV_MAX_LEVEL 15
/* Records per chunk of the level-0 arena (a power of two: a slot's chunk
 * is a shift, its place a mask). The arena holds up to a chunk less one
 * record beyond the count, so the chunk is kept small beside the indexes
 * that bulk-load (bench/results/pad.md has what 4,096 cost); large enough
 * that a growth is a few allocations, not thousands. */
#define EV_CHUNK_SHIFT 10
#define EV_CHUNK_SLOTS (1u << EV_CHUNK_SHIFT)

struct ev_journal; /* journal.c: mutations recorded since the last commit */
struct ev_compaction; /* compact.c: an incremental compaction in progress */
struct ev_meta;    /* meta_store.h: the metadata of the slots */
struct ev_filter_plan; /* filter.c: a compiled filter (search scratch) */
struct ev_parallel;    /* parallel.c: what batches on several threads share */
struct ev_link_locks;  /* parallel.h: per-node locks of a parallel insert */

/* One walk's working memory. Why a struct of its own: a search writes only
 * here and reads the index, so several searches (one scratch each) can run
 * on one index at once (ev_search_batch, parallel batch inserts). */
typedef struct ev_scratch {
  uint32_t *visited;     /* visited_slots epochs */
  uint32_t visit_epoch;
  uint32_t visited_slots;
  ev_heap_item *candidates; /* min-heap of a walk's candidates: one item
                               per slot (visited_slots items) */
  ev_heap_item *results;    /* max-heap of a walk's best items so far */
  ev_heap_item *nearest;    /* the results drained nearest first: what a
                               search returns, and a new node's neighbour
                               candidates */
  uint32_t results_capacity; /* items of results and of nearest */
  float *query_buf;      /* normalised query / vector being inserted */
  uint8_t *query_payload; /* a payload being inserted, or a walk's query
                             in walk form (quantize.h); holds either,
                             padded like a record's and zeroed */
  ev_heap_item *select_buf; /* ev__select_items(ix) items: a node's fresh
                               neighbours in a walk, a list being shrunk, or
                               a new node's list merged with the links other
                               threads gave it (graph.c) */
  /* NULL when this walk is alone on the graph or the graph is not changing;
   * during a parallel insert, the locks that guard each node's link lists
   * and the entry point (parallel.h). */
  struct ev_link_locks *locks;
} ev_scratch;

struct ev_index {
  ev_options options; /* as created, defaults filled in */
  uint32_t dim;
  uint32_t m;  /* max links per node on levels >= 1 */
  uint32_t m0; /* max links per node on level 0 (2 * m) */
  size_t node_bytes;     /* bytes of one level-0 record */
  size_t vector_offset;  /* byte offset of the payload inside a record */
  size_t payload_bytes;  /* bytes of the payload as persisted (quantize.h) */
  size_t payload_stride; /* bytes it takes in a record: payload_bytes, or
                            padded_dim floats without quantization */
  uint32_t padded_dim;   /* dim rounded up to EV_PAD_FLOATS */
  float *floats;         /* keep_floats only: capacity * dim */

  uint8_t **chunks;      /* the level-0 arena: chunk_count chunks */
  uint32_t chunk_count;
  uint8_t **blocks;      /* the allocations of chunks 1.. (one per growth:
                            several chunks each when a growth adds many) */
  uint32_t block_count;
  uint32_t arena_slots;  /* records the chunks hold */
  uint32_t slot_arrays_len; /* slots the per-slot arrays below hold (grown
                               by half again at a time) */
  uint64_t *ext_ids; /* capacity */
  uint8_t *levels;   /* capacity */
  uint8_t *deleted;  /* capacity; 1 = tombstone */
  uint32_t **upper;  /* capacity; see layout above */
  uint32_t capacity; /* slots usable: min(arena_slots, slot_arrays_len) */
  uint32_t count;    /* slots used (live + deleted) */
  uint32_t ordered_slots; /* slots 0..ordered_slots-1 were numbered by the
                             last graph order and kept their order since
                             (reorder.c: ev_order_due); in memory only */
  uint32_t deleted_count;

  ev_idmap ids; /* external id -> slot (live or deleted; a re-inserted id
                   maps to its newest slot) */

  uint32_t entry;    /* entry point slot, EV_NO_SLOT when empty */
  int max_level;     /* level of the entry point, -1 when empty */

  uint64_t next_auto_id; /* next id of the automatic sequence */
  int auto_ids_exhausted; /* the sequence passed UINT64_MAX */
  uint64_t rng_state;    /* splitmix64 state for node levels */

  /* The calling thread's search scratch (ev_scratch above), reused by
   * every search and insert so that a search allocates nothing. Its
   * visited and candidates arrays grow with the slots (ev__ensure_capacity). */
  ev_scratch scratch;
  uint32_t threads; /* threads a batch may use (ev_set_threads), >= 1 */
  struct ev_parallel *parallel; /* parallel.c: the other threads' scratch
                                   and the link locks; NULL until a batch
                                   first runs on more than one thread */

  size_t upper_bytes; /* bytes held by upper-level link blocks */

  struct ev_journal *journal; /* NULL unless journaling is on (journal.c) */
  struct ev_compaction *compaction; /* NULL unless ev_compact_begin ran and
                                       neither finish nor abort did */
  struct ev_meta *meta;       /* NULL until the first metadata record */
  struct ev_filter_plan *filter_plan; /* NULL until the first filter */
  /* Moves whenever a slot is added, deleted or renumbered or its metadata
   * changes: a filter's estimate made over the slots holds until then
   * (filter.h, ev__filter_estimate_get). */
  uint64_t changes;
};

/* ---- helpers shared by the core's files ------------------------------- */

/* The level-0 record of a slot (below capacity). */
static inline uint8_t *ev__record(const ev_index *ix, uint32_t slot) {
  return ix->chunks[slot >> EV_CHUNK_SHIFT] +
         (size_t)(slot & (EV_CHUNK_SLOTS - 1)) * ix->node_bytes;
}
static inline uint32_t *ev__links0(const ev_index *ix, uint32_t slot) {
  return (uint32_t *)ev__record(ix, slot);
}
/* Words of the upper-level link block of a node of `level`: one list
 * (count, then up to m links) per level 1..level. */
static inline size_t ev__upper_words(const ev_index *ix, int level) {
  return (size_t)level * (ix->m + 1);
}
/* Links block (count first) of `slot` at `level` >= 0. */
static inline uint32_t *ev__links(const ev_index *ix, uint32_t slot, int level) {
  if (level == 0) return ev__links0(ix, slot);
  return ix->upper[slot] + ev__upper_words(ix, level - 1);
}
/* Items of a scratch's select_buf: a full level-0 list and one more (a
 * list being shrunk), or a new node's m links and the full list other
 * threads may have given it meanwhile. */
static inline size_t ev__select_items(const ev_index *ix) {
  return (size_t)ix->m0 + ix->m + 1;
}
/* The most links a list at `level` holds: m0 on level 0, m above. */
static inline uint32_t ev__list_cap(const ev_index *ix, int level) {
  return level == 0 ? ix->m0 : ix->m;
}
static inline uint8_t *ev__payload(const ev_index *ix, uint32_t slot) {
  return ev__record(ix, slot) + ix->vector_offset;
}
/* The stored f32 vector (dim floats, then zeros to padded_dim); only for
 * indexes without quantization. */
static inline float *ev__vector(const ev_index *ix, uint32_t slot) {
  return (float *)ev__payload(ix, slot);
}
/* The f32 vector of a slot where one is kept (no quantization, or
 * keep_floats), else NULL. */
static inline const float *ev__floats(const ev_index *ix, uint32_t slot) {
  if (ix->options.quantization == EV_QUANT_NONE) return ev__vector(ix, slot);
  return ix->floats ? ix->floats + (size_t)slot * ix->dim : NULL;
}
/* The slot where `id` is live, or EV_NO_SLOT (unknown, or deleted). */
static inline uint32_t ev__live_slot(const ev_index *ix, uint64_t id) {
  uint32_t slot = ev_idmap_get(&ix->ids, id, ix->ext_ids);
  if (slot == EV_IDMAP_EMPTY || ix->deleted[slot]) return EV_NO_SLOT;
  return slot;
}
/* Every id an index holds is below next_auto_id, unless the automatic
 * sequence is exhausted: inserts keep it so, and the readers of persisted
 * data check it with this. */
static inline int ev__id_within_sequence(uint64_t id, uint64_t next_auto_id,
                                         int exhausted) {
  return exhausted || id < next_auto_id;
}

/* index.c */
ev_status ev__validate_options(const ev_options *options);
/* Allocates an empty index for (already validated) options. */
ev_status ev__index_new(const ev_options *options, ev_index **out);
/* Grows the storage to hold at least `slots` slots (no-op if it does):
 * the arena by whole chunks, the per-slot arrays by at least half again,
 * so that callers ask for exactly what they need. */
ev_status ev__ensure_capacity(ev_index *ix, uint32_t slots);
/* Grows the index's own search scratch to hold `ef` candidates. */
ev_status ev__ensure_heaps(ev_index *ix, uint32_t ef);
/* Grows a scratch's results and nearest arrays to hold `ef` candidates. */
ev_status ev__scratch_ensure_heaps(ev_scratch *sc, uint32_t ef);
/* Allocates the upper-level link block of a node of `level`: *out is NULL
 * for level 0. */
ev_status ev__upper_block_new(ev_index *ix, int level, uint32_t **out);
/* Gives `slot` its upper link block (from ev__upper_block_new): the slot
 * owns it from now on, and ev_memory_bytes counts it. */
void ev__slot_set_upper(ev_index *ix, uint32_t slot, int level,
                        uint32_t *upper_block);
/* Fills slot `slot` (capacity must be ensured): id, level, its upper link
 * block (ev__slot_set_upper), an empty
 * level-0 list, the payload and (keep_floats) the f32 vector. Cannot fail.
 * Does not link the node into the graph. */
void ev__slot_init(ev_index *ix, uint32_t slot, uint64_t id, int level,
                   uint32_t *upper_block, const uint8_t *payload,
                   const float *floats);
/* Draws the level of a new node from the index's RNG. */
int ev__random_level(ev_index *ix);
/* Finite check and (cosine) normalisation of one input vector into out. */
ev_status ev__prepare_vector(const ev_index *ix, const float *in, float *out);

/* compact.c */
/* ev_compact without its graph order (reorder.c): what the log's COMPACT
 * op replays (wal.c). */
ev_status ev__compact_rebuild(ev_index *ix);
/* Frees an incremental compaction in progress (ev_index_free). */
void ev__compaction_free(ev_index *ix);
/* Bytes it holds on the heap (for ev_memory_bytes). */
size_t ev__compaction_bytes(const ev_index *ix);
/* The metadata of live `id` changed (metadata.c's change note): a copy an
 * incremental compaction already made gets it too. */
void ev__compaction_note_meta(ev_index *ix, uint64_t id);

/* graph.c */
/* A new epoch of a scratch's visited array: every slot reads as unvisited. */
uint32_t ev__scratch_next_epoch(ev_scratch *sc);
/* Greedy descent from the entry point through the upper levels to level
 * 0's entry: *ep and *ep_dist receive it. The index must not be empty.
 * `query` is in the walk form of quantize.h (ev__walk_query_encode). */
void ev__graph_descend(const ev_index *ix, const uint8_t *query, uint32_t *ep,
                       float *ep_dist);
/* Links an initialised slot into the graph (HNSW insert), walking with the
 * index's own scratch. `vector` is the slot's prepared f32 vector, or NULL
 * where the caller has none (the slot's kept floats or its decoded payload
 * stand in): with SQ8 the neighbours are found from the f32 vector against
 * the codes (quantize.h). */
void ev__graph_link(ev_index *ix, uint32_t slot, const float *vector);
/* The same with a given scratch; with sc->locks set, other threads may be
 * linking other slots into the same graph at the same time. */
void ev__graph_link_with(ev_index *ix, ev_scratch *sc, uint32_t slot,
                         const float *vector);
/* Scores the n slots of `fresh` (their .slot) against a query in walk
 * form, into their .distance, two at a time so that the memory loads of two
 * vectors overlap. The index's one call of the paired kernels
 * (ev__query_distance2): the unfiltered walk (graph.c) and the filtered
 * ones (search_filtered.c) both score through it. Why one place: the wasm
 * build's optimizer inlines a kernel into a caller only while it has a
 * single one, and a second call site left the unfiltered walk calling the
 * kernel for every pair, slower at search and at build (measured in
 * bench/results/filter-native.md). */
void ev__score_fresh(const ev_index *ix, const uint8_t *query,
                     ev_heap_item *fresh, uint32_t n);
/* Nearest live slots to a query in walk form (ev__walk_query_encode):
 * leaves up to k items sorted nearest first in sc->nearest and returns how
 * many. The result arrays must hold ef (ev__scratch_ensure_heaps). Reads
 * the index only, so searches with different scratches may run at once. */
uint32_t ev__graph_search(const ev_index *ix, ev_scratch *sc,
                          const uint8_t *query, uint32_t k, uint32_t ef);
/* The rule every link list obeys, checked here for the readers of
 * persisted graphs (snapshot.c, wal_graph.c): in the list of `slot` at
 * `level`, every target exists (< total), is not the node itself, reaches
 * that level (levels[target] >= level), and appears once. The list is the
 * first `kept` links of the index's own list of slot at level, followed by
 * the list at le_list (u32 n, then n u32 targets, little-endian). Repeats
 * are found with ix->scratch.visited as stamps, so its first `total` entries must
 * be zero; they are left zero. On failure *bad is the position of the
 * offending word in le_list (1 for the first target). */
int ev__links_ok(ev_index *ix, uint32_t slot, int level,
                 const uint8_t *levels, uint32_t total, uint32_t kept,
                 const uint8_t *le_list, uint32_t *bad);

#endif /* EV_INDEX_H */
