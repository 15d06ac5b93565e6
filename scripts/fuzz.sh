#!/usr/bin/env bash
# Runs the libFuzzer targets (the persisted-format readers, and the metadata
# record and filter program decoders: fuzz_meta), one after the
# other (the machine has 2 shared cores: one fuzzing process at a time).
#
#   bash scripts/fuzz.sh 30        each target for 30 s (npm test)
#   bash scripts/fuzz.sh           each target for $EV_FUZZ_SECONDS seconds,
#                                  default 600 (npm run fuzz)
#   EV_FUZZ_TARGETS="wal" bash scripts/fuzz.sh 60    only some targets
#   EV_FUZZ_BUILT=1 bash scripts/fuzz.sh 30   the targets are built already
#                                  (npm test, which runs two of these at
#                                  once): no configure or build here
#   EV_FUZZ_TIMEOUT=60 bash scripts/fuzz.sh   seconds one input may take
#                                  before it counts as a hang (default 10;
#                                  raise it when the machine is loaded: the
#                                  timer is wall-clock time)
#   bash scripts/fuzz.sh --make-corpus   rewrite the committed seed corpus
#                                  (tests/fuzz/corpus/) and write fixtures of
#                                  a new format version (tests/fixtures/;
#                                  existing ones are never overwritten)
#
# Targets: build/native/fuzz_<name> (built by CMake from
# tests/fuzz/fuzz_<name>.c), seeds in tests/fuzz/corpus/<name>/. New inputs
# the fuzzer finds go to build/fuzz/corpus/<name>/ (not committed); a crash,
# leak, sanitizer report or timeout leaves its input in build/fuzz/ and the
# script exits non-zero. Reproduce one with: build/native/fuzz_<name> <file>
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(${EV_FUZZ_TARGETS:-snapshot wal meta})

if ! command -v clang >/dev/null; then
  echo "fuzz.sh: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
if [ "${EV_FUZZ_BUILT:-0}" != 1 ]; then
  # Configure every time (about a second): a new tests/fuzz/fuzz_*.c only
  # becomes a target when CMake globs again.
  if [ ! -f build/native/CMakeCache.txt ]; then
    CC=clang cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
  else
    cmake -S . -B build/native >/dev/null
  fi
  build_targets=()
  for t in "${targets[@]}"; do build_targets+=(--target "fuzz_$t"); done
  cmake --build build/native -j"$(nproc)" "${build_targets[@]}" >/dev/null
fi

if [ "${1:-}" = "--make-corpus" ]; then
  cmake --build build/native -j"$(nproc)" --target edgevec_core >/dev/null
  mkdir -p tests/fuzz/corpus/snapshot tests/fuzz/corpus/wal tests/fixtures
  clang -std=c11 -O1 -Isrc -Itests/fuzz tests/fuzz/make_corpus.c \
    build/native/libedgevec_core.a -lm -o build/native/make_corpus
  build/native/make_corpus .
  exit 0
fi

if [ $# -ge 1 ]; then
  seconds=$1
else
  seconds=${EV_FUZZ_SECONDS:-600}
fi

status=0
for t in "${targets[@]}"; do
  bin=build/native/fuzz_$t
  work=build/fuzz/corpus/$t
  mkdir -p "$work" build/fuzz/artifacts
  echo "fuzz_$t: ${seconds}s, seeds tests/fuzz/corpus/$t"
  # -max_len bounds the work per input (a log of compactions replays a graph
  # rebuild each); -timeout catches inputs that make a reader hang.
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$bin" -max_total_time="$seconds" -timeout="${EV_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
      -max_len=16384 -print_final_stats=1 \
      -artifact_prefix="build/fuzz/artifacts/$t-" \
      "$work" "tests/fuzz/corpus/$t" >"build/fuzz/$t.log" 2>&1; then
    echo "fuzz_$t FAILED: see build/fuzz/$t.log and build/fuzz/artifacts/" >&2
    tail -40 "build/fuzz/$t.log" >&2
    status=1
  else
    grep -a -E "stat::number_of_executed_units|stat::peak_rss_mb" "build/fuzz/$t.log" |
      sed "s/^/  /"
  fi
done
exit $status
