/*
 * snapshot_read.h — the snapshot reader's steps, shared by the two ways a
 * snapshot is read: from bytes given whole (snapshot.c) and from bytes
 * arriving in order (snapshot_stream.c). Internal to the core.
 *
 * The reader finds each section through sec_ptr, not through one buffer:
 * a streamed load keeps only the sections it could not place as they
 * arrived, and places the vectors, the kept floats and the level-0 links
 * straight into the index. A section whose sec_ptr is NULL was placed and
 * checked that way; the decode then skips it.
 */
#ifndef EV_SNAPSHOT_READ_H
#define EV_SNAPSHOT_READ_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "snapshot.h"

#define EV_SNAP_PRELUDE_BYTES 20u
#define EV_SNAP_FIELDS_END 120u
#define EV_SNAP_TABLE_ENTRY_BYTES 24u
#define EV_SNAP_SECTION_IDS 10u /* section ids are 2..9 */
#define EV_SNAPSHOT_MAX_SECTIONS 8u /* version 2: FLOATS and METADATA */


typedef struct ev_snap_reader {
  const uint8_t *bytes; /* the header (and, read whole, everything after it) */
  size_t len;           /* bytes there */
  int streaming;        /* the sections arrive later: total_len is not
                           compared with len */
  ev_load_error *err;
  ev_snapshot_info *info;
  /* From the header. */
  uint32_t header_len;
  uint32_t entry;
  int32_t max_level;
  uint64_t next_auto_id;
  uint32_t auto_exhausted;
  uint64_t rng_state;
  uint32_t nsec;
  uint32_t order[EV_SNAPSHOT_MAX_SECTIONS]; /* section ids in table order */
  /* Indexed by section id (absent ones stay 0). */
  uint64_t sec_off[EV_SNAP_SECTION_IDS];
  uint64_t sec_len[EV_SNAP_SECTION_IDS];
  uint32_t sec_crc[EV_SNAP_SECTION_IDS];
  const uint8_t *sec_ptr[EV_SNAP_SECTION_IDS];
} ev_snap_reader;

/* Records the failure in r->err and returns st. */
ev_status ev__snap_fail(ev_snap_reader *r, ev_status st, uint32_t section,
                        uint32_t reason, uint64_t offset);

/* Prelude, header fields and section table of r->bytes[0, r->len). */
ev_status ev__snap_read_header(ev_snap_reader *r);

/* Each section's CRC against the table: summed[i] for the section at table
 * position i (a streamed load sums every section whole as it passes), or,
 * with summed NULL, computed from sec_ptr. */
ev_status ev__snap_check_crcs(ev_snap_reader *r, const uint32_t *summed);

/* Builds the index from the checked sections, checking every value. On
 * failure the caller frees the partly built index. */
ev_status ev__snap_decode(ev_snap_reader *r, ev_index *ix);

#endif /* EV_SNAPSHOT_READ_H */
