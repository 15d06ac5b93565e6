/*
 * search_filtered.c — nearest neighbours among the vectors a filter
 * matches (filter.h), by one of three strategies chosen per search from the
 * filter's estimated selectivity:
 *
 *  SCAN     every live slot is tested and the matches are scored exactly.
 *           Its cost is one filter test per slot plus one distance per
 *           match, so it wins when few vectors match, and it is exact.
 *  WALK     the usual best-first walk of level 0, where a node that does
 *           not match still enters the candidate queue (it keeps routing:
 *           a filter must not cut the graph) but only matching live nodes
 *           enter the results. The walk goes on while the results hold
 *           fewer than ef matches and candidates remain, so it expands
 *           about ef / selectivity nodes: fine while many match.
 *  TWO_HOP  a walk over the matching nodes only: distances are computed
 *           for matches alone, and a non-matching neighbour is looked
 *           through (its own neighbours are taken as candidates) instead of
 *           being scored. When few match, the matching nodes are rarely
 *           linked directly; their neighbours-of-neighbours keep them
 *           connected, and no distance is spent on the non-matches a WALK
 *           would route through.
 *  POST     the unfiltered walk (graph.c) for about EV_FILTER_POST_OVERSAMPLE
 *           times k / share results (at least ef), the matches among them
 *           kept in order. Only for a filter independent of position (ef
 *           factor SPREAD): its matches are spread among the query's
 *           nearest at its share, so the nearest of that longer list hold
 *           the nearest matches. It tests the filter on the results alone,
 *           and in the wasm build the unfiltered walk is the fastest per
 *           node (its distance kernel is inlined there, see index.h's
 *           ev__score_fresh). Should the list hold fewer than k matches,
 *           the walk the share would get answers.
 *
 * Whatever ran, a search returns min(k, live matches) results: when a walk
 * finds fewer than k, the SCAN answers instead (it finds every match).
 * Quantized indexes walk on codes and re-rank like ev_search.
 *
 * The choice (plan) is made once per search, or once for every query of a
 * batch (ev_search_filtered_batch), whose queries then run the chosen
 * strategy in their own threads' scratch (run_route reads the index only).
 *
 * The estimate tests a fixed sample of EV_FILTER_SAMPLE slots spread evenly
 * over the slot range (a stride, so it costs the same for every filter and
 * needs no RNG): its share of matches among the live slots sampled, times
 * the live count. Why a fixed size: the choice between strategies needs
 * the selectivity within a factor of about two around the thresholds, and
 * a sample of this size gives that at those selectivities while costing a
 * small fraction of one walk. Indexes with at most that many slots are
 * counted exactly. The estimate and the ef factor are kept for the program
 * compiled last and reused while the index does not change (filter.h,
 * ev__filter_estimate_get).
 *
 * The thresholds were picked by measurement on 100k x 128 clustered data
 * with labels both random and following the clusters, at selectivities
 * 50%, 10%, 1% and 0.1% (bench/native/bench_filter.c prints recall and QPS
 * of every strategy in every cell; the table is in
 * bench/results/filter-native.md):
 *  - below EV_FILTER_SCAN_BELOW_PERMILLE the SCAN: the matches are too
 *    sparse for neighbours-of-neighbours to keep them connected, so
 *    TWO_HOP's recall drops and its cost rises to the scan's, while the
 *    scan is exact and costs little more than one test per slot;
 *  - up to EV_FILTER_TWO_HOP_BELOW_PERMILLE the TWO_HOP: a WALK there
 *    scores every non-matching node it routes through, most of the nodes
 *    it meets, and TWO_HOP scores only matches;
 *  - above it the WALK: the non-matches it scores are few, and looking
 *    through neighbours' lists costs TWO_HOP more than it saves;
 *  - from EV_FILTER_POST_FROM_PERMILLE up to the WALK's share, for a
 *    filter independent of position, the POST, when its longer list fits
 *    the search's heaps: in bench:filter (wasm) at 10% it answered with
 *    recall 0.998 where TWO_HOP gave 0.995, at 0.45x the run's unfiltered
 *    QPS where TWO_HOP ran at 0.41x (filter-native.md). Not below: its list
 *    grows as k / share. Not above: there it keeps few more results than
 *    ef, and the unfiltered walk's list at ef is less exact than the
 *    WALK's ef matches (recall 0.963 against 0.995 at 50% in
 *    bench_filter);
 *  - except for a filter that follows where the vectors lie (see
 *    ef_factor): TWO_HOP at any share above the scan's. Its matches sit in
 *    regions of their own, so a WALK from a query outside them scores the
 *    whole non-matching way there, and TWO_HOP reached the same recall at
 *    about twice the WALK's throughput even where half match.
 * Besides the share, a chosen walk must be expected to cost less than the
 * scan (small indexes scan), and gives up for the scan once it has spent
 * what the scan would cost, so no filter makes a search much slower than
 * the exact scan of its matches.
 */
#include <float.h>
#include <string.h>

#include "filter.h"
#include "heap.h"
#include "index.h"
#include "parallel.h"
#include "query.h"

/* Slots the selectivity estimate tests. */
#define EV_FILTER_SAMPLE 1024u
/* A filtered walk keeps ef times a factor results (the ef asked for, or
 * the index's ef_search), chosen per search from how much the filter
 * follows where the vectors lie. Why: when it does, the query often sits
 * in a region with no match, and the nearest matches are then in a region
 * seen from afar, where distances to the query differ little from node to
 * node and the walk needs a longer list to tell them apart; with the plain
 * ef the recall falls well below the unfiltered search's. When the filter
 * is independent of position, matches are spread among the non-matches
 * everywhere and the plain ef reaches the same recall as the unfiltered
 * search at a fraction of the work. The factors are the smallest measured
 * to reach the target recall in each kind of cell with a margin: with
 * FOLLOWS at 4, the cluster-following 10% cell was at the target itself
 * (bench/results/filter-native.md). */
#define EV_FILTER_EF_FACTOR_SPREAD 1u
#define EV_FILTER_EF_FACTOR_MIXED 2u
#define EV_FILTER_EF_FACTOR_FOLLOWS 6u
#define EV_FILTER_EF_FACTOR_MAX EV_FILTER_EF_FACTOR_FOLLOWS
/* How much a filter follows position is told by the sample's matching
 * slots: the share q of their live level-0 neighbours that match, against
 * the share p of all live slots that match. Neighbours are near each other,
 * so a filter independent of position gives q close to p, and one that
 * follows the clusters gives q close to 1. The excess (q - p) / (1 - p),
 * in 1/1000, is compared with these bounds. */
#define EV_FILTER_MIXED_FROM_PERMILLE 100u
#define EV_FILTER_FOLLOWS_FROM_PERMILLE 300u
/* Matching slots of that sample a walk starts from besides the graph's
 * entry point (start_walk says why): enough to put a start in every
 * region a filter keeps, few against the distances of one walk. */
#define EV_FILTER_SEEDS 64u
/* Estimated share of matching live vectors (in 1/1000) below which the
 * SCAN runs, and below which TWO_HOP runs instead of WALK. */
#define EV_FILTER_SCAN_BELOW_PERMILLE 20u
#define EV_FILTER_TWO_HOP_BELOW_PERMILLE 200u

/* POST: the share (in 1/1000) from which a filter independent of position
 * is answered by the unfiltered walk (below 10%, so that an estimate a
 * little under a tenth still gets it), and how many times k / share
 * results that walk keeps: enough that k matches are among them for
 * nearly every query (twice as many expected). */
#define EV_FILTER_POST_FROM_PERMILLE 80u
#define EV_FILTER_POST_OVERSAMPLE 2u

/* What scoring one vector costs in filter tests (a 128-d vector read from
 * a random place in memory against a test of a one-leaf filter, which
 * reads two dense columns), for comparing a walk's work with a scan's.
 * Measured: bench/results/filter-native.md. */
#define EV_FILTER_TESTS_PER_DISTANCE 32u

/* ---- which slots count --------------------------------------------------- */

static inline int matches(const ev_index *ix, uint32_t slot) {
  return !ix->deleted[slot] && ev__filter_match(ix, slot);
}

/* ---- the three strategies ------------------------------------------------ */

/* Exact top-k over live matches into sc->nearest; returns the count. */
static uint32_t scan(const ev_index *ix, ev_scratch *sc, uint32_t k) {
  ev_heap_item *res = sc->results;
  uint32_t n = 0;
  for (uint32_t s = 0; s < ix->count; s++) {
    if (!matches(ix, s)) continue;
    float d = ev__scratch_exact_distance(ix, sc, s);
    if (n == k) {
      if (d >= res[0].distance) continue;
      ev_heap_max_pop(res, &n);
    }
    ev_heap_max_push(res, &n, (ev_heap_item){d, s});
  }
  return ev_heap_drain_sorted(res, n, sc->nearest);
}

/* A filtered walk in progress (WALK and TWO_HOP) in the scratch of the
 * thread running it: the candidates to expand (a min-heap), the matches
 * kept (a max-heap of at most ef, whose top is the bound), and the epoch
 * that marks the slots visited. */
typedef struct filter_walk {
  ev_scratch *sc;
  ev_heap_item *cand, *res;
  uint32_t ncand, nres, ef, epoch;
  float bound;
} filter_walk;

/* Offers a scored match to the results. */
static inline void offer(filter_walk *w, ev_heap_item item) {
  ev_heap_max_push(w->res, &w->nres, item);
  if (w->nres > w->ef) ev_heap_max_pop(w->res, &w->nres);
  w->bound = w->res[0].distance;
}

/* Scores the `n` fresh slots gathered in `fresh` (ev__score_fresh: two at
 * a time, as the unfiltered walk of graph.c does), and makes each one
 * nearer than the bound (or any while fewer than ef matches are held) a
 * candidate, and a result if it matches. `known_match`: the
 * caller has tested the filter on all of them; otherwise it is tested
 * here, and only for a slot that got this far (a slot beyond the bound
 * costs no test). */
static void consider_fresh(const ev_index *ix, filter_walk *w, ev_heap_item *fresh,
                           uint32_t n, int known_match) {
  ev__score_fresh(ix, w->sc->query_payload, fresh, n);
  for (uint32_t i = 0; i < n; i++) {
    ev_heap_item item = fresh[i];
    if (w->nres < w->ef || item.distance < w->bound) {
      ev_heap_min_push(w->cand, &w->ncand, item);
      if (known_match || matches(ix, item.slot)) offer(w, item);
    }
  }
}

/* The slots of the estimate's sample, in order: slot i of the sample. */
static inline uint32_t sample_slot(const ev_index *ix, uint32_t i) {
  return (uint32_t)(((uint64_t)ix->count * i) / EV_FILTER_SAMPLE);
}

/* Starts a walk: the graph's entry point and, when `seeded`, up to
 * EV_FILTER_SEEDS matching slots of the estimate's sample, scored, as
 * candidates and results. Why seeds: when the filter follows where the
 * vectors lie, the region around the query may hold no match at all, and a
 * walk from the graph's entry point finds whichever matching region its
 * links lead to first, not the nearest; the sample is spread over every
 * region, so its matches give the walk a start in each. The entry point
 * routes whether or not it matches (its distance is known anyway). */
static void start_walk(const ev_index *ix, ev_scratch *sc, uint32_t ep, float ep_dist,
                       uint32_t ef, int seeded, filter_walk *w) {
  *w = (filter_walk){.sc = sc, .cand = sc->candidates, .res = sc->results,
                     .ef = ef, .epoch = ev__scratch_next_epoch(sc), .bound = FLT_MAX};
  sc->visited[ep] = w->epoch;
  ev_heap_min_push(w->cand, &w->ncand, (ev_heap_item){ep_dist, ep});
  if (matches(ix, ep)) offer(w, (ev_heap_item){ep_dist, ep});
  if (!seeded) return;
  uint32_t seeds = 0;
  uint32_t samples = ix->count < EV_FILTER_SAMPLE ? ix->count : EV_FILTER_SAMPLE;
  for (uint32_t i = 0; i < samples && seeds < EV_FILTER_SEEDS; i++) {
    uint32_t s = ix->count < EV_FILTER_SAMPLE ? i : sample_slot(ix, i);
    if (sc->visited[s] == w->epoch || !matches(ix, s)) continue;
    sc->visited[s] = w->epoch;
    float d = ev__scratch_code_distance(ix, sc, s);
    ev_heap_min_push(w->cand, &w->ncand, (ev_heap_item){d, s});
    offer(w, (ev_heap_item){d, s});
    seeds++;
  }
}

/* The next candidate to expand into *slot; 0 when the walk is over: no
 * candidate left, or ef matches held and nothing nearer left. */
static inline int next_candidate(filter_walk *w, uint32_t *slot) {
  if (w->ncand == 0) return 0;
  ev_heap_item c = ev_heap_min_pop(w->cand, &w->ncand);
  if (w->nres >= w->ef && c.distance > w->bound) return 0;
  *slot = c.slot;
  return 1;
}

/* WALK: leaves up to ef matches in sc->results; returns their count, or 0
 * when its work passed `budget` (see budget_of). */
static uint32_t walk(const ev_index *ix, ev_scratch *sc, uint32_t ep, float ep_dist,
                     uint32_t ef, int seeded, uint64_t budget) {
  filter_walk w;
  start_walk(ix, sc, ep, ep_dist, ef, seeded, &w);
  ev_heap_item *fresh = sc->select_buf; /* holds a level-0 list */
  uint64_t work = 0; /* in filter tests (see budget_of) */
  uint32_t c;
  while (next_candidate(&w, &c)) {
    /* Every neighbour not seen yet is scored. */
    const uint32_t *links = ev__links0(ix, c);
    work += (uint64_t)links[0] * EV_FILTER_TESTS_PER_DISTANCE;
    if (work > budget) return 0;
    uint32_t nfresh = 0;
    for (uint32_t i = 1; i <= links[0]; i++) {
      uint32_t nb = links[i];
      if (sc->visited[nb] == w.epoch) continue;
      sc->visited[nb] = w.epoch;
      fresh[nfresh++].slot = nb;
    }
    consider_fresh(ix, &w, fresh, nfresh, 0);
  }
  return w.nres;
}

/* TWO_HOP's matches waiting to be scored: `n` of `room` items. */
typedef struct fresh_matches {
  ev_heap_item *items;
  uint32_t room, n;
} fresh_matches;

/* Adds a matching slot to those waiting, and scores them all once the
 * buffer is full. */
static inline void add_match(const ev_index *ix, filter_walk *w, fresh_matches *f,
                             uint32_t slot) {
  f->items[f->n++].slot = slot;
  if (f->n == f->room) {
    consider_fresh(ix, w, f->items, f->n, 1);
    f->n = 0;
  }
}

/* TWO_HOP: scores matching nodes only, looking through non-matching
 * neighbours to their neighbours. Leaves up to ef matches in sc->results;
 * returns their count, or 0 past `budget`. */
static uint32_t two_hop(const ev_index *ix, ev_scratch *sc, uint32_t ep, float ep_dist,
                        uint32_t ef, int seeded, uint64_t budget) {
  filter_walk w;
  start_walk(ix, sc, ep, ep_dist, ef, seeded, &w);
  /* A second epoch marks the slots tested two hops away and found not to
   * match without being visited, so that a slot met again through another
   * neighbour is not tested again. Taken after the walk's own, so it
   * differs from it and from every earlier walk's marks. */
  uint32_t no_match = ev__scratch_next_epoch(sc);
  /* The matches found around one candidate, scored together whenever the
   * buffer is full and once the candidate is looked through. */
  fresh_matches f = {sc->select_buf, (uint32_t)ev__select_items(ix), 0};
  uint64_t work = 0; /* in filter tests (see budget_of) */
  uint32_t c;
  while (next_candidate(&w, &c)) {
    const uint32_t *links = ev__links0(ix, c);
    for (uint32_t i = 1; i <= links[0]; i++) {
      uint32_t nb = links[i];
      uint32_t mark = sc->visited[nb];
      if (mark == w.epoch) continue;
      sc->visited[nb] = w.epoch;
      work++;
      if (mark != no_match && matches(ix, nb)) {
        work += EV_FILTER_TESTS_PER_DISTANCE;
        add_match(ix, &w, &f, nb);
        continue;
      }
      /* Look through the non-match: its matching neighbours are
       * candidates. Non-matches two hops away stay unvisited, so that they
       * can still be looked through when reached directly. */
      const uint32_t *links2 = ev__links0(ix, nb);
      work += links2[0];
      if (work > budget) return 0;
      for (uint32_t j = 1; j <= links2[0]; j++) {
        uint32_t nb2 = links2[j];
        uint32_t mark2 = sc->visited[nb2];
        if (mark2 == w.epoch || mark2 == no_match) continue;
        if (!matches(ix, nb2)) {
          sc->visited[nb2] = no_match;
          continue;
        }
        sc->visited[nb2] = w.epoch;
        work += EV_FILTER_TESTS_PER_DISTANCE;
        add_match(ix, &w, &f, nb2);
      }
    }
    consider_fresh(ix, &w, f.items, f.n, 1);
    f.n = 0;
  }
  return w.nres;
}

/* POST: the unfiltered walk keeping `ef` results; leaves the first `take`
 * matches among them in sc->nearest, nearest first, and returns their
 * count. */
static uint32_t post_filter(const ev_index *ix, ev_scratch *sc, uint32_t ef, uint32_t take) {
  uint32_t n = ev__graph_search(ix, sc, sc->query_payload, ef, ef);
  ev_heap_item *nearest = sc->nearest;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < n && kept < take; i++)
    if (ev__filter_match(ix, nearest[i].slot)) nearest[kept++] = nearest[i];
  return kept;
}

/* The results POST keeps for `take` matches at a share of `permille`
 * (EV_FILTER_POST_OVERSAMPLE times take / share, at least ef; UINT64_MAX
 * when nothing matches). */
static uint64_t post_list(uint32_t ef, uint32_t take, uint64_t permille) {
  if (permille == 0) return UINT64_MAX;
  uint64_t want = ((uint64_t)EV_FILTER_POST_OVERSAMPLE * take * 1000 + permille - 1) / permille;
  return want < ef ? ef : want;
}

/* ---- choosing ------------------------------------------------------------ */

/* Estimated live matches (exact for small indexes). */
static uint32_t estimate_matches(const ev_index *ix) {
  uint32_t live = ev_live_count(ix);
  if (ix->count <= EV_FILTER_SAMPLE) {
    uint32_t n = 0;
    for (uint32_t s = 0; s < ix->count; s++) n += (uint32_t)matches(ix, s);
    return n;
  }
  uint32_t sampled = 0, hits = 0;
  for (uint32_t i = 0; i < EV_FILTER_SAMPLE; i++) {
    uint32_t s = sample_slot(ix, i);
    if (ix->deleted[s]) continue;
    sampled++;
    hits += (uint32_t)ev__filter_match(ix, s);
  }
  if (sampled == 0) return live; /* mostly tombstones: no information */
  return (uint32_t)((uint64_t)live * hits / sampled);
}

/* The ef factor for a filter matching `estimate` of `live` vectors (see
 * EV_FILTER_EF_FACTOR_*): the level-0 neighbours of up to EV_FILTER_SEEDS
 * matching slots of the sample are tested. No neighbour seen, or no
 * non-match at all: the plain factor. */
static uint32_t ef_factor(const ev_index *ix, uint32_t estimate, uint32_t live) {
  if (live == 0 || estimate >= live) return EV_FILTER_EF_FACTOR_SPREAD;
  uint32_t samples = ix->count < EV_FILTER_SAMPLE ? ix->count : EV_FILTER_SAMPLE;
  uint64_t seen = 0, matched = 0;
  uint32_t used = 0;
  for (uint32_t i = 0; i < samples && used < EV_FILTER_SEEDS; i++) {
    uint32_t s = ix->count < EV_FILTER_SAMPLE ? i : sample_slot(ix, i);
    if (!matches(ix, s)) continue;
    used++;
    const uint32_t *links = ev__links0(ix, s);
    for (uint32_t j = 1; j <= links[0]; j++) {
      if (ix->deleted[links[j]]) continue;
      seen++;
      matched += (uint64_t)ev__filter_match(ix, links[j]);
    }
  }
  if (seen == 0) return EV_FILTER_EF_FACTOR_SPREAD;
  /* excess = (q - p) / (1 - p) with q = matched / seen, p = estimate / live,
   * in 1/1000; negative (neighbours match less than the rest) counts as 0. */
  int64_t num = (int64_t)matched * live - (int64_t)seen * estimate;
  if (num <= 0) return EV_FILTER_EF_FACTOR_SPREAD;
  uint64_t excess = (uint64_t)num * 1000 / ((uint64_t)seen * (live - estimate));
  if (excess >= EV_FILTER_FOLLOWS_FROM_PERMILLE) return EV_FILTER_EF_FACTOR_FOLLOWS;
  if (excess >= EV_FILTER_MIXED_FROM_PERMILLE) return EV_FILTER_EF_FACTOR_MIXED;
  return EV_FILTER_EF_FACTOR_SPREAD;
}

/* The work of a SCAN, in filter tests: one test per slot and a distance
 * per estimated match. A walk that has done this much gives up and the
 * scan answers, so a search whose filter the walk handles badly (few
 * matches near the query, a region the filter empties) costs at most about
 * twice the scan. */
static uint64_t budget_of(const ev_index *ix, uint32_t estimate) {
  return (uint64_t)ix->count + (uint64_t)estimate * EV_FILTER_TESTS_PER_DISTANCE;
}

/* The share of live vectors matching, in 1/1000. */
static uint64_t share_permille(uint32_t estimate, uint32_t live) {
  return live ? (uint64_t)estimate * 1000 / live : 0;
}

/* The walk for an estimate: by the share of live vectors that match
 * (`permille`), and the SCAN besides when even a walk that goes well would
 * cost more than the scan (small indexes). A WALK that goes well expands
 * ef / share nodes and scores their m0 neighbours. */
static uint32_t choose_walk(const ev_index *ix, uint32_t estimate, uint64_t permille,
                            uint32_t ef, uint32_t factor) {
  if (permille < EV_FILTER_SCAN_BELOW_PERMILLE) return EV_FILTER_STRATEGY_SCAN;
  uint64_t scan_work = budget_of(ix, estimate);
  if (permille < EV_FILTER_TWO_HOP_BELOW_PERMILLE ||
      factor == EV_FILTER_EF_FACTOR_FOLLOWS) {
    /* A two-hop walk that goes well: about ef matches expanded, each
     * looking through m0 neighbours at their m0 neighbours. */
    uint64_t two_hop_work = (uint64_t)ef * ix->m0 * ix->m0;
    return two_hop_work > scan_work ? EV_FILTER_STRATEGY_SCAN : EV_FILTER_STRATEGY_TWO_HOP;
  }
  uint64_t walk_work = (uint64_t)ef * 1000 / permille * ix->m0 * EV_FILTER_TESTS_PER_DISTANCE;
  return walk_work > scan_work ? EV_FILTER_STRATEGY_SCAN : EV_FILTER_STRATEGY_WALK;
}

/* Whether POST answers instead of the walk chosen (see the top of this
 * file): a filter independent of position, a share in POST's range, and a
 * list of `list` results that fits the heaps (`cap`). */
static int post_applies(uint32_t walk_choice, uint32_t factor, uint64_t permille,
                        uint64_t list, uint32_t cap) {
  return walk_choice != EV_FILTER_STRATEGY_SCAN && factor == EV_FILTER_EF_FACTOR_SPREAD &&
         permille >= EV_FILTER_POST_FROM_PERMILLE &&
         permille < EV_FILTER_TWO_HOP_BELOW_PERMILLE && list <= cap;
}

/* What a search runs, decided once from the filter and the index (plan):
 * the same for every query of a batch, whose queries differ only in where
 * they lie. */
typedef struct filter_route {
  uint32_t strategy; /* what runs first; AUTO: nothing (an empty graph) */
  uint32_t walk;     /* the walk for the share: POST's fallback */
  uint32_t k, take;  /* results asked for; candidates re-ranked (at least k) */
  uint32_t ef;       /* matches a walk keeps: ef times the factor */
  uint32_t post_len; /* results POST's unfiltered walk keeps */
  int seeded;        /* the walks start from seeds too (start_walk) */
  int rerank;        /* quantized: the take best are re-ranked exactly */
  uint64_t budget;   /* work after which a walk gives up (budget_of) */
} filter_route;

/* Checks the arguments and the filter (compiled into the index's plan,
 * report->err_node at fault), estimates the filter's share and chooses the
 * strategy into *route. *heaps: the heap size every scratch that runs it
 * needs. The index's scratch is not touched. */
static ev_status plan(ev_index *ix, uint32_t k, uint32_t ef, const uint8_t *prog,
                      size_t prog_len, uint32_t strategy, filter_route *route,
                      uint32_t *heaps, ev_filter_report *report) {
  *report = (ev_filter_report){0, 0, 0, EV_FILTER_NO_NODE, 0};
  ev_status st = ev__filter_compile(ix, prog, prog_len, &report->err_node);
  if (st != EV_OK) return st;
  if (strategy > EV_FILTER_STRATEGY_POST) return EV_ERR_INVALID_ARGUMENT;
  if (ef == 0) ef = ix->options.ef_search;
  if (ef > EV_MAX_EF) return EV_ERR_INVALID_ARGUMENT;
  uint32_t rr = ix->floats ? ix->options.rerank : 0;
  uint32_t take = rr > k ? rr : k;
  if (ef < take) ef = take;
  /* Sized for the largest factor, so that no filter makes a search
   * allocate once one of this ef has run; POST's longer list fits in it. */
  uint32_t cap = ef > EV_MAX_EF / EV_FILTER_EF_FACTOR_MAX ? EV_MAX_EF : ef * EV_FILTER_EF_FACTOR_MAX;
  *heaps = cap;
  *route = (filter_route){.strategy = EV_FILTER_STRATEGY_AUTO, .k = k, .take = take,
                          .rerank = rr != 0, .budget = UINT64_MAX};
  if (ix->entry == EV_NO_SLOT) return EV_OK;

  uint32_t live = ev_live_count(ix);
  /* The estimate and the factor depend on the filter and the slots only:
   * a search repeating the last filter on an unchanged index reuses them
   * (most of the planner's work: thousands of filter tests in scattered
   * memory). The walks keep more results when the filter follows
   * position (see EV_FILTER_EF_FACTOR_*). */
  ev_filter_estimate kept;
  if (!ev__filter_estimate_get(ix, &kept)) {
    kept.matches = estimate_matches(ix);
    kept.ef_factor = ef_factor(ix, kept.matches, live);
    ev__filter_estimate_put(ix, kept);
  }
  report->estimate = kept.matches;
  report->ef_factor = kept.ef_factor;
  ef = ef > EV_MAX_EF / report->ef_factor ? EV_MAX_EF : ef * report->ef_factor;
  uint64_t permille = share_permille(report->estimate, live);
  route->ef = ef;
  route->walk = choose_walk(ix, report->estimate, permille, ef, report->ef_factor);
  uint64_t post_len = post_list(ef, take, permille);
  route->post_len = post_len < cap ? (uint32_t)post_len : cap;
  /* Seeds (start_walk) only where the filter may empty the query's
   * region: one independent of position leaves matches there at its
   * share, the descent's entry point starts among them, and the seeds
   * would be far away, distances spent on nodes no walk expands. */
  route->seeded = report->ef_factor != EV_FILTER_EF_FACTOR_SPREAD;
  /* A strategy that was chosen gives up past the scan's cost; one that was
   * asked for runs to its end (the benchmark measures it whole). */
  if (strategy == EV_FILTER_STRATEGY_AUTO) {
    strategy = post_applies(route->walk, report->ef_factor, permille, post_len, cap)
                   ? EV_FILTER_STRATEGY_POST : route->walk;
    route->budget = budget_of(ix, report->estimate);
  }
  route->strategy = strategy;
  report->strategy = strategy;
  return EV_OK;
}

/* Runs a route for the query prepared in sc (its heaps sized by plan):
 * leaves min(k, live matches) results in sc->nearest, nearest first, and
 * returns their count; *fell_back is set when the strategy that ran first
 * found too few. Reads the index only, so threads may run it at once. */
static uint32_t run_route(const ev_index *ix, ev_scratch *sc, const filter_route *route,
                          uint32_t *fell_back) {
  uint32_t strategy = route->strategy, k = route->k, n = 0;
  *fell_back = 0;
  if (strategy == EV_FILTER_STRATEGY_AUTO) return 0;
  if (strategy == EV_FILTER_STRATEGY_POST) {
    n = post_filter(ix, sc, route->post_len, route->take);
    if (n < k) {
      /* Too few matches in the list: the walk for this share answers. */
      *fell_back = 1;
      strategy = route->walk;
    }
  }
  if (strategy == EV_FILTER_STRATEGY_WALK || strategy == EV_FILTER_STRATEGY_TWO_HOP) {
    uint32_t ep;
    float ep_dist;
    ev__graph_descend(ix, sc->query_payload, &ep, &ep_dist);
    n = strategy == EV_FILTER_STRATEGY_WALK
            ? walk(ix, sc, ep, ep_dist, route->ef, route->seeded, route->budget)
            : two_hop(ix, sc, ep, ep_dist, route->ef, route->seeded, route->budget);
    n = ev_heap_drain_sorted(sc->results, n, sc->nearest);
    if (n > route->take) n = route->take;
    if (n < k) {
      *fell_back = 1;
      strategy = EV_FILTER_STRATEGY_SCAN;
    }
  }
  /* The scan is exact; a walk's or POST's take best are re-ranked. */
  if (strategy == EV_FILTER_STRATEGY_SCAN) n = scan(ix, sc, k);
  else if (route->rerank) n = ev__scratch_rerank(ix, sc, n, k);
  return n > k ? k : n;
}

ev_status ev_search_filtered_with(ev_index *ix, const float *query,
                                  uint32_t dim, uint32_t k, uint32_t ef,
                                  const uint8_t *prog, size_t prog_len,
                                  uint32_t strategy, uint64_t *out_ids,
                                  float *out_distances, uint32_t *out_count,
                                  ev_filter_report *report) {
  ev_filter_report ignored;
  if (!report) report = &ignored;
  *report = (ev_filter_report){0, 0, 0, EV_FILTER_NO_NODE, 0};
  ev_status st = ev__query_prepare(ix, query, dim, k, out_ids, out_distances, out_count);
  if (st != EV_OK) return st;
  filter_route route;
  uint32_t heaps;
  st = plan(ix, k, ef, prog, prog_len, strategy, &route, &heaps, report);
  if (st == EV_OK) st = ev__ensure_heaps(ix, heaps);
  if (st != EV_OK) return st;
  uint32_t n = run_route(ix, &ix->scratch, &route, &report->fell_back);
  ev__scratch_write(ix, &ix->scratch, n, out_ids, out_distances);
  *out_count = n;
  return EV_OK;
}

/* One query of a filtered batch (an ev_item_fn): every query was checked
 * before the first ran, so preparing it cannot fail. */
typedef struct filtered_batch {
  const ev_index *ix;
  const float *queries;
  const filter_route *route;
  uint64_t *out_ids;
  float *out_distances;
  uint32_t *out_counts;
  atomic_uint fell_back;
} filtered_batch;

static void filtered_item(void *context, ev_scratch *sc, size_t i) {
  filtered_batch *b = context;
  const ev_index *ix = b->ix;
  uint32_t k = b->route->k, fell_back;
  (void)ev__prepare_vector(ix, b->queries + i * ix->dim, sc->query_buf);
  ev__walk_query_encode(ix, sc->query_buf, sc->query_payload);
  uint32_t n = run_route(ix, sc, b->route, &fell_back);
  ev__scratch_write(ix, sc, n, b->out_ids + i * k, b->out_distances + i * k);
  b->out_counts[i] = n;
  if (fell_back) atomic_fetch_add_explicit(&b->fell_back, 1, memory_order_relaxed);
}

ev_status ev_search_filtered_batch(ev_index *ix, const float *queries, size_t n,
                                   uint32_t dim, uint32_t k, uint32_t ef,
                                   const uint8_t *prog, size_t prog_len,
                                   uint64_t *out_ids, float *out_distances,
                                   uint32_t *out_counts, ev_batch_error *err,
                                   ev_filter_report *report) {
  ev_batch_error ignored_err;
  ev_filter_report ignored;
  if (!err) err = &ignored_err;
  if (!report) report = &ignored;
  *report = (ev_filter_report){0, 0, 0, EV_FILTER_NO_NODE, 0};
  ev_status st = ev__query_batch_check(ix, queries, n, dim, k, ef, out_ids, out_distances,
                                       out_counts, err);
  if (st != EV_OK) return st;
  filter_route route;
  uint32_t heaps;
  st = plan(ix, k, ef, prog, prog_len, EV_FILTER_STRATEGY_AUTO, &route, &heaps, report);
  if (st != EV_OK) return st;
  uint32_t threads = ev__batch_threads(ix, n);
  st = ev__parallel_prepare(ix, threads, heaps, 0);
  if (st != EV_OK) return st;
  filtered_batch b = {ix, queries, &route, out_ids, out_distances, out_counts, 0};
  ev__parallel_run(ix, threads, n, filtered_item, &b, 0);
  report->fell_back = atomic_load(&b.fell_back);
  return EV_OK;
}

ev_status ev_search_filtered(ev_index *ix, const float *query, uint32_t dim,
                             uint32_t k, uint32_t ef, const uint8_t *prog,
                             size_t prog_len, uint64_t *out_ids,
                             float *out_distances, uint32_t *out_count,
                             ev_filter_report *report) {
  return ev_search_filtered_with(ix, query, dim, k, ef, prog, prog_len,
                                 EV_FILTER_STRATEGY_AUTO, out_ids,
                                 out_distances, out_count, report);
}

ev_status ev_search_exact_filtered(ev_index *ix, const float *query,
                                   uint32_t dim, uint32_t k,
                                   const uint8_t *prog, size_t prog_len,
                                   uint64_t *out_ids, float *out_distances,
                                   uint32_t *out_count,
                                   ev_filter_report *report) {
  ev_filter_report ignored;
  if (!report) report = &ignored;
  *report = (ev_filter_report){0, 0, 0, EV_FILTER_NO_NODE, 0};
  ev_status st = ev__query_prepare(ix, query, dim, k, out_ids, out_distances, out_count);
  if (st == EV_OK) st = ev__filter_compile(ix, prog, prog_len, &report->err_node);
  if (st == EV_OK) st = ev__ensure_heaps(ix, k);
  if (st != EV_OK) return st;
  report->strategy = EV_FILTER_STRATEGY_SCAN;
  uint32_t n = scan(ix, &ix->scratch, k);
  ev__scratch_write(ix, &ix->scratch, n, out_ids, out_distances);
  *out_count = n;
  return EV_OK;
}

ev_status ev_filter_count(ev_index *ix, const uint8_t *prog, size_t prog_len,
                          uint32_t *out_count, uint32_t *err_node) {
  uint32_t ignored;
  if (!err_node) err_node = &ignored;
  *err_node = EV_FILTER_NO_NODE;
  if (!ix || !out_count) return EV_ERR_INVALID_ARGUMENT;
  *out_count = 0;
  ev_status st = ev__filter_compile(ix, prog, prog_len, err_node);
  if (st != EV_OK) return st;
  uint32_t n = 0;
  for (uint32_t s = 0; s < ix->count; s++) n += (uint32_t)matches(ix, s);
  *out_count = n;
  return EV_OK;
}
