/*
 * filter.h — filters over metadata: the filter program (bytes the JS layer
 * compiles; format at the top of filter.c), its check, its evaluation per
 * slot, and the filtered searches (search_filtered.c).
 *
 * Semantics (what a leaf is true for):
 *  - A comparison is true only when the vector has the field with a value
 *    of the operand's type; a missing field or a value of another type
 *    makes it false, NE included. A STRINGS field counts as having a value
 *    of type STRING for EQ/NE/ANY/ALL/NONE (the array's elements).
 *  - EQ v: numbers by f64 equality (-0 == 0), strings by bytes, booleans;
 *    on a STRINGS field, the array contains v. NE v: the field has a value
 *    of v's type and EQ v is false (on STRINGS: the array lacks v).
 *  - LT/LTE/GT/GTE v (numbers only): NUMBER field compared with v.
 *  - ANY [v..]: a scalar field equal to one of the values; a STRINGS field
 *    sharing at least one value with the list.
 *  - ALL [v..]: a STRINGS field containing every value; a scalar field
 *    equal to every value (so only when they are all the same).
 *  - NONE [v..]: the field has a value of the type of one of the values
 *    and ANY is false (NE's rule applied to a list).
 *  - EXISTS: the field is present, whatever its type.
 *  - AND, OR, NOT are plain logic (NOT of a comparison on a missing field
 *    is true); TRUE and FALSE are constants.
 *  - A field or string no vector has is not an error: it matches nothing.
 *  - Deleted vectors never match (their metadata is gone).
 */
#ifndef EV_FILTER_H
#define EV_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"

#define EV_FILTER_MAGIC 0x50465645u /* "EVFP" read as a little-endian u32 */
#define EV_FILTER_VERSION 1
#define EV_FILTER_MAX_NODES 1024  /* nodes in one program */
#define EV_FILTER_MAX_VALUES 1024 /* values of one ANY/ALL/NONE */
#define EV_FILTER_MAX_DEPTH 64    /* values on the evaluation stack */

/* Node ops. */
enum {
  EV_FILTER_EQ = 1,
  EV_FILTER_NE = 2,
  EV_FILTER_LT = 3,
  EV_FILTER_LTE = 4,
  EV_FILTER_GT = 5,
  EV_FILTER_GTE = 6,
  EV_FILTER_ANY = 7,
  EV_FILTER_ALL = 8,
  EV_FILTER_NONE = 9,
  EV_FILTER_EXISTS = 10,
  EV_FILTER_AND = 20,
  EV_FILTER_OR = 21,
  EV_FILTER_NOT = 22,
  EV_FILTER_TRUE = 23,
  EV_FILTER_FALSE = 24
};

/* "Not about one node" (the header, or bytes after the last node). */
#define EV_FILTER_NO_NODE 0xFFFFFFFFu

/* Which way a filtered search went (see search_filtered.c). */
enum {
  EV_FILTER_STRATEGY_AUTO = 0, /* only as a request: choose */
  EV_FILTER_STRATEGY_SCAN = 1,    /* exact scan of the matching vectors */
  EV_FILTER_STRATEGY_WALK = 2,    /* graph walk routing through non-matches */
  EV_FILTER_STRATEGY_TWO_HOP = 3, /* walk over matches, through the
                                     neighbours of non-matching neighbours */
  EV_FILTER_STRATEGY_POST = 4     /* unfiltered walk for more results, the
                                     matches among them kept */
};

typedef struct ev_filter_report {
  uint32_t strategy;  /* the EV_FILTER_STRATEGY_* that ran first */
  uint32_t estimate;  /* estimated live matches it was chosen from */
  uint32_t fell_back; /* 1: the strategy that ran first found fewer than
                         min(k, matches) and another answered: the exact
                         scan, or after POST the walk (and the scan if it
                         too found fewer) */
  uint32_t err_node;  /* INVALID_FILTER: the node at fault, or
                         EV_FILTER_NO_NODE */
  uint32_t ef_factor; /* how many times ef results the walks kept (from
                         how much the filter follows position; 0 when
                         no walk could run: an empty index) */
} ev_filter_report;

/* Checks a program's bytes: INVALID_FILTER with *err_node (may be NULL). */
ev_status ev_filter_check(const uint8_t *prog, size_t len, uint32_t *err_node);

/* The k nearest live vectors matching the filter, nearest first:
 * *out_count = min(k, live matches) always (the graph search falls back to
 * an exact scan of the matches when it finds fewer). ef as ev_search
 * (0 = the index's ef_search). report may be NULL. Errors: those of
 * ev_search, INVALID_FILTER (report->err_node), OUT_OF_MEMORY. */
ev_status ev_search_filtered(ev_index *index, const float *query, uint32_t dim,
                             uint32_t k, uint32_t ef, const uint8_t *prog,
                             size_t prog_len, uint64_t *out_ids,
                             float *out_distances, uint32_t *out_count,
                             ev_filter_report *report);

/* The same with the strategy forced (EV_FILTER_STRATEGY_AUTO: chosen), for
 * the benchmark that picks the thresholds and for tests. A forced walk runs
 * to its end (a chosen one gives up past the scan's cost); either falls back
 * to the scan when it finds fewer than k. */
ev_status ev_search_filtered_with(ev_index *index, const float *query,
                                  uint32_t dim, uint32_t k, uint32_t ef,
                                  const uint8_t *prog, size_t prog_len,
                                  uint32_t strategy, uint64_t *out_ids,
                                  float *out_distances, uint32_t *out_count,
                                  ev_filter_report *report);

/* ev_search_filtered for each of n queries (n x dim floats), in query
 * order: query i's min(k, live matches) results at out_ids + i * k and
 * out_distances + i * k, their count at out_counts[i]. The filter is
 * compiled and its strategy chosen once for the whole batch, and the
 * queries run on the index's threads (ev_set_threads) like ev_search_batch's.
 * Everything is checked before the first query runs: a bad query is its
 * error with err->index; INVALID_FILTER sets report->err_node; nothing is
 * written then. report (may be NULL) gives the batch's plan, and in
 * fell_back how many queries fell back. */
ev_status ev_search_filtered_batch(ev_index *index, const float *queries, size_t n,
                                   uint32_t dim, uint32_t k, uint32_t ef,
                                   const uint8_t *prog, size_t prog_len,
                                   uint64_t *out_ids, float *out_distances,
                                   uint32_t *out_counts, ev_batch_error *err,
                                   ev_filter_report *report);

/* Exact filtered nearest neighbours: every live match scored (for tests
 * and recall measurement). Same contract without ef. */
ev_status ev_search_exact_filtered(ev_index *index, const float *query,
                                   uint32_t dim, uint32_t k,
                                   const uint8_t *prog, size_t prog_len,
                                   uint64_t *out_ids, float *out_distances,
                                   uint32_t *out_count,
                                   ev_filter_report *report);

/* The exact number of live vectors matching, into *out_count. */
ev_status ev_filter_count(ev_index *index, const uint8_t *prog,
                          size_t prog_len, uint32_t *out_count,
                          uint32_t *err_node);

/* ---- the core's side (search_filtered.c, index.c) ------------------------ */

/* Checks and compiles a program against the index's store into the index's
 * plan (index-owned scratch, reused by later searches). */
ev_status ev__filter_compile(ev_index *ix, const uint8_t *prog, size_t len,
                             uint32_t *err_node);
/* 1 when live slot `slot` matches the compiled plan. No allocation. */
int ev__filter_match(const ev_index *ix, uint32_t slot);
void ev__filter_plan_free(ev_index *ix);
size_t ev__filter_plan_bytes(const ev_index *ix);

/* What search_filtered.c derives from a filter and the index's slots (its
 * estimated matches and ef factor), kept with the plan of the program
 * compiled last: a later search with the same program bytes reuses it
 * while ix->changes has not moved. */
typedef struct ev_filter_estimate {
  uint32_t matches, ef_factor;
} ev_filter_estimate;
/* 1 and *out when one is kept for the program compiled last and the index
 * as it is now. */
int ev__filter_estimate_get(const ev_index *ix, ev_filter_estimate *out);
/* Keeps `e` for the program compiled last and the index as it is now. */
void ev__filter_estimate_put(ev_index *ix, ev_filter_estimate e);

#endif /* EV_FILTER_H */
