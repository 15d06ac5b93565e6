/*
 * core_util.h — helpers of the unit tests of the core's operations: small
 * indexes with the default graph parameters, and a fingerprint of what an
 * index holds, to check that a refused call changed nothing.
 */
#ifndef EV_CORE_UTIL_H
#define EV_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"

/* Options with the default graph parameters and these values. */
ev_options cu_options(uint32_t dim, ev_metric metric, uint64_t seed,
                      ev_quantization q, uint32_t keep_floats, uint32_t rerank);
/* A new index with these options; NULL if creation fails. */
ev_index *cu_create(const ev_options *options);
/* A new index with the default graph parameters and this seed. */
ev_index *cu_index(uint32_t dim, ev_metric metric, uint64_t seed);
/* The same with quantization options. */
ev_index *cu_index_q(uint32_t dim, ev_metric metric, uint64_t seed,
                     ev_quantization q, uint32_t keep_floats, uint32_t rerank);

/* Everything observable about an index, to check "nothing changed". */
typedef struct cu_fingerprint {
  uint32_t count, deleted, capacity;
  uint64_t next_auto_id, rng;
  uint32_t entry;
  size_t arena_hash;
} cu_fingerprint;

cu_fingerprint cu_fingerprint_of(const ev_index *ix);
/* 1 when the two fingerprints agree (capacity may differ: growing it
 * changes nothing a caller sees). */
int cu_same_fingerprint(cu_fingerprint a, cu_fingerprint b);

#endif
