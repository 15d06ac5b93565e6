/*
 * test_quantize.c — quantize.c: SQ8 and binary codes decode within their
 * error bound, the quantization options are validated, and recall on
 * clustered data meets its targets (measured numbers are printed next to
 * the test names).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core_util.h"
#include "dataset.h"
#include "edgevec.h"
#include "harness.h"
#include "index.h"
#include "quantize.h"

TEST(sq8_codes_decode_within_half_a_step) {
  ev_index *ix = cu_index_q(64, EV_METRIC_L2, 5, EV_QUANT_SQ8, 0, 0);
  REQUIRE(ix != NULL);
  float *v = ev_dataset_rows(9, 64, EV_DATASET_CLUSTERS, 50);
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
  ev_index *ix = cu_index_q(10, EV_METRIC_COSINE, 5, EV_QUANT_BINARY, 0, 0);
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
  const uint32_t n = EV_TEST_ROWS(10000u), dim = 128, nq = 200;
  float *v = ev_dataset_rows(42, dim, EV_DATASET_CLUSTERS, n + nq);
  const float *queries = v + (size_t)n * dim;
  ev_index *plain = cu_index_q(dim, EV_METRIC_L2, 5, EV_QUANT_SQ8, 0, 0);
  ev_index *rr = cu_index_q(dim, EV_METRIC_L2, 5, EV_QUANT_SQ8, 1, 40);
  REQUIRE(plain && rr);
  REQUIRE(ev_insert_batch(plain, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  REQUIRE(ev_insert_batch(rr, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  double r_plain = recall(plain, rr, queries, nq, dim, 64);
  double r_rr = recall(rr, rr, queries, nq, dim, 64);
  NOTE("%u x 128 L2, ef 64: sq8 %.4f, sq8 + rerank 40 %.4f", n, r_plain, r_rr);
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
  float *v = ev_dataset_rows(77, dim, EV_DATASET_CLUSTERS, n + nq);
  const float *queries = v + (size_t)n * dim;
  ev_index *bin = cu_index_q(dim, EV_METRIC_COSINE, 5, EV_QUANT_BINARY, 1, 100);
  REQUIRE(bin != NULL);
  REQUIRE(ev_insert_batch(bin, v, n, dim, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  /* With floats kept, the exact scan uses them: it is the f32 truth. */
  double r = recall(bin, bin, queries, nq, dim, 200);
  NOTE("5k x 768 cosine, binary + rerank 100, ef 200: recall@10 %.4f", r);
  CHECK(r >= 0.90);
  ev_index_free(bin);
  free(v);
}

