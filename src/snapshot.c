/*
 * snapshot.c — encodes the whole index (vectors, graph, ids, tombstones,
 * RNG state) as one byte string, and checks and decodes it back.
 *
 * Trade-off: the reader trusts nothing: every checksum is verified, and
 * every count, level, link target, id and vector is range-checked before
 * the index is handed out, because a link target out of range would make a
 * later search read outside the arena. That is a second pass over the
 * data; the load stays O(bytes) and well under the graph rebuild it avoids.
 *
 * ==========================================================================
 * SNAPSHOT FORMAT, version 2 (version 1 is the same without the METADATA
 * section). All integers little-endian, floats IEEE-754
 * binary32 little-endian. No padding, no alignment. Offsets are from the
 * first byte of the snapshot.
 * ==========================================================================
 *
 * Prelude — the same in every version, so that any version's reader can
 * tell "newer version" from "corrupt":
 *   off  size  field
 *   0    8     magic       "EVSNAP\r\n" (45 56 53 4E 41 50 0D 0A); the CR LF
 *                          catches text-mode newline mangling
 *   8    4     version     2 when the snapshot holds metadata, else 1 (the
 *                          writer writes 1 then, so a snapshot without
 *                          metadata is exactly what older builds wrote);
 *                          readers refuse a greater one
 *                          (UNSUPPORTED_VERSION) once its header CRC checks
 *   12   4     header_len  bytes of the whole header (prelude + fields +
 *                          section table), >= 20
 *   16   4     header_crc  CRC-32 (crc32.h) of bytes [0, 16) followed by
 *                          bytes [20, header_len)
 *
 * Header fields (versions 1 and 2):
 *   20   4     flags           0; any set bit is refused (reserved)
 *   24   4     dimensions      1..4096
 *   28   4     metric          0 L2, 1 cosine, 2 dot
 *   32   4     m               2..128; level 0 keeps m0 = 2m links
 *   36   4     ef_construction 1..65535
 *   40   4     ef_search       1..65535
 *   44   8     seed            the RNG seed the index was created with
 *   52   4     quantization    0 none, 1 SQ8, 2 binary (quantize.h); a
 *                              greater value is refused as unsupported
 *   56   4     keep_floats     0/1: f32 vectors kept beside the codes
 *                              (only with quantization)
 *   60   4     rerank          candidates re-scored with the floats (needs
 *                              keep_floats), 0..65535
 *   64   4     count           slots in use (live + deleted)
 *   68   4     deleted_count   tombstones among them
 *   72   4     entry           entry-point slot; 0xFFFFFFFF iff count = 0
 *   76   4     max_level       level of the entry point (i32); -1 iff empty
 *   80   8     next_auto_id    next id of the automatic id sequence
 *   88   4     auto_exhausted  1 when the automatic sequence is used up
 *   92   4     section_count   N: 6, +1 with keep_floats, +1 in version 2
 *   96   8     rng_state       state of the level RNG (splitmix64)
 *   104  8     wal_seq         sequence number of the last log record the
 *                              snapshot includes (0: none)
 *   112  8     total_len       bytes of the whole snapshot
 *   120  24*N  section table, N entries of:
 *                u32 id, u32 crc32 (of the section's bytes),
 *                u64 offset, u64 length
 *   header_len = 120 + 24 * N
 *
 * Sections follow the header back to back, in table order: the first at
 * header_len, each next one where the previous ended, the last ending at
 * total_len. Version 1 has exactly these, each once, in this order
 * (version 2 has them and then METADATA):
 *   2 VECTORS     count x P bytes: each slot's stored vector as its payload
 *                 (P and layout from quantize.h, all little-endian):
 *                   none   f32[dimensions], finite (under cosine: already
 *                          normalised); P = 4 * dimensions
 *                   SQ8    f32 scale (finite, >= 0), f32 sqnorm (>= 0,
 *                          not NaN; +inf when it overflowed f32), then
 *                          i8 code[dimensions] in [-127, 127], then zero
 *                          bytes up to P = 8 + round4(dimensions)
 *                   binary bit i (LSB first) of byte i / 8 = component i
 *                          > 0; bits past dimensions and the padding up to
 *                          P = round4(ceil(dimensions / 8)) are zero
 *   3 IDS         count x u64: each slot's external id. For every id, all
 *                 slots holding it except the last are deleted.
 *   4 LEVELS      count x u8: each slot's top level, <= 15 and <= max_level;
 *                 levels[entry] == max_level.
 *   5 TOMBSTONES  ceil(count / 8) bytes: bit (i % 8) (LSB first) of byte
 *                 i / 8 set = slot i is deleted; bits past count are 0; the
 *                 number of set bits is deleted_count.
 *   6 LINKS0      for each slot in order: u32 n (<= m0), then n x u32
 *                 neighbour slots (< count): the level-0 adjacency list.
 *   7 UPPER       for each slot in order with level L >= 1, for each level
 *                 1..L: u32 n (<= m), then n x u32 neighbour slots, each
 *                 of level >= that level.
 *                 In both, a list never holds its own slot or the same
 *                 neighbour twice.
 *   8 FLOATS      only with keep_floats: count x dimensions f32, finite:
 *                 the vectors as inserted (prepared: cosine-normalised).
 *   9 METADATA    version 2 only: for each slot in order, u32 len then len
 *                 bytes: the slot's metadata record (the record format of
 *                 metadata.h, in its canonical form; each is checked with
 *                 ev_meta_check and must have >= 1 field). len is 0 for a
 *                 slot without metadata and for every tombstone. At least
 *                 one slot has a record (without any, the writer writes
 *                 version 1). Stored records must together stay within
 *                 the index-wide limit of distinct field names.
 * The LINKS0, UPPER and METADATA sections must be consumed exactly by this
 * parse.
 *
 * A reader verifies, in order: the prelude (magic; header_len within the
 * bytes: else TRUNCATED), the header CRC, the version, the fields (options
 * valid, counts consistent, total_len == the bytes given: fewer is
 * TRUNCATED, more is CORRUPT), the table (ids, order, contiguity, sizes),
 * each section's CRC, then each section's contents as stated above.
 * ==========================================================================
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crc32.h"
#include "index.h"
#include "metadata.h"
#include "quantize.h"
#include "snapshot.h"
#include "snapshot_read.h"

static const uint8_t SNAP_MAGIC[8] = {0x45, 0x56, 0x53, 0x4E,
                                      0x41, 0x50, 0x0D, 0x0A};
#define PRELUDE_BYTES EV_SNAP_PRELUDE_BYTES
#define FIELDS_END EV_SNAP_FIELDS_END
#define TABLE_ENTRY_BYTES EV_SNAP_TABLE_ENTRY_BYTES
#define MAX_SECTIONS EV_SNAPSHOT_MAX_SECTIONS /* FLOATS and METADATA are optional */
#define SECTION_IDS EV_SNAP_SECTION_IDS
#define VARIABLE_LEN UINT64_MAX /* a section whose size its parse checks */

/* The sections a snapshot of these options holds, in table order; returns
 * how many. */
static uint32_t section_order(const ev_options *o, int has_meta,
                              uint32_t order[MAX_SECTIONS]) {
  uint32_t n = 0;
  order[n++] = EV_SECTION_VECTORS;
  order[n++] = EV_SECTION_IDS;
  order[n++] = EV_SECTION_LEVELS;
  order[n++] = EV_SECTION_TOMBSTONES;
  order[n++] = EV_SECTION_LINKS0;
  order[n++] = EV_SECTION_UPPER;
  if (o->keep_floats) order[n++] = EV_SECTION_FLOATS;
  if (has_meta) order[n++] = EV_SECTION_METADATA;
  return n;
}

const char *ev_snapshot_section_name(uint32_t section) {
  switch (section) {
    case EV_SECTION_NONE: return "none";
    case EV_SECTION_HEADER: return "header";
    case EV_SECTION_VECTORS: return "vectors";
    case EV_SECTION_IDS: return "ids";
    case EV_SECTION_LEVELS: return "levels";
    case EV_SECTION_TOMBSTONES: return "tombstones";
    case EV_SECTION_LINKS0: return "links level 0";
    case EV_SECTION_UPPER: return "links upper levels";
    case EV_SECTION_FLOATS: return "float vectors";
    case EV_SECTION_METADATA: return "metadata";
  }
  return "unknown section";
}

const char *ev_load_reason_name(uint32_t reason) {
  switch (reason) {
    case EV_REASON_NONE: return "none";
    case EV_REASON_BAD_MAGIC: return "bad magic";
    case EV_REASON_NEWER_VERSION: return "written by a newer format version";
    case EV_REASON_TRUNCATED: return "truncated";
    case EV_REASON_CHECKSUM: return "checksum mismatch";
    case EV_REASON_INCONSISTENT: return "inconsistent counts or sizes";
    case EV_REASON_BAD_VALUE: return "value out of range";
    case EV_REASON_OUT_OF_MEMORY: return "out of memory";
    case EV_REASON_SEQUENCE_GAP: return "gap in sequence numbers";
    case EV_REASON_UNKNOWN_FEATURE: return "unknown feature";
    case EV_REASON_REPLAY_FAILED: return "record does not apply to the index";
  }
  return "unknown reason";
}

/* ---- writing ------------------------------------------------------------- */

typedef struct section_sizes {
  uint32_t id[MAX_SECTIONS];  /* section ids in table order */
  uint64_t len[MAX_SECTIONS];
  uint32_t n;                 /* sections present */
  uint32_t version;           /* 2 with a METADATA section, else 1 */
} section_sizes;

/* Bytes of item i of section `sec` (a section id): a slot's payload, id,
 * level, list(s), floats or metadata record, or a byte of 8 tombstone
 * bits. A slot without metadata (every tombstone among them) is a zero
 * length. */
static size_t item_bytes(const ev_index *ix, uint32_t sec, uint32_t i) {
  switch (sec) {
    case EV_SECTION_VECTORS: return ix->payload_bytes;
    case EV_SECTION_IDS: return 8;
    case EV_SECTION_LEVELS: case EV_SECTION_TOMBSTONES: return 1;
    case EV_SECTION_LINKS0: return 4 + 4 * (size_t)ev__links0(ix, i)[0];
    case EV_SECTION_UPPER: {
      size_t n = 0;
      for (int l = 1; l <= ix->levels[i]; l++) n += 4 + 4 * (size_t)ev__links(ix, i, l)[0];
      return n;
    }
    case EV_SECTION_METADATA:
      if (ix->deleted[i] || !ev__meta_slot_has(ix, i)) return 4;
      return 4 + ev__meta_slot_bytes(ix, i);
    default: return 4 * (size_t)ix->dim;
  }
}

static void compute_sizes(const ev_index *ix, section_sizes *s) {
  uint64_t count = ix->count;
  int has_meta = ev__meta_any(ix);
  s->n = section_order(&ix->options, has_meta, s->id);
  s->version = has_meta ? 2u : 1u;
  for (uint32_t k = 0; k < s->n; k++) {
    uint64_t len = 0;
    switch (s->id[k]) {
      case EV_SECTION_VECTORS: len = count * ix->payload_bytes; break;
      case EV_SECTION_IDS: len = count * 8; break;
      case EV_SECTION_LEVELS: len = count; break;
      case EV_SECTION_TOMBSTONES: len = (count + 7) / 8; break;
      case EV_SECTION_FLOATS: len = count * ix->dim * 4; break;
      default: /* the variable-size ones: sum of their items */
        for (uint32_t slot = 0; slot < ix->count; slot++)
          len += item_bytes(ix, s->id[k], slot);
    }
    s->len[k] = len;
  }
}

static uint64_t total_size(const section_sizes *s) {
  uint64_t t = FIELDS_END + TABLE_ENTRY_BYTES * s->n;
  for (unsigned i = 0; i < s->n; i++) t += s->len[i];
  return t;
}

size_t ev_snapshot_size(const ev_index *ix) {
  if (!ix) return 0;
  section_sizes s;
  compute_sizes(ix, &s);
  uint64_t t = total_size(&s);
  return t > SIZE_MAX ? SIZE_MAX : (size_t)t;
}

/* The resumable writer: the sections are produced item by item (a slot's
 * payload, id, level, list(s), floats or metadata; a byte of 8 tombstone
 * bits) into whatever buffer the caller hands over, each section's CRC
 * running along, and the header last, once every CRC is known. Why: an
 * index in wasm memory saved into one buffer there would grow the module's
 * memory by the snapshot's size for good (wasm memory never shrinks); in
 * chunks, the JS layer copies each into its own array and the wasm side
 * holds one chunk. ev_snapshot_write is the same writer with one chunk
 * that holds it all, so both produce the same bytes. */
struct ev_snapshot_writer {
  const ev_index *ix;
  uint64_t wal_seq;
  section_sizes s;
  uint32_t header_len;
  uint64_t total;
  uint32_t crc[MAX_SECTIONS];
  unsigned sec;  /* table position being written (s.n when all are done) */
  uint32_t item; /* next item within it */
};

static void writer_init(ev_snapshot_writer *w, const ev_index *ix,
                        uint64_t wal_seq) {
  memset(w, 0, sizeof *w);
  w->ix = ix;
  w->wal_seq = wal_seq;
  compute_sizes(ix, &w->s);
  w->header_len = FIELDS_END + TABLE_ENTRY_BYTES * w->s.n;
  w->total = total_size(&w->s);
}

static uint32_t item_count(const ev_index *ix, uint32_t sec) {
  return sec == EV_SECTION_TOMBSTONES ? (ix->count + 7) / 8 : ix->count;
}

/* Writes item i (of `bytes` bytes, item_bytes) of section sec at p. */
static void put_item(const ev_index *ix, uint32_t sec, uint32_t i, size_t bytes,
                     uint8_t *p) {
  switch (sec) {
    case EV_SECTION_VECTORS: ev__payload_to_le(ix, p, ev__payload(ix, i)); return;
    case EV_SECTION_IDS: ev_le_put_u64(p, ix->ext_ids[i]); return;
    case EV_SECTION_LEVELS: *p = ix->levels[i]; return;
    case EV_SECTION_TOMBSTONES: {
      uint8_t bits = 0;
      for (uint32_t k = 0; k < 8 && 8 * i + k < ix->count; k++)
        bits |= (uint8_t)((ix->deleted[8 * i + k] ? 1u : 0u) << k);
      *p = bits;
      return;
    }
    case EV_SECTION_LINKS0: {
      const uint32_t *links = ev__links0(ix, i);
      ev_le_put_words(p, links, 1 + (size_t)links[0]);
      return;
    }
    case EV_SECTION_UPPER:
      for (int l = 1; l <= ix->levels[i]; l++) {
        const uint32_t *links = ev__links(ix, i, l);
        ev_le_put_words(p, links, 1 + (size_t)links[0]);
        p += 4 + 4 * (size_t)links[0];
      }
      return;
    case EV_SECTION_METADATA: {
      size_t len = bytes - 4;
      ev_le_put_u32(p, (uint32_t)len);
      if (len) ev__meta_slot_encode(ix, i, p + 4);
      return;
    }
    default: ev_le_put_words(p, ix->floats + (size_t)i * ix->dim, ix->dim);
  }
}

static size_t writer_fill(ev_snapshot_writer *w, uint8_t *buf, size_t cap) {
  const ev_index *ix = w->ix;
  size_t n = 0;
  while (w->sec < w->s.n) {
    uint32_t id = w->s.id[w->sec];
    uint32_t items = item_count(ix, id);
    size_t start = n;
    while (w->item < items) {
      size_t b = item_bytes(ix, id, w->item);
      if (b > cap - n) break;
      put_item(ix, id, w->item, b, buf + n);
      n += b;
      w->item++;
    }
    w->crc[w->sec] = ev_crc32_update(w->crc[w->sec], buf + start, n - start);
    if (w->item < items) break; /* the buffer is full */
    w->sec++;
    w->item = 0;
  }
  return n;
}

static void writer_header(const ev_snapshot_writer *w, uint8_t *out) {
  const ev_index *ix = w->ix;
  const uint32_t header_len = w->header_len;
  memset(out, 0, header_len);
  memcpy(out, SNAP_MAGIC, 8);
  ev_le_put_u32(out + 8, w->s.version);
  ev_le_put_u32(out + 12, header_len);
  ev_le_put_u32(out + 20, 0); /* flags */
  ev_le_put_u32(out + 24, ix->options.dimensions);
  ev_le_put_u32(out + 28, (uint32_t)ix->options.metric);
  ev_le_put_u32(out + 32, ix->options.m);
  ev_le_put_u32(out + 36, ix->options.ef_construction);
  ev_le_put_u32(out + 40, ix->options.ef_search);
  ev_le_put_u64(out + 44, ix->options.seed);
  ev_le_put_u32(out + 52, (uint32_t)ix->options.quantization);
  ev_le_put_u32(out + 56, ix->options.keep_floats);
  ev_le_put_u32(out + 60, ix->options.rerank);
  ev_le_put_u32(out + 64, ix->count);
  ev_le_put_u32(out + 68, ix->deleted_count);
  ev_le_put_u32(out + 72, ix->entry);
  ev_le_put_u32(out + 76, (uint32_t)ix->max_level);
  ev_le_put_u64(out + 80, ix->next_auto_id);
  ev_le_put_u32(out + 88, ix->auto_ids_exhausted ? 1u : 0u);
  ev_le_put_u32(out + 92, w->s.n);
  ev_le_put_u64(out + 96, ix->rng_state);
  ev_le_put_u64(out + 104, w->wal_seq);
  ev_le_put_u64(out + 112, w->total);
  uint64_t offset = header_len;
  for (unsigned i = 0; i < w->s.n; i++) {
    uint8_t *e = out + FIELDS_END + TABLE_ENTRY_BYTES * i;
    ev_le_put_u32(e, w->s.id[i]);
    ev_le_put_u32(e + 4, w->crc[i]);
    ev_le_put_u64(e + 8, offset);
    ev_le_put_u64(e + 16, w->s.len[i]);
    offset += w->s.len[i];
  }
  uint32_t crc = ev_crc32_update(ev_crc32(out, 16), out + PRELUDE_BYTES,
                                 header_len - PRELUDE_BYTES);
  ev_le_put_u32(out + 16, crc);
}

ev_status ev_snapshot_writer_begin(const ev_index *ix, uint64_t wal_seq,
                                   ev_snapshot_writer **out,
                                   uint64_t *total_bytes, uint32_t *header_bytes) {
  if (out) *out = NULL;
  if (!ix || !out) return EV_ERR_INVALID_ARGUMENT;
  ev_snapshot_writer *w = malloc(sizeof *w);
  if (!w) return EV_ERR_OUT_OF_MEMORY;
  writer_init(w, ix, wal_seq);
  if (total_bytes) *total_bytes = w->total;
  if (header_bytes) *header_bytes = w->header_len;
  *out = w;
  return EV_OK;
}

ev_status ev_snapshot_writer_next(ev_snapshot_writer *w, uint8_t *buf,
                                  size_t capacity, size_t *out_len) {
  if (out_len) *out_len = 0;
  if (!w || !buf || !out_len || capacity < EV_SNAPSHOT_MIN_CHUNK)
    return EV_ERR_INVALID_ARGUMENT;
  *out_len = writer_fill(w, buf, capacity);
  return EV_OK;
}

ev_status ev_snapshot_writer_header(ev_snapshot_writer *w, uint8_t *buf,
                                    size_t capacity) {
  if (!w || !buf || capacity < w->header_len || w->sec < w->s.n)
    return EV_ERR_INVALID_ARGUMENT;
  writer_header(w, buf);
  return EV_OK;
}

void ev_snapshot_writer_free(ev_snapshot_writer *w) { free(w); }

ev_status ev_snapshot_write(const ev_index *ix, uint64_t wal_seq, uint8_t *out,
                            size_t capacity, size_t *out_len) {
  if (out_len) *out_len = 0;
  if (!ix || !out) return EV_ERR_INVALID_ARGUMENT;
  ev_snapshot_writer w;
  writer_init(&w, ix, wal_seq);
  if (w.total > capacity) return EV_ERR_INVALID_ARGUMENT;
  size_t n = writer_fill(&w, out + w.header_len, (size_t)w.total - w.header_len);
  if (n != w.total - w.header_len || w.sec < w.s.n) return EV_ERR_INVALID_ARGUMENT;
  writer_header(&w, out);
  if (out_len) *out_len = (size_t)w.total;
  return EV_OK;
}

ev_status ev_snapshot_save(const ev_index *ix, uint64_t wal_seq, uint8_t **out,
                           size_t *out_len) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!ix || !out || !out_len) return EV_ERR_INVALID_ARGUMENT;
  uint64_t total = ev_snapshot_size(ix);
  if (total >= SIZE_MAX) return EV_ERR_OUT_OF_MEMORY;
  uint8_t *buf = malloc((size_t)total);
  if (!buf) return EV_ERR_OUT_OF_MEMORY;
  ev_status st = ev_snapshot_write(ix, wal_seq, buf, (size_t)total, out_len);
  if (st != EV_OK) {
    free(buf);
    return st;
  }
  *out = buf;
  return EV_OK;
}

/* ---- reading ------------------------------------------------------------- */

typedef ev_snap_reader reader;

ev_status ev__snap_fail(reader *r, ev_status st, uint32_t section,
                        uint32_t reason, uint64_t offset) {
  r->err->status = st;
  r->err->section = section;
  r->err->reason = reason;
  r->err->offset = offset;
  return st;
}

static ev_status fail(reader *r, ev_status st, uint32_t section,
                      uint32_t reason, uint64_t offset) {
  return ev__snap_fail(r, st, section, reason, offset);
}

static ev_status corrupt(reader *r, uint32_t section, uint32_t reason,
                         uint64_t offset) {
  return fail(r, EV_ERR_CORRUPT, section, reason, offset);
}

/* Prelude, header fields and section table. */
ev_status ev__snap_read_header(reader *r) {
  const uint8_t *b = r->bytes;
  ev_snapshot_info *info = r->info;
  const uint32_t H = EV_SECTION_HEADER;
  size_t magic_have = r->len < 8 ? r->len : 8;
  if (memcmp(b, SNAP_MAGIC, magic_have) != 0)
    return corrupt(r, H, EV_REASON_BAD_MAGIC, 0);
  if (r->len < PRELUDE_BYTES)
    return fail(r, EV_ERR_TRUNCATED, H, EV_REASON_TRUNCATED, r->len);
  uint32_t version = ev_le_get_u32(b + 8);
  uint32_t header_len = ev_le_get_u32(b + 12);
  if (header_len < PRELUDE_BYTES)
    return corrupt(r, H, EV_REASON_INCONSISTENT, 12);
  if (header_len > r->len)
    return fail(r, EV_ERR_TRUNCATED, H, EV_REASON_TRUNCATED, r->len);
  uint32_t crc = ev_crc32_update(ev_crc32(b, 16), b + PRELUDE_BYTES,
                                 header_len - PRELUDE_BYTES);
  if (crc != ev_le_get_u32(b + 16)) return corrupt(r, H, EV_REASON_CHECKSUM, 16);
  info->version = version;
  if (version == 0) return corrupt(r, H, EV_REASON_BAD_VALUE, 8);
  if (version > EV_SNAPSHOT_VERSION)
    return fail(r, EV_ERR_UNSUPPORTED_VERSION, H, EV_REASON_NEWER_VERSION, 8);
  if (header_len < FIELDS_END) return corrupt(r, H, EV_REASON_INCONSISTENT, 12);

  uint32_t flags = ev_le_get_u32(b + 20);
  info->flags = flags;
  if (flags != 0)
    return fail(r, EV_ERR_UNSUPPORTED_VERSION, H, EV_REASON_UNKNOWN_FEATURE, 20);
  /* Enums are checked as u32 before they are trusted as enums. */
  uint32_t metric_raw = ev_le_get_u32(b + 28), quant_raw = ev_le_get_u32(b + 52);
  if (quant_raw > EV_QUANT_BINARY)
    return fail(r, EV_ERR_UNSUPPORTED_VERSION, H, EV_REASON_UNKNOWN_FEATURE, 52);
  if (metric_raw > EV_METRIC_DOT) return corrupt(r, H, EV_REASON_BAD_VALUE, 28);
  ev_options o;
  ev_options_init(&o);
  o.dimensions = ev_le_get_u32(b + 24);
  o.metric = (ev_metric)metric_raw;
  o.m = ev_le_get_u32(b + 32);
  o.ef_construction = ev_le_get_u32(b + 36);
  o.ef_search = ev_le_get_u32(b + 40);
  o.seed = ev_le_get_u64(b + 44);
  o.quantization = (ev_quantization)quant_raw;
  o.keep_floats = ev_le_get_u32(b + 56);
  o.rerank = ev_le_get_u32(b + 60);
  if (ev__validate_options(&o) != EV_OK)
    return corrupt(r, H, EV_REASON_BAD_VALUE, 24);
  info->options = o;
  info->count = ev_le_get_u32(b + 64);
  info->deleted_count = ev_le_get_u32(b + 68);
  r->entry = ev_le_get_u32(b + 72);
  r->max_level = (int32_t)ev_le_get_u32(b + 76);
  r->next_auto_id = ev_le_get_u64(b + 80);
  r->auto_exhausted = ev_le_get_u32(b + 88);
  uint32_t nsec = ev_le_get_u32(b + 92);
  r->rng_state = ev_le_get_u64(b + 96);
  info->wal_seq = ev_le_get_u64(b + 104);
  info->total_bytes = ev_le_get_u64(b + 112);
  r->header_len = header_len;

  if (info->count > EV_MAX_SLOTS || info->deleted_count > info->count)
    return corrupt(r, H, EV_REASON_INCONSISTENT, 64);
  if (info->count == 0) {
    if (r->entry != EV_NO_SLOT || r->max_level != -1)
      return corrupt(r, H, EV_REASON_INCONSISTENT, 72);
  } else if (r->entry >= info->count || r->max_level < 0 ||
             r->max_level > EV_MAX_LEVEL) {
    return corrupt(r, H, EV_REASON_BAD_VALUE, 72);
  }
  if (r->auto_exhausted > 1) return corrupt(r, H, EV_REASON_BAD_VALUE, 88);
  /* Version 2 is version 1 plus the METADATA section. */
  if (nsec != section_order(&o, version >= 2, r->order))
    return corrupt(r, H, EV_REASON_INCONSISTENT, 92);
  r->nsec = nsec;
  if (header_len != FIELDS_END + TABLE_ENTRY_BYTES * nsec)
    return corrupt(r, H, EV_REASON_INCONSISTENT, 12);
  if (!r->streaming && info->total_bytes > r->len)
    return fail(r, EV_ERR_TRUNCATED, H, EV_REASON_TRUNCATED, r->len);
  if (!r->streaming && info->total_bytes < r->len)
    return corrupt(r, H, EV_REASON_INCONSISTENT, 112);

  /* Section table: fixed ids and order, contiguous, fixed sizes where the
   * counts determine them. */
  uint64_t count = info->count, dim = o.dimensions;
  uint64_t expect_len[SECTION_IDS];
  for (unsigned k = 0; k < SECTION_IDS; k++) expect_len[k] = VARIABLE_LEN;
  expect_len[EV_SECTION_VECTORS] = count * ev__payload_bytes(&o);
  expect_len[EV_SECTION_IDS] = count * 8;
  expect_len[EV_SECTION_LEVELS] = count;
  expect_len[EV_SECTION_TOMBSTONES] = (count + 7) / 8;
  expect_len[EV_SECTION_FLOATS] = count * dim * 4;
  uint64_t offset = header_len;
  for (unsigned i = 0; i < nsec; i++) {
    const uint8_t *e = b + FIELDS_END + TABLE_ENTRY_BYTES * i;
    uint64_t where = FIELDS_END + TABLE_ENTRY_BYTES * i;
    uint32_t id = ev_le_get_u32(e), want = r->order[i];
    if (id != want)
      return fail(r, id > EV_SECTION_METADATA ? EV_ERR_UNSUPPORTED_VERSION
                                              : EV_ERR_CORRUPT,
                  H, id > EV_SECTION_METADATA ? EV_REASON_UNKNOWN_FEATURE
                                              : EV_REASON_INCONSISTENT, where);
    r->sec_crc[id] = ev_le_get_u32(e + 4);
    r->sec_off[id] = ev_le_get_u64(e + 8);
    r->sec_len[id] = ev_le_get_u64(e + 16);
    if (r->sec_off[id] != offset)
      return corrupt(r, id, EV_REASON_INCONSISTENT, where + 8);
    if (r->sec_len[id] > info->total_bytes - offset)
      return corrupt(r, id, EV_REASON_INCONSISTENT, where + 16);
    /* Fixed sizes where the counts determine them (the link lists and the
     * metadata records are checked as they are parsed). */
    if (expect_len[id] != VARIABLE_LEN && r->sec_len[id] != expect_len[id])
      return corrupt(r, id, EV_REASON_INCONSISTENT, where + 16);
    offset += r->sec_len[id];
  }
  if (offset != info->total_bytes)
    return corrupt(r, H, EV_REASON_INCONSISTENT, 112);
  return EV_OK;
}

ev_status ev__snap_check_crcs(reader *r, const uint32_t *summed) {
  for (unsigned i = 0; i < r->nsec; i++) {
    uint32_t id = r->order[i];
    uint32_t crc = summed ? summed[i] : ev_crc32(r->sec_ptr[id], (size_t)r->sec_len[id]);
    if (crc != r->sec_crc[id])
      return corrupt(r, id, EV_REASON_CHECKSUM, r->sec_off[id]);
  }
  return EV_OK;
}

/* Reads one adjacency list (u32 n, then n slots) of `slot` at `level` from
 * `sec` (a LINKS0 or UPPER section of `len` bytes starting at snapshot
 * offset `sec_off`) at *off, checks it (ev__links_ok: the targets are
 * checked against the levels of the snapshot, `lev`), and advances *off. */
static ev_status read_list(reader *r, ev_index *ix, uint32_t slot, int level,
                           uint32_t section, uint64_t sec_off,
                           const uint8_t *sec, uint64_t len, size_t *off,
                           uint32_t count, const uint8_t *lev) {
  uint32_t cap = ev__list_cap(ix, level);
  uint32_t bad = 0;
  if (len - *off < 4)
    return corrupt(r, section, EV_REASON_INCONSISTENT, sec_off + *off);
  uint32_t n = ev_le_get_u32(sec + *off);
  if (n > cap) return corrupt(r, section, EV_REASON_BAD_VALUE, sec_off + *off);
  if ((len - *off - 4) / 4 < n)
    return corrupt(r, section, EV_REASON_INCONSISTENT, sec_off + *off);
  if (!ev__links_ok(ix, slot, level, lev, count, 0, sec + *off, &bad))
    return corrupt(r, section, EV_REASON_BAD_VALUE, sec_off + *off + 4 * (uint64_t)bad);
  ev_le_get_words(ev__links(ix, slot, level), sec + *off, 1 + (size_t)n);
  *off += 4 + 4 * (size_t)n;
  return EV_OK;
}

/* The METADATA section (after the slots are built: a tombstone must have
 * none). Each record is checked whole before it is stored; the form must
 * be the one the writer gives (no record for a slot without metadata, and
 * some slot with one, else the writer would have written version 1), so
 * that equal indexes give equal bytes. */
static ev_status decode_metadata(reader *r, ev_index *ix) {
  const uint32_t M = EV_SECTION_METADATA;
  const uint8_t *sec = r->sec_ptr[M];
  const uint64_t len = r->sec_len[M], base = r->sec_off[M];
  uint64_t off = 0;
  uint32_t with = 0;
  for (uint32_t s = 0; s < ix->count; s++) {
    if (len - off < 4) return corrupt(r, M, EV_REASON_INCONSISTENT, base + off);
    uint32_t n = ev_le_get_u32(sec + off);
    if (n > len - off - 4) return corrupt(r, M, EV_REASON_INCONSISTENT, base + off);
    if (n) {
      const uint8_t *rec = sec + off + 4;
      if (ix->deleted[s] || n > EV_META_MAX_RECORD_BYTES ||
          (n >= 2 && rec[0] == 0 && rec[1] == 0)) /* 0 fields: written as length 0 */
        return corrupt(r, M, EV_REASON_BAD_VALUE, base + off);
      /* Setting checks the record (ev_meta_check) before it stores it, and
       * the index-wide field limit: a refusal is INVALID_METADATA. */
      ev_status st = ev__meta_slot_set(ix, s, rec, n);
      if (st == EV_ERR_OUT_OF_MEMORY)
        return fail(r, st, EV_SECTION_NONE, EV_REASON_OUT_OF_MEMORY, 0);
      if (st != EV_OK) return corrupt(r, M, EV_REASON_BAD_VALUE, base + off);
      with++;
    }
    off += 4 + (uint64_t)n;
  }
  if (off != len) return corrupt(r, M, EV_REASON_INCONSISTENT, base + off);
  if (with == 0) return corrupt(r, M, EV_REASON_INCONSISTENT, base);
  return EV_OK;
}

/* Builds the index from checked sections; checks every value as it goes.
 * On failure the partly built index is freed by the caller. */
ev_status ev__snap_decode(reader *r, ev_index *ix) {
  const uint32_t count = r->info->count;
  const uint32_t dim = ix->dim;
  /* NULL for VECTORS, FLOATS and LINKS0 when a streamed load placed them
   * already. */
  const uint8_t *vec = r->sec_ptr[EV_SECTION_VECTORS];
  const uint8_t *ids = r->sec_ptr[EV_SECTION_IDS];
  const uint8_t *lev = r->sec_ptr[EV_SECTION_LEVELS];
  const uint8_t *tomb = r->sec_ptr[EV_SECTION_TOMBSTONES];
  const uint8_t *l0 = r->sec_ptr[EV_SECTION_LINKS0];
  const uint8_t *up = r->sec_ptr[EV_SECTION_UPPER];
  const uint8_t *flt = r->sec_ptr[EV_SECTION_FLOATS];
  const size_t P = ix->payload_bytes;
  ev_status st;

  st = ev__ensure_capacity(ix, count);
  if (st == EV_OK) st = ev_idmap_reserve(&ix->ids, count, ix->ext_ids);
  if (st != EV_OK)
    return fail(r, st, EV_SECTION_NONE, EV_REASON_OUT_OF_MEMORY, 0);

  /* Levels first: the upper links are checked against them. */
  for (uint32_t s = 0; s < count; s++) {
    if (lev[s] > r->max_level)
      return corrupt(r, EV_SECTION_LEVELS, EV_REASON_BAD_VALUE,
                     r->sec_off[EV_SECTION_LEVELS] + s);
  }
  if (count && lev[r->entry] != r->max_level)
    return corrupt(r, EV_SECTION_LEVELS, EV_REASON_INCONSISTENT,
                   r->sec_off[EV_SECTION_LEVELS] + r->entry);

  /* Tombstones: bits past count must be clear, the popcount must match. */
  uint32_t deleted = 0;
  for (uint32_t s = 0; s < count; s++) deleted += (tomb[s / 8] >> (s % 8)) & 1u;
  if (count % 8 && (tomb[count / 8] >> (count % 8)) != 0)
    return corrupt(r, EV_SECTION_TOMBSTONES, EV_REASON_BAD_VALUE,
                   r->sec_off[EV_SECTION_TOMBSTONES] + count / 8);
  if (deleted != r->info->deleted_count)
    return corrupt(r, EV_SECTION_TOMBSTONES, EV_REASON_INCONSISTENT,
                   r->sec_off[EV_SECTION_TOMBSTONES]);

  /* Per slot: vector, id, level, upper block. count grows slot by slot so
   * that ev_index_free releases exactly the blocks allocated so far. */
  size_t l0_off = 0, up_off = 0;
  const uint64_t l0_len = r->sec_len[EV_SECTION_LINKS0], up_len = r->sec_len[EV_SECTION_UPPER];
  for (uint32_t s = 0; s < count; s++) {
    if (vec) {
      const uint8_t *pl = vec + (size_t)s * P;
      if (!ev__payload_ok(ix, pl))
        return corrupt(r, EV_SECTION_VECTORS, EV_REASON_BAD_VALUE,
                       r->sec_off[EV_SECTION_VECTORS] + (uint64_t)s * P);
      ev__payload_from_le(ix, ev__payload(ix, s), pl);
    }
    if (flt) {
      const uint8_t *fl = flt + (size_t)s * dim * 4;
      if (!ev_le_finite_words(fl, dim))
        return corrupt(r, EV_SECTION_FLOATS, EV_REASON_BAD_VALUE,
                       r->sec_off[EV_SECTION_FLOATS] + (uint64_t)s * dim * 4);
      ev_le_get_words(ix->floats + (size_t)s * dim, fl, dim);
    }

    uint64_t id = ev_le_get_u64(ids + (size_t)s * 8);
    int is_deleted = (tomb[s / 8] >> (s % 8)) & 1;
    if (!ev__id_within_sequence(id, r->next_auto_id, (int)r->auto_exhausted))
      return corrupt(r, EV_SECTION_IDS, EV_REASON_INCONSISTENT,
                     r->sec_off[EV_SECTION_IDS] + (uint64_t)s * 8);

    int level = lev[s];
    uint32_t *block;
    if (ev__upper_block_new(ix, level, &block) != EV_OK)
      return fail(r, EV_ERR_OUT_OF_MEMORY, EV_SECTION_NONE,
                  EV_REASON_OUT_OF_MEMORY, 0);
    ev__slot_set_upper(ix, s, level, block);
    ix->ext_ids[s] = id;
    ix->levels[s] = (uint8_t)level;
    ix->deleted[s] = (uint8_t)is_deleted;
    ix->scratch.visited[s] = 0;
    ix->count = s + 1;
    ev_idmap_put(&ix->ids, id, s, ix->ext_ids);

    /* Level-0 links. */
    if (l0) {
      st = read_list(r, ix, s, 0, EV_SECTION_LINKS0, r->sec_off[EV_SECTION_LINKS0], l0, l0_len,
                     &l0_off, count, lev);
      if (st != EV_OK) return st;
    }

    /* Upper links: targets must exist on that level. */
    for (int l = 1; l <= level; l++) {
      st = read_list(r, ix, s, l, EV_SECTION_UPPER, r->sec_off[EV_SECTION_UPPER], up, up_len,
                     &up_off, count, lev);
      if (st != EV_OK) return st;
    }
  }
  if (l0 && l0_off != l0_len)
    return corrupt(r, EV_SECTION_LINKS0, EV_REASON_INCONSISTENT,
                   r->sec_off[EV_SECTION_LINKS0] + l0_off);
  if (up_off != up_len)
    return corrupt(r, EV_SECTION_UPPER, EV_REASON_INCONSISTENT,
                   r->sec_off[EV_SECTION_UPPER] + up_off);

  /* Ids: the map points each id at its newest slot. When the map holds
   * `count` entries every id is distinct (the usual case, one hash probe
   * per slot); otherwise every older slot of a repeated id must be deleted
   * (one live slot per id). */
  if (ix->ids.size != count) {
    for (uint32_t s = 0; s < count; s++) {
      uint32_t newest = ev_idmap_get(&ix->ids, ix->ext_ids[s], ix->ext_ids);
      if (newest != s && !ix->deleted[s])
        return corrupt(r, EV_SECTION_IDS, EV_REASON_BAD_VALUE,
                       r->sec_off[EV_SECTION_IDS] + (uint64_t)s * 8);
    }
  }

  if (r->sec_ptr[EV_SECTION_METADATA]) {
    st = decode_metadata(r, ix);
    if (st != EV_OK) return st;
  }

  ix->deleted_count = deleted;
  ix->entry = count ? r->entry : EV_NO_SLOT;
  ix->max_level = count ? r->max_level : -1;
  ix->next_auto_id = r->next_auto_id;
  ix->auto_ids_exhausted = (int)r->auto_exhausted;
  ix->rng_state = r->rng_state;
  /* Whether the slots were in graph order is not persisted: a loaded
   * index counts as ordered (reorder.c says why). */
  ix->ordered_slots = count;
  return EV_OK;
}

static ev_status begin_read(reader *r, const uint8_t *bytes, size_t len,
                            ev_snapshot_info *info, ev_load_error *err) {
  memset(info, 0, sizeof *info);
  memset(err, 0, sizeof *err);
  r->bytes = bytes;
  r->len = len;
  r->err = err;
  r->info = info;
  if (!bytes && len) return fail(r, EV_ERR_INVALID_ARGUMENT, 0, 0, 0);
  if (len == 0)
    return fail(r, EV_ERR_TRUNCATED, EV_SECTION_HEADER, EV_REASON_TRUNCATED, 0);
  ev_status st = ev__snap_read_header(r);
  if (st != EV_OK) return st;
  for (unsigned i = 0; i < r->nsec; i++)
    r->sec_ptr[r->order[i]] = bytes + r->sec_off[r->order[i]];
  return EV_OK;
}

ev_status ev_snapshot_inspect(const uint8_t *bytes, size_t len,
                              ev_snapshot_info *info, ev_load_error *err) {
  ev_snapshot_info info_local;
  ev_load_error err_local;
  reader r = {0};
  return begin_read(&r, bytes, len, info ? info : &info_local,
                    err ? err : &err_local);
}

ev_status ev_snapshot_load(const uint8_t *bytes, size_t len, ev_index **out,
                           ev_snapshot_info *info, ev_load_error *err) {
  ev_snapshot_info info_local;
  ev_load_error err_local;
  reader r = {0};
  if (!info) info = &info_local;
  if (!err) err = &err_local;
  if (out) *out = NULL;
  if (!out) {
    memset(info, 0, sizeof *info);
    memset(err, 0, sizeof *err);
    err->status = EV_ERR_INVALID_ARGUMENT;
    return EV_ERR_INVALID_ARGUMENT;
  }
  ev_status st = begin_read(&r, bytes, len, info, err);
  if (st == EV_OK) st = ev__snap_check_crcs(&r, NULL);
  if (st != EV_OK) return st;
  ev_index *ix = NULL;
  st = ev__index_new(&info->options, &ix);
  if (st != EV_OK)
    return fail(&r, st, EV_SECTION_NONE, EV_REASON_OUT_OF_MEMORY, 0);
  st = ev__snap_decode(&r, ix);
  if (st != EV_OK) {
    ev_index_free(ix);
    return st;
  }
  *out = ix;
  return EV_OK;
}
