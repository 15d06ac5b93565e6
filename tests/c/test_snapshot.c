/* test_snapshot.c — snapshot.c: round trips (every metric, deletes,
 * re-inserted ids, compaction), determinism, header checks, and the value
 * checks that sit behind the checksums (hand-edited snapshots with
 * re-sealed CRCs). */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "index.h"
#include "snapshot.h"
#include "persist_util.h"

/* Inserts, deletes (some ids re-inserted with new vectors), a compaction,
 * more inserts and deletes: every kind of state a snapshot must carry. */
static ev_index *build_mixed_q(uint32_t dim, ev_metric metric, uint64_t seed,
                               uint32_t n, ev_quantization q, uint32_t keep,
                               uint32_t rerank) {
  ev_index *ix = pu_index_q(dim, metric, seed, q, keep, rerank);
  float *rows = pu_rows(seed + 1, dim, 2 * (size_t)n);
  if (!ix || !rows) goto fail;
  uint64_t *out = malloc(8 * (size_t)n);
  if (!out) goto fail;
  /* Automatic ids for the first half, chosen (sparse) ids for the rest. */
  if (ev_insert_batch(ix, rows, n / 2, dim, NULL, out, NULL, NULL, NULL,
                      NULL) != EV_OK)
    goto fail_out;
  for (uint32_t i = n / 2; i < n; i++) {
    uint64_t id = 1000 + 7 * (uint64_t)i;
    if (ev_insert(ix, rows + (size_t)i * dim, dim, &id, NULL) != EV_OK)
      goto fail_out;
  }
  for (uint32_t i = 0; i < n / 2; i += 5) {
    ev_delete_outcome o;
    ev_soft_delete(ix, out[i], &o);
  }
  if (ev_compact(ix) != EV_OK) goto fail_out;
  for (uint32_t i = 0; i < n / 2; i += 3) {
    ev_delete_outcome o;
    ev_soft_delete(ix, out[i], &o);
  }
  /* Re-insert some deleted ids with new vectors. */
  for (uint32_t i = 0; i < n / 2; i += 6) {
    uint64_t id = out[i];
    if (ev_insert(ix, rows + (size_t)(n + i) * dim, dim, &id, NULL) != EV_OK)
      goto fail_out;
  }
  if (ev_insert_batch(ix, rows + (size_t)(n + n / 2) * dim, n / 4, dim, NULL,
                      NULL, NULL, NULL, NULL, NULL) != EV_OK)
    goto fail_out;
  free(out);
  free(rows);
  return ix;
fail_out:
  free(out);
fail:
  free(rows);
  ev_index_free(ix);
  return NULL;
}

static ev_index *build_mixed(uint32_t dim, ev_metric metric, uint64_t seed,
                             uint32_t n) {
  return build_mixed_q(dim, metric, seed, n, EV_QUANT_NONE, 0, 0);
}

static void roundtrip_q(ev_metric metric, ev_quantization q, uint32_t keep,
                        uint32_t rerank) {
  ev_index *a = build_mixed_q(12, metric, 42 + metric, 240, q, keep, rerank);
  REQUIRE(a != NULL);
  CHECK(ev_deleted_count(a) > 0);
  uint8_t *bytes = NULL;
  size_t len = 0;
  REQUIRE(ev_snapshot_save(a, 77, &bytes, &len) == EV_OK);
  CHECK(len == ev_snapshot_size(a));
  ev_index *b = NULL;
  ev_snapshot_info info;
  ev_load_error err;
  ev_status st = ev_snapshot_load(bytes, len, &b, &info, &err);
  CHECK_EQ_INT(st, EV_OK);
  if (st == EV_OK) {
    CHECK(info.wal_seq == 77);
    CHECK(info.version == 1); /* no metadata: written as version 1 */
    CHECK(info.count == a->count);
    CHECK(info.total_bytes == len);
    CHECK(err.status == EV_OK && err.section == 0 && err.reason == 0);
    CHECK(pu_same_index(a, b));
    CHECK(pu_same_search(a, b, 900, 40, 10));
    CHECK(ev_memory_bytes(b) > 0);
    /* The loaded index goes on exactly as the original. */
    float *more = pu_rows(901, 12, 60);
    REQUIRE(more != NULL);
    CHECK(ev_insert_batch(a, more, 60, 12, NULL, NULL, NULL, NULL, NULL,
                          NULL) == EV_OK);
    CHECK(ev_insert_batch(b, more, 60, 12, NULL, NULL, NULL, NULL, NULL,
                          NULL) == EV_OK);
    uint64_t del[3] = {1000 + 7 * 130, 2, 99999};
    ev_batch_delete_result ra, rb;
    CHECK(ev_soft_delete_batch(a, del, 3, &ra) == EV_OK);
    CHECK(ev_soft_delete_batch(b, del, 3, &rb) == EV_OK);
    CHECK(ev_compact(a) == EV_OK && ev_compact(b) == EV_OK);
    CHECK(pu_same_index(a, b));
    CHECK(pu_same_search(a, b, 902, 40, 10));
    free(more);
  }
  free(bytes);
  ev_index_free(a);
  ev_index_free(b);
}

static void roundtrip(ev_metric metric) { roundtrip_q(metric, EV_QUANT_NONE, 0, 0); }

TEST(snapshot_roundtrip_sq8) { roundtrip_q(EV_METRIC_L2, EV_QUANT_SQ8, 0, 0); }
TEST(snapshot_roundtrip_sq8_keep_floats_rerank) {
  roundtrip_q(EV_METRIC_COSINE, EV_QUANT_SQ8, 1, 20);
}
TEST(snapshot_roundtrip_binary) { roundtrip_q(EV_METRIC_DOT, EV_QUANT_BINARY, 0, 0); }
TEST(snapshot_roundtrip_binary_keep_floats_rerank) {
  roundtrip_q(EV_METRIC_COSINE, EV_QUANT_BINARY, 1, 30);
}
TEST(snapshot_roundtrip_l2) { roundtrip(EV_METRIC_L2); }
TEST(snapshot_roundtrip_cosine) { roundtrip(EV_METRIC_COSINE); }
TEST(snapshot_roundtrip_dot) { roundtrip(EV_METRIC_DOT); }

TEST(snapshot_roundtrip_empty_and_single) {
  ev_index *a = pu_index(3, EV_METRIC_L2, 5);
  REQUIRE(a != NULL);
  for (int round = 0; round < 2; round++) {
    uint8_t *bytes = NULL;
    size_t len = 0;
    REQUIRE(ev_snapshot_save(a, 0, &bytes, &len) == EV_OK);
    ev_index *b = NULL;
    CHECK_EQ_INT(ev_snapshot_load(bytes, len, &b, NULL, NULL), EV_OK);
    if (b) {
      CHECK(pu_same_index(a, b));
      CHECK(ev_live_count(b) == (uint32_t)round);
    }
    ev_index_free(b);
    free(bytes);
    float v[3] = {1, 2, 3};
    CHECK(ev_insert(a, v, 3, NULL, NULL) == EV_OK);
  }
  ev_index_free(a);
}

TEST(snapshot_all_deleted_and_auto_id_sequence_survive) {
  ev_index *a = pu_index(4, EV_METRIC_L2, 6);
  REQUIRE(a != NULL);
  float rows[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint64_t big = UINT64_MAX;
  CHECK(ev_insert(a, rows, 4, &big, NULL) == EV_OK); /* exhausts auto ids */
  uint64_t id5 = 5;
  CHECK(ev_insert(a, rows + 4, 4, &id5, NULL) == EV_OK);
  ev_delete_outcome o;
  CHECK(ev_soft_delete(a, big, &o) == EV_OK);
  CHECK(ev_soft_delete(a, 5, &o) == EV_OK);
  CHECK(ev_live_count(a) == 0);
  size_t len = 0;
  uint8_t *bytes = pu_save(a, &len);
  REQUIRE(bytes != NULL);
  ev_index *b = NULL;
  CHECK_EQ_INT(ev_snapshot_load(bytes, len, &b, NULL, NULL), EV_OK);
  if (b) {
    CHECK(pu_same_index(a, b));
    CHECK(b->auto_ids_exhausted == a->auto_ids_exhausted);
    /* Still no automatic ids left; chosen ids still work. */
    CHECK(ev_insert(b, rows, 4, NULL, NULL) == ev_insert(a, rows, 4, NULL, NULL));
    CHECK(ev_insert(b, rows, 4, &id5, NULL) == EV_OK);
  }
  ev_index_free(b);
  free(bytes);
  ev_index_free(a);
}

TEST(snapshot_save_is_deterministic_and_stable_through_load) {
  ev_index *a = build_mixed(8, EV_METRIC_L2, 7, 120);
  REQUIRE(a != NULL);
  size_t l1 = 0, l2 = 0;
  uint8_t *b1 = pu_save(a, &l1);
  uint8_t *b2 = pu_save(a, &l2);
  REQUIRE(b1 && b2);
  CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
  ev_index *b = NULL;
  CHECK(ev_snapshot_load(b1, l1, &b, NULL, NULL) == EV_OK);
  if (b) CHECK(pu_same_bytes(a, b));
  /* Into a caller buffer: too small is refused, exact fits. */
  uint8_t *buf = malloc(l1);
  size_t w = 1;
  CHECK(ev_snapshot_write(a, 0, buf, l1 - 1, &w) == EV_ERR_INVALID_ARGUMENT);
  CHECK(w == 0);
  CHECK(ev_snapshot_write(a, 0, buf, l1, &w) == EV_OK);
  CHECK(w == l1 && memcmp(buf, b1, l1) == 0);
  free(buf);
  free(b1);
  free(b2);
  ev_index_free(a);
  ev_index_free(b);
}

TEST(snapshot_inspect_reads_the_header) {
  ev_index *a = build_mixed(8, EV_METRIC_COSINE, 8, 80);
  REQUIRE(a != NULL);
  uint8_t *bytes = NULL;
  size_t len = 0;
  REQUIRE(ev_snapshot_save(a, 123456789012345ull, &bytes, &len) == EV_OK);
  ev_snapshot_info info;
  ev_load_error err;
  CHECK(ev_snapshot_inspect(bytes, len, &info, &err) == EV_OK);
  CHECK(info.wal_seq == 123456789012345ull);
  CHECK(info.options.dimensions == 8 && info.options.metric == EV_METRIC_COSINE);
  CHECK(info.options.m == 6 && info.options.seed == 8);
  CHECK(info.count == a->count && info.deleted_count == a->deleted_count);
  free(bytes);
  ev_index_free(a);
}

TEST(snapshot_argument_errors) {
  ev_index *ix = NULL;
  CHECK(ev_snapshot_load(NULL, 10, &ix, NULL, NULL) == EV_ERR_INVALID_ARGUMENT);
  CHECK(ev_snapshot_load((const uint8_t *)"x", 1, NULL, NULL, NULL) ==
        EV_ERR_INVALID_ARGUMENT);
  ev_load_error err;
  CHECK(ev_snapshot_load(NULL, 0, &ix, NULL, &err) == EV_ERR_TRUNCATED);
  CHECK(err.section == EV_SECTION_HEADER && err.reason == EV_REASON_TRUNCATED);
  CHECK(ix == NULL);
  uint8_t *buf = NULL;
  size_t len = 0;
  CHECK(ev_snapshot_save(NULL, 0, &buf, &len) == EV_ERR_INVALID_ARGUMENT);
  CHECK(ev_snapshot_size(NULL) == 0);
  CHECK(strcmp(ev_snapshot_section_name(EV_SECTION_LINKS0), "links level 0") == 0);
  CHECK(strcmp(ev_load_reason_name(EV_REASON_CHECKSUM), "checksum mismatch") == 0);
  CHECK(ev_snapshot_section_name(999) != NULL && ev_load_reason_name(999) != NULL);
}

/* ---- what the reader refuses -------------------------------------------- */

typedef struct edited {
  uint8_t *bytes;
  size_t len;
  ev_index *src;
} edited;

static int edited_init(edited *e) {
  e->src = build_mixed(8, EV_METRIC_L2, 9, 60);
  if (!e->src) return 0;
  e->bytes = pu_save(e->src, &e->len);
  return e->bytes != NULL;
}
static void edited_free(edited *e) {
  free(e->bytes);
  ev_index_free(e->src);
}
/* Offset of section `id`'s bytes. */
static size_t section_at(const uint8_t *b, uint32_t id) {
  for (uint32_t i = 0; i < pu_get_u32(b + 92); i++)
    if (pu_get_u32(b + 120 + 24 * i) == id)
      return (size_t)pu_get_u64(b + 120 + 24 * i + 8);
  return 0;
}
static void expect_fail(edited *e, ev_status st, uint32_t section,
                        uint32_t reason) {
  ev_index *ix = (ev_index *)1;
  ev_load_error err;
  ev_status got = ev_snapshot_load(e->bytes, e->len, &ix, NULL, &err);
  CHECK_EQ_INT(got, st);
  CHECK_EQ_INT(err.status, st);
  CHECK_EQ_INT(err.section, section);
  CHECK_EQ_INT(err.reason, reason);
  CHECK(ix == NULL);
}

TEST(snapshot_refuses_bad_magic_and_newer_versions) {
  edited e;
  REQUIRE(edited_init(&e));
  e.bytes[0] ^= 0x20;
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_HEADER, EV_REASON_BAD_MAGIC);
  e.bytes[0] ^= 0x20;
  pu_put_u32(e.bytes + 8, EV_SNAPSHOT_VERSION + 1);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_HEADER, EV_REASON_CHECKSUM);
  pu_reseal_snapshot(e.bytes, e.len); /* a genuine newer snapshot */
  expect_fail(&e, EV_ERR_UNSUPPORTED_VERSION, EV_SECTION_HEADER,
              EV_REASON_NEWER_VERSION);
  /* A newer version may have a longer header: still refused by version. */
  pu_put_u32(e.bytes + 8, 1000);
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_UNSUPPORTED_VERSION, EV_SECTION_HEADER,
              EV_REASON_NEWER_VERSION);
  pu_put_u32(e.bytes + 8, 1);
  pu_put_u32(e.bytes + 20, 1); /* a feature flag this build lacks */
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_UNSUPPORTED_VERSION, EV_SECTION_HEADER,
              EV_REASON_UNKNOWN_FEATURE);
  pu_put_u32(e.bytes + 20, 0);
  pu_put_u32(e.bytes + 52, 3); /* a quantization this build lacks */
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_UNSUPPORTED_VERSION, EV_SECTION_HEADER,
              EV_REASON_UNKNOWN_FEATURE);
  edited_free(&e);
}

TEST(snapshot_refuses_checksum_mismatch_per_section) {
  static const uint32_t ids[] = {EV_SECTION_VECTORS, EV_SECTION_IDS,
                                 EV_SECTION_LEVELS, EV_SECTION_TOMBSTONES,
                                 EV_SECTION_LINKS0, EV_SECTION_UPPER};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    edited e;
    REQUIRE(edited_init(&e));
    e.bytes[section_at(e.bytes, ids[i])] ^= 0x01;
    expect_fail(&e, EV_ERR_CORRUPT, ids[i], EV_REASON_CHECKSUM);
    edited_free(&e);
  }
}

TEST(snapshot_refuses_bad_values_behind_valid_checksums) {
  edited e;
  REQUIRE(edited_init(&e));
  uint32_t count = e.src->count;
  size_t vec = section_at(e.bytes, EV_SECTION_VECTORS);
  size_t ids = section_at(e.bytes, EV_SECTION_IDS);
  size_t lev = section_at(e.bytes, EV_SECTION_LEVELS);
  size_t tomb = section_at(e.bytes, EV_SECTION_TOMBSTONES);
  size_t l0 = section_at(e.bytes, EV_SECTION_LINKS0);
  size_t up = section_at(e.bytes, EV_SECTION_UPPER);
  uint8_t *orig = malloc(e.len);
  REQUIRE(orig != NULL);
  memcpy(orig, e.bytes, e.len);
#define RESTORE() memcpy(e.bytes, orig, e.len)

  /* NaN and infinity in a vector. */
  pu_put_u32(e.bytes + vec + 4 * 5, 0x7FC00000u);
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_VECTORS, EV_REASON_BAD_VALUE);
  RESTORE();
  pu_put_u32(e.bytes + vec + 4 * 9, 0xFF800000u);
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_VECTORS, EV_REASON_BAD_VALUE);
  RESTORE();

  /* A level-0 link target past the slots. */
  REQUIRE(pu_get_u32(e.bytes + l0) > 0);
  pu_put_u32(e.bytes + l0 + 4, count);
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_LINKS0, EV_REASON_BAD_VALUE);
  RESTORE();
  /* A self-link, and the same neighbour twice (slot 0's list). */
  REQUIRE(pu_get_u32(e.bytes + l0) >= 2);
  pu_put_u32(e.bytes + l0 + 4, 0);
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_LINKS0, EV_REASON_BAD_VALUE);
  RESTORE();
  pu_put_u32(e.bytes + l0 + 8, pu_get_u32(e.bytes + l0 + 4));
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_LINKS0, EV_REASON_BAD_VALUE);
  RESTORE();
  /* More links than m0. */
  pu_put_u32(e.bytes + l0, 2 * 6 + 1);
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_LINKS0, EV_REASON_BAD_VALUE);
  RESTORE();
  /* A link count that runs past the section. */
  {
    size_t l0_len = (size_t)pu_get_u64(e.bytes + 120 + 24 * 4 + 16);
    size_t last = l0, next = l0;
    while (next < l0 + l0_len) {
      last = next;
      next += 4 + 4 * (size_t)pu_get_u32(e.bytes + next);
    }
    pu_put_u32(e.bytes + last, pu_get_u32(e.bytes + last) + 1);
    pu_reseal_snapshot(e.bytes, e.len);
    ev_load_error err;
    ev_index *ix = NULL;
    CHECK(ev_snapshot_load(e.bytes, e.len, &ix, NULL, &err) == EV_ERR_CORRUPT);
    CHECK(err.section == EV_SECTION_LINKS0);
    RESTORE();
  }

  /* An upper-level link to a node that does not reach that level. */
  {
    uint32_t low = EV_NO_SLOT;
    for (uint32_t s = 0; s < count && low == EV_NO_SLOT; s++)
      if (e.bytes[lev + s] == 0) low = s;
    REQUIRE(low != EV_NO_SLOT);
    REQUIRE(pu_get_u32(e.bytes + up) > 0);
    pu_put_u32(e.bytes + up + 4, low);
    pu_reseal_snapshot(e.bytes, e.len);
    expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_UPPER, EV_REASON_BAD_VALUE);
    RESTORE();
  }

  /* A level above max_level, and a level-0 entry point. */
  {
    uint32_t entry = pu_get_u32(e.bytes + 72);
    uint32_t other = entry == 0 ? 1 : 0;
    e.bytes[lev + other] = (uint8_t)(pu_get_u32(e.bytes + 76) + 1);
    pu_reseal_snapshot(e.bytes, e.len);
    expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_LEVELS, EV_REASON_BAD_VALUE);
    RESTORE();
    pu_put_u32(e.bytes + 76, pu_get_u32(e.bytes + 76) + 1); /* max_level */
    pu_reseal_snapshot(e.bytes, e.len);
    expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_LEVELS, EV_REASON_INCONSISTENT);
    RESTORE();
    pu_put_u32(e.bytes + 72, count); /* entry out of range */
    pu_reseal_snapshot(e.bytes, e.len);
    expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_HEADER, EV_REASON_BAD_VALUE);
    RESTORE();
  }

  /* Two live slots with one id. */
  {
    uint32_t s1 = EV_NO_SLOT, s2 = EV_NO_SLOT;
    for (uint32_t s = 0; s < count; s++)
      if (!e.src->deleted[s]) {
        if (s1 == EV_NO_SLOT) s1 = s;
        else if (s2 == EV_NO_SLOT) s2 = s;
      }
    REQUIRE(s2 != EV_NO_SLOT);
    memcpy(e.bytes + ids + 8 * s2, e.bytes + ids + 8 * s1, 8);
    pu_reseal_snapshot(e.bytes, e.len);
    expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_IDS, EV_REASON_BAD_VALUE);
    RESTORE();
  }
  /* An id at or past the automatic sequence's next value. */
  {
    uint64_t next = pu_get_u64(e.bytes + 80);
    for (int i = 0; i < 8; i++) e.bytes[ids + i] = (uint8_t)(next >> (8 * i));
    pu_reseal_snapshot(e.bytes, e.len);
    expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_IDS, EV_REASON_INCONSISTENT);
    RESTORE();
  }

  /* Tombstones: a count that disagrees, a bit past count. */
  pu_put_u32(e.bytes + 68, pu_get_u32(e.bytes + 68) + 1);
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_TOMBSTONES, EV_REASON_INCONSISTENT);
  RESTORE();
  if (count % 8) {
    e.bytes[tomb + count / 8] |= (uint8_t)(0x80);
    pu_reseal_snapshot(e.bytes, e.len);
    expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_TOMBSTONES, EV_REASON_BAD_VALUE);
    RESTORE();
  }

  /* Options out of range; counts that disagree with section sizes. */
  pu_put_u32(e.bytes + 24, 0);
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_HEADER, EV_REASON_BAD_VALUE);
  RESTORE();
  pu_put_u32(e.bytes + 28, 7);
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_HEADER, EV_REASON_BAD_VALUE);
  RESTORE();
  pu_put_u32(e.bytes + 64, count + 1);
  pu_reseal_snapshot(e.bytes, e.len);
  expect_fail(&e, EV_ERR_CORRUPT, EV_SECTION_VECTORS, EV_REASON_INCONSISTENT);
  RESTORE();
  /* Trailing bytes after the snapshot. */
  {
    uint8_t *longer = malloc(e.len + 1);
    REQUIRE(longer != NULL);
    memcpy(longer, e.bytes, e.len);
    longer[e.len] = 0;
    ev_index *ix = NULL;
    ev_load_error err;
    CHECK(ev_snapshot_load(longer, e.len + 1, &ix, NULL, &err) == EV_ERR_CORRUPT);
    CHECK(err.reason == EV_REASON_INCONSISTENT);
    free(longer);
  }
  /* The unedited bytes still load. */
  {
    ev_index *ix = NULL;
    CHECK(ev_snapshot_load(e.bytes, e.len, &ix, NULL, NULL) == EV_OK);
    ev_index_free(ix);
  }
  (void)vec;
#undef RESTORE
  free(orig);
  edited_free(&e);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Save and load throughput on a 2,000 x 128 index (best of 5), projected
 * to a snapshot of 100k such vectors. Meaningful in the wasm build; under
 * the sanitizers it only shows that nothing is quadratic. */
TEST(snapshot_save_load_throughput) {
  const uint32_t n = 2000, dim = 128;
  ev_index *a = pu_index(dim, EV_METRIC_L2, 77);
  float *rows = pu_rows(78, dim, n);
  REQUIRE(a && rows);
  REQUIRE(ev_insert_batch(a, rows, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  double best_save = 1e30, best_load = 1e30;
  size_t len = 0;
  for (int rep = 0; rep < 5; rep++) {
    uint8_t *bytes = NULL;
    double t0 = now_ms();
    REQUIRE(ev_snapshot_save(a, 0, &bytes, &len) == EV_OK);
    double t1 = now_ms();
    ev_index *b = NULL;
    CHECK(ev_snapshot_load(bytes, len, &b, NULL, NULL) == EV_OK);
    double t2 = now_ms();
    if (t1 - t0 < best_save) best_save = t1 - t0;
    if (t2 - t1 < best_load) best_load = t2 - t1;
    ev_index_free(b);
    free(bytes);
  }
  double mb = len / 1e6, mb_100k = mb * (100000.0 / n);
  NOTE("%u x %u, %.2f MB: save %.2f ms (%.0f MB/s), load %.2f ms (%.0f MB/s); "
       "a snapshot of 100k x %u (%.0f MB) at this rate loads in ~%.0f ms",
       n, dim, mb, best_save, mb / best_save * 1e3, best_load,
       mb / best_load * 1e3, dim, mb_100k, mb_100k / mb * best_load);
  free(rows);
  ev_index_free(a);
}

/* Found by fuzz_wal: an SQ8 vector with components near 1e23 has a finite
 * scale but a squared norm that overflows f32 to +inf. The core now refuses
 * such vectors (their distances would overflow), and a snapshot of an SQ8
 * index still loads; a NaN sqnorm is refused. */
TEST(snapshot_sq8_overflowing_vectors_refused_nan_sqnorm_corrupt) {
  ev_index *a = pu_index_q(4, EV_METRIC_L2, 3, EV_QUANT_SQ8, 1, 4);
  REQUIRE(a != NULL);
  float rows[12] = {1, 2, 3, 4, 1.1e23f, 0, 0, 1e-38f, -5, 6, -7, 8};
  CHECK_EQ_INT(ev_insert_batch(a, rows, 3, 4, NULL, NULL, NULL, NULL, NULL, NULL), EV_ERR_INVALID_VECTOR);
  rows[4] = 1.1e3f;
  REQUIRE(ev_insert_batch(a, rows, 3, 4, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  size_t len = 0;
  uint8_t *bytes = pu_save(a, &len);
  REQUIRE(bytes != NULL);
  ev_index *b = NULL;
  ev_load_error err;
  CHECK_EQ_INT(ev_snapshot_load(bytes, len, &b, NULL, &err), EV_OK);
  if (b) CHECK(pu_same_index(a, b));
  ev_index_free(b);
  /* A NaN sqnorm (slot 0's payload: scale at +0, sqnorm at +4) is refused. */
  size_t vec = (size_t)pu_get_u64(bytes + 120 + 8);
  pu_put_u32(bytes + vec + 4, 0x7FC00000u);
  pu_reseal_snapshot(bytes, len);
  CHECK(ev_snapshot_load(bytes, len, &b, NULL, &err) == EV_ERR_CORRUPT);
  CHECK(err.section == EV_SECTION_VECTORS && err.reason == EV_REASON_BAD_VALUE);
  free(bytes);
  ev_index_free(a);
}

/* The writer in pieces gives the bytes of ev_snapshot_save, whatever the
 * piece size (the smallest allowed, and an odd one), for an index with
 * every section (kept floats) and upper levels; its misuse is refused. */
TEST(snapshot_writer_in_chunks_gives_the_same_bytes) {
  ev_index *a = pu_index_q(16, EV_METRIC_COSINE, 70, EV_QUANT_SQ8, 1, 8);
  float *rows = pu_rows(71, 16, 3000);
  REQUIRE(a && rows);
  REQUIRE(ev_insert_batch(a, rows, 3000, 16, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  uint64_t del[3] = {1, 500, 2999};
  ev_batch_delete_result dr;
  REQUIRE(ev_soft_delete_batch(a, del, 3, &dr) == EV_OK);
  size_t want_len = 0;
  uint8_t *want = NULL;
  REQUIRE(ev_snapshot_save(a, 42, &want, &want_len) == EV_OK);
  REQUIRE(want_len > 4 * EV_SNAPSHOT_MIN_CHUNK);
  const size_t caps[2] = {EV_SNAPSHOT_MIN_CHUNK, EV_SNAPSHOT_MIN_CHUNK * 3 + 17};
  uint8_t *chunk = malloc(caps[1]), *got = malloc(want_len);
  REQUIRE(chunk && got);
  for (int c = 0; c < 2; c++) {
    ev_snapshot_writer *w = NULL;
    uint64_t total = 0;
    uint32_t header = 0;
    REQUIRE(ev_snapshot_writer_begin(a, 42, &w, &total, &header) == EV_OK);
    CHECK(total == want_len && header > 0);
    /* Too early for the header; too small a piece. */
    CHECK(ev_snapshot_writer_header(w, chunk, caps[1]) == EV_ERR_INVALID_ARGUMENT);
    size_t n = 1;
    CHECK(ev_snapshot_writer_next(w, chunk, EV_SNAPSHOT_MIN_CHUNK - 1, &n) ==
              EV_ERR_INVALID_ARGUMENT && n == 0);
    size_t at = header, pieces = 0;
    for (;;) {
      REQUIRE(ev_snapshot_writer_next(w, chunk, caps[c], &n) == EV_OK);
      if (n == 0) break;
      REQUIRE(n <= caps[c] && at + n <= want_len);
      memcpy(got + at, chunk, n);
      at += n;
      pieces++;
    }
    CHECK(at == want_len && pieces >= 2);
    CHECK(ev_snapshot_writer_header(w, chunk, header - 1) == EV_ERR_INVALID_ARGUMENT);
    REQUIRE(ev_snapshot_writer_header(w, chunk, header) == EV_OK);
    memcpy(got, chunk, header);
    CHECK(memcmp(got, want, want_len) == 0);
    ev_snapshot_writer_free(w);
  }
  ev_snapshot_writer *none = NULL;
  CHECK(ev_snapshot_writer_begin(NULL, 0, &none, NULL, NULL) == EV_ERR_INVALID_ARGUMENT);
  CHECK(none == NULL);
  ev_snapshot_writer_free(NULL);
  free(chunk);
  free(got);
  free(want);
  free(rows);
  ev_index_free(a);
}
