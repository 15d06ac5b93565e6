// tests/node/helpers/data.js — small seeded data for the API tests: a
// clustered Gaussian mixture from a 32-bit PRNG (no BigInt, so the same
// helper runs in the child process that removes BigInt), brute-force
// nearest neighbours, and shape converters.
//
// The 10,000-vector integration test uses tests/lib/dataset.js (the
// generator shared with the C tests and benchmarks) instead.

/**
 * mulberry32: a tiny, well-mixed 32-bit PRNG; plenty for test data.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * n clustered vectors of `dim` floats, flat (n × dim).
 * @param {{ seed: number, n: number, dim: number, clusters?: number, spread?: number }} o
 * @returns {Float32Array}
 */
export function clustered({ seed, n, dim, clusters = 16, spread = 0.3 }) {
  const rand = mulberry32(seed);
  const gauss = () => {
    // Box-Muller; 1 - u keeps log away from 0.
    const u = 1 - rand(), v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const centers = new Float64Array(clusters * dim);
  for (let i = 0; i < centers.length; i++) centers[i] = gauss();
  const out = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    const c = Math.floor(rand() * clusters);
    for (let d = 0; d < dim; d++) out[r * dim + d] = centers[c * dim + d] + spread * gauss();
  }
  return out;
}

/**
 * @param {Float32Array} flat
 * @param {number} dim
 * @returns {Float32Array[]} copies of each row
 */
export function rowsOf(flat, dim) {
  const rows = [];
  for (let i = 0; i < flat.length / dim; i++) rows.push(flat.slice(i * dim, (i + 1) * dim));
  return rows;
}

/**
 * @param {Float32Array} flat
 * @param {number} dim
 * @returns {number[][]}
 */
export function arraysOf(flat, dim) {
  return rowsOf(flat, dim).map((r) => Array.from(r));
}

/**
 * Distance as the core defines it (smaller = nearer).
 * @param {'l2' | 'cosine' | 'dot'} metric
 * @param {ArrayLike<number>} a
 * @param {ArrayLike<number>} b
 * @returns {number}
 */
export function distance(metric, a, b) {
  let dot = 0, na = 0, nb = 0, l2 = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    dot += x * y; na += x * x; nb += y * y; l2 += (x - y) * (x - y);
  }
  if (metric === 'l2') return l2;
  if (metric === 'dot') return -dot;
  return 1 - dot / Math.sqrt(na * nb);
}

/**
 * Exact k nearest rows of `flat` (only those with live[i] true when given),
 * as row indices nearest first.
 * @param {Float32Array} flat
 * @param {number} dim
 * @param {ArrayLike<number>} query
 * @param {number} k
 * @param {'l2' | 'cosine' | 'dot'} [metric]
 * @param {(i: number) => boolean} [live]
 * @returns {number[]}
 */
export function bruteForce(flat, dim, query, k, metric = 'l2', live) {
  const n = flat.length / dim;
  /** @type {Array<[number, number]>} */
  const all = [];
  for (let i = 0; i < n; i++) {
    if (live && !live(i)) continue;
    all.push([distance(metric, flat.subarray(i * dim, (i + 1) * dim), query), i]);
  }
  all.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return all.slice(0, k).map((e) => e[1]);
}
