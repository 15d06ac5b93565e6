/* fail_alloc.c — the counters behind fail_alloc.h (see there). Compiled
 * with the tests, without the macros: it calls the real allocator. */
#define EV_FAIL_ALLOC_DECLARE_ONLY
#include "fail_alloc.h"

static long countdown = -1; /* allocations left before the failure; -1: off */
static int failed;

static int fail_now(void) {
  if (countdown < 0) return 0;
  if (countdown > 0) {
    countdown--;
    return 0;
  }
  countdown = -1;
  failed = 1;
  return 1;
}

void *ev_test_malloc(size_t bytes) { return fail_now() ? NULL : malloc(bytes); }

void *ev_test_calloc(size_t n, size_t size) {
  return fail_now() ? NULL : calloc(n, size);
}

void *ev_test_realloc(void *p, size_t bytes) {
  return fail_now() ? NULL : realloc(p, bytes);
}

void ev_test_fail_alloc_after(long n) {
  countdown = n < 0 ? -1 : n;
  failed = 0;
}

int ev_test_alloc_failed(void) { return failed; }
