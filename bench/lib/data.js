// bench/lib/data.js — the benchmark data sets, their exact top-10 by brute
// force, and the 10% of ids the delete phase removes, cached under
// bench/.cache/ (ignored by git) so that each library's fresh process reads
// them in milliseconds instead of recomputing tens of G multiply-adds.
//
// Two families:
// - A, B, S (issue 6): Gaussian mixtures from tests/lib/dataset.js, the
//   generator the C tests share. Easy for a graph index (well separated,
//   equal, isotropic clusters), kept so results stay comparable over time.
// - R100, R384, R768 (issue 16): real or real-like embeddings, unit length,
//   at the dimensions apps use (100: word vectors, not a multiple of 16
//   floats, so the distance kernels run a tail; 384 and 768: the common
//   sentence-embedding widths, 3 and 6 times A's row size).
//   - R100 is real: 100k GloVe word vectors + 1k held-out words
//     (bench/lib/glove.js; the package is fetched by scripts/bench-peers.sh).
//   - R384 and R768 are generated (bench/lib/embedding-like.js): no real
//     sentence-embedding set of usable size is installable here (the reachable
//     package registries ship GloVe word vectors, but no sentence embeddings of
//     a corpus, and computing them would need model weights from elsewhere).
//     The generator gives them the properties that make real embeddings hard
//     for a graph index, each for a reason written there: an anisotropic,
//     power-law spectrum over a low-rank projection (a few directions carry
//     most of the distance), a common offset (all rows in a narrow cone, low
//     relative contrast), Zipf-sized clusters of varied width that overlap
//     (dense and sparse regions), a little isotropic noise (full rank, every
//     dimension costs its share), unit length (as sentence embeddings are
//     normalised for cosine), and held-out queries drawn from the same
//     process. Its parameters were set so that the relative contrast of the
//     10th neighbour (mean distance over 10th-neighbour distance) came close
//     to the GloVe vectors' in trials on sets of 10-20k rows.
//   - R384 has 50k rows and R768 25k, not 100k: the whole three-dimension
//     run (two rounds of three libraries, efConstruction 200) must fit in
//     about half an hour on 2 cores, and hnswlib-wasm (scalar wasm) builds
//     wide rows slowly. Both still hold 77 MB of vectors, far beyond the
//     caches, so every hop is a cache miss as with a larger set.
//   These sets are measured on build and search only (no save/load, delete or
//   5k-insert phases: those are A's and B's; issue 16 is about search, build
//   and memory), with the ef sweep extended to 512.
//
// Ground truth is computed in double precision over the float32 rows (the
// libraries compute in float32; near-ties at rank 10 may differ in the last
// bit, which moves recall by far less than the differences we report).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { generate, fnv1a32, SplitMix64, DATASET_CLUSTERS, DATASET_SPREAD } from '../../tests/lib/dataset.js';
import { generateEmbeddingLike, EMBEDDING_LIKE_DEFAULTS } from './embedding-like.js';
import { loadGlove, gloveJsonPath, GLOVE_PACKAGE, GLOVE_VERSION } from './glove.js';

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
  // Issue 16: real (R100) and real-like (R384, R768) embeddings; see above.
  R100: { name: 'R100', kind: 'glove', seed: 4, n: 100000, q: 1000, dim: 100, searchOnly: true },
  R384: { name: 'R384', kind: 'embedding-like', seed: 5, n: 50000, q: 1000, dim: 384, searchOnly: true },
  R768: { name: 'R768', kind: 'embedding-like', seed: 6, n: 25000, q: 1000, dim: 768, searchOnly: true },
};
// The sets of issue 16, for the knobs of scripts/bench-peers.sh.
export const REAL_DATASETS = ['R100', 'R384', 'R768'];
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

// Exact top-k by squared L2 without a delete list, for the sets measured on
// search only. The same arithmetic as bruteForce (float32 rows, differences
// squared in double) with four partial sums, so a 100k x 384 set with 1k
// queries takes minutes rather than many; the partial sums move the last bits
// of a distance only, which decides nothing but exact ties (lower id wins).
export function exactNeighbours(base, queries, dim, k) {
  const n = base.length / dim;
  const q = queries.length / dim;
  const out = new Int32Array(q * k);
  const dist = new Float64Array(n);
  const tail = dim & 3;
  const body = dim - tail;
  for (let qi = 0; qi < q; qi++) {
    const qo = qi * dim;
    for (let i = 0; i < n; i++) {
      const bo = i * dim;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let d = 0; d < body; d += 4) {
        const t0 = base[bo + d] - queries[qo + d];
        const t1 = base[bo + d + 1] - queries[qo + d + 1];
        const t2 = base[bo + d + 2] - queries[qo + d + 2];
        const t3 = base[bo + d + 3] - queries[qo + d + 3];
        s0 += t0 * t0; s1 += t1 * t1; s2 += t2 * t2; s3 += t3 * t3;
      }
      for (let d = body; d < dim; d++) {
        const t = base[bo + d] - queries[qo + d];
        s0 += t * t;
      }
      dist[i] = (s0 + s1) + (s2 + s3);
    }
    topK(dist, k, null, out, qi * k);
  }
  return out;
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
    // Only for the sets with a delete phase.
    ...(spec.searchOnly ? {} : { gtDel: cachePath(spec, `gt${K}-del.i32`) }),
    meta: cachePath(spec, 'meta.json'),
  };
}

// The rows and queries of a set, from its generator or its source file.
export function makeRows(spec) {
  switch (spec.kind ?? 'mixture') {
    case 'mixture':
      return generate({ seed: spec.seed, n: spec.n, q: spec.q, dim: spec.dim });
    case 'embedding-like':
      return generateEmbeddingLike({ seed: spec.seed, n: spec.n, q: spec.q, dim: spec.dim });
    case 'glove':
      return loadGlove({ file: process.env.BENCH_GLOVE_JSON ?? gloveJsonPath(CACHE_DIR), seed: spec.seed, n: spec.n, q: spec.q });
    default:
      throw new Error(`unknown kind of data set ${spec.kind}`);
  }
}

// What the meta file says about where the rows came from.
function provenance(spec) {
  switch (spec.kind ?? 'mixture') {
    case 'mixture': return { kind: 'mixture', clusters: DATASET_CLUSTERS, spread: DATASET_SPREAD };
    case 'embedding-like': return { kind: 'embedding-like', generator: EMBEDDING_LIKE_DEFAULTS };
    case 'glove': return { kind: 'glove', source: `${GLOVE_PACKAGE}@${GLOVE_VERSION}`, rows: 'the n + q most frequent words, seeded order, first q held out', unitLength: true };
    default: return { kind: spec.kind };
  }
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
      gtAfterDelete: files.gtDel ? readTyped(files.gtDel, Int32Array) : null,
    };
  }
  let t = performance.now();
  const { base, queries } = makeRows(spec);
  log(`data set ${name}: ${spec.kind === 'glove' ? 'read' : 'generated'} ${spec.n} x ${spec.dim} + ${spec.q} queries in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  let all, alive = null;
  if (spec.searchOnly) all = exactNeighbours(base, queries, spec.dim, K);
  else ({ all, alive } = bruteForce(base, queries, spec.dim, K, deleted));
  log(`data set ${name}: exact top-${K} by brute force in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const meta = {
    ...spec, k: K, ...provenance(spec),
    fnv1aBase: fnv1a32(base).toString(16), fnv1aQueries: fnv1a32(queries).toString(16),
    deleted: spec.searchOnly ? 0 : deleted.length,
  };
  writeAtomic(files.base, base);
  writeAtomic(files.queries, queries);
  writeAtomic(files.gt, all);
  if (alive) writeAtomic(files.gtDel, alive);
  fs.writeFileSync(files.meta, JSON.stringify(meta, null, 2));
  return { spec, meta, deleted, base, queries, gt: all, gtAfterDelete: alive };
}

export { recallOf } from './stats.js';
