/*
 * parallel.c — the other threads of a batch: their scratch, the lock table
 * of parallel inserts, and running a batch's items on several threads
 * (parallel.h says how the work and the locks are shared).
 *
 * Threads are started for each batch and joined before it returns, so no
 * thread outlives a call into the core and no call can see another's
 * threads. In wasm the threads come from the module's pool of workers,
 * which are loaded when the module is; starting one there is a message to
 * an idle worker.
 */
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "quantize.h"

#ifdef EV_THREADS
#include <pthread.h>
#include <sched.h>
#endif

struct ev_parallel {
  ev_scratch *scratch;          /* one per thread beyond the calling one */
  uint32_t count;               /* scratches made */
  struct ev_link_locks *locks;  /* NULL until a parallel insert */
};

/* Above this a batch is refused more threads: more than any machine this
 * runs on gives a tab, and each costs a visited array of every slot. */
#define EV_MAX_THREADS 64u

ev_status ev_set_threads(ev_index *ix, uint32_t threads) {
  if (!ix || threads < 1 || threads > EV_MAX_THREADS) return EV_ERR_INVALID_ARGUMENT;
  ix->threads = threads;
  return EV_OK;
}

uint32_t ev_threads_supported(void) {
#ifdef EV_THREADS
  return 1;
#else
  return 0;
#endif
}

void ev__spin_wait(atomic_flag *flag) {
  while (atomic_flag_test_and_set_explicit(flag, memory_order_acquire)) {
#ifdef EV_THREADS
    /* The holder may be a thread the system paused: let it run. */
    sched_yield();
#endif
  }
}

uint32_t ev__batch_threads(const ev_index *ix, size_t n) {
#ifdef EV_THREADS
  uint32_t t = ix->threads;
  if (n < t) t = n ? (uint32_t)n : 1;
  return t;
#else
  (void)ix;
  (void)n;
  return 1;
#endif
}

/* realloc that leaves *p untouched on failure. */
static int grow(void **p, size_t bytes) {
  void *q = realloc(*p, bytes ? bytes : 1);
  if (!q) return 0;
  *p = q;
  return 1;
}

static void scratch_free(ev_scratch *sc) {
  free(sc->visited);
  free(sc->candidates);
  free(sc->results);
  free(sc->nearest);
  free(sc->query_buf);
  free(sc->query_payload);
  free(sc->select_buf);
}

/* Sizes a thread's scratch like the index's own: visited and candidates
 * for every slot, heaps for ef. */
static ev_status scratch_ensure(const ev_index *ix, ev_scratch *sc, uint32_t ef) {
  if (!sc->query_buf) {
    sc->query_buf = malloc(sizeof(float) * ix->dim);
    sc->query_payload = calloc(1, ev__walk_query_bytes(&ix->options)); /* padding stays zero */
    sc->select_buf = malloc(sizeof(ev_heap_item) * ev__select_items(ix));
    if (!sc->query_buf || !sc->query_payload || !sc->select_buf) return EV_ERR_OUT_OF_MEMORY;
  }
  uint32_t slots = ix->capacity;
  if (slots > sc->visited_slots) {
    if (!grow((void **)&sc->visited, sizeof(uint32_t) * (size_t)slots) ||
        !grow((void **)&sc->candidates, sizeof(ev_heap_item) * (size_t)slots))
      return EV_ERR_OUT_OF_MEMORY;
    /* New entries must not look visited in the current epoch. */
    memset(sc->visited + sc->visited_slots, 0,
           sizeof(uint32_t) * (size_t)(slots - sc->visited_slots));
    sc->visited_slots = slots;
  }
  return ev__scratch_ensure_heaps(sc, ef);
}

ev_status ev__parallel_prepare(ev_index *ix, uint32_t threads, uint32_t ef,
                               int with_locks) {
  ev_status st = ev__ensure_heaps(ix, ef);
  if (st != EV_OK || threads <= 1) return st;
  struct ev_parallel *p = ix->parallel;
  if (!p) {
    p = calloc(1, sizeof *p);
    if (!p) return EV_ERR_OUT_OF_MEMORY;
    ix->parallel = p;
  }
  uint32_t extra = threads - 1;
  if (extra > p->count) {
    ev_scratch *more = realloc(p->scratch, sizeof *more * extra);
    if (!more) return EV_ERR_OUT_OF_MEMORY;
    memset(more + p->count, 0, sizeof *more * (extra - p->count));
    p->scratch = more;
    p->count = extra;
  }
  for (uint32_t t = 0; t < extra; t++) {
    st = scratch_ensure(ix, &p->scratch[t], ef);
    if (st != EV_OK) return st;
  }
  if (with_locks && !p->locks) {
    /* calloc: a zeroed atomic_flag is clear on every target here (C11
     * leaves ATOMIC_FLAG_INIT's value open; clang and gcc use 0). */
    p->locks = calloc(1, sizeof *p->locks);
    if (!p->locks) return EV_ERR_OUT_OF_MEMORY;
  }
  return EV_OK;
}

void ev__parallel_free(ev_index *ix) {
  struct ev_parallel *p = ix->parallel;
  if (!p) return;
  for (uint32_t t = 0; t < p->count; t++) scratch_free(&p->scratch[t]);
  free(p->scratch);
  free(p->locks);
  free(p);
  ix->parallel = NULL;
}

size_t ev__parallel_bytes(const ev_index *ix) {
  const struct ev_parallel *p = ix->parallel;
  if (!p) return 0;
  size_t bytes = sizeof *p + sizeof(ev_scratch) * p->count;
  for (uint32_t t = 0; t < p->count; t++) {
    const ev_scratch *sc = &p->scratch[t];
    bytes += (size_t)sc->visited_slots * (sizeof(uint32_t) + sizeof(ev_heap_item)) +
             2 * sizeof(ev_heap_item) * sc->results_capacity +
             sizeof(float) * ix->dim + ev__walk_query_bytes(&ix->options) +
             sizeof(ev_heap_item) * ev__select_items(ix);
  }
  if (p->locks) bytes += sizeof *p->locks;
  return bytes;
}

/* What every thread of one run shares. */
typedef struct run_state {
  size_t n;
  ev_item_fn fn;
  void *context;
  atomic_size_t next; /* the next item not yet taken */
} run_state;

static void run_items(run_state *rs, ev_scratch *sc) {
  size_t i;
  while ((i = atomic_fetch_add_explicit(&rs->next, 1, memory_order_relaxed)) < rs->n)
    rs->fn(rs->context, sc, i);
}

#ifdef EV_THREADS
typedef struct worker {
  run_state *rs;
  ev_scratch *sc;
  pthread_t thread;
  int started;
} worker;

static void *worker_main(void *arg) {
  worker *w = arg;
  run_items(w->rs, w->sc);
  return NULL;
}
#endif

void ev__parallel_run(ev_index *ix, uint32_t threads, size_t n, ev_item_fn fn,
                      void *context, int with_locks) {
  run_state rs = {n, fn, context, 0};
  struct ev_link_locks *locks = with_locks && ix->parallel ? ix->parallel->locks : NULL;
  ix->scratch.locks = threads > 1 ? locks : NULL;
#ifdef EV_THREADS
  worker workers[EV_MAX_THREADS];
  uint32_t extra = threads > 1 ? threads - 1 : 0;
  for (uint32_t t = 0; t < extra; t++) {
    ev_scratch *sc = &ix->parallel->scratch[t];
    sc->locks = locks;
    workers[t] = (worker){&rs, sc, 0, 0};
    workers[t].started = pthread_create(&workers[t].thread, NULL, worker_main, &workers[t]) == 0;
  }
  run_items(&rs, &ix->scratch);
  for (uint32_t t = 0; t < extra; t++)
    if (workers[t].started) pthread_join(workers[t].thread, NULL);
#else
  (void)threads;
  run_items(&rs, &ix->scratch);
#endif
  ix->scratch.locks = NULL;
}
