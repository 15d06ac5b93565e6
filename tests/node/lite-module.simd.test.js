// tests/node/lite-module.simd.test.js (the dist/ module js/lite/module.js
// loads) — the lite module is what its name says: it uses simd128 as the
// full one does (v128 instructions in the distance kernels; a build that
// lost -msimd128 would pass every other test, only slower), and it exports
// only what the lite class calls (wasm_api.c and wasm_reorder.c): nothing
// of metadata, filters, persistence, incremental compaction or threads,
// whose C would then be linked in and downloaded by every lite app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const wasmPath = fileURLToPath(new URL('../../dist/edgevec-lite.wasm', import.meta.url));
const gluePath = fileURLToPath(new URL('../../dist/edgevec-lite.js', import.meta.url));

test('dist/edgevec-lite.wasm contains v128 instructions', () => {
  const text = execFileSync('wasm-objdump', ['-d', wasmPath], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const count = (re) => (text.match(re) || []).length;
  assert.ok(count(/\bf32x4\.mul\b/g) >= 4, 'f32x4.mul in the kernels');
  assert.ok(count(/\bf32x4\.add\b/g) >= 4, 'f32x4.add in the kernels');
  assert.ok(count(/\bv128\.load\b/g) >= 4, 'v128.load in the kernels');
});

test('the lite module exports exactly what the lite class calls', () => {
  // The glue assigns each export to Module["_name"] (the .wasm's own export
  // names are minified).
  const glue = readFileSync(gluePath, 'utf8');
  const exports = [...new Set([...glue.matchAll(/Module\["(_\w+)"\]=/g)].map((m) => m[1]))]
    .filter((name) => name !== '___wasm_call_ctors').sort();
  assert.deepEqual(exports, [
    '_evw_compact', '_evw_contains', '_evw_create', '_evw_deleted_count', '_evw_free', '_evw_get',
    '_evw_insert_batch', '_evw_live_count', '_evw_live_ids', '_evw_memory_bytes', '_evw_next_auto_id',
    '_evw_option', '_evw_order_due', '_evw_reorder', '_evw_reserve', '_evw_search', '_evw_soft_delete', '_evw_soft_delete_batch',
    '_evw_tombstone_ratio', '_evw_validate_batch', '_evw_validate_ids', '_free', '_malloc',
  ]);
});
