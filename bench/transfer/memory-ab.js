// bench/transfer/memory-ab.js — what EdgeVec.load(url) of the 100k × 128
// float32 snapshot leaves in the wasm heap, in Node, for this tree and for
// other trees given (a built worktree of another commit), each in a process
// of its own and taking turns: the module's memory after the load, the
// allocator's high-water mark, the index's own memory, and the time.
//
//   node bench/transfer/memory-ab.js [rounds] [name=dir ...]
//
// The snapshot is the one bench/transfer/measure-load.js writes under
// build/transfer/ (run it first). Prints one line per process.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FILE = path.join(ROOT, 'build', 'transfer', 'mixture-42-100000x128-m8-efc40.evsnap');

if (process.argv[2] === '--child') {
  const dir = process.argv[3];
  const { EdgeVec } = await import(pathToFileURL(path.join(dir, 'js', 'index.js')).href);
  const { loadWasm } = await import(pathToFileURL(path.join(dir, 'js', 'loader.js')).href);
  const bytes = fs.readFileSync(FILE);
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Length': bytes.length });
    res.end(bytes);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const t = performance.now();
  const db = await EdgeVec.load(`http://127.0.0.1:${server.address().port}/snap`);
  const ms = performance.now() - t;
  const wasm = await loadWasm();
  const mb = (x) => (x / 1048576).toFixed(1);
  console.log(`load(url) ${ms.toFixed(0)} ms, wasm memory ${mb(wasm.HEAPU8.length)} MiB, ` +
    `heap high-water mark ${mb(wasm._evw_heap_peak())} MiB, index ${mb(db.memoryBytes)} MiB, ` +
    `snapshot ${mb(bytes.length)} MiB`);
  db.dispose();
  server.close();
} else {
  if (!fs.existsSync(FILE)) throw new Error(`${FILE} is missing: run node bench/transfer/measure-load.js first`);
  const rounds = Number(process.argv[2] ?? 3);
  const trees = [['this', ROOT], ...process.argv.slice(3).map((x) => x.split('='))];
  for (let r = 0; r < rounds; r++) {
    for (const [name, dir] of trees) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', path.resolve(dir)]);
      process.stdout.write(`${name}: ${out}`);
    }
  }
}
