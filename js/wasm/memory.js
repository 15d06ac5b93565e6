// js/wasm/memory.js — scratch memory in the wasm heap: allocation with a
// typed error, the per-module "out" array of result words, copying bytes in
// and reading C strings.
//
// Rules: a caller frees what alloc / copyIn gave it, in `finally`, so that an
// exception cannot leak it; heap views (HEAPU8, HEAPU32, HEAPF32) are read
// again after any call that may allocate, because memory growth replaces them.

import { EdgeVecError } from '../errors.js';
import { EVW_OUT_WORDS } from './abi.js';

/** @typedef {import('./module.js').EdgeVecCoreWasm} EdgeVecCoreWasm */

/**
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} bytes
 * @param {string} what  the call, for the error
 * @returns {number} a pointer the caller frees with wasm._free
 */
export function alloc(wasm, bytes, what) {
  const p = wasm._malloc(bytes);
  if (p === 0) {
    throw new EdgeVecError('OUT_OF_MEMORY', `${what}: could not allocate ${bytes} bytes in the wasm heap`);
  }
  return p;
}

/** The out array of each module instance (js/loader.js allocates it at load). */
const outArrays = /** @type {WeakMap<EdgeVecCoreWasm, number>} */ (new WeakMap());

/**
 * The word index (into HEAPU32) of the module's out array: EVW_OUT_WORDS u32
 * words that every export returning several values writes into (abi.h names
 * the slots). One per module, never freed: calls into wasm are synchronous,
 * and each caller reads its results before it awaits or calls again.
 * @param {EdgeVecCoreWasm} wasm
 * @param {string} what  the call, for the error if the first allocation fails
 * @returns {number} a byte pointer; its word index is `ptr >>> 2`
 */
export function outArray(wasm, what) {
  let p = outArrays.get(wasm);
  if (p === undefined) {
    p = alloc(wasm, 4 * EVW_OUT_WORDS, what);
    outArrays.set(wasm, p);
  }
  return p;
}

/**
 * Copies bytes into fresh wasm memory; the caller frees the pointer.
 * @param {EdgeVecCoreWasm} wasm
 * @param {ReadonlyArray<Uint8Array>} parts  concatenated in order
 * @param {string} what
 * @returns {{ ptr: number, len: number }}
 */
export function copyIn(wasm, parts, what) {
  let len = 0;
  for (const p of parts) len += p.byteLength;
  const ptr = alloc(wasm, Math.max(1, len), what);
  const heap = wasm.HEAPU8;
  let at = ptr;
  for (const p of parts) { heap.set(p, at); at += p.byteLength; }
  return { ptr, len };
}

/**
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} ptr
 * @returns {string} a NUL-terminated ASCII string from static memory
 */
export function cString(wasm, ptr) {
  const heap = wasm.HEAPU8;
  let end = ptr;
  while (end < heap.length && heap[end] !== 0) end++;
  let s = '';
  for (let i = ptr; i < end; i++) s += String.fromCharCode(heap[i]);
  return s;
}
