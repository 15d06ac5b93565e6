/*
 * wasm_compact_steps.c — the exports of the incremental compaction
 * (edgevec.h: ev_compact_begin ... ev_compact_abort), which the full
 * module's compactInBackground (js/compaction.js) runs in slices. A thin
 * shim with the ABI rules of wasm_api.c; not in the lite module, which
 * compacts in one call (evw_compact) only.
 */
#include <emscripten.h>
#include <stdint.h>

#include "abi.h"
#include "edgevec.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

/* Incremental compaction (edgevec.h): begin, steps of up to max_copies
 * copies (out1[EVW_COMPACT_REMAINING] = old slots not yet examined),
 * finish, abort. */
EXPORT int evw_compact_begin(ev_index *index) { return ev_compact_begin(index); }

EXPORT int evw_compact_step(ev_index *index, uint32_t max_copies,
                            uint32_t *out1) {
  if (!out1) return EV_ERR_INVALID_ARGUMENT;
  return ev_compact_step(index, max_copies, out1 + EVW_COMPACT_REMAINING);
}

EXPORT int evw_compact_finish(ev_index *index) { return ev_compact_finish(index); }

EXPORT void evw_compact_abort(ev_index *index) { ev_compact_abort(index); }
