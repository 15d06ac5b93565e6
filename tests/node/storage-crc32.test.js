// tests/node/storage-crc32.test.js (js/storage/crc32.js) — the storage
// layer's CRC-32 is the C core's: equal to zlib's CRC-32 on seeded random
// data of every small length and some large ones, and equal to every CRC the
// core wrote into a snapshot of random vectors (the header CRC and each
// section's), so the manifest's checksums and the snapshot's are one
// definition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { crc32 } from '../../js/storage/crc32.js';
import { mulberry32 } from './helpers/data.js';

/** @param {number} n @param {number} seed */
function randomBytes(n, seed) {
  const rand = mulberry32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

test('equals zlib CRC-32 on random data, whole and continued', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926, 'the CRC-32/IEEE check value');
  assert.equal(crc32(new Uint8Array(0)), 0);
  for (const n of [...Array.from({ length: 70 }, (_, i) => i), 255, 256, 1000, 4097, 65536 + 3]) {
    const bytes = randomBytes(n, 1000 + n);
    const want = zlibCrc32(bytes);
    assert.equal(crc32(bytes), want, `length ${n}`);
    const cut = n >> 1;
    assert.equal(crc32(bytes.subarray(cut), crc32(bytes.subarray(0, cut))), want, `length ${n}, continued at ${cut}`);
  }
});

test("equals the core's CRC-32 on the header and every section of a snapshot of random vectors", async () => {
  const storage = new MemoryStorage();
  const dim = 24;
  const rand = mulberry32(77);
  const vectors = new Float32Array(300 * dim).map(() => rand() * 2 - 1);
  const db = await EdgeVec.open('crc', { storage, dimensions: dim, seed: 3 });
  await db.insertBatch(vectors);
  db.softDeleteBatch([1, 2, 3]);
  await db.checkpoint();
  await db.close();
  const h = await storage.open('crc', { readOnly: true });
  const { snapshot } = await h.load();
  await h.close();
  const view = new DataView(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
  // The prelude and header layout are documented at the top of src/snapshot.c.
  const headerLen = view.getUint32(12, true);
  const headerCrc = crc32(snapshot.subarray(20, headerLen), crc32(snapshot.subarray(0, 16)));
  assert.equal(headerCrc, view.getUint32(16, true), 'header_crc');
  const sections = view.getUint32(92, true);
  assert.ok(sections >= 6, `${sections} sections`);
  for (let i = 0; i < sections; i++) {
    const at = 120 + 24 * i;
    const offset = Number(view.getBigUint64(at + 8, true));
    const length = Number(view.getBigUint64(at + 16, true));
    assert.ok(length > 0 && offset + length <= snapshot.byteLength);
    assert.equal(crc32(snapshot.subarray(offset, offset + length)), view.getUint32(at + 4, true),
      `section ${view.getUint32(at, true)} (${length} bytes)`);
  }
});
