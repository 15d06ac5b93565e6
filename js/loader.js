// js/loader.js — finds, fetches and instantiates dist/edgevec.wasm, once.
//
// - Browsers and bundlers: the .wasm is named with
//   `new URL('../dist/edgevec.wasm', import.meta.url)`, the pattern Vite and
//   webpack recognise to emit the file and rewrite the URL; the glue then
//   streams it with `WebAssembly.instantiateStreaming`.
// - Node: the glue cannot fetch a file: URL, so this file reads the bytes
//   from disk and hands them over as `wasmBinary`.
// - Apps that host the file elsewhere pass `wasmBinary` (bytes they fetched)
//   or `locateFile` (a function returning its URL) to EdgeVec.create.
//
// All indexes created with the default location share one module instance
// (one wasm memory): a page pays for compiling the module once.
//
// The default location first tries the module with threads (dist/mt/, see
// ./wasm/threads.js) where the platform allows it: always in Node, in
// browsers on cross-origin isolated pages. If it is not allowed, or fails to
// load for any reason, the default module is loaded instead, with nothing
// for the app to do. A wasmBinary or locateFile names one .wasm: the
// default module, without threads.

import createEdgeVecModule from './wasm/module.js';
import { EdgeVecError } from './errors.js';
import { outArray } from './wasm/memory.js';
import { platformThreads, loadThreaded } from './wasm/threads.js';

/** @typedef {import('./wasm/module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('./wasm/module.js').EdgeVecWasmFactoryOptions} FactoryOptions */

/**
 * @typedef {object} WasmLocation
 * @property {ArrayBuffer | Uint8Array} [wasmBinary]
 * @property {(path: string, prefix: string) => string} [locateFile]
 */

/**
 * @typedef {object} NodeProcess
 * @property {{ node?: string }} [versions]
 * @property {(id: string) => unknown} [getBuiltinModule]
 */

const nodeProcess = /** @type {{ process?: NodeProcess }} */ (globalThis).process;
const IS_NODE = typeof nodeProcess === 'object' && nodeProcess !== null &&
  typeof nodeProcess.versions?.node === 'string';

/** @type {Promise<EdgeVecWasm> | undefined} */
let defaultModule;
/** Modules instantiated from a caller's wasmBinary / locateFile, by that value. */
const customModules = /** @type {WeakMap<object, Promise<EdgeVecWasm>>} */ (new WeakMap());

/** @returns {URL} where the .wasm sits next to this package's files */
function defaultWasmUrl() {
  return new URL('../dist/edgevec.wasm', import.meta.url);
}

/**
 * Reads a file: URL in Node without a static `import 'node:fs'`, which
 * bundlers targeting the browser would try (and fail) to resolve.
 * @param {URL} url
 * @returns {Promise<Uint8Array>}
 */
async function readFileInNode(url) {
  /** @type {{ readFile(path: URL): Promise<Uint8Array> }} */
  let fs;
  if (typeof nodeProcess?.getBuiltinModule === 'function') {
    fs = /** @type {typeof fs} */ (nodeProcess.getBuiltinModule('node:fs/promises'));
  } else {
    const specifier = 'node:fs/promises';
    fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
  }
  return new Uint8Array(await fs.readFile(url));
}

/**
 * @param {FactoryOptions} factoryOptions
 * @param {string} where  for the error message
 * @returns {Promise<EdgeVecWasm>}
 */
async function instantiate(factoryOptions, where) {
  /** @type {EdgeVecWasm} */
  let wasm;
  try {
    wasm = await createEdgeVecModule(factoryOptions);
  } catch (err) {
    throw new EdgeVecError('WASM_LOAD',
      `could not load the EdgeVec WebAssembly module from ${where}: ${String(err)}`,
      { cause: err });
  }
  // The out array is part of the loaded module, allocated before any index:
  // the heap level an app sees before its first create is the level every
  // dispose returns to.
  outArray(wasm, 'loading the module');
  return wasm;
}

/** @returns {Promise<EdgeVecWasm>} */
async function loadDefault() {
  const url = defaultWasmUrl();
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
  if (IS_NODE && url.protocol === 'file:') {
    /** @type {Uint8Array} */
    let bytes;
    try {
      bytes = await readFileInNode(url);
    } catch (err) {
      throw new EdgeVecError('WASM_LOAD',
        `could not read ${url.href}: ${String(err)}`, { cause: err });
    }
    return instantiate({ wasmBinary: bytes }, url.href);
  }
  const href = url.href;
  return instantiate({ locateFile: () => href }, href);
}

/**
 * The module for a location (the package's own .wasm when none is given).
 * A failed load is not cached, so that a later call can retry.
 * @param {WasmLocation} [location]
 * @returns {Promise<EdgeVecWasm>}
 */
export function loadWasm(location = {}) {
  const { wasmBinary, locateFile } = location;
  if (wasmBinary !== undefined) {
    return cached(wasmBinary, () => instantiate({ wasmBinary }, 'the wasmBinary option'));
  }
  if (locateFile !== undefined) {
    return cached(locateFile, () => {
      /** @type {string} */
      let where = 'the locateFile option';
      try { where = String(locateFile('edgevec.wasm', '')); } catch { /* reported by the load */ }
      return instantiate({ locateFile }, where);
    });
  }
  if (!defaultModule) {
    defaultModule = loadDefault();
    defaultModule.catch(() => { defaultModule = undefined; });
  }
  return defaultModule;
}

/**
 * @param {object} key
 * @param {() => Promise<EdgeVecWasm>} load
 * @returns {Promise<EdgeVecWasm>}
 */
function cached(key, load) {
  let p = customModules.get(key);
  if (!p) {
    p = load();
    customModules.set(key, p);
    p.catch(() => { customModules.delete(key); });
  }
  return p;
}
