// bench/api/measure-persist.js — persistence timings through the
// public API over MemoryStorage (no I/O, so the numbers are the C encoders
// and decoders plus the JS layer), printed as one JSON line:
//   node --no-liftoff bench/api/measure-persist.js [n=10000] [dim=128]
// - flush of one insertBatch of n vectors (one log record) and its size;
// - open replaying that log (no snapshot but the empty first one);
// - checkpoint of the whole index, and open from that snapshot alone;
// - decode of the same snapshot bytes (already in JS memory) into an index:
//   the copy into the wasm heap and the checked C decoder, without the
//   storage's read (MemoryStorage hands out a copy of what it holds);
// - commit latency of a 1,000-vector batch: the flush that writes it as one
//   log record (the insertBatch before it is not counted), P50 and P99 of
//   50 commits (with 50 samples the P99 is the slowest one), and the
//   median size of those records; then 50 single inserts, each its own
//   commit (autoFlush: true): P50 latency and median record size;
// - the same save and load through NodeFileStorage (a temporary directory,
//   with fsync) beside MemoryStorage.
// Medians of three opens (five decodes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { NodeFileStorage } from '../../js/storage/node-file.js';
import { loadWasm } from '../../js/loader.js';
import { loadSnapshot } from '../../js/wasm/persist.js';
import { generate } from '../../tests/lib/dataset.js';

const N = Number(process.argv[2] ?? 10000);
const DIM = Number(process.argv[3] ?? 128);
/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const { base } = generate({ seed: 1, n: N, q: 0, dim: DIM });
const storage = new MemoryStorage();
const db = await EdgeVec.open('m', { storage, dimensions: DIM, autoCheckpoint: false });
await db.insertBatch(base);
let t = performance.now();
await db.flush();
const flushMs = performance.now() - t;
await db.close();

async function timeOpen() {
  const times = [];
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    const d = await EdgeVec.open('m', { storage, readOnly: true });
    times.push(performance.now() - t);
    d.dispose();
  }
  return median(times);
}
const logged = await (await storage.open('m', { readOnly: true })).readLog(0);
const logBytes = logged.reduce((sum, r) => sum + r.bytes.length, 0);
const replayMs = await timeOpen();
const w = await EdgeVec.open('m', { storage, autoCheckpoint: false });
t = performance.now();
await w.checkpoint();
const checkpointMs = performance.now() - t;
await w.close();
const snapshotMs = await timeOpen();
const h = await storage.open('m', { readOnly: true });
const manifest = await h.readManifest();
const snapshotBytes = manifest ? await h.readSnapshot(manifest.generation) : new Uint8Array(0);
const wasm = await loadWasm();
const decodes = [];
for (let i = 0; i < 5; i++) {
  t = performance.now();
  const { handle } = loadSnapshot(wasm, snapshotBytes, 'm');
  decodes.push(performance.now() - t);
  wasm._evw_free(handle);
}

// Commit latency: 50 batches of 1,000 vectors, each flushed as one record.
const BATCHES = 50;
const small = generate({ seed: 2, n: BATCHES * 1000, q: 0, dim: DIM }).base;
const commitStorage = new MemoryStorage();
const c = await EdgeVec.open('c', { storage: commitStorage, dimensions: DIM, autoCheckpoint: false });
const commits = [];
for (let b = 0; b < BATCHES; b++) {
  await c.insertBatch(small.subarray(b * 1000 * DIM, (b + 1) * 1000 * DIM));
  t = performance.now();
  await c.flush();
  commits.push(performance.now() - t);
}
// Then 50 single inserts, each flushed as its own record (autoFlush: true).
const singles = generate({ seed: 3, n: 50, q: 0, dim: DIM }).base;
const singleTimes = [];
for (let i = 0; i < 50; i++) {
  await c.insertBatch(singles.subarray(i * DIM, (i + 1) * DIM));
  t = performance.now();
  await c.flush();
  singleTimes.push(performance.now() - t);
}
await c.close();
const commitLog = await (await commitStorage.open('c', { readOnly: true })).readLog(0);
const commitBytes = commitLog.slice(0, BATCHES).map((r) => r.bytes.length).sort((a, b) => a - b);
const singleBytes = commitLog.slice(BATCHES).map((r) => r.bytes.length).sort((a, b) => a - b);
const sorted = [...commits].sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(BATCHES - 1, Math.round(p * (BATCHES - 1)))];

// The same index through files: checkpoint (snapshot written, fsync'd,
// renamed) and open from it.
const dir = mkdtempSync(join(tmpdir(), 'edgevec-bench-'));
const files = new NodeFileStorage(dir);
const f = await EdgeVec.open('f', { storage: files, dimensions: DIM, autoCheckpoint: false });
await f.insertBatch(base);
t = performance.now();
await f.checkpoint();
const fileCheckpointMs = performance.now() - t;
await f.close();
const fileOpens = [];
for (let i = 0; i < 3; i++) {
  t = performance.now();
  const d = await EdgeVec.open('f', { storage: files, readOnly: true });
  fileOpens.push(performance.now() - t);
  d.dispose();
}
rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({
  n: N, dim: DIM,
  flushMs: Number(flushMs.toFixed(1)),
  logBytes,
  openReplayingLogMs: Number(replayMs.toFixed(1)),
  checkpointMs: Number(checkpointMs.toFixed(1)),
  openFromSnapshotMs: Number(snapshotMs.toFixed(1)),
  decodeFromBytesMs: Number(median(decodes).toFixed(1)),
  snapshotBytes: manifest?.snapshotBytes,
  commit1000P50Ms: Number(pct(0.5).toFixed(2)),
  commit1000P99Ms: Number(pct(0.99).toFixed(2)),
  commit1000MedianBytes: commitBytes[commitBytes.length >> 1],
  commitOneP50Ms: Number(median(singleTimes).toFixed(2)),
  commitOneMedianBytes: singleBytes[singleBytes.length >> 1],
  fileCheckpointMs: Number(fileCheckpointMs.toFixed(1)),
  fileOpenFromSnapshotMs: Number(median(fileOpens).toFixed(1)),
}));
