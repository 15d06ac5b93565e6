// bench/peers/voy.js — adapter for voy-search 0.6.3 (Rust + wasm-bindgen, a
// k-d tree). Its search is exact (there is no ef to trade recall for speed),
// so it has one point instead of a sweep. It ships for bundlers (an ES import
// of the .wasm); in Node the adapter instantiates the .wasm itself and hands
// the exports to the glue, which is what a bundler does.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { staticClosure } from '../lib/bundle.js';

const require = createRequire(import.meta.url);
const PKG_DIR = path.dirname(require.resolve('voy-search/package.json'));

let bg;
let exportsOfWasm;

function resources(flat, dim, firstRow) {
  const n = flat.length / dim;
  const embeddings = new Array(n);
  for (let i = 0; i < n; i++) {
    embeddings[i] = { id: String(firstRow + i), title: '', url: '', embeddings: Array.from(flat.subarray(i * dim, (i + 1) * dim)) };
  }
  return { embeddings };
}

export default {
  name: 'voy-search',
  packageName: 'voy-search',
  kind: 'wasm',
  efPerQuery: false,
  exact: true,
  // Exact search costs ~50 ms a query on A: 200 queries are plenty for one point.
  maxQueries: 200,
  get bundleFiles() {
    return staticClosure(path.join(PKG_DIR, 'voy_search.js'));
  },
  notes: [
    'A k-d tree with exact search: no ef, no M or efConstruction; one point instead of a sweep.',
    'Vectors go in as JSON-like objects with number[] embeddings and string ids; removal takes the same objects.',
    'save = serialize() to a JSON string; load = Voy.deserialize().',
  ],

  async init() {
    bg = await import('voy-search/voy_search_bg.js');
    const { instance } = await WebAssembly.instantiate(
      fs.readFileSync(path.join(PKG_DIR, 'voy_search_bg.wasm')), { './voy_search_bg.js': bg });
    exportsOfWasm = instance.exports;
    bg.__wbg_set_wasm(exportsOfWasm);
  },

  create({ dim }) {
    return { voy: null, dim, rows: null };
  },

  insertBatch(h, flat, firstRow) {
    const res = resources(flat, h.dim, firstRow);
    if (!h.voy) h.voy = new bg.Voy(res);
    else h.voy.add(res);
    h.flat = flat;
    h.firstRow = firstRow;
  },

  insertOne(h, vec, row) {
    const res = resources(vec, h.dim, row);
    if (!h.voy) h.voy = new bg.Voy(res);
    else h.voy.add(res);
  },

  search(h, q, k) {
    const r = h.voy.search(q, k).neighbors;
    const out = new Array(r.length);
    for (let i = 0; i < r.length; i++) out[i] = Number(r[i].id);
    return out;
  },

  deleteBatch(h, rows) {
    const dim = h.dim;
    const embeddings = Array.from(rows, (row) => ({
      id: String(row), title: '', url: '',
      embeddings: Array.from(h.flat.subarray((row - h.firstRow) * dim, (row - h.firstRow + 1) * dim)),
    }));
    h.voy.remove({ embeddings });
    return { deleted: rows.length };
  },

  async save(h) {
    const s = h.voy.serialize();
    return { bytes: Buffer.byteLength(s), where: 'JSON string (serialize)', handle: { s, h } };
  },

  async load(saved) {
    return { ...saved.h, voy: bg.Voy.deserialize(saved.s) };
  },

  wasmBytes() {
    return exportsOfWasm.memory.buffer.byteLength;
  },

  dispose(h) {
    h.voy?.free();
  },
};
