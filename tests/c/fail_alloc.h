/*
 * fail_alloc.h — allocation-failure injection for the C tests.
 *
 * The build of the core the tests link (CMakeLists.txt: the sanitized
 * native core, and the wasm test core) is compiled with `-include` of this
 * file, so every malloc, calloc and realloc of src/ goes through the
 * counters of fail_alloc.c. A test arms a failure with
 * ev_test_fail_alloc_after(n): the n allocations after it succeed and the
 * next one fails (returns NULL), once; -1 disarms. Looping n = 0, 1, 2 ...
 * until the call succeeds makes every allocation of a call fail once, which
 * is how "OUT_OF_MEMORY at any step changes nothing" is tested. The module
 * the JS layer loads and the benchmark link a core built without it.
 */
#ifndef EV_FAIL_ALLOC_H
#define EV_FAIL_ALLOC_H

#include <stddef.h>
#include <stdlib.h> /* declared first, so that the macros below do not
                       rename the library's own declarations */

void *ev_test_malloc(size_t bytes);
void *ev_test_calloc(size_t n, size_t size);
void *ev_test_realloc(void *p, size_t bytes);
/* Lets n more allocations succeed, then fails the next one (once);
 * n < 0 disarms. */
void ev_test_fail_alloc_after(long n);
/* 1 once the armed failure happened (and until the next arming). */
int ev_test_alloc_failed(void);

/* The tests include this file for the two calls above, without the
 * renaming (their own allocations are not the ones under test). */
#ifndef EV_FAIL_ALLOC_DECLARE_ONLY
#define malloc(n) ev_test_malloc(n)
#define calloc(n, size) ev_test_calloc(n, size)
#define realloc(p, n) ev_test_realloc(p, n)
#endif

#endif
