/*
 * test_distance.c — distance.c: the simd128 kernels (in the wasm build)
 * agree with the scalar ones, the integer kernels exactly, and the paired
 * kernels give the single kernels' bits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "distance.h"
#include "harness.h"

static int close_enough(float a, float b) {
  return fabsf(a - b) <= 1e-5f * (1.0f + fabsf(a) + fabsf(b));
}

TEST(simd_and_scalar_kernels_agree) {
  /* Every length from 1 to 70 covers the 16-wide body, the 4-wide loop and
   * the scalar tail; 768 is a common embedding size. */
  float *a = ev_dataset_rows(11, 768, 8, 1), *b = ev_dataset_rows(12, 768, 8, 1);
  int bad = 0;
  for (size_t n = 1; n <= 768; n = n < 70 ? n + 1 : 768) {
    if (!close_enough(ev_dot(a, b, n), ev_dot_scalar(a, b, n))) bad = 1;
    if (!close_enough(ev_l2sq(a, b, n), ev_l2sq_scalar(a, b, n))) bad = 1;
    if (n == 768) break;
  }
  CHECK(!bad);
  NOTE("simd128 kernels compiled in: %s", EV_HAVE_SIMD128 ? "yes" : "no (native scalar build)");
  free(a);
  free(b);
}

/* The body kernels (lengths a multiple of 4, no scalar tail) agree with
 * the scalar reference, give the general kernels' bits, and so do the
 * paired bodies; zeros appended to both vectors change no bit (what padded
 * storage relies on). */
TEST(body_kernels_agree_with_the_reference_and_padding_changes_nothing) {
  float *a = ev_dataset_rows(16, 800, 8, 1), *b = ev_dataset_rows(17, 800, 8, 1);
  float *pa = calloc(800, sizeof(float)), *pb = calloc(800, sizeof(float));
  int bad = 0, bits = 0, padded = 0;
  for (size_t n = 4; n <= 768; n = n < 64 ? n + 4 : n * 2) {
    float d = ev_dot_body(a, b, n), l = ev_l2sq_body(a, b, n);
    if (!close_enough(d, ev_dot_scalar(a, b, n)) || !close_enough(l, ev_l2sq_scalar(a, b, n))) bad++;
    float g1 = ev_dot(a, b, n), g2 = ev_l2sq(a, b, n);
    if (memcmp(&d, &g1, 4) || memcmp(&l, &g2, 4)) bits++;
    float da, db, la, lb;
    ev_dot2_body(a, b, a, n, &da, &db);
    ev_l2sq2_body(a, b, a, n, &la, &lb);
    float aa = ev_dot_body(a, a, n), za = ev_l2sq_body(a, a, n);
    if (memcmp(&da, &d, 4) || memcmp(&db, &aa, 4) || memcmp(&la, &l, 4) || memcmp(&lb, &za, 4)) bits++;
  }
  /* Any length padded with zeros to a multiple of 4 and of 16. */
  for (size_t n = 1; n <= 768; n = n < 70 ? n + 1 : n * 2 + 3) {
    size_t p4 = (n + 3) / 4 * 4, p16 = (n + 15) / 16 * 16;
    memset(pa, 0, 800 * sizeof(float));
    memset(pb, 0, 800 * sizeof(float));
    memcpy(pa, a, n * sizeof(float));
    memcpy(pb, b, n * sizeof(float));
    float d4 = ev_dot_body(pa, pb, p4), d16 = ev_dot_body(pa, pb, p16);
    float l4 = ev_l2sq_body(pa, pb, p4), l16 = ev_l2sq_body(pa, pb, p16);
    if (!close_enough(d4, ev_dot_scalar(a, b, n)) || !close_enough(l4, ev_l2sq_scalar(a, b, n)) ||
        !close_enough(d16, ev_dot_scalar(a, b, n)) || !close_enough(l16, ev_l2sq_scalar(a, b, n)))
      padded++;
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(bits, 0);
  CHECK_EQ_INT(padded, 0);
  free(a);
  free(b);
  free(pa);
  free(pb);
}

/* The paired kernels give the single kernels' bits, for every metric and
 * for lengths on and off the 16-float step. */
TEST(paired_distances_equal_single_ones_bit_for_bit) {
  float *q = ev_dataset_rows(13, 768, 8, 1), *a = ev_dataset_rows(14, 768, 8, 1);
  float *b = ev_dataset_rows(15, 768, 8, 1);
  const size_t lens[] = {1, 5, 16, 17, 32, 48, 100, 128, 384, 768};
  const ev_metric metrics[] = {EV_METRIC_L2, EV_METRIC_COSINE, EV_METRIC_DOT};
  int bad = 0;
  for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++)
    for (int m = 0; m < 3; m++) {
      float da = -1.0f, db = -1.0f;
      ev_distance2(metrics[m], q, a, b, lens[k], &da, &db);
      float sa = ev_distance(metrics[m], q, a, lens[k]);
      float sb = ev_distance(metrics[m], q, b, lens[k]);
      if (memcmp(&da, &sa, 4) != 0 || memcmp(&db, &sb, 4) != 0) bad++;
    }
  CHECK_EQ_INT(bad, 0);
  free(q);
  free(a);
  free(b);
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
