// js/filter/object.js — the object form of a filter, checked and turned into
// the filter tree (./ast.js). The form (types/index.d.ts, Filter):
//
//   { and: Filter[] } | { or: Filter[] } | { not: Filter }
//   | { [field]: Scalar | { eq, ne, lt, lte, gt, gte, any, all, none, exists } }
//
// Several keys in one filter object, and several operators in one condition
// object, are ANDed; `{}` matches every vector. A bad filter is
// INVALID_FILTER with error.path (e.g. `and[1].price.lt`) and error.field.

import { describe } from '../errors.js';
import { isPlainObject } from '../metadata/validate.js';
import {
  errorAt, checkFieldName, checkScalar, checkListLength, OPERATORS, LIST_OPERATORS,
} from './ast.js';

/** @typedef {import('./ast.js').Node} Node */
/** @typedef {import('./ast.js').Condition} Condition */
/** @typedef {import('./ast.js').Op} Op */

/** @type {ReadonlySet<string>} */
const OPERATOR_SET = new Set(OPERATORS);

/**
 * @param {string} base
 * @param {string} key
 * @returns {string}
 */
function join(base, key) {
  return base ? `${base}.${key}` : key;
}

/**
 * @param {unknown} filter
 * @param {string} [path]
 * @returns {Node}
 */
export function objectToAst(filter, path = '') {
  if (!isPlainObject(filter)) {
    throw errorAt({ path }, `a filter is a plain object, got ${describe(filter)}` +
      (typeof filter === 'string' ? ' (a string filter is only taken at the top level)' : ''));
  }
  const o = /** @type {Record<string, unknown>} */ (filter);
  const keys = Object.keys(o);
  /** @type {Node[]} */
  const nodes = [];
  for (const key of keys) {
    const v = o[key];
    const at = { path: join(path, key) };
    if (key === 'and' || key === 'or') {
      if (!Array.isArray(v)) {
        throw errorAt(at, `${key} takes an array of filters, got ${describe(v)}`);
      }
      nodes.push({ kind: key, items: v.map((f, i) => objectToAst(f, `${at.path}[${i}]`)), at });
    } else if (key === 'not') {
      nodes.push({ kind: 'not', item: objectToAst(v, at.path), at });
    } else {
      nodes.push(condition(key, v, at.path));
    }
  }
  if (nodes.length === 1) return nodes[0];
  return { kind: 'and', items: nodes, at: { path } };
}

/**
 * @param {string} field
 * @param {unknown} v
 * @param {string} path
 * @returns {Node}
 */
function condition(field, v, path) {
  const at = { path };
  checkFieldName(field, at);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    return { kind: 'cond', field, ops: [{ op: 'eq', value: checkScalar('eq', v, at, field) }], at };
  }
  if (!isPlainObject(v)) {
    throw errorAt(at, `a condition is a string, a number, a boolean or an object of operators, got ${describe(v)}` +
      (Array.isArray(v) ? ` (for a list, write { any: [...] } or { all: [...] })` : ''), field);
  }
  const c = /** @type {Record<string, unknown>} */ (v);
  const keys = Object.keys(c);
  if (keys.length === 0) {
    throw errorAt(at, `the condition has no operator; expected one of ${OPERATORS.join(', ')}`, field);
  }
  for (const key of keys) {
    if (!OPERATOR_SET.has(key)) {
      throw errorAt({ path: `${path}.${key}` },
        `unknown operator '${key}'; expected one of ${OPERATORS.join(', ')}`, field);
    }
  }
  /** @type {Condition[]} */
  const ops = [];
  // A fixed operator order: the same condition always compiles to the same bytes.
  for (const op of OPERATORS) {
    if (!Object.prototype.hasOwnProperty.call(c, op)) continue;
    const operand = c[op];
    const opAt = { path: `${path}.${op}` };
    if (op === 'exists') {
      if (typeof operand !== 'boolean') {
        throw errorAt(opAt, `exists takes true or false, got ${describe(operand)}`, field);
      }
      ops.push({ op, value: operand });
    } else if (LIST_OPERATORS.has(op)) {
      if (!Array.isArray(operand)) {
        throw errorAt(opAt, `${op} takes an array of values, got ${describe(operand)}`, field);
      }
      checkListLength(op, operand.length, opAt, field);
      ops.push({ op, value: operand.map((x, i) => checkScalar(op, x, { path: `${opAt.path}[${i}]` }, field)) });
    } else {
      ops.push({ op, value: checkScalar(op, operand, opAt, field) });
    }
  }
  return { kind: 'cond', field, ops, at };
}
