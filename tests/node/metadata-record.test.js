// tests/node/metadata-record.test.js (js/metadata/validate.js, encode.js,
// decode.js, utf8.js) — the record format byte by byte, its canonical order,
// round trips on seeded random records, and every rule and limit refused
// with INVALID_METADATA naming the record, the id, the field and the reason.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecord, encodeBatch } from '../../js/metadata/encode.js';
import { decodeRecord } from '../../js/metadata/decode.js';
import {
  EV_META_MAX_FIELDS, EV_META_MAX_NAME_BYTES, EV_META_MAX_STRING_BYTES, EV_META_MAX_ARRAY,
  EV_META_MAX_RECORD_BYTES,
} from '../../js/metadata/limits.js';
import { mulberry32 } from './helpers/data.js';
import { throwsWith } from './helpers/assert-error.js';

const ctx = { call: 'test' };

describe('encoding', () => {
  test('each type, byte by byte', () => {
    const bytes = encodeRecord({ n: -0.5, s: 'hé', b: true, a: ['x', ''] }, ctx);
    const expected = [
      4, 0,                                     // field_count
      1, 0x61, 4, 2, 0, 1, 0, 0x78, 0, 0,       // "a" STRINGS ["x", ""]
      1, 0x62, 3, 1,                            // "b" BOOL true
      1, 0x6e, 1, 0, 0, 0, 0, 0, 0, 0xe0, 0xbf, // "n" NUMBER -0.5
      1, 0x73, 2, 3, 0, 0x68, 0xc3, 0xa9,       // "s" STRING "hé"
    ];
    assert.deepEqual([...bytes], expected);
  });

  test('an empty object is a record of 0 fields; false, 0 and -0 are kept', () => {
    assert.deepEqual([...encodeRecord({}, ctx)], [0, 0]);
    const r = decodeRecord(encodeRecord({ f: false, z: 0, m: -0 }, ctx));
    assert.equal(r.f, false);
    assert.ok(Object.is(r.z, 0));
    assert.ok(Object.is(r.m, -0), '-0 is stored as given');
  });

  test('names are in UTF-8 byte order, whatever the key order', () => {
    // U+E000 (EE 80 80) sorts before U+1F600 (F0 ...) by bytes, after it by
    // UTF-16 code units; 'B' (42) before 'a' (61); 'ab' after its prefix 'a'.
    const a = encodeRecord({ '\u{1F600}': 1, '\uE000': 2, ab: 3, a: 4, B: 5 }, ctx);
    const b = encodeRecord({ B: 5, a: 4, ab: 3, '\uE000': 2, '\u{1F600}': 1 }, ctx);
    assert.deepEqual(a, b, 'equal metadata, equal bytes');
    assert.deepEqual(Object.keys(decodeRecord(a)), ['B', 'a', 'ab', '\uE000', '\u{1F600}']);
  });

  test('a field named __proto__ is a field, both ways', () => {
    const input = JSON.parse('{"__proto__": "x", "y": 1}');
    const back = decodeRecord(encodeRecord(input, ctx));
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual(Object.keys(back), ['__proto__', 'y']);
    assert.equal(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, 'x');
  });

  test('Object.create(null) objects are plain', () => {
    const o = Object.create(null);
    o.k = 'v';
    assert.deepEqual(decodeRecord(encodeRecord(o, ctx)), { k: 'v' });
  });

  test('seeded random records round-trip, and re-encoding gives the same bytes', () => {
    const rnd = mulberry32(13);
    const word = () => {
      const chars = ['a', 'b', 'Z', '_', 'é', '中', '\u{1F600}', ' ', '"'];
      let s = '';
      const n = Math.floor(rnd() * 6);
      for (let i = 0; i < n; i++) s += chars[Math.floor(rnd() * chars.length)];
      return s;
    };
    for (let r = 0; r < 500; r++) {
      /** @type {Record<string, unknown>} */
      const m = {};
      const fields = Math.floor(rnd() * 8);
      for (let f = 0; f < fields; f++) {
        const name = `f${Math.floor(rnd() * 20)}${word()}`;
        const t = Math.floor(rnd() * 4);
        m[name] = t === 0 ? (rnd() - 0.5) * 10 ** Math.floor(rnd() * 20)
          : t === 1 ? word() : t === 2 ? rnd() < 0.5 : Array.from({ length: Math.floor(rnd() * 4) }, word);
      }
      const bytes = encodeRecord(m, ctx);
      const back = decodeRecord(bytes);
      assert.deepEqual(back, m);
      assert.deepEqual(encodeRecord(back, ctx), bytes);
    }
  });

  test('a batch is one blob with n + 1 offsets; null and undefined are empty ranges', () => {
    const { blob, offsets } = encodeBatch([{ a: 1 }, null, undefined, {}, { b: 'x' }], 'insertBatch', () => undefined);
    assert.deepEqual([...offsets], [0, 13, 13, 13, 15, 23]);
    assert.equal(blob.length, 23);
    assert.deepEqual(decodeRecord(blob.subarray(0, 13)), { a: 1 });
    assert.deepEqual(decodeRecord(blob.subarray(offsets[4], offsets[5])), { b: 'x' });
    assert.deepEqual(decodeRecord(blob.subarray(13, 13)), {});
  });
});

describe('refusals: INVALID_METADATA with index, id, field and reason', () => {
  const s = (/** @type {number} */ n) => 'x'.repeat(n);
  /** @type {[string, unknown, string, string | undefined][]} metadata, reason, field */
  const cases = [
    ['an array', ['a'], 'NOT_PLAIN_OBJECT', undefined],
    ['null', null, 'NOT_PLAIN_OBJECT', undefined],
    ['a Map', new Map([['a', 1]]), 'NOT_PLAIN_OBJECT', undefined],
    ['a class instance', new (class Item { a = 1; })(), 'NOT_PLAIN_OBJECT', undefined],
    ['a string', 'category=books', 'NOT_PLAIN_OBJECT', undefined],
    ['a symbol key', { [Symbol('s')]: 1 }, 'BAD_NAME', undefined],
    ['an empty name', { '': 1 }, 'NAME_LENGTH', ''],
    ['a 65-byte name', { [s(65)]: 1 }, 'NAME_LENGTH', s(65)],
    ['a name of 22 × 3 bytes', { ['中'.repeat(22)]: 1 }, 'NAME_LENGTH', '中'.repeat(22)],
    ['a name with a lone surrogate', { 'a\uD800': 1 }, 'BAD_UTF8', 'a\uD800'],
    ['65 fields', Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, i])), 'TOO_MANY_FIELDS', undefined],
    ['a nested object', { price: { amount: 3 } }, 'NESTED_OBJECT', 'price'],
    ['a Date', { when: new Date(0) }, 'NESTED_OBJECT', 'when'],
    ['null value', { a: null }, 'BAD_TYPE', 'a'],
    ['undefined value', { a: undefined }, 'BAD_TYPE', 'a'],
    ['a bigint', { a: 1n }, 'BAD_TYPE', 'a'],
    ['a function', { a: () => 1 }, 'BAD_TYPE', 'a'],
    ['a typed array', { a: new Float32Array(2) }, 'BAD_TYPE', 'a'],
    ['NaN', { a: NaN }, 'NOT_FINITE', 'a'],
    ['Infinity', { a: Infinity }, 'NOT_FINITE', 'a'],
    ['-Infinity', { a: -Infinity }, 'NOT_FINITE', 'a'],
    ['a 1025-byte string', { a: s(1025) }, 'STRING_LENGTH', 'a'],
    ['a string of 342 × 3 bytes', { a: '中'.repeat(342) }, 'STRING_LENGTH', 'a'],
    ['a lone low surrogate in a value', { a: '\uDC00x' }, 'BAD_UTF8', 'a'],
    ['a mixed array', { tags: ['a', 1] }, 'MIXED_ARRAY', 'tags'],
    ['an array of numbers', { tags: [1, 2] }, 'ARRAY_NOT_STRINGS', 'tags'],
    ['an array with a hole', { tags: ['a', , 'b'] }, 'MIXED_ARRAY', 'tags'], // eslint-disable-line no-sparse-arrays
    ['nested arrays', { tags: [['a']] }, 'ARRAY_NOT_STRINGS', 'tags'],
    ['65 strings', { tags: Array.from({ length: 65 }, () => 'a') }, 'ARRAY_LENGTH', 'tags'],
    ['a 1025-byte string in an array', { tags: ['ok', s(1025)] }, 'STRING_LENGTH', 'tags'],
    ['a record of 4097 bytes', { a: s(1024), b: s(1024), c: s(1024), d: s(1003) }, 'RECORD_BYTES', undefined],
  ];
  for (const [what, metadata, reason, field] of cases) {
    test(what, () => {
      const err = throwsWith(() => encodeRecord(metadata, { call: 'insert', id: 7n }), 'INVALID_METADATA');
      assert.equal(err.reason, reason, err.message);
      assert.equal(err.field, field, err.message);
      assert.equal(err.id, 7n);
      assert.equal(err.index, undefined, 'no index for a single call');
      assert.match(err.message, /^insert: invalid metadata/);
      assert.match(err.message, /id 7/);
      if (field) assert.ok(err.message.includes(`'${field}'`), err.message);
    });
  }

  test('exactly at every limit is accepted', () => {
    const at = {
      [s(EV_META_MAX_NAME_BYTES)]: s(EV_META_MAX_STRING_BYTES - 200),
      tags: Array.from({ length: EV_META_MAX_ARRAY }, () => 'ab'),
      ['中'.repeat(21)]: '中'.repeat(341),
    };
    const bytes = encodeRecord(at, ctx);
    assert.deepEqual(decodeRecord(bytes), at);
    const many = Object.fromEntries(Array.from({ length: EV_META_MAX_FIELDS }, (_, i) => [`f${i}`, i]));
    assert.equal(Object.keys(decodeRecord(encodeRecord(many, ctx))).length, EV_META_MAX_FIELDS);
    // 2 + 4 x (1 + 1 + 1 + 2) + payload = 4096 exactly.
    const full = { a: s(1024), b: s(1024), c: s(1024), d: s(EV_META_MAX_RECORD_BYTES - 22 - 3 * 1024) };
    assert.equal(encodeRecord(full, ctx).length, EV_META_MAX_RECORD_BYTES);
  });

  test('a batch names the record and its id; nothing is encoded when one fails', () => {
    const ids = [10n, 11n, 12n];
    const err = throwsWith(() => encodeBatch([{ a: 1 }, null, { a: NaN }], 'insertBatch', (i) => ids[i]),
      'INVALID_METADATA');
    assert.equal(err.index, 2);
    assert.equal(err.id, 12n);
    assert.equal(err.field, 'a');
    assert.equal(err.reason, 'NOT_FINITE');
    assert.match(err.message, /record 2, id 12, field 'a'/);
    const noId = throwsWith(() => encodeBatch([{ a: [1] }], 'insertBatch', () => undefined), 'INVALID_METADATA');
    assert.equal(noId.index, 0);
    assert.equal(noId.id, undefined);
  });
});

describe('decoding what the core returns', () => {
  test('bytes that do not decode are INTERNAL, never dropped', () => {
    throwsWith(() => decodeRecord(new Uint8Array([1, 0])), 'INTERNAL', { message: /ends/ });
    throwsWith(() => decodeRecord(new Uint8Array([1, 0, 1, 0x61, 9])), 'INTERNAL', { message: /type 9/ });
    throwsWith(() => decodeRecord(new Uint8Array([0, 0, 5])), 'INTERNAL', { message: /after/ });
    throwsWith(() => decodeRecord(new Uint8Array([1, 0, 1, 0x61, 2, 1, 0, 0xff])), 'INTERNAL');
  });
});
