#!/usr/bin/env bash
# `npm run bench:compaction`: what tombstones cost a search (recall and
# time, against a compacted copy of the same live vectors, at 0 to 50%
# deleted) and what a background compaction of 100k x 128 with 30% deleted
# costs (slice times at the default 8 ms budget, against one compact()).
# Writes bench/results/compaction.md and bench/results/compaction-<date>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh >/dev/null
mkdir -p bench/results
day=$(date -u +%Y-%m-%d)
out=$(node --no-liftoff bench/api/measure-compaction.js "${1:-100000}" "${2:-128}" "${3:-20000}")
echo "$out"
node - "$day" "$out" <<'JS'
const fs = require('fs');
const [day, out] = process.argv.slice(2);
const r = JSON.parse(out);
fs.writeFileSync(`bench/results/compaction-${day}.json`,
  JSON.stringify({ date: day, node: process.version, ...r }, null, 2) + '\n');
const c = r.compaction;
const rows = r.tombstones.map((t) =>
  `| ${Math.round(t.ratio * 100)} % | ${t.recall.toFixed(4)} / ${t.compactedRecall.toFixed(4)} | ` +
  `${t.us} / ${t.compactedUs} µs | ${t.slowdown}× | ${t.memoryMB} / ${t.compactedMemoryMB} MB |`).join('\n');
const md = `# Compaction benchmark (${day})

Produced by \`npm run bench:compaction\` (wasm build, Node ${process.version} with --no-liftoff, one run;
the machine is shared, so read ratios, not absolute times). The machine's 1-minute load average was
${r.loadAverage[0]} when the run began and ${r.loadAverage[1]} when it ended, on 2 cores: other processes
stretch every wall-clock time here, which is why the search costs and the slices are also given in CPU time.

## What tombstones cost

${r.tombstoneN} × ${r.dim} (clustered, seed 1), ${r.queries} queries, k ${10}, ef 64 (the default). Each
row deletes more vectors (a seeded random order) from the same index and compares it with a copy of
it (export, load) compacted with \`compact()\`: the same live vectors, no tombstones. Recall@10 is
against brute force over the live vectors; the time is the CPU time of a search (process.cpuUsage, which
the machine's other processes do not stretch), the median of seven passes of the queries, the passes
of the two indexes taken in alternation. The 0 % row compares two graphs of the same vectors (the
original and its rebuild), so it is the baseline the other rows are read against.

| deleted | recall@10 with tombstones / compacted | search CPU time, with / compacted | slowdown | memory, with / compacted |
|---|---|---|---:|---|
${rows}

## A background compaction

${c.slices} slices for ${r.n} × ${r.dim} with ${c.deletedFraction * 100} % deleted, \`compactInBackground()\` at the
default budget of ${c.sliceMs} ms per slice:

| measure | value |
|---|---:|
| slice time, median / p90 / longest | ${c.medianSliceMs} / ${c.p90SliceMs} / ${c.maxSliceMs} ms |
| slices over the budget | ${c.slicesOverBudget} of ${c.slices} |
| CPU time of a slice and its yield (process.cpuUsage between progress calls; the process's other threads, GC and compilers, count too), median / p90 / longest | ${c.cpuMedianSliceMs} / ${c.cpuP90SliceMs} / ${c.cpuMaxSliceMs} ms |
| the synchronous finish (swap; in memory, so no snapshot to encode) | ${c.finishMs} ms |
| wall time of the background compaction (slices + yields) | ${c.backgroundWallMs} ms |
| \`compact()\` of an identical copy (one blocking call) | ${c.wholeCompactMs} ms (${(c.backgroundWallMs / c.wholeCompactMs).toFixed(2)}× for the background one) |

Reading it: a slice's CPU time is what the slice sizing controls (each step asks for the copies that
fit in the budget left at the median measured cost of one copy); its wall-clock time adds whatever
else the machine ran meanwhile. The longest slices also hold the process's garbage collection and
compiler threads. The two wall times were taken one after the other under a load that changed, so
their ratio says little; the background compaction does the same copies as \`compact()\` plus one
small step per slice and a yield between slices.
`;
fs.writeFileSync('bench/results/compaction.md', md);
console.log(md);
JS
