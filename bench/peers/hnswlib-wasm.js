// bench/peers/hnswlib-wasm.js — adapter for hnswlib-wasm 0.8.2 (hnswlib's
// C++ through Emscripten, scalar wasm, built with ASSERTIONS=1, the .wasm
// embedded in the JS as base64). It is built for ENVIRONMENT=web only, so in
// Node it needs `window` to exist, and its file system is IDBFS, which in Node
// needs fake-indexeddb: save/load times here are those of an in-memory
// IndexedDB, not a browser's.
import 'fake-indexeddb/auto';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const PKG_DIR = path.dirname(require.resolve('hnswlib-wasm/package.json'));

let lib;
let mod;
let saveCounter = 0;

export default {
  name: 'hnswlib-wasm',
  packageName: 'hnswlib-wasm',
  kind: 'wasm',
  efPerQuery: true,
  bundleFiles: [path.join(PKG_DIR, 'dist/hnswlib.js'), path.join(PKG_DIR, 'dist/hnswlib-317962d7.js')],
  notes: [
    'Built with -sENVIRONMENT=web: in Node it loads only with a `window` global; persistence goes through IDBFS (fake-indexeddb in Node).',
    'Scalar wasm (no -msimd128), ASSERTIONS=1, the .wasm inlined as base64 in an 878 KB JS file.',
  ],

  async init() {
    globalThis.window ??= globalThis;
    mod = await import('hnswlib-wasm/dist/hnswlib.js');
    // Its loader logs file-system progress to the console; keep stdout clean.
    const log = console.log;
    console.log = () => {};
    try {
      lib = await mod.loadHnswlib();
    } finally {
      console.log = log;
    }
  },

  create({ dim, capacity, m, efConstruction, seed }) {
    const index = new lib.HierarchicalNSW('l2', dim, '');
    index.initIndex(capacity, m, efConstruction, seed);
    return { index, dim, capacity };
  },

  insertBatch(h, flat, firstId) {
    const { index, dim } = h;
    const n = flat.length / dim;
    const items = new Array(n);
    const labels = new Array(n);
    for (let i = 0; i < n; i++) {
      items[i] = flat.subarray(i * dim, (i + 1) * dim);
      labels[i] = firstId + i;
    }
    index.addPoints(items, labels, false);
  },

  insertOne(h, vec, id) {
    h.index.addPoint(vec, id, false);
  },

  setEf(h, ef) {
    h.index.setEfSearch(ef);
  },

  search(h, q, k) {
    return h.index.searchKnn(q, k, undefined).neighbors;
  },

  deleteBatch(h, ids) {
    h.index.markDeleteItems(Array.from(ids));
    return { deleted: ids.length };
  },

  async save(h) {
    const name = `bench-${process.pid}-${saveCounter++}.bin`;
    const log = console.log;
    console.log = () => {};
    try {
      await h.index.writeIndex(name);
      await mod.syncFileSystem('write');
    } finally {
      console.log = log;
    }
    return { bytes: null, where: 'IDBFS (fake-indexeddb in Node)', handle: { name, dim: h.dim, capacity: h.capacity } };
  },

  async load(saved) {
    const index = new lib.HierarchicalNSW('l2', saved.dim, '');
    const log = console.log;
    console.log = () => {};
    try {
      await index.readIndex(saved.name, saved.capacity);
    } finally {
      console.log = log;
    }
    return { index, dim: saved.dim, capacity: saved.capacity };
  },

  wasmBytes() {
    return lib.HEAPU8.buffer.byteLength;
  },

  dispose(h) {
    // hnswlib-wasm has no delete(); the embind object is released here.
    h.index.delete?.();
  },
};
