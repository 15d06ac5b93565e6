// serve.js — the project's own static HTTP server, used by `npm start` (the
// demos) and by the browser suite (tests/browser/), so both see the same
// bytes with the same headers.
//
// Only what a page needs is reachable: examples/, js/, dist/ and the
// browser suite's pages; nothing else of the repository (no build tree, no
// node_modules, no .git). It listens on 127.0.0.1 only, because it serves a
// developer's working tree. `.wasm` goes out as `application/wasm`, which
// WebAssembly.instantiateStreaming insists on.
//
// Every response carries the COOP/COEP pair (Cross-Origin-Opener-Policy:
// same-origin, Cross-Origin-Embedder-Policy: require-corp), so the pages
// are cross-origin isolated: the only pages where a browser allows shared
// memory, hence EdgeVec's build with threads (js/wasm/threads.js).
// `isolated: false` leaves them out (the browser suite checks both ways).
//
//   node scripts/serve.js [--port N]     (or PORT=N; default 8080)
//   import { startServer } from './scripts/serve.js'
//   const s = await startServer({ port: 0 }); ... await s.close();
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// URL prefix -> directory. A prefix always ends in '/'.
const DEFAULT_MOUNTS = {
  '/examples/': path.join(REPO_ROOT, 'examples'),
  '/js/': path.join(REPO_ROOT, 'js'),
  '/dist/': path.join(REPO_ROOT, 'dist'),
  '/tests/browser/pages/': path.join(REPO_ROOT, 'tests', 'browser', 'pages'),
  // The seeded data generator shared by Node and pages (an exact port of
  // tests/c/dataset.c), so a demo and a test draw the same vectors.
  '/tests/lib/': path.join(REPO_ROOT, 'tests', 'lib'),
  // The browser benchmark page's statistics (bench/browser/page.js).
  '/bench/lib/': path.join(REPO_ROOT, 'bench', 'lib'),
};

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** The headers that make a page cross-origin isolated. */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

function send(res, status, body, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

// Maps a request path to a file inside one of the mounts, or null. The path
// is percent-decoded once, then every segment is checked: '..', '.', empty
// interior segments, backslashes and NUL bytes are refused outright rather
// than normalised, so no spelling of a traversal can reach a resolve().
function resolveRequestPath(mounts, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400 };
  for (const [prefix, dir] of Object.entries(mounts)) {
    const bare = prefix.slice(0, -1);
    if (decoded === bare) return { redirect: prefix };
    if (!decoded.startsWith(prefix)) continue;
    const rest = decoded.slice(prefix.length);
    // A trailing '/' (or the bare prefix) names the directory itself.
    const trailingSlash = rest === '' || rest.endsWith('/');
    const segments = rest === '' ? [] : rest.split('/');
    if (rest !== '' && trailingSlash) segments.pop();
    for (const s of segments) {
      if (s === '' || s === '.' || s === '..') return { status: 400 };
    }
    const file = path.join(dir, ...segments);
    // Belt and braces: the joined path must still be inside the mount.
    const rel = path.relative(dir, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return { status: 400 };
    return { file, dir, trailingSlash };
  }
  return { status: 404 };
}

async function handle(req, res, mounts, log, home, isolated) {
  if (isolated) for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    return;
  }
  // Prefixing (not a base URL) keeps a path like '//x' a path, not a host.
  let url;
  try {
    url = new URL('http://127.0.0.1' + req.url);
  } catch {
    send(res, 400, 'bad request\n');
    return;
  }
  if (url.pathname === '/' && home) {
    send(res, 302, `see ${home}\n`, { Location: home });
    return;
  }
  const r = resolveRequestPath(mounts, url.pathname);
  if (r.redirect) {
    send(res, 301, `see ${r.redirect}\n`, { Location: r.redirect + url.search });
    return;
  }
  if (r.status) {
    send(res, r.status, r.status === 404 ? 'not found\n' : 'bad request\n');
    return;
  }
  let file = r.file;
  let stat;
  try {
    // realpath: a symlink inside a mount must not lead out of it.
    const real = await fs.promises.realpath(file);
    const realDir = await fs.promises.realpath(r.dir);
    const rel = path.relative(realDir, real);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      send(res, 404, 'not found\n');
      return;
    }
    file = real;
    stat = await fs.promises.stat(file);
    if (stat.isDirectory()) {
      if (!r.trailingSlash) {
        send(res, 301, 'see directory\n', { Location: url.pathname + '/' + url.search });
        return;
      }
      file = path.join(file, 'index.html');
      stat = await fs.promises.stat(file);
    } else if (r.trailingSlash) {
      send(res, 404, 'not found\n');
      return;
    }
  } catch {
    send(res, 404, 'not found\n');
    return;
  }
  if (!stat.isFile()) {
    send(res, 404, 'not found\n');
    return;
  }
  const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': stat.size,
    // A developer edits and reloads; a test reloads to check persistence.
    // Neither must see a stale module.
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = fs.createReadStream(file);
  stream.on('error', (err) => {
    log?.(`serve: read error ${file}: ${err.message}`);
    res.destroy(err);
  });
  stream.pipe(res);
}

/**
 * Starts the server. `port: 0` picks a free port (what tests use).
 * `mounts` adds or overrides URL prefixes ('/pkg/' -> a directory), e.g. an
 * unpacked `npm pack` tarball served the way an app would ship it.
 * `defaults: false` serves the given mounts and nothing of the repository,
 * e.g. `{ '/': dir }` for a bundler's output deployed at an origin's root,
 * where a URL the bundler failed to rewrite must not find the repository's
 * own dist/.
 * `isolated: false` serves without the COOP/COEP headers (pages are then
 * not cross-origin isolated).
 * Resolves to { url, port, server, close() }.
 */
export async function startServer({
  port = 8080, host = '127.0.0.1', mounts = {}, defaults = true, isolated = true, log,
} = {}) {
  const all = defaults ? { ...DEFAULT_MOUNTS } : {};
  // '/' leads to the demos unless the caller mounts something there.
  const home = defaults && !mounts['/'] ? '/examples/' : null;
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!prefix.startsWith('/') || !prefix.endsWith('/')) {
      throw new Error(`mount prefix must start and end with '/': ${prefix}`);
    }
    all[prefix] = path.resolve(dir);
  }
  // Longest prefix first, so '/tests/browser/pages/' is not shadowed by a
  // shorter mount that happens to match.
  const mountsSorted = Object.fromEntries(
    Object.entries(all).sort((a, b) => b[0].length - a[0].length),
  );
  const server = http.createServer((req, res) => {
    handle(req, res, mountsSorted, log, home, isolated).catch((err) => {
      log?.(`serve: ${err.stack ?? err}`);
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  // Keep-alive sockets would hold close() open for their timeout.
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  return {
    server,
    port: actualPort,
    url: `http://${host}:${actualPort}/`,
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

function parsePort(argv, env) {
  let port = env.PORT !== undefined && env.PORT !== '' ? env.PORT : '8080';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port' || a === '-p') port = argv[++i];
    else if (a.startsWith('--port=')) port = a.slice('--port='.length);
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/serve.js [--port N]   (or PORT=N; default 8080)');
      process.exit(0);
    } else {
      console.error(`serve: unknown argument ${a}`);
      process.exit(2);
    }
  }
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`serve: bad port ${port}`);
    process.exit(2);
  }
  return n;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = parsePort(process.argv.slice(2), process.env);
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'edgevec.wasm'))) {
    console.warn('serve: dist/edgevec.wasm is missing; run `npm run build` (npm start builds first)');
  }
  startServer({ port, log: (m) => console.error(m) }).then(
    (s) => {
      console.log(`EdgeVec demos: ${s.url}examples/`);
      console.log('Serving examples/, js/ and dist/ on 127.0.0.1 only, cross-origin isolated');
      console.log('(COOP/COEP headers: the demos use the build with threads). Ctrl+C to stop.');
      const stop = () => s.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err) => {
      if (err.code === 'EADDRINUSE') {
        console.error(`serve: port ${port} is in use; try --port ${port + 1} or PORT=0`);
      } else {
        console.error(`serve: ${err.message}`);
      }
      process.exit(1);
    },
  );
}
