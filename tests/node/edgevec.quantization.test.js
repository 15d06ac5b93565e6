// tests/node/edgevec.quantization.test.js (js/edgevec.js, js/validate.js) —
// the quantization options of EdgeVec.create (sq8, binary, keepFloats,
// rerank): accepted combinations, refused ones, what get() returns, recall
// against brute force on floats, and a persisted quantized database reloading
// the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { clustered, rowsOf, bruteForce } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const DIM = 32;
const N = 2000;
// Queries are held-out rows of the same mixture (same cluster centers).
const all = clustered({ seed: 61, n: N + 40, dim: DIM, clusters: 20, spread: 0.4 });
const data = all.slice(0, N * DIM);
const queries = rowsOf(all.subarray(N * DIM), DIM);

/**
 * @param {EdgeVec} db
 * @param {'l2' | 'cosine' | 'dot'} metric
 */
function recallAt10(db, metric) {
  let hit = 0;
  for (const q of queries) {
    const truth = new Set(bruteForce(data, DIM, q, 10, metric));
    for (const r of db.search(q, 10, { ef: 128 })) if (truth.has(Number(r.id))) hit++;
  }
  return hit / (queries.length * 10);
}

test('option combinations: accepted, reported, refused with a reason', async () => {
  const plain = await EdgeVec.create({ dimensions: DIM });
  assert.equal(plain.quantization, 'none');
  plain.dispose();
  for (const quantization of /** @type {const} */ (['none', 'sq8', 'binary'])) {
    const db = await EdgeVec.create({ dimensions: DIM, quantization });
    assert.equal(db.quantization, quantization);
    db.dispose();
  }
  const full = await EdgeVec.create({ dimensions: DIM, quantization: 'binary', keepFloats: true, rerank: 65535 });
  full.dispose();
  await rejectsWith(() => EdgeVec.create({ dimensions: DIM, quantization: 'pq' }), 'INVALID_ARGUMENT', { message: /quantization/ });
  await rejectsWith(() => EdgeVec.create({ dimensions: DIM, keepFloats: true }), 'INVALID_ARGUMENT', { message: /keepFloats/ });
  await rejectsWith(() => EdgeVec.create({ dimensions: DIM, quantization: 'sq8', keepFloats: 1 }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.create({ dimensions: DIM, quantization: 'sq8', rerank: 10 }), 'INVALID_ARGUMENT', { message: /keepFloats/ });
  await rejectsWith(() => EdgeVec.create({ dimensions: DIM, quantization: 'sq8', keepFloats: true, rerank: -1 }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.create({ dimensions: DIM, quantization: 'sq8', keepFloats: true, rerank: 65536 }), 'INVALID_ARGUMENT');
});

test('sq8: recall@10 against brute force on the floats; get is the decoded vector, or the inserted one with keepFloats', async () => {
  const sq8 = await EdgeVec.create({ dimensions: DIM, quantization: 'sq8', seed: 1 });
  await sq8.insertBatch(data);
  const r = recallAt10(sq8, 'l2');
  assert.ok(r >= 0.9, `sq8 recall@10 ${r}`);
  const decoded = sq8.get(7);
  const original = data.subarray(7 * DIM, 8 * DIM);
  let maxAbs = 0, maxErr = 0;
  for (let i = 0; i < DIM; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(original[i]));
    maxErr = Math.max(maxErr, Math.abs(decoded[i] - original[i]));
  }
  assert.ok(maxErr <= maxAbs / 127 + 1e-6, `decode error ${maxErr} within one step of ${maxAbs / 127}`);
  sq8.dispose();

  const kept = await EdgeVec.create({ dimensions: DIM, quantization: 'sq8', keepFloats: true, rerank: 40, seed: 1 });
  await kept.insertBatch(data);
  assert.deepEqual(kept.get(7), data.slice(7 * DIM, 8 * DIM));
  const rk = recallAt10(kept, 'l2');
  assert.ok(rk >= 0.95, `sq8 + rerank recall@10 ${rk}`);
  // Re-ranked distances are the exact float distances.
  const [top] = kept.search(data.subarray(3 * DIM, 4 * DIM), 1);
  assert.equal(top.id, 3n);
  assert.equal(top.distance, 0);
  kept.dispose();
});

test('binary: rerank with the kept floats re-scores exactly and lifts recall', async () => {
  // 32 sign bits alone separate this set poorly (recall ~0.3); re-ranking
  // 100 candidates with the kept floats brings it above 0.9. Without
  // keepFloats get() is the decoded sign vector; with rerank the distances
  // are the exact cosine ones.
  const plain = await EdgeVec.create({ dimensions: DIM, metric: 'cosine', quantization: 'binary', seed: 2 });
  await plain.insertBatch(data);
  const decoded = plain.get(5);
  const unit = 1 / Math.sqrt(DIM);
  for (let i = 0; i < DIM; i++) {
    assert.ok(Math.abs(Math.abs(decoded[i]) - unit) < 1e-6, 'a sign vector scaled to unit length');
    if (data[5 * DIM + i] !== 0) assert.equal(Math.sign(decoded[i]), Math.sign(data[5 * DIM + i]));
  }
  const r0 = recallAt10(plain, 'cosine');
  plain.dispose();

  const db = await EdgeVec.create({
    dimensions: DIM, metric: 'cosine', quantization: 'binary', keepFloats: true, rerank: 100, seed: 2,
  });
  await db.insertBatch(data);
  const r1 = recallAt10(db, 'cosine');
  assert.ok(r1 >= 0.9 && r1 >= r0 + 0.2, `rerank lifts recall@10: ${r0} -> ${r1}`);
  const [top] = db.search(data.subarray(9 * DIM, 10 * DIM), 1);
  assert.equal(top.id, 9n);
  assert.ok(Math.abs(top.distance) < 1e-6, `exact cosine distance ${top.distance}`);
  db.softDeleteBatch([0, 1, 2]);
  db.compact();
  assert.equal(db.size, N - 3);
  assert.equal(db.quantization, 'binary');
  db.dispose();
});

test('a quantized database reloads with its quantization and the same results', async () => {
  const storage = new MemoryStorage();
  const db = await EdgeVec.open('q', { storage, dimensions: DIM, quantization: 'sq8', keepFloats: true, rerank: 20 });
  await db.insertBatch(data.subarray(0, 500 * DIM));
  await db.checkpoint();
  await db.insertBatch(data.subarray(500 * DIM, 700 * DIM));
  const before = queries.map((q) => db.search(q, 5));
  await db.close();
  const again = await EdgeVec.open('q', { storage });
  assert.equal(again.quantization, 'sq8');
  assert.deepEqual(queries.map((q) => again.search(q, 5)), before);
  assert.deepEqual(again.get(650), data.slice(650 * DIM, 651 * DIM));
  await again.close();
});
