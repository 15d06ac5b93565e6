/*
 * crc32.c — table-driven CRC-32 (see crc32.h for the parameters).
 *
 * "Slicing by 8": eight 256-entry tables let the loop fold 8 input bytes per
 * step instead of one, about 4-5x faster than the classic byte-at-a-time
 * table in both native code and wasm, for 8 KB of tables. The load of a
 * 100k x 128 snapshot checksums ~64 MB, so this is on the critical path.
 *
 * Table k holds the CRC of byte value i followed by k zero bytes:
 *   T[0][i]   = the classic reflected table entry for i
 *   T[k][i]   = (T[k-1][i] >> 8) ^ T[0][T[k-1][i] & 0xFF]
 * The tables are computed on first use (no constructor, so the wasm module
 * has no start-up cost when persistence is not used). The index is
 * single-threaded, and a racing first use would only compute the same
 * values twice.
 */
#include "crc32.h"

#define EV_CRC32_POLY 0xEDB88320u

static uint32_t crc_tables[8][256];
static int crc_tables_ready;

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
  crc_tables_ready = 1;
}

uint32_t ev_crc32_update(uint32_t crc, const void *data, size_t len) {
  const uint8_t *p = (const uint8_t *)data;
  if (!crc_tables_ready) crc_tables_init();
  crc = ~crc;
  /* Bytes are assembled explicitly (not loaded as a u32), so the result does
   * not depend on the host's byte order or on alignment. */
  while (len >= 8) {
    uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                         (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    crc = crc_tables[7][lo & 0xFF] ^ crc_tables[6][(lo >> 8) & 0xFF] ^
          crc_tables[5][(lo >> 16) & 0xFF] ^ crc_tables[4][lo >> 24] ^
          crc_tables[3][p[4]] ^ crc_tables[2][p[5]] ^ crc_tables[1][p[6]] ^
          crc_tables[0][p[7]];
    p += 8;
    len -= 8;
  }
  while (len--) crc = (crc >> 8) ^ crc_tables[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}
