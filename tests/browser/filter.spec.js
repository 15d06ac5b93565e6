// filter.spec.js — metadata and filtered search in a real browser: 3,000
// seeded vectors with seeded metadata inserted into an IndexedDB database,
// filtered searches (object form and string syntax) checked against a brute
// force over the same data computed in Node (tests/lib/filter-reference.js),
// count() exact, then a reload: the reopened database returns the same
// metadata, counts and results.
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { test, expect } from './fixtures.js';
import { openHarness, uniqueName, waitHarness, importDataset } from './lib/scenario.js';

const CFG = { seed: 13, dim: 32, n: 3000, nq: 12, k: 10 };
// Filters from about 50% down to a handful of vectors, with each logic form.
const FILTERS = [
  { kind: 'object', filter: { cat: 'c1' } },
  { kind: 'object', filter: { price: { lt: 10 } } },
  { kind: 'object', filter: { price: { lt: 1 } } },
  { kind: 'object', filter: { or: [{ tags: { any: ['t3'] } }, { not: { flag: true } }] } },
  { kind: 'string', filter: 'cat IN ["c0", "c2"] AND price >= 50' },
  { kind: 'string', filter: 'tags ALL ["t1", "t2"] OR price BETWEEN 99 AND 100' },
  { kind: 'string', filter: 'NOT cat = "c1" && flag IS NOT NULL' },
];

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Builds or opens the database, runs every filter; runs in the page. */
async function inPage({ cfg, name, filters, build }) {
  const { EdgeVec, dataset } = window.harness;
  const mix = new dataset.Mixture(cfg.seed, cfg.dim);
  const data = mix.rows(cfg.n);
  const queries = mix.rows(cfg.nq);
  // Seeded metadata: every type, some fields missing.
  const rng = new dataset.SplitMix64(cfg.seed + 100);
  const records = Array.from({ length: cfg.n }, () => {
    const m = { cat: `c${rng.nextHigh32() % 4}`, price: (rng.nextHigh32() % 10000) / 100 };
    if (rng.nextHigh32() % 3 === 0) m.flag = rng.nextHigh32() % 2 === 0;
    m.tags = ['t1', 't2', 't3'].filter(() => rng.nextHigh32() % 2 === 0);
    return m;
  });
  let db;
  if (build) {
    db = await EdgeVec.open(name, { dimensions: cfg.dim, seed: 5, idType: 'number' });
    await db.insertBatch(data, { metadata: records });
    await db.checkpoint();
    // Changes after the checkpoint reach the log: the reload replays them.
    records[7] = { cat: 'c1', price: 0.5, tags: ['t3'] };
    db.setMetadata(7, records[7]);
    db.softDelete(8);
    records[8] = null;
    await db.flush();
  } else {
    db = await EdgeVec.open(name, { idType: 'number' });
  }
  const results = filters.map(({ filter }) => ({
    count: db.count(filter),
    hits: Array.from({ length: cfg.nq }, (_, q) => db.search(queries.subarray(q * cfg.dim, (q + 1) * cfg.dim),
      cfg.k, { filter, ef: 200 }).map((h) => [h.id, h.distance])),
  }));
  const metadata = [0, 7, 8, 1234, 2999].map((id) => db.getMetadata(id) ?? null);
  const parsed = EdgeVec.parseFilter(filters.find((f) => f.kind === 'string').filter);
  await db.close();
  return { records, results, metadata, parsed };
}

test('filtered search equals brute force; metadata, counts and results survive a reload', async ({ tabs }, testInfo) => {
  const name = uniqueName(testInfo, 'filter');
  const tab = await openHarness(tabs);
  const first = await tab.evaluate(inPage, { cfg: CFG, name, filters: FILTERS, build: true });

  // The same data in Node and the exact filtered top k.
  const { Mixture } = await importDataset();
  const { matches } = await import(pathToFileURL(path.join(HERE, '..', 'lib', 'filter-reference.js')).href);
  const { parseFilter } = await import(pathToFileURL(path.join(HERE, '..', '..', 'js', 'filter', 'index.js')).href);
  const mix = new Mixture(CFG.seed, CFG.dim);
  const data = mix.rows(CFG.n);
  const queries = mix.rows(CFG.nq);
  const records = first.records;
  FILTERS.forEach(({ filter }, fi) => {
    const object = typeof filter === 'string' ? parseFilter(filter) : filter;
    const live = records.map((r) => r !== null && matches(object, r));
    const count = live.filter(Boolean).length;
    expect(first.results[fi].count, `count of ${JSON.stringify(filter)}`).toBe(count);
    let found = 0, wanted = 0;
    for (let q = 0; q < CFG.nq; q++) {
      const dist = [];
      for (let i = 0; i < CFG.n; i++) {
        if (!live[i]) continue;
        let s = 0;
        for (let d = 0; d < CFG.dim; d++) { const x = data[i * CFG.dim + d] - queries[q * CFG.dim + d]; s += x * x; }
        dist.push([i, s]);
      }
      dist.sort((a, b) => a[1] - b[1]);
      const truth = new Set(dist.slice(0, CFG.k).map((x) => x[0]));
      const got = first.results[fi].hits[q];
      expect(got.length, `results of ${JSON.stringify(filter)}`).toBe(Math.min(CFG.k, count));
      for (const [id] of got) expect(live[id], `result ${id} matches ${JSON.stringify(filter)}`).toBe(true);
      found += got.filter(([id]) => truth.has(id)).length;
      wanted += truth.size;
    }
    expect(found / wanted, `recall of ${JSON.stringify(filter)}`).toBeGreaterThanOrEqual(0.95);
  });
  expect(first.metadata).toEqual([records[0], records[7], null, records[1234], records[2999]]);
  expect(first.parsed).toEqual(parseFilter(FILTERS.find((f) => f.kind === 'string').filter));

  await tab.reload();
  await waitHarness(tab);
  const second = await tab.evaluate(inPage, { cfg: CFG, name, filters: FILTERS, build: false });
  expect(second.metadata).toEqual(first.metadata);
  expect(second.results).toEqual(first.results);
});
