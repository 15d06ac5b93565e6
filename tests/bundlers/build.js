// tests/bundlers/build.js — the bundler apps, built the way a user builds
// an app that depends on edgevec-c:
//
//   1. `npm pack` of this checkout (the tarball npm would publish);
//   2. in each app folder (vite/, webpack/, esbuild/), whose bundler is
//      already installed from its committed lock by scripts/bootstrap.sh,
//      `npm install --no-save <tarball>`, offline: only the tarball is new;
//   3. the app's sources (app/) copied into its src/, and each entry built
//      for production by the app's own `npm run build:<entry>`;
//   4. every build that should have the .wasm must hold exactly one .wasm
//      file, byte for byte the one in the tarball (dist/edgevec.wasm, or
//      dist/edgevec-lite.wasm for the app on the lite entry): a bundler that
//      did not find it (or emitted a stale, second or wrong copy) fails
//      here, before any browser starts.
//
// The builds land in <app>/dist/<entry>/, and build.json describes them
// (the browser suite and bench/bundle/ read it): each file, and for each JS
// file whether the page loads it at start or only by a dynamic import(),
// and whether it holds storage code.
//
//   node tests/bundlers/build.js [--entries search,persist] [--bundlers vite,esbuild]
//   import { buildApps } from './tests/bundlers/build.js'
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
export const MANIFEST = path.join(HERE, 'build.json');

export const BUNDLERS = ['vite', 'webpack', 'esbuild'];
// search: create, insert, search. lite: the same page on the lite entry
// (edgevec-c/lite). persist: that, plus EdgeVec.open on IndexedDB. empty:
// the same page without EdgeVec (the bytes baseline).
export const ENTRIES = ['search', 'lite', 'persist', 'empty'];
// The package's .wasm each entry must emit (any other: the full module).
const ENTRY_WASM = { lite: 'edgevec-lite.wasm' };
// Builds that must NOT find the .wasm: esbuild without the plugin for
// `new URL(..., import.meta.url)`. The browser suite checks that the
// failure is the one a user would see.
export const CONTROLS = { esbuild: ['search-plain'] };
const CONTROL_SOURCE = { 'search-plain': 'search' };

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

// Code only the persistence holds, found by strings no minifier renames:
// the IndexedDB backend (js/storage/indexeddb.js) calls `objectStore(`; the
// marshalling of the persistence exports (js/wasm/persist.js) calls
// `<module>._evp_…(`, which the Emscripten glue never does (it only assigns
// those names).
export const STORAGE_MARKERS = {
  indexeddb: /\bobjectStore\(/,
  persistence: /\._evp_\w+\(/,
};

/**
 * The emitted JS files of one build, each with whether the page loads it at
 * start (index.html names it, or a start file imports it statically) or
 * only through a dynamic import(), and which STORAGE_MARKERS it holds.
 * Minified static imports look like import"./x.js" or from"./x.js"; a
 * dynamic import is import("./x.js") (Vite and esbuild) or a chunk id that
 * webpack's runtime turns into a script tag, and neither matches.
 */
export function classifyJs(dir, names) {
  const js = names.filter((f) => /\.m?js$/.test(f));
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const todo = [...html.matchAll(/(?:src|href)="([^"]+\.m?js)"/g)]
    .map((m) => path.posix.normalize(m[1].replace(/^\//, '')));
  const start = new Set();
  while (todo.length) {
    const f = todo.pop();
    if (start.has(f) || !js.includes(f)) continue;
    start.add(f);
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of src.matchAll(/(?:\bimport|\bfrom)\s*["']([^"']+\.m?js)["']/g)) {
      todo.push(path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1])));
    }
  }
  return js.map((name) => {
    const src = fs.readFileSync(path.join(dir, name), 'utf8');
    return {
      name,
      start: start.has(name),
      holds: Object.entries(STORAGE_MARKERS).filter(([, re]) => re.test(src)).map(([k]) => k),
    };
  });
}

function run(cmd, args, cwd, { timeout = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 32 << 20, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${cmd} ${args.join(' ')} (in ${path.relative(ROOT, cwd) || '.'}) failed:\n${stdout}\n${stderr}`));
        } else {
          resolve({ stdout, stderr });
        }
      });
  });
}

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * One hash over every file of an unpacked package (paths and contents),
 * so that builds of one checkout can be told from builds of another even
 * when only js/ changed. The browser suite computes it over the copy it
 * packed itself.
 */
export function packageDigest(dir) {
  const h = crypto.createHash('sha256');
  for (const f of listFiles(dir)) {
    h.update(`${f}\0${sha256(fs.readFileSync(path.join(dir, f)))}\n`);
  }
  return h.digest('hex');
}

/** Packs this checkout into a temporary directory; returns
 * { tarball, dir, digest, wasmSha256, wasmBytes, liteWasmSha256, liteWasmBytes }. */
export async function packCheckout() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgevec-bundlers-'));
  const { stdout } = await run('npm', ['pack', '--json', '--silent', '--pack-destination', dir], ROOT);
  const [{ filename }] = JSON.parse(stdout);
  const tarball = path.join(dir, path.basename(filename));
  await run('tar', ['-xzf', tarball, '-C', dir], dir);
  const pkg = path.join(dir, 'package');
  const wasm = fs.readFileSync(path.join(pkg, 'dist', 'edgevec.wasm'));
  const lite = fs.readFileSync(path.join(pkg, 'dist', 'edgevec-lite.wasm'));
  return {
    tarball, dir, digest: packageDigest(pkg), wasmSha256: sha256(wasm), wasmBytes: wasm.length,
    liteWasmSha256: sha256(lite), liteWasmBytes: lite.length,
  };
}

/** The app's bundler must have been installed from its current lock. */
function checkInstalled(appDir, name) {
  const stamp = path.join(appDir, 'node_modules', '.bootstrap-lock-sha256');
  const want = sha256(fs.readFileSync(path.join(appDir, 'package-lock.json')));
  const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : null;
  if (have !== want) {
    throw new Error(`the ${name} app's dependencies are not installed from its package-lock.json: run scripts/bootstrap.sh`);
  }
}

/** Installs the tarball into one app and builds the given entries. */
async function buildApp(name, entries, pack, log) {
  const appDir = path.join(HERE, name);
  checkInstalled(appDir, name);

  let t = Date.now();
  // --offline: everything but the tarball is installed already, so a run
  // that would reach the registry here is a bug, not a slow network.
  await run('npm', ['install', '--no-save', '--offline', '--no-audit', '--no-fund', '--loglevel=error', pack.tarball], appDir);
  const installed = fs.readFileSync(path.join(appDir, 'node_modules', 'edgevec-c', 'dist', 'edgevec.wasm'));
  if (sha256(installed) !== pack.wasmSha256) {
    throw new Error(`${name}: node_modules/edgevec-c is not the tarball just packed`);
  }
  const installMs = Date.now() - t;

  fs.rmSync(path.join(appDir, 'src'), { recursive: true, force: true });
  fs.cpSync(path.join(HERE, 'app'), path.join(appDir, 'src'), { recursive: true });

  const builds = [];
  for (const entry of entries) {
    const control = (CONTROLS[name] ?? []).includes(entry);
    t = Date.now();
    await run('npm', ['run', '--silent', `build:${entry}`], appDir);
    const ms = Date.now() - t;
    const dir = path.join(appDir, 'dist', entry);
    const files = listFiles(dir).map((f) => ({ name: f, bytes: fs.statSync(path.join(dir, f)).size }));
    const wasms = files.filter((f) => f.name.endsWith('.wasm'));
    const build = {
      bundler: name,
      entry,
      source: CONTROL_SOURCE[entry] ?? entry,
      control,
      dir: path.relative(ROOT, dir),
      ms,
      files,
      wasm: wasms.map((f) => f.name),
      js: classifyJs(dir, files.map((f) => f.name)),
    };
    if (!fs.existsSync(path.join(dir, 'index.html'))) {
      throw new Error(`${name} ${entry}: the build has no index.html`);
    }
    if (entry !== 'empty' && !control) {
      if (wasms.length !== 1) {
        throw new Error(`${name} ${entry}: the build should hold exactly one .wasm, found ${wasms.length} ` +
          `(${wasms.map((f) => f.name).join(', ') || 'none'}): the bundler did not emit edgevec.wasm on its own`);
      }
      const want = ENTRY_WASM[entry] ?? 'edgevec.wasm';
      const wantSha = want === 'edgevec.wasm' ? pack.wasmSha256 : pack.liteWasmSha256;
      if (sha256(fs.readFileSync(path.join(dir, wasms[0].name))) !== wantSha) {
        throw new Error(`${name} ${entry}: ${wasms[0].name} is not the package's ${want}`);
      }
    } else if (wasms.length !== 0) {
      throw new Error(`${name} ${entry}: expected no .wasm in this build, found ${wasms.map((f) => f.name).join(', ')}`);
    }
    log(`  ${name.padEnd(8)} ${entry.padEnd(13)} ${String(ms).padStart(6)} ms  ${files.map((f) => `${f.name} (${f.bytes})`).join(', ')}`);
    builds.push(build);
  }
  return { installMs, builds };
}

/**
 * Packs, installs and builds. entries: which of ENTRIES to build (the
 * controls are added with `controls: true`). The three apps build at the
 * same time (each app's entries one after another): much of a build is
 * process start-up and file I/O, so this beats one at a time even on two
 * cores. Returns the manifest (also written to build.json).
 */
export async function buildApps({
  bundlers = BUNDLERS, entries = ENTRIES, controls = true, log = console.log,
} = {}) {
  const t0 = Date.now();
  const pack = await packCheckout();
  const packMs = Date.now() - t0;
  log(`bundler apps: packed ${path.basename(pack.tarball)} in ${packMs} ms`);
  try {
    const manifest = {
      packageDigest: pack.digest,
      wasmSha256: pack.wasmSha256,
      wasmBytes: pack.wasmBytes,
      liteWasmSha256: pack.liteWasmSha256,
      liteWasmBytes: pack.liteWasmBytes,
      packMs,
      apps: {},
      builds: [],
    };
    const done = await Promise.all(bundlers.map((name) => {
      const want = [...entries, ...(controls ? CONTROLS[name] ?? [] : [])];
      return buildApp(name, want, pack, log);
    }));
    for (const [i, name] of bundlers.entries()) {
      const versions = JSON.parse(fs.readFileSync(path.join(HERE, name, 'package.json'), 'utf8')).devDependencies;
      manifest.apps[name] = { installMs: done[i].installMs, versions };
      manifest.builds.push(...done[i].builds);
    }
    manifest.totalMs = Date.now() - t0;
    fs.writeFileSync(MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
    log(`bundler apps: ${manifest.builds.length} builds in ${(manifest.totalMs / 1000).toFixed(1)} s ` +
      `(tarball installs: ${bundlers.map((b) => `${b} ${manifest.apps[b].installMs} ms`).join(', ')})`);
    return manifest;
  } finally {
    fs.rmSync(pack.dir, { recursive: true, force: true });
  }
}

function parseList(v, allowed, what) {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const x of list) if (!allowed.includes(x)) throw new Error(`unknown ${what} ${x} (one of ${allowed.join(', ')})`);
  return list;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = { entries: ['search', 'lite', 'persist'] };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--entries') opts.entries = parseList(argv[++i], ENTRIES, 'entry');
    else if (a === '--bundlers') opts.bundlers = parseList(argv[++i], BUNDLERS, 'bundler');
    else if (a === '--no-controls') opts.controls = false;
    else {
      console.error('usage: node tests/bundlers/build.js [--entries search,lite,persist,empty] [--bundlers vite,webpack,esbuild] [--no-controls]');
      process.exit(2);
    }
  }
  buildApps(opts).catch((err) => {
    console.error(`bundler apps: ${err.message}`);
    process.exit(1);
  });
}
