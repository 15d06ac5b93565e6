// bench/peers/edgevec-c.js — adapter for this project (js/index.js over
// dist/edgevec.wasm), used through its public API exactly as an app would:
// EdgeVec.create / insertBatch / insert / search(q, k, { ef }) /
// softDeleteBatch. Ids are the row numbers, as numbers (idType 'number').
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { staticClosure } from '../lib/bundle.js';

// The package under test: the repository, or the copy of its js/ and dist/
// that scripts/bench-peers.sh takes right after building, so that a rebuild
// by someone else in the same working tree cannot swap the .wasm under a run.
const ROOT = process.env.BENCH_EDGEVEC_C_ROOT
  ? path.resolve(process.env.BENCH_EDGEVEC_C_ROOT)
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let api;
// MemoryStorage, from the package's storage entry (edgevec-c/storage): the
// main entry leaves storage out so that an app that never persists does not
// ship it.
let MemoryStorage;
// The wasm module instance all indexes share (js/loader.js keeps one), to
// read the size of its memory; the public API reports only the core's own
// allocated bytes (memoryBytes).
let wasmModule;
// The bytes of the default module, without threads, handed to every create:
// in Node the loader would otherwise pick the module with threads, and the
// peers here build and search on one thread (bench:threads measures threads).
let wasmBinary;

export default {
  name: 'edgevec-c',
  packageName: null,
  kind: 'wasm',
  efPerQuery: true,
  // The modules statically reachable from js/index.js and the .wasm.
  get bundleFiles() {
    return staticClosure(path.join(ROOT, 'js/index.js'));
  },
  // The same for an app that imports only the EdgeVec class (no persistence):
  // what a tree-shaking bundler keeps of the package for create/insert/search.
  get coreBundleFiles() {
    return staticClosure(path.join(ROOT, 'js/edgevec.js'));
  },
  // What exactly was measured: the .wasm's hash (the records say which build).
  buildId() {
    const wasm = fs.readFileSync(path.join(ROOT, 'dist/edgevec.wasm'));
    return { wasmSha256: createHash('sha256').update(wasm).digest('hex').slice(0, 16), wasmBytes: wasm.length };
  },
  notes: ['This project: C core compiled by Emscripten 3.1.6 with -O3 -msimd128, hand-written ES-module JS layer.'],

  async init() {
    api = await import(path.join(ROOT, 'js/index.js'));
    ({ MemoryStorage } = await import(path.join(ROOT, 'js/storage/index.js')));
    const { loadWasm } = await import(path.join(ROOT, 'js/loader.js'));
    wasmBinary = new Uint8Array(fs.readFileSync(path.join(ROOT, 'dist/edgevec.wasm')));
    wasmModule = await loadWasm({ wasmBinary });
  },

  async create({ dim, m, efConstruction, seed, ef }) {
    const db = await api.EdgeVec.create({
      dimensions: dim, metric: 'l2', m, efConstruction, efSearch: ef, seed, idType: 'number', wasmBinary,
    });
    return { db, dim, ef };
  },

  async insertBatch(h, flat, firstRow) {
    const n = flat.length / h.dim;
    const ids = new Array(n);
    for (let i = 0; i < n; i++) ids[i] = firstRow + i;
    await h.db.insertBatch(flat, { ids });
    (h.batches ??= []).push([firstRow, n]);
  },

  insertOne(h, vec, row) {
    return h.db.insert(vec, row);
  },

  setEf(h, ef) {
    h.opts = { ef };
  },

  search(h, q, k) {
    const res = h.db.search(q, k, h.opts);
    const out = new Array(res.length);
    for (let i = 0; i < res.length; i++) out[i] = Number(res[i].id);
    return out;
  },

  async deleteBatch(h, rows) {
    const r = await h.db.softDeleteBatch(Array.from(rows));
    return { deleted: r.deleted };
  },

  // save = checkpoint() of a database opened on a MemoryStorage (a snapshot
  // written through the storage interface, as IndexedDB would get it, minus
  // IndexedDB's own cost); load = EdgeVec.open() of it in the same process.
  // The index built by create() is not persisted, so save() first copies it
  // into a persisted database: that copy is not part of the timed save.
  async save(h) {
    const storage = new MemoryStorage();
    const name = 'bench';
    const db = await api.EdgeVec.open(name, {
      storage, dimensions: h.dim, metric: 'l2', idType: 'number', autoFlush: false, autoCheckpoint: false, wasmBinary,
    });
    for (const [first, n] of h.batches ?? []) {
      const flat = new Float32Array(n * h.dim);
      const ids = new Array(n);
      for (let i = 0; i < n; i++) {
        ids[i] = first + i;
        flat.set(h.db.get(first + i), i * h.dim);
      }
      await db.insertBatch(flat, { ids });
    }
    const t = performance.now();
    await db.checkpoint();
    const ms = performance.now() - t;
    const rec = storage.dbs.get(name);
    const bytes = rec?.snapshot?.byteLength ?? rec?.snapshot?.length ?? null;
    await db.close();
    return { bytes, where: 'MemoryStorage (snapshot through the storage interface)', ms, handle: { storage, name, dim: h.dim } };
  },

  async load(saved) {
    const db = await api.EdgeVec.open(saved.name, { storage: saved.storage, idType: 'number', readOnly: true, wasmBinary });
    return { db, dim: saved.dim };
  },

  wasmBytes() {
    return wasmModule.HEAPU8.buffer.byteLength;
  },

  libraryBytes(h) {
    return h.db.memoryBytes;
  },

  dispose(h) {
    h.db.dispose();
  },
};
