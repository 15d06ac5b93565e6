/*
 * idmap.c — the id map's hash table (idmap.h): hashing, linear probing and
 * growth. Load factor at most 3/4: ids given by web apps are often
 * sequential, and the mixing hash below spreads them evenly, so linear
 * probing stays short at that load.
 */
#include "idmap.h"

#include <stdlib.h>

static size_t hash_id(uint64_t id) {
  /* The splitmix64 finaliser: every input bit affects every output bit. */
  id ^= id >> 33;
  id *= 0xFF51AFD7ED558CCDull;
  id ^= id >> 33;
  id *= 0xC4CEB9FE1A85EC53ull;
  id ^= id >> 33;
  return (size_t)id;
}

void ev_idmap_init(ev_idmap *map) {
  map->buckets = NULL;
  map->bucket_count = 0;
  map->size = 0;
}

void ev_idmap_free(ev_idmap *map) {
  free(map->buckets);
  ev_idmap_init(map);
}

/* The bucket holding `id`, or the free bucket where it would go. */
static size_t find_bucket(const uint32_t *buckets, size_t count, uint64_t id,
                          const uint64_t *slot_ids) {
  size_t mask = count - 1;
  size_t i = hash_id(id) & mask;
  while (buckets[i] != EV_IDMAP_EMPTY && slot_ids[buckets[i]] != id)
    i = (i + 1) & mask;
  return i;
}

ev_status ev_idmap_reserve(ev_idmap *map, size_t entries,
                           const uint64_t *slot_ids) {
  size_t want = 16;
  while (want / 4 * 3 < entries) {
    if (want > SIZE_MAX / 2 / sizeof(uint32_t)) return EV_ERR_OUT_OF_MEMORY;
    want *= 2;
  }
  if (want <= map->bucket_count) return EV_OK;
  uint32_t *fresh = malloc(want * sizeof *fresh);
  if (!fresh) return EV_ERR_OUT_OF_MEMORY;
  for (size_t i = 0; i < want; i++) fresh[i] = EV_IDMAP_EMPTY;
  for (size_t i = 0; i < map->bucket_count; i++) {
    uint32_t slot = map->buckets[i];
    if (slot != EV_IDMAP_EMPTY)
      fresh[find_bucket(fresh, want, slot_ids[slot], slot_ids)] = slot;
  }
  free(map->buckets);
  map->buckets = fresh;
  map->bucket_count = want;
  return EV_OK;
}

uint32_t ev_idmap_get(const ev_idmap *map, uint64_t id,
                      const uint64_t *slot_ids) {
  if (map->bucket_count == 0) return EV_IDMAP_EMPTY;
  return map->buckets[find_bucket(map->buckets, map->bucket_count, id, slot_ids)];
}

void ev_idmap_put(ev_idmap *map, uint64_t id, uint32_t slot,
                  const uint64_t *slot_ids) {
  size_t i = find_bucket(map->buckets, map->bucket_count, id, slot_ids);
  if (map->buckets[i] == EV_IDMAP_EMPTY) map->size++;
  map->buckets[i] = slot;
}

size_t ev_idmap_bytes(const ev_idmap *map) {
  return map->bucket_count * sizeof(uint32_t);
}
