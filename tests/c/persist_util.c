/* persist_util.c — the helpers of the persistence tests (persist_util.h):
 * seeded indexes, deep comparison, a store's snapshot, commits and
 * recovery, re-sealing edited bytes. No tests. */
#include "persist_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_util.h"
#include "crc32.h"
#include "dataset.h"
#include "index.h"
#include "journal.h"
#include "metadata.h"
#include "snapshot.h"
#include "wal.h"

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
    if (!a->deleted[s] && !pu_same_slot_meta(a, b, s))
      DIFF("metadata of slot %u", s);
  }
  return 1;
}

int pu_same_slot_meta(const ev_index *a, const ev_index *b, uint32_t s) {
  int ha = ev__meta_slot_has(a, s), hb = ev__meta_slot_has(b, s);
  if (ha != hb) return 0;
  if (!ha) return 1;
  size_t la = ev__meta_slot_bytes(a, s), lb = ev__meta_slot_bytes(b, s);
  if (la != lb) return 0;
  uint8_t *ra = malloc(la), *rb = malloc(lb);
  int same = ra && rb;
  if (same) {
    ev__meta_slot_encode(a, s, ra);
    ev__meta_slot_encode(b, s, rb);
    same = memcmp(ra, rb, la) == 0;
  }
  free(ra);
  free(rb);
  return same;
}

/* ---- metadata records ---------------------------------------------------- */

static size_t put_name(uint8_t *p, const char *name, uint8_t type) {
  size_t n = strlen(name);
  p[0] = (uint8_t)n;
  memcpy(p + 1, name, n);
  p[1 + n] = type;
  return 2 + n;
}
static size_t put_str(uint8_t *p, const char *s) {
  size_t n = strlen(s);
  p[0] = (uint8_t)n;
  p[1] = (uint8_t)(n >> 8);
  memcpy(p + 2, s, n);
  return 2 + n;
}

size_t pu_meta_record(uint64_t seed, uint8_t *buf) {
  static const char *words[6] = {"books", "music", "", "caf\xc3\xa9", "sale", "new"};
  uint32_t fields = (uint32_t)(seed % 31) + 1; /* bits: which of 5 fields */
  uint64_t v = seed * 0x9E3779B97F4A7C15ull;
  size_t o = 2;
  uint16_t count = 0;
  /* Names in ascending byte order: "a" < "cat" < "flag" < "tags" < "zz". */
  if (fields & 1) {
    o += put_name(buf + o, "a", 1);
    double d = (double)(int64_t)(v % 2001) - 1000.5;
    if (seed % 7 == 0) d = -0.0;
    memcpy(buf + o, &d, 8); /* little-endian hosts only (x86, wasm) */
    o += 8;
    count++;
  }
  if (fields & 2) {
    o += put_name(buf + o, "cat", 2);
    o += put_str(buf + o, words[(v >> 8) % 6]);
    count++;
  }
  if (fields & 4) {
    o += put_name(buf + o, "flag", 3);
    buf[o++] = (uint8_t)((v >> 16) & 1);
    count++;
  }
  if (fields & 8) {
    o += put_name(buf + o, "tags", 4);
    uint16_t n = (uint16_t)((v >> 20) % 4);
    buf[o] = (uint8_t)n;
    buf[o + 1] = 0;
    o += 2;
    for (uint16_t k = 0; k < n; k++) o += put_str(buf + o, words[(v >> (24 + 3 * k)) % 6]);
    count++;
  }
  if (fields & 16) {
    o += put_name(buf + o, "zz", 1);
    double d = 1e300 * (double)((v >> 40) % 5);
    memcpy(buf + o, &d, 8);
    o += 8;
    count++;
  }
  buf[0] = (uint8_t)count;
  buf[1] = 0;
  return o;
}

int pu_meta_is(const ev_index *ix, uint64_t id, const uint8_t *rec, size_t len) {
  uint32_t s = ev__live_slot(ix, id);
  if (s == EV_NO_SLOT) return 0;
  if (len == 0) return !ev__meta_slot_has(ix, s);
  if (!ev__meta_slot_has(ix, s) || ev__meta_slot_bytes(ix, s) != len) return 0;
  uint8_t got[PU_META_MAX];
  ev__meta_slot_encode(ix, s, got);
  return memcmp(got, rec, len) == 0;
}

ev_status pu_meta_set(ev_index *ix, uint64_t id, const uint8_t *rec, size_t len) {
  return ev_meta_set(ix, id, rec, len, NULL);
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

uint8_t *pu_save(const ev_index *ix, size_t *len) { return pu_save_at(ix, 0, len); }

uint8_t *pu_save_at(const ev_index *ix, uint64_t wal_seq, size_t *len) {
  uint8_t *buf = NULL;
  if (ev_snapshot_save(ix, wal_seq, &buf, len) != EV_OK) return NULL;
  return buf;
}

ev_index *pu_copy(const ev_index *ix) {
  size_t len = 0;
  uint8_t *bytes = pu_save(ix, &len);
  ev_index *copy = NULL;
  if (bytes && ev_snapshot_load(bytes, len, &copy, NULL, NULL) != EV_OK) copy = NULL;
  free(bytes);
  return copy;
}

int pu_same_bytes(const ev_index *a, const ev_index *b) {
  size_t la = 0, lb = 0;
  uint8_t *ba = pu_save(a, &la), *bb = pu_save(b, &lb);
  int same = ba && bb && la == lb && memcmp(ba, bb, la) == 0;
  free(ba);
  free(bb);
  return same;
}

/* ---- a store ------------------------------------------------------------- */

uint8_t *pu_journal_start(ev_index *ix, size_t *snap_len) {
  uint8_t *snap = pu_save(ix, snap_len);
  if (snap && ev_journal_enable(ix, 0) != EV_OK) {
    free(snap);
    return NULL;
  }
  return snap;
}

int pu_commit(ev_index *ix, pu_log *log, uint64_t *seq) {
  const uint8_t *rec = NULL;
  size_t len = 0;
  uint64_t s = 0;
  if (ev_journal_begin_commit(ix, &rec, &len, &s) != EV_OK) return 0;
  if (len) {
    uint8_t *p = realloc(log->bytes, log->len + len);
    if (!p) return 0;
    memcpy(p + log->len, rec, len);
    log->bytes = p;
    log->len += len;
    log->last_version = pu_get_u32(rec + 8);
  }
  ev_journal_end_commit(ix, 1);
  if (seq) *seq = s;
  return 1;
}

ev_index *pu_recover(const uint8_t *snap, size_t snap_len, const pu_log *log,
                     ev_wal_replay_result *r) {
  ev_index *ix = NULL;
  ev_snapshot_info info;
  if (ev_snapshot_load(snap, snap_len, &ix, &info, NULL) != EV_OK) return NULL;
  if (ev_wal_replay(ix, log->bytes, log->len, info.wal_seq, r) != EV_OK) {
    ev_index_free(ix);
    return NULL;
  }
  return ix;
}
