// tests/lib/filter-reference.js — the filter semantics of the README
// (section "Filters"), written plainly over JS objects: the reference the
// Node tests, the browser spec and the filtered benchmark compare the core's
// answers with. It shares no code with js/filter/ or the C evaluator.
//
// A comparison is true only when the vector has the field with a value of
// the operand's type (a missing field or another type makes it false, `ne`
// included); on an array of strings, `eq v` is "contains v" and `ne v`
// "does not contain v". `not` is plain negation.

/** @typedef {string | number | boolean | string[]} Value */

/**
 * @param {Value} x   the stored value
 * @param {unknown} v  an operand
 * @returns {boolean} x equals v (for an array: contains it), same type
 */
function equal(x, v) {
  if (Array.isArray(x)) return typeof v === 'string' && x.includes(v);
  return typeof x === typeof v && x === v;
}

/**
 * @param {Value} x
 * @param {unknown} v
 * @returns {boolean} x holds a value of v's type (an array holds strings)
 */
function sameType(x, v) {
  return Array.isArray(x) ? typeof v === 'string' : typeof x === typeof v;
}

/**
 * @param {Record<string, Value> | undefined} md  a vector's metadata
 * @param {string} field
 * @param {string} op
 * @param {unknown} arg
 * @returns {boolean}
 */
function condition(md, field, op, arg) {
  const has = md !== undefined && Object.prototype.hasOwnProperty.call(md, field);
  if (op === 'exists') return has === arg;
  if (!has) return false;
  const x = /** @type {Record<string, Value>} */ (md)[field];
  const list = /** @type {unknown[]} */ (arg);
  switch (op) {
    case 'eq': return equal(x, arg);
    case 'ne':
      if (Array.isArray(x)) return typeof arg === 'string' && !x.includes(arg);
      return typeof x === typeof arg && x !== arg;
    case 'lt': return typeof x === 'number' && x < /** @type {number} */ (arg);
    case 'lte': return typeof x === 'number' && x <= /** @type {number} */ (arg);
    case 'gt': return typeof x === 'number' && x > /** @type {number} */ (arg);
    case 'gte': return typeof x === 'number' && x >= /** @type {number} */ (arg);
    case 'any': return list.some((v) => equal(x, v));
    case 'all': return list.every((v) => equal(x, v));
    // NE's rule over a list: the field holds a value of one of the
    // operands' types (an array counts as strings), and equals none of them.
    case 'none': return list.some((v) => sameType(x, v)) && !list.some((v) => equal(x, v));
    default: throw new Error(`unknown operator ${op}`);
  }
}

/**
 * Whether metadata `md` matches an object-form filter.
 * @param {object} filter
 * @param {Record<string, Value> | undefined} md
 * @returns {boolean}
 */
export function matches(filter, md) {
  for (const [key, value] of Object.entries(filter)) {
    if (key === 'and') {
      if (!/** @type {object[]} */ (value).every((f) => matches(f, md))) return false;
    } else if (key === 'or') {
      if (!/** @type {object[]} */ (value).some((f) => matches(f, md))) return false;
    } else if (key === 'not') {
      if (matches(/** @type {object} */ (value), md)) return false;
    } else if (value !== null && typeof value === 'object') {
      for (const [op, arg] of Object.entries(value)) if (!condition(md, key, op, arg)) return false;
    } else if (!condition(md, key, 'eq', value)) {
      return false;
    }
  }
  return true;
}
