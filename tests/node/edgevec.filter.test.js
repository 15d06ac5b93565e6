// tests/node/edgevec.filter.test.js (js/edgevec.js search/count,
// js/wasm/metadata.js, js/filter/) — filters evaluated by the core against
// the semantics written plainly in tests/lib/filter-reference.js: every
// operator, type mismatches, missing fields, arrays, nested and/or/not, in
// the object form and the string syntax; count(); includeMetadata; bad
// filters refused before the core; and filtered search against a brute
// force over the matching vectors on seeded data at several selectivities.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { clustered, rowsOf, distance, mulberry32 } from './helpers/data.js';
import { throwsWith } from './helpers/assert-error.js';
import { matches } from '../lib/filter-reference.js';

const DIM = 8;

/**
 * Seeded metadata with every type, missing fields, a field whose type varies
 * between vectors, and arrays (some empty).
 * @param {() => number} rnd
 * @param {number} i
 */
function recordOf(rnd, i) {
  /** @type {Record<string, string | number | boolean | string[]>} */
  const m = {};
  if (rnd() < 0.9) m.cat = ['books', 'music', 'film', 'games'][Math.floor(rnd() * 4)];
  if (rnd() < 0.8) m.price = Math.round(rnd() * 1000) / 10;
  if (rnd() < 0.7) m.ok = rnd() < 0.5;
  if (rnd() < 0.6) m.tags = ['a', 'b', 'c', 'd', 'e'].filter(() => rnd() < 0.4);
  if (rnd() < 0.5) m.mixed = rnd() < 0.5 ? 'x' : rnd() < 0.5 ? 1 : true;
  m.i = i;
  return m;
}

const N = 1500;
const flat = clustered({ seed: 21, n: N, dim: DIM });
const rows = rowsOf(flat, DIM);
const rnd = mulberry32(8);
const records = rows.map((_, i) => recordOf(rnd, i));

/** Object filters covering every operator, mismatch, missing field and logic form. */
const FILTERS = [
  {}, { cat: 'books' }, { cat: { eq: 'music' } }, { cat: { ne: 'books' } }, { price: 50 }, { price: { eq: 50 } },
  { price: { ne: 50 } }, { price: { lt: 20 } }, { price: { lte: 20 } }, { price: { gt: 90 } }, { price: { gte: 90 } },
  { price: { gt: 10, lte: 30 } }, { ok: true }, { ok: { ne: true } }, { ok: false },
  { tags: 'a' }, { tags: { ne: 'a' } }, { tags: { any: ['a', 'e'] } }, { tags: { all: ['a', 'b'] } },
  { tags: { none: ['a', 'b'] } }, { tags: { exists: true } }, { tags: { exists: false } },
  { cat: { any: ['books', 'film'] } }, { cat: { all: ['books'] } }, { cat: { all: ['books', 'film'] } },
  { cat: { none: ['books', 'film'] } }, { cat: { any: ['books', 3, true] } },
  // type mismatches: a string field compared as a number, a number field as a string, bool vs number
  { cat: { lt: 5 } }, { cat: { gte: -1e9 } }, { price: 'books' }, { price: { ne: 'x' } }, { ok: 1 }, { ok: { ne: 1 } },
  { tags: { lt: 1 } }, { tags: 1 }, { mixed: 'x' }, { mixed: 1 }, { mixed: true }, { mixed: { ne: 'x' } },
  { mixed: { lte: 1 } }, { mixed: { any: ['x', true] } }, { mixed: { none: ['x'] } }, { mixed: { none: ['x', 1] } },
  { tags: { none: [1] } }, { price: { none: [50, 'x'] } },
  // missing fields and unknown fields
  { nosuch: 1 }, { nosuch: { ne: 1 } }, { nosuch: { exists: false } }, { not: { nosuch: 1 } }, { not: { cat: 'books' } },
  // logic
  { and: [] }, { or: [] }, { not: {} }, { cat: 'books', price: { lt: 50 } },
  { or: [{ cat: 'books' }, { and: [{ price: { gte: 50 } }, { not: { ok: true } }] }] },
  { not: { or: [{ tags: { any: ['a'] } }, { price: { lt: 10 } }] } },
  { and: [{ or: [{ cat: 'film' }, { cat: 'games' }] }, { not: { and: [{ ok: false }, { tags: { exists: true } }] } }] },
  { i: { lt: 100 }, not: { i: { gte: 50 } } },
];

/** String filters with the object filter each means. */
/** @type {[string, object][]} */
const STRINGS = [
  ['cat = "books" AND price < 50', { cat: 'books', price: { lt: 50 } }],
  ["cat != 'books' OR NOT ok = true", { or: [{ cat: { ne: 'books' } }, { not: { ok: true } }] }],
  ['tags ANY ["a", "c"] && price BETWEEN 20 AND 40', { tags: { any: ['a', 'c'] }, price: { gte: 20, lte: 40 } }],
  ['tags ALL ["a","b"] || cat IN ["music"]', { or: [{ tags: { all: ['a', 'b'] } }, { cat: { any: ['music'] } }] }],
  ['cat NOT IN ["books", "film"]', { cat: { none: ['books', 'film'] } }],
  ['tags IS NULL', { tags: { exists: false } }],
  ['mixed IS NOT NULL AND NOT (mixed = 1)', { mixed: { exists: true }, not: { mixed: 1 } }],
  ['!(price >= 10) && price <> 3', { not: { price: { gte: 10 } }, price: { ne: 3 } }],
];

/** The index, built once. */
const dbPromise = (async () => {
  const db = await EdgeVec.create({ dimensions: DIM, seed: 9, idType: 'number' });
  await db.insertBatch(flat, { metadata: records });
  return db;
})();

/**
 * The exact k nearest of the matching vectors, as ids.
 * @param {object} filter
 * @param {Float32Array} q
 * @param {number} k
 */
function bruteForce(filter, q, k) {
  const hits = [];
  for (let i = 0; i < N; i++) if (matches(filter, records[i])) hits.push({ id: i, d: distance('l2', q, rows[i]) });
  hits.sort((a, b) => a.d - b.d || a.id - b.id);
  return { ids: hits.slice(0, k).map((h) => h.id), matchCount: hits.length };
}

describe('filters evaluated by the core', () => {
  test('count() equals the reference for every operator, mismatch and logic form', async () => {
    const db = await dbPromise;
    assert.equal(db.count(), N);
    for (const f of FILTERS) {
      const expected = records.filter((r) => matches(f, r)).length;
      assert.equal(db.count(f), expected, JSON.stringify(f));
    }
  });

  test('the string syntax counts as the object it means', async () => {
    const db = await dbPromise;
    for (const [s, f] of STRINGS) {
      const expected = records.filter((r) => matches(f, r)).length;
      assert.ok(expected > 0 && expected < N, `${s} selects something (${expected})`);
      assert.equal(db.count(s), expected, s);
      assert.equal(db.count(EdgeVec.parseFilter(s)), expected, `parseFilter(${s})`);
    }
  });

  test('filtered search: only matches, nearest first, min(k, matches) of them, recall >= 0.95 at ef 400', async () => {
    const db = await dbPromise;
    const queries = rowsOf(clustered({ seed: 22, n: 4, dim: DIM }), DIM);
    let found = 0, wanted = 0;
    for (const f of [...FILTERS, ...STRINGS.map((s) => s[1])]) {
      let fFound = 0, fWanted = 0;
      for (const q of queries) {
        const { ids, matchCount } = bruteForce(f, q, 10);
        const got = db.search(q, 10, { filter: f, ef: 400 });
        assert.equal(got.length, Math.min(10, matchCount), `${JSON.stringify(f)}: results`);
        for (const h of got) assert.ok(matches(f, records[/** @type {number} */ (h.id)]), 'every result matches');
        for (let i = 1; i < got.length; i++) assert.ok(got[i - 1].distance <= got[i].distance);
        const truth = new Set(ids);
        fFound += got.filter((h) => truth.has(/** @type {number} */ (h.id))).length;
        fWanted += ids.length;
      }
      assert.ok(fWanted === 0 || fFound / fWanted >= 0.9, `${JSON.stringify(f)}: recall ${fFound}/${fWanted}`);
      found += fFound;
      wanted += fWanted;
    }
    assert.ok(found / wanted >= 0.97, `recall over every filter ${(found / wanted).toFixed(4)}`);
  });

  test('includeMetadata returns each result\'s metadata', async () => {
    const db = await dbPromise;
    const got = db.search(rows[3], 5, { filter: 'cat = "music"', includeMetadata: true });
    assert.equal(got.length, 5);
    for (const h of got) assert.deepEqual(h.metadata, records[/** @type {number} */ (h.id)]);
    const plain = db.search(rows[3], 5, { includeMetadata: true });
    for (const h of plain) assert.deepEqual(h.metadata, records[/** @type {number} */ (h.id)]);
    assert.equal(db.search(rows[3], 5, { filter: { cat: 'music' } })[0].metadata, undefined);
  });

  test('a filter on a field no vector has matches nothing and is no error', async () => {
    const db = await dbPromise;
    assert.deepEqual(db.search(rows[0], 10, { filter: { nowhere: 'x' } }), []);
    assert.equal(db.count('nowhere = "x"'), 0);
    assert.equal(db.search(rows[0], 10, { filter: { not: { nowhere: 'x' } } }).length, 10);
    assert.deepEqual(db.search(rows[0], 10, { filter: { cat: 'unheard-of' } }), []);
  });

  test('bad filters are INVALID_FILTER before the core, with path or position', async () => {
    const db = await dbPromise;
    const a = throwsWith(() => db.search(rows[0], 5, { filter: { price: { lt: '5' } } }), 'INVALID_FILTER');
    assert.equal(a.path, 'price.lt');
    assert.equal(a.field, 'price');
    const b = throwsWith(() => db.count('price < '), 'INVALID_FILTER');
    assert.equal(b.position, 8);
    throwsWith(() => db.search(rows[0], 5, { filter: /** @type {any} */ (5) }), 'INVALID_FILTER');
    throwsWith(() => db.count(/** @type {any} */ (null)), 'INVALID_FILTER');
    throwsWith(() => db.search(rows[0], 5, { filter: {}, includeMetadata: /** @type {any} */ (1) }), 'INVALID_ARGUMENT');
    throwsWith(() => db.search(rows[0], 5, /** @type {any} */ ({ filters: {} })), 'INVALID_ARGUMENT', { message: /unknown option 'filters'/ });
  });

  test('deleted vectors are never returned or counted', async () => {
    const db = await EdgeVec.create({ dimensions: DIM, seed: 9, idType: 'number' });
    await db.insertBatch(flat.subarray(0, 300 * DIM), { metadata: records.slice(0, 300) });
    const f = { cat: 'books' };
    const before = db.count(f);
    const victims = records.slice(0, 300).map((r, i) => (matches(f, r) && i % 2 === 0 ? i : -1)).filter((i) => i >= 0);
    db.softDeleteBatch(victims);
    assert.equal(db.count(f), before - victims.length);
    const got = db.search(rows[0], 300, { filter: f });
    assert.equal(got.length, before - victims.length);
    for (const h of got) assert.ok(!victims.includes(/** @type {number} */ (h.id)));
    db.dispose();
  });
});

describe('filtered search on seeded data at several selectivities', () => {
  test('recall@10 >= 0.95 against the exact filtered top 10, never fewer than min(10, matches)', async () => {
    const n = 6000, dim = 16;
    const data = clustered({ seed: 31, n, dim, clusters: 24 });
    const r = mulberry32(4);
    const label = Array.from({ length: n }, () => Math.floor(r() * 1000)); // uniform 0..999
    const db = await EdgeVec.create({ dimensions: dim, seed: 1, idType: 'number' });
    await db.insertBatch(data, { metadata: label.map((l) => ({ label: l })) });
    const queries = rowsOf(clustered({ seed: 32, n: 20, dim, clusters: 24 }), dim);
    const drows = rowsOf(data, dim);
    for (const per1000 of [500, 100, 10, 1]) {
      const filter = { label: { lt: per1000 } };
      let found = 0, wanted = 0;
      for (const q of queries) {
        const hits = [];
        for (let i = 0; i < n; i++) if (label[i] < per1000) hits.push({ id: i, d: distance('l2', q, drows[i]) });
        hits.sort((a, b) => a.d - b.d);
        const truth = new Set(hits.slice(0, 10).map((h) => h.id));
        const got = db.search(q, 10, { filter });
        assert.equal(got.length, Math.min(10, hits.length), `selectivity ${per1000 / 10}%`);
        found += got.filter((h) => truth.has(/** @type {number} */ (h.id))).length;
        wanted += truth.size;
      }
      const recall = found / wanted;
      assert.ok(recall >= 0.95, `selectivity ${per1000 / 10}%: recall ${recall.toFixed(3)}`);
    }
    db.dispose();
  });
});
