// dataset.js — the seeded Gaussian-mixture generator of tests/c/dataset.h,
// bit for bit, for the browser suite: the spec's Node process and the page
// both import this file, so both build the index from identical vectors.
//
// splitmix64 runs on pairs of uint32 halves instead of BigInt: the same
// integers, ~20x faster, and it keeps working in a page where the test has
// removed BigUint64Array. Every double operation is the one the C does, in
// the same order, so the rows are identical to ev_mixture_rows.

// 32x32 -> 64-bit product as [hi, lo] uint32, from exact 16-bit partials.
function mul32(a, b) {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const hi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
  return [hi, lo];
}

// (ah:al) * (bh:bl) mod 2^64.
function mul64(ah, al, bh, bl) {
  const [h, l] = mul32(al, bl);
  return [(h + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0, l];
}

export class SplitMix64 {
  /** @param {number|bigint|string} seed a uint64 (number: safe integer) */
  constructor(seed = 0) {
    const s = typeof seed === 'bigint' || typeof seed === 'string' ? BigInt(seed) : BigInt(seed);
    this.hi = Number((s >> 32n) & 0xffffffffn);
    this.lo = Number(s & 0xffffffffn);
    // Result of the last next(), as halves.
    this.outHi = 0;
    this.outLo = 0;
  }

  /** Advances; the 64-bit output is left in outHi/outLo. */
  next() {
    // state += 0x9E3779B97F4A7C15
    const lo = this.lo + 0x7f4a7c15;
    this.lo = lo >>> 0;
    this.hi = (this.hi + 0x9e3779b9 + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    let h = this.hi, l = this.lo;
    // z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
    let xl = (l ^ ((l >>> 30) | (h << 2))) >>> 0, xh = (h ^ (h >>> 30)) >>> 0;
    [h, l] = mul64(xh, xl, 0xbf58476d, 0x1ce4e5b9);
    // z = (z ^ (z >> 27)) * 0x94D049BB133111EB
    xl = (l ^ ((l >>> 27) | (h << 5))) >>> 0; xh = (h ^ (h >>> 27)) >>> 0;
    [h, l] = mul64(xh, xl, 0x94d049bb, 0x133111eb);
    // z ^ (z >> 31)
    this.outLo = (l ^ ((l >>> 31) | (h << 1))) >>> 0;
    this.outHi = (h ^ (h >>> 31)) >>> 0;
  }

  /** (next() >> 11) * 2^-53, in [0, 1) */
  uniform() {
    this.next();
    return (this.outHi * 2097152 + (this.outLo >>> 11)) * (1.0 / 9007199254740992.0);
  }

  /** Irwin-Hall with 4 terms scaled to unit variance, summed left to right. */
  gauss() {
    let s = this.uniform();
    s = s + this.uniform();
    s = s + this.uniform();
    s = s + this.uniform();
    return (s - 2.0) * 1.7320508075688772;
  }
}

export const DATASET_CLUSTERS = 64;
export const DATASET_SPREAD = 0.5;

export class Mixture {
  constructor(seed, dim, clusters = DATASET_CLUSTERS, spread = DATASET_SPREAD) {
    this.dim = dim;
    this.clusters = clusters || 1;
    this.spread = spread;
    this.rng = new SplitMix64(seed);
    this.centers = new Float64Array(this.clusters * dim);
    for (let i = 0; i < this.centers.length; i++) this.centers[i] = this.rng.gauss();
  }

  /** The next n rows as one flat Float32Array (n * dim). */
  rows(n) {
    const { dim, rng, centers, spread } = this;
    const out = new Float32Array(n * dim);
    for (let r = 0; r < n; r++) {
      rng.next();
      const c = rng.outHi % this.clusters;
      const base = c * dim;
      for (let d = 0; d < dim; d++) out[r * dim + d] = centers[base + d] + spread * rng.gauss();
    }
    return out;
  }
}

/** n rows of a fresh mixture: the same as ev_mixture_init + ev_mixture_rows. */
export function mixture(seed, n, dim, clusters = DATASET_CLUSTERS, spread = DATASET_SPREAD) {
  return new Mixture(seed, dim, clusters, spread).rows(n);
}

/** FNV-1a over the bytes of a typed array, as 8 hex digits: a cheap way for
 * a page and Node to agree that they hold the same data without sending it. */
export function fingerprint(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
