/*
 * fuzz_wal.c — libFuzzer target for the log reader and replay.
 *
 * Input: byte 0 = after_seq (bits 0-1: 0..3, the snapshot's sequence
 * number) and the base (bit 2: plain f32, or SQ8 with kept floats), the
 * rest = a log. It is replayed onto that base index of fuzz_base.h
 * (loaded from its snapshot each time, as an application would). Checks:
 *  - ev_wal_check and ev_wal_replay agree on the framing;
 *  - a failure reported before anything is applied leaves the index as it
 *    was (same snapshot bytes);
 *  - on success the replayed index saves and loads back to the same bytes,
 *    and valid_bytes / torn_tail describe the input consistently.
 * Every input is tried as it is and with the CRC of each record it can
 * frame recomputed, so that mutations also reach the op parser and replay.
 * Trade-off: one fixed base index keeps the fuzzer fast and lets seed logs
 * apply; logs for other dimensions are exercised only as refusals.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "edgevec.h"
#include "fuzz_base.h"
#include "snapshot.h"
#include "wal.h"

static uint8_t *base_snaps[2];
static size_t base_lens[2];
static const uint8_t *base_snap;
static size_t base_len;

static int same_bytes(const ev_index *ix, const uint8_t *b, size_t len) {
  uint8_t *now = NULL;
  size_t n = 0;
  if (ev_snapshot_save(ix, 0, &now, &n) != EV_OK) return 1; /* OOM: skip */
  int same = n == len && memcmp(now, b, n) == 0;
  free(now);
  return same;
}

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Recomputes the CRC of every record that frames (layout of wal.c v1). */
static void reseal(uint8_t *b, size_t n) {
  size_t off = 0;
  while (n - off >= 8 && get_u32(b + off) == 0x4C575645u) {
    uint32_t len = get_u32(b + off + 4);
    if (len < 36 || len > n - off) return;
    put_u32(b + off + len - 4, ev_crc32(b + off, len - 4));
    off += len;
  }
}

static void one(const uint8_t *log, size_t len, uint64_t after) {

  ev_wal_replay_result chk, rep;
  ev_status cst = ev_wal_check(log, len, after, FUZZ_BASE_DIM, &chk);
  ev_index *ix = NULL;
  if (ev_snapshot_load(base_snap, base_len, &ix, NULL, NULL) != EV_OK)
    __builtin_trap();
  ev_status rst = ev_wal_replay(ix, log, len, after, &rep);

  if (cst != EV_OK) {
    /* Refused by the check: replay must refuse the same way, untouched. */
    if (rst != cst || rep.error.reason != chk.error.reason) __builtin_trap();
    if (!same_bytes(ix, base_snap, base_len)) __builtin_trap();
  } else {
    if (chk.valid_bytes > len || chk.torn_tail != (chk.valid_bytes != len))
      __builtin_trap();
    if (rst == EV_OK) {
      if (rep.last_seq != chk.last_seq ||
          rep.records_applied != chk.records_applied)
        __builtin_trap();
      uint8_t *b = NULL;
      size_t n = 0;
      if (ev_snapshot_save(ix, 0, &b, &n) == EV_OK) {
        ev_index *back = NULL;
        if (ev_snapshot_load(b, n, &back, NULL, NULL) != EV_OK) __builtin_trap();
        if (!same_bytes(back, b, n)) __builtin_trap();
        ev_index_free(back);
      }
      free(b);
    } else if (rst != EV_ERR_CORRUPT && rst != EV_ERR_OUT_OF_MEMORY) {
      __builtin_trap(); /* framing was fine: only apply failures remain */
    }
  }
  ev_index_free(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!base_snaps[0]) {
    for (int q = 0; q < 2; q++) {
      ev_index *base = fuzz_base_index_q(q);
      if (!base || ev_snapshot_save(base, 0, &base_snaps[q], &base_lens[q]) != EV_OK)
        __builtin_trap();
      ev_index_free(base);
    }
  }
  if (size < 1) return 0;
  uint64_t after = data[0] & 3u;
  base_snap = base_snaps[(data[0] >> 2) & 1];
  base_len = base_lens[(data[0] >> 2) & 1];
  one(data + 1, size - 1, after);
  uint8_t *copy = malloc(size);
  if (!copy) return 0;
  memcpy(copy, data + 1, size - 1);
  reseal(copy, size - 1);
  if (memcmp(copy, data + 1, size - 1) != 0) one(copy, size - 1, after);
  free(copy);
  return 0;
}
