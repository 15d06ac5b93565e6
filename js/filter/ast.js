// js/filter/ast.js — the filter tree both front ends produce (the object
// form, ./object.js, and the string syntax, ./parse.js) and the compiler
// (./compile.js) consumes, with the checks of names and operands they
// share, so a filter means the same and fails the same way whichever form
// it was written in.
//
// Nodes:
//   { kind: 'and' | 'or', items: Node[], at }   and [] is true, or [] false
//   { kind: 'not', item: Node, at }
//   { kind: 'cond', field, ops: [{ op, value }], at }   ops ANDed
// `at` is where the node was written: { path } in the object form,
// { position } in the string form; errors report it.

import { EdgeVecError, filterError, describe } from '../errors.js';
import { EV_META_MAX_NAME_BYTES } from '../metadata/limits.js';
import { isWellFormed, utf8 } from '../metadata/utf8.js';

/** @typedef {string | number | boolean} Scalar */
/** @typedef {{ path?: string, position?: number }} At */
/** @typedef {'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'any' | 'all' | 'none' | 'exists'} Op */
/** @typedef {{ op: Op, value: Scalar | Scalar[] }} Condition */
/**
 * @typedef {{ kind: 'and' | 'or', items: Node[], at: At }
 *   | { kind: 'not', item: Node, at: At }
 *   | { kind: 'cond', field: string, ops: Condition[], at: At }} Node
 */

/** Values in one any/all/none list (EV_FILTER_MAX_VALUES in src/filter.h). */
export const EV_FILTER_MAX_VALUES = 1024;
/** Nodes in one program (EV_FILTER_MAX_NODES). */
export const EV_FILTER_MAX_NODES = 1024;
/** Stack depth of the program's evaluation (EV_FILTER_MAX_DEPTH). */
export const EV_FILTER_MAX_DEPTH = 64;
/** A string operand's length is a u16 in the program. */
export const MAX_OPERAND_BYTES = 65535;

/** Every operator, in the order the compiler emits a condition's operators. */
/** @type {readonly Op[]} */
export const OPERATORS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'any', 'all', 'none', 'exists'];
/** @type {ReadonlySet<string>} */
export const RANGE_OPERATORS = new Set(['lt', 'lte', 'gt', 'gte']);
/** @type {ReadonlySet<string>} */
export const LIST_OPERATORS = new Set(['any', 'all', 'none']);

/**
 * The error of a filter at `at`.
 * @param {At} at
 * @param {string} message
 * @param {string} [field]
 * @returns {EdgeVecError}
 */
export function errorAt(at, message, field) {
  if (at.position !== undefined) {
    return filterError(`invalid filter at position ${at.position}: ${message}`,
      { position: at.position, field });
  }
  const path = at.path ?? '';
  return filterError(`invalid filter${path ? ` at ${path}` : ''}: ${message}`, { path, field });
}

/**
 * Checks a field name; returns its UTF-8 bytes.
 * @param {string} name
 * @param {At} at
 * @returns {Uint8Array}
 */
export function checkFieldName(name, at) {
  if (!isWellFormed(name)) {
    throw errorAt(at, 'the field name holds a lone surrogate, which has no UTF-8 form', name);
  }
  const bytes = utf8(name);
  if (bytes.length < 1 || bytes.length > EV_META_MAX_NAME_BYTES) {
    throw errorAt(at, `a field name is 1 to ${EV_META_MAX_NAME_BYTES} bytes of UTF-8, ` +
      `'${name}' is ${bytes.length}`, name);
  }
  return bytes;
}

/**
 * Checks one operand of `op`.
 * @param {Op} op
 * @param {unknown} v
 * @param {At} at
 * @param {string} field
 * @returns {Scalar}
 */
export function checkScalar(op, v, at, field) {
  if (RANGE_OPERATORS.has(op)) {
    if (typeof v !== 'number') {
      throw errorAt(at, `${op} compares numbers only: expected a number, got ${describe(v)}`, field);
    }
  } else if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
    throw errorAt(at, `${op} takes a string, a number or a boolean, got ${describe(v)}`, field);
  }
  if (typeof v === 'number' && !Number.isFinite(v)) {
    throw errorAt(at, `numbers in a filter must be finite, got ${String(v)}`, field);
  }
  if (typeof v === 'string') {
    if (!isWellFormed(v)) throw errorAt(at, 'the string holds a lone surrogate, which has no UTF-8 form', field);
    if (v.length > MAX_OPERAND_BYTES / 3 && utf8(v).length > MAX_OPERAND_BYTES) {
      throw errorAt(at, `a string operand is at most ${MAX_OPERAND_BYTES} bytes of UTF-8`, field);
    }
  }
  return v;
}

/**
 * Checks the size of an any/all/none list.
 * @param {Op} op
 * @param {number} n
 * @param {At} at
 * @param {string} field
 */
export function checkListLength(op, n, at, field) {
  if (n < 1 || n > EV_FILTER_MAX_VALUES) {
    throw errorAt(at, `${op} takes a list of 1 to ${EV_FILTER_MAX_VALUES} values, got ${n}`, field);
  }
}
