// tests/node/filter-parse.test.js (js/filter/parse.js, to-object.js) — the
// EdgeVec string syntax: every operator and keyword (case-insensitive),
// precedence, quoting and escapes, the object form parseFilter returns
// (which compiles to the same program as the string), and every syntax
// error with its position and what was expected.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, parseFilter } from '../../js/filter/index.js';
import { disassemble } from './helpers/filter-program.js';
import { throwsWith } from './helpers/assert-error.js';

/** @param {string} s */
const prog = (s) => [...disassemble(compileFilter(s))];

/**
 * The string parses to `object`, and both compile to the same program.
 * @param {string} s
 * @param {unknown} object
 */
function same(s, object) {
  assert.deepEqual(parseFilter(s), object, s);
  assert.deepEqual(compileFilter(s), compileFilter(parseFilter(s)), `program of ${s}`);
}

describe('the syntax', () => {
  test('comparisons, each spelling', () => {
    same('category = "books"', { category: 'books' });
    same("category == 'books'", { category: 'books' });
    same('n != 3', { n: { ne: 3 } });
    same('n <> 3', { n: { ne: 3 } });
    same('price < 50', { price: { lt: 50 } });
    same('price <= 50', { price: { lte: 50 } });
    same('price > -1.5e2', { price: { gt: -150 } });
    same('price >= +0.25', { price: { gte: 0.25 } });
    same('ok = true', { ok: true });
    same('ok != FALSE', { ok: { ne: false } });
    same('z = -0', { z: -0 });
  });

  test('lists, BETWEEN, IS NULL', () => {
    same('tags ANY ["a", "b"]', { tags: { any: ['a', 'b'] } });
    same('tags all ["a"]', { tags: { all: ['a'] } });
    same('category IN ["a", 2, true]', { category: { any: ['a', 2, true] } });
    same('category NOT IN ["a"]', { category: { none: ['a'] } });
    same('price BETWEEN 10 AND 20', { price: { gte: 10, lte: 20 } });
    same('price IS NULL', { price: { exists: false } });
    same('price is not null', { price: { exists: true } });
  });

  test('AND binds tighter than OR; NOT tighter than both; parentheses; && || !', () => {
    same('a = 1 OR b = 2 AND c = 3', { or: [{ a: 1 }, { and: [{ b: 2 }, { c: 3 }] }] });
    same('(a = 1 || b = 2) && c = 3', { and: [{ or: [{ a: 1 }, { b: 2 }] }, { c: 3 }] });
    same('NOT a = 1 AND b = 2', { and: [{ not: { a: 1 } }, { b: 2 }] });
    same('!(a = 1 and b = 2)', { not: { and: [{ a: 1 }, { b: 2 }] } });
    same('not not a = 1', { not: { not: { a: 1 } } });
    same('a = 1 AND b = 2 AND c = 3', { and: [{ a: 1 }, { b: 2 }, { c: 3 }] });
    same('((a = 1))', { a: 1 });
    assert.deepEqual(prog('a = 1 OR b = 2 AND NOT c = 3'),
      ['EQ a 1', 'EQ b 2', 'EQ c 3', 'NOT', 'AND', 'OR']);
  });

  test('the issue\'s example', () => {
    same('category = "books" AND price < 50', { and: [{ category: 'books' }, { price: { lt: 50 } }] });
  });

  test('names: dotted, underscores, backticks (for keywords and other characters)', () => {
    same('meta.author_id = 7', { 'meta.author_id': 7 });
    same('_x = 1', { _x: 1 });
    same('`first name` = "Ann"', { 'first name': 'Ann' });
    same('`in` = 1', { in: 1 });
    same('`a\\`b` = 1', { 'a`b': 1 });
    // and / or / not have no object form: the string works, parseFilter refuses.
    assert.deepEqual(prog('`and` = 1 OR `not` IS NULL'), ['EQ and 1', 'EXISTS not', 'NOT', 'OR']);
    const err = throwsWith(() => parseFilter('x = 1 AND `or` = 2'), 'INVALID_FILTER', { message: /pass the filter string itself/ });
    assert.equal(err.position, 10);
    assert.equal(err.field, 'or');
  });

  test('strings: both quotes, every escape, UTF-8', () => {
    same(String.raw`s = "a\"b\\c\/d\n\t\r\b\f\u00e9\u4e2d"`, { s: 'a"b\\c/d\n\t\r\b\f\u00e9\u4e2d' });
    same(String.raw`s = 'it\'s'`, { s: "it's" });
    same('s = "中文 ✓"', { s: '中文 ✓' });
    same('s = ""', { s: '' });
  });

  test('whitespace anywhere, keywords in any case', () => {
    same('  a=1\n\tAnD\r\nb   BeTwEeN 1 aNd 2 ', { and: [{ a: 1 }, { b: { gte: 1, lte: 2 } }] });
  });
});

describe('syntax errors: INVALID_FILTER with the position and what was expected', () => {
  /** @type {[string, number, RegExp][]} */
  const cases = [
    ['', 0, /expected a condition/],
    ['   ', 3, /expected a condition/],
    ['price <', 7, /expected a number, found the end of the filter/],
    ['price < "50"', 8, /expected a number \(lt compares numbers only\), found a string/],
    ['price > true', 8, /expected a number/],
    ['price', 5, /expected an operator after the field name 'price' \(=, !=/],
    ['price 5', 6, /expected an operator/],
    ['price = ', 8, /expected a value \(a string, a number, true or false\)/],
    ['price = abc', 8, /expected a value/],
    ['a = 1 b = 2', 6, /expected AND, OR or the end of the filter, found 'b'/],
    ['a = 1)', 5, /this parenthesis closes nothing/],
    ['(a = 1', 6, /expected '\)' or AND \/ OR/],
    ['a = 1 AND', 9, /expected a condition/],
    ['a = 1 OR OR b = 1', 9, /expected a condition .*found 'OR'/],
    ['AND = 1', 0, /backticks, `and`/],
    ['a = "abc', 4, /unterminated string: expected a closing "/],
    ["a = 'abc", 4, /unterminated string: expected a closing '/],
    ['`abc = 1', 0, /unterminated name: expected a closing `/],
    ['a = "\\x"', 5, /unknown escape '\\x'/],
    ['a = "\\u12"', 5, /four hex digits/],
    ['a # 1', 2, /unexpected character '#'/],
    ['a = 1e999', 4, /too large to be finite/],
    ['a = 01', 5, /expected AND, OR or the end/],
    ['tags ANY "a"', 9, /expected '\[' to open the list of values of ANY/],
    ['tags IN []', 9, /expected a value/],
    ['tags IN ["a",]', 13, /expected a value .* after the comma/],
    ['tags IN ["a" "b"]', 13, /expected ',' or '\]'/],
    ['tags NOT ["a"]', 9, /expected IN after 'tags NOT'/],
    ['tags NOT IN "a"', 12, /NOT IN/],
    ['p BETWEEN 1 OR 2', 12, /expected AND between the two bounds/],
    ['p BETWEEN "a" AND 2', 10, /expected a number/],
    ['p BETWEEN 1 AND', 15, /expected a number/],
    ['p IS 1', 5, /expected NULL or NOT NULL after IS/],
    ['p IS NOT', 8, /expected NULL after IS NOT/],
    ['a = 1 AND NOT', 13, /expected a condition/],
    ['TRUE', 0, /expected a condition/],
    [`${'x'.repeat(65)} = 1`, 0, /1 to 64 bytes/],
    [`a IN [${Array(1025).fill(1).join(',')}]`, 5, /1 to 1024 values, got 1025/],
    ['('.repeat(300) + 'a = 1' + ')'.repeat(300), 256, /more than 256 deep/],
  ];
  for (const [src, position, message] of cases) {
    test(JSON.stringify(src.length > 40 ? `${src.slice(0, 37)}...` : src), () => {
      const err = throwsWith(() => compileFilter(src), 'INVALID_FILTER', { message });
      assert.equal(err.position, position, err.message);
      assert.equal(err.path, undefined);
      assert.match(err.message, new RegExp(`^invalid filter at position ${position}: `));
      throwsWith(() => parseFilter(src), 'INVALID_FILTER');
    });
  }

  test('too deep a filter is refused with the position of the node at fault', () => {
    let s = 'a = 0';
    for (let i = 1; i <= 64; i++) s = `a = ${i} AND (${s})`;
    const err = throwsWith(() => compileFilter(s), 'INVALID_FILTER', { message: /nests too deeply/ });
    assert.equal(typeof err.position, 'number');
    assert.equal(s.slice(err.position).startsWith('a = 0'), true, s.slice(err.position ?? 0, 20));
  });

  test('parseFilter takes only strings', () => {
    throwsWith(() => parseFilter(/** @type {any} */ ({ a: 1 })), 'INVALID_FILTER', { message: /takes a string, got an object/ });
  });
});
