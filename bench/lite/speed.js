// bench/lite/speed.js — `npm run bench:lite`: the lite entry (edgevec-c/lite,
// dist/edgevec-lite.wasm) against the full one on the same seeded index in
// Node, so that a smaller download is not paid for with slower searches.
//
// Contenders, all through their JS API in one process:
//   lite       EdgeVec from js/lite/ (the lite module)
//   full       EdgeVec from js/ with dist/edgevec.wasm passed as wasmBinary:
//              the module a browser page without cross-origin isolation runs
//   full-mt    EdgeVec from js/ as Node loads it (the build with threads,
//              dist/mt/), with `threads: 1`
//   and, with `--lite-from DIR`, lite-variant: js/lite/ of a copy of the
//   package in DIR (another build of the lite module, for an A/B of its
//   compiler settings; `--lite-what TEXT` says in the report what it is).
// Every contender builds the same graph (one thread, the same seed), which
// is checked: each one's top-k ids and distances must equal lite's for
// every query. Then rounds are interleaved (the order rotates each round)
// so that the load of a shared machine at a given moment weighs on all
// alike, and each step is timed in process CPU time (user + system), which a
// busy machine distorts less than wall time. Steps, on n × 128 seeded
// vectors (tests/lib/dataset.js), M 16, efConstruction 200 (the defaults):
// insertBatch of all n; `passes` times the q searches, k 10, at ef 64 and
// at ef 128.
//
//   node --no-liftoff bench/lite/speed.js [--rounds 7] [--n 10000] [--q 1000] [--passes 5]
//     [--lite-from DIR [--lite-what TEXT]]
//
// Writes bench/results/lite-speed-<date>.json and bench/results/lite-speed.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EdgeVec as FullEdgeVec } from '../../js/index.js';
import { EdgeVec as LiteEdgeVec } from '../../js/lite/index.js';
import { generate } from '../../tests/lib/dataset.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS = path.join(ROOT, 'bench', 'results');

const args = process.argv.slice(2);
/** @param {string} name @param {string | undefined} fallback */
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const ROUNDS = Number(arg('rounds', '7'));
const N = Number(arg('n', '10000'));
const Q = Number(arg('q', '1000'));
const PASSES = Number(arg('passes', '5'));
const LITE_FROM = arg('lite-from', undefined);
const LITE_WHAT = arg('lite-what', LITE_FROM ? `the lite entry of ${LITE_FROM}` : undefined);
const DIM = 128;
const K = 10;
const EFS = [64, 128];
const SEED = 1;

const { base, queries } = generate({ seed: 1, n: N, q: Q, dim: DIM });
const fullWasm = new Uint8Array(fs.readFileSync(path.join(ROOT, 'dist', 'edgevec.wasm')));

/** @type {Record<string, () => Promise<any>>} */
const contenders = {
  lite: () => LiteEdgeVec.create({ dimensions: DIM, seed: SEED }),
  full: () => FullEdgeVec.create({ dimensions: DIM, seed: SEED, wasmBinary: fullWasm }),
  'full-mt': () => FullEdgeVec.create({ dimensions: DIM, seed: SEED, threads: 1 }),
};
if (LITE_FROM) {
  const { EdgeVec } = await import(pathToFileURL(path.resolve(LITE_FROM, 'js', 'lite', 'index.js')).href);
  contenders['lite-variant'] = () => EdgeVec.create({ dimensions: DIM, seed: SEED });
}
const names = Object.keys(contenders);

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The top-k of every query at every ef, as text. */
function answers(db) {
  const out = [];
  for (const ef of EFS) {
    for (let q = 0; q < Q; q++) {
      out.push(db.search(queries.subarray(q * DIM, (q + 1) * DIM), K, { ef })
        .map((h) => `${h.id}:${h.distance}`).join(' '));
    }
  }
  return out;
}

/** One round of one contender: CPU ms of each step. */
async function round(name, check) {
  const r = {};
  let c = cpuMs();
  const db = await contenders[name]();
  await db.insertBatch(base);
  r.insertBatch = cpuMs() - c;
  for (const ef of EFS) {
    c = cpuMs();
    for (let p = 0; p < PASSES; p++) {
      for (let q = 0; q < Q; q++) db.search(queries.subarray(q * DIM, (q + 1) * DIM), K, { ef });
    }
    r[`${PASSES * Q} searches, ef ${ef}`] = cpuMs() - c;
  }
  if (check) {
    const got = answers(db);
    const want = check;
    const differ = got.findIndex((a, i) => a !== want[i]);
    if (differ >= 0) throw new Error(`${name}: answer ${differ} differs from lite's:\n${got[differ]}\n${want[differ]}`);
  }
  db.dispose();
  return r;
}

// The same graph everywhere: every contender's answers against lite's.
const liteDb = await contenders.lite();
await liteDb.insertBatch(base);
const reference = answers(liteDb);
liteDb.dispose();
for (const name of names) await round(name, reference); // also the warm-up

/** @type {Record<string, Array<Record<string, number>>>} */
const res = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < ROUNDS; i++) {
  const order = names.map((_, j) => names[(i + j) % names.length]);
  for (const name of order) res[name].push(await round(name));
}

const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const steps = Object.keys(res.lite[0]);
const cpu = {};
for (const step of steps) {
  cpu[step] = {};
  for (const name of names) {
    cpu[step][name] = +median(res[name].map((r) => r[step])).toFixed(1);
    if (name !== 'lite') {
      cpu[step][`lite/${name} per round`] = res.lite.map((r, i) => +(r[step] / res[name][i][step]).toFixed(3));
    }
  }
}
const sizes = {};
for (const [name, file] of [['lite', 'edgevec-lite.wasm'], ['full', 'edgevec.wasm']]) {
  sizes[name] = fs.statSync(path.join(ROOT, 'dist', file)).size;
}
const date = new Date().toISOString().slice(0, 10);
const out = {
  date,
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
  node: process.version,
  execArgv: process.execArgv,
  loadavg: (await import('node:os')).loadavg().map((x) => +x.toFixed(1)),
  n: N, dim: DIM, q: Q, passes: PASSES, k: K, efs: EFS, rounds: ROUNDS, liteVariant: LITE_WHAT ?? null,
  sameAnswers: true,
  wasmBytes: sizes,
  cpuMs: cpu,
};
fs.mkdirSync(RESULTS, { recursive: true });
const jsonFile = path.join(RESULTS, `lite-speed-${date}.json`);
fs.writeFileSync(jsonFile, JSON.stringify(out, null, 2) + '\n');

const L = [];
L.push('# The lite entry against the full one: speed in Node');
L.push('');
L.push(`\`npm run bench:lite\` of ${date} (commit ${out.commit}), bench/lite/speed.js; raw data in ` +
  `[${path.basename(jsonFile)}](${path.basename(jsonFile)}). Node ${process.version} ${process.execArgv.join(' ')}, ` +
  `load average at the end ${out.loadavg.join(' / ')} (a shared 2-core machine).`);
L.push('');
L.push(`${N.toLocaleString('en-US')} × ${DIM} seeded vectors (tests/lib/dataset.js), M 16, efConstruction 200, seed ${SEED}, ` +
  `one thread; ${Q.toLocaleString('en-US')} held-out queries searched ${PASSES} times, k ${K}. **lite**: \`edgevec-c/lite\`; **full**: \`edgevec-c\` ` +
  'on dist/edgevec.wasm (what a page without cross-origin isolation runs); **full-mt**: `edgevec-c` as Node loads it ' +
  '(the build with threads) with `threads: 1`' + (LITE_WHAT ? `; **lite-variant**: ${LITE_WHAT}` : '') + '. ' +
  'All of them answered every query at every ef with the same ids and distances (checked). ' +
  `Process CPU ms per step, median of ${ROUNDS} interleaved rounds; the ratios are lite / other, per round, ` +
  'as median (range): below 1, lite is faster.');
L.push('');
L.push(`| step | ${names.join(' | ')} | ${names.filter((x) => x !== 'lite').map((x) => `lite / ${x}`).join(' | ')} |`);
L.push(`|---|${names.map(() => '---:').join('|')}|${names.filter((x) => x !== 'lite').map(() => '---:').join('|')}|`);
for (const step of steps) {
  const ratios = names.filter((x) => x !== 'lite').map((x) => {
    const r = cpu[step][`lite/${x} per round`];
    return `${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)} – ${Math.max(...r).toFixed(2)})`;
  });
  L.push(`| ${step} | ${names.map((x) => cpu[step][x]).join(' | ')} | ${ratios.join(' | ')} |`);
}
L.push('');
L.push(`.wasm bytes: lite ${sizes.lite.toLocaleString('en-US')}, full ${sizes.full.toLocaleString('en-US')} (raw; gzipped sizes ` +
  'and what each app loads: [bundle.md](bundle.md)).');
fs.writeFileSync(path.join(RESULTS, 'lite-speed.md'), L.join('\n') + '\n');
console.log(L.join('\n'));
console.log(`\nwrote ${path.relative(ROOT, jsonFile)} and bench/results/lite-speed.md`);
