#!/usr/bin/env bash
# `npm run bench:quant`: quantization side by side in the wasm build (Node):
# none / sq8 / sq8 + rerank / binary + rerank on A = 100k x 128 (L2) and
# B = 20k x 768 (cosine), then the million: 1M x 128 with SQ8 (M 16,
# efConstruction 100: the build's cost against recall, see
# bench/results/quant.md), with its whole ef curve. Writes
# bench/results/quant-<date>.json and bench/results/quant.md.
# The rows are generated and inserted 10,000 at a time, never held whole.
# `bash scripts/bench-quant.sh small` runs A and B only (no million) and
# keeps the million of an earlier run of the same day in the results.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh bench >/dev/null
mkdir -p bench/results
day=$(date -u +%Y-%m-%d)
out=$(mktemp)
run() { # n dim queries seed quantization rerank metric [m efConstruction]
  node build/wasm/edgevec_bench.js "$@" | tee >(grep -v "^JSON" >&2) | sed -n 's/^JSON //p' >> "$out"
}
for q in "none 0" "sq8 0" "sq8 40" "binary 100"; do run 100000 128 1000 1 $q l2; done
for q in "none 0" "sq8 0" "sq8 40" "binary 100"; do run 20000 768 200 2 $q cosine; done
if [ "${1:-}" != small ]; then run 1000000 128 200 3 sq8 0 l2 16 100; fi

node bench/quant-report.cjs "$day" "$out"
rm -f "$out"
