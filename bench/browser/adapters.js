// bench/browser/adapters.js — the libraries as a page loads them (no Node
// APIs): the same operations as bench/peers/*.js, loaded the way a web app
// would load each package from its files.
const NM = '/bench/node_modules';

export const ADAPTERS = {
  'edgevec-c': {
    efPerQuery: true,
    async init() {
      this.api = await import('/js/index.js');
      const { loadWasm } = await import('/js/loader.js');
      this.mod = await loadWasm();
    },
    async create({ dim, m, efConstruction, seed, ef }) {
      return { db: await this.api.EdgeVec.create({ dimensions: dim, metric: 'l2', m, efConstruction, efSearch: ef, seed, idType: 'number' }), opts: undefined };
    },
    async insertBatch(h, flat, n) {
      const ids = Array.from({ length: n }, (_, i) => i);
      await h.db.insertBatch(flat, { ids });
    },
    setEf(h, ef) { h.opts = { ef }; },
    search(h, q, k) { return h.db.search(q, k, h.opts).map((r) => Number(r.id)); },
    wasmBytes() { return this.mod.HEAPU8.buffer.byteLength; },
  },

  'hnswlib-wasm': {
    efPerQuery: true,
    async init() {
      const mod = await import(`${NM}/hnswlib-wasm/dist/hnswlib.js`);
      this.lib = await mod.loadHnswlib();
    },
    create({ dim, capacity, m, efConstruction, seed }) {
      const index = new this.lib.HierarchicalNSW('l2', dim, '');
      index.initIndex(capacity, m, efConstruction, seed);
      return { index };
    },
    insertBatch(h, flat, n, dim) {
      const items = new Array(n), labels = new Array(n);
      for (let i = 0; i < n; i++) { items[i] = flat.subarray(i * dim, (i + 1) * dim); labels[i] = i; }
      h.index.addPoints(items, labels, false);
    },
    setEf(h, ef) { h.index.setEfSearch(ef); },
    search(h, q, k) { return h.index.searchKnn(q, k, undefined).neighbors; },
    wasmBytes() { return this.lib.HEAPU8.buffer.byteLength; },
  },

  edgevec: {
    efPerQuery: false,
    async init() {
      this.ev = await import(`${NM}/edgevec/edgevec.js`);
      this.wasm = await this.ev.default();
    },
    create({ dim, m, efConstruction, ef }) {
      const cfg = new this.ev.EdgeVecConfig(dim);
      cfg.m = m; cfg.m0 = 2 * m; cfg.ef_construction = efConstruction; cfg.ef_search = ef; cfg.metric = 'l2';
      return { db: new this.ev.EdgeVec(cfg) };
    },
    insertBatch(h, flat, n) {
      const ids = h.db.insertBatchFlat(flat, n);
      h.first = ids[0];
    },
    search(h, q, k) { return h.db.search(q, k).map((r) => r.id - h.first); },
    wasmBytes() { return this.wasm.memory.buffer.byteLength; },
  },

  'voy-search': {
    efPerQuery: false,
    exact: true,
    async init() {
      this.bg = await import(`${NM}/voy-search/voy_search_bg.js`);
      const { instance } = await WebAssembly.instantiateStreaming(fetch(`${NM}/voy-search/voy_search_bg.wasm`), { './voy_search_bg.js': this.bg });
      this.exports = instance.exports;
      this.bg.__wbg_set_wasm(instance.exports);
    },
    create() { return {}; },
    insertBatch(h, flat, n, dim) {
      const embeddings = new Array(n);
      for (let i = 0; i < n; i++) embeddings[i] = { id: String(i), title: '', url: '', embeddings: Array.from(flat.subarray(i * dim, (i + 1) * dim)) };
      h.voy = new this.bg.Voy({ embeddings });
    },
    search(h, q, k) { return h.voy.search(q, k).neighbors.map((r) => Number(r.id)); },
    wasmBytes() { return this.exports.memory.buffer.byteLength; },
  },
};
