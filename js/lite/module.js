// js/lite/module.js — re-exports the Emscripten factory of
// dist/edgevec-lite.js, the lite module (for why a file of its own, see
// ../wasm/module.js; ./module.d.ts types it).
export { default } from '../../dist/edgevec-lite.js';
