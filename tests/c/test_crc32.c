/* test_crc32.c — crc32.c: CRC-32 against published check values and the
 * bitwise definition, and incremental == one-shot. */
#include <stdlib.h>

#include "crc32.h"
#include "harness.h"

/* The definition, one bit at a time: the reference the tables must match. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int b = 0; b < 8; b++) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
  }
  return ~c;
}

TEST(crc32_check_values) {
  CHECK(ev_crc32("123456789", 9) == 0xCBF43926u);
  CHECK(ev_crc32("", 0) == 0);
  CHECK(ev_crc32(NULL, 0) == 0);
  CHECK(ev_crc32("a", 1) == 0xE8B7BE43u);
  CHECK(ev_crc32("The quick brown fox jumps over the lazy dog", 43) ==
        0x414FA339u);
}

TEST(crc32_matches_bitwise_definition_at_every_length_and_alignment) {
  uint8_t buf[300];
  uint64_t s = 12345;
  for (size_t i = 0; i < sizeof buf; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    buf[i] = (uint8_t)(s >> 56);
  }
  for (size_t off = 0; off < 9; off++)
    for (size_t n = 0; n + off <= sizeof buf; n += 7)
      CHECK(ev_crc32(buf + off, n) == crc_bitwise(buf + off, n));
}

TEST(crc32_incremental_equals_one_shot) {
  uint8_t buf[1000];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 31 + 7);
  uint32_t whole = ev_crc32(buf, sizeof buf);
  for (size_t cut = 0; cut <= sizeof buf; cut += 13) {
    uint32_t c = ev_crc32_update(0, buf, cut);
    c = ev_crc32_update(c, buf + cut, sizeof buf - cut);
    CHECK(c == whole);
  }
}

/* Long inputs take the interleaved path (four CRCs joined by the
 * combination rule): every length class and split point must agree with
 * the bitwise definition. */
TEST(crc32_interleaved_path_matches_bitwise_definition) {
  size_t cap = 70000;
  uint8_t *buf = malloc(cap);
  REQUIRE(buf != NULL);
  uint64_t s = 99;
  for (size_t i = 0; i < cap; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    buf[i] = (uint8_t)(s >> 56);
  }
  static const size_t lens[] = {4095, 4096, 4097, 4100, 4103, 4104, 5000,
                                8191, 12345, 65536, 69999};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    size_t n = lens[i];
    uint32_t want = crc_bitwise(buf + 1, n);
    CHECK(ev_crc32(buf + 1, n) == want);
    /* Continuing from a previous CRC on the long path. */
    uint32_t c = ev_crc32_update(ev_crc32(buf + 1, 7), buf + 8, n - 7);
    CHECK(c == want);
    if (n > 5000) {
      c = ev_crc32_update(ev_crc32(buf + 1, n - 5000), buf + 1 + n - 5000, 5000);
      CHECK(c == want);
    }
  }
  free(buf);
}
