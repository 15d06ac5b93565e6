/* test_wal_graph.c — the GRAPH op of the log (wal_graph.c): commits of
 * inserts are written as graph state and replay restores it exactly
 * (plain, SQ8 with floats, mixed with deletes and compactions), appended
 * links are logged as a tail after the links kept in place, and a
 * CRC-valid op that breaks any rule of the snapshot reader is refused as
 * CORRUPT with the index left exactly as it was. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "index.h"
#include "journal.h"
#include "snapshot.h"
#include "persist_util.h"
#include "wal.h"
#include "wal_record.h"

#define DIM 6
#define BODY 40 /* record header 32, op code 4, body_len 4 */

/* A base index of 60 vectors (snapshot bytes in *base) and the record of
 * the next commit: 12 inserts into it, a single GRAPH op. */
typedef struct graph_case {
  uint8_t *base;
  size_t base_len;
  uint8_t *rec;
  size_t rec_len;
  ev_index *writer;
} graph_case;

static int case_init(graph_case *g, uint64_t seed) {
  memset(g, 0, sizeof *g);
  float *rows = pu_rows(seed, DIM, 72);
  g->writer = pu_index(DIM, EV_METRIC_L2, seed);
  if (!rows || !g->writer) return 0;
  if (ev_insert_batch(g->writer, rows, 60, DIM, NULL, NULL, NULL, NULL, NULL,
                      NULL) != EV_OK)
    return 0;
  g->base = pu_save(g->writer, &g->base_len);
  if (!g->base || ev_journal_enable(g->writer, 0) != EV_OK) return 0;
  if (ev_insert_batch(g->writer, rows + 60 * DIM, 12, DIM, NULL, NULL, NULL,
                      NULL, NULL, NULL) != EV_OK)
    return 0;
  const uint8_t *rec;
  uint64_t seq;
  if (ev_journal_begin_commit(g->writer, &rec, &g->rec_len, &seq) != EV_OK)
    return 0;
  g->rec = malloc(g->rec_len);
  if (!g->rec) return 0;
  memcpy(g->rec, rec, g->rec_len);
  ev_journal_end_commit(g->writer, 1);
  free(rows);
  return 1;
}

static void case_free(graph_case *g) {
  free(g->base);
  free(g->rec);
  ev_index_free(g->writer);
}

static ev_index *load_base(const graph_case *g) {
  ev_index *ix = NULL;
  if (ev_snapshot_load(g->base, g->base_len, &ix, NULL, NULL) != EV_OK) return NULL;
  return ix;
}

/* Offsets in the record of new node i's entry, and of the first marked
 * entry (walking the documented layout). */
static size_t new_entry(const uint8_t *rec, uint32_t i) {
  size_t off = BODY + 40;
  for (uint32_t k = 0;; k++) {
    if (k == i) return off;
    int level = rec[off + 8];
    off += 10 + 4 * DIM;
    for (int l = 0; l <= level; l++) off += 4 + 4 * (size_t)pu_get_u32(rec + off);
  }
}
static size_t first_marked(const uint8_t *rec) {
  return new_entry(rec, pu_get_u32(rec + BODY + 4));
}

/* Replays the edited record onto a fresh base: it must fail with CORRUPT,
 * reason "does not apply", at `where`, and change nothing. */
static void refused(graph_case *g, size_t where, int line) {
  pu_reseal_record(g->rec);
  ev_index *b = load_base(g);
  if (!b) {
    ev_test_fail(__FILE__, line, "base loads");
    return;
  }
  ev_wal_replay_result r;
  ev_status st = ev_wal_replay(b, g->rec, g->rec_len, 0, &r);
  size_t len = 0;
  uint8_t *now = pu_save(b, &len);
  if (st != EV_ERR_CORRUPT || r.error.reason != EV_REASON_REPLAY_FAILED) {
    printf("    line %d: status %d reason %u\n", line, st, r.error.reason);
    ev_test_fail(__FILE__, line, "refused as CORRUPT");
  } else if (r.error.offset != where) {
    printf("    line %d: offset %llu, expected %zu\n", line,
           (unsigned long long)r.error.offset, where);
    ev_test_fail(__FILE__, line, "offset of the problem");
  }
  if (!now || len != g->base_len || memcmp(now, g->base, len) != 0)
    ev_test_fail(__FILE__, line, "index unchanged");
  free(now);
  ev_index_free(b);
}

#define EDIT32(g, off, value, where)            \
  do {                                          \
    uint32_t old_ = pu_get_u32((g)->rec + (off)); \
    pu_put_u32((g)->rec + (off), (value));      \
    refused((g), (where), __LINE__);            \
    pu_put_u32((g)->rec + (off), old_);         \
  } while (0)
#define EDIT8(g, off, value, where)             \
  do {                                          \
    uint8_t old_ = (g)->rec[off];               \
    (g)->rec[off] = (value);                    \
    refused((g), (where), __LINE__);            \
    (g)->rec[off] = old_;                       \
  } while (0)

TEST(wal_graph_commits_are_version_2_graph_ops_that_replay_exactly) {
  graph_case g;
  REQUIRE(case_init(&g, 300));
  CHECK_EQ_INT(pu_get_u32(g.rec + 8), 2);               /* version */
  CHECK_EQ_INT(pu_get_u32(g.rec + 28), 1);              /* one op */
  CHECK_EQ_INT(pu_get_u32(g.rec + 32), EV_WAL_OP_GRAPH);
  CHECK_EQ_INT(pu_get_u32(g.rec + BODY), 60);           /* first slot */
  CHECK_EQ_INT(pu_get_u32(g.rec + BODY + 4), 12);       /* new nodes */
  CHECK(pu_get_u32(g.rec + BODY + 8) > 0);              /* older relinked */
  ev_index *b = load_base(&g);
  REQUIRE(b != NULL);
  ev_wal_replay_result r;
  CHECK_EQ_INT(ev_wal_replay(b, g.rec, g.rec_len, 0, &r), EV_OK);
  CHECK(pu_same_index(g.writer, b) && pu_same_bytes(g.writer, b));
  CHECK(pu_same_search(g.writer, b, 301, 10, 5));
  ev_index_free(b);
  case_free(&g);
}

TEST(wal_graph_mixed_with_deletes_reinserts_and_compaction_replays_exactly) {
  const ev_quantization q[2] = {EV_QUANT_NONE, EV_QUANT_SQ8};
  for (int v = 0; v < 2; v++) {
    ev_index *a = pu_index_q(DIM, EV_METRIC_COSINE, 310 + v, q[v], v, v ? 8 : 0);
    float *rows = pu_rows(310 + v, DIM, 200);
    REQUIRE(a && rows);
    size_t snap_len;
    uint8_t *snap = pu_save(a, &snap_len);
    REQUIRE(snap && ev_journal_enable(a, 0) == EV_OK);
    uint8_t *log = NULL;
    size_t log_len = 0;
    for (int k = 0; k < 5; k++) {
      /* Inserts, a delete of an old and of a just-inserted id, the
       * re-insert of a deleted id, and (once) a compaction in between. */
      REQUIRE(ev_insert_batch(a, rows + 40 * k * DIM, 30, DIM, NULL, NULL, NULL,
                              NULL, NULL, NULL) == EV_OK);
      uint64_t del[2] = {(uint64_t)k * 7, (uint64_t)a->next_auto_id - 1};
      ev_batch_delete_result dr;
      REQUIRE(ev_soft_delete_batch(a, del, 2, &dr) == EV_OK);
      uint64_t again = del[1];
      REQUIRE(ev_insert_batch(a, rows + (40 * k + 30) * DIM, 1, DIM, &again,
                              NULL, NULL, NULL, NULL, NULL) == EV_OK);
      if (k == 2) REQUIRE(ev_compact(a) == EV_OK);
      REQUIRE(ev_insert_batch(a, rows + (40 * k + 31) * DIM, 9, DIM, NULL, NULL,
                              NULL, NULL, NULL, NULL) == EV_OK);
      const uint8_t *rec;
      size_t len;
      uint64_t seq;
      REQUIRE(ev_journal_begin_commit(a, &rec, &len, &seq) == EV_OK);
      log = realloc(log, log_len + len);
      REQUIRE(log != NULL);
      memcpy(log + log_len, rec, len);
      log_len += len;
      ev_journal_end_commit(a, 1);
    }
    ev_index *b = NULL;
    REQUIRE(ev_snapshot_load(snap, snap_len, &b, NULL, NULL) == EV_OK);
    ev_wal_replay_result r;
    CHECK_EQ_INT(ev_wal_replay(b, log, log_len, 0, &r), EV_OK);
    CHECK(r.records_applied == 5);
    CHECK(pu_same_index(a, b) && pu_same_bytes(a, b));
    CHECK(pu_same_search(a, b, 320, 10, 5));
    ev_index_free(b);
    ev_index_free(a);
    free(log);
    free(snap);
    free(rows);
  }
}

TEST(wal_graph_op_breaking_a_rule_is_refused_and_changes_nothing) {
  graph_case g;
  REQUIRE(case_init(&g, 330));
  const size_t h = BODY;
  /* Head: where the op starts, counts, entry point, levels, id sequence. */
  EDIT32(&g, h + 0, 61, h + 0);          /* not where the index ends */
  EDIT32(&g, h + 4, 0, h + 4);           /* no new nodes */
  EDIT32(&g, h + 4, 0xFFFFFF00u, h + 4); /* more than the bytes hold */
  EDIT32(&g, h + 8, 61, h + 8);          /* more marked than slots */
  EDIT32(&g, h + 12, 72, h + 12);        /* entry past the end */
  EDIT32(&g, h + 16, 16, h + 16);        /* level above the cap */
  EDIT32(&g, h + 16, 0xFFFFFFFFu, h + 16);
  EDIT32(&g, h + 20, 2, h + 20);         /* auto_exhausted not 0/1 */
  EDIT32(&g, h + 24, 10, h + 24);        /* id sequence went back */
  /* New node 0 (slot 60): its flags, payload, id and level-0 list. */
  size_t e = new_entry(g.rec, 0);
  EDIT8(&g, e + 8, 16, e + 8);                 /* level above max_level */
  EDIT8(&g, e + 9, 2, e + 9);                  /* deleted not 0/1 */
  EDIT32(&g, e + 10, 0x7FC00000u, e + 10);     /* NaN component */
  EDIT32(&g, e, 1000, e);                      /* id past next_auto_id */
  EDIT32(&g, e, 3, e);                         /* id 3 is live in the base */
  size_t list = e + 10 + 4 * DIM;
  REQUIRE(pu_get_u32(g.rec + list) >= 2);
  EDIT32(&g, list, 13, list);                  /* more than m0 = 12 links */
  EDIT32(&g, list + 4, 72, list + 4);          /* no such slot */
  EDIT32(&g, list + 4, 60, list + 4);          /* links to itself */
  EDIT32(&g, list + 8, pu_get_u32(g.rec + list + 4), list + 8); /* twice */

  /* Marked older nodes: slot range and order, parts, flag, the count. */
  ev_index *base = load_base(&g);
  REQUIRE(base != NULL);
  uint32_t marked = pu_get_u32(g.rec + h + 8);
  REQUIRE(marked >= 2);
  size_t m0 = first_marked(g.rec), last = m0, tail_at = 0;
  for (uint32_t j = 0; j + 1 < marked; j++) {
    uint32_t s = pu_get_u32(g.rec + last);
    uint8_t parts = g.rec[last + 4];
    last += 6;
    if (parts & 1) {
      /* A level-0 tail: u32 kept, then the list of the links after them.
       * Remember one that keeps links and adds some. */
      uint32_t kept = pu_get_u32(g.rec + last);
      if (!tail_at && kept > 0 && pu_get_u32(g.rec + last + 4) > 0) tail_at = last;
      last += 4;
      last += 4 + 4 * (size_t)pu_get_u32(g.rec + last);
    }
    for (int l = 1; l <= (parts & 2 ? base->levels[s] : 0); l++)
      last += 4 + 4 * (size_t)pu_get_u32(g.rec + last);
    if (j == 0) EDIT32(&g, last, pu_get_u32(g.rec + m0), last); /* repeated */
  }
  EDIT32(&g, m0, 60, m0);                      /* not an older slot */
  EDIT8(&g, m0 + 4, 0, m0 + 4);                /* no parts */
  EDIT8(&g, m0 + 4, 4, m0 + 4);                /* unknown part */
  EDIT8(&g, m0 + 5, 2, m0 + 5);                /* deleted not 0/1 */
  EDIT32(&g, h + 8, marked - 1, last);         /* bytes left over */
  /* A level-0 tail after kept links: more kept than the list has, more
   * links than m0 in all, a tail link that repeats a kept one. */
  REQUIRE(tail_at > 0);
  uint32_t ts = pu_get_u32(g.rec + tail_at - 6), in_place = pu_get_u32(g.rec + tail_at);
  uint32_t have = ev__links0(base, ts)[0];
  EDIT32(&g, tail_at, have + 1, tail_at);
  EDIT32(&g, tail_at + 4, 12 - in_place + 1, tail_at + 4);
  EDIT32(&g, tail_at + 8, ev__links0(base, ts)[1], tail_at + 8);

  /* A deleted node is never revived: delete the first marked node in the
   * base; the record (written before) says it is live. */
  uint32_t s0 = pu_get_u32(g.rec + m0);
  ev_delete_outcome out;
  REQUIRE(ev_soft_delete(base, base->ext_ids[s0], &out) == EV_OK);
  uint8_t *kept = g.base;
  size_t kept_len = g.base_len;
  g.base = pu_save(base, &g.base_len);
  REQUIRE(g.base != NULL);
  refused(&g, m0 + 5, __LINE__);
  free(g.base);
  g.base = kept;
  g.base_len = kept_len;
  ev_index_free(base);

  /* Untouched, the record still applies: every edit was undone. */
  pu_reseal_record(g.rec);
  ev_index *b = load_base(&g);
  REQUIRE(b != NULL);
  CHECK(ev_wal_replay(b, g.rec, g.rec_len, 0, NULL) == EV_OK);
  CHECK(pu_same_bytes(g.writer, b));
  ev_index_free(b);
  case_free(&g);
}

TEST(wal_graph_op_in_a_version_1_record_is_corrupt) {
  graph_case g;
  REQUIRE(case_init(&g, 340));
  pu_put_u32(g.rec + 8, 1);
  pu_reseal_record(g.rec);
  ev_index *b = load_base(&g);
  REQUIRE(b != NULL);
  ev_wal_replay_result r;
  CHECK_EQ_INT(ev_wal_replay(b, g.rec, g.rec_len, 0, &r), EV_ERR_CORRUPT);
  CHECK_EQ_INT(r.error.reason, EV_REASON_BAD_VALUE);
  CHECK_EQ_INT(r.error.offset, 32);
  CHECK(b->count == 60);
  ev_index_free(b);
  case_free(&g);
}
