// tests/node/helpers/transfer.js — what the transfer tests share: seeded
// rows with 64-bit ids, collecting an export, feeding bytes back in awkward
// chunks, and bit-exact comparison of an index's rows.
import assert from 'node:assert/strict';
import { clustered, mulberry32 } from './data.js';

/**
 * n distinct ids, a third of them above 2^53 and one of them 2^64 - 1, in
 * no particular order.
 * @param {number} seed
 * @param {number} n
 * @returns {bigint[]}
 */
export function seededIds(seed, n) {
  const rand = mulberry32(seed);
  const seen = new Set([2n ** 64n - 1n]);
  const ids = [2n ** 64n - 1n];
  while (ids.length < n) {
    const hi = BigInt(Math.floor(rand() * 2 ** 32)) >> BigInt(ids.length % 3 === 0 ? 0 : 20);
    const id = (hi << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
    if (!seen.has(id)) { seen.add(id); ids.push(id); }
  }
  return ids;
}

/**
 * Seeded rows: flat vectors and their ids.
 * @param {{ seed: number, n: number, dim: number }} o
 * @returns {{ vectors: Float32Array, ids: bigint[] }}
 */
export function seededRows({ seed, n, dim }) {
  return { vectors: clustered({ seed, n, dim }), ids: seededIds(seed + 1, n) };
}

/**
 * Every chunk of an async iterable of bytes, joined.
 * @param {AsyncIterable<Uint8Array>} chunks
 * @returns {Promise<Buffer>}
 */
export async function collect(chunks) {
  const parts = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/**
 * The bytes as a web ReadableStream of chunks of `size` bytes (so that rows,
 * lines and UTF-8 characters are split across chunks).
 * @param {Uint8Array} bytes
 * @param {number} size
 * @returns {ReadableStream<Uint8Array>}
 */
export function streamOf(bytes, size) {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) { controller.close(); return; }
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

/**
 * Asserts that the index holds exactly these rows: the same ids and, bit
 * for bit, the same vectors.
 * @param {{ ids(): BigUint64Array | number[], get(id: bigint | number): Float32Array | undefined, size: number }} db
 * @param {ArrayLike<bigint | number>} ids
 * @param {(i: number) => Float32Array} vectorOf  the vector of ids[i]
 */
export function assertSameRows(db, ids, vectorOf) {
  assert.equal(db.size, ids.length);
  const want = Array.from(ids).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual(Array.from(db.ids()), want);
  for (let i = 0; i < ids.length; i++) {
    const got = db.get(ids[i]);
    assert.ok(got, `id ${ids[i]} is there`);
    assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(vectorOf(i).slice().buffer),
      `the vector of id ${ids[i]}, bit for bit`);
  }
}
