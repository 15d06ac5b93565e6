#!/usr/bin/env bash
# bench/bundle/wasm-size.sh — what the .wasm would weigh if it were built
# differently, for bench/results/bundle.md. Scratch builds of a copy of the
# C sources in a temporary directory (the repository's build/ and dist/ are
# not touched), each linked exactly like dist/edgevec.wasm except for:
#   -Oz            compile and link for size instead of -O3
#   emmalloc       Emscripten's small allocator instead of dlmalloc
#   cold -Oz       -Oz only for the files no search or insert runs
#   no-persist     without src/wasm/wasm_persist.c (the snapshot and log
#                  exports), i.e. what a module only for search would hold
# Writes bench/.cache/bundle-wasm-variants.json, which bench/bundle/run.js
# reads, and keeps each variant's edgevec.{wasm,js} as
# bench/.cache/wasm-variants/<name>.{wasm,js}. Speed is not measured here:
# -Oz trades it away, so any change to the shipped build needs
# bench/bundle/wasm-ab.js (speed and memory against the shipped .wasm) and
# `npm run bench` as well.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
out=bench/.cache/bundle-wasm-variants.json
mkdir -p bench/.cache/wasm-variants
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

variant() { # name description sed-expression-for-CMakeLists text-to-append drop-persist
  local name=$1 what=$2 expr=$3 append=$4 drop=$5 dir="$tmp/$1"
  mkdir -p "$dir/tests" "$dir/bench"
  cp -r "$root/CMakeLists.txt" "$root/src" "$dir/"
  cp -r "$root/tests/c" "$dir/tests/"
  cp -r "$root/bench/native" "$dir/bench/"
  if [ -n "$expr" ]; then sed -i "$expr" "$dir/CMakeLists.txt"; fi
  if [ -n "$append" ]; then printf '\n%s\n' "$append" >> "$dir/CMakeLists.txt"; fi
  if [ "$drop" = 1 ]; then rm "$dir/src/wasm/wasm_persist.c"; fi
  local t0=$SECONDS
  cmake -S "$dir" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE=/usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake \
    -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
  NODE_PATH=/usr/share/nodejs cmake --build "$dir/build" --target edgevec_wasm -j"$(nproc)" >/dev/null 2>&1
  echo "wasm-size: $name built in $((SECONDS - t0)) s" >&2
  cp "$dir/build/module/edgevec.wasm" "bench/.cache/wasm-variants/$name.wasm"
  cp "$dir/build/module/edgevec.js" "bench/.cache/wasm-variants/$name.js"
  printf '%s\t%s\t%s\n' "$name" "$what" "$dir/build/module" >> "$tmp/list"
}

OZ='s/set(CMAKE_C_FLAGS_RELEASE "-O3")/set(CMAKE_C_FLAGS_RELEASE "-Oz")/; s/^    -O3 -msimd128 -mbulk-memory$/    -Oz -msimd128 -mbulk-memory/'
EMMALLOC='s/-sFILESYSTEM=0 /-sFILESYSTEM=0 -sMALLOC=emmalloc /'
# The C that no search runs (persistence, compaction, the export shims of
# persistence) for size; the search and insert path stays at -O3.
COLD='set_source_files_properties(src/wal.c src/wal_graph.c src/snapshot.c src/journal.c src/crc32.c src/compact.c src/wasm/wasm_persist.c PROPERTIES COMPILE_OPTIONS -Oz)'
variant o3-emmalloc "-O3, emmalloc instead of dlmalloc" "$EMMALLOC" "" 0
variant o3-emmalloc-cold-oz "-O3 for search and insert, -Oz for the persistence and compaction files, emmalloc" "$EMMALLOC" "$COLD" 0
variant o3-no-persist "-O3 without the persistence exports" "" "" 1
variant oz "-Oz" "$OZ" "" 0
variant oz-no-persist "-Oz without the persistence exports" "$OZ" "" 1

node --input-type=module -e "
import fs from 'node:fs';
import { gz, br } from './bench/bundle/run.js';
const rows = fs.readFileSync('$tmp/list', 'utf8').trim().split('\n').map((l) => {
  const [name, what, dir] = l.split('\t');
  const m = (f) => { const b = fs.readFileSync(dir + '/' + f); return { raw: b.length, gz: gz(b), br: br(b) }; };
  return { name, what, wasm: m('edgevec.wasm'), glue: m('edgevec.js') };
});
fs.writeFileSync('$out', JSON.stringify(rows, null, 2) + '\n');
for (const r of rows) console.log('wasm-size:', r.name.padEnd(14), 'wasm', r.wasm.raw, 'raw', r.wasm.gz, 'gz', r.wasm.br, 'br');
"
