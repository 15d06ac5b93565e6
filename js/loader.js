// js/loader.js — finds, fetches and instantiates dist/edgevec.wasm, once
// (how, for both entries: ./wasm/load.js).
//
// The default location first tries the module with threads (dist/mt/, see
// ./wasm/threads.js) where the platform allows it: always in Node, in
// browsers on cross-origin isolated pages. If it is not allowed, or fails to
// load for any reason, the default module is loaded instead, with nothing
// for the app to do. A wasmBinary or locateFile names one .wasm: the
// default module, without threads.

import createEdgeVecModule from './wasm/module.js';
import { outArray } from './wasm/memory.js';
import { moduleLoader, readFileInNode } from './wasm/load.js';
import { platformThreads, loadThreaded } from './wasm/threads.js';

/** @typedef {import('./wasm/module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('./wasm/load.js').WasmLocation} WasmLocation */

/**
 * The module for a location (the package's own .wasm when none is given).
 * A failed load is not cached, so that a later call can retry.
 * @type {(location?: WasmLocation) => Promise<EdgeVecWasm>}
 */
export const loadWasm = moduleLoader(createEdgeVecModule, 'edgevec.wasm',
  // Where the .wasm sits next to this package's files.
  () => new URL('../dist/edgevec.wasm', import.meta.url),
  async (url) => {
    const threads = platformThreads();
    if (threads > 0) {
      try {
        const wasm = await loadThreaded(url, threads, readFileInNode);
        outArray(wasm, 'loading the module');
        return wasm;
      } catch {
        // Not served, blocked, or too old a runtime: the module without threads.
      }
    }
    return undefined;
  });
