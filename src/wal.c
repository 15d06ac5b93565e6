/*
 * wal.c — the write-ahead log's record format, its reader and its replay.
 *
 * Trade-off: the whole log is checked (framing, CRCs, sequence numbers, op
 * structure) before the first record is applied, so damage is reported
 * with nothing applied; that costs one extra CRC pass over the log. What a
 * GRAPH op says about the graph can only be checked against the index the
 * records before it leave, so that check runs as each op is applied (and
 * refuses the op whole); a CRC-valid record that fails it was written
 * wrong, not damaged, and the caller discards the index.
 *
 * ==========================================================================
 * LOG FORMAT, version 3 (version 2 is the same without the METADATA op,
 * version 1 also without the GRAPH op).
 * All integers little-endian, floats IEEE-754 binary32 little-endian. No
 * padding, no alignment.
 * ==========================================================================
 *
 * A log is a sequence of records written back to back (or stored one per
 * key and concatenated in sequence order for replay). One record = one
 * commit = every mutation made since the previous commit, in order.
 *
 * Record:
 *   off  size  field
 *   0    4     magic        "EVWL" (0x45 0x56 0x57 0x4C)
 *   4    4     record_len   bytes of the whole record, magic to CRC
 *                           inclusive; >= 36
 *   8    4     version      3 when the record holds a METADATA op, else 2
 *                           (this writer), or 1 (older writers); a reader
 *                           refuses a record of a greater version
 *                           (UNSUPPORTED_VERSION)
 *   12   4     flags        0; an unknown bit is refused
 *                           (UNSUPPORTED_VERSION)
 *   16   8     seq          sequence number, 1 for the first record ever
 *                           written, +1 for each record after it
 *   24   4     dimensions   of the index the record belongs to
 *   28   4     op_count     number of ops that follow
 *   32   ...   ops          op_count ops, see below
 *   len-4 4    crc32        CRC-32 (crc32.h) of bytes [0, record_len - 4)
 *
 * Op: u32 code, then its payload.
 *   1 INSERT   (written by version 1 only; still replayed)
 *              u32 n (>= 1), then n entries of
 *                (u64 id, dimensions x f32 vector)
 *              the ids actually used and the vectors as the caller passed
 *              them (before cosine normalisation). Applied as one insert
 *              batch, re-running the deterministic HNSW insert.
 *   2 DELETE   u32 n (>= 1), then n x u64 id. Applied as one delete batch
 *              (ids not found / already deleted are counted, not errors).
 *   3 COMPACT  no payload. Applied as a compaction's rebuild alone (a
 *              deterministic rebuild, never followed by reorder.c's order).
 *   4 GRAPH    (version >= 2) the inserts since the previous GRAPH op or
 *              COMPACT, as the state they left (wal_graph.c):
 *                u32 body_len (bytes that follow, >= 40), then the body:
 *                0   u32 first       slot of the first new node: the
 *                                    index's slot count when written
 *                4   u32 n_new       new nodes (>= 1), slots first..
 *                8   u32 n_marked    older nodes whose lists changed
 *                12  u32 entry       entry-point slot afterwards
 *                16  i32 max_level   its level (never lower than before)
 *                20  u32 auto_exhausted  0/1, as in the snapshot
 *                24  u64 next_auto_id    afterwards
 *                32  u64 rng_state       the level RNG afterwards
 *                40  n_new nodes, in slot order:
 *                      u64 id, u8 level (<= max_level), u8 deleted (0/1),
 *                      the payload (snapshot.c's VECTORS layout), with
 *                      keep_floats dimensions x f32 (FLOATS layout), then
 *                      for each level 0..level: u32 n (<= m0 on level 0,
 *                      <= m above), n x u32 neighbour slots
 *                    n_marked older nodes, slots strictly increasing:
 *                      u32 slot, u8 parts (1: its level-0 list changed,
 *                      2: its lists of levels 1..its level changed, 3:
 *                      both), u8 deleted (0/1; a deleted node stays
 *                      deleted), then
 *                      with part 1: u32 kept, then a list as above (u32 n,
 *                        n slots) of the links that follow the first
 *                        `kept` links the node's level-0 list holds before
 *                        the op (kept <= that count, kept + n <= m0; an
 *                        insert mostly appends one link, so this is short)
 *                      with part 2: the lists of levels 1..level, whole
 *              The body must be consumed exactly. Applying it checks, before
 *              changing anything, every rule the snapshot reader checks
 *              (link targets exist, reach the level, no self links or
 *              repeats; one live slot per id; ids below next_auto_id) and
 *              fails with CORRUPT otherwise. Deletes made in the same commit
 *              are also DELETE ops written before it; the flags agree.
 *   5 METADATA (version >= 3) the metadata of ids it changed:
 *              u32 n (>= 1), then n entries of
 *                (u64 id, u32 len, len bytes: the id's whole metadata
 *                record, the record format of metadata.h, canonical; 0 or
 *                a record of 0 fields = no metadata)
 *              Each record is checked (ev_meta_check) with the framing,
 *              before anything is applied. Applied by replacing each id's
 *              metadata; an id that is not live at that point makes the
 *              record CORRUPT (every id is looked up before any record is
 *              set), and so does a record that would take the index past
 *              its limit of distinct field names (found as it is set).
 *              The journal writes at most one, after the record's other
 *              ops: each id whose metadata changed since the last commit
 *              and is live at the commit, with its record at that moment
 *              (an id set and then deleted is left out: deleting it
 *              dropped its metadata); after a change it could not note by
 *              id (no memory), every live id instead.
 *   Any other code is refused (UNSUPPORTED_VERSION: a newer writer), and
 *   GRAPH in a version 1 record or METADATA in a version 1 or 2 record is
 *   CORRUPT. The ops must fill the record exactly up to the CRC.
 *
 * Validity: a record is intact iff its magic matches, record_len >= 36 and
 * fits in the bytes that remain, and the CRC matches. Then version, flags,
 * dimensions and op structure are checked; failing those in an intact
 * record is CORRUPT (or UNSUPPORTED_VERSION), never "end of log", because
 * a CRC-valid record was written that way on purpose.
 *
 * Reading a log from its start:
 *   - records with seq <= after_seq (the snapshot's wal_seq) are skipped
 *     (they are already in the snapshot); records must have strictly
 *     consecutive seqs, and the first applied one must be after_seq + 1:
 *     anything else is a gap (CORRUPT);
 *   - a record that is not intact ends the log: if no intact record can be
 *     found anywhere after its start (a scan for the magic at every byte
 *     offset, each candidate CRC-checked), it is a torn write and the log
 *     ends there (OK, torn_tail = 1, valid_bytes = its offset). If an
 *     intact record follows, with seq q: since seqs are consecutive, the
 *     damage can only hide records numbered below q and above the last
 *     record read before it; if all of those are <= after_seq (or there
 *     are none: q is the last one read + 1), nothing needed is lost and
 *     reading goes on from that record (the bytes skipped are reported as
 *     skipped_damage); otherwise CORRUPT (committed records were lost in
 *     the middle of the log).
 * ==========================================================================
 */
#include <stdlib.h>
#include <string.h>

#include "wal.h"

#include "bytes.h"
#include "crc32.h"
#include "index.h"
#include "journal.h"
#include "metadata.h"
#include "wal_graph.h"
#include "wal_record.h"

#define WAL_MAGIC 0x4C575645u /* "EVWL" read as a little-endian u32 */
#define WAL_MIN_RECORD (EV_WAL_HEADER_BYTES + EV_WAL_TRAILER_BYTES)

/* Bytes of one entry of an INSERT op: the id, then the vector. */
static uint64_t insert_entry_bytes(uint32_t dimensions) {
  return 8 + (uint64_t)dimensions * 4;
}

size_t ev__wal_frame_record(uint8_t *out, uint32_t version, uint64_t seq,
                            uint32_t dimensions, uint32_t op_count,
                            size_t ops_len) {
  size_t len = EV_WAL_HEADER_BYTES + ops_len + EV_WAL_TRAILER_BYTES;
  ev_le_put_u32(out, WAL_MAGIC);
  ev_le_put_u32(out + 4, (uint32_t)len);
  ev_le_put_u32(out + 8, version);
  ev_le_put_u32(out + 12, 0);
  ev_le_put_u64(out + 16, seq);
  ev_le_put_u32(out + 24, dimensions);
  ev_le_put_u32(out + 28, op_count);
  ev_le_put_u32(out + len - 4, ev_crc32(out, len - 4));
  return len;
}

/* Length of the intact record at p (n bytes available), or 0 with *reason
 * saying why it is not one. */
static size_t intact_record(const uint8_t *p, size_t n, uint32_t *reason) {
  if (n < 8) {
    *reason = (n >= 4 && ev_le_get_u32(p) != WAL_MAGIC) ? EV_REASON_BAD_MAGIC
                                                  : EV_REASON_TRUNCATED;
    return 0;
  }
  if (ev_le_get_u32(p) != WAL_MAGIC) {
    *reason = EV_REASON_BAD_MAGIC;
    return 0;
  }
  uint32_t len = ev_le_get_u32(p + 4);
  if (len < WAL_MIN_RECORD) {
    *reason = EV_REASON_INCONSISTENT;
    return 0;
  }
  if (len > n) {
    *reason = EV_REASON_TRUNCATED;
    return 0;
  }
  if (ev_crc32(p, len - 4) != ev_le_get_u32(p + len - 4)) {
    *reason = EV_REASON_CHECKSUM;
    return 0;
  }
  return len;
}

/* Offset of the first intact record at or after off (scanning byte by byte
 * past damage), with its length in *rlen; len when there is none. */
static size_t next_intact(const uint8_t *log, size_t len, size_t off,
                          size_t *rlen) {
  uint32_t ignore;
  for (; off + WAL_MIN_RECORD <= len; off++) {
    if (log[off] != 0x45) continue;
    *rlen = intact_record(log + off, len - off, &ignore);
    if (*rlen) return off;
  }
  *rlen = 0;
  return len;
}

/* Checks the framing of a METADATA op whose payload starts at *off (the
 * ops end at `end`) and every record in it; moves *off past it. On failure
 * *at is the offset of the entry at fault. */
static int metadata_op_ok(const uint8_t *p, size_t end, size_t *off,
                          size_t *at) {
  size_t o = *off;
  *at = o;
  if (end - o < 4) return 0;
  uint32_t n = ev_le_get_u32(p + o);
  o += 4;
  if (n == 0) return 0;
  for (uint32_t k = 0; k < n; k++) {
    *at = o;
    if (end - o < 12) return 0;
    uint32_t len = ev_le_get_u32(p + o + 8);
    if (len > end - o - 12) return 0;
    ev_meta_error me;
    if (len && ev_meta_check(p + o + 12, len, &me) != EV_OK) return 0;
    o += 12 + (size_t)len;
  }
  *off = o;
  return 1;
}

/* Checks the contents of an intact record; on success the ops are known to
 * be well-formed for `dims` (when non-zero). */
static ev_status check_record(const uint8_t *p, size_t len, uint32_t dims,
                              uint32_t *reason, size_t *where) {
  uint32_t version = ev_le_get_u32(p + 8);
  *where = 8;
  if (version == 0) {
    *reason = EV_REASON_BAD_VALUE;
    return EV_ERR_CORRUPT;
  }
  if (version > EV_WAL_VERSION) {
    *reason = EV_REASON_NEWER_VERSION;
    return EV_ERR_UNSUPPORTED_VERSION;
  }
  *where = 12;
  if (ev_le_get_u32(p + 12) != 0) {
    *reason = EV_REASON_UNKNOWN_FEATURE;
    return EV_ERR_UNSUPPORTED_VERSION;
  }
  uint32_t rdims = ev_le_get_u32(p + 24);
  *where = 24;
  if (rdims < EV_MIN_DIMENSIONS || rdims > EV_MAX_DIMENSIONS ||
      (dims && rdims != dims)) {
    *reason = EV_REASON_INCONSISTENT;
    return EV_ERR_CORRUPT;
  }
  uint32_t ops = ev_le_get_u32(p + 28);
  size_t off = EV_WAL_HEADER_BYTES, end = len - EV_WAL_TRAILER_BYTES;
  uint64_t row = insert_entry_bytes(rdims);
  for (uint32_t i = 0; i < ops; i++) {
    *where = off;
    if (end - off < 4) {
      *reason = EV_REASON_INCONSISTENT;
      return EV_ERR_CORRUPT;
    }
    uint32_t code = ev_le_get_u32(p + off);
    off += 4;
    if (code == EV_WAL_OP_COMPACT) continue;
    if (code == EV_WAL_OP_METADATA) {
      if (version < 3) {
        *reason = EV_REASON_BAD_VALUE;
        return EV_ERR_CORRUPT;
      }
      size_t at = off;
      if (!metadata_op_ok(p, end, &off, &at)) {
        *where = at;
        *reason = EV_REASON_INCONSISTENT;
        return EV_ERR_CORRUPT;
      }
      continue;
    }
    if (code == EV_WAL_OP_GRAPH) {
      /* Framing only here; the body is checked against the index when it
       * is applied (wal_graph.c). */
      size_t body = end - off >= 4 ? ev_le_get_u32(p + off) : 0;
      if (version < 2 || body < EV_GRAPH_HEAD_BYTES ||
          body > end - off - 4) {
        *reason = version < 2 ? EV_REASON_BAD_VALUE : EV_REASON_INCONSISTENT;
        return EV_ERR_CORRUPT;
      }
      off += 4 + body;
      continue;
    }
    if (code != EV_WAL_OP_INSERT && code != EV_WAL_OP_DELETE) {
      *reason = EV_REASON_UNKNOWN_FEATURE;
      return EV_ERR_UNSUPPORTED_VERSION;
    }
    if (end - off < 4) {
      *reason = EV_REASON_INCONSISTENT;
      return EV_ERR_CORRUPT;
    }
    uint64_t n = ev_le_get_u32(p + off);
    off += 4;
    uint64_t bytes = n * (code == EV_WAL_OP_INSERT ? row : 8);
    if (n == 0 || bytes > end - off) {
      *reason = EV_REASON_INCONSISTENT;
      return EV_ERR_CORRUPT;
    }
    off += (size_t)bytes;
  }
  *where = off;
  if (off != end) {
    *reason = EV_REASON_INCONSISTENT;
    return EV_ERR_CORRUPT;
  }
  return EV_OK;
}

static void fail(ev_wal_replay_result *r, ev_status st, uint32_t reason,
                 size_t offset) {
  r->error.status = st;
  r->error.section = 0;
  r->error.reason = reason;
  r->error.offset = offset;
}

/* The check behind ev_wal_check and ev_wal_replay; *apply_from gets the
 * offset of the first record to apply (valid_bytes when there is none). */
static ev_status check_log(const uint8_t *log, size_t len, uint64_t after_seq,
                           uint32_t dims, ev_wal_replay_result *r,
                           size_t *apply_from) {
  memset(r, 0, sizeof *r);
  *apply_from = (size_t)-1;
  r->last_seq = after_seq;
  if (!log && len) {
    fail(r, EV_ERR_INVALID_ARGUMENT, EV_REASON_NONE, 0);
    return EV_ERR_INVALID_ARGUMENT;
  }
  size_t off = 0;
  int have_prev = 0;
  uint64_t prev = 0;
  while (off < len) {
    uint32_t reason = 0;
    size_t rlen = intact_record(log + off, len - off, &reason);
    if (!rlen) {
      /* Not intact: a torn tail, unless an intact record follows. */
      size_t next_len;
      size_t next = next_intact(log, len, off + 1, &next_len);
      if (next == len) {
        r->torn_tail = 1;
        r->tail_reason = reason;
        break;
      }
      /* Sequence numbers are consecutive, so the damage can only have
       * hidden records numbered between the last one read (or after_seq)
       * and the intact one that follows. None of those needed: skip the
       * damage. Otherwise committed records were lost: corruption. */
      uint64_t known = have_prev && prev > after_seq ? prev : after_seq;
      if (ev_le_get_u64(log + next + 16) > known + 1) {
        fail(r, EV_ERR_CORRUPT, reason, off);
        return EV_ERR_CORRUPT;
      }
      have_prev = 0; /* the next record need not follow the last one */
      r->skipped_damage += next - off;
      off = next;
      continue;
    }
    size_t where = 0;
    ev_status st = check_record(log + off, rlen, dims, &reason, &where);
    if (st != EV_OK) {
      fail(r, st, reason, off + where);
      return st;
    }
    uint64_t seq = ev_le_get_u64(log + off + 16);
    if (have_prev && seq != prev + 1) {
      fail(r, EV_ERR_CORRUPT, EV_REASON_SEQUENCE_GAP, off + 16);
      return EV_ERR_CORRUPT;
    }
    if (seq > after_seq) {
      if (seq != r->last_seq + 1) {
        fail(r, EV_ERR_CORRUPT, EV_REASON_SEQUENCE_GAP, off + 16);
        return EV_ERR_CORRUPT;
      }
      if (*apply_from == (size_t)-1) *apply_from = off;
      r->last_seq = seq;
      r->records_applied++;
    } else {
      r->records_skipped++;
    }
    have_prev = 1;
    prev = seq;
    off += rlen;
    r->valid_bytes = off;
  }
  if (*apply_from == (size_t)-1) *apply_from = r->valid_bytes;
  return EV_OK;
}

ev_status ev_wal_check(const uint8_t *log, size_t len, uint64_t after_seq,
                       uint32_t dims, ev_wal_replay_result *result) {
  ev_wal_replay_result ignored;
  size_t apply_from;
  return check_log(log, len, after_seq, dims, result ? result : &ignored,
                   &apply_from);
}

/* The ops of a checked record. Each takes the bytes after its code at
 * p + *off, moves *off past its payload, and applies it. */
static ev_status apply_delete(ev_index *ix, const uint8_t *p, size_t *off) {
  size_t n = ev_le_get_u32(p + *off);
  const uint8_t *entries = p + *off + 4;
  *off += 4 + n * 8;
  ev_status st = EV_ERR_OUT_OF_MEMORY;
  uint64_t *ids = malloc(n * sizeof *ids);
  if (ids) {
    for (size_t k = 0; k < n; k++) ids[k] = ev_le_get_u64(entries + 8 * k);
    ev_batch_delete_result res;
    st = ev_soft_delete_batch(ix, ids, n, &res);
  }
  free(ids);
  return st;
}

static ev_status apply_insert(ev_index *ix, const uint8_t *p, size_t *off) {
  size_t n = ev_le_get_u32(p + *off);
  size_t row = (size_t)insert_entry_bytes(ix->dim);
  const uint8_t *entries = p + *off + 4;
  *off += 4 + n * row;
  ev_status st = EV_ERR_OUT_OF_MEMORY;
  uint64_t *ids = malloc(n * sizeof *ids);
  float *vecs = malloc(n * ix->dim * sizeof *vecs);
  if (ids && vecs) {
    for (size_t k = 0; k < n; k++) {
      ids[k] = ev_le_get_u64(entries + k * row);
      ev_le_get_words(vecs + k * ix->dim, entries + k * row + 8, ix->dim);
    }
    size_t inserted = 0;
    st = ev_insert_batch(ix, vecs, n, ix->dim, ids, NULL, NULL, NULL,
                         &inserted, NULL);
    if (st == EV_OK && inserted != n) st = EV_ERR_CORRUPT;
  }
  free(ids);
  free(vecs);
  return st;
}

/* A METADATA op (its records were checked with the framing). Every id
 * must be live: all are looked up before anything changes. The index-wide
 * limit of distinct field names depends on what the index holds, so it is
 * checked by the setting itself; a refusal part-way leaves some records
 * applied, and replay reports CORRUPT and the caller discards the index. */
static ev_status apply_metadata(ev_index *ix, const uint8_t *p, size_t *off,
                                size_t *where) {
  size_t n = ev_le_get_u32(p + *off), o = *off + 4;
  for (size_t k = 0; k < n; k++) {
    if (ev__live_slot(ix, ev_le_get_u64(p + o)) == EV_NO_SLOT) {
      *where = o;
      return EV_ERR_CORRUPT;
    }
    o += 12 + (size_t)ev_le_get_u32(p + o + 8);
  }
  o = *off + 4;
  for (size_t k = 0; k < n; k++) {
    uint32_t slot = ev__live_slot(ix, ev_le_get_u64(p + o));
    size_t len = ev_le_get_u32(p + o + 8);
    ev_status st = ev__meta_slot_set(ix, slot, p + o + 12, len);
    if (st != EV_OK) {
      *where = o;
      return st == EV_ERR_OUT_OF_MEMORY ? st : EV_ERR_CORRUPT;
    }
    o += 12 + len;
  }
  *off = o;
  return EV_OK;
}

/* A GRAPH op that breaks a rule points *where at the problem. */
static ev_status apply_graph(ev_index *ix, const uint8_t *p, size_t *off,
                             size_t *where) {
  size_t body = ev_le_get_u32(p + *off), bad = 0;
  ev_status st = ev__graph_op_apply(ix, p + *off + 4, body, &bad);
  if (st == EV_ERR_CORRUPT) *where = *off + 4 + bad;
  *off += 4 + body;
  return st;
}

/* Applies the ops of one checked record in order; *where is the offset of
 * the op (or the problem) where it stopped. */
static ev_status apply_record(ev_index *ix, const uint8_t *p, size_t *where) {
  uint32_t ops = ev_le_get_u32(p + 28);
  size_t off = EV_WAL_HEADER_BYTES;
  ev_status st = EV_OK;
  for (uint32_t i = 0; i < ops && st == EV_OK; i++) {
    *where = off;
    uint32_t code = ev_le_get_u32(p + off);
    off += 4;
    switch (code) {
      case EV_WAL_OP_COMPACT: st = ev__compact_rebuild(ix); break;
      case EV_WAL_OP_GRAPH: st = apply_graph(ix, p, &off, where); break;
      case EV_WAL_OP_DELETE: st = apply_delete(ix, p, &off); break;
      case EV_WAL_OP_METADATA: st = apply_metadata(ix, p, &off, where); break;
      default: st = apply_insert(ix, p, &off); /* check_record allows no other */
    }
  }
  return st;
}

ev_status ev_wal_replay(ev_index *ix, const uint8_t *log, size_t len,
                        uint64_t after_seq, ev_wal_replay_result *result) {
  ev_wal_replay_result ignored;
  ev_wal_replay_result *r = result ? result : &ignored;
  if (!ix) {
    memset(r, 0, sizeof *r);
    fail(r, EV_ERR_INVALID_ARGUMENT, EV_REASON_NONE, 0);
    return EV_ERR_INVALID_ARGUMENT;
  }
  size_t off = 0;
  ev_status st = check_log(log, len, after_seq, ix->dim, r, &off);
  if (st != EV_OK) return st;

  /* The check found the way through; walk it again (damage it allowed is
   * skipped the same way) and apply the records after after_seq. */
  struct ev_journal *j;
  st = ev__journal_detach(ix, &j);
  if (st != EV_OK) {
    fail(r, st, EV_REASON_OUT_OF_MEMORY, 0);
    return st;
  }
  uint64_t applied_seq = after_seq;
  while (off < r->valid_bytes) {
    size_t rlen;
    off = next_intact(log, r->valid_bytes, off, &rlen);
    if (off >= r->valid_bytes) break;
    uint64_t seq = ev_le_get_u64(log + off + 16);
    if (seq > after_seq) {
      size_t where = 0;
      st = apply_record(ix, log + off, &where);
      if (st != EV_OK) {
        uint32_t reason = st == EV_ERR_OUT_OF_MEMORY ? EV_REASON_OUT_OF_MEMORY
                                                     : EV_REASON_REPLAY_FAILED;
        if (st != EV_ERR_OUT_OF_MEMORY) st = EV_ERR_CORRUPT;
        r->last_seq = applied_seq;
        fail(r, st, reason, off + where);
        break;
      }
      applied_seq = seq;
    }
    off += rlen;
  }
  ev__journal_attach(ix, j);
  return st;
}
