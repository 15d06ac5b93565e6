/*
 * crc32.c — table-driven CRC-32 (see crc32.h for the parameters).
 *
 * "Slicing by 8": eight 256-entry tables let the loop fold 8 input bytes per
 * step instead of one, for 8 KB of tables. On long inputs four independent
 * CRCs run interleaved over four quarters of the buffer (the CPU overlaps
 * their table lookups, which a single CRC's serial dependency prevents) and
 * are then joined with the CRC combination rule below. Why: loading a
 * snapshot checksums every byte of it, so the CRC sits on the critical path
 * of opening a database (load times: bench/results/api.md).
 *
 * Table k holds the CRC of byte value i followed by k zero bytes:
 *   T[0][i]   = the classic reflected table entry for i
 *   T[k][i]   = (T[k-1][i] >> 8) ^ T[0][T[k-1][i] & 0xFF]
 * Combination: CRC(A || B) = CRC(A) * x^(8 |B|) mod P  xor  CRC(B), with
 * the product taken in GF(2)[x] modulo the polynomial (bit-reflected, as
 * the CRC itself); x^(8n) is built from a table of x^(2^k) by squaring.
 * The tables are computed on first use (no constructor, so the wasm module
 * has no start-up cost when persistence is not used). The index is
 * single-threaded, and a racing first use would only compute the same
 * values twice.
 */
#include "crc32.h"

#define EV_CRC32_POLY 0xEDB88320u
/* Below this, one stream: the combination costs ~100 table-free steps. */
#define EV_CRC32_INTERLEAVE_MIN 4096u

static uint32_t crc_tables[8][256];
static uint32_t x2n_table[32]; /* x^(2^k) mod P, reflected */
static int crc_tables_ready;

/* a * b mod P, both reflected (bit 31 is the coefficient of x^0). */
static uint32_t multmodp(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t m = 1u << 31; m; m >>= 1) {
    if (a & m) product ^= b;
    b = (b & 1) ? (b >> 1) ^ EV_CRC32_POLY : b >> 1;
  }
  return product;
}

static void crc_tables_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int b = 0; b < 8; b++) c = (c & 1) ? (c >> 1) ^ EV_CRC32_POLY : c >> 1;
    crc_tables[0][i] = c;
  }
  for (int k = 1; k < 8; k++)
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t prev = crc_tables[k - 1][i];
      crc_tables[k][i] = (prev >> 8) ^ crc_tables[0][prev & 0xFF];
    }
  uint32_t p = 1u << 30; /* x^1 */
  for (int k = 0; k < 32; k++) {
    x2n_table[k] = p;
    p = multmodp(p, p);
  }
  crc_tables_ready = 1;
}

/* x^(8 n) mod P. */
static uint32_t x8nmodp(uint64_t n) {
  uint32_t p = 1u << 31; /* x^0 */
  for (int k = 3; n; n >>= 1, k++)
    if (n & 1) p = multmodp(x2n_table[k & 31], p);
  return p;
}

static uint32_t crc_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  return multmodp(x8nmodp(len_b), crc_a) ^ crc_b;
}

/* Bytes are assembled explicitly (not loaded as a u32), so the result does
 * not depend on the host's byte order or on alignment. */
static inline uint32_t step8(uint32_t c, const uint8_t *p) {
  uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
  return crc_tables[7][lo & 0xFF] ^ crc_tables[6][(lo >> 8) & 0xFF] ^
         crc_tables[5][(lo >> 16) & 0xFF] ^ crc_tables[4][lo >> 24] ^
         crc_tables[3][p[4]] ^ crc_tables[2][p[5]] ^ crc_tables[1][p[6]] ^
         crc_tables[0][p[7]];
}

/* The register form: no pre/post inversion. */
static uint32_t crc_run(uint32_t c, const uint8_t *p, size_t len) {
  for (; len >= 8; p += 8, len -= 8) c = step8(c, p);
  while (len--) c = (c >> 8) ^ crc_tables[0][(c ^ *p++) & 0xFF];
  return c;
}

uint32_t ev_crc32_update(uint32_t crc, const void *data, size_t len) {
  const uint8_t *p = (const uint8_t *)data;
  if (!crc_tables_ready) crc_tables_init();
  if (len < EV_CRC32_INTERLEAVE_MIN) return ~crc_run(~crc, p, len);

  size_t quarter = (len / 4) & ~(size_t)7;
  const uint8_t *p1 = p + quarter, *p2 = p1 + quarter, *p3 = p2 + quarter;
  uint32_t c0 = ~crc, c1 = 0xFFFFFFFFu, c2 = 0xFFFFFFFFu, c3 = 0xFFFFFFFFu;
  for (size_t i = 0; i < quarter; i += 8) {
    c0 = step8(c0, p + i);
    c1 = step8(c1, p1 + i);
    c2 = step8(c2, p2 + i);
    c3 = step8(c3, p3 + i);
  }
  size_t tail = len - 4 * quarter;
  c3 = crc_run(c3, p3 + quarter, tail);
  uint32_t r = crc_combine(~c0, ~c1, quarter);
  r = crc_combine(r, ~c2, quarter);
  return crc_combine(r, ~c3, (uint64_t)quarter + tail);
}
