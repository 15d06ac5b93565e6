/*
 * harness.h — a tiny self-registering test harness for the C tests.
 *
 * TEST(name) { ... } defines a test; CHECK(cond) records a failure and goes
 * on; REQUIRE(cond) records a failure and leaves the test. main.c runs every
 * registered test (or those whose name contains argv[1]) and prints
 * "N passed, N failed". The same files build natively (under ASan+UBSan)
 * and to wasm for Node, so a test must not depend on the platform.
 */
#ifndef EV_TEST_HARNESS_H
#define EV_TEST_HARNESS_H

#include <stdio.h>

typedef void (*ev_test_fn)(void);
void ev_test_register(const char *name, ev_test_fn fn);
/* Records a failed check; returns 0 so REQUIRE can `return` on it. */
int ev_test_fail(const char *file, int line, const char *expr);
/* Prints a measured figure next to the test's name ("recall@10 = 0.97"). */
#define NOTE(...) (printf("    note: "), printf(__VA_ARGS__), printf("\n"))

/* EV_TEST_ROWS(full): how many rows a test that builds a large index uses.
 * Under a sanitizer, which makes every insert several times slower, a
 * quarter of them (at least 2,500): the same code paths and bounds at a
 * smaller size, while the wasm build of the same tests runs the full size. */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer) || \
    __has_feature(thread_sanitizer)
#define EV_TEST_ROWS(full) ((full) / 4u > 2500u ? (full) / 4u : 2500u)
#else
#define EV_TEST_ROWS(full) (full)
#endif

#define TEST(name)                                                   \
  static void name(void);                                            \
  __attribute__((constructor)) static void register_##name(void) {   \
    ev_test_register(#name, name);                                   \
  }                                                                  \
  static void name(void)

#define CHECK(cond) ((cond) ? 1 : ev_test_fail(__FILE__, __LINE__, #cond))
#define REQUIRE(cond)                                                \
  do {                                                               \
    if (!CHECK(cond)) return;                                        \
  } while (0)
#define CHECK_EQ_INT(a, b)                                           \
  do {                                                               \
    long long ev_a_ = (long long)(a), ev_b_ = (long long)(b);        \
    if (ev_a_ != ev_b_) {                                            \
      printf("    %s = %lld, expected %s = %lld\n", #a, ev_a_, #b, ev_b_); \
      ev_test_fail(__FILE__, __LINE__, #a " == " #b);                \
    }                                                                \
  } while (0)

#endif
