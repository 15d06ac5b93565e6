#!/usr/bin/env bash
# `npm run bench:filter`: filtered search on 100k x 128 against the exact
# filtered brute force, post-filtering, the exact scan of the matches and
# hnswlib-wasm's filter callback (bench/filter/run.js); writes
# bench/results/filter.md. Knobs: see the top of bench/filter/run.js.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
bash scripts/build.sh
# The peers, installed as scripts/bench-peers.sh does (dev dependencies of
# bench/ only).
stamp=bench/node_modules/.bench-lock-sha256
want=$(sha256sum bench/package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bench: installing the peers (npm ci --prefix bench)"
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
# The machine is shared: the benchmark runs at a lower priority.
nice -n 10 node bench/filter/run.js
