// js/lite/module.d.ts — the type of the lite Emscripten module
// (dist/edgevec-lite.js + dist/edgevec-lite.wasm): the exports both modules
// have (../wasm/module.d.ts, EdgeVecCoreWasm). Internal.

import type { EdgeVecCoreWasm } from '../wasm/module.js';

/** The factory's options: js/lite/loader.js passes one of these two only. */
export interface EdgeVecLiteFactoryOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, prefix: string) => string;
}

declare function createEdgeVecLiteModule(options?: EdgeVecLiteFactoryOptions): Promise<EdgeVecCoreWasm>;
export default createEdgeVecLiteModule;
