/*
 * wasm_heap.c — what the allocator holds, for the memory tests of the full
 * module (tests/node/wasm-memory.test.js, wasm-persist.test.js and
 * transfer-snapshot.test.js read them through the shipped module). Not in
 * the lite module.
 */
#include <emscripten.h>
#include <malloc.h>
#include <stddef.h>

#define EXPORT EMSCRIPTEN_KEEPALIVE

/* Bytes currently allocated by malloc in the whole module (every index and
 * every scratch buffer). The leak tests compare it before and after many
 * cycles; mallinfo works with both dlmalloc (the default) and emmalloc. */
EXPORT double evw_heap_allocated(void) {
  struct mallinfo mi = mallinfo();
  return (double)(size_t)mi.uordblks;
}

/* The most the allocator ever took from wasm memory (its high-water mark,
 * which wasm memory keeps for good): the tests of checkpoint memory read
 * it before and after. */
EXPORT double evw_heap_peak(void) {
  struct mallinfo mi = mallinfo();
  return (double)(size_t)mi.usmblks;
}
