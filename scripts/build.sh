#!/usr/bin/env bash
# Builds both targets: build/native (clang; tests, benchmark, fuzzers) and
# build/wasm (Emscripten; dist/edgevec.{js,wasm}, the module with threads in
# dist/mt/, and the C tests for Node).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

if [ ! -f build/native/CMakeCache.txt ]; then
  CC=clang cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build/native -j"$jobs"

if [ ! -f build/wasm/CMakeCache.txt ]; then
  cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE=/usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake \
    -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
fi
NODE_PATH=/usr/share/nodejs cmake --build build/wasm -j"$jobs"
