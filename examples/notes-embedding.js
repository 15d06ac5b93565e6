// notes-embedding.js — the text embedding of the notes demo (notes.html):
// text in, a unit-length Float32Array out. It is a hashed bag of character
// n-grams, not a language model: it finds notes that share words and word
// fragments with the query ("gardening" finds "garden"), not notes that
// mean the same in other words. It needs no download, runs in microseconds,
// and gives the same vector for the same text in every engine and in Node,
// which is what lets the tests expect exact results.
//
// The recipe, so it can be reproduced anywhere:
//   1. normalise: Unicode NFKC, lower case;
//   2. words: maximal runs of letters and digits (\p{L}\p{N});
//   3. features: each word as "w:<word>" (weight 1), and each character
//      3-gram of the word padded with a space on each side, as "c:<gram>"
//      (weight 0.5), so "cat" gives "c: ca", "c:cat", "c:at ";
//   4. each feature's UTF-8 bytes hashed with FNV-1a 32-bit (offset basis
//      2166136261, prime 16777619); the bucket is the low 8 bits of
//      h ^ (h >>> 16) (FNV's low byte alone mixes poorly), and bit 31 of h
//      picks the sign, so colliding features tend to cancel, not pile up;
//   5. the 256 sums scaled to unit L2 length, compared by cosine distance.
// A text without letters or digits has no features: its vector is all
// zeros, which the cosine metric refuses (INVALID_VECTOR), so callers check
// isEmptyEmbedding first.
//
// ─── Using a real embedding model instead ───────────────────────────────
// Replace embed() (and DIMENSIONS) with the model's output; nothing else in
// the demo changes. With transformers.js, for example (not a dependency of
// this project; shown only as the shape of the change):
//
//   import { pipeline } from '@huggingface/transformers';
//   const extractor = await pipeline('feature-extraction', 'Xenova/all-MiniLM-L6-v2');
//   export const DIMENSIONS = 384;
//   export async function embed(text) {
//     const out = await extractor(text, { pooling: 'mean', normalize: true });
//     return out.data; // a Float32Array of 384 numbers
//   }
//
// The page already awaits embed(), so an async model fits as is. The stored
// database was created with the old DIMENSIONS: clear it (or open another
// name) after switching, since EdgeVec.open refuses a query of the wrong
// length with DIMENSION_MISMATCH.

/** Length of every vector embed() returns; the index is created with it. */
export const DIMENSIONS = 256;

const WORD_WEIGHT = 1;
const GRAM_WEIGHT = 0.5;
const encoder = new TextEncoder();

/** FNV-1a 32-bit of a string's UTF-8 bytes, as an unsigned integer. */
export function fnv1a32(str) {
  let h = 0x811c9dc5;
  for (const b of encoder.encode(str)) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The words of a text, normalised as embed() sees them. */
export function words(text) {
  return String(text).normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function add(vec, feature, weight) {
  const h = fnv1a32(feature);
  const bucket = (h ^ (h >>> 16)) & (DIMENSIONS - 1);
  vec[bucket] += h & 0x80000000 ? -weight : weight;
}

/**
 * The embedding of `text`: DIMENSIONS floats of unit L2 length (all zeros
 * for a text without letters or digits). Deterministic: the same text gives
 * the same bits everywhere. Synchronous here; callers await it, so an
 * async model can take its place.
 * @param {string} text
 * @returns {Float32Array}
 */
export function embed(text) {
  const acc = new Float64Array(DIMENSIONS);
  for (const w of words(text)) {
    add(acc, `w:${w}`, WORD_WEIGHT);
    const chars = Array.from(` ${w} `); // code points, so a gram never splits a character
    for (let i = 0; i + 3 <= chars.length; i++) {
      add(acc, `c:${chars[i]}${chars[i + 1]}${chars[i + 2]}`, GRAM_WEIGHT);
    }
  }
  let norm = 0;
  for (const x of acc) norm += x * x;
  norm = Math.sqrt(norm);
  const out = new Float32Array(DIMENSIONS);
  if (norm > 0) for (let i = 0; i < DIMENSIONS; i++) out[i] = acc[i] / norm;
  return out;
}

/** True when embed() gave no direction (nothing to index or search for). */
export function isEmptyEmbedding(vec) {
  return vec.every((x) => x === 0);
}
