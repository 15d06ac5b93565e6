// bench/lib/data.js — the two benchmark data sets of issue 6, their exact
// top-10 by brute force, and the 10% of ids the delete phase removes, cached
// under bench/.cache/ (ignored by git) so that each library's fresh process
// reads them in milliseconds instead of recomputing ~13 G multiply-adds.
//
// Ground truth is computed in double precision over the float32 rows (the
// libraries compute in float32; near-ties at rank 10 may differ in the last
// bit, which moves recall by far less than the differences we report).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { generate, fnv1a32, SplitMix64, DATASET_CLUSTERS, DATASET_SPREAD } from '../../tests/lib/dataset.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CACHE_DIR = path.resolve(HERE, '..', '.cache');
export const K = 10;
// Bump when anything that goes into the cache changes meaning.
const CACHE_VERSION = 1;

// The seeds are arbitrary but fixed; tests/node/dataset.test.js pins the
// hashes of exactly these sets, so a change to the generator shows there.
export const DATASETS = {
  A: { name: 'A', seed: 1, n: 100000, q: 1000, dim: 128 },
  B: { name: 'B', seed: 2, n: 20000, q: 200, dim: 768 },
  // A small set for smoke runs and the browser run when time is short.
  S: { name: 'S', seed: 3, n: 10000, q: 200, dim: 128 },
};
export const DELETE_FRACTION = 0.1;
const DELETE_SEED = 0xde1e7e;

// The ids (row numbers) deleted in the delete phase: a seeded
// Fisher-Yates prefix, sorted, so every library deletes the same rows.
export function deletedIds(n, fraction = DELETE_FRACTION) {
  const count = Math.round(n * fraction);
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const rng = new SplitMix64(DELETE_SEED);
  for (let i = 0; i < count; i++) {
    const j = i + (rng.nextHigh32() % (n - i));
    const t = perm[i]; perm[i] = perm[j]; perm[j] = t;
  }
  return perm.slice(0, count).sort();
}

// Exact top-k by squared L2 for every query, over all rows and over the rows
// that survive the delete phase, in one pass. Ties go to the lower row id.
export function bruteForce(base, queries, dim, k, deleted) {
  const n = base.length / dim;
  const q = queries.length / dim;
  const isDeleted = new Uint8Array(n);
  for (const id of deleted) isDeleted[id] = 1;
  const all = new Int32Array(q * k);
  const alive = new Int32Array(q * k);
  const dist = new Float64Array(n);
  for (let qi = 0; qi < q; qi++) {
    const qo = qi * dim;
    for (let i = 0; i < n; i++) {
      const bo = i * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const t = base[bo + d] - queries[qo + d];
        s += t * t;
      }
      dist[i] = s;
    }
    topK(dist, k, null, all, qi * k);
    topK(dist, k, isDeleted, alive, qi * k);
  }
  return { all, alive };
}

// Selects the k smallest of dist (skipping excluded rows) by insertion into a
// sorted list of k: n is large and k is 10, so this is about n comparisons.
function topK(dist, k, exclude, out, at) {
  const bestD = new Float64Array(k).fill(Infinity);
  const bestI = new Int32Array(k).fill(-1);
  for (let i = 0; i < dist.length; i++) {
    if (exclude && exclude[i]) continue;
    const d = dist[i];
    if (d >= bestD[k - 1]) continue;
    let j = k - 1;
    while (j > 0 && bestD[j - 1] > d) {
      bestD[j] = bestD[j - 1];
      bestI[j] = bestI[j - 1];
      j--;
    }
    bestD[j] = d;
    bestI[j] = i;
  }
  out.set(bestI, at);
}

function cachePath(spec, what) {
  return path.join(CACHE_DIR, `v${CACHE_VERSION}-${spec.name}-s${spec.seed}-${spec.n}x${spec.dim}-q${spec.q}.${what}`);
}

// The cache files of a data set (they exist once loadDataset has run).
export function cacheFiles(spec) {
  return {
    base: cachePath(spec, 'base.f32'),
    queries: cachePath(spec, 'queries.f32'),
    gt: cachePath(spec, `gt${K}.i32`),
    gtDel: cachePath(spec, `gt${K}-del.i32`),
    meta: cachePath(spec, 'meta.json'),
  };
}

function readTyped(file, Ctor) {
  const buf = fs.readFileSync(file);
  return new Ctor(buf.buffer, buf.byteOffset, buf.byteLength / Ctor.BYTES_PER_ELEMENT);
}

function writeAtomic(file, typed) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
  fs.renameSync(tmp, file);
}

// Returns { spec, base, queries, gt, gtAfterDelete, deleted } for a data set
// name, generating and caching what is missing. log receives progress lines.
export function loadDataset(name, log = () => {}) {
  const spec = DATASETS[name];
  if (!spec) throw new Error(`unknown data set ${name} (known: ${Object.keys(DATASETS).join(', ')})`);
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const files = cacheFiles(spec);
  const deleted = deletedIds(spec.n);
  if (Object.values(files).every((f) => fs.existsSync(f))) {
    const meta = JSON.parse(fs.readFileSync(files.meta, 'utf8'));
    return {
      spec, meta, deleted,
      base: readTyped(files.base, Float32Array),
      queries: readTyped(files.queries, Float32Array),
      gt: readTyped(files.gt, Int32Array),
      gtAfterDelete: readTyped(files.gtDel, Int32Array),
    };
  }
  let t = performance.now();
  const { base, queries } = generate({ seed: spec.seed, n: spec.n, q: spec.q, dim: spec.dim });
  log(`data set ${name}: generated ${spec.n} x ${spec.dim} + ${spec.q} queries in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const { all, alive } = bruteForce(base, queries, spec.dim, K, deleted);
  log(`data set ${name}: exact top-${K} by brute force in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const meta = {
    ...spec, k: K, clusters: DATASET_CLUSTERS, spread: DATASET_SPREAD,
    fnv1aBase: fnv1a32(base).toString(16), fnv1aQueries: fnv1a32(queries).toString(16),
    deleted: deleted.length,
  };
  writeAtomic(files.base, base);
  writeAtomic(files.queries, queries);
  writeAtomic(files.gt, all);
  writeAtomic(files.gtDel, alive);
  fs.writeFileSync(files.meta, JSON.stringify(meta, null, 2));
  return { spec, meta, deleted, base, queries, gt: all, gtAfterDelete: alive };
}

export { recallOf } from './stats.js';
