/*
 * snapshot.h — the snapshot format: the whole index as one byte string, and
 * back, without rebuilding the graph.
 *
 * The byte layout is documented at the top of snapshot.c. The core never
 * does I/O: a snapshot is encoded into memory, and the JS layer moves the
 * bytes to and from storage (IndexedDB, a file).
 *
 * Trade-off: the snapshot stores the graph itself (every link list), not
 * just the vectors, so loading is a validated copy (O(bytes)) instead of a
 * rebuild (O(n log n) distance computations). It costs the bytes of the
 * link lists on top of the vectors (sizes and load times:
 * bench/results/api.md; build times: bench/results/core.md).
 */
#ifndef EV_SNAPSHOT_H
#define EV_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"

/* Newest format version this build writes (only for an index that holds
 * metadata; 1 otherwise). The reader accepts 1..this. */
#define EV_SNAPSHOT_VERSION 2u

/* Which part of a snapshot a load failed in. Stable numbers (the JS layer
 * reports them in its CORRUPT error); only append. */
typedef enum ev_snapshot_section {
  EV_SECTION_NONE = 0,       /* no failure */
  EV_SECTION_HEADER = 1,     /* magic, version, options, counts, table */
  EV_SECTION_VECTORS = 2,    /* count x payload: f32 vector or its codes */
  EV_SECTION_IDS = 3,        /* count x u64 external ids */
  EV_SECTION_LEVELS = 4,     /* count x u8 node levels */
  EV_SECTION_TOMBSTONES = 5, /* deleted bitmap */
  EV_SECTION_LINKS0 = 6,     /* level-0 link lists */
  EV_SECTION_UPPER = 7,      /* level 1.. link lists */
  EV_SECTION_FLOATS = 8,     /* f32 vectors beside quantized codes */
  EV_SECTION_METADATA = 9,   /* per-slot metadata records (version 2) */
} ev_snapshot_section;

/* Why it failed. Stable numbers, only append. */
typedef enum ev_load_reason {
  EV_REASON_NONE = 0,
  EV_REASON_BAD_MAGIC = 1,      /* not a snapshot (or not a log record) */
  EV_REASON_NEWER_VERSION = 2,  /* written by a newer format version */
  EV_REASON_TRUNCATED = 3,      /* the bytes end before the data does */
  EV_REASON_CHECKSUM = 4,       /* CRC-32 mismatch */
  EV_REASON_INCONSISTENT = 5,   /* counts or sizes disagree */
  EV_REASON_BAD_VALUE = 6,      /* a value out of range: link target, level,
                                   NaN in a vector, duplicate live id... */
  EV_REASON_OUT_OF_MEMORY = 7,  /* the data is fine, memory ran out */
  EV_REASON_SEQUENCE_GAP = 8,   /* log: a sequence number is missing */
  EV_REASON_UNKNOWN_FEATURE = 9,/* a flag, section or op this build lacks */
  EV_REASON_REPLAY_FAILED = 10, /* log: a record did not apply to the index */
} ev_load_reason;

/* Where and why a load failed; all zero on success. */
typedef struct ev_load_error {
  ev_status status;   /* same value the function returned */
  uint32_t section;   /* ev_snapshot_section (snapshots) or 0 (log) */
  uint32_t reason;    /* ev_load_reason */
  uint64_t offset;    /* byte offset where the problem was found */
} ev_load_error;

/* What the header says, filled in by ev_snapshot_load/inspect. */
typedef struct ev_snapshot_info {
  uint32_t version;   /* format version of the bytes */
  uint32_t flags;     /* header flags (0 in versions 1 and 2) */
  ev_options options; /* the index options it was written with */
  uint32_t count;     /* slots (live + deleted) */
  uint32_t deleted_count;
  uint64_t wal_seq;   /* sequence number of the last log record included:
                         replay records with a greater sequence number */
  uint64_t total_bytes; /* size of the whole snapshot */
} ev_snapshot_info;

/* Short English names, static storage, never NULL. */
const char *ev_snapshot_section_name(uint32_t section);
const char *ev_load_reason_name(uint32_t reason);

/* Exact size in bytes of the snapshot ev_snapshot_write would produce now. */
size_t ev_snapshot_size(const ev_index *index);

/* Encodes the index into out[0..capacity). wal_seq is stored as the last
 * log record the snapshot includes (0 when there is no log). *out_len gets
 * the bytes written. INVALID_ARGUMENT if capacity < ev_snapshot_size. The
 * index is not changed. */
ev_status ev_snapshot_write(const ev_index *index, uint64_t wal_seq,
                            uint8_t *out, size_t capacity, size_t *out_len);

/* Same, into a new buffer that the caller frees with free(). */
ev_status ev_snapshot_save(const ev_index *index, uint64_t wal_seq,
                           uint8_t **out, size_t *out_len);

/* The same bytes in pieces, so that no buffer of the snapshot's size has
 * to exist where the index lives: begin gives the total size and the
 * header's size; next fills buf with the bytes that follow the header, in
 * order, as many as fit (*out_len; 0 once all are written; capacity must
 * be at least EV_SNAPSHOT_MIN_CHUNK, more than any one item needs); header
 * then writes the header_bytes that go first (it holds the checksums, so
 * it comes last). The index must not change between begin and header.
 * INVALID_ARGUMENT for a small buffer or a header asked for too early. */
#define EV_SNAPSHOT_MIN_CHUNK 65536u
typedef struct ev_snapshot_writer ev_snapshot_writer;
ev_status ev_snapshot_writer_begin(const ev_index *index, uint64_t wal_seq,
                                   ev_snapshot_writer **out,
                                   uint64_t *total_bytes, uint32_t *header_bytes);
ev_status ev_snapshot_writer_next(ev_snapshot_writer *writer, uint8_t *buf,
                                  size_t capacity, size_t *out_len);
ev_status ev_snapshot_writer_header(ev_snapshot_writer *writer, uint8_t *buf,
                                    size_t capacity);
void ev_snapshot_writer_free(ev_snapshot_writer *writer);

/* Checks the whole snapshot (magic, version, every checksum, every count,
 * every link, id and vector) and builds an index from it. On success *out
 * owns a new index (free with ev_index_free) that searches, inserts and
 * saves exactly as the index that wrote the bytes. On failure *out is NULL
 * and nothing is allocated. Errors: TRUNCATED, CORRUPT,
 * UNSUPPORTED_VERSION, OUT_OF_MEMORY, INVALID_ARGUMENT (NULL pointers).
 * info and err may be NULL. Journaling is off on the loaded index. */
ev_status ev_snapshot_load(const uint8_t *bytes, size_t len, ev_index **out,
                           ev_snapshot_info *info, ev_load_error *err);

/* A snapshot loaded while its bytes arrive in order (a download), without
 * a buffer of its size: the vectors (and kept floats) and the level-0 link
 * lists are checked and written into the new index as they come, the other
 * sections are held until the end (snapshot_stream.c says why). The checks
 * and the errors are those of ev_snapshot_load, except that where a
 * snapshot has several bad values, one in what is placed as it comes is
 * the one reported.
 *   begin  takes the first `len` bytes, at least the whole header
 *          (header_len, bytes 12..15 of the prelude; TRUNCATED with fewer);
 *          the header is checked whole (its CRC, options, counts, table)
 *          before anything is allocated from it. *info gets what it says.
 *   feed   the next n bytes. More than the header's total_len is CORRUPT.
 *   finish after the last byte: every section's checksum, then every value,
 *          then *out owns the index (journaling off), as ev_snapshot_load.
 *          TRUNCATED when bytes are missing.
 * A failure of begin leaves *out NULL. A later failure is final: further
 * feed and finish calls report the same error. After finish handed out the
 * index, feed and finish are INVALID_ARGUMENT. Free a begun stream with
 * ev_snapshot_stream_free in every case (it frees a partly built index;
 * the index finish handed out is the caller's). info and err may be NULL. */
typedef struct ev_snapshot_stream ev_snapshot_stream;
ev_status ev_snapshot_stream_begin(const uint8_t *bytes, size_t len,
                                   ev_snapshot_stream **out,
                                   ev_snapshot_info *info, ev_load_error *err);
ev_status ev_snapshot_stream_feed(ev_snapshot_stream *stream, const uint8_t *bytes,
                                  size_t n, ev_load_error *err);
ev_status ev_snapshot_stream_finish(ev_snapshot_stream *stream, ev_index **out,
                                    ev_load_error *err);
void ev_snapshot_stream_free(ev_snapshot_stream *stream);

/* Checks the header only (magic, version, header checksum, section table
 * bounds) and fills *info; for a quick look at wal_seq and options. */
ev_status ev_snapshot_inspect(const uint8_t *bytes, size_t len,
                              ev_snapshot_info *info, ev_load_error *err);

#endif /* EV_SNAPSHOT_H */
