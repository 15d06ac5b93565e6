// bench/peers/edgevec.js — adapter for edgevec 0.9.0 (Rust + wasm-bindgen),
// the system edgevec-c re-implements. Its known limits are measured and
// reported, not worked around in ways a user could not:
// - In Node it must be initialised with the .wasm bytes (its default init
//   fetches a URL).
// - insertBatch(Array<Float32Array>) drops a vector, so the flat
//   insertBatchFlat is used for building; insertBatch is still exercised
//   (batch-vs-single insert) and the number it inserted is recorded.
// - ef_search is fixed when the index is created: search() has no ef, and
//   searchFiltered's efSearch option is ignored without a filter (measured:
//   same recall at efSearch 10 and 200). So each point of its ef sweep is a
//   separate build.
// - load() always fails, here with "Deserialization failed"; save() goes to
//   IndexedDB (fake-indexeddb in Node).
// - It assigns its own u32 ids starting at 1; compact() renumbers them.
import 'fake-indexeddb/auto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { staticClosure } from '../lib/bundle.js';

const require = createRequire(import.meta.url);
const PKG_DIR = path.dirname(require.resolve('edgevec/package.json'));

let ev;
let wasm;
let saveCounter = 0;

export default {
  name: 'edgevec',
  packageName: 'edgevec',
  kind: 'wasm',
  efPerQuery: false,
  // Its main entry (edgevec.js, which imports its IndexedDB snippet) + .wasm.
  get bundleFiles() {
    return staticClosure(path.join(PKG_DIR, 'edgevec.js'));
  },
  notes: [
    'Initialised in Node with the .wasm bytes; getSimdBackend() reports "scalar" in Node 20.',
    'ef_search is fixed at creation (no per-query ef; searchFiltered ignores efSearch without a filter): each ef point is a separate build.',
    'insertBatch(Array<Float32Array>) drops a vector; the build uses insertBatchFlat.',
    'load() fails on what save() wrote (measured here). Known and not measured here (this benchmark uses L2 and never compacts): only its L2 results are correct, and compact() renumbers ids.',
  ],

  async init() {
    ev = await import('edgevec/edgevec.js');
    wasm = await ev.default({ module_or_path: fs.readFileSync(path.join(PKG_DIR, 'edgevec_bg.wasm')) });
  },

  simdBackend() {
    return ev.getSimdBackend();
  },

  create({ dim, m, efConstruction, ef }) {
    const cfg = new ev.EdgeVecConfig(dim);
    cfg.m = m;
    cfg.m0 = 2 * m;
    cfg.ef_construction = efConstruction;
    cfg.ef_search = ef;
    cfg.metric = 'l2';
    // Its ids are its own; rowOf maps them back to our row numbers.
    return { db: new ev.EdgeVec(cfg), dim, rowOf: new Int32Array(1024).fill(-1), idOf: new Map() };
  },

  remember(h, id, row) {
    if (id >= h.rowOf.length) {
      const grown = new Int32Array(Math.max(id + 1, h.rowOf.length * 2)).fill(-1);
      grown.set(h.rowOf);
      h.rowOf = grown;
    }
    h.rowOf[id] = row;
    h.idOf.set(row, id);
  },

  insertBatch(h, flat, firstRow) {
    const n = flat.length / h.dim;
    const ids = h.db.insertBatchFlat(flat, n);
    if (ids.length !== n) throw new Error(`insertBatchFlat inserted ${ids.length} of ${n}`);
    for (let i = 0; i < n; i++) this.remember(h, ids[i], firstRow + i);
  },

  // The Array<Float32Array> batch call, for the batch-vs-single comparison;
  // returns how many it really inserted.
  insertBatchArrays(h, flat, firstRow) {
    const n = flat.length / h.dim;
    const arr = new Array(n);
    for (let i = 0; i < n; i++) arr[i] = flat.subarray(i * h.dim, (i + 1) * h.dim);
    const r = h.db.insertBatch(arr);
    return r.inserted;
  },

  insertOne(h, vec, row) {
    this.remember(h, h.db.insert(vec), row);
  },

  search(h, q, k) {
    const res = h.db.search(q, k);
    const out = new Array(res.length);
    for (let i = 0; i < res.length; i++) out[i] = h.rowOf[res[i].id];
    return out;
  },

  deleteBatch(h, rows) {
    const ids = new Uint32Array(rows.length);
    for (let i = 0; i < rows.length; i++) ids[i] = h.idOf.get(rows[i]);
    const r = h.db.softDeleteBatch(ids);
    const deleted = r.deleted;
    r.free?.();
    return { deleted };
  },

  async save(h) {
    const name = `bench-edgevec-${process.pid}-${saveCounter++}`;
    await h.db.save(name);
    // Bytes of the serialized form (what save() writes), from its stream.
    const it = h.db.save_stream();
    let bytes = 0;
    for (let c = it.next_chunk(); c; c = it.next_chunk()) bytes += c.length;
    it.free?.();
    return { bytes, where: 'IndexedDB (fake-indexeddb in Node)', handle: { name, h } };
  },

  async load(saved) {
    try {
      const db = await ev.EdgeVec.load(saved.name);
      return { ...saved.h, db };
    } catch (e) {
      throw new Error(typeof e === 'string' ? e : (e?.message ?? JSON.stringify(e)));
    }
  },

  wasmBytes() {
    return wasm.memory.buffer.byteLength;
  },

  libraryBytes(h) {
    return h.db.memoryUsage();
  },

  dispose(h) {
    h.db.free();
  },
};
