// bench/transfer/codec-speed.js — the snapshot codec's own time in Node, on
// the 100k × 128 float32 snapshot already in the wasm heap: the streamed
// load (the feeds in 1 MB pieces, then the finish), the load of the whole
// bytes, and db.export(); medians of 9. Run for this tree and for other
// built trees (a worktree with another build of the codec), each in a
// process of its own, taking turns, to compare builds on the same machine.
//
//   node bench/transfer/codec-speed.js [rounds] [dir ...]
//
// The snapshot is the one bench/transfer/measure-load.js writes under
// build/transfer/ (run it first).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FILE = path.join(ROOT, 'build', 'transfer', 'mixture-42-100000x128-m8-efc40.evsnap');
const PIECE = 1 << 20;
const REPS = 9;

async function measure(dir) {
  const { loadWasm } = await import(pathToFileURL(path.join(dir, 'js', 'loader.js')).href);
  const { EdgeVec } = await import(pathToFileURL(path.join(dir, 'js', 'index.js')).href);
  const whole = new Uint8Array(fs.readFileSync(FILE));
  const wasm = await loadWasm();
  const len = whole.byteLength;
  const ptr = wasm._malloc(len);
  const res = wasm._malloc(64);
  wasm.HEAPU8.set(whole, ptr);
  const headerLen = new DataView(whole.buffer, whole.byteOffset).getUint32(12, true);
  const db = await EdgeVec.load(whole);
  const rows = { feed: [], finish: [], whole: [], exportMs: [] };
  const check = (st, what) => { if (st !== 0) throw new Error(`${what}: status ${st}`); };
  for (let rep = 0; rep < REPS; rep++) {
    let t = performance.now();
    let st = wasm._evp_snapshot_stream_begin(ptr, headerLen, res);
    const stream = wasm.HEAPU32[res >>> 2];
    for (let at = headerLen; st === 0 && at < len; at += PIECE) {
      st = wasm._evp_snapshot_stream_feed(stream, ptr + at, Math.min(PIECE, len - at), res);
    }
    rows.feed.push(performance.now() - t);
    t = performance.now();
    if (st === 0) st = wasm._evp_snapshot_stream_finish(stream, res);
    rows.finish.push(performance.now() - t);
    check(st, 'streamed load');
    wasm._evw_free(wasm.HEAPU32[res >>> 2]);
    wasm._evp_snapshot_stream_free(stream);
    t = performance.now();
    st = wasm._evp_snapshot_load(ptr, len, res);
    rows.whole.push(performance.now() - t);
    check(st, 'load');
    wasm._evw_free(wasm.HEAPU32[res >>> 2]);
    t = performance.now();
    await db.export();
    rows.exportMs.push(performance.now() - t);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(1);
  return `feeds ${med(rows.feed)} ms, finish ${med(rows.finish)} ms, whole-bytes load ${med(rows.whole)} ms, ` +
    `export ${med(rows.exportMs)} ms`;
}

if (process.argv[2] === '--child') {
  console.log(await measure(process.argv[3]));
} else {
  if (!fs.existsSync(FILE)) throw new Error(`${FILE} is missing: run node bench/transfer/measure-load.js first`);
  const rounds = Number(process.argv[2] ?? 3);
  const trees = [ROOT, ...process.argv.slice(3).map((d) => path.resolve(d))];
  for (let r = 0; r < rounds; r++) {
    for (const dir of trees) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dir]);
      process.stdout.write(`${dir === ROOT ? 'this tree' : dir}: ${out}`);
    }
  }
}
