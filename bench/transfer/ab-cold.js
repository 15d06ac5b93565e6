// bench/transfer/ab-cold.js — where a fresh page's first EdgeVec.load(url)
// spends its time, by difference: each variant in a new browser context,
// interleaved, so that all of them see the same machine, on a cross-origin
// isolated page and on one that is not.
//
//   fetch        fetch().arrayBuffer() of the snapshot, right after the
//                harness page is ready (what the transport costs a page
//                that has just been opened)
//   fetch+1s     the same, one second later (the page settled)
//   load:<name>  EdgeVec.load(url), right after the page is ready (the
//                module not loaded), with this tree's js/ ("this") or
//                other copies of it (e.g. `git archive main js | tar -x -C
//                /tmp/base`), then again in the same page (":warm", the
//                module loaded)
//   load+1s:this the first EdgeVec.load(url) one second after the page is
//                ready (the module still not loaded)
//
// Both copies of js/ load the same dist/. Prints medians (ms) and the runs.
//
//   node bench/transfer/ab-cold.js [reps] [name=dir,...]   (other copies of js/)
//   AB_ONLY='^load:' node bench/transfer/ab-cold.js ...    (only the variants named so)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = path.join(ROOT, 'build', 'transfer');
// AB_FILE: another snapshot under build/transfer/ (e.g. the SQ8 form).
const FILE = process.env.AB_FILE ?? 'mixture-42-100000x128-m8-efc40.evsnap';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REPS = Number(process.argv[2] ?? 7);
const OTHERS = (process.argv[3] ?? '').split(',').filter(Boolean).map((x) => x.split('='));
for (const [name, dir] of OTHERS) {
  if (!dir || !fs.existsSync(path.join(dir, 'index.js'))) throw new Error(`${name}: ${dir} holds no index.js`);
}
if (!fs.existsSync(path.join(CACHE, FILE))) {
  throw new Error(`${FILE} is missing under build/transfer/: run node bench/transfer/measure-load.js first`);
}

async function once(browser, server, { src = '/js/index.js', what, settle = 0 }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}tests/browser/pages/harness.html?src=${encodeURIComponent(src)}`);
  await page.waitForFunction(() => window.harnessReady === true);
  const r = await page.evaluate(async ({ u, what, settle }) => {
    if (settle) await new Promise((ok) => setTimeout(ok, settle));
    if (what === 'fetch') {
      const t = performance.now();
      await (await fetch(u)).arrayBuffer();
      return { cold: performance.now() - t };
    }
    const { EdgeVec } = window.harness;
    let t = performance.now();
    const db = await EdgeVec.load(u);
    const cold = performance.now() - t;
    if (db.size !== 100000) throw new Error(`size ${db.size}`);
    db.dispose();
    t = performance.now();
    (await EdgeVec.load(u)).dispose();
    return { cold, warm: performance.now() - t };
  }, { u: `/ship/${FILE}`, what, settle });
  await context.close();
  return r;
}

const VARIANTS = [
  ['fetch', { what: 'fetch' }],
  ['fetch+1s', { what: 'fetch', settle: 1000 }],
  ['load:this', { what: 'load' }],
  ...OTHERS.map(([name]) => [`load:${name}`, { what: 'load', src: `/${name}/js/index.js` }]),
  ['load+1s:this', { what: 'load', settle: 1000 }],
];

// AB_ONLY=regexp keeps the variants whose name matches.
const ONLY = process.env.AB_ONLY ? new RegExp(process.env.AB_ONLY) : null;
if (ONLY) VARIANTS.splice(0, VARIANTS.length, ...VARIANTS.filter(([name]) => ONLY.test(name)));

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
const all = {};
try {
  for (const isolated of [true, false]) {
    const mounts = { '/ship/': CACHE };
    for (const [name, dir] of OTHERS) {
      // A copy's own dist/ beside it (a worktree of another commit, built)
      // when there is one: its js/ may call exports this dist/ lacks.
      const own = path.join(path.resolve(dir), '..', 'dist');
      const dist = fs.existsSync(path.join(own, 'edgevec.wasm')) ? own : path.join(ROOT, 'dist');
      Object.assign(mounts, { [`/${name}/js/`]: path.resolve(dir), [`/${name}/dist/`]: dist });
    }
    const server = await startServer({ port: 0, isolated, mounts });
    const runs = {};
    try {
      for (let i = 0; i < REPS; i++) {
        for (const [name, v] of VARIANTS) {
          const r = await once(browser, server, v);
          (runs[name] ??= []).push(r.cold);
          if (r.warm !== undefined) (runs[`${name}:warm`] ??= []).push(r.warm);
        }
      }
    } finally {
      await server.close();
    }
    const kind = isolated ? 'isolated' : 'not isolated';
    all[kind] = runs;
    console.log(`\n${kind} (median of ${REPS}, ms):`);
    for (const [k, v] of Object.entries(runs)) {
      console.log(`  ${k.padEnd(18)} ${median(v).toFixed(1).padStart(7)}   [${v.map((x) => x.toFixed(0)).join(' ')}]`);
    }
  }
} finally {
  await browser.close();
}
if (process.env.AB_JSON) fs.writeFileSync(process.env.AB_JSON, JSON.stringify(all, null, 2));
