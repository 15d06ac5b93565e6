// js/lifetime.js — what happens to an EdgeVec that is garbage-collected
// without dispose() (a finalizer frees it), and `using db = ...` support.
//
// Why a finalizer: the wasm heap is not visible to the JS collector, so an
// index nobody disposed would stay allocated for good, and a persisted
// database's writer lock would stay taken.

/** @typedef {import('./wasm/module.js').EdgeVecCoreWasm} EdgeVecCoreWasm */
/** @typedef {import('./storage/interface.js').StorageHandle} StorageHandle */

/**
 * What the finalizer frees.
 * @typedef {object} Finalizable
 * @property {EdgeVecCoreWasm} wasm
 * @property {number} handle
 * @property {StorageHandle | null} storage
 */

const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(
    /** @param {Finalizable} held */
    (held) => {
      held.wasm._evw_free(held.handle);
      if (held.storage) held.storage.close().catch(() => undefined);
    })
  : undefined;

/**
 * Frees `held` once `owner` is collected, unless unwatch(token) ran first.
 * @param {object} owner
 * @param {Finalizable} held
 * @param {object} token
 */
export function watch(owner, held, token) {
  finalizer?.register(owner, held, token);
}

/** @param {object} token */
export function unwatch(token) {
  finalizer?.unregister(token);
}

/**
 * Gives the class a [Symbol.dispose] that calls dispose(), where explicit
 * resource management exists; engines without Symbol.dispose simply lack
 * the method.
 * @param {{ prototype: { dispose(): void } }} cls
 */
export function addDisposeSymbol(cls) {
  if (typeof Symbol === 'function' && typeof Symbol.dispose === 'symbol') {
    Object.defineProperty(cls.prototype, Symbol.dispose, {
      value: function dispose() { /** @type {{ dispose(): void }} */ (this).dispose(); },
      writable: true,
      configurable: true,
    });
  }
}
