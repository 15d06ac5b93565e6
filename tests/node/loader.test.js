// tests/node/loader.test.js (js/loader.js) — where the .wasm comes from: the
// default (read from disk next to the package in Node), `wasmBinary` (bytes
// the app fetched itself) and `locateFile` (a URL the module streams from,
// here a local HTTP server as a CDN stand-in), and the WASM_LOAD error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { EdgeVec } from '../../js/index.js';
import { rejectsWith } from './helpers/assert-error.js';

const wasmPath = new URL('../../dist/edgevec.wasm', import.meta.url);

/** @param {EdgeVec} db */
async function works(db) {
  await db.insertBatch([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(db.search([0, 0.9, 0.1], 1).map((r) => r.id), [1n]);
  db.dispose();
}

test('wasmBinary as Uint8Array and as ArrayBuffer', async () => {
  const bytes = new Uint8Array(await readFile(wasmPath));
  await works(await EdgeVec.create({ dimensions: 3, wasmBinary: bytes }));
  const buffer = bytes.slice().buffer;
  await works(await EdgeVec.create({ dimensions: 3, wasmBinary: buffer }));
  // The same bytes object reuses its module.
  await works(await EdgeVec.create({ dimensions: 3, wasmBinary: bytes }));
});

test('locateFile: streamed from a URL the app chooses', async (t) => {
  const bytes = await readFile(wasmPath);
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    if (req.url === '/assets/edgevec.wasm') {
      res.writeHead(200, { 'content-type': 'application/wasm' });
      res.end(bytes);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  /** @type {string[]} */
  const asked = [];
  const locateFile = (path) => { asked.push(path); return `http://127.0.0.1:${port}/assets/${path}`; };
  await works(await EdgeVec.create({ dimensions: 3, locateFile }));
  assert.ok(asked.includes('edgevec.wasm'));
  assert.equal(requests, 1);

  // A missing file is a WASM_LOAD error naming the URL; nothing is cached,
  // and the default location still works afterwards.
  const silence = t.mock.method(console, 'warn', () => {});
  await rejectsWith(() => EdgeVec.create({
    dimensions: 3, locateFile: () => `http://127.0.0.1:${port}/missing.wasm`,
  }), 'WASM_LOAD', { message: /missing\.wasm/ });
  silence.mock.restore();
  await works(await EdgeVec.create({ dimensions: 3 }));
});

test('bytes that are not a wasm module: WASM_LOAD', async (t) => {
  t.mock.method(console, 'warn', () => {});
  await rejectsWith(() => EdgeVec.create({ dimensions: 3, wasmBinary: new Uint8Array([0, 97, 115, 109, 9, 9]) }),
    'WASM_LOAD');
});
