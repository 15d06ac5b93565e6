// bench/peers/edgevec-c.js — adapter for this project (js/index.js over
// dist/edgevec.wasm), used through its public API exactly as an app would:
// EdgeVec.create / insertBatch / insert / search(q, k, { ef }) /
// softDeleteBatch. Ids are the row numbers, as numbers (idType 'number').
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let api;

// The files a page downloads: every module of js/ reachable from index.js
// (all of js/ but type declarations and the storage backends' Node-only
// parts, which are small) plus the glue and the .wasm.
function bundleFiles() {
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) files.push(p);
    }
  };
  walk(path.join(ROOT, 'js'));
  files.push(path.join(ROOT, 'dist/edgevec.js'), path.join(ROOT, 'dist/edgevec.wasm'));
  return files;
}

export default {
  name: 'edgevec-c',
  packageName: null,
  kind: 'wasm',
  efPerQuery: true,
  get bundleFiles() {
    return bundleFiles();
  },
  notes: ['This project: C core compiled by Emscripten 3.1.6 with -O3 -msimd128, hand-written ES-module JS layer.'],

  async init() {
    api = await import(path.join(ROOT, 'js/index.js'));
  },

  async create({ dim, m, efConstruction, seed, ef }) {
    const db = await api.EdgeVec.create({
      dimensions: dim, metric: 'l2', m, efConstruction, efSearch: ef, seed, idType: 'number',
    });
    return { db, dim, ef };
  },

  async insertBatch(h, flat, firstRow) {
    const n = flat.length / h.dim;
    const ids = new Array(n);
    for (let i = 0; i < n; i++) ids[i] = firstRow + i;
    await h.db.insertBatch(flat, { ids });
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

  // Persistence lands with its own issue; used as soon as the API has it.
  get save() {
    return undefined;
  },

  wasmBytes(h) {
    return h?.db?.wasmMemoryBytes ?? null;
  },

  libraryBytes(h) {
    return h.db.memoryBytes;
  },

  dispose(h) {
    h.db.dispose();
  },
};
