/*
 * wal_graph.h — the GRAPH op of the log: a commit's inserts written as the
 * graph state they produced (encoded by journal.c, applied by wal.c; both
 * through wal_graph.c). Its byte layout is documented at the top of wal.c.
 */
#ifndef EV_WAL_GRAPH_H
#define EV_WAL_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"

/* Bytes of the op body's fixed fields, before its nodes: the least a body
 * can hold. */
#define EV_GRAPH_HEAD_BYTES 40u

/* Which lists of an older slot (one inserted before the op's first slot)
 * changed since the last GRAPH op: bits of marks->bits[slot]. */
#define EV_MARK_LEVEL0 1u
#define EV_MARK_UPPER 2u
typedef struct ev_graph_marks {
  const uint8_t *bits; /* per slot; only [lo, hi) may be non-zero */
  const uint16_t *kept0; /* per slot with EV_MARK_LEVEL0: how many leading
                            level-0 links are unchanged (not logged) */
  uint32_t lo, hi;
  uint32_t count;      /* non-zero entries */
} ev_graph_marks;

/* Bytes of the GRAPH op (code and length included) for the slots
 * [first, ix->count) and the marked older slots, and its encoding into
 * out (that many bytes); returns the bytes written. */
size_t ev__graph_op_size(const ev_index *ix, uint32_t first,
                         const ev_graph_marks *marks);
size_t ev__graph_op_write(const ev_index *ix, uint32_t first,
                          const ev_graph_marks *marks, uint8_t *out);
/* Checks a GRAPH op body (after its code and length) against the index and
 * applies it: all of it, or nothing with CORRUPT (*bad = offset of the
 * problem in the body) or OUT_OF_MEMORY. */
ev_status ev__graph_op_apply(ev_index *ix, const uint8_t *body, size_t len,
                             size_t *bad);

#endif /* EV_WAL_GRAPH_H */
