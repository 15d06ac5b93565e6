// tests/node/dataset.test.js (tests/lib/dataset.js, not part of js/: the data
// generator the tests, benchmarks and demos share) — it must produce exactly
// the floats of tests/c/dataset.c, or the benchmarks and the C tests would
// not be measuring the same data. The expected values below were printed by a
// small C program linked against tests/c/dataset.c (gcc -O2 and clang -O3
// agree):
//   splitmix64 outputs for seed 42, then one uniform() and one gauss();
//   for each set, the FNV-1a 32-bit hash of the float32 bytes of the rows
//   and of the queries (the next rows of the same stream), and some values.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { SplitMix64, generate, fnv1a32 } from '../lib/dataset.js';

test('splitmix64, uniform and gauss match the C generator', () => {
  const r = new SplitMix64(42);
  assert.equal(r.nextBigInt(), 13679457532755275413n);
  assert.equal(r.nextBigInt(), 2949826092126892291n);
  assert.equal(r.nextBigInt(), 5139283748462763858n);
  assert.equal(r.uniform(), 0.34419071652363753);
  assert.equal(r.gauss(), -0.1293923090958112);
});

test('seeds wrap modulo 2^64 like uint64_t', () => {
  const a = new SplitMix64(-1);
  const b = new SplitMix64(0xffffffffffffffffn);
  assert.equal(a.nextBigInt(), b.nextBigInt());
});

const SETS = [
  // seed, dim, n, q, hash(rows), hash(queries), rows[0..2], last query value
  { seed: 7, dim: 16, n: 100, q: 10, base: 0xfa570107, queries: 0x1e5453e2,
    first: [-0.778386235, 0.392405748, 1.66259861], last: -1.49872506 },
  // data set A of the peer benchmark
  { seed: 1, dim: 128, n: 100000, q: 1000, base: 0x79839dbb, queries: 0xf5fdf0dc,
    first: [-0.879576921, 1.56530035, 0.412213236], last: -0.468639642 },
  // data set B of the peer benchmark
  { seed: 2, dim: 768, n: 20000, q: 200, base: 0x25c676af, queries: 0x27867577,
    first: [-0.637475908, 0.218408614, -0.0898233876], last: 1.22671592 },
];

for (const s of SETS) {
  test(`mixture seed ${s.seed}, ${s.n} x ${s.dim}: bit-identical to the C rows`, () => {
    const { base, queries } = generate({ seed: s.seed, n: s.n, q: s.q, dim: s.dim });
    assert.equal(base.length, s.n * s.dim);
    assert.equal(queries.length, s.q * s.dim);
    assert.equal(fnv1a32(base), s.base);
    assert.equal(fnv1a32(queries), s.queries);
    // The C program printed these with %.9g, which round-trips a float32.
    for (let i = 0; i < 3; i++) assert.equal(base[i], Math.fround(s.first[i]));
    assert.equal(queries[queries.length - 1], Math.fround(s.last));
  });
}

test('the first rows of a larger set equal a smaller set with the same seed', () => {
  const small = generate({ seed: 3, n: 10, q: 0, dim: 32 }).base;
  const large = generate({ seed: 3, n: 50, q: 0, dim: 32 }).base;
  assert.deepEqual(large.subarray(0, small.length), small);
});
