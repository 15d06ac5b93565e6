/*
 * fuzz_snapshot.c — libFuzzer target for the snapshot reader.
 *
 * Any byte string: the load must return a status (never crash, never read
 * outside the input, never allocate more than the input justifies), and:
 *  - on failure: no index, and the error record agrees with the status;
 *  - on success: the format is canonical, so saving the loaded index gives
 *    back exactly the input bytes; and the index must be usable (search,
 *    insert, delete, compact, save again) without tripping the sanitizers,
 *    whatever valid-but-odd graph the bytes described.
 * Every input is tried twice: as it is (which mostly exercises the
 * checksum checks), and with its checksums recomputed where the layout
 * lets us find them, so that mutations reach the value checks behind the
 * CRCs (link targets, levels, counts, ids) instead of dying at the first
 * checksum; the library itself keeps all its checks.
 * Where the input holds as many bytes as its header claims, it is also
 * loaded as a stream (snapshot_stream.c) in pieces cut where the input's
 * last byte says: the same status, and on success the same index (the
 * same bytes saved). Fewer bytes than the header claims are left out: a
 * stream allocates the index its checked header describes before the
 * bytes arrive, which such an input does not justify.
 * Trade-off: the round-trip oracle ties the fuzzer to the current writer,
 * which writes version 1 for an index without metadata and version 2 with
 * it (so both round trip; a record that is not canonical, or a version 2
 * snapshot with no record, is refused by the reader).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "edgevec.h"
#include "metadata.h"
#include "snapshot.h"

static void exercise(ev_index *ix, const ev_snapshot_info *info) {
  uint32_t dim = info->options.dimensions;
  float *q = calloc(dim, sizeof(float));
  if (!q) return;
  for (uint32_t d = 0; d < dim; d++) q[d] = (float)(d % 7) - 3.0f;
  uint64_t ids[8];
  float dist[8];
  uint32_t n = 0;
  ev_search(ix, q, dim, 8, 0, ids, dist, &n);
  if (n > 8) __builtin_trap();
  ev_search_exact(ix, q, dim, 4, ids, dist, &n);
  if (ev_insert(ix, q, dim, NULL, NULL) == EV_OK) ev_search(ix, q, dim, 3, 0, ids, dist, &n);
  if (n > 0) {
    /* Metadata: read one record back and replace it, then delete the id
     * (which drops it) before the compaction moves the rest. */
    uint8_t rec[EV_META_MAX_RECORD_BYTES];
    size_t len = 0;
    if (ev_meta_get(ix, ids[0], rec, sizeof rec, &len) != EV_OK ||
        ev_meta_check(rec, len, NULL) != EV_OK)
      __builtin_trap();
    static const uint8_t one[6] = {1, 0, 1, 'f', 3, 1};
    if (n > 1) ev_meta_set(ix, ids[1], one, sizeof one, NULL);
    ev_delete_outcome o;
    ev_soft_delete(ix, ids[0], &o);
  }
  if (info->count < 2000) ev_compact(ix);
  ev_search(ix, q, dim, 5, 16, ids, dist, &n);
  uint8_t *again = NULL;
  size_t len = 0;
  if (ev_snapshot_save(ix, 0, &again, &len) == EV_OK) {
    ev_index *back = NULL;
    if (ev_snapshot_load(again, len, &back, NULL, NULL) != EV_OK)
      __builtin_trap(); /* what we write, we must read */
    ev_index_free(back);
  }
  free(again);
  free(q);
}

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) {
  return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}
static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Recomputes the section and header CRCs (layout of snapshot.c v1). */
static void reseal(uint8_t *b, size_t n) {
  if (n < 120) return;
  uint32_t header_len = get_u32(b + 12);
  uint32_t sections = get_u32(b + 92);
  if (header_len < 120 || header_len > n) return;
  if ((uint64_t)120 + 24ull * sections > header_len) return;
  for (uint32_t i = 0; i < sections; i++) {
    uint8_t *e = b + 120 + 24 * i;
    uint64_t off = get_u64(e + 8), len = get_u64(e + 16);
    if (off <= n && len <= n - off) put_u32(e + 4, ev_crc32(b + off, (size_t)len));
  }
  put_u32(b + 16, ev_crc32_update(ev_crc32(b, 16), b + 20, header_len - 20));
}

/* The same bytes through a stream: begin with the header (as the JS layer
 * does, at least the prelude), then two pieces. Returns its status; *out
 * gets the saved bytes of a loaded index. */
static ev_status streamed(const uint8_t *data, size_t size, uint8_t **out, size_t *out_len) {
  size_t first = get_u32(data + 12);
  if (first < 20) first = 20;
  if (first > size) first = size;
  size_t cut = first + (size - first) * (data[size - 1] % 8) / 8;
  ev_snapshot_stream *s = NULL;
  ev_load_error err;
  ev_status st = ev_snapshot_stream_begin(data, first, &s, NULL, &err);
  if (err.status != st || (st != EV_OK) != (s == NULL)) __builtin_trap();
  if (st == EV_OK) st = ev_snapshot_stream_feed(s, data + first, cut - first, &err);
  if (st == EV_OK) st = ev_snapshot_stream_feed(s, data + cut, size - cut, &err);
  ev_index *ix = NULL;
  if (st == EV_OK) st = ev_snapshot_stream_finish(s, &ix, &err);
  if (err.status != st || (st != EV_OK) != (ix == NULL)) __builtin_trap();
  ev_snapshot_stream_free(s);
  if (ix && ev_snapshot_save(ix, 0, out, out_len) != EV_OK) *out = NULL;
  ev_index_free(ix);
  return st;
}

static void one(const uint8_t *data, size_t size) {
  ev_index *ix = NULL;
  ev_snapshot_info info;
  ev_load_error err;
  ev_status st = ev_snapshot_load(data, size, &ix, &info, &err);
  if (err.status != st) __builtin_trap();
  if (size >= 120 && get_u64(data + 112) == size) {
    uint8_t *bytes = NULL;
    size_t len = 0;
    ev_status ss = streamed(data, size, &bytes, &len);
    if (ss != st) __builtin_trap();
    if (bytes) {
      uint8_t *whole = NULL;
      size_t whole_len = 0;
      if (ev_snapshot_save(ix, 0, &whole, &whole_len) == EV_OK &&
          (whole_len != len || memcmp(whole, bytes, len) != 0))
        __builtin_trap();
      free(whole);
    }
    free(bytes);
  }
  if (st != EV_OK) {
    if (ix) __builtin_trap();
    if (st != EV_ERR_CORRUPT && st != EV_ERR_TRUNCATED &&
        st != EV_ERR_UNSUPPORTED_VERSION && st != EV_ERR_OUT_OF_MEMORY)
      __builtin_trap();
    return;
  }
  uint8_t *out = NULL;
  size_t len = 0;
  if (ev_snapshot_save(ix, info.wal_seq, &out, &len) == EV_OK) {
    if (len != size || memcmp(out, data, size) != 0) __builtin_trap();
  }
  free(out);
  exercise(ix, &info);
  ev_index_free(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  one(data, size);
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) return 0;
  memcpy(copy, data, size);
  reseal(copy, size);
  if (memcmp(copy, data, size) != 0) one(copy, size);
  free(copy);
  return 0;
}
