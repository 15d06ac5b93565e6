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
 * Metadata changes are kept as the ids they touched (ev__journal_note_meta)
 * and written at the commit as one METADATA op after the others, with each
 * id's record as it is then: a commit needs only the latest record of an
 * id, and an id deleted since holds none (its DELETE op dropped it).
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
#include "metadata.h"
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
  /* Ids whose metadata changed since the last durable commit, repeats
   * allowed until they are sorted out (at a commit, or before the array
   * grows). While a commit is in flight its first meta_sealed entries are
   * the ones it wrote, in its METADATA op at meta_op_at (0: it has none). */
  uint64_t *meta_ids;
  size_t meta_len, meta_cap, meta_sealed;
  size_t meta_op_at;
  /* An id could not be noted (no memory): the next METADATA op holds every
   * live id instead (meta_all_sealed: the one in flight does). */
  int meta_all, meta_all_sealed;
};

static int graph_pending(const ev_index *ix) {
  return ix->count > ix->journal->seg_base;
}

static size_t pending(const ev_index *ix) {
  const struct ev_journal *j = ix->journal;
  size_t ops = j->len - HDR - (j->in_flight ? EV_WAL_TRAILER_BYTES : 0);
  /* The GRAPH op: at least a byte; a METADATA entry: at least 12. */
  return ops + (graph_pending(ix) ? 1 : 0) + (j->meta_len - j->meta_sealed) * 12 +
         (j->meta_all ? 12 : 0);
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

static int id_order(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Sorts the ids not in a commit in flight and drops the repeats. */
static void meta_ids_unique(struct ev_journal *j) {
  size_t n = j->meta_len - j->meta_sealed, kept = 0;
  if (n < 2) return;
  uint64_t *ids = j->meta_ids + j->meta_sealed;
  qsort(ids, n, sizeof *ids, id_order);
  for (size_t i = 0; i < n; i++)
    if (kept == 0 || ids[i] != ids[kept - 1]) ids[kept++] = ids[i];
  j->meta_len = j->meta_sealed + kept;
}

ev_status ev__journal_reserve_meta(ev_index *ix, size_t n) {
  struct ev_journal *j = ix->journal;
  if (!j || n <= j->meta_cap - j->meta_len) return EV_OK;
  /* The same ids set again and again need no more room. */
  meta_ids_unique(j);
  if (n <= j->meta_cap - j->meta_len) return EV_OK;
  if (n > SIZE_MAX / sizeof(uint64_t) / 2 - j->meta_len)
    return EV_ERR_OUT_OF_MEMORY;
  size_t cap = j->meta_cap ? j->meta_cap * 2 : 16;
  if (cap < j->meta_len + n) cap = j->meta_len + n;
  uint64_t *p = realloc(j->meta_ids, cap * sizeof *p);
  if (!p) return EV_ERR_OUT_OF_MEMORY;
  j->meta_ids = p;
  j->meta_cap = cap;
  return EV_OK;
}

void ev__journal_note_meta(ev_index *ix, uint64_t id) {
  struct ev_journal *j = ix->journal;
  if (!j) return;
  /* Without room reserved before the change (ev__journal_reserve_meta)
   * the note takes it here; if that fails the change must still reach the
   * log, so the next commit writes the metadata of every live id. */
  if (ev__journal_reserve_meta(ix, 1) != EV_OK) {
    ev__journal_note_meta_all(ix);
    return;
  }
  j->meta_ids[j->meta_len++] = id;
}

void ev__journal_note_meta_all(ev_index *ix) {
  if (ix->journal) ix->journal->meta_all = 1;
}

/* Bytes of an id's METADATA entry: id, length, the record (none when it
 * has no metadata: a cleared record is written as length 0). */
static size_t meta_entry_bytes(const ev_index *ix, uint32_t slot) {
  return 12 + (ev__meta_slot_has(ix, slot) ? ev__meta_slot_bytes(ix, slot) : 0);
}

/* The slot of the i-th id of the METADATA op, or EV_NO_SLOT to leave it
 * out: the touched ids that are live, or with meta_all every live slot. */
static uint32_t meta_op_slot(const ev_index *ix, size_t i) {
  const struct ev_journal *j = ix->journal;
  if (j->meta_all) return ix->deleted[i] ? EV_NO_SLOT : (uint32_t)i;
  return ev__live_slot(ix, j->meta_ids[i]);
}

/* Encodes the METADATA op of the ids touched since the last commit that
 * are live now, with `extra` more bytes of room after it; sets meta_op_at
 * (0 when no id is live, and then no op is written). Not in flight. */
static ev_status encode_metadata(ev_index *ix, size_t extra) {
  struct ev_journal *j = ix->journal;
  j->meta_op_at = 0;
  meta_ids_unique(j);
  size_t bytes = 8, live = 0;
  size_t candidates = j->meta_all ? ix->count : j->meta_len;
  for (size_t i = 0; i < candidates; i++) {
    uint32_t slot = meta_op_slot(ix, i);
    if (slot == EV_NO_SLOT) continue;
    bytes += meta_entry_bytes(ix, slot);
    live++;
  }
  if (live == 0) return ensure(j, extra);
  if (bytes > UINT32_MAX) return EV_ERR_CAPACITY; /* a record is < 4 GiB */
  ev_status st = ensure(j, bytes + extra);
  if (st != EV_OK) return st;
  j->meta_op_at = j->len;
  begin_op(j, EV_WAL_OP_METADATA, (uint32_t)live);
  for (size_t i = 0; i < candidates; i++) {
    uint32_t slot = meta_op_slot(ix, i);
    if (slot == EV_NO_SLOT) continue;
    uint8_t *e = j->ops + j->len;
    size_t len = meta_entry_bytes(ix, slot) - 12;
    ev_le_put_u64(e, ix->ext_ids[slot]);
    ev_le_put_u32(e + 8, (uint32_t)len);
    if (len) ev__meta_slot_encode(ix, slot, e + 12);
    j->len += 12 + len;
  }
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
  /* The snapshot of the new numbering takes a sequence number no record
   * has (journal.h says why), unless one is still waiting to be stored:
   * then that one is replaced and keeps its number. */
  if (!j->needs_snapshot) j->last_seq++;
  j->needs_snapshot = 1;
}

void ev__journal_free(ev_index *ix) {
  struct ev_journal *j = ix ? ix->journal : NULL;
  if (!j) return;
  free(j->ops);
  free(j->marks);
  free(j->kept0);
  free(j->meta_ids);
  free(j);
  ix->journal = NULL;
}

size_t ev__journal_bytes(const ev_index *ix) {
  const struct ev_journal *j = ix->journal;
  if (!j) return 0;
  return sizeof *j + j->cap + (size_t)j->marks_len * 3 +
         j->meta_cap * sizeof *j->meta_ids;
}

/* Takes a METADATA op that a failed begin_commit wrote back out. */
static void drop_metadata_op(struct ev_journal *j) {
  if (!j->meta_op_at) return;
  j->len = j->meta_op_at;
  j->op_count--;
  j->meta_op_at = 0;
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
  /* The METADATA op goes last, with room for the CRC after it. */
  st = encode_metadata(ix, EV_WAL_TRAILER_BYTES);
  if (st == EV_OK && j->len > UINT32_MAX - EV_WAL_TRAILER_BYTES)
    st = EV_ERR_CAPACITY; /* a record's length field is a u32 */
  if (st != EV_OK) {
    drop_metadata_op(j);
    return st;
  }
  if (j->op_count == 0) {
    /* Only metadata of ids deleted since: nothing to write. */
    j->meta_len = 0;
    j->meta_all = 0;
    return EV_OK;
  }
  uint64_t seq = j->last_seq + 1;
  size_t len = ev__wal_frame_record(
      j->ops, j->meta_op_at ? EV_WAL_VERSION : EV_WAL_VERSION_PLAIN, seq,
      ix->dim, j->op_count, j->len - HDR);
  j->in_flight = 1;
  j->sealed_end = j->len;
  j->sealed_ops = j->op_count;
  j->meta_sealed = j->meta_len;
  j->meta_all_sealed = j->meta_all;
  j->meta_all = 0;
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
    /* The ids it wrote are stored; those touched since stay. */
    if (j->meta_sealed) {
      memmove(j->meta_ids, j->meta_ids + j->meta_sealed,
              (j->meta_len - j->meta_sealed) * sizeof *j->meta_ids);
      j->meta_len -= j->meta_sealed;
    }
  } else {
    /* Drop the CRC and the METADATA op: the sealed ops and those since are
     * pending again, and every touched id goes into the next METADATA op
     * (written after all of them, with the records as they will be). */
    size_t keep_end = j->meta_op_at ? j->meta_op_at : j->sealed_end;
    memmove(j->ops + keep_end, j->ops + after, since);
    j->len = keep_end + since;
    if (j->meta_op_at) j->op_count--;
    j->meta_all |= j->meta_all_sealed;
  }
  j->meta_all_sealed = 0;
  j->meta_sealed = 0;
  j->meta_op_at = 0;
  j->in_flight = 0;
  j->sealed_end = 0;
  j->sealed_ops = 0;
  if (j->len == HDR && j->cap > JOURNAL_KEEP_BYTES) {
    free(j->ops);
    j->ops = NULL;
    j->cap = 0;
  }
  if (j->meta_len == 0 && j->meta_cap * sizeof *j->meta_ids > JOURNAL_KEEP_BYTES) {
    free(j->meta_ids);
    j->meta_ids = NULL;
    j->meta_cap = 0;
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
