// bench/browser/run.js — runs bench/browser/page.js in Chromium (Playwright,
// the system /usr/bin/chromium) for our library and the peers that load in a
// page, one fresh browser per library, one after another.
//
//   node bench/browser/run.js [--dataset S|A|B] [--libs a,b] [--out file.json]
//
// The files are served from the repository on 127.0.0.1 by a minimal static
// server with cross-origin isolation headers (COOP/COEP): without them
// Chromium coarsens performance.now() to 100 µs, too coarse for per-query
// latencies of tens of µs.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { loadDataset, cacheFiles, DATASETS } from '../lib/data.js';
import { DEFAULT_EFS, BUILD_TIME_EFS } from '../peers/run.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };
const PKG_ROOT = process.env.BENCH_EDGEVEC_C_ROOT ? path.resolve(process.env.BENCH_EDGEVEC_C_ROOT) : null;
const PAGE_TIMEOUT_MS = 15 * 60 * 1000;

function parseArgs(argv) {
  const a = { dataset: 'A', libs: ['edgevec-c', 'hnswlib-wasm', 'edgevec', 'voy-search'] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dataset') a.dataset = argv[++i];
    else if (argv[i] === '--libs') a.libs = argv[++i].split(',');
    else if (argv[i] === '--out') a.out = argv[++i];
    else if (argv[i] === '--queries') a.queries = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return a;
}

// Serves files under ROOT only, GET only, on 127.0.0.1.
function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const pathname = decodeURIComponent(url.pathname);
    // js/ and dist/ come from the snapshot bench-peers.sh took after building.
    const base = PKG_ROOT && /^\/(js|dist)\//.test(pathname) ? PKG_ROOT : ROOT;
    const file = path.resolve(base, `.${pathname}`);
    if (req.method !== 'GET' || !file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const data = loadDataset(args.dataset, (m) => process.stderr.write(`${m}\n`));
  const { spec } = data;
  const files = cacheFiles(spec);
  const rel = (f) => `/${path.relative(ROOT, f)}`;
  const nq = Math.min(args.queries ?? spec.q, spec.q);
  const server = await serve();
  const port = server.address().port;
  const results = [];
  let version = null;
  try {
    for (const lib of args.libs) {
      const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
      version = browser.version();
      const started = Date.now();
      try {
        const libEfs = lib === 'edgevec' ? (BUILD_TIME_EFS[spec.name] ?? [64]).slice(0, 1) : DEFAULT_EFS;
        const q = new URLSearchParams({
          lib, dim: spec.dim, n: spec.n, q: nq, efs: libEfs.join(','), buildEf: libEfs[0],
          base: rel(files.base), queries: rel(files.queries), gt: rel(files.gt),
        });
        const page = await browser.newPage();
        page.on('console', (m) => process.stderr.write(`  [page] ${m.text()}\n`));
        page.on('pageerror', (e) => process.stderr.write(`  [page error] ${e.message}\n`));
        await page.goto(`http://127.0.0.1:${port}/bench/browser/page.html?${q}`);
        await page.waitForFunction(() => window.__benchResult !== undefined, null, { timeout: PAGE_TIMEOUT_MS, polling: 500 });
        const r = await page.evaluate(() => window.__benchResult);
        results.push({ library: lib, wallS: (Date.now() - started) / 1000, ...r });
        if (r.error) process.stderr.write(`  ${lib} FAILED in the page: ${r.error}\n`);
      } catch (e) {
        results.push({ library: lib, error: String(e.message ?? e).slice(0, 300) });
        process.stderr.write(`  ${lib} FAILED: ${e.message ?? e}\n`);
      } finally {
        await browser.close();
      }
    }
  } finally {
    server.close();
  }
  const out = { browser: `Chromium ${version}`, dataset: spec.name, spec, queries: nq, date: new Date().toISOString(), results };
  const json = JSON.stringify(out, null, 1);
  if (args.out) fs.writeFileSync(args.out, json + '\n');
  else process.stdout.write(json + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
