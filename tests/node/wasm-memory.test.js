// tests/node/wasm-memory.test.js (js/wasm/memory.js, js/wasm/api.js) — nothing
// leaks across the JS/wasm boundary: 1,000 cycles of insertBatch / search /
// softDeleteBatch (with failing calls mixed in, whose scratch memory is freed
// by `finally`) leave the module's malloc'd bytes (mallinfo, through
// evw_heap_allocated) where they started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { loadWasm } from '../../js/loader.js';
import { clustered } from './helpers/data.js';

const DIM = 16;
const CYCLES = 1000;

test('1,000 create/insertBatch/search/softDeleteBatch/dispose cycles: heap back to its start', async () => {
  const wasm = await loadWasm();
  const data = clustered({ seed: 31, n: 40, dim: DIM });
  const query = data.slice(0, DIM);
  const badRows = Array.from({ length: 4 }, () => new Array(DIM).fill(1));
  badRows[3][5] = 'x';
  const nanBatch = data.slice(0, 4 * DIM);
  nanBatch[3 * DIM] = NaN;

  // One warm-up cycle: the first use may allocate lasting things (nothing
  // here is expected to, but a baseline after it is the fair one).
  const warm = await EdgeVec.create({ dimensions: DIM, seed: 1 });
  await warm.insertBatch(data);
  warm.dispose();
  const before = wasm._evw_heap_allocated();

  for (let c = 0; c < CYCLES; c++) {
    const db = await EdgeVec.create({ dimensions: DIM, seed: c, efConstruction: 16 });
    const { ids } = await db.insertBatch(data);
    db.search(query, 5);
    db.search(query, 10, { ef: 32 });
    db.softDeleteBatch(ids.subarray(0, 20));
    db.insert(query);
    db.get(ids[30]);
    // Failures after scratch was allocated, in JS and in C.
    await assert.rejects(db.insertBatch(badRows));
    await assert.rejects(db.insertBatch(nanBatch));
    await assert.rejects(db.insertBatch(data.subarray(0, DIM), { ids: [ids[30]] }));
    assert.throws(() => db.search(new Float32Array(DIM).fill(NaN), 3));
    assert.throws(() => db.softDeleteBatch([1, -1]));
    if (c % 100 === 0) db.compact();
    db.dispose();
  }
  const after = wasm._evw_heap_allocated();
  assert.equal(after, before, `heap bytes ${before} -> ${after}`);
});

test('one index through 1,000 cycles: only the index grows, and dispose returns it all', async () => {
  const wasm = await loadWasm();
  const before = wasm._evw_heap_allocated();
  const db = await EdgeVec.create({ dimensions: DIM, seed: 2, efConstruction: 16 });
  const data = clustered({ seed: 32, n: 10, dim: DIM });
  let boundary = 0;
  for (let c = 0; c < CYCLES; c++) {
    const { ids } = await db.insertBatch(data);
    db.search(data.subarray(0, DIM), 10);
    db.softDeleteBatch(ids);
    if (c % 250 === 249) db.compact();
    // Between calls the heap holds the index and nothing else of ours.
    const extra = wasm._evw_heap_allocated() - before - db.memoryBytes;
    if (c === 0) boundary = extra;
    assert.ok(extra <= boundary + 4096, `cycle ${c}: ${extra} bytes beyond the index`);
  }
  db.dispose();
  assert.equal(wasm._evw_heap_allocated(), before);
});

test('200 open/insertBatch/flush/checkpoint/reopen/close cycles of a persisted database: heap back to its start', async () => {
  const wasm = await loadWasm();
  const data = clustered({ seed: 33, n: 20, dim: DIM });
  const storage = new MemoryStorage();
  const warm = await EdgeVec.open('warm', { storage, dimensions: DIM });
  await warm.insertBatch(data);
  await warm.close();
  const before = wasm._evw_heap_allocated();
  for (let c = 0; c < 200; c++) {
    const name = `db${c % 5}`;
    const db = await EdgeVec.open(name, { storage, dimensions: DIM, efConstruction: 16 });
    const { ids } = await db.insertBatch(data);
    await db.flush();
    db.softDeleteBatch(ids.subarray(0, 5));
    if (c % 3 === 0) await db.checkpoint();
    db.search(data.subarray(0, DIM), 3);
    await db.close();
    if (c % 7 === 0) {
      // A load that fails after memory was taken: a corrupt snapshot.
      const entry = storage.dbs.get(name);
      const good = entry.snapshot;
      entry.snapshot = good.slice(0, good.length - 1);
      await assert.rejects(EdgeVec.open(name, { storage }));
      entry.snapshot = good;
    }
    if (c % 50 === 49) for (let i = 0; i < 5; i++) await EdgeVec.remove(`db${i}`, storage);
  }
  const after = wasm._evw_heap_allocated();
  assert.equal(after, before, `heap bytes ${before} -> ${after}`);
});

test('an EdgeVec dropped without dispose() is freed (and its database released) once collected', async () => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const wasm = await loadWasm();
  const storage = new MemoryStorage();
  const before = wasm._evw_heap_allocated();
  await (async () => {
    const db = await EdgeVec.create({ dimensions: DIM });
    await db.insertBatch(clustered({ seed: 34, n: 50, dim: DIM }));
    const stored = await EdgeVec.open('dropped', { storage, dimensions: DIM });
    stored.insert(new Float32Array(DIM).fill(1), 1);
    await stored.flush();
  })();
  assert.ok(wasm._evw_heap_allocated() > before);
  for (let i = 0; i < 50 && wasm._evw_heap_allocated() !== before; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(wasm._evw_heap_allocated(), before);
  // The writer lock went with it: the database opens again.
  const again = await EdgeVec.open('dropped', { storage });
  assert.equal(again.has(1), true);
  await again.close();
});
