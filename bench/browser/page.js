// bench/browser/page.js — measures one library inside a Chromium page: load
// (import + instantiate), build of the data set in one batch, then an ef
// sweep of search with per-query timing, as bench/peers/run.js does in Node.
// The data, queries and exact top-10 are the Node cache files, fetched from
// the local server. The result goes to window.__benchResult for run.js.
import { percentile, qpsAtRecall, recallOf } from '/bench/lib/stats.js';
import { ADAPTERS } from './adapters.js';

const params = new URLSearchParams(location.search);
const logEl = document.getElementById('log');
const log = (s) => { logEl.textContent += `\n${s}`; console.log(s); };

async function fetchTyped(url, Ctor) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Ctor(await r.arrayBuffer());
}

async function main() {
  const libName = params.get('lib');
  const dim = Number(params.get('dim'));
  const n = Number(params.get('n'));
  // An exact library takes tens of ms per query on A: the first 200 queries.
  const nq = ADAPTERS[params.get('lib')].exact ? Math.min(200, Number(params.get('q'))) : Number(params.get('q'));
  const efs = params.get('efs').split(',').map(Number);
  const buildEf = Number(params.get('buildEf'));
  const a = ADAPTERS[libName];
  const base = await fetchTyped(params.get('base'), Float32Array);
  const allQueries = await fetchTyped(params.get('queries'), Float32Array);
  const gt = await fetchTyped(params.get('gt'), Int32Array);
  const queries = Array.from({ length: nq }, (_, i) => allQueries.slice(i * dim, (i + 1) * dim));
  const out = { library: libName, userAgent: navigator.userAgent, crossOriginIsolated: self.crossOriginIsolated, queries: nq, buildEf: a.efPerQuery ? null : buildEf };

  let t = performance.now();
  await a.init();
  out.initMs = performance.now() - t;
  const wasm0 = a.wasmBytes();
  t = performance.now();
  const h = await a.create({ dim, capacity: n, m: 16, efConstruction: 200, seed: 100, ef: buildEf });
  await a.insertBatch(h, base, n, dim);
  out.buildMs = performance.now() - t;
  out.wasmPerVector = (a.wasmBytes() - wasm0) / n;
  log(`${libName}: build ${(out.buildMs / 1000).toFixed(1)} s`);

  const pass = () => {
    const lat = new Float64Array(nq);
    const res = new Array(nq);
    const t0 = performance.now();
    for (let i = 0; i < nq; i++) {
      const s = performance.now();
      res[i] = a.search(h, queries[i], 10);
      lat[i] = performance.now() - s;
    }
    const wall = performance.now() - t0;
    let recall = 0;
    for (let i = 0; i < nq; i++) recall += recallOf(res[i], gt, i);
    const sorted = Array.from(lat).sort((x, y) => x - y);
    return { qps: nq / (wall / 1000), p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), recall: recall / nq };
  };
  const points = a.exact || !a.efPerQuery ? [null] : efs;
  if (a.efPerQuery) a.setEf(h, efs[Math.floor(efs.length / 2)]);
  for (let done = 0; done < (a.exact ? nq : 2000); done += nq) pass();
  out.sweep = [];
  for (const ef of points) {
    if (ef !== null) a.setEf(h, ef);
    const p = pass();
    out.sweep.push({ ef: ef ?? (a.exact ? null : buildEf), ...p });
    log(`  ef ${ef ?? (a.exact ? "exact" : buildEf)}: ${p.qps.toFixed(0)} QPS, recall ${p.recall.toFixed(4)}`);
  }
  out.qpsAtRecall95 = qpsAtRecall(out.sweep, 0.95);
  return out;
}

main().then(
  (r) => { window.__benchResult = r; },
  (e) => { window.__benchResult = { error: String(e?.stack ?? e).slice(0, 500) }; },
);
