// js/wasm/module.js — re-exports the Emscripten factory of dist/edgevec.js.
//
// Why a file of its own: the generated glue is not written to pass
// `tsc --strict --checkJs`, so the type checker reads ./module.d.ts
// (the part of the module js/ uses, typed) instead of following this import
// into dist/. Bundlers and Node follow it as usual.
export { default } from '../../dist/edgevec.js';
