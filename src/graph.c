/*
 * graph.c — the HNSW graph: linking a new node in, walking the graph to
 * answer a query, and the rule every link list obeys (ev__links_ok, which
 * the readers of persisted graphs check lists with).
 *
 * Search keeps two binary heaps in preallocated arrays: candidates (nearest
 * on top, to expand next) and results (farthest on top, to evict). A walk
 * stops when the nearest unexpanded candidate is farther than the farthest
 * of a full result set. Deleted nodes are expanded like any other (they keep
 * the graph connected) but never enter the results of a query. The visited
 * set is an array of epochs: bumping the epoch clears it in O(1).
 *
 * Neighbour selection is the HNSW paper's heuristic (as in hnswlib): take
 * candidates nearest first and keep one only if it is nearer to the base
 * node than to every neighbour kept so far. It spreads links across
 * directions, which is what keeps recall high on clustered data.
 *
 * A walk writes only its scratch (ev_scratch): searches read the index and
 * can run side by side. Inserts on several threads (parallel.h) also take
 * the node locks around every read and write of a link list; with
 * sc->locks NULL no lock is taken and the code runs exactly as alone.
 *
 * A walk holds its query in the walk form of quantize.h (with SQ8 a 16-bit
 * query against the 8-bit codes); re-selecting a node's links compares
 * stored payloads with each other.
 */
#include <float.h>
#include <string.h>

#include "bytes.h"
#include "heap.h"
#include "index.h"
#include "journal.h"
#include "parallel.h"
#include "quantize.h"

/* ---- walking ---------------------------------------------------------- */

/* Cache lines of each fresh neighbour's payload prefetched in a walk
 * (0: none). */
#ifndef EV_WALK_PREFETCH
#define EV_WALK_PREFETCH 0
#endif

/* Distance from a node's payload to a slot's payload. */
static inline float dist_to(const ev_index *ix, const uint8_t *q, uint32_t slot) {
  return ev__payload_distance(ix, q, ev__payload(ix, slot));
}
/* Distance from a walk query (quantize.h: ev__walk_query_encode) to a
 * slot: what searches and an insert's candidate search measure. */
static inline float walk_dist(const ev_index *ix, const uint8_t *q, uint32_t slot) {
  return ev__query_distance(ix, q, ev__payload(ix, slot));
}

uint32_t ev__scratch_next_epoch(ev_scratch *sc) {
  if (++sc->visit_epoch == 0) {
    /* Wrapped after 2^32 walks: clear once and start again. */
    memset(sc->visited, 0, sizeof(uint32_t) * sc->visited_slots);
    sc->visit_epoch = 1;
  }
  return sc->visit_epoch;
}

static inline void lock_node(const ev_scratch *sc, uint32_t slot) {
  if (sc->locks) ev__spin_lock(ev__slot_lock(sc->locks, slot));
}
static inline void unlock_node(const ev_scratch *sc, uint32_t slot) {
  if (sc->locks) ev__spin_unlock(ev__slot_lock(sc->locks, slot));
}

/* Greedy descent on one upper level: move to a nearer neighbour while there
 * is one. */
static uint32_t greedy_step(const ev_index *ix, const ev_scratch *sc,
                            const uint8_t *q, uint32_t ep, float *ep_dist,
                            int level) {
  int changed = 1;
  while (changed) {
    changed = 0;
    uint32_t at = ep;
    lock_node(sc, at);
    const uint32_t *links = ev__links(ix, ep, level);
    for (uint32_t i = 1; i <= links[0]; i++) {
      uint32_t c = links[i];
      float d = walk_dist(ix, q, c);
      if (d < *ep_dist) {
        *ep_dist = d;
        ep = c;
        changed = 1;
      }
    }
    unlock_node(sc, at);
  }
  return ep;
}

#ifdef __wasm__
/* Bytes of level-0 records from which a walk reads ahead (below). */
#define EV_READ_AHEAD_FROM_BYTES ((uint64_t)30 << 20)

/* Reads one byte of every cache line of each fresh neighbour's payload,
 * before any distance: wasm has no prefetch instruction, and these loads
 * are that. Each is independent of the others, so the processor has the
 * misses of all the neighbours in flight at once; the distance kernels
 * then find their lines arriving, where on their own they wait for one
 * vector or two at a time (each kernel's loads feed a chain of adds, which
 * fills the processor's window long before the next vector's loads). Only
 * in an index whose records outgrow the caches: there a walk is bound by
 * memory (the same searches run several times faster on data already in
 * cache), while on a smaller index the extra loads cost more than they
 * save. bench/results/read-ahead.md has the measurements and the bound. */
static void read_ahead(const ev_index *ix, const ev_heap_item *fresh, uint32_t n) {
  uint32_t sum = 0;
  size_t last = ix->payload_stride - 1;
  /* The compiler vectorizes and unrolls the inner loop; a scalar, out of
   * line form was smaller but slower on long vectors (read-ahead.md). */
  for (uint32_t f = 0; f < n; f++) {
    const uint8_t *p = ev__payload(ix, fresh[f].slot);
    for (size_t at = 0; at < last; at += 64) sum += p[at];
    sum += p[last];
  }
  /* A volatile store (to this thread's stack): the loads must happen,
   * though nothing uses what they read. */
  volatile uint32_t keep = sum;
  (void)keep;
}
#endif

void ev__score_fresh(const ev_index *ix, const uint8_t *q, ev_heap_item *fresh,
                     uint32_t n) {
  uint32_t i = 0;
#ifdef __wasm__
  if ((uint64_t)ix->count * ix->node_bytes >= EV_READ_AHEAD_FROM_BYTES) read_ahead(ix, fresh, n);
#endif
  for (; i + 2 <= n; i += 2)
    ev__query_distance2(ix, q, ev__payload(ix, fresh[i].slot),
                        ev__payload(ix, fresh[i + 1].slot), &fresh[i].distance,
                        &fresh[i + 1].distance);
  if (i < n) fresh[i].distance = walk_dist(ix, q, fresh[i].slot);
}

/* Best-first search of one level from `ep`. Leaves up to `ef` results in
 * sc->results as a max-heap and returns their count. With live_only, deleted
 * nodes are walked through but not returned. */
static uint32_t search_level(const ev_index *ix, ev_scratch *sc,
                             const uint8_t *q, uint32_t ep, float ep_dist,
                             uint32_t ef, int level, int live_only) {
  ev_heap_item *cand = sc->candidates, *res = sc->results;
  /* candidates has a place for every slot and a slot is pushed at most once
   * per walk (the visited check), so the candidate heap cannot overflow. */
  uint32_t ncand = 0, nres = 0;
  uint32_t epoch = ev__scratch_next_epoch(sc);
  uint32_t *visited = sc->visited;
  int check_deleted = live_only && ix->deleted_count > 0;

  visited[ep] = epoch;
  ev_heap_min_push(cand, &ncand, (ev_heap_item){ep_dist, ep});
  if (!check_deleted || !ix->deleted[ep])
    ev_heap_max_push(res, &nres, (ev_heap_item){ep_dist, ep});
  float bound = nres ? ep_dist : FLT_MAX;

  while (ncand > 0) {
    ev_heap_item c = ev_heap_min_pop(cand, &ncand);
    if (c.distance > bound && nres >= ef) break;
    lock_node(sc, c.slot);
    const uint32_t *links = ev__links(ix, c.slot, level);
    uint32_t nlinks = links[0];
    /* Gather the unvisited neighbours first, then compute their distances
     * two at a time in a loop of independent iterations: the memory loads
     * of the neighbours' records (the cost of a search) then overlap
     * instead of waiting behind the branches of the heap updates. */
    ev_heap_item *fresh = sc->select_buf;
    uint32_t nfresh = 0;
    for (uint32_t i = 1; i <= nlinks; i++) {
      uint32_t nb = links[i];
      if (visited[nb] == epoch) continue;
      visited[nb] = epoch;
      fresh[nfresh++].slot = nb;
    }
    unlock_node(sc, c.slot);
    /* Ask for every fresh neighbour's record before the first distance,
     * so that their cache misses overlap (natively a prefetch; wasm has
     * no prefetch instruction and compiles it to nothing). */
#if EV_WALK_PREFETCH
    for (uint32_t f = 0; f < nfresh; f++) {
      const uint8_t *rec = ev__payload(ix, fresh[f].slot);
      for (size_t line = 0; line < EV_WALK_PREFETCH * (size_t)64; line += 64)
        __builtin_prefetch(rec + line);
    }
#endif
    ev__score_fresh(ix, q, fresh, nfresh);
    for (uint32_t i = 0; i < nfresh; i++) {
      float d = fresh[i].distance;
      uint32_t nb = fresh[i].slot;
      if (nres < ef || d < bound) {
        ev_heap_min_push(cand, &ncand, (ev_heap_item){d, nb});
        if (!check_deleted || !ix->deleted[nb]) {
          ev_heap_max_push(res, &nres, (ev_heap_item){d, nb});
          if (nres > ef) ev_heap_max_pop(res, &nres);
          bound = res[0].distance;
        }
      }
    }
  }
  return nres;
}

/* ---- linking ---------------------------------------------------------- */

/* The heuristic: from `items` (sorted nearest first, distances to the base
 * node) keep at most `max_keep`, each nearer to the base than to any kept
 * one. Keeps in place; returns the count. */
static uint32_t select_neighbours(const ev_index *ix, ev_heap_item *items,
                                  uint32_t n, uint32_t max_keep) {
  if (n <= max_keep) return n;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < n && kept < max_keep; i++) {
    const uint8_t *v = ev__payload(ix, items[i].slot);
    int good = 1;
    for (uint32_t j = 0; j < kept; j++) {
      float d = dist_to(ix, v, items[j].slot);
      if (d < items[i].distance) {
        good = 0;
        break;
      }
    }
    if (good) items[kept++] = items[i];
  }
  return kept;
}

/* Adds `slot` to the links of `nb` at `level`; on overflow re-selects the
 * links of `nb` with the heuristic. */
static void add_back_link(ev_index *ix, ev_scratch *sc, uint32_t nb,
                          uint32_t slot, int level) {
  lock_node(sc, nb);
  uint32_t *links = ev__links(ix, nb, level);
  uint32_t cap = ev__list_cap(ix, level);
  uint32_t n = links[0];
  for (uint32_t i = 1; i <= n; i++)
    if (links[i] == slot) {
      unlock_node(sc, nb);
      return;
    }
  /* The log writes the lists an insert changed (wal_graph.c): an append
   * keeps the first n links, a re-selection may keep none in place. */
  if (ix->journal) {
    if (sc->locks) ev__spin_lock(&sc->locks->journal);
    ev__journal_note_links(ix, nb, level, n < cap ? n : 0);
    if (sc->locks) ev__spin_unlock(&sc->locks->journal);
  }
  if (n < cap) {
    links[1 + n] = slot;
    links[0] = n + 1;
    unlock_node(sc, nb);
    return;
  }
  const uint8_t *base = ev__payload(ix, nb);
  ev_heap_item *items = sc->select_buf;
  for (uint32_t i = 0; i < n; i++)
    items[i] = (ev_heap_item){dist_to(ix, base, links[1 + i]), links[1 + i]};
  items[n] = (ev_heap_item){dist_to(ix, base, slot), slot};
  ev_items_sort(items, n + 1);
  uint32_t kept = select_neighbours(ix, items, n + 1, cap);
  for (uint32_t i = 0; i < kept; i++) links[1 + i] = items[i].slot;
  links[0] = kept;
  unlock_node(sc, nb);
}

/* Writes a new node's links at `level` (the `kept` first of `chosen`) into
 * a list that other threads' back links already put nodes in, under the
 * node's lock. Why: while threads insert together, another insert can
 * reach this node on an upper level before this one has written its lower
 * lists, and link itself to it; overwriting the list would drop that link,
 * and a node whose links all went that way is left with no way in. So the
 * lists are united, and re-selected with the heuristic when they exceed
 * the level's capacity, as a back link would be. */
static void merge_own_links(ev_index *ix, ev_scratch *sc, uint32_t slot, int level,
                            const ev_heap_item *chosen, uint32_t kept) {
  uint32_t *links = ev__links(ix, slot, level);
  uint32_t cap = ev__list_cap(ix, level);
  const uint8_t *base = ev__payload(ix, slot);
  ev_heap_item *items = sc->select_buf; /* holds m0 + m + 1 */
  uint32_t n = 0;
  for (uint32_t i = 1; i <= links[0]; i++)
    items[n++] = (ev_heap_item){dist_to(ix, base, links[i]), links[i]};
  uint32_t had = n;
  for (uint32_t i = 0; i < kept; i++) {
    uint32_t s = chosen[i].slot, dup = 0;
    for (uint32_t j = 0; j < had && !dup; j++) dup = items[j].slot == s;
    if (!dup) items[n++] = (ev_heap_item){dist_to(ix, base, s), s};
  }
  ev_items_sort(items, n);
  if (n > cap) n = select_neighbours(ix, items, n, cap);
  for (uint32_t i = 0; i < n; i++) links[1 + i] = items[i].slot;
  links[0] = n;
}

/* Removes `slot` from a walk's results. Why: while other threads insert,
 * one of them may link to this node before its own walk is done, and the
 * walk would then find the node itself. Alone, a walk never does. */
static uint32_t without_slot(ev_heap_item *items, uint32_t n, uint32_t slot) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < n; i++)
    if (items[i].slot != slot) items[kept++] = items[i];
  return kept;
}

void ev__graph_link_with(ev_index *ix, ev_scratch *sc, uint32_t slot,
                         const float *vector) {
  int level = ix->levels[slot];
  /* The entry point is read under its lock; a node that will replace it
   * keeps the lock until it is linked (hnswlib's rule), so no other insert
   * starts from an entry point whose lists are not written yet. */
  struct ev_link_locks *locks = sc->locks;
  if (locks) ev__spin_lock(&locks->entry);
  uint32_t entry = ix->entry;
  int max_level = ix->max_level;
  int raises = level > max_level;
  if (locks && !raises) ev__spin_unlock(&locks->entry);
  if (entry == EV_NO_SLOT) {
    ix->entry = slot;
    ix->max_level = level;
    if (locks) ev__spin_unlock(&locks->entry);
    return;
  }
  /* The walk's query is the node's payload, except with SQ8: the walk form
   * of its f32 vector (quantize.h), where the caller has it or the slot
   * keeps it, else of the payload decoded (the vector the code holds). */
  const uint8_t *q = ev__payload(ix, slot);
  if (ix->options.quantization == EV_QUANT_SQ8) {
    if (!vector) vector = ev__floats(ix, slot);
    if (!vector) {
      ev__decode(ix, q, sc->query_buf);
      vector = sc->query_buf;
    }
    ev__walk_query_encode(ix, vector, sc->query_payload);
    q = sc->query_payload;
  }
  uint32_t ep = entry;
  float ep_dist = walk_dist(ix, q, ep);
  for (int l = max_level; l > level; l--) ep = greedy_step(ix, sc, q, ep, &ep_dist, l);

  for (int l = level < max_level ? level : max_level; l >= 0; l--) {
    uint32_t n = search_level(ix, sc, q, ep, ep_dist, ix->options.ef_construction, l, 0);
    ev_heap_item *sorted = sc->nearest;
    n = ev_heap_drain_sorted(sc->results, n, sorted);
    if (locks) n = without_slot(sorted, n, slot);
    if (n == 0) continue; /* only the node itself was found */
    ep = sorted[0].slot;
    ep_dist = sorted[0].distance;
    /* The new node gets m links on every level (as in hnswlib); level 0
     * lists may grow to m0 through back links. */
    uint32_t kept = select_neighbours(ix, sorted, n, ix->m);
    lock_node(sc, slot);
    uint32_t *links = ev__links(ix, slot, l);
    if (links[0]) {
      merge_own_links(ix, sc, slot, l, sorted, kept);
    } else {
      for (uint32_t i = 0; i < kept; i++) links[1 + i] = sorted[i].slot;
      links[0] = kept;
    }
    unlock_node(sc, slot);
    for (uint32_t i = 0; i < kept; i++) add_back_link(ix, sc, sorted[i].slot, slot, l);
  }
  if (raises) {
    ix->entry = slot;
    ix->max_level = level;
    if (locks) ev__spin_unlock(&locks->entry);
  }
}

void ev__graph_link(ev_index *ix, uint32_t slot, const float *vector) {
  ev__graph_link_with(ix, &ix->scratch, slot, vector);
}

void ev__graph_descend(const ev_index *ix, const uint8_t *query,
                       uint32_t *ep_out, float *ep_dist_out) {
  /* A search's descent: the graph is not changing, so no locks. */
  static const ev_scratch unlocked = {0};
  uint32_t ep = ix->entry;
  float ep_dist = walk_dist(ix, query, ep);
  for (int l = ix->max_level; l > 0; l--)
    ep = greedy_step(ix, &unlocked, query, ep, &ep_dist, l);
  *ep_out = ep;
  *ep_dist_out = ep_dist;
}

uint32_t ev__graph_search(const ev_index *ix, ev_scratch *sc,
                          const uint8_t *query, uint32_t k, uint32_t ef) {
  if (ix->entry == EV_NO_SLOT) return 0;
  uint32_t ep;
  float ep_dist;
  ev__graph_descend(ix, query, &ep, &ep_dist);
  uint32_t n = search_level(ix, sc, query, ep, ep_dist, ef, 0, 1);
  n = ev_heap_drain_sorted(sc->results, n, sc->nearest);
  return n > k ? k : n;
}

/* ---- the rule of a link list ------------------------------------------ */

int ev__links_ok(ev_index *ix, uint32_t slot, int level,
                 const uint8_t *levels, uint32_t total, uint32_t kept,
                 const uint8_t *le_list, uint32_t *bad) {
  uint32_t n = ev_le_get_u32(le_list);
  uint32_t stamp = slot + 1;
  const uint32_t *prefix = kept ? ev__links(ix, slot, level) + 1 : NULL;
  for (uint32_t i = 0; i < kept; i++) ix->scratch.visited[prefix[i]] = stamp;
  int ok = 1;
  uint32_t k = 1;
  for (; k <= n; k++) {
    uint32_t t = ev_le_get_u32(le_list + 4 * (size_t)k);
    if (t >= total || t == slot || levels[t] < level ||
        ix->scratch.visited[t] == stamp) {
      *bad = k;
      ok = 0;
      break;
    }
    ix->scratch.visited[t] = stamp;
  }
  /* Clear the stamps, so that the next list (another level of the same
   * slot, or the next slot) starts clean. */
  for (uint32_t i = 1; i < k; i++)
    ix->scratch.visited[ev_le_get_u32(le_list + 4 * (size_t)i)] = 0;
  for (uint32_t i = 0; i < kept; i++) ix->scratch.visited[prefix[i]] = 0;
  return ok;
}
