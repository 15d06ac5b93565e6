/*
 * snapshot_stream.c — a snapshot read while its bytes arrive, front to back
 * (a download), instead of from one buffer that holds all of them.
 *
 * Trade-off: the vectors (and the kept floats) are nearly all of a
 * snapshot's bytes, and they come first. Each one is checked and written
 * into the index being built as soon as its bytes are complete, while the
 * next piece of the download is on its way; so are the level-0 link lists,
 * the largest of the other sections, whose checks need only the levels
 * that came before them. The rest (ids, levels, tombstones, upper links,
 * metadata) is held until the last byte, and the usual decode then runs
 * over it. So no buffer of the snapshot's size exists and little of the
 * load is left after the last byte. The price: a value error in what is
 * placed is found before the section's checksum can be compared, so it is
 * recorded and reported only if every checksum matched (a damaged download
 * reports the checksum, as a load of the whole bytes does), and placing
 * stops at it while the sums go on.
 *
 * Nothing is trusted early: the header is checked whole before anything is
 * allocated from it, the index grows with the vectors that arrived rather
 * than with the count the header announces, every section's CRC-32 is
 * summed from the bytes as they pass and compared at the end, and the
 * index is handed out only after the same checks ev_snapshot_load makes.
 * The format is documented at the top of snapshot.c.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crc32.h"
#include "index.h"
#include "quantize.h"
#include "snapshot.h"
#include "snapshot_read.h"

struct ev_snapshot_stream {
  ev_snap_reader r;
  ev_snapshot_info info;
  ev_load_error err;       /* the failure every later call reports */
  ev_load_error value_err; /* the first placed item that failed its check */
  ev_index *ix;            /* being built; NULL once handed out */
  uint64_t pos;            /* bytes of the snapshot received so far */
  unsigned cur;            /* table position of the section pos is in */
  uint32_t crc[EV_SNAPSHOT_MAX_SECTIONS]; /* each section's running CRC-32,
                                            by table position */
  uint8_t *held;           /* the sections kept for the final decode */
  uint8_t *carry;          /* an item split between two pieces */
  /* The level-0 lists, placed one by one: the slot whose list comes next,
   * where that list starts in the section, and its bytes gathered so far
   * when it is split between pieces. */
  uint32_t l0_slot;
  uint64_t l0_at;
  size_t l0_have;
  uint8_t *l0_buf; /* (1 + m0) words */
};

/* Sections written into the index as they arrive: fixed-size items, one
 * per slot (VECTORS, FLOATS), and the level-0 lists. */
static int fixed_items(uint32_t id) {
  return id == EV_SECTION_VECTORS || id == EV_SECTION_FLOATS;
}
static int placed(uint32_t id) {
  return fixed_items(id) || id == EV_SECTION_LINKS0;
}

static size_t item_size(const ev_index *ix, uint32_t id) {
  return id == EV_SECTION_VECTORS ? ix->payload_bytes : (size_t)ix->dim * 4;
}

static void copy_err(ev_load_error *to, const ev_load_error *from) {
  if (to) *to = *from;
}

static void value_error(ev_snapshot_stream *s, uint32_t section, uint32_t reason,
                        uint64_t offset) {
  s->value_err = (ev_load_error){EV_ERR_CORRUPT, section, reason, offset};
}

/* Whether the stream still places what arrives: no value error recorded
 * and no failure (memory running out while the index grows). */
static int placing(const ev_snapshot_stream *s) {
  return s->value_err.status == EV_OK && s->err.status == EV_OK;
}

/* The index has room for `slot`. It grows with the vectors that arrived,
 * doubling up to the count the header announces, instead of taking that
 * count at once: a download cut short, or a header that claims more than
 * comes, then leaves the wasm memory (which never shrinks) grown by what
 * arrived, not by an index that never did. */
static int room_for(ev_snapshot_stream *s, uint32_t slot) {
  ev_index *ix = s->ix;
  if (slot < ix->capacity) return 1;
  uint64_t want = 2 * (uint64_t)ix->capacity;
  if (want < EV_CHUNK_SLOTS) want = EV_CHUNK_SLOTS; /* one arena chunk first */
  if (want <= slot) want = (uint64_t)slot + 1;
  if (want > s->info.count) want = s->info.count;
  if (ev__ensure_capacity(ix, (uint32_t)want) == EV_OK) return 1;
  ev__snap_fail(&s->r, EV_ERR_OUT_OF_MEMORY, EV_SECTION_NONE, EV_REASON_OUT_OF_MEMORY, 0);
  return 0;
}

/* Checks one item and writes it into its slot. */
static void place_one(ev_snapshot_stream *s, uint32_t id, uint32_t slot,
                      const uint8_t *item) {
  ev_index *ix = s->ix;
  int ok;
  if (!room_for(s, slot)) return;
  if (id == EV_SECTION_VECTORS) {
    ok = ev__payload_ok(ix, item);
    if (ok) ev__payload_from_le(ix, ev__payload(ix, slot), item);
  } else {
    ok = ev_le_finite_words(item, ix->dim);
    if (ok) ev_le_get_words(ix->floats + (size_t)slot * ix->dim, item, ix->dim);
  }
  if (!ok)
    value_error(s, id, EV_REASON_BAD_VALUE, s->r.sec_off[id] + (uint64_t)slot * item_size(ix, id));
}

/* `take` bytes of placed section `id`, starting `at` bytes into it. */
static void place(ev_snapshot_stream *s, uint32_t id, uint64_t at,
                  const uint8_t *bytes, size_t take) {
  if (!placing(s)) return;
  const size_t item = item_size(s->ix, id);
  uint32_t slot = (uint32_t)(at / item);
  size_t within = (size_t)(at % item);
  if (within) { /* the rest of an item begun in an earlier piece */
    size_t k = item - within < take ? item - within : take;
    memcpy(s->carry + within, bytes, k);
    if (within + k < item) return;
    place_one(s, id, slot++, s->carry);
    bytes += k;
    take -= k;
  }
  for (; take >= item && placing(s); take -= item, bytes += item)
    place_one(s, id, slot++, bytes);
  if (take && placing(s)) memcpy(s->carry, bytes, take);
}

/* One whole level-0 list (u32 n, then n slots), checked as the whole-bytes
 * load checks it (read_list in snapshot.c) and written into its slot. */
static void place_list(ev_snapshot_stream *s, const uint8_t *list) {
  ev_index *ix = s->ix;
  uint32_t n = ev_le_get_u32(list), bad = 0;
  uint64_t where = s->r.sec_off[EV_SECTION_LINKS0] + s->l0_at;
  if (!ev__links_ok(ix, s->l0_slot, 0, s->r.sec_ptr[EV_SECTION_LEVELS], s->info.count, 0,
                    list, &bad)) {
    value_error(s, EV_SECTION_LINKS0, EV_REASON_BAD_VALUE, where + 4 * (uint64_t)bad);
    return;
  }
  ev_le_get_words(ev__links(ix, s->l0_slot, 0), list, 1 + (size_t)n);
  s->l0_slot++;
  s->l0_at += 4 + 4 * (uint64_t)n;
}

/* `take` bytes of the LINKS0 section, starting `at` bytes into it: each
 * list is placed from the piece when it is whole there, else gathered in
 * l0_buf first. */
static void place_links0(ev_snapshot_stream *s, uint64_t at, const uint8_t *bytes,
                         size_t take) {
  const uint64_t base = s->r.sec_off[EV_SECTION_LINKS0];
  const uint32_t m0 = s->ix->m0;
  while (take && placing(s)) {
    if (s->l0_slot == s->info.count) { /* bytes after the last list */
      value_error(s, EV_SECTION_LINKS0, EV_REASON_INCONSISTENT, base + at);
      return;
    }
    if (s->l0_have == 0 && take >= 4) {
      uint32_t n = ev_le_get_u32(bytes);
      if (n > m0) {
        value_error(s, EV_SECTION_LINKS0, EV_REASON_BAD_VALUE, base + s->l0_at);
        return;
      }
      size_t whole = 4 + 4 * (size_t)n;
      if (take >= whole) {
        place_list(s, bytes);
        bytes += whole;
        take -= whole;
        at += whole;
        continue;
      }
    }
    size_t need = s->l0_have >= 4 ? 4 + 4 * (size_t)ev_le_get_u32(s->l0_buf) : 4;
    size_t k = need - s->l0_have < take ? need - s->l0_have : take;
    memcpy(s->l0_buf + s->l0_have, bytes, k);
    s->l0_have += k;
    bytes += k;
    take -= k;
    at += k;
    if (s->l0_have == 4) {
      uint32_t n = ev_le_get_u32(s->l0_buf);
      if (n > m0) {
        value_error(s, EV_SECTION_LINKS0, EV_REASON_BAD_VALUE, base + s->l0_at);
        return;
      }
      need = 4 + 4 * (size_t)n;
    }
    if (s->l0_have == need) {
      place_list(s, s->l0_buf);
      s->l0_have = 0;
    }
  }
}

static ev_status feed(ev_snapshot_stream *s, const uint8_t *bytes, size_t n) {
  ev_snap_reader *r = &s->r;
  if (n > s->info.total_bytes - s->pos)
    return ev__snap_fail(r, EV_ERR_CORRUPT, EV_SECTION_HEADER,
                         EV_REASON_INCONSISTENT, s->info.total_bytes);
  while (n) {
    uint32_t id = r->order[s->cur];
    uint64_t end = r->sec_off[id] + r->sec_len[id];
    if (s->pos >= end) { /* sections are contiguous; some are empty */
      s->cur++;
      continue;
    }
    uint64_t at = s->pos - r->sec_off[id];
    size_t take = end - s->pos < n ? (size_t)(end - s->pos) : n;
    s->crc[s->cur] = ev_crc32_update(s->crc[s->cur], bytes, take);
    if (id == EV_SECTION_LINKS0)
      place_links0(s, at, bytes, take);
    else if (fixed_items(id))
      place(s, id, at, bytes, take);
    else
      memcpy(s->held + (r->sec_ptr[id] - s->held) + at, bytes, take); /* sec_ptr: into held */
    s->pos += take;
    bytes += take;
    n -= take;
    if (s->err.status != EV_OK) return s->err.status; /* memory ran out */
  }
  return EV_OK;
}

static ev_status start(ev_snapshot_stream *s, const uint8_t *header, size_t len) {
  ev_snap_reader *r = &s->r;
  r->bytes = header;
  r->len = len;
  r->streaming = 1;
  r->err = &s->err;
  r->info = &s->info;
  if (!header || len == 0)
    return ev__snap_fail(r, EV_ERR_TRUNCATED, EV_SECTION_HEADER, EV_REASON_TRUNCATED, 0);
  ev_status st = ev__snap_read_header(r);
  r->bytes = NULL; /* not kept: every later step reads the sections */
  if (st != EV_OK) return st;

  /* The index grows as the vectors come (room_for); the decode at the
   * end reserves the id map. */
  if (ev__index_new(&s->info.options, &s->ix) != EV_OK)
    return ev__snap_fail(r, EV_ERR_OUT_OF_MEMORY, EV_SECTION_NONE, EV_REASON_OUT_OF_MEMORY, 0);

  size_t held = 0, carry = 0;
  for (unsigned i = 0; i < r->nsec; i++) {
    uint32_t id = r->order[i];
    if (fixed_items(id)) {
      size_t item = item_size(s->ix, id);
      if (item > carry) carry = item;
    } else if (!placed(id)) {
      if (r->sec_len[id] > SIZE_MAX - held)
        return ev__snap_fail(r, EV_ERR_OUT_OF_MEMORY, EV_SECTION_NONE, EV_REASON_OUT_OF_MEMORY, 0);
      held += (size_t)r->sec_len[id];
    }
  }
  s->held = malloc(held ? held : 1);
  s->carry = malloc(carry ? carry : 1);
  s->l0_buf = malloc(4 * (1 + (size_t)s->ix->m0));
  if (!s->held || !s->carry || !s->l0_buf)
    return ev__snap_fail(r, EV_ERR_OUT_OF_MEMORY, EV_SECTION_NONE, EV_REASON_OUT_OF_MEMORY, 0);
  size_t at = 0;
  for (unsigned i = 0; i < r->nsec; i++) {
    uint32_t id = r->order[i];
    if (placed(id)) continue;
    r->sec_ptr[id] = s->held + at;
    at += (size_t)r->sec_len[id];
  }
  s->pos = r->header_len;
  return EV_OK;
}

ev_status ev_snapshot_stream_begin(const uint8_t *bytes, size_t len,
                                   ev_snapshot_stream **out,
                                   ev_snapshot_info *info, ev_load_error *err) {
  if (info) memset(info, 0, sizeof *info);
  if (err) memset(err, 0, sizeof *err);
  if (out) *out = NULL;
  if (!out || (!bytes && len)) {
    if (err) err->status = EV_ERR_INVALID_ARGUMENT;
    return EV_ERR_INVALID_ARGUMENT;
  }
  ev_snapshot_stream *s = calloc(1, sizeof *s);
  if (!s) {
    if (err) *err = (ev_load_error){EV_ERR_OUT_OF_MEMORY, 0, EV_REASON_OUT_OF_MEMORY, 0};
    return EV_ERR_OUT_OF_MEMORY;
  }
  ev_status st = start(s, bytes, len);
  if (st == EV_OK) st = feed(s, bytes + s->r.header_len, len - s->r.header_len);
  if (info) *info = s->info;
  copy_err(err, &s->err);
  if (st != EV_OK) {
    ev_snapshot_stream_free(s);
    return st;
  }
  *out = s;
  return EV_OK;
}

ev_status ev_snapshot_stream_feed(ev_snapshot_stream *s, const uint8_t *bytes,
                                  size_t n, ev_load_error *err) {
  if (!s || (!bytes && n)) {
    if (err) *err = (ev_load_error){EV_ERR_INVALID_ARGUMENT, 0, 0, 0};
    return EV_ERR_INVALID_ARGUMENT;
  }
  if (s->err.status == EV_OK && !s->ix) /* finished already */
    ev__snap_fail(&s->r, EV_ERR_INVALID_ARGUMENT, 0, 0, 0);
  if (s->err.status == EV_OK) feed(s, bytes, n);
  copy_err(err, &s->err);
  return s->err.status;
}

ev_status ev_snapshot_stream_finish(ev_snapshot_stream *s, ev_index **out,
                                    ev_load_error *err) {
  if (out) *out = NULL;
  if (!s || !out) {
    if (err) *err = (ev_load_error){EV_ERR_INVALID_ARGUMENT, 0, 0, 0};
    return EV_ERR_INVALID_ARGUMENT;
  }
  ev_snap_reader *r = &s->r;
  if (s->err.status == EV_OK && !s->ix) /* finished already */
    ev__snap_fail(r, EV_ERR_INVALID_ARGUMENT, 0, 0, 0);
  if (s->err.status == EV_OK && s->pos < s->info.total_bytes) {
    unsigned i = s->cur; /* the section the bytes ended in */
    while (i + 1 < r->nsec && s->pos >= r->sec_off[r->order[i]] + r->sec_len[r->order[i]]) i++;
    ev__snap_fail(r, EV_ERR_TRUNCATED, r->order[i], EV_REASON_TRUNCATED, s->pos);
  }
  if (s->err.status == EV_OK) ev__snap_check_crcs(r, s->crc); /* every byte passed */
  if (s->err.status == EV_OK && s->value_err.status != EV_OK) s->err = s->value_err;
  if (s->err.status == EV_OK && (s->l0_slot < s->info.count || s->l0_have))
    /* the section ended inside a list, or before the last slot's */
    ev__snap_fail(r, EV_ERR_CORRUPT, EV_SECTION_LINKS0, EV_REASON_INCONSISTENT,
                  r->sec_off[EV_SECTION_LINKS0] + s->l0_at);
  if (s->err.status == EV_OK) ev__snap_decode(r, s->ix);
  copy_err(err, &s->err);
  if (s->err.status != EV_OK) return s->err.status;
  *out = s->ix;
  s->ix = NULL;
  return EV_OK;
}

void ev_snapshot_stream_free(ev_snapshot_stream *s) {
  if (!s) return;
  ev_index_free(s->ix);
  free(s->held);
  free(s->carry);
  free(s->l0_buf);
  free(s);
}
