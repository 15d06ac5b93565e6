/*
 * u64.h — how a 64-bit value (an id, a sequence number) crosses the wasm
 * boundary: as two u32 words, lo then hi, because no export may take or
 * return an i64 (the module must run where BigInt is missing).
 */
#ifndef EDGEVEC_WASM_U64_H
#define EDGEVEC_WASM_U64_H

#include <stdint.h>

static inline uint64_t evw_join64(uint32_t lo, uint32_t hi) {
  return (uint64_t)hi << 32 | (uint64_t)lo;
}

/* out[0] = lo, out[1] = hi. */
static inline void evw_split64(uint64_t value, uint32_t *out) {
  out[0] = (uint32_t)value;
  out[1] = (uint32_t)(value >> 32);
}

#endif
