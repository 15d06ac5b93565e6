/*
 * crc32.h — CRC-32 (IEEE 802.3, the zlib/PNG/gzip one) for the persisted
 * formats: every snapshot section, the snapshot header and every log record
 * carries one.
 *
 * Parameters: reflected polynomial 0xEDB88320 (0x04C11DB7 unreflected),
 * initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF. The check value of the
 * ASCII bytes "123456789" is 0xCBF43926. Any zlib `crc32()` computes the same
 * numbers, so a reader in another language can verify our files.
 *
 * Trade-off: CRC-32 detects every burst error up to 32 bits and every 1-3
 * bit error in our sizes, which is what storage corruption and torn writes
 * look like; it is not a defence against an adversary. A cryptographic hash
 * would cost several times as much on the load path, which checksums every
 * byte of a snapshot and has a time budget (bench/results/api.md).
 */
#ifndef EV_CRC32_H
#define EV_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: pass 0 to start, then the previous return value.
 * ev_crc32_update(ev_crc32_update(0, a, n), b, m) == CRC of a followed by b.
 * data may be NULL when len is 0. */
uint32_t ev_crc32_update(uint32_t crc, const void *data, size_t len);

/* The CRC of one buffer. */
static inline uint32_t ev_crc32(const void *data, size_t len) {
  return ev_crc32_update(0, data, len);
}

#endif /* EV_CRC32_H */
