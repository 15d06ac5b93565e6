/*
 * journal.c — records the index's mutations between commits, as the ops of
 * the next write-ahead-log record (format in wal.c).
 *
 * The core calls ev__journal_reserve_* before a mutation (the only place
 * that can fail, with OUT_OF_MEMORY, before anything changed) and
 * ev__journal_note_* after it succeeded (cannot fail: the room was
 * reserved). Deletes and compactions are encoded as they happen. Inserts
 * are not: the slots they fill are [seg_base, count), and every older slot
 * whose link lists an insert rewrites is marked (ev__journal_note_links).
 * At a commit, or before a compaction renumbers the slots, those become
 * one GRAPH op holding their current state (wal_graph.c). So replay
 * copies the graph the inserts built instead of building it again, and
 * the journal holds exactly the mutations that happened, in order.
 *
 * Trade-off: delete and compact ops are encoded into their final byte form
 * behind room left for the record header, so a commit frames the record in
 * place (a header write and one CRC pass, no copy); inserts cost nothing
 * until the commit, which reads them from the index.
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"

#include "bytes.h"
#include "index.h"
#include "wal_graph.h"
#include "wal_record.h"

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

  /* Inserts not yet encoded: slots [seg_base, count) of the index, and the
   * marks (EV_MARK_*) of older slots whose lists they rewrote. */
  uint32_t seg_base;
  uint8_t *marks;     /* marks_len bytes, one per slot below seg_base */
  uint16_t *kept0;    /* marks_len entries: for a slot marked EV_MARK_LEVEL0,
                         how many of its first level-0 links are unchanged
                         since the last GRAPH op (only its tail is logged) */
  uint32_t marks_len;
  uint32_t marks_lo, marks_hi, marked; /* the marked range and count */

  int needs_snapshot; /* renumbered by an incremental compaction, and no
                         snapshot of it stored yet (journal.h) */
};

static int graph_pending(const ev_index *ix) {
  return ix->count > ix->journal->seg_base;
}

static size_t pending(const ev_index *ix) {
  const struct ev_journal *j = ix->journal;
  size_t ops = j->len - HDR - (j->in_flight ? EV_WAL_TRAILER_BYTES : 0);
  return ops + (graph_pending(ix) ? 1 : 0); /* the GRAPH op: at least a byte */
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

/* ---- hooks called by the core (journal.h) -------------------------------- */

ev_status ev__journal_reserve_insert(ev_index *ix) {
  /* The new slots need nothing: they are encoded at the commit, from the
   * index. */
  struct ev_journal *j = ix->journal;
  if (!j || j->marks_len >= j->seg_base) return EV_OK;
  /* One mark per slot that an insert may relink: those below seg_base. */
  uint8_t *m = realloc(j->marks, j->seg_base);
  if (!m) return EV_ERR_OUT_OF_MEMORY;
  memset(m + j->marks_len, 0, j->seg_base - j->marks_len);
  j->marks = m;
  uint16_t *k = realloc(j->kept0, sizeof *k * j->seg_base);
  if (!k) return EV_ERR_OUT_OF_MEMORY; /* marks_len unchanged: retried */
  j->kept0 = k;
  j->marks_len = j->seg_base;
  return EV_OK;
}

void ev__journal_note_links(ev_index *ix, uint32_t slot, int level,
                            uint32_t kept) {
  struct ev_journal *j = ix->journal;
  if (slot >= j->seg_base) return; /* a new slot: written whole anyway */
  uint8_t bit = level == 0 ? EV_MARK_LEVEL0 : EV_MARK_UPPER;
  uint8_t *m = j->marks + slot;
  if (level == 0) {
    /* Lists only grow by appends between re-selections, so the prefix
     * that stays is the smallest `kept` seen (m0 <= 256 fits a u16). */
    if (!(*m & bit) || kept < j->kept0[slot]) j->kept0[slot] = (uint16_t)kept;
  }
  if (*m & bit) return;
  if (!*m) {
    if (j->marked == 0 || slot < j->marks_lo) j->marks_lo = slot;
    if (j->marked == 0 || slot >= j->marks_hi) j->marks_hi = slot + 1;
    j->marked++;
  }
  *m |= bit;
}

/* Encodes the inserts since the last GRAPH op as one (the index's current
 * state of those slots) and starts a new segment. */
static ev_status encode_graph(ev_index *ix) {
  struct ev_journal *j = ix->journal;
  if (graph_pending(ix)) {
    ev_graph_marks marks = {j->marks, j->kept0, j->marks_lo, j->marks_hi, j->marked};
    if (!j->marked) marks.lo = marks.hi = 0;
    size_t bytes = ev__graph_op_size(ix, j->seg_base, &marks);
    if (bytes - 8 > UINT32_MAX) return EV_ERR_CAPACITY; /* body_len is a u32 */
    ev_status st = ensure(j, bytes);
    if (st != EV_OK) return st;
    j->len += ev__graph_op_write(ix, j->seg_base, &marks, j->ops + j->len);
    j->op_count++;
  }
  if (j->marked) memset(j->marks + j->marks_lo, 0, j->marks_hi - j->marks_lo);
  j->marked = 0;
  j->seg_base = ix->count;
  return EV_OK;
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
  /* Compaction renumbers the slots: the inserts before it are encoded now,
   * against the numbering they were made in. */
  ev_status st = encode_graph(ix);
  if (st != EV_OK) return st;
  return ensure(j, 4);
}

void ev__journal_note_compact(ev_index *ix) {
  struct ev_journal *j = ix->journal;
  if (!j) return;
  ev_le_put_u32(j->ops + j->len, EV_WAL_OP_COMPACT);
  j->len += 4;
  j->op_count++;
  j->seg_base = ix->count; /* the rebuilt slots are in the COMPACT op */
}

void ev__journal_note_renumbered(ev_index *ix) {
  struct ev_journal *j = ix->journal;
  if (!j) return;
  /* Nothing was pending (no marks, no ops): only the segment moves. */
  j->seg_base = ix->count;
  j->needs_snapshot = 1;
}

void ev__journal_free(ev_index *ix) {
  struct ev_journal *j = ix ? ix->journal : NULL;
  if (!j) return;
  free(j->ops);
  free(j->marks);
  free(j->kept0);
  free(j);
  ix->journal = NULL;
}

size_t ev__journal_bytes(const ev_index *ix) {
  const struct ev_journal *j = ix->journal;
  if (!j) return 0;
  return sizeof *j + j->cap + (size_t)j->marks_len * 3;
}

/* ---- public journal API (journal.h) -------------------------------------- */

ev_status ev_journal_enable(ev_index *ix, uint64_t last_seq) {
  if (!ix) return EV_ERR_INVALID_ARGUMENT;
  ev__journal_free(ix);
  struct ev_journal *j = calloc(1, sizeof *j);
  if (!j) return EV_ERR_OUT_OF_MEMORY;
  j->last_seq = last_seq;
  j->len = HDR;
  j->seg_base = ix->count;
  ix->journal = j;
  return EV_OK;
}

void ev_journal_disable(ev_index *ix) { ev__journal_free(ix); }

int ev_journal_enabled(const ev_index *ix) { return ix && ix->journal; }

uint64_t ev_journal_last_seq(const ev_index *ix) {
  return ix && ix->journal ? ix->journal->last_seq : 0;
}

size_t ev_journal_pending_bytes(const ev_index *ix) {
  return ix && ix->journal ? pending(ix) : 0;
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
  if (pending(ix) == 0) return EV_OK;
  if (j->needs_snapshot) return EV_ERR_INVALID_ARGUMENT;
  ev_status st = encode_graph(ix);
  if (st != EV_OK) return st;
  if (j->len > UINT32_MAX - EV_WAL_TRAILER_BYTES)
    return EV_ERR_CAPACITY; /* a record's length field is a u32 */
  st = ensure(j, EV_WAL_TRAILER_BYTES);
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

int ev_journal_needs_snapshot(const ev_index *ix) {
  return ix && ix->journal && ix->journal->needs_snapshot;
}

void ev_journal_snapshot_stored(ev_index *ix) {
  if (ix && ix->journal) ix->journal->needs_snapshot = 0;
}

ev_status ev_journal_snapshot_seq(const ev_index *ix, uint64_t *out_seq) {
  if (!ix || !out_seq) return EV_ERR_INVALID_ARGUMENT;
  *out_seq = 0;
  const struct ev_journal *j = ix->journal;
  if (!j) return EV_OK;
  if (pending(ix) || j->in_flight) return EV_ERR_INVALID_ARGUMENT;
  *out_seq = j->last_seq;
  return EV_OK;
}

/* ---- suspended during replay (wal.c) -------------------------------------- */

ev_status ev__journal_detach(ev_index *ix, struct ev_journal **out) {
  *out = NULL;
  if (!ix->journal) return EV_OK;
  ev_status st = encode_graph(ix);
  if (st != EV_OK) return st;
  *out = ix->journal;
  ix->journal = NULL;
  return EV_OK;
}

void ev__journal_attach(ev_index *ix, struct ev_journal *j) {
  ix->journal = j;
  if (j) j->seg_base = ix->count;
}
