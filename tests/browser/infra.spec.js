// infra.spec.js — the harness itself, in every engine: the static server
// (MIME types, traversal), the tab driver (evaluate, errors, input,
// screenshots), storage shared by the tabs of a test, and a simd128 module
// instantiated by streaming. Runs before product code exists, so a failure
// here points at the harness, not at EdgeVec.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from './fixtures.js';

test('static server: MIME types, no traversal, 127.0.0.1 only', async ({ server }) => {
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const wasm = await fetch(new URL('tests/browser/pages/simd-probe.wasm', server.url));
  expect(wasm.status).toBe(200);
  expect(wasm.headers.get('content-type')).toBe('application/wasm');
  const html = await fetch(new URL('tests/browser/pages/smoke.html', server.url));
  expect(html.headers.get('content-type')).toMatch(/^text\/html/);
  const js = await fetch(new URL('tests/lib/dataset.js', server.url));
  expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
  for (const p of ['package.json', 'js/%2e%2e/package.json', 'js/..%2fpackage.json',
    'examples/..%5cpackage.json', 'node_modules/', 'src/edgevec.h', '.git/HEAD']) {
    const r = await fetch(new URL(p, server.url), { redirect: 'manual' });
    expect([400, 404], `${p} -> ${r.status}`).toContain(r.status);
  }
});

// `npm start` runs this script: it must take PORT or --port and print the
// demos' URL, which must then serve the demo index.
test('serve.js command line: --port / PORT, prints the URL, serves the demos', async () => {
  const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'serve.js');
  for (const how of [{ args: ['--port', '0'], env: {} }, { args: [], env: { PORT: '0' } }]) {
    const child = spawn(process.execPath, [script, ...how.args], {
      env: { ...process.env, ...how.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 10_000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /http:\/\/127\.0\.0\.1:(\d+)\/examples\//.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[0]);
          }
        });
        child.once('exit', (code) => reject(new Error(`serve.js exited ${code}: ${out}`)));
      });
      const r = await fetch(url);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('EdgeVec');
    } finally {
      child.kill('SIGTERM');
    }
  }
});

test('tab driver: evaluate, errors, input, screenshot', async ({ tabs, shot }) => {
  const tab = await tabs.open('tests/browser/pages/smoke.html');
  await tab.waitFor(() => window.smokeReady === true);
  expect(await tab.evaluate((x) => x.a + 1, { a: 41 })).toBe(42);
  expect(await tab.evaluate('document.title')).toBe('smoke');
  expect(await tab.evaluate(async () => {
    await new Promise((r) => setTimeout(r, 10));
    return [1, 'two', { three: 3 }];
  })).toEqual([1, 'two', { three: 3 }]);
  // A page exception arrives in Node with its code.
  const err = await tab.evaluate(() => {
    const e = new TypeError('nope');
    e.code = 'SOME_CODE';
    throw e;
  }).catch((e) => e);
  expect(err.message).toContain('nope');
  expect(err.code).toBe('SOME_CODE');
  // BigInt cannot cross any of the protocols: it must fail, not truncate.
  await expect(tab.evaluate(() => 1n)).rejects.toThrow(/BigInt/i);

  await tab.fill('#name', 'Ada');
  await tab.selectOption('#pick', 'b');
  await tab.click('#go');
  await tab.waitFor(() => document.querySelector('#out').textContent === 'hello Ada b');
  const file = await shot(tab, 'infra-smoke');
  expect(fs.statSync(file).size).toBeGreaterThan(1000);
});

test('simd128 module instantiates by streaming', async ({ tabs }) => {
  const tab = await tabs.open('tests/browser/pages/smoke.html');
  const r = await tab.evaluate(async () => {
    const { instance } = await WebAssembly.instantiateStreaming(fetch('simd-probe.wasm'));
    return instance.exports.lane2(40, 2);
  });
  expect(r).toBe(42);
});

test('tabs of one test share IndexedDB; a killed tab leaves the others working', async ({ tabs }) => {
  const a = await tabs.open('tests/browser/pages/smoke.html');
  const put = await a.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('infra-shared', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('kv');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction('kv', 'readwrite');
      tx.objectStore('kv').put('v1', 'k');
      tx.oncomplete = () => { db.close(); resolve('ok'); };
      tx.onerror = () => reject(tx.error);
    };
  }));
  expect(put).toBe('ok');
  const b = await tabs.open('tests/browser/pages/smoke.html');
  await a.kill();
  await b.reload();
  const got = await b.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('infra-shared', 1);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const g = db.transaction('kv').objectStore('kv').get('k');
      g.onsuccess = () => { db.close(); resolve(g.result); };
      g.onerror = () => reject(g.error);
    };
  }));
  expect(got).toBe('v1');
});
