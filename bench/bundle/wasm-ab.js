// bench/bundle/wasm-ab.js — the speed and memory side of a .wasm variant
// that bench/bundle/wasm-size.sh measured for size: the shipped build (A)
// against a variant (B), both run through the JS layer in one Node process,
// rounds interleaved A B, B A, … so that the load of a shared machine at a
// given moment weighs on both alike. Times are the process's CPU time
// (user + system) of each step, which a busy machine distorts less than
// wall time; medians and per-round B/A ratios are printed.
//
//   node --no-liftoff bench/bundle/wasm-ab.js [b.wasm] [rounds=7] [n=20000]
//
// b.wasm defaults to bench/.cache/wasm-variants/o3-emmalloc.wasm (kept by
// wasm-size.sh). The variant must come with the same glue as dist/edgevec.js
// (the JS layer loads both .wasm files through it), which is checked.
//
// Steps, on n × 128 seeded vectors (tests/lib/dataset.js): insertBatch of
// all n; 1,000 searches k 10 through the JS API; n single insert() calls
// into a new index; then, in a fresh instance of each, the wasm memory
// after n inserts in batches of 1,000 and after n single inserts (wasm
// memory never shrinks, so this is what the page keeps).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EdgeVec } from '../../js/index.js';
import { loadWasm } from '../../js/loader.js';
import { generate } from '../../tests/lib/dataset.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const A = path.join(ROOT, 'dist', 'edgevec.wasm');
const B = path.resolve(process.argv[2] ?? path.join(ROOT, 'bench', '.cache', 'wasm-variants', 'o3-emmalloc.wasm'));
const ROUNDS = Number(process.argv[3] ?? 7);
const N = Number(process.argv[4] ?? 20000);
const DIM = 128;
const Q = 1000;
const K = 10;

const glue = B.replace(/\.wasm$/, '.js');
if (!fs.existsSync(B)) throw new Error(`${B} is missing: run bash bench/bundle/wasm-size.sh`);
if (!fs.existsSync(glue) || !fs.readFileSync(glue).equals(fs.readFileSync(path.join(ROOT, 'dist', 'edgevec.js')))) {
  throw new Error(`${glue} is not dist/edgevec.js: the JS layer cannot load this variant through the shipped glue`);
}
const { base, queries } = generate({ seed: 1, n: N, q: Q, dim: DIM });
const bins = { A: new Uint8Array(fs.readFileSync(A)), B: new Uint8Array(fs.readFileSync(B)) };
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const rows = (from, to) => base.subarray(from * DIM, to * DIM);

async function speed(v) {
  const wasmBinary = bins[v];
  const r = {};
  let c = cpuMs();
  const db = await EdgeVec.create({ dimensions: DIM, seed: 1, wasmBinary });
  await db.insertBatch(base);
  r.insertBatch = cpuMs() - c;
  c = cpuMs();
  for (let q = 0; q < Q; q++) db.search(queries.subarray(q * DIM, (q + 1) * DIM), K);
  r.search1000 = cpuMs() - c;
  db.dispose();
  const one = await EdgeVec.create({ dimensions: DIM, seed: 1, wasmBinary });
  c = cpuMs();
  for (let i = 0; i < N; i++) one.insert(rows(i, i + 1));
  r.insertOneByOne = cpuMs() - c;
  one.dispose();
  return r;
}

/** Wasm memory (MB) after n inserts in batches of `batch`, in a fresh instance. */
async function memory(v, batch) {
  const wasmBinary = bins[v].slice(); // a copy is a new cache key: a fresh instance
  const w = await loadWasm({ wasmBinary });
  const db = await EdgeVec.create({ dimensions: DIM, seed: 1, wasmBinary });
  if (batch === 1) for (let i = 0; i < N; i++) db.insert(rows(i, i + 1));
  else for (let i = 0; i < N; i += batch) await db.insertBatch(rows(i, Math.min(N, i + batch)));
  const mb = w.HEAPU8.length / 1048576;
  db.dispose();
  return +mb.toFixed(1);
}

await speed('A');
await speed('B');
const res = { A: [], B: [] };
for (let i = 0; i < ROUNDS; i++) {
  for (const v of i % 2 ? ['B', 'A'] : ['A', 'B']) res[v].push(await speed(v));
}
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const out = {
  a: path.relative(ROOT, A), b: path.relative(ROOT, B), n: N, dim: DIM, rounds: ROUNDS, node: process.version,
  cpuMs: {},
  wasmMemoryMB: {},
};
for (const k of Object.keys(res.A[0])) {
  out.cpuMs[k] = {
    a: +median(res.A.map((r) => r[k])).toFixed(1),
    b: +median(res.B.map((r) => r[k])).toFixed(1),
    bOverA: res.A.map((r, i) => +(res.B[i][k] / r[k]).toFixed(3)),
  };
}
for (const batch of [N, 1000, 1]) {
  out.wasmMemoryMB[batch === 1 ? 'oneByOne' : `batchesOf${batch}`] = { a: await memory('A', batch), b: await memory('B', batch) };
}
console.log(JSON.stringify(out, null, 2));
