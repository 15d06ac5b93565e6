// bench/threads/measure.js — `npm run bench:threads`: the module with
// threads (dist/mt/) against the default module, side by side in one
// process on the same data (tests/lib/dataset.js, 100,000 x 128 and 1,000
// held-out queries; M 16, efConstruction 200):
//   - build: insertBatch of the whole set, each module in turn, repeated;
//   - recall@10 against brute force at equal ef, for both graphs;
//   - searchBatch QPS: the threaded module's searchBatch against the
//     default module's (a loop of searches), and against the threaded
//     module's own search() loop on the same graph (pure scaling).
// Medians of the repeats and their ratios are printed; the results go to
// bench/results/threads.md by hand.
//
//   node --no-liftoff bench/threads/measure.js [--n N] [--q Q] [--repeats R]
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { EdgeVec } from '../../js/index.js';
import { generate } from '../../tests/lib/dataset.js';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean)
  .map((a) => a.trim().split(/\s+/)).map(([k, v]) => [k, Number(v)]));
const N = args.n ?? 100000;
const Q = args.q ?? 1000;
const REPEATS = args.repeats ?? 3;
const DIM = 128, K = 10, SEED = 42;
const EFS = [32, 64, 128];
const OPTIONS = { dimensions: DIM, m: 16, efConstruction: 200, seed: 7, idType: /** @type {'number'} */ ('number') };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (...a) => console.error(...a);

const { base, queries } = generate({ seed: SEED, n: N, q: Q, dim: DIM });
const defaultBytes = new Uint8Array(await readFile(new URL('../../dist/edgevec.wasm', import.meta.url)));
const single = () => EdgeVec.create({ ...OPTIONS, wasmBinary: defaultBytes });
const threaded = () => EdgeVec.create(OPTIONS);

// Brute-force truth (exact top K of each query).
log(`truth: ${Q} queries over ${N} x ${DIM}`);
const truth = [];
for (let q = 0; q < Q; q++) {
  const qo = q * DIM;
  const best = new Float64Array(K).fill(Infinity), ids = new Int32Array(K).fill(-1);
  for (let i = 0; i < N; i++) {
    let d = 0;
    const o = i * DIM;
    for (let j = 0; j < DIM; j++) { const x = queries[qo + j] - base[o + j]; d += x * x; }
    if (d < best[K - 1]) {
      let p = K - 1;
      while (p > 0 && best[p - 1] > d) { best[p] = best[p - 1]; ids[p] = ids[p - 1]; p--; }
      best[p] = d; ids[p] = i;
    }
  }
  truth.push(new Set(ids));
}
const recallOf = (results) => {
  let hits = 0;
  results.forEach((r, q) => { for (const h of r) if (truth[q].has(/** @type {number} */ (h.id))) hits++; });
  return hits / (Q * K);
};

// Builds, interleaved: default, threaded, default, threaded, ...
const builds = { single: [], threaded: [] };
/** @type {Record<string, EdgeVec>} */
const kept = {};
for (let r = 0; r < REPEATS; r++) {
  for (const [name, make] of [['single', single], ['threaded', threaded]]) {
    const db = await make();
    const t0 = performance.now();
    await db.insertBatch(base);
    const s = (performance.now() - t0) / 1000;
    builds[name].push(s);
    log(`build ${name} (threads ${db.threads}) #${r + 1}: ${s.toFixed(1)} s`);
    if (r === REPEATS - 1) kept[name] = db;
    else db.dispose();
  }
}

// Search: per ef, each way timed REPEATS times, interleaved.
const rows = [];
for (const ef of EFS) {
  const ways = {
    'default, search loop': () => kept.single.searchBatch(queries, K, { ef }),
    'threaded, search loop': () => {
      const out = [];
      for (let q = 0; q < Q; q++) out.push(kept.threaded.search(queries.subarray(q * DIM, (q + 1) * DIM), K, { ef }));
      return out;
    },
    'threaded, searchBatch': () => kept.threaded.searchBatch(queries, K, { ef }),
  };
  const times = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  const recalls = {};
  for (const fn of Object.values(ways)) fn(); // warm-up
  for (let r = 0; r < REPEATS + 2; r++) {
    for (const [name, fn] of Object.entries(ways)) {
      const t0 = performance.now();
      const res = fn();
      times[name].push(performance.now() - t0);
      recalls[name] = recallOf(res);
    }
  }
  for (const name of Object.keys(ways)) {
    rows.push({ ef, way: name, qps: Q / (median(times[name]) / 1000), recall: recalls[name] });
  }
}

const out = [];
out.push(`cores: ${availableParallelism()}, threads: ${kept.threaded.threads}; ${N} x ${DIM}, ${Q} queries, k ${K}, M 16, efConstruction 200; ${REPEATS} builds each, interleaved`);
out.push('');
out.push('| build | median s | runs (s) |');
out.push('|---|---|---|');
for (const name of ['single', 'threaded']) {
  out.push(`| ${name} | ${median(builds[name]).toFixed(1)} | ${builds[name].map((s) => s.toFixed(1)).join(', ')} |`);
}
out.push(`| ratio threaded / single | ${(median(builds.threaded) / median(builds.single)).toFixed(2)} | |`);
out.push('');
out.push('| ef | way | QPS (median) | recall@10 | QPS vs default |');
out.push('|---|---|---|---|---|');
for (const r of rows) {
  const ref = rows.find((x) => x.ef === r.ef && x.way === 'default, search loop');
  out.push(`| ${r.ef} | ${r.way} | ${r.qps.toFixed(0)} | ${r.recall.toFixed(4)} | ${(r.qps / ref.qps).toFixed(2)} |`);
}
console.log(out.join('\n'));
kept.single.dispose();
kept.threaded.dispose();
