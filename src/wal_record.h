/*
 * wal_record.h — the framing of one log record and the codes of its ops,
 * shared by the writer (journal.c) and the reader (wal.c). The byte layout
 * is documented at the top of wal.c.
 */
#ifndef EV_WAL_RECORD_H
#define EV_WAL_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* Newest record format version this build writes; the reader accepts
 * 1..this. Version 2 added the GRAPH op; version 1 records (INSERT ops)
 * still replay. Version 3 added the METADATA op: a record that holds one
 * is written as version 3, any other as version 2 (EV_WAL_VERSION_PLAIN),
 * so the logs of an index without metadata stay readable by older
 * builds. */
#define EV_WAL_VERSION 3u
#define EV_WAL_VERSION_PLAIN 2u

/* Operation codes inside a record. Stable numbers. */
enum {
  EV_WAL_OP_INSERT = 1,
  EV_WAL_OP_DELETE = 2,
  EV_WAL_OP_COMPACT = 3,
  EV_WAL_OP_GRAPH = 4, /* version >= 2; its body: wal_graph.h */
  EV_WAL_OP_METADATA = 5, /* version >= 3 */
};

/* Bytes of a record's fixed header and of its trailing CRC. */
#define EV_WAL_HEADER_BYTES 32u
#define EV_WAL_TRAILER_BYTES 4u

/* Frames a record in place: rec holds EV_WAL_HEADER_BYTES of room, then
 * the encoded ops (ops_len bytes, op_count ops), then room for the
 * EV_WAL_TRAILER_BYTES CRC. Writes the header (with `version`) and the
 * CRC; returns the record's length. (wal.c) */
size_t ev__wal_frame_record(uint8_t *rec, uint32_t version, uint64_t seq,
                            uint32_t dimensions, uint32_t op_count,
                            size_t ops_len);

#endif /* EV_WAL_RECORD_H */
