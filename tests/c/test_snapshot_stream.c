/* test_snapshot_stream.c — snapshot_stream.c: a snapshot loaded while its
 * bytes arrive. Whatever the pieces (seeded random sizes, some of 0 to 2
 * bytes, items split between pieces), it builds the index ev_snapshot_load
 * builds, and it refuses what ev_snapshot_load refuses with the same
 * error: every bit flip sampled, every truncation sampled, bad values
 * behind re-sealed checksums, more bytes than the header announces, and
 * memory running out at each allocation. */
#include <stdlib.h>
#include <string.h>

#define EV_FAIL_ALLOC_DECLARE_ONLY
#include "fail_alloc.h"
#include "harness.h"
#include "index.h"
#include "snapshot.h"
#include "persist_util.h"

#define SDIM 10

/* Inserts, deletes, re-inserted ids and (with_meta) metadata on some ids:
 * every section a snapshot of these options can hold. */
static ev_index *stream_index(uint64_t seed, ev_metric metric, ev_quantization q,
                              uint32_t keep, uint32_t rerank, int with_meta,
                              uint32_t n) {
  ev_index *ix = pu_index_q(SDIM, metric, seed, q, keep, rerank);
  float *rows = pu_rows(seed + 1, SDIM, (size_t)n + 20);
  int ok = ix && rows &&
           (n == 0 || ev_insert_batch(ix, rows, n, SDIM, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  uint8_t rec[PU_META_MAX];
  for (uint64_t id = 0; ok && with_meta && id < n; id += 3) {
    size_t len = pu_meta_record(id, rec);
    ok = pu_meta_set(ix, id, rec, len) == EV_OK;
  }
  for (uint64_t id = 1; ok && id < n; id += 7) ev_soft_delete(ix, id, NULL);
  for (uint64_t id = 1; ok && id < n && id < 60; id += 14)
    ok = ev_insert(ix, rows + (size_t)(n + id % 20) * SDIM, SDIM, &id, NULL) == EV_OK;
  free(rows);
  if (!ok) {
    ev_index_free(ix);
    return NULL;
  }
  return ix;
}

typedef struct shape {
  ev_metric metric;
  ev_quantization q;
  uint32_t keep, rerank;
  int meta;
  uint32_t n;
} shape;

/* stream_index of a shape (in *out) and its snapshot, saved with wal_seq;
 * NULL if either could not be made. */
static uint8_t *shape_snapshot(const shape *sh, uint64_t seed, uint64_t wal_seq,
                               ev_index **out, size_t *len) {
  *out = stream_index(seed, sh->metric, sh->q, sh->keep, sh->rerank, sh->meta, sh->n);
  return *out ? pu_save_at(*out, wal_seq, len) : NULL;
}

static uint64_t next_rand(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 33;
}

/* Loads bytes[0, len) through a stream: begin with the header and a
 * random part after it, then pieces of random sizes, then finish. */
static ev_status stream_load(const uint8_t *bytes, size_t len, uint64_t seed,
                             ev_index **out, ev_load_error *err) {
  uint64_t s = seed;
  /* What a caller gives begin: at least the prelude, and the whole header
   * (as its length field says) when there is one. */
  size_t header = len >= 16 ? pu_get_u32(bytes + 12) : len;
  if (header < 20) header = 20;
  size_t first = header < len ? header + (size_t)(next_rand(&s) % 3 ? 0 : next_rand(&s) % 5000) : len;
  if (first > len) first = len;
  ev_snapshot_stream *st = NULL;
  *out = NULL;
  ev_status r = ev_snapshot_stream_begin(bytes, first, &st, NULL, err);
  if (r != EV_OK) {
    CHECK(st == NULL);
    return r;
  }
  size_t at = first;
  while (at < len && r == EV_OK) {
    size_t step = (size_t)(next_rand(&s) % 9000);
    if (next_rand(&s) % 7 == 0) step = (size_t)(next_rand(&s) % 3); /* 0, 1 or 2 */
    if (step > len - at) step = len - at;
    r = ev_snapshot_stream_feed(st, bytes + at, step, err);
    at += step;
  }
  if (r == EV_OK) r = ev_snapshot_stream_finish(st, out, err);
  ev_snapshot_stream_free(st);
  return r;
}

/* The stream and the whole-bytes load agree: status, section, reason,
 * offset; when both load, the same index, saving the same bytes. A
 * truncated snapshot is the one difference: the whole load blames the
 * header's length, the stream names the section the bytes ended in. */
static void same_outcome(const uint8_t *bytes, size_t len, uint64_t seed) {
  ev_index *a = NULL, *b = NULL;
  ev_load_error ea, eb;
  ev_status sa = ev_snapshot_load(bytes, len, &a, NULL, &ea);
  ev_status sb = stream_load(bytes, len, seed, &b, &eb);
  CHECK_EQ_INT(sb, sa);
  CHECK_EQ_INT(eb.status, sb);
  CHECK_EQ_INT(eb.reason, ea.reason);
  CHECK(eb.offset == ea.offset);
  if (!(sa == EV_ERR_TRUNCATED && len >= 16 && len >= pu_get_u32(bytes + 12)))
    CHECK_EQ_INT(eb.section, ea.section);
  CHECK((sb == EV_OK) == (b != NULL));
  if (sa == EV_OK && sb == EV_OK) {
    CHECK(pu_same_index(a, b));
    CHECK(pu_same_bytes(a, b));
  }
  ev_index_free(a);
  ev_index_free(b);
}

static const shape SHAPES[] = {
    {EV_METRIC_L2, EV_QUANT_NONE, 0, 0, 0, 300},
    {EV_METRIC_COSINE, EV_QUANT_NONE, 0, 0, 1, 200},
    {EV_METRIC_L2, EV_QUANT_SQ8, 1, 8, 1, 250}, /* all eight sections */
    {EV_METRIC_DOT, EV_QUANT_BINARY, 0, 0, 0, 150},
    {EV_METRIC_L2, EV_QUANT_NONE, 0, 0, 0, 1},
    {EV_METRIC_L2, EV_QUANT_NONE, 0, 0, 0, 0},
};

TEST(snapshot_stream_builds_what_the_whole_load_builds) {
  for (size_t k = 0; k < sizeof SHAPES / sizeof SHAPES[0]; k++) {
    const shape *sh = &SHAPES[k];
    ev_index *a = NULL;
    size_t len = 0;
    uint8_t *bytes = shape_snapshot(sh, 70 + k, 9 + k, &a, &len);
    REQUIRE(bytes != NULL);
    for (uint64_t seed = 1; seed <= 4; seed++) {
      ev_index *b = NULL;
      ev_load_error err;
      ev_status st = stream_load(bytes, len, seed * 31 + k, &b, &err);
      CHECK_EQ_INT(st, EV_OK);
      CHECK(err.status == EV_OK && err.section == 0 && err.reason == 0);
      if (b) {
        CHECK(pu_same_index(a, b));
        CHECK(pu_same_bytes(a, b));
        if (sh->n > 20) CHECK(pu_same_search(a, b, 500 + seed, 20, 5));
      }
      ev_index_free(b);
    }
    /* Whole in begin; and the header alone, then one byte at a time. */
    {
      ev_index *b = NULL;
      ev_snapshot_stream *s = NULL;
      ev_snapshot_info info;
      CHECK_EQ_INT(ev_snapshot_stream_begin(bytes, len, &s, &info, NULL), EV_OK);
      CHECK(info.total_bytes == len && info.count == a->count && info.wal_seq == 9 + k);
      CHECK_EQ_INT(ev_snapshot_stream_finish(s, &b, NULL), EV_OK);
      CHECK(b && pu_same_bytes(a, b));
      /* Finished once: a second finish hands out nothing, a feed is refused. */
      ev_index *again = NULL;
      CHECK_EQ_INT(ev_snapshot_stream_finish(s, &again, NULL), EV_ERR_INVALID_ARGUMENT);
      CHECK(again == NULL);
      CHECK_EQ_INT(ev_snapshot_stream_feed(s, bytes, 0, NULL), EV_ERR_INVALID_ARGUMENT);
      ev_snapshot_stream_free(s);
      ev_index_free(b);
    }
    if (len < 40000) {
      ev_index *b = NULL;
      ev_snapshot_stream *s = NULL;
      size_t header = pu_get_u32(bytes + 12);
      ev_status st = ev_snapshot_stream_begin(bytes, header, &s, NULL, NULL);
      for (size_t i = header; st == EV_OK && i < len; i++)
        st = ev_snapshot_stream_feed(s, bytes + i, 1, NULL);
      if (st == EV_OK) st = ev_snapshot_stream_finish(s, &b, NULL);
      CHECK_EQ_INT(st, EV_OK);
      CHECK(b && pu_same_bytes(a, b));
      ev_snapshot_stream_free(s);
      ev_index_free(b);
    }
    free(bytes);
    ev_index_free(a);
  }
}

TEST(snapshot_stream_refuses_flips_and_truncations_as_the_whole_load) {
  for (size_t k = 0; k < 4; k++) {
    const shape *sh = &SHAPES[k];
    ev_index *a = NULL;
    size_t len = 0;
    uint8_t *bytes = shape_snapshot(sh, 90 + k, 0, &a, &len);
    REQUIRE(bytes != NULL);
    uint64_t s = 1000 + k;
    /* One flipped bit anywhere: the header's CRC or a section's, the same
     * section named, nothing built. */
    for (int i = 0; i < 60; i++) {
      size_t at = i < 20 ? (size_t)(next_rand(&s) % 400) % len : (size_t)(next_rand(&s) % len);
      uint8_t bit = (uint8_t)(1u << (next_rand(&s) % 8));
      bytes[at] ^= bit;
      same_outcome(bytes, len, s);
      bytes[at] ^= bit;
    }
    /* Cut anywhere: in the prelude, the header, each section, one short. */
    for (int i = 0; i < 40; i++) {
      size_t cut = i == 0 ? len - 1 : i < 10 ? (size_t)(next_rand(&s) % 400) % len
                                            : (size_t)(next_rand(&s) % len);
      same_outcome(bytes, cut, s);
    }
    same_outcome(bytes, len, s); /* and intact */
    free(bytes);
    ev_index_free(a);
  }
}

/* A section's offset from the table (section ids are at 120 + 24 i). */
static size_t section_at(const uint8_t *b, uint32_t id) {
  for (uint32_t i = 0; i < pu_get_u32(b + 92); i++)
    if (pu_get_u32(b + 120 + 24 * i) == id) return (size_t)pu_get_u64(b + 120 + 24 * i + 8);
  return 0;
}

TEST(snapshot_stream_refuses_bad_values_behind_valid_checksums) {
  ev_index *a = NULL;
  size_t len = 0;
  uint8_t *bytes = shape_snapshot(&(shape){EV_METRIC_L2, EV_QUANT_SQ8, 1, 8, 1, 200}, 40, 0, &a, &len);
  REQUIRE(bytes != NULL);
  uint8_t *orig = malloc(len);
  REQUIRE(orig != NULL);
  memcpy(orig, bytes, len);
  const size_t P = a->payload_bytes;
  struct { uint32_t section; size_t at; uint32_t value; } edits[] = {
      /* SQ8 scale NaN in slot 37's payload (placed while streaming). */
      {EV_SECTION_VECTORS, 37 * P, 0x7FC00000u},
      /* A kept float infinite in slot 150 (placed while streaming). */
      {EV_SECTION_FLOATS, (150 * SDIM + 3) * 4, 0x7F800000u},
      /* A level-0 link list longer than m0 (placed while streaming). */
      {EV_SECTION_LINKS0, 0, 1000},
      /* An upper list longer than m (held, decoded at the end). */
      {EV_SECTION_UPPER, 0, 1000},
      /* An id beyond the automatic sequence. */
      {EV_SECTION_IDS, 8 * 5, 0xFFFFFFF0u},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    memcpy(bytes, orig, len);
    size_t at = section_at(bytes, edits[i].section) + edits[i].at;
    pu_put_u32(bytes + at, edits[i].value);
    pu_reseal_snapshot(bytes, len);
    ev_index *b = NULL;
    ev_load_error err;
    CHECK_EQ_INT(stream_load(bytes, len, 5 + i, &b, &err), EV_ERR_CORRUPT);
    CHECK_EQ_INT(err.section, edits[i].section);
    CHECK(b == NULL);
    same_outcome(bytes, len, 7 + i);
  }
  /* Level-0 lists (placed as they arrive) that break the rule, and counts
   * that shift every list after them: the error of the whole load. */
  size_t l0 = section_at(orig, EV_SECTION_LINKS0);
  uint32_t n0 = pu_get_u32(orig + l0), t0 = pu_get_u32(orig + l0 + 4);
  REQUIRE(n0 >= 2);
  struct { size_t at; uint32_t value; uint32_t reason; } lists[] = {
      {l0 + 4, a->count + 5, EV_REASON_BAD_VALUE}, /* a target past the slots */
      {l0 + 8, t0, EV_REASON_BAD_VALUE},           /* a target twice */
      {l0 + 4, 0, EV_REASON_BAD_VALUE},            /* slot 0 linked to itself */
      {l0, n0 - 1, EV_REASON_NONE},                /* the lists after it shifted */
      {l0, n0 + 1, EV_REASON_NONE},
  };
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
    memcpy(bytes, orig, len);
    pu_put_u32(bytes + lists[i].at, lists[i].value);
    pu_reseal_snapshot(bytes, len);
    ev_index *b = NULL;
    ev_load_error err;
    CHECK_EQ_INT(stream_load(bytes, len, 20 + i, &b, &err), EV_ERR_CORRUPT);
    CHECK(b == NULL);
    if (lists[i].reason != EV_REASON_NONE) {
      CHECK_EQ_INT(err.section, EV_SECTION_LINKS0);
      CHECK_EQ_INT(err.reason, lists[i].reason);
    }
    for (uint64_t seed = 0; seed < 4; seed++) same_outcome(bytes, len, 30 + 4 * i + seed);
  }
  /* The last list one shorter, its last word now a list of its own (n 0)
   * after the last slot's: bytes the section must not have. */
  {
    size_t at = l0, last = l0;
    for (uint32_t slot = 0; slot < a->count; slot++) {
      last = at;
      at += 4 + 4 * (size_t)pu_get_u32(orig + at);
    }
    uint32_t n_last = pu_get_u32(orig + last);
    REQUIRE(n_last >= 1);
    memcpy(bytes, orig, len);
    pu_put_u32(bytes + last, n_last - 1);
    pu_put_u32(bytes + at - 4, 0);
    pu_reseal_snapshot(bytes, len);
    ev_index *b = NULL;
    ev_load_error err;
    CHECK_EQ_INT(stream_load(bytes, len, 40, &b, &err), EV_ERR_CORRUPT);
    CHECK_EQ_INT(err.section, EV_SECTION_LINKS0);
    CHECK_EQ_INT(err.reason, EV_REASON_INCONSISTENT);
    CHECK(err.offset == at - 4);
    same_outcome(bytes, len, 41);
  }
  /* A bad vector inside a damaged download: the checksum is what is
   * reported (the damage is the cause), as by the whole load. */
  memcpy(bytes, orig, len);
  size_t vec = section_at(bytes, EV_SECTION_VECTORS);
  pu_put_u32(bytes + vec + 3 * P, 0x7FC00000u);
  {
    ev_index *b = NULL;
    ev_load_error err;
    CHECK_EQ_INT(stream_load(bytes, len, 3, &b, &err), EV_ERR_CORRUPT);
    CHECK_EQ_INT(err.section, EV_SECTION_VECTORS);
    CHECK_EQ_INT(err.reason, EV_REASON_CHECKSUM);
    same_outcome(bytes, len, 4);
  }
  free(orig);
  free(bytes);
  ev_index_free(a);
}

TEST(snapshot_stream_refuses_extra_bytes_and_bad_arguments) {
  ev_index *a = NULL;
  size_t len = 0;
  uint8_t *bytes = shape_snapshot(&(shape){EV_METRIC_L2, EV_QUANT_NONE, 0, 0, 0, 50}, 41, 0, &a, &len);
  REQUIRE(bytes != NULL);
  uint8_t *longer = calloc(len + 8, 1);
  REQUIRE(longer != NULL);
  memcpy(longer, bytes, len);

  /* More bytes than announced, in begin or in a feed: CORRUPT, final. */
  ev_snapshot_stream *s = NULL;
  ev_load_error err;
  CHECK_EQ_INT(ev_snapshot_stream_begin(longer, len + 1, &s, NULL, &err), EV_ERR_CORRUPT);
  CHECK(s == NULL && err.section == EV_SECTION_HEADER && err.reason == EV_REASON_INCONSISTENT);
  CHECK(err.offset == len);
  CHECK_EQ_INT(ev_snapshot_stream_begin(bytes, len - 10, &s, NULL, NULL), EV_OK);
  CHECK_EQ_INT(ev_snapshot_stream_feed(s, longer + len - 10, 11, &err), EV_ERR_CORRUPT);
  CHECK(err.offset == len);
  CHECK_EQ_INT(ev_snapshot_stream_feed(s, bytes + len - 10, 10, &err), EV_ERR_CORRUPT);
  ev_index *b = (ev_index *)1;
  CHECK_EQ_INT(ev_snapshot_stream_finish(s, &b, &err), EV_ERR_CORRUPT);
  CHECK(b == NULL);
  ev_snapshot_stream_free(s);

  /* Arguments. */
  s = (ev_snapshot_stream *)1;
  CHECK_EQ_INT(ev_snapshot_stream_begin(NULL, 10, &s, NULL, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK(s == NULL);
  CHECK_EQ_INT(ev_snapshot_stream_begin(bytes, len, NULL, NULL, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_snapshot_stream_begin(bytes, 0, &s, NULL, &err), EV_ERR_TRUNCATED);
  CHECK_EQ_INT(ev_snapshot_stream_feed(NULL, bytes, 1, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_snapshot_stream_finish(NULL, &b, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_snapshot_stream_begin(bytes, len, &s, NULL, NULL), EV_OK);
  CHECK_EQ_INT(ev_snapshot_stream_feed(s, NULL, 1, NULL), EV_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(ev_snapshot_stream_feed(s, NULL, 0, NULL), EV_OK);
  CHECK_EQ_INT(ev_snapshot_stream_finish(s, NULL, NULL), EV_ERR_INVALID_ARGUMENT);
  ev_snapshot_stream_free(s);
  ev_snapshot_stream_free(NULL);
  free(longer);
  free(bytes);
  ev_index_free(a);
}

TEST(snapshot_stream_out_of_memory_at_each_allocation) {
  ev_index *a = NULL;
  size_t len = 0;
  uint8_t *bytes = shape_snapshot(&(shape){EV_METRIC_L2, EV_QUANT_SQ8, 1, 4, 1, 120}, 42, 0, &a, &len);
  REQUIRE(bytes != NULL);
  int done = 0;
  for (long n = 0; n < 100000 && !done; n++) {
    ev_test_fail_alloc_after(n);
    ev_index *b = NULL;
    ev_load_error err;
    ev_status st = stream_load(bytes, len, 8, &b, &err);
    int failed = ev_test_alloc_failed();
    ev_test_fail_alloc_after(-1);
    if (failed) {
      CHECK_EQ_INT(st, EV_ERR_OUT_OF_MEMORY);
      CHECK(err.reason == EV_REASON_OUT_OF_MEMORY && b == NULL);
    } else {
      CHECK_EQ_INT(st, EV_OK);
      CHECK(b && pu_same_bytes(a, b));
      done = 1;
    }
    ev_index_free(b);
  }
  CHECK(done);
  free(bytes);
  ev_index_free(a);
}
