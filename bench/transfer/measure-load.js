// bench/transfer/measure-load.js — what shipping an index costs: export()
// of a 100k × 128 index, EdgeVec.load of its bytes and of its URL in Node,
// and EdgeVec.load(url) in Chromium from the project's server on 127.0.0.1:
// in a fresh page (the wasm module loads during the download) and with the
// module loaded, on a cross-origin isolated page (the module with threads)
// and on one that is not, next to a plain fetch().arrayBuffer() of the same
// file in a page in the same state (what the transport alone costs) and the
// body read chunk by chunk; then
// where EdgeVec.load's own work goes, on the same bytes in the wasm heap
// (the streamed load's feeds, done while the download runs, and its finish
// after the last byte; the load of the whole bytes and its CRC pass). Writes
// bench/results/transfer.md and
// bench/results/transfer-<date>.json; prints the table.
//
//   node bench/transfer/measure-load.js
//
// The index is the one tests/browser/load-from-url.spec.js ships (seeded
// mixture, M 8, efConstruction 40, cached under build/transfer/): the load
// reads bytes, whatever graph they hold.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { EdgeVec } from '../../js/index.js';
import { Mixture } from '../../tests/lib/dataset.js';
import { bruteForce } from '../lib/data.js';
import { startServer } from '../../scripts/serve.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = path.join(ROOT, 'build', 'transfer');
const N = 100_000, DIM = 128;
const OPTIONS = { dimensions: DIM, metric: 'l2', m: 8, efConstruction: 40, seed: 7 };
const FILE = `mixture-42-${N}x${DIM}-m${OPTIONS.m}-efc${OPTIONS.efConstruction}.evsnap`;
// The same vectors and graph settings quantized to 8 bits (no float32
// kept): what an app ships when a quarter of the download matters more
// than the last points of recall.
const SQ8_OPTIONS = { ...OPTIONS, quantization: 'sq8' };
const SQ8_FILE = FILE.replace('.evsnap', '-sq8.evsnap');
const RECALL_QUERIES = 200, K = 10;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REPS = 5;

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const r1 = (x) => Number(x.toFixed(1));

async function timed(fn) {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

/** The cached snapshot of `name` (built and exported when missing or no
 * longer loadable), loaded. */
async function shipped(name, options, rows) {
  const at = path.join(CACHE, name);
  let index = fs.existsSync(at) ? await EdgeVec.load(new Uint8Array(fs.readFileSync(at))).catch(() => null) : null;
  if (!index || index.size !== N) {
    index?.dispose();
    index = await EdgeVec.create(options);
    await index.insertBatch(rows);
    fs.mkdirSync(CACHE, { recursive: true });
    fs.writeFileSync(`${at}.tmp`, await index.export());
    fs.renameSync(`${at}.tmp`, at);
  }
  return index;
}

/** The efs the recall of both forms is printed at (64: the default). */
const RECALL_EFS = [64, 256, 1024];

/** Recall@K of `index` at each of RECALL_EFS against the exact top K of
 * each query (`want`: a set of its ids as strings). */
function recallOf(index, queries, want) {
  return RECALL_EFS.map((ef) => {
    let hits = 0;
    for (let q = 0; q < RECALL_QUERIES; q++) {
      for (const h of index.search(queries.subarray(q * DIM, (q + 1) * DIM), K, { ef })) hits += want[q].has(String(h.id));
    }
    return Number((hits / (RECALL_QUERIES * K)).toFixed(4));
  });
}

const mixture = new Mixture(42, DIM);
const rows = mixture.rows(N);
const recallQueries = mixture.rows(RECALL_QUERIES);
const { all: truth } = bruteForce(rows, recallQueries, DIM, K, []);
const want = Array.from({ length: RECALL_QUERIES },
  (_, q) => new Set(Array.from(truth.subarray(q * K, (q + 1) * K), String)));
const db = await shipped(FILE, OPTIONS, rows);
const sq8 = await shipped(SQ8_FILE, SQ8_OPTIONS, rows);
const recall = { float32: recallOf(db, recallQueries, want), sq8: recallOf(sq8, recallQueries, want) };
const sq8Bytes = fs.statSync(path.join(CACHE, SQ8_FILE)).size;
sq8.dispose();
const exports = [];
let bytes;
for (let i = 0; i < REPS; i++) {
  const [ms, b] = await timed(() => db.export());
  exports.push(ms);
  bytes = b;
}
db.dispose();

const server = await startServer({ port: 0, mounts: { '/ship/': CACHE } });
const url = `${server.url}ship/${FILE}`;
const node = { loadBytes: [], loadUrl: [], fetchOnly: [] };
for (let i = 0; i < REPS; i++) {
  const [a, x] = await timed(() => EdgeVec.load(bytes));
  x.dispose();
  const [b, y] = await timed(() => EdgeVec.load(url));
  y.dispose();
  const [c] = await timed(async () => (await fetch(url)).arrayBuffer());
  node.loadBytes.push(a); node.loadUrl.push(b); node.fetchOnly.push(c);
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
const chromiumVersion = browser.version();
const PHASES = ['cold', 'warm', 'fetchOnly', 'streamOnly', 'streamFeed', 'streamFinish', 'decodeWhole', 'crcPass',
  'freshFetchOnly', 'sq8Cold', 'sq8FreshFetchOnly'];
// The project's server sends COOP/COEP, so its pages are cross-origin
// isolated and load the module with threads (dist/mt/, its worker pool
// included); without them a page loads the default module.
const KINDS = { isolated: server, notIsolated: await startServer({ port: 0, isolated: false, mounts: { '/ship/': CACHE } }) };
const page = Object.fromEntries(Object.keys(KINDS).map((kind) => [kind, Object.fromEntries(PHASES.map((k) => [k, []]))]));
const pageInfo = {};

/** A new context (nothing cached, the module not loaded) with the harness page ready. */
async function freshPage(at) {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${at.url}tests/browser/pages/harness.html`);
  await p.waitForFunction(() => window.harnessReady === true);
  return { context, p };
}

try {
  for (let i = 0; i < REPS; i++) {
    for (const [kind, at] of Object.entries(KINDS)) {
      const { context, p } = await freshPage(at);
      const r = await p.evaluate(async (u) => {
        const { EdgeVec } = window.harness;
        const { loadWasm } = await import('/js/loader.js');
        const out = {};
        let t = performance.now();
        const first = await EdgeVec.load(u);
        out.cold = performance.now() - t;
        if (first.size !== 100000) throw new Error(`size ${first.size}`);
        out.threads = first.threads;
        out.isolated = window.crossOriginIsolated === true;
        first.dispose();
        t = performance.now();
        const second = await EdgeVec.load(u);
        out.warm = performance.now() - t;
        second.dispose();
        // The transport alone: the body into an ArrayBuffer, and read chunk
        // by chunk with nothing kept (what EdgeVec.load's reading costs
        // before it copies or sums anything).
        t = performance.now();
        const whole = new Uint8Array(await (await fetch(u)).arrayBuffer());
        out.fetchOnly = performance.now() - t;
        t = performance.now();
        const reader = (await fetch(u)).body.getReader();
        while (!(await reader.read()).done) { /* nothing kept */ }
        out.streamOnly = performance.now() - t;
        // Where EdgeVec.load's own time goes, on the same bytes in the wasm
        // heap: the streamed load as load(url) runs it (the feeds in 1 MB
        // pieces, done while the download runs, then the finish after the
        // last byte); the whole-bytes load of load(bytes); and its CRC pass
        // alone (the last byte flipped: the load stops at the last section's
        // CRC, after summing every byte).
        const wasm = await loadWasm();
        const len = whole.byteLength;
        const ptr = wasm._malloc(len);
        const res = wasm._malloc(64);
        wasm.HEAPU8.set(whole, ptr);
        const headerLen = new DataView(whole.buffer).getUint32(12, true);
        t = performance.now();
        let st = wasm._evp_snapshot_stream_begin(ptr, headerLen, res);
        const stream = wasm.HEAPU32[res >>> 2];
        for (let at = headerLen; st === 0 && at < len; at += 1 << 20) {
          st = wasm._evp_snapshot_stream_feed(stream, ptr + at, Math.min(1 << 20, len - at), res);
        }
        out.streamFeed = performance.now() - t;
        t = performance.now();
        if (st === 0) st = wasm._evp_snapshot_stream_finish(stream, res);
        out.streamFinish = performance.now() - t;
        if (st !== 0) throw new Error(`streamed load: status ${st}`);
        wasm._evw_free(wasm.HEAPU32[res >>> 2]);
        wasm._evp_snapshot_stream_free(stream);
        const decode = () => {
          const t0 = performance.now();
          const status = wasm._evp_snapshot_load(ptr, len, res);
          const ms = performance.now() - t0;
          const handle = wasm.HEAPU32[res >>> 2];
          if (handle) wasm._evw_free(handle);
          return [status, ms];
        };
        [st, out.decodeWhole] = decode();
        if (st !== 0) throw new Error(`decode: status ${st}`);
        wasm.HEAPU8[ptr + len - 1] ^= 0xff;
        [st, out.crcPass] = decode();
        if (st === 0) throw new Error('a flipped last byte loaded');
        wasm._free(res); wasm._free(ptr);
        return out;
      }, `/ship/${FILE}`);
      await context.close();
      pageInfo[kind] = { crossOriginIsolated: r.isolated, threads: r.threads };
      // The plain fetch in a page just opened, as the first load is: what
      // the transport alone costs there. Then the SQ8 form, the same way.
      const freshFetch = async (name) => {
        const fresh = await freshPage(at);
        const ms = await fresh.p.evaluate(async (u) => {
          const t = performance.now();
          await (await fetch(u)).arrayBuffer();
          return performance.now() - t;
        }, `/ship/${name}`);
        await fresh.context.close();
        return ms;
      };
      r.freshFetchOnly = await freshFetch(FILE);
      const fresh = await freshPage(at);
      r.sq8Cold = await fresh.p.evaluate(async (u) => {
        const t = performance.now();
        const index = await window.harness.EdgeVec.load(u);
        const ms = performance.now() - t;
        if (index.size !== 100000 || index.quantization !== 'sq8') throw new Error(`sq8: ${index.size}`);
        index.dispose();
        return ms;
      }, `/ship/${SQ8_FILE}`);
      await fresh.context.close();
      r.sq8FreshFetchOnly = await freshFetch(SQ8_FILE);
      for (const k of PHASES) page[kind][k].push(r[k]);
    }
  }
} finally {
  await browser.close();
  await server.close();
  await KINDS.notIsolated.close();
}

const day = new Date().toISOString().slice(0, 10);
const load = os.loadavg()[0];
const chromiumMedians = Object.fromEntries(Object.entries(page).map(([kind, phases]) =>
  [kind, Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, r1(median(v))]))]));
const result = {
  date: day, nodeVersion: process.version, chromiumVersion: `chromium ${chromiumVersion}`, loadAverage1m: r1(load), reps: REPS,
  n: N, dim: DIM, snapshotBytes: bytes.length, sq8SnapshotBytes: sq8Bytes,
  recallAt10: { efs: RECALL_EFS, ...recall },
  exportMs: r1(median(exports)),
  node: Object.fromEntries(Object.entries(node).map(([k, v]) => [k, r1(median(v))])),
  chromium: chromiumMedians,
  chromiumPages: pageInfo,
  raw: { exports: exports.map(r1), node, page },
};
const c = chromiumMedians;
const row = (label, k) => `| ${label} | ${c.isolated[k]} | ${c.notIsolated[k]} |`;
const ratio = (a, b) => `${(c.isolated[a] / c.isolated[b]).toFixed(2)}× / ${(c.notIsolated[a] / c.notIsolated[b]).toFixed(2)}×`;
const md = `# Shipping an index (${day})

Produced by \`node bench/transfer/measure-load.js\` (Node ${process.version}, ${result.chromiumVersion}, the
project's server on 127.0.0.1; median of ${REPS}; 1-minute load average ${result.loadAverage1m} on this
shared 2-core machine when it finished, so read ratios, not absolute times). The index: ${N.toLocaleString('en')} × ${DIM}
seeded mixture, M ${OPTIONS.m}, efConstruction ${OPTIONS.efConstruction}; its snapshot is ${(bytes.length / 1048576).toFixed(1)} MB.

| measure | ms |
|---|---:|
| db.export() (snapshot bytes, in memory) | ${result.exportMs} |
| Node: EdgeVec.load(bytes) (copy into wasm, checked decode) | ${result.node.loadBytes} |
| Node: EdgeVec.load(url) (loaded while it arrives, checked) | ${result.node.loadUrl} |
| Node: fetch(url).arrayBuffer() alone | ${result.node.fetchOnly} |

Chromium, each run in a new browser context (nothing cached, the module not
loaded), the harness page just opened. Cross-origin isolated (the server's
COOP/COEP headers): the module with threads and its worker pool
(db.threads ${pageInfo.isolated?.threads}); not isolated: the default module (db.threads ${pageInfo.notIsolated?.threads}).

| Chromium, ms | isolated | not isolated |
|---|---:|---:|
${row('fresh page: EdgeVec.load(url), fetch to ready (target < 300)', 'cold')}
${row('fresh page: fetch(url).arrayBuffer() alone (another new context)', 'freshFetchOnly')}
${row('module loaded: EdgeVec.load(url) (the same page, second load)', 'warm')}
${row('module loaded: fetch(url).arrayBuffer() alone (the same page)', 'fetchOnly')}
${row('module loaded: the body read chunk by chunk, nothing kept', 'streamOnly')}
${row(`SQ8 form (${(sq8Bytes / 1048576).toFixed(1)} MB), fresh page: EdgeVec.load(url), fetch to ready (target < 300)`, 'sq8Cold')}
${row('SQ8 form, fresh page: fetch(url).arrayBuffer() alone (another new context)', 'sq8FreshFetchOnly')}

Recall@10 against the exact top 10 of the float32 vectors, ${RECALL_QUERIES} queries,
measured in Node on the same snapshots (a graph of M ${OPTIONS.m} and efConstruction
${OPTIONS.efConstruction}, built in seconds for the test that ships it: the load reads
bytes, whatever graph they hold; a graph built with the defaults ships more
bytes and reaches more recall at a given ef):

| ef | ${RECALL_EFS.join(' | ')} |
|---|${RECALL_EFS.map(() => '---:').join('|')}|
| float32 | ${recall.float32.join(' | ')} |
| SQ8 | ${recall.sq8.join(' | ')} |

EdgeVec.load(url) against the plain fetch in the same state of page (isolated / not
isolated): fresh page ${ratio('cold', 'freshFetchOnly')}, module loaded ${ratio('warm', 'fetchOnly')}.

Where EdgeVec.load's own work goes (module loaded, the same bytes already in the wasm heap; median ms):

| step | isolated | not isolated |
|---|---:|---:|
${row('streamed load (what load(url) does): the feeds in 1 MB pieces, done while the download runs', 'streamFeed')}
${row('streamed load: the finish after the last byte', 'streamFinish')}
${row('the load of the whole bytes (what load(bytes) does)', 'decodeWhole')}
${row('its CRC pass alone', 'crcPass')}
`;
fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'bench', 'results', `transfer-${day}.json`), JSON.stringify(result, null, 2) + '\n');
fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'transfer.md'), md);
console.log(md);
