// scenario.js — what the scenario specs share: opening the harness page,
// the fixed data set and index options, and the Node-side reference results
// the browsers must reproduce exactly.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The 10,000 x 128 scenario. Queries are the 100 rows drawn right after the
 * data from the same stream (held out, same distribution). The index seed
 * fixes the node levels, so the same inserts build the same graph anywhere
 * the same wasm runs; `threads: 1` keeps the linking on one thread, where
 * the build with threads is loaded (Node, isolated pages), so that the
 * graph does not depend on the threads' timing either.
 */
export const BIG = Object.freeze({
  seed: 42,
  n: 10_000,
  dim: 128,
  nq: 100,
  k: 10,
  options: Object.freeze({ dimensions: 128, metric: 'l2', m: 16, efConstruction: 100, seed: 7, threads: 1 }),
});

/** Opens the harness page (optionally on another build, or without
 * BigUint64Array) and waits until the package has loaded. */
export async function openHarness(tabs, { src, nobig = false } = {}) {
  const q = new URLSearchParams();
  if (src) q.set('src', src);
  if (nobig) q.set('nobig', '1');
  const tab = await tabs.open(`tests/browser/pages/harness.html?${q}`);
  if (nobig) {
    await tab.evaluate(() => typeof window.harnessStart === 'function' && window.harnessStart());
  }
  await waitHarness(tab);
  return tab;
}

/** After goto/reload of the harness page: waits for it to load the package,
 * and fails with the page's own error if it could not. */
export async function waitHarness(tab) {
  const r = await tab.waitFor(
    () => (window.harnessReady ? 'ok' : window.harnessError ? `error: ${window.harnessError}` : false),
    null,
    { timeout: 30_000, message: 'harness page to load the package' },
  );
  if (r !== 'ok') throw new Error(`harness page could not load the package: ${r}`);
}

/** A name no other test (or earlier run) uses. */
export function uniqueName(testInfo, what) {
  const slug = `${testInfo.project.name}-${what}`.replace(/[^a-z0-9-]+/gi, '-');
  return `${slug}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Imports the package in this Node process, as a Node user would: the
 * packed copy the pages' /dist/ comes from, so both run the same build. */
export async function importNodePackage() {
  const dir = process.env.EDGEVEC_PACKED_DIR;
  if (!dir) throw new Error('EDGEVEC_PACKED_DIR is not set: global-setup.js did not run');
  return import(pathToFileURL(path.join(dir, 'js', 'index.js')).href);
}

/** Imports the shared data generator (tests/lib/dataset.js) in Node. */
export async function importDataset() {
  return import(pathToFileURL(path.join(ROOT, 'tests', 'lib', 'dataset.js')).href);
}

let bigReference;
/**
 * BIG built in Node with the same wasm: { fingerprint, ids, results } where
 * results[q] = [[idString, distance], ...]. Built once per worker process.
 */
export function nodeReference() {
  bigReference ??= (async () => {
    const { EdgeVec } = await importNodePackage();
    const { Mixture, fnv1a32 } = await importDataset();
    const mix = new Mixture(BIG.seed, BIG.dim);
    const data = mix.rows(BIG.n);
    const queries = mix.rows(BIG.nq);
    const db = await EdgeVec.create({ ...BIG.options });
    try {
      const { ids } = await db.insertBatch(data);
      const results = [];
      for (let q = 0; q < BIG.nq; q++) {
        const hits = db.search(queries.subarray(q * BIG.dim, (q + 1) * BIG.dim), BIG.k);
        results.push(hits.map((h) => [String(h.id), h.distance]));
      }
      return {
        fingerprint: fnv1a32(data).toString(16),
        queryFingerprint: fnv1a32(queries).toString(16),
        firstId: String(ids[0]),
        lastId: String(ids[ids.length - 1]),
        results,
      };
    } finally {
      db.dispose();
    }
  })();
  return bigReference;
}
