// bench/worker/measure-send.js — what sending a worker-mode insertBatch
// holds the calling thread for: 100,000 × 128 vectors given as one flat
// Float32Array or as an array of rows (Float32Array, number arrays), copied
// or moved (`transfer: true`), in Chromium and Firefox (pages of the
// project's server on 127.0.0.1, as `npm start` serves them). For each: how
// long the insertBatch call itself took to return, and the longest lag of
// a 1 ms timer from the call until the worker had the whole batch (what
// the longest task of the page's thread was, give or take the machine's
// scheduling). Writes bench/results/worker-send.md.
//
//   node bench/worker/measure-send.js
//
// Each shape runs in a fresh worker-mode index, three times; the medians
// are reported. The batch is made before anything is timed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, firefox } from 'playwright-core';
import { startServer } from '../../scripts/serve.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const N = 100_000, DIM = 128, REPEAT = 3;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Runs in the page (through toString). */
async function measure(EdgeVec, Mixture, cfg) {
  const flat = new Mixture(42, cfg.dim).rows(cfg.n);
  const rowsOf = () => Array.from({ length: cfg.n }, (_, i) => flat.slice(i * cfg.dim, (i + 1) * cfg.dim));
  const shapes = {
    'flat Float32Array, copied': [() => flat.slice(), {}],
    'flat Float32Array, transfer': [() => flat.slice(), { transfer: true }],
    'Float32Array rows, copied': [rowsOf, {}],
    'Float32Array rows, transfer': [rowsOf, { transfer: true }],
    'number arrays, copied': [() => rowsOf().map((r) => Array.from(r)), {}],
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const out = {};
  for (const [name, [make, options]] of Object.entries(shapes)) {
    const calls = [], lags = [];
    for (let r = 0; r < cfg.repeat; r++) {
      // m 4 / efConstruction 8: the insert itself is not what is measured;
      // a search after the call tells when the worker had the whole batch.
      const db = await EdgeVec.create({ dimensions: cfg.dim, m: 4, efConstruction: 8, worker: true });
      const vectors = make();
      await new Promise((res) => { setTimeout(res, 50); });
      let maxLag = 0, due = performance.now() + 1, running = true;
      const tick = () => {
        const now = performance.now();
        maxLag = Math.max(maxLag, now - due);
        due = now + 1;
        if (running) setTimeout(tick, 1);
      };
      setTimeout(tick, 1);
      const t0 = performance.now();
      const inserting = db.insertBatch(vectors, options);
      calls.push(performance.now() - t0);
      // Answered once the batch's message (after its parts) reached the worker.
      await db.count();
      running = false;
      lags.push(maxLag);
      await inserting.catch(() => undefined);
      await db.dispose();
    }
    out[name] = { callMs: Number(median(calls).toFixed(1)), longestLagMs: Number(median(lags).toFixed(1)) };
  }
  return out;
}

/** A page's run takes a minute or two; one that has not ended by then never will. */
const PAGE_TIMEOUT_MS = 10 * 60_000;

/**
 * Runs measure() in one browser; once more if the browser went away or hung
 * mid-run (Firefox over BiDi has, now and then).
 * @param {import('playwright-core').BrowserType} type
 * @param {object} launch
 * @param {boolean} [again]
 */
async function inBrowser(type, launch, again = true) {
  const browser = await type.launch(launch);
  let timer;
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}tests/browser/pages/harness.html`);
    await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 60_000 });
    const run = page.evaluate(async ([src, cfg]) => {
      const fn = (0, eval)(`(${src})`);
      return fn(window.harness.EdgeVec, window.harness.dataset.Mixture, cfg);
    }, [measure.toString(), { n: N, dim: DIM, repeat: REPEAT }]);
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`took over ${PAGE_TIMEOUT_MS} ms`)), PAGE_TIMEOUT_MS);
    });
    return { name: `${type.name()} ${browser.version()}`, result: await Promise.race([run, late]) };
  } catch (err) {
    if (!again) throw err;
    console.error(`${type.name()} failed (${err instanceof Error ? err.message.split('\n')[0] : err}); once more`);
    return inBrowser(type, launch, false);
  } finally {
    clearTimeout(timer);
    await browser.close().catch(() => undefined);
  }
}

const server = await startServer({ port: 0 });
const results = {};
try {
  for (const [type, launch] of [
    [chromium, { executablePath: '/usr/bin/chromium', args: ARGS }],
    [firefox, { channel: 'moz-firefox', executablePath: '/usr/bin/firefox-esr' }],
  ]) {
    const { name, result } = await inBrowser(type, launch);
    results[name] = result;
    console.error(name, JSON.stringify(result));
  }
} finally {
  await server.close();
}

const day = new Date().toISOString().slice(0, 10);
const engines = Object.keys(results);
const shapes = Object.keys(results[engines[0]]);
const md = `# Worker mode: what sending a batch holds the calling thread for (${day})

Produced by \`node bench/worker/measure-send.js\` (${engines.join(', ')}; 1-minute load average
${os.loadavg()[0].toFixed(1)} on this shared 2-core machine when it finished). A worker-mode
\`insertBatch\` of ${N.toLocaleString('en')} × ${DIM} vectors: how long the call took to return, and the
longest lag of a 1 ms timer from the call until the worker had the whole batch (the longest
task of the page's thread, plus whatever scheduling delay the machine added). Medians of
${REPEAT}.

| vectors | ${engines.map((e) => `${e}: call ms | longest lag ms`).join(' | ')} |
|---|${engines.map(() => '---:|---:').join('|')}|
${shapes.map((s) => `| ${s} | ${engines.map((e) => `${results[e][s].callMs} | ${results[e][s].longestLagMs}`).join(' | ')} |`).join('\n')}
`;
fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'worker-send.md'), md);
console.log(md);
