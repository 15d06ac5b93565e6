/*
 * index.c — the index's lifetime and storage: options, creation, growth of
 * the slot arrays, per-slot initialisation, node levels, counters.
 *
 * Growth is all-or-nothing from the caller's point of view: each array is
 * reallocated in turn and `capacity` only moves once all have succeeded, so
 * a failed growth leaves a valid (if partly larger) index.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "journal.h"
#include "filter.h"
#include "metadata.h"
#include "parallel.h"
#include "quantize.h"

const char *ev_status_message(ev_status status) {
  switch (status) {
    case EV_OK: return "ok";
    case EV_ERR_INVALID_ARGUMENT: return "invalid argument";
    case EV_ERR_EMPTY_BATCH: return "the batch is empty";
    case EV_ERR_DIMENSION_MISMATCH: return "the vector's length is not the index's dimensions";
    case EV_ERR_INVALID_VECTOR: return "the vector has a NaN or infinite component";
    case EV_ERR_ZERO_VECTOR: return "a zero vector has no direction under the cosine metric";
    case EV_ERR_DUPLICATE_ID: return "the same id appears twice in the batch";
    case EV_ERR_ID_EXISTS: return "the id is already in the index";
    case EV_ERR_OUT_OF_MEMORY: return "out of memory";
    case EV_ERR_CAPACITY: return "the index cannot hold more vectors or ids";
    case EV_ERR_NOT_FOUND: return "no vector has this id";
    case EV_ERR_CORRUPT: return "the stored data is corrupt";
    case EV_ERR_UNSUPPORTED_VERSION: return "the stored data has a newer format version";
    case EV_ERR_TRUNCATED: return "the stored data ends too early";
    case EV_ERR_INVALID_METADATA: return "the metadata record breaks a rule or a limit";
    case EV_ERR_INVALID_FILTER: return "the filter program is malformed";
  }
  return "unknown status";
}

void ev_options_init(ev_options *options) {
  if (!options) return;
  memset(options, 0, sizeof *options);
  options->metric = EV_METRIC_L2;
  options->m = EV_DEFAULT_M;
  options->ef_construction = EV_DEFAULT_EF_CONSTRUCTION;
  options->ef_search = EV_DEFAULT_EF_SEARCH;
}

ev_status ev__validate_options(const ev_options *o) {
  if (!o) return EV_ERR_INVALID_ARGUMENT;
  if (o->dimensions < EV_MIN_DIMENSIONS || o->dimensions > EV_MAX_DIMENSIONS)
    return EV_ERR_INVALID_ARGUMENT;
  if (o->metric != EV_METRIC_L2 && o->metric != EV_METRIC_COSINE &&
      o->metric != EV_METRIC_DOT)
    return EV_ERR_INVALID_ARGUMENT;
  if (o->m < EV_MIN_M || o->m > EV_MAX_M) return EV_ERR_INVALID_ARGUMENT;
  if (o->ef_construction < 1 || o->ef_construction > EV_MAX_EF)
    return EV_ERR_INVALID_ARGUMENT;
  if (o->ef_search < 1 || o->ef_search > EV_MAX_EF) return EV_ERR_INVALID_ARGUMENT;
  if (o->quantization != EV_QUANT_NONE && o->quantization != EV_QUANT_SQ8 &&
      o->quantization != EV_QUANT_BINARY)
    return EV_ERR_INVALID_ARGUMENT;
  /* Floats beside f32 vectors would be a second copy of the same thing;
   * re-ranking needs floats to re-rank with. */
  if (o->keep_floats > 1) return EV_ERR_INVALID_ARGUMENT;
  if (o->keep_floats && o->quantization == EV_QUANT_NONE) return EV_ERR_INVALID_ARGUMENT;
  if (o->rerank > EV_MAX_EF || (o->rerank && !o->keep_floats)) return EV_ERR_INVALID_ARGUMENT;
  return EV_OK;
}

ev_status ev__index_new(const ev_options *options, ev_index **out) {
  ev_index *ix = calloc(1, sizeof *ix);
  if (!ix) return EV_ERR_OUT_OF_MEMORY;
  ix->options = *options;
  ix->dim = options->dimensions;
  ix->m = options->m;
  ix->m0 = 2 * options->m;
  ix->vector_offset = sizeof(uint32_t) * (1 + (size_t)ix->m0);
  ix->payload_bytes = ev__payload_bytes(options);
  ix->payload_stride = ev__payload_stride(options);
  ix->padded_dim = ev__padded_dim(options->dimensions);
  ix->node_bytes = ix->vector_offset + ix->payload_stride;
  ev_idmap_init(&ix->ids);
  ix->entry = EV_NO_SLOT;
  ix->max_level = -1;
  ix->rng_state = options->seed;
  ix->threads = 1;
  ix->scratch.query_buf = malloc(sizeof(float) * ix->dim);
  /* Zeroed: the padding of a query stays zero (ev__encode rewrites the
   * rest). */
  ix->scratch.query_payload = calloc(1, ev__walk_query_bytes(&ix->options));
  ix->scratch.select_buf = malloc(sizeof(ev_heap_item) * ev__select_items(ix));
  if (!ix->scratch.query_buf || !ix->scratch.query_payload || !ix->scratch.select_buf) {
    ev_index_free(ix);
    return EV_ERR_OUT_OF_MEMORY;
  }
  *out = ix;
  return EV_OK;
}

ev_status ev_index_create(const ev_options *options, ev_index **out) {
  if (!out) return EV_ERR_INVALID_ARGUMENT;
  *out = NULL;
  ev_status st = ev__validate_options(options);
  if (st != EV_OK) return st;
  return ev__index_new(options, out);
}

void ev_index_free(ev_index *ix) {
  if (!ix) return;
  if (ix->upper)
    for (uint32_t s = 0; s < ix->count; s++) free(ix->upper[s]);
  free(ix->upper);
  if (ix->chunk_count) free(ix->chunks[0]);
  for (uint32_t b = 0; b < ix->block_count; b++) free(ix->blocks[b]);
  free(ix->blocks);
  free(ix->chunks);
  free(ix->ext_ids);
  free(ix->levels);
  free(ix->deleted);
  free(ix->scratch.visited);
  free(ix->scratch.candidates);
  free(ix->scratch.results);
  free(ix->scratch.nearest);
  free(ix->scratch.query_buf);
  free(ix->scratch.query_payload);
  free(ix->floats);
  free(ix->scratch.select_buf);
  ev_idmap_free(&ix->ids);
  ev__journal_free(ix);
  ev__compaction_free(ix);
  ev__meta_free(ix);
  ev__filter_plan_free(ix);
  ev__parallel_free(ix);
  free(ix);
}

const ev_options *ev_index_options(const ev_index *ix) {
  return ix ? &ix->options : NULL;
}

/* realloc that leaves *p untouched on failure. */
static int grow(void **p, size_t bytes) {
  void *q = realloc(*p, bytes ? bytes : 1);
  if (!q) return 0;
  *p = q;
  return 1;
}

/* The arena holds at least `slots` records: chunk 0 grows by half again
 * at a time up to EV_CHUNK_SLOTS (small indexes stay small), then whole
 * chunks are added. A failure keeps what was allocated so far (all of it
 * counted and freed with the index). */
static ev_status grow_arena(ev_index *ix, uint32_t slots) {
  if (slots <= ix->arena_slots) return EV_OK;
  /* On wasm32 size_t is 32 bits: records * node_bytes can wrap around. */
  if (EV_CHUNK_SLOTS > SIZE_MAX / ix->node_bytes) return EV_ERR_OUT_OF_MEMORY;
  if (ix->arena_slots < EV_CHUNK_SLOTS) {
    uint32_t want = ix->arena_slots + ix->arena_slots / 2;
    if (want < slots) want = slots;
    if (want > EV_CHUNK_SLOTS) want = EV_CHUNK_SLOTS;
    if (!ix->chunks && !grow((void **)&ix->chunks, sizeof(uint8_t *)))
      return EV_ERR_OUT_OF_MEMORY;
    if (ix->chunk_count == 0) ix->chunks[0] = NULL;
    if (!grow((void **)&ix->chunks[0], (size_t)want * ix->node_bytes))
      return EV_ERR_OUT_OF_MEMORY;
    ix->chunk_count = 1;
    ix->arena_slots = want;
  }
  uint32_t need = (uint32_t)(((uint64_t)slots + EV_CHUNK_SLOTS - 1) >> EV_CHUNK_SHIFT);
  if (need <= ix->chunk_count) return EV_OK;
  /* The chunks one growth adds are one allocation (a block), so that a
   * request far beyond memory fails at once instead of after thousands
   * of chunks, and a failure adds nothing. */
  size_t chunk_bytes = (size_t)EV_CHUNK_SLOTS * ix->node_bytes;
  size_t added = need - ix->chunk_count;
  if (added > SIZE_MAX / chunk_bytes) return EV_ERR_OUT_OF_MEMORY;
  if (!grow((void **)&ix->chunks, sizeof(uint8_t *) * need) ||
      !grow((void **)&ix->blocks, sizeof(uint8_t *) * (ix->block_count + 1)))
    return EV_ERR_OUT_OF_MEMORY;
  uint8_t *block = malloc(added * chunk_bytes);
  if (!block) return EV_ERR_OUT_OF_MEMORY;
  ix->blocks[ix->block_count++] = block;
  for (size_t i = 0; i < added; i++) ix->chunks[ix->chunk_count++] = block + i * chunk_bytes;
  ix->arena_slots = ix->chunk_count << EV_CHUNK_SHIFT;
  return EV_OK;
}

/* The per-slot arrays hold at least `slots` entries: exactly that much
 * the first time, then at least half again (amortised O(1) copies for
 * one-at-a-time inserts; these arrays are small beside the arena). */
static ev_status grow_slot_arrays(ev_index *ix, uint32_t slots) {
  if (slots <= ix->slot_arrays_len) return EV_OK;
  uint32_t old = ix->slot_arrays_len;
  size_t n = slots;
  size_t grown = (size_t)old + old / 2;
  if (old > 0 && grown > n) n = grown < EV_MAX_SLOTS ? grown : EV_MAX_SLOTS;
  if (!grow((void **)&ix->ext_ids, n * sizeof(uint64_t)) ||
      !grow((void **)&ix->levels, n) || !grow((void **)&ix->deleted, n) ||
      !grow((void **)&ix->upper, n * sizeof(uint32_t *)) ||
      !grow((void **)&ix->scratch.visited, n * sizeof(uint32_t)) ||
      !grow((void **)&ix->scratch.candidates, n * sizeof(ev_heap_item)))
    return EV_ERR_OUT_OF_MEMORY;
  if (ix->options.keep_floats) {
    if (n > SIZE_MAX / sizeof(float) / ix->dim ||
        !grow((void **)&ix->floats, n * ix->dim * sizeof(float)))
      return EV_ERR_OUT_OF_MEMORY;
  }
  /* New visited entries must not look visited in the current epoch. */
  memset(ix->scratch.visited + old, 0, (n - old) * sizeof(uint32_t));
  ix->slot_arrays_len = (uint32_t)n;
  ix->scratch.visited_slots = (uint32_t)n;
  return EV_OK;
}

ev_status ev__ensure_capacity(ev_index *ix, uint32_t slots) {
  if (slots <= ix->capacity) return EV_OK;
  if (slots > EV_MAX_SLOTS) return EV_ERR_CAPACITY;
  ev_status st = grow_arena(ix, slots);
  if (st == EV_OK) st = grow_slot_arrays(ix, slots);
  if (st != EV_OK) return st;
  uint32_t usable = ix->arena_slots < ix->slot_arrays_len ? ix->arena_slots : ix->slot_arrays_len;
  st = ev__meta_ensure_capacity(ix, usable);
  if (st != EV_OK) return st;
  ix->capacity = usable;
  return EV_OK;
}

ev_status ev_reserve(ev_index *ix, size_t additional) {
  if (!ix) return EV_ERR_INVALID_ARGUMENT;
  if (additional > (size_t)EV_MAX_SLOTS - ix->count) return EV_ERR_CAPACITY;
  uint32_t want = ix->count + (uint32_t)additional;
  ev_status st = ev__ensure_capacity(ix, want);
  if (st != EV_OK) return st;
  return ev_idmap_reserve(&ix->ids, want, ix->ext_ids);
}

ev_status ev__scratch_ensure_heaps(ev_scratch *sc, uint32_t ef) {
  /* Results hold ef (+1 before trimming); nearest receives them sorted.
   * (The candidate heap grows with the slots instead.) */
  uint32_t need = ef + 2;
  if (need <= sc->results_capacity) return EV_OK;
  size_t bytes = sizeof(ev_heap_item) * need;
  if (!grow((void **)&sc->results, bytes) || !grow((void **)&sc->nearest, bytes))
    return EV_ERR_OUT_OF_MEMORY;
  sc->results_capacity = need;
  return EV_OK;
}

ev_status ev__ensure_heaps(ev_index *ix, uint32_t ef) {
  return ev__scratch_ensure_heaps(&ix->scratch, ef);
}

int ev__random_level(ev_index *ix) {
  /* splitmix64, then floor(-ln(U) * mL) with U in (0, 1] and mL = 1/ln(m):
   * the largest L with U * m^L <= 1, found by multiplying, at most
   * EV_MAX_LEVEL steps. Why not log(): libm's log() brings a 4 KB table of
   * constants into the .wasm that every app downloads, for this one call
   * per insert; the two can differ only when U lies within a rounding
   * error of a power of 1/m. */
  uint64_t z = (ix->rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  double u = ((double)(z >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  const double m = (double)ix->options.m;
  int level = 0;
  while (level < EV_MAX_LEVEL && u * m <= 1.0) {
    u *= m;
    level++;
  }
  return level;
}

ev_status ev__upper_block_new(ev_index *ix, int level, uint32_t **out) {
  *out = NULL;
  if (level == 0) return EV_OK;
  *out = calloc(ev__upper_words(ix, level), sizeof(uint32_t));
  return *out ? EV_OK : EV_ERR_OUT_OF_MEMORY;
}

void ev__slot_set_upper(ev_index *ix, uint32_t slot, int level,
                        uint32_t *upper_block) {
  ix->upper[slot] = upper_block;
  ix->upper_bytes += ev__upper_words(ix, level) * sizeof(uint32_t);
}

void ev__slot_init(ev_index *ix, uint32_t slot, uint64_t id, int level,
                   uint32_t *upper_block, const uint8_t *payload,
                   const float *floats) {
  ev__slot_set_upper(ix, slot, level, upper_block);
  ix->ext_ids[slot] = id;
  ix->levels[slot] = (uint8_t)level;
  ix->deleted[slot] = 0;
  ix->scratch.visited[slot] = 0;
  /* Zero the whole link block, not just its count: unused link words then
   * read the same in every build and in every snapshot. */
  memset(ev__links0(ix, slot), 0, ix->vector_offset);
  /* The persisted part, then zeros: a record's padding is zero whatever
   * the source held there. */
  uint8_t *dst = ev__payload(ix, slot);
  memcpy(dst, payload, ix->payload_bytes);
  memset(dst + ix->payload_bytes, 0, ix->payload_stride - ix->payload_bytes);
  if (ix->floats && floats)
    memcpy(ix->floats + (size_t)slot * ix->dim, floats, sizeof(float) * ix->dim);
}

ev_status ev__prepare_vector(const ev_index *ix, const float *in, float *out) {
  double norm2 = 0.0;
  for (uint32_t i = 0; i < ix->dim; i++) {
    if (!isfinite(in[i])) return EV_ERR_INVALID_VECTOR;
    norm2 += (double)in[i] * in[i];
  }
  /* Squared distances of vectors this long would overflow f32 (a squared
   * L2 distance can reach 4 |x|^2), ordering every neighbour as +inf. */
  if (norm2 > (double)FLT_MAX / 4.0) return EV_ERR_INVALID_VECTOR;
  if (ix->options.metric != EV_METRIC_COSINE) {
    if (out != in) memcpy(out, in, sizeof(float) * ix->dim);
    return EV_OK;
  }
  /* A norm that underflows to 0 (or overflows: norm2 is a double, so only
   * absurd inputs) cannot be normalised meaningfully. */
  if (!(norm2 > 0.0) || !isfinite(norm2)) return EV_ERR_ZERO_VECTOR;
  double inv = 1.0 / sqrt(norm2);
  for (uint32_t i = 0; i < ix->dim; i++) out[i] = (float)(in[i] * inv);
  return EV_OK;
}

ev_status ev_next_auto_id(const ev_index *ix, uint64_t *out_id) {
  if (!ix || !out_id) return EV_ERR_INVALID_ARGUMENT;
  *out_id = ix->next_auto_id;
  return ix->auto_ids_exhausted ? EV_ERR_CAPACITY : EV_OK;
}

uint32_t ev_live_count(const ev_index *ix) {
  return ix ? ix->count - ix->deleted_count : 0;
}

uint32_t ev_deleted_count(const ev_index *ix) {
  return ix ? ix->deleted_count : 0;
}

double ev_tombstone_ratio(const ev_index *ix) {
  if (!ix || ix->count == 0) return 0.0;
  return (double)ix->deleted_count / (double)ix->count;
}

size_t ev_memory_bytes(const ev_index *ix) {
  if (!ix) return 0;
  size_t per_slot = sizeof(uint64_t) + 2 + sizeof(uint32_t *) +
                    sizeof(uint32_t) + sizeof(ev_heap_item);
  if (ix->options.keep_floats) per_slot += sizeof(float) * ix->dim;
  return sizeof *ix + (size_t)ix->arena_slots * ix->node_bytes +
         sizeof(uint8_t *) * (ix->chunk_count + ix->block_count) +
         (size_t)ix->slot_arrays_len * per_slot + ix->upper_bytes +
         ev_idmap_bytes(&ix->ids) + 2 * sizeof(ev_heap_item) * ix->scratch.results_capacity +
         sizeof(float) * ix->dim + ev__walk_query_bytes(&ix->options) +
         sizeof(ev_heap_item) * ev__select_items(ix) +
         ev__journal_bytes(ix) + ev__compaction_bytes(ix) + ev__meta_bytes(ix) +
         ev__filter_plan_bytes(ix) + ev__parallel_bytes(ix);
}
