/*
 * bench_util.h — what the benchmarks of bench/native/ share: the name of
 * the target they were built for, the clocks, the median of repeated
 * measurements, the exact top-k by brute force and recall counting.
 * Standard C only, no header of the core: bench_kernels.c also builds
 * against the core of an older commit (scripts/bench-pad.sh).
 */
#ifndef EV_BENCH_UTIL_H
#define EV_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* "wasm" or "native": the first word of a benchmark's table and the
 * "target" of its JSON line. */
#ifdef __EMSCRIPTEN__
#define BENCH_TARGET "wasm"
#else
#define BENCH_TARGET "native"
#endif

/* Wall-clock time in ms (monotonic). */
double bench_now_ms(void);
/* CPU time of the whole process in ms (in wasm, Node's process.cpuUsage):
 * on a shared machine it moves far less with the other processes' load
 * than wall-clock time does. */
double bench_cpu_ms(void);

/* Sorts v[0..n) ascending. */
void bench_sort(double *v, size_t n);
/* The median of v[0..n), n >= 1 (sorts v). */
double bench_median(double *v, size_t n);

/* Empties n running top-k lists: every distance at the largest float,
 * every id UINT64_MAX. */
void bench_topk_reset(float *best, uint64_t *ids, size_t n);
/* Folds row `id` at distance d into one query's top-k (best[0..k) nearest
 * first, ids[] beside it). */
void bench_topk_offer(float *best, uint64_t *ids, uint32_t k, float d, uint64_t id);

/* How many of truth[0..n_truth) are among ids[0..got) (each id once in
 * either list): the hits that recall counts. */
uint32_t bench_hits(const uint64_t *truth, uint32_t n_truth, const uint64_t *ids,
                    uint32_t got);

#endif
