// js/wasm/hits.js — a search's results read out of wasm memory into the
// objects the API returns, for both searches (js/wasm/api.js, and the
// filtered one of js/wasm/metadata.js).

import { readIdNumber } from '../ids.js';
import { EVW_ID_BYTES } from './abi.js';

/** @typedef {import('./module.js').EdgeVecCoreWasm} EdgeVecCoreWasm */
/** @typedef {import('../../types/index.js').SearchResult<'bigint'> | import('../../types/index.js').SearchResult<'number'>} AnySearchResult */

/**
 * A search's results as objects: `count` ids (u64) at idsAt and their f32
 * distances at distAt in wasm memory.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} idsAt
 * @param {number} distAt
 * @param {number} count
 * @param {boolean} numberMode
 * @returns {AnySearchResult[]}
 */
export function readHits(wasm, idsAt, distAt, count, numberMode) {
  const u32 = wasm.HEAPU32;
  const f32 = wasm.HEAPF32;
  const dist = distAt >>> 2;
  /** @type {AnySearchResult[]} */
  const results = new Array(count);
  if (numberMode) {
    for (let i = 0; i < count; i++) {
      results[i] = { id: readIdNumber(u32, idsAt + EVW_ID_BYTES * i), distance: f32[dist + i] };
    }
  } else {
    const idView = new BigUint64Array(wasm.HEAPU8.buffer, idsAt, count);
    for (let i = 0; i < count; i++) results[i] = { id: idView[i], distance: f32[dist + i] };
  }
  return results;
}
