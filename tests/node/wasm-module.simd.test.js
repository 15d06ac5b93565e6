// tests/node/wasm-module.simd.test.js (the dist/ module js/wasm/module.js
// loads) — the shipped .wasm really uses simd128: its disassembly contains
// v128 instructions in the distance kernels. A build that silently lost
// -msimd128 would still pass every other test, only slower.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const wasmPath = fileURLToPath(new URL('../../dist/edgevec.wasm', import.meta.url));

test('dist/edgevec.wasm contains v128 instructions', () => {
  const text = execFileSync('wasm-objdump', ['-d', wasmPath], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const count = (re) => (text.match(re) || []).length;
  const f32x4Mul = count(/\bf32x4\.mul\b/g);
  const f32x4Add = count(/\bf32x4\.add\b/g);
  const v128Load = count(/\bv128\.load\b/g);
  assert.ok(f32x4Mul >= 4, `expected f32x4.mul in the kernels, found ${f32x4Mul}`);
  assert.ok(f32x4Add >= 4, `expected f32x4.add in the kernels, found ${f32x4Add}`);
  assert.ok(v128Load >= 4, `expected v128.load in the kernels, found ${v128Load}`);
});
