/*
 * test_idmap.c — idmap.c: the id -> slot hash table on its own. Every id
 * put is found and no other, putting a known id moves it to its new slot,
 * growth keeps every entry under the load factor, colliding ids probe
 * past each other (wrapping at the end of the table), and free empties it.
 */
#include <stdlib.h>

#include "harness.h"
#include "idmap.h"

/* The ids of n slots: slot s holds ids[s]. A mix of small sequential ids,
 * the extremes and scattered 64-bit values. */
static uint64_t *make_ids(uint32_t n) {
  uint64_t *ids = malloc(sizeof *ids * n);
  uint64_t x = 0x243F6A8885A308D3ull;
  for (uint32_t s = 0; ids && s < n; s++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    ids[s] = s % 3 == 0 ? s : x;
  }
  if (ids && n > 2) {
    ids[1] = UINT64_MAX;
    ids[2] = UINT64_MAX - 1;
  }
  return ids;
}

/* The bucket idmap.c starts probing at: the splitmix64 finaliser it
 * documents. The collision test checks that this still holds. */
static size_t home_bucket(uint64_t id, size_t bucket_count) {
  id ^= id >> 33;
  id *= 0xFF51AFD7ED558CCDull;
  id ^= id >> 33;
  id *= 0xC4CEB9FE1A85EC53ull;
  id ^= id >> 33;
  return (size_t)id & (bucket_count - 1);
}

TEST(idmap_empty_map_finds_nothing) {
  ev_idmap map;
  ev_idmap_init(&map);
  uint64_t ids[1] = {7};
  CHECK_EQ_INT(ev_idmap_get(&map, 7, ids), EV_IDMAP_EMPTY);
  CHECK_EQ_INT(ev_idmap_bytes(&map), 0);
  CHECK_EQ_INT(ev_idmap_reserve(&map, 0, ids), EV_OK);
  CHECK_EQ_INT(ev_idmap_get(&map, 7, ids), EV_IDMAP_EMPTY);
  CHECK_EQ_INT(map.size, 0);
  ev_idmap_free(&map);
  ev_idmap_free(&map); /* twice is harmless */
}

TEST(idmap_finds_every_id_put_and_no_other) {
  const uint32_t n = 5000;
  uint64_t *ids = make_ids(n);
  REQUIRE(ids != NULL);
  ev_idmap map;
  ev_idmap_init(&map);
  REQUIRE(ev_idmap_reserve(&map, n, ids) == EV_OK);
  for (uint32_t s = 0; s < n; s++) ev_idmap_put(&map, ids[s], s, ids);
  CHECK_EQ_INT(map.size, n);
  int bad = 0;
  for (uint32_t s = 0; s < n; s++)
    if (ev_idmap_get(&map, ids[s], ids) != s) bad++;
  CHECK_EQ_INT(bad, 0);
  /* Ids never put: 3k + 1 below n is never sequential, and scattered ids
   * repeat with negligible probability. */
  for (uint64_t id = 1; id < n; id += 3)
    if (ev_idmap_get(&map, id, ids) != EV_IDMAP_EMPTY) bad++;
  CHECK_EQ_INT(bad, 0);
  ev_idmap_free(&map);
  CHECK_EQ_INT(ev_idmap_get(&map, ids[0], ids), EV_IDMAP_EMPTY);
  CHECK_EQ_INT(map.size, 0);
  free(ids);
}

/* An id inserted again after a delete lives in a new slot: the map moves
 * the id there (the old entry is replaced, not added to). */
TEST(idmap_put_of_a_known_id_moves_it_to_its_new_slot) {
  uint64_t ids[4] = {42, 43, 42, 42};
  ev_idmap map;
  ev_idmap_init(&map);
  REQUIRE(ev_idmap_reserve(&map, 4, ids) == EV_OK);
  ev_idmap_put(&map, 42, 0, ids);
  ev_idmap_put(&map, 43, 1, ids);
  ev_idmap_put(&map, 42, 2, ids);
  CHECK_EQ_INT(ev_idmap_get(&map, 42, ids), 2);
  CHECK_EQ_INT(map.size, 2);
  ev_idmap_put(&map, 42, 3, ids);
  CHECK_EQ_INT(ev_idmap_get(&map, 42, ids), 3);
  CHECK_EQ_INT(ev_idmap_get(&map, 43, ids), 1);
  CHECK_EQ_INT(map.size, 2);
  ev_idmap_free(&map);
}

/* Growing one step at a time (as single inserts do) rehashes every entry
 * into a table that stays a power of two at most 3/4 full, and a reserve
 * that fits already changes nothing. */
TEST(idmap_grows_and_keeps_every_entry) {
  const uint32_t n = 3000;
  uint64_t *ids = make_ids(n);
  REQUIRE(ids != NULL);
  ev_idmap map;
  ev_idmap_init(&map);
  int bad = 0, grew = 0;
  for (uint32_t s = 0; s < n; s++) {
    size_t before = map.bucket_count;
    REQUIRE(ev_idmap_reserve(&map, s + 1, ids) == EV_OK);
    if (map.bucket_count != before) {
      grew++;
      for (uint32_t t = 0; t < s; t++)
        if (ev_idmap_get(&map, ids[t], ids) != t) bad++;
    }
    ev_idmap_put(&map, ids[s], s, ids);
    if (map.bucket_count & (map.bucket_count - 1)) bad++;
    if (map.size * 4 > map.bucket_count * 3) bad++;
  }
  CHECK_EQ_INT(bad, 0);
  CHECK(grew >= 8); /* 16 buckets up to 4096 */
  CHECK_EQ_INT(ev_idmap_bytes(&map), map.bucket_count * sizeof(uint32_t));
  uint32_t *buckets = map.buckets;
  size_t count = map.bucket_count;
  CHECK_EQ_INT(ev_idmap_reserve(&map, n / 2, ids), EV_OK);
  CHECK(map.buckets == buckets && map.bucket_count == count);
  for (uint32_t s = 0; s < n; s++)
    if (ev_idmap_get(&map, ids[s], ids) != s) bad++;
  CHECK_EQ_INT(bad, 0);
  ev_idmap_free(&map);
  free(ids);
}

/* Ids whose home is the last bucket of a 16-bucket table: each one put
 * probes past the others, wrapping to bucket 0, and a lookup of a
 * colliding id that was never put stops at the first free bucket. */
TEST(idmap_collisions_probe_past_each_other_and_wrap) {
  enum { PUT = 6, ABSENT = 2 };
  uint64_t ids[PUT + ABSENT];
  uint32_t found = 0;
  for (uint64_t id = 1000; found < PUT + ABSENT; id++)
    if (home_bucket(id, 16) == 15) ids[found++] = id;
  ev_idmap map;
  ev_idmap_init(&map);
  REQUIRE(ev_idmap_reserve(&map, PUT, ids) == EV_OK);
  REQUIRE(map.bucket_count == 16);
  for (uint32_t s = 0; s < PUT; s++) ev_idmap_put(&map, ids[s], s, ids);
  /* Linear probing from bucket 15: the first id there, the rest from 0. */
  CHECK_EQ_INT(map.buckets[15], 0);
  for (uint32_t s = 1; s < PUT; s++) CHECK_EQ_INT(map.buckets[s - 1], s);
  int bad = 0;
  for (uint32_t s = 0; s < PUT; s++)
    if (ev_idmap_get(&map, ids[s], ids) != s) bad++;
  for (uint32_t a = PUT; a < PUT + ABSENT; a++)
    if (ev_idmap_get(&map, ids[a], ids) != EV_IDMAP_EMPTY) bad++;
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(map.size, PUT);
  ev_idmap_free(&map);
}
