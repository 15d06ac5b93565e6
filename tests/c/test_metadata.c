/*
 * test_metadata.c — metadata.c: every reason of the record check, the
 * store's round trip through the slot interface (canonical bytes back),
 * soft delete dropping metadata, the index's field limit, memory counted.
 */
#include <math.h>
#include <stdlib.h>

#include "core_util.h"
#include "edgevec.h"
#include "harness.h"
#include "meta_util.h"
#include "metadata.h"

/* The check's verdict on r: status, and reason/field when refused. */
static int refused(const mu_buf *r, uint32_t reason, uint32_t field) {
  ev_meta_error err;
  ev_status st = ev_meta_check(r->b, r->n, &err);
  if (st != EV_ERR_INVALID_METADATA || err.reason != reason || err.field != field) {
    printf("    got status %d reason %u field %u\n", (int)st, err.reason, err.field);
    return 0;
  }
  return 1;
}

TEST(meta_check_accepts_every_type) {
  mu_buf r = {0};
  const char *tags[] = {"a", "", "\xC3\xA9t\xC3\xA9"};
  mu_u16(&r, 5);
  mu_rec_num(&r, "a", -0.0);
  mu_rec_bool(&r, "ab", 1);
  mu_rec_str(&r, "b", "");
  mu_rec_strs(&r, "tags", tags, 3);
  mu_rec_str(&r, "\xE2\x82\xAC", "euro \xF0\x9F\x98\x80");
  CHECK_EQ_INT(ev_meta_check(r.b, r.n, NULL), EV_OK);
  CHECK_EQ_INT(ev_meta_check(NULL, 0, NULL), EV_OK); /* empty = none */
  mu_buf zero = {0};
  mu_u16(&zero, 0);
  CHECK_EQ_INT(ev_meta_check(zero.b, zero.n, NULL), EV_OK);
  CHECK_EQ_INT(ev_meta_check(NULL, 3, NULL), EV_ERR_INVALID_ARGUMENT);
}

TEST(meta_check_reasons) {
  mu_buf r = {0};
  /* TRUNCATED: one byte; a field cut in its name, its type, its value. */
  mu_u8(&r, 1);
  CHECK(refused(&r, EV_META_REASON_TRUNCATED, EV_META_NO_FIELD));
  r.n = 0;
  mu_u16(&r, 1);
  CHECK(refused(&r, EV_META_REASON_TRUNCATED, 0));
  mu_u8(&r, 3);
  mu_bytes(&r, "ab", 2);
  CHECK(refused(&r, EV_META_REASON_TRUNCATED, 0));
  r.n = 0;
  mu_u16(&r, 2);
  mu_rec_bool(&r, "a", 0);
  mu_name(&r, "b");
  CHECK(refused(&r, EV_META_REASON_TRUNCATED, 1));
  mu_u8(&r, 1);
  mu_u32(&r, 0);
  CHECK(refused(&r, EV_META_REASON_TRUNCATED, 1));
  r.n = 0;
  mu_u16(&r, 1);
  mu_name(&r, "s");
  mu_u8(&r, 2);
  mu_u16(&r, 5);
  mu_bytes(&r, "abc", 3);
  CHECK(refused(&r, EV_META_REASON_TRUNCATED, 0));

  /* TOO_MANY_FIELDS */
  r.n = 0;
  mu_u16(&r, EV_META_MAX_FIELDS + 1);
  CHECK(refused(&r, EV_META_REASON_TOO_MANY_FIELDS, EV_META_NO_FIELD));
  /* NAME_LENGTH: 0 and 65 */
  r.n = 0;
  mu_u16(&r, 1);
  mu_u8(&r, 0);
  CHECK(refused(&r, EV_META_REASON_NAME_LENGTH, 0));
  r.n = 0;
  mu_u16(&r, 1);
  mu_u8(&r, EV_META_MAX_NAME_BYTES + 1);
  for (int i = 0; i <= EV_META_MAX_NAME_BYTES; i++) mu_u8(&r, 'x');
  mu_u8(&r, 3);
  mu_u8(&r, 0);
  CHECK(refused(&r, EV_META_REASON_NAME_LENGTH, 0));
  /* NAME_ORDER: descending, repeated, a longer name before its prefix. */
  r.n = 0;
  mu_u16(&r, 2);
  mu_rec_bool(&r, "b", 0);
  mu_rec_bool(&r, "a", 0);
  CHECK(refused(&r, EV_META_REASON_NAME_ORDER, 1));
  r.n = 0;
  mu_u16(&r, 2);
  mu_rec_bool(&r, "a", 0);
  mu_rec_bool(&r, "a", 0);
  CHECK(refused(&r, EV_META_REASON_NAME_ORDER, 1));
  r.n = 0;
  mu_u16(&r, 2);
  mu_rec_bool(&r, "ab", 0);
  mu_rec_bool(&r, "a", 0);
  CHECK(refused(&r, EV_META_REASON_NAME_ORDER, 1));
  /* BAD_UTF8: in a name, in a string, in an array element; overlong,
   * surrogate, beyond U+10FFFF, a lone continuation byte. */
  const char *bad[] = {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xE2\x82"};
  for (int i = 0; i < 5; i++) {
    r.n = 0;
    mu_u16(&r, 1);
    mu_rec_bool(&r, bad[i], 0);
    CHECK(refused(&r, EV_META_REASON_BAD_UTF8, 0));
    r.n = 0;
    mu_u16(&r, 2);
    mu_rec_bool(&r, "a", 0);
    mu_rec_str(&r, "s", bad[i]);
    CHECK(refused(&r, EV_META_REASON_BAD_UTF8, 1));
    r.n = 0;
    mu_u16(&r, 1);
    const char *arr[] = {"ok", bad[i]};
    mu_rec_strs(&r, "t", arr, 2);
    CHECK(refused(&r, EV_META_REASON_BAD_UTF8, 0));
  }
  /* BAD_TYPE: 0 and 5 */
  for (uint32_t t = 0; t <= 5; t += 5) {
    r.n = 0;
    mu_u16(&r, 1);
    mu_name(&r, "a");
    mu_u8(&r, t);
    mu_u8(&r, 0);
    CHECK(refused(&r, EV_META_REASON_BAD_TYPE, 0));
  }
  /* NOT_FINITE: NaN, +Inf, -Inf */
  double nonfinite[3] = {NAN, INFINITY, -INFINITY};
  for (int i = 0; i < 3; i++) {
    r.n = 0;
    mu_u16(&r, 1);
    mu_rec_num(&r, "n", nonfinite[i]);
    CHECK(refused(&r, EV_META_REASON_NOT_FINITE, 0));
  }
  /* BAD_BOOL */
  r.n = 0;
  mu_u16(&r, 1);
  mu_rec_bool(&r, "b", 2);
  CHECK(refused(&r, EV_META_REASON_BAD_BOOL, 0));
  /* STRING_LENGTH: 1025 bytes (1024 is fine) */
  char *big = malloc(EV_META_MAX_STRING_BYTES + 2);
  REQUIRE(big != NULL);
  memset(big, 'x', EV_META_MAX_STRING_BYTES);
  big[EV_META_MAX_STRING_BYTES] = 0;
  r.n = 0;
  mu_u16(&r, 1);
  mu_rec_str(&r, "s", big);
  CHECK_EQ_INT(ev_meta_check(r.b, r.n, NULL), EV_OK);
  big[EV_META_MAX_STRING_BYTES] = 'x';
  big[EV_META_MAX_STRING_BYTES + 1] = 0;
  r.n = 0;
  mu_u16(&r, 1);
  mu_rec_str(&r, "s", big);
  CHECK(refused(&r, EV_META_REASON_STRING_LENGTH, 0));
  /* ... and inside an array */
  r.n = 0;
  mu_u16(&r, 1);
  const char *one_big[] = {big};
  mu_rec_strs(&r, "t", one_big, 1);
  CHECK(refused(&r, EV_META_REASON_STRING_LENGTH, 0));
  free(big);
  /* ARRAY_LENGTH: 65 strings (64 is fine) */
  const char *many[EV_META_MAX_ARRAY + 1];
  for (int i = 0; i <= EV_META_MAX_ARRAY; i++) many[i] = "v";
  r.n = 0;
  mu_u16(&r, 1);
  mu_rec_strs(&r, "t", many, EV_META_MAX_ARRAY);
  CHECK_EQ_INT(ev_meta_check(r.b, r.n, NULL), EV_OK);
  r.n = 0;
  mu_u16(&r, 1);
  mu_rec_strs(&r, "t", many, EV_META_MAX_ARRAY + 1);
  CHECK(refused(&r, EV_META_REASON_ARRAY_LENGTH, 0));
  /* RECORD_BYTES: 4097 bytes of otherwise valid record */
  r.n = 0;
  mu_u16(&r, 5);
  char name[3] = "a0";
  char val[1000];
  memset(val, 'y', sizeof val - 1);
  val[sizeof val - 1] = 0;
  for (int i = 0; i < 5; i++) {
    name[1] = (char)('0' + i);
    mu_rec_str(&r, name, val);
  }
  CHECK(r.n > EV_META_MAX_RECORD_BYTES);
  CHECK(refused(&r, EV_META_REASON_RECORD_BYTES, EV_META_NO_FIELD));
  /* TRAILING_BYTES */
  r.n = 0;
  mu_u16(&r, 1);
  mu_rec_bool(&r, "a", 1);
  mu_u8(&r, 0);
  CHECK(refused(&r, EV_META_REASON_TRAILING_BYTES, EV_META_NO_FIELD));
}

/* A record of every type for slot tests. */
static void sample_record(mu_buf *r, double price, const char *cat) {
  const char *tags[] = {"new", "sale", "new"};
  r->n = 0;
  mu_u16(r, 4);
  mu_rec_str(r, "category", cat);
  mu_rec_bool(r, "instock", 1);
  mu_rec_num(r, "price", price);
  mu_rec_strs(r, "tags", tags, 3);
}

TEST(meta_slots_round_trip_and_delete_drops) {
  ev_index *ix = cu_index(2, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  float v[6] = {0, 0, 1, 1, 2, 2};
  REQUIRE(ev_insert_batch(ix, v, 3, 2, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  CHECK(!ev__meta_any(ix));
  CHECK_EQ_INT(ev__meta_slot_bytes(ix, 0), 2);
  size_t before = ev_memory_bytes(ix);
  mu_buf r;
  sample_record(&r, -0.0, "books");
  CHECK_EQ_INT(ev__meta_slot_set(ix, 1, r.b, r.n), EV_OK);
  CHECK(ev__meta_any(ix));
  CHECK(ev__meta_slot_has(ix, 1) && !ev__meta_slot_has(ix, 0));
  CHECK(ev_memory_bytes(ix) > before);
  CHECK_EQ_INT(ev__meta_slot_bytes(ix, 1), r.n);
  uint8_t out[256];
  ev__meta_slot_encode(ix, 1, out);
  CHECK(memcmp(out, r.b, r.n) == 0);
  ev__meta_slot_encode(ix, 0, out);
  CHECK(out[0] == 0 && out[1] == 0);
  /* Replaced whole: a second record with other fields. */
  mu_buf r2 = {0};
  mu_u16(&r2, 1);
  mu_rec_num(&r2, "year", 1999);
  CHECK_EQ_INT(ev__meta_slot_set(ix, 1, r2.b, r2.n), EV_OK);
  CHECK_EQ_INT(ev__meta_slot_bytes(ix, 1), r2.n);
  ev__meta_slot_encode(ix, 1, out);
  CHECK(memcmp(out, r2.b, r2.n) == 0);
  CHECK_EQ_INT(ev__meta_slot_set(ix, 2, r.b, r.n), EV_OK);
  /* A 0-field record and an empty one clear. */
  mu_buf none = {0};
  mu_u16(&none, 0);
  CHECK_EQ_INT(ev__meta_slot_set(ix, 1, none.b, none.n), EV_OK);
  CHECK(!ev__meta_slot_has(ix, 1));
  CHECK_EQ_INT(ev__meta_slot_set(ix, 2, NULL, 0), EV_OK);
  CHECK(!ev__meta_any(ix));
  /* A bad record is refused and changes nothing. */
  CHECK_EQ_INT(ev__meta_slot_set(ix, 1, r.b, r.n), EV_OK);
  r2.b[r2.n++] = 0;
  CHECK_EQ_INT(ev__meta_slot_set(ix, 1, r2.b, r2.n), EV_ERR_INVALID_METADATA);
  CHECK_EQ_INT(ev__meta_slot_bytes(ix, 1), r.n);
  /* Delete drops it. */
  CHECK_EQ_INT(ev_soft_delete(ix, 1, NULL), EV_OK);
  CHECK(!ev__meta_slot_has(ix, 1));
  CHECK(!ev__meta_any(ix));
  CHECK_EQ_INT(ev__meta_slot_bytes(ix, 1), 2);
  /* Growing the index grows the columns: set metadata past the old
   * capacity. */
  float more[200];
  for (int i = 0; i < 200; i++) more[i] = (float)i;
  REQUIRE(ev_insert_batch(ix, more, 100, 2, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  CHECK_EQ_INT(ev__meta_slot_set(ix, 102, r.b, r.n), EV_OK);
  ev__meta_slot_encode(ix, 102, out);
  CHECK(memcmp(out, r.b, r.n) == 0);
  CHECK(!ev__meta_slot_has(ix, 101));
  ev_index_free(ix);
}

TEST(meta_index_field_limit) {
  ev_index *ix = cu_index(1, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  float v[2] = {1, 2};
  REQUIRE(ev_insert_batch(ix, v, 2, 1, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  /* 16 records of 64 distinct fields reach the limit exactly. */
  mu_buf r;
  char name[8];
  for (int rec = 0; rec < EV_META_MAX_INDEX_FIELDS / EV_META_MAX_FIELDS; rec++) {
    r.n = 0;
    mu_u16(&r, EV_META_MAX_FIELDS);
    for (int f = 0; f < EV_META_MAX_FIELDS; f++) {
      snprintf(name, sizeof name, "f%02d%02d", rec, f);
      mu_rec_bool(&r, name, 1);
    }
    REQUIRE(ev__meta_slot_set(ix, 0, r.b, r.n) == EV_OK);
  }
  /* One more field name is refused, with nothing changed... */
  size_t bytes = ev_memory_bytes(ix);
  mu_buf extra = {0};
  mu_u16(&extra, 2);
  mu_rec_bool(&extra, "f0000", 0); /* known */
  mu_rec_bool(&extra, "zz", 0);    /* new: the 1025th */
  CHECK_EQ_INT(ev__meta_slot_set(ix, 1, extra.b, extra.n), EV_ERR_INVALID_METADATA);
  CHECK(!ev__meta_slot_has(ix, 1));
  CHECK_EQ_INT(ev_memory_bytes(ix), bytes);
  /* ...while records of known names still go in. */
  mu_buf known = {0};
  mu_u16(&known, 1);
  mu_rec_str(&known, "f0000", "now a string");
  CHECK_EQ_INT(ev__meta_slot_set(ix, 1, known.b, known.n), EV_OK);
  ev_index_free(ix);
}

TEST(meta_insert_set_get_by_id) {
  ev_index *ix = cu_index(2, EV_METRIC_L2, 7);
  REQUIRE(ix != NULL);
  float v[8] = {0, 0, 1, 1, 2, 2, 3, 3};
  mu_buf blob = {0};
  uint32_t offsets[5];
  mu_buf a, b;
  sample_record(&a, 9.5, "books");
  sample_record(&b, 12, "music");
  offsets[0] = 0;
  mu_bytes(&blob, a.b, a.n);
  offsets[1] = (uint32_t)blob.n; /* vector 1: none */
  offsets[2] = (uint32_t)blob.n;
  mu_bytes(&blob, b.b, b.n);
  offsets[3] = (uint32_t)blob.n;
  mu_u16(&blob, 0); /* vector 3: a 0-field record */
  offsets[4] = (uint32_t)blob.n;
  uint64_t ids[4] = {10, 11, 12, 13}, out_ids[4];
  size_t inserted = 0;
  REQUIRE(ev_insert_batch_meta(ix, v, 4, 2, ids, blob.b, offsets, out_ids,
                               &inserted, NULL, NULL) == EV_OK);
  CHECK_EQ_INT(inserted, 4);
  uint8_t buf[512];
  size_t len = 0;
  CHECK_EQ_INT(ev_meta_get(ix, 10, buf, sizeof buf, &len), EV_OK);
  CHECK(len == a.n && memcmp(buf, a.b, a.n) == 0);
  CHECK_EQ_INT(ev_meta_get(ix, 11, buf, sizeof buf, &len), EV_OK);
  CHECK(len == 2 && buf[0] == 0 && buf[1] == 0);
  CHECK_EQ_INT(ev_meta_get(ix, 12, buf, sizeof buf, &len), EV_OK);
  CHECK(len == b.n && memcmp(buf, b.b, b.n) == 0);
  CHECK_EQ_INT(ev_meta_get(ix, 13, buf, sizeof buf, &len), EV_OK);
  CHECK_EQ_INT(len, 2);
  /* Too small a buffer: the length only, nothing written. */
  memset(buf, 0xAB, sizeof buf);
  CHECK_EQ_INT(ev_meta_get(ix, 12, buf, 4, &len), EV_OK);
  CHECK(len == b.n && buf[0] == 0xAB);
  CHECK_EQ_INT(ev_meta_get(ix, 99, buf, sizeof buf, &len), EV_ERR_NOT_FOUND);

  /* Set replaces whole, clears with len 0; NOT_FOUND; INVALID_METADATA. */
  CHECK_EQ_INT(ev_meta_set(ix, 11, a.b, a.n, NULL), EV_OK);
  CHECK_EQ_INT(ev_meta_get(ix, 11, buf, sizeof buf, &len), EV_OK);
  CHECK(len == a.n && memcmp(buf, a.b, a.n) == 0);
  CHECK_EQ_INT(ev_meta_set(ix, 10, NULL, 0, NULL), EV_OK);
  CHECK_EQ_INT(ev_meta_get(ix, 10, buf, sizeof buf, &len), EV_OK);
  CHECK_EQ_INT(len, 2);
  CHECK_EQ_INT(ev_meta_set(ix, 99, a.b, a.n, NULL), EV_ERR_NOT_FOUND);
  ev_meta_error me;
  mu_buf bad = a;
  bad.b[bad.n - 1] = 0xFF; /* the last string's last byte: not UTF-8 */
  CHECK_EQ_INT(ev_meta_set(ix, 11, bad.b, bad.n, &me), EV_ERR_INVALID_METADATA);
  CHECK_EQ_INT(me.reason, EV_META_REASON_BAD_UTF8);
  CHECK_EQ_INT(me.field, 3);
  CHECK_EQ_INT(ev_meta_get(ix, 11, buf, sizeof buf, &len), EV_OK);
  CHECK(len == a.n && memcmp(buf, a.b, a.n) == 0);

  /* Delete drops it; the deleted id is NOT_FOUND; re-inserting it without
   * metadata gives none, with metadata gives that. */
  CHECK_EQ_INT(ev_soft_delete(ix, 12, NULL), EV_OK);
  CHECK_EQ_INT(ev_meta_get(ix, 12, buf, sizeof buf, &len), EV_ERR_NOT_FOUND);
  CHECK_EQ_INT(ev_meta_set(ix, 12, a.b, a.n, NULL), EV_ERR_NOT_FOUND);
  uint64_t id12 = 12;
  CHECK_EQ_INT(ev_insert(ix, v, 2, &id12, NULL), EV_OK);
  CHECK_EQ_INT(ev_meta_get(ix, 12, buf, sizeof buf, &len), EV_OK);
  CHECK_EQ_INT(len, 2);
  CHECK_EQ_INT(ev_soft_delete(ix, 12, NULL), EV_OK);
  uint32_t one[2] = {0, (uint32_t)b.n};
  CHECK_EQ_INT(ev_insert_batch_meta(ix, v, 1, 2, &id12, b.b, one, NULL, NULL,
                                    NULL, NULL), EV_OK);
  CHECK_EQ_INT(ev_meta_get(ix, 12, buf, sizeof buf, &len), EV_OK);
  CHECK(len == b.n && memcmp(buf, b.b, b.n) == 0);
  ev_index_free(ix);
}

TEST(meta_insert_is_all_or_nothing) {
  ev_index *ix = cu_index(2, EV_METRIC_L2, 3);
  REQUIRE(ix != NULL);
  float v[8] = {0, 0, 1, 1, 2, 2, 3, 3};
  REQUIRE(ev_insert_batch(ix, v, 1, 2, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  cu_fingerprint before = cu_fingerprint_of(ix);
  size_t bytes = ev_memory_bytes(ix);
  mu_buf blob = {0}, good;
  sample_record(&good, 1, "new-string");
  uint32_t offsets[4] = {0};
  mu_bytes(&blob, good.b, good.n);
  offsets[1] = (uint32_t)blob.n;
  mu_bytes(&blob, good.b, good.n);
  offsets[2] = (uint32_t)blob.n;
  mu_u16(&blob, 1); /* record 2: a BOOL of 7 */
  mu_rec_bool(&blob, "flag", 7);
  offsets[3] = (uint32_t)blob.n;
  ev_batch_error be;
  ev_meta_error me;
  size_t inserted = 99;
  CHECK_EQ_INT(ev_insert_batch_meta(ix, v + 2, 3, 2, NULL, blob.b, offsets, NULL,
                                    &inserted, &be, &me), EV_ERR_INVALID_METADATA);
  CHECK_EQ_INT(inserted, 0);
  CHECK_EQ_INT(be.index, 2);
  CHECK_EQ_INT(me.record, 2);
  CHECK_EQ_INT(me.field, 0);
  CHECK_EQ_INT(me.reason, EV_META_REASON_BAD_BOOL);
  CHECK(cu_same_fingerprint(before, cu_fingerprint_of(ix)));
  CHECK_EQ_INT(ev_memory_bytes(ix), bytes);
  CHECK(!ev__meta_any(ix));
  /* Vectors are checked too: a NaN in vector 1 refuses the batch. */
  float nan_v[6] = {0, 0, NAN, 0, 1, 1};
  offsets[2] = offsets[1] * 2;
  CHECK_EQ_INT(ev_insert_batch_meta(ix, nan_v, 2, 2, NULL, blob.b, offsets, NULL,
                                    NULL, &be, &me), EV_ERR_INVALID_VECTOR);
  CHECK_EQ_INT(be.index, 1);
  CHECK(cu_same_fingerprint(before, cu_fingerprint_of(ix)));
  /* Offsets that go backwards are an argument error. */
  uint32_t backwards[2] = {5, 2};
  CHECK_EQ_INT(ev_insert_batch_meta(ix, v, 1, 2, NULL, blob.b, backwards, NULL,
                                    NULL, NULL, NULL), EV_ERR_INVALID_ARGUMENT);
  /* The index's field limit, reached by the batch as a whole: 17 records
   * of 64 new names each; the last one is refused, nothing changes. */
  enum { RECS = EV_META_MAX_INDEX_FIELDS / EV_META_MAX_FIELDS + 1 };
  static mu_buf wide;
  uint32_t wide_off[RECS + 1];
  float wv[2 * RECS];
  memset(wv, 0, sizeof wv);
  wide.n = 0;
  char name[8];
  for (int rec = 0; rec < RECS; rec++) {
    wide_off[rec] = (uint32_t)wide.n;
    mu_u16(&wide, EV_META_MAX_FIELDS);
    for (int f = 0; f < EV_META_MAX_FIELDS; f++) {
      snprintf(name, sizeof name, "f%02d%02d", rec, f);
      mu_rec_bool(&wide, name, 1);
    }
  }
  wide_off[RECS] = (uint32_t)wide.n;
  CHECK_EQ_INT(ev_insert_batch_meta(ix, wv, RECS, 2, NULL, wide.b, wide_off, NULL,
                                    NULL, &be, &me), EV_ERR_INVALID_METADATA);
  CHECK_EQ_INT(me.reason, EV_META_REASON_INDEX_FIELDS);
  CHECK_EQ_INT(me.record, RECS - 1);
  CHECK_EQ_INT(me.field, 0);
  CHECK_EQ_INT(be.index, RECS - 1);
  CHECK(cu_same_fingerprint(before, cu_fingerprint_of(ix)));
  CHECK(!ev__meta_any(ix));
  /* The same batch checked alone, as the JS layer does before inserting a
   * batch in chunks: refused at the same record and field, nothing changed. */
  ev_meta_error ce;
  CHECK_EQ_INT(ev_meta_check_index_fields(ix, wide.b, wide_off, RECS, &ce),
               EV_ERR_INVALID_METADATA);
  CHECK_EQ_INT(ce.reason, EV_META_REASON_INDEX_FIELDS);
  CHECK_EQ_INT(ce.record, RECS - 1);
  CHECK_EQ_INT(ce.field, 0);
  CHECK(!ev__meta_any(ix));
  CHECK_EQ_INT(ev_meta_check_index_fields(ix, wide.b, wide_off, RECS - 1, &ce), EV_OK);
  /* One fewer record fits. */
  CHECK_EQ_INT(ev_insert_batch_meta(ix, wv, RECS - 1, 2, NULL, wide.b, wide_off,
                                    NULL, NULL, &be, &me), EV_OK);
  CHECK_EQ_INT(ev_live_count(ix), RECS);
  /* Now full: names the index has pass, one new name (even repeated in
   * every record) is refused at its first record, at its field. */
  static mu_buf more;
  more.n = 0;
  uint32_t more_off[4];
  more_off[0] = 0;
  mu_u16(&more, 1);
  mu_rec_bool(&more, "f0000", 0);
  more_off[1] = (uint32_t)more.n;
  mu_u16(&more, 2);
  mu_rec_bool(&more, "f0001", 0);
  mu_rec_bool(&more, "zz", 0);
  more_off[2] = (uint32_t)more.n;
  mu_u16(&more, 1);
  mu_rec_bool(&more, "zz", 1);
  more_off[3] = (uint32_t)more.n;
  CHECK_EQ_INT(ev_meta_check_index_fields(ix, more.b, more_off, 1, &ce), EV_OK);
  CHECK_EQ_INT(ev_meta_check_index_fields(ix, more.b, more_off, 3, &ce),
               EV_ERR_INVALID_METADATA);
  CHECK_EQ_INT(ce.record, 1);
  CHECK_EQ_INT(ce.field, 1);
  CHECK_EQ_INT(ev_meta_check_index_fields(ix, NULL, NULL, 0, &ce), EV_OK);
  CHECK_EQ_INT(ev_meta_check_index_fields(ix, NULL, NULL, 1, &ce), EV_ERR_INVALID_ARGUMENT);
  ev_index_free(ix);
}
