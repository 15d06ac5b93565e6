// tests/node/transfer-index.lancedb.test.js (js/transfer/index.js) — the way
// out, checked against an engine written elsewhere: an export loaded into
// LanceDB (NDJSON under l2, cosine and dot; .fvecs under l2), its metadata
// as columns, answers exact top-10 queries, unfiltered and with a `where`
// on the metadata, with the ids, order and distances that brute force over
// the exported data (filtered the same way) gives, and the same export
// imported into a new EdgeVec holds the same ids and vectors bit for bit and
// the same metadata. The comparison is shown to fail on one changed vector,
// one changed id, a changed order and one changed category.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { EdgeVec } from '../../js/index.js';
import { exportFvecs, exportNdjson, importNdjson } from '../../js/transfer/index.js';
import { clustered, distance, mulberry32 } from './helpers/data.js';
import { assertSameRows, collect, seededRows } from './helpers/transfer.js';

const DIM = 32;
const N = 3000;
/** Queries drawn, and how many must have a well-defined top 10. */
const Q = 40;
const MIN_QUERIES = 30;
const K = 10;
/** Distances agree within this, relative to max(1, |distance|): LanceDB
 *  sums float32 products, the truth sums doubles. */
const TOL = 1e-5;

/** The filters checked, as a LanceDB `where` and as the same test on an
 *  exported row's metadata (a row without metadata matches neither). */
const FILTERS = [
  { where: "category = 'c2'", test: (/** @type {Meta} */ m) => m?.category === 'c2' },
  { where: "category = 'c1' AND price < 0 AND inStock", test: (/** @type {Meta} */ m) => m?.category === 'c1' && /** @type {number} */ (m.price) < 0 && m.inStock === true },
];

/** @typedef {'l2' | 'cosine' | 'dot'} Metric */
/** @typedef {import('../../js/index.js').Metadata | undefined} Meta */
/** @typedef {{ id: string, vector: Float32Array, metadata?: Meta }} Row */
/** @typedef {{ id: string, distance: number }} Hit */

/**
 * The exported rows, read back from NDJSON text.
 * @param {string} text
 * @returns {Row[]}
 */
function ndjsonRows(text) {
  return text.trim().split('\n').map((line) => {
    const { id, vector, metadata } = JSON.parse(line);
    return { id, vector: Float32Array.from(vector), metadata };
  });
}

/**
 * Seeded metadata: a category of five, a price of either sign, a flag and
 * tags; every tenth vector has none.
 * @param {number} seed
 * @param {number} n
 * @returns {(import('../../js/index.js').Metadata | null)[]}
 */
function seededMetadata(seed, n) {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => (i % 10 === 9 ? null : {
    category: `c${Math.floor(rand() * 5)}`, price: (rand() - 0.5) * 200, inStock: rand() < 0.5, tags: [`t${i % 3}`],
  }));
}

/**
 * The exported rows, read back from .fvecs and .ivecs bytes.
 * @param {Buffer} vectors
 * @param {Buffer} ids
 * @returns {Row[]}
 */
function fvecsRows(vectors, ids) {
  const rows = [];
  for (let r = 0, v = 0; v < vectors.length; r++, v += 4 * (1 + DIM)) {
    assert.equal(vectors.readInt32LE(v), DIM);
    assert.equal(ids.readInt32LE(12 * r), 2);
    const id = ids.readBigUInt64LE(12 * r + 4);
    const vector = new Float32Array(DIM);
    for (let j = 0; j < DIM; j++) vector[j] = vectors.readFloatLE(v + 4 + 4 * j);
    rows.push({ id: String(id), vector });
  }
  return rows;
}

/**
 * Exact top-k over the exported rows, distances as EdgeVec defines them.
 * @param {Row[]} rows
 * @param {Float32Array} query
 * @param {Metric} metric
 * @param {number} k
 * @returns {Hit[]}
 */
function truth(rows, query, metric, k) {
  return rows.map((r) => ({ id: r.id, distance: distance(metric, r.vector, query) }))
    .sort((a, b) => a.distance - b.distance).slice(0, k);
}

/**
 * LanceDB's exact top-k (a flat scan: the table has no vector index, and
 * bypassVectorIndex says so), distances converted to EdgeVec's: LanceDB's
 * l2 is squared and its cosine 1 - cos, as here, and its dot is 1 - a·b
 * where EdgeVec's is -a·b.
 * @param {import('@lancedb/lancedb').Table} table
 * @param {Float32Array} query
 * @param {Metric} metric
 * @param {string} [where]  a filter on the metadata columns
 * @returns {Promise<Hit[]>}
 */
async function lanceTopK(table, query, metric, where) {
  let search = table.vectorSearch(Array.from(query)).distanceType(metric).bypassVectorIndex();
  // Filtered before the scan (LanceDB's default), so the top K of the matching rows.
  if (where !== undefined) search = search.where(where);
  const found = await search.limit(K).toArray();
  return found.map((r) => ({ id: r.id, distance: metric === 'dot' ? r._distance - 1 : r._distance }));
}

/**
 * What differs between the truth and an engine's answer: ids, their order,
 * or distances beyond TOL. Empty when they agree.
 * @param {Hit[][]} want
 * @param {Hit[][]} got
 * @returns {string[]}
 */
function differences(want, got) {
  const out = [];
  for (let q = 0; q < want.length; q++) {
    const w = want[q], g = got[q];
    if (g.length !== w.length) out.push(`query ${q}: ${g.length} results, want ${w.length}`);
    for (let i = 0; i < Math.min(w.length, g.length); i++) {
      if (g[i].id !== w[i].id) out.push(`query ${q} rank ${i}: id ${g[i].id}, want ${w[i].id}`);
      else if (Math.abs(g[i].distance - w[i].distance) > TOL * Math.max(1, Math.abs(w[i].distance))) {
        out.push(`query ${q} rank ${i}: distance ${g[i].distance}, want ${w[i].distance}`);
      }
    }
  }
  return out;
}

/**
 * @param {import('@lancedb/lancedb').Connection} conn
 * @param {string} name
 * @param {Row[]} rows
 */
async function lanceTable(conn, name, rows) {
  // Each metadata field becomes a column (null where a row lacks it).
  const table = await conn.createTable(name,
    rows.map((r) => ({ id: r.id, vector: Array.from(r.vector), ...r.metadata })));
  // Stored as float32 vectors and string ids: nothing rounded on the way in.
  assert.match(String(await table.schema()), new RegExp(`id: Utf8.*vector: FixedSizeList\\[${DIM}\\]<Float32>`));
  assert.equal(await table.countRows(), rows.length);
  return table;
}

/**
 * The true top K of the rows for each query, leaving out queries whose
 * true top K + 1 holds two distances closer than the tolerance: at float
 * precision their order is not defined, and the check is of ids in order.
 * @param {Row[]} rows
 * @param {(q: number) => Float32Array} queryOf
 * @param {Metric} metric
 * @returns {{ want: Hit[][], used: number[] }}
 */
function wellDefinedTruth(rows, queryOf, metric) {
  const want = [];
  const used = [];
  for (let q = 0; q < Q; q++) {
    const top = truth(rows, queryOf(q), metric, K + 1);
    let ordered = true;
    for (let i = 0; i < K; i++) {
      if (!(top[i + 1].distance - top[i].distance > 2 * TOL * Math.max(1, Math.abs(top[i].distance)))) ordered = false;
    }
    if (!ordered) continue;
    want.push(top.slice(0, K));
    used.push(q);
  }
  return { want, used };
}

test('an export loaded into LanceDB answers exact top-10, filtered on its metadata too, as brute force over the export does; re-imported it is the same index', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-lancedb-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const conn = await lancedb.connect(dir);
  const { vectors, ids } = seededRows({ seed: 61, n: N, dim: DIM });
  const queries = clustered({ seed: 62, n: Q, dim: DIM });
  const queryOf = (/** @type {number} */ q) => queries.subarray(q * DIM, (q + 1) * DIM);
  const metadata = seededMetadata(63, N);

  for (const metric of /** @type {Metric[]} */ (['l2', 'cosine', 'dot'])) {
    const db = await EdgeVec.create({ dimensions: DIM, metric, seed: 1 });
    await db.insertBatch(vectors, { ids, metadata });
    const text = (await collect(exportNdjson(db))).toString('utf8');
    const rows = ndjsonRows(text);
    assert.equal(rows.length, N);
    assert.ok(rows.some((r) => BigInt(r.id) > BigInt(Number.MAX_SAFE_INTEGER)), 'ids above 2^53 are in the export');
    assert.equal(rows.filter((r) => r.metadata === undefined).length, N / 10, 'rows without metadata have none');

    const { want, used } = wellDefinedTruth(rows, queryOf, metric);
    assert.ok(used.length >= MIN_QUERIES, `${metric}: ${used.length} of ${Q} queries have a well-defined top ${K}`);
    const table = await lanceTable(conn, `ndjson_${metric}`, rows);
    const got = [];
    for (const q of used) got.push(await lanceTopK(table, queryOf(q), metric));
    assert.deepEqual(differences(want, got), [], `${metric}: LanceDB agrees with the truth`);

    // The metadata columns hold the exported records, row for row.
    const stored = new Map((await table.query().toArray()).map((r) => [r.id, r]));
    for (const r of rows) {
      const s = stored.get(r.id);
      const m = r.metadata;
      assert.deepEqual([s.category, s.price, s.inStock, s.tags && Array.from(s.tags)],
        m ? [m.category, m.price, m.inStock, m.tags] : [null, null, null, null], `LanceDB's columns of id ${r.id}`);
    }

    // Filtered: LanceDB's exact top 10 under a `where` on the metadata is
    // brute force over the exported rows that pass the same test.
    for (const filter of FILTERS) {
      const matching = rows.filter((r) => filter.test(r.metadata));
      assert.ok(matching.length > 2 * K, `${filter.where}: ${matching.length} rows match`);
      const truthOf = wellDefinedTruth(matching, queryOf, metric);
      assert.ok(truthOf.used.length >= MIN_QUERIES,
        `${metric}, ${filter.where}: ${truthOf.used.length} of ${Q} queries have a well-defined top ${K}`);
      const fgot = [];
      for (const q of truthOf.used) fgot.push(await lanceTopK(table, queryOf(q), metric, filter.where));
      assert.deepEqual(differences(truthOf.want, fgot), [], `${metric}, ${filter.where}: LanceDB agrees with the truth`);
      if (metric === 'l2' && filter === FILTERS[0]) {
        // The filtered comparison catches one changed category.
        const top1 = truthOf.want[0][0].id;
        const recategorised = rows.map((r) => (r.id === top1 ? { ...r, metadata: { ...r.metadata, category: 'c3' } } : r));
        const bad = await lanceTable(conn, 'recategorised', recategorised);
        assert.ok(differences(truthOf.want.slice(0, 1),
          [await lanceTopK(bad, queryOf(truthOf.used[0]), metric, filter.where)]).length > 0, 'a changed category is caught');
      }
    }

    if (metric === 'l2') {
      // The comparison catches one changed vector, one changed id, a changed order.
      const top1 = want[0][0].id;
      const moved = rows.map((r) => (r.id === top1 ? { id: r.id, vector: r.vector.map((x, j) => (j === 0 ? x + 1 : x)) } : r));
      const bad = await lanceTable(conn, 'moved', moved);
      assert.ok(differences(want.slice(0, 1), [await lanceTopK(bad, queryOf(used[0]), metric)]).length > 0, 'a changed vector is caught');
      const renamed = rows.map((r) => (r.id === top1 ? { id: String(BigInt(r.id) ^ 1n), vector: r.vector } : r));
      const bad2 = await lanceTable(conn, 'renamed', renamed);
      assert.ok(differences(want.slice(0, 1), [await lanceTopK(bad2, queryOf(used[0]), metric)]).length > 0, 'a changed id is caught');
      const swapped = got.map((hits) => [hits[1], hits[0], ...hits.slice(2)]);
      assert.ok(differences(want, swapped).length >= used.length, 'a changed order is caught');

      // The .fvecs export, loaded the same way, gives the same answers.
      const files = { v: /** @type {Buffer[]} */ ([]), i: /** @type {Buffer[]} */ ([]) };
      for await (const c of exportFvecs(db)) { files.v.push(Buffer.from(c.vectors)); files.i.push(Buffer.from(c.ids)); }
      const fromFvecs = fvecsRows(Buffer.concat(files.v), Buffer.concat(files.i));
      assert.deepEqual(fromFvecs.map((r) => r.id), rows.map((r) => r.id));
      for (let i = 0; i < N; i++) {
        assert.deepEqual(new Uint32Array(fromFvecs[i].vector.buffer), new Uint32Array(rows[i].vector.buffer),
          `row ${i}: the same vector in both exports, bit for bit`);
      }
      const ftable = await lanceTable(conn, 'fvecs_l2', fromFvecs);
      const fgot = [];
      for (const q of used) fgot.push(await lanceTopK(ftable, queryOf(q), metric));
      assert.deepEqual(differences(want, fgot), [], 'LanceDB agrees with the truth from the .fvecs export');
    }

    // The export back into a new EdgeVec: the same ids, the same vectors
    // (under cosine the stored unit vectors, which stay as they are), the
    // same metadata.
    const again = await EdgeVec.create({ dimensions: DIM, metric, seed: 1 });
    await importNdjson(again, text);
    assertSameRows(again, ids, (i) => /** @type {Float32Array} */ (db.get(ids[i])));
    for (let i = 0; i < N; i++) {
      assert.deepStrictEqual(again.getMetadata(ids[i]), db.getMetadata(ids[i]), `the metadata of id ${ids[i]}`);
      assert.deepStrictEqual(again.getMetadata(ids[i]), metadata[i] ?? {}, `id ${ids[i]}: the metadata inserted`);
    }
    assert.deepEqual(await collect(exportNdjson(again)), Buffer.from(text, 'utf8'));
    db.dispose();
    again.dispose();
  }
});
