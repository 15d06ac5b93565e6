// tests/node/wasm-persist.test.js (js/wasm/persist.js) — a checkpoint encodes
// the snapshot through a small wasm buffer, not a snapshot-sized one: wasm
// memory never shrinks, so a whole-snapshot buffer there would stay as the
// page's memory for good. Measured on a module of its own through the
// allocator's high-water mark, after soaking up every free block of 1 MB or
// more (the holes that growing arrays leave behind would otherwise hide a
// large allocation); the stored snapshot must still load to the same index.
// A streamed load (EdgeVec.load of a Response) is held to the same rule, and
// one cut short grows the heap by what arrived, not by the index announced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { loadWasm } from '../../js/loader.js';
import { clustered } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const DIM = 96;
const N = 20000;
const BATCH = 500;

/** A module instance of its own: a copy of the module's bytes is a new cache key. */
async function freshModule() {
  const wasmBinary = new Uint8Array(await readFile(new URL('../../dist/edgevec.wasm', import.meta.url)));
  return { wasmBinary, wasm: await loadWasm({ wasmBinary }) };
}

/**
 * Takes every free block of 1 MB or more, so that a large allocation after
 * it must raise the high-water mark.
 * @returns {{ peak: number, release: () => void }}
 */
function soakFreeBlocks(wasm) {
  const soak = [];
  for (;;) {
    const before = wasm._evw_heap_peak();
    soak.push(wasm._malloc(1 << 20));
    if (wasm._evw_heap_peak() > before) break; // no free block of 1 MB left
  }
  return { peak: wasm._evw_heap_peak(), release: () => { for (const p of soak) wasm._free(p); } };
}

/** An in-memory index of N x DIM (seeded), exported; its data and one search. */
async function exported(seed) {
  const source = await EdgeVec.create({ dimensions: DIM });
  const data = clustered({ seed, n: N, dim: DIM });
  for (let i = 0; i < N; i += 5000) await source.insertBatch(data.subarray(i * DIM, (i + 5000) * DIM));
  const bytes = await source.export();
  const query = data.subarray(77 * DIM, 78 * DIM);
  const want = source.search(query, 10);
  source.dispose();
  return { bytes, query, want };
}

/** A Response whose body is `bytes` in chunks of 64 KB, as a download arrives. */
function downloading(bytes) {
  let at = 0;
  return new Response(new ReadableStream({
    pull(c) {
      if (at >= bytes.length) { c.close(); return; }
      c.enqueue(bytes.slice(at, at + 65536));
      at += 65536;
    },
  }));
}

test('checkpoint of 20k x 96 raises the wasm heap high-water mark by far less than the snapshot', async () => {
  const { wasmBinary, wasm } = await freshModule();
  const storage = new MemoryStorage();
  const db = await EdgeVec.open('peak', { storage, dimensions: DIM, wasmBinary, autoCheckpoint: false });
  const data = clustered({ seed: 61, n: N, dim: DIM });
  for (let i = 0; i < N; i += BATCH) await db.insertBatch(data.subarray(i * DIM, (i + BATCH) * DIM));
  await db.flush();

  const soaked = soakFreeBlocks(wasm);
  await db.checkpoint();
  const grew = wasm._evw_heap_peak() - soaked.peak;
  soaked.release();
  const handle = await storage.open('peak', { readOnly: true });
  const manifest = await handle.readManifest();
  await handle.close();
  assert.ok(manifest && manifest.snapshotBytes > 8 * 1024 * 1024, 'a snapshot of several MB');
  // The writer's buffer is 1 MB; a snapshot-sized one would add ~9 MB.
  assert.ok(grew < manifest.snapshotBytes / 4,
    `heap high-water mark grew by ${grew} bytes for a ${manifest.snapshotBytes}-byte snapshot`);

  const query = data.subarray(123 * DIM, 124 * DIM);
  const want = db.search(query, 10);
  await db.close();
  const again = await EdgeVec.open('peak', { storage, wasmBinary, readOnly: true });
  assert.deepEqual(again.search(query, 10), want);
  again.dispose();
});

test('a streamed load of 20k x 96 raises the wasm heap high-water mark by the index, not by the snapshot as well', async () => {
  const { bytes, query, want } = await exported(62);
  const { wasmBinary, wasm } = await freshModule();
  const soaked = soakFreeBlocks(wasm);
  const db = await EdgeVec.load(downloading(bytes), { wasmBinary });
  const grew = wasm._evw_heap_peak() - soaked.peak;
  soaked.release();
  // Loading into a buffer of the snapshot's size first would add all of
  // it on top of the index; the stream holds only the small sections (ids,
  // levels, upper links) and a 1 MB staging buffer.
  assert.ok(grew - db.memoryBytes < bytes.length / 2,
    `high-water mark grew by ${grew} bytes for an index of ${db.memoryBytes} from a ${bytes.length}-byte snapshot`);
  assert.deepEqual(db.search(query, 10), want);
  db.dispose();
});

test('a download cut short grows the wasm heap by what arrived, not by the index its header announces', async () => {
  const { bytes } = await exported(63);
  const { wasmBinary, wasm } = await freshModule();
  const soaked = soakFreeBlocks(wasm);
  // An eighth of the snapshot arrives, then the body ends.
  const arrived = bytes.subarray(0, bytes.length >> 3);
  await rejectsWith(() => EdgeVec.load(downloading(arrived), { wasmBinary }), 'CORRUPT', { message: /truncated/ });
  const grew = wasm._evw_heap_peak() - soaked.peak;
  soaked.release();
  // Reserving the whole index at the header would grow it by more than the
  // snapshot; what arrived, the small sections and a 1 MB staging buffer
  // stay well under half of it.
  assert.ok(grew < bytes.length / 2,
    `high-water mark grew by ${grew} bytes for ${arrived.length} of a ${bytes.length}-byte snapshot`);
});
