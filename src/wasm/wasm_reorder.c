/*
 * wasm_reorder.c — the export of ev_reorder (edgevec.h): the graph order
 * of the slots, which the JS layer's optimize() asks for (a thin shim, the
 * ABI rules of wasm_api.c).
 */
#include <emscripten.h>

#include "edgevec.h"

/* Returns an ev_status: INVALID_ARGUMENT while an incremental compaction
 * runs or anything is uncommitted, OUT_OF_MEMORY. */
EMSCRIPTEN_KEEPALIVE int evw_reorder(ev_index *index) { return ev_reorder(index); }
