// load.spec.js — the module loads with simd128 from the packed build, as an
// app would import it: the `npm pack` tarball (unpacked by global-setup.js),
// a bare specifier through an import map, the .wasm found by the package
// itself next to its JS and compiled by streaming (application/wasm).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, expect } from './fixtures.js';

const PACKED = () => {
  const dir = process.env.EDGEVEC_PACKED_DIR;
  if (!dir) throw new Error('EDGEVEC_PACKED_DIR is not set: global-setup.js did not run');
  return dir;
};

test('the packed package holds a simd128 module and no build tree', async () => {
  const dir = PACKED();
  const wasm = path.join(dir, 'dist', 'edgevec.wasm');
  expect(fs.existsSync(wasm), 'dist/edgevec.wasm in the tarball').toBe(true);
  expect(fs.existsSync(path.join(dir, 'js', 'index.js'))).toBe(true);
  for (const absent of ['src', 'build', 'tests', 'bench', 'examples', 'CMakeLists.txt']) {
    expect(fs.existsSync(path.join(dir, absent)), `${absent} in the tarball`).toBe(false);
  }
  // v128 instructions in the code section: the module really is simd128.
  const dis = execFileSync('wasm-objdump', ['-d', wasm], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(dis).toMatch(/\b(v128\.|f32x4\.|i32x4\.)/);
});

test('an app page imports the packed package and runs it with simd128', async ({ tabs, server }) => {
  const tab = await tabs.open('tests/browser/pages/app.html');
  const r = await tab.waitFor(() => window.appResult, null, { message: 'app page result' });
  expect(r.error, `app page error: ${r.error}`).toBeUndefined();
  expect(r).toEqual({
    inserted: 200,
    size: 200,
    nearest: expect.arrayContaining(['17']),
    firstDistance: 0,
    errorCode: 'DIMENSION_MISMATCH',
  });
  expect(r.nearest[0]).toBe('17');

  const env = await tab.evaluate(async () => {
    const simdProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
      10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
    const res = await fetch('/node_modules/edgevec-c/dist/edgevec.wasm');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const wasmLoads = performance.getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname)
      .filter((p) => p.endsWith('.wasm'));
    return {
      simd: WebAssembly.validate(simdProbe),
      moduleValid: WebAssembly.validate(bytes),
      contentType: res.headers.get('content-type'),
      wasmLoads,
      warnings: window.appWarnings,
    };
  });
  expect(env.simd, 'engine validates a simd128 module').toBe(true);
  expect(env.moduleValid).toBe(true);
  expect(env.contentType).toBe('application/wasm');
  // The package found its .wasm next to itself, not in the working tree.
  expect(env.wasmLoads).toContain('/node_modules/edgevec-c/dist/edgevec.wasm');
  expect(env.wasmLoads.filter((p) => !p.startsWith('/node_modules/'))).toEqual([]);
  expect(env.warnings.filter((w) => /stream|fall/i.test(w)), 'streaming compile fell back').toEqual([]);
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
});
