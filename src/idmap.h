/*
 * idmap.h — external 64-bit id -> internal 32-bit slot, an open-addressing
 * hash table with linear probing.
 *
 * Buckets hold only the slot (4 bytes); the id of a bucket is read from the
 * index's per-slot id array, which exists anyway. That makes a bucket a
 * quarter of an (id, slot) pair (16 bytes with alignment), which matters
 * against the memory budget per vector (bytes/vector measured in
 * bench/results/core.md). Entries are never removed one by one (a
 * deleted vector keeps its entry, so a second delete says "already
 * deleted"); compaction rebuilds the table.
 */
#ifndef EV_IDMAP_H
#define EV_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"

#define EV_IDMAP_EMPTY 0xFFFFFFFFu

typedef struct ev_idmap {
  uint32_t *buckets;   /* slot numbers, EV_IDMAP_EMPTY when free */
  size_t bucket_count; /* a power of two, or 0 */
  size_t size;         /* entries in use */
} ev_idmap;

void ev_idmap_init(ev_idmap *map);
void ev_idmap_free(ev_idmap *map);
/* Makes sure `entries` entries fit under the load factor, so that the next
 * puts up to that total cannot fail. `slot_ids` maps a slot to its id. */
ev_status ev_idmap_reserve(ev_idmap *map, size_t entries,
                           const uint64_t *slot_ids);
/* Slot of `id`, or EV_IDMAP_EMPTY. */
uint32_t ev_idmap_get(const ev_idmap *map, uint64_t id,
                      const uint64_t *slot_ids);
/* Points `id` (== slot_ids[slot]) at `slot`, inserting or overwriting.
 * Capacity must have been reserved. */
void ev_idmap_put(ev_idmap *map, uint64_t id, uint32_t slot,
                  const uint64_t *slot_ids);
size_t ev_idmap_bytes(const ev_idmap *map);

#endif
