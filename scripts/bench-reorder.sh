#!/usr/bin/env bash
# Storage-order A/B (bench/native/bench_reorder.c; results in
# bench/results/reorder.md): builds the benchmark natively (clang -O3, as
# build/native's core) and to wasm (emcc -O3 -msimd128, as dist/'s
# module, run in Node), then runs every data set on both targets, all at
# once under nice (each process compares the orders within itself,
# interleaved round by round, so they need not run alone).
# Usage: bash scripts/bench-reorder.sh [n=100000] [queries=1000] [rounds=3];
# 384 dimensions use 2n/3 vectors, 768 use n/3. Output:
# build/bench-reorder/*.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
queries=${2:-1000}
rounds=${3:-3}
out=build/bench-reorder
mkdir -p "$out"
sources=(src/*.c tests/c/dataset.c bench/native/bench_util.c bench/native/bench_reorder.c)

clang -std=c11 -O3 -Isrc -Itests/c "${sources[@]}" -lm -o "$out/bench_reorder"
echo '{"type": "commonjs"}' > "$out/package.json"
NODE_PATH=/usr/share/nodejs emcc -std=c11 -O3 -msimd128 -mbulk-memory -Isrc -Itests/c \
  "${sources[@]}" -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4294967296 \
  -sTOTAL_STACK=1048576 -sENVIRONMENT=node -sEXIT_RUNTIME=1 -sSINGLE_FILE=1 \
  -o "$out/bench_reorder.js"

run() { # data n dim
  nice -n 10 "$out/bench_reorder" "$1" "$2" "$3" "$queries" "$rounds" > "$out/native-$1-$3.txt" 2>&1 &
  nice -n 10 node "$out/bench_reorder.js" "$1" "$2" "$3" "$queries" "$rounds" > "$out/wasm-$1-$3.txt" 2>&1 &
}
run mixture "$n" 128
run reallike "$n" 100
run reallike $((2 * n / 3)) 384
run reallike $((n / 3)) 768
wait
cat "$out"/native-*.txt "$out"/wasm-*.txt
