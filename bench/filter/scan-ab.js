// bench/filter/scan-ab.js — the planner's search against the exact scan
// where the planner scans (few matches): both run the same scan in the
// core, so any gap bench:filter shows in its 1% and 0.1% cells is either
// the planner's own cost (compiling the filter, the cached estimate) or the
// rounds' noise. This runs the two on one index, interleaved, 7 rounds each,
// alternating which goes first, and prints each one's median and rounds.
// 100,000 x 128 (data set A's mixture, 64 clusters), built as bench:filter
// builds (index.js), labels bench:filter's `u`, filters `u < 10` (1%) and
// `u < 1` (0.1%).
//
//   node bench/filter/scan-ab.js
import { Mixture, SplitMix64 } from '../../tests/lib/dataset.js';
import { loadWasm } from '../../js/loader.js';
import * as meta from '../../js/wasm/metadata.js';
import { compileFilter } from '../../js/filter/index.js';
import { median } from '../lib/stats.js';
import { LABEL_SEED, uniformLabels, buildIndex } from './index.js';

const N = 100000, DIM = 128, Q = 200, K = 10, ROUNDS = 7;
const mix = new Mixture(1, DIM, 64);
const base = mix.rows(N);
const queries = mix.rows(Q);
const u = uniformLabels(new SplitMix64(LABEL_SEED), N);

const wasm = await loadWasm();
const handle = buildIndex(wasm, base, N, { dimensions: DIM, m: 16, efConstruction: 100, seed: 1 },
  Array.from({ length: N }, (_, i) => ({ u: u[i] })));
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
