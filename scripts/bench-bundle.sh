#!/usr/bin/env bash
# `npm run bench:bundle`: the bytes of EdgeVec an app ships after a
# production build with Vite, webpack and esbuild (bench/bundle/run.js),
# plus scratch builds of the .wasm at other settings for comparison
# (bench/bundle/wasm-size.sh, a few minutes; BENCH_WASM_VARIANTS=0 skips
# them and reuses the last results if there are any).
# Writes bench/results/bundle.md and bench/results/bundle-<date>.json.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
bash scripts/build.sh
if [ "${BENCH_WASM_VARIANTS:-1}" != 0 ]; then
  bash bench/bundle/wasm-size.sh
fi
node bench/bundle/run.js
