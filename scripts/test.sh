#!/usr/bin/env bash
# `npm test`: sets up the machine, builds both targets, then runs every layer
# of tests in order, stopping at the first layer that fails:
#   1. C unit + property tests, native, under ASan+UBSan (and the tests of
#      the parallel batches under ThreadSanitizer)
#   2. the same C tests compiled to wasm, in Node
#   3. fuzzers of the persisted-format readers, about 30 s each
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

step "C tests, native, ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 build/native/edgevec_tests

step "C tests of the parallel batches, native, ThreadSanitizer"
TSAN_OPTIONS=halt_on_error=1 build/native/edgevec_tests_tsan parallel
TSAN_OPTIONS=halt_on_error=1 build/native/edgevec_tests_tsan search_batch
TSAN_OPTIONS=halt_on_error=1 build/native/edgevec_tests_tsan search_filtered_batch

step "C tests, wasm in Node"
node build/wasm/edgevec_tests.js

step "fuzzers (bounded)"
bash scripts/fuzz.sh 30

step "JS layer in Node"
# A hung test fails after 5 minutes instead of stalling the run.
node --test --test-timeout=300000 --test-reporter=spec tests/node/

step "TypeScript types"
npx tsc -p tsconfig.json
npx tsc -p tests/types/tsconfig.json

step "bundler apps: pack, install the tarball, production builds"
node tests/bundlers/build.js

step "browsers"
bash tests/browser/run.sh
