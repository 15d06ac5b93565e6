#!/usr/bin/env bash
# `npm test`: sets up the machine, builds both targets, then runs every layer
# of tests, stopping at the first layer that fails (layers 1 to 3 run side
# by side, in two lanes, see below):
#   1. C unit + property tests, native, under ASan+UBSan (and the tests of
#      the parallel batches under ThreadSanitizer)
#   2. the same C tests compiled to wasm, in Node
#   3. fuzzers of the persisted-format readers, 30 s each
#   4. the JS layer in Node (node:test), including packing the npm package
#   5. the TypeScript types (tsc --strict over the JS layer and usage files)
#   6. the bundler apps: the packed tarball installed into a Vite, a webpack
#      and an esbuild app and built for production (tests/bundlers/)
#   7. the browser suite: Chromium, Firefox and WebKit through Playwright,
#      including those production builds (tests/browser/bundlers.spec.js)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
bash scripts/build.sh

step() { printf '\n=== %s ===\n' "$*"; }

# Layers 1 to 3 in two lanes at once, one per core (each lane is one
# process at a time, mostly single-threaded): the sanitized native tests
# and the fuzzer of metadata in one; ThreadSanitizer, the wasm tests and
# the fuzzers of the snapshot and the log in the other (about the same
# time each). The first lane's output is kept in a file and printed when
# both are done, so that neither is interleaved with the other.
logs=build/test-logs
mkdir -p "$logs"
(
  set -e
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    build/native/edgevec_tests
  step "fuzzer of metadata records and filter programs (bounded)"
  EV_FUZZ_BUILT=1 EV_FUZZ_TARGETS=meta bash scripts/fuzz.sh 30
) >"$logs/c-native.log" 2>&1 &
native_pid=$!
# Should the second lane fail, the first is stopped rather than left running.
trap 'kill "$native_pid" 2>/dev/null || true' EXIT

step "C tests of the parallel batches, native, ThreadSanitizer"
TSAN_OPTIONS=halt_on_error=1 build/native/edgevec_tests_tsan parallel
TSAN_OPTIONS=halt_on_error=1 build/native/edgevec_tests_tsan search_batch
TSAN_OPTIONS=halt_on_error=1 build/native/edgevec_tests_tsan search_filtered_batch

step "C tests, wasm in Node"
node build/wasm/edgevec_tests.js

step "fuzzers of the snapshot and the log (bounded)"
EV_FUZZ_BUILT=1 EV_FUZZ_TARGETS="snapshot wal" bash scripts/fuzz.sh 30

step "C tests, native, ASan+UBSan, and the metadata fuzzer (ran beside the three steps above)"
native_status=0
wait "$native_pid" || native_status=$?
trap - EXIT
cat "$logs/c-native.log"
[ "$native_status" -eq 0 ] || { echo "C tests, native: exit $native_status" >&2; exit "$native_status"; }

step "JS layer in Node"
# A hung test fails after 5 minutes instead of stalling the run. Two test
# files at a time, one per core (each file is its own process; Node's
# default on two cores is one at a time).
node --test --test-concurrency=2 --test-timeout=300000 --test-reporter=spec tests/node/

step "TypeScript types"
npx tsc -p tsconfig.json
npx tsc -p tests/types/tsconfig.json

step "bundler apps: pack, install the tarball, production builds"
node tests/bundlers/build.js

step "browsers"
bash tests/browser/run.sh
