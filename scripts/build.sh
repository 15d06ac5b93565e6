#!/usr/bin/env bash
# Builds both targets: build/native (clang; tests and fuzzers) and
# build/wasm (Emscripten; dist/edgevec.{js,wasm}, the module with threads in
# dist/mt/, the lite module, and the C tests for Node).
# `bash scripts/build.sh bench` also builds the benchmark programs
# (build/native/edgevec_bench, edgevec_bench_filter, build/wasm/
# edgevec_bench.js), which `npm test` does not need and so does not build.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
native_targets=(all)
wasm_targets=(all)
if [ "${1:-}" = bench ]; then
  native_targets+=(edgevec_bench edgevec_bench_filter)
  wasm_targets+=(edgevec_bench)
fi

if [ ! -f build/native/CMakeCache.txt ]; then
  CC=clang cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build/native -j"$jobs" --target "${native_targets[@]}"

if [ ! -f build/wasm/CMakeCache.txt ]; then
  cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE=/usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake \
    -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
fi
NODE_PATH=/usr/share/nodejs cmake --build build/wasm -j"$jobs" --target "${wasm_targets[@]}"
