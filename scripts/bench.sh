#!/usr/bin/env bash
# `npm run bench`: the core benchmark, native and wasm (in Node), on the same
# seeded 100k x 128 clustered data, one after the other in one run. Writes
# bench/results/core-<date>.json and bench/results/core.md (the table the
# README quotes). Arguments pass through: n dim queries seed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh bench >/dev/null

if [ $# -gt 0 ]; then args=("$@"); else args=(100000 128 1000 1); fi
mkdir -p bench/results
day=$(date -u +%Y-%m-%d)
native_out=$(build/native/edgevec_bench "${args[@]}")
echo "$native_out" | grep -v '^JSON '
wasm_out=$(node build/wasm/edgevec_bench.js "${args[@]}")
echo "$wasm_out" | grep -v '^JSON '

node - "$day" <<JS
const fs = require('fs');
const [day] = process.argv.slice(2);
const runs = [${native_out##*JSON }, ${wasm_out##*JSON }];
const machine = { cpus: require('os').cpus().length, cpu: require('os').cpus()[0].model, node: process.version };
fs.writeFileSync('bench/results/core-' + day + '.json', JSON.stringify({ date: day, machine, runs }, null, 2) + '\n');
let md = '# Core benchmark (' + day + ')\n\n';
md += 'Produced by \`npm run bench\` (bench/native/bench_core.c, native and wasm in Node ' + machine.node + ', ' + machine.cpus + ' cores: ' + machine.cpu + '). ';
md += 'Seeded Gaussian mixture (tests/c/dataset.h), k = 10, recall@10 against the brute-force top-10 over the f32 rows. The native build uses the scalar kernels (the reference), the wasm build the simd128 ones. One run each, side by side; the machine is shared, so compare rows of one run, not absolute times across runs.\n\n';
for (const r of runs) {
  md += '## ' + r.target + ': ' + r.n + ' x ' + r.dim + ', M ' + r.m + ', efConstruction ' + r.efConstruction + '\n\n';
  md += 'Build ' + (r.buildMs / 1000).toFixed(1) + ' s (' + r.insertPerSec + ' vectors/s), ' + r.bytesPerVector + ' bytes/vector.\n\n';
  md += '| ef | QPS | P50 µs | P99 µs | recall@10 |\n|---:|---:|---:|---:|---:|\n';
  for (const s of r.sweep) md += '| ' + s.ef + ' | ' + s.qps + ' | ' + s.p50Us + ' | ' + s.p99Us + ' | ' + s.recall.toFixed(4) + ' |\n';
  md += '\n';
}
fs.writeFileSync('bench/results/core.md', md);
console.log('wrote bench/results/core-' + day + '.json and bench/results/core.md');
JS
