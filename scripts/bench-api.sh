#!/usr/bin/env bash
# `npm run bench:api`: the JS layer's own costs in Node, on the wasm build:
# insertBatch against one insert() per vector, the JS boundary's share of a
# search (with the recall the searches returned), softDeleteBatch of 1,000
# ids, and persistence (flush, checkpoint, open from a snapshot and from a
# log, commit latency, files against memory, and real IndexedDB in
# Chromium: bench/browser/persist-idb.js). Writes bench/results/api.md
# and bench/results/api-<date>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh >/dev/null
mkdir -p bench/results
day=$(date -u +%Y-%m-%d)
api=$(node --no-liftoff bench/api/measure-api.js 10000 128)
echo "$api"
replay=$(node --no-liftoff bench/api/measure-persist.js 10000 128)
echo "$replay"
big=$(node --no-liftoff bench/api/measure-persist.js 100000 128)
echo "$big"
idb=$(node bench/browser/persist-idb.js 100000 128)
echo "$idb"
node - "$day" "$api" "$replay" "$big" "$idb" <<'JS'
const fs = require('fs');
const [day, api, replay, big, idb] = process.argv.slice(2);
const a = JSON.parse(api), r = JSON.parse(replay), b = JSON.parse(big), i = JSON.parse(idb);
fs.writeFileSync(`bench/results/api-${day}.json`,
  JSON.stringify({ date: day, node: process.version, api: a, persist10k: r, persist100k: b, indexedDb: i }, null, 2) + '\n');
const md = `# JS layer benchmark (${day})

Produced by \`npm run bench:api\` (wasm build, Node ${process.version} with --no-liftoff, one run; the machine is shared, so read ratios, not absolute times).

| measure | value |
|---|---:|
| insertBatch of ${a.n} × ${a.dim} | ${a.insertBatchMs} ms |
| the same, one insert() per vector | ${a.insertOneAtATimeMs} ms (${a.oneAtATimeOverBatch}× the batch) |
| 1,000 searches through JS / the same loop inside C | ${a.search1000JsMs} / ${a.search1000CMs} ms: boundary overhead ${a.searchBoundaryOverheadPct} % (target < 5 %), recall@10 ${a.searchRecallAt10} |
| one JS search call on a 20-vector index (the boundary's whole cost) | ${a.searchCallOn20VectorsUs} µs |
| softDeleteBatch of 1,000 ids | ${a.softDeleteBatch1000Ms} ms (target < 10 ms) |
| flush of ${r.n} inserts (one log record) | ${r.flushMs} ms, ${(r.logBytes / 1048576).toFixed(1)} MB |
| open replaying that log (${r.n} logged inserts) | ${r.openReplayingLogMs} ms (target < 100 ms: ${r.openReplayingLogMs < 100 ? 'met' : 'not met'}) |
| checkpoint of ${b.n} × ${b.dim} (memory) | ${b.checkpointMs} ms, ${(b.snapshotBytes / 1048576).toFixed(1)} MB |
| load ${b.n} × ${b.dim} from snapshot bytes (copy into wasm, checked decode) | ${b.decodeFromBytesMs} ms (target < 100 ms: ${b.decodeFromBytesMs < 100 ? 'met' : 'not met'}) |
| EdgeVec.open of it through MemoryStorage / NodeFileStorage (adds the storage's read) | ${b.openFromSnapshotMs} / ${b.fileOpenFromSnapshotMs} ms |
| checkpoint through NodeFileStorage (fsync, rename) | ${b.fileCheckpointMs} ms |
| commit of a 1,000-vector batch into 0–50k vectors, P50 / P99 | ${b.commit1000P50Ms} / ${b.commit1000P99Ms} ms, median record ${(b.commit1000MedianBytes / 1048576).toFixed(2)} MB |
| then one insert per commit (autoFlush: true), P50 | ${b.commitOneP50Ms} ms, median record ${(b.commitOneMedianBytes / 1024).toFixed(1)} KB |
| ${i.browser}, real IndexedDB: checkpoint of ${i.n} × ${i.dim} | ${i.checkpointMs} ms, ${(i.storedBytes / 1048576).toFixed(1)} MB stored |
| the same, EdgeVec.open after a page reload (median of 3) | ${i.openMedianMs} ms (target < 500 ms) |
`;
fs.writeFileSync('bench/results/api.md', md);
console.log(md);
JS
