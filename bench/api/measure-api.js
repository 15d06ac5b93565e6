// bench/api/measure-api.js — the JS-layer measurements issue 3 asks
// for, printed as one JSON line (not a test; run it by hand or from a
// benchmark script):
//   node --no-liftoff bench/api/measure-api.js [n=10000] [dim=128]
// - insertBatch against the same vectors inserted one insert() at a time;
// - search through the JS API against the same queries run inside C
//   (evw_search, called directly) on an index built from the same seed and data, which
//   the core builds identically (the graph is deterministic), so the
//   difference is the boundary: argument checks, copies in and out, result
//   objects, malloc/free of the scratch;
// - the whole cost of one JS search call on a 20-vector index, where the
//   C work is nearly nothing: an upper bound of the boundary's cost per
//   call that does not depend on a quiet machine;
// - softDeleteBatch of 1,000 ids.
// Times are medians of several repetitions after a warm-up.
import { EdgeVec } from '../../js/index.js';
import { loadWasm } from '../../js/loader.js';
import { generate } from '../../tests/lib/dataset.js';

const N = Number(process.argv[2] ?? 10000);
const DIM = Number(process.argv[3] ?? 128);
const Q = 1000;
const K = 10;
const REPS = 7;

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const { base, queries } = generate({ seed: 1, n: N, q: Q, dim: DIM });

let t = performance.now();
const db = await EdgeVec.create({ dimensions: DIM, seed: 1 });
await db.insertBatch(base);
const batchMs = performance.now() - t;

const single = await EdgeVec.create({ dimensions: DIM, seed: 1 });
t = performance.now();
for (let i = 0; i < N; i++) single.insert(base.subarray(i * DIM, (i + 1) * DIM));
const singleMs = performance.now() - t;
single.dispose();

// The same index, driven directly through the exports for the C loop.
const w = await loadWasm();
const out = w._malloc(8);
w._evw_create(DIM, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, out); // l2, defaults, seed 1, no quantization
const h = w.HEAPU32[out >>> 2];
const vp = w._malloc(base.byteLength);
w.HEAPF32.set(base, vp >>> 2);
w._evw_insert_batch(h, vp, N, DIM, 0, 0, out, out + 4);
w._free(vp);
const qp = w._malloc(queries.byteLength);
w.HEAPF32.set(queries, qp >>> 2);
const ip = w._malloc(Q * K * 8), dp = w._malloc(Q * K * 4), cp = w._malloc(Q * 4);

// Each query runs through JS and through C back to back, so that the load
// of a shared machine at that moment weighs on both alike, in alternating
// order (the second of a pair finds the caches warmed by the first).
const js = [], c = [];
for (let r = 0; r < REPS + 1; r++) {
  let jsSum = 0, cSum = 0;
  for (let q = 0; q < Q; q++) {
    const query = queries.subarray(q * DIM, (q + 1) * DIM);
    const cq = qp + 4 * q * DIM;
    if (q % 2) {
      const t0 = performance.now();
      w._evw_search(h, cq, DIM, K, 0, ip, dp, cp);
      const t1 = performance.now();
      db.search(query, K);
      const t2 = performance.now();
      cSum += t1 - t0; jsSum += t2 - t1;
    } else {
      const t0 = performance.now();
      db.search(query, K);
      const t1 = performance.now();
      w._evw_search(h, cq, DIM, K, 0, ip, dp, cp);
      const t2 = performance.now();
      jsSum += t1 - t0; cSum += t2 - t1;
    }
  }
  if (r > 0) { js.push(jsSum); c.push(cSum); } // the first round warms up
}
for (const p of [qp, ip, dp, cp, out]) w._free(p);
w._evw_free(h);

// The recall those searches were bought at: JS results against the exact
// top-K by brute force (squared L2, as the index computes it).
let hits = 0;
for (let q = 0; q < Q; q++) {
  const query = queries.subarray(q * DIM, (q + 1) * DIM);
  const best = [];
  for (let i = 0; i < N; i++) {
    let d = 0;
    for (let j = 0; j < DIM; j++) { const x = base[i * DIM + j] - query[j]; d += x * x; }
    if (best.length < K || d < best[best.length - 1][0]) {
      best.push([d, i]);
      best.sort((a, b) => a[0] - b[0]);
      if (best.length > K) best.pop();
    }
  }
  const truth = new Set(best.map(([, i]) => BigInt(i)));
  for (const r of db.search(query, K)) if (truth.has(/** @type {bigint} */ (r.id))) hits++;
}
const recall = hits / (Q * K);

const del = [];
for (let r = 0; r < 5; r++) {
  const ids = BigUint64Array.from({ length: 1000 }, (_, i) => BigInt((i * 9 + r) % N));
  t = performance.now();
  db.softDeleteBatch(ids);
  del.push(performance.now() - t);
}
db.dispose();

const tiny = await EdgeVec.create({ dimensions: DIM, seed: 1 });
await tiny.insertBatch(base.subarray(0, 20 * DIM));
const tq = queries.subarray(0, DIM);
const perCall = [];
for (let r = 0; r < REPS; r++) {
  t = performance.now();
  for (let i = 0; i < 20000; i++) tiny.search(tq, K);
  perCall.push(((performance.now() - t) * 1000) / 20000);
}
tiny.dispose();

const jsMs = median(js), cMs = median(c);
console.log(JSON.stringify({
  n: N, dim: DIM,
  insertBatchMs: Math.round(batchMs),
  insertOneAtATimeMs: Math.round(singleMs),
  oneAtATimeOverBatch: Number((singleMs / batchMs).toFixed(3)),
  search1000JsMs: Number(jsMs.toFixed(2)),
  search1000CMs: Number(cMs.toFixed(2)),
  searchBoundaryOverheadPct: Number(((jsMs / cMs - 1) * 100).toFixed(2)),
  searchCallOn20VectorsUs: Number(median(perCall).toFixed(2)),
  searchPerQueryUs: Number(((jsMs * 1000) / Q).toFixed(1)),
  searchRecallAt10: Number(recall.toFixed(4)),
  softDeleteBatch1000Ms: Number(median(del).toFixed(3)),
}));
