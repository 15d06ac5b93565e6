/*
 * wasm_reorder.c — the exports of ev_reorder and ev_order_due (edgevec.h):
 * the graph order of the slots, which the JS layer's optimize() asks for,
 * and the rule insertBatch asks whether it is due by (thin shims, the ABI
 * rules of wasm_api.c).
 */
#include <emscripten.h>

#include "edgevec.h"

/* Returns an ev_status: INVALID_ARGUMENT while an incremental compaction
 * runs or anything is uncommitted, OUT_OF_MEMORY. */
EMSCRIPTEN_KEEPALIVE int evw_reorder(ev_index *index) { return ev_reorder(index); }

/* 1 when the graph order is due by itself (ev_order_due), else 0. */
EMSCRIPTEN_KEEPALIVE int evw_order_due(const ev_index *index) { return ev_order_due(index); }
