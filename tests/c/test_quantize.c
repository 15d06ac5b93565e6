/*
 * test_quantize.c — SQ8 and binary quantization: the integer kernels agree
 * exactly between simd128 and scalar, codes decode within their error bound,
 * options are validated, and recall on clustered data meets its targets
 * (measured numbers are printed next to the test names).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "distance.h"
#include "edgevec.h"
#include "harness.h"
#include "index.h"
#include "quantize.h"

static float *rows(uint64_t seed, uint32_t n, uint32_t dim) {
  ev_mixture mix;
  float *out = malloc(sizeof(float) * n * dim);
  ev_mixture_init(&mix, seed, dim, EV_DATASET_CLUSTERS, EV_DATASET_SPREAD);
  ev_mixture_rows(&mix, n, out);
  ev_mixture_free(&mix);
  return out;
}

static ev_index *make_q(uint32_t dim, ev_metric metric, ev_quantization q,
                        uint32_t keep_floats, uint32_t rerank) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.metric = metric;
  o.quantization = q;
  o.keep_floats = keep_floats;
  o.rerank = rerank;
  o.seed = 5;
  ev_index *ix = NULL;
  return ev_index_create(&o, &ix) == EV_OK ? ix : NULL;
}

TEST(integer_kernels_simd_and_scalar_agree_exactly) {
  int8_t a[4096], b[4096];
  uint64_t r = 12345;
  for (int i = 0; i < 4096; i++) {
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    a[i] = (int8_t)((int)(r >> 33) % 255 - 127);
    b[i] = (int8_t)((int)(r >> 45) % 255 - 127);
  }
  a[0] = 127, b[0] = 127, a[1] = -127, b[1] = -127; /* the extremes */
  int bad = 0;
  for (size_t n = 0; n <= 4096; n = n < 80 ? n + 1 : n * 2) {
    if (ev_dot_i8(a, b, n) != ev_dot_i8_scalar(a, b, n)) bad = 1;
    if (ev_hamming((const uint8_t *)a, (const uint8_t *)b, n) !=
        ev_hamming_scalar((const uint8_t *)a, (const uint8_t *)b, n))
      bad = 1;
  }
  CHECK(!bad);
  CHECK_EQ_INT(ev_dot_i8_scalar(a, a, 2), 2 * 127 * 127);
  uint8_t x[2] = {0xFF, 0x0F}, y[2] = {0x00, 0x0F};
  CHECK_EQ_INT(ev_hamming(x, y, 2), 8);
}

TEST(sq8_codes_decode_within_half_a_step) {
  ev_index *ix = make_q(64, EV_METRIC_L2, EV_QUANT_SQ8, 0, 0);
  REQUIRE(ix != NULL);
  float *v = rows(9, 50, 64);
  REQUIRE(ev_insert_batch(ix, v, 50, 64, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  int bad = 0;
  float got[64];
  for (uint64_t id = 0; id < 50; id++) {
    REQUIRE(ev_get(ix, id, got) == EV_OK); /* decoded: no floats kept */
    float amax = 0;
    for (int i = 0; i < 64; i++) amax = fmaxf(amax, fabsf(v[id * 64 + i]));
    for (int i = 0; i < 64; i++)
      if (fabsf(got[i] - v[id * 64 + i]) > amax / 127.0f * 0.5001f) bad = 1;
  }
  CHECK(!bad);
  /* Codes cost a quarter of the floats (plus 8 bytes a vector). */
  CHECK_EQ_INT(ix->payload_bytes, 8 + 64);
  ev_index_free(ix);
  free(v);
}

TEST(binary_codes_are_signs) {
  ev_index *ix = make_q(10, EV_METRIC_COSINE, EV_QUANT_BINARY, 0, 0);
  REQUIRE(ix != NULL);
  float v[10] = {1, -1, 2, -2, 3, -3, 0.5f, -0.5f, 1, 1};
  REQUIRE(ev_insert(ix, v, 10, NULL, NULL) == EV_OK);
  float got[10];
  REQUIRE(ev_get(ix, 0, got) == EV_OK);
  float one = 1.0f / sqrtf(10.0f);
  int bad = 0;
  for (int i = 0; i < 10; i++)
    if (got[i] != (v[i] > 0 ? one : -one)) bad = 1;
  CHECK(!bad);
  CHECK_EQ_INT(ix->payload_bytes, 4); /* 10 bits, padded to 4 bytes */
  ev_index_free(ix);
}

TEST(quantization_options_are_validated) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = 8;
  ev_index *ix = NULL;
  o.quantization = (ev_quantization)3;
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_ERR_INVALID_ARGUMENT);
  o.quantization = EV_QUANT_NONE;
  o.keep_floats = 1; /* floats beside floats */
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_ERR_INVALID_ARGUMENT);
  o.quantization = EV_QUANT_SQ8;
  o.keep_floats = 0;
  o.rerank = 10; /* nothing to re-rank with */
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_ERR_INVALID_ARGUMENT);
  o.keep_floats = 2;
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_ERR_INVALID_ARGUMENT);
  o.keep_floats = 1;
  CHECK_EQ_INT(ev_index_create(&o, &ix), EV_OK);
  ev_index_free(ix);
}

/* Mean recall@10 of an index against the exact f32 top-10 of `truth_ix`. */
static double recall(ev_index *ix, ev_index *truth_ix, const float *queries,
                     uint32_t nq, uint32_t dim, uint32_t ef) {
  size_t hits = 0;
  for (uint32_t q = 0; q < nq; q++) {
    uint64_t got[10], truth[10];
    float gd[10], td[10];
    uint32_t gn, tn;
    ev_search(ix, queries + (size_t)q * dim, dim, 10, ef, got, gd, &gn);
    ev_search_exact(truth_ix, queries + (size_t)q * dim, dim, 10, truth, td, &tn);
    for (uint32_t i = 0; i < tn; i++)
      for (uint32_t j = 0; j < gn; j++)
        if (truth[i] == got[j]) { hits++; break; }
  }
  return (double)hits / (10.0 * nq);
}

TEST(sq8_recall_with_and_without_rerank) {
  /* The data and queries of test_recall.c (seed 42), where the f32 index
   * reaches recall 1.0 at ef 64; truth is the exact f32 scan of the index
   * that keeps floats. */
  const uint32_t n = 10000, dim = 128, nq = 200;
  float *v = rows(42, n + nq, dim);
  const float *queries = v + (size_t)n * dim;
  ev_index *plain = make_q(dim, EV_METRIC_L2, EV_QUANT_SQ8, 0, 0);
  ev_index *rr = make_q(dim, EV_METRIC_L2, EV_QUANT_SQ8, 1, 40);
  REQUIRE(plain && rr);
  REQUIRE(ev_insert_batch(plain, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  REQUIRE(ev_insert_batch(rr, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  double r_plain = recall(plain, rr, queries, nq, dim, 64);
  double r_rr = recall(rr, rr, queries, nq, dim, 64);
  NOTE("10k x 128 L2, ef 64: sq8 %.4f, sq8 + rerank 40 %.4f", r_plain, r_rr);
  NOTE("bytes/vector: sq8 %.0f, sq8 + floats %.0f", (double)ev_memory_bytes(plain) / n,
       (double)ev_memory_bytes(rr) / n);
  CHECK(r_plain >= 0.90);
  CHECK(r_rr >= 0.95);
  /* A code costs a quarter of the floats, plus 8 bytes. */
  CHECK_EQ_INT(plain->payload_bytes, 8 + dim);

  /* With floats kept, get returns the inserted vector exactly and re-ranked
   * distances are the exact ones. */
  float got[128];
  CHECK_EQ_INT(ev_get(rr, 17, got), EV_OK);
  CHECK(memcmp(got, v + 17 * dim, sizeof got) == 0);
  uint64_t ids[10];
  float d[10];
  uint32_t cnt;
  CHECK_EQ_INT(ev_search(rr, v + 17 * dim, dim, 10, 64, ids, d, &cnt), EV_OK);
  CHECK(ids[0] == 17 && d[0] == 0.0f);
  ev_index_free(plain);
  ev_index_free(rr);
  free(v);
}

TEST(binary_recall_with_rerank_on_768_dimensions) {
  const uint32_t n = 5000, dim = 768, nq = 100;
  float *v = rows(77, n + nq, dim);
  const float *queries = v + (size_t)n * dim;
  ev_index *bin = make_q(dim, EV_METRIC_COSINE, EV_QUANT_BINARY, 1, 100);
  REQUIRE(bin != NULL);
  REQUIRE(ev_insert_batch(bin, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  /* With floats kept, the exact scan uses them: it is the f32 truth. */
  double r = recall(bin, bin, queries, nq, dim, 200);
  NOTE("5k x 768 cosine, binary + rerank 100, ef 200: recall@10 %.4f", r);
  CHECK(r >= 0.90);
  ev_index_free(bin);
  free(v);
}

TEST(quantized_compaction_keeps_codes_and_floats) {
  const uint32_t n = 600, dim = 32;
  float *v = rows(3, n, dim);
  ev_index *ix = make_q(dim, EV_METRIC_DOT, EV_QUANT_SQ8, 1, 20);
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
