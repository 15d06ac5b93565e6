// bench/worker/measure-search.js — what the worker boundary costs a search:
// the same 100,000 × 128 index (seeded mixture, M 16, efConstruction 200)
// searched at ef 64, k 10, one awaited search after another, on the main
// thread and in worker mode side by side in one run: in Node
// (worker_threads), Chromium, Firefox and WebKit (pages of the project's server on
// 127.0.0.1, cross-origin isolated as `npm start` serves them). Writes
// bench/results/worker.md and bench/results/worker-<date>.json.
//
//   npm run bench:worker        (or: node bench/worker/measure-search.js)
//
// The index is built once in Node and cached as a snapshot under
// build/worker/; every mode loads those bytes (EdgeVec.load, with and
// without `worker: true`), so they search the same graph. Browsers coarsen
// performance.now(), so latency is timed over blocks of BLOCK searches and
// divided; the median is over blocks, and the modes alternate block by
// block so that the machine's load falls on all alike. Beside the
// one-at-a-time latency, the same searches with several in flight, and a
// bare echo worker's round trip, by message and (where there is shared
// memory) through a SharedArrayBuffer: what the platform's own crossing
// costs, with nothing of EdgeVec.
//
// Worker mode is measured twice: as it runs (searches on the shared-memory
// channel of js/worker/channel.js where the platform allows one) and with
// messages only (the same code, with Atomics.waitAsync hidden while that
// index is made so that it gets no channel: what a page that is not
// cross-origin isolated, or an engine without shared memory such as
// WebKitGTK, gets). WebKit is driven through WebKitWebDriver and MiniBrowser
// (bench/lib/webkit.js), as the browser suite drives it; it has no shared
// memory, so its worker mode is messages only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, firefox } from 'playwright-core';
import { EdgeVec } from '../../js/index.js';
import { Mixture } from '../../tests/lib/dataset.js';
import { startServer } from '../../scripts/serve.js';
import { startWebKit } from '../lib/webkit.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = path.join(ROOT, 'build', 'worker');
const N = 100_000, DIM = 128, NQ = 1000, K = 10, EF = 64, SEED = 42;
const OPTIONS = { dimensions: DIM, metric: 'l2', m: 16, efConstruction: 200, seed: 7 };
const FILE = `mixture-${SEED}-${N}x${DIM}-m${OPTIONS.m}-efc${OPTIONS.efConstruction}.evsnap`;
const BLOCK = 48;
const DEPTH = 8;
const ROUNDS = 100;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Runs where EdgeVec and Mixture are in scope (Node, or the page through
 * toString): loads the three modes, then ROUNDS rounds of one BLOCK-search block
 * per mode, alternating which goes first. Returns per-search µs of each block
 * and whether both modes gave the same hits.
 */
async function measure(EdgeVec, Mixture, source, cfg) {
  const mix = new Mixture(cfg.seed, cfg.dim);
  mix.rows(cfg.n);
  const queries = mix.rows(cfg.nq);
  const main = await EdgeVec.load(source);
  const inWorker = await EdgeVec.load(source, { worker: true });
  // The searches in flight get a worker of their own: a worker that also
  // ran them answered one-at-a-time searches measurably slower or faster
  // than an identical one that did not (the threads' placement on cores
  // follows what they last did), which would favour one mode.
  const forPipelining = await EdgeVec.load(source, { worker: true });
  const waitAsync = Atomics.waitAsync;
  let messagesOnly;
  try {
    Atomics.waitAsync = undefined;
    messagesOnly = await EdgeVec.load(source, { worker: true });
  } finally {
    Atomics.waitAsync = waitAsync;
  }
  // Whether worker mode had its channel here (js/worker/channel.js, channelAvailable).
  const channel = typeof waitAsync === 'function' && typeof SharedArrayBuffer === 'function' &&
    (globalThis.crossOriginIsolated === true || typeof globalThis.process?.versions?.node === 'string');
  const query = (i) => queries.slice((i % cfg.nq) * cfg.dim, (i % cfg.nq + 1) * cfg.dim);
  const sameHits = (a, b) => a.length === b.length &&
    a.every((h, j) => h.id === b[j].id && h.distance === b[j].distance);
  let same = 0;
  for (let i = 0; i < 100; i++) {
    const a = main.search(query(i), cfg.k, { ef: cfg.ef });
    const b = await inWorker.search(query(i), cfg.k, { ef: cfg.ef });
    const c = await messagesOnly.search(query(i), cfg.k, { ef: cfg.ef });
    if (sameHits(a, b) && sameHits(a, c)) same++;
  }
  // The platform's own round trip, for scale: a worker that only echoes
  // what it gets (the query), with nothing of EdgeVec on either side.
  let echo;
  const nodeProcess = globalThis.process;
  if (typeof nodeProcess === 'object' && nodeProcess?.versions?.node) {
    const { Worker } = nodeProcess.getBuiltinModule('node:worker_threads');
    const w = new Worker("const { parentPort } = require('node:worker_threads');" +
      'parentPort.on("message", (m) => parentPort.postMessage(m));', { eval: true });
    echo = { send: (m) => new Promise((r) => { w.once('message', r); w.postMessage(m); }), end: () => w.terminate() };
  } else {
    const w = new Worker(URL.createObjectURL(new Blob(['onmessage = (e) => postMessage(e.data);'])));
    echo = {
      send: (m) => new Promise((r) => { w.onmessage = (e) => r(e.data); w.postMessage(m); }),
      end: () => w.terminate(),
    };
  }
  // And where there is shared memory, the same echo through it: the query
  // put in a SharedArrayBuffer, the worker blocked in Atomics.wait until
  // notified, this side waiting in Atomics.waitAsync for its notify back.
  let sharedEcho = null;
  if (channel) {
    // words: [0] request, [1] answer, [2] µs to busy-wait before answering.
    const script = 'const run = (sab) => { const w = new Int32Array(sab, 0, 4), d = new Float32Array(sab, 16, 128);' +
      ' let last = 0; for (;;) { Atomics.wait(w, 0, last); const v = Atomics.load(w, 0); if (v < 0) return;' +
      ' if (v === last) continue; last = v; const end = performance.now() + w[2] / 1000;' +
      ' while (performance.now() < end) { /* a search-long wait */ }' +
      ' d[0] = d[1]; Atomics.store(w, 1, v); Atomics.notify(w, 1); } };';
    const sab = new SharedArrayBuffer(16 + 4 * 128);
    const words = new Int32Array(sab, 0, 4), data = new Float32Array(sab, 16, 128);
    let w;
    if (typeof nodeProcess === 'object' && nodeProcess?.versions?.node) {
      const { Worker } = nodeProcess.getBuiltinModule('node:worker_threads');
      w = new Worker(`${script} require('node:worker_threads').parentPort.once('message', run);`, { eval: true });
    } else {
      w = new Worker(URL.createObjectURL(new Blob([`${script} onmessage = (e) => run(e.data);`])));
    }
    w.postMessage(sab);
    let seq = 0;
    sharedEcho = {
      async send(q, workUs = 0) {
        words[2] = workUs;
        data.set(q.subarray(0, 128));
        const sent = ++seq;
        Atomics.store(words, 0, sent);
        Atomics.notify(words, 0);
        for (;;) {
          const got = Atomics.load(words, 1);
          if (got === sent) return;
          const r = Atomics.waitAsync(words, 1, got);
          if (r.async) await r.value;
        }
      },
      end() {
        Atomics.store(words, 0, -1);
        Atomics.notify(words, 0);
        return w.terminate();
      },
    };
  }
  const blocks = { main: [], worker: [], messages: [], pipelined: [], echo: [], sharedEcho: [], sharedEchoWork: [] };
  // The search-long wait of the second shared-memory echo: the main
  // thread's search time, once measured (the warm-up rounds).
  let workUs = 0;
  let next = 0;
  const runMain = async () => {
    const t0 = performance.now();
    for (let i = 0; i < cfg.block; i++) main.search(query(next++), cfg.k, { ef: cfg.ef });
    blocks.main.push(((performance.now() - t0) * 1000) / cfg.block);
  };
  const runWorker = async () => {
    const t0 = performance.now();
    for (let i = 0; i < cfg.block; i++) await inWorker.search(query(next++), cfg.k, { ef: cfg.ef });
    blocks.worker.push(((performance.now() - t0) * 1000) / cfg.block);
  };
  const runMessages = async () => {
    const t0 = performance.now();
    for (let i = 0; i < cfg.block; i++) await messagesOnly.search(query(next++), cfg.k, { ef: cfg.ef });
    blocks.messages.push(((performance.now() - t0) * 1000) / cfg.block);
  };
  // Throughput rather than latency: DEPTH searches in flight at once, so
  // that the worker searches while this side handles the answers.
  const runPipelined = async () => {
    const t0 = performance.now();
    for (let i = 0; i < cfg.block; i += cfg.depth) {
      const inFlight = [];
      for (let j = 0; j < cfg.depth; j++) inFlight.push(forPipelining.search(query(next++), cfg.k, { ef: cfg.ef }));
      await Promise.all(inFlight);
    }
    blocks.pipelined.push(((performance.now() - t0) * 1000) / cfg.block);
  };
  const runEcho = async () => {
    const t0 = performance.now();
    for (let i = 0; i < cfg.block; i++) await echo.send(query(next++));
    blocks.echo.push(((performance.now() - t0) * 1000) / cfg.block);
  };
  const runSharedEcho = async () => {
    const t0 = performance.now();
    for (let i = 0; i < cfg.block; i++) await sharedEcho.send(query(next++));
    blocks.sharedEcho.push(((performance.now() - t0) * 1000) / cfg.block);
  };
  // The same echo with the worker busy for a search's time before it
  // answers, that time taken off: what crossing costs around a search,
  // when each side's core sat idle meanwhile.
  const runSharedEchoWork = async () => {
    const t0 = performance.now();
    for (let i = 0; i < cfg.block; i++) await sharedEcho.send(query(next++), Math.round(workUs));
    blocks.sharedEchoWork.push(((performance.now() - t0) * 1000) / cfg.block - Math.round(workUs));
  };
  const all = [runMain, runWorker, runMessages, runPipelined, runEcho,
    ...(sharedEcho ? [runSharedEcho, runSharedEchoWork] : [])];
  let seed = cfg.seed;
  // Warm-up: every mode's code tiered up before anything is timed.
  for (let r = 0; r < 3; r++) {
    for (const run of all) await run();
    workUs = blocks.main.reduce((a, b) => a + b, 0) / blocks.main.length;
  }
  for (const list of Object.values(blocks)) list.length = 0;
  for (let r = 0; r < cfg.rounds; r++) {
    if (r % 25 === 0) console.error(`  round ${r} of ${cfg.rounds}`);
    // Each round in a shuffled order (seeded), so that every mode follows
    // every other alike: a block runs measurably slower right after the
    // main thread's block (the worker threads' cores sat idle) than after
    // another worker's.
    const order = [...all];
    for (let i = order.length - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const run of order) await run();
  }
  main.dispose();
  await inWorker.dispose();
  await messagesOnly.dispose();
  await forPipelining.dispose();
  await echo.end();
  await sharedEcho?.end();
  return { blocks, sameHitsOf100: same, channel };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r1 = (x) => Number(x.toFixed(1));

/** The median over rounds of a mode's block time over the main thread's in the same round. */
const pairedRatio = (blocks, mode) => median(blocks[mode].map((t, i) => t / blocks.main[i]));

function summary(r) {
  const main = median(r.blocks.main), worker = median(r.blocks.worker), messages = median(r.blocks.messages);
  const pipelined = median(r.blocks.pipelined), echo = median(r.blocks.echo);
  return {
    channel: r.channel,
    mainUs: r1(main), workerUs: r1(worker), overheadUs: r1(worker - main),
    overheadPct: r1(((worker - main) / main) * 100),
    pairedPct: r1((pairedRatio(r.blocks, 'worker') - 1) * 100),
    messagesUs: r1(messages), messagesPct: r1(((messages - main) / main) * 100),
    messagesPairedPct: r1((pairedRatio(r.blocks, 'messages') - 1) * 100),
    sameHitsOf100: r.sameHitsOf100,
    pipelinedUs: r1(pipelined), pipelinedPct: r1(((pipelined - main) / main) * 100),
    echoUs: r1(echo), ownUs: r1(worker - main - echo),
    sharedEchoUs: r.blocks.sharedEcho.length ? r1(median(r.blocks.sharedEcho)) : null,
    sharedEchoWorkUs: r.blocks.sharedEchoWork.length ? r1(median(r.blocks.sharedEchoWork)) : null,
    raw: Object.fromEntries(Object.entries(r.blocks).map(([k, v]) => [k, v.map(r1)])),
  };
}

const file = path.join(CACHE, FILE);
if (!fs.existsSync(file)) {
  console.error(`building ${FILE} (once; cached under build/worker/)`);
  const db = await EdgeVec.create(OPTIONS);
  await db.insertBatch(new Mixture(SEED, DIM).rows(N));
  fs.mkdirSync(CACHE, { recursive: true });
  fs.writeFileSync(`${file}.tmp`, await db.export());
  fs.renameSync(`${file}.tmp`, file);
  db.dispose();
}
const cfg = { seed: SEED, dim: DIM, n: N, nq: NQ, k: K, ef: EF, block: BLOCK, depth: DEPTH, rounds: ROUNDS };
const line = (name, r) => `${name}: main ${r.mainUs} µs, worker ${r.workerUs} µs (paired +${r.pairedPct}%), ` +
  `messages only ${r.messagesUs} µs (paired +${r.messagesPairedPct}%), echo ${r.echoUs} µs, ` +
  `shared-memory echo ${r.sharedEchoUs} µs (${r.sharedEchoWorkUs} µs around a search), ` +
  `${DEPTH} in flight ${r.pipelinedUs} µs`;

const bytes = new Uint8Array(fs.readFileSync(file));
const node = summary(await measure(EdgeVec, Mixture, bytes, cfg));
console.error(line('node', node));

/**
 * Runs measure() in a page of the project's server in one browser.
 * @param {import('playwright-core').BrowserType} type
 * @param {object} launch
 */
async function inBrowser(type, launch) {
  const browser = await type.launch(launch);
  const version = `${type.name()} ${browser.version()}`;
  try {
    const p = await browser.newPage();
    p.on('console', (m) => { if (m.type() === 'error') console.error(`  ${type.name()}: ${m.text()}`); });
    await p.goto(`${server.url}tests/browser/pages/harness.html`);
    await p.waitForFunction(() => window.harnessReady === true, null, { timeout: 60_000 });
    const r = summary(await withTimeout(p.evaluate(async ([src, url, c]) => {
      const fn = (0, eval)(`(${src})`);
      return fn(window.harness.EdgeVec, window.harness.dataset.Mixture, url, c);
    }, [measure.toString(), `/index/${FILE}`, cfg]), PAGE_TIMEOUT_MS, `${type.name()}: the page's run`));
    console.error(line(type.name(), r));
    return { version, ...r };
  } finally {
    await browser.close();
  }
}

/** A page's run takes about a minute; one that has not ended by then never will. */
const PAGE_TIMEOUT_MS = 10 * 60_000;

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * inBrowser, once more if the browser went away or hung mid-run (Firefox
 * over BiDi has, now and then, closed the page of a long evaluate, or left
 * it unanswered).
 * @param {import('playwright-core').BrowserType} type
 * @param {object} launch
 */
async function inBrowserRetried(type, launch) {
  try {
    return await inBrowser(type, launch);
  } catch (err) {
    console.error(`${type.name()} failed (${err instanceof Error ? err.message.split('\n')[0] : err}); once more`);
    return inBrowser(type, launch);
  }
}

/**
 * Runs measure() in a page of the project's server in WebKit (MiniBrowser
 * through WebKitWebDriver, bench/lib/webkit.js). WebKitGTK has no shared
 * memory, so worker mode crosses by message there.
 */
async function inWebKit() {
  const webkit = await startWebKit(PAGE_TIMEOUT_MS);
  try {
    const { driver } = webkit;
    await driver.get(`${server.url}tests/browser/pages/harness.html`);
    await driver.wait(() => driver.executeScript('return window.harnessReady === true'), 60_000);
    const raw = await driver.executeAsyncScript(`
      const done = arguments[arguments.length - 1];
      const fn = (0, eval)('(' + arguments[0] + ')');
      fn(window.harness.EdgeVec, window.harness.dataset.Mixture, arguments[1], arguments[2])
        .then(done, (err) => done({ error: String(err && err.stack || err) }));`,
    measure.toString(), `/index/${FILE}`, cfg);
    if (raw?.error) throw new Error(`webkit: the page's run failed: ${raw.error}`);
    const r = summary(raw);
    console.error(line('webkit', r));
    return { version: webkit.version, ...r };
  } finally {
    await webkit.stop();
  }
}

const server = await startServer({ port: 0, mounts: { '/index/': CACHE } });
let chromiumResult, firefoxResult, webkitResult;
try {
  chromiumResult = await inBrowserRetried(chromium, { executablePath: '/usr/bin/chromium', args: ARGS });
  // Firefox over WebDriver BiDi, as the browser suite drives it.
  firefoxResult = await inBrowserRetried(firefox, { channel: 'moz-firefox', executablePath: '/usr/bin/firefox-esr' });
  webkitResult = await inWebKit();
} finally {
  await server.close();
}

const day = new Date().toISOString().slice(0, 10);
const result = {
  date: day, nodeVersion: process.version, chromiumVersion: chromiumResult.version,
  firefoxVersion: firefoxResult.version, webkitVersion: webkitResult.version,
  loadAverage1m: r1(os.loadavg()[0]), n: N, depth: DEPTH, dim: DIM, k: K, ef: EF, queries: NQ, block: BLOCK, rounds: ROUNDS,
  index: OPTIONS, node, chromium: chromiumResult, firefox: firefoxResult, webkit: webkitResult,
};
const sign = (x) => `${x > 0 ? '+' : ''}${x} %`;
const row = (name, r) => `| ${name} | ${r.channel ? 'yes' : 'no'} | ${r.mainUs} | ${r.workerUs} | ${sign(r.pairedPct)} | ` +
  `${r.messagesUs} | ${sign(r.messagesPairedPct)} | ${r.echoUs} | ${r.sharedEchoUs ?? '–'} | ${r.sharedEchoWorkUs ?? '–'} | ` +
  `${r.pipelinedUs} (${sign(r.pipelinedPct)}) | ${r.sameHitsOf100} / 100 |`;
const verdict = (r) => (r.pairedPct < 25 ? 'met' : 'not met');
const md = `# Worker mode: the cost of the boundary on a search (${day})

Produced by \`npm run bench:worker\` (bench/worker/measure-search.js; Node ${process.version},
${result.chromiumVersion}, ${result.firefoxVersion}, ${result.webkitVersion}; 1-minute load average ${result.loadAverage1m} on this shared
2-core machine when it finished, so read the ratios, not the absolute times). The index:
${N.toLocaleString('en')} × ${DIM} seeded mixture, M ${OPTIONS.m}, efConstruction ${OPTIONS.efConstruction}, loaded from the
same snapshot in every mode. One search at a time (each awaited before the next), k ${K}, ef ${EF}; latency
per search is the median over ${ROUNDS} blocks of ${BLOCK} searches per mode, the modes alternating block by block.
"Overhead" is the median over the rounds of a mode's block time over the main thread's block time in
the same round (paired, so that the machine's load, which changes during a run, falls on both alike).

| where | channel | main thread µs | worker mode µs | overhead | messages only µs | its overhead | echo µs | shared-memory echo µs | the same around a search, µs | ${DEPTH} in flight, µs per search | same hits |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${row('Node (worker_threads)', node)}
${row('Chromium (module Worker)', chromiumResult)}
${row('Firefox (module Worker)', firefoxResult)}
${row('WebKit (module Worker)', webkitResult)}

Target: less than 25 % over the same search on the main thread, one search at a time. Node:
${verdict(node)}; Chromium: ${verdict(chromiumResult)}; Firefox: ${verdict(firefoxResult)}; WebKit: ${verdict(webkitResult)}.

- "channel": whether worker mode had its shared-memory channel there (js/worker/channel.js: shared
  memory, a cross-origin isolated page, Atomics.waitAsync); searches then cross without a message,
  and the calling thread spins for a quick answer (at most 0.5 ms per search and 4 ms of spinning
  per task of the caller) before it waits in Atomics.waitAsync.
- "messages only": the same worker mode without the channel (Atomics.waitAsync hidden while that
  index was made): every search a message each way, as on a page that is not cross-origin isolated
  or in an engine without shared memory (WebKitGTK).
- "echo": the round trip of a worker that sends back what it gets (the query) by message, nothing
  of EdgeVec on either side: what the platform's messages cost on this machine at this moment.
  "shared-memory echo": the same through a SharedArrayBuffer, the worker blocked in Atomics.wait
  and this side in Atomics.waitAsync, each woken by the other's notify (where there is a channel).
  Both with nothing to do in between. "The same around a search": the shared-memory echo with the
  worker busy for as long as the main thread's search before it answers, that time taken off: what
  the crossing itself costs when, as around a real search, each side waited on an idle core.
- "${DEPTH} in flight": ${DEPTH} searches sent at once, then the next ${DEPTH}: the worker searches while this side
  handles answers (throughput, not latency), against one search at a time on the main thread.
- "same hits": of 100 queries, how many gave the same ids and distances in all three modes (the same
  graph and the same wasm, so all of them should).
`;
fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
// The per-block times, one line per list.
const json = JSON.stringify(result, null, 2).replace(/\[\n\s+([-\d.,\s]+?)\n\s+\]/g,
  (_, list) => `[${list.split(/,\s*/).join(', ')}]`);
fs.writeFileSync(path.join(ROOT, 'bench', 'results', `worker-${day}.json`), json + '\n');
fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'worker.md'), md);
console.log(md);
