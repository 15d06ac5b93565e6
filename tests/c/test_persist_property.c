/* test_persist_property.c — random sequences of insert (some with
 * metadata) / set or clear metadata / delete / compact / commit (some failing to store, some with mutations while in flight) /
 * checkpoint (some interrupted before the manifest flip, leaving a prefix of
 * the new snapshot, some after it, leaving the records it holds), with recovery (snapshot + log replay)
 * checked against the state at the last durable commit after every step
 * that changes storage (the same snapshot bytes, and every live id's
 * metadata equal to a model kept beside the index), and a final
 * same-index + same-search check. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "index.h"
#include "journal.h"
#include "metadata.h"
#include "snapshot.h"
#include "persist_util.h"
#include "wal.h"

#define PDIM 5
#define ID_RANGE 120
/* Ids the model tracks: chosen ones are < ID_RANGE + 20, automatic ones
 * stay far below this in 150 steps. */
#define MODEL_IDS 2048

/* The metadata every id should have: the seed of its record
 * (pu_meta_record), 0 for none. */
typedef struct model {
  uint64_t seed[MODEL_IDS];
} model;

typedef struct rng {
  uint64_t s;
} rng;
static uint64_t next(rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static uint32_t below(rng *r, uint32_t n) { return (uint32_t)(next(r) % n); }

/* What durable storage holds: one snapshot and the log after it. */
typedef struct storage {
  uint8_t *snap;
  size_t snap_len;
  uint8_t *log;
  size_t log_len;
} storage;

static ev_index *recover(const storage *s) {
  ev_index *ix = NULL;
  ev_snapshot_info info;
  if (ev_snapshot_load(s->snap, s->snap_len, &ix, &info, NULL) != EV_OK)
    return NULL;
  ev_wal_replay_result r;
  if (ev_wal_replay(ix, s->log, s->log_len, info.wal_seq, &r) != EV_OK ||
      r.torn_tail) {
    ev_index_free(ix);
    return NULL;
  }
  return ix;
}

/* 1 when every live id of ix has the metadata the model says. */
static int matches_model(const ev_index *ix, const model *m) {
  uint8_t rec[PU_META_MAX];
  for (uint32_t s = 0; s < ix->count; s++) {
    if (ix->deleted[s]) continue;
    uint64_t id = ix->ext_ids[s];
    if (id >= MODEL_IDS) return 0;
    size_t len = m->seed[id] ? pu_meta_record(m->seed[id], rec) : 0;
    if (!pu_meta_is(ix, id, rec, len)) {
      printf("    metadata of id %llu differs from the model\n", (unsigned long long)id);
      return 0;
    }
  }
  return 1;
}

static int same_as_ref(const storage *s, const uint8_t *ref, size_t ref_len,
                       const model *m) {
  ev_index *ix = recover(s);
  size_t len = 0;
  uint8_t *now = ix ? pu_save(ix, &len) : NULL;
  int same = now && len == ref_len && memcmp(now, ref, len) == 0 &&
             matches_model(ix, m);
  free(now);
  ev_index_free(ix);
  return same;
}

static void random_row(rng *r, float *v) {
  for (int d = 0; d < PDIM; d++)
    v[d] = (float)((double)(next(r) >> 11) * (1.0 / 9007199254740992.0) * 4 - 2);
}

/* A record seed (never 0: 0 is "none"). */
static uint64_t record_seed(rng *r) { return 1 + below(r, 1000000); }

/* One mutation, mirrored in the model; failures (id exists, NaN, unknown
 * id) are part of the test and change nothing. */
static void mutate(ev_index *ix, rng *r, model *m) {
  uint32_t what = below(r, 100);
  if (what < 45) {
    uint32_t n = 1 + below(r, 6);
    float v[6 * PDIM];
    uint64_t ids[6], out[6], seeds[6];
    uint8_t blob[6 * PU_META_MAX];
    uint32_t offsets[7] = {0};
    for (uint32_t i = 0; i < n; i++) {
      random_row(r, v + i * PDIM);
      ids[i] = below(r, ID_RANGE);
      seeds[i] = below(r, 3) ? record_seed(r) : 0;
      size_t len = seeds[i] ? pu_meta_record(seeds[i], blob + offsets[i]) : 0;
      offsets[i + 1] = offsets[i] + (uint32_t)len;
    }
    if (below(r, 20) == 0) v[below(r, n * PDIM)] = 0.0f / 0.0f;
    const uint64_t *chosen = below(r, 2) ? ids : NULL;
    ev_status st;
    if (below(r, 2)) {
      st = ev_insert_batch_meta(ix, v, n, PDIM, chosen, blob, offsets, out, NULL,
                                NULL, NULL);
    } else {
      st = ev_insert_batch(ix, v, n, PDIM, chosen, out, NULL, NULL, NULL, NULL);
      for (uint32_t i = 0; i < n; i++) seeds[i] = 0;
    }
    if (st == EV_OK)
      for (uint32_t i = 0; i < n; i++)
        if (out[i] < MODEL_IDS) m->seed[out[i]] = seeds[i];
  } else if (what < 60) {
    /* Set, replace or clear the metadata of an id (live or not). */
    uint64_t id = below(r, ID_RANGE + 20);
    uint64_t seed = below(r, 5) ? record_seed(r) : 0;
    uint8_t rec[PU_META_MAX];
    size_t len = seed ? pu_meta_record(seed, rec) : 0;
    if (pu_meta_set(ix, id, rec, len) == EV_OK) m->seed[id] = seed;
  } else if (what < 90) {
    uint32_t n = 1 + below(r, 5);
    uint64_t ids[5];
    for (uint32_t i = 0; i < n; i++) ids[i] = below(r, ID_RANGE + 20);
    ev_batch_delete_result res;
    if (ev_soft_delete_batch(ix, ids, n, &res) == EV_OK)
      for (uint32_t i = 0; i < n; i++) m->seed[ids[i]] = 0;
  } else {
    ev_compact(ix);
  }
}

static int run_sequence(uint64_t seed, int steps, size_t *records,
                        size_t *checkpoints, size_t *crashed) {
  rng r = {seed};
  /* Every metric, and every quantization with and without kept floats. */
  ev_quantization q = (ev_quantization)((seed / 3) % 3);
  uint32_t keep = q != EV_QUANT_NONE && (seed / 9) % 2;
  ev_index *a = pu_index_q(PDIM, (ev_metric)(seed % 3), seed, q, keep,
                           keep ? 10 : 0);
  storage s = {0};
  /* The model now, at the last durable commit, and at the commit in
   * flight. */
  model *m = calloc(3, sizeof *m);
  model *m_ref = m + 1, *m_pending = m + 2;
  uint8_t *ref = NULL, *pending_ref = NULL;
  size_t ref_len = 0, pending_ref_len = 0;
  int ok = a != NULL && m != NULL;
  /* Creating a database writes its empty snapshot first. */
  if (ok) ok = ev_snapshot_save(a, 0, &s.snap, &s.snap_len) == EV_OK;
  if (ok) ok = (ref = pu_save(a, &ref_len)) != NULL;
  if (ok) ok = ev_journal_enable(a, 0) == EV_OK;
  for (int step = 0; ok && step < steps; step++) {
    uint32_t what = below(&r, 100);
    if (what < 60) {
      mutate(a, &r, m);
      if (!matches_model(a, m)) ok = 0;
    } else if (what < 90) {
      /* Commit; sometimes the store fails, sometimes mutations happen
       * while it is in flight. */
      const uint8_t *rec;
      size_t len;
      uint64_t seq;
      ok = ev_journal_begin_commit(a, &rec, &len, &seq) == EV_OK;
      if (!ok || len == 0) continue;
      uint8_t *copy = malloc(len);
      ok = copy != NULL;
      if (!ok) break;
      memcpy(copy, rec, len);
      free(pending_ref);
      pending_ref = pu_save(a, &pending_ref_len);
      *m_pending = *m;
      while (below(&r, 3) == 0) mutate(a, &r, m);
      if (below(&r, 8) == 0) {
        ev_journal_end_commit(a, 0); /* store failed */
        free(copy);
      } else {
        uint8_t *p = realloc(s.log, s.log_len + len);
        ok = p != NULL;
        if (ok) {
          memcpy(p + s.log_len, copy, len);
          s.log = p;
          s.log_len += len;
          ev_journal_end_commit(a, 1);
          free(ref);
          ref = pending_ref;
          ref_len = pending_ref_len;
          pending_ref = NULL;
          *m_ref = *m_pending;
          (*records)++;
        }
        free(copy);
        if (ok) ok = same_as_ref(&s, ref, ref_len, m_ref);
      }
    } else {
      /* Checkpoint: only with nothing pending (commit first). */
      uint64_t seq;
      if (ev_journal_snapshot_seq(a, &seq) != EV_OK) continue;
      uint8_t *snap = NULL;
      size_t snap_len = 0;
      ok = ev_snapshot_save(a, seq, &snap, &snap_len) == EV_OK;
      if (!ok) break;
      uint32_t crash = below(&r, 10);
      if (crash < 2) {
        /* The tab closed while the new snapshot was being written: storage
         * holds the old generation, its log, and a prefix of the new
         * snapshot that no manifest names. The prefix must never load as
         * an index (a reader that trusted it would lose committed data). */
        size_t cut = (size_t)below(&r, (uint32_t)snap_len);
        ev_index *partial = NULL;
        ev_snapshot_info pinfo;
        ok = ev_snapshot_load(snap, cut, &partial, &pinfo, NULL) != EV_OK &&
             partial == NULL;
        ev_index_free(partial);
        free(snap);
        (*crashed)++;
      } else {
        free(s.snap);
        s.snap = snap;
        s.snap_len = snap_len;
        if (crash < 4) {
          /* The tab closed after the manifest named the new snapshot but
           * before the records it holds were deleted: recovery must skip
           * them, not apply them a second time. */
          (*crashed)++;
        } else {
          free(s.log); /* the log is truncated with the manifest flip */
          s.log = NULL;
          s.log_len = 0;
        }
        (*checkpoints)++;
      }
      if (ok) ok = same_as_ref(&s, ref, ref_len, m_ref);
    }
  }
  /* Final: commit everything, recover, compare deeply. */
  if (ok) {
    const uint8_t *rec;
    size_t len;
    uint64_t seq;
    ok = ev_journal_begin_commit(a, &rec, &len, &seq) == EV_OK;
    if (ok && len) {
      uint8_t *p = realloc(s.log, s.log_len + len);
      ok = p != NULL;
      if (ok) {
        memcpy(p + s.log_len, rec, len);
        s.log = p;
        s.log_len += len;
      }
    }
    ev_journal_end_commit(a, 1);
    ev_index *b = ok ? recover(&s) : NULL;
    ok = b && pu_same_index(a, b) && pu_same_search(a, b, seed + 1, 10, 5) &&
         matches_model(b, m);
    ev_index_free(b);
  }
  if (!ok) printf("    sequence with seed %llu failed\n", (unsigned long long)seed);
  free(ref);
  free(pending_ref);
  free(s.snap);
  free(s.log);
  free(m);
  ev_index_free(a);
  return ok;
}

TEST(persist_property_random_sequences_recover_exactly) {
  size_t records = 0, checkpoints = 0, crashed = 0, failed = 0;
  const int seeds = 60, steps = 150;
  for (int seed = 1; seed <= seeds; seed++)
    if (!run_sequence((uint64_t)seed, steps, &records, &checkpoints, &crashed))
      failed++;
  CHECK_EQ_INT(failed, 0);
  NOTE("%d sequences of %d steps: %zu log records, %zu checkpoints, %zu "
       "checkpoints interrupted, each recovered and compared", seeds, steps,
       records, checkpoints, crashed);
}
