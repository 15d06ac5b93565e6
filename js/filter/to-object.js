// js/filter/to-object.js — the filter tree (./ast.js) written in the object
// form: what EdgeVec.parseFilter returns for a filter string. The result
// compiles to the same program as the string.
//
// A field named `and`, `or` or `not` has no object form (those keys are the
// logical forms), so such a string is refused here with INVALID_FILTER; the
// string itself works as a filter.

import { errorAt } from './ast.js';

/** @typedef {import('./ast.js').Node} Node */
/** @typedef {import('../../types/index.js').Filter} Filter */

/**
 * @param {Node} node
 * @returns {Filter}
 */
export function astToObject(node) {
  if (node.kind === 'not') return { not: astToObject(node.item) };
  if (node.kind !== 'cond') {
    const items = node.items.map(astToObject);
    return node.kind === 'and' ? { and: items } : { or: items };
  }
  const field = node.field;
  if (field === 'and' || field === 'or' || field === 'not') {
    throw errorAt(node.at, `the field '${field}' cannot be written in the object form, where ` +
      `'${field}' is the logical form; pass the filter string itself`, field);
  }
  /** @type {unknown} */
  let condition;
  if (node.ops.length === 1 && node.ops[0].op === 'eq') {
    condition = node.ops[0].value;
  } else {
    /** @type {Record<string, unknown>} */
    const ops = {};
    for (const c of node.ops) ops[c.op] = c.value;
    condition = ops;
  }
  /** @type {Record<string, unknown>} */
  const out = {};
  // defineProperty: a field named "__proto__" stays a field.
  Object.defineProperty(out, field, { value: condition, enumerable: true, writable: true, configurable: true });
  return /** @type {Filter} */ (out);
}
