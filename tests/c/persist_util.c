/* persist_util.c — the helpers of the persistence tests (persist_util.h):
 * seeded indexes, deep comparison, re-sealing edited bytes. No tests. */
#include "persist_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_util.h"
#include "crc32.h"
#include "dataset.h"
#include "index.h"
#include "snapshot.h"

float *pu_rows(uint64_t seed, uint32_t dim, size_t n) {
  return ev_dataset_rows(seed, dim, 8, n);
}

ev_index *pu_index(uint32_t dim, ev_metric metric, uint64_t seed) {
  return pu_index_q(dim, metric, seed, EV_QUANT_NONE, 0, 0);
}

ev_index *pu_index_q(uint32_t dim, ev_metric metric, uint64_t seed,
                     ev_quantization q, uint32_t keep_floats, uint32_t rerank) {
  ev_options o = cu_options(dim, metric, seed, q, keep_floats, rerank);
  o.m = 6;
  o.ef_construction = 32;
  o.ef_search = 32;
  return cu_create(&o);
}

#define DIFF(...)                                   \
  do {                                              \
    printf("    index differs: " __VA_ARGS__);      \
    printf("\n");                                   \
    return 0;                                       \
  } while (0)

int pu_same_index(const ev_index *a, const ev_index *b) {
  const ev_options *oa = &a->options, *ob = &b->options;
  if (oa->dimensions != ob->dimensions || oa->metric != ob->metric ||
      oa->m != ob->m || oa->ef_construction != ob->ef_construction ||
      oa->ef_search != ob->ef_search || oa->seed != ob->seed ||
      oa->quantization != ob->quantization ||
      oa->keep_floats != ob->keep_floats || oa->rerank != ob->rerank)
    DIFF("options");
  if (a->count != b->count) DIFF("count %u vs %u", a->count, b->count);
  if (a->deleted_count != b->deleted_count) DIFF("deleted_count");
  if (a->entry != b->entry || a->max_level != b->max_level) DIFF("entry point");
  if (a->next_auto_id != b->next_auto_id) DIFF("next_auto_id");
  if (a->auto_ids_exhausted != b->auto_ids_exhausted) DIFF("auto exhausted");
  if (a->rng_state != b->rng_state) DIFF("rng state");
  for (uint32_t s = 0; s < a->count; s++) {
    if (a->ext_ids[s] != b->ext_ids[s]) DIFF("id of slot %u", s);
    if (a->levels[s] != b->levels[s]) DIFF("level of slot %u", s);
    if (!a->deleted[s] != !b->deleted[s]) DIFF("tombstone of slot %u", s);
    if (a->payload_bytes != b->payload_bytes ||
        memcmp(ev__payload(a, s), ev__payload(b, s), a->payload_bytes))
      DIFF("vector (payload) of slot %u", s);
    if (!a->floats != !b->floats ||
        (a->floats && memcmp(a->floats + (size_t)s * a->dim,
                             b->floats + (size_t)s * b->dim,
                             sizeof(float) * a->dim)))
      DIFF("kept floats of slot %u", s);
    for (int l = 0; l <= a->levels[s]; l++) {
      const uint32_t *la = ev__links(a, s, l), *lb = ev__links(b, s, l);
      if (la[0] != lb[0] || memcmp(la, lb, sizeof(uint32_t) * (1 + la[0])))
        DIFF("links of slot %u level %d", s, l);
    }
    if (ev_idmap_get(&a->ids, a->ext_ids[s], a->ext_ids) !=
        ev_idmap_get(&b->ids, b->ext_ids[s], b->ext_ids))
      DIFF("id map at slot %u", s);
  }
  return 1;
}

int pu_same_search(ev_index *a, ev_index *b, uint64_t seed, uint32_t nq,
                   uint32_t k) {
  uint32_t dim = a->dim;
  float *q = pu_rows(seed, dim, nq);
  uint64_t *ia = malloc(8 * k), *ib = malloc(8 * k);
  float *da = malloc(4 * k), *db = malloc(4 * k);
  int same = q && ia && ib && da && db;
  for (uint32_t i = 0; same && i < nq; i++) {
    uint32_t ca = 0, cb = 0;
    ev_status sa = ev_search(a, q + (size_t)i * dim, dim, k, 0, ia, da, &ca);
    ev_status sb = ev_search(b, q + (size_t)i * dim, dim, k, 0, ib, db, &cb);
    if (sa != sb || ca != cb || memcmp(ia, ib, 8 * (size_t)ca) ||
        memcmp(da, db, 4 * (size_t)ca)) {
      printf("    search %u differs\n", i);
      same = 0;
    }
  }
  free(q);
  free(ia);
  free(ib);
  free(da);
  free(db);
  return same;
}

uint32_t pu_get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
void pu_put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
uint64_t pu_get_u64(const uint8_t *p) {
  return (uint64_t)pu_get_u32(p) | (uint64_t)pu_get_u32(p + 4) << 32;
}

void pu_reseal_snapshot(uint8_t *b, size_t len) {
  uint32_t header_len = pu_get_u32(b + 12);
  uint32_t n = pu_get_u32(b + 92);
  for (uint32_t i = 0; i < n; i++) {
    uint8_t *e = b + 120 + 24 * i;
    uint64_t off = pu_get_u64(e + 8), l = pu_get_u64(e + 16);
    if (off + l <= len) pu_put_u32(e + 4, ev_crc32(b + off, (size_t)l));
  }
  pu_put_u32(b + 16, ev_crc32_update(ev_crc32(b, 16), b + 20, header_len - 20));
}

void pu_reseal_record(uint8_t *rec) {
  uint32_t len = pu_get_u32(rec + 4);
  pu_put_u32(rec + len - 4, ev_crc32(rec, len - 4));
}

uint8_t *pu_save(const ev_index *ix, size_t *len) {
  uint8_t *buf = NULL;
  if (ev_snapshot_save(ix, 0, &buf, len) != EV_OK) return NULL;
  return buf;
}

int pu_same_bytes(const ev_index *a, const ev_index *b) {
  size_t la = 0, lb = 0;
  uint8_t *ba = pu_save(a, &la), *bb = pu_save(b, &lb);
  int same = ba && bb && la == lb && memcmp(ba, bb, la) == 0;
  free(ba);
  free(bb);
  return same;
}
