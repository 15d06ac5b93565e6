/*
 * test_distance_sq8.c — distance_sq8.c and the SQ8 walk form of
 * quantize.c: the i16 x i8 kernel against a 64-bit reference at many
 * lengths (the simd128 kernel bit for bit with the scalar one, up to the
 * largest query range that cannot overflow), the walk form's distances
 * against the metric on the f32 query and the decoded vector, and the
 * distances searches return with SQ8.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core_util.h"
#include "dataset.h"
#include "distance.h"
#include "distance_sq8.h"
#include "harness.h"
#include "index.h"
#include "quantize.h"

/* Seeded values in [-range, range], with both extremes present. */
static void fill_i8(int8_t *c, size_t n, uint64_t r) {
  for (size_t i = 0; i < n; i++) {
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    c[i] = (int8_t)((int)(r >> 33) % 255 - 127);
  }
  c[0] = 127;
  if (n > 1) c[1] = -127;
}
static void fill_i16(int16_t *q, size_t n, int range, uint64_t r) {
  for (size_t i = 0; i < n; i++) {
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    q[i] = (int16_t)((long)(r >> 33) % (2 * range + 1) - range);
  }
  q[0] = (int16_t)range;
  if (n > 1) q[1] = (int16_t)-range;
}

TEST(sq8_i16_i8_kernel_matches_a_64_bit_reference) {
  /* Lengths on and off the 16-code step (the simd128 body and the scalar
   * tail), common embedding sizes, and the largest dimension. */
  const size_t lens[] = {1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 100, 128, 300, 384, 768, 1000, 4096};
  int16_t *q = malloc(2 * 4096);
  int8_t *c = malloc(4096);
  REQUIRE(q && c);
  int bad = 0;
  for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
    size_t n = lens[k];
    /* The query range quantize.c allows for n: the worst case (every
     * product at its largest, one sign) must fit an i32. */
    long range = 2147483647L / (127L * (long)n);
    if (range > 32767) range = 32767;
    fill_i16(q, n, (int)range, 7 + n);
    fill_i8(c, n, 99 + n);
    int64_t want = 0;
    for (size_t i = 0; i < n; i++) want += (int64_t)q[i] * c[i];
    if (ev_dot_i16_i8_scalar(q, c, n) != want) bad++;
    if (ev_dot_i16_i8(q, c, n) != want) bad++;
    /* The extreme: every product +range * 127. */
    for (size_t i = 0; i < n; i++) q[i] = (int16_t)range, c[i] = 127;
    if (ev_dot_i16_i8(q, c, n) != (int64_t)range * 127 * (int64_t)n) bad++;
    for (size_t i = 0; i < n; i++) c[i] = -127;
    if (ev_dot_i16_i8(q, c, n) != -(int64_t)range * 127 * (int64_t)n) bad++;
  }
  CHECK_EQ_INT(bad, 0);
  free(q);
  free(c);
}

/* The walk form's distance to a code is the metric's distance from the
 * f32 query to the decoded vector, within the query's own rounding. */
TEST(sq8_walk_query_distance_is_the_f32_query_to_the_decoded_vector) {
  const uint32_t dims[] = {1, 5, 16, 17, 100, 128, 384, 768};
  const ev_metric metrics[] = {EV_METRIC_L2, EV_METRIC_COSINE, EV_METRIC_DOT};
  int bad = 0;
  for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++)
    for (int m = 0; m < 3; m++) {
      uint32_t dim = dims[k];
      ev_index *ix = cu_index_q(dim, metrics[m], 5, EV_QUANT_SQ8, 0, 0);
      REQUIRE(ix != NULL);
      float *v = ev_dataset_rows(40 + dim, dim, EV_DATASET_CLUSTERS, 20);
      float *prepared = malloc(4 * (size_t)dim), *decoded = malloc(4 * (size_t)dim);
      uint8_t *walk = malloc(ev__walk_query_bytes(&ix->options));
      uint8_t *code = malloc(ix->payload_bytes);
      REQUIRE(v && prepared && decoded && walk && code);
      for (int i = 0; i < 10; i++) {
        REQUIRE(ev__prepare_vector(ix, v + (size_t)i * dim, prepared) == EV_OK);
        ev__walk_query_encode(ix, prepared, walk);
        ev__encode(ix, v + (size_t)(10 + i) * dim, code);
        ev__decode(ix, code, decoded);
        float got = ev__query_distance(ix, walk, code);
        float want = ev_distance(metrics[m], prepared, decoded, dim);
        if (metrics[m] == EV_METRIC_L2 && want < 0) want = 0;
        /* The bound: each query component is off by at most half its
         * step, times |decoded|, twice for L2; plus float rounding. */
        float qstep = 0, sum_abs = 0, mag = 0;
        memcpy(&qstep, walk, 4);
        for (uint32_t j = 0; j < dim; j++) {
          sum_abs += fabsf(decoded[j]);
          mag += prepared[j] * prepared[j] + decoded[j] * decoded[j];
        }
        float tol = qstep * sum_abs + 1e-5f * (1.0f + mag);
        if (!(fabsf(got - want) <= tol)) bad++;
      }
      free(v);
      free(prepared);
      free(decoded);
      free(walk);
      free(code);
      ev_index_free(ix);
    }
  CHECK_EQ_INT(bad, 0);
}

/* With SQ8 a search compares the query's 16-bit walk form with the stored
 * codes: every distance it returns is (within the query's rounding) the
 * metric's distance from the f32 query to the decoded vector, nearer the
 * truth than the distance between two codes. */
TEST(sq8_search_distances_are_from_the_f32_query_to_the_decoded_vector) {
  const uint32_t n = 500, dim = 100;
  float *v = ev_dataset_rows(31, dim, EV_DATASET_CLUSTERS, n + 5);
  REQUIRE(v != NULL);
  const ev_metric metrics[] = {EV_METRIC_L2, EV_METRIC_COSINE, EV_METRIC_DOT};
  int bad = 0, code_code = 0;
  for (int m = 0; m < 3; m++) {
    ev_index *ix = cu_index_q(dim, metrics[m], 5, EV_QUANT_SQ8, 0, 0);
    REQUIRE(ix != NULL);
    REQUIRE(ev_insert_batch(ix, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
    for (uint32_t qi = 0; qi < 5; qi++) {
      const float *query = v + (size_t)(n + qi) * dim;
      float prepared[100], decoded[100];
      REQUIRE(ev__prepare_vector(ix, query, prepared) == EV_OK);
      uint8_t *qcode = malloc(ix->payload_bytes);
      REQUIRE(qcode != NULL);
      ev__encode(ix, prepared, qcode);
      uint64_t ids[10];
      float d[10];
      uint32_t got = 0;
      REQUIRE(ev_search(ix, query, dim, 10, 64, ids, d, &got) == EV_OK);
      CHECK_EQ_INT(got, 10);
      for (uint32_t i = 0; i < got; i++) {
        REQUIRE(ev_get(ix, ids[i], decoded) == EV_OK);
        float want = ev_distance(metrics[m], prepared, decoded, dim);
        if (!(fabsf(d[i] - want) <= 2e-4f * (1.0f + fabsf(want)))) bad++;
        /* ...which differs from the code-to-code distance. */
        uint32_t slot = ev__live_slot(ix, ids[i]);
        if (d[i] == ev__payload_distance(ix, qcode, ev__payload(ix, slot))) code_code++;
      }
      free(qcode);
    }
    ev_index_free(ix);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK(code_code < 10);
  free(v);
}
