#!/usr/bin/env bash
# `npm run bench:peers`: edgevec-c against edgevec 0.9.0, hnswlib-wasm,
# voy-search and native hnswlib-node, on data sets A and B, in Node, then our
# library in Chromium; writes bench/results/<date>.json, the SVG plots and
# bench/RESULTS.md (see bench/report.js).
#
# Each library runs alone in a fresh process, one after another (never two
# at once: the machine has 2 cores and the numbers are compared side by
# side). Rounds are interleaved (every library once, then again) so that a
# change in the machine's load hits every library alike.
#
# Environment knobs:
#   BENCH_RUNS       rounds per data set (default 3); BENCH_RUNS_B overrides
#                    it for data set B
#   BENCH_DATASETS   default "A B"
#   BENCH_LIBS       default "edgevec-c hnswlib-wasm hnswlib-node edgevec voy"
#   BENCH_BROWSER    0 skips the Chromium run (default 1); BENCH_BROWSER_DATASET
#                    picks its data set (default A)
#   BENCH_RUN_DIR    where the per-process records go (default a new folder
#                    under bench/.cache/runs/); an existing folder is resumed:
#                    records already there are not measured again
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-3}
RUNS_B=${BENCH_RUNS_B:-$RUNS}
DATASETS=${BENCH_DATASETS:-"A B"}
LIBS=${BENCH_LIBS:-"edgevec-c hnswlib-wasm hnswlib-node edgevec voy"}
BROWSER=${BENCH_BROWSER:-1}
RUN_DIR=${BENCH_RUN_DIR:-bench/.cache/runs/$(date -u +%Y%m%dT%H%M%SZ)}

# The project's own toolchain and build, then the peers (dev dependencies of
# bench/ only; hnswlib-node compiles with node-gyp against Node's headers).
bash scripts/bootstrap.sh
bash scripts/build.sh
stamp=bench/node_modules/.bench-lock-sha256
want=$(sha256sum bench/package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bench: installing the peers (npm ci --prefix bench)"
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

mkdir -p "$RUN_DIR"
echo "bench: records in $RUN_DIR"
# Measure a snapshot of the build just made: others may rebuild dist/ in this
# working tree while the benchmark runs.
if [ ! -d "$RUN_DIR/pkg" ]; then
  mkdir -p "$RUN_DIR/pkg"
  cp -r js dist package.json "$RUN_DIR/pkg/"
  git rev-parse HEAD > "$RUN_DIR/commit" 2>/dev/null || true
fi
export BENCH_EDGEVEC_C_ROOT="$RUN_DIR/pkg"

# Data sets and exact ground truth, computed once and cached.
for ds in $DATASETS; do
  node --input-type=module -e "
    import { loadDataset } from './bench/lib/data.js';
    loadDataset('$ds', (m) => console.error(m));"
done

failed=0
for ds in $DATASETS; do
  rounds=$RUNS
  [ "$ds" = B ] && rounds=$RUNS_B
  for run in $(seq 1 "$rounds"); do
    for lib in $LIBS; do
      out="$RUN_DIR/$ds-$lib-r$run.json"
      [ -f "$out" ] && continue
      echo "bench: $lib on $ds, round $run of $rounds"
      if ! node --expose-gc bench/peers/run.js --lib "$lib" --dataset "$ds" --out "$out"; then
        echo "bench: $lib on $ds round $run FAILED (recorded as missing)" >&2
        failed=1
      fi
    done
  done
done

browser_args=()
if [ "$BROWSER" != 0 ]; then
  bout="$RUN_DIR/browser.json"
  if [ -f "$bout" ] || node bench/browser/run.js --dataset "${BENCH_BROWSER_DATASET:-A}" --out "$bout"; then
    browser_args=(--browser "$bout")
  else
    echo "bench: the Chromium run FAILED" >&2
    failed=1
  fi
fi

node bench/report.js --runs "$RUN_DIR" "${browser_args[@]}"
exit $failed
