// memory.spec.js — the wasm heap in a real tab: inserting 10,000 x 128 grows
// the module's WebAssembly.Memory by less than 100 MB, and dispose() gives
// every byte the index allocated back to the core's allocator.
//
// The documented level after dispose: the core's allocated bytes return to
// exactly what they were before EdgeVec.create. The WebAssembly.Memory
// itself never shrinks (wasm has no way to return pages to the browser), so
// the level to check for the memory is "no further growth": a second index
// of the same size built after dispose fits in the memory the first grew.
//
// The module instance is read through js/loader.js, the same module URL the
// package's entry imports, so it is the very instance EdgeVec.create uses.
import { test, expect } from './fixtures.js';
import { BIG, openHarness } from './lib/scenario.js';

const MB = 1024 * 1024;

test('10,000 x 128 grows wasm memory < 100 MB; dispose returns the heap', async ({ tabs }) => {
  const tab = await openHarness(tabs);
  const r = await tab.evaluate(async (cfg) => {
    const { EdgeVec, dataset } = window.harness;
    const { loadWasm } = await import('/js/loader.js');
    const wasm = await loadWasm();
    const memory = () => wasm.HEAPU8.buffer.byteLength;
    const allocated = () => wasm._evw_heap_allocated();
    const data = new dataset.Mixture(cfg.seed, cfg.dim).rows(cfg.n);

    const before = { memory: memory(), allocated: allocated() };
    const db = await EdgeVec.create(cfg.options);
    await db.insertBatch(data);
    const full = { memory: memory(), allocated: allocated(), indexBytes: db.memoryBytes, size: db.size };
    db.dispose();
    const afterDispose = { memory: memory(), allocated: allocated() };

    const again = await EdgeVec.create(cfg.options);
    await again.insertBatch(data);
    const second = { memory: memory(), allocated: allocated(), size: again.size };
    again.dispose();
    const afterSecond = { memory: memory(), allocated: allocated() };
    return { before, full, afterDispose, second, afterSecond };
  }, BIG);

  const growth = r.full.memory - r.before.memory;
  test.info().annotations.push({
    type: 'wasm memory',
    description: `before ${(r.before.memory / MB).toFixed(1)} MB, after 10k x 128 ` +
      `${(r.full.memory / MB).toFixed(1)} MB (+${(growth / MB).toFixed(1)} MB), ` +
      `index ${(r.full.indexBytes / MB).toFixed(1)} MB`,
  });
  expect(r.full.size).toBe(BIG.n);
  expect(growth, 'wasm memory growth for 10k x 128').toBeLessThan(100 * MB);
  // The raw vectors alone are 5 MB: the index must at least hold them.
  expect(r.full.indexBytes).toBeGreaterThan(BIG.n * BIG.dim * 4);
  expect(r.full.allocated - r.before.allocated).toBeGreaterThanOrEqual(r.full.indexBytes * 0.9);
  // dispose: allocated bytes back to the level before create.
  expect(r.afterDispose.allocated).toBe(r.before.allocated);
  // The memory cannot shrink, but it is reused: no growth the second time.
  expect(r.second.size).toBe(BIG.n);
  expect(r.second.memory).toBe(r.full.memory);
  expect(r.afterSecond.allocated).toBe(r.before.allocated);
});
