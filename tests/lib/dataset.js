// tests/lib/dataset.js — the seeded Gaussian mixture of tests/c/dataset.c,
// ported to JS so that both produce bit-identical float32 rows (see the
// header of tests/c/dataset.h for the algorithm; this file follows it step
// by step and tests/node/dataset.test.js checks values printed by the C code).
//
// Why here: the data set is defined by the tests, and everything else that
// draws vectors imports it from the tests, the way the C benchmark links
// tests/c/dataset.c: the Node and browser tests, the benchmarks (bench/),
// the demos (examples/, served at /tests/lib/ by scripts/serve.js). It
// imports nothing, so it loads in Node and in a page alike.
//
// The splitmix64 state is kept as two unsigned 32-bit halves rather than a
// BigInt: a 100,000 x 128 set needs ~52 million draws, and BigInt arithmetic
// makes that take tens of seconds instead of about one.

// splitmix64 constants, as [hi, lo] 32-bit halves.
const GOLDEN_HI = 0x9e3779b9, GOLDEN_LO = 0x7f4a7c15;
const MIX1_HI = 0xbf58476d, MIX1_LO = 0x1ce4e5b9;
const MIX2_HI = 0x94d049bb, MIX2_LO = 0x133111eb;
const TWO_POW_32 = 4294967296;
const TWO_POW_21 = 2097152;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;

// Defaults shared with tests/c/dataset.h (EV_DATASET_CLUSTERS, _SPREAD).
export const DATASET_CLUSTERS = 64;
export const DATASET_SPREAD = 0.5;

// High 32 bits of the 64-bit product of two unsigned 32-bit numbers, done in
// 16-bit limbs so every intermediate stays an exact double.
function mulhi32(a, b) {
  const a0 = a & 0xffff, a1 = a >>> 16;
  const b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

export class SplitMix64 {
  // seed: a number (a safe integer) or a bigint, taken modulo 2^64.
  constructor(seed) {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.hi = Number(s >> 32n) >>> 0;
    this.lo = Number(s & 0xffffffffn) >>> 0;
    // The last output, as halves; next() returns the high half's owner.
    this.outHi = 0;
    this.outLo = 0;
  }

  // Advances the state and leaves the 64-bit output in outHi/outLo.
  step() {
    // state += golden (mod 2^64)
    let lo = this.lo + GOLDEN_LO;
    let hi = this.hi + GOLDEN_HI + (lo >= TWO_POW_32 ? 1 : 0);
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    let zh = this.hi, zl = this.lo;
    // z = (z ^ (z >> 30)) * MIX1
    zl = (zl ^ ((zl >>> 30) | (zh << 2))) >>> 0;
    zh = (zh ^ (zh >>> 30)) >>> 0;
    let ph = (mulhi32(zl, MIX1_LO) + Math.imul(zh, MIX1_LO) + Math.imul(zl, MIX1_HI)) >>> 0;
    let pl = Math.imul(zl, MIX1_LO) >>> 0;
    zh = ph; zl = pl;
    // z = (z ^ (z >> 27)) * MIX2
    zl = (zl ^ ((zl >>> 27) | (zh << 5))) >>> 0;
    zh = (zh ^ (zh >>> 27)) >>> 0;
    ph = (mulhi32(zl, MIX2_LO) + Math.imul(zh, MIX2_LO) + Math.imul(zl, MIX2_HI)) >>> 0;
    pl = Math.imul(zl, MIX2_LO) >>> 0;
    zh = ph; zl = pl;
    // z ^ (z >> 31)
    this.outLo = (zl ^ ((zl >>> 31) | (zh << 1))) >>> 0;
    this.outHi = (zh ^ (zh >>> 31)) >>> 0;
  }

  // The next output as a bigint (for tests; the generator uses the halves).
  nextBigInt() {
    this.step();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  // (next() >> 32): the high half.
  nextHigh32() {
    this.step();
    return this.outHi;
  }

  // (next() >> 11) * 2^-53, in [0, 1). The 53 bits are hi (32) then the top
  // 21 bits of lo, which is exact in a double.
  uniform() {
    this.step();
    return (this.outHi * TWO_POW_21 + (this.outLo >>> 11)) * TWO_POW_MINUS_53;
  }

  // Irwin-Hall with four terms, scaled to unit variance; summed left to right
  // as the C code does, so the rounding is the same.
  gauss() {
    let s = this.uniform();
    s = s + this.uniform();
    s = s + this.uniform();
    s = s + this.uniform();
    return (s - 2.0) * 1.7320508075688772;
  }
}

// The mixture: centers are drawn first, then rows one after another from the
// same stream (so the first n rows of a larger set equal a smaller set).
export class Mixture {
  constructor(seed, dim, clusters = DATASET_CLUSTERS, spread = DATASET_SPREAD) {
    this.dim = dim;
    this.clusters = clusters || 1;
    this.spread = spread;
    this.rng = new SplitMix64(seed);
    this.centers = new Float64Array(this.clusters * dim);
    for (let i = 0; i < this.centers.length; i++) this.centers[i] = this.rng.gauss();
  }

  // Draws the next n rows into a new Float32Array (n * dim).
  rows(n) {
    const { dim, clusters, spread, rng, centers } = this;
    const out = new Float32Array(n * dim);
    for (let r = 0; r < n; r++) {
      const c = rng.nextHigh32() % clusters;
      const base = c * dim;
      const row = r * dim;
      // Float32Array assignment rounds the double to float32 exactly like
      // the C cast (round to nearest even).
      for (let d = 0; d < dim; d++) out[row + d] = centers[base + d] + spread * rng.gauss();
    }
    return out;
  }
}

// A data set and its held-out queries: the first n rows are the data, the
// next q rows of the same stream the queries (same distribution, never
// inserted).
export function generate({ seed, n, q, dim, clusters = DATASET_CLUSTERS, spread = DATASET_SPREAD }) {
  const mix = new Mixture(seed, dim, clusters, spread);
  const base = mix.rows(n);
  const queries = mix.rows(q);
  return { base, queries };
}

// FNV-1a over the bytes of a Float32Array: a compact fingerprint the C test
// program prints too.
export function fnv1a32(f32) {
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
