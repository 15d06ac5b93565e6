// bench/threads/million.js — the million with SQ8 through the public API:
// 1,000,000 × 128 of the project's seeded mixture (seed 3, the rows and the
// 200 held-out queries bench:quant's million uses: tests/lib/dataset.js is
// bit-identical to the C generator), M 16, efConstruction 100, SQ8, inserted
// 10,000 rows per insertBatch as an app streaming its data would, on the
// module the loader picks (in Node: the one with threads) with `--threads T`
// (default: all the module has). Prints the build's wall and process CPU
// time, the core's bytes, the wasm memory and the process's resident memory
// (index empty, built, peak), then for each ef the QPS of a search loop and
// of searchBatch with recall@10 against brute force in float64 over the f32
// rows.
//
//   node --no-liftoff --expose-gc bench/threads/million.js [--n N] [--threads T]
//
// Results are copied into bench/results/sq8.md by hand.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { EdgeVec } from '../../js/index.js';
import { loadWasm } from '../../js/loader.js';
import { Mixture } from '../../tests/lib/dataset.js';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean)
  .map((a) => a.trim().split(/\s+/)).map(([k, v]) => [k, Number(v)]));
const N = args.n ?? 1_000_000;
const Q = 200, DIM = 128, K = 10, CHUNK = 10_000, SEED = 3;
const EFS = [64, 128, 200, 400, 600, 800, 1000, 1200];
const log = (...a) => console.error(...a);

// Resident memory: VmHWM, the most the process ever held, and VmRSS, what it
// holds now (Linux; Node and its heap included).
function residentMiB(field = 'VmHWM') {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line ? (Number(line.split(/\s+/)[1]) / 1024).toFixed(1) : 'unknown';
}

const db = await EdgeVec.create({
  dimensions: DIM, m: 16, efConstruction: 100, quantization: 'sq8', seed: 7, idType: 'number',
  ...(args.threads ? { threads: args.threads } : {}),
});
const wasm = await loadWasm();
const mix = new Mixture(SEED, DIM);
const rssEmpty = residentMiB('VmRSS'); // the module loaded, the index empty
const cpu0 = process.cpuUsage();
let genMs = 0;
const t0 = performance.now();
for (let done = 0; done < N; done += CHUNK) {
  const g = performance.now();
  const rows = mix.rows(Math.min(CHUNK, N - done));
  genMs += performance.now() - g;
  const ids = new Array(rows.length / DIM);
  for (let i = 0; i < ids.length; i++) ids[i] = done + i;
  await db.insertBatch(rows, { ids });
  if ((done / CHUNK) % 10 === 9) log(`${done + CHUNK} rows, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const buildS = (performance.now() - t0 - genMs) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
globalThis.gc?.();
const rssBuilt = residentMiB('VmRSS');
const queries = mix.rows(Q);

// Brute force: regenerate the rows chunk by chunk.
log('brute force');
const truth = Array.from({ length: Q }, () => ({ d: new Float64Array(K).fill(Infinity), id: new Int32Array(K).fill(-1) }));
const again = new Mixture(SEED, DIM);
for (let done = 0; done < N; done += CHUNK) {
  const rows = again.rows(Math.min(CHUNK, N - done));
  const n = rows.length / DIM;
  for (let q = 0; q < Q; q++) {
    const t = truth[q], qo = q * DIM;
    for (let i = 0; i < n; i++) {
      let d = 0;
      const o = i * DIM;
      for (let j = 0; j < DIM; j++) { const x = queries[qo + j] - rows[o + j]; d += x * x; }
      if (d < t.d[K - 1]) {
        let p = K - 1;
        while (p > 0 && t.d[p - 1] > d) { t.d[p] = t.d[p - 1]; t.id[p] = t.id[p - 1]; p--; }
        t.d[p] = d; t.id[p] = done + i;
      }
    }
  }
}
const truthSets = truth.map((t) => new Set(t.id));
const recallOf = (results) => {
  let hits = 0;
  results.forEach((r, q) => { for (const h of r) if (truthSets[q].has(/** @type {number} */ (h.id))) hits++; });
  return hits / (Q * K);
};

const out = [];
out.push(`${N} x ${DIM} sq8, M 16, efConstruction 100, ${db.threads} thread(s) of ${availableParallelism()} cores`);
out.push(`build: ${buildS.toFixed(1)} s wall (data generation excluded), ${cpuS.toFixed(1)} s process CPU;` +
  ` core ${(db.memoryBytes / 1e6).toFixed(1)} MB (${(db.memoryBytes / N).toFixed(1)} B/vector),` +
  ` wasm memory ${(wasm.HEAPU8.buffer.byteLength / 1e6).toFixed(1)} MB;` +
  ` process resident: ${rssEmpty} MiB with the index empty, ${rssBuilt} MiB built, peak ${residentMiB()} MiB`);
out.push('| ef | search loop QPS | searchBatch QPS | recall@10 |');
out.push('|---:|---:|---:|---:|');
for (const ef of EFS) {
  let t = performance.now();
  const loop = [];
  for (let q = 0; q < Q; q++) loop.push(db.search(queries.subarray(q * DIM, (q + 1) * DIM), K, { ef }));
  const loopQps = Q / ((performance.now() - t) / 1000);
  t = performance.now();
  const batch = db.searchBatch(queries, K, { ef });
  const batchQps = Q / ((performance.now() - t) / 1000);
  const recall = recallOf(batch), loopRecall = recallOf(loop);
  out.push(`| ${ef} | ${loopQps.toFixed(0)} | ${batchQps.toFixed(0)} | ${recall.toFixed(4)} |`);
  if (loopRecall !== recall) out.push(`(ef ${ef}: the loop's recall ${loopRecall} differs)`);
}
console.log(out.join('\n'));
process.exit(0);
