// tests/node/edgevec.integration.test.js (js/edgevec.js) — 10,000 vectors of
// 128 dimensions (the shared seeded Gaussian mixture, tests/lib/dataset.js)
// through the public API: insertBatch, recall@10 >= 0.95 against brute force,
// softDeleteBatch of 1,000 that are never returned again, compact, and the
// same ids after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { generate } from '../lib/dataset.js';
import { bruteForce, mulberry32 } from './helpers/data.js';

const N = 10000;
const DIM = 128;
const Q = 100;
const K = 10;

/**
 * Mean recall@K of db over the queries against brute force on the live rows.
 * @param {EdgeVec} db
 * @param {Float32Array} base
 * @param {Float32Array} queries
 * @param {(i: number) => boolean} live
 * @param {Set<bigint>} [deleted] ids that must never come back
 */
function recall(db, base, queries, live, deleted) {
  let hit = 0;
  for (let q = 0; q < Q; q++) {
    const query = queries.subarray(q * DIM, (q + 1) * DIM);
    const truth = new Set(bruteForce(base, DIM, query, K, 'l2', live).map((i) => BigInt(i)));
    const got = db.search(query, K);
    assert.equal(got.length, K);
    for (const r of got) {
      if (deleted) assert.ok(!deleted.has(r.id), `deleted id ${r.id} returned`);
      if (truth.has(r.id)) hit++;
    }
  }
  return hit / (Q * K);
}

test('10,000 x 128: insertBatch, recall, softDeleteBatch of 1,000, compact', async (t) => {
  const { base, queries } = generate({ seed: 20260101, n: N, q: Q, dim: DIM });
  const db = await EdgeVec.create({ dimensions: DIM, seed: 1 });

  const t0 = performance.now();
  const ins = await db.insertBatch(base);
  const insertMs = performance.now() - t0;
  assert.equal(ins.inserted, N);
  assert.deepEqual(Array.from(ins.ids.subarray(0, 3)), [0n, 1n, 2n]);
  assert.equal(ins.ids[N - 1], BigInt(N - 1));
  assert.equal(db.size, N);

  const all = () => true;
  const r0 = recall(db, base, queries, all);
  assert.ok(r0 >= 0.95, `recall@10 ${r0}`);

  // 1,000 distinct ids, seeded.
  const rand = mulberry32(77);
  const chosen = new Set();
  while (chosen.size < 1000) chosen.add(Math.floor(rand() * N));
  const delIds = BigUint64Array.from([...chosen], (i) => BigInt(i));
  const t1 = performance.now();
  const del = db.softDeleteBatch(delIds);
  const deleteMs = performance.now() - t1;
  assert.deepEqual(del, { deleted: 1000, alreadyDeleted: 0, invalidIds: 0, total: 1000 });
  assert.equal(db.size, N - 1000);
  assert.equal(db.deletedCount, 1000);
  assert.equal(db.tombstoneRatio, 0.1);

  const deleted = new Set(delIds);
  const live = (i) => !chosen.has(i);
  const r1 = recall(db, base, queries, live, deleted);
  assert.ok(r1 >= 0.95, `recall@10 after deletes ${r1}`);
  // Searching right at a deleted vector never returns it.
  for (const i of [...chosen].slice(0, 50)) {
    const hits = db.search(base.subarray(i * DIM, (i + 1) * DIM), K);
    assert.ok(hits.every((h) => !deleted.has(h.id)));
  }

  const memBefore = db.memoryBytes;
  const t2 = performance.now();
  db.compact();
  const compactMs = performance.now() - t2;
  assert.equal(db.size, N - 1000);
  assert.equal(db.deletedCount, 0);
  assert.ok(db.memoryBytes < memBefore);
  for (let i = 0; i < N; i++) {
    assert.equal(db.has(i), !chosen.has(i), `id ${i}`);
  }
  for (let i = 0; i < N; i += 97) {
    if (chosen.has(i)) assert.equal(db.get(i), undefined);
    else assert.deepEqual(db.get(i), base.slice(i * DIM, (i + 1) * DIM));
  }
  const r2 = recall(db, base, queries, live, deleted);
  assert.ok(r2 >= 0.95, `recall@10 after compact ${r2}`);

  t.diagnostic(`insertBatch ${N}x${DIM}: ${insertMs.toFixed(0)} ms; recall@10 ${r0.toFixed(3)} / ` +
    `${r1.toFixed(3)} after deletes / ${r2.toFixed(3)} after compact; softDeleteBatch(1000) ` +
    `${deleteMs.toFixed(2)} ms; compact ${compactMs.toFixed(0)} ms`);
  db.dispose();
});
