// js/lite/loader.js — finds, fetches and instantiates dist/edgevec-lite.wasm,
// once (how: ../wasm/load.js). No build with threads: the lite module is
// the one module of the lite entry, so a bundler emits exactly one .wasm.

import createEdgeVecLiteModule from './module.js';
import { moduleLoader } from '../wasm/load.js';

/** @typedef {import('../wasm/module.js').EdgeVecCoreWasm} EdgeVecCoreWasm */
/** @typedef {import('../wasm/load.js').WasmLocation} WasmLocation */

/**
 * The lite module for a location (the package's own .wasm when none is
 * given). A failed load is not cached, so that a later call can retry.
 * @type {(location?: WasmLocation) => Promise<EdgeVecCoreWasm>}
 */
export const loadLiteWasm = moduleLoader(createEdgeVecLiteModule, 'edgevec-lite.wasm',
  // Where the .wasm sits next to this package's files.
  () => new URL('../../dist/edgevec-lite.wasm', import.meta.url));
