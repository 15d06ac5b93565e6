// bench/filter/run.js — `npm run bench:filter`: filtered search on 100k x 128
// (the seeded mixture of tests/lib/dataset.js, data set A's seed) against an
// exact filtered brute force, at selectivities 50 / 10 / 1 / 0.1 %, with a
// label drawn independently of the vectors ("uncorrelated") and one that
// follows the clusters ("correlated"), k = 10. For each cell, recall@10 and
// QPS of:
//   - edgevec-c filtered search (the core's planner) at its default ef and
//     at a lower and a higher ef;
//   - the same filtered queries as one searchBatch (the filter planned once
//     for the batch), on one thread and on all the module's threads;
//   - edgevec-c unfiltered search (the same queries, no filter: the speed a
//     filter is compared with);
//   - post-filter: an unfiltered search for k' = 20 / selectivity results,
//     then the first 10 that match;
//   - the exact scan of the matching set (evw_search_exact_filtered);
//   - hnswlib-wasm 0.8.2 with its filter callback, at several ef;
//   - hnswlib-wasm unfiltered at the same efs: with edgevec-c's unfiltered
//     row, how far apart the two libraries are before any filter, in the
//     same round (the summary's last column).
// Writes bench/results/filter.md (and a JSON record beside it).
//
// The edgevec-c index is driven through js/wasm/ (the marshalling EdgeVec's
// search calls, minus its argument checks), because the exact scan has no
// public method; it is built as EdgeVec.insertBatch builds (index.js, the
// graph order applied when due); filters are compiled once per cell, as the string cache of
// EdgeVec.search does for a repeated filter string.
//
// Knobs: BENCH_FILTER_N (default 100000), BENCH_FILTER_Q (queries, default
// 200), BENCH_FILTER_ROUNDS (default 3; QPS is the median of the rounds,
// every method once per round, interleaved), BENCH_FILTER_HNSWLIB=0 skips
// hnswlib-wasm.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import { Mixture, SplitMix64 } from '../../tests/lib/dataset.js';
import { median } from '../lib/stats.js';
import { loadWasm } from '../../js/loader.js';
import * as api from '../../js/wasm/api.js';
import * as meta from '../../js/wasm/metadata.js';
import { compileFilter } from '../../js/filter/index.js';
import { EVW_SEARCH_STRATEGY, EVW_SEARCH_ESTIMATE } from '../../js/wasm/abi.js';
import { outArray } from '../../js/wasm/memory.js';
import { moduleThreads } from '../../js/wasm/threads.js';
import { LABEL_SEED, uniformLabels, buildIndex } from './index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(HERE, '..', 'results');

const N = Number(process.env.BENCH_FILTER_N ?? 100000);
const Q = Number(process.env.BENCH_FILTER_Q ?? 200);
const ROUNDS = Number(process.env.BENCH_FILTER_ROUNDS ?? 3);
const WITH_HNSWLIB = process.env.BENCH_FILTER_HNSWLIB !== '0';
const DIM = 128, K = 10, SEED = 1, CLUSTERS = 64, M = 16, EFC = 200;
const SELECTIVITIES = [0.5, 0.1, 0.01, 0.001];
const EDGEVEC_EFS = [0, 32, 128]; // 0: the index's default efSearch
const HNSWLIB_EFS = [10, 20, 40, 80, 160, 320, 640, 1280];

const log = (/** @type {string} */ m) => console.error(`[bench:filter] ${m}`);
const LOAD_AT_START = os.loadavg()[0];

// ---- data -----------------------------------------------------------------

log(`generating ${N} x ${DIM} (+${Q} queries)`);
const mix = new Mixture(SEED, DIM, CLUSTERS);
const base = mix.rows(N);
const queries = mix.rows(Q);

/**
 * Labels in 0..999. `u`: uniform, independent of the vectors. `c`: follows
 * the clusters: vectors sorted by their nearest center, then by a fixed
 * direction within the cluster, numbered in that order and scaled to
 * 0..999 — so `c < t` is whole clusters at 50% and one spatially compact
 * piece of a cluster at 1% and 0.1%.
 */
function labels() {
  const rng = new SplitMix64(LABEL_SEED);
  const u = uniformLabels(rng, N);
  const dir = new Float64Array(DIM);
  for (let d = 0; d < DIM; d++) dir[d] = rng.gauss();
  const cluster = new Uint16Array(N);
  const along = new Float64Array(N);
  const centers = mix.centers;
  for (let i = 0; i < N; i++) {
    let best = 0, bestD = Infinity, proj = 0;
    for (let c = 0; c < CLUSTERS; c++) {
      let s = 0;
      for (let d = 0; d < DIM; d++) { const x = base[i * DIM + d] - centers[c * DIM + d]; s += x * x; }
      if (s < bestD) { bestD = s; best = c; }
    }
    for (let d = 0; d < DIM; d++) proj += base[i * DIM + d] * dir[d];
    cluster[i] = best;
    along[i] = proj;
  }
  const order = Array.from({ length: N }, (_, i) => i)
    .sort((a, b) => cluster[a] - cluster[b] || along[a] - along[b] || a - b);
  const c = new Uint16Array(N);
  order.forEach((row, rank) => { c[row] = Math.floor((rank * 1000) / N); });
  return { u, c };
}
log('labelling');
const { u, c } = labels();

/** The cells: a field, a threshold and the mask of matching rows. */
const cells = [];
for (const [kind, field, values] of /** @type {const} */ ([['uncorrelated', 'u', u], ['correlated', 'c', c]])) {
  for (const s of SELECTIVITIES) {
    const t = Math.round(s * 1000);
    const mask = new Uint8Array(N);
    let matches = 0;
    for (let i = 0; i < N; i++) if (values[i] < t) { mask[i] = 1; matches++; }
    cells.push({ kind, selectivity: s, filter: { [field]: { lt: t } }, filterText: `${field} < ${t}`, mask, matches });
  }
}

// ---- ground truth: the exact filtered top 10 ------------------------------

log('exact filtered top 10 (brute force in double precision)');
const truth = cells.map(() => new Int32Array(Q * K).fill(-1));
const unfilteredTruth = new Int32Array(Q * K);
{
  const dist = new Float64Array(N);
  for (let qi = 0; qi < Q; qi++) {
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let d = 0; d < DIM; d++) { const x = base[i * DIM + d] - queries[qi * DIM + d]; s += x * x; }
      dist[i] = s;
    }
    const top = (/** @type {Uint8Array | null} */ mask, /** @type {Int32Array} */ out) => {
      const ids = [], ds = [];
      for (let i = 0; i < N; i++) {
        if (mask && !mask[i]) continue;
        const d = dist[i];
        if (ids.length === K && d >= ds[K - 1]) continue;
        let j = ids.length < K ? ids.length : K - 1;
        while (j > 0 && ds[j - 1] > d) { ds[j] = ds[j - 1]; ids[j] = ids[j - 1]; j--; }
        ds[j] = d; ids[j] = i;
      }
      for (let j = 0; j < ids.length; j++) out[qi * K + j] = ids[j];
    };
    top(null, unfilteredTruth);
    cells.forEach((cell, ci) => top(cell.mask, truth[ci]));
  }
}

/**
 * recall@10 of result id lists against a truth table (over the truth's
 * entries: a cell with fewer than 10 matches counts what exists).
 * @param {number[][]} got
 * @param {Int32Array} want
 */
function recall(got, want) {
  let hit = 0, total = 0;
  for (let qi = 0; qi < Q; qi++) {
    const w = new Set();
    for (let j = 0; j < K; j++) if (want[qi * K + j] >= 0) w.add(want[qi * K + j]);
    total += w.size;
    for (const id of got[qi]) if (w.has(id)) hit++;
  }
  return total ? hit / total : 1;
}

// ---- edgevec-c ------------------------------------------------------------

log('edgevec-c: build');
const wasm = await loadWasm();
const records = Array.from({ length: N }, (_, i) => ({ u: u[i], c: c[i] }));
const buildStart = performance.now();
const handle = buildIndex(wasm, base, N, { dimensions: DIM, m: M, efConstruction: EFC, seed: SEED }, records);
const buildMs = performance.now() - buildStart;
log(`edgevec-c: built in ${(buildMs / 1000).toFixed(1)} s`);

const qrows = Array.from({ length: Q }, (_, qi) => queries.subarray(qi * DIM, (qi + 1) * DIM));
// searchBatch's threads: one, and all the module has (the module with
// threads is Node's default).
const BATCH_THREADS = moduleThreads(wasm) > 1 ? [1, moduleThreads(wasm)] : [1];

/** The strategy the core's planner chose for a cell's filter (from the last search). */
function lastStrategy() {
  const o = outArray(wasm, 'bench') >>> 2;
  return { strategy: wasm.HEAPU32[o + EVW_SEARCH_STRATEGY], estimate: wasm.HEAPU32[o + EVW_SEARCH_ESTIMATE] };
}

// ---- hnswlib-wasm -----------------------------------------------------------

let hnsw = null;
let hnswBuildMs = 0;
if (WITH_HNSWLIB) {
  log('hnswlib-wasm: build');
  const adapter = (await import('../peers/hnswlib-wasm.js')).default;
  await adapter.init();
  const t0 = performance.now();
  hnsw = adapter.create({ dim: DIM, capacity: N, m: M, efConstruction: EFC, seed: SEED });
  for (let s = 0; s < N; s += 10000) adapter.insertBatch(hnsw, base.subarray(s * DIM, Math.min(N, s + 10000) * DIM), s);
  hnswBuildMs = performance.now() - t0;
  log(`hnswlib-wasm: built in ${(hnswBuildMs / 1000).toFixed(1)} s`);
}

// ---- the methods, per cell ------------------------------------------------

/**
 * Each method: a name, its ef, and run(cell) returning the result ids per
 * query. The runner times run() over all queries.
 */
function methods(cell) {
  const program = compileFilter(cell.filter);
  const list = [];
  for (const ef of EDGEVEC_EFS) {
    list.push({
      name: 'edgevec-c filtered', ef: ef || 'default',
      run: () => qrows.map((q) => meta.searchFiltered(wasm, handle, q, DIM, K, ef, program, false, true).map((h) => h.id)),
    });
  }
  // The same queries as one searchBatch: the filter planned once for the
  // batch, on one thread and on every thread of the module.
  for (const threads of BATCH_THREADS) {
    list.push({
      name: `edgevec-c filtered searchBatch, ${threads} thread${threads > 1 ? 's' : ''}`, ef: 'default', batchThreads: threads,
      run: () => {
        wasm._evw_set_threads(handle, threads);
        try {
          return meta.searchFilteredBatch(wasm, handle, queries, Q, DIM, K, 0, program, true)
            .map((hits) => hits.map((h) => h.id));
        } finally {
          wasm._evw_set_threads(handle, 1);
        }
      },
    });
  }
  list.push({
    name: 'edgevec-c unfiltered', ef: 'default', unfiltered: true,
    run: () => qrows.map((q) => api.search(wasm, handle, q, DIM, K, 0, true).map((h) => h.id)),
  });
  const kPost = Math.min(N, Math.ceil((2 * K) / cell.selectivity), 65535);
  list.push({
    name: `post-filter (k' = ${kPost})`, ef: kPost,
    run: () => qrows.map((q) => api.search(wasm, handle, q, DIM, kPost, 0, true)
      .map((h) => /** @type {number} */ (h.id)).filter((id) => cell.mask[id]).slice(0, K)),
  });
  list.push({
    name: 'exact scan of the matches', ef: '–',
    run: () => qrows.map((q) => meta.searchFiltered(wasm, handle, q, DIM, K, 0, program, true, true).map((h) => h.id)),
  });
  if (hnsw) {
    const mask = cell.mask;
    const accept = (/** @type {number} */ label) => mask[label] === 1;
    for (const ef of HNSWLIB_EFS) {
      list.push({
        name: 'hnswlib-wasm filter callback', ef, hnswlib: true,
        run: () => {
          hnsw.index.setEfSearch(ef);
          return qrows.map((q) => {
            try {
              return hnsw.index.searchKnn(q, K, accept).neighbors;
            } catch {
              return []; // it throws when it finds fewer than k
            }
          });
        },
      });
    }
    for (const ef of HNSWLIB_EFS) {
      list.push({
        name: 'hnswlib-wasm unfiltered', ef, hnswlib: true, unfiltered: true,
        run: () => {
          hnsw.index.setEfSearch(ef);
          return qrows.map((q) => hnsw.index.searchKnn(q, K, undefined).neighbors);
        },
      });
    }
  }
  return list;
}

const rows = [];
for (const [ci, cell] of cells.entries()) {
  const ms = methods(cell);
  const times = ms.map(() => /** @type {number[]} */ ([]));
  const first = /** @type {number[][][]} */ (new Array(ms.length));
  for (let round = 0; round < ROUNDS; round++) {
    ms.forEach((m, mi) => {
      const t0 = performance.now();
      const got = m.run();
      times[mi].push(performance.now() - t0);
      if (round === 0) first[mi] = got;
    });
  }
  // The planner's choice for this cell: one more search, then read its words.
  meta.searchFiltered(wasm, handle, qrows[0], DIM, K, 0, compileFilter(cell.filter), false, true);
  const plan = lastStrategy();
  ms.forEach((m, mi) => {
    const got = first[mi];
    const want = m.unfiltered ? unfilteredTruth : truth[ci];
    const fewest = Math.min(...got.map((g) => g.length));
    rows.push({
      kind: cell.kind, selectivity: cell.selectivity, filter: cell.filterText, matches: cell.matches,
      method: m.name, ef: m.ef, hnswlib: !!m.hnswlib, unfiltered: !!m.unfiltered, batchThreads: m.batchThreads ?? 0,
      recall: recall(got, want), qps: Q / (median(times[mi]) / 1000), fewest,
      strategy: plan.strategy, estimate: plan.estimate,
    });
  });
  const own = rows.filter((r) => r.kind === cell.kind && r.selectivity === cell.selectivity && r.method === 'edgevec-c filtered' && r.ef === 'default')[0];
  log(`${cell.kind} ${cell.selectivity * 100}%: edgevec-c recall ${own.recall.toFixed(3)}, ${own.qps.toFixed(0)} QPS`);
}

// ---- report -----------------------------------------------------------------

const pct = (/** @type {number} */ s) => `${+(s * 100).toFixed(1)}%`;
const lines = [];
lines.push('# Filtered search against peers');
lines.push('');
lines.push(`Produced by \`npm run bench:filter\` (bench/filter/run.js) on ${new Date().toISOString().slice(0, 10)}, ` +
  `Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), under \`nice -n 10\` on a shared machine. ` +
  `${N.toLocaleString('en')} x ${DIM} seeded mixture (${CLUSTERS} clusters, data set A's seed), ${Q} held-out queries, k = ${K}, ` +
  `M ${M}, efConstruction ${EFC} for both libraries. QPS: the median of ${ROUNDS} rounds (every method once per round, ` +
  'interleaved), single-threaded except the searchBatch rows on several threads; compare rows of this run, not absolute numbers across runs. Recall@10 is against ' +
  'the exact filtered top 10 (brute force in double precision over the matching rows); "fewest" is the smallest ' +
  'number of results any query got.');
if (N !== 100000) {
  lines.push('');
  lines.push(`**Reduced run:** n = ${N.toLocaleString('en')} instead of 100,000 (BENCH_FILTER_N), because the shared ` +
    `machine was too loaded for the whole grid (load average ${LOAD_AT_START.toFixed(1)} on ${os.cpus().length} cores ` +
    'at the start). Rerun `npm run bench:filter` on a quiet machine for the 100k figures.');
}
lines.push('');
lines.push(`Build: edgevec-c ${(buildMs / 1000).toFixed(1)} s` + (hnsw ? `, hnswlib-wasm ${(hnswBuildMs / 1000).toFixed(1)} s.` : '.'));
lines.push('');
lines.push('Labels: `u` is uniform in 0..999, drawn independently of the vectors; `c` numbers the vectors in order of ' +
  'their nearest cluster center, then along a fixed direction inside the cluster, scaled to 0..999, so `c < t` ' +
  'selects whole clusters (50%, 10%) or one compact piece of a cluster (1%, 0.1%): the matching vectors are mostly ' +
  'far from a query drawn from the whole distribution.');
lines.push('');
lines.push('## Summary: default settings, and hnswlib-wasm at equal recall');
lines.push('');
lines.push('| labels | selectivity | matches | edgevec-c recall | edgevec-c QPS | exact scan QPS | post-filter recall / QPS | unfiltered QPS | hnswlib-wasm: fastest ef reaching that recall | its QPS | edgevec-c / hnswlib-wasm | unfiltered, the same ratio |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const cell of cells) {
  const of = rows.filter((r) => r.kind === cell.kind && r.selectivity === cell.selectivity);
  const own = of.find((r) => r.method === 'edgevec-c filtered' && r.ef === 'default');
  const exact = of.find((r) => r.method.startsWith('exact'));
  const post = of.find((r) => r.method.startsWith('post-filter'));
  const unf = of.find((r) => r.unfiltered && !r.hnswlib);
  const peer = of.filter((r) => r.hnswlib && !r.unfiltered && r.recall >= own.recall - 1e-9).sort((a, b) => b.qps - a.qps)[0];
  // Both libraries unfiltered, hnswlib-wasm at its fastest ef reaching
  // edgevec-c's unfiltered recall.
  const peerUnf = of.filter((r) => r.hnswlib && r.unfiltered && r.recall >= unf.recall - 1e-9).sort((a, b) => b.qps - a.qps)[0];
  const unfRatio = peerUnf ? `${(unf.qps / peerUnf.qps).toFixed(1)}x (ef ${peerUnf.ef})` : (hnsw ? 'not reached' : 'not run');
  lines.push(`| ${cell.kind} | ${pct(cell.selectivity)} | ${cell.matches.toLocaleString('en')} | ${own.recall.toFixed(3)} | ` +
    `${own.qps.toFixed(0)} | ${exact.qps.toFixed(0)} | ${post.recall.toFixed(3)} / ${post.qps.toFixed(0)} | ${unf.qps.toFixed(0)} | ` +
    (peer ? `${peer.ef} | ${peer.qps.toFixed(0)} | ${(own.qps / peer.qps).toFixed(1)}x |` : (hnsw ? 'not reached | – | – |' : 'not run | – | – |')) +
    ` ${unfRatio} |`);
}
lines.push('');
lines.push('The last column: edgevec-c\'s unfiltered QPS over hnswlib-wasm\'s, unfiltered too, at its fastest ef reaching ' +
  'edgevec-c\'s unfiltered recall, measured in the same rounds as the cell: how far apart the two libraries are ' +
  'before any filter.');
lines.push('');
lines.push('## Batches: the same queries as one searchBatch');
lines.push('');
lines.push('edgevec-c\'s filtered search at default settings, the queries one by one (the summary\'s figure) and as one ' +
  '`searchBatch`, which plans the filter once for the whole batch and shares the queries among the module\'s threads. ' +
  'QPS over the same queries in the same rounds; the recall of every form is listed, for each returns what search returns.');
lines.push('');
lines.push(`| labels | selectivity | one by one: recall / QPS | ${BATCH_THREADS.map((t) => `searchBatch, ${t} thread${t > 1 ? 's' : ''}: recall / QPS`).join(' | ')} |`);
lines.push(`|---|---:|---:|${BATCH_THREADS.map(() => '---:').join('|')}|`);
for (const cell of cells) {
  const of = rows.filter((r) => r.kind === cell.kind && r.selectivity === cell.selectivity);
  const own = of.find((r) => r.method === 'edgevec-c filtered' && r.ef === 'default');
  const batches = BATCH_THREADS.map((t) => of.find((r) => r.batchThreads === t));
  lines.push(`| ${cell.kind} | ${pct(cell.selectivity)} | ${own.recall.toFixed(3)} / ${own.qps.toFixed(0)} | ` +
    batches.map((b) => `${b.recall.toFixed(3)} / ${b.qps.toFixed(0)}`).join(' | ') + ' |');
}
lines.push('');
lines.push('## Every method in every cell');
lines.push('');
lines.push('| labels | selectivity | method | ef | recall@10 | QPS | fewest |');
lines.push('|---|---:|---|---:|---:|---:|---:|');
for (const r of rows) {
  lines.push(`| ${r.kind} | ${pct(r.selectivity)} | ${r.method} | ${r.ef} | ${r.recall.toFixed(3)} | ${r.qps.toFixed(0)} | ${r.fewest} |`);
}
lines.push('');
lines.push('Planner choice per cell (out[EVW_SEARCH_STRATEGY] / estimated matches of the last search): ' +
  cells.map((cell) => {
    const r = rows.find((x) => x.kind === cell.kind && x.selectivity === cell.selectivity);
    return `${cell.kind} ${pct(cell.selectivity)}: ${r.strategy} / ${r.estimate}`;
  }).join('; ') + '.');
lines.push('');
const text = lines.join('\n');
fs.mkdirSync(RESULTS, { recursive: true });
fs.writeFileSync(path.join(RESULTS, 'filter.md'), text);
fs.writeFileSync(path.join(RESULTS, `filter-${new Date().toISOString().slice(0, 10)}.json`),
  JSON.stringify({ n: N, q: Q, rounds: ROUNDS, buildMs, hnswBuildMs, rows }, null, 1));
console.log(text);
