/*
 * make_corpus.c — writes the committed seed corpus of the two fuzzers and
 * the version fixtures. Run by `bash scripts/fuzz.sh --make-corpus`.
 *
 *   tests/fuzz/corpus/snapshot/   valid snapshots of several shapes
 *   tests/fuzz/corpus/wal/        byte 0 = after_seq, then a log that
 *                                      applies to fuzz_base.h's index
 *                                      (*_log_v1.bin: seeds kept from log
 *                                      format version 1, not rewritten)
 *   tests/fixtures/snapshot_v<N>.bin   the fixtures of format version N
 *   tests/fixtures/wal_v<N>.bin        (each format has its own versions),
 *                                      written once and then kept forever
 *   tests/fixtures/fixtures_v<N>.inc   (an existing fixture is never
 *                                      overwritten); the .inc holds the same
 *                                      bytes as C initialisers, so the wasm
 *                                      tests (no file system) can use them.
 * The fixture contents are specified in tests/c/test_persist_fixtures.c,
 * which checks them value by value.
 *
 * Trade-off: seeds are generated, not hand-made, so they follow the format
 * exactly; hand-crafted malformed seeds are left to the fuzzer's mutations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgevec.h"
#include "fuzz_base.h"
#include "journal.h"
#include "metadata.h"
#include "snapshot.h"

static const char *root = ".";

static void die(const char *what) {
  fprintf(stderr, "make_corpus: %s\n", what);
  exit(1);
}

static void write_file(const char *rel, const uint8_t *a, size_t alen,
                       const uint8_t *b, size_t blen) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "wb");
  if (!f) die(path);
  if ((alen && fwrite(a, 1, alen, f) != alen) ||
      (blen && fwrite(b, 1, blen, f) != blen))
    die(path);
  fclose(f);
  printf("wrote %s (%zu bytes)\n", path, alen + blen);
}

static int file_exists(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "rb");
  if (f) fclose(f);
  return f != NULL;
}

static void save_snapshot(const char *rel, const ev_index *ix, uint64_t seq) {
  uint8_t *b = NULL;
  size_t n = 0;
  if (ev_snapshot_save(ix, seq, &b, &n) != EV_OK) die("save");
  write_file(rel, b, n, NULL, 0);
  free(b);
}

typedef struct buf {
  uint8_t *p;
  size_t n;
} buf;

static void commit(ev_index *ix, buf *log) {
  const uint8_t *rec;
  size_t len;
  uint64_t seq;
  if (ev_journal_begin_commit(ix, &rec, &len, &seq) != EV_OK) die("commit");
  log->p = realloc(log->p, log->n + len + 1);
  if (!log->p) die("oom");
  memcpy(log->p + log->n, rec, len);
  log->n += len;
  ev_journal_end_commit(ix, 1);
}

static ev_index *make(uint32_t dim, ev_metric metric, uint32_t m, uint64_t seed) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = dim;
  o.metric = metric;
  o.m = m;
  o.ef_construction = 16;
  o.ef_search = 16;
  o.seed = seed;
  ev_index *ix = NULL;
  if (ev_index_create(&o, &ix) != EV_OK) die("create");
  return ix;
}

static void rows(float *out, uint32_t n, uint32_t dim, uint32_t first) {
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t d = 0; d < dim; d++)
      out[i * dim + d] = fuzz_base_component(first + i, d);
}

/* ---- metadata records, built field by field (names must be given in
 * ascending byte order) ---- */

typedef struct mrec {
  uint8_t b[512];
  size_t n;
} mrec;

static void mrec_begin(mrec *r) {
  memset(r, 0, sizeof *r);
  r->n = 2;
}
static void mrec_name(mrec *r, const char *name, uint8_t type) {
  size_t len = strlen(name);
  r->b[r->n++] = (uint8_t)len;
  memcpy(r->b + r->n, name, len);
  r->n += len;
  r->b[r->n++] = type;
  r->b[0]++; /* field count (< 256 here) */
}
static void mrec_str_bytes(mrec *r, const char *s) {
  size_t len = strlen(s);
  r->b[r->n++] = (uint8_t)len;
  r->b[r->n++] = (uint8_t)(len >> 8);
  memcpy(r->b + r->n, s, len);
  r->n += len;
}
static void mrec_num(mrec *r, const char *name, double v) {
  mrec_name(r, name, 1);
  uint64_t u;
  memcpy(&u, &v, 8);
  for (int k = 0; k < 8; k++) r->b[r->n++] = (uint8_t)(u >> (8 * k));
}
static void mrec_str(mrec *r, const char *name, const char *v) {
  mrec_name(r, name, 2);
  mrec_str_bytes(r, v);
}
static void mrec_bool(mrec *r, const char *name, int v) {
  mrec_name(r, name, 3);
  r->b[r->n++] = (uint8_t)(v != 0);
}
static void mrec_strs(mrec *r, const char *name, const char **v, uint16_t count) {
  mrec_name(r, name, 4);
  r->b[r->n++] = (uint8_t)count;
  r->b[r->n++] = (uint8_t)(count >> 8);
  for (uint16_t i = 0; i < count; i++) mrec_str_bytes(r, v[i]);
}

/* The record of number i, of every type: {category: one of three,
 * price: i * 1.25 (-0 for i = 0), sale: i odd, tags: i % 3 of them}. */
static void record_of(uint32_t i, mrec *r) {
  static const char *cats[3] = {"books", "m\xc3\xbasica", ""};
  static const char *tags[3] = {"new", "sale", "x"};
  mrec_begin(r);
  mrec_str(r, "category", cats[i % 3]);
  mrec_num(r, "price", i ? i * 1.25 : -0.0);
  mrec_bool(r, "sale", (int)(i & 1));
  mrec_strs(r, "tags", tags, (uint16_t)(i % 3));
}

static void set_meta(ev_index *ix, uint64_t id, const mrec *r) {
  if (ev_meta_set(ix, id, r->b, r->n, NULL) != EV_OK) die("meta set");
}

static void snapshot_corpus(void) {
  ev_index *ix = make(3, EV_METRIC_L2, 4, 9);
  save_snapshot("tests/fuzz/corpus/snapshot/empty.bin", ix, 0);
  float v[64 * 8];
  rows(v, 1, 3, 0);
  ev_insert(ix, v, 3, NULL, NULL);
  save_snapshot("tests/fuzz/corpus/snapshot/one.bin", ix, 1);
  ev_index_free(ix);

  ix = fuzz_base_index();
  if (!ix) die("base");
  save_snapshot("tests/fuzz/corpus/snapshot/base.bin", ix, 0);
  ev_index_free(ix);

  /* Cosine, deletions, a compaction, tombstones after it. */
  ix = make(8, EV_METRIC_COSINE, 3, 11);
  rows(v, 40, 8, 100);
  if (ev_insert_batch(ix, v, 40, 8, NULL, NULL, NULL, NULL, NULL, NULL)) die("ins");
  uint64_t del[5] = {1, 5, 9, 30, 31};
  ev_batch_delete_result r;
  ev_soft_delete_batch(ix, del, 5, &r);
  ev_compact(ix);
  uint64_t del2[3] = {2, 6, 39};
  ev_soft_delete_batch(ix, del2, 3, &r);
  save_snapshot("tests/fuzz/corpus/snapshot/cosine_deleted.bin", ix, 7);
  ev_index_free(ix);

  /* Quantized: SQ8 with floats kept (7 sections), binary with padding. */
  {
    ev_options o;
    ev_options_init(&o);
    o.dimensions = 6;
    o.metric = EV_METRIC_COSINE;
    o.m = 3;
    o.ef_construction = 16;
    o.quantization = EV_QUANT_SQ8;
    o.keep_floats = 1;
    o.rerank = 8;
    if (ev_index_create(&o, &ix) != EV_OK) die("create sq8");
    rows(v, 30, 6, 400);
    if (ev_insert_batch(ix, v, 30, 6, NULL, NULL, NULL, NULL, NULL, NULL)) die("ins");
    ev_soft_delete_batch(ix, del, 2, &r);
    save_snapshot("tests/fuzz/corpus/snapshot/sq8_floats.bin", ix, 2);
    ev_index_free(ix);
    o.dimensions = 13;
    o.metric = EV_METRIC_DOT;
    o.quantization = EV_QUANT_BINARY;
    o.keep_floats = 0;
    o.rerank = 0;
    if (ev_index_create(&o, &ix) != EV_OK) die("create binary");
    rows(v, 30, 13, 500);
    if (ev_insert_batch(ix, v, 30, 13, NULL, NULL, NULL, NULL, NULL, NULL)) die("ins");
    save_snapshot("tests/fuzz/corpus/snapshot/binary.bin", ix, 0);
    ev_index_free(ix);
  }

  /* Metadata (version 2): the base index with records on most live ids,
   * one set and then deleted (a tombstone without a record). */
  {
    ix = fuzz_base_index();
    if (!ix) die("base");
    mrec r;
    for (uint32_t id = 0; id < 20; id++) {
      if (id == 3 || id == 7 || id % 5 == 4) continue;
      record_of(id, &r);
      set_meta(ix, id, &r);
    }
    ev_delete_outcome out;
    ev_soft_delete(ix, 8, &out);
    save_snapshot("tests/fuzz/corpus/snapshot/metadata.bin", ix, 4);
    ev_index_free(ix);
  }

  /* Dot, m = 2: many upper levels. */
  ix = make(2, EV_METRIC_DOT, 2, 13);
  rows(v, 64, 2, 300);
  if (ev_insert_batch(ix, v, 64, 2, NULL, NULL, NULL, NULL, NULL, NULL)) die("ins");
  save_snapshot("tests/fuzz/corpus/snapshot/dot_levels.bin", ix, 3);
  ev_index_free(ix);
}

static void wal_corpus(void) {
  ev_index *ix = fuzz_base_index();
  if (!ix || ev_journal_enable(ix, 0) != EV_OK) die("base");
  float v[16 * FUZZ_BASE_DIM];
  buf log = {0};
  uint8_t zero = 0, one = 1;

  rows(v, 5, FUZZ_BASE_DIM, 50);
  ev_insert_batch(ix, v, 5, FUZZ_BASE_DIM, NULL, NULL, NULL, NULL, NULL, NULL);
  commit(ix, &log);
  write_file("tests/fuzz/corpus/wal/one_insert.bin", &zero, 1, log.p, log.n);

  uint64_t ids[4] = {100, 101, 102, 103};
  rows(v, 4, FUZZ_BASE_DIM, 60);
  ev_insert_batch(ix, v, 4, FUZZ_BASE_DIM, ids, NULL, NULL, NULL, NULL, NULL);
  uint64_t del[3] = {1, 100, 555};
  ev_batch_delete_result r;
  ev_soft_delete_batch(ix, del, 3, &r);
  commit(ix, &log);
  ev_compact(ix);
  uint64_t again = 100;
  rows(v, 1, FUZZ_BASE_DIM, 70);
  ev_insert(ix, v, FUZZ_BASE_DIM, &again, NULL);
  commit(ix, &log);
  write_file("tests/fuzz/corpus/wal/three_records.bin", &zero, 1, log.p, log.n);
  write_file("tests/fuzz/corpus/wal/after_one.bin", &one, 1, log.p, log.n);
  write_file("tests/fuzz/corpus/wal/torn_tail.bin", &zero, 1, log.p, log.n - 9);
  write_file("tests/fuzz/corpus/wal/empty.bin", &zero, 1, NULL, 0);
  uint8_t sq8 = 4; /* bit 2: replay onto the SQ8 base */
  write_file("tests/fuzz/corpus/wal/three_records_sq8.bin", &sq8, 1, log.p, log.n);
  free(log.p);
  ev_index_free(ix);

  /* Metadata (records of version 3): sets on the base's ids, an insert
   * batch with records, a replace, a clear, a set then delete, a
   * compaction between. */
  ix = fuzz_base_index();
  if (!ix || ev_journal_enable(ix, 0) != EV_OK) die("base");
  log = (buf){0};
  mrec mr;
  for (uint32_t id = 0; id < 6; id++) {
    if (id == 3) continue; /* deleted in the base */
    record_of(id + 1, &mr);
    set_meta(ix, id, &mr);
  }
  commit(ix, &log);
  uint8_t blob[3 * 512];
  uint32_t offsets[4] = {0};
  for (uint32_t i = 0; i < 3; i++) {
    record_of(10 + i, &mr);
    if (i == 1) mr.n = 0; /* no metadata */
    memcpy(blob + offsets[i], mr.b, mr.n);
    offsets[i + 1] = offsets[i] + (uint32_t)mr.n;
  }
  uint64_t mids[3] = {200, 201, 202};
  rows(v, 3, FUZZ_BASE_DIM, 80);
  if (ev_insert_batch_meta(ix, v, 3, FUZZ_BASE_DIM, mids, blob, offsets, NULL, NULL,
                           NULL, NULL) != EV_OK)
    die("insert meta");
  record_of(40, &mr);
  set_meta(ix, 2, &mr);
  if (ev_meta_set(ix, 4, NULL, 0, NULL) != EV_OK) die("clear");
  set_meta(ix, 9, &mr);
  ev_delete_outcome out;
  ev_soft_delete(ix, 9, &out);
  commit(ix, &log);
  ev_compact(ix);
  record_of(41, &mr);
  set_meta(ix, 201, &mr);
  commit(ix, &log);
  write_file("tests/fuzz/corpus/wal/metadata_records.bin", &zero, 1, log.p, log.n);
  write_file("tests/fuzz/corpus/wal/metadata_records_sq8.bin", &sq8, 1, log.p, log.n);
  free(log.p);
  ev_index_free(ix);
}

/* Writes tests/fixtures/<file>: the snapshot and log bytes as two C arrays
 * the fixture tests include, under `comment`. */
static void write_inc(const char *root, const char *file, const char *comment,
                      const char *snap_name, const uint8_t *snap, size_t snap_len,
                      const char *wal_name, const uint8_t *wal, size_t wal_len) {
  char path[512];
  snprintf(path, sizeof path, "%s/tests/fixtures/%s", root, file);
  FILE *f = fopen(path, "w");
  if (!f) die(path);
  fputs(comment, f);
  const uint8_t *parts[2] = {snap, wal};
  size_t lens[2] = {snap_len, wal_len};
  const char *names[2] = {snap_name, wal_name};
  for (int p = 0; p < 2; p++) {
    fprintf(f, "static const unsigned char %s[%zu] = {", names[p], lens[p]);
    for (size_t i = 0; i < lens[p]; i++)
      fprintf(f, "%s0x%02x,", i % 12 ? " " : "\n  ", parts[p][i]);
    fprintf(f, "\n};\n");
  }
  fclose(f);
  printf("wrote %s\n", path);
}

/* The main fixture scenario; its content is specified (and checked) in
 * tests/c/test_persist_fixtures.c: keep the two in step. Gives the
 * snapshot (wal_seq 3) and the log after it, as this build writes them. */
static void scenario_main(uint8_t **snap, size_t *snap_len, buf *log) {
  ev_index *ix = make(4, EV_METRIC_L2, 4, 2024);
  float v[64 * 4];
  /* ids 0..39 automatic, vector of id i = component(i). */
  rows(v, 40, 4, 0);
  if (ev_insert_batch(ix, v, 40, 4, NULL, NULL, NULL, NULL, NULL, NULL)) die("ins");
  /* delete ids = 0 mod 5, compact, delete ids = 1 mod 7 (tombstones). */
  for (uint64_t id = 0; id < 40; id += 5) {
    ev_delete_outcome o;
    ev_soft_delete(ix, id, &o);
  }
  ev_compact(ix);
  for (uint64_t id = 1; id < 40; id += 7) {
    ev_delete_outcome o;
    ev_soft_delete(ix, id, &o);
  }
  /* id 8 re-inserted with the vector of number 1000 + 8. */
  uint64_t id8 = 8;
  ev_delete_outcome o;
  ev_soft_delete(ix, 8, &o);
  rows(v, 1, 4, 1008);
  ev_insert(ix, v, 4, &id8, NULL);
  if (ev_snapshot_save(ix, 3, snap, snap_len) != EV_OK) die("save");

  /* Log after seq 3: record 4 = ids 100..104 (vectors 100..104) then
   * delete {2, 100}; record 5 = compact, then 3 automatic ids (vectors
   * 200..202), then delete {4}. */
  if (ev_journal_enable(ix, 3) != EV_OK) die("journal");
  uint64_t ids[5] = {100, 101, 102, 103, 104};
  rows(v, 5, 4, 100);
  if (ev_insert_batch(ix, v, 5, 4, ids, NULL, NULL, NULL, NULL, NULL)) die("ins");
  uint64_t del[2] = {2, 100};
  ev_batch_delete_result r;
  ev_soft_delete_batch(ix, del, 2, &r);
  commit(ix, log);
  ev_compact(ix);
  rows(v, 3, 4, 200);
  if (ev_insert_batch(ix, v, 3, 4, NULL, NULL, NULL, NULL, NULL, NULL)) die("ins");
  ev_soft_delete(ix, 4, &o);
  commit(ix, log);
  ev_index_free(ix);
}

/* The version 1 fixtures are the record of what log format 1 wrote; this
 * build writes log format 2, so it cannot write them again. */
static void fixtures_v1_kept(void) {
  const char *files[4] = {"tests/fixtures/snapshot_v1.bin", "tests/fixtures/wal_v1.bin",
                          "tests/fixtures/snapshot_v1_sq8.bin", "tests/fixtures/wal_v1_sq8.bin"};
  for (int i = 0; i < 4; i++) {
    if (!file_exists(files[i])) {
      fprintf(stderr, "make_corpus: %s is missing: restore it from git (this build "
                      "writes log format 2 and cannot recreate it)\n", files[i]);
      exit(1);
    }
  }
  printf("tests/fixtures/*_v1*: kept\n");
}

/* The quantized scenario: SQ8, floats kept, re-ranking. Specified in
 * tests/c/test_persist_fixtures.c (fixture_v1_sq8_...). Gives the snapshot
 * (wal_seq 0) and the log after it, as this build writes them. */
static void scenario_sq8(uint8_t **snap, size_t *snap_len, buf *log) {
  ev_options o;
  ev_options_init(&o);
  o.dimensions = 4;
  o.m = 4;
  o.ef_construction = 16;
  o.ef_search = 16;
  o.seed = 99;
  o.quantization = EV_QUANT_SQ8;
  o.keep_floats = 1;
  o.rerank = 16;
  ev_index *ix = NULL;
  if (ev_index_create(&o, &ix) != EV_OK) die("create");
  /* ids 0..29 automatic with vectors 500..529; ids 4 and 11 deleted. */
  float v[30 * 4];
  rows(v, 30, 4, 500);
  if (ev_insert_batch(ix, v, 30, 4, NULL, NULL, NULL, NULL, NULL, NULL)) die("ins");
  uint64_t del[2] = {4, 11};
  ev_batch_delete_result r;
  ev_soft_delete_batch(ix, del, 2, &r);
  if (ev_snapshot_save(ix, 0, snap, snap_len) != EV_OK) die("save");
  /* Log: record 1 = ids 30..34 (vectors 600..604), delete {0}. */
  if (ev_journal_enable(ix, 0) != EV_OK) die("journal");
  rows(v, 5, 4, 600);
  if (ev_insert_batch(ix, v, 5, 4, NULL, NULL, NULL, NULL, NULL, NULL)) die("ins");
  ev_delete_outcome out;
  ev_soft_delete(ix, 0, &out);
  commit(ix, log);
  ev_index_free(ix);
}

/* Log format version 2 (GRAPH ops): the same two scenarios' logs, which
 * replay onto the version 1 snapshots (the snapshot format did not
 * change). */
static void fixture_wal_v2(void) {
  if (file_exists("tests/fixtures/wal_v2.bin")) {
    printf("tests/fixtures/wal_v2.bin exists: kept\n");
    return;
  }
  uint8_t *snap = NULL, *snap_q = NULL;
  size_t snap_len = 0, snap_q_len = 0;
  buf log = {0}, log_q = {0};
  scenario_main(&snap, &snap_len, &log);
  scenario_sq8(&snap_q, &snap_q_len, &log_q);
  write_file("tests/fixtures/wal_v2.bin", log.p, log.n, NULL, 0);
  write_file("tests/fixtures/wal_v2_sq8.bin", log_q.p, log_q.n, NULL, 0);
  write_inc(root, "fixtures_v2.inc",
            "/* Generated by tests/fuzz/make_corpus.c from wal_v2.bin and\n"
            " * wal_v2_sq8.bin (the same bytes). Never regenerate: it is the record\n"
            " * of what log format version 2 wrote. */\n",
            "fixture_wal_v2", log.p, log.n, "fixture_wal_v2_sq8", log_q.p, log_q.n);
  free(snap);
  free(snap_q);
  free(log.p);
  free(log_q.p);
}

/* Snapshot format version 2 and log format version 3 (metadata). Specified
 * in tests/c/test_persist_fixtures.c (fixture_snapshot_v2_...): keep the
 * two in step. */
static void fixture_metadata_v2_v3(void) {
  if (file_exists("tests/fixtures/snapshot_v2.bin")) {
    printf("tests/fixtures/snapshot_v2.bin exists: kept\n");
    return;
  }
  /* ids 0..19 automatic, vector of id i = component(i); ids != 0 mod 4
   * get record_of(id); ids 5 and 10 deleted; the snapshot at wal_seq 2. */
  ev_index *ix = make(4, EV_METRIC_L2, 4, 77);
  float v[32 * 4];
  rows(v, 20, 4, 0);
  if (ev_insert_batch(ix, v, 20, 4, NULL, NULL, NULL, NULL, NULL, NULL)) die("ins");
  mrec r;
  for (uint32_t id = 0; id < 20; id++) {
    if (id % 4 == 0) continue;
    record_of(id, &r);
    set_meta(ix, id, &r);
  }
  ev_delete_outcome out;
  ev_soft_delete(ix, 5, &out);
  ev_soft_delete(ix, 10, &out);
  uint8_t *snap = NULL;
  size_t snap_len = 0;
  if (ev_snapshot_save(ix, 2, &snap, &snap_len) != EV_OK) die("save");
  /* Record 3: ids 20 (record_of(20)) and 21 (none), vectors 20 and 21;
   * id 0 gets record_of(100), id 1's record is cleared. Record 4: id 2
   * deleted, a compaction, id 3 gets record_of(103). */
  if (ev_journal_enable(ix, 2) != EV_OK) die("journal");
  buf log = {0};
  uint8_t blob[512];
  record_of(20, &r);
  memcpy(blob, r.b, r.n);
  uint32_t offsets[3] = {0, (uint32_t)r.n, (uint32_t)r.n};
  uint64_t ids[2] = {20, 21};
  rows(v, 2, 4, 20);
  if (ev_insert_batch_meta(ix, v, 2, 4, ids, blob, offsets, NULL, NULL, NULL, NULL))
    die("ins meta");
  record_of(100, &r);
  set_meta(ix, 0, &r);
  if (ev_meta_set(ix, 1, NULL, 0, NULL) != EV_OK) die("clear");
  commit(ix, &log);
  ev_soft_delete(ix, 2, &out);
  ev_compact(ix);
  record_of(103, &r);
  set_meta(ix, 3, &r);
  commit(ix, &log);
  write_file("tests/fixtures/snapshot_v2.bin", snap, snap_len, NULL, 0);
  write_file("tests/fixtures/wal_v3.bin", log.p, log.n, NULL, 0);
  write_inc(root, "fixtures_v2_v3.inc",
            "/* Generated by tests/fuzz/make_corpus.c from snapshot_v2.bin and\n"
            " * wal_v3.bin (the same bytes). Never regenerate: it is the record\n"
            " * of what snapshot format 2 and log format 3 wrote. */\n",
            "fixture_snapshot_v2", snap, snap_len, "fixture_wal_v3", log.p, log.n);
  free(snap);
  free(log.p);
  ev_index_free(ix);
}

int main(int argc, char **argv) {
  if (argc > 1) root = argv[1];
  snapshot_corpus();
  wal_corpus();
  fixtures_v1_kept();
  fixture_wal_v2();
  fixture_metadata_v2_v3();
  return 0;
}
