// bench/peers/run.js — measures ONE library on ONE data set in this (fresh)
// process and writes one JSON record. scripts/bench-peers.sh starts it once
// per library, data set and run, so no library inherits another's heap, JIT
// state or wasm memory.
//
//   node --expose-gc bench/peers/run.js --lib hnswlib-wasm --dataset A \
//        [--out file.json] [--efs 10,20,40] [--queries 1000] [--no-delete]
//
// Phases, in order (each one's numbers land in the record):
//   init     import + instantiate the module
//   build    create + insert every row in one batch call (or the loop a
//            caller writes when the library has no batch call); memory after
//   sweep    for each ef: every query once, timed one by one -> QPS (queries
//            over the loop's wall time), P50/P99 latency, recall@10. A full
//            untimed pass at a middle ef warms the JIT (Liftoff) first.
//   save     save + load where the library can, recall of the loaded index
//   delete   soft-delete 10% of the rows (a seeded choice, the same for
//            every library), then the sweep again against the exact top-10 of
//            the remaining rows, and a count of deleted rows returned
//   insert   a fresh index: the first INSERT_N rows in one batch call, and
//            again one call per row, as vectors/s
// A set marked searchOnly (the real-like sets of issue 16, bench/lib/data.js)
// runs init, build and sweep only, with the longer ef list REAL_EFS.
//
// An adapter (bench/peers/<lib>.js) maps this protocol onto one library's
// API; what a library cannot do is recorded as `unsupported` with the reason.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadDataset, recallOf, K } from '../lib/data.js';
import { percentile, qpsAtRecall } from '../lib/stats.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const LIBRARIES = ['edgevec-c', 'hnswlib-wasm', 'edgevec', 'voy', 'hnswlib-node'];
export const M = 16;
export const EF_CONSTRUCTION = 200;
export const SEED = 100;
export const DEFAULT_EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384];
// Real data approaches recall 1 more slowly: one more point at the top.
export const REAL_EFS = [...DEFAULT_EFS, 512];
// ef points for a library whose ef is fixed at build time (one build each),
// per data set: the two efs around recall 0.95 for an M 16 graph (from the
// sweeps of the per-query-ef libraries), so that two builds can bracket it.
export const BUILD_TIME_EFS = { A: [48, 96], B: [16, 32], S: [16, 32] };
const INSERT_N = 5000;
const WARMUP_SEARCHES = 2000;

function parseArgs(argv) {
  const args = { efs: null, queries: null, delete: true, buildEfs: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--lib') args.lib = next();
    else if (a === '--dataset') args.dataset = next();
    else if (a === '--out') args.out = next();
    else if (a === '--efs') args.efs = next().split(',').map(Number);
    else if (a === '--build-efs') args.buildEfs = next().split(',').map(Number);
    else if (a === '--queries') args.queries = Number(next());
    else if (a === '--no-delete') args.delete = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!LIBRARIES.includes(args.lib)) throw new Error(`--lib must be one of ${LIBRARIES.join(', ')}`);
  if (!args.dataset) throw new Error('--dataset is required');
  return args;
}

const log = (...a) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`);
const now = () => performance.now();
// CPU time (user + system, all threads of this process) since `since`, in ms.
const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

function settle() {
  // Two collections: the first may only schedule finalizers.
  if (globalThis.gc) { globalThis.gc(); globalThis.gc(); }
}

function memory(adapter, h, initialised = true) {
  settle();
  const mu = process.memoryUsage();
  const ask = (f) => (initialised && f ? f.call(adapter, h) : null);
  return {
    rss: mu.rss,
    heapUsed: mu.heapUsed,
    external: mu.external,
    arrayBuffers: mu.arrayBuffers,
    wasm: ask(adapter.wasmBytes),
    library: h ? ask(adapter.libraryBytes) : null,
  };
}

// Every query once at the current ef; latencies in ms.
async function pass(adapter, h, queries, dim, nq, gt, deletedSet) {
  const lat = new Float64Array(nq);
  const results = new Array(nq);
  let isAsync = null;
  const c0 = process.cpuUsage();
  const t0 = now();
  for (let qi = 0; qi < nq; qi++) {
    const q = queries[qi];
    const t = now();
    let r = adapter.search(h, q, K);
    if (isAsync === null) isAsync = typeof r?.then === 'function';
    if (isAsync) r = await r;
    lat[qi] = now() - t;
    results[qi] = r;
  }
  const wall = now() - t0;
  const cpu = cpuMs(c0);
  let recall = 0;
  let deletedReturned = 0;
  let short = 0;
  for (let qi = 0; qi < nq; qi++) {
    const r = results[qi];
    recall += recallOf(r, gt, qi);
    if (r.length < K) short++;
    if (deletedSet) for (const id of r) if (deletedSet.has(id)) deletedReturned++;
  }
  const sorted = Array.from(lat).sort((a, b) => a - b);
  return {
    qps: nq / (wall / 1000),
    // The same over this process's CPU time: on a machine shared with other
    // work, wall time includes waiting for a core and this does not.
    qpsCpu: nq / (cpu / 1000),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: wall / nq,
    recall: recall / nq,
    shortResults: short,
    ...(deletedSet ? { deletedReturned } : {}),
  };
}

// Per-query latency in CPU time: every query once more, each bracketed by
// process.cpuUsage() and the clock, and taken as the smaller of the two.
// On a shared machine a query that lost its core for a scheduler tick
// (4 ms) shows up in the wall-clock P99 but not in CPU time. But
// process.cpuUsage() counts every thread of the process, and V8's own
// (background compilation, concurrent GC) run beside a query now and then:
// on R100 at ef 64, in two of three rounds of 1,000 queries, 8 and 10
// queries took 20 µs or more of CPU time beyond their wall time, which no
// single-threaded search can, and they alone set those rounds' CPU-time
// P99 (the third round had none). A search runs on this thread only, so
// its own CPU time is at most either figure, and the smaller is the
// nearer. The cost of each bracketing itself (measured on empty brackets)
// is subtracted.
let bracketCostMs = null;
function cpuBracketCost() {
  if (bracketCostMs !== null) return bracketCostMs;
  const v = new Float64Array(2001);
  for (let i = 0; i < v.length; i++) {
    const c = process.cpuUsage();
    v[i] = cpuMs(c);
  }
  bracketCostMs = percentile(Array.from(v).sort((a, b) => a - b), 0.5);
  return bracketCostMs;
}

async function cpuLatencies(adapter, h, queries, nq) {
  const cost = cpuBracketCost();
  const lat = new Float64Array(nq);
  for (let qi = 0; qi < nq; qi++) {
    const c = process.cpuUsage();
    const t = now();
    const r = adapter.search(h, queries[qi], K);
    if (typeof r?.then === 'function') await r;
    const wall = now() - t;
    lat[qi] = Math.max(0, Math.min(cpuMs(c) - cost, wall));
  }
  const sorted = Array.from(lat).sort((a, b) => a - b);
  return { p50Cpu: percentile(sorted, 0.5), p99Cpu: percentile(sorted, 0.99) };
}

async function sweep(adapter, h, efs, queries, dim, nq, gt, deletedSet) {
  const points = [];
  for (const ef of efs) {
    if (ef !== null) adapter.setEf(h, ef);
    const p = await pass(adapter, h, queries, dim, nq, gt, deletedSet);
    Object.assign(p, await cpuLatencies(adapter, h, queries, nq));
    points.push({ ef, ...p });
    log(`  ef ${ef ?? '-'}: ${p.qps.toFixed(0)} QPS (CPU ${p.qpsCpu.toFixed(0)}), recall ${p.recall.toFixed(4)}, P50 ${(p.p50 * 1000).toFixed(0)} us, P99 ${(p.p99 * 1000).toFixed(0)} us (CPU ${(p.p50Cpu * 1000).toFixed(0)} / ${(p.p99Cpu * 1000).toFixed(0)} us)`);
  }
  return points;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const adapter = (await import(path.join(HERE, `${args.lib}.js`))).default;
  const data = loadDataset(args.dataset, log);
  const { spec } = data;
  const dim = spec.dim;
  // An exact (brute-force-like) library takes tens of ms per query on A: it
  // gets at most adapter.maxQueries queries (the first ones) and a single
  // warm-up pass, so it does not hold a core for many minutes.
  const nq = Math.min(args.queries ?? adapter.maxQueries ?? spec.q, spec.q);
  const record = {
    library: adapter.name,
    dataset: spec.name,
    spec: data.meta,
    queries: nq,
    params: { m: M, efConstruction: EF_CONSTRUCTION, seed: SEED, k: K },
    node: process.version,
    v8: process.versions.v8,
    pid: process.pid,
    loadavgAtStart: os.loadavg(),
    startedAt: new Date().toISOString(),
    notes: adapter.notes ?? [],
    unsupported: {},
  };
  const mem0 = memory(adapter, null, false);

  let t = now();
  await adapter.init();
  record.initMs = now() - t;
  if (adapter.simdBackend) record.simdBackend = adapter.simdBackend();
  if (adapter.buildId) record.build = adapter.buildId();

  // Query rows as the library wants them, prepared before any timing.
  const queries = new Array(nq);
  for (let qi = 0; qi < nq; qi++) {
    const q = data.queries.slice(qi * dim, (qi + 1) * dim);
    queries[qi] = adapter.prepareQuery ? adapter.prepareQuery(q) : q;
  }

  const exact = !!adapter.exact;
  const perQueryEfs = args.efs ?? (spec.searchOnly ? REAL_EFS : DEFAULT_EFS);
  const efs = exact ? [null] : (adapter.efPerQuery ? perQueryEfs : (args.buildEfs ?? BUILD_TIME_EFS[spec.name] ?? [64]));
  if (spec.searchOnly) {
    args.delete = false;
    record.phasesSkipped = ['save', 'delete', 'insert'];
  }
  const memBase = memory(adapter, null);

  // ---- build (for build-time-ef libraries, the first ef's build is the one timed and measured)
  log(`${adapter.name} on ${spec.name}: build ${spec.n} x ${dim}`);
  t = now();
  let c = process.cpuUsage();
  let h = await adapter.create({ dim, capacity: spec.n, m: M, efConstruction: EF_CONSTRUCTION, seed: SEED, ef: efs[0] ?? 64 });
  await adapter.insertBatch(h, data.base, 0);
  record.buildMs = now() - t;
  record.buildCpuMs = cpuMs(c);
  record.insertPerSec = spec.n / (record.buildMs / 1000);
  const memBuilt = memory(adapter, h);
  record.memory = {
    beforeInit: mem0, beforeBuild: memBase, afterBuild: memBuilt,
    rssPerVector: (memBuilt.rss - memBase.rss) / spec.n,
    wasmPerVector: memBuilt.wasm != null && memBase.wasm != null ? (memBuilt.wasm - memBase.wasm) / spec.n : null,
    libraryPerVector: memBuilt.library != null ? memBuilt.library / spec.n : null,
  };
  log(`  build ${(record.buildMs / 1000).toFixed(1)} s (CPU ${(record.buildCpuMs / 1000).toFixed(1)} s), RSS +${(record.memory.rssPerVector).toFixed(0)} B/vector, wasm +${record.memory.wasmPerVector?.toFixed(0) ?? '-'} B/vector`);

  // ---- warm-up and sweep
  // Warm-up: at least WARMUP_SEARCHES searches (whole passes), untimed, so
  // the JIT tiers (Liftoff -> TurboFan) are done before anything is timed.
  if (adapter.efPerQuery) adapter.setEf(h, efs[Math.floor(efs.length / 2)]);
  const warmup = adapter.exact ? nq : WARMUP_SEARCHES;
  for (let done = 0; done < warmup; done += nq) await pass(adapter, h, queries, dim, nq, data.gt, null);
  if (adapter.efPerQuery || exact) {
    record.sweep = await sweep(adapter, h, efs, queries, dim, nq, data.gt, null);
  } else {
    // ef fixed at build: this build serves efs[0]; the others get their own.
    record.sweep = await sweep(adapter, { ...h }, [null], queries, dim, nq, data.gt, null);
    record.sweep[0].ef = efs[0];
    record.extraBuilds = [];
    for (const ef of efs.slice(1)) {
      adapter.dispose(h);
      settle();
      t = now();
      h = await adapter.create({ dim, capacity: spec.n, m: M, efConstruction: EF_CONSTRUCTION, seed: SEED, ef });
      await adapter.insertBatch(h, data.base, 0);
      record.extraBuilds.push({ ef, buildMs: now() - t });
      await pass(adapter, h, queries, dim, Math.min(nq, 200), data.gt, null);
      const [p] = await sweep(adapter, h, [null], queries, dim, nq, data.gt, null);
      record.sweep.push({ ...p, ef });
    }
  }
  record.qpsAtRecall95 = qpsAtRecall(record.sweep, 0.95);
  record.qpsCpuAtRecall95 = qpsAtRecall(record.sweep.map((p) => ({ ...p, qps: p.qpsCpu })), 0.95);
  const at95 = record.qpsAtRecall95;
  log(`  QPS at recall 0.95: ${at95.qps ? at95.qps.toFixed(0) : at95.note}`);
  // The ef used for the single-ef checks below: the smallest reaching 0.95.
  const efFor95 = adapter.efPerQuery ? (record.sweep.find((p) => p.recall >= 0.95)?.ef ?? efs[efs.length - 1]) : null;
  record.efFor95 = efFor95;

  // ---- save / load
  if (spec.searchOnly) {
    // Not measured on these sets (see the top of this file).
  } else if (typeof adapter.save === 'function') {
    try {
      t = now();
      const saved = await adapter.save(h);
      // An adapter that has to prepare before saving times the save itself.
      const saveMs = saved.ms ?? now() - t;
      record.save = { ms: saveMs, bytes: saved.bytes, where: saved.where };
      try {
        t = now();
        const h2 = await adapter.load(saved.handle);
        record.load = { ms: now() - t };
        if (adapter.efPerQuery) adapter.setEf(h2, efFor95);
        const p = await pass(adapter, h2, queries, dim, nq, data.gt, null);
        record.load.recall = p.recall;
        record.load.qps = p.qps;
        record.load.ef = efFor95;
        if (h2 !== h) adapter.dispose(h2);
      } catch (e) {
        record.load = { failed: String(e.message ?? e).slice(0, 300) };
      }
      log(`  save ${saveMs.toFixed(0)} ms (${saved.bytes ?? '?'} B), load ${record.load.failed ? `FAILED: ${record.load.failed}` : `${record.load.ms.toFixed(0)} ms`}`);
    } catch (e) {
      record.save = { failed: String(e.message ?? e).slice(0, 300) };
      log(`  save FAILED: ${record.save.failed}`);
    }
  } else {
    record.unsupported.save = 'no save/load in the API yet';
  }

  // ---- delete 10%
  if (args.delete && adapter.deleteBatch && data.gtAfterDelete) {
    const deletedSet = new Set(data.deleted);
    t = now();
    const r = await adapter.deleteBatch(h, data.deleted);
    record.delete = { count: data.deleted.length, ms: now() - t, reported: r.deleted };
    log(`  deleted ${data.deleted.length} in ${record.delete.ms.toFixed(0)} ms`);
    const delEfs = adapter.efPerQuery ? efs : [null];
    record.afterDelete = await sweep(adapter, h, delEfs, queries, dim, nq, data.gtAfterDelete, deletedSet);
    if (!adapter.efPerQuery) record.afterDelete[0].ef = efs[efs.length - 1];
    record.afterDeleteQpsAtRecall95 = qpsAtRecall(record.afterDelete, 0.95);
  }
  adapter.dispose(h);
  h = null;
  settle();

  // ---- batch vs single insert on a fresh index
  const insN = Math.min(INSERT_N, spec.n);
  const slice = data.base.subarray(0, insN * dim);
  if (!spec.searchOnly) {
    t = now();
    const hb = await adapter.create({ dim, capacity: insN, m: M, efConstruction: EF_CONSTRUCTION, seed: SEED, ef: 64 });
    let inserted = insN;
    if (adapter.insertBatchArrays) inserted = adapter.insertBatchArrays(hb, slice, 0);
    else await adapter.insertBatch(hb, slice, 0);
    const batchMs = now() - t;
    adapter.dispose(hb);
    settle();
    t = now();
    const hs = await adapter.create({ dim, capacity: insN, m: M, efConstruction: EF_CONSTRUCTION, seed: SEED, ef: 64 });
    for (let i = 0; i < insN; i++) await adapter.insertOne(hs, slice.subarray(i * dim, (i + 1) * dim), i);
    const singleMs = now() - t;
    adapter.dispose(hs);
    record.insert = {
      n: insN,
      batchPerSec: insN / (batchMs / 1000),
      singlePerSec: insN / (singleMs / 1000),
      batchCall: adapter.insertBatchArrays ? 'insertBatch(Array<Float32Array>)' : 'insertBatch',
      batchInserted: inserted,
    };
    log(`  insert ${insN}: batch ${record.insert.batchPerSec.toFixed(0)}/s (${inserted} inserted), single ${record.insert.singlePerSec.toFixed(0)}/s`);
  }

  record.finishedAt = new Date().toISOString();
  // The whole process's CPU time (user + system): what the run costs on an
  // idle machine, whatever the load was.
  record.processCpuMs = cpuMs();
  record.loadavgAtEnd = os.loadavg();
  record.machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, totalMem: os.totalmem(), platform: `${os.platform()} ${os.release()}` };
  const json = JSON.stringify(record, null, 2);
  if (args.out) {
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    fs.writeFileSync(args.out, json);
  } else {
    process.stdout.write(json + '\n');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main().then(
  () => process.exit(0),
  (e) => {
    log(`FAILED: ${e.stack ?? e}`);
    process.exit(1);
  },
);
