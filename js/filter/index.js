// js/filter/index.js — a filter (object form or string) to its program
// bytes, and a filter string to its object form. Strings are compiled once:
// apps repeat the same few filters, so the bytes of the most recent strings
// are kept (objects are compiled each time, since they may be changed
// between calls).

import { describe } from '../errors.js';
import { errorAt } from './ast.js';
import { objectToAst } from './object.js';
import { parseToAst } from './parse.js';
import { compileAst } from './compile.js';
import { astToObject } from './to-object.js';

/** @typedef {import('../../types/index.js').Filter} Filter */

/** Filter strings whose programs are kept. */
const CACHE_LIMIT = 256;
/** Insertion order is recency order: a hit is moved to the end. */
const cache = /** @type {Map<string, Uint8Array>} */ (new Map());

/**
 * The program bytes of a filter. The returned bytes may be shared: callers
 * copy them into wasm memory and never change them.
 * @param {unknown} filter  a Filter object or a filter string
 * @returns {Uint8Array}
 */
export function compileFilter(filter) {
  if (typeof filter === 'string') {
    const hit = cache.get(filter);
    if (hit) {
      cache.delete(filter);
      cache.set(filter, hit);
      return hit;
    }
    const program = compileAst(parseToAst(filter));
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(filter, program);
    return program;
  }
  return compileAst(objectToAst(filter));
}

/**
 * The object form of a filter string (checked and compiled once, so a string
 * that parses but cannot run is refused here too).
 * @param {unknown} text
 * @returns {Filter}
 */
export function parseFilter(text) {
  if (typeof text !== 'string') {
    throw errorAt({ position: 0 }, `EdgeVec.parseFilter takes a string, got ${describe(text)}`);
  }
  const ast = parseToAst(text);
  compileAst(ast);
  return astToObject(ast);
}

/** Filter strings currently cached (for tests of the bound). */
export function cachedFilterCount() {
  return cache.size;
}
