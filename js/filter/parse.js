// js/filter/parse.js — EdgeVec's filter string syntax, parsed into the
// filter tree (./ast.js) that the object form also becomes. An app moving
// from EdgeVec keeps its filter strings.
//
// Grammar (keywords case-insensitive):
//
//   filter     := or END
//   or         := and (('OR' | '||') and)*
//   and        := unary (('AND' | '&&') unary)*
//   unary      := ('NOT' | '!') unary | '(' or ')' | comparison
//   comparison := field ('=' | '==' | '!=' | '<>') value
//              |  field ('<' | '<=' | '>' | '>=') number
//              |  field ('ANY' | 'ALL' | 'IN' | 'NOT' 'IN') list
//              |  field 'BETWEEN' number 'AND' number
//              |  field 'IS' ['NOT'] 'NULL'
//   list       := '[' value (',' value)* ']'
//   value      := string | number | 'TRUE' | 'FALSE'
//   field      := [A-Za-z_][A-Za-z0-9_.]*  (not a keyword) | `backtick quoted`
//   string     := "..." | '...'   with \" \' \\ \/ \b \f \n \r \t \uXXXX
//   number     := [+-]? (0 | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?
//
// `IN` is `ANY`, `NOT IN` is `none`, `IS NULL` is `exists: false`, `BETWEEN
// a AND b` is `gte a` and `lte b`. A syntax error is INVALID_FILTER with
// error.position (the character offset of the token at fault) and a
// message naming what was expected there.

import { filterError } from '../errors.js';
import { checkFieldName, checkScalar, checkListLength } from './ast.js';

/** @typedef {import('./ast.js').Node} Node */
/** @typedef {import('./ast.js').Scalar} Scalar */
/** @typedef {import('./ast.js').Op} Op */

/**
 * @typedef {object} Token
 * @property {'ident' | 'kw' | 'str' | 'num' | 'punct' | 'end'} type
 * @property {string} text   keyword in upper case, punctuation as written, identifier's name
 * @property {string | number} [value]
 * @property {number} pos
 */

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'ANY', 'ALL', 'IN', 'BETWEEN', 'IS', 'NULL', 'TRUE', 'FALSE']);
/** Punctuation, longest first so that `<=` is not read as `<` then `=`. */
const PUNCT = ['==', '!=', '<>', '<=', '>=', '&&', '||', '=', '<', '>', '!', '(', ')', '[', ']', ','];
const COMPARISONS = new Map(/** @type {[string, Op][]} */ ([
  ['=', 'eq'], ['==', 'eq'], ['!=', 'ne'], ['<>', 'ne'], ['<', 'lt'], ['<=', 'lte'], ['>', 'gt'], ['>=', 'gte'],
]));
/** Parentheses and NOTs nested deeper than this are refused (the parser recurses). */
const MAX_NESTING = 256;
const IDENT_START = /[A-Za-z_]/;
const IDENT_REST = /[A-Za-z0-9_.]/;
const NUMBER = /[+-]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES = new Map([['"', '"'], ["'", "'"], ['\\', '\\'], ['/', '/'], ['`', '`'],
  ['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t']]);

/**
 * @param {number} position
 * @param {string} message
 */
function syntaxError(position, message) {
  return filterError(`invalid filter at position ${position}: ${message}`, { position });
}

/** @param {Token} t */
function shown(t) {
  if (t.type === 'end') return 'the end of the filter';
  if (t.type === 'str') return 'a string';
  if (t.type === 'num') return `the number ${t.text}`;
  return `'${t.text}'`;
}

/**
 * Splits the filter into tokens.
 * @param {string} src
 * @returns {Token[]}
 */
function tokenize(src) {
  /** @type {Token[]} */
  const out = [];
  let i = 0;
  while (true) {
    while (i < src.length && /\s/.test(src[i])) i++;
    if (i >= src.length) break;
    const c = src[i];
    const start = i;
    if (c === '"' || c === "'" || c === '`') {
      const r = quoted(src, i);
      out.push(c === '`'
        ? { type: 'ident', text: r.value, pos: start }
        : { type: 'str', text: src.slice(start, r.end), value: r.value, pos: start });
      i = r.end;
      continue;
    }
    if (/[0-9]/.test(c) || ((c === '-' || c === '+') && /[0-9]/.test(src[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src);
      if (!m) throw syntaxError(i, 'expected a number');
      const value = Number(m[0]);
      if (!Number.isFinite(value)) throw syntaxError(i, `the number ${m[0]} is too large to be finite`);
      out.push({ type: 'num', text: m[0], value, pos: start });
      i += m[0].length;
      continue;
    }
    if (IDENT_START.test(c)) {
      while (i < src.length && IDENT_REST.test(src[i])) i++;
      const word = src.slice(start, i);
      const upper = word.toUpperCase();
      out.push(KEYWORDS.has(upper) ? { type: 'kw', text: upper, pos: start } : { type: 'ident', text: word, pos: start });
      continue;
    }
    const p = PUNCT.find((s) => src.startsWith(s, i));
    if (!p) {
      throw syntaxError(i, `unexpected character '${c}'; expected a field name, a value, an operator or a parenthesis`);
    }
    out.push({ type: 'punct', text: p, pos: start });
    i += p.length;
  }
  out.push({ type: 'end', text: '', pos: src.length });
  return out;
}

/**
 * A quoted string or backtick-quoted name starting at src[start].
 * @param {string} src
 * @param {number} start
 * @returns {{ value: string, end: number }}
 */
function quoted(src, start) {
  const q = src[start];
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === q) return { value, end: i + 1 };
    if (c === '\\') {
      const e = src[i + 1];
      if (e === 'u') {
        const hex = src.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw syntaxError(i, 'expected four hex digits after \\u');
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const r = e === undefined ? undefined : ESCAPES.get(e);
      if (r === undefined) {
        throw syntaxError(i, `unknown escape '\\${e ?? ''}'; expected one of \\" \\' \\\` \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX`);
      }
      value += r;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  throw syntaxError(start, `unterminated ${q === '`' ? 'name' : 'string'}: expected a closing ${q}`);
}

class Parser {
  /** @param {string} src */
  constructor(src) {
    this.tokens = tokenize(src);
    this.i = 0;
    this.nesting = 0;
  }

  /** @returns {Token} */
  peek() { return this.tokens[this.i]; }

  /** @returns {Token} */
  next() { return this.tokens[this.i++]; }

  /**
   * @param {string} word  a keyword (upper case) or punctuation
   * @returns {boolean}
   */
  is(word) {
    const t = this.peek();
    return (t.type === 'kw' || t.type === 'punct') && t.text === word;
  }

  /**
   * @param {string} expected
   * @returns {never}
   */
  fail(expected) {
    const t = this.peek();
    throw syntaxError(t.pos, `expected ${expected}, found ${shown(t)}`);
  }

  /** @returns {Node} */
  filter() {
    if (this.peek().type === 'end') this.fail('a condition (a field name, NOT or a parenthesis)');
    const node = this.or();
    if (this.peek().type !== 'end') {
      this.fail(this.is(')') ? 'the end of the filter (this parenthesis closes nothing)' : 'AND, OR or the end of the filter');
    }
    return node;
  }

  /** @returns {Node} */
  or() {
    const pos = this.peek().pos;
    const items = [this.and()];
    while (this.is('OR') || this.is('||')) {
      this.next();
      items.push(this.and());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items, at: { position: pos } };
  }

  /** @returns {Node} */
  and() {
    const pos = this.peek().pos;
    const items = [this.unary()];
    while (this.is('AND') || this.is('&&')) {
      this.next();
      items.push(this.unary());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items, at: { position: pos } };
  }

  /** @returns {Node} */
  unary() {
    const t = this.peek();
    if (++this.nesting > MAX_NESTING) {
      throw syntaxError(t.pos, `the filter nests parentheses and NOTs more than ${MAX_NESTING} deep`);
    }
    try {
      if (this.is('NOT') || this.is('!')) {
        this.next();
        return { kind: 'not', item: this.unary(), at: { position: t.pos } };
      }
      if (this.is('(')) {
        this.next();
        const inner = this.or();
        if (!this.is(')')) this.fail("')' or AND / OR");
        this.next();
        return inner;
      }
      if (t.type === 'ident') return this.comparison();
      return this.fail('a condition (a field name, NOT or a parenthesis)' +
        (t.type === 'kw' ? `; a field named like a keyword is written in backticks, \`${t.text.toLowerCase()}\`` : ''));
    } finally {
      this.nesting--;
    }
  }

  /** @returns {Node} */
  comparison() {
    const ft = this.next();
    const field = ft.text;
    const at = { position: ft.pos };
    checkFieldName(field, at);
    const t = this.peek();
    const cmp = t.type === 'punct' ? COMPARISONS.get(t.text) : undefined;
    if (cmp) {
      this.next();
      const value = this.value(cmp, field, cmp === 'eq' || cmp === 'ne' ? 'a value (a string, a number, true or false)' : 'a number');
      return { kind: 'cond', field, ops: [{ op: cmp, value }], at };
    }
    if (this.is('ANY') || this.is('ALL') || this.is('IN')) {
      this.next();
      /** @type {Op} */
      const op = t.text === 'ALL' ? 'all' : 'any';
      return { kind: 'cond', field, ops: [{ op, value: this.list(op, field) }], at };
    }
    if (this.is('NOT')) {
      this.next();
      if (!this.is('IN')) this.fail(`IN after '${field} NOT'`);
      this.next();
      return { kind: 'cond', field, ops: [{ op: 'none', value: this.list('none', field) }], at };
    }
    if (this.is('BETWEEN')) {
      this.next();
      const low = this.value('gte', field, 'a number');
      if (!this.is('AND')) this.fail('AND between the two bounds of BETWEEN');
      this.next();
      const high = this.value('lte', field, 'a number');
      // The order of ast.OPERATORS, as the object form's { gte, lte } compiles.
      return { kind: 'cond', field, ops: [{ op: 'lte', value: high }, { op: 'gte', value: low }], at };
    }
    if (this.is('IS')) {
      this.next();
      let present = false;
      if (this.is('NOT')) { this.next(); present = true; }
      if (!this.is('NULL')) this.fail(present ? 'NULL after IS NOT' : 'NULL or NOT NULL after IS');
      this.next();
      return { kind: 'cond', field, ops: [{ op: 'exists', value: present }], at };
    }
    return this.fail(`an operator after the field name '${field}' ` +
      '(=, !=, <, <=, >, >=, ANY, ALL, IN, NOT IN, BETWEEN, IS NULL, IS NOT NULL)');
  }

  /**
   * @param {Op} op
   * @param {string} field
   * @param {string} expected
   * @returns {Scalar}
   */
  value(op, field, expected) {
    const t = this.peek();
    /** @type {unknown} */
    let v;
    if (t.type === 'str' || t.type === 'num') v = t.value;
    else if (this.is('TRUE')) v = true;
    else if (this.is('FALSE')) v = false;
    else this.fail(expected);
    if (expected === 'a number' && typeof v !== 'number') this.fail(`a number (${op} compares numbers only)`);
    this.next();
    return checkScalar(op, v, { position: t.pos }, field);
  }

  /**
   * @param {Op} op
   * @param {string} field
   * @returns {Scalar[]}
   */
  list(op, field) {
    const open = this.peek();
    if (!this.is('[')) this.fail(`'[' to open the list of values of ${op === 'none' ? 'NOT IN' : op.toUpperCase()}`);
    this.next();
    /** @type {Scalar[]} */
    const values = [this.value(op, field, 'a value (a string, a number, true or false)')];
    while (this.is(',')) {
      this.next();
      values.push(this.value(op, field, 'a value (a string, a number, true or false) after the comma'));
    }
    if (!this.is(']')) this.fail("',' or ']'");
    this.next();
    checkListLength(op, values.length, { position: open.pos }, field);
    return values;
  }
}

/**
 * Parses the string syntax into the filter tree.
 * @param {string} src
 * @returns {Node}
 */
export function parseToAst(src) {
  return new Parser(src).filter();
}
