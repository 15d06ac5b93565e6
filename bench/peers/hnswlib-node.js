// bench/peers/hnswlib-node.js — adapter for hnswlib-node (hnswlib's C++
// compiled natively as a Node addon): the upper bound a wasm library in the
// browser is measured against. Its API takes number[] only, so rows are
// converted per insert (inside the timed region: a caller holding
// Float32Arrays pays it too) and queries once beforehand (so search timings
// are of the index alone, to keep it an upper bound).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let HierarchicalNSW;

export default {
  name: 'hnswlib-node',
  packageName: 'hnswlib-node',
  kind: 'native',
  efPerQuery: true,
  // Not loadable in a page: a Node addon.
  bundleFiles: null,
  notes: [
    'Native C++ (node-gyp, -O3, no -march flags, so SSE2-level SIMD only): the upper bound, not a browser option.',
    'The API takes number[] only: rows are converted per insert inside the timed region; queries are converted before timing.',
  ],

  async init() {
    ({ HierarchicalNSW } = require('hnswlib-node'));
  },

  create({ dim, capacity, m, efConstruction, seed }) {
    const index = new HierarchicalNSW('l2', dim);
    index.initIndex({ maxElements: capacity, m, efConstruction, randomSeed: seed });
    return { index, dim };
  },

  insertBatch(h, flat, firstId) {
    // No batch call exists: this is the loop a caller writes.
    const { index, dim } = h;
    const n = flat.length / dim;
    for (let i = 0; i < n; i++) index.addPoint(Array.from(flat.subarray(i * dim, (i + 1) * dim)), firstId + i);
  },

  insertOne(h, vec, id) {
    h.index.addPoint(Array.from(vec), id);
  },

  prepareQuery(q) {
    return Array.from(q);
  },

  setEf(h, ef) {
    h.index.setEf(ef);
  },

  search(h, q, k) {
    return h.index.searchKnn(q, k).neighbors;
  },

  deleteBatch(h, ids) {
    for (const id of ids) h.index.markDelete(id);
    return { deleted: ids.length };
  },

  async save(h) {
    const file = path.join(os.tmpdir(), `bench-hnswlib-node-${process.pid}.bin`);
    h.index.writeIndexSync(file);
    const bytes = fs.statSync(file).size;
    return { bytes, where: 'file (writeIndexSync)', handle: { file, dim: h.dim } };
  },

  async load(saved) {
    const index = new HierarchicalNSW('l2', saved.dim);
    index.readIndexSync(saved.file);
    fs.rmSync(saved.file, { force: true });
    return { index, dim: saved.dim };
  },

  wasmBytes() {
    return null;
  },

  dispose() {},
};
