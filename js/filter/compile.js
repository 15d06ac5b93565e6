// js/filter/compile.js — the filter tree (./ast.js) as the program bytes the
// core evaluates (src/filter.h decodes them). Format, little-endian:
//
//   u32 magic "EVFP" (0x45 0x56 0x46 0x50 in this byte order)
//   u16 version 1
//   u16 node_count          1..1024
//   nodes in postfix order, each a u8 op, then:
//     leaves: u8 name_len (1..64), the name (UTF-8), then
//       1 EQ  2 NE  3 LT  4 LTE  5 GT  6 GTE   one value (LT..GTE: a number)
//       7 ANY 8 ALL 9 NONE                     u16 count (1..1024), count values
//       10 EXISTS                              nothing
//       value = u8 type: 1 NUMBER f64 | 2 STRING u16 len + UTF-8 | 3 BOOL u8 0/1
//     logic (no operands): 20 AND (pops 2) 21 OR (pops 2) 22 NOT (pops 1)
//       23 TRUE 24 FALSE (push a constant)
//   the evaluation stack never holds more than 64 values and ends with one.
//
// A list of n items is folded left: c1 c2 AND c3 AND ... so the stack grows by
// one level per operand, not per item. `exists: false` is EXISTS NOT.

import { errorAt, checkFieldName, EV_FILTER_MAX_NODES, EV_FILTER_MAX_DEPTH } from './ast.js';
import { utf8 } from '../metadata/utf8.js';

/** @typedef {import('./ast.js').Node} Node */
/** @typedef {import('./ast.js').Scalar} Scalar */
/** @typedef {import('./ast.js').Condition} Condition */

const MAGIC = [0x45, 0x56, 0x46, 0x50];
const VERSION = 1;
/** @type {Readonly<Record<string, number>>} */
const LEAF_OPS = { eq: 1, ne: 2, lt: 3, lte: 4, gt: 5, gte: 6, any: 7, all: 8, none: 9, exists: 10 };
const OP_AND = 20, OP_OR = 21, OP_NOT = 22, OP_TRUE = 23, OP_FALSE = 24;
const VALUE_NUMBER = 1, VALUE_STRING = 2, VALUE_BOOL = 3;
const HEADER_BYTES = 8;

/** A growable byte buffer. */
class Writer {
  constructor() {
    this.bytes = new Uint8Array(256);
    this.view = new DataView(this.bytes.buffer);
    this.at = 0;
  }

  /** @param {number} n */
  room(n) {
    if (this.at + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    grown.set(this.bytes);
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** @param {number} v */
  u8(v) { this.room(1); this.bytes[this.at++] = v; }

  /** @param {number} v */
  u16(v) { this.room(2); this.view.setUint16(this.at, v, true); this.at += 2; }

  /** @param {number} v */
  f64(v) { this.room(8); this.view.setFloat64(this.at, v, true); this.at += 8; }

  /** @param {Uint8Array} b */
  raw(b) { this.room(b.length); this.bytes.set(b, this.at); this.at += b.length; }
}

/**
 * @param {Writer} w
 * @param {Scalar} v
 */
function writeValue(w, v) {
  if (typeof v === 'number') {
    w.u8(VALUE_NUMBER);
    w.f64(v);
  } else if (typeof v === 'string') {
    const b = utf8(v);
    w.u8(VALUE_STRING);
    w.u16(b.length);
    w.raw(b);
  } else {
    w.u8(VALUE_BOOL);
    w.u8(v ? 1 : 0);
  }
}

/**
 * Emits the program; counts nodes and tracks the stack depth.
 */
class Emitter {
  constructor() {
    this.w = new Writer();
    this.nodes = 0;
  }

  /**
   * Emits `node`, which runs with `depth` values already on the stack.
   * @param {Node} node
   * @param {number} depth
   */
  emit(node, depth) {
    if (node.kind === 'cond') {
      this.list(node.ops.length, depth, node.at, (i, d) => this.leaf(node.field, node.ops[i], d, node));
    } else if (node.kind === 'not') {
      this.emit(node.item, depth);
      this.op(OP_NOT);
    } else if (node.items.length === 0) {
      this.push(depth, node);
      this.op(node.kind === 'and' ? OP_TRUE : OP_FALSE);
    } else {
      const items = node.items;
      this.list(items.length, depth, node.at, (i, d) => this.emit(items[i], d), node.kind === 'and' ? OP_AND : OP_OR);
    }
  }

  /**
   * c1 c2 OP c3 OP ...: item i > 0 runs with one more value on the stack.
   * @param {number} n  >= 1
   * @param {number} depth
   * @param {import('./ast.js').At} at
   * @param {(i: number, depth: number) => void} item
   * @param {number} [op]
   */
  list(n, depth, at, item, op = OP_AND) {
    for (let i = 0; i < n; i++) {
      item(i, i === 0 ? depth : depth + 1);
      if (i > 0) this.op(op);
    }
  }

  /**
   * @param {number} depth  values on the stack before the push
   * @param {Node} node
   */
  push(depth, node) {
    if (depth + 1 > EV_FILTER_MAX_DEPTH) {
      throw errorAt(node.at, `the filter nests too deeply to evaluate (more than ${EV_FILTER_MAX_DEPTH} ` +
        'pending operands); flatten nested and / or lists');
    }
  }

  /** @param {number} code */
  op(code) {
    this.nodes++;
    this.w.u8(code);
  }

  /**
   * @param {string} field
   * @param {Condition} c
   * @param {number} depth
   * @param {Node} node
   */
  leaf(field, c, depth, node) {
    this.push(depth, node);
    const name = checkFieldName(field, node.at);
    this.op(LEAF_OPS[c.op]);
    const w = this.w;
    w.u8(name.length);
    w.raw(name);
    if (c.op === 'exists') {
      if (c.value === false) this.op(OP_NOT);
    } else if (Array.isArray(c.value)) {
      w.u16(c.value.length);
      for (const v of c.value) writeValue(w, v);
    } else {
      writeValue(w, c.value);
    }
  }
}

/**
 * The program bytes of a filter tree.
 * @param {Node} root
 * @returns {Uint8Array}
 */
export function compileAst(root) {
  const e = new Emitter();
  e.w.room(HEADER_BYTES);
  e.w.at = HEADER_BYTES;
  e.emit(root, 0);
  if (e.nodes > EV_FILTER_MAX_NODES) {
    throw errorAt(root.at, `the filter compiles to ${e.nodes} nodes; at most ${EV_FILTER_MAX_NODES}`);
  }
  const out = e.w.bytes.slice(0, e.w.at);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, VERSION, true);
  view.setUint16(6, e.nodes, true);
  return out;
}
