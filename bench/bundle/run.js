// bench/bundle/run.js — `npm run bench:bundle`: the bytes a user ships of
// EdgeVec after a production build with Vite, webpack and esbuild, and the
// bytes a page loads before it persists anything.
//
// Builds the bundler apps of tests/bundlers/ (the packed tarball installed
// as a user installs it) for four entries: search (create, insert,
// search), lite (the same page on the lite entry, edgevec-c/lite), persist
// (that plus EdgeVec.open on IndexedDB) and empty (the same page without
// EdgeVec). For each build it counts the emitted JS and
// .wasm: raw, gzip (level 9) and brotli (quality 11, 16 MiB window), each
// file compressed alone as a server would send it. EdgeVec's share of the
// JS is the build's JS minus the empty build's JS of the same bundler (the
// bundler's runtime and the page's own code); every .wasm byte is
// EdgeVec's. The JS files are split as tests/bundlers/build.js classifies
// them: loaded at start (index.html, and what that imports statically) or
// only through a dynamic import(); and each is searched for storage code
// (STORAGE_MARKERS), so the report says from the emitted files whether the
// search-only page loads any.
//
// Then, for the owner of js/, what the start JS of both search-only pages is
// made of (esbuild's metafile, per source file, in start and in lazy
// chunks), and the search-only page's
// total against the goal with the .wasm of other builds: `wasm-opt -Oz`
// on the shipped one, and the scratch builds of bench/bundle/wasm-size.sh
// when its results exist.
//
// Writes bench/results/bundle.md and bench/results/bundle-<date>.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildApps, BUNDLERS, STORAGE_MARKERS } from '../../tests/bundlers/build.js';

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

/** The build's .wasm, its start JS and its lazy JS, summed; each JS file with its sizes. */
function measureBuild(build) {
  const dir = path.join(ROOT, build.dir);
  let wasm = ZERO;
  for (const f of build.wasm) wasm = add(wasm, sizes(fs.readFileSync(path.join(dir, f))));
  let jsStart = ZERO;
  let jsLazy = ZERO;
  const js = build.js.map((f) => {
    const s = sizes(fs.readFileSync(path.join(dir, f.name)));
    if (f.start) jsStart = add(jsStart, s);
    else jsLazy = add(jsLazy, s);
    return { ...f, ...s };
  });
  return { wasm, jsStart, jsLazy, js };
}

/** esbuild, from the esbuild app's node_modules. */
async function loadEsbuild() {
  const p = path.join(ROOT, 'tests', 'bundlers', 'esbuild', 'node_modules', 'esbuild', 'lib', 'main.js');
  return (await import(pathToFileURL(p).href)).default;
}

/**
 * The search-only app built as the esbuild app builds it (bundle, ES
 * modules, splitting, minify; the .wasm plugin left out, it changes only
 * the URL string), in memory, with its metafile: per source file, its
 * bytes in the chunks loaded at start and in those behind import(). The
 * gzip share splits the start chunks' gzip size in proportion to those
 * bytes (gzip sizes do not add up per file; this split does, and is close
 * for similar text). `page`: the app's page (search, or lite for the page
 * on the lite entry); `indexJs` replaces the package's js/index.js.
 */
async function esbuildSearch(esbuild, indexJs, page = 'search') {
  const app = path.join(ROOT, 'tests', 'bundlers', 'esbuild');
  const plugins = indexJs === undefined ? [] : [{
    name: 'stand-in-index',
    setup(build) {
      build.onLoad({ filter: /node_modules[\\/]edgevec-c[\\/]js[\\/]index\.js$/ }, () => ({ contents: indexJs, loader: 'js' }));
    },
  }];
  const res = await esbuild.build({
    entryPoints: [path.join(app, 'src', page, 'main.js')],
    bundle: true, format: 'esm', splitting: true, minify: true, write: false, metafile: true,
    absWorkingDir: app, outdir: path.join(os.tmpdir(), 'edgevec-bundle-breakdown'), plugins,
  });
  const outputs = res.metafile.outputs;
  const key = (p) => Object.keys(outputs).find((k) => path.resolve(app, k) === p);
  const code = Object.fromEntries(res.outputFiles.filter((f) => f.path.endsWith('.js')).map((f) => [key(f.path), f.contents]));
  const entry = Object.keys(outputs).find((k) => outputs[k].entryPoint);
  const start = new Set();
  const todo = [entry];
  while (todo.length) {
    const o = todo.pop();
    if (start.has(o)) continue;
    start.add(o);
    for (const i of outputs[o].imports) if (i.kind === 'import-statement' && outputs[i.path]) todo.push(i.path);
  }
  let startSizes = ZERO;
  let lazySizes = ZERO;
  const perFile = {};
  for (const [o, out] of Object.entries(outputs)) {
    if (!o.endsWith('.js')) continue;
    const s = sizes(Buffer.from(code[o]));
    if (start.has(o)) startSizes = add(startSizes, s);
    else lazySizes = add(lazySizes, s);
    for (const [file, v] of Object.entries(out.inputs)) {
      if (!v.bytesInOutput) continue;
      const name = file.replace(/^.*node_modules\/edgevec-c\//, '');
      perFile[name] ??= { file: name, start: 0, lazy: 0 };
      perFile[name][start.has(o) ? 'start' : 'lazy'] += v.bytesInOutput;
    }
  }
  const modules = Object.values(perFile)
    .map((m) => ({ ...m, gzShare: Math.round(startSizes.gz * m.start / startSizes.raw) }))
    .sort((a, b) => b.start - a.start || b.lazy - a.lazy);
  const storageAtStart = [...start].some((o) => STORAGE_MARKERS.indexeddb.test(Buffer.from(code[o]).toString()));
  return { start: startSizes, lazy: lazySizes, modules, storageAtStart };
}

/** The search-only esbuild app as shipped, on the full entry and on the lite one. */
async function breakdown(esbuild) {
  return { shipped: await esbuildSearch(esbuild), lite: await esbuildSearch(esbuild, undefined, 'lite') };
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
const APP_NAMES = { search: 'search-only', lite: 'search-only, **lite entry**', persist: 'persist' };
const appName = (entry) => APP_NAMES[entry];
const ROW_ENTRIES = ['search', 'lite', 'persist'];

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
    '`new URL(..., import.meta.url)` and builds with `splitting`, see [bundle-notes.md](bundle-notes.md)).');
  L.push('');
  L.push('What is counted: every `.js` and `.wasm` file the build emits, each compressed alone ' +
    '(gzip level 9; brotli quality 11, window 2^24), as a server sends them. **EdgeVec JS** is the ' +
    "build's JS minus the same bundler's build of an empty page (the bundler runtime and the page's " +
    'own code, listed under Baseline); the page lines that call EdgeVec stay in (a few hundred bytes). ' +
    'Every `.wasm` byte is EdgeVec. **JS at start** is what the page loads when it opens (index.html ' +
    'and its static imports); **JS lazy** is the chunks behind a dynamic `import()`, which ' +
    '`EdgeVec.open`, `list` and `remove` load (the persistence code). **shipped** is all of it; ' +
    '**loaded** is what a page that never persists downloads: JS at start and the `.wasm`. ' +
    'The **lite entry** row is the search-only page with `import { EdgeVec } from \'edgevec-c/lite\'` ' +
    '(js/lite/, dist/edgevec-lite.wasm); the other rows use `edgevec-c`. ' +
    'Gzip and brotli sizes of a difference are differences of compressed sizes. 1 KB = 1,000 bytes.');
  L.push('');
  for (const [title, key] of [['gzip -9', 'gz'], ['brotli 11', 'br'], ['raw (minified)', 'raw']]) {
    L.push(`## EdgeVec bytes, ${title}`);
    L.push('');
    L.push('| bundler | app | .wasm | JS at start | JS lazy | shipped | **loaded** (start JS + .wasm) | loaded KB |');
    L.push('|---|---|---:|---:|---:|---:|---:|---:|');
    for (const r of res.rows) {
      const e = r.edgevec;
      L.push(`| ${r.bundler} | ${appName(r.entry)} | ${n(e.wasm[key])} | ${n(e.jsStart[key])} | ${n(e.jsLazy[key])} | ` +
        `${n(e.shipped[key])} | **${n(e.loaded[key])}** | ${kb(e.loaded[key])} |`);
    }
    L.push('');
  }
  L.push('The persist app loads the lazy JS too, when it calls `EdgeVec.open`: everything it ships.');
  L.push('');
  L.push('## Baseline (empty page, not counted above)');
  L.push('');
  L.push('| bundler | JS raw | gzip | brotli |');
  L.push('|---|---:|---:|---:|');
  for (const b of res.bundlers) {
    const e = res.baseline[b];
    L.push(`| ${b} | ${n(e.raw)} | ${n(e.gz)} | ${n(e.br)} |`);
  }
  L.push('');

  L.push('## Storage code in the emitted files');
  L.push('');
  L.push('Each emitted JS file searched for strings no minifier renames: `objectStore(` (the IndexedDB ' +
    'backend, js/storage/indexeddb.js) and a call `._evp_…(` into the persistence exports ' +
    '(js/wasm/persist.js; the Emscripten glue only assigns those names). Files of the search-only builds:');
  L.push('');
  L.push('| bundler | app | loaded at start (gzip) | behind import() (gzip) |');
  L.push('|---|---|---|---|');
  const fileList = (files) => files.map((f) => `${f.name} ${n(f.gz)}${f.holds.length ? ` (**${f.holds.join(', ')}**)` : ''}`).join('; ') || '—';
  for (const r of res.rows.filter((x) => x.entry !== 'persist')) {
    L.push(`| ${r.bundler} | ${appName(r.entry)} | ${fileList(r.measured.js.filter((f) => f.start))} | ${fileList(r.measured.js.filter((f) => !f.start))} |`);
  }
  L.push('');
  const so = res.rows.filter((r) => r.entry === 'search');
  const lite = res.rows.filter((r) => r.entry === 'lite');
  const clean = so.filter((r) => r.storageAtStart.length === 0).map((r) => r.bundler);
  const dirty = so.filter((r) => r.storageAtStart.length > 0);
  L.push(`Search-only, storage code loaded at start: ${clean.length ? `**none** with ${clean.join(' and ')}` : ''}` +
    `${dirty.length ? `${clean.length ? '; ' : ''}${dirty.map((r) => `**${r.storageAtStart.join(', ')}** with ${r.bundler}`).join('; ')}` : ''}.`);
  const liteStorage = lite.filter((r) => r.storageAtStart.length > 0 || r.measured.js.some((f) => f.holds.length > 0));
  L.push(`On the lite entry: ${liteStorage.length ? `storage code in the build of ${liteStorage.map((r) => r.bundler).join(', ')}` : '**no storage code in any file of the build**'}` +
    `, and ${lite.every((r) => r.edgevec.jsLazy.raw === 0) ? 'no JS behind `import()` at all' : 'some JS behind `import()`'}.`);
  if (dirty.some((r) => r.bundler === 'esbuild')) {
    L.push('esbuild with `splitting` keeps a bare `import"./chunk-….js"` in the entry for a module the entry reaches ' +
      'through a re-export, used or not (esbuild issues #2922 and #3704), and js/index.js re-exports ' +
      '`IndexedDbStorage` and `MemoryStorage` from js/storage/: so the IndexedDB backend, shared with the ' +
      'lazy storage chunk, lands in a chunk the entry imports. The lifecycle and the persistence marshalling ' +
      'stay behind `import()`. (Without `splitting`, esbuild inlines every dynamic import and all of it loads at start.)');
  }
  L.push('');
  L.push('The browser suite checks this in Chromium, Firefox and WebKit (tests/browser/bundlers.spec.js): ' +
    'the search-only page requests its start files and no other JS; the persist page requests every JS file of its build.');
  L.push('');

  L.push('## Against the goal');
  L.push('');
  /** The goal's verdict over some rows. */
  const verdict = (rows) => {
    const worst = Math.max(...rows.map((r) => r.edgevec.loaded.gz));
    const best = Math.min(...rows.map((r) => r.edgevec.loaded.gz));
    return worst < GOAL_GZ ? `**met** (${n(GOAL_GZ - worst)} to ${n(GOAL_GZ - best)} bytes under)`
      : best < GOAL_GZ ? `**met** with ${rows.filter((r) => r.edgevec.loaded.gz < GOAL_GZ).map((r) => r.bundler).join(', ')} only`
        : `**not met** (${n(best - GOAL_GZ)} to ${n(worst - GOAL_GZ)} bytes over)`;
  };
  const loadedList = (rows, key) => rows.map((r) => `${r.bundler} ${kb(r.edgevec.loaded[key])} KB`).join(', ');
  L.push('Goal: an app that only creates, inserts and searches ships less than 40 KB gzipped of EdgeVec, ' +
    'and storage code is loaded only by apps that persist.');
  L.push('');
  L.push(`- On the lite entry (\`edgevec-c/lite\`), loaded (start JS + .wasm, gzip): ${loadedList(lite, 'gz')} — ` +
    `${verdict(lite)}; brotli: ${loadedList(lite, 'br')}. That is all it ships: its build has nothing else.`);
  L.push(`- On the full entry (\`edgevec-c\`), loaded: ${loadedList(so, 'gz')} — ${verdict(so)}. ` +
    `Shipped, the lazy persistence chunks included: ${so.map((r) => `${r.bundler} ${kb(r.edgevec.shipped.gz)} KB`).join(', ')}.`);
  L.push('');

  const bd = res.breakdown;
  L.push('### What the search-only start JS is made of (esbuild metafile)');
  L.push('');
  L.push('The esbuild app\'s search-only builds again (full and lite entry), in memory, with their metafile. ' +
    'Bytes each source file has in the minified output; gzip share = the start chunks\' gzip size split in ' +
    'proportion to those bytes.');
  L.push('');
  L.push(`| | start JS raw | start JS gzip | lazy JS gzip | IndexedDB code at start |`);
  L.push('|---|---:|---:|---:|---|');
  for (const [what, b] of [['full entry', bd.shipped], ['lite entry', bd.lite]]) {
    L.push(`| ${what} | ${n(b.start.raw)} | ${n(b.start.gz)} | ${n(b.lazy.gz)} | ${b.storageAtStart ? 'yes' : 'no'} |`);
  }
  L.push('');
  const liteBytes = Object.fromEntries(bd.lite.modules.map((m) => [m.file, m]));
  L.push('| source file | full: at start | full: behind import() | full: gzip share at start | lite: at start | lite: gzip share |');
  L.push('|---|---:|---:|---:|---:|---:|');
  const files = [...bd.shipped.modules.map((m) => m.file), ...bd.lite.modules.map((m) => m.file).filter((f) => !bd.shipped.modules.some((m) => m.file === f))];
  for (const file of files) {
    const m = bd.shipped.modules.find((x) => x.file === file) ?? { start: 0, lazy: 0, gzShare: 0 };
    const l = liteBytes[file];
    L.push(`| ${file} | ${n(m.start)} | ${n(m.lazy)} | ${n(m.gzShare)} | ${l ? n(l.start) : '–'} | ${l ? n(l.gzShare) : '–'} |`);
  }
  L.push('');

  L.push('### The full entry with other builds of its .wasm (measured)');
  L.push('');
  L.push('What the search-only app on the full entry loads (start JS + .wasm, gzip) with the .wasm of other ' +
    'builds of the same C; the JS stays as shipped. (The lite .wasm is built with -O3 for the search path and ' +
    '-Oz for the rest, bench/results/bundle-notes.md.)');
  L.push('');
  const cols = so.map((r) => ({ head: r.bundler, js: r.edgevec.jsStart.gz }));
  const cell = (v) => (v < GOAL_GZ ? `**${n(v)}**` : n(v));
  L.push(`| .wasm | .wasm gzip | ${cols.map((c) => c.head).join(' | ')} |`);
  L.push(`|---|---:|${cols.map(() => '---:').join('|')}|`);
  const line = (what, w) => L.push(`| ${what} | ${n(w)} | ${cols.map((c) => cell(c.js + w)).join(' | ')} |`);
  line('as shipped (-O3, dlmalloc)', so[0].edgevec.wasm.gz);
  if (res.wasmOz && !res.wasmOz.error) line('`wasm-opt -Oz` on the shipped .wasm', res.wasmOz.gz);
  for (const v of res.wasmVariants ?? []) line(`${v.what} (scratch build, bench/bundle/wasm-size.sh)`, v.wasm.gz);
  L.push('');
  L.push(`Bold: under the goal of ${n(GOAL_GZ)} bytes.`);
  L.push('');
  L.push('The scratch .wasm builds were measured for size only here; their speed, the trade-offs and how ' +
    'each bundler was set up: [bundle-notes.md](bundle-notes.md).');
  return L.join('\n');
}

async function main() {
  const t0 = Date.now();
  const manifest = await buildApps({ entries: ['search', 'lite', 'persist', 'empty'], controls: false });
  const baseline = {};
  const measured = {};
  for (const b of manifest.builds) measured[`${b.bundler}/${b.entry}`] = { build: b, m: measureBuild(b) };
  for (const bundler of BUNDLERS) {
    const e = measured[`${bundler}/empty`].m;
    if (e.wasm.raw || e.jsLazy.raw) throw new Error(`${bundler}: the empty build emitted a .wasm or lazy JS`);
    baseline[bundler] = e.jsStart;
  }
  const rows = [];
  for (const bundler of BUNDLERS) {
    for (const entry of ROW_ENTRIES) {
      const { build, m } = measured[`${bundler}/${entry}`];
      const jsStart = add(m.jsStart, baseline[bundler], -1);
      const edgevec = {
        wasm: m.wasm,
        jsStart,
        jsLazy: m.jsLazy,
        shipped: add(add(m.wasm, jsStart), m.jsLazy),
        loaded: add(m.wasm, jsStart),
      };
      const storageAtStart = [...new Set(m.js.filter((f) => f.start).flatMap((f) => f.holds))].sort();
      rows.push({ bundler, entry, files: build.files, measured: m, edgevec, storageAtStart });
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
    liteWasmSha256: manifest.liteWasmSha256,
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
