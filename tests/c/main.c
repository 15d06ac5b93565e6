/* main.c — runs the tests registered with TEST() (see harness.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define MAX_TESTS 1024

static struct {
  const char *name;
  ev_test_fn fn;
} tests[MAX_TESTS];
static int test_count;
static int unregistered; /* tests that did not fit in tests[] */
static int current_failed;

void ev_test_register(const char *name, ev_test_fn fn) {
  if (test_count == MAX_TESTS) {
    unregistered++;
    return;
  }
  tests[test_count].name = name;
  tests[test_count].fn = fn;
  test_count++;
}

int ev_test_fail(const char *file, int line, const char *expr) {
  printf("    FAILED %s:%d: %s\n", file, line, expr);
  current_failed = 1;
  return 0;
}

static int by_name(const void *a, const void *b) {
  const char *const *x = a, *const *y = b;
  return strcmp(*x, *y);
}

int main(int argc, char **argv) {
  const char *filter = argc > 1 ? argv[1] : NULL;
  int passed = 0, failed = 0;
  /* Constructors cannot report, so main does: a test that was not
   * registered must not pass by going unseen. */
  if (unregistered) {
    printf("%d tests registered past MAX_TESTS (%d) in %s: raise it\n",
           unregistered, MAX_TESTS, __FILE__);
    printf("0 passed, %d failed\n", unregistered);
    return 1;
  }
  /* Constructors run in link order; sort so the output reads the same in
   * every build. (name is the first member, so the entries sort by it.) */
  qsort(tests, (size_t)test_count, sizeof tests[0], by_name);
  for (int i = 0; i < test_count; i++) {
    if (filter && !strstr(tests[i].name, filter)) continue;
    current_failed = 0;
    printf("  %s\n", tests[i].name);
    fflush(stdout);
    clock_t start = clock();
    tests[i].fn();
    /* CPU seconds, so that the figure means something on a busy machine. */
    printf("    (%.2f s)\n", (double)(clock() - start) / CLOCKS_PER_SEC);
    if (current_failed) failed++; else passed++;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
