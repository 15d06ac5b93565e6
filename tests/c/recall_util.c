/* recall_util.c — recall@k against the exact search (recall_util.h). No
 * tests. */
#include "recall_util.h"

#include <stdlib.h>

double ru_recall(ev_index *ix, const float *queries, uint32_t nq, uint32_t dim,
                 uint32_t k, uint32_t ef) {
  uint64_t *got = malloc(sizeof *got * k), *truth = malloc(sizeof *truth * k);
  float *gd = malloc(sizeof *gd * k), *td = malloc(sizeof *td * k);
  size_t hits = 0, total = 0;
  for (uint32_t q = 0; got && truth && gd && td && q < nq; q++) {
    const float *query = queries + (size_t)q * dim;
    uint32_t gn = 0, tn = 0;
    ev_search(ix, query, dim, k, ef, got, gd, &gn);
    ev_search_exact(ix, query, dim, k, truth, td, &tn);
    for (uint32_t i = 0; i < tn; i++)
      for (uint32_t j = 0; j < gn; j++)
        if (truth[i] == got[j]) {
          hits++;
          break;
        }
    total += tn;
  }
  free(got);
  free(truth);
  free(gd);
  free(td);
  return total ? (double)hits / (double)total : 0.0;
}
