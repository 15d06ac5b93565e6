// bench/bundle/run.js — `npm run bench:bundle`: the bytes a user ships of
// EdgeVec after a production build with Vite, webpack and esbuild.
//
// Builds the bundler apps of tests/bundlers/ (the packed tarball installed
// as a user installs it) for three entries: search (create, insert,
// search), persist (that plus EdgeVec.open on IndexedDB) and empty (the
// same page without EdgeVec). For each build it counts the emitted JS and
// .wasm: raw, gzip (level 9) and brotli (quality 11, 16 MiB window), each
// file compressed alone as a server would send it. EdgeVec's share of the
// JS is the build's JS minus the empty build's JS of the same bundler (the
// bundler's runtime and the page's own code); every .wasm byte is
// EdgeVec's. JS a page loads at start (named by index.html, and what that
// imports statically) is told apart from JS loaded later (dynamic
// import()).
//
// Then, for the owner of js/, what the search-only bundle is made of
// (esbuild's metafile), what it would weigh without the storage modules,
// and what the .wasm weighs after `wasm-opt -Oz`; bench/bundle/wasm-size.sh
// adds scratch builds of the C at other settings when its results exist.
//
// Writes bench/results/bundle.md and bench/results/bundle-<date>.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildApps, BUNDLERS } from '../../tests/bundlers/build.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const WASM_VARIANTS = path.join(ROOT, 'bench', '.cache', 'bundle-wasm-variants.json');
const GOAL_GZ = 40_000;

export function gz(buf) {
  return zlib.gzipSync(buf, { level: 9 }).length;
}
export function br(buf) {
  return zlib.brotliCompressSync(buf, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_LGWIN]: zlib.constants.BROTLI_MAX_WINDOW_BITS,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
    },
  }).length;
}
function sizes(buf) {
  return { raw: buf.length, gz: gz(buf), br: br(buf) };
}
function add(a, b, sign = 1) {
  return { raw: a.raw + sign * b.raw, gz: a.gz + sign * b.gz, br: a.br + sign * b.br };
}
const ZERO = { raw: 0, gz: 0, br: 0 };

/** The JS files a page loads at start: those index.html names, and what they import statically. */
function initialJs(dir, jsFiles) {
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const todo = [...html.matchAll(/(?:src|href)="([^"]+\.m?js)"/g)]
    .map((m) => path.posix.normalize(m[1].replace(/^\//, '')));
  const seen = new Set();
  while (todo.length) {
    const f = todo.pop();
    if (seen.has(f) || !jsFiles.includes(f)) continue;
    seen.add(f);
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    // Minified static imports: import"./x.js" / import{a}from"./x.js" / from"./x.js"
    for (const m of src.matchAll(/(?:\bimport|\bfrom)\s*["']([^"']+\.m?js)["']/g)) {
      todo.push(path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1])));
    }
  }
  return seen;
}

function measureBuild(build) {
  const dir = path.join(ROOT, build.dir);
  const js = build.files.map((f) => f.name).filter((f) => /\.m?js$/.test(f));
  const initial = initialJs(dir, js);
  let jsInitial = ZERO;
  let jsLazy = ZERO;
  let wasm = ZERO;
  for (const f of build.files) {
    const buf = fs.readFileSync(path.join(dir, f.name));
    if (f.name.endsWith('.wasm')) wasm = add(wasm, sizes(buf));
    else if (initial.has(f.name)) jsInitial = add(jsInitial, sizes(buf));
    else if (/\.m?js$/.test(f.name)) jsLazy = add(jsLazy, sizes(buf));
  }
  return { jsFiles: js.length, initialFiles: [...initial], jsInitial, jsLazy, wasm };
}

/** esbuild, from the esbuild app's node_modules. */
async function loadEsbuild() {
  const p = path.join(ROOT, 'tests', 'bundlers', 'esbuild', 'node_modules', 'esbuild', 'lib', 'main.js');
  return (await import(pathToFileURL(p).href)).default;
}

/**
 * What the search-only bundle is made of: esbuild's bytes in the output
 * per input file, with a gzip share proportional to them (gzip sizes do not
 * add up per file; this split does, and is close for similar text).
 * Also: the same bundle with js/persist.js and js/storage/index.js replaced
 * by empty stand-ins, i.e. what it would weigh if EdgeVec loaded them only
 * in open() (the rest of open() and flush() stays in).
 */
async function breakdown(esbuild) {
  const app = path.join(ROOT, 'tests', 'bundlers', 'esbuild');
  const pkg = path.join(app, 'node_modules', 'edgevec-c');
  const common = {
    entryPoints: [path.join(app, 'src', 'search', 'main.js')],
    bundle: true, format: 'esm', minify: true, write: false, metafile: true, absWorkingDir: app,
    outfile: path.join(os.tmpdir(), 'edgevec-bundle-breakdown.js'),
  };
  const full = await esbuild.build(common);
  const code = full.outputFiles[0].contents;
  const out = Object.values(full.metafile.outputs)[0];
  const total = sizes(Buffer.from(code));
  const modules = Object.entries(out.inputs)
    .map(([file, v]) => ({ file: file.replace(/^.*node_modules\/edgevec-c\//, ''), bytes: v.bytesInOutput }))
    .filter((m) => m.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .map((m) => ({ ...m, gzShare: Math.round(total.gz * m.bytes / total.raw) }));

  // The stand-ins export every name the real modules export.
  const stubbed = {};
  for (const rel of ['js/persist.js', 'js/storage/index.js']) {
    const mod = await import(pathToFileURL(path.join(pkg, rel)).href);
    stubbed[path.join(pkg, rel)] = Object.keys(mod).map((k) => `export const ${k} = undefined;`).join('\n');
  }
  const stubPlugin = {
    name: 'stub-storage',
    setup(build) {
      build.onResolve({ filter: /^\.\/(persist|storage\/index)\.js$/ }, (args) => {
        const p = path.resolve(args.resolveDir, args.path);
        return stubbed[p] !== undefined ? { path: p, namespace: 'stub' } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: stubbed[args.path], loader: 'js' }));
    },
  };
  const lean = await esbuild.build({ ...common, plugins: [stubPlugin] });
  const withoutStorage = sizes(Buffer.from(lean.outputFiles[0].contents));

  // The persistence members of the EdgeVec class (open() up to the first
  // member that is not about persistence), minified alone.
  let persistMembers = null;
  const src = fs.readFileSync(path.join(pkg, 'js', 'edgevec.js'), 'utf8');
  const a = src.indexOf('  static async open(');
  const b = src.indexOf('  #mutated() {');
  if (a > 0 && b > a) {
    const members = src.slice(a, b);
    // Private names the slice uses but declares elsewhere become fields.
    const declared = new Set([...members.matchAll(/^ {2}(?:async |static |get )*(#\w+)\s*\(/gm)].map((m) => m[1]));
    const used = new Set([...members.matchAll(/#\w+/g)].map((m) => m[0]));
    const fields = [...used].filter((x) => !declared.has(x)).map((x) => `  ${x};`).join('\n');
    const body = `export class X {\n${fields}\n${members}\n}`;
    const min = await esbuild.transform(body, { minify: true, format: 'esm' });
    const empty = await esbuild.transform(`export class X {\n${fields}\n}`, { minify: true, format: 'esm' });
    persistMembers = add(sizes(Buffer.from(min.code)), sizes(Buffer.from(empty.code)), -1);
  }
  return { total, modules, withoutStorage, persistMembers };
}

/** The shipped .wasm after binaryen's size optimiser, if wasm-opt is installed. */
function wasmOptOz() {
  const wasmPath = path.join(ROOT, 'tests', 'bundlers', 'esbuild', 'node_modules', 'edgevec-c', 'dist', 'edgevec.wasm');
  const out = path.join(os.tmpdir(), `edgevec-oz-${process.pid}.wasm`);
  try {
    execFileSync('wasm-opt', ['-Oz', '--enable-simd', '--enable-bulk-memory', '--enable-sign-ext',
      '--enable-mutable-globals', '--enable-nontrapping-float-to-int', wasmPath, '-o', out], { stdio: 'pipe' });
    return sizes(fs.readFileSync(out));
  } catch (err) {
    return { error: String(err.message).split('\n')[0] };
  } finally {
    fs.rmSync(out, { force: true });
  }
}

const n = (x) => x.toLocaleString('en-US');
const kb = (x) => (x / 1000).toFixed(1);

function report(res) {
  const L = [];
  L.push('# What a user ships: EdgeVec bytes after a production build');
  L.push('');
  L.push(`\`npm run bench:bundle\` of ${res.date} (commit ${res.commit}), bench/bundle/run.js; raw data in ` +
    `[${path.basename(res.jsonFile)}](${path.basename(res.jsonFile)}).`);
  L.push('');
  L.push(`Bundlers: ${Object.entries(res.versions).map(([b, v]) => `${b} (${Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', ')})`).join('; ')}. ` +
    'Each app installs the packed tarball with `npm install` and builds for production with no ' +
    'EdgeVec-specific configuration (tests/bundlers/; esbuild needs a generic plugin for ' +
    '`new URL(..., import.meta.url)`, see below).');
  L.push('');
  L.push('What is counted: every `.js` and `.wasm` file the build emits, each compressed alone ' +
    '(gzip level 9; brotli quality 11, window 2^24), as a server sends them. **EdgeVec JS** is the ' +
    "build's JS minus the same bundler's build of an empty page (the bundler runtime and the page's " +
    'own code, listed under Baseline); the page lines that call EdgeVec stay in (a few hundred bytes). ' +
    'Every `.wasm` byte is EdgeVec. "at start" is the JS the page loads when it opens (index.html ' +
    'and its static imports); "later" is JS behind a dynamic `import()`, loaded only when that code ' +
    'runs. Gzip and brotli sizes of a difference are differences of compressed sizes. ' +
    '1 KB = 1,000 bytes.');
  L.push('');
  for (const [title, key] of [['gzip -9', 'gz'], ['brotli 11', 'br'], ['raw (minified)', 'raw']]) {
    L.push(`## EdgeVec bytes, ${title}`);
    L.push('');
    L.push('| bundler | app | JS at start | JS later | .wasm | **total** | total KB |');
    L.push('|---|---|---:|---:|---:|---:|---:|');
    for (const r of res.rows) {
      const total = r.edgevec.jsInitial[key] + r.edgevec.jsLazy[key] + r.edgevec.wasm[key];
      L.push(`| ${r.bundler} | ${r.entry === 'search' ? 'search-only' : 'persist'} | ${n(r.edgevec.jsInitial[key])} | ` +
        `${n(r.edgevec.jsLazy[key])} | ${n(r.edgevec.wasm[key])} | **${n(total)}** | ${kb(total)} |`);
    }
    L.push('');
  }
  L.push('## Baseline (empty page, not counted above)');
  L.push('');
  L.push('| bundler | JS raw | gzip | brotli |');
  L.push('|---|---:|---:|---:|');
  for (const b of res.bundlers) {
    const e = res.baseline[b];
    L.push(`| ${b} | ${n(e.raw)} | ${n(e.gz)} | ${n(e.br)} |`);
  }
  L.push('');
  L.push('## Against the goal');
  L.push('');
  const so = res.rows.filter((r) => r.entry === 'search');
  const worst = Math.max(...so.map((r) => r.edgevec.totalGz));
  const best = Math.min(...so.map((r) => r.edgevec.totalGz));
  L.push(`Goal: an app that only creates, inserts and searches ships less than 40 KB gzipped of EdgeVec. ` +
    `Here: ${so.map((r) => `${r.bundler} ${kb(r.edgevec.totalGz)} KB`).join(', ')} — ` +
    `${worst < GOAL_GZ ? '**met**' : `**not met** (${n(best - GOAL_GZ)} to ${n(worst - GOAL_GZ)} bytes over)`}.`);
  const atStart = so.filter((r) => r.storageAtStart).map((r) => r.bundler);
  L.push('');
  L.push(`IndexedDB code loaded at start by the search-only builds: ${atStart.length ? `**yes** (${atStart.join(', ')}): js/edgevec.js imports js/persist.js and js/storage/ statically, so every app ships and loads them` : 'no'}. ` +
    `Persist minus search-only (gzip, total): ${res.bundlers.map((b) => {
      const p = res.rows.find((r) => r.bundler === b && r.entry === 'persist');
      const s = res.rows.find((r) => r.bundler === b && r.entry === 'search');
      return `${b} ${n(p.edgevec.totalGz - s.edgevec.totalGz)} bytes`;
    }).join(', ')}.`);
  L.push('');
  const bd = res.breakdown;
  L.push('### What the search-only bundle is made of (esbuild metafile)');
  L.push('');
  L.push(`Minified JS ${n(bd.total.raw)} bytes, ${n(bd.total.gz)} gzipped. Gzip share = the bundle's gzip size split ` +
    'in proportion to each file\'s bytes in the output.');
  L.push('');
  L.push('| file | bytes in bundle | gzip share |');
  L.push('|---|---:|---:|');
  for (const m of bd.modules) L.push(`| ${m.file} | ${n(m.bytes)} | ${n(m.gzShare)} |`);
  L.push('');
  const storage = bd.modules.filter((m) => /js\/(persist|storage\/)/.test(m.file));
  L.push(`Storage files (js/persist.js, js/storage/*) in it: ${n(storage.reduce((s, m) => s + m.bytes, 0))} bytes, ` +
    `about ${n(storage.reduce((s, m) => s + m.gzShare, 0))} gzipped.`);
  L.push('');
  L.push('### What would close the gap (measured)');
  L.push('');
  const vite = so.find((r) => r.bundler === 'vite') ?? so[0];
  const wasmGz = vite.edgevec.wasm.gz;
  const jsGz = vite.edgevec.jsInitial.gz + vite.edgevec.jsLazy.gz;
  L.push(`Starting point (${vite.bundler}, search-only): JS ${n(jsGz)} + .wasm ${n(wasmGz)} = ${n(jsGz + wasmGz)} bytes gzipped.`);
  L.push('');
  L.push('| change | JS gzip | .wasm gzip | total gzip | vs goal |');
  L.push('|---|---:|---:|---:|---:|');
  const line = (what, j, w) => L.push(`| ${what} | ${n(j)} | ${n(w)} | ${n(j + w)} | ${j + w < GOAL_GZ ? 'under by' : 'over by'} ${n(Math.abs(j + w - GOAL_GZ))} |`);
  line('as shipped', jsGz, wasmGz);
  const saveStorage = bd.total.gz - bd.withoutStorage.gz;
  line('js/persist.js and js/storage/ loaded by `import()` in open() (esbuild, stand-ins)', jsGz - saveStorage, wasmGz);
  if (bd.persistMembers) {
    line('… and the persistence members of EdgeVec (open … checkpointNow) moved with them (estimate: those members minified alone)',
      jsGz - saveStorage - bd.persistMembers.gz, wasmGz);
  }
  if (res.wasmOz && !res.wasmOz.error) {
    line('`wasm-opt -Oz` on the shipped .wasm', jsGz, res.wasmOz.gz);
    line('both: storage by `import()` and `wasm-opt -Oz`', jsGz - saveStorage, res.wasmOz.gz);
  }
  for (const v of res.wasmVariants ?? []) {
    line(`.wasm: ${v.what} (scratch build, bench/bundle/wasm-size.sh)`, jsGz, v.wasm.gz);
    line(`.wasm: ${v.what}, and storage JS by \`import()\``, jsGz - saveStorage, v.wasm.gz);
  }
  L.push('');
  L.push('The scratch .wasm builds were measured for size only. How each bundler was set up, what esbuild ' +
    'needed, the speed side of these changes and where the .wasm bytes go: ' +
    '[bundle-notes.md](bundle-notes.md).');
  return L.join('\n');
}

async function main() {
  const t0 = Date.now();
  const manifest = await buildApps({ entries: ['search', 'persist', 'empty'], controls: false });
  const baseline = {};
  const measured = {};
  for (const b of manifest.builds) measured[`${b.bundler}/${b.entry}`] = { build: b, m: measureBuild(b) };
  for (const bundler of BUNDLERS) {
    const e = measured[`${bundler}/empty`].m;
    if (e.wasm.raw || e.jsLazy.raw) throw new Error(`${bundler}: the empty build emitted a .wasm or lazy JS`);
    baseline[bundler] = e.jsInitial;
  }
  const rows = [];
  for (const bundler of BUNDLERS) {
    for (const entry of ['search', 'persist']) {
      const { build, m } = measured[`${bundler}/${entry}`];
      const edgevec = { jsInitial: add(m.jsInitial, baseline[bundler], -1), jsLazy: m.jsLazy, wasm: m.wasm };
      edgevec.totalGz = edgevec.jsInitial.gz + edgevec.jsLazy.gz + edgevec.wasm.gz;
      edgevec.totalBr = edgevec.jsInitial.br + edgevec.jsLazy.br + edgevec.wasm.br;
      // Calls into the IndexedDB API are property names no minifier renames.
      const atStart = m.initialFiles.map((f) => fs.readFileSync(path.join(ROOT, build.dir, f), 'utf8')).join('\n');
      rows.push({ bundler, entry, files: build.files, measured: m, edgevec,
        storageAtStart: /indexedDB\.open|objectStore\(/.test(atStart) });
    }
  }
  const esbuild = await loadEsbuild();
  const res = {
    date: new Date().toISOString().slice(0, 10),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
    node: process.version,
    bundlers: BUNDLERS,
    versions: Object.fromEntries(BUNDLERS.map((b) => [b, manifest.apps[b].versions])),
    wasmSha256: manifest.wasmSha256,
    baseline,
    rows,
    breakdown: await breakdown(esbuild),
    wasmOz: wasmOptOz(),
    wasmVariants: fs.existsSync(WASM_VARIANTS) ? JSON.parse(fs.readFileSync(WASM_VARIANTS, 'utf8')) : undefined,
    buildMs: manifest.totalMs,
  };
  fs.mkdirSync(RESULTS, { recursive: true });
  res.jsonFile = path.join(RESULTS, `bundle-${res.date}.json`);
  fs.writeFileSync(res.jsonFile, JSON.stringify({ ...res, jsonFile: path.relative(ROOT, res.jsonFile) }, null, 2) + '\n');
  const md = report(res);
  fs.writeFileSync(path.join(RESULTS, 'bundle.md'), md + '\n');
  console.log(md);
  console.log(`\nbench:bundle: ${((Date.now() - t0) / 1000).toFixed(1)} s; wrote bench/results/bundle.md and ${path.relative(ROOT, res.jsonFile)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`bench:bundle: ${err.stack ?? err}`);
    process.exit(1);
  });
}
