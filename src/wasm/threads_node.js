// src/wasm/threads_node.js — put in front of dist/mt/edgevec-mt.mjs, the
// build with threads (CMakeLists.txt, --extern-pre-js).
//
// That build's glue has a Node branch (Node runs its threads in
// worker_threads), which uses CommonJS names an ES module lacks: `require`,
// `__filename`, `__dirname`. They are made here from import.meta.url, in
// Node only (its pthread workers import this same file, so they get them
// too); in browsers they stay undefined and the glue never reads them.
var require, __filename, __dirname;
if (typeof process === 'object' && process !== null &&
    typeof process.getBuiltinModule === 'function') {
  require = process.getBuiltinModule('module').createRequire(import.meta.url);
  __filename = require('url').fileURLToPath(import.meta.url);
  __dirname = require('path').dirname(__filename);
}
