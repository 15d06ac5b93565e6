// bench/lib/embedding-like.js — a seeded generator of vectors shaped like
// sentence embeddings, for the benchmark sets at dimensions with no real
// embedding set available to the benchmark (see bench/lib/data.js).
//
// The Gaussian mixture of tests/lib/dataset.js (64 well separated, equally
// sized, isotropic clusters) is an easy case for a graph index: a query's
// neighbours all sit in its own cluster and every direction of the space
// carries the same variance. Real embeddings differ in ways that each make
// the search harder (a larger ef for the same recall), and each is modelled
// here on purpose:
//
// - Anisotropic, low intrinsic dimension. A model spreads most of the variance
//   over a few tens of directions and little over the rest. A row is made in
//   a latent space of `rank` coordinates and projected into `dim` by a random
//   matrix whose column i is scaled by (i+1)^(-spectrum/2), so the variances follow a
//   power law ((i+1)^-spectrum). Distances are then dominated by a few directions and
//   nearly tied along the others, which is what makes real neighbour lists
//   crowded and the greedy descent take more hops.
// - A common direction (the cone). Sentence embeddings share a large mean
//   vector: any two rows have a positive cosine. A fixed random offset of
//   norm meanNorm is added to every row before normalising, which squeezes
//   all rows into a cone and shrinks the gap between a near and a far
//   neighbour (lower relative contrast).
// - Clusters of very different sizes and widths. Topics are Zipf-distributed:
//   cluster k is drawn with weight 1/(k+1), so a few clusters hold a large
//   share of the rows and many are small; each cluster has its own spread
//   (uniform in [spreadMin, spreadMax] of the centres' scale), so they
//   overlap instead of sitting apart. Dense regions need a larger ef; sparse
//   ones test the links between regions.
// - Isotropic noise. A small full-rank noise term (norm noiseNorm before
//   normalising) keeps the set from being exactly low-rank: every dimension
//   still costs a distance computation its share.
// - Unit length. Sentence embeddings are usually normalised (cosine
//   similarity), so every row is scaled to norm 1; on unit vectors the L2
//   order is the cosine order.
// - Held-out queries from the same process. Queries are the rows drawn right
//   after the data rows from the same stream (same clusters, fresh noise):
//   like a user's question, near the data but never one of its rows.
//
// Only exactly rounded arithmetic (+, -, *, /, sqrt) is used, with the
// SplitMix64 stream of tests/lib/dataset.js, so the floats are the same on
// every platform; tests/node/embedding-like.test.js pins a hash.
import { SplitMix64 } from '../../tests/lib/dataset.js';

// Chosen in trials on 10-20k rows so that the relative contrast (mean
// distance of a random row over the distance of the 10th neighbour) came
// close to that of the GloVe vectors of R100, and random pairs have a small
// positive cosine, as sentence embeddings do.
export const EMBEDDING_LIKE_DEFAULTS = {
  // Latent coordinates: rank = dim / rankDivisor.
  rankDivisor: 4,
  // Exponent of the variance power law: latent i has variance (i+1)^-spectrum.
  spectrum: 0.5,
  clusters: 256,
  // Per-cluster spread, relative to the centres' scale (1).
  spreadMin: 0.9,
  spreadMax: 1.5,
  // Norm of the common offset and of the isotropic noise, before normalising.
  meanNorm: 3,
  noiseNorm: 0.6,
};

// The standard deviation of latent coordinate i: (i+1)^(-spectrum/2), for
// the exponents that exactly rounded sqrt can give (1, 1/2).
function columnScale(i, spectrum) {
  if (spectrum === 1) return 1 / Math.sqrt(i + 1);
  if (spectrum === 0.5) return 1 / Math.sqrt(Math.sqrt(i + 1));
  throw new Error(`spectrum must be 1 or 0.5, not ${spectrum}`);
}

// Draws { base, queries } (Float32Arrays of n * dim and q * dim) for a seed.
export function generateEmbeddingLike({ seed, n, q, dim, ...options }) {
  const o = { ...EMBEDDING_LIKE_DEFAULTS, ...options };
  const rank = Math.max(1, Math.round(dim / o.rankDivisor));
  const rng = new SplitMix64(seed);

  // The projection, row-major dim x rank: N(0, 1/dim) entries, column i
  // scaled by 1/sqrt(i+1) (variance power law).
  const proj = new Float64Array(dim * rank);
  const invSqrtDim = 1 / Math.sqrt(dim);
  for (let d = 0; d < dim; d++) {
    for (let i = 0; i < rank; i++) proj[d * rank + i] = rng.gauss() * invSqrtDim * columnScale(i, o.spectrum);
  }
  // The common direction, scaled to meanNorm.
  const mean = new Float64Array(dim);
  let mn = 0;
  for (let d = 0; d < dim; d++) { mean[d] = rng.gauss(); mn += mean[d] * mean[d]; }
  mn = o.meanNorm / Math.sqrt(mn);
  for (let d = 0; d < dim; d++) mean[d] *= mn;
  // Cluster centres in the latent space, their spreads, and the cumulative
  // Zipf weights used to pick a cluster per row.
  const centres = new Float64Array(o.clusters * rank);
  for (let i = 0; i < centres.length; i++) centres[i] = rng.gauss();
  const spreads = new Float64Array(o.clusters);
  for (let k = 0; k < o.clusters; k++) spreads[k] = o.spreadMin + (o.spreadMax - o.spreadMin) * rng.uniform();
  const cumulative = new Float64Array(o.clusters);
  let total = 0;
  for (let k = 0; k < o.clusters; k++) { total += 1 / (k + 1); cumulative[k] = total; }

  const latent = new Float64Array(rank);
  const row = new Float64Array(dim);
  const noiseScale = o.noiseNorm * invSqrtDim;
  const draw = (count) => {
    const out = new Float32Array(count * dim);
    for (let r = 0; r < count; r++) {
      const u = rng.uniform() * total;
      let k = 0;
      while (k < o.clusters - 1 && cumulative[k] <= u) k++;
      const c = k * rank;
      for (let i = 0; i < rank; i++) latent[i] = centres[c + i] + spreads[k] * rng.gauss();
      let norm = 0;
      for (let d = 0; d < dim; d++) {
        let s = mean[d] + noiseScale * rng.gauss();
        const p = d * rank;
        for (let i = 0; i < rank; i++) s += proj[p + i] * latent[i];
        row[d] = s;
        norm += s * s;
      }
      const inv = 1 / Math.sqrt(norm);
      const at = r * dim;
      for (let d = 0; d < dim; d++) out[at + d] = row[d] * inv;
    }
    return out;
  };
  const base = draw(n);
  const queries = draw(q);
  return { base, queries, rank };
}
