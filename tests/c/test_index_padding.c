/*
 * test_index_padding.c — index.c and quantize.c's padded storage: without
 * quantization a level-0 record holds the vector followed by zeros up to
 * padded_dim floats, so that every distance of a walk runs a kernel
 * without a scalar tail. What must hold: the padding is zero in every
 * record (inserted, loaded from a snapshot, replayed from the log), the
 * distances a search returns equal the unpadded scalar reference, get()
 * writes exactly dim floats, and only the dim floats are persisted.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "distance.h"
#include "harness.h"
#include "index.h"
#include "journal.h"
#include "persist_util.h"
#include "snapshot.h"
#include "wal.h"

/* The dimensions checked: every length to 40 (each remainder of 4 and of
 * 16), then the usual embedding sizes. */
static const uint32_t dims[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                                25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
                                37, 38, 39, 40, 100, 384, 768};
#define NDIMS (sizeof dims / sizeof dims[0])

static int close_enough(float a, float b) {
  return fabsf(a - b) <= 1e-5f * (1.0f + fabsf(a) + fabsf(b));
}

/* 1 when every record's floats after dim are +0.0 (all bytes zero). */
static int padding_is_zero(const ev_index *ix) {
  size_t pad = ix->payload_stride - ix->payload_bytes;
  for (uint32_t s = 0; s < ix->count; s++) {
    const uint8_t *p = ev__payload(ix, s) + ix->payload_bytes;
    for (size_t i = 0; i < pad; i++)
      if (p[i]) return 0;
  }
  return 1;
}

static float reference_distance(ev_metric metric, const float *a, const float *b,
                                uint32_t dim) {
  switch (metric) {
    case EV_METRIC_COSINE: return 1.0f - ev_dot_scalar(a, b, dim);
    case EV_METRIC_DOT: return -ev_dot_scalar(a, b, dim);
    default: return ev_l2sq_scalar(a, b, dim);
  }
}

TEST(padded_records_hold_zeros_after_the_vector) {
  for (size_t d = 0; d < NDIMS; d++) {
    uint32_t dim = dims[d];
    ev_index *ix = pu_index(dim, EV_METRIC_L2, 7 + dim);
    float *rows = pu_rows(dim, dim, 20);
    REQUIRE(ix && rows);
    CHECK(ix->padded_dim >= dim && ix->padded_dim % EV_PAD_FLOATS == 0 &&
          ix->padded_dim - dim < EV_PAD_FLOATS);
    CHECK_EQ_INT(ix->payload_bytes, 4 * dim); /* what is persisted */
    CHECK_EQ_INT(ix->payload_stride, 4 * ix->padded_dim);
    CHECK(ev_insert_batch(ix, rows, 20, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
    if (!CHECK(padding_is_zero(ix))) NOTE("dim %u", dim);
    free(rows);
    ev_index_free(ix);
  }
}

/* The distances a graph search returns (the padded kernels) equal the
 * scalar kernel over the dim floats, for every metric. */
TEST(padded_distances_equal_the_unpadded_scalar_reference) {
  const ev_metric metrics[] = {EV_METRIC_L2, EV_METRIC_COSINE, EV_METRIC_DOT};
  int bad = 0, compared = 0;
  for (size_t d = 0; d < NDIMS; d++)
    for (int m = 0; m < 3; m++) {
      uint32_t dim = dims[d];
      ev_index *ix = pu_index(dim, metrics[m], 3 + dim);
      float *rows = pu_rows(100 + dim, dim, 31);
      float *stored = malloc(sizeof(float) * dim), *q = malloc(sizeof(float) * dim);
      REQUIRE(ix && rows && stored && q);
      REQUIRE(ev_insert_batch(ix, rows, 30, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
      /* The query as the index compares it (normalised under cosine). */
      REQUIRE(ev__prepare_vector(ix, rows + 30 * (size_t)dim, q) == EV_OK);
      uint64_t ids[5];
      float dist[5];
      uint32_t n = 0;
      /* k below the count and ef above it: the graph walk answers, and
       * sees every node. */
      REQUIRE(ev_search(ix, rows + 30 * (size_t)dim, dim, 5, 64, ids, dist, &n) == EV_OK);
      CHECK_EQ_INT(n, 5);
      for (uint32_t i = 0; i < n; i++) {
        REQUIRE(ev_get(ix, ids[i], stored) == EV_OK);
        compared++;
        if (!close_enough(dist[i], reference_distance(metrics[m], q, stored, dim))) {
          if (!bad) NOTE("dim %u metric %d: %g vs %g", dim, m, dist[i],
                         reference_distance(metrics[m], q, stored, dim));
          bad++;
        }
      }
      free(rows);
      free(stored);
      free(q);
      ev_index_free(ix);
    }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(compared, (int)(NDIMS * 3 * 5));
}

/* get() writes dim floats, not the padding: the float after them in the
 * caller's buffer is untouched. */
TEST(get_writes_exactly_dim_floats) {
  for (size_t d = 0; d < NDIMS; d++) {
    uint32_t dim = dims[d];
    ev_index *ix = pu_index(dim, EV_METRIC_DOT, 5);
    float *rows = pu_rows(9, dim, 3);
    float *out = malloc(sizeof(float) * (dim + EV_PAD_FLOATS));
    REQUIRE(ix && rows && out);
    REQUIRE(ev_insert_batch(ix, rows, 3, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
    for (uint32_t i = 0; i < dim + EV_PAD_FLOATS; i++) out[i] = -7.0f;
    CHECK(ev_get(ix, 2, out) == EV_OK);
    CHECK(memcmp(out, rows + 2 * (size_t)dim, sizeof(float) * dim) == 0);
    for (uint32_t i = dim; i < dim + EV_PAD_FLOATS; i++) CHECK(out[i] == -7.0f);
    free(rows);
    free(out);
    ev_index_free(ix);
  }
}

/* Only dim floats per vector reach a snapshot: its vectors section is the
 * inserted rows back to back (little-endian f32, this host's order), and
 * a snapshot loaded back has zero padding and saves to the same bytes. */
TEST(snapshot_holds_dim_floats_per_vector_and_loads_with_zero_padding) {
  for (size_t d = 0; d < NDIMS; d++) {
    uint32_t dim = dims[d];
    const uint32_t n = 12;
    ev_index *ix = pu_index(dim, EV_METRIC_L2, 11);
    float *rows = pu_rows(21 + dim, dim, n);
    REQUIRE(ix && rows);
    REQUIRE(ev_insert_batch(ix, rows, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
    size_t len = 0;
    uint8_t *bytes = pu_save(ix, &len);
    REQUIRE(bytes);
    size_t run = sizeof(float) * dim * n;
    int found = 0;
    for (size_t off = 0; off + run <= len && !found; off += 4)
      found = memcmp(bytes + off, rows, run) == 0;
    if (!CHECK(found)) NOTE("dim %u: the rows are not back to back in the snapshot", dim);
    ev_index *back = NULL;
    CHECK(ev_snapshot_load(bytes, len, &back, NULL, NULL) == EV_OK);
    REQUIRE(back);
    CHECK(padding_is_zero(back));
    CHECK(pu_same_bytes(ix, back));
    CHECK(pu_same_search(ix, back, 4, 5, 3));
    ev_index_free(back);
    free(bytes);
    free(rows);
    ev_index_free(ix);
  }
}

/* The log record of one insert into an empty index grows by exactly 4
 * bytes per dimension (padding would make it jump by whole widths), and
 * replaying it gives zero padding and the writer's snapshot bytes. */
TEST(log_record_holds_dim_floats_per_vector_and_replays_with_zero_padding) {
  size_t prev_len = 0;
  for (uint32_t dim = 1; dim <= 40; dim++) {
    ev_index *ix = pu_index(dim, EV_METRIC_COSINE, 13);
    ev_index *replica = pu_index(dim, EV_METRIC_COSINE, 13);
    float *rows = pu_rows(31, dim, 1);
    REQUIRE(ix && replica && rows);
    REQUIRE(ev_journal_enable(ix, 0) == EV_OK);
    REQUIRE(ev_insert_batch(ix, rows, 1, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
    const uint8_t *rec;
    size_t len = 0;
    uint64_t seq;
    REQUIRE(ev_journal_begin_commit(ix, &rec, &len, &seq) == EV_OK);
    if (dim > 1) CHECK_EQ_INT(len - prev_len, 4);
    prev_len = len;
    ev_wal_replay_result res;
    CHECK(ev_wal_replay(replica, rec, len, 0, &res) == EV_OK);
    ev_journal_end_commit(ix, 1);
    CHECK(padding_is_zero(replica));
    CHECK(pu_same_bytes(ix, replica));
    free(rows);
    ev_index_free(ix);
    ev_index_free(replica);
  }
}
