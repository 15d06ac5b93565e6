/*
 * parallel.h — batches on several threads: handing a batch's items to the
 * threads (parallel.c), and the locks a parallel insert takes on the graph
 * (graph.c).
 *
 * Builds with threads define EV_THREADS (the pthreads builds of
 * CMakeLists.txt); without it a batch runs its items in order on the
 * calling thread, whatever ev_set_threads asked for.
 *
 * Locking follows hnswlib: a node's link lists are read and written under
 * that node's lock, never two node locks at once (so no lock order to keep
 * and no deadlock), and the entry point under a lock of its own, held for
 * the whole insert of a node that will become the new entry point. The
 * node locks are stripes (slot mod EV_LOCK_STRIPES): a fixed table, nothing
 * per slot to allocate or grow, at the price of two nodes sometimes waiting
 * on the same lock.
 */
#ifndef EV_PARALLEL_H
#define EV_PARALLEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "index.h"

#define EV_LOCK_STRIPES 4096u /* a power of two */

struct ev_link_locks {
  atomic_flag stripes[EV_LOCK_STRIPES];
  atomic_flag entry;   /* ix->entry and ix->max_level */
  atomic_flag journal; /* the journal's marks (journal.c) */
};

/* A spin lock: the sections it guards copy a list or re-select one
 * (microseconds), shorter than putting a thread to sleep and waking it. */
void ev__spin_wait(atomic_flag *flag);
static inline void ev__spin_lock(atomic_flag *flag) {
  if (atomic_flag_test_and_set_explicit(flag, memory_order_acquire))
    ev__spin_wait(flag);
}
static inline void ev__spin_unlock(atomic_flag *flag) {
  atomic_flag_clear_explicit(flag, memory_order_release);
}
static inline atomic_flag *ev__slot_lock(struct ev_link_locks *locks,
                                         uint32_t slot) {
  return &locks->stripes[slot & (EV_LOCK_STRIPES - 1)];
}

/* The work of one item of a batch, done with the scratch of the thread
 * that runs it. */
typedef void (*ev_item_fn)(void *context, ev_scratch *sc, size_t item);

/* How many threads a batch of n items runs on: ix->threads in a build with
 * threads (no more than items), else 1. */
uint32_t ev__batch_threads(const ev_index *ix, size_t n);
/* Makes everything a batch on `threads` threads needs: a scratch per extra
 * thread with visited arrays for every slot and heaps for `ef`, and (with
 * locks) the lock table. All allocation is done here, on the calling
 * thread, before any other thread starts. Why: the threads then never
 * allocate (in wasm, memory grown by another thread leaves the calling
 * thread's JS views of it stale), and a failure changes nothing. */
ev_status ev__parallel_prepare(ev_index *ix, uint32_t threads, uint32_t ef,
                               int with_locks);
/* Runs fn for every item in [0, n) on `threads` threads, the calling thread
 * one of them (with ix->scratch), and returns when all have run. Items are
 * handed out one at a time from a shared counter, so a thread that gets
 * cheap items takes more of them. Scratches carry the locks when
 * with_locks. If a thread cannot be started, the others do its share. */
void ev__parallel_run(ev_index *ix, uint32_t threads, size_t n, ev_item_fn fn,
                      void *context, int with_locks);
/* Frees what ev__parallel_prepare made (ev_index_free). */
void ev__parallel_free(ev_index *ix);
/* Bytes it holds (ev_memory_bytes). */
size_t ev__parallel_bytes(const ev_index *ix);

#endif /* EV_PARALLEL_H */
