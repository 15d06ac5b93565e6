/*
 * test_compact.c — compact.c: a compaction drops the tombstones and keeps
 * every live id with its vector (f32, or quantized codes with their kept
 * floats), its metadata record, and the automatic id sequence.
 */
#include <stdlib.h>
#include <string.h>

#include "core_util.h"
#include "dataset.h"
#include "edgevec.h"
#include "harness.h"
#include "metadata.h"

TEST(compaction_keeps_ids_vectors_and_auto_sequence) {
  ev_index *ix = cu_index(2, EV_METRIC_COSINE, 1);
  REQUIRE(ix != NULL);
  float v[200];
  for (int i = 0; i < 200; i++) v[i] = (float)((i * 37) % 11) - 5.0f + 0.5f;
  uint64_t ids[100];
  REQUIRE(ev_insert_batch(ix, v, 100, 2, NULL, ids, NULL, NULL, NULL, NULL) == EV_OK);
  float stored[200];
  for (int i = 0; i < 100; i++) REQUIRE(ev_get(ix, ids[i], stored + 2 * i) == EV_OK);
  for (uint64_t id = 0; id < 100; id += 2) ev_soft_delete(ix, id, NULL);
  CHECK_EQ_INT(ev_compact(ix), EV_OK);
  CHECK_EQ_INT(ev_live_count(ix), 50);
  for (int i = 0; i < 100; i++) {
    float got[2];
    if (i % 2 == 0) {
      CHECK_EQ_INT(ev_get(ix, ids[i], got), EV_ERR_NOT_FOUND);
    } else {
      CHECK_EQ_INT(ev_get(ix, ids[i], got), EV_OK);
      CHECK(got[0] == stored[2 * i] && got[1] == stored[2 * i + 1]);
    }
  }
  uint64_t next;
  CHECK_EQ_INT(ev_insert(ix, v, 2, NULL, &next), EV_OK);
  CHECK_EQ_INT(next, 100);
  CHECK_EQ_INT(ev_compact(NULL), EV_ERR_INVALID_ARGUMENT);
  ev_index_free(ix);
}

TEST(quantized_compaction_keeps_codes_and_floats) {
  const uint32_t n = 600, dim = 32;
  float *v = ev_dataset_rows(3, dim, EV_DATASET_CLUSTERS, n);
  ev_index *ix = cu_index_q(dim, EV_METRIC_DOT, 5, EV_QUANT_SQ8, 1, 20);
  REQUIRE(ix != NULL);
  REQUIRE(ev_insert_batch(ix, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  for (uint64_t id = 0; id < n; id += 3) ev_soft_delete(ix, id, NULL);
  CHECK_EQ_INT(ev_compact(ix), EV_OK);
  int bad = 0;
  float got[32];
  for (uint64_t id = 0; id < n; id++) {
    ev_status st = ev_get(ix, id, got);
    if (id % 3 == 0) bad |= st != EV_ERR_NOT_FOUND;
    else bad |= st != EV_OK || memcmp(got, v + id * dim, sizeof got) != 0;
  }
  CHECK(!bad);
  ev_index_free(ix);
  free(v);
}

TEST(compaction_moves_every_live_record_to_its_new_slot) {
  ev_index *ix = cu_index(3, EV_METRIC_L2, 9);
  REQUIRE(ix != NULL);
  float v[3 * 50];
  for (int i = 0; i < 150; i++) v[i] = (float)((i * 13) % 17) - 8.0f;
  REQUIRE(ev_insert_batch(ix, v, 50, 3, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  /* Record of id i: one NUMBER field "n" = i (ids = 0 mod 3 have none). */
  uint8_t rec[14] = {1, 0, 1, 'n', 1};
  for (uint64_t id = 0; id < 50; id++) {
    if (id % 3 == 0) continue;
    double d = (double)id;
    memcpy(rec + 5, &d, 8);
    REQUIRE(ev_meta_set(ix, id, rec, 13, NULL) == EV_OK);
  }
  for (uint64_t id = 0; id < 50; id += 4) ev_soft_delete(ix, id, NULL);
  CHECK_EQ_INT(ev_compact(ix), EV_OK);
  int bad = 0;
  for (uint64_t id = 0; id < 50; id++) {
    uint8_t got[32];
    size_t len = 0;
    ev_status st = ev_meta_get(ix, id, got, sizeof got, &len);
    if (id % 4 == 0) {
      bad |= st != EV_ERR_NOT_FOUND;
    } else if (id % 3 == 0) {
      bad |= st != EV_OK || len != 2 || got[0] != 0 || got[1] != 0;
    } else {
      double d = (double)id;
      memcpy(rec + 5, &d, 8);
      bad |= st != EV_OK || len != 13 || memcmp(got, rec, 13) != 0;
    }
  }
  CHECK(!bad);
  ev_index_free(ix);
}
