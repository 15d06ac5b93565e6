/*
 * wal_graph.c — the GRAPH op of the write-ahead log (format in wal.c): a
 * commit's inserts written as the graph state they produced, and its
 * checked application onto an index.
 *
 * Why: re-running the HNSW inserts of a log costs what the inserts cost (a
 * graph search per vector), so reopening after many logged inserts took as
 * long as inserting them again. Writing down the outcome — each new node
 * with its links, and the links that older nodes gained — lets replay copy
 * lists instead of searching the graph.
 * An older node's level-0 list is written as the links after the ones it
 * kept in place: a back link is appended (one link) far more often than
 * the list is re-selected (written whole); upper-level lists, which change
 * rarely, are written whole. Trade-off: a commit of inserts into a large
 * index still writes more than its vectors (record sizes and replay times:
 * bench/results/api.md).
 *
 * The writer (journal.c) calls ev__graph_op_size and ev__graph_op_write at
 * a commit or before a compaction, with the slots inserted since the last
 * such point and the marks of older slots whose lists changed.
 *
 * The reader trusts nothing a CRC-valid record says about the graph: it
 * checks everything the snapshot reader checks (snapshot.c) before changing
 * anything, so an index that replayed a log always saves a snapshot that
 * loads.
 */
#include <stdlib.h>
#include <string.h>

#include "wal_graph.h"

#include "bytes.h"
#include "index.h"
#include "quantize.h"
#include "wal_record.h"

/* Bytes of a new node's entry before its lists: id, level, deleted flag,
 * payload and (keep_floats) the f32 vector. */
static size_t new_entry_bytes(const ev_index *ix) {
  return 10 + ix->payload_bytes + (ix->floats ? 4 * (size_t)ix->dim : 0);
}

/* ---- writing -------------------------------------------------------------- */

static size_t lists_bytes(const ev_index *ix, uint32_t slot, int from, int to) {
  size_t bytes = 0;
  for (int l = from; l <= to; l++) bytes += 4 + 4 * (size_t)ev__links(ix, slot, l)[0];
  return bytes;
}

static uint8_t *put_lists(const ev_index *ix, uint32_t slot, int from, int to,
                          uint8_t *p) {
  for (int l = from; l <= to; l++) {
    const uint32_t *links = ev__links(ix, slot, l);
    ev_le_put_words(p, links, 1 + (size_t)links[0]);
    p += 4 + 4 * (size_t)links[0];
  }
  return p;
}

/* The top level of a marked slot's upper lists in the record (0: none). */
static int upper_to(const ev_index *ix, uint32_t slot, uint8_t mark) {
  return mark & EV_MARK_UPPER ? ix->levels[slot] : 0;
}

/* Leading level-0 links of a marked slot left out of the record. */
static uint32_t kept_links(const ev_index *ix, const ev_graph_marks *marks,
                           uint32_t slot) {
  uint32_t kept = marks->kept0[slot];
  return kept <= ev__links0(ix, slot)[0] ? kept : 0;
}

static size_t marked_bytes(const ev_index *ix, const ev_graph_marks *marks,
                           uint32_t slot, uint8_t mark) {
  size_t bytes = 6 + lists_bytes(ix, slot, 1, upper_to(ix, slot, mark));
  if (mark & EV_MARK_LEVEL0)
    bytes += 8 + 4 * (size_t)(ev__links0(ix, slot)[0] - kept_links(ix, marks, slot));
  return bytes;
}

size_t ev__graph_op_size(const ev_index *ix, uint32_t first,
                         const ev_graph_marks *marks) {
  size_t bytes = 8 + EV_GRAPH_HEAD_BYTES;
  size_t fixed = new_entry_bytes(ix);
  for (uint32_t s = first; s < ix->count; s++)
    bytes += fixed + lists_bytes(ix, s, 0, ix->levels[s]);
  for (uint32_t s = marks->lo; s < marks->hi; s++)
    if (marks->bits[s]) bytes += marked_bytes(ix, marks, s, marks->bits[s]);
  return bytes;
}

size_t ev__graph_op_write(const ev_index *ix, uint32_t first,
                          const ev_graph_marks *marks, uint8_t *out) {
  uint8_t *p = out + 8;
  ev_le_put_u32(p, first);
  ev_le_put_u32(p + 4, ix->count - first);
  ev_le_put_u32(p + 8, marks->count);
  ev_le_put_u32(p + 12, ix->entry);
  ev_le_put_u32(p + 16, (uint32_t)ix->max_level);
  ev_le_put_u32(p + 20, (uint32_t)ix->auto_ids_exhausted);
  ev_le_put_u64(p + 24, ix->next_auto_id);
  ev_le_put_u64(p + 32, ix->rng_state);
  p += EV_GRAPH_HEAD_BYTES;
  for (uint32_t s = first; s < ix->count; s++) {
    ev_le_put_u64(p, ix->ext_ids[s]);
    p[8] = ix->levels[s];
    p[9] = ix->deleted[s];
    p += 10;
    ev__payload_to_le(ix, p, ev__payload(ix, s));
    p += ix->payload_bytes;
    if (ix->floats) {
      ev_le_put_words(p, ix->floats + (size_t)s * ix->dim, ix->dim);
      p += 4 * (size_t)ix->dim;
    }
    p = put_lists(ix, s, 0, ix->levels[s], p);
  }
  for (uint32_t s = marks->lo; s < marks->hi; s++) {
    uint8_t mark = marks->bits[s];
    if (!mark) continue;
    ev_le_put_u32(p, s);
    p[4] = mark;
    p[5] = ix->deleted[s];
    p += 6;
    if (mark & EV_MARK_LEVEL0) {
      const uint32_t *links = ev__links0(ix, s);
      uint32_t kept = kept_links(ix, marks, s), tail = links[0] - kept;
      ev_le_put_u32(p, kept);
      ev_le_put_u32(p + 4, tail);
      ev_le_put_words(p + 8, links + 1 + kept, tail);
      p += 8 + 4 * (size_t)tail;
    }
    p = put_lists(ix, s, 1, upper_to(ix, s, mark), p);
  }
  size_t len = (size_t)(p - out);
  ev_le_put_u32(out, EV_WAL_OP_GRAPH);
  ev_le_put_u32(out + 4, (uint32_t)(len - 8));
  return len;
}

/* ---- reading -------------------------------------------------------------- */

typedef struct graph_head {
  uint32_t first, n_new, n_marked, entry, exhausted;
  int max_level;
  uint64_t next_auto_id, rng_state;
} graph_head;

/* A cursor over the op body; `bad` is where the first problem was found. */
typedef struct cursor {
  const uint8_t *p;
  size_t len, off, bad;
} cursor;

static int fail_at(cursor *c, size_t off) {
  c->bad = off;
  return 0;
}

/* Skips one list (u32 n <= cap, then n words) after checking its framing. */
static int skip_list(cursor *c, uint32_t cap) {
  if (c->len - c->off < 4) return fail_at(c, c->off);
  uint32_t n = ev_le_get_u32(c->p + c->off);
  if (n > cap || (c->len - c->off - 4) / 4 < n) return fail_at(c, c->off);
  c->off += 4 + 4 * (size_t)n;
  return 1;
}

/* Checks the targets of one framed list of `slot` at `level` (the rule is
 * ev__links_ok's), which follows the first `kept` links of the slot's list
 * in the index, and moves past it. */
static int check_targets(ev_index *ix, cursor *c, uint32_t slot, int level,
                         uint32_t total, uint32_t kept) {
  const uint8_t *list = c->p + c->off;
  uint32_t bad = 0;
  int ok = ev__links_ok(ix, slot, level, ix->levels, total, kept, list, &bad);
  if (!ok) fail_at(c, c->off + 4 * (size_t)bad);
  c->off += 4 + 4 * (size_t)ev_le_get_u32(list);
  return ok;
}

static int read_head(const ev_index *ix, cursor *c, graph_head *h) {
  if (c->len < EV_GRAPH_HEAD_BYTES) return fail_at(c, 0);
  const uint8_t *p = c->p;
  h->first = ev_le_get_u32(p);
  h->n_new = ev_le_get_u32(p + 4);
  h->n_marked = ev_le_get_u32(p + 8);
  h->entry = ev_le_get_u32(p + 12);
  h->max_level = (int)ev_le_get_u32(p + 16);
  h->exhausted = ev_le_get_u32(p + 20);
  h->next_auto_id = ev_le_get_u64(p + 24);
  h->rng_state = ev_le_get_u64(p + 32);
  c->off = EV_GRAPH_HEAD_BYTES;
  /* Counts are bounded by the bytes that must hold them (a new slot takes
   * at least 14, a marked one 10) before anything is sized by them. */
  size_t room = c->len - EV_GRAPH_HEAD_BYTES;
  size_t new_min = new_entry_bytes(ix) + 4;
  if (h->n_new > room / new_min) return fail_at(c, 4);
  if (h->n_marked > room / 10) return fail_at(c, 8);
  /* The op extends the index exactly where it ended when it was written. */
  if (h->first != ix->count) return fail_at(c, 0);
  if (h->n_new == 0 || h->n_new > EV_MAX_SLOTS - ix->count) return fail_at(c, 4);
  if (h->n_marked > ix->count) return fail_at(c, 8);
  if (h->entry >= ix->count + h->n_new) return fail_at(c, 12);
  /* Levels only grow, and the automatic id sequence only advances. */
  if (h->max_level < ix->max_level || h->max_level > EV_MAX_LEVEL ||
      h->max_level < 0)
    return fail_at(c, 16);
  if (h->exhausted > 1 || (int)h->exhausted < ix->auto_ids_exhausted)
    return fail_at(c, 20);
  if (!h->exhausted && h->next_auto_id < ix->next_auto_id) return fail_at(c, 24);
  return 1;
}

/* First pass over the new slots: framing, level, flag, payload, floats,
 * id range. Their levels and flags go to ix->levels / ix->deleted past
 * ix->count (capacity is ensured), where the link checks can find them;
 * nothing at or below count is touched. Their ids go to `ids`, for the
 * one-live-slot-per-id check. */
typedef struct id_at {
  uint64_t id;
  uint32_t slot;
  size_t off; /* of the entry in the op body */
} id_at;

static int scan_new(ev_index *ix, cursor *c, const graph_head *h, id_at *ids) {
  size_t fixed = new_entry_bytes(ix);
  for (uint32_t i = 0; i < h->n_new; i++) {
    if (c->len - c->off < fixed) return fail_at(c, c->off);
    const uint8_t *q = c->p + c->off;
    uint64_t id = ev_le_get_u64(q);
    if (!ev__id_within_sequence(id, h->next_auto_id, (int)h->exhausted))
      return fail_at(c, c->off);
    if (q[8] > h->max_level) return fail_at(c, c->off + 8);
    if (q[9] > 1) return fail_at(c, c->off + 9);
    if (!ev__payload_ok(ix, q + 10)) return fail_at(c, c->off + 10);
    if (ix->floats && !ev_le_finite_words(q + 10 + ix->payload_bytes, ix->dim))
      return fail_at(c, c->off + 10 + ix->payload_bytes);
    ix->levels[ix->count + i] = q[8];
    ix->deleted[ix->count + i] = q[9];
    ids[i] = (id_at){id, ix->count + i, c->off};
    c->off += fixed;
    for (int l = 0; l <= q[8]; l++)
      if (!skip_list(c, ev__list_cap(ix, l))) return 0;
  }
  return 1;
}

/* First pass over the marked older slots: framing, increasing slots, the
 * lists they may carry. A deleted node is never revived. The slots whose
 * record flag deletes them go to `deleting` (increasing). */
static int scan_marked(ev_index *ix, cursor *c, const graph_head *h,
                       uint32_t *deleting, uint32_t *n_deleting) {
  *n_deleting = 0;
  uint32_t prev = 0;
  for (uint32_t i = 0; i < h->n_marked; i++) {
    if (c->len - c->off < 6) return fail_at(c, c->off);
    const uint8_t *q = c->p + c->off;
    uint32_t s = ev_le_get_u32(q);
    uint8_t mark = q[4], del = q[5];
    if (s >= ix->count || (i > 0 && s <= prev)) return fail_at(c, c->off);
    if (mark == 0 || mark > (EV_MARK_LEVEL0 | EV_MARK_UPPER) ||
        (mark & EV_MARK_UPPER && ix->levels[s] == 0))
      return fail_at(c, c->off + 4);
    if (del > 1 || (ix->deleted[s] && !del)) return fail_at(c, c->off + 5);
    if (del && !ix->deleted[s]) deleting[(*n_deleting)++] = s;
    prev = s;
    c->off += 6;
    if (mark & EV_MARK_LEVEL0) {
      /* The links kept in place must exist; kept + tail fits the list. */
      if (c->len - c->off < 8) return fail_at(c, c->off);
      uint32_t kept = ev_le_get_u32(c->p + c->off);
      if (kept > ev__links0(ix, s)[0]) return fail_at(c, c->off);
      c->off += 4;
      if (!skip_list(c, ix->m0 - kept)) return 0;
    }
    for (int l = 1; l <= upper_to(ix, s, mark); l++)
      if (!skip_list(c, ev__list_cap(ix, l))) return 0;
  }
  if (c->off != c->len) return fail_at(c, c->off);
  return 1;
}

/* Second pass: every link target, now that every level is known. */
static int check_all_targets(ev_index *ix, cursor *c, const graph_head *h) {
  uint32_t total = ix->count + h->n_new;
  size_t fixed = new_entry_bytes(ix);
  c->off = EV_GRAPH_HEAD_BYTES;
  for (uint32_t i = 0; i < h->n_new; i++) {
    uint32_t s = ix->count + i;
    c->off += fixed;
    for (int l = 0; l <= ix->levels[s]; l++)
      if (!check_targets(ix, c, s, l, total, 0)) return 0;
  }
  for (uint32_t i = 0; i < h->n_marked; i++) {
    uint32_t s = ev_le_get_u32(c->p + c->off);
    uint8_t mark = c->p[c->off + 4];
    c->off += 6;
    if (mark & EV_MARK_LEVEL0) {
      uint32_t kept = ev_le_get_u32(c->p + c->off);
      c->off += 4;
      if (!check_targets(ix, c, s, 0, total, kept)) return 0;
    }
    for (int l = 1; l <= upper_to(ix, s, mark); l++)
      if (!check_targets(ix, c, s, l, total, 0)) return 0;
  }
  return 1;
}

static int by_id_then_slot(const void *a, const void *b) {
  const id_at *x = a, *y = b;
  if (x->id != y->id) return x->id < y->id ? -1 : 1;
  return x->slot < y->slot ? -1 : (x->slot > y->slot);
}

static int is_listed(const uint32_t *sorted, uint32_t n, uint32_t slot) {
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (sorted[mid] == slot) return 1;
    if (sorted[mid] < slot) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

/* One live slot per id afterwards: of the slots holding an id (older ones
 * through the id map, new ones from the record), all but the newest end up
 * deleted. `ids` holds the new slots' ids; sorted here. */
static int check_ids(const ev_index *ix, cursor *c, id_at *ids, uint32_t n,
                     const uint32_t *deleting, uint32_t n_deleting) {
  qsort(ids, n, sizeof *ids, by_id_then_slot);
  for (uint32_t i = 0; i < n; i++) {
    int newest = i + 1 == n || ids[i + 1].id != ids[i].id;
    if (!newest && !ix->deleted[ids[i].slot]) return fail_at(c, ids[i].off);
    if (i > 0 && ids[i - 1].id == ids[i].id) continue;
    uint32_t older = ev__live_slot(ix, ids[i].id);
    if (older != EV_NO_SLOT && !is_listed(deleting, n_deleting, older))
      return fail_at(c, ids[i].off);
  }
  return 1;
}

static const uint8_t *get_lists(ev_index *ix, uint32_t slot, int from, int to,
                                const uint8_t *p) {
  for (int l = from; l <= to; l++) {
    uint32_t n = ev_le_get_u32(p);
    ev_le_get_words(ev__links(ix, slot, l), p, 1 + (size_t)n);
    p += 4 + 4 * (size_t)n;
  }
  return p;
}

/* Applies a fully checked op; cannot fail (blocks are allocated). */
static void apply(ev_index *ix, const uint8_t *body, const graph_head *h,
                  uint32_t **blocks) {
  const uint8_t *p = body + EV_GRAPH_HEAD_BYTES;
  for (uint32_t i = 0; i < h->n_new; i++) {
    uint32_t s = ix->count;
    uint64_t id = ev_le_get_u64(p);
    int level = p[8], del = p[9];
    p += 10;
    ev__payload_from_le(ix, ix->scratch.query_payload, p);
    p += ix->payload_bytes;
    if (ix->floats) {
      ev_le_get_words(ix->scratch.query_buf, p, ix->dim);
      p += 4 * (size_t)ix->dim;
    }
    ev__slot_init(ix, s, id, level, blocks[i], ix->scratch.query_payload, ix->scratch.query_buf);
    blocks[i] = NULL;
    p = get_lists(ix, s, 0, level, p);
    ix->deleted[s] = (uint8_t)del;
    ix->deleted_count += (uint32_t)del;
    ix->count++;
    ix->changes++;
    ev_idmap_put(&ix->ids, id, s, ix->ext_ids);
  }
  for (uint32_t i = 0; i < h->n_marked; i++) {
    uint32_t s = ev_le_get_u32(p);
    uint8_t mark = p[4], del = p[5];
    p += 6;
    if (mark & EV_MARK_LEVEL0) {
      uint32_t *links = ev__links0(ix, s);
      uint32_t kept = ev_le_get_u32(p), tail = ev_le_get_u32(p + 4);
      ev_le_get_words(links + 1 + kept, p + 8, tail);
      links[0] = kept + tail;
      p += 8 + 4 * (size_t)tail;
    }
    p = get_lists(ix, s, 1, upper_to(ix, s, mark), p);
    if (del && !ix->deleted[s]) {
      ix->deleted[s] = 1;
      ix->deleted_count++;
      ix->changes++;
    }
  }
  ix->entry = h->entry;
  ix->max_level = h->max_level;
  ix->auto_ids_exhausted = (int)h->exhausted;
  ix->next_auto_id = h->next_auto_id;
  ix->rng_state = h->rng_state;
}

ev_status ev__graph_op_apply(ev_index *ix, const uint8_t *body, size_t len,
                             size_t *bad) {
  cursor c = {body, len, 0, 0};
  graph_head h;
  *bad = 0;
  if (!read_head(ix, &c, &h)) {
    *bad = c.bad;
    return EV_ERR_CORRUPT;
  }
  /* Memory first (growing capacity changes nothing a snapshot shows), so
   * that once the checks pass nothing can fail half-way. */
  uint32_t total = ix->count + h.n_new;
  ev_status st = ev__ensure_capacity(ix, total);
  if (st == EV_OK) st = ev_idmap_reserve(&ix->ids, total, ix->ext_ids);
  id_at *ids = st == EV_OK ? malloc(sizeof *ids * h.n_new) : NULL;
  uint32_t *deleting = st == EV_OK ? malloc(sizeof *deleting * (h.n_marked + 1)) : NULL;
  uint32_t **blocks = st == EV_OK ? calloc(h.n_new, sizeof *blocks) : NULL;
  if (st == EV_OK && (!ids || !deleting || !blocks)) st = EV_ERR_OUT_OF_MEMORY;

  /* The visited array doubles as the duplicate-link stamp (zeroed, so old
   * search epochs cannot look like stamps; the next search starts a new
   * epoch from 1). */
  if (st == EV_OK) {
    memset(ix->scratch.visited, 0, sizeof(uint32_t) * total);
    ix->scratch.visit_epoch = 0;
  }
  uint32_t n_deleting = 0;
  int ok = st == EV_OK;
  if (ok) ok = scan_new(ix, &c, &h, ids) && scan_marked(ix, &c, &h, deleting, &n_deleting);
  if (ok && ix->levels[h.entry] != h.max_level) ok = fail_at(&c, 12);
  if (ok) ok = check_all_targets(ix, &c, &h);
  if (ok) ok = check_ids(ix, &c, ids, h.n_new, deleting, n_deleting);
  if (ok) {
    for (uint32_t i = 0; i < h.n_new && st == EV_OK; i++)
      st = ev__upper_block_new(ix, ix->levels[ix->count + i], &blocks[i]);
    if (st == EV_OK) apply(ix, body, &h, blocks);
  } else if (st == EV_OK) {
    st = EV_ERR_CORRUPT;
    *bad = c.bad;
  }
  if (blocks)
    for (uint32_t i = 0; i < h.n_new; i++) free(blocks[i]);
  free(blocks);
  free(ids);
  free(deleting);
  return st;
}
