// bench/filter/scan-ab.js — the planner's search against the exact scan
// where the planner scans (few matches): both run the same scan in the
// core, so any gap bench:filter shows in its 1% and 0.1% cells is either
// the planner's own cost (compiling the filter, the cached estimate) or the
// rounds' noise. This runs the two on one index, interleaved, 7 rounds each,
// alternating which goes first, and prints each one's median and rounds.
// 100,000 x 128 (data set A's mixture, 64 clusters), labels uniform in
// 0..999 as bench:filter's `u`, filters `u < 10` (1%) and `u < 1` (0.1%).
//
//   node bench/filter/scan-ab.js
import { Mixture, SplitMix64 } from '../../tests/lib/dataset.js';
import { loadWasm } from '../../js/loader.js';
import * as api from '../../js/wasm/api.js';
import * as meta from '../../js/wasm/metadata.js';
import { parseCreateOptions } from '../../js/validate.js';
import { encodeBatch } from '../../js/metadata/encode.js';
import { compileFilter } from '../../js/filter/index.js';
import { median } from '../lib/stats.js';

const N = 100000, DIM = 128, Q = 200, K = 10, ROUNDS = 7;
const mix = new Mixture(1, DIM, 64);
const base = mix.rows(N);
const queries = mix.rows(Q);
const rng = new SplitMix64(0xf117e5);
const u = new Uint16Array(N);
for (let i = 0; i < N; i++) u[i] = rng.nextHigh32() % 1000;

const wasm = await loadWasm();
const handle = api.createIndex(wasm, parseCreateOptions({ dimensions: DIM, m: 16, efConstruction: 100, seed: 1, idType: 'number' }));
const batch = new meta.MetaBatch(wasm, base, N, DIM, undefined, true,
  encodeBatch(Array.from({ length: N }, (_, i) => ({ u: u[i] })), 'scan-ab', () => undefined));
try {
  if (batch.validate(handle).status !== 0) throw new Error('validate');
  for (let s = 0; s < N; s += batch.window) batch.insert(handle, s, Math.min(batch.window, N - s));
} finally {
  batch.free();
}
const rows = Array.from({ length: Q }, (_, i) => queries.subarray(i * DIM, (i + 1) * DIM));

for (const t of [10, 1]) {
  const program = compileFilter({ u: { lt: t } });
  /** @type {Record<string, number[]>} */
  const qps = { planner: [], exact: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? ['planner', 'exact'] : ['exact', 'planner'];
    for (const way of order) {
      const t0 = performance.now();
      for (const q of rows) meta.searchFiltered(wasm, handle, q, DIM, K, 0, program, way === 'exact', true);
      qps[way].push(Q / ((performance.now() - t0) / 1000));
    }
  }
  const show = (/** @type {number[]} */ a) => `${median(a).toFixed(0)} (${a.map((x) => x.toFixed(0)).join(', ')})`;
  console.log(`u < ${t}: planner ${show(qps.planner)}; exact scan ${show(qps.exact)}`);
}
