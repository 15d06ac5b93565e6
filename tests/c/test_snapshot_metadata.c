/* test_snapshot_metadata.c — snapshot.c's version 2: the METADATA section.
 * Round trips of records of every type (through deletes, re-inserted ids,
 * a compaction, the chunked writer), version 1 kept for an index without
 * metadata, and every check of the section behind valid checksums
 * (hand-edited snapshots, re-sealed). */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "index.h"
#include "metadata.h"
#include "snapshot.h"
#include "persist_util.h"

#define MDIM 6

/* 120 vectors, ids 0..119; metadata on the ids not divisible by 4 (record
 * seed = id), ids = 2 mod 5 deleted after their metadata was set (so
 * tombstones once had records), a compaction, then ids = 3 mod 8 deleted,
 * id 6 re-inserted without metadata, id 10 re-inserted and given one. */
static ev_index *meta_index(uint64_t seed) {
  ev_index *ix = pu_index(MDIM, EV_METRIC_L2, seed);
  float *rows = pu_rows(seed + 1, MDIM, 130);
  uint8_t rec[PU_META_MAX];
  int ok = ix && rows &&
           ev_insert_batch(ix, rows, 120, MDIM, NULL, NULL, NULL, NULL, NULL,
                           NULL) == EV_OK;
  for (uint64_t id = 0; ok && id < 120; id++) {
    if (id % 4 == 0) continue;
    size_t len = pu_meta_record(id, rec);
    ok = pu_meta_set(ix, id, rec, len) == EV_OK;
  }
  for (uint64_t id = 2; ok && id < 120; id += 5) ev_soft_delete(ix, id, NULL);
  if (ok) ok = ev_compact(ix) == EV_OK;
  for (uint64_t id = 3; ok && id < 120; id += 8) ev_soft_delete(ix, id, NULL);
  uint64_t six = 6, ten = 10;
  ev_soft_delete(ix, 6, NULL);
  ev_soft_delete(ix, 10, NULL);
  if (ok) ok = ev_insert(ix, rows + 120 * MDIM, MDIM, &six, NULL) == EV_OK;
  if (ok) ok = ev_insert(ix, rows + 121 * MDIM, MDIM, &ten, NULL) == EV_OK;
  if (ok) ok = pu_meta_set(ix, 10, rec, pu_meta_record(1000, rec)) == EV_OK;
  free(rows);
  if (!ok) {
    ev_index_free(ix);
    return NULL;
  }
  return ix;
}

/* What meta_index gave id (len 0: none, -1: not live). */
static long expected_meta(uint64_t id, uint8_t *rec) {
  if (id >= 120) return -1;
  if (id == 10) return (long)pu_meta_record(1000, rec);
  if (id == 6) return 0;
  if (id % 5 == 2 || id % 8 == 3) return -1;
  if (id % 4 == 0) return 0;
  return (long)pu_meta_record(id, rec);
}

static int has_expected_meta(const ev_index *ix) {
  uint8_t rec[PU_META_MAX];
  int bad = 0;
  for (uint64_t id = 0; id < 120; id++) {
    long len = expected_meta(id, rec);
    if (len < 0) bad |= ev__live_slot(ix, id) != EV_NO_SLOT;
    else bad |= !pu_meta_is(ix, id, rec, (size_t)len);
  }
  return !bad;
}

TEST(snapshot_metadata_of_every_type_round_trips_as_version_2) {
  ev_index *a = meta_index(31);
  REQUIRE(a != NULL);
  REQUIRE(has_expected_meta(a));
  uint8_t *bytes = NULL;
  size_t len = 0;
  REQUIRE(ev_snapshot_save(a, 12, &bytes, &len) == EV_OK);
  CHECK(len == ev_snapshot_size(a));
  CHECK_EQ_INT(pu_get_u32(bytes + 8), 2);
  CHECK_EQ_INT(pu_get_u32(bytes + 92), 7);
  CHECK_EQ_INT(pu_get_u32(bytes + 120 + 24 * 6), EV_SECTION_METADATA);
  ev_index *b = NULL;
  ev_snapshot_info info;
  REQUIRE(ev_snapshot_load(bytes, len, &b, &info, NULL) == EV_OK);
  CHECK(info.version == 2 && info.wal_seq == 12);
  CHECK(pu_same_index(a, b));
  CHECK(has_expected_meta(b));
  CHECK(pu_same_search(a, b, 32, 10, 5));
  /* Canonical: the loaded index writes the same bytes. */
  uint8_t *again = NULL;
  size_t again_len = 0;
  CHECK(ev_snapshot_save(b, 12, &again, &again_len) == EV_OK);
  CHECK(again_len == len && again && memcmp(again, bytes, len) == 0);
  free(again);
  /* The loaded index goes on: a compaction keeps every record. */
  CHECK(ev_compact(b) == EV_OK);
  CHECK(has_expected_meta(b));
  ev_index_free(b);
  free(bytes);

  /* Cleared everywhere: version 1 again, exactly the bytes of the same
   * index that never had metadata. */
  uint8_t rec[PU_META_MAX];
  for (uint64_t id = 0; id < 120; id++)
    if (expected_meta(id, rec) > 0) CHECK(pu_meta_set(a, id, NULL, 0) == EV_OK);
  REQUIRE(ev_snapshot_save(a, 12, &bytes, &len) == EV_OK);
  CHECK_EQ_INT(pu_get_u32(bytes + 8), 1);
  CHECK_EQ_INT(pu_get_u32(bytes + 92), 6);
  CHECK(ev_snapshot_load(bytes, len, &b, &info, NULL) == EV_OK);
  CHECK(b && info.version == 1 && pu_same_index(a, b));
  ev_index_free(b);
  free(bytes);
  ev_index_free(a);
}

TEST(snapshot_metadata_with_kept_floats_and_in_chunks) {
  /* SQ8 with kept floats: METADATA follows FLOATS (8 sections); written in
   * the smallest chunks, a record never straddles two. */
  ev_index *a = pu_index_q(16, EV_METRIC_COSINE, 40, EV_QUANT_SQ8, 1, 8);
  float *rows = pu_rows(41, 16, 2500);
  REQUIRE(a && rows);
  REQUIRE(ev_insert_batch(a, rows, 2500, 16, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  uint8_t rec[PU_META_MAX];
  for (uint64_t id = 0; id < 2500; id += 2)
    REQUIRE(pu_meta_set(a, id, rec, pu_meta_record(id * 3 + 1, rec)) == EV_OK);
  size_t want_len = 0;
  uint8_t *want = NULL;
  REQUIRE(ev_snapshot_save(a, 0, &want, &want_len) == EV_OK);
  CHECK_EQ_INT(pu_get_u32(want + 92), 8);
  CHECK_EQ_INT(pu_get_u32(want + 120 + 24 * 6), EV_SECTION_FLOATS);
  CHECK_EQ_INT(pu_get_u32(want + 120 + 24 * 7), EV_SECTION_METADATA);
  uint8_t *chunk = malloc(EV_SNAPSHOT_MIN_CHUNK), *got = malloc(want_len);
  REQUIRE(chunk && got);
  ev_snapshot_writer *w = NULL;
  uint64_t total = 0;
  uint32_t header = 0;
  REQUIRE(ev_snapshot_writer_begin(a, 0, &w, &total, &header) == EV_OK);
  CHECK(total == want_len);
  size_t at = header, n = 0;
  for (;;) {
    REQUIRE(ev_snapshot_writer_next(w, chunk, EV_SNAPSHOT_MIN_CHUNK, &n) == EV_OK);
    if (n == 0) break;
    REQUIRE(at + n <= want_len);
    memcpy(got + at, chunk, n);
    at += n;
  }
  REQUIRE(ev_snapshot_writer_header(w, chunk, header) == EV_OK);
  memcpy(got, chunk, header);
  CHECK(at == want_len && memcmp(got, want, want_len) == 0);
  ev_snapshot_writer_free(w);
  ev_index *b = NULL;
  CHECK(ev_snapshot_load(want, want_len, &b, NULL, NULL) == EV_OK);
  CHECK(b && pu_same_index(a, b));
  ev_index_free(b);
  free(chunk);
  free(got);
  free(want);
  free(rows);
  ev_index_free(a);
}

/* ---- what the reader refuses in the METADATA section --------------------- */

typedef struct medited {
  uint8_t *orig, *bytes;
  size_t len;
  size_t meta_at, meta_len; /* the section */
  ev_index *src;
} medited;

static int medited_init(medited *e) {
  memset(e, 0, sizeof *e);
  e->src = meta_index(77);
  if (!e->src) return 0;
  e->orig = pu_save(e->src, &e->len);
  e->bytes = malloc(e->len);
  if (!e->orig || !e->bytes) return 0;
  memcpy(e->bytes, e->orig, e->len);
  for (uint32_t i = 0; i < pu_get_u32(e->orig + 92); i++) {
    const uint8_t *t = e->orig + 120 + 24 * i;
    if (pu_get_u32(t) == EV_SECTION_METADATA) {
      e->meta_at = (size_t)pu_get_u64(t + 8);
      e->meta_len = (size_t)pu_get_u64(t + 16);
    }
  }
  return e->meta_at != 0;
}
static void medited_reset(medited *e) { memcpy(e->bytes, e->orig, e->len); }
static void medited_free(medited *e) {
  free(e->orig);
  free(e->bytes);
  ev_index_free(e->src);
}
/* Offset (within the section) of slot s's entry. */
static size_t entry_at(const medited *e, uint32_t s) {
  size_t off = 0;
  for (uint32_t k = 0; k < s; k++) off += 4 + pu_get_u32(e->orig + e->meta_at + off);
  return off;
}
static void expect_meta_fail(medited *e, uint32_t reason) {
  pu_reseal_snapshot(e->bytes, e->len);
  ev_index *ix = (ev_index *)1;
  ev_load_error err;
  ev_status got = ev_snapshot_load(e->bytes, e->len, &ix, NULL, &err);
  CHECK_EQ_INT(got, EV_ERR_CORRUPT);
  CHECK_EQ_INT(err.section, EV_SECTION_METADATA);
  CHECK_EQ_INT(err.reason, reason);
  CHECK(err.offset >= e->meta_at && err.offset <= e->meta_at + e->meta_len);
  CHECK(ix == NULL);
  medited_reset(e);
}

static void put_u64(uint8_t *p, uint64_t v) {
  for (int k = 0; k < 8; k++) p[k] = (uint8_t)(v >> (8 * k));
}

/* A version 1 snapshot of `count` slots rewritten as version 2: its
 * sections, then a METADATA section where every slot has no record except
 * `slot_with` (EV_NO_SLOT: none), which gets a one-field record. Sealed. */
static uint8_t *as_version_2(const uint8_t *p, size_t plen, uint32_t count,
                             uint32_t slot_with, size_t *out_len) {
  static const uint8_t one_bool[6] = {1, 0, 1, 'a', 3, 1};
  uint64_t sec_len = 4 * (uint64_t)count + (slot_with != EV_NO_SLOT ? 6 : 0);
  size_t len = plen + 24 + (size_t)sec_len;
  uint8_t *v2 = calloc(1, len);
  if (!v2) return NULL;
  uint32_t hl = pu_get_u32(p + 12), n = pu_get_u32(p + 92);
  memcpy(v2, p, hl);
  memcpy(v2 + hl + 24, p + hl, plen - hl);
  pu_put_u32(v2 + 8, 2);
  pu_put_u32(v2 + 12, hl + 24);
  pu_put_u32(v2 + 92, n + 1);
  for (uint32_t i = 0; i < n; i++) {
    uint8_t *t = v2 + 120 + 24 * i;
    put_u64(t + 8, pu_get_u64(t + 8) + 24);
  }
  uint8_t *t = v2 + 120 + 24 * n;
  pu_put_u32(t, EV_SECTION_METADATA);
  put_u64(t + 8, plen + 24);
  put_u64(t + 16, sec_len);
  put_u64(v2 + 112, len);
  uint8_t *sec = v2 + plen + 24;
  for (uint32_t s = 0; s < count; s++) {
    if (s == slot_with) {
      pu_put_u32(sec, 6);
      memcpy(sec + 4, one_bool, 6);
      sec += 10;
    } else {
      sec += 4; /* length 0 */
    }
  }
  pu_reseal_snapshot(v2, len);
  *out_len = len;
  return v2;
}

TEST(snapshot_metadata_section_checks_behind_valid_checksums) {
  medited e;
  REQUIRE(medited_init(&e));
  const ev_index *src = e.src;
  CHECK(strcmp(ev_snapshot_section_name(EV_SECTION_METADATA), "metadata") == 0);
  uint32_t live_with = EV_NO_SLOT, tomb = EV_NO_SLOT, live_without = EV_NO_SLOT;
  for (uint32_t s = 0; s < src->count; s++) {
    if (src->deleted[s]) {
      if (tomb == EV_NO_SLOT) tomb = s;
    } else if (ev__meta_slot_has(src, s)) {
      if (live_with == EV_NO_SLOT) live_with = s;
    } else if (live_without == EV_NO_SLOT) {
      live_without = s;
    }
  }
  REQUIRE(live_with != EV_NO_SLOT && tomb != EV_NO_SLOT && live_without != EV_NO_SLOT);
  uint8_t *sec = e.bytes + e.meta_at;
  size_t w = entry_at(&e, live_with);
  uint32_t wlen = pu_get_u32(sec + w);

  /* Damage that only the CRC sees: a flipped byte inside a record. */
  sec[w + 6] ^= 0x40;
  {
    ev_load_error err;
    ev_index *ix = NULL;
    CHECK_EQ_INT(ev_snapshot_load(e.bytes, e.len, &ix, NULL, &err), EV_ERR_CORRUPT);
    CHECK_EQ_INT(err.section, EV_SECTION_METADATA);
    CHECK_EQ_INT(err.reason, EV_REASON_CHECKSUM);
    CHECK(ix == NULL);
  }
  medited_reset(&e);

  /* A record that breaks the format (an unknown value type, a name out of
   * order: the first field's name made greater than the second's). */
  sec[w + 4 + 2 + 1 + sec[w + 4 + 2]] = 9; /* first field's type byte */
  expect_meta_fail(&e, EV_REASON_BAD_VALUE);
  if (sec[w + 4] >= 2) {
    sec[w + 4 + 3] = 0xFF; /* first name's first byte: 0xFF is not UTF-8 */
    expect_meta_fail(&e, EV_REASON_BAD_VALUE);
  }
  /* A record of 0 fields is "no metadata", which is written as length 0. */
  {
    size_t shrink = wlen - 2;
    pu_put_u32(sec + w, 2);
    sec[w + 4] = 0;
    sec[w + 5] = 0;
    memmove(sec + w + 6, sec + w + 4 + wlen, e.len - (e.meta_at + w + 4 + wlen));
    size_t len = e.len;
    e.len -= shrink;
    /* The section and the snapshot got shorter: fix the table and totals. */
    for (uint32_t i = 0; i < pu_get_u32(e.bytes + 92); i++) {
      uint8_t *t = e.bytes + 120 + 24 * i;
      if (pu_get_u32(t) == EV_SECTION_METADATA) {
        uint64_t l = pu_get_u64(t + 16) - shrink;
        for (int k = 0; k < 8; k++) t[16 + k] = (uint8_t)(l >> (8 * k));
      }
    }
    uint64_t total = e.len;
    for (int k = 0; k < 8; k++) e.bytes[112 + k] = (uint8_t)(total >> (8 * k));
    expect_meta_fail(&e, EV_REASON_BAD_VALUE);
    e.len = len;
  }
  /* A record on a tombstone: the slot of a record marked deleted in the
   * TOMBSTONES section (deleted_count raised to match). */
  {
    size_t tomb_at = 0;
    for (uint32_t i = 0; i < pu_get_u32(e.bytes + 92); i++)
      if (pu_get_u32(e.bytes + 120 + 24 * i) == EV_SECTION_TOMBSTONES)
        tomb_at = (size_t)pu_get_u64(e.bytes + 120 + 24 * i + 8);
    REQUIRE(tomb_at != 0);
    e.bytes[tomb_at + live_with / 8] |= (uint8_t)(1u << (live_with % 8));
    pu_put_u32(e.bytes + 68, pu_get_u32(e.bytes + 68) + 1);
    expect_meta_fail(&e, EV_REASON_BAD_VALUE);
  }
  /* A length past the section's end, and a length that leaves bytes over. */
  pu_put_u32(sec + w, (uint32_t)e.meta_len);
  expect_meta_fail(&e, EV_REASON_INCONSISTENT);
  {
    /* The last slot's entry claims 4 bytes less: they are left over. */
    size_t last = entry_at(&e, src->count - 1);
    uint32_t llen = pu_get_u32(sec + last);
    if (llen >= 4) {
      pu_put_u32(sec + last, llen - 4);
      expect_meta_fail(&e, EV_REASON_BAD_VALUE); /* the record is cut */
    }
  }
  /* The length of a record one byte short: the record's check fails. */
  pu_put_u32(sec + w, wlen - 1);
  expect_meta_fail(&e, EV_REASON_BAD_VALUE);

  /* Version 2 without any record: the writer would have written 1. */
  {
    ev_index *plain = meta_index(77);
    REQUIRE(plain != NULL);
    for (uint64_t id = 0; id < 200; id++) pu_meta_set(plain, id, NULL, 0);
    size_t plen = 0, len2 = 0;
    uint8_t *p = pu_save(plain, &plen);
    REQUIRE(p != NULL);
    CHECK_EQ_INT(pu_get_u32(p + 8), 1);
    uint8_t *v2 = as_version_2(p, plen, plain->count, EV_NO_SLOT, &len2);
    REQUIRE(v2 != NULL);
    ev_index *ix = NULL;
    ev_load_error err;
    CHECK_EQ_INT(ev_snapshot_load(v2, len2, &ix, NULL, &err), EV_ERR_CORRUPT);
    CHECK_EQ_INT(err.section, EV_SECTION_METADATA);
    CHECK_EQ_INT(err.reason, EV_REASON_INCONSISTENT);
    CHECK(ix == NULL);
    free(v2);
    /* The same edit with one record loads (so the edit itself is right). */
    uint32_t live = ev__live_slot(plain, 1);
    v2 = as_version_2(p, plen, plain->count, live, &len2);
    REQUIRE(v2 != NULL);
    CHECK_EQ_INT(ev_snapshot_load(v2, len2, &ix, NULL, &err), EV_OK);
    static const uint8_t one_bool[6] = {1, 0, 1, 'a', 3, 1};
    CHECK(ix && pu_meta_is(ix, 1, one_bool, 6));
    ev_index_free(ix);
    free(v2);
    ev_index_free(plain);
    free(p);
  }

  /* The table: version 2 needs the METADATA section; version 1 refuses it. */
  pu_put_u32(e.bytes + 8, 1);
  pu_reseal_snapshot(e.bytes, e.len);
  {
    ev_load_error err;
    ev_index *ix = NULL;
    CHECK_EQ_INT(ev_snapshot_load(e.bytes, e.len, &ix, NULL, &err), EV_ERR_CORRUPT);
    CHECK_EQ_INT(err.section, EV_SECTION_HEADER);
    CHECK_EQ_INT(err.reason, EV_REASON_INCONSISTENT);
  }
  medited_reset(&e);
  /* Version 3 is a newer format. */
  pu_put_u32(e.bytes + 8, 3);
  pu_reseal_snapshot(e.bytes, e.len);
  {
    ev_load_error err;
    ev_index *ix = NULL;
    CHECK_EQ_INT(ev_snapshot_load(e.bytes, e.len, &ix, NULL, &err),
                 EV_ERR_UNSUPPORTED_VERSION);
    CHECK_EQ_INT(err.reason, EV_REASON_NEWER_VERSION);
  }
  medited_reset(&e);
  /* An unknown section id where METADATA belongs is a newer feature. */
  pu_put_u32(e.bytes + 120 + 24 * 6, 10);
  pu_reseal_snapshot(e.bytes, e.len);
  {
    ev_load_error err;
    ev_index *ix = NULL;
    CHECK_EQ_INT(ev_snapshot_load(e.bytes, e.len, &ix, NULL, &err),
                 EV_ERR_UNSUPPORTED_VERSION);
    CHECK_EQ_INT(err.reason, EV_REASON_UNKNOWN_FEATURE);
  }
  medited_reset(&e);
  /* Untouched, it loads. */
  ev_index *ok = NULL;
  CHECK(ev_snapshot_load(e.bytes, e.len, &ok, NULL, NULL) == EV_OK);
  CHECK(ok && has_expected_meta(ok));
  ev_index_free(ok);
  medited_free(&e);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Save and load of the same 2,000 x 64 index without and with a record on
 * every vector (1 to 5 fields of every type), interleaved, medians of 5, as
 * ratios. Meaningful in the wasm build (node build/wasm/edgevec_tests.js
 * snapshot_metadata_cost); under the sanitizers it only shows that nothing
 * is quadratic. */
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
TEST(snapshot_metadata_cost_of_save_and_load) {
  const uint32_t n = 2000, dim = 64;
  ev_index *ix[2] = {pu_index(dim, EV_METRIC_L2, 90), pu_index(dim, EV_METRIC_L2, 90)};
  float *rows = pu_rows(91, dim, n);
  REQUIRE(ix[0] && ix[1] && rows);
  uint8_t rec[PU_META_MAX];
  for (int k = 0; k < 2; k++)
    REQUIRE(ev_insert_batch(ix[k], rows, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  for (uint64_t id = 0; id < n; id++)
    REQUIRE(pu_meta_set(ix[1], id, rec, pu_meta_record(id * 4 + 15, rec)) == EV_OK);
  double save[2][5], load[2][5];
  size_t len[2] = {0, 0};
  for (int rep = 0; rep < 5; rep++) {
    for (int k = 0; k < 2; k++) {
      uint8_t *bytes = NULL;
      double t0 = now_ms();
      REQUIRE(ev_snapshot_save(ix[k], 0, &bytes, &len[k]) == EV_OK);
      double t1 = now_ms();
      ev_index *b = NULL;
      CHECK(ev_snapshot_load(bytes, len[k], &b, NULL, NULL) == EV_OK);
      double t2 = now_ms();
      save[k][rep] = t1 - t0;
      load[k][rep] = t2 - t1;
      ev_index_free(b);
      free(bytes);
    }
  }
  for (int k = 0; k < 2; k++) {
    qsort(save[k], 5, sizeof(double), cmp_double);
    qsort(load[k], 5, sizeof(double), cmp_double);
  }
  NOTE("%u x %u: %.0f KB without metadata, %.0f KB with a record on every "
       "vector (%.0f bytes each); median save %.2f vs %.2f ms (%.2fx), load "
       "%.2f vs %.2f ms (%.2fx)",
       n, dim, len[0] / 1e3, len[1] / 1e3, (double)(len[1] - len[0]) / n,
       save[0][2], save[1][2], save[1][2] / save[0][2], load[0][2], load[1][2],
       load[1][2] / load[0][2]);
  free(rows);
  ev_index_free(ix[0]);
  ev_index_free(ix[1]);
}
