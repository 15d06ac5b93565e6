// tests/node/helpers/measure-persist.js — persistence timings through the
// public API over MemoryStorage (no I/O, so the numbers are the C encoders
// and decoders plus the JS layer), printed as one JSON line:
//   node --no-liftoff tests/node/helpers/measure-persist.js [n=10000] [dim=128]
// - flush of one insertBatch of n vectors (one log record);
// - open replaying that log (no snapshot but the empty first one);
// - checkpoint of the whole index, and open from that snapshot alone.
// Medians of three opens.
import { EdgeVec, MemoryStorage } from '../../../js/index.js';
import { generate } from '../../../bench/lib/dataset.js';

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
const replayMs = await timeOpen();
const w = await EdgeVec.open('m', { storage, autoCheckpoint: false });
t = performance.now();
await w.checkpoint();
const checkpointMs = performance.now() - t;
await w.close();
const snapshotMs = await timeOpen();
const h = await storage.open('m', { readOnly: true });
const manifest = await h.readManifest();

console.log(JSON.stringify({
  n: N, dim: DIM,
  flushMs: Number(flushMs.toFixed(1)),
  openReplayingLogMs: Number(replayMs.toFixed(1)),
  checkpointMs: Number(checkpointMs.toFixed(1)),
  openFromSnapshotMs: Number(snapshotMs.toFixed(1)),
  snapshotBytes: manifest?.snapshotBytes,
}));
