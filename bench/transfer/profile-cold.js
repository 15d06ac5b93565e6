// bench/transfer/profile-cold.js — where a fresh page's first
// EdgeVec.load(url) spends its time, in Chromium, on a cross-origin
// isolated page (the module with threads and its worker pool) and on one
// that is not (the default module). Each run is a new browser context, so
// nothing is cached and no module is loaded.
//
// An init script timestamps, relative to the start of the call: every
// fetch() (start, response), the wasm compile/instantiate calls, each
// Worker's creation and its "loaded" message (the pthread pool), every
// WebAssembly.Memory.grow (pages and duration), and the Resource Timing
// of the snapshot (first and last byte). The same page then also times
// loadWasm() alone and a plain fetch().arrayBuffer() in fresh contexts.
// Prints a table per page kind (median of REPS) and the raw runs as JSON.
//
//   node bench/transfer/profile-cold.js [reps]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = path.join(ROOT, 'build', 'transfer');
const FILE = 'mixture-42-100000x128-m8-efc40.evsnap';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REPS = Number(process.argv[2] ?? 5);
// Optional: another copy of js/ whose load is profiled beside this tree's.
const BASE = process.argv[3];

if (!fs.existsSync(path.join(CACHE, FILE))) {
  throw new Error(`${FILE} is missing under build/transfer/: run node bench/transfer/measure-load.js first`);
}

// Runs in the page before any of its scripts.
const INIT = () => {
  const log = [];
  let t0 = performance.now();
  const now = () => performance.now() - t0;
  window.__profile = { log, reset() { log.length = 0; window.__profile.reads.length = 0; t0 = performance.now(); }, now };
  const note = (what, extra) => log.push({ t: now(), what, ...extra });
  const origFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = String(input instanceof Request ? input.url : input).replace(/^.*\//, '');
    note('fetch', { url });
    const p = origFetch.call(this, input, init);
    p.then(() => note('response', { url }), () => undefined);
    return p;
  };
  for (const name of ['instantiateStreaming', 'instantiate', 'compileStreaming', 'compile']) {
    const orig = WebAssembly[name];
    WebAssembly[name] = function (...a) {
      note(`${name}:start`);
      const p = orig.apply(this, a);
      p.then(() => note(`${name}:end`), () => note(`${name}:failed`));
      return p;
    };
  }
  const origGrow = WebAssembly.Memory.prototype.grow;
  WebAssembly.Memory.prototype.grow = function (pages) {
    const t = performance.now();
    const r = origGrow.call(this, pages);
    note('grow', { pages, ms: performance.now() - t, shared: typeof SharedArrayBuffer === 'function' && this.buffer instanceof SharedArrayBuffer });
    return r;
  };
  // Body reads: how long the page waited for each chunk, and how long it
  // worked between a chunk and the next read.
  const reads = [];
  window.__profile.reads = reads;
  const origRead = ReadableStreamDefaultReader.prototype.read;
  ReadableStreamDefaultReader.prototype.read = function () {
    const rec = { call: now(), done: undefined, bytes: 0 };
    reads.push(rec);
    const p = origRead.call(this);
    p.then((c) => { rec.done = now(); rec.bytes = c.value ? c.value.byteLength : 0; }, () => undefined);
    return p;
  };
  const OrigWorker = window.Worker;
  let workers = 0;
  window.Worker = class extends OrigWorker {
    constructor(...a) {
      super(...a);
      const id = workers++;
      note('worker:new', { id });
      this.addEventListener('message', (e) => {
        if (e.data && e.data.cmd === 'loaded') note('worker:loaded', { id });
      });
    }
  };
};

async function freshPage(browser, server, src = '/js/index.js') {
  const context = await browser.newContext();
  await context.addInitScript(INIT);
  const page = await context.newPage();
  await page.goto(`${server.url}tests/browser/pages/harness.html?src=${encodeURIComponent(src)}`);
  await page.waitForFunction(() => window.harnessReady === true);
  return { context, page };
}

async function profileLoad(browser, server, src) {
  const { context, page } = await freshPage(browser, server, src);
  const r = await page.evaluate(async (u) => {
    const { EdgeVec } = window.harness;
    window.__profile.reset();
    const db = await EdgeVec.load(u);
    const total = window.__profile.now();
    const isolated = window.crossOriginIsolated;
    const threads = db.threads;
    db.dispose();
    // The entry is queued a little after the body's last byte.
    let all = [], res;
    for (let i = 0; i < 100 && !res; i++) {
      all = performance.getEntriesByType('resource');
      res = all.filter((e) => e.name.endsWith('.evsnap')).pop();
      if (!res) await new Promise((r) => setTimeout(r, 20));
    }
    if (!res) throw new Error(`no resource entry: ${all.length} ${all.map((e) => e.name).slice(-5)}`);
    // Reads of the snapshot's body (the big ones), in call order.
    const reads = window.__profile.reads.filter((r) => r.done !== undefined);
    let waited = 0, worked = 0;
    for (let i = 0; i < reads.length; i++) {
      waited += reads[i].done - Math.max(reads[i].call, i ? reads[i - 1].done : 0);
      if (i + 1 < reads.length) worked += Math.max(0, reads[i + 1].call - reads[i].done);
    }
    const readStats = {
      chunks: reads.length, firstCall: reads[0]?.call, lastDone: reads[reads.length - 1]?.done, waited, worked,
    };
    return {
      total, isolated, threads, log: window.__profile.log, readStats,
      fetchStartAbs: res.fetchStart, responseStartAbs: res.responseStart, responseEndAbs: res.responseEnd,
      resourceBase: performance.now() - window.__profile.now(),
    };
  }, `/ship/${FILE}`);
  await context.close();
  // Resource Timing is on the page's clock: rebase to the call's start.
  const base = r.resourceBase;
  r.snapFirstByte = r.responseStartAbs - base;
  r.snapLastByte = r.responseEndAbs - base;
  return r;
}

async function profileModuleOnly(browser, server) {
  const { context, page } = await freshPage(browser, server);
  const r = await page.evaluate(async () => {
    window.__profile.reset();
    const { loadWasm } = await import('/js/loader.js');
    await loadWasm();
    return { total: window.__profile.now(), log: window.__profile.log };
  });
  await context.close();
  return r;
}

async function profileFetchOnly(browser, server) {
  const { context, page } = await freshPage(browser, server);
  const r = await page.evaluate(async (u) => {
    window.__profile.reset();
    await (await fetch(u)).arrayBuffer();
    return { total: window.__profile.now() };
  }, `/ship/${FILE}`);
  await context.close();
  return r;
}

// The load's own steps, one by one, in a fresh page with the bytes already
// fetched into JS: the first copy into fresh wasm memory, and the streamed
// load (feeds in 1 MB pieces, then the finish) three times (the first of the
// page's module, on fresh memory; then on memory the previous index freed).
// pretouch: 160 MB written and freed before the first load, so that the
// first one runs on pages already faulted in (what is left is the code).
async function profileSteps(browser, server, pretouch) {
  const { context, page } = await freshPage(browser, server);
  const r = await page.evaluate(async ({ u, pretouch }) => {
    const whole = new Uint8Array(await (await fetch(u)).arrayBuffer());
    const { loadWasm } = await import('/js/loader.js');
    const wasm = await loadWasm();
    const out = {};
    let t;
    if (pretouch) {
      t = performance.now();
      const n = 160 << 20;
      const p = wasm._malloc(n);
      wasm.HEAPU8.fill(1, p, p + n);
      wasm._free(p);
      out.pretouch = performance.now() - t;
    }
    const len = whole.byteLength;
    t = performance.now();
    const ptr = wasm._malloc(len);
    out.alloc = performance.now() - t;
    t = performance.now();
    wasm.HEAPU8.set(whole, ptr);
    out.copyIn = performance.now() - t;
    t = performance.now();
    wasm.HEAPU8.set(whole, ptr);
    out.copyAgain = performance.now() - t;
    const res = wasm._malloc(64);
    // The streamed load as load(url) runs it, three times over (the first
    // on fresh memory): the feeds in 1 MB pieces, then the finish.
    const headerLen = new DataView(whole.buffer, whole.byteOffset).getUint32(12, true);
    for (const k of ['1', '2', '3']) {
      t = performance.now();
      let st = wasm._evp_snapshot_stream_begin(ptr, headerLen, res);
      const stream = wasm.HEAPU32[res >>> 2];
      for (let at = headerLen; st === 0 && at < len; at += 1 << 20) {
        st = wasm._evp_snapshot_stream_feed(stream, ptr + at, Math.min(1 << 20, len - at), res);
      }
      out[`feed${k}`] = performance.now() - t;
      t = performance.now();
      if (st === 0) st = wasm._evp_snapshot_stream_finish(stream, res);
      out[`finish${k}`] = performance.now() - t;
      if (st !== 0) throw new Error(`status ${st}`);
      wasm._evw_free(wasm.HEAPU32[res >>> 2]);
      wasm._evp_snapshot_stream_free(stream);
    }
    return out;
  }, { u: `/ship/${FILE}`, pretouch });
  await context.close();
  return r;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const first = (log, what, pred = () => true) => log.find((e) => e.what === what && pred(e))?.t;
const last = (log, what) => log.filter((e) => e.what === what).pop()?.t;

function medians(rows) {
  return Object.fromEntries(Object.keys(rows[0]).map((k) => [k, Number(median(rows.map((x) => x[k])).toFixed(1))]));
}

function summarise(runs) {
  const rows = runs.map((r) => {
    const l = r.log;
    const wasm = (e) => /\.wasm$/.test(e.url);
    const grows = l.filter((e) => e.what === 'grow');
    return {
      total: r.total,
      snapFetch: first(l, 'fetch', (e) => e.url.endsWith('.evsnap')),
      snapFirstByte: r.snapFirstByte,
      snapLastByte: r.snapLastByte,
      wasmFetch: first(l, 'fetch', wasm),
      compileEnd: last(l, 'instantiateStreaming:end') ?? last(l, 'instantiate:end'),
      workersNew: first(l, 'worker:new'),
      workersLoaded: last(l, 'worker:loaded'),
      workers: l.filter((e) => e.what === 'worker:new').length,
      grows: grows.length,
      growMs: grows.reduce((s, e) => s + e.ms, 0),
      growPages: grows.reduce((s, e) => s + e.pages, 0),
      ...(r.readStats ? {
        readChunks: r.readStats.chunks, readFirstCall: r.readStats.firstCall, readLastDone: r.readStats.lastDone,
        readWaited: r.readStats.waited, workedBetweenReads: r.readStats.worked, afterLastRead: r.total - r.readStats.lastDone,
      } : {}),
    };
  });
  const keys = Object.keys(rows[0]);
  return Object.fromEntries(keys.map((k) => {
    const vals = rows.map((x) => x[k]).filter((v) => v !== undefined);
    return [k, vals.length ? Number(median(vals).toFixed(1)) : null];
  }));
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
const out = {};
try {
  for (const isolated of [true, false]) {
    const mounts = { '/ship/': CACHE };
    if (BASE) Object.assign(mounts, { '/base/js/': path.resolve(BASE), '/base/dist/': path.join(ROOT, 'dist') });
    const server = await startServer({ port: 0, isolated, mounts });
    const kind = isolated ? 'isolated' : 'not isolated';
    const loads = [], baseLoads = [], modules = [], fetches = [], steps = [], stepsTouched = [];
    try {
      for (let i = 0; i < REPS; i++) {
        loads.push(await profileLoad(browser, server));
        if (BASE) baseLoads.push(await profileLoad(browser, server, '/base/js/index.js'));
        modules.push(await profileModuleOnly(browser, server));
        fetches.push(await profileFetchOnly(browser, server));
        steps.push(await profileSteps(browser, server, false));
        stepsTouched.push(await profileSteps(browser, server, true));
      }
    } finally {
      await server.close();
    }
    out[kind] = {
      crossOriginIsolated: loads[0].isolated, threads: loads[0].threads,
      load: summarise(loads),
      baseLoad: BASE ? summarise(baseLoads) : null,
      moduleOnly: { total: Number(median(modules.map((m) => m.total)).toFixed(1)), ...summarise(modules) },
      fetchOnly: Number(median(fetches.map((f) => f.total)).toFixed(1)),
      steps: medians(steps),
      stepsPretouched: medians(stepsTouched),
      raw: { loads, baseLoads, modules, fetches, steps, stepsTouched },
    };
  }
} finally {
  await browser.close();
}
for (const [kind, o] of Object.entries(out)) {
  console.log(`\n== ${kind} (crossOriginIsolated ${o.crossOriginIsolated}, threads ${o.threads}) ==`);
  console.log('fresh-page EdgeVec.load(url), ms from the call (median):', o.load);
  if (o.baseLoad) console.log('the same with the other js/:', o.baseLoad);
  console.log('fresh-page loadWasm() alone:', o.moduleOnly);
  console.log('fresh-page fetch().arrayBuffer() alone:', o.fetchOnly);
  console.log('fresh-page steps on fetched bytes:', o.steps);
  console.log('the same, 160 MB touched first:', o.stepsPretouched);
}
if (process.env.PROFILE_JSON) fs.writeFileSync(process.env.PROFILE_JSON, JSON.stringify(out, null, 2));
