/*
 * journal.c — records the index's mutations between commits, as the ops of
 * the next write-ahead-log record (format in wal.c).
 *
 * The core calls ev__journal_reserve_* before a mutation (the only place
 * that can fail, with OUT_OF_MEMORY, before anything changed) and
 * ev__journal_note_* after it succeeded (cannot fail: the bytes were
 * reserved). So the journal always holds exactly the mutations that
 * happened, in order, with the caller's input vectors (not the normalised
 * ones) and the ids actually used: replaying them re-runs the same
 * deterministic inserts and rebuilds the index bit for bit.
 *
 * Trade-off: ops are encoded into their final byte form as they happen,
 * behind room left for the record header, so a commit frames the record in
 * place (a header write and one CRC pass, no copy); the cost is that
 * pending mutations are held twice (in the index and here) until
 * committed, so commit often.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crc32.h"
#include "index.h"
#include "wal.h"

/* Above this, buffers are released after a commit instead of kept for the
 * next one, so one bulk insert does not pin its size forever. */
#define JOURNAL_KEEP_BYTES ((size_t)1 << 20)

/* Buffer layout: [record header space][ops not yet durable ...]. While a
 * commit is in flight: [header][sealed ops][CRC][ops recorded since]; the
 * record handed out is the buffer's first sealed_end + 4 bytes. */
#define HDR EV_WAL_HEADER_BYTES

struct ev_journal {
  uint8_t *ops;       /* see the layout above; NULL until the first op */
  size_t len;         /* end of the content, from the buffer's start */
  size_t cap;
  uint32_t op_count;  /* ops in the buffer (sealed or not) */
  uint64_t last_seq;  /* last durable record */

  int in_flight;      /* begin_commit done, end_commit not yet */
  size_t sealed_end;  /* in flight: end of the sealed ops (the CRC's offset) */
  uint32_t sealed_ops;
};

static size_t pending(const struct ev_journal *j) {
  return j->len - HDR - (j->in_flight ? EV_WAL_TRAILER_BYTES : 0);
}


static ev_status ensure(struct ev_journal *j, size_t extra) {
  if (extra > SIZE_MAX - j->len) return EV_ERR_OUT_OF_MEMORY;
  size_t need = j->len + extra;
  if (need <= j->cap) return EV_OK;
  size_t cap = j->cap ? j->cap : 256;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  uint8_t *p = realloc(j->ops, cap);
  if (!p) return EV_ERR_OUT_OF_MEMORY;
  j->ops = p;
  j->cap = cap;
  return EV_OK;
}

/* Op header: code and count (room reserved by the caller). Each call of the
 * core becomes its own op, never merged with the previous one, so replay
 * repeats exactly the calls that were made (a batch and the same vectors
 * inserted one by one should build the same graph, but replay does not
 * depend on it). n fits a u32: a batch is at most EV_MAX_SLOTS vectors. */
static void begin_op(struct ev_journal *j, uint32_t code, uint32_t n) {
  ev_le_put_u32(j->ops + j->len, code);
  ev_le_put_u32(j->ops + j->len + 4, n);
  j->len += 8;
  j->op_count++;
}

/* ---- hooks called by the core (index.h) ---------------------------------- */

ev_status ev__journal_reserve_insert(ev_index *ix, size_t n) {
  struct ev_journal *j = ix->journal;
  if (!j) return EV_OK;
  size_t row = 8 + (size_t)ix->dim * 4;
  if (n > (SIZE_MAX - 8) / row) return EV_ERR_OUT_OF_MEMORY;
  return ensure(j, 8 + n * row);
}

void ev__journal_note_insert(ev_index *ix, const uint64_t *ids,
                             const float *vectors, size_t n) {
  struct ev_journal *j = ix->journal;
  if (!j || n == 0 || !ids || !vectors) return;
  size_t row = 8 + (size_t)ix->dim * 4;
  begin_op(j, EV_WAL_OP_INSERT, (uint32_t)n);
  uint8_t *p = j->ops + j->len;
  for (size_t i = 0; i < n; i++, p += row) {
    ev_le_put_u64(p, ids[i]);
    ev_le_put_words(p + 8, vectors + i * ix->dim, ix->dim);
  }
  j->len += n * row;
}

ev_status ev__journal_reserve_delete(ev_index *ix, size_t n) {
  struct ev_journal *j = ix->journal;
  if (!j) return EV_OK;
  if (n > (SIZE_MAX - 8) / 8) return EV_ERR_OUT_OF_MEMORY;
  return ensure(j, 8 + n * 8);
}

void ev__journal_note_delete(ev_index *ix, const uint64_t *ids, size_t n) {
  struct ev_journal *j = ix->journal;
  if (!j || n == 0 || !ids) return;
  begin_op(j, EV_WAL_OP_DELETE, (uint32_t)n);
  for (size_t i = 0; i < n; i++) ev_le_put_u64(j->ops + j->len + 8 * i, ids[i]);
  j->len += n * 8;
}

ev_status ev__journal_reserve_compact(ev_index *ix) {
  struct ev_journal *j = ix->journal;
  if (!j) return EV_OK;
  return ensure(j, 4);
}

void ev__journal_note_compact(ev_index *ix) {
  struct ev_journal *j = ix->journal;
  if (!j) return;
  ev_le_put_u32(j->ops + j->len, EV_WAL_OP_COMPACT);
  j->len += 4;
  j->op_count++;
}

void ev__journal_free(ev_index *ix) {
  struct ev_journal *j = ix ? ix->journal : NULL;
  if (!j) return;
  free(j->ops);
  free(j);
  ix->journal = NULL;
}

size_t ev__journal_bytes(const ev_index *ix) {
  const struct ev_journal *j = ix->journal;
  if (!j) return 0;
  return sizeof *j + j->cap;
}

/* ---- public journal API (wal.h) ------------------------------------------ */

ev_status ev_journal_enable(ev_index *ix, uint64_t last_seq) {
  if (!ix) return EV_ERR_INVALID_ARGUMENT;
  ev__journal_free(ix);
  struct ev_journal *j = calloc(1, sizeof *j);
  if (!j) return EV_ERR_OUT_OF_MEMORY;
  j->last_seq = last_seq;
  j->len = HDR;
  ix->journal = j;
  return EV_OK;
}

void ev_journal_disable(ev_index *ix) { ev__journal_free(ix); }

int ev_journal_enabled(const ev_index *ix) { return ix && ix->journal; }

uint64_t ev_journal_last_seq(const ev_index *ix) {
  return ix && ix->journal ? ix->journal->last_seq : 0;
}

size_t ev_journal_pending_bytes(const ev_index *ix) {
  return ix && ix->journal ? pending(ix->journal) : 0;
}

ev_status ev_journal_begin_commit(ev_index *ix, const uint8_t **out_record,
                                  size_t *out_len, uint64_t *out_seq) {
  if (!ix || !ix->journal || !out_record || !out_len)
    return EV_ERR_INVALID_ARGUMENT;
  struct ev_journal *j = ix->journal;
  if (j->in_flight) return EV_ERR_INVALID_ARGUMENT;
  *out_record = NULL;
  *out_len = 0;
  if (out_seq) *out_seq = j->last_seq;
  if (pending(j) == 0) return EV_OK;
  if (j->len > UINT32_MAX - EV_WAL_TRAILER_BYTES)
    return EV_ERR_CAPACITY; /* a record's length field is a u32 */
  ev_status st = ensure(j, EV_WAL_TRAILER_BYTES);
  if (st != EV_OK) return st;
  uint64_t seq = j->last_seq + 1;
  size_t len = ev__wal_frame_record(j->ops, seq, ix->dim, j->op_count,
                                    j->len - HDR);
  j->in_flight = 1;
  j->sealed_end = j->len;
  j->sealed_ops = j->op_count;
  j->len += EV_WAL_TRAILER_BYTES;
  *out_record = j->ops;
  *out_len = len;
  if (out_seq) *out_seq = seq;
  return EV_OK;
}

void ev_journal_end_commit(ev_index *ix, int durable) {
  struct ev_journal *j = ix ? ix->journal : NULL;
  if (!j || !j->in_flight) return;
  size_t after = j->sealed_end + EV_WAL_TRAILER_BYTES; /* ops since begin */
  size_t since = j->len - after;
  if (durable) {
    memmove(j->ops + HDR, j->ops + after, since);
    j->len = HDR + since;
    j->op_count -= j->sealed_ops;
    j->last_seq++;
  } else {
    /* Drop the CRC: the sealed ops and those since are pending again. */
    memmove(j->ops + j->sealed_end, j->ops + after, since);
    j->len -= EV_WAL_TRAILER_BYTES;
  }
  j->in_flight = 0;
  j->sealed_end = 0;
  j->sealed_ops = 0;
  if (j->len == HDR && j->cap > JOURNAL_KEEP_BYTES) {
    free(j->ops);
    j->ops = NULL;
    j->cap = 0;
  }
}

ev_status ev_journal_snapshot_seq(const ev_index *ix, uint64_t *out_seq) {
  if (!ix || !out_seq) return EV_ERR_INVALID_ARGUMENT;
  *out_seq = 0;
  const struct ev_journal *j = ix->journal;
  if (!j) return EV_OK;
  if (pending(j) || j->in_flight) return EV_ERR_INVALID_ARGUMENT;
  *out_seq = j->last_seq;
  return EV_OK;
}

/* Replay (wal.c) turns the journal off while it applies records that are
 * already in the log, and back on after. */
struct ev_journal *ev__journal_detach(ev_index *ix);
void ev__journal_attach(ev_index *ix, struct ev_journal *j);

struct ev_journal *ev__journal_detach(ev_index *ix) {
  struct ev_journal *j = ix->journal;
  ix->journal = NULL;
  return j;
}

void ev__journal_attach(ev_index *ix, struct ev_journal *j) {
  ix->journal = j;
}
