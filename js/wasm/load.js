// js/wasm/load.js — instantiating one of the package's Emscripten modules,
// once per location. Shared by the full entry (js/loader.js: dist/edgevec.*,
// and the build with threads) and the lite one (js/lite/loader.js:
// dist/edgevec-lite.*), which differ only in the module, the .wasm they
// name and whether something is tried first.
//
// - Browsers and bundlers: each caller names its .wasm with
//   `new URL('…/dist/<name>.wasm', import.meta.url)` in its own file, the
//   pattern Vite and webpack recognise to emit the file and rewrite the URL;
//   the glue then streams it with `WebAssembly.instantiateStreaming`.
// - Node: the glue cannot fetch a file: URL, so this file reads the bytes
//   from disk and hands them over as `wasmBinary`.
// - Apps that host the file elsewhere pass `wasmBinary` (bytes they fetched)
//   or `locateFile` (a function returning its URL) to EdgeVec.create.
//
// All indexes created with the default location share one module instance
// (one wasm memory): a page pays for compiling the module once.

import { EdgeVecError } from '../errors.js';
import { outArray } from './memory.js';

/** @typedef {import('./module.js').EdgeVecCoreWasm} EdgeVecCoreWasm */
/** @typedef {import('./module.js').EdgeVecWasmFactoryOptions} FactoryOptions */

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

/**
 * Reads a file: URL in Node without a static `import 'node:fs'`, which
 * bundlers targeting the browser would try (and fail) to resolve.
 * @param {URL} url
 * @returns {Promise<Uint8Array>}
 */
export async function readFileInNode(url) {
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
 * The loadWasm(location) of one module: the package's own .wasm when no
 * location is given, else the caller's bytes or URL. A failed load is not
 * cached, so that a later call can retry.
 * @template {EdgeVecCoreWasm} W
 * @param {(options: FactoryOptions) => Promise<W>} factory  the Emscripten factory
 * @param {string} fileName  the .wasm's name, as the glue asks locateFile for it
 * @param {() => URL} defaultUrl  where the package's .wasm is
 * @param {(url: URL) => Promise<W | undefined>} [tryFirst]  a module, ready
 *   for use (its out array allocated), to use instead of the default one
 *   (the full entry's build with threads); undefined: the default one
 * @returns {(location?: WasmLocation) => Promise<W>}
 */
export function moduleLoader(factory, fileName, defaultUrl, tryFirst) {
  /** @type {Promise<W> | undefined} */
  let defaultModule;
  /** Modules instantiated from a caller's wasmBinary / locateFile, by that value. */
  const customModules = /** @type {WeakMap<object, Promise<W>>} */ (new WeakMap());

  /**
   * @param {FactoryOptions} factoryOptions
   * @param {string} where  for the error message
   * @returns {Promise<W>}
   */
  async function instantiate(factoryOptions, where) {
    /** @type {W} */
    let wasm;
    try {
      wasm = await factory(factoryOptions);
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

  /** @returns {Promise<W>} */
  async function loadDefault() {
    const url = defaultUrl();
    const first = tryFirst ? await tryFirst(url) : undefined;
    if (first) return first;
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
   * @param {object} key
   * @param {() => Promise<W>} load
   * @returns {Promise<W>}
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

  return (location = {}) => {
    const { wasmBinary, locateFile } = location;
    if (wasmBinary !== undefined) {
      return cached(wasmBinary, () => instantiate({ wasmBinary }, 'the wasmBinary option'));
    }
    if (locateFile !== undefined) {
      return cached(locateFile, () => {
        /** @type {string} */
        let where = 'the locateFile option';
        try { where = String(locateFile(fileName, '')); } catch { /* reported by the load */ }
        return instantiate({ locateFile }, where);
      });
    }
    if (!defaultModule) {
      defaultModule = loadDefault();
      defaultModule.catch(() => { defaultModule = undefined; });
    }
    return defaultModule;
  };
}
