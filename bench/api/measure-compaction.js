// bench/api/measure-compaction.js — what tombstones cost and what a
// background compaction costs, printed as one JSON line (run by
// scripts/bench-compaction.sh, which writes bench/results/compaction.md):
//   node --no-liftoff bench/api/measure-compaction.js [n=100000] [dim=128] [tombstoneN=20000]
// - tombstones: an index of tombstoneN vectors with 0 to 50% of them
//   deleted, each against a compacted copy of the same live vectors (loaded
//   from an export, then compact()): recall@10 against brute force over the
//   live vectors, and the median CPU time of a search, side by side;
// - compaction of n x dim with 30% deleted: compactInBackground at the
//   default 8 ms slices (slice count, median and longest slice in wall-clock
//   time and in the process's CPU time, wall time) against compact() of an
//   identical copy (one blocking call).
import { loadavg } from 'node:os';
import { EdgeVec } from '../../js/index.js';
import { generate } from '../../tests/lib/dataset.js';
import { bruteForce } from '../lib/data.js';
import { recallOf } from '../lib/stats.js';

const N = Number(process.argv[2] ?? 100000);
const DIM = Number(process.argv[3] ?? 128);
const TN = Number(process.argv[4] ?? 20000);
const Q = 200;
const K = 10;
const RATIOS = [0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5];

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (/** @type {number} */ x, d = 3) => Number(x.toFixed(d));

/** Seeded shuffle of 0..n-1 (the delete order). */
function order(n, seed) {
  const a = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** CPU µs since `since` (process.cpuUsage): what the machine's other
 * processes do not stretch, unlike wall-clock time on a shared machine. */
const cpuUs = (/** @type {NodeJS.CpuUsage} */ since) => {
  const u = process.cpuUsage(since);
  return u.user + u.system;
};

/** recall@10 of the queries. */
function recall(db, queries, gt) {
  let sum = 0;
  for (let q = 0; q < Q; q++) {
    const r = db.search(queries.subarray(q * DIM, (q + 1) * DIM), K);
    sum += recallOf(r.map((x) => x.id), gt, q, K);
  }
  return sum / Q;
}

/** CPU µs of one pass of the queries, per search. */
function pass(db, queries) {
  const t = process.cpuUsage();
  for (let q = 0; q < Q; q++) db.search(queries.subarray(q * DIM, (q + 1) * DIM), K);
  return cpuUs(t) / Q;
}

/** Median CPU µs per search of both indexes over 7 passes each, taken in
 * alternation so that whatever else runs weighs on both alike. */
function searchCosts(a, b, queries) {
  const ta = [], tb = [];
  pass(a, queries); pass(b, queries); // warm-up
  for (let i = 0; i < 7; i++) {
    if (i % 2) { tb.push(pass(b, queries)); ta.push(pass(a, queries)); }
    else { ta.push(pass(a, queries)); tb.push(pass(b, queries)); }
  }
  return [median(ta), median(tb)];
}

const loadBefore = loadavg()[0];

// ---- what tombstones cost ------------------------------------------------
const small = generate({ seed: 1, n: TN, q: Q, dim: DIM });
const tdb = await EdgeVec.create({ dimensions: DIM, seed: 1, idType: 'number', autoCompact: false });
await tdb.insertBatch(small.base);
const victims = order(TN, 7);
const tombstones = [];
let deletedSoFar = 0;
for (const ratio of RATIOS) {
  const upTo = Math.round(ratio * TN);
  tdb.softDeleteBatch(victims.slice(deletedSoFar, upTo));
  deletedSoFar = upTo;
  const deleted = new Set(victims.slice(0, upTo));
  const gt = bruteForce(small.base, small.queries, DIM, K, deleted).alive;
  const copy = await EdgeVec.load(await tdb.export(), { idType: 'number' });
  copy.compact();
  const [us, compactedUs] = searchCosts(tdb, copy, small.queries);
  tombstones.push({
    ratio, recall: round(recall(tdb, small.queries, gt), 4), us: round(us, 1),
    compactedRecall: round(recall(copy, small.queries, gt), 4), compactedUs: round(compactedUs, 1),
    slowdown: round(us / compactedUs, 2),
    memoryMB: round(tdb.memoryBytes / 1048576, 1), compactedMemoryMB: round(copy.memoryBytes / 1048576, 1),
  });
  copy.dispose();
}
tdb.dispose();

// ---- compaction of N x DIM with 30% deleted -------------------------------
const big = generate({ seed: 2, n: N, q: 1, dim: DIM });
const a = await EdgeVec.create({ dimensions: DIM, seed: 2, idType: 'number', autoCompact: false });
await a.insertBatch(big.base);
a.softDeleteBatch(order(N, 11).slice(0, Math.round(0.3 * N)));
const b = await EdgeVec.load(await a.export(), { idType: 'number' });
// CPU time between two progress calls: one slice and one yield with
// nothing else running, so what a slice costs without the other processes
// of a shared machine (which stretch the wall-clock slice times).
const cpu = [];
/** @type {NodeJS.CpuUsage} */
let last = process.cpuUsage();
let t = performance.now();
const r = await a.compactInBackground({
  onProgress: () => {
    cpu.push(cpuUs(last) / 1000);
    last = process.cpuUsage();
  },
});
const backgroundMs = performance.now() - t;
t = performance.now();
b.compact();
const wholeMs = performance.now() - t;
const sorted = [...r.sliceTimes].sort((x, y) => x - y);
const over = r.sliceTimes.filter((x) => x > 8).length;
console.log(JSON.stringify({
  n: N, dim: DIM, tombstoneN: TN, queries: Q, loadAverage: [round(loadBefore, 1), round(loadavg()[0], 1)], tombstones,
  compaction: {
    deletedFraction: 0.3, sliceMs: 8, slices: r.slices,
    medianSliceMs: round(median(r.sliceTimes), 2), p90SliceMs: round(sorted[Math.floor(sorted.length * 0.9)], 2),
    maxSliceMs: round(sorted[sorted.length - 1], 2), slicesOverBudget: over,
    cpuMedianSliceMs: round(median(cpu.slice(1)), 2),
    cpuP90SliceMs: round([...cpu.slice(1)].sort((x, y) => x - y)[Math.floor((cpu.length - 1) * 0.9)], 2),
    cpuMaxSliceMs: round(Math.max(...cpu.slice(1)), 2),
    finishMs: round(r.finishMs, 2), backgroundWallMs: Math.round(backgroundMs), wholeCompactMs: Math.round(wholeMs),
    sameSize: a.size === b.size,
  },
}));
a.dispose();
b.dispose();
