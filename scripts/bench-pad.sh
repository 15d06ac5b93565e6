#!/usr/bin/env bash
# The padded-storage comparison (bench/results/pad.md): the kernels and the
# level-0 walk of bench/native/bench_kernels.c, natively and in wasm (Node),
# for several builds of the core side by side, interleaved round by round:
#   base    the core before padded storage (commit $EV_PAD_BASE, default
#           18cdfc1), index part only
#   pad4    vectors padded to 4 floats (the default build), arena in chunks
#   pad16   padded to 16 floats
#   pad4pf  pad4 with the walk's prefetch of 2 cache lines per neighbour
#           (native only: wasm has no prefetch)
# Usage: scripts/bench-pad.sh [dims="100 384 768"] [n=5000]
#        [queries=200] [rounds=2] [reps=5] [efConstruction=64]
# Prints each run's table and writes the medians to build/pad/runs.jsonl,
# summarised by bench/pad-summary.js.
set -euo pipefail
cd "$(dirname "$0")/.."
dims=${1:-"100 384 768"}
n=${2:-5000}
nq=${3:-200}
rounds=${4:-2}
reps=${5:-5}
efc=${6:-64}
base=${EV_PAD_BASE:-18cdfc1}
out=build/pad
mkdir -p "$out/base-src"
echo '{"type": "commonjs"}' > "$out/package.json"
git archive "$base" src | tar -x -C "$out/base-src"

common=(tests/c/dataset.c bench/native/bench_util.c bench/native/bench_kernels.c -Itests/c -lm)
wasm_flags=(-O3 -msimd128 -mbulk-memory -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4294967296
  -sTOTAL_STACK=1048576 -sENVIRONMENT=node -sNODEJS_CATCH_EXIT=0 -sEXIT_RUNTIME=1 -sSINGLE_FILE=1)
build_variant() { # name srcdir flags...
  local name=$1 src=$2
  shift 2
  clang -std=c11 -O3 -I"$src" "$src"/*.c "${common[@]}" "$@" -o "$out/$name" &
  NODE_PATH=/usr/share/nodejs emcc -std=c11 -I"$src" "$src"/*.c "${common[@]}" "$@" \
    "${wasm_flags[@]}" -o "$out/$name.js" &
  wait
}
echo "building the variants into $out"
build_variant base "$out/base-src/src" -DEV_BENCH_INDEX_ONLY
build_variant pad4 src -DEV_PAD_FLOATS=4
build_variant pad16 src -DEV_PAD_FLOATS=16
build_variant pad4pf src -DEV_PAD_FLOATS=4 -DEV_WALK_PREFETCH=2

: > "$out/runs.jsonl"
run() { # target variant dim
  local target=$1 variant=$2 dim=$3 text
  if [ "$target" = native ]; then
    text=$(nice -n 10 "$out/$variant" both "$n" "$dim" "$nq" "$reps" 1 16 "$efc")
  else
    text=$(nice -n 10 node "$out/$variant.js" both "$n" "$dim" "$nq" "$reps" 1 16 "$efc")
  fi
  echo "== $target $variant dim $dim"
  echo "$text" | grep -v '^JSON '
  echo "{\"variant\":\"$variant\",\"run\":${text##*JSON }}" >> "$out/runs.jsonl"
}
for dim in $dims; do
  for r in $(seq "$rounds"); do
    for target in native wasm; do
      for variant in base pad4 pad16 pad4pf; do
        [ "$target" = wasm ] && [ "$variant" = pad4pf ] && continue
        run "$target" "$variant" "$dim"
      done
    done
  done
done
node bench/pad-summary.js "$out/runs.jsonl"
