// tests/node/filter-compile.test.js (js/filter/object.js, compile.js,
// index.js) — the object form compiled to program bytes (read back by an
// independent reader, helpers/filter-program.js), every operator, the
// logical forms and their folding, the limits, and every refusal with
// INVALID_FILTER naming the path and the field.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, cachedFilterCount } from '../../js/filter/index.js';
import { EV_FILTER_MAX_NODES, EV_FILTER_MAX_DEPTH, EV_FILTER_MAX_VALUES } from '../../js/filter/ast.js';
import { disassemble } from './helpers/filter-program.js';
import { throwsWith } from './helpers/assert-error.js';

/** @param {unknown} f */
const prog = (f) => [...disassemble(compileFilter(f))];

describe('compiling the object form', () => {
  test('the header: magic EVFP, version 1, node count', () => {
    const b = compileFilter({ a: 1 });
    assert.deepEqual([...b.subarray(0, 8)], [0x45, 0x56, 0x46, 0x50, 1, 0, 1, 0]);
  });

  test('a scalar is eq, for each type', () => {
    assert.deepEqual(prog({ category: 'books' }), ['EQ category "books"']);
    assert.deepEqual(prog({ price: 9.5 }), ['EQ price 9.5']);
    assert.deepEqual(prog({ ok: false }), ['EQ ok false']);
    assert.deepEqual(prog({ z: -0 }), ['EQ z -0']);
  });

  test('every operator', () => {
    assert.deepEqual(prog({ a: { eq: 'x' } }), ['EQ a "x"']);
    assert.deepEqual(prog({ a: { ne: true } }), ['NE a true']);
    assert.deepEqual(prog({ a: { lt: 1 } }), ['LT a 1']);
    assert.deepEqual(prog({ a: { lte: 2 } }), ['LTE a 2']);
    assert.deepEqual(prog({ a: { gt: -3 } }), ['GT a -3']);
    assert.deepEqual(prog({ a: { gte: 1e300 } }), ['GTE a 1e+300']);
    assert.deepEqual(prog({ t: { any: ['x', 2, true] } }), ['ANY t ["x", 2, true]']);
    assert.deepEqual(prog({ t: { all: ['x', 'y'] } }), ['ALL t ["x", "y"]']);
    assert.deepEqual(prog({ t: { none: ['x'] } }), ['NONE t ["x"]']);
    assert.deepEqual(prog({ t: { exists: true } }), ['EXISTS t']);
    assert.deepEqual(prog({ t: { exists: false } }), ['EXISTS t', 'NOT']);
  });

  test('several operators and several fields are ANDed, operators in a fixed order', () => {
    assert.deepEqual(prog({ price: { lte: 5, gt: 1 } }), ['LTE price 5', 'GT price 1', 'AND']);
    assert.deepEqual(prog({ price: { gt: 1, lte: 5 } }), ['LTE price 5', 'GT price 1', 'AND']);
    assert.deepEqual(prog({ category: 'books', price: { lt: 50 }, tags: { any: ['sale'] } }),
      ['EQ category "books"', 'LT price 50', 'AND', 'ANY tags ["sale"]', 'AND']);
  });

  test('and / or / not, nested; empty lists are constants; {} matches all', () => {
    assert.deepEqual(prog({ and: [] }), ['TRUE']);
    assert.deepEqual(prog({ or: [] }), ['FALSE']);
    assert.deepEqual(prog({}), ['TRUE']);
    assert.deepEqual(prog({ and: [{ a: 1 }] }), ['EQ a 1']);
    assert.deepEqual(prog({ not: { a: 1 } }), ['EQ a 1', 'NOT']);
    assert.deepEqual(prog({ or: [{ a: 1 }, { and: [{ b: 2 }, { not: { c: 3 } }] }, { d: 4 }] }),
      ['EQ a 1', 'EQ b 2', 'EQ c 3', 'NOT', 'AND', 'OR', 'EQ d 4', 'OR']);
    assert.deepEqual(prog({ not: { not: {} } }), ['TRUE', 'NOT', 'NOT']);
  });

  test('UTF-8 names and strings', () => {
    assert.deepEqual(prog({ 'catégorie': '中文' }), ['EQ catégorie "中文"']);
    assert.deepEqual(prog(JSON.parse('{"and": [{"__proto__": 1}]}')), ['EQ __proto__ 1']);
  });

  test('a long flat list stays shallow: the stack grows per level, not per item', () => {
    const items = Array.from({ length: 500 }, (_, i) => ({ [`f${i}`]: i }));
    const p = disassemble(compileFilter({ or: items }));
    assert.equal(p.length, 999);
    assert.equal(p.maxDepth, 2);
  });

  test('the node and depth limits, at and past them', () => {
    const leaves = (/** @type {number} */ n) => ({ or: Array.from({ length: n }, (_, i) => ({ a: i })) });
    assert.equal(disassemble(compileFilter(leaves((EV_FILTER_MAX_NODES + 1) / 2 | 0))).length, EV_FILTER_MAX_NODES - 1);
    const tooMany = throwsWith(() => compileFilter(leaves(EV_FILTER_MAX_NODES / 2 + 1)), 'INVALID_FILTER',
      { message: /nodes; at most 1024/ });
    assert.equal(tooMany.path, 'or', 'the list that is too long');
    // Each level of and: [x, and: [...]] keeps one more value pending.
    /** @param {number} levels */
    const deep = (levels) => {
      /** @type {object} */
      let f = { a: 0 };
      for (let i = 1; i < levels; i++) f = { and: [{ a: i }, f] };
      return f;
    };
    assert.equal(disassemble(compileFilter(deep(EV_FILTER_MAX_DEPTH))).maxDepth, EV_FILTER_MAX_DEPTH);
    const tooDeep = throwsWith(() => compileFilter(deep(EV_FILTER_MAX_DEPTH + 1)), 'INVALID_FILTER',
      { message: /nests too deeply/ });
    assert.match(String(tooDeep.path), /^(and\[1\]\.){64}a$/);
    const values = Array.from({ length: EV_FILTER_MAX_VALUES }, (_, i) => i);
    assert.equal(disassemble(compileFilter({ a: { any: values } })).length, 1);
  });
});

describe('refusals: INVALID_FILTER with path and field', () => {
  /** @type {[string, unknown, string, string | undefined, RegExp][]} filter, path, field, message */
  const cases = [
    ['not an object', 42, '', undefined, /plain object, got number 42/],
    ['null', null, '', undefined, /plain object/],
    ['an array', [{ a: 1 }], '', undefined, /plain object/],
    ['and of a non-array', { and: { a: 1 } }, 'and', undefined, /and takes an array/],
    ['or item not an object', { or: [{ a: 1 }, 'b = 1'] }, 'or[1]', undefined, /only taken at the top level/],
    ['not of a non-object', { not: true }, 'not', undefined, /plain object/],
    ['a string against lt', { and: [{ a: 1 }, { price: { lt: '50' } }] }, 'and[1].price.lt', 'price', /lt compares numbers only/],
    ['a boolean against gte', { price: { gte: true } }, 'price.gte', 'price', /numbers only/],
    ['NaN', { price: { gt: NaN } }, 'price.gt', 'price', /finite/],
    ['Infinity as eq', { price: Infinity }, 'price', 'price', /finite/],
    ['an unknown operator', { price: { lt: 5, below: 3 } }, 'price.below', 'price', /unknown operator 'below'; expected one of eq, ne/],
    ['an empty condition', { price: {} }, 'price', 'price', /no operator/],
    ['null condition', { price: null }, 'price', 'price', /got null/],
    ['an array condition', { tags: ['a'] }, 'tags', 'tags', /any: \[\.\.\.\]/],
    ['a nested object as eq', { a: { eq: { b: 1 } } }, 'a.eq', 'a', /string, a number or a boolean/],
    ['any of a non-array', { t: { any: 'x' } }, 't.any', 't', /array of values/],
    ['an empty any', { t: { any: [] } }, 't.any', 't', /1 to 1024 values, got 0/],
    ['1025 values', { t: { none: Array(1025).fill(1) } }, 't.none', 't', /got 1025/],
    ['a bad list item', { t: { all: ['x', null] } }, 't.all[1]', 't', /got null/],
    ['exists not boolean', { t: { exists: 1 } }, 't.exists', 't', /true or false/],
    ['an empty field name', { '': 1 }, '', '', /1 to 64 bytes/],
    ['a 65-byte name', { ['n'.repeat(65)]: 1 }, 'n'.repeat(65), 'n'.repeat(65), /is 65/],
    ['a lone surrogate', { a: '\uD83D' }, 'a', 'a', /lone surrogate/],
    ['a bigint operand', { a: { eq: 1n } }, 'a.eq', 'a', /bigint/],
  ];
  for (const [what, filter, path, field, message] of cases) {
    test(what, () => {
      const err = throwsWith(() => compileFilter(filter), 'INVALID_FILTER', { message });
      assert.equal(err.path, path, err.message);
      assert.equal(err.field, field, err.message);
      assert.equal(err.position, undefined);
    });
  }
});

describe('the cache of compiled strings', () => {
  test('a repeated string gives the same bytes; the cache is bounded', () => {
    const a = compileFilter('price < 50');
    assert.equal(compileFilter('price < 50'), a, 'the second call is a cache hit');
    for (let i = 0; i < 1000; i++) compileFilter(`x = ${i}`);
    assert.ok(cachedFilterCount() <= 256, `holds ${cachedFilterCount()}`);
    assert.deepEqual(compileFilter('price < 50'), a, 'evicted, compiled again to the same bytes');
  });

  test('object filters are compiled each time (they may change between calls)', () => {
    const f = { price: { lt: 50 } };
    const a = compileFilter(f);
    f.price.lt = 10;
    assert.deepEqual(prog(f), ['LT price 10']);
    assert.notDeepEqual(compileFilter(f), a);
  });
});
