/*
 * recall_util.h — search quality as the tests measure it: the mean
 * recall@k of the approximate search against the exact one, on the same
 * index (so deleted vectors are left out of both).
 */
#ifndef EV_RECALL_UTIL_H
#define EV_RECALL_UTIL_H

#include <stdint.h>

#include "edgevec.h"

/* Mean recall@k of ev_search at ef against ev_search_exact over nq queries
 * (nq x dim floats): the true top-k ids the search returned, over all the
 * true ids. 0 when no query has a true neighbour or memory runs out. */
double ru_recall(ev_index *ix, const float *queries, uint32_t nq, uint32_t dim,
                 uint32_t k, uint32_t ef);

#endif
