// bench/filter/index.js — what bench:filter (run.js) and its scan A/B
// (scan-ab.js) share: the uniform label `u` and the edgevec-c index built
// with metadata through js/wasm/ as EdgeVec.insertBatch builds it.
import * as api from '../../js/wasm/api.js';
import * as meta from '../../js/wasm/metadata.js';
import { parseCreateOptions } from '../../js/validate.js';
import { encodeBatch } from '../../js/metadata/encode.js';

/** The seed of the labels' generator (the uniform labels are its first draws). */
export const LABEL_SEED = 0xf117e5;

/**
 * `u`: n labels uniform in 0..999, independent of the vectors, drawn from
 * `rng` (which a caller may go on drawing from).
 * @param {import('../../tests/lib/dataset.js').SplitMix64} rng
 * @param {number} n
 */
export function uniformLabels(rng, n) {
  const u = new Uint16Array(n);
  for (let i = 0; i < n; i++) u[i] = rng.nextHigh32() % 1000;
  return u;
}

/**
 * An index of `n` rows of `base` with one metadata record each, inserted a
 * window at a time (the batch goes to the core through one buffer of
 * batch.window rows), then put in graph order when it is due, as
 * EdgeVec.insertBatch does after a batch (autoOptimize, the default), so
 * the index searched is the one an app that bulk-loads gets.
 * @param {import('../../js/wasm/module.js').EdgeVecWasm} wasm
 * @param {Float32Array} base
 * @param {number} n
 * @param {{ dimensions: number, m: number, efConstruction: number, seed: number }} options
 * @param {Record<string, number>[]} records
 * @returns {number} the index's handle
 */
export function buildIndex(wasm, base, n, options, records) {
  const dim = options.dimensions;
  const handle = api.createIndex(wasm, parseCreateOptions({ ...options, idType: 'number' }));
  const batch = new meta.MetaBatch(wasm, base, n, dim, undefined, true, encodeBatch(records, 'bench', () => undefined));
  try {
    const v = batch.validate(handle);
    if (v.status !== 0) throw new Error(`validate: status ${v.status}`);
    for (let s = 0; s < n; s += batch.window) {
      const r = batch.insert(handle, s, Math.min(batch.window, n - s));
      if (r.status !== 0) throw new Error(`insert: status ${r.status}`);
    }
  } finally {
    batch.free();
  }
  if (api.orderDue(wasm, handle)) api.reorder(wasm, handle);
  return handle;
}
